/* rdb_quicklist: the node framing of lists in RDB files.
 *
 *   RDB_TYPE_LIST_QUICKLIST_2 (7.0):  <len nodes> per node: <len container:
 *       1 plain, 2 packed> <string: the element (plain) or a listpack>
 *   RDB_TYPE_LIST_QUICKLIST (3.2-6.2): <len nodes> per node: <string: a ziplist>
 *
 * The reader hands each element, in order, to a callback, whichever node
 * kind holds it, so a list type needs no knowledge of the node formats; a
 * packed node holding no element is skipped and a zero-length node blob is
 * corrupt, both as Redis does.  Every blob is validated before its elements
 * are read.
 *
 * The writer cuts elements into listpack nodes of RDB_QUICKLIST_NODE_BYTES
 * (Redis's default list-max-listpack-size -2, 8 KB) by Redis 7.0's own
 * estimate (an element costs its raw length plus 8), as Redis's quicklist
 * cuts a list built by tail pushes, so such a list dumps to Redis's bytes
 * and any list to a file of Redis's size.
 * The node count comes before the nodes, so the builder keeps the nodes of
 * one list in memory until rdb_quicklist_write: a trade-off of one value's
 * serialized size for not walking the list twice.
 */
#ifndef ZKV_RDB_QUICKLIST_H
#define ZKV_RDB_QUICKLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "rdb_io.h"
#include "rdb_listpack.h"
#include "strbuf.h"

#define RDB_QUICKLIST_NODE_BYTES 8192
#define RDB_QUICKLIST_PLAIN 1
#define RDB_QUICKLIST_PACKED 2

/* Called for every element; a non-zero return stops the read (the reader is
 * failed with `error` if the callback set none). */
typedef int rdb_element_fn(void *context, const rdb_element *e);

/* Reads a list of `rdb_type` QUICKLIST or QUICKLIST_2.  0, or -1 with
 * r->error set. */
int rdb_quicklist_read(rdb_reader *r, int rdb_type, rdb_element_fn *fn, void *context);

typedef struct rdb_quicklist_builder {
    strbuf nodes;               /* per node: u32 size, the listpack */
    size_t node_count;
    rdb_listpack_builder current;
    strbuf current_blob;
    bool open;
} rdb_quicklist_builder;

void rdb_quicklist_builder_init(rdb_quicklist_builder *b);
void rdb_quicklist_add(rdb_quicklist_builder *b, const void *data, size_t length);
/* Writes the node count and nodes (as RDB strings: LZF applies), then frees
 * the builder's memory.  0 or -1 (w->error). */
int rdb_quicklist_write(rdb_quicklist_builder *b, rdb_writer *w);
void rdb_quicklist_builder_free(rdb_quicklist_builder *b);

#endif
