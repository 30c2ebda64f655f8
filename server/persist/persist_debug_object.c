/* persist_debug_object: DEBUG OBJECT <key>, Redis 7.0's one-line status
 *
 *   Value at:<address> refcount:<n> encoding:<name> serializedlength:<bytes>
 *   lru:<clock> lru_seconds_idle:<seconds>[ ql_nodes:.. ql_avg_node:..
 *   ql_listpack_max:.. ql_compressed:.. ql_uncompressed_size:..]
 *
 * It lives with persistence because serializedlength is the size of the
 * value in an RDB file (without type byte and key, under rdbcompression),
 * and the only exact way to know it is to serialize the value: the same
 * codec DUMP and SAVE use, into a transient buffer.  That is O(size of the
 * value) on the loop, like DUMP and like Redis's own DEBUG OBJECT (which
 * walks the value too); DEBUG is a testing aid, disabled by default.
 *
 * A list's ql_* fields describe Redis's quicklist.  zkv's lists are not
 * quicklists, but their serialization is cut into nodes exactly as Redis
 * cuts them (lib/rdb_quicklist), so the node count and the nodes'
 * uncompressed sizes are read back from the serialized nodes' headers (an
 * LZF string header carries the original length: nothing is inflated);
 * ql_listpack_max and ql_compressed are the list parameters.
 *
 * Like Redis, the key is found without expiring it (an expired key not yet
 * reclaimed is still described) and without touching its LRU clock.
 */
#include <stdio.h>
#include <string.h>

#include "config_table.h"
#include "db.h"
#include "debug_extension.h"
#include "key_access.h"
#include "persist.h"
#include "rdb_format.h"
#include "rdb_io.h"
#include "reply.h"
#include "strbuf.h"
#include "zmalloc.h"

typedef struct quicklist_summary {
    unsigned long long nodes;
    unsigned long long uncompressed_bytes;
} quicklist_summary;

/* Reads the node headers of a serialized RDB_TYPE_LIST_QUICKLIST_2 value;
 * 0, or -1 when the bytes are not that layout (never for our own output). */
static int summarize_quicklist(const uint8_t *value, size_t length, quicklist_summary *summary) {
    rdb_reader r;
    rdb_reader_init(&r, value, length, RDB_VERSION);
    uint64_t nodes, container, size;
    if (rdb_read_length(&r, &nodes) != 0) return -1;
    summary->nodes = nodes;
    summary->uncompressed_bytes = 0;
    for (uint64_t i = 0; i < nodes; i++) {
        bool encoded;
        const uint8_t *skipped;
        if (rdb_read_length(&r, &container) != 0 || rdb_read_length_or_encoding(&r, &size, &encoded) != 0)
            return -1;
        if (encoded && size == RDB_ENCODED_LZF) {
            uint64_t compressed, original;
            if (rdb_read_length(&r, &compressed) != 0 || rdb_read_length(&r, &original) != 0 ||
                rdb_read_raw(&r, compressed, &skipped) != 0)
                return -1;
            summary->uncompressed_bytes += original;
        } else if (!encoded) {
            if (rdb_read_raw(&r, size, &skipped) != 0) return -1;
            summary->uncompressed_bytes += size;
        } else {
            return -1; /* an integer-encoded node cannot hold a listpack */
        }
    }
    return 0;
}

/* The current text of a configuration parameter into `out`. */
static void parameter_text(const char *name, strbuf *out) {
    const config_parameter *parameter = config_find(name);
    if (parameter) config_parameter_get(parameter, out);
}

/* Appends the ql_* fields of a serialized list to `line`. */
static void append_quicklist_fields(strbuf *line, const uint8_t *value, size_t length, size_t elements) {
    quicklist_summary summary;
    if (summarize_quicklist(value, length, &summary) != 0 || summary.nodes == 0) return;
    strbuf fill, depth;
    strbuf_init(&fill);
    strbuf_init(&depth);
    parameter_text("list-max-listpack-size", &fill);
    parameter_text("list-compress-depth", &depth);
    bool compressed = !(depth.length == 1 && depth.data[0] == '0');
    strbuf_printf(line, " ql_nodes:%llu ql_avg_node:%.2f ql_listpack_max:%.*s ql_compressed:%d",
                   summary.nodes, (double)elements / (double)summary.nodes, (int)fill.length, fill.data,
                   compressed ? 1 : 0);
    strbuf_printf(line, " ql_uncompressed_size:%llu", summary.uncompressed_bytes);
    strbuf_free(&fill);
    strbuf_free(&depth);
}

static void count_element(void *context, const char *bytes, size_t length, double score) {
    (void)bytes, (void)length, (void)score;
    ++*(size_t *)context;
}

/* The number of elements of a list, through the type table (compressed
 * nodes' listpack headers would need inflating); a walk, as serializing
 * the value already was. */
static size_t list_length(const object *o) {
    const object_type_functions *type = object_type_table(OBJECT_LIST);
    size_t count = 0;
    if (type->for_each_element) type->for_each_element(object_pointer(o), count_element, &count);
    return count;
}

static void debug_object(client *c) {
    object *o = db_lookup(key_db(c), c->argv[2].data, c->argv[2].length,
                          DB_LOOKUP_NOTOUCH | DB_LOOKUP_NOSTATS | DB_LOOKUP_NOEXPIRE);
    if (o == NULL) {
        reply_error(c, "ERR no such key");
        return;
    }
    strbuf payload;
    strbuf_init(&payload);
    const char *error = NULL;
    if (rdb_format_dump(o, persist.compression != 0, &payload, &error) != 0) {
        strbuf_free(&payload);
        reply_error_format(c, "ERR %s", error);
        return;
    }
    /* The payload is <type byte> <value> <version u16> <CRC-64>. */
    const uint8_t *value = (const uint8_t *)payload.data + 1;
    size_t value_length = payload.length - 11;
    strbuf line;
    strbuf_init(&line);
    strbuf_printf(&line, "Value at:%p refcount:%d encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%lld",
                   (void *)o, db_object_refcount(o), object_encoding_name(o), value_length, object_lru(o),
                   db_object_idle_ms(o) / 1000);
    if ((uint8_t)payload.data[0] == RDB_TYPE_LIST_QUICKLIST_2)
        append_quicklist_fields(&line, value, value_length, list_length(o));
    reply_simple(c, line.data);
    strbuf_free(&line);
    strbuf_free(&payload);
}

static const char *const object_help[] = {
    "OBJECT <key>",
    "    Show low-level info about `key` and associated value.",
    NULL};

static const debug_extension object_extension = {"object", 3, 3, debug_object, object_help};

void persist_debug_object_init(void) {
    debug_register_extension(&object_extension);
}
