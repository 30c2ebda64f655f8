/* Unit tests of lib/table.c: correctness against a reference, resizing in
 * both directions while iterating and scanning, bounded incremental work,
 * sampling on sparse tables, and the memory cost per entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hash.h"
#include "table.h"
#include "zmalloc.h"

/* A test entry: its key is "k:<number>". */
typedef struct test_entry {
    size_t length;
    long number;
    char key[24];
} test_entry;

static long key_lookups; /* entry_key calls: how many entries were touched */

static void test_entry_key(const void *entry, const char **key, size_t *length) {
    const test_entry *e = entry;
    key_lookups++;
    *key = e->key;
    *length = e->length;
}

static void test_entry_free(void *entry) {
    zmalloc_free(entry);
}

static const table_type test_type = {test_entry_key, test_entry_free, NULL, NULL};

static test_entry *entry_new(long number) {
    test_entry *e = zmalloc_alloc(sizeof *e);
    e->number = number;
    e->length = (size_t)snprintf(e->key, sizeof e->key, "k:%ld", number);
    return e;
}

static uint64_t key_hash(long number, char *key, size_t *length) {
    *length = (size_t)snprintf(key, 24, "k:%ld", number);
    return table_hash_key(key, *length);
}

static test_entry *find(table *t, long number) {
    char key[24];
    size_t length;
    uint64_t hash = key_hash(number, key, &length);
    return table_find(t, key, length, hash);
}

static void insert(table *t, long number) {
    test_entry *e = entry_new(number);
    table_insert(t, e, table_hash_key(e->key, e->length), false);
}

static bool delete(table *t, long number) {
    char key[24];
    size_t length;
    uint64_t hash = key_hash(number, key, &length);
    test_entry *e = table_delete(t, key, length, hash);
    if (e == NULL) return false;
    assert_int_equal(e->number, number);
    zmalloc_free(e);
    return true;
}

/* Deterministic pseudo-random numbers so failures reproduce. */
static uint64_t test_random_state = 88172645463325252ULL;
static uint64_t test_random(void) {
    test_random_state ^= test_random_state << 13;
    test_random_state ^= test_random_state >> 7;
    test_random_state ^= test_random_state << 17;
    return test_random_state;
}

/* Random inserts and deletes over a key range, checked against a bitmap. */
static void test_against_reference(void **state) {
    (void)state;
    const long range = 2000000, operations = 6000000;
    unsigned char *present = zmalloc_calloc((size_t)range);
    long count = 0;
    table *t = table_create(&test_type);
    for (long i = 0; i < operations; i++) {
        long number = (long)(test_random() % (uint64_t)range);
        /* Phases: mostly inserts, then mostly deletes, so the table grows
         * to millions and shrinks back. */
        bool want_insert = (test_random() % 100) < (i < operations / 2 ? 80 : 20);
        if (want_insert && !present[number]) {
            assert_null(find(t, number));
            insert(t, number);
            present[number] = 1;
            count++;
        } else if (!want_insert) {
            assert_int_equal(delete (t, number), present[number]);
            if (present[number]) count--;
            present[number] = 0;
        }
        if (i % 500000 == 0) assert_int_equal(table_size(t), count);
    }
    for (long number = 0; number < range; number++) {
        test_entry *e = find(t, number);
        if (present[number]) {
            assert_non_null(e);
            assert_int_equal(e->number, number);
        } else {
            assert_null(e);
        }
    }
    assert_int_equal(table_size(t), count);
    table_release(t);
    zmalloc_free(present);
}

/* Grows from empty to a million, then deletes all: the table must shrink to
 * one bucket and return every byte. */
static void test_grow_and_shrink(void **state) {
    (void)state;
    size_t before = zmalloc_used_memory();
    table *t = table_create(&test_type);
    const long total = 1000000;
    for (long i = 0; i < total; i++) insert(t, i);
    while (table_rehash_steps(t, 1000)) {}
    assert_true(table_slot_capacity(t) >= (size_t)total);
    assert_true(table_slot_capacity(t) <= (size_t)total * 2);
    for (long i = 0; i < total; i++) assert_true(delete (t, i));
    while (table_rehash_steps(t, 1000)) {}
    table_shrink_if_needed(t);
    while (table_rehash_steps(t, 1000)) {}
    assert_int_equal(table_size(t), 0);
    assert_int_equal(table_slot_capacity(t), TABLE_BUCKET_SLOTS);
    assert_int_equal(table_child_buckets(t), 0);
    table_release(t);
    assert_int_equal(zmalloc_used_memory(), before);
}

/* Each insert or delete moves at most one chain: entries touched per call
 * stay small even while a million-entry table doubles. */
