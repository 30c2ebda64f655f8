/* rdb_zipmap: reading Redis's zipmap blobs (RDB_TYPE_HASH_ZIPMAP), the
 * small-hash encoding of RDB files from before Redis 2.6.  zkv never
 * writes them.
 *
 *   <count: 1 byte, 254 = unknown> pairs... 0xFF
 *   pair = <key length> <key> <value length> <free: 1 byte> <value> <free bytes>
 *   length = 1 byte (< 254), or 254 + u32 LE
 *
 * Validation walks every pair within bounds, checks the terminator is the
 * last byte and the count when it is known.
 */
#ifndef ZKV_RDB_ZIPMAP_H
#define ZKV_RDB_ZIPMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rdb_io.h"

/* 0 with the number of pairs, or -1 with a static reason. */
int rdb_zipmap_validate(const uint8_t *blob, size_t size, size_t *pairs, const char **error);

typedef struct rdb_zipmap_iterator {
    const uint8_t *cursor;
    const uint8_t *end;
} rdb_zipmap_iterator;
void rdb_zipmap_iterator_init(rdb_zipmap_iterator *it, const uint8_t *blob, size_t size);
/* The next field and value of a validated blob (strings pointing into it);
 * false at the end. */
bool rdb_zipmap_next(rdb_zipmap_iterator *it, rdb_element *field, rdb_element *value);

#endif
