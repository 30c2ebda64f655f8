/* Unit tests for bitops: exact values worked out by hand or observed on
 * redis-server 7.0.15, plus randomized comparisons with a naive bit-by-bit
 * model (the word-at-a-time paths must agree with it at every alignment
 * and length). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bitops.h"

/* ---- The naive model ---- */

static int model_bit(const unsigned char *data, size_t length, uint64_t offset) {
    if (offset / 8 >= length) return 0;
    return (data[offset / 8] >> (7 - offset % 8)) & 1;
}

static uint64_t model_count(const unsigned char *data, uint64_t first, uint64_t last) {
    uint64_t count = 0;
    for (uint64_t offset = first; offset <= last; offset++) count += (uint64_t)model_bit(data, SIZE_MAX, offset);
    return count;
}

static int64_t model_find(const unsigned char *data, uint64_t first, uint64_t last, int bit) {
    for (uint64_t offset = first; offset <= last; offset++)
        if (model_bit(data, SIZE_MAX, offset) == bit) return (int64_t)offset;
    return -1;
}

static uint64_t model_field(const unsigned char *data, size_t length, uint64_t offset, unsigned bits) {
    uint64_t value = 0;
    for (unsigned index = 0; index < bits; index++)
        value = (value << 1) | (uint64_t)model_bit(data, length, offset + index);
    return value;
}

static uint64_t random_word(void) {
    return ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
}

/* Random bytes, sometimes biased to all-zero or all-one runs so that the
 * word-skipping paths of bitops_find run. */
static void random_bytes(unsigned char *data, size_t length) {
    int style = rand() % 3;
    for (size_t index = 0; index < length; index++) {
        if (style == 0)
            data[index] = (unsigned char)rand();
        else
            data[index] = rand() % 97 == 0 ? (unsigned char)rand() : (style == 1 ? 0x00 : 0xff);
    }
}

/* ---- Counting ---- */

static void test_popcount_known_values(void **state) {
    (void)state;
    assert_int_equal(bitops_popcount((const unsigned char *)"foobar", 6), 26);
    assert_int_equal(bitops_popcount((const unsigned char *)"", 0), 0);
    unsigned char ones[100];
    memset(ones, 0xff, sizeof(ones));
    for (size_t length = 0; length <= sizeof(ones); length++)
        assert_int_equal(bitops_popcount(ones, length), length * 8);
}

static void test_count_range_known_values(void **state) {
    (void)state;
    const unsigned char *foobar = (const unsigned char *)"foobar";
    /* BITCOUNT foobar 5 30 BIT answers 17 on redis-server 7.0. */
    assert_int_equal(bitops_count_range(foobar, 5, 30), 17);
    /* BITCOUNT foobar 1 1 (byte 'o' = 0x6f). */
    assert_int_equal(bitops_count_range(foobar, 8, 15), 6);
    /* The last three bits of 'r' (0x72 = 01110010). */
    assert_int_equal(bitops_count_range(foobar, 45, 47), 1);
    assert_int_equal(bitops_count_range(foobar, 40, 40), 0);
    assert_int_equal(bitops_count_range(foobar, 41, 41), 1);
}

static void test_count_range_matches_model(void **state) {
    (void)state;
    unsigned char data[300];
    for (int round = 0; round < 3000; round++) {
        size_t length = 1 + (size_t)rand() % sizeof(data);
        random_bytes(data, length);
        uint64_t bits = length * 8;
        uint64_t first = random_word() % bits, last = random_word() % bits;
        if (first > last) {
            uint64_t swap = first;
            first = last;
            last = swap;
        }
        assert_int_equal(bitops_count_range(data, first, last), model_count(data, first, last));
    }
}

/* ---- Searching ---- */

static void test_find_known_values(void **state) {
    (void)state;
    const unsigned char ones[3] = {0xff, 0xff, 0xff};
    assert_int_equal(bitops_find(ones, 0, 23, 0), -1);
    assert_int_equal(bitops_find(ones, 0, 23, 1), 0);
    assert_int_equal(bitops_find(ones, 5, 23, 1), 5);
    const unsigned char zeros_then_bit[3] = {0x00, 0x40, 0x00}; /* bit 9 set */
    assert_int_equal(bitops_find(zeros_then_bit, 0, 23, 1), 9);
    assert_int_equal(bitops_find(zeros_then_bit, 5, 17, 1), 9);
    assert_int_equal(bitops_find(zeros_then_bit, 10, 17, 1), -1);
    assert_int_equal(bitops_find(zeros_then_bit, 9, 9, 0), -1);
    assert_int_equal(bitops_find(zeros_then_bit, 9, 10, 0), 10);
}

