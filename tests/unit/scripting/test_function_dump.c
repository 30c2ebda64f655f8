/* Unit tests for FUNCTION DUMP's codec (function_dump): Redis's CRC-64,
 * payloads that round-trip through the reader, LZF for long code, and
 * refusals of corrupt, truncated and future-version payloads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "function_dump.h"
#include "zmalloc.h"

static void crc64_check_value(void **state) {
    (void)state;
    /* The CRC-64/Jones check value Redis's crc64 test asserts. */
    assert_true(function_dump_crc64(0, "123456789", 9) == UINT64_C(0xe9c6d914c4b8d9ca));
    assert_true(function_dump_crc64(function_dump_crc64(0, "1234", 4), "56789", 5) == UINT64_C(0xe9c6d914c4b8d9ca));
    assert_true(function_dump_crc64(0, "", 0) == 0);
}

/* Reads every record of a payload back; returns how many. */
static int read_all(const strbuf *payload, const char *const *expected) {
    function_dump_reader reader;
    function_dump_reader_init(&reader, payload->data, payload->length);
    int count = 0;
    char *code;
    size_t length;
    const char *error = NULL;
    int read;
    while ((read = function_dump_next(&reader, &code, &length, &error)) == 1) {
        assert_int_equal(length, strlen(expected[count]));
        assert_memory_equal(code, expected[count], length);
        zmalloc_free(code);
        count++;
    }
    assert_int_equal(read, 0);
    return count;
}

static void round_trip(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    char long_code[4000];
    memcpy(long_code, "#!lua name=x\n", 13);
    for (size_t i = 13; i < sizeof(long_code) - 1; i++) long_code[i] = "abcabcabd"[i % 9];
    long_code[sizeof(long_code) - 1] = '\0';
    const char *const codes[] = {"#!lua name=a\nreturn 1", "#!lua name=short", long_code, NULL};
    strbuf payload = STRBUF_INIT;
    for (int i = 0; codes[i]; i++) function_dump_append_library(&payload, codes[i], strlen(codes[i]));
    function_dump_finish(&payload);
    /* The long, repetitive code is stored compressed. */
    assert_true(payload.length < strlen(long_code));
    assert_int_equal((unsigned char)payload.data[0], FUNCTION_DUMP_OPCODE_FUNCTION2);
    assert_int_equal((unsigned char)payload.data[payload.length - 10], FUNCTION_DUMP_RDB_VERSION);
    assert_int_equal(function_dump_verify(payload.data, payload.length), 0);
    assert_int_equal(read_all(&payload, codes), 3);
    strbuf_free(&payload);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

static void empty_payload(void **state) {
    (void)state;
    strbuf payload = STRBUF_INIT;
    function_dump_finish(&payload);
    assert_int_equal(payload.length, 10);
    assert_int_equal(function_dump_verify(payload.data, payload.length), 0);
    const char *const none[] = {NULL};
    assert_int_equal(read_all(&payload, none), 0);
    strbuf_free(&payload);
}

static void refusals(void **state) {
    (void)state;
    strbuf payload = STRBUF_INIT;
    function_dump_append_library(&payload, "#!lua name=a\nreturn 1", 21);
    function_dump_finish(&payload);
    assert_int_equal(function_dump_verify(payload.data, 9), -1);
    for (size_t i = 0; i < payload.length; i++) {
        payload.data[i] ^= 0x40; /* any flipped bit is caught by the CRC */
        assert_int_equal(function_dump_verify(payload.data, payload.length), -1);
        payload.data[i] ^= 0x40;
    }
    strbuf_free(&payload);
    /* A newer RDB version is refused even with a right CRC. */
    strbuf future = STRBUF_INIT;
    unsigned char version[2] = {FUNCTION_DUMP_RDB_VERSION + 1, 0};
    strbuf_append(&future, version, 2);
    uint64_t crc = function_dump_crc64(0, future.data, 2);
    for (int i = 0; i < 8; i++) strbuf_append_char(&future, (char)(crc >> (8 * i)));
    assert_int_equal(function_dump_verify(future.data, future.length), -1);
    strbuf_free(&future);
}

/* Records that pass the CRC but do not hold a library. */
static void bad_records(void **state) {
    (void)state;
    static const struct {
        const char *bytes;
        size_t length;
        const char *error;
    } cases[] = {{"\xf6", 1, "Pre-GA function format not supported"},
                 {"\x00", 1, "given type is not a function"},
                 {"\xf5\x05" "ab", 4, "Failed loading library payload"},
                 {"\xf5\xc0\x05", 3, "Failed loading library payload"},
                 {"\xf5\xc3\x02\x10xx", 6, "Failed loading library payload"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        strbuf payload = STRBUF_INIT;
        strbuf_append(&payload, cases[i].bytes, cases[i].length);
        function_dump_finish(&payload);
        assert_int_equal(function_dump_verify(payload.data, payload.length), 0);
        function_dump_reader reader;
        function_dump_reader_init(&reader, payload.data, payload.length);
        char *code;
        size_t length;
        const char *error = NULL;
        assert_int_equal(function_dump_next(&reader, &code, &length, &error), -1);
        assert_string_equal(error, cases[i].error);
        strbuf_free(&payload);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc64_check_value), cmocka_unit_test(round_trip), cmocka_unit_test(empty_payload),
        cmocka_unit_test(refusals),          cmocka_unit_test(bad_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
