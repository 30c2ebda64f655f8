/* Unit tests for zmalloc's defragmentation support.  On jemalloc: fill a
 * size class, free blocks so that half of its slabs are left 40% used and
 * half 5% used, then move every block zmalloc_defrag_should_move() picks.
 * Only blocks of the sparse slabs may be picked, the blocks must keep their
 * contents, used_memory must not change, and the sparse slabs must be gone
 * (read from jemalloc's own statistics).  Elsewhere the functions must
 * decline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zmalloc.h"

#if defined(ZMALLOC_BACKEND_JEMALLOC)
#include <jemalloc/jemalloc.h>
#endif

enum { BLOCKS = 40000, BLOCK_SIZE = 208 };

#if defined(ZMALLOC_BACKEND_JEMALLOC)
static void fill_block(unsigned char *block, size_t index) {
    for (size_t i = 0; i < BLOCK_SIZE; i++) block[i] = (unsigned char)(index * 7 + i);
}

static int block_intact(const unsigned char *block, size_t index) {
    for (size_t i = 0; i < BLOCK_SIZE; i++)
        if (block[i] != (unsigned char)(index * 7 + i)) return 0;
    return 1;
}

/* The first half of the blocks is left dense (40% survive), the second
 * sparse (5%). */
static int in_dense_half(size_t index) {
    return index < BLOCKS / 2;
}

static int survives(size_t index) {
    size_t hash = (index * 2654435761u) % 20;
    return in_dense_half(index) ? hash < 8 : hash < 1;
}

/* Slabs in use for the size class of BLOCK_SIZE, from jemalloc directly. */
static size_t slabs_of_test_class(void) {
    mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
    uint64_t epoch = 1;
    size_t length = sizeof(epoch);
    assert_int_equal(mallctl("epoch", &epoch, &length, &epoch, length), 0);
    unsigned bins;
    length = sizeof(bins);
    assert_int_equal(mallctl("arenas.nbins", &bins, &length, NULL, 0), 0);
    size_t class_size = nallocx(BLOCK_SIZE + zmalloc_size_header_bytes(), 0);
    for (unsigned bin = 0; bin < bins; bin++) {
        char name[96];
        size_t size, slabs;
        length = sizeof(size);
        snprintf(name, sizeof(name), "arenas.bin.%u.size", bin);
        assert_int_equal(mallctl(name, &size, &length, NULL, 0), 0);
        if (size != class_size) continue;
        snprintf(name, sizeof(name), "stats.arenas.%d.bins.%u.curslabs", MALLCTL_ARENAS_ALL, bin);
        assert_int_equal(mallctl(name, &slabs, &length, NULL, 0), 0);
        return slabs;
    }
    fail_msg("no bin of %zu bytes", class_size);
    return 0;
}
#endif

static void test_defrag_compacts_a_sparse_size_class(void **state) {
    (void)state;
    if (zmalloc_defrag_begin() != 0) skip();
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    unsigned char **blocks = calloc(BLOCKS, sizeof(*blocks));
    size_t start = zmalloc_used_memory();
    for (size_t i = 0; i < BLOCKS; i++) {
        blocks[i] = zmalloc_alloc(BLOCK_SIZE);
        fill_block(blocks[i], i);
    }
    size_t live_bytes = 0;
    for (size_t i = 0; i < BLOCKS; i++) {
        if (survives(i)) {
            live_bytes += zmalloc_usable_size(blocks[i]) + zmalloc_size_header_bytes();
        } else {
            zmalloc_free(blocks[i]);
            blocks[i] = NULL;
        }
    }
    size_t slabs_before = slabs_of_test_class();
    assert_int_equal(zmalloc_defrag_begin(), 0);
    size_t moved[2] = {0, 0}, survivors[2] = {0, 0};
    for (size_t i = 0; i < BLOCKS; i++) {
        if (!blocks[i]) continue;
        survivors[in_dense_half(i)]++;
        if (!zmalloc_defrag_should_move(blocks[i])) continue;
        unsigned char *new_address = zmalloc_defrag_move(blocks[i]);
        assert_non_null(new_address);
        blocks[i] = new_address;
        moved[in_dense_half(i)]++;
    }
    size_t slabs_after = slabs_of_test_class();
    print_message("moved %zu of %zu sparse and %zu of %zu dense blocks; slabs %zu -> %zu\n", moved[0],
                  survivors[0], moved[1], survivors[1], slabs_before, slabs_after);
    /* Dense blocks are moved only from the slab straddling the two halves. */
    assert_true(moved[1] * 100 <= survivors[1]);
    assert_true(moved[0] * 10 >= survivors[0] * 9);
    assert_int_equal(zmalloc_used_memory() - start, live_bytes);
    assert_true(slabs_after * 10 < slabs_before * 6);
    for (size_t i = 0; i < BLOCKS; i++) {
        if (!blocks[i]) continue;
        assert_true(block_intact(blocks[i], i));
        zmalloc_free(blocks[i]);
    }
    free(blocks);
    assert_int_equal(zmalloc_used_memory(), start);
#endif
}

/* A block in a slab with no free region is never worth moving. */
static void test_blocks_in_full_slabs_stay(void **state) {
    (void)state;
    if (zmalloc_defrag_begin() != 0) skip();
    enum { COUNT = 4000 };
    void **blocks = calloc(COUNT, sizeof(*blocks));
    for (size_t i = 0; i < COUNT; i++) blocks[i] = zmalloc_alloc(BLOCK_SIZE);
    assert_int_equal(zmalloc_defrag_begin(), 0);
    size_t candidates = 0;
    for (size_t i = 0; i < COUNT / 2; i++) candidates += (size_t)zmalloc_defrag_should_move(blocks[i]);
    for (size_t i = 0; i < COUNT; i++) zmalloc_free(blocks[i]);
    free(blocks);
    assert_int_equal(candidates, 0);
}

static void test_large_blocks_and_null_are_not_candidates(void **state) {
    (void)state;
    void *large = zmalloc_alloc(1 << 20);
    zmalloc_defrag_begin();
    assert_int_equal(zmalloc_defrag_should_move(large), 0);
    assert_int_equal(zmalloc_defrag_should_move(NULL), 0);
    zmalloc_free(large);
}

static void test_other_backends_decline(void **state) {
    (void)state;
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    assert_int_equal(zmalloc_defrag_begin(), 0);
    skip();
#else
    assert_int_equal(zmalloc_defrag_begin(), -1);
    size_t start = zmalloc_used_memory();
    void *block = zmalloc_alloc(BLOCK_SIZE);
    assert_int_equal(zmalloc_defrag_should_move(block), 0);
    assert_null(zmalloc_defrag_move(block));
    zmalloc_free(block);
    assert_int_equal(zmalloc_used_memory(), start);
#endif
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defrag_compacts_a_sparse_size_class),
        cmocka_unit_test(test_blocks_in_full_slabs_stay),
        cmocka_unit_test(test_large_blocks_and_null_are_not_candidates),
        cmocka_unit_test(test_other_backends_decline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