static void test_find_matches_model(void **state) {
    (void)state;
    unsigned char data[300];
    for (int round = 0; round < 5000; round++) {
        size_t length = 1 + (size_t)rand() % sizeof(data);
        random_bytes(data, length);
        uint64_t bits = length * 8;
        uint64_t first = random_word() % bits, last = random_word() % bits;
        if (first > last) {
            uint64_t swap = first;
            first = last;
            last = swap;
        }
        int bit = rand() & 1;
        assert_int_equal(bitops_find(data, first, last, bit), model_find(data, first, last, bit));
    }
}

/* ---- Single bits ---- */

static void test_get_and_set_bit(void **state) {
    (void)state;
    unsigned char data[2] = {0, 0};
    assert_int_equal(bitops_set_bit(data, 7, 1), 0);
    assert_int_equal(data[0], 0x01);
    assert_int_equal(bitops_set_bit(data, 7, 1), 1);
    assert_int_equal(bitops_set_bit(data, 8, 1), 0);
    assert_int_equal(data[1], 0x80);
    assert_int_equal(bitops_get_bit(data, 2, 8), 1);
    assert_int_equal(bitops_get_bit(data, 2, 9), 0);
    assert_int_equal(bitops_get_bit(data, 2, 16), 0);  /* past the end */
    assert_int_equal(bitops_get_bit(data, 1, 8), 0);   /* past a shorter length */
    assert_int_equal(bitops_set_bit(data, 7, 0), 1);
    assert_int_equal(data[0], 0x00);
}

/* ---- BITOP ---- */

static void test_combine_known_values(void **state) {
    (void)state;
    const unsigned char first[3] = {0xf0, 0x0f, 0xaa};
    const unsigned char second[1] = {0x3c};
    const unsigned char *sources[2] = {first, second};
    const size_t lengths[2] = {3, 1};
    unsigned char target[3];

    bitops_combine(BITOPS_AND, target, 3, sources, lengths, 2);
    assert_memory_equal(target, ((unsigned char[]){0x30, 0x00, 0x00}), 3);
    bitops_combine(BITOPS_OR, target, 3, sources, lengths, 2);
    assert_memory_equal(target, ((unsigned char[]){0xfc, 0x0f, 0xaa}), 3);
    bitops_combine(BITOPS_XOR, target, 3, sources, lengths, 2);
    assert_memory_equal(target, ((unsigned char[]){0xcc, 0x0f, 0xaa}), 3);
    bitops_combine(BITOPS_NOT, target, 3, sources, lengths, 1);
    assert_memory_equal(target, ((unsigned char[]){0x0f, 0xf0, 0x55}), 3);

    /* A shorter first source is zero-padded too. */
    const unsigned char *reversed[2] = {second, first};
    const size_t reversed_lengths[2] = {1, 3};
    bitops_combine(BITOPS_OR, target, 3, reversed, reversed_lengths, 2);
    assert_memory_equal(target, ((unsigned char[]){0xfc, 0x0f, 0xaa}), 3);
    bitops_combine(BITOPS_AND, target, 3, reversed, reversed_lengths, 2);
    assert_memory_equal(target, ((unsigned char[]){0x30, 0x00, 0x00}), 3);
}

static void test_combine_matches_model(void **state) {
    (void)state;
    enum { MAX_SOURCES = 4, MAX_LENGTH = 70 };
    unsigned char buffers[MAX_SOURCES][MAX_LENGTH];
    unsigned char target[MAX_LENGTH];
    for (int round = 0; round < 2000; round++) {
        bitops_operation operation = (bitops_operation)(rand() % 4);
        size_t count = operation == BITOPS_NOT ? 1 : 1 + (size_t)rand() % MAX_SOURCES;
        const unsigned char *sources[MAX_SOURCES];
        size_t lengths[MAX_SOURCES], longest = 0;
        for (size_t source = 0; source < count; source++) {
            lengths[source] = (size_t)rand() % MAX_LENGTH;
            random_bytes(buffers[source], lengths[source]);
            sources[source] = buffers[source];
            if (lengths[source] > longest) longest = lengths[source];
        }
        bitops_combine(operation, target, longest, sources, lengths, count);
        for (size_t index = 0; index < longest; index++) {
            unsigned expected = index < lengths[0] ? buffers[0][index] : 0;
            if (operation == BITOPS_NOT) expected = ~expected & 0xff;
            for (size_t source = 1; source < count; source++) {
                unsigned byte = index < lengths[source] ? buffers[source][index] : 0;
                if (operation == BITOPS_AND) expected &= byte;
                if (operation == BITOPS_OR) expected |= byte;
                if (operation == BITOPS_XOR) expected ^= byte;
            }
            assert_int_equal(target[index], expected);
        }
    }
}

