/* rdb_quicklist: reading and writing list node framing (see
 * rdb_quicklist.h). */
#include "rdb_quicklist.h"

#include <string.h>

#include "rdb_ziplist.h"

static int emit(rdb_reader *r, rdb_element_fn *fn, void *context, const rdb_element *e) {
    if (fn(context, e) != 0) return rdb_reader_fail(r, "list element refused");
    return 0;
}

/* A ziplist node becomes a listpack in Redis 7.0: its size as one. */
static int read_ziplist_node(rdb_reader *r, const rdb_string *blob, rdb_element_fn *fn, void *context,
                             size_t *elements, size_t *listpack_bytes) {
    size_t count;
    const char *error;
    const uint8_t *bytes = (const uint8_t *)blob->data;
    if (rdb_ziplist_validate(bytes, blob->length, &count, &error) != 0) return rdb_reader_fail(r, error);
    *elements = count;
    *listpack_bytes = RDB_LISTPACK_EMPTY_BYTES;
    rdb_ziplist_iterator it;
    rdb_element e;
    rdb_ziplist_iterator_init(&it, bytes, blob->length);
    while (rdb_ziplist_next(&it, &e)) {
        char digits[24];
        size_t length;
        const char *data = rdb_element_bytes(&e, digits, &length);
        *listpack_bytes += rdb_listpack_entry_size(data, length);
        if (emit(r, fn, context, &e) != 0) return -1;
    }
    return 0;
}

static int read_listpack_node(rdb_reader *r, const rdb_string *blob, rdb_element_fn *fn, void *context,
                              size_t *elements) {
    size_t count;
    const char *error;
    const uint8_t *bytes = (const uint8_t *)blob->data;
    if (rdb_listpack_validate(bytes, blob->length, &count, &error) != 0) return rdb_reader_fail(r, error);
    *elements = count;
    rdb_listpack_iterator it;
    rdb_element e;
    rdb_listpack_iterator_init(&it, bytes);
    while (rdb_listpack_next(&it, &e))
        if (emit(r, fn, context, &e) != 0) return -1;
    return 0;
}

/* Redis 7.0's quicklist (_quicklistNodeAllowInsert) charges an element
 * its raw length plus a fixed 8-byte estimate of the listpack entry's
 * overhead, whatever it encodes to, added to the node's real size (the
 * open blob lacks only its terminator).  A negative fill is a size class
 * (4 KB << (-fill - 1)); a positive one counts entries, within 8 KB.  The
 * same test here cuts nodes where Redis cuts them. */
#define NODE_ENTRY_ESTIMATE 8
#define NODE_SAFETY_LIMIT 8192

static int clamp_fill(int fill) {
    return fill < -5 ? -5 : fill > 32767 ? 32767 : fill; /* quicklistSetFill */
}

bool rdb_quicklist_node_takes(int fill, size_t node_bytes, size_t node_count, size_t length) {
    fill = clamp_fill(fill);
    size_t size = node_bytes + length + NODE_ENTRY_ESTIMATE;
    if (fill < 0) return size <= ((size_t)4096 << (-fill - 1));
    return size <= NODE_SAFETY_LIMIT && node_count < (size_t)fill;
}

