/* hash_inline: the pairs of a small hash inside its key's block (the
 * layout is described in hash_type.h).  Pure functions over a byte range:
 * hash_type.c owns the block and its resizing. */
#include <string.h>

#include "hash_type.h"
#include "zkv_assert.h"

bool hash_inline_fits(size_t field_length, size_t value_length) {
    return field_length <= HASH_TYPE_INLINE_LENGTH_MAX && value_length <= HASH_TYPE_INLINE_LENGTH_MAX;
}

size_t hash_inline_pair_size(size_t field_length, size_t value_length) {
    return 1 + field_length + value_length;
}

size_t hash_inline_count(const unsigned char *bytes, size_t length) {
    size_t count = 0;
    for (size_t offset = 0; offset < length; count++)
        offset += hash_inline_pair_size(bytes[offset] >> 4, bytes[offset] & 0x0f);
    return count;
}

size_t hash_inline_read(const unsigned char *bytes, size_t offset, elem_view *field, elem_view *value) {
    size_t field_length = bytes[offset] >> 4, value_length = bytes[offset] & 0x0f;
    *field = (elem_view){.bytes = (const char *)bytes + offset + 1, .length = field_length};
    *value = (elem_view){.bytes = (const char *)bytes + offset + 1 + field_length, .length = value_length};
    return offset + hash_inline_pair_size(field_length, value_length);
}

size_t hash_inline_find(const unsigned char *bytes, size_t length, const char *field, size_t field_length) {
    size_t offset = 0;
    while (offset < length) {
        size_t stored = bytes[offset] >> 4;
        if (stored == field_length && memcmp(bytes + offset + 1, field, field_length) == 0) return offset;
        offset += hash_inline_pair_size(stored, bytes[offset] & 0x0f);
    }
    zkv_assert(offset == length);
    return length;
}

size_t hash_inline_write(unsigned char *out, const char *field, size_t field_length, const char *value,
                         size_t value_length) {
    zkv_assert(hash_inline_fits(field_length, value_length));
    out[0] = (unsigned char)(field_length << 4 | value_length);
    memcpy(out + 1, field, field_length);
    memcpy(out + 1 + field_length, value, value_length);
    return hash_inline_pair_size(field_length, value_length);
}
