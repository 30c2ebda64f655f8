/* elem: the byte encoding of one string inside zkv's packed collections
 * (pack, lhash).
 *
 * Design.  Collections hold many short strings, so each costs one header
 * byte when it is short, and strings that are canonical decimal integers
 * (what Redis's string2ll accepts: no '+', no leading zero, no "-0", fits a
 * long long) are stored as integers of 1..8 bytes, or in the header alone
 * for 0..63.  "007", "-0" and " 1" stay strings, so every element reads back
 * byte for byte as it was written.  Because integer and string forms never
 * overlap, equality is decided on the encoded form without formatting.
 *
 *   header 0x00..0x7f  string of 0..127 bytes; the bytes follow
 *          0x80..0xbf  integer 0..63, nothing follows
 *          0xc1..0xc8  integer in 1..8 little-endian two's-complement bytes
 *          0xd0..0xdf  string of 128 + ((h & 0x0f) << 8 | next byte) bytes
 *                      (128..4223); 2-byte header
 *          0xe0        string; a 4-byte little-endian length follows
 *
 * Other header values are never written; decoding asserts on them.
 * Trade-off: the header is not readable backwards (no Redis-style backlen),
 * so the containers walk forward only; they never need to walk back.
 */
#ifndef ZKV_ELEM_H
#define ZKV_ELEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "number.h"

/* Longest encoding of a string of n bytes: n + ELEM_MAX_HEADER. */
#define ELEM_MAX_HEADER 5
/* Bytes needed to format any long long: "-9223372036854775808" + NUL. */
#define ELEM_INTEGER_BUFFER NUMBER_INTEGER_BUFFER

/* A string prepared for encoding or comparison: parse it once, then encode
 * or compare it against many entries.  Holds `bytes` by reference. */
typedef struct elem_key {
    const char *bytes;
    size_t length;
    long long integer;     /* meaningful when is_integer */
    bool is_integer;
    size_t encoded_size;   /* bytes elem_encode writes */
} elem_key;

/* A decoded element.  `bytes` points into the container (valid until the
 * container is next modified) or is NULL for an integer. */
typedef struct elem_view {
    const char *bytes;
    size_t length;         /* string length (0 for integers) */
    long long integer;     /* meaningful when bytes == NULL */
} elem_view;

void elem_key_init(elem_key *key, const char *bytes, size_t length);
/* Writes key->encoded_size bytes at `out`. */
void elem_encode(unsigned char *out, const elem_key *key);
/* Size of the encoded element at `p`.  Inline for the common short string:
 * containers call it once per entry they skip. */
size_t elem_size_other(const unsigned char *p);
static inline size_t elem_size(const unsigned char *p) {
    return p[0] <= 0x7f ? 1 + (size_t)p[0] : elem_size_other(p);
}
/* Decodes the element at `p` into *view; returns its encoded size. */
size_t elem_decode(const unsigned char *p, elem_view *view);
/* Whether the element at `p` is the string `key`. */
bool elem_equals(const unsigned char *p, const elem_key *key);

/* The element's text: view->bytes, or the integer formatted into `buffer`.
 * Stores the length in *length. */
const char *elem_view_string(const elem_view *view, char buffer[ELEM_INTEGER_BUFFER],
                             size_t *length);


#endif
