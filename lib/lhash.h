/* lhash: big hashes and sets as a linear-hashing table of packed pages.
 *
 * Design.  Redis spends ~55 B per element of a big hash or set: a 24-byte
 * dictEntry (32 on Debian's jemalloc), a bucket pointer and a separate
 * allocation per string.  lhash has no per-element allocation and no
 * per-element pointer.  Elements live in pages, each one zmalloc block:
 *
 *   header   4-byte entry count, 4-byte data size
 *   tags     one byte per entry: the top 8 bits of the entry's hash, so a
 *            lookup compares the bytes of ~1/256 of the non-matching entries
 *   lens     one byte per entry: its size in the data area, or 0 for an
 *            entry stored outside the page (an 8-byte pointer in the data
 *            area to a block with the same bytes) because it is longer
 *            than LHASH_INLINE_MAX
 *   data     the entries back to back: the member (or field) as an elem
 *            (elem.h), then for hashes the value as an elem
 *
 * The tag and len arrays have room for a multiple of 8 entries, so only one
 * insert in 8 shifts the data area (~600 bytes); the spare room costs ~0.2
 * B/element.
 *
 * A 16-byte set member costs 19 bytes in its page, an `f:%08d` field with an
 * 8-byte value 22, an integer member below 2^23 6; pages add their header,
 * a directory pointer and the allocator's size-class slack (~10%).
 *
 * Addressing is linear hashing: with 2^L + s pages, an element whose hash
 * has low L bits b lives in page b when b >= s, and in page (hash mod
 * 2^(L+1)) otherwise.  When the mean load passes LHASH_LOAD entries per page
 * the table grows by exactly one page: page s is split by bit L of its
 * entries' hashes into pages s and s + 2^L.  When it falls below
 * LHASH_LOAD / 2 the last page merges back into its buddy.  Each insert or
 * delete splits or merges at most one page, so no operation costs more than
 * two pages' worth of work (resizing is incremental by construction, with
 * no second table).  Splitting rehashes one page's entries (the hash is not
 * stored: the price of 0 bytes per entry).  The directory is a list of
 * 512-pointer segments (the first one grows by doubling up to 512), so
 * adding a page never copies the directory.
 *
 * Trade-offs.  A lookup searches ~32 tag bytes of one page (memchr), sums
 * the lengths before a matching tag and compares that entry: cache misses
 * on the directory segment, the page's arrays and the entry, as many as
 * Redis's bucket, dictEntry and key.  An insert or delete moves the page's
 * bytes (~600) and reallocates it.  Pages are not aligned to cache lines.
 *
 * SCAN keeps Redis's guarantee with a reverse-binary cursor: a cursor names
 * the page covering its low bits at the current resolution (L or L+1 bits
 * depending on the page), every entry of that page is reported, and the
 * cursor then advances past every hash that page covers.  Splits and merges
 * only refine or coarsen these hash classes, so an element present for the
 * whole scan is reported at least once; some may be reported twice.
 *
 * Pointers and positions.  Views (elem_view) and positions point into pages
 * and stay valid until the next insert, delete or replace on the table.
 * Nothing in lhash keeps state between scan calls, so a table may change
 * freely between them.
 */
#ifndef ZKV_LHASH_H
#define ZKV_LHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elem.h"

/* Target mean entries per page: a page of 16-byte members is ~620 bytes. */
#define LHASH_LOAD 32
/* Longest entry (member, or field and value with their headers) kept in a
 * page; longer ones get their own block. */
#define LHASH_INLINE_MAX 255

typedef struct lhash lhash; /* opaque */

/* The hash of a string: must be a good 64-bit hash (the top byte is the tag,
 * the low bits pick the page), seeded against flooding.  Integer members
 * are hashed as their decimal text, so "12" hashes the same however stored. */
typedef uint64_t lhash_hash_fn(const void *data, size_t length);

/* Where an element is; valid until the table is next modified. */
typedef struct lhash_position {
    size_t page;
    uint32_t index;
} lhash_position;