static void test_incremental_work_is_bounded(void **state) {
    (void)state;
    table *t = table_create(&test_type);
    long worst = 0;
    bool saw_rehash = false;
    for (long i = 0; i < 1000000; i++) {
        test_entry *e = entry_new(i);
        uint64_t hash = table_hash_key(e->key, e->length);
        key_lookups = 0;
        table_insert(t, e, hash, false);
        if (table_is_rehashing(t)) saw_rehash = true;
        if (key_lookups > worst) worst = key_lookups;
    }
    assert_true(saw_rehash);
    /* A chain holds ~8 entries at load 1; 40 would mean a pathological chain
     * or more than one chain moved. */
    assert_true(worst <= 40);
    assert_true(worst >= 1);
    for (long i = 0; i < 1000000; i++) {
        char key[24];
        size_t length;
        uint64_t hash = key_hash(i, key, &length);
        key_lookups = 0;
        test_entry *e = table_delete(t, key, length, hash);
        assert_non_null(e);
        zmalloc_free(e);
        assert_true(key_lookups <= 80);
    }
    table_release(t);
}

/* Iterating while entries are added and removed, across a resize started
 * before the iteration: no entry is returned twice, and every entry present
 * from start to end is returned. */
static void test_iteration_during_changes(void **state) {
    (void)state;
    table *t = table_create(&test_type);
    const long initial = 100000;
    for (long i = 0; i < initial; i++) insert(t, i);
    assert_true(table_is_rehashing(t) || table_size(t) == (size_t)initial);
    unsigned char *seen = zmalloc_calloc(initial * 2);
    table_iterator it;
    table_iterator_init(&it, t);
    void *entry;
    bool flag;
    long step = 0, next_new = initial;
    while (table_iterator_next(&it, &entry, &flag)) {
        test_entry *e = entry;
        assert_int_equal(seen[e->number], 0);
        seen[e->number] = 1;
        /* Every third step delete a key from the upper half (not yet
         * necessarily seen) and add a new one. */
        if (++step % 3 == 0 && next_new < initial * 2) {
            insert(t, next_new++);
            delete (t, initial / 2 + step / 3);
        }
    }
    table_iterator_finish(&it);
    for (long i = 0; i < initial / 2; i++) assert_int_equal(seen[i], 1);
    zmalloc_free(seen);
    /* Deletions left holes; with the pause over the table still works. */
    while (table_rehash_steps(t, 1000)) {}
    for (long i = 0; i < initial / 2; i++) assert_non_null(find(t, i));
    table_release(t);
}

typedef struct scan_record {
    unsigned char *seen;
    long limit; /* numbers at or above are churn keys, not recorded */
} scan_record;

static void scan_collect(void *privdata, void *entry, bool flag) {
    (void)flag;
    scan_record *record = privdata;
    long number = ((test_entry *)entry)->number;
    if (number < record->limit) record->seen[number] = 1;
}

/* SCAN's guarantee as a property: for random sizes and random resizes between
 * calls (grow, shrink, both in progress), every key present during the whole
 * scan is reported. */
static void test_scan_guarantee_under_resizes(void **state) {
    (void)state;
    for (int round = 0; round < 30; round++) {
        table *t = table_create(&test_type);
        long stable = 500 + (long)(test_random() % 10000);
        long churn_base = 10000000;
        for (long i = 0; i < stable; i++) insert(t, i);
        unsigned char *seen = zmalloc_calloc((size_t)stable);
        scan_record record = {seen, stable};
        unsigned long cursor = 0;
        long churn_inserted = 0;
        /* About one resize event in every stable/24 calls: a handful per
         * scan, at random points. */
        uint64_t event_odds = (uint64_t)stable / 24 + 1;
        do {
            cursor = table_scan(t, cursor, scan_collect, &record);
            if (test_random() % event_odds == 0 && churn_inserted == 0) {
                long add = 1 + (long)(test_random() % (uint64_t)(stable * 4));
                for (long i = 0; i < add; i++) insert(t, churn_base + churn_inserted++);
            } else if (test_random() % event_odds == 0) {
                while (churn_inserted > 0) delete (t, churn_base + --churn_inserted);
            } else if (test_random() % 4 == 0) {
                table_rehash_steps(t, (int)(test_random() % 50));
            }
        } while (cursor != 0);
        for (long i = 0; i < stable; i++) assert_int_equal(seen[i], 1);
        zmalloc_free(seen);
        table_release(t);
    }
}

