/* Unit tests for lib/number: Redis's strict integer form and finite
 * doubles, and formatting at the extremes. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "number.h"

static void expect_integer(const char *text, long long expected) {
    long long value = 0;
    assert_true(number_parse_integer(text, strlen(text), &value));
    assert_int_equal(value, expected);
}

static void expect_not_integer(const char *text) {
    long long value = 12345;
    assert_false(number_parse_integer(text, strlen(text), &value));
    assert_int_equal(value, 12345); /* untouched on failure */
}

static void test_parse_integer(void **state) {
    (void)state;
    expect_integer("0", 0);
    expect_integer("42", 42);
    expect_integer("-1", -1);
    expect_integer("9223372036854775807", INT64_MAX);
    expect_integer("-9223372036854775808", INT64_MIN);
    expect_not_integer("9223372036854775808");
    expect_not_integer("-9223372036854775809");
    expect_not_integer("99999999999999999999");
    expect_not_integer("");
    expect_not_integer("-");
    expect_not_integer("-0");
    expect_not_integer("007");
    expect_not_integer("+5");
    expect_not_integer(" 5");
    expect_not_integer("5 ");
    expect_not_integer("5x");
    expect_not_integer("1.5");
    long long value = 0;
    assert_false(number_parse_integer("12\0" "3", 4, &value)); /* binary-safe: NUL is not a digit */
}

static void test_format_integer(void **state) {
    (void)state;
    char buffer[NUMBER_INTEGER_BUFFER];
    size_t length = number_format_integer(INT64_MIN, buffer);
    assert_int_equal(length, 20);
    assert_memory_equal(buffer, "-9223372036854775808", 20);
    length = number_format_integer(0, buffer);
    assert_int_equal(length, 1);
    assert_memory_equal(buffer, "0", 1);
}

static void expect_double(const char *text, double expected) {
    double value = 0;
    assert_true(number_parse_double(text, strlen(text), &value));
    assert_true(value == expected);
}

static void expect_not_double(const char *text) {
    double value = 7;
    assert_false(number_parse_double(text, strlen(text), &value));
    assert_true(value == 7);
}

static void test_parse_double(void **state) {
    (void)state;
    expect_double("1.5", 1.5);
    expect_double("-0.25", -0.25);
    expect_double("1e3", 1000);
    expect_double("inf", INFINITY);
    expect_double("-inf", -INFINITY);
    expect_not_double("nan");
    expect_not_double("-nan");
    expect_not_double("");
    expect_not_double(" 1");
    expect_not_double("1 ");
    expect_not_double("1.5x");
    expect_not_double("1e999"); /* overflow is not a number Redis stores */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_integer),
        cmocka_unit_test(test_format_integer),
        cmocka_unit_test(test_parse_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
