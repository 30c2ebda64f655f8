/* Unit tests for lib/zpack against a reference model: random inserts,
 * deletes and rank deletions, the set walked and searched after each step,
 * with members of every textpack alphabet, raw bytes (NUL, 0xff, UTF-8),
 * empty ones, ones past 31 bytes (a longer head) and past TEXTPACK_MAX
 * (kept raw), and scores -0, +-inf, +-4.9e-324, +-1e308, integers and
 * fractions, many of them equal (ties ordered by member, decoded); members
 * that differ only in a padding position or an alphabet not found; sizes
 * that cross the header's varint boundaries (127 members or bytes, 16,383
 * bytes) both ways; the exact block sizes of the small shapes; used_memory
 * back to baseline. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib_test_support.h"
#include "zbtree.h"
#include "zmalloc.h"
#include "zpack.h"

typedef struct model_entry {
    char member[100];
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
        zpack_entry e;
        double s;
        size_t next = zpack_read(p, offset, &e);
        assert_int_equal(zpack_read_score(p, offset, &s), next);
        assert_int_equal(e.length, model[i].length);
        if (e.length) assert_memory_equal(e.member, model[i].member, e.length);
        assert_true(e.score == model[i].score && s == e.score);
        assert_false(e.score == 0 && signbit(e.score)); /* -0 is kept as 0 */
        if (model_count <= 300) {
            double found;
            size_t rank;
            assert_int_equal(zpack_find(p, model[i].member, model[i].length, &found, &rank), offset);
            assert_int_equal(rank, i);
            assert_true(found == model[i].score);
        }
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

/* A member of a random kind: one alphabet's bytes (from a few of them, so
 * that members collide and share prefixes), any bytes, or the empty one. */
static size_t random_member(uint64_t *rng, char *member) {
    static const char digits[] = "0123456789:-", lower[] = "abcz:_", text[] = "a0-@.~Z",
                      ascii[] = "aB~\\\x01\x7f", binary[] = "\x00\xff\xc3\xa9" "a";
    static const char *const pools[] = {digits, lower, text, ascii, binary};
    static const size_t pool_lengths[] = {sizeof digits - 1, sizeof lower - 1, sizeof text - 1, sizeof ascii - 1,
                                          sizeof binary - 1};
    uint64_t kind = test_random(rng) % 6;
    if (kind == 5) return 0;
    size_t length;
    uint64_t shape = test_random(rng) % 10;
    length = shape < 6 ? (size_t)(test_random(rng) % 20) : shape < 9 ? 20 + (size_t)(test_random(rng) % 30)
                                                           : 50 + (size_t)(test_random(rng) % 50);
    for (size_t i = 0; i < length; i++) member[i] = pools[kind][test_random(rng) % pool_lengths[kind]];
    return length;
}

static double random_score(uint64_t *rng) {
    static const double specials[] = {-0.0, 0.0, 1.0 / 0.0, -1.0 / 0.0, 4.9e-324, -4.9e-324, 1e308, -1e308,
                                      1700000000.0, -3, 42};
    uint64_t r = test_random(rng) % 4;
    if (r == 0) return specials[test_random(rng) % (sizeof specials / sizeof *specials)];
    if (r == 1) return (double)(test_random(rng) % 50) / 4;
    if (r == 2) return (double)(int64_t)(test_random(rng) % 2000001) - 1000000;
    return (double)test_random(rng) / 3e15;
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
                char member[100];
                size_t length = random_member(&rng, member);
                if (find_model(member, length) != SIZE_MAX) {
                    assert_true(zpack_find(p, member, length, NULL, NULL) != ZPACK_NONE);
                    continue;
                }
                assert_true(zpack_find(p, member, length, NULL, NULL) == ZPACK_NONE);
                double score = random_score(&rng);
                if (score == 0) score = 0.0;
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

/* Five 16-byte members with any scores: 2 + 5 * (1 + member + 8) bytes,
 * the member coded in 10 bytes (lowercase and ':'), 12 (with digits), 14
 * (mixed case) or kept raw (a byte past 0x7f). */
static void test_five_members_block(void **state) {
    (void)state;
    static const struct {
        const char *format;
        size_t bytes;
    } shapes[] = {{"m:abcdefghijklm%c", 97}, {"m:abcdefghijk%03d", 107}, {"M:abcdefghijklm%c", 117}, {"\xc3:abcdefghijklm%c", 127}};
    for (size_t shape = 0; shape < sizeof shapes / sizeof *shapes; shape++) {
        zpack *p = zpack_create();
        for (int i = 0; i < 5; i++) {
            char member[17];
            if (shape == 1) snprintf(member, sizeof member, shapes[shape].format, i);
            else snprintf(member, sizeof member, shapes[shape].format, 'a' + i);
            assert_int_equal(strlen(member), 16);
            p = zpack_insert(p, member, 16, 1.0 / (i + 3));
        }
        assert_int_equal(zpack_bytes(p), shapes[shape].bytes);
        zpack *copy = zpack_duplicate(p);
        assert_memory_equal(copy, p, shapes[shape].bytes);
        for (int i = 0; i < 5; i++) {
            char member[17];
            if (shape == 1) snprintf(member, sizeof member, shapes[shape].format, i);
            else snprintf(member, sizeof member, shapes[shape].format, 'a' + i);
            double score;
            size_t rank;
            assert_true(zpack_find(copy, member, 16, &score, &rank) != ZPACK_NONE);
            assert_true(score == 1.0 / (i + 3) && rank == (size_t)(4 - i));
            member[15] = shape == 1 ? '9' : 'z'; /* same length and alphabet, last code differs */
            assert_true(zpack_find(copy, member, 16, NULL, NULL) == ZPACK_NONE);
            member[15] = 'A'; /* outside the alphabet */
            assert_true(zpack_find(copy, member, 16, NULL, NULL) == ZPACK_NONE);
            assert_true(zpack_find(copy, member, 15, NULL, NULL) == ZPACK_NONE);
        }
        zpack_free(copy);
        zpack_free(p);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_small),
        cmocka_unit_test(test_random_large),
        cmocka_unit_test(test_five_members_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
