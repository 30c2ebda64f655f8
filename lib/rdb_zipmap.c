/* rdb_zipmap: validation and iteration of zipmap blobs (see rdb_zipmap.h). */
#include "rdb_zipmap.h"

#define ZM_BIGLEN 254
#define ZM_END 0xFF

/* A length at p (not past end): its value and size in *size; false if it
 * does not fit or is the terminator. */
static bool read_length(const uint8_t *p, const uint8_t *end, size_t *length, size_t *size) {
    if (p >= end || p[0] == ZM_END) return false;
    if (p[0] < ZM_BIGLEN) {
        *length = p[0];
        *size = 1;
        return true;
    }
    if (end - p < 5) return false;
    *length = (size_t)p[1] | ((size_t)p[2] << 8) | ((size_t)p[3] << 16) | ((size_t)p[4] << 24);
    *size = 5;
    /* A length that fits one byte is never written in five (Redis refuses
     * it too: its fuzzer found a huge field hiding behind one). */
    return *length >= ZM_BIGLEN;
}

/* Decodes the pair at p; returns the byte after it, or NULL if invalid. */
static const uint8_t *pair(const uint8_t *p, const uint8_t *end, rdb_element *field, rdb_element *value) {
    size_t length, size;
    if (!read_length(p, end, &length, &size)) return NULL;
    p += size;
    if ((size_t)(end - p) < length) return NULL;
    field->is_integer = false, field->string = p, field->length = length;
    p += length;
    if (!read_length(p, end, &length, &size)) return NULL;
    p += size;
    if (p >= end) return NULL;
    size_t free_bytes = p[0];
    p++;
    if ((size_t)(end - p) < length || (size_t)(end - p) - length < free_bytes) return NULL;
    value->is_integer = false, value->string = p, value->length = length;
    return p + length + free_bytes;
}

int rdb_zipmap_validate(const uint8_t *blob, size_t size, size_t *pairs, const char **error) {
    if (size < 2 || blob[size - 1] != ZM_END) {
        *error = "zipmap header or terminator invalid";
        return -1;
    }
    const uint8_t *p = blob + 1, *end = blob + size - 1;
    size_t seen = 0;
    while (p < end) {
        rdb_element field, value;
        p = pair(p, end, &field, &value);
        if (!p) {
            *error = "zipmap entry invalid";
            return -1;
        }
        seen++;
    }
    if (seen == 0) {
        *error = "zipmap holds no pair"; /* Redis refuses an empty zipmap */
        return -1;
    }
    if (blob[0] < ZM_BIGLEN && blob[0] != seen) {
        *error = "zipmap count invalid";
        return -1;
    }
    *pairs = seen;
    return 0;
}

void rdb_zipmap_iterator_init(rdb_zipmap_iterator *it, const uint8_t *blob, size_t size) {
    it->cursor = blob + 1;
    it->end = blob + size - 1;
}

bool rdb_zipmap_next(rdb_zipmap_iterator *it, rdb_element *field, rdb_element *value) {
    if (it->cursor >= it->end) return false;
    const uint8_t *next = pair(it->cursor, it->end, field, value);
    if (!next) return false;
    it->cursor = next;
    return true;
}
