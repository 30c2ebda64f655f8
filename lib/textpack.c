/* textpack: alphabet packing of short strings (textpack.h has the design). */
#include "textpack.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "zkv_assert.h"

/* The coded alphabets, each in ascending byte order (codes follow it). */
#define CODED 3 /* DIGITS, LOWER, TEXT; ASCII codes a byte as itself */
static unsigned char codes[CODED + 1][256]; /* byte -> code, 0xff when absent */
static char symbols[CODED + 1][128];        /* code -> byte */
static unsigned char classes[256];         /* bit m-1: the byte is in mode m's alphabet */

static bool in_text(int byte) {
    if (byte < 0x20 || byte > 0x7e) return false;
    if (byte >= 'A' && byte <= 'Z') return false;
    return byte != '\\' && byte != '^' && byte != '`' && byte != '|' && byte != '~';
}

static void add_symbol(int coded, int byte, unsigned *count) {
    codes[coded][byte] = (unsigned char)*count;
    symbols[coded][*count] = (char)byte;
    classes[byte] |= (unsigned char)(1u << coded);
    (*count)++;
}

/* Tables are built before main (no lock needed by the threads that may
 * encode later: they only read). */
__attribute__((constructor)) static void textpack_build_tables(void) {
    static const char *const listed[2] = {" +-./0123456789:", " -./:_abcdefghijklmnopqrstuvwxyz"};
    for (int coded = 0; coded <= CODED; coded++)
        for (int byte = 0; byte < 256; byte++) codes[coded][byte] = 0xff;
    for (int coded = 0; coded < 2; coded++) {
        unsigned count = 0;
        for (const char *s = listed[coded]; *s; s++) add_symbol(coded, (unsigned char)*s, &count);
        zkv_assert(count == (1u << textpack_width((enum textpack_mode)(coded + 1))));
    }
    unsigned count = 0;
    for (int byte = 0; byte < 256; byte++)
        if (in_text(byte)) add_symbol(2, byte, &count);
    zkv_assert(count == 64);
    for (int byte = 0; byte < 0x80; byte++) {
        codes[CODED][byte] = (unsigned char)byte;
        symbols[CODED][byte] = (char)byte;
        classes[byte] |= 1u << 3;
    }
}

enum textpack_mode textpack_mode(const char *bytes, size_t length) {
    if (length < 2 || length > TEXTPACK_MAX) return TEXTPACK_RAW; /* one byte cannot shrink */
    unsigned mask = 0x0f;
    for (size_t i = 0; i < length; i++) mask &= classes[(unsigned char)bytes[i]];
    if (!mask) return TEXTPACK_RAW;
    enum textpack_mode mode = (mask & 1) ? TEXTPACK_DIGITS
                              : (mask & 2) ? TEXTPACK_LOWER
                              : (mask & 4) ? TEXTPACK_TEXT
                                           : TEXTPACK_ASCII;
    return textpack_size(mode, length) < length ? mode : TEXTPACK_RAW;
}

/* Eight characters of w bits are exactly w bytes: both directions work a
 * group at a time in a 64-bit word (big-endian: the first character in the
 * most significant bits), the last group padded with zero bits.  The eight
 * steps of a full group are unrolled (-O2 does not: about a third of the
 * instructions per character). */
static void put_group(uint64_t word, unsigned size, unsigned char *out) {
    for (unsigned b = size; b-- > 0; word >>= 8) out[b] = (unsigned char)word;
}

static uint64_t get_group(const unsigned char *in, unsigned size) {
    uint64_t word = 0;
    for (unsigned b = 0; b < size; b++) word = word << 8 | in[b];
    return word;
}

void textpack_encode(enum textpack_mode mode, const char *bytes, size_t length, unsigned char *out) {
    if (mode == TEXTPACK_RAW) {
        memcpy(out, bytes, length);
        return;
    }
    unsigned width = textpack_width(mode);
    const unsigned char *code = codes[mode - 1];
    const unsigned char *in = (const unsigned char *)bytes, *end = in + length;
    for (; end - in >= 8; in += 8, out += width) {
        uint64_t word = 0;
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++) word = word << width | code[in[i]];
        put_group(word, width, out);
    }
    unsigned rest = (unsigned)(end - in);
    if (rest == 0) return;
    uint64_t word = 0;
    for (unsigned i = 0; i < rest; i++) word = word << width | code[in[i]];
    unsigned size = (rest * width + 7) / 8;
    put_group(word << (size * 8 - rest * width), size, out);
}

void textpack_decode(enum textpack_mode mode, const unsigned char *in, size_t length, char *out) {
    if (mode == TEXTPACK_RAW) {
        memcpy(out, in, length);
        return;
    }
    unsigned width = textpack_width(mode);
    const char *symbol = symbols[mode - 1];
    uint64_t mask = (1u << width) - 1;
    char *end = out + length;
    for (; end - out >= 8; in += width, out += 8) {
        uint64_t word = get_group(in, width);
#pragma GCC unroll 8
        for (int i = 7; i >= 0; i--, word >>= width) out[i] = symbol[word & mask];
    }
    unsigned rest = (unsigned)(end - out);
    if (rest == 0) return;
    unsigned size = (rest * width + 7) / 8;
    uint64_t word = get_group(in, size) >> (size * 8 - rest * width);
    for (unsigned i = rest; i-- > 0; word >>= width) out[i] = symbol[word & mask];
}
