/* table: the memory-lean hash table that holds every key of zkv.
 *
 * Design.  Redis's dict pays, per entry, a 24-byte dictEntry (key pointer,
 * value pointer, next pointer) plus an 8-byte bucket pointer.  This table
 * stores nothing but one 8-byte word per entry, packed into 64-byte buckets
 * (one cache line) of 8 words:
 *
 *   bits  0..47  the entry pointer (user-space addresses fit in 48 bits on
 *                x86-64 and AArch64; insertion asserts it)
 *   bits 48..55  a tag: the top 8 bits of the entry's hash, so a lookup
 *                rejects 255 of 256 non-matching slots without touching the
 *                entry's memory
 *   bit  56      "child": the word points to an overflow bucket, not an entry
 *   bit  57      a flag owned by the user (the keyspace: "has a TTL", which
 *                lets active expiry skip every key without one cheaply)
 *   bit  58      a mark owned by the user, stamped on every inserted word
 *                from the table's insert mark and kept by every move (the
 *                keyspace: "already seen by the running snapshot")
 *
 * A full bucket chains to a child bucket through its last word, whose entry
 * moves into the child.  Every entry of a chain has the same home index, so
 * the table is a chained hash table whose links are per 8 entries instead of
 * per entry: ~8 bytes per entry at load 1, plus the children.  Entries hold
 * their own key (the `entry_key` callback finds it), so there is no separate
 * key allocation either.
 *
 * Sizes are powers of two, which keeps Redis's SCAN guarantee with a
 * reverse-binary cursor.  The table grows (doubling) when it holds as many
 * entries as slots and shrinks when fewer than one slot in eight is used.
 * Resizing is incremental as in Redis: two bucket arrays coexist, and each
 * insert or delete moves one chain (visiting at most ten empty buckets) from
 * the old to the new array; the server's cron moves more for a bounded time.
 * A new array past 256 KB is first zeroed in 32 KB steps by the same calls
 * (calloc would zero reused pages all at once), then installed.
 * Rehashing recomputes each moved entry's hash (a touch of its memory): the
 * price of storing no hash in the slot.
 *
 * Iterators and scans "pause" the table: while paused, nothing moves (no
 * rehash step, no compaction), slots are only filled or cleared, so deleting
 * any entry during an iteration is safe and no entry is returned twice.
 * Trade-off: chains may keep holes until the pause ends.
 */
#ifndef ZKV_TABLE_H
#define ZKV_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TABLE_BUCKET_SLOTS 8

typedef struct table table; /* opaque */

/* One slot word; see the layout above.  A table_slot pointer stays valid
 * until the next insert, delete, rehash step or resize of its table. */
typedef uint64_t table_slot;

#define TABLE_SLOT_POINTER_MASK ((UINT64_C(1) << 48) - 1)
#define TABLE_SLOT_TAG_MASK (UINT64_C(0xff) << 48)
#define TABLE_SLOT_CHILD_BIT (UINT64_C(1) << 56)
#define TABLE_SLOT_FLAG_BIT (UINT64_C(1) << 57)
#define TABLE_SLOT_MARK_BIT (UINT64_C(1) << 58)

typedef struct table_type {
    /* Where the key of an entry is (required). */
    void (*entry_key)(const void *entry, const char **key, size_t *length);
    /* Frees an entry when the whole table is released; NULL leaves entries
     * alone.  May run in the lazy-free thread. */
    void (*entry_free)(void *entry);
    /* Frees a large bucket array left over by a resize; NULL frees it at
     * once.  Unmapping tens of megabytes takes tens of milliseconds, so the
     * keyspace hands these to its lazy-free thread. */
    void (*array_free)(void *array);
    /* May the table grow now, allocating `more_bytes` for the new array,
     * while holding `load` entries per slot?  NULL always allows.  Declined
     * growth is asked again on later inserts; past TABLE_FORCE_GROW_LOAD the
     * table grows anyway (chains would get long). */
    bool (*grow_allowed)(size_t more_bytes, double load);
} table_type;

/* Load (entries per slot) past which growth is never declined. */
#define TABLE_FORCE_GROW_LOAD 1.618

/* Arrays at least this big go to type->array_free. */
#define TABLE_ARRAY_FREE_THRESHOLD (1024 * 1024)

table *table_create(const table_type *type);
/* Frees the table, and its entries if the type has entry_free. */
void table_release(table *t);
/* Sizes an empty table once for `count` entries (load at most one), as a
 * loader that knows the count does (RDB's RESIZEDB): the inserts that follow
 * never grow it, so no incremental rehash touches every entry a second time.
 * A table holding entries, or already big enough, is left as it is (moving
 * entries here would be unbounded work); false then. */
bool table_expand(table *t, size_t count);

size_t table_size(const table *t);
/* Bytes held by bucket arrays and child buckets (not by entries). */
size_t table_memory(const table *t);
/* Number of slots in the main array(s): the "hashtable size". */
size_t table_slot_capacity(const table *t);
/* True from the insert or delete that starts a resize (the new array's
 * zeroing included) until its last entry has moved: table_rehash_steps and
 * table_rehash_for have work to do. */
bool table_is_rehashing(const table *t);

uint64_t table_hash_key(const char *key, size_t length);

