/* textpack: alphabet packing of short strings (textpack.h has the design). */
#include "textpack.h"

#include <stdbool.h>
#include <stdint.h>

#include "zkv_assert.h"

/* The coded alphabets, each in ascending byte order (codes follow it). */
#define CODED 3 /* DIGITS, LOWER, TEXT; ASCII codes a byte as itself */
static const unsigned char widths[TEXTPACK_MODES] = {8, 4, 5, 6, 7};
static unsigned char codes[CODED][256];    /* byte -> code, 0xff when absent */
static char symbols[CODED][64];            /* code -> byte */
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
    for (int coded = 0; coded < CODED; coded++)
        for (int byte = 0; byte < 256; byte++) codes[coded][byte] = 0xff;
    for (int coded = 0; coded < 2; coded++) {
        unsigned count = 0;
        for (const char *s = listed[coded]; *s; s++) add_symbol(coded, (unsigned char)*s, &count);
        zkv_assert(count == (1u << widths[coded + 1]));
    }
    unsigned count = 0;
    for (int byte = 0; byte < 256; byte++)
        if (in_text(byte)) add_symbol(2, byte, &count);
    zkv_assert(count == 64);
    for (int byte = 0; byte < 0x80; byte++) classes[byte] |= 1u << 3;
}

size_t textpack_size(enum textpack_mode mode, size_t length) {
    return (length * widths[mode] + 7) / 8;
}

enum textpack_mode textpack_mode(const char *bytes, size_t length) {
    if (length < 2 || length > TEXTPACK_MAX) return TEXTPACK_RAW; /* one byte cannot shrink */
    unsigned mask = 0x0f;
    for (size_t i = 0; i < length && mask; i++) mask &= classes[(unsigned char)bytes[i]];
    if (!mask) return TEXTPACK_RAW;
    enum textpack_mode mode = (mask & 1) ? TEXTPACK_DIGITS
                              : (mask & 2) ? TEXTPACK_LOWER
                              : (mask & 4) ? TEXTPACK_TEXT
                                           : TEXTPACK_ASCII;
    return textpack_size(mode, length) < length ? mode : TEXTPACK_RAW;
}

void textpack_encode(enum textpack_mode mode, const char *bytes, size_t length, unsigned char *out) {
    unsigned width = widths[mode];
    const unsigned char *code = mode == TEXTPACK_ASCII || mode == TEXTPACK_RAW ? NULL : codes[mode - 1];
    uint32_t bits = 0;
    unsigned held = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char byte = (unsigned char)bytes[i];
        unsigned value = code ? code[byte] : byte;
        zkv_assert(value < (1u << width));
        bits = bits << width | value;
        held += width;
        if (held >= 8) {
            held -= 8;
            *out++ = (unsigned char)(bits >> held);
        }
    }
    if (held) *out = (unsigned char)(bits << (8 - held));
}

void textpack_decode(enum textpack_mode mode, const unsigned char *in, size_t length, char *out) {
    unsigned width = widths[mode];
    const char *symbol = mode == TEXTPACK_ASCII || mode == TEXTPACK_RAW ? NULL : symbols[mode - 1];
    uint32_t bits = 0, mask = (1u << width) - 1;
    unsigned held = 0;
    for (size_t i = 0; i < length; i++) {
        if (held < width) {
            bits = bits << 8 | *in++;
            held += 8;
        }
        held -= width;
        unsigned value = (bits >> held) & mask;
        out[i] = symbol ? symbol[value] : (char)value;
    }
}
