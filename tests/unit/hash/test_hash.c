/* Unit tests of server/types/hash: the inline pair format (hash_inline.c),
 * and a hash value (hash_type.c) driven by random writes against a reference
 * model that predicts contents, Redis's order and the exact encoding (inline,
 * pack, lhash) from the rules in hash_type.h; threshold crossings; and RDB
 * round trips (hash_rdb.c) in every encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"
#include "hash_type.h"
#include "rdb_io.h"
#include "zmalloc.h"

#define MODEL_MAX 700
#define TEXT_MAX 80

typedef struct model_pair {
    char field[TEXT_MAX], value[TEXT_MAX];
    size_t field_length, value_length;
} model_pair;

/* The reference: pairs in Redis's order and the encoding zkv must be in. */
typedef struct model {
    model_pair pairs[MODEL_MAX];
    size_t count;
    enum hash_type_encoding encoding;
} model;

static int register_type(void **state) {
    (void)state;
    static const object_type_functions functions = {
        .free_value = hash_type_free_value,
        .duplicate_value = hash_type_duplicate_value,
    };
    object_register_type(OBJECT_HASH, &functions);
    hash_type_config = (hash_type_settings){.max_listpack_entries = 512, .max_listpack_value = 64};
    return 0;
}

static size_t model_find(const model *m, const char *field, size_t length) {
    for (size_t i = 0; i < m->count; i++)
        if (m->pairs[i].field_length == length && memcmp(m->pairs[i].field, field, length) == 0) return i;
    return m->count;
}

static size_t model_inline_bytes(const model *m) {
    size_t bytes = 0;
    for (size_t i = 0; i < m->count; i++) bytes += hash_inline_pair_size(m->pairs[i].field_length, m->pairs[i].value_length);
    return bytes;
}

/* hash_type_set's rules, restated: a long argument makes an lhash first;
 * an inline hash whose result would not be inline becomes a pack; too many
 * fields make an lhash; nothing converts back. */
static bool model_set(model *m, const char *field, size_t field_length, const char *value, size_t value_length) {
    if ((long long)field_length > hash_type_config.max_listpack_value ||
        (long long)value_length > hash_type_config.max_listpack_value)
        m->encoding = HASH_TYPE_LHASH;
    size_t at = model_find(m, field, field_length);
    bool added = at == m->count;
    if (added) m->count++;
    model_pair *p = &m->pairs[at];
    memcpy(p->field, field, field_length);
    p->field_length = field_length;
    memcpy(p->value, value, value_length);
    p->value_length = value_length;
    if (m->encoding == HASH_TYPE_INLINE) {
        bool fits = true;
        for (size_t i = 0; i < m->count; i++) fits = fits && hash_inline_fits(m->pairs[i].field_length, m->pairs[i].value_length);
        if (!fits || model_inline_bytes(m) > HASH_TYPE_INLINE_MAX) m->encoding = HASH_TYPE_PACK;
    }
    if (added && m->encoding != HASH_TYPE_LHASH && (long long)m->count > hash_type_config.max_listpack_entries)
        m->encoding = HASH_TYPE_LHASH;
    return added;
}

static bool model_delete(model *m, const char *field, size_t field_length) {
    size_t at = model_find(m, field, field_length);
    if (at == m->count) return false;
    memmove(&m->pairs[at], &m->pairs[at + 1], (m->count - at - 1) * sizeof m->pairs[0]);
    m->count--;
    return true;
}

static void view_text(const elem_view *view, char *buffer, size_t *length) {
    char digits[ELEM_INTEGER_BUFFER];
    const char *bytes = elem_view_string(view, digits, length);
    memcpy(buffer, bytes, *length);
}

/* Contents, order (small encodings) and encoding equal the model's. */
static void check_against(const object *o, const model *m) {
    assert_int_equal(hash_type_encoding_of(o), m->encoding);
    assert_int_equal(object_encoding(o),
                     m->encoding == HASH_TYPE_LHASH ? OBJECT_ENCODING_HASHTABLE : OBJECT_ENCODING_LISTPACK);
    assert_int_equal(hash_type_length(o), m->count);
    for (size_t i = 0; i < m->count; i++) {
        elem_view value;
        char text[TEXT_MAX];
        size_t length;
        assert_true(hash_type_get(o, m->pairs[i].field, m->pairs[i].field_length, &value));
        view_text(&value, text, &length);
        assert_int_equal(length, m->pairs[i].value_length);
        assert_memory_equal(text, m->pairs[i].value, length);
    }
    hash_type_iterator it;
    hash_type_iterator_init(&it, o);
    elem_view field, value;
    size_t seen = 0;
    while (hash_type_iterator_next(&it, &field, &value)) {
        char text[TEXT_MAX];
        size_t length;
        view_text(&field, text, &length);
        size_t at = model_find(m, text, length);
        assert_true(at < m->count);
        if (m->encoding != HASH_TYPE_LHASH) assert_int_equal(at, seen);
        seen++;
    }
    assert_int_equal(seen, m->count);
}

