/* Unit tests for where lib/rdb_quicklist cuts a list into nodes.  The
 * expected node sizes are those of redis-server 7.0.15 for the same
 * elements pushed at the tail (RPUSH, then DUMP with rdbcompression no,
 * nodes decoded), so a DUMP of zkv's list is byte-identical to Redis's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rdb_io.h"
#include "rdb_quicklist.h"
#include "zmalloc.h"

#define MAX_NODES 16

typedef struct read_check {
    const char *const *elements;
    const size_t *lengths;
    size_t next;
} read_check;

static int check_element(void *context, const rdb_element *e) {
    read_check *c = context;
    char digits[24];
    size_t length;
    const char *bytes = rdb_element_bytes(e, digits, &length);
    assert_int_equal(length, c->lengths[c->next]);
    assert_memory_equal(bytes, c->elements[c->next], length);
    c->next++;
    return 0;
}

/* Builds the list, writes it, and returns its node count with each node's
 * element count (from the listpack header) in `counts`. */
typedef struct cut_options {
    int fill, depth;
    const qshape_node *cuts; /* the nodes to cut (cut_count of them), or by the insert test */
    size_t cut_count;
    int lzf_nodes;      /* out: nodes written LZF-compressed */
    rdb_quicklist_shape shape; /* out: what the reader tells of the nodes */
} cut_options;

static size_t node_counts_with(const char *const *elements, const size_t *lengths, size_t n, size_t counts[MAX_NODES],
                               cut_options *o) {
    rdb_quicklist_builder b;
    rdb_quicklist_builder_init(&b, o->fill, o->depth);
    if (o->cut_count) rdb_quicklist_cuts(&b, o->cuts, o->cut_count);
    for (size_t i = 0; i < n; i++) rdb_quicklist_add(&b, elements[i], lengths[i]);
    rdb_writer w;
    rdb_writer_init(&w, -1, false);
    assert_int_equal(rdb_quicklist_write(&b, &w), 0);
    /* The elements read back in list order. */
    rdb_reader r;
    rdb_reader_init(&r, w.buffer.data, w.buffer.length, 10);
    read_check check = {elements, lengths, 0};
    assert_int_equal(rdb_quicklist_read(&r, RDB_TYPE_LIST_QUICKLIST_2, check_element, &check, &o->shape), 0);
    assert_int_equal(check.next, n);
    rdb_reader_init(&r, w.buffer.data, w.buffer.length, 10);
    uint64_t nodes;
    assert_int_equal(rdb_read_length(&r, &nodes), 0);
    assert_true(nodes <= MAX_NODES);
    o->lzf_nodes = 0;
    for (uint64_t i = 0; i < nodes; i++) {
        uint64_t container;
        assert_int_equal(rdb_read_length(&r, &container), 0);
        if (*r.cursor == 0xC3) o->lzf_nodes++;
        rdb_string blob;
        assert_int_equal(rdb_read_string(&r, &blob), 0);
        const uint8_t *lp = (const uint8_t *)blob.data;
        counts[i] = (size_t)lp[4] | (size_t)lp[5] << 8;
        rdb_string_release(&blob);
    }
    rdb_writer_free(&w);
    return (size_t)nodes;
}

