/* zpack: a small sorted set packed in one block (OBJECT ENCODING "listpack").
 *
 * Up to zset-max-listpack-entries members (128 by default) are cheaper
 * scanned than indexed: one block holds a count and the used length (two
 * varints: 2 bytes for up to 127 members and bytes) and the entries in
 * (score, member) order, each
 *
 *   head byte    the member's textpack mode (3 bits) and length (5 bits;
 *                31 means a varint of length - 31 follows)
 *   member       its textpack encoding (lib/textpack.h): a 16-character
 *                lowercase member takes 10 bytes, a numeric id half its
 *                digits, and anything else at most its own bytes
 *   score        8-byte IEEE double
 *
 * so a 16-byte member with any score takes 19 to 25 bytes, and 5 of them
 * fit the 128-byte class together with their key when the set lives in the
 * key's block (server/types/zset).  Redis's listpack stores the score as
 * text (about 18 bytes for a random double) plus two length bytes; a binary
 * score is both smaller and exact without parsing.  Scores stay 8 bytes:
 * random doubles have almost no redundancy a byte-aligned code could take
 * (XOR with the previous score in a sorted set saves the sign and exponent
 * byte, one in eight, and needs a length field to say so).  Integer scores
 * (timestamps, counters) would take 1 to 6 bytes as varints, but need a
 * flag the head byte has no room for unless members of 15 bytes and more
 * pay a second head byte; that trade is left for a later change.
 * A zero score is stored as +0 because Redis's listpack loses the sign of
 * -0 (ZSCORE prints 0) while its skiplist keeps it.
 *
 * Members are coded canonically, so a lookup encodes the wanted member once
 * and compares encoded bytes; reading an entry decodes its member into the
 * caller's zpack_entry, and the ordered insertion decodes only members whose
 * score ties the new one.
 *
 * Every operation is a linear scan, and every insertion or deletion
 * reallocates the block: the block is small by construction, and the
 * allocator's size classes absorb most reallocations.  Functions that change
 * the block return it (it may move); offsets into it are invalidated by any
 * change.  The same bytes can live elsewhere (inside a key's block): the
 * functions that do not change the block take any copy of them.
 */
#ifndef ZKV_ZPACK_H
#define ZKV_ZPACK_H

#include <stdbool.h>
#include <stddef.h>

#include "textpack.h"

typedef struct zpack zpack; /* opaque */

#define ZPACK_NONE ((size_t)-1)

zpack *zpack_create(void);
void zpack_free(zpack *p);
size_t zpack_count(const zpack *p);
/* Bytes of the block (MEMORY USAGE). */
size_t zpack_bytes(const zpack *p);
zpack *zpack_duplicate(const zpack *p);

/* Offsets: zpack_first() is the first entry, zpack_end() is past the last. */
size_t zpack_first(const zpack *p);
size_t zpack_end(const zpack *p);
/* One entry read: the member points into the block (raw) or into `buffer`
 * (decoded); valid until the block changes or the entry is read into again. */
typedef struct zpack_entry {
    const char *member;
    size_t length;
    double score;
    char buffer[TEXTPACK_MAX];
} zpack_entry;
/* Reads the entry at `offset` and returns the offset of the next one. */
size_t zpack_read(const zpack *p, size_t offset, zpack_entry *entry);
/* The same for the score alone (no decoding). */
size_t zpack_read_score(const zpack *p, size_t offset, double *score);

/* The offset of `member` (and its score and rank), or ZPACK_NONE. */
size_t zpack_find(const zpack *p, const char *member, size_t length, double *score, size_t *rank);
/* Inserts a member that is not in the set, in order; returns the block. */
zpack *zpack_insert(zpack *p, const char *member, size_t length, double score);
/* Appends a member known to sort after every other (building from ordered
 * input); returns the block. */
zpack *zpack_append(zpack *p, const char *member, size_t length, double score);
/* Deletes the entry at `offset`; returns the block. */
zpack *zpack_delete(zpack *p, size_t offset);
/* Deletes `count` entries from the one at rank `start`; returns the block. */
zpack *zpack_delete_ranks(zpack *p, size_t start, size_t count);

#endif
