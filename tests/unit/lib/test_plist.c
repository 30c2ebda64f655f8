/* Unit tests for lib/plist: every operation is replayed on a plain array
 * model under random chunk limits and compress depths, and the list is
 * compared with the model in both directions from random starts after each
 * step; memory returns to its baseline once the lists are freed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plist.h"
#include "zmalloc.h"

typedef struct model_item {
    char *data;
    size_t length;
} model_item;

typedef struct model {
    model_item *items;
    size_t count, capacity;
} model;

static void model_insert(model *m, size_t index, const char *data, size_t length) {
    if (m->count == m->capacity) {
        m->capacity = m->capacity ? m->capacity * 2 : 16;
        m->items = realloc(m->items, m->capacity * sizeof *m->items);
    }
    memmove(m->items + index + 1, m->items + index, (m->count - index) * sizeof *m->items);
    m->items[index].data = malloc(length + 1);
    memcpy(m->items[index].data, data, length);
    m->items[index].length = length;
    m->count++;
}

static void model_delete(model *m, size_t index) {
    free(m->items[index].data);
    memmove(m->items + index, m->items + index + 1, (m->count - index - 1) * sizeof *m->items);
    m->count--;
}

static void model_clear(model *m) {
    while (m->count) model_delete(m, m->count - 1);
    free(m->items);
    *m = (model){0};
}

/* Values of every encoding: small and large integers, non-canonical digit
 * strings, and strings around the 127 and 8319 byte header boundaries. */
static size_t random_value(char *buffer, size_t capacity) {
    static const char *const fixed[] = {"0", "-0", "007", "63", "64", "-1", "127", "128", "-129", "32767",
                                        "-32768", "8388607", "2147483648", "9223372036854775807",
                                        "-9223372036854775808", "9223372036854775808", "", "x", "+5", " 1"};
    int kind = rand() % 10;
    if (kind < 3) {
        const char *text = fixed[rand() % (sizeof fixed / sizeof fixed[0])];
        size_t length = strlen(text);
        memcpy(buffer, text, length);
        return length;
    }
    if (kind < 5) return (size_t)snprintf(buffer, capacity, "%lld", (long long)(rand() - RAND_MAX / 2) * rand());
    size_t lengths[] = {1, 3, 8, 126, 127, 128, 129, 300, 8319, 8320, 9000};
    size_t length = kind < 9 ? (size_t)(1 + rand() % 12) : lengths[rand() % (sizeof lengths / sizeof lengths[0])];
    if (length > capacity) length = capacity;
    for (size_t i = 0; i < length; i++) buffer[i] = (char)('a' + rand() % 4);
    return length;
}

static void expect_item(const plist_value *v, const model_item *item) {
    char digits[NUMBER_INTEGER_BUFFER];
    size_t length;
    const char *bytes = plist_value_bytes(v, &length, digits);
    assert_int_equal(length, item->length);
    assert_memory_equal(bytes, item->data, length);
    assert_true(plist_value_equals(v, item->data, item->length));
}

static void check_equal(const plist *l, const model *m) {
    assert_int_equal(plist_length(l), m->count);
    plist_iterator it;
    plist_value v;
    plist_iterator_init(&it, l, 0, true);
    for (size_t i = 0; i < m->count; i++) {
        assert_true(plist_iterator_next(&it, &v));
        expect_item(&v, &m->items[i]);
    }
    assert_false(plist_iterator_next(&it, &v));
    plist_iterator_finish(&it);
    if (m->count == 0) return;
    size_t start = (size_t)rand() % m->count;
    plist_iterator_init(&it, l, start, false);
    for (size_t i = start + 1; i-- > 0;) {
        assert_true(plist_iterator_next(&it, &v));
        expect_item(&v, &m->items[i]);
    }
    assert_false(plist_iterator_next(&it, &v));
    plist_iterator_finish(&it);
}

