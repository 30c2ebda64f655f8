/* hash_type: a key's hash value across its three encodings (hash_type.h).
 *
 * A pack behind the key's pointer is told from an lhash by the pointer's low
 * bit (zmalloc blocks are at least 8-aligned): the type-table functions get
 * only the pointer, so it must say what it points to. */
#include <string.h>

#include "collection_defrag.h"
#include "convert.h"
#include "hash.h"
#include "hash_type.h"
#include "pack.h"
#include "zkv_assert.h"

hash_type_settings hash_type_config = {.max_listpack_entries = 512, .max_listpack_value = 64};

#define HASH_TYPE_PACK_TAG ((uintptr_t)1)
/* Pages of a big hash one defrag visit moves: a bounded slice, the rest on
 * the following passes. */
#define HASH_TYPE_DEFRAG_PAGES 64

static bool hash_type_is_pack(const void *value) {
    return ((uintptr_t)value & HASH_TYPE_PACK_TAG) != 0;
}

static pack *hash_type_pack(const void *value) {
    return (pack *)((uintptr_t)value & ~HASH_TYPE_PACK_TAG);
}

static void *hash_type_tag_pack(pack *p) {
    return (void *)((uintptr_t)p | HASH_TYPE_PACK_TAG);
}

enum hash_type_encoding hash_type_encoding_of(const object *o) {
    if (object_is_packed(o)) return HASH_TYPE_INLINE;
    return hash_type_is_pack(object_pointer(o)) ? HASH_TYPE_PACK : HASH_TYPE_LHASH;
}

/* Puts a moved or rebuilt block back in the table and in *o. */
static void hash_type_store(db *d, object **o, object *fresh) {
    if (fresh != *o) db_update_quiet(d, *o, fresh);
    *o = fresh;
}

object *hash_type_create(db *d, const char *key, size_t key_length) {
    object *o = object_create_packed(key, key_length, OBJECT_HASH, OBJECT_ENCODING_LISTPACK, NULL, 0,
                                     OBJECT_NO_EXPIRE);
    db_add(d, o);
    /* db_update_quiet finds the slot of a block that moved through the
     * lookup cache (the old block may be freed by then): a fresh key must be
     * looked up once to be in it. */
    object *found = db_lookup(d, key, key_length, DB_LOOKUP_WRITE | DB_LOOKUP_NOTOUCH | DB_LOOKUP_NOSTATS);
    zkv_assert(found == o);
    return o;
}

size_t hash_type_length(const object *o) {
    size_t length;
    switch (hash_type_encoding_of(o)) {
    case HASH_TYPE_INLINE: {
        const unsigned char *bytes = object_packed_bytes(o, &length);
        return hash_inline_count(bytes, length);
    }
    case HASH_TYPE_PACK: return pack_count(hash_type_pack(object_pointer(o))) / 2;
    default: return lhash_count(object_pointer(o));
    }
}

bool hash_type_get(const object *o, const char *field, size_t field_length, elem_view *value) {
    switch (hash_type_encoding_of(o)) {
    case HASH_TYPE_INLINE: {
        size_t length;
        const unsigned char *bytes = object_packed_bytes(o, &length);
        size_t at = hash_inline_find(bytes, length, field, field_length);
        if (at == length) return false;
        elem_view ignored;
        hash_inline_read(bytes, at, &ignored, value);
        return true;
    }
    case HASH_TYPE_PACK: {
        const pack *p = hash_type_pack(object_pointer(o));
        elem_key key;
        elem_key_init(&key, field, field_length);
        size_t at = pack_find(p, &key, 2);
        if (at == 0) return false;
        pack_get(p, pack_next(p, at), value);
        return true;
    }
    default: return lhash_find(object_pointer(o), field, field_length, value);
    }
}

