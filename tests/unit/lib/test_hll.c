/* Unit tests for hll: bytes and counts observed on redis-server 7.0.15 for
 * the same inputs (the sparse bytes of seven elements, the estimates of a
 * sparse, a dense and a union), register packing against a byte-per-register
 * model, sparse and dense kept side by side and compared register by
 * register, promotion at the sparse size limit, and corrupt values rejected
 * without reading past their end (the buffers are sized exactly, so ASan
 * would see a stray read). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hll.h"
#include "zmalloc.h"

static hll_buffer empty_buffer(void) {
    hll_buffer b = {.bytes = zmalloc_alloc(HLL_EMPTY_SIZE + 8), .length = HLL_EMPTY_SIZE,
                    .capacity = HLL_EMPTY_SIZE + 8, .owned = true};
    hll_init_empty(b.bytes);
    return b;
}

static void add_string(hll_buffer *b, const char *element) {
    assert_true(hll_add(b, element, strlen(element), 3000) >= 0);
}

static void add_numbered(hll_buffer *b, const char *format, int count) {
    char element[32];
    for (int i = 0; i < count; i++) {
        int length = snprintf(element, sizeof element, format, i);
        assert_true(hll_add(b, element, (size_t)length, 3000) >= 0);
    }
}

static void test_sparse_bytes_match_redis(void **state) {
    (void)state;
    static const unsigned char redis_bytes[] = "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
                                               "Fm\x80V\x0c\x80" "D<\x84" "8\x80P\xb1\x84I\x8c\x80" "Bm\x80" "BZ";
    hll_buffer b = empty_buffer();
    uint64_t cached;
    assert_true(hll_cached_count(b.bytes, &cached));
    assert_int_equal(cached, 0);
    for (char element[2] = "a"; element[0] <= 'g'; element[0]++) add_string(&b, element);
    hll_invalidate_cache(b.bytes);
    assert_int_equal(b.length, sizeof redis_bytes - 1);
    assert_memory_equal(b.bytes, redis_bytes, b.length);
    assert_false(hll_cached_count(b.bytes, &cached));
    bool invalid = false;
    assert_int_equal(hll_count(b.bytes, b.length, &invalid), 7);
    assert_false(invalid);
    hll_set_cached_count(b.bytes, 7);
    assert_true(hll_cached_count(b.bytes, &cached));
    assert_int_equal(cached, 7);
    /* Adding an element already counted changes nothing. */
    assert_int_equal(hll_add(&b, "c", 1, 3000), 0);
    zmalloc_free(b.bytes);
}

static void test_counts_match_redis(void **state) {
    (void)state;
    hll_buffer small = empty_buffer(), medium = empty_buffer(), large = empty_buffer();
    add_numbered(&small, "e%d", 200);
    add_numbered(&medium, "e%d", 2000);
    add_numbered(&large, "%d", 100000);
    assert_int_equal(hll_encoding(small.bytes), HLL_ENCODING_SPARSE);
    assert_int_equal(small.length, 513); /* STRLEN on redis-server */
    assert_int_equal(hll_encoding(medium.bytes), HLL_ENCODING_DENSE);
    assert_int_equal(medium.length, HLL_DENSE_SIZE);
    assert_int_equal(hll_count(small.bytes, small.length, NULL), 200);
    assert_int_equal(hll_count(medium.bytes, medium.length, NULL), 2000);
    assert_int_equal(hll_count(large.bytes, large.length, NULL), 99565);
    uint8_t *max = calloc(HLL_REGISTERS, 1);
    assert_true(hll_merge_registers(max, medium.bytes, medium.length));
    assert_true(hll_merge_registers(max, small.bytes, small.length));
    assert_true(hll_merge_registers(max, large.bytes, large.length));
    assert_int_equal(hll_count_registers(max), 101136);
    free(max);
    zmalloc_free(small.bytes);
    zmalloc_free(medium.bytes);
    zmalloc_free(large.bytes);
}

static void test_dense_packing(void **state) {
    (void)state;
    unsigned char *registers = calloc(HLL_DENSE_SIZE - HLL_HEADER_SIZE, 1);
    uint8_t *model = calloc(HLL_REGISTERS, 1);
    srand(7);
    for (int round = 0; round < 20; round++) {
        for (int n = 0; n < 5000; n++) {
            uint32_t index = (uint32_t)rand() % HLL_REGISTERS;
            uint8_t value = (uint8_t)(rand() & 63);
            hll_dense_put(registers, index, value);
            model[index] = value;
        }
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) assert_int_equal(hll_dense_get(registers, i), model[i]);
    }
    free(registers);
    free(model);
}

static void test_sparse_and_dense_agree(void **state) {
    (void)state;
    hll_buffer sparse = empty_buffer();
    unsigned char *dense_bytes = zmalloc_calloc(HLL_DENSE_SIZE);
    memcpy(dense_bytes, "HYLL", 4);
    hll_buffer dense = {.bytes = dense_bytes, .length = HLL_DENSE_SIZE, .capacity = HLL_DENSE_SIZE};
    srand(11);
    for (int i = 0; i < 700; i++) {
        uint64_t element = ((uint64_t)rand() << 31) ^ (uint64_t)rand();
        int a = hll_add(&sparse, &element, sizeof element, 100000);
        int b = hll_add(&dense, &element, sizeof element, 100000);
        assert_int_equal(a, b);
    }
    assert_int_equal(hll_encoding(sparse.bytes), HLL_ENCODING_SPARSE);
    assert_int_equal(hll_count(sparse.bytes, sparse.length, NULL), hll_count(dense.bytes, dense.length, NULL));
    assert_true(hll_to_dense(&sparse));
    assert_int_equal(sparse.length, HLL_DENSE_SIZE);
    assert_memory_equal(sparse.bytes + HLL_HEADER_SIZE, dense.bytes + HLL_HEADER_SIZE,
                        HLL_DENSE_SIZE - HLL_HEADER_SIZE);
    zmalloc_free(sparse.bytes);
    zmalloc_free(dense_bytes);
}

