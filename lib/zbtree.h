/* zbtree: the order of a big sorted set, a counted B+tree of member entries.
 *
 * Redis keeps a big sorted set as a skiplist (a 40-80 byte node per member,
 * plus the member's own sds) next to a dict (a 32-byte dictEntry per
 * member): about 100 bytes of overhead per member.  zkv keeps each member
 * once, in a `zentry` allocation (score, length, bytes: 25 bytes for a
 * 16-byte member), and indexes it twice by pointer: in this tree, which
 * gives the (score, member) order, and in a lib/table.h hash table (owned by
 * the zset type) for ZSCORE in O(1).
 *
 * The tree.  Leaves are 512-byte arrays of up to ZBTREE_LEAF_CAPACITY entry
 * pointers in order; inner nodes hold up to ZBTREE_INNER_CAPACITY children,
 * each with the number of entries below it (so rank and select are
 * O(log n)) and a pointer to its first entry (the separator, read through
 * the pointer: the entry itself is the key).  A full leaf first hands an
 * entry to a sibling with room, and only splits when both are full, so
 * random inserts leave leaves ~80% full instead of the ~69% of plain
 * splitting (about 10 bytes per member for the tree).  A leaf that falls
 * under a quarter merges with a sibling when the two fit in 7/8 of a leaf,
 * which keeps pop-from-one-end workloads from thrashing.
 *
 * Order is Redis's: by score, then by member bytes (memcmp, shorter first on
 * a common prefix).  Entries are owned by the caller (the zset type frees
 * them); the tree never allocates or frees an entry.
 *
 * Cursors hold the path from the root; any insert or delete invalidates
 * every cursor of the tree.
 */
#ifndef ZKV_ZBTREE_H
#define ZKV_ZBTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- Entries: [double score][varint length][member bytes] ---- */
typedef struct zentry zentry; /* opaque bytes */

/* A new entry (zmalloc'd, released with zentry_free). */
zentry *zentry_create(const char *member, size_t length, double score);
void zentry_free(zentry *e);
static inline double zentry_score(const zentry *e) {
    double score;
    memcpy(&score, e, sizeof(score));
    return score;
}
/* Changes the score in place: only while the entry is out of the tree. */
static inline void zentry_set_score(zentry *e, double score) {
    memcpy(e, &score, sizeof(score));
}
const char *zentry_member(const zentry *e, size_t *length);
/* Bytes asked of the allocator for the entry. */
size_t zentry_size(const zentry *e);

/* Redis's member order (sdscmp): memcmp, then the shorter first. */
int zbtree_compare_members(const char *a, size_t a_length, const char *b, size_t b_length);

/* ---- The tree ---- */
#define ZBTREE_LEAF_CAPACITY 63
#define ZBTREE_INNER_CAPACITY 21
#define ZBTREE_MAX_DEPTH 16

typedef struct zbtree zbtree; /* opaque */

zbtree *zbtree_create(void);
/* Frees the nodes, and every entry with `free_entry` unless it is NULL. */
void zbtree_release(zbtree *t, void (*free_entry)(zentry *));
size_t zbtree_size(const zbtree *t);
/* Bytes held by nodes (not entries). */
size_t zbtree_memory(const zbtree *t);
/* Number of nodes (the lazy-free effort). */
size_t zbtree_node_count(const zbtree *t);

/* Inserts an entry whose (score, member) is not in the tree. */
void zbtree_insert(zbtree *t, zentry *e);
/* Appends an entry greater than every entry of the tree, filling leaves
 * completely (building from sorted input). */
void zbtree_append(zbtree *t, zentry *e);
/* Removes this entry (by identity: it must be in the tree). */
void zbtree_delete(zbtree *t, const zentry *e);
/* 0-based rank of an entry of the tree. */
size_t zbtree_rank(const zbtree *t, const zentry *e);
/* The entry at a rank < size. */
zentry *zbtree_at(const zbtree *t, size_t rank);

/* Number of entries whose score is < `score` (<= when `or_equal`): the
 * rank where a score range starts or ends. */
size_t zbtree_count_score_below(const zbtree *t, double score, bool or_equal);
/* Entries whose member is < member (<= when `or_equal`), descending by
 * member only, as Redis's lex ranges do (meaningful when all scores are
 * equal, deterministic otherwise). */
size_t zbtree_count_member_below(const zbtree *t, const char *member, size_t length, bool or_equal);

/* In-order cursor. */
typedef struct zbtree_cursor {
    const zbtree *t;
    int depth;                            /* levels on the path, 0 = empty */
    void *node[ZBTREE_MAX_DEPTH];
    unsigned index[ZBTREE_MAX_DEPTH];
} zbtree_cursor;

/* Places the cursor on the entry at `rank`; false (cursor at end) when rank
 * >= size. */
bool zbtree_seek(zbtree_cursor *c, const zbtree *t, size_t rank);
/* The entry under the cursor, NULL at either end. */
zentry *zbtree_cursor_entry(const zbtree_cursor *c);
/* Puts `e` in place of the entry under the cursor (the same member and
 * score moved elsewhere: active defragmentation), also where an inner node
 * keeps it as a child's first entry. */
void zbtree_cursor_replace(zbtree_cursor *c, zentry *e);
/* Moves forward/backward; false when it falls off the end. */
bool zbtree_next(zbtree_cursor *c);
bool zbtree_prev(zbtree_cursor *c);

/* Checks every structural invariant (order, counts, separators, fill);
 * tests call it. */
void zbtree_check(const zbtree *t);

#endif