static void test_inline_format(void **state) {
    (void)state;
    assert_true(hash_inline_fits(15, 15));
    assert_false(hash_inline_fits(16, 0));
    assert_false(hash_inline_fits(0, 16));
    assert_int_equal(hash_inline_pair_size(3, 4), 8);
    unsigned char bytes[64];
    size_t length = hash_inline_write(bytes, "abc", 3, "1234", 4);
    length += hash_inline_write(bytes + length, "", 0, "", 0);
    length += hash_inline_write(bytes + length, "fffffffffffffff", 15, "v", 1);
    assert_int_equal(length, 8 + 1 + 17);
    assert_int_equal(bytes[0], 3 << 4 | 4);
    assert_int_equal(bytes[8], 0);
    assert_int_equal(bytes[9], 15 << 4 | 1);
    assert_int_equal(hash_inline_count(bytes, length), 3);
    assert_int_equal(hash_inline_find(bytes, length, "abc", 3), 0);
    assert_int_equal(hash_inline_find(bytes, length, "", 0), 8);
    assert_int_equal(hash_inline_find(bytes, length, "fffffffffffffff", 15), 9);
    assert_int_equal(hash_inline_find(bytes, length, "ab", 2), length);
    elem_view field, value;
    size_t next = hash_inline_read(bytes, 9, &field, &value);
    assert_int_equal(next, length);
    assert_int_equal(field.length, 15);
    assert_memory_equal(value.bytes, "v", 1);
}

static void random_text(char *out, size_t *length, unsigned seed_kind) {
    static const size_t lengths[] = {0, 1, 2, 5, 8, 15, 16, 20, 64, 65};
    *length = lengths[(size_t)rand() % (seed_kind ? 8 : 10)];
    for (size_t i = 0; i < *length; i++) out[i] = (char)('a' + rand() % 4);
    if (*length > 0 && rand() % 4 == 0) *length = (size_t)snprintf(out, TEXT_MAX, "%d", rand() % 2000 - 1000);
}

static void test_random_against_model(void **state) {
    (void)state;
    static model m;
    srand(7);
    for (int round = 0; round < 60; round++) {
        db d;
        db_init(&d, 0);
        m.count = 0;
        m.encoding = HASH_TYPE_INLINE;
        object *o = hash_type_create(&d, "h", 1);
        int operations = round % 3 == 0 ? 1500 : 120;
        for (int op = 0; op < operations; op++) {
            char field[TEXT_MAX], value[TEXT_MAX];
            size_t field_length, value_length;
            random_text(field, &field_length, round % 2);
            if (round % 3 == 0) field_length = (size_t)snprintf(field, TEXT_MAX, "f%d", rand() % 600);
            random_text(value, &value_length, round % 2);
            if (rand() % 4 == 0 && m.count > 1) {
                bool expected = model_delete(&m, field, field_length);
                assert_int_equal(hash_type_delete(&d, &o, field, field_length), expected);
                if (m.count == 0) break;
            } else {
                bool expected = model_set(&m, field, field_length, value, value_length);
                assert_int_equal(hash_type_set(&d, &o, field, field_length, value, value_length), expected);
            }
            assert_ptr_equal(db_lookup(&d, "h", 1, DB_LOOKUP_NOTOUCH | DB_LOOKUP_NOSTATS), o);
            if (op % 50 == 0) check_against(o, &m);
        }
        check_against(o, &m);
        db_empty(&d);
        table_release(d.keys);
    }
}

static object *fill(db *d, int fields, size_t value_length) {
    object *o = hash_type_create(d, "h", 1);
    char field[32], value[TEXT_MAX];
    memset(value, 'v', sizeof value);
    for (int i = 0; i < fields; i++) {
        size_t length = (size_t)snprintf(field, sizeof field, "%d", i);
        hash_type_set(d, &o, field, length, value, value_length);
    }
    return o;
}

static void test_thresholds(void **state) {
    (void)state;
    db d;
    db_init(&d, 0);
    /* 128 bytes of pairs stay inline; one more byte makes a pack. */
    object *o = hash_type_create(&d, "h", 1);
    for (int i = 0; i < 8; i++) {
        char field[2] = {(char)('a' + i), 0};
        hash_type_set(&d, &o, field, 1, "vvvvvvvvvvvvvv", 14); /* 16 bytes a pair */
    }
    assert_int_equal(hash_type_encoding_of(o), HASH_TYPE_INLINE);
    hash_type_set(&d, &o, "i", 1, "", 0);
    assert_int_equal(hash_type_encoding_of(o), HASH_TYPE_PACK);
    db_empty(&d);
    o = fill(&d, 512, 64);
    assert_int_equal(hash_type_encoding_of(o), HASH_TYPE_PACK);
    hash_type_set(&d, &o, "512", 3, "x", 1);
    assert_int_equal(hash_type_encoding_of(o), HASH_TYPE_LHASH);
    /* Never back. */
    for (int i = 0; i < 500; i++) {
        char field[32];
        hash_type_delete(&d, &o, field, (size_t)snprintf(field, sizeof field, "%d", i));
    }
    assert_int_equal(hash_type_encoding_of(o), HASH_TYPE_LHASH);
    db_empty(&d);
    o = fill(&d, 3, 65);
    assert_int_equal(hash_type_encoding_of(o), HASH_TYPE_LHASH);
    db_empty(&d);
    table_release(d.keys);
}

