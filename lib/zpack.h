/* zpack: a small sorted set packed in one block (OBJECT ENCODING "listpack").
 *
 * Up to zset-max-listpack-entries members (128 by default) are cheaper
 * scanned than indexed: one allocation holds a count and the used length
 * (two varints: 2 bytes for up to 127 members and bytes) and the entries in
 * (score, member) order, each
 *
 *   varint member length | member bytes | score (8-byte IEEE double)
 *
 * so a 16-byte member with any score takes 25 bytes.  Redis's listpack
 * stores the score as text (about 18 bytes for a random double) plus two
 * length bytes; a binary score is both smaller and exact without parsing.
 * A zero score is stored as +0 because Redis's listpack loses the sign of
 * -0 (ZSCORE prints 0) while its skiplist keeps it.
 *
 * Every operation is a linear scan, and every insertion or deletion
 * reallocates the block: the block is small by construction, and the
 * allocator's size classes absorb most reallocations.  Functions that change
 * the block return it (it may move); offsets into it are invalidated by any
 * change.
 */
#ifndef ZKV_ZPACK_H
#define ZKV_ZPACK_H

#include <stdbool.h>
#include <stddef.h>

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
/* Reads the entry at `offset` and returns the offset of the next one. */
size_t zpack_read(const zpack *p, size_t offset, const char **member, size_t *length, double *score);

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
