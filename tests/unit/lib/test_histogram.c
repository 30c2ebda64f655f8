/* Unit tests for lib/histogram.c: bucket layout, percentiles and the
 * cumulative power-of-two distribution LATENCY HISTOGRAM replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "histogram.h"

static void test_small_values_are_exact(void **state) {
    (void)state;
    for (uint64_t value = 0; value < 2 * HISTOGRAM_SUB_BUCKETS; value++) {
        assert_int_equal(histogram_bucket_index(value), value);
        assert_int_equal(histogram_bucket_upper_bound(histogram_bucket_index(value)), value);
    }
}

static void test_bucket_bounds_contain_value(void **state) {
    (void)state;
    uint64_t values[] = {32, 33, 34, 63, 64, 65, 100, 1000, 4096, 123456, 999999, UINT64_C(1) << 35};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        size_t index = histogram_bucket_index(values[i]);
        uint64_t upper = histogram_bucket_upper_bound(index);
        uint64_t lower = index ? histogram_bucket_upper_bound(index - 1) + 1 : 0;
        assert_true(lower <= values[i]);
        assert_true(values[i] <= upper);
        /* Relative width below 1/16. */
        assert_true((upper - lower) * HISTOGRAM_SUB_BUCKETS <= lower);
    }
    /* 32..33 share a bucket (width 2), 64..67 (width 4). */
    assert_int_equal(histogram_bucket_index(32), 32);
    assert_int_equal(histogram_bucket_upper_bound(32), 33);
    assert_int_equal(histogram_bucket_index(64), 48);
    assert_int_equal(histogram_bucket_upper_bound(48), 67);
}

static void test_indexes_are_monotonic_and_capped(void **state) {
    (void)state;
    size_t previous = 0;
    for (uint64_t value = 0; value < 200000; value += 7) {
        size_t index = histogram_bucket_index(value);
        assert_true(index >= previous);
        previous = index;
    }
    assert_int_equal(histogram_bucket_index(UINT64_MAX), HISTOGRAM_BUCKETS - 1);
    assert_int_equal(histogram_bucket_index(HISTOGRAM_MAX_VALUE), HISTOGRAM_BUCKETS - 1);
    assert_int_equal(histogram_bucket_upper_bound(HISTOGRAM_BUCKETS - 1), HISTOGRAM_MAX_VALUE);
}

static void test_percentiles(void **state) {
    (void)state;
    histogram *h = histogram_create();
    assert_int_equal(histogram_percentile(h, 50), 0);
    for (uint64_t value = 1; value <= 100; value++) histogram_record(h, value);
    assert_int_equal(h->total, 100);
    assert_int_equal(histogram_percentile(h, 0), 1);
    assert_int_equal(histogram_percentile(h, 10), 10);
    assert_int_equal(histogram_percentile(h, 25), 25);
    /* Rank 50 is the value 50, in bucket [50, 51]. */
    assert_int_equal(histogram_percentile(h, 50), 51);
    /* Rank 99 is 99, in bucket [96, 99]; rank 100 is 100, in [100, 103]. */
    assert_int_equal(histogram_percentile(h, 99), 99);
    assert_int_equal(histogram_percentile(h, 100), 103);
    histogram_reset(h);
    assert_int_equal(h->total, 0);
    assert_int_equal(histogram_percentile(h, 99), 0);
    histogram_destroy(h);
}

typedef struct collected {
    uint64_t bounds[64];
    uint64_t counts[64];
    size_t count;
} collected;

static void collect(uint64_t bound, uint64_t count, void *context) {
    collected *out = context;
    out->bounds[out->count] = bound;
    out->counts[out->count++] = count;
}

static void test_cumulative_powers(void **state) {
    (void)state;
    histogram *h = histogram_create();
    collected out = {0};
    assert_int_equal(histogram_cumulative_powers(h, collect, &out), 0);
    /* Samples 0, 3, 3, 5, 40, 1000. */
    uint64_t samples[] = {0, 3, 3, 5, 40, 1000};
    for (size_t i = 0; i < 6; i++) histogram_record(h, samples[i]);
    size_t visits = histogram_cumulative_powers(h, collect, &out);
    /* < 1: 1; < 4: 3; < 8: 4; < 64: 5; < 1024: 6. */
    assert_int_equal(visits, 5);
    uint64_t bounds[] = {1, 4, 8, 64, 1024};
    uint64_t counts[] = {1, 3, 4, 5, 6};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(out.bounds[i], bounds[i]);
        assert_int_equal(out.counts[i], counts[i]);
    }
    histogram_destroy(h);
}

static void test_cumulative_reaches_total_for_huge_values(void **state) {
    (void)state;
    histogram *h = histogram_create();
    histogram_record(h, UINT64_MAX);
    collected out = {0};
    assert_int_equal(histogram_cumulative_powers(h, collect, &out), 1);
    assert_int_equal(out.counts[0], 1);
    assert_int_equal(out.bounds[0], HISTOGRAM_MAX_VALUE + 1);
    histogram_destroy(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_values_are_exact),
        cmocka_unit_test(test_bucket_bounds_contain_value),
        cmocka_unit_test(test_indexes_are_monotonic_and_capped),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_cumulative_powers),
        cmocka_unit_test(test_cumulative_reaches_total_for_huge_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
