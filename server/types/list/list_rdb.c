/* list_rdb: a list in Redis's serialization (RDB files, DUMP payloads).
 *
 * Saving writes what Redis 7.0 writes for every list, RDB_TYPE_LIST_QUICKLIST_2:
 * the elements in order, cut into listpack nodes by lib/rdb_quicklist as
 * Redis's quicklist cuts them under the same list-max-listpack-size and
 * list-compress-depth.  Redis's nodes record the list's history; zkv keeps
 two things of it: the ends it grew at (plist_changed_ends): a list grown
 * only at its head (LPUSH) is cut from the tail, any other from the head;
 * and the count of the node at that end (plist_end_node), which pops and
 * trims there eat into.  So lists grown at one end and popped or trimmed
 * at either (a queue: RPUSH, LPOP, LTRIM) dump to Redis's bytes while
 * chunked; a small list is cut as if freshly grown.  A list grown at both
 * ends or changed in the middle has other boundaries in Redis: the
 * elements and the size are the same.  The nodes of one list
 * are held in memory until written (rdb_quicklist.h's trade-off).
 *
 * Loading accepts every list type of a Redis 7.0 file (1 plain, 10 ziplist,
 * 14 quicklist, 18 quicklist 2), validates every blob before reading it
 * (lib/rdb_*), and pushes the elements at the tail under list_limits, so
 * the list lands in the chunks a run of RPUSHes would give it; nodes cut
 * from the tail mark it as grown at its head, so it dumps as it came.  An empty
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
    rdb_quicklist_builder_init(&builder, list_limits.fill, list_limits.compress_depth, false);
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
    rdb_quicklist_shape shape = {.fill = list_limits.fill, .nodes_out = &nodes};
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
