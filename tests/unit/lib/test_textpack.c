/* Unit tests for lib/textpack against a reference written apart from it:
 * the alphabets spelled out as sets of bytes, the canonical mode (the
 * narrowest alphabet holding every byte, when it saves a byte), the encoded
 * size, round trips of random strings of every alphabet, of any bytes, and
 * of the boundary lengths (0, 1, 2, TEXTPACK_MAX and past it), zero padding,
 * and that equal encodings mean equal strings (what lookups rely on). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib_test_support.h"
#include "textpack.h"

static bool in_reference(enum textpack_mode mode, unsigned char byte) {
    switch (mode) {
    case TEXTPACK_DIGITS: return strchr("0123456789 +-./:", byte) != NULL && byte != 0;
    case TEXTPACK_LOWER: return strchr("abcdefghijklmnopqrstuvwxyz -./:_", byte) != NULL && byte != 0;
    case TEXTPACK_TEXT:
        return byte >= 0x20 && byte <= 0x7e && !(byte >= 'A' && byte <= 'Z') && strchr("\\^`|~", byte) == NULL;
    case TEXTPACK_ASCII: return byte < 0x80;
    default: return true;
    }
}

static enum textpack_mode reference_mode(const char *s, size_t n) {
    static const enum textpack_mode order[] = {TEXTPACK_DIGITS, TEXTPACK_LOWER, TEXTPACK_TEXT, TEXTPACK_ASCII};
    static const size_t widths[] = {4, 5, 6, 7};
    if (n > TEXTPACK_MAX) return TEXTPACK_RAW;
    for (int m = 0; m < 4; m++) {
        bool all = true;
        for (size_t i = 0; i < n && all; i++) all = in_reference(order[m], (unsigned char)s[i]);
        if (all) return (n * widths[m] + 7) / 8 < n ? order[m] : TEXTPACK_RAW;
    }
    return TEXTPACK_RAW;
}

static void round_trip(const char *s, size_t n) {
    enum textpack_mode mode = textpack_mode(s, n);
    assert_int_equal(mode, reference_mode(s, n));
    if (mode == TEXTPACK_RAW) return;
    unsigned char coded[TEXTPACK_MAX + 1];
    memset(coded, 0xaa, sizeof coded);
    size_t size = textpack_size(mode, n);
    assert_true(size < n);
    textpack_encode(mode, s, n, coded);
    assert_int_equal(coded[size], 0xaa); /* nothing written past the size */
    char back[TEXTPACK_MAX];
    textpack_decode(mode, coded, n, back);
    assert_memory_equal(back, s, n);
    /* the padding bits are zero: re-encoding what was decoded is identical */
    unsigned char again[TEXTPACK_MAX];
    textpack_encode(mode, back, n, again);
    assert_memory_equal(again, coded, size);
}

static void test_alphabets(void **state) {
    (void)state;
    for (int byte = 0; byte < 256; byte++) {
        char s[8];
        memset(s, byte, sizeof s);
        round_trip(s, sizeof s);
    }
    assert_int_equal(textpack_mode("2024-01-31 12:30", 16), TEXTPACK_DIGITS);
    assert_int_equal(textpack_size(TEXTPACK_DIGITS, 16), 8);
    assert_int_equal(textpack_mode("m:abcdefghijklmn", 16), TEXTPACK_LOWER);
    assert_int_equal(textpack_size(TEXTPACK_LOWER, 16), 10);
    assert_int_equal(textpack_mode("550e8400-e29b-41d4-a716-446655440000", 36), TEXTPACK_TEXT);
    assert_int_equal(textpack_size(TEXTPACK_TEXT, 36), 27);
    assert_int_equal(textpack_mode("John Smith", 10), TEXTPACK_ASCII);
    assert_int_equal(textpack_mode("caf\xc3\xa9", 5), TEXTPACK_RAW);
    assert_int_equal(textpack_mode("a", 1), TEXTPACK_RAW);     /* nothing to save */
    assert_int_equal(textpack_mode("", 0), TEXTPACK_RAW);
    assert_int_equal(textpack_mode("Ab", 2), TEXTPACK_RAW);    /* 14 bits: still 2 bytes */
    assert_int_equal(textpack_mode("12", 2), TEXTPACK_DIGITS); /* 1 byte */
}

static void test_random_strings(void **state) {
    (void)state;
    static const char *const pools[] = {"0123456789 +-./:", "abcdefghijklmnopqrstuvwxyz -./:_",
                                        "az09!\"#$%&'()*+,-./:;<=>?@[]_{} ", "AZaz09\\^`|~\x01\x7f"};
    uint64_t rng = 7;
    for (int round = 0; round < 200000; round++) {
        char s[TEXTPACK_MAX + 8];
        uint64_t kind = test_random(&rng) % 5;
        size_t n = (size_t)(test_random(&rng) % (TEXTPACK_MAX + 4));
        for (size_t i = 0; i < n; i++)
            s[i] = kind == 4 ? (char)test_random(&rng)
                             : pools[kind][test_random(&rng) % strlen(pools[kind])];
        round_trip(s, n);
    }
}

/* Two different strings never share mode, length and encoding. */
static void test_distinct_encodings(void **state) {
    (void)state;
    uint64_t rng = 11;
    for (int round = 0; round < 200000; round++) {
        char a[12], b[12];
        size_t n = 2 + (size_t)(test_random(&rng) % 10);
        for (size_t i = 0; i < n; i++) a[i] = "ab:1"[test_random(&rng) % 4];
        memcpy(b, a, n);
        b[test_random(&rng) % n] = "ab:1"[test_random(&rng) % 4];
        enum textpack_mode ma = textpack_mode(a, n), mb = textpack_mode(b, n);
        if (ma != mb || ma == TEXTPACK_RAW) continue;
        unsigned char ca[12], cb[12];
        textpack_encode(ma, a, n, ca);
        textpack_encode(mb, b, n, cb);
        assert_int_equal(memcmp(a, b, n) == 0, memcmp(ca, cb, textpack_size(ma, n)) == 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alphabets),
        cmocka_unit_test(test_random_strings),
        cmocka_unit_test(test_distinct_encodings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
