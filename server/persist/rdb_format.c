/* rdb_format: one value and the DUMP payload (see rdb_format.h). */
#include "rdb_format.h"

#include <string.h>

#include "rdb_crc64.h"

static enum object_type object_type_of(int rdb_type) {
    switch (rdb_type) {
    case RDB_TYPE_STRING: return OBJECT_STRING;
    case RDB_TYPE_LIST:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2: return OBJECT_LIST;
    case RDB_TYPE_SET:
    case RDB_TYPE_SET_INTSET: return OBJECT_SET;
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK: return OBJECT_ZSET;
    case RDB_TYPE_HASH:
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK: return OBJECT_HASH;
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2: return OBJECT_STREAM;
    default: return OBJECT_TYPE_COUNT; /* modules: never loadable */
    }
}

bool rdb_format_is_value_type(int type) {
    return (type >= 0 && type <= 7) || (type >= 9 && type <= 19);
}

int rdb_format_value_type(const object *o) {
    enum object_type type = object_type(o);
    if (type == OBJECT_STRING) return RDB_TYPE_STRING;
    const object_type_functions *functions = object_type_table(type);
    if (!functions->rdb_type || !functions->rdb_save) return -1;
    return functions->rdb_type(o);
}

int rdb_format_save_value(rdb_writer *w, const object *o) {
    if (object_type(o) == OBJECT_STRING) {
        long long value;
        if (object_string_integer(o, &value)) return rdb_write_integer_string(w, value);
        char digits[OBJECT_INTEGER_BUFFER];
        size_t length;
        const char *bytes = object_string_bytes(o, &length, digits);
        return rdb_write_string(w, bytes, length);
    }
    return object_type_table(object_type(o))->rdb_save(o, w) == 0 ? 0 : -1;
}

/* Redis's name for each packed value type, as its loader reports a failed
 * check ("Zset ziplist integrity check failed."). */
static const char *packed_kind(int type) {
    switch (type) {
    case RDB_TYPE_HASH_ZIPMAP: return "Zipmap";
    case RDB_TYPE_LIST_ZIPLIST: return "List ziplist";
    case RDB_TYPE_SET_INTSET: return "Intset";
    case RDB_TYPE_ZSET_ZIPLIST: return "Zset ziplist";
    case RDB_TYPE_HASH_ZIPLIST: return "Hash ziplist";
    case RDB_TYPE_LIST_QUICKLIST: return "Ziplist";
    case RDB_TYPE_HASH_LISTPACK: return "Hash listpack";
    case RDB_TYPE_ZSET_LISTPACK: return "Zset listpack";
    case RDB_TYPE_LIST_QUICKLIST_2: return "Listpack";
    default: return NULL;
    }
}

static const char *packed_encoding(int type) {
    switch (type) {
    case RDB_TYPE_HASH_ZIPMAP: return "zipmap";
    case RDB_TYPE_SET_INTSET: return "intset";
    case RDB_TYPE_HASH_LISTPACK:
    case RDB_TYPE_ZSET_LISTPACK:
    case RDB_TYPE_LIST_QUICKLIST_2: return "listpack";
    default: return "ziplist";
    }
}

static bool starts_with(const char *text, const char *prefix) {
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

void rdb_format_describe_error(int type, const char *detail, strbuf *out) {
    static const struct {
        const char *zkv, *redis;
    } same_meaning[] = {{"duplicated hash field", "Duplicate hash fields detected"},
                        {"duplicated set member", "Duplicate set members detected"},
                        {"duplicated sorted set member", "Duplicate zset fields detected"},
                        {"sorted set score is NaN", "Zset with NAN score detected"},
                        {"quicklist node", "Quicklist integrity check failed"}};
    const char *kind = packed_kind(type);
    /* A packed value's own checks (its codec's, its pairs, duplicates)
     * are one "integrity check" in Redis; a read error (EOF, LZF) is not. */
    bool packed_check = kind && (starts_with(detail, "ziplist") || starts_with(detail, "listpack") ||
                                 starts_with(detail, "zipmap") || starts_with(detail, "intset") ||
                                 starts_with(detail, "duplicated") || strstr(detail, "odd number") != NULL ||
                                 starts_with(detail, "packed"));
    if (packed_check) {
        strbuf_printf(out, "%s integrity check failed: ", kind);
        if (starts_with(detail, "duplicated")) /* Redis's words for it */
            strbuf_printf(out, "%s with dup elements (%s)", packed_encoding(type), detail);
        else
            strbuf_append_cstring(out, detail);
        return;
    }
    for (size_t i = 0; i < sizeof(same_meaning) / sizeof(same_meaning[0]); i++)
        if (starts_with(detail, same_meaning[i].zkv)) {
            strbuf_printf(out, "%s: %s", same_meaning[i].redis, detail);
            return;
        }
    strbuf_append_cstring(out, detail);
}

object *rdb_format_load_object(rdb_reader *r, int type, const char *key, size_t key_length,
                               long long expire_ms, const char **error) {
    *error = NULL;
    enum object_type otype = object_type_of(type);
    if (otype == OBJECT_STRING) {
        rdb_string s;
        if (rdb_read_string(r, &s) != 0) {
            *error = r->error;
            return NULL;
        }
        object *o = s.is_integer ? object_create_integer(key, key_length, s.integer, expire_ms)
                                 : object_create_string(key, key_length, s.data, s.length, OBJECT_STRING_AUTO,
                                                        expire_ms);
        rdb_string_release(&s);
        return o;
    }
    if (otype == OBJECT_TYPE_COUNT) {
        *error = "module values are not supported";
        return NULL;
    }
    const object_type_functions *functions = object_type_table(otype);
    if (!functions->rdb_load) {
        *error = otype == OBJECT_STREAM ? "streams are not supported by this build"
                                        : "this value type is not supported by this build";
        return NULL;
    }
    object *o = functions->rdb_load(r, type, key, key_length, expire_ms, error);
    if (!o && !*error && r->error) *error = r->error;
    return o;
}

int rdb_format_dump(const object *o, bool compress, strbuf *out, const char **error) {
    int type = rdb_format_value_type(o);
    if (type < 0) {
        *error = "the value's type cannot be serialized by this build";
        return -2;
    }
    rdb_writer w;
    rdb_writer_init(&w, -1, compress);
    rdb_write_byte(&w, (uint8_t)type);
    int result = rdb_format_save_value(&w, o);
    if (result == 0) {
        uint8_t version[2] = {RDB_VERSION & 0xff, RDB_VERSION >> 8};
        rdb_write_raw(&w, version, 2);
        uint64_t crc = rdb_writer_crc(&w);
        rdb_write_u64_le(&w, crc);
        strbuf_append(out, w.buffer.data, w.buffer.length);
    }
    rdb_writer_free(&w);
    return result;
}

int rdb_format_verify_payload(const uint8_t *payload, size_t length, bool check_crc, size_t *value_length) {
    if (length < 10) return -1;
    const uint8_t *footer = payload + length - 10;
    int version = footer[0] | (footer[1] << 8);
    if (version > RDB_VERSION) return -1;
    uint64_t stored = 0;
    for (int i = 7; i >= 0; i--) stored = (stored << 8) | footer[2 + i];
    if (check_crc && rdb_crc64(0, payload, length - 8) != stored) return -1;
    *value_length = length - 10;
    return 0;
}