/* Random picks terminate and find the only entry of a huge sparse table. */
static void test_random_on_sparse_table(void **state) {
    (void)state;
    table *t = table_create(&test_type);
    for (long i = 0; i < 200000; i++) insert(t, i);
    while (table_rehash_steps(t, 1000)) {}
    table_iterator it;
    table_iterator_init(&it, t); /* pauses: the table cannot shrink */
    for (long i = 1; i < 200000; i++) delete (t, i);
    for (int i = 0; i < 100; i++) {
        test_entry *e = table_random_entry(t);
        assert_non_null(e);
        assert_int_equal(e->number, 0);
    }
    void *sample[16];
    size_t got = table_sample(t, sample, 16);
    assert_true(got <= 1);
    table_iterator_finish(&it);
    table_release(t);
}

/* Random picks reach every entry of a small table (fair enough to work). */
static void test_random_covers_entries(void **state) {
    (void)state;
    table *t = table_create(&test_type);
    for (long i = 0; i < 64; i++) insert(t, i);
    unsigned char seen[64] = {0};
    for (int i = 0; i < 20000; i++) seen[((test_entry *)table_random_entry(t))->number] = 1;
    for (int i = 0; i < 64; i++) assert_int_equal(seen[i], 1);
    table_release(t);
    t = table_create(&test_type);
    assert_null(table_random_entry(t));
    table_release(t);
}

/* Slot flags survive rehashing and can be changed through a slot. */
static void test_flags_and_slots(void **state) {
    (void)state;
    table *t = table_create(&test_type);
    for (long i = 0; i < 5000; i++) {
        test_entry *e = entry_new(i);
        table_insert(t, e, table_hash_key(e->key, e->length), i % 7 == 0);
    }
    while (table_rehash_steps(t, 1000)) {}
    long flagged = 0;
    table_iterator it;
    table_iterator_init(&it, t);
    void *entry;
    bool flag;
    while (table_iterator_next(&it, &entry, &flag)) {
        assert_int_equal(flag, ((test_entry *)entry)->number % 7 == 0);
        flagged += flag;
    }
    table_iterator_finish(&it);
    assert_int_equal(flagged, (5000 + 6) / 7);
    char key[24];
    size_t length;
    uint64_t hash = key_hash(3, key, &length);
    table_slot *slot = table_find_slot(t, key, length, hash);
    assert_non_null(slot);
    test_entry *moved = entry_new(3);
    zmalloc_free(table_slot_entry(slot));
    table_slot_set(slot, moved, true);
    assert_ptr_equal(find(t, 3), moved);
    assert_true(table_slot_flag(table_find_slot(t, key, length, hash)));
    table_release(t);
}

/* The table's own bytes per entry at a million entries (the keyspace budget
 * assumes about 11). */
static void test_memory_per_entry(void **state) {
    (void)state;
    table *t = table_create(&test_type);
    const long total = 1000000;
    for (long i = 0; i < total; i++) insert(t, i);
    while (table_rehash_steps(t, 1000)) {}
    double per_entry = (double)table_memory(t) / (double)total;
    printf("table bytes per entry at %ld entries: %.2f\n", total, per_entry);
    assert_true(per_entry < 13.0);
    table_release(t);
}

static void test_hash_is_seeded_and_spreads(void **state) {
    (void)state;
    assert_int_not_equal(hash_bytes_seeded("abc", 3, 1), hash_bytes_seeded("abc", 3, 2));
    assert_int_not_equal(hash_bytes_seeded("abc", 3, 1), hash_bytes_seeded("abd", 3, 1));
    assert_int_not_equal(hash_bytes_seeded("", 0, 1), hash_bytes_seeded("\0", 1, 1));
    /* Top-byte tags of sequential keys cover all 256 values. */
    unsigned char tags[256] = {0};
    for (int i = 0; i < 10000; i++) {
        char key[24];
        int length = snprintf(key, sizeof key, "key:%012d", i);
        tags[hash_bytes_seeded(key, (size_t)length, 7) >> 56] = 1;
    }
    for (int i = 0; i < 256; i++) assert_int_equal(tags[i], 1);
}

/* A type that declines growth: the table keeps its array, chaining into
 * child buckets, until the load reaches TABLE_FORCE_GROW_LOAD. */
static int growth_requests;
static bool decline_growth(size_t more_bytes, double load) {
    assert_true(more_bytes > 0);
    assert_true(load >= 1.0 && load < TABLE_FORCE_GROW_LOAD);
    growth_requests++;
    return false;
}

