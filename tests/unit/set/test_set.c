/* Unit tests of server/types/set/set_type.c and set_rdb.c: random adds and
 * removes against a reference model that predicts membership and the exact
 * encoding (intset while every member is a canonical integer and there are
 * at most set-max-intset-entries, lhash otherwise, never back), intset order
 * and width, random pops, threshold crossings, and RDB round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intset.h"
#include "rdb_io.h"
#include "set_type.h"
#include "zmalloc.h"

#define MODEL_MAX 2000
#define TEXT_MAX 32

typedef struct model {
    char members[MODEL_MAX][TEXT_MAX];
    size_t lengths[MODEL_MAX];
    size_t count;
    bool intset;
} model;

static int register_type(void **state) {
    (void)state;
    static const object_type_functions functions = {
        .free_value = set_type_free_value,
        .duplicate_value = set_type_duplicate_value,
    };
    object_register_type(OBJECT_SET, &functions);
    set_type_max_intset_entries = 512;
    return 0;
}

/* Redis's string2ll test, restated: a canonical decimal of a long long. */
static bool canonical_integer(const char *text, size_t length) {
    char buffer[TEXT_MAX + 1];
    if (length == 0 || length > 20) return false;
    memcpy(buffer, text, length);
    buffer[length] = '\0';
    char *end;
    long long value = strtoll(buffer, &end, 10);
    if (*end != '\0') return false;
    char again[32];
    return (size_t)snprintf(again, sizeof again, "%lld", value) == length && memcmp(again, text, length) == 0;
}

static size_t model_find(const model *m, const char *member, size_t length) {
    for (size_t i = 0; i < m->count; i++)
        if (m->lengths[i] == length && memcmp(m->members[i], member, length) == 0) return i;
    return m->count;
}

static bool model_add(model *m, const char *member, size_t length) {
    if (model_find(m, member, length) < m->count) return false;
    memcpy(m->members[m->count], member, length);
    m->lengths[m->count++] = length;
    if (!canonical_integer(member, length) || (long long)m->count > set_type_max_intset_entries) m->intset = false;
    return true;
}

static bool model_remove(model *m, const char *member, size_t length) {
    size_t at = model_find(m, member, length);
    if (at == m->count) return false;
    m->count--;
    memcpy(m->members[at], m->members[m->count], m->lengths[m->count]);
    m->lengths[at] = m->lengths[m->count];
    return true;
}

static void check_against(const object *o, const model *m) {
    assert_int_equal(set_type_is_intset(o), m->intset);
    assert_int_equal(object_encoding(o), m->intset ? OBJECT_ENCODING_INTSET : OBJECT_ENCODING_HASHTABLE);
    assert_int_equal(set_type_size(o), m->count);
    for (size_t i = 0; i < m->count; i++) assert_true(set_type_contains(o, m->members[i], m->lengths[i]));
    set_type_iterator it;
    set_type_iterator_init(&it, o);
    elem_view member;
    size_t seen = 0;
    long long previous = 0;
    while (set_type_iterator_next(&it, &member)) {
        char digits[ELEM_INTEGER_BUFFER];
        size_t length;
        const char *bytes = elem_view_string(&member, digits, &length);
        assert_true(model_find(m, bytes, length) < m->count);
        if (m->intset && seen > 0) assert_true(member.integer > previous); /* ascending */
        previous = member.integer;
        seen++;
    }
    assert_int_equal(seen, m->count);
}

static void random_member(char *out, size_t *length, bool integers_only) {
    int kind = rand() % (integers_only ? 3 : 5);
    if (kind == 0) *length = (size_t)snprintf(out, TEXT_MAX, "%d", rand() % 700 - 100);
    else if (kind == 1) *length = (size_t)snprintf(out, TEXT_MAX, "%lld", (long long)rand() * 100003LL);
    else if (kind == 2) *length = (size_t)snprintf(out, TEXT_MAX, "%d", rand() % 40);
    else if (kind == 3) *length = (size_t)snprintf(out, TEXT_MAX, "0%d", rand() % 10); /* not canonical */
    else *length = (size_t)snprintf(out, TEXT_MAX, "m%d", rand() % 300);
}

static void test_random_against_model(void **state) {
    (void)state;
    static model m;
    srand(11);
    for (int round = 0; round < 40; round++) {
        m.count = 0;
        m.intset = true;
        object *o = set_type_create("s", 1, NULL, 0);
        bool integers_only = round % 2 == 0;
        int operations = round % 4 == 0 ? 1500 : 200;
        for (int op = 0; op < operations; op++) {
            char member[TEXT_MAX];
            size_t length;
            random_member(member, &length, integers_only);
            int choice = rand() % 10;
            if (choice < 2) {
                assert_int_equal(set_type_remove(o, member, length), model_remove(&m, member, length));
            } else if (choice == 2 && m.count > 0) {
                elem_view picked;
                set_type_position position;
                set_type_random(o, &picked, &position);
                char digits[ELEM_INTEGER_BUFFER];
                size_t picked_length;
                const char *bytes = elem_view_string(&picked, digits, &picked_length);
                char copy[TEXT_MAX];
                memcpy(copy, bytes, picked_length);
                set_type_remove_at(o, &position);
                assert_true(model_remove(&m, copy, picked_length));
            } else {
                assert_int_equal(set_type_add(o, member, length), model_add(&m, member, length));
            }
            if (op % 50 == 0) check_against(o, &m);
        }
        check_against(o, &m);
        object_free(o);
    }
}