static void run_random(unsigned seed, int fill, int depth, int steps, size_t target) {
    srand(seed);
    size_t baseline = zmalloc_used_memory();
    plist_limits limits = {fill, depth};
    plist *l = plist_create();
    model m = {0};
    static char value[9100];
    for (int step = 0; step < steps; step++) {
        int op = rand() % 100;
        /* Bias towards growth until the list reaches its target size. */
        bool grow = m.count < target;
        size_t length = random_value(value, sizeof value);
        if (op < (grow ? 50 : 25)) {
            bool head = rand() % 2;
            l = plist_push(l, value, length, head, &limits);
            model_insert(&m, head ? 0 : m.count, value, length);
        } else if (op < 45 && m.count) {
            bool head = rand() % 2;
            l = plist_pop(l, head, &limits);
            model_delete(&m, head ? 0 : m.count - 1);
        } else if (op < 60 && m.count) {
            size_t index = (size_t)rand() % m.count;
            l = plist_set(l, index, value, length, &limits);
            model_delete(&m, index);
            model_insert(&m, index, value, length);
        } else if (op < 75) {
            size_t index = (size_t)rand() % (m.count + 1);
            l = plist_insert(l, index, false, value, length, &limits);
            model_insert(&m, index, value, length);
        } else if (op < 82 && m.count) {
            size_t start = (size_t)rand() % m.count;
            size_t count = (size_t)rand() % (m.count - start + 1);
            if (rand() % 4) count = count % 8;
            l = plist_delete_range(l, start, count, &limits);
            for (size_t i = 0; i < count; i++) model_delete(&m, start);
        } else if (op < 90 && m.count) {
            /* LREM of an element present in the list, with a random count. */
            model_item needle = m.items[(size_t)rand() % m.count];
            char copy[9100];
            memcpy(copy, needle.data, needle.length);
            long long count = rand() % 5 - 2;
            size_t removed;
            l = plist_remove(l, copy, needle.length, count, &limits, &removed);
            size_t expected = 0, limit = count == 0 ? SIZE_MAX : (size_t)llabs(count);
            if (count >= 0) {
                for (size_t i = 0; i < m.count && expected < limit;)
                    if (m.items[i].length == needle.length && !memcmp(m.items[i].data, copy, needle.length)) {
                        model_delete(&m, i);
                        expected++;
                    } else {
                        i++;
                    }
            } else {
                for (size_t i = m.count; i-- > 0 && expected < limit;)
                    if (m.items[i].length == needle.length && !memcmp(m.items[i].data, copy, needle.length)) {
                        model_delete(&m, i);
                        expected++;
                    }
            }
            assert_int_equal(removed, expected);
        } else if (op < 92) {
            plist *copy = plist_duplicate(l);
            check_equal(copy, &m);
            plist_free(copy);
        }
        check_equal(l, &m);
    }
    assert_true(plist_memory(l) > 0);
    plist_free(l);
    model_clear(&m);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

static void test_random_default_limits(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 6; seed++) run_random(seed, -2, 0, 3000, 600);
}

static void test_random_small_chunks(void **state) {
    (void)state;
    int fills[] = {1, 2, 4, 5, 16, -1};
    for (unsigned i = 0; i < sizeof fills / sizeof fills[0]; i++) run_random(100 + i, fills[i], 0, 3000, 200);
}

static void test_random_compressed(void **state) {
    (void)state;
    int fills[] = {4, 16, -1, -2};
    for (unsigned i = 0; i < sizeof fills / sizeof fills[0]; i++)
        for (int depth = 1; depth <= 2; depth++) run_random(200 + i * 3 + (unsigned)depth, fills[i], depth, 2000, 400);
}

/* Entry sizes: an 8-byte string costs 10 bytes and a 5-element list of
 * them fits the 64-byte size class with its header. */
static void test_small_list_bytes(void **state) {
    (void)state;
    plist_limits limits = {-2, 0};
    plist *l = plist_create();
    for (int i = 0; i < 5; i++) l = plist_push(l, "abcdefgh", 8, false, &limits);
    assert_int_equal(plist_chunk_count(l), 1);
    /* The 64-byte class is jemalloc's; other allocators (and the size-header
     * path) round differently, so they only get a loose bound. */
    bool jemalloc_classes = !strncmp(zmalloc_allocator_name(), "jemalloc", 8) && !zmalloc_size_header_bytes();
    assert_true(plist_memory(l) <= (jemalloc_classes ? 64u : 96u));
    plist_free(l);
}

/* A long list of integers: positional reads at both ends and in the
 * middle, and chunks filling the 8 KiB class. */
static void test_long_list(void **state) {
    (void)state;
    plist_limits limits = {-2, 0};
    plist *l = plist_create();
    char text[32];
    for (int i = 0; i < 200000; i++) {
        int length = snprintf(text, sizeof text, "%d", i);
        l = plist_push(l, text, (size_t)length, false, &limits);
    }
    size_t probes[] = {0, 1, 99999, 100000, 199998, 199999};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        plist_iterator it;
        plist_value v;
        plist_iterator_init(&it, l, probes[i], true);
        assert_true(plist_iterator_next(&it, &v));
        assert_null(v.data);
        assert_int_equal(v.integer, (long long)probes[i]);
        plist_iterator_finish(&it);
    }
    assert_true(plist_memory(l) < 200000 * 6);
    l = plist_delete_range(l, 10, 199980, &limits);
    assert_int_equal(plist_length(l), 20);
    plist_free(l);
}

/* With a compress depth, inner chunks of compressible data shrink and read
 * back intact; the end chunks stay raw. */
