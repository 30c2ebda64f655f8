/* object: a key, its value and its metadata packed in one block.  See
 * object.h for the layout and why it looks like this. */
#include "object.h"

#include <limits.h>
#include <string.h>

#include "zkv_assert.h"
#include "zmalloc.h"

struct object {
    uint8_t type_encoding;  /* type in the low nibble, reported encoding above */
    uint8_t flags;          /* OBJECT_FLAG_* and the storage kind */
    uint8_t lru[3];         /* little-endian 24-bit clock */
    uint8_t rest[];         /* key length varint, key, [expire], value */
};

#define OBJECT_FLAG_EXPIRE 0x01
#define OBJECT_FLAG_EXPIRE_WIDE 0x02
#define OBJECT_STORAGE_SHIFT 2
#define OBJECT_STORAGE_MASK 0x0c
#define OBJECT_FLAG_INTEGER_COPY 0x10 /* made by COPY: Redis does not share it */
#define OBJECT_EXPIRE_NARROW 6
#define OBJECT_EXPIRE_WIDE 8
#define OBJECT_VARINT_MAX 10
#define OBJECT_BUFFER_GROWTH_LIMIT (1024 * 1024)

/* Where the value lives. */
enum object_storage { STORAGE_INTEGER = 0, STORAGE_INLINE = 1, STORAGE_EXTERNAL = 2 };

/* The external block of a long string: its length, then the bytes; the
 * capacity is what the allocator granted. */
typedef struct object_string_buffer {
    size_t length;
    char bytes[];
} object_string_buffer;

static object_type_functions object_types[OBJECT_TYPE_COUNT];

/* ---------------------------------------------------------------- varints */

static size_t object_varint_size(uint64_t value) {
    size_t size = 1;
    while (value >= 0x80) {
        value >>= 7;
        size++;
    }
    return size;
}

static size_t object_varint_write(uint8_t *p, uint64_t value) {
    size_t size = 0;
    while (value >= 0x80) {
        p[size++] = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    p[size++] = (uint8_t)value;
    return size;
}

static size_t object_varint_read(const uint8_t *p, uint64_t *value) {
    uint64_t result = 0;
    size_t size = 0;
    int shift = 0;
    for (;;) {
        uint8_t byte = p[size++];
        result |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) break;
        shift += 7;
    }
    *value = result;
    return size;
}

/* Zigzag maps small negative numbers to small unsigned ones (-1 -> 1). */
static uint64_t object_zigzag(long long value) {
    return ((uint64_t)value << 1) ^ (uint64_t)(value >> 63);
}

static long long object_unzigzag(uint64_t value) {
    return (long long)(value >> 1) ^ -(long long)(value & 1);
}

/* ---------------------------------------------------------------- layout */

static enum object_storage object_storage(const object *o) {
    return (enum object_storage)((o->flags & OBJECT_STORAGE_MASK) >> OBJECT_STORAGE_SHIFT);
}

static void object_set_storage(object *o, enum object_storage storage) {
    o->flags = (uint8_t)((o->flags & ~OBJECT_STORAGE_MASK) | storage << OBJECT_STORAGE_SHIFT);
}

static size_t object_expire_size(const object *o) {
    if (!(o->flags & OBJECT_FLAG_EXPIRE)) return 0;
    return (o->flags & OBJECT_FLAG_EXPIRE_WIDE) ? OBJECT_EXPIRE_WIDE : OBJECT_EXPIRE_NARROW;
}

static size_t object_expire_size_for(long long expire_ms) {
    if (expire_ms == OBJECT_NO_EXPIRE) return 0;
    return (uint64_t)expire_ms >> 48 ? OBJECT_EXPIRE_WIDE : OBJECT_EXPIRE_NARROW;
}

/* Offset of the expire field (just after the key). */
static size_t object_expire_offset(const object *o) {
    uint64_t key_length;
    size_t varint = object_varint_read(o->rest, &key_length);
    return varint + key_length;
}

