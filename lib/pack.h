/* pack: a small hash or set as one contiguous block of packed elements.
 *
 * Design.  Small collections are the common case (most hashes and sets hold
 * a handful of elements), and there a pointer per element is pure loss.  A
 * pack is one zmalloc block:
 *
 *   header     two varints (7 bits a byte): the bytes of the entries, then
 *              their number; 2 bytes while a pack holds less than 128 bytes
 *              and 128 entries, 3 or 4 bytes for the usual sizes
 *   entries    each an elem (elem.h): one header byte for a short string,
 *              integers in 1..9 bytes
 *
 * A set stores one entry per member; a hash stores field, value, field,
 * value... in insertion order (HSET of an existing field replaces the value
 * in place, as Redis's listpack does, so HGETALL's order matches Redis's).
 * An 18-byte field+value pair costs 20 bytes.
 *
 * Trade-offs.  Lookup, insert-in-place and delete are linear in the block,
 * like Redis's listpack: callers keep packs small (Redis's limits: 512
 * entries, 64-byte elements) and convert to lhash past them.  Entries
 * have no random access; pack_offsets gives an index in one pass when many
 * positions are needed (HRANDFIELD/SRANDMEMBER with a count).  The varint
 * header saves 3-4 bytes per pack over fixed fields, which moves a 5-field
 * hash (66 -> 62 bytes) from jemalloc's 80-byte class to the 64-byte one;
 * the price is an O(n) move of the entries when a varint grows a byte.
 * The block carries its own length so it can later be embedded in another
 * allocation (a key's own block) and moved with memcpy.
 *
 * Offsets.  Positions are byte offsets into the block, valid until the next
 * call that returns a new pack pointer.  Offset 0 (inside the header) means
 * "none".
 */
#ifndef ZKV_PACK_H
#define ZKV_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elem.h"

typedef struct pack pack; /* opaque: a byte layout, see above */

/* Bytes of an empty pack (its header). */
#define PACK_EMPTY_SIZE 2

/* An empty pack. */
pack *pack_create(void);
void pack_free(pack *p);
/* A copy in a new block (COPY, SUNIONSTORE of one set...). */
pack *pack_duplicate(const pack *p);

/* Number of entries: members of a set, or twice the fields of a hash. */
size_t pack_count(const pack *p);
/* Bytes of the block's content (what memcpy would move). */
size_t pack_bytes(const pack *p);
/* Bytes the block consumes in the allocator (MEMORY USAGE). */
size_t pack_memory(const pack *p);

/* Offset of the first entry, or 0 when empty. */
size_t pack_first(const pack *p);
/* Offset of the entry after the one at `offset`, or 0 after the last. */
size_t pack_next(const pack *p, size_t offset);
/* Offset of the entry at position `index` (< pack_count), walking from the
 * start: O(index). */
size_t pack_index(const pack *p, size_t index);
/* Stores the offset of every entry in offsets[0 .. pack_count-1]. */
void pack_offsets(const pack *p, uint32_t *offsets);
/* Decodes the entry at `offset`; the view points into the block. */
void pack_get(const pack *p, size_t offset, elem_view *view);

/* Offset of the first entry at a position that is a multiple of `stride`
 * (1 for sets, 2 to look at hash fields only) equal to `key`, or 0. */
size_t pack_find(const pack *p, const elem_key *key, unsigned stride);

/* Appends `key` as a new last entry.  The caller checked for duplicates.
 * Returns the block, possibly moved.  Like every call that returns a pack,
 * it invalidates earlier pointers and offsets into it (the header may grow
 * by a byte). */
pack *pack_append(pack *p, const elem_key *key);
/* Replaces the entry at `offset` by `key` (HSET overwrite, HINCRBY).
 * Returns the block, possibly moved; earlier offsets are invalid. */
pack *pack_replace(pack *p, size_t offset, const elem_key *key);
/* Removes `entries` consecutive entries starting at `offset` (2 removes a
 * hash pair).  Returns the block, possibly moved; earlier offsets are
 * invalid. */
pack *pack_delete(pack *p, size_t offset, size_t entries);

#endif
