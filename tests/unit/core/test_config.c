/* Unit tests of server/core's configuration: memory-size parsing, config
 * line splitting, and every registered parameter's parse/format round trip. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "module.h"
#include "config_table.h"
#include "strbuf.h"

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
    for (size_t i = 0; i < config_parameter_count(); i++) {
        const config_parameter *parameter = config_parameter_at(i);
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

/* Every module's parameters, as zkv-server registers them. */
extern const zkv_module core_module, keyspace_module, net_module, command_module, string_module, generic_module,
    admin_module, memory_module, cluster_module, introspection_module;
static const zkv_module *const modules[] = {&core_module,   &keyspace_module, &net_module,    &command_module,
                                            &string_module, &generic_module,  &admin_module,  &memory_module,
                                            &cluster_module, &introspection_module, NULL};

int main(void) {
    module_register_all(modules);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_memory),
        cmocka_unit_test(test_split_line),
        cmocka_unit_test(test_parameters_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