static uint8_t *object_value_area(const object *o) {
    return (uint8_t *)o->rest + object_expire_offset(o) + object_expire_size(o);
}

/* Bytes taken by the value part (after the expire field). */
static size_t object_value_size(const object *o) {
    const uint8_t *value = object_value_area(o);
    uint64_t number;
    switch (object_storage(o)) {
    case STORAGE_INTEGER: return object_varint_read(value, &number);
    case STORAGE_INLINE: {
        size_t varint = object_varint_read(value, &number);
        return varint + number;
    }
    default: return sizeof(void *);
    }
}

static size_t object_total_size(const object *o) {
    return sizeof(object) + (size_t)(object_value_area(o) - o->rest) + object_value_size(o);
}

static void object_write_expire(uint8_t *p, long long expire_ms, size_t size) {
    uint64_t value = (uint64_t)expire_ms;
    for (size_t i = 0; i < size; i++) p[i] = (uint8_t)(value >> (8 * i));
}

static long long object_read_expire(const uint8_t *p, size_t size) {
    uint64_t value = 0;
    for (size_t i = 0; i < size; i++) value |= (uint64_t)p[i] << (8 * i);
    return (long long)value;
}

/* Allocates a block for this key and expire with `value_size` bytes of value
 * part; fills everything but the value, type and encoding. */
static object *object_allocate(const char *key, size_t key_length, long long expire_ms,
                               size_t value_size, uint8_t **value_area) {
    size_t expire_size = object_expire_size_for(expire_ms);
    size_t size = sizeof(object) + object_varint_size(key_length) + key_length + expire_size + value_size;
    object *o = zmalloc_alloc(size);
    o->type_encoding = 0;
    o->flags = 0;
    memset(o->lru, 0, sizeof o->lru);
    uint8_t *p = o->rest + object_varint_write(o->rest, key_length);
    memcpy(p, key, key_length);
    p += key_length;
    if (expire_size > 0) {
        o->flags |= OBJECT_FLAG_EXPIRE;
        if (expire_size == OBJECT_EXPIRE_WIDE) o->flags |= OBJECT_FLAG_EXPIRE_WIDE;
        object_write_expire(p, expire_ms, expire_size);
        p += expire_size;
    }
    *value_area = p;
    return o;
}

static void object_set_type(object *o, enum object_type type, enum object_encoding encoding) {
    o->type_encoding = (uint8_t)(type | encoding << 4);
}

/* ---------------------------------------------------------------- create */

object *object_create_integer(const char *key, size_t key_length, long long value,
                              long long expire_ms) {
    uint64_t zigzag = object_zigzag(value);
    uint8_t *area;
    object *o = object_allocate(key, key_length, expire_ms, object_varint_size(zigzag), &area);
    object_varint_write(area, zigzag);
    object_set_type(o, OBJECT_STRING, OBJECT_ENCODING_INT);
    object_set_storage(o, STORAGE_INTEGER);
    return o;
}

static object_string_buffer *object_buffer_create(const char *bytes, size_t length, size_t capacity) {
    object_string_buffer *buffer = zmalloc_alloc(sizeof *buffer + capacity);
    buffer->length = length;
    if (bytes != NULL) memcpy(buffer->bytes, bytes, length);
    return buffer;
}

static object *object_create_external(const char *key, size_t key_length, void *pointer,
                                      long long expire_ms) {
    uint8_t *area;
    object *o = object_allocate(key, key_length, expire_ms, sizeof pointer, &area);
    memcpy(area, &pointer, sizeof pointer);
    object_set_storage(o, STORAGE_EXTERNAL);
    return o;
}

