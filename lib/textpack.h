/* textpack: short strings in fewer bits when their bytes come from a small
 * alphabet (the members of small sorted sets, lib/zpack).
 *
 * Why alphabets.  The members of small sorted sets are short identifiers:
 * numeric ids, dates and times, words and slugs, namespaced names
 * ("user:ann"), UUIDs, hex digests, e-mail addresses.  Their bytes come from
 * a few character classes, so a fixed code for each class takes fewer bits
 * than a byte per character without any model to train or store: a model
 * (Huffman table, FSST symbols) would cost more than it saves in a set of 5
 * members, and a per-set alphabet costs its own description (a bitmap of 9+
 * bytes for the 28 letters of a lowercase set).  The alphabets nest from
 * narrow to wide, and a string takes the narrowest that holds all its bytes:
 *
 *   DIGITS  4 bits  0-9 space + - . / :          numbers, ids, dates, times, IPs, phones
 *   LOWER   5 bits  a-z space - . / : _          words, slugs, namespaced names
 *   TEXT    6 bits  a-z 0-9 and 28 punctuation   lowercase identifiers, UUIDs, hex,
 *                   marks (all printable ASCII    e-mails, URLs, paths
 *                   but A-Z \ ^ ` | ~)
 *   ASCII   7 bits  bytes below 0x80              mixed-case text (Dragonfly's packing)
 *   RAW     8 bits  anything else, or when no alphabet saves a byte
 *
 * so a 16-character lowercase member takes 10 bytes, a UUID 27 instead of
 * 36, a 10-digit id 5.  Strings longer than TEXTPACK_MAX stay raw: decoding
 * then needs only a bounded buffer, and at those lengths the members leave
 * the packed encoding by zset-max-listpack-value anyway (64 by default).
 *
 * The choice is canonical (a function of the bytes alone), so two strings
 * are equal exactly when their modes, lengths and encoded bytes are: a
 * lookup encodes the wanted string once and compares encoded forms.  Codes
 * follow byte order within an alphabet and padding bits are zero, but
 * ordering across modes needs decoding (the packed set does it only for
 * equal scores).  Bits are packed most significant first.
 */
#ifndef ZKV_TEXTPACK_H
#define ZKV_TEXTPACK_H

#include <stddef.h>

enum textpack_mode { TEXTPACK_RAW = 0, TEXTPACK_DIGITS, TEXTPACK_LOWER, TEXTPACK_TEXT, TEXTPACK_ASCII };
#define TEXTPACK_MODES 5
#define TEXTPACK_MAX 64

/* The canonical mode of `length` bytes: the narrowest alphabet holding all
 * of them when its encoding is shorter than the bytes, else TEXTPACK_RAW. */
enum textpack_mode textpack_mode(const char *bytes, size_t length);
/* Bits per character of a mode (4, 5, 6, 7; 8 for RAW), and the bytes the
 * encoding of `length` characters takes (inline: scans of packed sets size
 * every entry with it). */
static inline unsigned textpack_width(enum textpack_mode mode) { return mode == TEXTPACK_RAW ? 8 : (unsigned)mode + 3; }
static inline size_t textpack_size(enum textpack_mode mode, size_t length) {
    return (length * textpack_width(mode) + 7) / 8;
}
/* Encodes (textpack_size bytes written; every byte must be in the mode's
 * alphabet: textpack_mode chose it) and decodes `length` characters. */
void textpack_encode(enum textpack_mode mode, const char *bytes, size_t length, unsigned char *out);
void textpack_decode(enum textpack_mode mode, const unsigned char *in, size_t length, char *out);

#endif
