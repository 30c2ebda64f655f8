/* Unit tests of lib/convert.c: every element survives each conversion
 * byte for byte (binary strings, integer-looking strings, int64 extremes),
 * and used_memory returns to its baseline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "convert.h"
#include "lib_test_support.h"
#include "zmalloc.h"

#define IDS 700
#define VALUE_MAX 512

static void assert_view_is(const elem_view *view, const char *text, size_t length) {
    char digits[ELEM_INTEGER_BUFFER];
    size_t view_length;
    const char *bytes = elem_view_string(view, digits, &view_length);
    assert_int_equal(view_length, length);
    assert_true(length == 0 || memcmp(bytes, text, length) == 0);
}

static pack *pack_of_ids(bool with_values) {
    pack *p = pack_create();
    for (long id = 0; id < IDS; id++) {
        char key[TEST_KEY_MAX], value[VALUE_MAX];
        elem_key k, v;
        elem_key_init(&k, key, test_key(id, key));
        p = pack_append(p, &k);
        if (with_values) {
            elem_key_init(&v, value, test_value(id, 3, value, sizeof value));
            p = pack_append(p, &v);
        }
    }
    return p;
}

static void check_pack_conversion(bool with_values) {
    size_t baseline = zmalloc_used_memory();
    pack *p = pack_of_ids(with_values);
    lhash *h = convert_pack_to_lhash(p, with_values, test_hash);
    pack_free(p);
    assert_int_equal(lhash_count(h), IDS);
    for (long id = 0; id < IDS; id++) {
        char key[TEST_KEY_MAX], value[VALUE_MAX];
        elem_view view;
        assert_true(lhash_find(h, key, test_key(id, key), &view));
        if (with_values) assert_view_is(&view, value, test_value(id, 3, value, sizeof value));
    }
    assert_false(lhash_find(h, "absent", 6, NULL));
    lhash_free(h);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

static void test_hash_pack_to_lhash(void **state) {
    (void)state;
    check_pack_conversion(true);
}

static void test_set_pack_to_lhash(void **state) {
    (void)state;
    check_pack_conversion(false);
}

static intset *intset_of_edges(void) {
    int64_t values[] = {INT64_MIN, INT64_MIN + 1, -32769, -1, 0, 1, 63, 64, 32768, INT64_MAX};
    intset *s = intset_create();
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        bool added;
        s = intset_add(s, values[i], &added);
    }
    for (int64_t v = -300; v < 300; v += 7) {
        bool added;
        s = intset_add(s, v * 1000003, &added);
    }
    return s;
}

static void test_intset_to_lhash(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    intset *s = intset_of_edges();
    lhash *h = convert_intset_to_lhash(s, test_hash);
    assert_int_equal(lhash_count(h), intset_count(s));
    for (size_t i = 0; i < intset_count(s); i++) {
        char digits[ELEM_INTEGER_BUFFER];
        assert_true(lhash_find(h, digits, number_format_integer(intset_get(s, i), digits), NULL));
    }
    assert_true(lhash_find(h, "-9223372036854775808", 20, NULL));
    assert_false(lhash_find(h, "-0", 2, NULL));
    assert_false(lhash_find(h, "063", 3, NULL));
    lhash_free(h);
    intset_free(s);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

static void test_intset_to_pack(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    intset *s = intset_of_edges();
    pack *p = convert_intset_to_pack(s);
    assert_int_equal(pack_count(p), intset_count(s));
    size_t offset = pack_first(p);
    for (size_t i = 0; i < intset_count(s); i++) {
        elem_view view;
        pack_get(p, offset, &view);
        assert_null(view.bytes);
        assert_true(view.integer == intset_get(s, i));
        offset = pack_next(p, offset);
    }
    assert_int_equal(offset, 0);
    pack_free(p);
    intset_free(s);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_pack_to_lhash),
        cmocka_unit_test(test_set_pack_to_lhash),
        cmocka_unit_test(test_intset_to_lhash),
        cmocka_unit_test(test_intset_to_pack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