object *object_create_string(const char *key, size_t key_length, const char *value,
                             size_t value_length, enum object_string_kind kind,
                             long long expire_ms) {
    long long integer;
    if (kind == OBJECT_STRING_AUTO && number_parse_integer(value, value_length, &integer))
        return object_create_integer(key, key_length, integer, expire_ms);
    enum object_encoding encoding = OBJECT_ENCODING_RAW;
    if (kind != OBJECT_STRING_RAW && value_length <= OBJECT_EMBSTR_MAX) encoding = OBJECT_ENCODING_EMBSTR;
    object *o;
    if (value_length <= OBJECT_INLINE_MAX) {
        uint8_t *area;
        o = object_allocate(key, key_length, expire_ms,
                            object_varint_size(value_length) + value_length, &area);
        area += object_varint_write(area, value_length);
        memcpy(area, value, value_length);
        object_set_storage(o, STORAGE_INLINE);
    } else {
        object_string_buffer *buffer = object_buffer_create(value, value_length, value_length);
        o = object_create_external(key, key_length, buffer, expire_ms);
    }
    object_set_type(o, OBJECT_STRING, encoding);
    return o;
}

object *object_create_pointer(const char *key, size_t key_length, enum object_type type,
                              enum object_encoding encoding, void *value, long long expire_ms) {
    object *o = object_create_external(key, key_length, value, expire_ms);
    object_set_type(o, type, encoding);
    return o;
}

object *object_create_packed(const char *key, size_t key_length, enum object_type type,
                             enum object_encoding encoding, const void *bytes, size_t length, long long expire_ms) {
    zkv_assert(type != OBJECT_STRING);
    uint8_t *area;
    object *o = object_allocate(key, key_length, expire_ms, object_varint_size(length) + length, &area);
    area += object_varint_write(area, length);
    if (bytes != NULL) memcpy(area, bytes, length);
    object_set_type(o, type, encoding);
    object_set_storage(o, STORAGE_INLINE);
    return o;
}

void object_register_type(enum object_type type, const object_type_functions *functions) {
    zkv_assert(type != OBJECT_STRING && type < OBJECT_TYPE_COUNT);
    object_types[type] = *functions;
}

const object_type_functions *object_type_table(enum object_type type) {
    zkv_assert(type < OBJECT_TYPE_COUNT);
    return &object_types[type];
}

object *object_duplicate(const object *o, const char *key, size_t key_length, long long expire_ms) {
    object *copy;
    if (object_storage(o) != STORAGE_EXTERNAL) {
        size_t value_size = object_value_size(o);
        uint8_t *area;
        copy = object_allocate(key, key_length, expire_ms, value_size, &area);
        memcpy(area, object_value_area(o), value_size);
        object_set_storage(copy, object_storage(o));
    } else if (object_type(o) == OBJECT_STRING) {
        const object_string_buffer *buffer = object_pointer(o);
        copy = object_create_external(key, key_length,
                                      object_buffer_create(buffer->bytes, buffer->length, buffer->length),
                                      expire_ms);
    } else {
        void *value = object_types[object_type(o)].duplicate_value(object_pointer(o));
        copy = object_create_external(key, key_length, value, expire_ms);
    }
    copy->type_encoding = o->type_encoding;
    memcpy(copy->lru, o->lru, sizeof copy->lru);
    if (object_storage(o) == STORAGE_INTEGER) copy->flags |= OBJECT_FLAG_INTEGER_COPY;
    return copy;
}

object *object_rename(object *o, const char *key, size_t key_length) {
    size_t value_size = object_value_size(o);
    uint8_t *area;
    object *renamed = object_allocate(key, key_length, object_expire(o), value_size, &area);
    memcpy(area, object_value_area(o), value_size);
    renamed->type_encoding = o->type_encoding;
    object_set_storage(renamed, object_storage(o));
    renamed->flags |= o->flags & OBJECT_FLAG_INTEGER_COPY;
    memcpy(renamed->lru, o->lru, sizeof renamed->lru);
    zmalloc_free(o);
    return renamed;
}

void object_free(object *o) {
    if (object_storage(o) == STORAGE_EXTERNAL) {
        void *value = object_pointer(o);
        if (object_type(o) == OBJECT_STRING)
            zmalloc_free(value);
        else if (object_types[object_type(o)].free_value != NULL)
            object_types[object_type(o)].free_value(value);
    }
    zmalloc_free(o);
}

