/* Unit tests of lib/lhash.c: random operations against a reference model
 * (sets and hashes, through growth and back to one page), the SCAN
 * guarantee while pages split and merge between calls, random picks,
 * huge and out-of-page entries, a degenerate hash, copies, and used_memory
 * returning to its baseline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lhash.h"
#include "lib_test_support.h"
#include "zmalloc.h"

#define VALUE_MAX 512

/* The reference: key `id` is present with value version version[id]. */
typedef struct model_key {
    size_t length;
    long id;
    char bytes[TEST_KEY_MAX];
} model_key;

typedef struct model {
    long ids;
    bool *present;
    long *version;
    size_t count;
    model_key *sorted; /* every key, ordered for model_id_of */
} model;

static int model_key_compare(const void *a, const void *b) {
    const model_key *x = a, *y = b;
    if (x->length != y->length) return x->length < y->length ? -1 : 1;
    return memcmp(x->bytes, y->bytes, x->length);
}

static model *model_create(long ids) {
    model *m = calloc(1, sizeof *m);
    m->ids = ids;
    m->present = calloc((size_t)ids, sizeof *m->present);
    m->version = calloc((size_t)ids, sizeof *m->version);
    m->sorted = calloc((size_t)ids, sizeof *m->sorted);
    for (long id = 0; id < ids; id++) {
        m->sorted[id].id = id;
        m->sorted[id].length = test_key(id, m->sorted[id].bytes);
    }
    qsort(m->sorted, (size_t)ids, sizeof *m->sorted, model_key_compare);
    return m;
}

static void model_free(model *m) {
    free(m->present);
    free(m->version);
    free(m->sorted);
    free(m);
}

/* The id of a reported key, or -1 if no test key has these bytes. */
static long model_id_of(const model *m, const char *key, size_t length) {
    model_key probe = {.length = length};
    if (length > TEST_KEY_MAX) return -1;
    memcpy(probe.bytes, key, length);
    const model_key *found = bsearch(&probe, m->sorted, (size_t)m->ids, sizeof probe, model_key_compare);
    return found == NULL ? -1 : found->id;
}

static void assert_view_is(const elem_view *view, const char *text, size_t length) {
    char digits[ELEM_INTEGER_BUFFER];
    size_t view_length;
    const char *bytes = elem_view_string(view, digits, &view_length);
    assert_int_equal(view_length, length);
    assert_true(length == 0 || memcmp(bytes, text, length) == 0);
}

static void check_present(lhash *h, const model *m, long id) {
    char key[TEST_KEY_MAX], value[VALUE_MAX];
    size_t key_length = test_key(id, key);
    elem_view view;
    bool found = lhash_find(h, key, key_length, &view);
    assert_int_equal(found, m->present[id]);
    if (found && lhash_with_values(h)) {
        size_t value_length = test_value(id, m->version[id], value, sizeof value);
        assert_view_is(&view, value, value_length);
    }
}

static void apply_set(lhash *h, model *m, long id, long version) {
    char key[TEST_KEY_MAX], value[VALUE_MAX];
    size_t key_length = test_key(id, key);
    size_t value_length = lhash_with_values(h) ? test_value(id, version, value, sizeof value) : 0;
    bool added = lhash_set(h, key, key_length, lhash_with_values(h) ? value : NULL, value_length);
    assert_int_equal(added, !m->present[id]);
    if (added) m->count++;
    m->present[id] = true;
    if (lhash_with_values(h)) m->version[id] = version;
}

static void apply_delete(lhash *h, model *m, long id) {
    char key[TEST_KEY_MAX];
    size_t key_length = test_key(id, key);
    assert_int_equal(lhash_delete(h, key, key_length), m->present[id]);
    if (m->present[id]) m->count--;
    m->present[id] = false;
}

/* Iteration reports each present key once, with its value. */
static void check_iteration(lhash *h, const model *m) {
    char *seen = calloc((size_t)m->ids, 1);
    lhash_iterator it;
    lhash_iterator_init(&it, h);
    elem_view key, value;
    size_t reported = 0;
    while (lhash_iterator_next(&it, &key, &value)) {
        char digits[ELEM_INTEGER_BUFFER];
        size_t length;
        const char *bytes = elem_view_string(&key, digits, &length);
        long id = model_id_of(m, bytes, length);
        assert_true(id >= 0 && m->present[id] && !seen[id]);
        seen[id] = 1;
        reported++;
    }
    assert_int_equal(reported, m->count);
    free(seen);
}

/* Random sets, overwrites and deletes on `ids` keys, checked after each
 * step, then everything deleted: the table must return to one page and
 * used_memory to its baseline. */
