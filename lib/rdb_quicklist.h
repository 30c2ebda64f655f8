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
 * The writer cuts elements into listpack nodes where it is told (a list's
 * history, lib/qshape.h), or else as Redis 7.0's quicklist cuts a list
 * grown by tail pushes (its size estimate: an element costs its raw length
 * plus 8; list-max-listpack-size as a size class or an entry count).
 * Nodes Redis keeps compressed (list-compress-depth) are written LZF as
 * Redis writes them, even with rdbcompression no.
 * The node count comes before the nodes, so the builder keeps the nodes of
 * one list in memory until rdb_quicklist_write: a trade-off of one value's
 * serialized size for not walking the list twice.
 */
#ifndef ZKV_RDB_QUICKLIST_H
#define ZKV_RDB_QUICKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qshape.h"
#include "rdb_io.h"
#include "rdb_listpack.h"
#include "strbuf.h"

#define RDB_QUICKLIST_PLAIN 1
#define RDB_QUICKLIST_PACKED 2

/* Called for every element; a non-zero return stops the read (the reader is
 * failed with `error` if the callback set none). */
typedef int rdb_element_fn(void *context, const rdb_element *e);

/* What the reader tells of a list's nodes. */
typedef struct rdb_quicklist_shape {
    uint64_t nodes;     /* as the file says */
    strbuf *nodes_out;  /* when set: each non-empty node as a qshape_node (its
                           elements, its size as a listpack) */
} rdb_quicklist_shape;

/* Reads a list of `rdb_type` QUICKLIST or QUICKLIST_2 (`shape` may be
 * NULL).  0, or -1 with r->error set. */
int rdb_quicklist_read(rdb_reader *r, int rdb_type, rdb_element_fn *fn, void *context, rdb_quicklist_shape *shape);

typedef struct rdb_quicklist_builder {
    strbuf nodes;               /* per node: u32 size, the listpack */
    size_t node_count;
    rdb_listpack_builder current;
    strbuf current_blob;
    int fill;                   /* list-max-listpack-size, clamped as Redis does */
    int compress_depth;         /* list-compress-depth */
    const qshape_node *cuts;    /* the nodes to cut, in the order elements come */
    size_t cut_count;
    bool open;
} rdb_quicklist_builder;

/* `fill` and `compress_depth`: the list-max-listpack-size and
 * list-compress-depth the list lives under; elements come head first. */
void rdb_quicklist_builder_init(rdb_quicklist_builder *b, int fill, int compress_depth);
/* Cuts the nodes as given (their counts; the list's own history, see
 * lib/qshape.h) instead of by Redis's insert test; `nodes` must stay
 * valid until rdb_quicklist_write. */
void rdb_quicklist_cuts(rdb_quicklist_builder *b, const qshape_node *nodes, size_t n);
void rdb_quicklist_add(rdb_quicklist_builder *b, const void *data, size_t length);
/* Redis 7.0's test for adding an element of `length` raw bytes to a node
 * of `node_bytes` (its listpack, terminator included) holding
 * `node_count`: the rule every node of a list is cut by. */
bool rdb_quicklist_node_takes(int fill, size_t node_bytes, size_t node_count, size_t length);
/* Writes the node count and nodes (as RDB strings: LZF applies), then frees
 * the builder's memory.  0 or -1 (w->error). */
int rdb_quicklist_write(rdb_quicklist_builder *b, rdb_writer *w);
void rdb_quicklist_builder_free(rdb_quicklist_builder *b);

#endif