/* ---- Bit fields ---- */

static void test_field_read_known_values(void **state) {
    (void)state;
    const unsigned char data[2] = {0xb4, 0x80}; /* 1011 0100 1000 0000 */
    assert_int_equal(bitops_field_read(data, 2, 0, 4), 0xb);
    assert_int_equal(bitops_field_read(data, 2, 4, 5), 0x09); /* 0100 1 */
    assert_int_equal(bitops_field_read_signed(data, 2, 0, 4), -5);
    assert_int_equal(bitops_field_read_signed(data, 2, 4, 5), 9);
    assert_int_equal(bitops_field_read_signed(data, 2, 0, 1), -1);
    /* Bits past the end read as zero. */
    assert_int_equal(bitops_field_read(data, 2, 12, 8), 0);
    assert_int_equal(bitops_field_read(data, 1, 0, 16), 0xb400);
    /* Full 64-bit fields, aligned and not. */
    const unsigned char all_ones[9] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(bitops_field_read_signed(all_ones, 9, 3, 64), -1);
    assert_true(bitops_field_read(all_ones, 9, 5, 64) == UINT64_MAX);
    assert_true(bitops_field_read(all_ones, 9, 5, 63) == (UINT64_MAX >> 1));
}

static void test_field_write_matches_model(void **state) {
    (void)state;
    unsigned char data[16], before[16];
    for (int round = 0; round < 20000; round++) {
        random_bytes(data, sizeof(data));
        memcpy(before, data, sizeof(data));
        unsigned bits = 1 + (unsigned)rand() % 64;
        uint64_t offset = (uint64_t)rand() % (sizeof(data) * 8 - bits + 1);
        uint64_t value = random_word();
        bitops_field_write(data, offset, bits, value);
        uint64_t mask = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
        assert_true(model_field(data, sizeof(data), offset, bits) == (value & mask));
        assert_true(bitops_field_read(data, sizeof(data), offset, bits) == (value & mask));
        /* Nothing outside the field changed. */
        for (uint64_t bit = 0; bit < sizeof(data) * 8; bit++)
            if (bit < offset || bit >= offset + bits)
                assert_int_equal(model_bit(data, sizeof(data), bit), model_bit(before, sizeof(before), bit));
    }
}

static void test_unsigned_overflow(void **state) {
    (void)state;
    uint64_t result = 12345;
    assert_int_equal(bitops_field_add_unsigned(250, 5, 8, BITOPS_OVERFLOW_WRAP, &result), 0);
    assert_int_equal(result, 255);
    assert_int_equal(bitops_field_add_unsigned(250, 10, 8, BITOPS_OVERFLOW_WRAP, &result), 1);
    assert_int_equal(result, 4);
    assert_int_equal(bitops_field_add_unsigned(250, 10, 8, BITOPS_OVERFLOW_SAT, &result), 1);
    assert_int_equal(result, 255);
    assert_int_equal(bitops_field_add_unsigned(3, -10, 8, BITOPS_OVERFLOW_SAT, &result), -1);
    assert_int_equal(result, 0);
    assert_int_equal(bitops_field_add_unsigned(3, -10, 8, BITOPS_OVERFLOW_WRAP, &result), -1);
    assert_int_equal(result, 249);
    result = 77;
    assert_int_equal(bitops_field_add_unsigned(3, -10, 8, BITOPS_OVERFLOW_FAIL, &result), -1);
    assert_int_equal(result, 77);
    /* SET u8 -1: the value is the 64-bit pattern of -1, above the maximum,
     * so SAT stores 255 and WRAP its low 8 bits (Redis does both). */
    assert_int_equal(bitops_field_add_unsigned((uint64_t)-1, 0, 8, BITOPS_OVERFLOW_SAT, &result), 1);
    assert_int_equal(result, 255);
    assert_int_equal(bitops_field_add_unsigned((uint64_t)-1, 0, 8, BITOPS_OVERFLOW_WRAP, &result), 1);
    assert_int_equal(result, 255);
    /* u63 extremes. */
    uint64_t max63 = UINT64_MAX >> 1;
    assert_int_equal(bitops_field_add_unsigned(max63, INT64_MAX, 63, BITOPS_OVERFLOW_SAT, &result), 1);
    assert_true(result == max63);
    assert_int_equal(bitops_field_add_unsigned(0, INT64_MIN, 63, BITOPS_OVERFLOW_WRAP, &result), -1);
    assert_true(result == 0);
    assert_int_equal(bitops_field_add_unsigned(1, INT64_MIN, 63, BITOPS_OVERFLOW_WRAP, &result), -1);
    assert_true(result == 1);
}

