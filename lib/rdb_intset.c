/* rdb_intset: intset blobs (see rdb_intset.h). */
#include "rdb_intset.h"

#include <stdlib.h>

#include "zkv_assert.h"

static uint64_t read_le(const uint8_t *p, int bytes) {
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; i--) value = (value << 8) | p[i];
    return value;
}

int64_t rdb_intset_get(const uint8_t *blob, size_t index) {
    uint32_t width = (uint32_t)read_le(blob, 4);
    uint64_t raw = read_le(blob + RDB_INTSET_HEADER + index * width, (int)width);
    if (width == 2) return (int16_t)raw;
    if (width == 4) return (int32_t)raw;
    return (int64_t)raw;
}

int rdb_intset_validate(const uint8_t *blob, size_t size, size_t *count, const char **error) {
    if (size < RDB_INTSET_HEADER) {
        *error = "intset too short";
        return -1;
    }
    uint64_t width = read_le(blob, 4), members = read_le(blob + 4, 4);
    if (width != 2 && width != 4 && width != 8) {
        *error = "intset encoding invalid";
        return -1;
    }
    if (members == 0 || members * width != size - RDB_INTSET_HEADER) {
        *error = "intset size does not match its count";
        return -1;
    }
    for (size_t i = 1; i < members; i++) {
        if (rdb_intset_get(blob, i - 1) >= rdb_intset_get(blob, i)) {
            *error = "intset members not in ascending order";
            return -1;
        }
    }
    *count = (size_t)members;
    return 0;
}

static int compare(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void rdb_intset_build(strbuf *out, int64_t *members, size_t count) {
    rdb_intset_build_width(out, members, count, 2);
}

void rdb_intset_build_width(strbuf *out, int64_t *members, size_t count, unsigned minimum_width) {
    zkv_assert(minimum_width == 2 || minimum_width == 4 || minimum_width == 8);
    qsort(members, count, sizeof(*members), compare);
    int width = (int)minimum_width;
    if (count > 0) {
        int64_t low = members[0], high = members[count - 1];
        if (low < INT32_MIN || high > INT32_MAX) width = 8;
        else if ((low < INT16_MIN || high > INT16_MAX) && width < 4) width = 4;
    }
    uint8_t bytes[8];
    for (int i = 0; i < 4; i++) bytes[i] = (uint8_t)((uint32_t)width >> (8 * i));
    for (int i = 0; i < 4; i++) bytes[4 + i] = (uint8_t)((uint32_t)count >> (8 * i));
    strbuf_append(out, bytes, RDB_INTSET_HEADER);
    strbuf_reserve(out, count * (size_t)width);
    for (size_t m = 0; m < count; m++) {
        for (int i = 0; i < width; i++) bytes[i] = (uint8_t)((uint64_t)members[m] >> (8 * i));
        strbuf_append(out, bytes, (size_t)width);
    }
}
