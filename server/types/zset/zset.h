/* zset: the sorted-set type API: its two encodings behind one interface.
 *
 * A sorted set is either
 *   - packed (lib/zpack.h, OBJECT ENCODING "listpack"): up to
 *     zset-max-listpack-entries members of at most zset-max-listpack-value
 *     bytes, in one block, scanned linearly; or
 *   - big ("skiplist"): every member once in a zentry allocation, ordered by
 *     a counted B+tree (lib/zbtree.h: rank and ranges in O(log n)) and
 *     indexed by a lib/table.h hash table keyed by the member (ZSCORE in
 *     O(1)); both hold the same pointers, so a member costs its entry plus
 *     ~10 bytes in the tree and ~10 in the table.
 *
 * Conversion follows Redis 7.0: a new set starts packed unless the limits
 * forbid it for its first member or announced size; adding past a limit
 * converts to big; nothing converts back except the destination of a store
 * command (zset_shrink_if_fits), as Redis's zsetConvertToListpackIfNeeded.
 *
 * A packed set lives inside its key's block (object_create_packed): for 5
 * members of 16 bytes the key and the set are one allocation of the 128-byte
 * class, where a pack behind a pointer cost 32 + 128 (the member coding of
 * lib/zpack.h brings the set under the class).  Big sets stay behind the
 * pointer.
 *
 * A `zset` is a handle (value pointer and encoding) kept on the stack:
 * zset_of() reads it from a key (a view into the key's block for a packed
 * set), zset_open() opens it for writing: the first change copies a packed
 * set out of the block (lib/zpack reallocates what it changes), and
 * zset_store() writes a changed handle back and puts the key's possibly
 * moved or rebuilt block in the database.  A change thus costs one
 * allocation and the set's bytes moved twice (~100 for a small set), the
 * price of keeping lib/zpack ignorant of keys; a write that changes nothing
 * (ZADD NX of a present member, ZREM of an absent one) copies nothing.
 * Iterators, member pointers and offsets are invalidated by any change.
 */
#ifndef ZKV_ZSET_H
#define ZKV_ZSET_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "object.h"
#include "zbtree.h"
#include "zpack.h"

typedef struct zset {
    enum object_encoding encoding; /* OBJECT_ENCODING_LISTPACK or _SKIPLIST */
    void *value;                   /* zpack * or struct zset_big * */
    bool view;                     /* packed bytes in a key's block, copied at the first change */
} zset;

/* The encoding limits (zset-max-listpack-entries / -value). */
typedef struct zset_limits {
    long long max_entries;
    long long max_value;
} zset_limits;
extern zset_limits zset_config;

/* A new empty set for `size_hint` members whose longest is
 * `longest_member` bytes (Redis's choice of encoding on creation). */
zset zset_create(size_t size_hint, size_t longest_member);
void zset_release(zset *z);
zset zset_duplicate(const zset *z);
/* A read-only view of a key's set: valid until the key changes. */
zset zset_of(const object *o);
/* The key's set for writing (a view until the first change); every
 * zset_open is followed by zset_store. */
zset zset_open(const object *o);
/* Stores the changed handle back into the key: *o becomes the key's block
 * (moved or rebuilt, and updated in `d` quietly: the caller signals the
 * change) and *z a view of it. */
void zset_store(db *d, object **o, zset *z);
/* A new key holding *z (packed sets are copied into the block and their
 * block freed; big sets are owned by the key). */
object *zset_create_object(const char *key, size_t key_length, zset *z, long long expire_ms);
/* The pointer a key stores for a big set (tagged), and back; back also
 * from what object_value gives for a packed set (its key's block). */
void *zset_to_pointer(const zset *z);
zset zset_from_pointer(void *pointer);

size_t zset_length(const zset *z);
bool zset_score(const zset *z, const char *member, size_t length, double *score);
/* 0-based rank counted from the lowest (or, `reverse`, the highest), -1
 * when the member is absent; *score gets its score. */