static void run_model(bool with_values, lhash_hash_fn *hash, long ids, long steps) {
    size_t baseline = zmalloc_used_memory();
    lhash *h = lhash_create(hash, with_values);
    model *m = model_create(ids);
    uint64_t rng = 42;
    for (long step = 0; step < steps; step++) {
        long id = (long)(test_random(&rng) % (uint64_t)ids);
        /* Phases: mostly inserts, then mostly deletes, so the table grows
         * and shrinks through many split and merge boundaries. */
        bool growing = (step / (steps / 4)) % 2 == 0;
        if (test_random(&rng) % 10 < (growing ? 8u : 2u))
            apply_set(h, m, id, step);
        else
            apply_delete(h, m, id);
        check_present(h, m, id);
        check_present(h, m, (long)(test_random(&rng) % (uint64_t)ids));
        assert_int_equal(lhash_count(h), m->count);
        if (step % (steps / 8) == 0) check_iteration(h, m);
        if (step % 997 == 0) lhash_check(h);
    }
    check_iteration(h, m);
    for (long id = 0; id < ids; id++) apply_delete(h, m, id);
    assert_int_equal(lhash_count(h), 0);
    assert_int_equal(lhash_page_count(h), 1);
    lhash_free(h);
    model_free(m);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

static void test_model_set(void **state) {
    (void)state;
    run_model(false, test_hash, 5000, 200000);
}

static void test_model_hash(void **state) {
    (void)state;
    run_model(true, test_hash, 5000, 200000);
}

/* Every key in one page: slow but still exact. */
static void test_model_degenerate_hash(void **state) {
    (void)state;
    run_model(true, test_constant_hash, 300, 6000);
}

/* Insert one by one to 5000, checking every key after each split, then
 * delete one by one back to one page. */
static void test_growth_and_shrink_boundaries(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    lhash *h = lhash_create(test_hash, false);
    model *m = model_create(5000);
    size_t pages = 1;
    for (long id = 0; id < m->ids; id++) {
        apply_set(h, m, id, 0);
        assert_true(lhash_page_count(h) <= pages + 1);
        if (lhash_page_count(h) != pages)
            for (long other = 0; other <= id; other++) check_present(h, m, other);
        pages = lhash_page_count(h);
        if (id % 64 == 0) lhash_check(h);
    }
    for (long id = 0; id < m->ids; id++) {
        apply_delete(h, m, id);
        assert_true(lhash_page_count(h) + 1 >= pages);
        if (lhash_page_count(h) != pages && id % 7 == 0)
            for (long other = id + 1; other < m->ids; other++) check_present(h, m, other);
        pages = lhash_page_count(h);
    }
    assert_int_equal(pages, 1);
    lhash_free(h);
    model_free(m);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

/* ---- SCAN ---- */

typedef struct scan_record {
    const model *m;
    unsigned *times;
} scan_record;

static void record_key(void *privdata, const elem_view *key, const elem_view *value) {
    (void)value;
    scan_record *r = privdata;
    char digits[ELEM_INTEGER_BUFFER];
    size_t length;
    const char *bytes = elem_view_string(key, digits, &length);
    long id = model_id_of(r->m, bytes, length);
    assert_true(id >= 0);
    r->times[id]++;
}

/* Keys 0..stable-1 stay for the whole scan; between scan calls, `churn`
 * decides how many other keys to add or remove, making pages split and
 * merge mid-scan.  Every stable key must be reported. */
static void run_scan(long stable, long others, int mode) {
    size_t baseline = zmalloc_used_memory();
    lhash *h = lhash_create(test_hash, true);
    model *m = model_create(stable + others);
    uint64_t rng = 7 + (uint64_t)mode;
    for (long id = 0; id < stable; id++) apply_set(h, m, id, 1);
    if (mode == 1)
        for (long id = stable; id < stable + others; id++) apply_set(h, m, id, 1);
    scan_record record = {m, calloc((size_t)m->ids, sizeof(unsigned))};
    unsigned long cursor = 0;
    long calls = 0;
    do {
        cursor = lhash_scan(h, cursor, record_key, &record);
        calls++;
        for (int i = 0; i < 40; i++) {
            long id = stable + (long)(test_random(&rng) % (uint64_t)others);
            if (mode == 0 || (mode == 2 && test_random(&rng) % 2))
                apply_set(h, m, id, calls);
            else
                apply_delete(h, m, id);
        }
    } while (cursor != 0);
    for (long id = 0; id < stable; id++) assert_true(record.times[id] >= 1);
    assert_true(calls < 100000);
    lhash_check(h);
    free(record.times);
    lhash_free(h);
    model_free(m);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

static void test_scan_while_growing(void **state) {
    (void)state;
    run_scan(1500, 30000, 0);
}

static void test_scan_while_shrinking(void **state) {
    (void)state;
    run_scan(500, 20000, 1);
}

static void test_scan_while_churning(void **state) {
    (void)state;
    run_scan(2000, 6000, 2);
}

/* A full scan of a quiet table reports each element exactly once. */
static void test_scan_quiet_table_is_exact(void **state) {
    (void)state;
    lhash *h = lhash_create(test_hash, false);
    model *m = model_create(3333);
    for (long id = 0; id < m->ids; id++) apply_set(h, m, id, 0);
    scan_record record = {m, calloc((size_t)m->ids, sizeof(unsigned))};
    unsigned long cursor = 0;
    do cursor = lhash_scan(h, cursor, record_key, &record);
    while (cursor != 0);
    for (long id = 0; id < m->ids; id++) assert_int_equal(record.times[id], 1);
    free(record.times);
    lhash_free(h);
    model_free(m);
}

/* ---- random picks ---- */

static void test_random_is_fair_and_pops_everything(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    lhash *h = lhash_create(test_hash, true);
    model *m = model_create(1000);
    for (long id = 0; id < m->ids; id++) apply_set(h, m, id, 0);
    unsigned *hits = calloc((size_t)m->ids, sizeof *hits);
    long draws = 400000;
    for (long i = 0; i < draws; i++) {
        lhash_position position;
        assert_true(lhash_random(h, &position));
        elem_view key, value;
        lhash_get(h, &position, &key, &value);
        char digits[ELEM_INTEGER_BUFFER];
        size_t length;
        const char *bytes = elem_view_string(&key, digits, &length);
        hits[model_id_of(m, bytes, length)]++;
    }
    /* Expected 400 each; a fair draw stays within +-30% with near
     * certainty, a page-biased one does not (pages hold 16..64). */
    for (long id = 0; id < m->ids; id++) assert_true(hits[id] > 280 && hits[id] < 520);
    free(hits);
    /* SPOP until empty. */
    for (size_t left = m->count; left > 0; left--) {
        lhash_position position;
        assert_true(lhash_random(h, &position));
        lhash_delete_at(h, &position);
        assert_int_equal(lhash_count(h), left - 1);
    }
    lhash_position position;
    assert_false(lhash_random(h, &position));
    assert_int_equal(lhash_page_count(h), 1);
    lhash_free(h);
    model_free(m);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

/* ---- big entries, integers, copies ---- */

static void test_huge_values(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    lhash *h = lhash_create(test_hash, true);
    size_t size = 1 << 20;
    char *big = malloc(size);
    for (size_t i = 0; i < size; i++) big[i] = (char)(i * 13 + 1);
    for (int i = 0; i < 100; i++) {
        char field[16];
        size_t length = (size_t)snprintf(field, sizeof field, "f%d", i);
        lhash_set(h, field, length, "x", 1);
    }
    assert_true(lhash_set(h, "big", 3, big, size));
    elem_view value;
    assert_true(lhash_find(h, "big", 3, &value));
    assert_view_is(&value, big, size);
    assert_true(lhash_memory(h) > size);
    /* Out-of-page to out-of-page, to inline, and back. */
    big[0] = 'B';
    assert_false(lhash_set(h, "big", 3, big, size - 1));
    assert_true(lhash_find(h, "big", 3, &value));
    assert_view_is(&value, big, size - 1);
    assert_false(lhash_set(h, "big", 3, "small", 5));
    assert_true(lhash_find(h, "big", 3, &value));
    assert_view_is(&value, "small", 5);
    assert_false(lhash_set(h, "big", 3, big, 256));
    lhash *copy = lhash_duplicate(h);
    assert_true(lhash_delete(h, "big", 3));
    assert_true(lhash_find(copy, "big", 3, &value));
    assert_view_is(&value, big, 256);
    assert_false(lhash_find(h, "big", 3, NULL));
    lhash_free(copy);
    /* A 1 MB field name, not just a value. */
    assert_true(lhash_set(h, big, size, "v", 1));
    assert_true(lhash_find(h, big, size, &value));
    assert_view_is(&value, "v", 1);
    lhash_free(h);
    free(big);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

/* Entries of exactly LHASH_INLINE_MAX bytes stay in the page, one byte more
 * leaves it; replacing values moves entries across that line both ways. */
static void test_inline_boundary(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    lhash *h = lhash_create(test_hash, true);
    char value[300];
    memset(value, 'x', sizeof value);
    /* Field "k:N" is 1+3 bytes; a value of n > 127 bytes takes n + 2. */
    for (int round = 0; round < 3; round++) {
        for (size_t length = 240; length <= 260; length++) {
            char field[8];
            size_t field_length = (size_t)snprintf(field, sizeof field, "k:%zu", length % 10);
            value[0] = (char)length;
            lhash_set(h, field, field_length, value, length);
            elem_view view;
            assert_true(lhash_find(h, field, field_length, &view));
            assert_view_is(&view, value, length);
            lhash_check(h);
        }
    }
    assert_int_equal(lhash_count(h), 10);
    lhash_free(h);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

static void test_integer_members_are_compact(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    lhash *h = lhash_create(test_hash, false);
    long n = 100000;
    for (long i = 0; i < n; i++) {
        char key[24];
        size_t length = (size_t)snprintf(key, sizeof key, "%ld", i);
        assert_true(lhash_set(h, key, length, NULL, 0));
    }
    double per_member = (double)(zmalloc_used_memory() - baseline) / (double)n;
    print_message("integer members: %.2f B/member\n", per_member);
    assert_true(per_member < 12.0);
    assert_true(lhash_find(h, "99999", 5, NULL));
    assert_false(lhash_find(h, "099999", 6, NULL));
    assert_false(lhash_find(h, "-0", 2, NULL));
    assert_true(lhash_set(h, "-0", 2, NULL, 0));
    assert_true(lhash_find(h, "-0", 2, NULL));
    assert_true(lhash_find(h, "0", 1, NULL));
    lhash_free(h);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

static void test_duplicate_is_deep(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    lhash *h = lhash_create(test_hash, true);
    model *m = model_create(2000);
    for (long id = 0; id < m->ids; id++) apply_set(h, m, id, id);
    lhash *copy = lhash_duplicate(h);
    /* Same blocks, same sizes: equal under jemalloc's fixed classes; other
     * allocators round a grown block and a fresh one differently. */
    size_t original = lhash_memory(h), copied = lhash_memory(copy);
    if (!strncmp(zmalloc_allocator_name(), "jemalloc", 8) && !zmalloc_size_header_bytes())
        assert_int_equal(copied, original);
    else
        assert_true(copied <= original + original / 10 && original <= copied + copied / 10);
    for (long id = 0; id < m->ids; id += 2) apply_delete(h, m, id);
    lhash_free(h);
    for (long id = 0; id < m->ids; id++) m->present[id] = true;
    m->count = (size_t)m->ids;
    for (long id = 0; id < m->ids; id++) check_present(copy, m, id);
    check_iteration(copy, m);
    lhash_free(copy);
    model_free(m);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

/* Moves every block it is offered, as active defrag would. */
static void *move_block(void *privdata, void *block) {
    size_t *moved = privdata;
    size_t size = zmalloc_usable_size(block);
    void *copy = zmalloc_alloc(size);
    memcpy(copy, block, size);
    zmalloc_free(block);
    (*moved)++;
    return copy;
}

static void test_defrag_moves_every_block(void **state) {
    (void)state;
    lhash *h = lhash_create(test_hash, true);
    model *m = model_create(3000);
    for (long id = 0; id < m->ids; id++) apply_set(h, m, id, id);
    size_t memory = lhash_memory(h), moved = 0;
    unsigned long cursor = 0;
    do cursor = lhash_defrag_step(h, cursor, move_block, &moved);
    while (cursor != 0);
    assert_true(moved > lhash_page_count(h));
    /* A moved block is the same size; only jemalloc's classes make the
     * usable sizes equal to the byte (glibc rounds a copy differently). */
    if (!strncmp(zmalloc_allocator_name(), "jemalloc", 8) && !zmalloc_size_header_bytes())
        assert_int_equal(lhash_memory(h), memory);
    else
        assert_true(lhash_memory(h) <= memory + memory / 10 && memory <= lhash_memory(h) + lhash_memory(h) / 10);
    for (long id = 0; id < m->ids; id++) check_present(h, m, id);
    check_iteration(h, m);
    lhash_check(h);
    lhash_free(h);
    model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_set),
        cmocka_unit_test(test_model_hash),
        cmocka_unit_test(test_model_degenerate_hash),
        cmocka_unit_test(test_growth_and_shrink_boundaries),
        cmocka_unit_test(test_scan_while_growing),
        cmocka_unit_test(test_scan_while_shrinking),
        cmocka_unit_test(test_scan_while_churning),
        cmocka_unit_test(test_scan_quiet_table_is_exact),
        cmocka_unit_test(test_random_is_fair_and_pops_everything),
        cmocka_unit_test(test_huge_values),
        cmocka_unit_test(test_inline_boundary),
        cmocka_unit_test(test_integer_members_are_compact),
        cmocka_unit_test(test_duplicate_is_deep),
        cmocka_unit_test(test_defrag_moves_every_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
