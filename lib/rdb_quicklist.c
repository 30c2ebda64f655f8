/* rdb_quicklist: reading and writing list node framing (see
 * rdb_quicklist.h). */
#include "rdb_quicklist.h"

#include <string.h>

#include "rdb_ziplist.h"

static int emit(rdb_reader *r, rdb_element_fn *fn, void *context, const rdb_element *e) {
    if (fn(context, e) != 0) return rdb_reader_fail(r, "list element refused");
    return 0;
}

static int read_ziplist_node(rdb_reader *r, const rdb_string *blob, rdb_element_fn *fn, void *context) {
    size_t count;
    const char *error;
    const uint8_t *bytes = (const uint8_t *)blob->data;
    if (rdb_ziplist_validate(bytes, blob->length, &count, &error) != 0) return rdb_reader_fail(r, error);
    rdb_ziplist_iterator it;
    rdb_element e;
    rdb_ziplist_iterator_init(&it, bytes, blob->length);
    while (rdb_ziplist_next(&it, &e))
        if (emit(r, fn, context, &e) != 0) return -1;
    return 0;
}

static int read_listpack_node(rdb_reader *r, const rdb_string *blob, rdb_element_fn *fn, void *context) {
    size_t count;
    const char *error;
    const uint8_t *bytes = (const uint8_t *)blob->data;
    if (rdb_listpack_validate(bytes, blob->length, &count, &error) != 0) return rdb_reader_fail(r, error);
    rdb_listpack_iterator it;
    rdb_element e;
    rdb_listpack_iterator_init(&it, bytes);
    while (rdb_listpack_next(&it, &e))
        if (emit(r, fn, context, &e) != 0) return -1;
    return 0;
}

int rdb_quicklist_read(rdb_reader *r, int rdb_type, rdb_element_fn *fn, void *context) {
    uint64_t nodes;
    if (rdb_read_length(r, &nodes) != 0) return -1;
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
        if (container == RDB_QUICKLIST_PLAIN) {
            rdb_element e = {.string = (const uint8_t *)blob.data, .length = blob.length};
            result = emit(r, fn, context, &e);
        } else if (rdb_type == RDB_TYPE_LIST_QUICKLIST_2) {
            result = read_listpack_node(r, &blob, fn, context);
        } else {
            result = read_ziplist_node(r, &blob, fn, context);
        }
        rdb_string_release(&blob);
        if (result != 0) return -1;
    }
    return 0;
}

void rdb_quicklist_builder_init(rdb_quicklist_builder *b) {
    memset(b, 0, sizeof(*b));
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

/* Redis 7.0's quicklist charges an element its raw length plus a fixed
 * 8-byte estimate of the listpack entry's overhead, whatever it encodes
 * to, and lets a node take it while the node's finished size (the open
 * blob lacks only its terminator) plus that stays within the limit: the
 * same sum here cuts nodes where Redis cuts them. */
#define NODE_ENTRY_ESTIMATE 8

static bool node_takes(const rdb_quicklist_builder *b, size_t length) {
    return b->current_blob.length + 1 + length + NODE_ENTRY_ESTIMATE <= RDB_QUICKLIST_NODE_BYTES;
}

void rdb_quicklist_add(rdb_quicklist_builder *b, const void *data, size_t length) {
    if (b->open && !node_takes(b, length)) close_node(b);
    if (!b->open) {
        rdb_listpack_begin(&b->current, &b->current_blob);
        b->open = true;
    }
    rdb_listpack_append_string(&b->current, data, length);
}

int rdb_quicklist_write(rdb_quicklist_builder *b, rdb_writer *w) {
    close_node(b);
    int result = rdb_write_length(w, b->node_count);
    size_t offset = 0;
    while (result == 0 && offset < b->nodes.length) {
        uint32_t size;
        memcpy(&size, b->nodes.data + offset, sizeof(size));
        offset += sizeof(size);
        result = rdb_write_length(w, RDB_QUICKLIST_PACKED);
        if (result == 0) result = rdb_write_string(w, b->nodes.data + offset, size);
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