static void test_thresholds_and_width(void **state) {
    (void)state;
    object *o = set_type_create("s", 1, "1", 1);
    assert_true(set_type_is_intset(o));
    char member[TEXT_MAX];
    for (int i = 0; i < 512; i++) set_type_add(o, member, (size_t)snprintf(member, sizeof member, "%d", i));
    assert_true(set_type_is_intset(o));
    set_type_iterator it;
    set_type_iterator_init(&it, o);
    assert_int_equal(intset_width(it.integers), 2);
    set_type_add(o, "512", 3);
    assert_false(set_type_is_intset(o));
    set_type_remove(o, "512", 3);
    assert_false(set_type_is_intset(o)); /* never back */
    object_free(o);
    /* An intset keeps the width of its widest past member (as Redis). */
    o = set_type_create("s", 1, "1", 1);
    set_type_add(o, "34359738368", 11);
    set_type_remove(o, "34359738368", 11);
    set_type_iterator_init(&it, o);
    assert_int_equal(intset_width(it.integers), 8);
    object_free(o);
    o = set_type_create("s", 1, "x", 1);
    assert_false(set_type_is_intset(o));
    object_free(o);
    o = set_type_create("s", 1, "007", 3);
    assert_false(set_type_is_intset(o));
    object_free(o);
}

static object *round_trip(const object *o, int expected_type) {
    assert_int_equal(set_rdb_type(o), expected_type);
    rdb_writer w;
    rdb_writer_init(&w, -1, true);
    assert_int_equal(set_rdb_save(o, &w), 0);
    rdb_reader r;
    rdb_reader_init(&r, w.buffer.data, w.buffer.length, 10);
    const char *error = NULL;
    object *loaded = set_rdb_load(&r, expected_type, "s", 1, OBJECT_NO_EXPIRE, &error);
    assert_null(error);
    assert_non_null(loaded);
    assert_int_equal(rdb_reader_left(&r), 0);
    assert_int_equal(set_type_size(loaded), set_type_size(o));
    set_type_iterator it;
    set_type_iterator_init(&it, o);
    elem_view member;
    while (set_type_iterator_next(&it, &member)) {
        char digits[ELEM_INTEGER_BUFFER];
        size_t length;
        const char *bytes = elem_view_string(&member, digits, &length);
        assert_true(set_type_contains(loaded, bytes, length));
    }
    rdb_writer_free(&w);
    return loaded;
}

static void test_rdb_round_trips(void **state) {
    (void)state;
    object *o = set_type_create("s", 1, NULL, 0);
    set_type_add(o, "-5", 2);
    set_type_add(o, "70000", 5);
    object *loaded = round_trip(o, RDB_TYPE_SET_INTSET);
    assert_true(set_type_is_intset(loaded));
    object_free(loaded);
    set_type_add(o, "member", 6);
    loaded = round_trip(o, RDB_TYPE_SET);
    assert_false(set_type_is_intset(loaded));
    object_free(loaded);
    /* A hashtable of integers only, under the limit, loads as an intset. */
    set_type_remove(o, "member", 6);
    loaded = round_trip(o, RDB_TYPE_SET);
    assert_true(set_type_is_intset(loaded));
    object_free(loaded);
    object_free(o);
    /* Past the limit: a hashtable again. */
    o = set_type_create("s", 1, NULL, 0);
    char member[TEXT_MAX];
    for (int i = 0; i < 600; i++) set_type_add(o, member, (size_t)snprintf(member, sizeof member, "%d", i));
    loaded = round_trip(o, RDB_TYPE_SET);
    assert_false(set_type_is_intset(loaded));
    object_free(loaded);
    object_free(o);
}

static void test_rdb_refuses_duplicates(void **state) {
    (void)state;
    rdb_writer w;
    rdb_writer_init(&w, -1, false);
    rdb_write_length(&w, 3);
    rdb_write_string(&w, "a", 1);
    rdb_write_string(&w, "b", 1);
    rdb_write_string(&w, "a", 1);
    rdb_reader r;
    rdb_reader_init(&r, w.buffer.data, w.buffer.length, 10);
    const char *error = NULL;
    assert_null(set_rdb_load(&r, RDB_TYPE_SET, "s", 1, OBJECT_NO_EXPIRE, &error));
    assert_string_equal(error, "duplicated set member");
    rdb_writer_free(&w);
}

int main(void) {
    size_t baseline = zmalloc_used_memory();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_random_against_model, register_type),
        cmocka_unit_test_setup(test_thresholds_and_width, register_type),
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
