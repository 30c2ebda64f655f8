/* hash_rdb: a hash in Redis's serialization (RDB files, DUMP payloads).
 *
 * Saving writes what Redis 7.0 writes for the encoding OBJECT ENCODING
 * reports.  An inline or pack hash (Redis's listpack) becomes one listpack
 * blob (RDB_TYPE_HASH_LISTPACK) holding the pairs in their order, which is
 * Redis's order, so the bytes are Redis's; the blob is built in a scratch
 * buffer of at most 512 pairs of 64 bytes.  An lhash becomes RDB_TYPE_HASH:
 * the count, then field and value strings in table order (Redis's bytes up
 * to the order of the pairs).
 *
 * Loading accepts every hash type of a Redis 7.0 file (4 plain, 9 zipmap,
 * 13 ziplist, 16 listpack), validates everything, refuses a duplicated field
 * (Redis's deep sanitization does too), and lands in the encoding a run of
 * HSETs would reach: pairs gather in a pack, in order, until one passes
 * hash-max-listpack-value or their number passes -entries, when the pack
 * becomes an lhash (so the hashtable-encoded hash Redis saves as type 4
 * comes back as a listpack when it fits, as in Redis; a ziplist converts by
 * its number of pairs only, as in Redis); a small result goes
 * inline when it fits the key's block.  Duplicates in the pack are found by
 * a scan up to HASH_RDB_LINEAR_CHECK fields, then by a temporary set of the
 * fields, so a 512-field listpack costs O(n), not O(n^2).
 */
#include <string.h>

#include "convert.h"
#include "hash.h"
#include "hash_type.h"
#include "rdb_io.h"
#include "rdb_listpack.h"
#include "rdb_ziplist.h"
#include "rdb_zipmap.h"
#include "strbuf.h"

/* Fields compared one by one before a set of them is kept instead. */
#define HASH_RDB_LINEAR_CHECK 16

int hash_rdb_type(const object *o) {
    return hash_type_encoding_of(o) == HASH_TYPE_LHASH ? RDB_TYPE_HASH : RDB_TYPE_HASH_LISTPACK;
}

static int hash_rdb_write_view(rdb_writer *w, const elem_view *view) {
    char digits[ELEM_INTEGER_BUFFER];
    size_t length;
    const char *bytes = elem_view_string(view, digits, &length);
    return rdb_write_string(w, bytes, length);
}

int hash_rdb_save(const object *o, rdb_writer *w) {
    hash_type_iterator it;
    elem_view field, value;
    hash_type_iterator_init(&it, o);
    if (hash_type_encoding_of(o) == HASH_TYPE_LHASH) {
        if (rdb_write_length(w, hash_type_length(o)) != 0) return -1;
        while (hash_type_iterator_next(&it, &field, &value))
            if (hash_rdb_write_view(w, &field) != 0 || hash_rdb_write_view(w, &value) != 0) return -1;
        return 0;
    }
    strbuf blob;
    strbuf_init(&blob);
    rdb_listpack_builder builder;
    rdb_listpack_begin(&builder, &blob);
    while (hash_type_iterator_next(&it, &field, &value)) {
        char digits[ELEM_INTEGER_BUFFER];
        size_t length;
        const char *bytes = elem_view_string(&field, digits, &length);
        rdb_listpack_append_string(&builder, bytes, length);
        bytes = elem_view_string(&value, digits, &length);
        rdb_listpack_append_string(&builder, bytes, length);
    }
    rdb_listpack_finish(&builder);
    int result = rdb_write_string(w, blob.data, blob.length);
    strbuf_free(&blob);
    return result;
}

/* ---------------------------------------------------------------- loading */

typedef struct hash_rdb_loader {
    bool by_count;   /* only the number of pairs decides (see below) */
    pack *pairs;     /* while small: the pairs in order */
    lhash *fields;   /* while small and past the linear check: its fields */
    lhash *table;    /* once big */
} hash_rdb_loader;

static void hash_rdb_loader_free(hash_rdb_loader *l) {
    if (l->pairs) pack_free(l->pairs);
    if (l->fields) lhash_free(l->fields);
    if (l->table) lhash_free(l->table);
}

static void hash_rdb_become_table(hash_rdb_loader *l) {
    l->table = convert_pack_to_lhash(l->pairs, true, hash_bytes);
    pack_free(l->pairs);
    l->pairs = NULL;
    if (l->fields) lhash_free(l->fields);
    l->fields = NULL;
}

/* Whether the small hash already holds `field`. */
static bool hash_rdb_small_has(hash_rdb_loader *l, const char *field, size_t field_length) {
    if (l->fields) return !lhash_set(l->fields, field, field_length, NULL, 0);
    elem_key key;
    elem_key_init(&key, field, field_length);
    if (pack_find(l->pairs, &key, 2) != 0) return true;
    if (pack_count(l->pairs) / 2 < HASH_RDB_LINEAR_CHECK) return false;
    /* From now on a set of the fields answers; it starts with all of them. */
    l->fields = lhash_create(hash_bytes, false);
    for (size_t offset = pack_first(l->pairs); offset != 0; offset = pack_next(l->pairs, pack_next(l->pairs, offset))) {
        elem_view view;
        char digits[ELEM_INTEGER_BUFFER];
        size_t length;
        pack_get(l->pairs, offset, &view);
        const char *bytes = elem_view_string(&view, digits, &length);
        lhash_set(l->fields, bytes, length, NULL, 0);
    }
    lhash_set(l->fields, field, field_length, NULL, 0);
    return false;
}

