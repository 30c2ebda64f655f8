/* Unit tests of lib/pack.c: random set and hash operations against a
 * reference (order included: a pack keeps insertion order, replacing a
 * value in place), awkward strings, a 1 MB value, offsets for random picks,
 * and used_memory returning to its baseline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib_test_support.h"
#include "pack.h"
#include "zmalloc.h"

#define IDS 600
#define VALUE_MAX 512

/* The reference: ids in insertion order, with value versions. */
typedef struct reference {
    long order[IDS];
    long version[IDS];
    size_t count;
} reference;

static long reference_position(const reference *r, long id) {
    for (size_t i = 0; i < r->count; i++)
        if (r->order[i] == id) return (long)i;
    return -1;
}

static void assert_entry_is(const pack *p, size_t offset, const char *text, size_t length) {
    elem_view view;
    pack_get(p, offset, &view);
    char digits[ELEM_INTEGER_BUFFER];
    size_t view_length;
    const char *bytes = elem_view_string(&view, digits, &view_length);
    assert_int_equal(view_length, length);
    assert_true(length == 0 || memcmp(bytes, text, length) == 0);
}

/* The whole pack equals the reference, in order. */
static void check_pack(const pack *p, const reference *r, unsigned stride) {
    assert_int_equal(pack_count(p), r->count * stride);
    size_t offset = pack_first(p);
    for (size_t i = 0; i < r->count; i++) {
        char key[TEST_KEY_MAX], value[VALUE_MAX];
        assert_true(offset != 0);
        assert_entry_is(p, offset, key, test_key(r->order[i], key));
        offset = pack_next(p, offset);
        if (stride == 2) {
            long id = r->order[i];
            assert_entry_is(p, offset, value, test_value(id, r->version[id], value, sizeof value));
            offset = pack_next(p, offset);
        }
    }
    assert_int_equal(offset, 0);
}

static pack *apply_set(pack *p, reference *r, long id, long version, unsigned stride) {
    char key[TEST_KEY_MAX], value[VALUE_MAX];
    elem_key k, v;
    elem_key_init(&k, key, test_key(id, key));
    elem_key_init(&v, value, test_value(id, version, value, sizeof value));
    size_t offset = pack_find(p, &k, stride);
    assert_int_equal(offset != 0, reference_position(r, id) >= 0);
    if (offset != 0) {
        if (stride == 2) p = pack_replace(p, pack_next(p, offset), &v);
    } else {
        p = pack_append(p, &k);
        if (stride == 2) p = pack_append(p, &v);
        r->order[r->count++] = id;
    }
    if (stride == 2) r->version[id] = version;
    return p;
}

static pack *apply_delete(pack *p, reference *r, long id, unsigned stride) {
    char key[TEST_KEY_MAX];
    elem_key k;
    elem_key_init(&k, key, test_key(id, key));
    size_t offset = pack_find(p, &k, stride);
    long position = reference_position(r, id);
    assert_int_equal(offset != 0, position >= 0);
    if (offset == 0) return p;
    p = pack_delete(p, offset, stride);
    memmove(&r->order[position], &r->order[position + 1], (r->count - (size_t)position - 1) * sizeof(long));
    r->count--;
    return p;
}

static void run_model(unsigned stride) {
    size_t baseline = zmalloc_used_memory();
    pack *p = pack_create();
    reference *r = calloc(1, sizeof *r);
    uint64_t rng = 99 + stride;
    for (long step = 0; step < 30000; step++) {
        long id = (long)(test_random(&rng) % IDS);
        bool growing = (step / 3000) % 2 == 0;
        if (test_random(&rng) % 10 < (growing ? 7u : 3u))
            p = apply_set(p, r, id, step, stride);
        else
            p = apply_delete(p, r, id, stride);
        if (step % 97 == 0) check_pack(p, r, stride);
    }
    check_pack(p, r, stride);
    pack *copy = pack_duplicate(p);
    assert_int_equal(pack_bytes(copy), pack_bytes(p));
    assert_memory_equal(copy, p, pack_bytes(p));
    pack_free(copy);
    while (r->count > 0) p = apply_delete(p, r, r->order[r->count / 2], stride);
    assert_int_equal(pack_bytes(p), PACK_EMPTY_SIZE);
    assert_int_equal(pack_first(p), 0);
    pack_free(p);
    free(r);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

static void test_model_set(void **state) {
    (void)state;
    run_model(1);
}

static void test_model_hash(void **state) {
    (void)state;
    run_model(2);
}

/* A value equal to a field must not be found as a field (stride 2). */
static void test_find_looks_at_fields_only(void **state) {
    (void)state;
    pack *p = pack_create();
    elem_key field, value;
    elem_key_init(&field, "a", 1);
    elem_key_init(&value, "b", 1);
    p = pack_append(p, &field);
    p = pack_append(p, &value);
    assert_int_equal(pack_find(p, &value, 2), 0);
    assert_int_not_equal(pack_find(p, &value, 1), 0);
    assert_int_equal(pack_find(p, &field, 2), pack_first(p));
    pack_free(p);
}

static void test_huge_value_and_integers(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    pack *p = pack_create();
    size_t size = 1 << 20;
    char *big = malloc(size);
    for (size_t i = 0; i < size; i++) big[i] = (char)(i ^ (i >> 8));
    elem_key field, value, number;
    elem_key_init(&field, "f", 1);
    elem_key_init(&value, big, size);
    p = pack_append(p, &field);
    p = pack_append(p, &value);
    assert_entry_is(p, pack_next(p, pack_first(p)), big, size);
    /* HINCRBY: the value becomes an integer, stored in 9 bytes at most. */
    elem_key_init(&number, "-9223372036854775808", 20);
    p = pack_replace(p, pack_next(p, pack_first(p)), &number);
    assert_int_equal(pack_bytes(p), PACK_EMPTY_SIZE + 2 + 9);
    elem_view view;
    pack_get(p, pack_next(p, pack_first(p)), &view);
    assert_null(view.bytes);
    assert_true(view.integer == INT64_MIN);
    pack_free(p);
    free(big);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

static void test_offsets_and_index(void **state) {
    (void)state;
    pack *p = pack_create();
    for (long id = 0; id < 300; id++) {
        char key[TEST_KEY_MAX];
        elem_key k;
        elem_key_init(&k, key, test_key(id, key));
        p = pack_append(p, &k);
    }
    uint32_t offsets[300];
    pack_offsets(p, offsets);
    for (size_t i = 0; i < 300; i++) {
        char key[TEST_KEY_MAX];
        assert_int_equal(pack_index(p, i), offsets[i]);
        assert_entry_is(p, offsets[i], key, test_key((long)i, key));
    }
    pack_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_set),
        cmocka_unit_test(test_model_hash),
        cmocka_unit_test(test_find_looks_at_fields_only),
        cmocka_unit_test(test_huge_value_and_integers),
        cmocka_unit_test(test_offsets_and_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
