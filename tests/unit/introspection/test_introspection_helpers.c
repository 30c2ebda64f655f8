/* Unit tests for the introspection helpers: the quoting MONITOR uses, password redaction, and the COMMAND INFO key flags
 * default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "command_info.h"
#include "introspection.h"
#include "strbuf.h"

static resp_argument argument(const char *text) {
    resp_argument value = {text, strlen(text)};
    return value;
}

static void test_quoting(void **state) {
    (void)state;
    strbuf out = STRBUF_INIT;
    const char input[] = "a b\"\\\n\r\t\a\b\x01\x7f\xc3\xa9";
    introspection_append_quoted(&out, input, sizeof(input) - 1);
    assert_string_equal(strbuf_cstring(&out), "\"a b\\\"\\\\\\n\\r\\t\\a\\b\\x01\\x7f\\xc3\\xa9\"");
    strbuf_clear(&out);
    introspection_append_quoted(&out, "", 0);
    assert_string_equal(strbuf_cstring(&out), "\"\"");
    strbuf_free(&out);
}

static int redacted(const char *full_name, int argc, const char *const *words, int index) {
    command_spec spec = {.name = full_name};
    command cmd = {.spec = &spec, .full_name = (char *)full_name};
    resp_argument argv[16];
    for (int i = 0; i < argc; i++) argv[i] = argument(words[i]);
    return introspection_argument_redacted(&cmd, argc, argv, index);
}

static void test_redaction(void **state) {
    (void)state;
    const char *auth[] = {"AUTH", "user", "pass"};
    assert_false(redacted("auth", 3, auth, 0));
    assert_true(redacted("auth", 3, auth, 1));
    assert_true(redacted("auth", 3, auth, 2));
    const char *hello[] = {"HELLO", "3", "SETNAME", "n", "auth", "user", "pass"};
    int expected[] = {0, 0, 0, 0, 0, 1, 1};
    for (int i = 0; i < 7; i++) assert_int_equal(redacted("hello", 7, hello, i), expected[i]);
    const char *hello_short[] = {"HELLO", "3", "AUTH"};
    assert_false(redacted("hello", 3, hello_short, 2));
    const char *config[] = {"CONFIG", "SET", "maxmemory", "1", "requirepass", "secret", "masterauth", "x"};
    int config_expected[] = {0, 0, 0, 0, 0, 1, 0, 1};
    for (int i = 0; i < 8; i++) assert_int_equal(redacted("config|set", 8, config, i), config_expected[i]);
    const char *echo[] = {"ECHO", "requirepass"};
    assert_false(redacted("echo", 2, echo, 1));
}

static void test_key_flags_default(void **state) {
    (void)state;
    command_spec readonly = {.name = "get", .flags = COMMAND_READONLY};
    command_spec writing = {.name = "incr", .flags = COMMAND_WRITE};
    command_spec explicit_flags = {.name = "set", .flags = COMMAND_WRITE, .key_flags = KEY_OW | KEY_UPDATE};
    command get = {.spec = &readonly}, incr = {.spec = &writing}, set = {.spec = &explicit_flags};
    assert_int_equal(command_info_key_flags(&get), KEY_RO | KEY_ACCESS);
    assert_int_equal(command_info_key_flags(&incr), KEY_RW | KEY_UPDATE);
    assert_int_equal(command_info_key_flags(&set), KEY_OW | KEY_UPDATE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_redaction),
        cmocka_unit_test(test_key_flags_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
