/* rdb_ziplist: reading Redis's ziplist blobs, the packed encoding of small
 * lists, hashes and sorted sets in RDB files written before Redis 7.0
 * (types 10, 12, 13 and the nodes of quicklist type 14).  zkv never writes
 * them: 7.0 writes listpacks instead.
 *
 *   <total bytes u32 LE> <offset of the last entry u32 LE> <count u16 LE,
 *   65535 = more> entries... 0xFF
 *   entry = <previous entry's size: 1 byte, or 0xFE + u32 LE> <encoding> <data>
 *
 * Validation checks every entry's bounds, its previous-size field against
 * the entry before it, the tail offset, the count and the terminator.
 */
#ifndef ZKV_RDB_ZIPLIST_H
#define ZKV_RDB_ZIPLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rdb_io.h"

#define RDB_ZIPLIST_HEADER 10

/* 0 with the element count, or -1 with a static reason. */
int rdb_ziplist_validate(const uint8_t *blob, size_t size, size_t *count, const char **error);

typedef struct rdb_ziplist_iterator {
    const uint8_t *cursor;
    const uint8_t *end;
} rdb_ziplist_iterator;
void rdb_ziplist_iterator_init(rdb_ziplist_iterator *it, const uint8_t *blob, size_t size);
/* The next element of a validated blob (pointing into it); false at the end. */
bool rdb_ziplist_next(rdb_ziplist_iterator *it, rdb_element *e);

#endif
