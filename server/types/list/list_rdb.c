/* list_rdb: a list in Redis's serialization (RDB files, DUMP payloads).
 *
 * Saving writes what Redis 7.0 writes for every list, RDB_TYPE_LIST_QUICKLIST_2:
 * the elements in order, cut into listpack nodes by lib/rdb_quicklist
 * where Redis's quicklist would hold its nodes after the same history:
 * the list keeps them (plist_redis_nodes, lib/qshape.h), so DUMP and the
 * file are Redis's bytes whatever the list went through (pushes at either
 * end, pops, trims, LINSERT's splits and merges, LSET, LREM).  The nodes
 * of one list are held in memory until written (rdb_quicklist.h's
 * trade-off).
 *
 * Loading accepts every list type of a Redis 7.0 file (1 plain, 10 ziplist,
 * 14 quicklist, 18 quicklist 2), validates every blob before reading it
 * (lib/rdb_*), and pushes the elements at the tail under list_limits (as
 * Redis does for types 1 and 10); a quicklist's nodes then become the
 * list's history, as Redis keeps them.  An empty
 * list (Redis skips empty nodes, a corrupt file may hold no elements) is
 * reported empty, not created.
 */
#include "list.h"
#include "rdb_io.h"
#include "rdb_quicklist.h"
#include "rdb_ziplist.h"

int list_rdb_type(const object *o) {
    (void)o;
    return RDB_TYPE_LIST_QUICKLIST_2;
}

int list_rdb_save(const object *o, rdb_writer *w) {
    const plist *l = list_value(o);
    rdb_quicklist_builder builder;
    rdb_quicklist_builder_init(&builder, list_limits.fill, list_limits.compress_depth);
    size_t length = plist_length(l);
    const qshape_node *nodes;
    size_t n = plist_redis_nodes(l, &nodes);
    qshape_node single = {(uint32_t)length, 0}; /* a small list is one node */
    if (n == 0) nodes = &single, n = 1;
    rdb_quicklist_cuts(&builder, nodes, n);
    if (length > 0) {
        plist_iterator it;
        plist_value v;
        plist_iterator_init(&it, l, 0, true);
        while (plist_iterator_next(&it, &v)) {
            char digits[NUMBER_INTEGER_BUFFER];
            size_t size;
            const char *bytes = plist_value_bytes(&v, &size, digits);
            rdb_quicklist_add(&builder, bytes, size);
        }
        plist_iterator_finish(&it);
    }
    return rdb_quicklist_write(&builder, w);
}

/* The list being loaded: created on the first element. */
typedef struct list_rdb_loader {
    plist *list;
} list_rdb_loader;

static int list_rdb_push(void *context, const rdb_element *e) {
    list_rdb_loader *l = context;
    char digits[24];
    size_t length;
    const char *bytes = rdb_element_bytes(e, digits, &length);
    if (!l->list) l->list = plist_create();
    l->list = plist_push(l->list, bytes, length, false, &list_limits);
    return 0;
}

static int list_rdb_load_plain(rdb_reader *r, list_rdb_loader *l) {
    uint64_t count;
    if (rdb_read_length(r, &count) != 0) return -1;
    for (uint64_t i = 0; i < count; i++) {
        rdb_string s;
        if (rdb_read_string(r, &s) != 0) return -1;
        rdb_element e = {.string = (const uint8_t *)s.data, .length = s.length};
        list_rdb_push(l, &e);
        rdb_string_release(&s);
    }
    return 0;
}

static int list_rdb_load_ziplist(rdb_reader *r, list_rdb_loader *l) {
    rdb_string blob;
    if (rdb_read_string(r, &blob) != 0) return -1;
    const uint8_t *bytes = (const uint8_t *)blob.data;
    size_t count;
    const char *error;
    int result = rdb_ziplist_validate(bytes, blob.length, &count, &error);
    if (result == 0) {
        rdb_ziplist_iterator it;
        rdb_element e;
        rdb_ziplist_iterator_init(&it, bytes, blob.length);
        while (rdb_ziplist_next(&it, &e)) list_rdb_push(l, &e);
    } else {
        rdb_reader_fail(r, error);
    }
    rdb_string_release(&blob);
    return result;
}

object *list_rdb_load(rdb_reader *r, int rdb_type, const char *key, size_t key_length, long long expire_ms,
                      const char **error) {
    *error = NULL;
    list_rdb_loader l = {NULL};
    strbuf nodes = STRBUF_INIT;
    rdb_quicklist_shape shape = {.nodes_out = &nodes};
    int result;
    switch (rdb_type) {
    case RDB_TYPE_LIST: result = list_rdb_load_plain(r, &l); break;
    case RDB_TYPE_LIST_ZIPLIST: result = list_rdb_load_ziplist(r, &l); break;
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2: result = rdb_quicklist_read(r, rdb_type, list_rdb_push, &l, &shape); break;
    default:
        *error = "not a list type";
        result = -1;
        break;
    }
    if (result != 0 || !l.list) {
        if (result != 0 && !*error) *error = r->error ? r->error : "corrupt list";
        if (l.list) plist_free(l.list);
        strbuf_free(&nodes);
        return NULL;
    }
    /* Redis keeps a loaded list's nodes (a ziplist node becomes a
     * listpack), so the list takes them as its history: its next DUMP is
     * cut the same way, and later changes move them as Redis would. */
    l.list = plist_set_redis_nodes(l.list, (const qshape_node *)nodes.data, nodes.length / sizeof(qshape_node));
    strbuf_free(&nodes);
    return object_create_pointer(key, key_length, OBJECT_LIST, OBJECT_ENCODING_QUICKLIST, l.list, expire_ms);
}