/* A set (with_values false: members only) or a hash (fields and values). */
lhash *lhash_create(lhash_hash_fn *hash, bool with_values);
/* Frees the table and every element: O(pages + out-of-page entries). */
void lhash_free(lhash *h);
/* A deep copy: O(pages + out-of-page entries). */
lhash *lhash_duplicate(const lhash *h);

size_t lhash_count(const lhash *h);
bool lhash_with_values(const lhash *h);
size_t lhash_page_count(const lhash *h);
/* Bytes held in the allocator by the table: walks every page (O(pages)). */
size_t lhash_memory(const lhash *h);
/* The same estimated from `samples` pages spread over the table (0: every
 * page, exact): O(samples + directory segments), for MEMORY USAGE. */
size_t lhash_memory_sampled(const lhash *h, size_t samples);

/* Whether `key` is present; stores its value in *value when both value is
 * not NULL and the table has values.  The view points into the table. */
bool lhash_find(const lhash *h, const char *key, size_t key_length, elem_view *value);

/* Sets `key` (to `value` in a hash; sets pass NULL, 0).  Returns true if the
 * key was added, false if it existed (a hash's value is then replaced).
 * The bytes are copied; strings that are canonical integers are stored as
 * integers and read back identical.  Invalidates views and positions. */
bool lhash_set(lhash *h, const char *key, size_t key_length, const char *value,
               size_t value_length);

/* Removes `key`; false if it was absent.  Invalidates views and positions. */
bool lhash_delete(lhash *h, const char *key, size_t key_length);

/* A random element's position (false when empty).  Pages are drawn
 * uniformly and accepted with probability count / (3 * LHASH_LOAD), then an
 * entry of the page uniformly, so every element has the same chance unless
 * its page holds more than 3 * LHASH_LOAD entries (never seen with a good
 * hash: the mean is below LHASH_LOAD); those elements are then slightly
 * less likely.  The generator is internal (xorshift, seeded per table). */
bool lhash_random(lhash *h, lhash_position *position);
/* The key and (hashes; may be NULL) value at a position. */
void lhash_get(const lhash *h, const lhash_position *position, elem_view *key, elem_view *value);
/* Removes the element at a position (SPOP).  Invalidates views and
 * positions. */
void lhash_delete_at(lhash *h, const lhash_position *position);

/* SCAN: reports every element of the page at `cursor` (value is NULL for
 * sets) and returns the next cursor, 0 when the scan is complete.  Start
 * with 0; call until 0 comes back, gathering COUNT elements per reply.  fn
 * must not modify the table; the table may change between calls. */
typedef void lhash_scan_fn(void *privdata, const elem_view *key, const elem_view *value);
unsigned long lhash_scan(const lhash *h, unsigned long cursor, lhash_scan_fn *fn, void *privdata);

/* Iteration over every element (HGETALL, SMEMBERS, conversions).  The table
 * must not be modified until the iteration is finished or abandoned. */
typedef struct lhash_iterator {
    const lhash *h;
    size_t page;
    uint32_t index;
    size_t offset;
} lhash_iterator;
void lhash_iterator_init(lhash_iterator *it, const lhash *h);
/* Stores the next element (and, in a hash, its value if `value` is not
 * NULL); false at the end. */
bool lhash_iterator_next(lhash_iterator *it, elem_view *key, elem_view *value);

/* Asserts every invariant (each entry in the page its hash addresses, tags
 * and sizes consistent, counts adding up, load within bounds): O(n), for
 * tests. */
void lhash_check(const lhash *h);

/* Active defragmentation: offers fn each block of page number `cursor`
 * (the page, then its out-of-page blocks) and, at cursor 0, the directory's
 * blocks; fn returns the block to keep in its place (itself, or a moved copy
 * with the same bytes).  Returns the next cursor, 0 after the last page.
 * Pages are taken by number, so a resize between calls may skip or repeat
 * some: defragmentation is best effort.  The lhash struct itself is the
 * caller's to move (it is the value pointer of a key). */
typedef void *lhash_defrag_fn(void *privdata, void *block);
unsigned long lhash_defrag_step(lhash *h, unsigned long cursor, lhash_defrag_fn *fn, void *privdata);

#endif
