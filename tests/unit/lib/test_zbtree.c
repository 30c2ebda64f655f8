/* Unit tests of lib/zbtree.c and lib/zpack.c against a reference model: a
 * plain sorted array of entries kept with binary search.  Random inserts and
 * deletes (scores from a small range, so ties on score are frequent), with
 * rank, select, score and member bounds and cursor walks compared after
 * every step; growth to tens of thousands of entries and shrinking to zero
 * exercise splits, redistribution, merges and root collapse, and
 * zbtree_check verifies the structure throughout.  Memory must return to
 * its starting point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zbtree.h"
#include "zmalloc.h"
#include "zpack.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The model: entries sorted by (score, member). */
typedef struct model {
    zentry **items;
    size_t count, capacity;
} model;

static int model_compare(const zentry *a, const zentry *b) {
    double sa = zentry_score(a), sb = zentry_score(b);
    if (sa != sb) return sa < sb ? -1 : 1;
    size_t la, lb;
    const char *ma = zentry_member(a, &la), *mb = zentry_member(b, &lb);
    return zbtree_compare_members(ma, la, mb, lb);
}

static size_t model_lower_bound(const model *m, const zentry *e) {
    size_t low = 0, high = m->count;
    while (low < high) {
        size_t mid = (low + high) / 2;
        if (model_compare(m->items[mid], e) < 0) low = mid + 1;
        else high = mid;
    }
    return low;
}

static bool model_insert(model *m, zentry *e) {
    size_t at = model_lower_bound(m, e);
    if (at < m->count && model_compare(m->items[at], e) == 0) return false;
    if (m->count == m->capacity) {
        m->capacity = m->capacity ? m->capacity * 2 : 64;
        m->items = realloc(m->items, m->capacity * sizeof(zentry *));
    }
    memmove(&m->items[at + 1], &m->items[at], (m->count - at) * sizeof(zentry *));
    m->items[at] = e;
    m->count++;
    return true;
}

static zentry *model_remove_at(model *m, size_t at) {
    zentry *e = m->items[at];
    memmove(&m->items[at], &m->items[at + 1], (m->count - at - 1) * sizeof(zentry *));
    m->count--;
    return e;
}

static zentry *random_entry(double score_range, int member_space) {
    char member[32];
    int length = snprintf(member, sizeof(member), "m:%d", (int)(rng() % (uint64_t)member_space));
    double score = (double)(rng() % (uint64_t)score_range);
    return zentry_create(member, (size_t)length, score);
}

/* Entries with score < score (<= when or_equal), by binary search. */
static size_t score_partition(const model *m, double score, bool or_equal) {
    size_t low = 0, high = m->count;
    while (low < high) {
        size_t mid = (low + high) / 2;
        double s = zentry_score(m->items[mid]);
        if (or_equal ? s <= score : s < score) low = mid + 1;
        else high = mid;
    }
    return low;
}

/* Compares everything the tree answers with the model, at a few random
 * points (a full comparison every `full_every` calls). */
static void compare_with_model(const zbtree *t, const model *m, bool full) {
    assert_int_equal(zbtree_size(t), m->count);
    if (full || m->count < 300) zbtree_check(t);
    if (m->count == 0) return;
    for (int k = 0; k < 4; k++) {
        size_t r = rng() % m->count;
        assert_ptr_equal(zbtree_at(t, r), m->items[r]);
        assert_int_equal(zbtree_rank(t, m->items[r]), r);
        double score = (double)(rng() % 1000);
        size_t below = score_partition(m, score, false), at_most = score_partition(m, score, true);
        assert_int_equal(zbtree_count_score_below(t, score, false), below);
        assert_int_equal(zbtree_count_score_below(t, score, true), at_most);
    }
    if (!full) return;
    zbtree_cursor c;
    size_t start = rng() % m->count;
    assert_true(zbtree_seek(&c, t, start));
    for (size_t i = start; i < m->count; i++) {
        assert_ptr_equal(zbtree_cursor_entry(&c), m->items[i]);
        assert_int_equal(zbtree_next(&c), i + 1 < m->count);
    }
    assert_null(zbtree_cursor_entry(&c));
    assert_true(zbtree_seek(&c, t, m->count - 1));
    for (size_t i = m->count; i-- > 0;) {
        assert_ptr_equal(zbtree_cursor_entry(&c), m->items[i]);
        assert_int_equal(zbtree_prev(&c), i > 0);
    }
    assert_false(zbtree_seek(&c, t, m->count));
}

