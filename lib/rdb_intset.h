/* rdb_intset: Redis's intset blob (RDB_TYPE_SET_INTSET): a sorted array of
 * unique integers, all stored with the narrowest of 2, 4 or 8 bytes that
 * holds every member.
 *
 *   <encoding u32 LE: 2|4|8> <count u32 LE> <count members, LE, ascending>
 *
 * The reader validates everything (size, encoding, strictly ascending, not
 * empty) before anything iterates; the writer takes the members in any
 * order and sorts them, so a set type can hand over its own iteration.
 */
#ifndef ZKV_RDB_INTSET_H
#define ZKV_RDB_INTSET_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define RDB_INTSET_HEADER 8

/* 0 with the member count, or -1 with a static reason. */
int rdb_intset_validate(const uint8_t *blob, size_t size, size_t *count, const char **error);
/* Member `index` of a validated blob. */
int64_t rdb_intset_get(const uint8_t *blob, size_t index);
/* Appends the blob of `count` distinct members to `out`; `members` is
 * sorted in place. */
void rdb_intset_build(strbuf *out, int64_t *members, size_t count);
/* The same in at least `minimum_width` bytes per member (2, 4 or 8): an
 * intset that once held a wide member keeps its width, in Redis as in zkv,
 * and DUMP shows it. */
void rdb_intset_build_width(strbuf *out, int64_t *members, size_t count, unsigned minimum_width);

#endif
