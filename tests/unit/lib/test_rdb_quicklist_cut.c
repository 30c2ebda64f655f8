/* Unit tests for where lib/rdb_quicklist cuts a list into nodes.  The
 * expected node sizes are those of redis-server 7.0.15 for the same
 * elements pushed at the tail (RPUSH, then DUMP with rdbcompression no,
 * nodes decoded), so a DUMP of zkv's list is byte-identical to Redis's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rdb_io.h"
#include "rdb_quicklist.h"
#include "zmalloc.h"

#define MAX_NODES 16

/* Builds the list, writes it, and returns its node count with each node's
 * element count (from the listpack header) in `counts`. */
static size_t node_counts(const char *const *elements, const size_t *lengths, size_t n, size_t counts[MAX_NODES]) {
    rdb_quicklist_builder b;
    rdb_quicklist_builder_init(&b);
    for (size_t i = 0; i < n; i++) rdb_quicklist_add(&b, elements[i], lengths[i]);
    rdb_writer w;
    rdb_writer_init(&w, -1, false);
    assert_int_equal(rdb_quicklist_write(&b, &w), 0);
    rdb_reader r;
    rdb_reader_init(&r, w.buffer.data, w.buffer.length, 10);
    uint64_t nodes;
    assert_int_equal(rdb_read_length(&r, &nodes), 0);
    assert_true(nodes <= MAX_NODES);
    for (uint64_t i = 0; i < nodes; i++) {
        uint64_t container;
        assert_int_equal(rdb_read_length(&r, &container), 0);
        assert_int_equal(container, RDB_QUICKLIST_PACKED);
        rdb_string blob;
        assert_int_equal(rdb_read_string(&r, &blob), 0);
        const uint8_t *lp = (const uint8_t *)blob.data;
        counts[i] = (size_t)lp[4] | (size_t)lp[5] << 8;
        rdb_string_release(&blob);
    }
    assert_int_equal(rdb_reader_left(&r), 0);
    rdb_writer_free(&w);
    return (size_t)nodes;
}

/* n copies of one element of `length` bytes of 'a'. */
static size_t repeated(size_t length, size_t n, size_t counts[MAX_NODES]) {
    static char text[9000];
    memset(text, 'a', sizeof text);
    const char *elements[8];
    size_t lengths[8];
    for (size_t i = 0; i < n; i++) {
        elements[i] = text;
        lengths[i] = length;
    }
    return node_counts(elements, lengths, n, counts);
}

static void test_cut_by_estimate(void **state) {
    (void)state;
    size_t counts[MAX_NODES];
    /* Two 4086-byte elements share a node; two of 4087 do not: the last
     * byte of Redis's estimate (raw length + 8 over the finished node). */
    assert_int_equal(repeated(4086, 4, counts), 2);
    assert_int_equal(counts[0], 2);
    assert_int_equal(counts[1], 2);
    assert_int_equal(repeated(4087, 4, counts), 4);
    for (size_t i = 0; i < 4; i++) assert_int_equal(counts[i], 1);
}

static void test_cut_large_and_small(void **state) {
    (void)state;
    static char big[9000], tail[8170];
    memset(big, 'a', sizeof big);
    memset(tail, 'c', sizeof tail);
    /* An element past the node size opens a node of its own; the next
     * small one cannot join it; a large one may join a small one. */
    const char *elements[] = {big, "b", tail};
    const size_t lengths[] = {sizeof big, 1, sizeof tail};
    size_t counts[MAX_NODES];
    assert_int_equal(node_counts(elements, lengths, 3, counts), 2);
    assert_int_equal(counts[0], 1);
    assert_int_equal(counts[1], 2);
}

static void test_cut_many_small(void **state) {
    (void)state;
    static char texts[3000][8];
    const char *elements[3000];
    size_t lengths[3000];
    size_t counts[MAX_NODES];
    /* 14-byte strings: 511 per node. */
    for (int i = 0; i < 2000; i++) {
        static char strings[2000][16];
        lengths[i] = (size_t)snprintf(strings[i], sizeof strings[i], "element-%06d", i);
        elements[i] = strings[i];
    }
    assert_int_equal(node_counts(elements, lengths, 2000, counts), 4);
    assert_int_equal(counts[0], 511);
    assert_int_equal(counts[1], 511);
    assert_int_equal(counts[2], 511);
    assert_int_equal(counts[3], 467);
    /* Small integers cost 2-3 bytes but are charged their text plus 8. */
    for (int i = 0; i < 3000; i++) {
        lengths[i] = (size_t)snprintf(texts[i], sizeof texts[i], "%d", i);
        elements[i] = texts[i];
    }
    assert_int_equal(node_counts(elements, lengths, 3000, counts), 2);
    assert_int_equal(counts[0], 2768);
    assert_int_equal(counts[1], 232);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_by_estimate),
        cmocka_unit_test(test_cut_large_and_small),
        cmocka_unit_test(test_cut_many_small),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed || zmalloc_used_memory() != 0;
}
