/* Unit tests of server/keyspace/object.c: layouts and sizes, Redis's encoding rules,
 * TTL add/remove, string growth through the external buffer, and the strict
 * integer parser. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "object.h"
#include "zmalloc.h"

static void assert_value(const object *o, const char *expected) {
    char buffer[OBJECT_INTEGER_BUFFER];
    size_t length;
    const char *bytes = object_string_bytes(o, &length, buffer);
    assert_int_equal(length, strlen(expected));
    assert_memory_equal(bytes, expected, length);
}

static void assert_key(const object *o, const char *expected) {
    size_t length;
    const char *key = object_key(o, &length);
    assert_int_equal(length, strlen(expected));
    assert_memory_equal(key, expected, length);
}

/* The redis-benchmark shape needs 26 bytes, 32 with a TTL: jemalloc's
 * 32-byte class either way.  used_memory counts exactly the block. */
static void test_small_key_fits_32_bytes(void **state) {
    (void)state;
    size_t before = zmalloc_used_memory();
    object *o = object_create_string("key:000000000042", 16, "xxx", 3, OBJECT_STRING_AUTO,
                                     OBJECT_NO_EXPIRE);
    assert_int_equal(object_block_size(o), 26);
    size_t counted = zmalloc_used_memory() - before;
    assert_true(counted >= 26 && counted <= zmalloc_good_size(26) + 16);
    o = object_set_expire(o, 1700000000000LL);
    assert_int_equal(object_block_size(o), 32);
    assert_int_equal(object_expire(o), 1700000000000LL);
    assert_key(o, "key:000000000042");
    assert_value(o, "xxx");
    object_free(o);
    assert_int_equal(zmalloc_used_memory(), before);
}

static void test_encoding_rules(void **state) {
    (void)state;
    struct {
        const char *value;
        enum object_string_kind kind;
        enum object_encoding encoding;
    } cases[] = {
        {"12345", OBJECT_STRING_AUTO, OBJECT_ENCODING_INT},
        {"-9223372036854775808", OBJECT_STRING_AUTO, OBJECT_ENCODING_INT},
        {"9223372036854775808", OBJECT_STRING_AUTO, OBJECT_ENCODING_EMBSTR},
        {"012", OBJECT_STRING_AUTO, OBJECT_ENCODING_EMBSTR},
        {"-0", OBJECT_STRING_AUTO, OBJECT_ENCODING_EMBSTR},
        {" 1", OBJECT_STRING_AUTO, OBJECT_ENCODING_EMBSTR},
        {"12345", OBJECT_STRING_PLAIN, OBJECT_ENCODING_EMBSTR},
        {"abc", OBJECT_STRING_RAW, OBJECT_ENCODING_RAW},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", OBJECT_STRING_AUTO, OBJECT_ENCODING_EMBSTR},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", OBJECT_STRING_AUTO, OBJECT_ENCODING_RAW},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        object *o = object_create_string("k", 1, cases[i].value, strlen(cases[i].value),
                                         cases[i].kind, OBJECT_NO_EXPIRE);
        assert_int_equal(object_encoding(o), cases[i].encoding);
        assert_int_equal(object_type(o), OBJECT_STRING);
        assert_value(o, cases[i].value);
        object_free(o);
    }
}

static void test_integers_round_trip(void **state) {
    (void)state;
    long long values[] = {0, 1, -1, 63, 64, -64, -65, 1000000, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        object *o = object_create_integer("n", 1, values[i], 5);
        long long read;
        assert_true(object_string_integer(o, &read));
        assert_int_equal(read, values[i]);
        assert_int_equal(object_expire(o), 5);
        object_free(o);
    }
}

static void test_expire_add_change_remove(void **state) {
    (void)state;
    object *o = object_create_string("somekey", 7, "a value", 7, OBJECT_STRING_AUTO, OBJECT_NO_EXPIRE);
    assert_false(object_has_expire(o));
    assert_int_equal(object_expire(o), OBJECT_NO_EXPIRE);
    object_set_lru(o, 0xabcdef);
    o = object_set_expire(o, 123456789);
    assert_int_equal(object_expire(o), 123456789);
    o = object_set_expire(o, LLONG_MAX); /* beyond 48 bits: wide field */
    assert_int_equal(object_expire(o), LLONG_MAX);
    assert_value(o, "a value");
    o = object_set_expire(o, 42);
    assert_int_equal(object_expire(o), 42);
    o = object_set_expire(o, OBJECT_NO_EXPIRE);
    assert_false(object_has_expire(o));
    assert_value(o, "a value");
    assert_key(o, "somekey");
    assert_int_equal(object_lru(o), 0xabcdef);
    object_free(o);
}

/* Growing a string one byte at a time crosses the inline limit into the
 * external buffer, keeps every byte and the TTL, and reallocates rarely. */