static void random_workload(size_t target_high, double score_range, int member_space, long steps) {
    size_t before = zmalloc_used_memory();
    zbtree *t = zbtree_create();
    model m = {0};
    for (long step = 0; step < steps; step++) {
        /* grow towards target_high during the first half, shrink after */
        bool growing = step < steps / 2;
        uint64_t dice = rng() % 100;
        bool insert = growing ? (m.count < target_high ? dice < 70 : dice < 45) : dice < 30;
        if (insert || m.count == 0) {
            zentry *e = random_entry(score_range, member_space);
            if (model_insert(&m, e)) zbtree_insert(t, e);
            else zentry_free(e);
        } else {
            size_t at = (rng() % 8 == 0) ? 0 : rng() % m.count; /* pops from the front too */
            zentry *e = model_remove_at(&m, at);
            zbtree_delete(t, e);
            zentry_free(e);
        }
        if (m.count < 1000 || step % 16 == 0) compare_with_model(t, &m, step % 4999 == 0);
    }
    compare_with_model(t, &m, true);
    while (m.count) {
        zentry *e = model_remove_at(&m, rng() % m.count);
        zbtree_delete(t, e);
        zentry_free(e);
        if (m.count % 257 == 0) compare_with_model(t, &m, true);
    }
    zbtree_release(t, zentry_free);
    free(m.items);
    assert_int_equal(zmalloc_used_memory(), before);
}

static void test_small_random(void **state) {
    (void)state;
    random_workload(200, 50, 400, 300000);
}

static void test_large_random(void **state) {
    (void)state;
    random_workload(40000, 1000, 1000000, 1200000);
}

static void test_sequential_and_pops(void **state) {
    (void)state;
    size_t before = zmalloc_used_memory();
    zbtree *t = zbtree_create();
    model m = {0};
    for (int i = 0; i < 100000; i++) {
        char member[16];
        int length = snprintf(member, sizeof(member), "%08d", i);
        zentry *e = zentry_create(member, (size_t)length, i / 3);
        model_insert(&m, e);
        if (i % 2) zbtree_append(t, e);
        else zbtree_insert(t, e);
    }
    compare_with_model(t, &m, true);
    /* ZPOPMIN and ZPOPMAX patterns drain the ends */
    while (m.count) {
        size_t at = (m.count % 3 == 0) ? m.count - 1 : 0;
        zentry *e = model_remove_at(&m, at);
        zbtree_delete(t, e);
        zentry_free(e);
        if (m.count % 5003 == 0) compare_with_model(t, &m, true);
    }
    zbtree_release(t, zentry_free);
    free(m.items);
    assert_int_equal(zmalloc_used_memory(), before);
}

/* Appending sorted input fills leaves completely; random insertion keeps
 * them around 80% full thanks to redistribution. */
static void test_fill(void **state) {
    (void)state;
    zbtree *t = zbtree_create();
    for (int i = 0; i < 63 * 1000; i++) zbtree_append(t, zentry_create("x", 1, i));
    assert_true(zbtree_node_count(t) <= 1000 + 60);
    zbtree_release(t, zentry_free);
    /* Random order, distinct by construction: a sorted model would spend
     * its time in memmove (minutes under ASan) to check what is known. */
    enum { FILLED = 200000 };
    double *scores = malloc(FILLED * sizeof(double));
    for (int i = 0; i < FILLED; i++) scores[i] = i;
    for (int i = FILLED - 1; i > 0; i--) {
        int j = (int)(rng() % (uint64_t)(i + 1));
        double swap = scores[i];
        scores[i] = scores[j];
        scores[j] = swap;
    }
    t = zbtree_create();
    for (int i = 0; i < FILLED; i++) zbtree_insert(t, zentry_create("m", 1, scores[i]));
    assert_int_equal(zbtree_size(t), FILLED);
    double per_entry = (double)zbtree_memory(t) / (double)zbtree_size(t);
    printf("tree bytes per entry after random inserts: %.2f\n", per_entry);
    assert_true(per_entry < 11.0);
    zbtree_release(t, zentry_free);
    free(scores);
}

