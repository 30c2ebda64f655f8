/* Unit tests for lcs: answers observed on redis-server 7.0.15 (which of the
 * equally long subsequences, and the match ranges), properties checked on
 * random inputs against an independent two-row length computation, and the
 * clean failures on inputs too large for the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lcs.h"
#include "zmalloc.h"

/* Under ASan an impossible allocation must return NULL, as in a plain build,
 * rather than end the test with a report. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1";
}

static lcs_status compute(const char *a, const char *b, unsigned want, size_t min_match_length,
                          lcs_result *result) {
    return lcs_compute(a, strlen(a), b, strlen(b), want, min_match_length, 0, result);
}

static void assert_match(const lcs_match *match, size_t a_start, size_t a_end, size_t b_start,
                         size_t b_end) {
    assert_int_equal(match->a_start, a_start);
    assert_int_equal(match->a_end, a_end);
    assert_int_equal(match->b_start, b_start);
    assert_int_equal(match->b_end, b_end);
}

static void test_redis_documentation_example(void **state) {
    (void)state;
    lcs_result result;
    assert_int_equal(compute("ohmytext", "mynewtext", LCS_WANT_STRING | LCS_WANT_MATCHES, 0, &result), LCS_OK);
    assert_int_equal(result.length, 6);
    assert_memory_equal(result.string, "mytext", 6);
    assert_int_equal(result.match_count, 2);
    assert_match(&result.matches[0], 4, 7, 5, 8);
    assert_match(&result.matches[1], 2, 3, 0, 1);
    lcs_result_free(&result);

    assert_int_equal(compute("ohmytext", "mynewtext", LCS_WANT_MATCHES, 4, &result), LCS_OK);
    assert_int_equal(result.length, 6);
    assert_null(result.string);
    assert_int_equal(result.match_count, 1);
    assert_match(&result.matches[0], 4, 7, 5, 8);
    lcs_result_free(&result);
}

/* "BCBA", "BDAB" and "BCAB" are all longest; Redis answers "BDAB". */
static void test_tie_break_follows_redis(void **state) {
    (void)state;
    lcs_result result;
    assert_int_equal(compute("ABCBDAB", "BDCABA", LCS_WANT_STRING | LCS_WANT_MATCHES, 0, &result), LCS_OK);
    assert_int_equal(result.length, 4);
    assert_memory_equal(result.string, "BDAB", 4);
    assert_int_equal(result.match_count, 2);
    assert_match(&result.matches[0], 5, 6, 3, 4);
    assert_match(&result.matches[1], 3, 4, 0, 1);
    lcs_result_free(&result);
}

static void test_identical_and_empty(void **state) {
    (void)state;
    lcs_result result;
    assert_int_equal(compute("ABCBDAB", "ABCBDAB", LCS_WANT_STRING | LCS_WANT_MATCHES, 0, &result), LCS_OK);
    assert_int_equal(result.length, 7);
    assert_int_equal(result.match_count, 1);
    assert_match(&result.matches[0], 0, 6, 0, 6);
    lcs_result_free(&result);

    assert_int_equal(compute("", "abc", LCS_WANT_STRING | LCS_WANT_MATCHES, 0, &result), LCS_OK);
    assert_int_equal(result.length, 0);
    assert_int_equal(result.match_count, 0);
    lcs_result_free(&result);

    assert_int_equal(compute("abc", "xyz", 0, 0, &result), LCS_OK);
    assert_int_equal(result.length, 0);
    assert_null(result.string);
    assert_null(result.matches);
    lcs_result_free(&result);
}

/* Independent length: two rolling rows. */
static size_t reference_length(const char *a, size_t a_length, const char *b, size_t b_length) {
    size_t *previous = calloc(b_length + 1, sizeof(size_t));
    size_t *current = calloc(b_length + 1, sizeof(size_t));
    for (size_t i = 1; i <= a_length; i++) {
        for (size_t j = 1; j <= b_length; j++) {
            if (a[i - 1] == b[j - 1])
                current[j] = previous[j - 1] + 1;
            else
                current[j] = previous[j] > current[j - 1] ? previous[j] : current[j - 1];
        }
        size_t *swap = previous;
        previous = current;
        current = swap;
    }
    size_t length = previous[b_length];
    free(previous);
    free(current);
    return length;
}

static int is_subsequence(const char *needle, size_t needle_length, const char *haystack,
                          size_t haystack_length) {
    size_t found = 0;
    for (size_t index = 0; index < haystack_length && found < needle_length; index++)
        if (haystack[index] == needle[found]) found++;
    return found == needle_length;
}