/* A string's effort grows with its size (one unit per 64 KB, so above 4 MB
 * it is sent to the lazy-free thread): unmapping a huge block costs time too. */
#define OBJECT_STRING_EFFORT_UNIT (64 * 1024)

size_t object_free_effort(const object *o) {
    if (object_storage(o) != STORAGE_EXTERNAL) return 1;
    if (object_type(o) == OBJECT_STRING)
        return 1 + ((const object_string_buffer *)object_pointer(o))->length / OBJECT_STRING_EFFORT_UNIT;
    const object_type_functions *functions = &object_types[object_type(o)];
    return functions->free_effort != NULL ? functions->free_effort(object_pointer(o)) : 1;
}

/* ---------------------------------------------------------------- header */

const char *object_key(const object *o, size_t *length) {
    uint64_t key_length;
    size_t varint = object_varint_read(o->rest, &key_length);
    *length = (size_t)key_length;
    return (const char *)o->rest + varint;
}

enum object_type object_type(const object *o) {
    return (enum object_type)(o->type_encoding & 0x0f);
}

enum object_encoding object_encoding(const object *o) {
    return (enum object_encoding)(o->type_encoding >> 4);
}

const char *object_encoding_name(const object *o) {
    switch (object_encoding(o)) {
    case OBJECT_ENCODING_RAW: return "raw";
    case OBJECT_ENCODING_INT: return "int";
    case OBJECT_ENCODING_HASHTABLE: return "hashtable";
    case OBJECT_ENCODING_LINKEDLIST: return "linkedlist";
    case OBJECT_ENCODING_INTSET: return "intset";
    case OBJECT_ENCODING_SKIPLIST: return "skiplist";
    case OBJECT_ENCODING_EMBSTR: return "embstr";
    case OBJECT_ENCODING_QUICKLIST: return "quicklist";
    case OBJECT_ENCODING_STREAM: return "stream";
    case OBJECT_ENCODING_LISTPACK: return "listpack";
    default: return "unknown";
    }
}

void object_set_encoding(object *o, enum object_encoding encoding) {
    object_set_type(o, object_type(o), encoding);
}

uint32_t object_lru(const object *o) {
    return (uint32_t)o->lru[0] | (uint32_t)o->lru[1] << 8 | (uint32_t)o->lru[2] << 16;
}

void object_set_lru(object *o, uint32_t lru) {
    o->lru[0] = (uint8_t)lru;
    o->lru[1] = (uint8_t)(lru >> 8);
    o->lru[2] = (uint8_t)(lru >> 16);
}

bool object_has_expire(const object *o) {
    return (o->flags & OBJECT_FLAG_EXPIRE) != 0;
}

long long object_expire(const object *o) {
    if (!object_has_expire(o)) return OBJECT_NO_EXPIRE;
    return object_read_expire(o->rest + object_expire_offset(o), object_expire_size(o));
}

object *object_set_expire(object *o, long long expire_ms) {
    size_t old_size = object_expire_size(o), new_size = object_expire_size_for(expire_ms);
    size_t expire_offset = object_expire_offset(o);
    if (old_size != new_size) {
        size_t value_size = object_value_size(o);
        size_t total = object_total_size(o);
        size_t old_value = sizeof(object) + expire_offset + old_size;
        size_t new_value = sizeof(object) + expire_offset + new_size;
        if (new_size > old_size) {
            o = zmalloc_realloc(o, total + new_size - old_size);
            memmove((uint8_t *)o + new_value, (uint8_t *)o + old_value, value_size);
        } else {
            memmove((uint8_t *)o + new_value, (uint8_t *)o + old_value, value_size);
            o = zmalloc_realloc(o, total - (old_size - new_size));
        }
        o->flags &= (uint8_t)~(OBJECT_FLAG_EXPIRE | OBJECT_FLAG_EXPIRE_WIDE);
        if (new_size > 0) o->flags |= OBJECT_FLAG_EXPIRE;
        if (new_size == OBJECT_EXPIRE_WIDE) o->flags |= OBJECT_FLAG_EXPIRE_WIDE;
    }
    if (new_size > 0) object_write_expire(o->rest + expire_offset, expire_ms, new_size);
    return o;
}