object *hash_type_create_small(const char *key, size_t key_length, pack *pairs, long long expire_ms) {
    unsigned char bytes[HASH_TYPE_INLINE_MAX];
    size_t length = 0;
    for (size_t offset = pack_first(pairs); offset != 0;) {
        elem_view field, value;
        char field_digits[ELEM_INTEGER_BUFFER], value_digits[ELEM_INTEGER_BUFFER];
        pack_get(pairs, offset, &field);
        offset = pack_next(pairs, offset);
        pack_get(pairs, offset, &value);
        offset = pack_next(pairs, offset);
        size_t field_length, value_length;
        const char *field_bytes = elem_view_string(&field, field_digits, &field_length);
        const char *value_bytes = elem_view_string(&value, value_digits, &value_length);
        if (!hash_inline_fits(field_length, value_length) ||
            length + hash_inline_pair_size(field_length, value_length) > HASH_TYPE_INLINE_MAX)
            return object_create_pointer(key, key_length, OBJECT_HASH, OBJECT_ENCODING_LISTPACK,
                                         hash_type_tag_pack(pairs), expire_ms);
        length += hash_inline_write(bytes + length, field_bytes, field_length, value_bytes, value_length);
    }
    pack_free(pairs);
    return object_create_packed(key, key_length, OBJECT_HASH, OBJECT_ENCODING_LISTPACK, bytes, length, expire_ms);
}

object *hash_type_create_table(const char *key, size_t key_length, lhash *value, long long expire_ms) {
    zkv_assert(lhash_count(value) > 0);
    return object_create_pointer(key, key_length, OBJECT_HASH, OBJECT_ENCODING_HASHTABLE, value, expire_ms);
}

/* ---------------------------------------------------------------- conversions */

/* An inline hash rebuilt as a block holding `value` behind its pointer,
 * keeping the key's TTL and clock. */
static void hash_type_move_out(db *d, object **o, void *value, enum object_encoding encoding) {
    size_t key_length;
    const char *key = object_key(*o, &key_length);
    object *fresh = object_create_pointer(key, key_length, OBJECT_HASH, encoding, value, object_expire(*o));
    object_set_lru(fresh, object_lru(*o));
    object *previous = *o;
    hash_type_store(d, o, fresh);
    object_free(previous);
}

static void hash_type_inline_to_pack(db *d, object **o) {
    size_t length;
    const unsigned char *bytes = object_packed_bytes(*o, &length);
    pack *p = pack_create();
    for (size_t offset = 0; offset < length;) {
        elem_view field, value;
        offset = hash_inline_read(bytes, offset, &field, &value);
        elem_key key;
        elem_key_init(&key, field.bytes, field.length);
        p = pack_append(p, &key);
        elem_key_init(&key, value.bytes, value.length);
        p = pack_append(p, &key);
    }
    hash_type_move_out(d, o, hash_type_tag_pack(p), OBJECT_ENCODING_LISTPACK);
}

static void hash_type_to_lhash(db *d, object **o) {
    switch (hash_type_encoding_of(*o)) {
    case HASH_TYPE_INLINE: {
        size_t length;
        const unsigned char *bytes = object_packed_bytes(*o, &length);
        lhash *h = lhash_create(hash_bytes, true);
        for (size_t offset = 0; offset < length;) {
            elem_view field, value;
            offset = hash_inline_read(bytes, offset, &field, &value);
            lhash_set(h, field.bytes, field.length, value.bytes, value.length);
        }
        hash_type_move_out(d, o, h, OBJECT_ENCODING_HASHTABLE);
        return;
    }
    case HASH_TYPE_PACK: {
        pack *p = hash_type_pack(object_pointer(*o));
        object_set_pointer(*o, convert_pack_to_lhash(p, true, hash_bytes));
        object_set_encoding(*o, OBJECT_ENCODING_HASHTABLE);
        pack_free(p);
        return;
    }
    default: return;
    }
}

