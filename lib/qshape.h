/* qshape: where Redis 7.0's quicklist would cut a list into nodes.
 *
 * Redis's nodes record a list's history (pushes fill the end node or open
 * a new one, an insert into a full node may split it and merge the pieces
 * with their neighbours, deletions never merge), and RDB files and DUMP
 * payloads show them.  zkv's own chunks follow other rules (plist.h), so a
 * list keeps this shadow: per Redis node, its element count and the bytes
 * of its listpack, changed by every list operation as Redis 7.0.15's
 * quicklist.c changes its nodes (_quicklistNodeAllowInsert's estimate of
 * raw length + 8, _quicklistInsert's cases, _quicklistMergeNodes's four
 * merges with their "- 11" estimate, lpMerge's exact - 7, in-place LSET).
 * The RDB writer cuts the list where the shadow says.  Cost: 8 bytes per
 * Redis node (one per ~8 KB of list by default); locating an index walks
 * the nodes from the nearer end, as Redis does; a split reads the split
 * node's elements through the caller's callback, as Redis copies them.
 *
 * Elements of 1 GB and more (Redis's plain nodes) are not modelled: zkv's
 * proto-max-bulk-len keeps them out.
 */
#ifndef ZKV_QSHAPE_H
#define ZKV_QSHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct qshape_node {
    uint32_t count;
    uint32_t bytes; /* the node's listpack, header and terminator included */
} qshape_node;

typedef struct qshape {
    qshape_node *nodes; /* zmalloc'd, head first */
    uint32_t length, capacity;
} qshape;

/* Listpack bytes (header and terminator included) of `count` elements of
 * the list from index `start`. */
typedef size_t qshape_bytes_fn(void *context, size_t start, size_t count);

/* One node holding `count` elements in `bytes` (count > 0). */
void qshape_init(qshape *s, size_t count, size_t bytes);
void qshape_free(qshape *s);
void qshape_copy(qshape *to, const qshape *from);
/* Appends a node (a list loaded from a file takes the file's nodes). */
void qshape_append(qshape *s, size_t count, size_t bytes);
size_t qshape_heap_bytes(const qshape *s);

/* Would Redis add an element of `raw` bytes to the single node of a list
 * of `count` elements in `bytes`? */
bool qshape_takes(int fill, size_t bytes, size_t count, size_t raw);

/* A push at one end of an element of `raw` bytes whose listpack entry is
 * `entry` bytes. */
void qshape_push(qshape *s, bool head, size_t raw, size_t entry, int fill);
/* A pop of an element of `entry` bytes at one end. */
void qshape_pop(qshape *s, bool head, size_t entry);
/* `count` elements deleted from `start` (LTRIM, LPOP count, a range);
 * called after the list changed: `bytes` reads the list as it is now. */
void qshape_delete_range(qshape *s, size_t start, size_t count, qshape_bytes_fn *bytes, void *context);
/* LREM: the elements at `indexes` (ascending, as they were before), each
 * of `entry` bytes, deleted.  One pass over the nodes. */
void qshape_delete_sorted(qshape *s, const size_t *indexes, size_t n, size_t entry);
/* The element at `index` replaced in place (LSET). */
void qshape_replace(qshape *s, size_t index, size_t old_entry, size_t new_entry);
/* LINSERT: an element inserted after (or before) the one at `pivot`;
 * called before the list changes: `bytes` reads it as it was. */
void qshape_insert(qshape *s, size_t pivot, bool after, size_t raw, size_t entry, int fill, qshape_bytes_fn *bytes,
                   void *context);

#endif
