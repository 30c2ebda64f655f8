/* rdb_ziplist: validation and iteration of ziplist blobs (see
 * rdb_ziplist.h). */
#include "rdb_ziplist.h"

#define ZL_END 0xFF
#define ZL_COUNT_UNKNOWN 65535

static uint64_t read_le(const uint8_t *p, int bytes) {
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; i--) value = (value << 8) | p[i];
    return value;
}

static int64_t sign_extend(uint64_t value, int bits) {
    uint64_t sign = UINT64_C(1) << (bits - 1);
    return (int64_t)((value ^ sign) - sign);
}

/* One decoded entry; false if it is invalid or runs past `end`. */
typedef struct zl_entry {
    size_t previous;  /* the previous entry's size, as recorded */
    size_t size;      /* this entry's whole size */
    rdb_element element;
} zl_entry;

static bool decode(const uint8_t *p, const uint8_t *end, zl_entry *z) {
    size_t left = (size_t)(end - p), prevsize;
    if (left < 1) return false;
    if (p[0] < 0xFE) z->previous = p[0], prevsize = 1;
    else if (p[0] == 0xFE && left >= 5) z->previous = (size_t)read_le(p + 1, 4), prevsize = 5;
    else return false;
    if (left <= prevsize) return false;
    const uint8_t *q = p + prevsize;
    left -= prevsize;
    uint8_t b = q[0];
    size_t header, data = 0;
    rdb_element *e = &z->element;
    e->is_integer = b >= 0xC0;
    if ((b >> 6) == 0) header = 1, data = b & 0x3F;
    else if ((b >> 6) == 1) {
        if (left < 2) return false;
        header = 2, data = ((size_t)(b & 0x3F) << 8) | q[1];
    } else if ((b >> 6) == 2) {
        if (left < 5) return false;
        header = 5, data = (size_t)(((uint64_t)q[1] << 24) | ((uint64_t)q[2] << 16) | ((uint64_t)q[3] << 8) | q[4]);
    } else if (b == 0xC0) header = 1, data = 2;
    else if (b == 0xD0) header = 1, data = 4;
    else if (b == 0xE0) header = 1, data = 8;
    else if (b == 0xF0) header = 1, data = 3;
    else if (b == 0xFE) header = 1, data = 1;
    else if (b >= 0xF1 && b <= 0xFD) header = 1, data = 0;
    else return false;
    if (header > left || data > left - header) return false;
    const uint8_t *d = q + header;
    if (!e->is_integer) e->string = d, e->length = data;
    else if (b >= 0xF1 && b <= 0xFD) e->integer = (b & 0x0F) - 1;
    else e->integer = data == 8 ? (int64_t)read_le(d, 8) : sign_extend(read_le(d, (int)data), (int)data * 8);
    z->size = prevsize + header + data;
    return true;
}

int rdb_ziplist_validate(const uint8_t *blob, size_t size, size_t *count, const char **error) {
    if (size < RDB_ZIPLIST_HEADER + 1 || read_le(blob, 4) != size || blob[size - 1] != ZL_END) {
        *error = "ziplist header or terminator invalid";
        return -1;
    }
    const uint8_t *p = blob + RDB_ZIPLIST_HEADER, *end = blob + size - 1, *last = p;
    size_t seen = 0, previous = 0;
    while (p < end) {
        zl_entry z;
        if (!decode(p, end, &z) || z.previous != previous) {
            *error = "ziplist entry invalid";
            return -1;
        }
        last = p;
        previous = z.size;
        p += z.size;
        seen++;
    }
    if (read_le(blob + 4, 4) != (uint64_t)(last - blob)) {
        *error = "ziplist tail offset invalid";
        return -1;
    }
    uint64_t declared = read_le(blob + 8, 2);
    if (declared != ZL_COUNT_UNKNOWN && declared != seen) {
        *error = "ziplist element count invalid";
        return -1;
    }
    *count = seen;
    return 0;
}

void rdb_ziplist_iterator_init(rdb_ziplist_iterator *it, const uint8_t *blob, size_t size) {
    it->cursor = blob + RDB_ZIPLIST_HEADER;
    it->end = blob + size - 1;
}

bool rdb_ziplist_next(rdb_ziplist_iterator *it, rdb_element *e) {
    zl_entry z;
    if (it->cursor >= it->end || !decode(it->cursor, it->end, &z)) return false;
    *e = z.element;
    it->cursor += z.size;
    return true;
}
