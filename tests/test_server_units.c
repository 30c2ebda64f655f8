/* Unit tests for the server core's pure helpers: glob matching, strbuf,
 * memory-size parsing, config line splitting, and the config table's
 * parse/format round trip. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "config_table.h"
#include "glob.h"
#include "strbuf.h"
#include "zmalloc.h"

static int match(const char *pattern, const char *string, int nocase) {
    return glob_match(pattern, strlen(pattern), string, strlen(string), nocase);
}

static void test_glob(void **state) {
    (void)state;
    /* Redis's matcher matches the empty string only with the empty pattern
     * (KEYS and SCAN special-case a lone "*"). */
    assert_false(match("*", "", 0));
    assert_true(match("", "", 0));
    assert_true(match("h[b-]", "h^", 0)); /* "b-]" is a range up to ']', as in Redis */
    assert_true(match("*a*", "xay", 0));
    assert_true(match("*", "anything", 0));
    assert_true(match("h?llo", "hello", 0));
    assert_false(match("h?llo", "hllo", 0));
    assert_true(match("h*llo", "heeeello", 0));
    assert_true(match("h[ae]llo", "hallo", 0));
    assert_false(match("h[ae]llo", "hillo", 0));
    assert_true(match("h[^e]llo", "hallo", 0));
    assert_false(match("h[^e]llo", "hello", 0));
    assert_true(match("h[a-b]llo", "hbllo", 0));
    assert_true(match("h[b-a]llo", "hallo", 0)); /* reversed ranges work, as in Redis */
    assert_true(match("a\\*b", "a*b", 0));
    assert_false(match("a\\*b", "axb", 0));
    assert_true(match("max*", "MAXMEMORY", 1));
    assert_false(match("max*", "MAXMEMORY", 0));
    assert_true(match("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaab", 0));
    assert_false(match("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaa", 0));
    assert_true(glob_match("a?c", 3, "a\0c", 3, 0));
}

static void test_strbuf(void **state) {
    (void)state;
    strbuf buffer = STRBUF_INIT;
    assert_string_equal(strbuf_cstring(&buffer), "");
    strbuf_append_cstring(&buffer, "id=");
    strbuf_append_int(&buffer, -42);
    strbuf_append_char(&buffer, ' ');
    strbuf_append_unsigned(&buffer, 18446744073709551615ULL);
    strbuf_printf(&buffer, " %s:%d", "x", 7);
    assert_string_equal(strbuf_cstring(&buffer), "id=-42 18446744073709551615 x:7");
    for (int i = 0; i < 1000; i++) strbuf_printf(&buffer, "%04d", i);
    assert_int_equal(buffer.length, strlen("id=-42 18446744073709551615 x:7") + 4000);
    size_t length;
    char *detached = strbuf_detach(&buffer, &length);
    assert_int_equal(strlen(detached), length);
    assert_null(buffer.data);
    zmalloc_free(detached);
    strbuf_free(&buffer);
}

static void test_parse_memory(void **state) {
    (void)state;
    unsigned long long value;
    assert_int_equal(config_parse_memory("0", &value), 0);
    assert_int_equal(value, 0);
    assert_int_equal(config_parse_memory("100", &value), 0);
    assert_int_equal(value, 100);
    assert_int_equal(config_parse_memory("100b", &value), 0);
    assert_int_equal(value, 100);
    assert_int_equal(config_parse_memory("1k", &value), 0);
    assert_int_equal(value, 1000);
    assert_int_equal(config_parse_memory("1KB", &value), 0);
    assert_int_equal(value, 1024);
    assert_int_equal(config_parse_memory("3m", &value), 0);
    assert_int_equal(value, 3000000);
    assert_int_equal(config_parse_memory("3mb", &value), 0);
    assert_int_equal(value, 3 * 1024 * 1024);
    assert_int_equal(config_parse_memory("2g", &value), 0);
    assert_int_equal(value, 2000000000ULL);
    assert_int_equal(config_parse_memory("2Gb", &value), 0);
    assert_int_equal(value, 2ULL << 30);
    assert_int_equal(config_parse_memory("", &value), -1);
    assert_int_equal(config_parse_memory("-1", &value), -1);
    assert_int_equal(config_parse_memory("1.5gb", &value), -1);
    assert_int_equal(config_parse_memory("12parsecs", &value), -1);
    assert_int_equal(config_parse_memory("99999999999999999999", &value), -2);
    assert_int_equal(config_parse_memory("99999999999gb", &value), -2);
    assert_int_equal(config_parse_memory("99999999999999999999%", &value), -1);
}

static void test_split_line(void **state) {
    (void)state;
    char **words;
    int count = config_split_line("  bind 127.0.0.1   -::1 ", &words);
    assert_int_equal(count, 3);
    assert_string_equal(words[0], "bind");
    assert_string_equal(words[2], "-::1");
    config_free_words(words, count);
    count = config_split_line("requirepass \"a b\\x41\\n\" 'it\\'s' \"\"", &words);
    assert_int_equal(count, 4);
    assert_string_equal(words[1], "a bA\n");
    assert_string_equal(words[2], "it's");
    assert_string_equal(words[3], "");
    config_free_words(words, count);
    count = config_split_line("", &words);
    assert_int_equal(count, 0);
    config_free_words(words, count);
    assert_int_equal(config_split_line("x \"unterminated", &words), -1);
    assert_int_equal(config_split_line("x \"closed\"glued", &words), -1);
}

/* Every parameter accepts the text it formats, and formatting is stable. */
static void test_parameters_round_trip(void **state) {
    (void)state;
    config_set_defaults();
    for (const config_parameter *parameter = config_parameters; parameter->name; parameter++) {
        strbuf first = STRBUF_INIT, second = STRBUF_INIT;
        config_parameter_get(parameter, &first);
        const char *error = NULL;
        if (parameter->flags & CONFIG_PROTECTED && !strcmp(parameter->name, "dir")) {
            strbuf_free(&first);
            continue;
        }
        assert_int_equal(config_parameter_set(parameter, strbuf_cstring(&first), &error), 0);
        config_parameter_get(parameter, &second);
        assert_string_equal(strbuf_cstring(&first), strbuf_cstring(&second));
        strbuf_free(&first);
        strbuf_free(&second);
    }
    const config_parameter *hz = config_find("HZ");
    assert_non_null(hz);
    const char *error = NULL;
    assert_int_equal(config_parameter_set(hz, "-5", &error), -1);
    assert_string_equal(error, "argument must be between 0 and 2147483647 inclusive");
    assert_null(config_find("no-such-parameter"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob),        cmocka_unit_test(test_strbuf),
        cmocka_unit_test(test_parse_memory), cmocka_unit_test(test_split_line),
        cmocka_unit_test(test_parameters_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