size_t object_block_size(const object *o) {
    return object_total_size(o);
}

size_t object_memory(const object *o, size_t samples) {
    size_t bytes = zmalloc_usable_size(o);
    if (object_storage(o) != STORAGE_EXTERNAL) return bytes;
    const object_type_functions *functions = &object_types[object_type(o)];
    if (object_type(o) != OBJECT_STRING && functions->memory_usage)
        return bytes + functions->memory_usage(object_pointer(o), samples);
    return bytes + zmalloc_usable_size(object_pointer(o));
}

/* ---------------------------------------------------------------- strings */

void *object_pointer(const object *o) {
    void *pointer;
    memcpy(&pointer, object_value_area(o), sizeof pointer);
    return pointer;
}

void object_set_pointer(object *o, void *value) {
    memcpy(object_value_area(o), &value, sizeof value);
}

void *object_value(const object *o) {
    return object_is_packed(o) ? (void *)o : object_pointer(o);
}

/* ---------------------------------------------------------------- packed values */

bool object_is_packed(const object *o) {
    return object_type(o) != OBJECT_STRING && object_storage(o) == STORAGE_INLINE;
}

unsigned char *object_packed_bytes(const object *o, size_t *length) {
    zkv_assert(object_is_packed(o));
    uint64_t stored;
    uint8_t *area = object_value_area(o);
    size_t varint = object_varint_read(area, &stored);
    *length = (size_t)stored;
    return area + varint;
}

object *object_packed_resize(object *o, size_t length, unsigned char **bytes) {
    size_t old_length;
    unsigned char *old_bytes = object_packed_bytes(o, &old_length);
    size_t header = (size_t)(old_bytes - (unsigned char *)o);
    size_t old_varint = object_varint_size(old_length), new_varint = object_varint_size(length);
    object *fresh;
    if (old_varint == new_varint) {
        /* The value is the block's tail: realloc keeps everything before it. */
        fresh = zmalloc_realloc(o, header + length);
    } else {
        size_t key_length;
        const char *key = object_key(o, &key_length);
        uint8_t *area;
        fresh = object_allocate(key, key_length, object_expire(o), new_varint + length, &area);
        memcpy(area + new_varint, old_bytes, old_length < length ? old_length : length);
        fresh->type_encoding = o->type_encoding;
        memcpy(fresh->lru, o->lru, sizeof fresh->lru);
        object_set_storage(fresh, STORAGE_INLINE);
        zmalloc_free(o);
    }
    object_varint_write(object_value_area(fresh), length);
    size_t ignored;
    *bytes = object_packed_bytes(fresh, &ignored);
    return fresh;
}

/* For server/defrag.c: only a string's buffer is a plain block it may move. */
void *object_string_external_block(const object *o) {
    if (object_storage(o) != STORAGE_EXTERNAL || object_type(o) != OBJECT_STRING) return NULL;
    return object_pointer(o);
}

bool object_is_integer_copy(const object *o) {
    return (o->flags & OBJECT_FLAG_INTEGER_COPY) != 0;
}

bool object_string_integer(const object *o, long long *value) {
    if (object_storage(o) != STORAGE_INTEGER) return false;
    uint64_t zigzag;
    object_varint_read(object_value_area(o), &zigzag);
    *value = object_unzigzag(zigzag);
    return true;
}