/* Lex bounds on equal scores follow member order. */
static void test_member_bounds(void **state) {
    (void)state;
    zbtree *t = zbtree_create();
    model m = {0};
    for (int i = 0; i < 5000; i++) {
        zentry *e = random_entry(1, 100000);
        if (model_insert(&m, e)) zbtree_insert(t, e);
        else zentry_free(e);
    }
    for (int k = 0; k < 2000; k++) {
        char member[32];
        int length = snprintf(member, sizeof(member), "m:%d", (int)(rng() % 100000));
        size_t below = 0, at_most;
        for (;;) {
            if (below == m.count) break;
            size_t l;
            const char *x = zentry_member(m.items[below], &l);
            if (zbtree_compare_members(x, l, member, (size_t)length) >= 0) break;
            below++;
        }
        at_most = below;
        if (at_most < m.count) {
            size_t l;
            const char *x = zentry_member(m.items[at_most], &l);
            if (zbtree_compare_members(x, l, member, (size_t)length) == 0) at_most++;
        }
        assert_int_equal(zbtree_count_member_below(t, member, (size_t)length, false), below);
        assert_int_equal(zbtree_count_member_below(t, member, (size_t)length, true), at_most);
    }
    assert_int_equal(zbtree_compare_members("ab", 2, "abc", 3), -1);
    assert_int_equal(zbtree_compare_members("b", 1, "abc", 3), 1);
    assert_int_equal(zbtree_compare_members("", 0, "", 0), 0);
    zbtree_release(t, zentry_free);
    free(m.items);
}

/* The packed encoding against the same model. */
static void test_zpack(void **state) {
    (void)state;
    size_t before = zmalloc_used_memory();
    for (int round = 0; round < 300; round++) {
        zpack *p = zpack_create();
        model m = {0};
        for (int step = 0; step < 600; step++) {
            if (rng() % 3 || m.count == 0) {
                zentry *e = random_entry(20, 300);
                size_t l;
                const char *member = zentry_member(e, &l);
                if (zpack_find(p, member, l, NULL, NULL) != ZPACK_NONE) {
                    zentry_free(e);
                    continue;
                }
                assert_true(model_insert(&m, e));
                p = zpack_insert(p, member, l, zentry_score(e));
            } else if (rng() % 4 == 0) {
                size_t start = rng() % m.count, count = rng() % (m.count - start + 1);
                p = zpack_delete_ranks(p, start, count);
                for (size_t i = 0; i < count; i++) zentry_free(model_remove_at(&m, start));
            } else {
                zentry *e = model_remove_at(&m, rng() % m.count);
                size_t l, rank;
                const char *member = zentry_member(e, &l);
                double score;
                size_t offset = zpack_find(p, member, l, &score, &rank);
                assert_int_not_equal(offset, ZPACK_NONE);
                assert_true(score == zentry_score(e));
                p = zpack_delete(p, offset);
                zentry_free(e);
            }
            assert_int_equal(zpack_count(p), m.count);
            size_t offset = zpack_first(p);
            for (size_t i = 0; i < m.count; i++) {
                zpack_entry read;
                size_t l;
                offset = zpack_read(p, offset, &read);
                const char *expected = zentry_member(m.items[i], &l);
                assert_int_equal(read.length, l);
                assert_memory_equal(read.member, expected, l);
                assert_true(read.score == zentry_score(m.items[i]));
            }
            assert_int_equal(offset, zpack_end(p));
        }
        zpack *copy = zpack_duplicate(p);
        assert_int_equal(zpack_bytes(copy), zpack_bytes(p));
        zpack_free(copy);
        zpack_free(p);
        for (size_t i = 0; i < m.count; i++) zentry_free(m.items[i]);
        free(m.items);
    }
    zpack *p = zpack_insert(zpack_create(), "z", 1, -0.0);
    zpack_entry read;
    zpack_read(p, zpack_first(p), &read);
    assert_false(signbit(read.score)); /* -0 is stored as 0, as Redis's listpack does */
    zpack_free(p);
    assert_int_equal(zmalloc_used_memory(), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_random),      cmocka_unit_test(test_large_random),
        cmocka_unit_test(test_sequential_and_pops), cmocka_unit_test(test_fill),
        cmocka_unit_test(test_member_bounds),     cmocka_unit_test(test_zpack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