static void test_signed_overflow(void **state) {
    (void)state;
    int64_t result = 0;
    assert_int_equal(bitops_field_add_signed(120, 7, 8, BITOPS_OVERFLOW_WRAP, &result), 0);
    assert_int_equal(result, 127);
    assert_int_equal(bitops_field_add_signed(120, 8, 8, BITOPS_OVERFLOW_WRAP, &result), 1);
    assert_int_equal(result, -128);
    assert_int_equal(bitops_field_add_signed(120, 8, 8, BITOPS_OVERFLOW_SAT, &result), 1);
    assert_int_equal(result, 127);
    assert_int_equal(bitops_field_add_signed(-120, -9, 8, BITOPS_OVERFLOW_SAT, &result), -1);
    assert_int_equal(result, -128);
    assert_int_equal(bitops_field_add_signed(-120, -9, 8, BITOPS_OVERFLOW_WRAP, &result), -1);
    assert_int_equal(result, 127);
    assert_int_equal(bitops_field_add_signed(0, -1, 1, BITOPS_OVERFLOW_WRAP, &result), 0);
    assert_int_equal(result, -1);
    assert_int_equal(bitops_field_add_signed(0, 1, 1, BITOPS_OVERFLOW_SAT, &result), 1);
    assert_int_equal(result, 0);
    /* i64: exact, and WRAP wraps around the whole word. */
    assert_int_equal(bitops_field_add_signed(INT64_MIN, -1, 64, BITOPS_OVERFLOW_SAT, &result), -1);
    assert_true(result == INT64_MIN);
    assert_int_equal(bitops_field_add_signed(INT64_MIN, -1, 64, BITOPS_OVERFLOW_WRAP, &result), -1);
    assert_true(result == INT64_MAX);
    assert_int_equal(bitops_field_add_signed(INT64_MAX, INT64_MIN, 64, BITOPS_OVERFLOW_FAIL, &result), 0);
    assert_int_equal(result, -1);
    /* SET i8 -200 (SAT) stores -128; SET i8 of a value below
     * -9223372036854775680 saturates to +127, as on redis-server 7.0. */
    assert_int_equal(bitops_field_add_signed(-200, 0, 8, BITOPS_OVERFLOW_SAT, &result), -1);
    assert_int_equal(result, -128);
    assert_int_equal(bitops_field_add_signed(INT64_MIN, 0, 8, BITOPS_OVERFLOW_SAT, &result), 1);
    assert_int_equal(result, 127);
    assert_int_equal(bitops_field_add_signed(-9223372036854775807LL + 126, 0, 8, BITOPS_OVERFLOW_SAT, &result), 1);
    assert_int_equal(result, 127);
    assert_int_equal(bitops_field_add_signed(-9223372036854775807LL + 127, 0, 8, BITOPS_OVERFLOW_SAT, &result), -1);
    assert_int_equal(result, -128);
}

/* WRAP must equal arithmetic modulo 2^bits, for every width. */
static void test_wrap_is_modular(void **state) {
    (void)state;
    for (int round = 0; round < 20000; round++) {
        unsigned bits = 1 + (unsigned)rand() % 64;
        uint64_t mask = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
        int64_t increment = (int64_t)random_word() >> (rand() % 64);
        if (rand() & 1) increment = -increment;
        int64_t signed_result;
        int64_t value = (int64_t)(random_word() & mask);
        if (bits < 64 && (value >> (bits - 1)) & 1) value |= (int64_t)(UINT64_MAX << bits);
        bitops_field_add_signed(value, increment, bits, BITOPS_OVERFLOW_WRAP, &signed_result);
        assert_true(((uint64_t)signed_result & mask) == (((uint64_t)value + (uint64_t)increment) & mask));
        if (bits < 64) {
            uint64_t unsigned_result;
            uint64_t unsigned_value = random_word() & mask;
            bitops_field_add_unsigned(unsigned_value, increment, bits, BITOPS_OVERFLOW_WRAP, &unsigned_result);
            assert_true(unsigned_result == ((unsigned_value + (uint64_t)increment) & mask));
        }
    }
}

int main(void) {
    srand(20260101);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_popcount_known_values),
        cmocka_unit_test(test_count_range_known_values),
        cmocka_unit_test(test_count_range_matches_model),
        cmocka_unit_test(test_find_known_values),
        cmocka_unit_test(test_find_matches_model),
        cmocka_unit_test(test_get_and_set_bit),
        cmocka_unit_test(test_combine_known_values),
        cmocka_unit_test(test_combine_matches_model),
        cmocka_unit_test(test_field_read_known_values),
        cmocka_unit_test(test_field_write_matches_model),
        cmocka_unit_test(test_unsigned_overflow),
        cmocka_unit_test(test_signed_overflow),
        cmocka_unit_test(test_wrap_is_modular),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