/* Lookup.  `hash` is table_hash_key(key, length).  No rehash step is done, so
 * a slot pointer obtained just before stays valid. */
void *table_find(table *t, const char *key, size_t length, uint64_t hash);
table_slot *table_find_slot(table *t, const char *key, size_t length, uint64_t hash);

/* A hint that these hashes are about to be looked up: pulls their buckets,
 * then the entries whose tags match, into the cache, so a batch of lookups
 * waits for memory once instead of twice per key.  Changes nothing. */
void table_prefetch(const table *t, const uint64_t *hashes, size_t count);

/* Only the first half of table_prefetch: asks for the buckets and returns
 * at once, for a caller with other work to do before the lookups. */
void table_prefetch_buckets(const table *t, const uint64_t *hashes, size_t count);

/* Adds an entry whose key is not in the table (the caller checked). */
void table_insert(table *t, void *entry, uint64_t hash, bool flag);

/* Removes the entry with this key and returns it (not freed), or NULL. */
void *table_delete(table *t, const char *key, size_t length, uint64_t hash);

static inline void *table_slot_entry(const table_slot *slot) {
    return (void *)(uintptr_t)(*slot & TABLE_SLOT_POINTER_MASK);
}
static inline bool table_slot_flag(const table_slot *slot) {
    return (*slot & TABLE_SLOT_FLAG_BIT) != 0;
}
/* Replaces the entry of a slot by one with the same key (an entry that was
 * reallocated) and sets the user flag; the mark stays. */
static inline void table_slot_set(table_slot *slot, void *entry, bool flag) {
    *slot = (*slot & (TABLE_SLOT_TAG_MASK | TABLE_SLOT_MARK_BIT)) |
            ((uint64_t)(uintptr_t)entry & TABLE_SLOT_POINTER_MASK) | (flag ? TABLE_SLOT_FLAG_BIT : 0);
}
static inline bool table_slot_mark(const table_slot *slot) {
    return (*slot & TABLE_SLOT_MARK_BIT) != 0;
}
static inline void table_slot_set_mark(table_slot *slot, bool mark) {
    *slot = (*slot & ~TABLE_SLOT_MARK_BIT) | (mark ? TABLE_SLOT_MARK_BIT : 0);
}
/* The mark every later insert stamps (false for a new table). */
void table_set_insert_mark(table *t, bool mark);

/* Moves up to `chains` chains from the old array (visiting at most ten times
 * as many empty buckets).  Returns true while rehashing remains. */
bool table_rehash_steps(table *t, int chains);
/* Rehashes for about `microseconds`; returns the number of chains moved. */
long table_rehash_for(table *t, long long microseconds);
/* Starts a shrink if the table is sparse (deletions check this themselves;
 * the cron calls it for tables that only shrank through expiry). */
void table_shrink_if_needed(table *t);

/* SCAN: calls fn for every entry of the bucket(s) at `cursor` and returns the
 * next cursor (0 when the scan is complete).  Every entry present from the
 * first to the last call is reported at least once, whatever resizes happen
 * between calls.  fn must not modify the table. */
typedef void table_scan_fn(void *privdata, void *entry, bool flag);
unsigned long table_scan(table *t, unsigned long cursor, table_scan_fn *fn, void *privdata);

/* Active defragmentation (server/defrag.c): table_scan's walk, offering fn
 * each entry (child false) and each child bucket (child true) of the
 * visited chains; fn returns the pointer to store instead (itself, or a
 * moved copy: an entry with the same key, a bucket with the same bytes).
 * Nothing else changes; while the table is paused child buckets are not
 * offered (an iterator may be standing in one). */
typedef void *table_defrag_fn(void *privdata, void *pointer, bool child);
unsigned long table_defrag_scan(table *t, unsigned long cursor, table_defrag_fn *fn, void *privdata);

/* A random entry (NULL if empty).  Tries random buckets a bounded number of
 * times, then walks from a random bucket, so it always terminates.  Like
 * lookups, sampling moves nothing: slot pointers stay valid. */
void *table_random_entry(table *t);
/* Up to `count` entries from consecutive buckets starting at a random one,
 * visiting a bounded number of buckets.  Returns how many were stored. */
size_t table_sample(table *t, void **entries, size_t count);

/* Iteration over every entry (pauses the table until finished). */
typedef struct table_iterator {
    table *t;
    int which;          /* 0: main array, 1: the array being rehashed into */
    size_t index;       /* next chain head to visit */
    void *bucket;       /* bucket being walked, NULL between chains */
    int slot;           /* next slot of that bucket */
} table_iterator;

void table_iterator_init(table_iterator *it, table *t);
/* Stores the next entry and its user flag; false at the end. */
bool table_iterator_next(table_iterator *it, void **entry, bool *flag);
/* The next slot holding an entry, or NULL at the end.  The pointer stays
 * valid while the iteration lasts (the table is paused), so its mark may be
 * changed; inserts made meanwhile may or may not be reached. */
table_slot *table_iterator_next_slot(table_iterator *it);
void table_iterator_finish(table_iterator *it);

/* Statistics for tests and INFO: chain buckets in use and rehash progress. */
size_t table_child_buckets(const table *t);

#endif
