/* elem: one-byte-header strings and compact integers.  See elem.h. */
#include "elem.h"

#include <limits.h>
#include <string.h>

#include "number.h"
#include "zkv_assert.h"

#define ELEM_SHORT_STRING_MAX 127
#define ELEM_IMMEDIATE_BASE 0x80
#define ELEM_IMMEDIATE_MAX 63
#define ELEM_INTEGER_BASE 0xc0 /* + byte count 1..8 */
#define ELEM_MEDIUM_BASE 0xd0
#define ELEM_MEDIUM_MIN 128
#define ELEM_MEDIUM_MAX (ELEM_MEDIUM_MIN + 0xfff)
#define ELEM_LONG 0xe0

/* Bytes of the smallest two's-complement form holding `value`. */
static size_t elem_integer_width(long long value) {
    size_t width = 1;
    while (width < 8) {
        long long bound = 1LL << (8 * width - 1);
        if (value >= -bound && value < bound) break;
        width++;
    }
    return width;
}

static size_t elem_string_header(size_t length) {
    if (length <= ELEM_SHORT_STRING_MAX) return 1;
    return length <= ELEM_MEDIUM_MAX ? 2 : 5;
}

void elem_key_init(elem_key *key, const char *bytes, size_t length) {
    zkv_assert(length <= UINT32_MAX);
    key->bytes = bytes;
    key->length = length;
    key->is_integer = number_parse_integer(bytes, length, &key->integer);
    if (!key->is_integer)
        key->encoded_size = elem_string_header(length) + length;
    else if (key->integer >= 0 && key->integer <= ELEM_IMMEDIATE_MAX)
        key->encoded_size = 1;
    else
        key->encoded_size = 1 + elem_integer_width(key->integer);
}

static void elem_encode_integer(unsigned char *out, long long value) {
    if (value >= 0 && value <= ELEM_IMMEDIATE_MAX) {
        out[0] = (unsigned char)(ELEM_IMMEDIATE_BASE + value);
        return;
    }
    size_t width = elem_integer_width(value);
    uint64_t bits = (uint64_t)value;
    out[0] = (unsigned char)(ELEM_INTEGER_BASE + width);
    for (size_t i = 0; i < width; i++) out[1 + i] = (unsigned char)(bits >> (8 * i));
}

void elem_encode(unsigned char *out, const elem_key *key) {
    if (key->is_integer) {
        elem_encode_integer(out, key->integer);
        return;
    }
    size_t length = key->length;
    size_t header = elem_string_header(length);
    if (header == 1) {
        out[0] = (unsigned char)length;
    } else if (header == 2) {
        size_t biased = length - ELEM_MEDIUM_MIN;
        out[0] = (unsigned char)(ELEM_MEDIUM_BASE | biased >> 8);
        out[1] = (unsigned char)biased;
    } else {
        out[0] = ELEM_LONG;
        for (int i = 0; i < 4; i++) out[1 + i] = (unsigned char)(length >> (8 * i));
    }
    if (length > 0) memcpy(out + header, key->bytes, length);
}

/* Decodes the string header at `p`: the string length, and the header size
 * in *header.  Returns false for an integer header. */
static bool elem_string_length(const unsigned char *p, size_t *length, size_t *header) {
    unsigned h = p[0];
    if (h <= ELEM_SHORT_STRING_MAX) {
        *length = h;
        *header = 1;
        return true;
    }
    if (h >= ELEM_MEDIUM_BASE && h < ELEM_LONG) {
        *length = ELEM_MEDIUM_MIN + ((size_t)(h & 0x0f) << 8 | p[1]);
        *header = 2;
        return true;
    }
    if (h == ELEM_LONG) {
        *length = (size_t)p[1] | (size_t)p[2] << 8 | (size_t)p[3] << 16 | (size_t)p[4] << 24;
        *header = 5;
        return true;
    }
    return false;
}

/* The integer at `p` (an integer header) and its encoded size in *size. */
static long long elem_read_integer(const unsigned char *p, size_t *size) {
    unsigned h = p[0];
    if (h < ELEM_INTEGER_BASE) {
        zkv_assert(h >= ELEM_IMMEDIATE_BASE);
        *size = 1;
        return (long long)(h - ELEM_IMMEDIATE_BASE);
    }
    size_t width = h - ELEM_INTEGER_BASE;
    zkv_assert(width >= 1 && width <= 8);
    uint64_t bits = 0;
    for (size_t i = 0; i < width; i++) bits |= (uint64_t)p[1 + i] << (8 * i);
    /* Sign-extend from the top bit of the stored width. */
    unsigned shift = (unsigned)(64 - 8 * width);
    *size = 1 + width;
    return (long long)(bits << shift) >> shift;
}

size_t elem_size_other(const unsigned char *p) {
    size_t length, header;
    if (elem_string_length(p, &length, &header)) return header + length;
    if (p[0] < ELEM_INTEGER_BASE) return 1;
    return 1 + (size_t)(p[0] - ELEM_INTEGER_BASE);
}

size_t elem_decode(const unsigned char *p, elem_view *view) {
    size_t length, header;
    if (elem_string_length(p, &length, &header)) {
        view->bytes = (const char *)p + header;
        view->length = length;
        view->integer = 0;
        return header + length;
    }
    size_t size;
    view->bytes = NULL;
    view->length = 0;
    view->integer = elem_read_integer(p, &size);
    return size;
}

bool elem_equals(const unsigned char *p, const elem_key *key) {
    size_t length, header;
    if (elem_string_length(p, &length, &header))
        return !key->is_integer && length == key->length &&
               (length == 0 || memcmp(p + header, key->bytes, length) == 0);
    size_t size;
    return key->is_integer && elem_read_integer(p, &size) == key->integer;
}

const char *elem_view_string(const elem_view *view, char buffer[ELEM_INTEGER_BUFFER],
                             size_t *length) {
    if (view->bytes != NULL) {
        *length = view->length;
        return view->bytes;
    }
    *length = number_format_integer(view->integer, buffer);
    return buffer;
}