void hash_type_try_conversion(db *d, object **o, const resp_argument *arguments, int count) {
    if (hash_type_encoding_of(*o) == HASH_TYPE_LHASH) return;
    for (int i = 0; i < count; i++) {
        if ((long long)arguments[i].length > hash_type_config.max_listpack_value) {
            hash_type_to_lhash(d, o);
            return;
        }
    }
}

/* ---------------------------------------------------------------- writes */

/* Sets a pair in an inline hash; false (nothing changed) when the result
 * would not be inline. */
static bool hash_type_inline_set(db *d, object **o, const char *field, size_t field_length,
                                 const char *value, size_t value_length, bool *added) {
    if (!hash_inline_fits(field_length, value_length)) return false;
    size_t length;
    unsigned char *bytes = object_packed_bytes(*o, &length);
    size_t at = hash_inline_find(bytes, length, field, field_length);
    size_t old_pair = at < length ? hash_inline_pair_size(bytes[at] >> 4, bytes[at] & 0x0f) : 0;
    size_t new_pair = hash_inline_pair_size(field_length, value_length);
    size_t new_length = length - old_pair + new_pair;
    if (new_length > HASH_TYPE_INLINE_MAX) return false;
    *added = at == length;
    if (old_pair == new_pair) {
        hash_inline_write(bytes + at, field, field_length, value, value_length);
        return true;
    }
    /* The pairs after the replaced one move; the ones before stay put
     * through the resize. */
    unsigned char tail[HASH_TYPE_INLINE_MAX];
    size_t tail_length = length - at - old_pair;
    memcpy(tail, bytes + at + old_pair, tail_length);
    object *fresh = object_packed_resize(*o, new_length, &bytes);
    size_t written = hash_inline_write(bytes + at, field, field_length, value, value_length);
    memcpy(bytes + at + written, tail, tail_length);
    hash_type_store(d, o, fresh);
    return true;
}

bool hash_type_set(db *d, object **o, const char *field, size_t field_length, const char *value,
                   size_t value_length) {
    if ((long long)field_length > hash_type_config.max_listpack_value ||
        (long long)value_length > hash_type_config.max_listpack_value)
        hash_type_to_lhash(d, o);
    bool added = false;
    enum hash_type_encoding encoding = hash_type_encoding_of(*o);
    if (encoding == HASH_TYPE_INLINE) {
        if (!hash_type_inline_set(d, o, field, field_length, value, value_length, &added)) {
            hash_type_inline_to_pack(d, o);
            encoding = HASH_TYPE_PACK;
        }
    }
    if (encoding == HASH_TYPE_PACK) {
        pack *p = hash_type_pack(object_pointer(*o));
        elem_key key, fresh;
        elem_key_init(&key, field, field_length);
        elem_key_init(&fresh, value, value_length);
        size_t at = pack_find(p, &key, 2);
        added = at == 0;
        if (added) {
            p = pack_append(p, &key);
            p = pack_append(p, &fresh);
        } else {
            p = pack_replace(p, pack_next(p, at), &fresh);
        }
        object_set_pointer(*o, hash_type_tag_pack(p));
    } else if (encoding == HASH_TYPE_LHASH) {
        added = lhash_set(object_pointer(*o), field, field_length, value, value_length);
    }
    if (added && encoding != HASH_TYPE_LHASH &&
        (long long)hash_type_length(*o) > hash_type_config.max_listpack_entries)
        hash_type_to_lhash(d, o);
    return added;
}

bool hash_type_delete(db *d, object **o, const char *field, size_t field_length) {
    switch (hash_type_encoding_of(*o)) {
    case HASH_TYPE_INLINE: {
        size_t length;
        unsigned char *bytes = object_packed_bytes(*o, &length);
        size_t at = hash_inline_find(bytes, length, field, field_length);
        if (at == length) return false;
        size_t pair = hash_inline_pair_size(bytes[at] >> 4, bytes[at] & 0x0f);
        memmove(bytes + at, bytes + at + pair, length - at - pair);
        hash_type_store(d, o, object_packed_resize(*o, length - pair, &bytes));
        return true;
    }
    case HASH_TYPE_PACK: {
        pack *p = hash_type_pack(object_pointer(*o));
        elem_key key;
        elem_key_init(&key, field, field_length);
        size_t at = pack_find(p, &key, 2);
        if (at == 0) return false;
        object_set_pointer(*o, hash_type_tag_pack(pack_delete(p, at, 2)));
        return true;
    }
    default: return lhash_delete(object_pointer(*o), field, field_length);
    }
}