int rdb_quicklist_read(rdb_reader *r, int rdb_type, rdb_element_fn *fn, void *context, rdb_quicklist_shape *shape) {
    uint64_t nodes;
    if (rdb_read_length(r, &nodes) != 0) return -1;
    if (shape) shape->nodes = nodes;
    for (uint64_t n = 0; n < nodes; n++) {
        uint64_t container = RDB_QUICKLIST_PACKED;
        if (rdb_type == RDB_TYPE_LIST_QUICKLIST_2 && rdb_read_length(r, &container) != 0) return -1;
        if (container != RDB_QUICKLIST_PLAIN && container != RDB_QUICKLIST_PACKED)
            return rdb_reader_fail(r, "quicklist node container invalid");
        rdb_string blob;
        if (rdb_read_string(r, &blob) != 0) return -1;
        if (blob.length == 0) {
            /* Neither container can be empty (Redis refuses it too). */
            rdb_string_release(&blob);
            return rdb_reader_fail(r, "quicklist node is empty");
        }
        int result;
        size_t elements = 1, listpack_bytes = blob.length;
        if (container == RDB_QUICKLIST_PLAIN) {
            rdb_element e = {.string = (const uint8_t *)blob.data, .length = blob.length};
            listpack_bytes = RDB_LISTPACK_EMPTY_BYTES + rdb_listpack_entry_size(blob.data, blob.length);
            result = emit(r, fn, context, &e);
        } else if (rdb_type == RDB_TYPE_LIST_QUICKLIST_2) {
            result = read_listpack_node(r, &blob, fn, context, &elements);
        } else {
            result = read_ziplist_node(r, &blob, fn, context, &elements, &listpack_bytes);
        }
        rdb_string_release(&blob);
        if (result != 0) return -1;
        if (shape && shape->nodes_out && elements > 0) {
            qshape_node node = {(uint32_t)elements, (uint32_t)listpack_bytes};
            strbuf_append(shape->nodes_out, &node, sizeof(node));
        }
    }
    return 0;
}

void rdb_quicklist_builder_init(rdb_quicklist_builder *b, int fill, int compress_depth) {
    memset(b, 0, sizeof(*b));
    b->fill = clamp_fill(fill);
    b->compress_depth = compress_depth;
}

static void close_node(rdb_quicklist_builder *b) {
    if (!b->open) return;
    rdb_listpack_finish(&b->current);
    uint32_t size = (uint32_t)b->current_blob.length;
    strbuf_append(&b->nodes, &size, sizeof(size));
    strbuf_append(&b->nodes, b->current_blob.data, size);
    strbuf_clear(&b->current_blob);
    b->node_count++;
    b->open = false;
}

static bool node_takes(const rdb_quicklist_builder *b, size_t length) {
    if (b->node_count < b->cut_count) return b->current.count < b->cuts[b->node_count].count;
    return rdb_quicklist_node_takes(b->fill, b->current_blob.length + 1, b->current.count, length);
}

void rdb_quicklist_cuts(rdb_quicklist_builder *b, const qshape_node *nodes, size_t n) {
    b->cuts = nodes;
    b->cut_count = n;
}

void rdb_quicklist_add(rdb_quicklist_builder *b, const void *data, size_t length) {
    if (b->open && !node_takes(b, length)) close_node(b);
    if (!b->open) {
        rdb_listpack_begin(&b->current, &b->current_blob);
        b->open = true;
    }
    rdb_listpack_append_string(&b->current, data, length);
}

/* Node `index` (from the head) of `count`: Redis keeps the nodes more than
 * compress_depth from both ends compressed. */
static bool node_is_inner(const rdb_quicklist_builder *b, size_t index, size_t count) {
    size_t depth = b->compress_depth > 0 ? (size_t)b->compress_depth : 0;
    return depth > 0 && index >= depth && index + depth < count;
}

int rdb_quicklist_write(rdb_quicklist_builder *b, rdb_writer *w) {
    close_node(b);
    int result = rdb_write_length(w, b->node_count);
    size_t offset = 0;
    for (size_t i = 0; result == 0 && i < b->node_count; i++) {
        uint32_t size;
        memcpy(&size, b->nodes.data + offset, sizeof(size));
        offset += sizeof(size);
        const char *blob = b->nodes.data + offset;
        result = rdb_write_length(w, RDB_QUICKLIST_PACKED);
        if (result == 0)
            result = node_is_inner(b, i, b->node_count) ? rdb_write_compressed_node(w, blob, size)
                                                        : rdb_write_string(w, blob, size);
        offset += size;
    }
    rdb_quicklist_builder_free(b);
    return result;
}

void rdb_quicklist_builder_free(rdb_quicklist_builder *b) {
    strbuf_free(&b->nodes);
    strbuf_free(&b->current_blob);
    b->node_count = 0;
    b->open = false;
}
