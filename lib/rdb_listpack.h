/* rdb_listpack: Redis's listpack blob, as stored in RDB files and DUMP
 * payloads (small hashes, small sorted sets, quicklist nodes, streams).
 *
 * This is the serialized form only: zkv's types keep their own in-memory
 * encodings and convert at save and load time, so the reader validates a
 * blob completely before anything iterates it (sanitize-dump-payload yes,
 * always) and the writer produces exactly the bytes Redis 7.0 would for the
 * same elements (so files have Redis's size and RESTORE into Redis works).
 *
 *   <total bytes u32 LE> <count u16 LE, 65535 = more> entries... 0xFF
 *   entry = <encoding + data> <backlen: size of encoding + data, 1-5 bytes>
 *
 * Integers are stored in the smallest of the 7/13/16/24/32/64-bit forms;
 * a string is stored as an integer when it is a canonical decimal, as
 * Redis's listpack does (so "007" stays a string and "7" does not).
 */
#ifndef ZKV_RDB_LISTPACK_H
#define ZKV_RDB_LISTPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rdb_io.h"
#include "strbuf.h"

#define RDB_LISTPACK_HEADER 6
#define RDB_LISTPACK_EMPTY_BYTES 7 /* the header and the terminator */

/* Checks every byte of a blob: header size and count, each entry's bounds
 * and back length, the terminator.  0 with the element count, or -1 with a
 * static reason. */
int rdb_listpack_validate(const uint8_t *blob, size_t size, size_t *count, const char **error);

/* Walks a validated blob in order. */
typedef struct rdb_listpack_iterator {
    const uint8_t *cursor;
} rdb_listpack_iterator;
void rdb_listpack_iterator_init(rdb_listpack_iterator *it, const uint8_t *blob);
/* The next element (pointing into the blob); false at the end. */
bool rdb_listpack_next(rdb_listpack_iterator *it, rdb_element *e);

/* Builds a blob into `out` (appended after what it holds). */
typedef struct rdb_listpack_builder {
    strbuf *out;
    size_t start;
    size_t count;
} rdb_listpack_builder;
void rdb_listpack_begin(rdb_listpack_builder *b, strbuf *out);
void rdb_listpack_append_string(rdb_listpack_builder *b, const void *data, size_t length);
/* Bytes the entry rdb_listpack_append_string would write for the element. */
size_t rdb_listpack_entry_size(const void *data, size_t length);
void rdb_listpack_append_integer(rdb_listpack_builder *b, long long value);
/* Writes the terminator and the header; the blob is out->data + start. */
void rdb_listpack_finish(rdb_listpack_builder *b);

#endif