/* ---------------------------------------------------------------- type table */

void hash_type_free_value(void *value) {
    if (hash_type_is_pack(value))
        pack_free(hash_type_pack(value));
    else
        lhash_free(value);
}

void *hash_type_duplicate_value(const void *value) {
    if (hash_type_is_pack(value)) return hash_type_tag_pack(pack_duplicate(hash_type_pack(value)));
    return lhash_duplicate(value);
}

size_t hash_type_free_effort(const void *value) {
    return hash_type_is_pack(value) ? 1 : 1 + lhash_page_count(value);
}

size_t hash_type_memory_usage(const void *value, size_t samples) {
    return hash_type_is_pack(value) ? pack_memory(hash_type_pack(value)) : lhash_memory_sampled(value, samples);
}

/* Where the last big hash's defragmentation stopped. */
static collection_defrag_progress hash_type_defrag_progress;

void *hash_type_defrag_value(void *value) {
    if (hash_type_is_pack(value)) return hash_type_tag_pack(collection_defrag_block(hash_type_pack(value)));
    return collection_defrag_lhash(value, &hash_type_defrag_progress, HASH_TYPE_DEFRAG_PAGES);
}

/* ---------------------------------------------------------------- reading */

void hash_type_iterator_init(hash_type_iterator *it, const object *o) {
    *it = (hash_type_iterator){.encoding = hash_type_encoding_of(o)};
    switch (it->encoding) {
    case HASH_TYPE_INLINE: it->bytes = object_packed_bytes(o, &it->length); break;
    case HASH_TYPE_PACK:
        it->value = hash_type_pack(object_pointer(o));
        it->offset = pack_first(it->value);
        break;
    default:
        it->value = object_pointer(o);
        lhash_iterator_init(&it->table, it->value);
        break;
    }
}

bool hash_type_iterator_next(hash_type_iterator *it, elem_view *field, elem_view *value) {
    switch (it->encoding) {
    case HASH_TYPE_INLINE:
        if (it->offset >= it->length) return false;
        it->offset = hash_inline_read(it->bytes, it->offset, field, value);
        return true;
    case HASH_TYPE_PACK: {
        if (it->offset == 0) return false;
        const pack *p = it->value;
        pack_get(p, it->offset, field);
        size_t value_offset = pack_next(p, it->offset);
        pack_get(p, value_offset, value);
        it->offset = pack_next(p, value_offset);
        return true;
    }
    default: return lhash_iterator_next(&it->table, field, value);
    }
}

void hash_type_small_at(const object *o, size_t index, elem_view *field, elem_view *value) {
    if (hash_type_encoding_of(o) == HASH_TYPE_INLINE) {
        size_t length, offset = 0;
        const unsigned char *bytes = object_packed_bytes(o, &length);
        for (size_t i = 0; i < index; i++) offset = hash_inline_read(bytes, offset, field, value);
        hash_inline_read(bytes, offset, field, value);
        return;
    }
    zkv_assert(hash_type_encoding_of(o) == HASH_TYPE_PACK);
    const pack *p = hash_type_pack(object_pointer(o));
    size_t offset = pack_index(p, 2 * index);
    pack_get(p, offset, field);
    pack_get(p, pack_next(p, offset), value);
}

void hash_type_table_random(const object *o, elem_view *field, elem_view *value) {
    lhash_position position;
    bool found = lhash_random(object_pointer(o), &position);
    zkv_assert(found);
    lhash_get(object_pointer(o), &position, field, value);
}
