/* plist: a list of byte strings stored as chunks of packed entries.
 *
 * Design.  Every element is one packed entry: a header byte that holds a
 * short string's length or a small integer itself, the payload, and a
 * trailing "back length" (1 byte for entries under 128 bytes) so a chunk is
 * walked from either end.  Strings that are canonical decimal integers
 * (number.h's strict rule) are stored as 1 to 9 bytes of integer, and read
 * back as the same text.  An 8-byte element costs 10 bytes, a 3-byte one 5.
 *
 * A list has two forms, told apart by its first byte:
 *   - small: one block holding an 8-byte header and the entries, nothing
 *     else (a 5-element list of 8-byte strings fits jemalloc's 64-byte
 *     class); pushes reallocate it in place (the allocator's size classes
 *     make that cheap), so there is no spare capacity to pay for;
 *   - chunked: a 32-byte header and a doubly linked list of nodes, each one
 *     allocation holding its links, counts and entries (no separate node
 *     struct).  A list becomes chunked when its block would pass the size
 *     limit, and small again when it shrinks back to one half-full chunk.
 * A chunked list also carries the nodes Redis's quicklist would hold for
 * its history (lib/qshape.h, 8 bytes a node), which RDB files and DUMP
 * show; a small list is one such node, so a list that is two or more in
 * Redis (an insert or push its node would not take) is chunked.
 * The size limit is Redis's list-max-listpack-size: a positive value caps
 * the entries per chunk (chunks still stay under 8 KiB), -1..-5 caps the
 * block at 4..64 KiB.  The limit applies to the whole block so the default
 * -2 makes nodes that fill jemalloc's 8 KiB class exactly.
 *
 * Positional access walks node counts from the nearer end, then entries
 * inside one chunk: O(chunks + chunk size), never O(elements).  With a
 * compress depth d > 0, nodes further than d from both ends are kept
 * LZF-compressed; they are decompressed in place to be changed, and into
 * the iterator's scratch buffer to be read.
 *
 * Calls that may change a list return its (possibly moved) pointer, which
 * the caller stores back.  Values read from a list point into it (or into
 * the iterator's scratch buffer) and stay valid until the next change to
 * the list or the next iterator step.
 */
#ifndef ZKV_PLIST_H
#define ZKV_PLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "number.h"
#include "qshape.h"

typedef struct plist plist; /* opaque: see the forms above */

/* An element read from a list: a string (data != NULL) or an integer whose
 * text is its canonical decimal form. */
typedef struct plist_value {
    const char *data;
    size_t length;
    long long integer;
} plist_value;

/* list-max-listpack-size and list-compress-depth, given to every call that
 * may add chunks. */
typedef struct plist_limits {
    int fill;
    int compress_depth;
} plist_limits;

plist *plist_create(void);
void plist_free(plist *l);
plist *plist_duplicate(const plist *l);
size_t plist_length(const plist *l);
/* Redis's quicklist nodes for the list's history (lib/qshape.h), head
 * first: 0 nodes and *nodes NULL for a small list, which is one node
 * holding every element. */
size_t plist_redis_nodes(const plist *l, const qshape_node **nodes);
/* Sets them (a list loaded from a file takes the file's nodes); ignored
 * unless their counts add up to the list's length.  A small list becomes
 * chunked to hold two or more.  Returns the list, maybe moved. */
plist *plist_set_redis_nodes(plist *l, const qshape_node *nodes, size_t n);
/* Blocks the list is made of (1 for a small list): its free effort. */
size_t plist_chunk_count(const plist *l);
/* Bytes the allocator gave the list's blocks.  O(chunks). */
size_t plist_memory(const plist *l);

/* Active defragmentation: moves the blocks the allocator says are worth
 * moving; returns the list, maybe moved. */
plist *plist_defrag(plist *l);

/* Adds at the head (LPUSH) or tail. */
plist *plist_push(plist *l, const char *data, size_t length, bool head, const plist_limits *limits);
/* Removes the first or last element; the list must not be empty. */
plist *plist_pop(plist *l, bool head, const plist_limits *limits);
/* Replaces the element at `index` (0 ≤ index < length). */
plist *plist_set(plist *l, size_t index, const char *data, size_t length, const plist_limits *limits);
/* Inserts at `index` (index == length appends): after the element at
 * index - 1 (LINSERT AFTER) when `after`, else before the one at `index`;
 * the two differ only in where Redis's nodes split. */
plist *plist_insert(plist *l, size_t index, bool after, const char *data, size_t length,
                    const plist_limits *limits);
/* Deletes `count` elements from `start` (start + count ≤ length).  Whole
 * chunks in the range are freed without being read. */
plist *plist_delete_range(plist *l, size_t start, size_t count, const plist_limits *limits);
/* LREM: removes up to |count| elements equal to the given bytes, from the
 * head when count ≥ 0 (0: all of them), from the tail when negative.
 * *removed gets the number removed. */
plist *plist_remove(plist *l, const char *data, size_t length, long long count, const plist_limits *limits,
                    size_t *removed);

/* Iteration from `start` (0 ≤ start < length) towards the tail (forward) or
 * the head.  The list must not change while an iterator is in use;
 * plist_iterator_finish releases the scratch buffer of compressed chunks. */
typedef struct plist_iterator {
    const plist *list;
    const void *node;            /* current node, NULL for a small list */
    const unsigned char *data;   /* entries of the current chunk */
    uint32_t bytes;
    uint32_t offset;             /* of the next entry to return (forward), or the end of it */
    bool forward;
    bool done;
    unsigned char *scratch;      /* decompressed copy of a compressed chunk */
    size_t scratch_capacity;
} plist_iterator;

void plist_iterator_init(plist_iterator *it, const plist *l, size_t start, bool forward);
bool plist_iterator_next(plist_iterator *it, plist_value *value);
void plist_iterator_finish(plist_iterator *it);

/* True when the element equals the given bytes. */
bool plist_value_equals(const plist_value *value, const char *data, size_t length);
/* The element's bytes: its own data, or its integer formatted in `buffer`. */
const char *plist_value_bytes(const plist_value *value, size_t *length, char buffer[NUMBER_INTEGER_BUFFER]);

#endif
