/* Unit tests of lib/intset.c: random adds and removes against a sorted
 * reference across every width upgrade, the extremes of int64, and
 * used_memory returning to its baseline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intset.h"
#include "lib_test_support.h"
#include "zmalloc.h"

#define CAPACITY 8192

typedef struct reference {
    int64_t values[CAPACITY];
    size_t count;
} reference;

static long reference_position(const reference *r, int64_t value) {
    for (size_t i = 0; i < r->count; i++)
        if (r->values[i] == value) return (long)i;
    return -1;
}

static void reference_add(reference *r, int64_t value) {
    size_t i = r->count;
    while (i > 0 && r->values[i - 1] > value) {
        r->values[i] = r->values[i - 1];
        i--;
    }
    r->values[i] = value;
    r->count++;
}

static void check(const intset *s, const reference *r) {
    assert_int_equal(intset_count(s), r->count);
    for (size_t i = 0; i < r->count; i++) {
        assert_true(intset_get(s, i) == r->values[i]);
        assert_true(intset_contains(s, r->values[i]));
    }
}

/* A value from a range that widens with `scale`, so upgrades happen. */
static int64_t draw(uint64_t *rng, int scale) {
    uint64_t r = test_random(rng);
    switch (scale) {
    case 0: return (int64_t)(r % 200) - 100;
    case 1: return (int64_t)(r % 100000) - 50000;
    case 2: return (int64_t)(r % 6000000000ULL) - 3000000000LL;
    default: return r % 7 == 0 ? (r % 2 ? INT64_MIN : INT64_MAX) - (int64_t)(r % 3) * (r % 2 ? -1 : 1) : (int64_t)r;
    }
}

static void test_model(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    intset *s = intset_create();
    reference *r = calloc(1, sizeof *r);
    uint64_t rng = 5;
    for (long step = 0; step < 40000; step++) {
        int scale = (int)(step / 10000);
        int64_t value = draw(&rng, scale);
        bool changed;
        bool add = test_random(&rng) % 2 == 0 && r->count < CAPACITY;
        /* Most removals aim at a member, so the set stays bounded. */
        if (!add && r->count > 0 && test_random(&rng) % 4 != 0)
            value = r->values[test_random(&rng) % r->count];
        if (add) {
            s = intset_add(s, value, &changed);
            assert_int_equal(changed, reference_position(r, value) < 0);
            if (changed) reference_add(r, value);
        } else {
            long position = reference_position(r, value);
            s = intset_remove(s, value, &changed);
            assert_int_equal(changed, position >= 0);
            if (changed) {
                memmove(&r->values[position], &r->values[position + 1],
                        (r->count - (size_t)position - 1) * sizeof(int64_t));
                r->count--;
            }
        }
        if (step % 101 == 0) check(s, r);
    }
    check(s, r);
    assert_int_equal(intset_width(s), 8);
    intset *copy = intset_duplicate(s);
    check(copy, r);
    intset_free(copy);
    intset_free(s);
    free(r);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

/* Upgrades put the new value first (negative) or last (positive). */
static void test_upgrades(void **state) {
    (void)state;
    intset *s = intset_create();
    bool added;
    s = intset_add(s, 5, &added);
    s = intset_add(s, -3, &added);
    assert_int_equal(intset_width(s), 2);
    s = intset_add(s, -40000, &added);
    assert_int_equal(intset_width(s), 4);
    assert_true(intset_get(s, 0) == -40000);
    s = intset_add(s, INT64_MAX, &added);
    assert_int_equal(intset_width(s), 8);
    assert_true(intset_get(s, 3) == INT64_MAX);
    s = intset_add(s, INT64_MIN, &added);
    assert_true(intset_get(s, 0) == INT64_MIN);
    int64_t expected[] = {INT64_MIN, -40000, -3, 5, INT64_MAX};
    for (size_t i = 0; i < 5; i++) assert_true(intset_get(s, i) == expected[i]);
    assert_false(intset_contains(s, 4));
    intset_free(s);
}

/* 500 small members: ~2 B each (Redis: 2.32 B/member). */
static void test_memory_per_member(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    intset *s = intset_create();
    bool added;
    for (int i = 0; i < 500; i++) s = intset_add(s, i * 61 % 32768, &added);
    double per_member = (double)(zmalloc_used_memory() - baseline) / 500.0;
    assert_true(per_member <= 2.1);
    intset_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model),
        cmocka_unit_test(test_upgrades),
        cmocka_unit_test(test_memory_per_member),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