static size_t node_counts(const char *const *elements, const size_t *lengths, size_t n, size_t counts[MAX_NODES]) {
    rdb_quicklist_builder b;
    rdb_quicklist_builder_init(&b, -2, 0);
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

static size_t numbered(const char *elements[2000], size_t lengths[2000]) {
    static char strings[2000][16];
    for (int i = 0; i < 2000; i++) {
        lengths[i] = (size_t)snprintf(strings[i], sizeof strings[i], "element-%06d", i);
        elements[i] = strings[i];
    }
    return 2000;
}

/* LPUSH-built, Redis 7.0.15: the head node is the partial one, the others
 * hold 511 each.  Given those cuts the builder writes them, and the reader
 * hands back each node's count and listpack size. */
static void test_cuts_given(void **state) {
    (void)state;
    const char *elements[2000];
    size_t lengths[2000], counts[MAX_NODES];
    size_t n = numbered(elements, lengths);
    const qshape_node cuts[] = {{467, 0}, {511, 0}, {511, 0}, {511, 0}};
    strbuf nodes = STRBUF_INIT;
    cut_options o = {.fill = -2, .cuts = cuts, .cut_count = 4, .shape = {.nodes_out = &nodes}};
    assert_int_equal(node_counts_with(elements, lengths, n, counts, &o), 4);
    assert_int_equal(counts[0], 467);
    assert_int_equal(counts[1], 511);
    assert_int_equal(counts[3], 511);
    assert_int_equal(o.shape.nodes, 4);
    assert_int_equal(nodes.length, 4 * sizeof(qshape_node));
    const qshape_node *read = (const qshape_node *)nodes.data;
    assert_int_equal(read[0].count, 467);
    /* 14-byte strings: 16-byte entries and the 7 bytes of a listpack. */
    assert_int_equal(read[0].bytes, 7 + 16 * 467);
    assert_int_equal(read[3].count, 511);
    strbuf_free(&nodes);
    cut_options forward = {.fill = -2};
    node_counts_with(elements, lengths, n, counts, &forward);
    assert_int_equal(counts[0], 511);
}

/* list-max-listpack-size: -1 is a 4 KB node (255 such elements), -5 a
 * 64 KB one, 5 counts entries; Redis clamps below -5. */
static void test_fill(void **state) {
    (void)state;
    const char *elements[2000];
    size_t lengths[2000], counts[MAX_NODES];
    size_t n = numbered(elements, lengths);
    cut_options o = {.fill = -1};
    assert_int_equal(node_counts_with(elements, lengths, 1000, counts, &o), 4);
    assert_int_equal(counts[0], 255);
    o = (cut_options){.fill = -5};
    assert_int_equal(node_counts_with(elements, lengths, n, counts, &o), 1);
    o = (cut_options){.fill = -9};
    assert_int_equal(node_counts_with(elements, lengths, n, counts, &o), 1);
    o = (cut_options){.fill = 128};
    assert_int_equal(node_counts_with(elements, lengths, n, counts, &o), 16);
    assert_int_equal(counts[0], 128);
    assert_int_equal(counts[15], 2000 - 15 * 128);
}

/* list-compress-depth 1: the inner nodes are written LZF even when the
 * writer does not compress strings (rdbcompression no), the two ends raw;
 * incompressible inner nodes stay raw. */
static void test_compress_depth(void **state) {
    (void)state;
    const char *elements[2000];
    size_t lengths[2000], counts[MAX_NODES];
    size_t n = numbered(elements, lengths);
    cut_options o = {.fill = -2, .depth = 1};
    assert_int_equal(node_counts_with(elements, lengths, n, counts, &o), 4);
    assert_int_equal(o.lzf_nodes, 2);
    o = (cut_options){.fill = -2, .depth = 2};
    node_counts_with(elements, lengths, n, counts, &o);
    assert_int_equal(o.lzf_nodes, 0);
    static char random_text[8][1500];
    const char *noise[8];
    size_t noise_lengths[8];
    unsigned seed = 7;
    for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 1500; j++) random_text[i][j] = (char)(rand_r(&seed) & 0xFF);
        noise[i] = random_text[i];
        noise_lengths[i] = sizeof random_text[i];
    }
    o = (cut_options){.fill = -1, .depth = 1};
    assert_true(node_counts_with(noise, noise_lengths, 8, counts, &o) > 2);
    assert_int_equal(o.lzf_nodes, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_by_estimate),
        cmocka_unit_test(test_cut_large_and_small),
        cmocka_unit_test(test_cut_many_small),  cmocka_unit_test(test_cuts_given),
        cmocka_unit_test(test_fill),            cmocka_unit_test(test_compress_depth),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed || zmalloc_used_memory() != 0;
}