static void test_string_growth(void **state) {
    (void)state;
    size_t before = zmalloc_used_memory();
    object *o = object_create_string("k", 1, "12", 2, OBJECT_STRING_AUTO, 99);
    assert_int_equal(object_encoding(o), OBJECT_ENCODING_INT);
    char expected[5000];
    memcpy(expected, "12", 2);
    for (size_t length = 3; length <= sizeof expected; length++) {
        char *bytes;
        o = object_string_resize(o, length, &bytes);
        assert_int_equal(bytes[length - 1], 0);
        bytes[length - 1] = (char)('a' + length % 26);
        expected[length - 1] = bytes[length - 1];
    }
    char buffer[OBJECT_INTEGER_BUFFER];
    size_t length;
    const char *bytes = object_string_bytes(o, &length, buffer);
    assert_int_equal(length, sizeof expected);
    assert_memory_equal(bytes, expected, length);
    assert_int_equal(object_encoding(o), OBJECT_ENCODING_RAW);
    assert_int_equal(object_expire(o), 99);
    object *copy = object_duplicate(o, "other", 5, OBJECT_NO_EXPIRE);
    assert_int_equal(object_string_length(copy), sizeof expected);
    assert_key(copy, "other");
    object_free(copy);
    object_free(o);
    assert_int_equal(zmalloc_used_memory(), before);
}

static void test_long_values_and_keys(void **state) {
    (void)state;
    static char key[70000], value[300000];
    memset(key, 'k', sizeof key);
    memset(value, 'v', sizeof value);
    object *o = object_create_string(key, sizeof key, value, sizeof value, OBJECT_STRING_AUTO, 7);
    size_t length;
    assert_memory_equal(object_key(o, &length), key, sizeof key);
    assert_int_equal(length, sizeof key);
    assert_int_equal(object_string_length(o), sizeof value);
    assert_int_equal(object_encoding(o), OBJECT_ENCODING_RAW);
    assert_true(object_memory(o, 0) >= sizeof key + sizeof value);
    o = object_set_expire(o, OBJECT_NO_EXPIRE);
    assert_int_equal(object_string_length(o), sizeof value);
    object_free(o);
}

/* Packed collection bytes live after the key and survive resizes across the
 * one-byte length boundary, TTL changes, duplication and renaming. */
static void test_packed_values(void **state) {
    (void)state;
    size_t before = zmalloc_used_memory();
    unsigned char pattern[300];
    for (size_t i = 0; i < sizeof pattern; i++) pattern[i] = (unsigned char)(i * 7);
    object *o = object_create_packed("h", 1, OBJECT_HASH, OBJECT_ENCODING_LISTPACK, pattern, 100, 123456789);
    assert_true(object_is_packed(o));
    assert_int_equal(object_type(o), OBJECT_HASH);
    assert_int_equal(object_encoding(o), OBJECT_ENCODING_LISTPACK);
    size_t length;
    assert_memory_equal(object_packed_bytes(o, &length), pattern, 100);
    assert_int_equal(length, 100);
    unsigned char *bytes;
    o = object_packed_resize(o, 300, &bytes); /* the length needs a second varint byte */
    assert_memory_equal(bytes, pattern, 100);
    memcpy(bytes, pattern, 300);
    o = object_packed_resize(o, 250, &bytes); /* same varint width: in place */
    assert_memory_equal(object_packed_bytes(o, &length), pattern, 250);
    assert_int_equal(length, 250);
    o = object_packed_resize(o, 20, &bytes);
    assert_memory_equal(object_packed_bytes(o, &length), pattern, 20);
    assert_int_equal(object_expire(o), 123456789);
    o = object_set_expire(o, OBJECT_NO_EXPIRE);
    assert_memory_equal(object_packed_bytes(o, &length), pattern, 20);
    object *copy = object_duplicate(o, "copy", 4, 5000);
    assert_true(object_is_packed(copy));
    assert_memory_equal(object_packed_bytes(copy, &length), pattern, 20);
    assert_int_equal(object_expire(copy), 5000);
    o = object_rename(o, "renamed", 7);
    size_t key_length;
    assert_memory_equal(object_key(o, &key_length), "renamed", 7);
    assert_memory_equal(object_packed_bytes(o, &length), pattern, 20);
    assert_int_equal(object_memory(o, 0), zmalloc_usable_size(o));
    assert_int_equal(object_free_effort(o), 1);
    object_free(o);
    object_free(copy);
    assert_int_equal(zmalloc_used_memory(), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_key_fits_32_bytes),
        cmocka_unit_test(test_encoding_rules),
        cmocka_unit_test(test_integers_round_trip),
        cmocka_unit_test(test_expire_add_change_remove),
        cmocka_unit_test(test_string_growth),
        cmocka_unit_test(test_long_values_and_keys),
        cmocka_unit_test(test_packed_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