const char *object_string_bytes(const object *o, size_t *length, char buffer[OBJECT_INTEGER_BUFFER]) {
    const uint8_t *area = object_value_area(o);
    uint64_t number;
    switch (object_storage(o)) {
    case STORAGE_INTEGER: {
        long long value;
        object_string_integer(o, &value);
        *length = number_format_integer(value, buffer);
        return buffer;
    }
    case STORAGE_INLINE: {
        size_t varint = object_varint_read(area, &number);
        *length = (size_t)number;
        return (const char *)area + varint;
    }
    default: {
        const object_string_buffer *string = object_pointer(o);
        *length = string->length;
        return string->bytes;
    }
    }
}

size_t object_string_length(const object *o) {
    char buffer[OBJECT_INTEGER_BUFFER];
    size_t length;
    object_string_bytes(o, &length, buffer);
    return length;
}

static size_t object_buffer_capacity(const object_string_buffer *buffer) {
    return zmalloc_usable_size(buffer) - sizeof *buffer;
}

/* Grows an external buffer to hold `length` bytes, keeping room to spare so
 * repeated APPENDs are amortised (doubling up to 1 MB, then +1 MB).  NULL,
 * with the buffer untouched, when the allocator refuses: one request's size
 * must not abort the server. */
static object_string_buffer *object_buffer_grow(object_string_buffer *buffer, size_t length) {
    if (length <= object_buffer_capacity(buffer)) return buffer;
    size_t capacity = length < OBJECT_BUFFER_GROWTH_LIMIT ? length * 2 : length + OBJECT_BUFFER_GROWTH_LIMIT;
    object_string_buffer *grown = zmalloc_try_realloc(buffer, sizeof *buffer + capacity);
    /* Without the spare room, if that is what was too much. */
    return grown ? grown : zmalloc_try_realloc(buffer, sizeof *buffer + length);
}

/* Rebuilds a block whose value becomes `length` inline bytes (copying what
 * fits from `old_bytes`). */
static object *object_rebuild_inline(object *o, const char *old_bytes, size_t old_length,
                                     size_t length, char **bytes) {
    size_t key_length;
    const char *key = object_key(o, &key_length);
    uint8_t *area;
    object *fresh = object_allocate(key, key_length, object_expire(o),
                                    object_varint_size(length) + length, &area);
    area += object_varint_write(area, length);
    size_t kept = old_length < length ? old_length : length;
    memcpy(area, old_bytes, kept);
    memset(area + kept, 0, length - kept);
    fresh->type_encoding = o->type_encoding;
    memcpy(fresh->lru, o->lru, sizeof fresh->lru);
    object_set_storage(fresh, STORAGE_INLINE);
    *bytes = (char *)area;
    return fresh;
}

object *object_string_resize(object *o, size_t length, char **bytes) {
    zkv_assert(object_type(o) == OBJECT_STRING);
    char digits[OBJECT_INTEGER_BUFFER];
    size_t old_length;
    const char *old_bytes = object_string_bytes(o, &old_length, digits);
    object *result = o;
    if (object_storage(o) == STORAGE_EXTERNAL) {
        object_string_buffer *buffer = object_buffer_grow(object_pointer(o), length);
        if (!buffer) return NULL;
        if (length > buffer->length) memset(buffer->bytes + buffer->length, 0, length - buffer->length);
        buffer->length = length;
        object_set_pointer(o, buffer);
        *bytes = buffer->bytes;
    } else if (length <= OBJECT_INLINE_MAX) {
        result = object_rebuild_inline(o, old_bytes, old_length, length, bytes);
        object_free(o);
    } else {
        object_string_buffer *buffer = zmalloc_try_alloc(sizeof *buffer + length);
        if (!buffer) return NULL;
        buffer->length = length;
        memcpy(buffer->bytes, old_bytes, old_length);
        memset(buffer->bytes + old_length, 0, length - old_length);
        size_t key_length;
        const char *key = object_key(o, &key_length);
        result = object_create_external(key, key_length, buffer, object_expire(o));
        memcpy(result->lru, o->lru, sizeof result->lru);
        object_free(o);
        *bytes = buffer->bytes;
    }
    object_set_type(result, OBJECT_STRING, OBJECT_ENCODING_RAW);
    return result;
}