static void test_declined_growth(void **state) {
    (void)state;
    static const table_type declining = {test_entry_key, test_entry_free, NULL, decline_growth};
    table *t = table_create(&declining);
    for (long i = 0; i < 8 * 64; i++) insert(t, i);
    size_t capacity = table_slot_capacity(t);
    while (table_is_rehashing(t)) table_rehash_for(t, 1000);
    capacity = table_slot_capacity(t);
    growth_requests = 0;
    long next = 8 * 64;
    while ((double)table_size(t) < 1.6 * (double)capacity) insert(t, next++);
    assert_false(table_is_rehashing(t));
    assert_int_equal(table_slot_capacity(t), capacity);
    assert_true(growth_requests > 0);
    while ((double)table_size(t) < TABLE_FORCE_GROW_LOAD * (double)capacity + 1) insert(t, next++);
    assert_true(table_is_rehashing(t) || table_slot_capacity(t) > capacity);
    for (long i = 0; i < next; i++) assert_non_null(find(t, i));
    table_release(t);
}

/* A table expanded for a known count takes that many inserts without one
 * resize; an expand of a non-empty table changes nothing. */
static void test_expand_once(void **state) {
    (void)state;
    size_t before = zmalloc_used_memory();
    table *t = table_create(&test_type);
    const long total = 100000;
    assert_true(table_expand(t, (size_t)total));
    size_t capacity = table_slot_capacity(t);
    assert_true(capacity >= (size_t)total);
    assert_true(capacity < (size_t)total * 2);
    for (long i = 0; i < total; i++) {
        insert(t, i);
        assert_false(table_is_rehashing(t));
    }
    assert_int_equal(table_slot_capacity(t), capacity);
    assert_false(table_expand(t, (size_t)total * 4));
    assert_int_equal(table_slot_capacity(t), capacity);
    for (long i = 0; i < total; i++) assert_non_null(find(t, i));
    assert_null(find(t, total));
    table_release(t);
    table *small = table_create(&test_type);
    assert_true(table_expand(small, 1000));
    assert_false(table_expand(small, 10));
    table_release(small);
    assert_int_equal(zmalloc_used_memory(), before);
}

/* A bucket array past 256 KB is zeroed in 32 KB steps before its resize
 * starts (calloc would zero reused pages in one go on the event loop): the
 * table answers for every entry meanwhile, does not install the array while
 * an iterator pauses it, and counts the array in its memory. */
static void test_large_array_prepared_in_steps(void **state) {
    (void)state;
    size_t before = zmalloc_used_memory();
    table *t = table_create(&test_type);
    const long full = (long)TABLE_BUCKET_SLOTS << 12; /* a 256 KB array at load 1 */
    for (long i = 0; i < full; i++) insert(t, i);
    while (table_rehash_steps(t, 1000)) {}
    size_t capacity = table_slot_capacity(t);
    assert_int_equal(capacity, (size_t)full);
    size_t memory = table_memory(t);
    insert(t, full); /* starts the doubling to 512 KB: 16 steps of zeroing */
    assert_true(table_is_rehashing(t));
    assert_int_equal(table_slot_capacity(t), capacity); /* not installed yet */
    assert_true(table_memory(t) >= memory + 512 * 1024);
    table_iterator it;
    table_iterator_init(&it, t);
    for (int step = 0; step < 40; step++) assert_true(table_rehash_steps(t, 1));
    assert_int_equal(table_slot_capacity(t), capacity); /* paused: still not */
    long seen = 0;
    void *entry;
    bool flag;
    while (table_iterator_next(&it, &entry, &flag)) seen++;
    table_iterator_finish(&it);
    assert_int_equal(seen, full + 1);
    insert(t, full + 1); /* installs it, then the rehash proper */
    assert_int_equal(table_slot_capacity(t), capacity * 3);
    for (long i = 0; i <= full + 1; i++) assert_non_null(find(t, i));
    while (table_rehash_steps(t, 1000)) {}
    assert_int_equal(table_slot_capacity(t), capacity * 2);
    for (long i = 0; i <= full + 1; i++) assert_true(delete (t, i));
    while (table_rehash_steps(t, 1000)) {}
    assert_int_equal(table_size(t), 0);
    table_release(t);
    assert_int_equal(zmalloc_used_memory(), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_seeded_and_spreads),
        cmocka_unit_test(test_flags_and_slots),
        cmocka_unit_test(test_random_covers_entries),
        cmocka_unit_test(test_random_on_sparse_table),
        cmocka_unit_test(test_iteration_during_changes),
        cmocka_unit_test(test_scan_guarantee_under_resizes),
        cmocka_unit_test(test_incremental_work_is_bounded),
        cmocka_unit_test(test_grow_and_shrink),
        cmocka_unit_test(test_declined_growth),
        cmocka_unit_test(test_expand_once),
        cmocka_unit_test(test_large_array_prepared_in_steps),
        cmocka_unit_test(test_memory_per_entry),
        cmocka_unit_test(test_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