/* Saves and loads back; the loaded hash equals the model in the encoding a
 * load gives (the same rules from empty). */
static void round_trip(object *o, int expected_type, enum hash_type_encoding expected_encoding) {
    assert_int_equal(hash_rdb_type(o), expected_type);
    rdb_writer w;
    rdb_writer_init(&w, -1, true);
    assert_int_equal(hash_rdb_save(o, &w), 0);
    rdb_reader r;
    rdb_reader_init(&r, w.buffer.data, w.buffer.length, 10);
    const char *error = NULL;
    object *loaded = hash_rdb_load(&r, expected_type, "h", 1, OBJECT_NO_EXPIRE, &error);
    assert_null(error);
    assert_non_null(loaded);
    assert_int_equal(rdb_reader_left(&r), 0);
    assert_int_equal(hash_type_encoding_of(loaded), expected_encoding);
    assert_int_equal(hash_type_length(loaded), hash_type_length(o));
    hash_type_iterator it;
    hash_type_iterator_init(&it, o);
    elem_view field, value, found;
    while (hash_type_iterator_next(&it, &field, &value)) {
        char text[TEXT_MAX], loaded_text[TEXT_MAX];
        size_t length, loaded_length;
        view_text(&field, text, &length);
        assert_true(hash_type_get(loaded, text, length, &found));
        view_text(&value, text, &length);
        view_text(&found, loaded_text, &loaded_length);
        assert_int_equal(length, loaded_length);
        assert_memory_equal(text, loaded_text, length);
    }
    object_free(loaded);
    rdb_writer_free(&w);
}

static void test_rdb_round_trips(void **state) {
    (void)state;
    db d;
    db_init(&d, 0);
    round_trip(fill(&d, 5, 3), RDB_TYPE_HASH_LISTPACK, HASH_TYPE_INLINE);
    db_empty(&d);
    round_trip(fill(&d, 100, 30), RDB_TYPE_HASH_LISTPACK, HASH_TYPE_PACK);
    db_empty(&d);
    round_trip(fill(&d, 600, 3), RDB_TYPE_HASH, HASH_TYPE_LHASH);
    db_empty(&d);
    /* An lhash shrunk under the limits is saved as type 4 and loads small. */
    object *o = fill(&d, 3, 65);
    hash_type_set(&d, &o, "0", 1, "short", 5);
    hash_type_set(&d, &o, "1", 1, "short", 5);
    hash_type_set(&d, &o, "2", 1, "short", 5);
    round_trip(o, RDB_TYPE_HASH, HASH_TYPE_INLINE);
    db_empty(&d);
    table_release(d.keys);
}

static void test_rdb_refuses_duplicates(void **state) {
    (void)state;
    /* Type 4 with a field twice, past the linear check too. */
    for (int pairs = 2; pairs <= 40; pairs += 38) {
        rdb_writer w;
        rdb_writer_init(&w, -1, false);
        rdb_write_length(&w, (uint64_t)pairs);
        for (int i = 0; i < pairs - 1; i++) {
            rdb_write_integer_string(&w, i);
            rdb_write_string(&w, "v", 1);
        }
        rdb_write_integer_string(&w, 0);
        rdb_write_string(&w, "v", 1);
        rdb_reader r;
        rdb_reader_init(&r, w.buffer.data, w.buffer.length, 10);
        const char *error = NULL;
        assert_null(hash_rdb_load(&r, RDB_TYPE_HASH, "h", 1, OBJECT_NO_EXPIRE, &error));
        assert_string_equal(error, "duplicated hash field");
        rdb_writer_free(&w);
    }
}

int main(void) {
    size_t baseline = zmalloc_used_memory();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inline_format),
        cmocka_unit_test_setup(test_random_against_model, register_type),
        cmocka_unit_test_setup(test_thresholds, register_type),
        cmocka_unit_test_setup(test_rdb_round_trips, register_type),
        cmocka_unit_test_setup(test_rdb_refuses_duplicates, register_type),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (zmalloc_used_memory() != baseline) {
        fprintf(stderr, "used_memory %zu after the tests, %zu before\n", zmalloc_used_memory(), baseline);
        return 1;
    }
    return failed;
}