static void test_promotion(void **state) {
    (void)state;
    /* Past the byte limit. */
    hll_buffer b = empty_buffer();
    char element[16];
    int i = 0;
    while (hll_encoding(b.bytes) == HLL_ENCODING_SPARSE) {
        assert_true(b.length <= 300);
        int length = snprintf(element, sizeof element, "p%d", i++);
        assert_true(hll_add(&b, element, (size_t)length, 300) >= 0);
    }
    assert_int_equal(b.length, HLL_DENSE_SIZE);
    uint64_t estimate = hll_count(b.bytes, b.length, NULL);
    assert_true(estimate > (uint64_t)i * 9 / 10 && estimate < (uint64_t)i * 11 / 10);
    zmalloc_free(b.bytes);
    /* A value above 32 cannot be sparse. */
    b = empty_buffer();
    assert_int_equal(hll_set_register(&b, 5, 33, 3000), 1);
    assert_int_equal(hll_encoding(b.bytes), HLL_ENCODING_DENSE);
    assert_int_equal(hll_dense_get(b.bytes + HLL_HEADER_SIZE, 5), 33);
    zmalloc_free(b.bytes);
}

static void test_header_validation(void **state) {
    (void)state;
    unsigned char empty[HLL_EMPTY_SIZE];
    hll_init_empty(empty);
    assert_true(hll_is_valid(empty, sizeof empty));
    assert_false(hll_is_valid(empty, 15));
    empty[0] = 'h';
    assert_false(hll_is_valid(empty, sizeof empty));
    empty[0] = 'H';
    empty[4] = 2;
    assert_false(hll_is_valid(empty, sizeof empty));
    empty[4] = HLL_ENCODING_DENSE; /* dense needs exactly HLL_DENSE_SIZE bytes */
    assert_false(hll_is_valid(empty, sizeof empty));
}

/* Runs every reader over a corrupt sparse value held in an exact block. */
static void check_corrupt(const unsigned char *tail, size_t tail_length, bool expect_invalid) {
    size_t length = HLL_HEADER_SIZE + tail_length;
    unsigned char *value = malloc(length);
    unsigned char empty[HLL_EMPTY_SIZE];
    hll_init_empty(empty);
    memcpy(value, empty, HLL_HEADER_SIZE); /* the header only: the opcodes are the test's */
    memcpy(value + HLL_HEADER_SIZE, tail, tail_length);
    bool invalid = false;
    (void)hll_count(value, length, &invalid);
    assert_int_equal(invalid, expect_invalid);
    uint8_t *max = calloc(HLL_REGISTERS, 1);
    assert_int_equal(hll_merge_registers(max, value, length), !expect_invalid);
    free(max);
    hll_buffer b = {.bytes = zmalloc_alloc(length + 8), .length = length, .capacity = length + 8, .owned = true};
    memcpy(b.bytes, value, length);
    assert_int_equal(hll_to_dense(&b), !expect_invalid);
    zmalloc_free(b.bytes);
    free(value);
}

static void test_corrupt_values(void **state) {
    (void)state;
    static const unsigned char whole[] = {0x7f, 0xff};
    check_corrupt(whole, sizeof whole, false);
    static const unsigned char too_many[] = {0x7f, 0xff, 0x00};
    check_corrupt(too_many, sizeof too_many, true);
    static const unsigned char val_past_end[] = {0x7f, 0xff, 0x80};
    check_corrupt(val_past_end, sizeof val_past_end, true);
    static const unsigned char half_xzero[] = {0x7f};
    check_corrupt(half_xzero, sizeof half_xzero, true);
    static const unsigned char too_few[] = {0x7f, 0xfe};
    check_corrupt(too_few, sizeof too_few, true);
    /* Many XZEROs of 16384 registers: the sum must not wrap. */
    size_t count = 300000;
    unsigned char *many = malloc(2 * count);
    for (size_t i = 0; i < count; i++) {
        many[2 * i] = 0x7f;
        many[2 * i + 1] = 0xff;
    }
    check_corrupt(many, 2 * count, true);
    free(many);
    /* Editing a value whose runs overflow fails cleanly or edits in bounds. */
    hll_buffer b = {.bytes = zmalloc_alloc(HLL_HEADER_SIZE + 1 + 8), .length = HLL_HEADER_SIZE + 1,
                    .capacity = HLL_HEADER_SIZE + 9, .owned = true};
    hll_init_empty(b.bytes);
    b.bytes[HLL_HEADER_SIZE] = 0x00; /* ZERO of 1: register 0 only */
    assert_int_equal(hll_set_register(&b, 100, 3, 3000), -1);
    assert_int_equal(hll_set_register(&b, 0, 3, 3000), 1);
    assert_int_equal(b.bytes[HLL_HEADER_SIZE], 0x88); /* VAL 3 x1 */
    assert_int_equal(hll_set_register(&b, 0, 40, 3000), -1); /* promotion finds the runs short */
    zmalloc_free(b.bytes);
}

static void test_selftest(void **state) {
    (void)state;
    char error[128];
    assert_true(hll_selftest(12345, 3000, error, sizeof error));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sparse_bytes_match_redis), cmocka_unit_test(test_counts_match_redis),
        cmocka_unit_test(test_dense_packing),           cmocka_unit_test(test_sparse_and_dense_agree),
        cmocka_unit_test(test_promotion),               cmocka_unit_test(test_header_validation),
        cmocka_unit_test(test_corrupt_values),          cmocka_unit_test(test_selftest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
