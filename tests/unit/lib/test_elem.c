/* Unit tests of lib/elem.c: which strings become integers (Redis's
 * string2ll rules), and that every string reads back byte for byte. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elem.h"

static void assert_parses(const char *text, long long expected) {
    long long value = 0;
    assert_true(number_parse_integer(text, strlen(text), &value));
    assert_true(value == expected);
}

static void assert_string_only(const char *text, size_t length) {
    long long value;
    assert_false(number_parse_integer(text, length, &value));
}

static void test_integer_rules(void **state) {
    (void)state;
    assert_parses("0", 0);
    assert_parses("-1", -1);
    assert_parses("63", 63);
    assert_parses("9223372036854775807", LLONG_MAX);
    assert_parses("-9223372036854775808", LLONG_MIN);
    const char *strings[] = {"", "-", "-0", "007", "00", "+1", " 1", "1 ", "1a", "0x10",
                             "9223372036854775808", "-9223372036854775809",
                             "18446744073709551616", "99999999999999999999", "1.0"};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        assert_string_only(strings[i], strlen(strings[i]));
    assert_string_only("1\0", 2);
}

static void assert_round_trip(const char *text, size_t length) {
    elem_key key;
    elem_key_init(&key, text, length);
    unsigned char *buffer = malloc(length + ELEM_MAX_HEADER);
    elem_encode(buffer, &key);
    assert_int_equal(elem_size(buffer), key.encoded_size);
    assert_true(key.encoded_size <= length + ELEM_MAX_HEADER);
    elem_view view;
    assert_int_equal(elem_decode(buffer, &view), key.encoded_size);
    char digits[ELEM_INTEGER_BUFFER];
    size_t out_length;
    const char *out = elem_view_string(&view, digits, &out_length);
    assert_int_equal(out_length, length);
    assert_true(length == 0 || memcmp(out, text, length) == 0);
    assert_true(elem_equals(buffer, &key));
    free(buffer);
}

static void test_round_trips(void **state) {
    (void)state;
    const char *texts[] = {"", "0", "-0", "007", "63", "64", "-1", "127", "128", "-128", "-129",
                           "32767", "32768", "8388607", "-8388608", "2147483648",
                           "9223372036854775807", "-9223372036854775808", "field"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) assert_round_trip(texts[i], strlen(texts[i]));
    assert_round_trip("a\0b\0", 4);
    /* Every length at and around the header size boundaries. */
    size_t lengths[] = {127, 128, 129, 4223, 4224, 70000, 1 << 20};
    char *big = malloc(1 << 20);
    for (size_t i = 0; i < (1 << 20); i++) big[i] = (char)(i * 7);
    for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) assert_round_trip(big, lengths[i]);
    free(big);
}

static void test_compact_sizes(void **state) {
    (void)state;
    struct {
        const char *text;
        size_t size;
    } cases[] = {{"0", 1}, {"63", 1}, {"64", 2}, {"-1", 2}, {"999999", 4}, {"-32768", 3},
                 {"m:abcdefghijklmn", 17}, {"", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        elem_key key;
        elem_key_init(&key, cases[i].text, strlen(cases[i].text));
        assert_int_equal(key.encoded_size, cases[i].size);
    }
}

static void test_integer_never_equals_string(void **state) {
    (void)state;
    elem_key integer, text, leading_zero;
    elem_key_init(&integer, "7", 1);
    elem_key_init(&text, "7x", 2);
    elem_key_init(&leading_zero, "07", 2);
    unsigned char buffer[16];
    elem_encode(buffer, &integer);
    assert_true(elem_equals(buffer, &integer));
    assert_false(elem_equals(buffer, &text));
    assert_false(elem_equals(buffer, &leading_zero));
    elem_encode(buffer, &leading_zero);
    assert_false(elem_equals(buffer, &integer));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integer_rules),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_compact_sizes),
        cmocka_unit_test(test_integer_never_equals_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
