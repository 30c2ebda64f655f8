/* Unit tests of lib/glob.c: Redis's matching rules, its nesting limit (more
 * than 1000 runs of stars followed by pattern never match) and speed on
 * abusive patterns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "glob.h"

static char *repeat(const char *unit, size_t times, const char *suffix) {
    size_t unit_length = strlen(unit), suffix_length = strlen(suffix);
    char *text = malloc(unit_length * times + suffix_length + 1);
    for (size_t i = 0; i < times; i++) memcpy(text + i * unit_length, unit, unit_length);
    memcpy(text + unit_length * times, suffix, suffix_length + 1);
    return text;
}

static int match_case(const char *pattern, const char *string, int nocase) {
    return glob_match(pattern, strlen(pattern), string, strlen(string), nocase);
}

static int match(const char *pattern, const char *string) {
    return match_case(pattern, string, 0);
}

static void test_basics(void **state) {
    (void)state;
    /* Redis's matcher matches the empty string only with the empty pattern
     * (KEYS and SCAN special-case a lone "*"). */
    assert_false(match("*", ""));
    assert_true(match("", ""));
    assert_true(match("h[b-]", "h^")); /* "b-]" is a range up to ']', as in Redis */
    assert_true(match("*a*", "xay"));
    assert_true(match("*", "anything"));
    assert_true(match("h?llo", "hello"));
    assert_false(match("h?llo", "hllo"));
    assert_true(match("h*llo", "heeeello"));
    assert_true(match("h[ae]llo", "hallo"));
    assert_false(match("h[ae]llo", "hillo"));
    assert_true(match("h[^e]llo", "hallo"));
    assert_false(match("h[^e]llo", "hello"));
    assert_true(match("h[a-b]llo", "hbllo"));
    assert_true(match("h[b-a]llo", "hallo")); /* reversed ranges work, as in Redis */
    assert_true(match("a\\*b", "a*b"));
    assert_false(match("a\\*b", "axb"));
    assert_true(match_case("max*", "MAXMEMORY", 1));
    assert_false(match("max*", "MAXMEMORY"));
    assert_true(match("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaab"));
    assert_false(match("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assert_true(glob_match("a?c", 3, "a\0c", 3, 0));
}

/* Checked against redis-server 7.0.15: KEYS with 1000 such runs matches a
 * key of 1001 'a', with 1001 runs it does not; trailing stars do not count. */
static void test_nesting_limit(void **state) {
    (void)state;
    char *key = repeat("a", 1001, "");
    char *within = repeat("*a", 1000, ""), *beyond = repeat("*a", 1001, "");
    char *within_trailing = repeat("*a", 1000, "*"), *beyond_runs = repeat("***a", 1001, "");
    assert_true(match(within, key));
    assert_true(match(within_trailing, key));
    assert_false(match(beyond, key));
    assert_false(match(beyond_runs, key));
    char *escaped = repeat("\\*", 2000, "");
    char *stars = repeat("*", 2000, "");
    assert_true(match(escaped, stars)); /* escaped stars are not runs */
    free(key);
    free(within);
    free(beyond);
    free(within_trailing);
    free(beyond_runs);
    free(escaped);
    free(stars);
}

/* A 100,000-byte pattern of "*?" against long strings answers at once. */
static void test_abusive_patterns_are_fast(void **state) {
    (void)state;
    char *pattern = repeat("*?", 50000, "");
    char *subject = repeat("a", 50000, "");
    char *shorter = repeat("a", 49999, "");
    clock_t begin = clock();
    for (int i = 0; i < 100; i++) {
        assert_false(match(pattern, subject)); /* nesting limit */
        assert_false(match(pattern, shorter));
    }
    char *few_stars = repeat("?", 60000, "*b");
    char *long_subject = repeat("a", 100000, "");
    assert_false(match(few_stars, long_subject));
    assert_true((double)(clock() - begin) / CLOCKS_PER_SEC < 2.0);
    free(pattern);
    free(subject);
    free(shorter);
    free(few_stars);
    free(long_subject);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basics),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_abusive_patterns_are_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