static void random_text(char *text, size_t length, int alphabet) {
    for (size_t index = 0; index < length; index++) text[index] = (char)('a' + rand() % alphabet);
}

/* The string is a common subsequence of the right length, and the matches
 * (without a minimum) spell it out from the end, in decreasing positions. */
static void test_random_inputs_are_consistent(void **state) {
    (void)state;
    char a[64], b[64];
    for (int round = 0; round < 3000; round++) {
        size_t a_length = (size_t)rand() % sizeof(a), b_length = (size_t)rand() % sizeof(b);
        int alphabet = 1 + rand() % 4;
        random_text(a, a_length, alphabet);
        random_text(b, b_length, alphabet);
        lcs_result result;
        assert_int_equal(lcs_compute(a, a_length, b, b_length, LCS_WANT_STRING | LCS_WANT_MATCHES, 0, 0, &result),
                         LCS_OK);
        assert_int_equal(result.length, reference_length(a, a_length, b, b_length));
        assert_true(is_subsequence(result.string, result.length, a, a_length));
        assert_true(is_subsequence(result.string, result.length, b, b_length));

        size_t spelled = 0;
        for (size_t index = 0; index < result.match_count; index++) {
            const lcs_match *match = &result.matches[index];
            size_t run = match->a_end - match->a_start + 1;
            assert_int_equal(match->b_end - match->b_start + 1, run);
            assert_memory_equal(a + match->a_start, b + match->b_start, run);
            assert_memory_equal(a + match->a_start, result.string + result.length - spelled - run, run);
            if (index > 0) {
                assert_true(match->a_end < result.matches[index - 1].a_start);
                assert_true(match->b_end < result.matches[index - 1].b_start);
            }
            spelled += run;
        }
        assert_int_equal(spelled, result.length);
        lcs_result_free(&result);
    }
}

static void test_min_match_length_filters_runs(void **state) {
    (void)state;
    lcs_result all, long_only;
    /* Runs: "abc" (3) and "x" (1) and "yz" (2). */
    const char *a = "abc-x-yz", *b = "abcQxQyz";
    assert_int_equal(compute(a, b, LCS_WANT_MATCHES, 0, &all), LCS_OK);
    assert_int_equal(all.match_count, 3);
    assert_int_equal(compute(a, b, LCS_WANT_MATCHES, 2, &long_only), LCS_OK);
    assert_int_equal(long_only.length, all.length);
    assert_int_equal(long_only.match_count, 2);
    assert_match(&long_only.matches[0], 6, 7, 6, 7);
    assert_match(&long_only.matches[1], 0, 2, 0, 2);
    lcs_result_free(&all);
    lcs_result_free(&long_only);
}

static void test_limits_fail_cleanly(void **state) {
    (void)state;
    lcs_result result;
    size_t used_before = zmalloc_used_memory();
    /* 1001 x 1001 cells of 4 bytes = 4,008,004 bytes. */
    char *text = calloc(1000, 1);
    assert_int_equal(lcs_compute(text, 1000, text, 1000, LCS_WANT_STRING, 0, 4008003, &result), LCS_OVER_LIMIT);
    assert_int_equal(lcs_compute(text, 1000, text, 1000, 0, 0, 4008004, &result), LCS_OK);
    assert_int_equal(result.length, 1000);
    lcs_result_free(&result);
    free(text);
    /* Sizes are checked before the inputs are read, so no real data is
     * needed: too long for 32-bit cells, a table whose size overflows, and
     * one no allocator can give. */
    assert_int_equal(lcs_compute(NULL, UINT32_MAX, NULL, 1, 0, 0, 0, &result), LCS_TOO_LONG);
    assert_int_equal(lcs_compute(NULL, 3000000000u, NULL, 3000000000u, 0, 0, 0, &result), LCS_NO_MEMORY);
    assert_int_equal(lcs_compute(NULL, 2000000000u, NULL, 2000000000u, 0, 0, 0, &result), LCS_NO_MEMORY);
    assert_int_equal(result.length, 0);
    assert_null(result.string);
    assert_int_equal(zmalloc_used_memory(), used_before);
}

int main(void) {
    srand(7);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redis_documentation_example),
        cmocka_unit_test(test_tie_break_follows_redis),
        cmocka_unit_test(test_identical_and_empty),
        cmocka_unit_test(test_random_inputs_are_consistent),
        cmocka_unit_test(test_min_match_length_filters_runs),
        cmocka_unit_test(test_limits_fail_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