long long zset_rank(const zset *z, const char *member, size_t length, bool reverse, double *score);

/* zset_add flags: what ZADD asked (IN) and what happened (OUT). */
enum zset_add_flag {
    ZSET_ADD_INCR = 1 << 0,
    ZSET_ADD_NX = 1 << 1,
    ZSET_ADD_XX = 1 << 2,
    ZSET_ADD_GT = 1 << 3,
    ZSET_ADD_LT = 1 << 4,
    ZSET_ADD_OUT_NAN = 1 << 8,     /* INCR produced NaN: nothing changed */
    ZSET_ADD_OUT_ADDED = 1 << 9,
    ZSET_ADD_OUT_UPDATED = 1 << 10,
    ZSET_ADD_OUT_NOP = 1 << 11
};
/* Redis's zsetAdd: adds or updates `member` under the IN flags of *flags and
 * sets its OUT flags; *new_score gets the resulting score when something was
 * (or with INCR, would have been) written.  Returns false only for NaN. */
bool zset_add(zset *z, const char *member, size_t length, double score, int *flags, double *new_score);
bool zset_remove(zset *z, const char *member, size_t length);
/* Removes `count` members starting at (ascending) rank `start`. */
void zset_delete_ranks(zset *z, size_t start, size_t count);

/* Ranks that bound score and lex ranges: members with score < score (<=
 * when `or_equal`), and members < member by bytes alone (<= when
 * `or_equal`), as Redis's range searches count them. */
size_t zset_count_score_below(const zset *z, double score, bool or_equal);
size_t zset_count_member_below(const zset *z, const char *member, size_t length, bool or_equal);

/* Iteration by rank, ascending from `start`, or descending from the member
 * at ascending rank `start` when `reverse`.  A member given by next stays
 * valid until the next call on the same iterator (a packed member is decoded
 * into the iterator). */
typedef struct zset_iterator {
    const zset *z;
    bool reverse;
    bool started;
    size_t offset;          /* packed, forward */
    size_t *offsets;        /* packed, reverse: offsets of ranks 0..start */
    size_t position;
    zpack_entry entry;      /* packed: the member last read, decoded */
    zbtree_cursor cursor;   /* big */
} zset_iterator;
void zset_iterator_init(zset_iterator *it, const zset *z, size_t start, bool reverse);
bool zset_iterator_next(zset_iterator *it, const char **member, size_t *length, double *score);
void zset_iterator_finish(zset_iterator *it);

/* Converts a big set to packed when it fits the limits (store commands). */
void zset_shrink_if_fits(zset *z);

/* A random member (the set must not be empty), read into *out. */
void zset_random_member(const zset *z, zpack_entry *out);
/* SCAN: calls fn for the members of the buckets at `cursor` (the whole set
 * when packed, returning 0) and returns the next cursor. */
typedef void zset_scan_fn(void *context, const char *member, size_t length, double score);
unsigned long zset_scan(const zset *z, unsigned long cursor, zset_scan_fn *fn, void *context);

/* Active defragmentation of the value behind a key's pointer (a big set;
 * a packed one moves with its key's block): a big set moves its header and up to
 * ZSET_DEFRAG_ENTRIES members per visit, from where the last visit of the
 * same set stopped (its tree nodes and index buckets stay).  Returns the
 * (possibly new) pointer. */
#define ZSET_DEFRAG_ENTRIES 256
void *zset_defrag_pointer(void *pointer);

/* Bytes held by the value (MEMORY USAGE), and the lazy-free effort. */
size_t zset_memory(const zset *z);
size_t zset_free_effort(const zset *z);

/* RDB and DUMP (zset_rdb.c; the contract is persist/rdb_format.h's). */
struct rdb_writer;
struct rdb_reader;
int zset_rdb_type(const object *o);
int zset_rdb_save(const object *o, struct rdb_writer *w);
object *zset_rdb_load(struct rdb_reader *r, int rdb_type, const char *key, size_t key_length,
                      long long expire_ms, const char **error);

#endif
