/* Unit tests for lib/zpack against a reference model: random inserts,
 * deletes and rank deletions, the set walked and searched after each step;
 * sizes that cross the header's varint boundaries (127 members or bytes,
 * 16,383 bytes) both ways; the exact block size of the small shape that
 * motivated the 2-byte header; used_memory back to baseline. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib_test_support.h"
#include "zbtree.h"
#include "zmalloc.h"
#include "zpack.h"

typedef struct model_entry {
    char member[48];
    size_t length;
    double score;
} model_entry;

static model_entry model[20000];
static size_t model_count;

static int model_compare(const void *a, const void *b) {
    const model_entry *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    return zbtree_compare_members(x->member, x->length, y->member, y->length);
}

static void check(const zpack *p) {
    assert_int_equal(zpack_count(p), model_count);
    qsort(model, model_count, sizeof *model, model_compare);
    size_t offset = zpack_first(p), bytes = 0;
    for (size_t i = 0; i < model_count; i++) {
        const char *m;
        size_t l;
        double s;
        size_t next = zpack_read(p, offset, &m, &l, &s);
        assert_int_equal(l, model[i].length);
        assert_memory_equal(m, model[i].member, l);
        assert_true(s == model[i].score);
        bytes += next - offset;
        offset = next;
    }
    assert_int_equal(offset, zpack_end(p));
    /* The header is two varints: 2 bytes below 128, 3 or 4 above. */
    size_t header = (model_count > 127 ? 2 : 1) + (bytes > 127 ? (bytes > 16383 ? 3 : 2) : 1);
    assert_int_equal(zpack_bytes(p), header + bytes);
}

static size_t find_model(const char *member, size_t length) {
    for (size_t i = 0; i < model_count; i++)
        if (model[i].length == length && memcmp(model[i].member, member, length) == 0) return i;
    return SIZE_MAX;
}

/* Grows to `target` members then shrinks to empty, checking as it goes. */
static void run_random(uint64_t seed, size_t target, size_t check_every) {
    uint64_t rng = seed;
    zpack *p = zpack_create();
    model_count = 0;
    for (int phase = 0; phase < 2; phase++) {
        size_t steps = 0;
        while (phase == 0 ? model_count < target : model_count > 0) {
            uint64_t r = test_random(&rng);
            bool grow = phase == 0 ? r % 4 != 0 : r % 4 == 0;
            if (grow) {
                char member[48];
                size_t length = (size_t)(test_random(&rng) % 40);
                for (size_t i = 0; i < length; i++) member[i] = (char)('a' + test_random(&rng) % 4);
                if (find_model(member, length) != SIZE_MAX) continue;
                double score = (double)(test_random(&rng) % 50) / 4;
                p = zpack_insert(p, member, length, score);
                model_entry *e = &model[model_count++];
                memcpy(e->member, member, length);
                e->length = length;
                e->score = score;
            } else if (model_count > 0) {
                if (r % 3 == 0) {
                    size_t start = (size_t)(test_random(&rng) % model_count);
                    size_t count = (size_t)(test_random(&rng) % (model_count - start + 1));
                    if (count > (phase ? 300u : 3u)) count = phase ? 300 : 3;
                    qsort(model, model_count, sizeof *model, model_compare);
                    p = zpack_delete_ranks(p, start, count);
                    memmove(&model[start], &model[start + count], (model_count - start - count) * sizeof *model);
                    model_count -= count;
                } else {
                    size_t victim = (size_t)(test_random(&rng) % model_count);
                    double score;
                    size_t rank;
                    size_t offset = zpack_find(p, model[victim].member, model[victim].length, &score, &rank);
                    assert_true(offset != ZPACK_NONE);
                    assert_true(score == model[victim].score);
                    p = zpack_delete(p, offset);
                    model[victim] = model[--model_count];
                }
            }
            if (++steps % check_every == 0) check(p);
        }
        check(p);
    }
    zpack_free(p);
}

static void test_random_small(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    for (uint64_t seed = 1; seed <= 20; seed++) run_random(seed, 140, 1);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

static void test_random_large(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    run_random(99, 2000, 97); /* past 16,383 bytes of entries */
    assert_int_equal(zmalloc_used_memory(), baseline);
}

/* Five 16-byte members with any scores: 2 + 5 * 25 = 127 bytes. */
static void test_five_members_block(void **state) {
    (void)state;
    zpack *p = zpack_create();
    for (int i = 0; i < 5; i++) {
        char member[17];
        snprintf(member, sizeof member, "m:abcdefghijk%03d", i);
        p = zpack_insert(p, member, 16, 1.0 / (i + 3));
    }
    assert_int_equal(zpack_bytes(p), 127);
    zpack *copy = zpack_duplicate(p);
    assert_memory_equal(copy, p, 127);
    zpack_free(copy);
    zpack_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_small),
        cmocka_unit_test(test_random_large),
        cmocka_unit_test(test_five_members_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