/* Adds a pair; -1 with *error on a duplicated field. */
static int hash_rdb_add(hash_rdb_loader *l, const char *field, size_t field_length, const char *value,
                        size_t value_length, const char **error) {
    if (l->pairs &&
        ((!l->by_count && ((long long)field_length > hash_type_config.max_listpack_value ||
                           (long long)value_length > hash_type_config.max_listpack_value)) ||
         (long long)pack_count(l->pairs) / 2 + 1 > hash_type_config.max_listpack_entries))
        hash_rdb_become_table(l);
    if (l->table) {
        if (lhash_set(l->table, field, field_length, value, value_length)) return 0;
    } else if (!hash_rdb_small_has(l, field, field_length)) {
        elem_key key;
        elem_key_init(&key, field, field_length);
        l->pairs = pack_append(l->pairs, &key);
        elem_key_init(&key, value, value_length);
        l->pairs = pack_append(l->pairs, &key);
        return 0;
    }
    *error = "duplicated hash field";
    return -1;
}

/* The pairs of a plain RDB_TYPE_HASH: a count, then strings. */
static int hash_rdb_load_plain(rdb_reader *r, hash_rdb_loader *l, const char **error) {
    uint64_t count;
    if (rdb_read_length(r, &count) != 0) return -1;
    for (uint64_t i = 0; i < count; i++) {
        rdb_string field, value;
        if (rdb_read_string(r, &field) != 0) return -1;
        if (rdb_read_string(r, &value) != 0) {
            rdb_string_release(&field);
            return -1;
        }
        int result = hash_rdb_add(l, field.data, field.length, value.data, value.length, error);
        rdb_string_release(&field);
        rdb_string_release(&value);
        if (result != 0) return -1;
    }
    return 0;
}

static int hash_rdb_add_elements(hash_rdb_loader *l, const rdb_element *field, const rdb_element *value,
                                 const char **error) {
    char field_digits[24], value_digits[24];
    size_t field_length, value_length;
    const char *field_bytes = rdb_element_bytes(field, field_digits, &field_length);
    const char *value_bytes = rdb_element_bytes(value, value_digits, &value_length);
    return hash_rdb_add(l, field_bytes, field_length, value_bytes, value_length, error);
}

/* The pairs of a blob type (zipmap, ziplist, listpack), read as one string. */
static int hash_rdb_load_blob(rdb_reader *r, int type, hash_rdb_loader *l, const char **error) {
    rdb_string blob;
    if (rdb_read_string(r, &blob) != 0) return -1;
    const uint8_t *bytes = (const uint8_t *)blob.data;
    size_t count = 0;
    int result = -1;
    rdb_element field, value;
    if (type == RDB_TYPE_HASH_ZIPMAP) {
        if (rdb_zipmap_validate(bytes, blob.length, &count, error) != 0) goto done;
        rdb_zipmap_iterator it;
        rdb_zipmap_iterator_init(&it, bytes, blob.length);
        while (rdb_zipmap_next(&it, &field, &value))
            if (hash_rdb_add_elements(l, &field, &value, error) != 0) goto done;
    } else if (type == RDB_TYPE_HASH_ZIPLIST) {
        if (rdb_ziplist_validate(bytes, blob.length, &count, error) != 0) goto done;
        if (count % 2 != 0) {
            *error = "ziplist of a hash with an odd number of entries";
            goto done;
        }
        rdb_ziplist_iterator it;
        rdb_ziplist_iterator_init(&it, bytes, blob.length);
        while (rdb_ziplist_next(&it, &field) && rdb_ziplist_next(&it, &value))
            if (hash_rdb_add_elements(l, &field, &value, error) != 0) goto done;
    } else {
        if (rdb_listpack_validate(bytes, blob.length, &count, error) != 0) goto done;
        if (count % 2 != 0) {
            *error = "listpack of a hash with an odd number of entries";
            goto done;
        }
        rdb_listpack_iterator it;
        rdb_listpack_iterator_init(&it, bytes);
        while (rdb_listpack_next(&it, &field) && rdb_listpack_next(&it, &value))
            if (hash_rdb_add_elements(l, &field, &value, error) != 0) goto done;
    }
    result = 0;
done:
    rdb_string_release(&blob);
    return result;
}

object *hash_rdb_load(rdb_reader *r, int rdb_type, const char *key, size_t key_length, long long expire_ms,
                      const char **error) {
    *error = NULL;
    /* Redis 7.0 keeps a ziplist's long values in the listpack it becomes:
     * only the number of pairs converts it. */
    hash_rdb_loader l = {.pairs = pack_create(), .by_count = rdb_type == RDB_TYPE_HASH_ZIPLIST};
    int result;
    switch (rdb_type) {
    case RDB_TYPE_HASH: result = hash_rdb_load_plain(r, &l, error); break;
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK: result = hash_rdb_load_blob(r, rdb_type, &l, error); break;
    default:
        *error = "not a hash type";
        result = -1;
        break;
    }
    if (result != 0) {
        if (!*error) *error = r->error ? r->error : "corrupt hash";
        hash_rdb_loader_free(&l);
        return NULL;
    }
    object *o = NULL;
    if (l.table) {
        o = hash_type_create_table(key, key_length, l.table, expire_ms);
        l.table = NULL;
    } else if (pack_count(l.pairs) > 0) {
        o = hash_type_create_small(key, key_length, l.pairs, expire_ms);
        l.pairs = NULL;
    }
    hash_rdb_loader_free(&l);
    return o;
}
