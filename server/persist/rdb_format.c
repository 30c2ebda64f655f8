/* rdb_format: one value and the DUMP payload (see rdb_format.h). */
#include "rdb_format.h"

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