static void test_compression_saves(void **state) {
    (void)state;
    plist_limits raw = {-2, 0}, compressed = {-2, 1};
    plist *a = plist_create(), *b = plist_create();
    for (int i = 0; i < 20000; i++) {
        a = plist_push(a, "hello-world-element", 19, false, &raw);
        b = plist_push(b, "hello-world-element", 19, false, &compressed);
    }
    assert_true(plist_memory(b) * 4 < plist_memory(a));
    plist_iterator it;
    plist_value v;
    plist_iterator_init(&it, b, 10000, true);
    assert_true(plist_iterator_next(&it, &v));
    assert_int_equal(v.length, 19);
    assert_memory_equal(v.data, "hello-world-element", 19);
    plist_iterator_finish(&it);
    plist_free(a);
    plist_free(b);
}

/* Redis's nodes (qshape) follow the list: a queue's head node is what
 * pops left of it, a trim there eats into the next, an insert into a full
 * node splits it and the pieces merge as quicklist 7.0's do, a small list
 * is one node. */
static void test_redis_nodes(void **state) {
    (void)state;
    plist_limits limits = {-2, 0};
    plist *l = plist_create();
    const qshape_node *nodes;
    for (int i = 0; i < 3000; i++) l = plist_push(l, "element-tail", 12, false, &limits);
    size_t n = plist_redis_nodes(l, &nodes);
    /* 14-byte entries: 7 + 14 * 584 + 12 + 8 <= 8192 takes a 584th. */
    assert_int_equal(n, 6);
    assert_int_equal(nodes[0].count, 584);
    assert_int_equal(nodes[0].bytes, 7 + 14 * 584);
    assert_int_equal(nodes[5].count, 3000 - 5 * 584);
    for (int i = 0; i < 10; i++) l = plist_pop(l, true, &limits);
    n = plist_redis_nodes(l, &nodes);
    assert_int_equal(nodes[0].count, 574);
    l = plist_delete_range(l, 0, 574 + 4, &limits);
    n = plist_redis_nodes(l, &nodes);
    assert_int_equal(n, 5);
    assert_int_equal(nodes[0].count, 580);
    assert_int_equal(nodes[0].bytes, 7 + 14 * 580);
    /* Node 1 is full: split at offset 10 into 10 + "middle" and 574,
     * which merge again (8043 + 155 - 11 <= 8192), as quicklist 7.0 does. */
    l = plist_insert(l, 590, false, "middle", 6, &limits);
    n = plist_redis_nodes(l, &nodes);
    assert_int_equal(n, 5);
    assert_int_equal(nodes[1].count, 585);
    assert_int_equal(nodes[1].bytes, 7 + 14 * 584 + 8);
    l = plist_set(l, 600, "x", 1, &limits); /* in place */
    n = plist_redis_nodes(l, &nodes);
    assert_int_equal(nodes[1].count, 585);
    assert_int_equal(nodes[1].bytes, 7 + 14 * 583 + 8 + 3);
    /* After the element: 100 stay, 484 + "middle" go, and the two merge
     * again (1407 + 6791 - 11 <= 8192). */
    l = plist_insert(l, 580 + 585 + 100, true, "middle", 6, &limits);
    assert_int_equal(plist_redis_nodes(l, &nodes), 5);
    assert_int_equal(nodes[2].count, 585);
    /* A 3000-byte element before offset 300 of node 3: 300 and it (7211
     * bytes) cannot rejoin the 284 left (3983), which merge with the
     * 80-element tail node instead (3983 + 1127 - 11). */
    char big[3000];
    memset(big, 'b', sizeof(big));
    l = plist_insert(l, 580 + 585 + 585 + 300, false, big, sizeof(big), &limits);
    assert_int_equal(plist_redis_nodes(l, &nodes), 5);
    assert_int_equal(nodes[3].count, 301);
    assert_int_equal(nodes[3].bytes, 7 + 14 * 300 + 3004);
    assert_int_equal(nodes[4].count, 284 + 80);
    plist *copy = plist_duplicate(l);
    const qshape_node *copied;
    assert_int_equal(plist_redis_nodes(copy, &copied), 5);
    assert_memory_equal(copied, nodes, 5 * sizeof(qshape_node));
    plist_free(copy);
    l = plist_delete_range(l, 10, plist_length(l) - 20, &limits);
    assert_int_equal(plist_redis_nodes(l, &nodes), 2); /* two nodes in Redis: still chunked */
    plist_free(l);
    plist *small = plist_create();
    small = plist_push(small, "a", 1, false, &limits);
    assert_int_equal(plist_redis_nodes(small, &nodes), 0);
    plist_free(small);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_default_limits), cmocka_unit_test(test_random_small_chunks),
        cmocka_unit_test(test_random_compressed),     cmocka_unit_test(test_small_list_bytes),
        cmocka_unit_test(test_long_list), cmocka_unit_test(test_compression_saves),
        cmocka_unit_test(test_redis_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
