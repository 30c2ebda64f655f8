/* rdb_listpack: validation, iteration and building of listpack blobs (see
 * rdb_listpack.h).  Every length read from the blob is checked against the
 * end before it is used, so validation never reads outside the blob. */
#include "rdb_listpack.h"

#include <string.h>

#define LP_EOF 0xFF
#define LP_COUNT_UNKNOWN 65535

static uint64_t read_le(const uint8_t *p, int bytes) {
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; i--) value = (value << 8) | p[i];
    return value;
}

static int64_t sign_extend(uint64_t value, int bits) {
    uint64_t sign = UINT64_C(1) << (bits - 1);
    return (int64_t)((value ^ sign) - sign);
}

static size_t backlen_size(uint64_t length) {
    if (length <= 127) return 1;
    if (length < 16383) return 2;
    if (length < 2097151) return 3;
    if (length < 268435455) return 4;
    return 5;
}

/* Size of an entry's encoding + data, reading only bytes before `end`; 0 if
 * the encoding is unknown or runs past `end`. */
static size_t entry_size(const uint8_t *p, const uint8_t *end) {
    size_t left = (size_t)(end - p);
    uint8_t b = p[0];
    size_t header, data = 0;
    if ((b & 0x80) == 0) header = 1;
    else if ((b & 0xC0) == 0x80) header = 1, data = b & 0x3F;
    else if ((b & 0xE0) == 0xC0) header = 2;
    else if ((b & 0xF0) == 0xE0) {
        if (left < 2) return 0;
        header = 2, data = ((size_t)(b & 0x0F) << 8) | p[1];
    } else if (b == 0xF0) {
        if (left < 5) return 0;
        header = 5, data = (size_t)read_le(p + 1, 4);
    } else if (b == 0xF1) header = 3;
    else if (b == 0xF2) header = 4;
    else if (b == 0xF3) header = 5;
    else if (b == 0xF4) header = 9;
    else return 0;
    if (header > left || data > left - header) return 0;
    return header + data;
}

static uint64_t decode_backlen(const uint8_t *last, const uint8_t *first, bool *ok) {
    uint64_t value = 0;
    int shift = 0;
    for (;;) {
        value |= (uint64_t)(*last & 127) << shift;
        if (!(*last & 128)) break;
        shift += 7;
        if (shift > 28 || last == first) {
            *ok = false;
            return 0;
        }
        last--;
    }
    *ok = true;
    return value;
}

int rdb_listpack_validate(const uint8_t *blob, size_t size, size_t *count, const char **error) {
    if (size < RDB_LISTPACK_HEADER + 1 || read_le(blob, 4) != size || blob[size - 1] != LP_EOF) {
        *error = "listpack header or terminator invalid";
        return -1;
    }
    const uint8_t *p = blob + RDB_LISTPACK_HEADER, *end = blob + size - 1;
    size_t seen = 0;
    while (p < end) {
        size_t length = entry_size(p, end);
        if (length == 0) {
            *error = "listpack entry invalid";
            return -1;
        }
        size_t back = backlen_size(length);
        if (back > (size_t)(end - p) - length) {
            *error = "listpack entry runs past the end";
            return -1;
        }
        bool ok;
        if (decode_backlen(p + length + back - 1, p + length, &ok) != length || !ok) {
            *error = "listpack entry back length invalid";
            return -1;
        }
        p += length + back;
        seen++;
    }
    uint64_t declared = read_le(blob + 4, 2);
    if (declared != LP_COUNT_UNKNOWN && declared != seen) {
        *error = "listpack element count invalid";
        return -1;
    }
    *count = seen;
    return 0;
}

void rdb_listpack_iterator_init(rdb_listpack_iterator *it, const uint8_t *blob) {
    it->cursor = blob + RDB_LISTPACK_HEADER;
}

bool rdb_listpack_next(rdb_listpack_iterator *it, rdb_element *e) {
    const uint8_t *p = it->cursor;
    uint8_t b = p[0];
    if (b == LP_EOF) return false;
    size_t length;
    e->is_integer = true;
    e->string = NULL;
    e->length = 0;
    if ((b & 0x80) == 0) e->integer = b, length = 1;
    else if ((b & 0xC0) == 0x80) {
        e->is_integer = false, e->string = p + 1, e->length = b & 0x3F;
        length = 1 + e->length;
    } else if ((b & 0xE0) == 0xC0) {
        e->integer = sign_extend(((uint64_t)(b & 0x1F) << 8) | p[1], 13), length = 2;
    } else if ((b & 0xF0) == 0xE0) {
        e->is_integer = false, e->string = p + 2, e->length = ((size_t)(b & 0x0F) << 8) | p[1];
        length = 2 + e->length;
    } else if (b == 0xF0) {
        e->is_integer = false, e->string = p + 5, e->length = (size_t)read_le(p + 1, 4);
        length = 5 + e->length;
    } else if (b == 0xF1) e->integer = sign_extend(read_le(p + 1, 2), 16), length = 3;
    else if (b == 0xF2) e->integer = sign_extend(read_le(p + 1, 3), 24), length = 4;
    else if (b == 0xF3) e->integer = sign_extend(read_le(p + 1, 4), 32), length = 5;
    else e->integer = (int64_t)read_le(p + 1, 8), length = 9;
    it->cursor = p + length + backlen_size(length);
    return true;
}

void rdb_listpack_begin(rdb_listpack_builder *b, strbuf *out) {
    b->out = out;
    b->start = out->length;
    b->count = 0;
    static const uint8_t header[RDB_LISTPACK_HEADER] = {0};
    strbuf_append(out, header, sizeof(header));
}

static void append_backlen(strbuf *out, size_t length) {
    uint8_t bytes[5];
    size_t n = backlen_size(length);
    for (size_t i = 0; i < n; i++) {
        size_t shift = 7 * (n - 1 - i);
        bytes[i] = (uint8_t)((length >> shift) & 127) | (i > 0 ? 128 : 0);
    }
    strbuf_append(out, bytes, n);
}

void rdb_listpack_append_integer(rdb_listpack_builder *b, long long value) {
    uint8_t bytes[9];
    size_t n;
    if (value >= 0 && value <= 127) {
        bytes[0] = (uint8_t)value, n = 1;
    } else if (value >= -4096 && value <= 4095) {
        uint64_t v = (uint64_t)value & 0x1FFF;
        bytes[0] = (uint8_t)(0xC0 | (v >> 8)), bytes[1] = (uint8_t)v, n = 2;
    } else {
        int width = value >= INT16_MIN && value <= INT16_MAX   ? 2
                    : value >= -8388608 && value <= 8388607    ? 3
                    : value >= INT32_MIN && value <= INT32_MAX ? 4
                                                               : 8;
        bytes[0] = width == 2 ? 0xF1 : width == 3 ? 0xF2 : width == 4 ? 0xF3 : 0xF4;
        for (int i = 0; i < width; i++) bytes[1 + i] = (uint8_t)((uint64_t)value >> (8 * i));
        n = 1 + (size_t)width;
    }
    strbuf_append(b->out, bytes, n);
    append_backlen(b->out, n);
    b->count++;
}

void rdb_listpack_append_string(rdb_listpack_builder *b, const void *data, size_t length) {
    long long value;
    if (rdb_string_is_integer(data, length, &value)) {
        rdb_listpack_append_integer(b, value);
        return;
    }
    uint8_t header[5];
    size_t n;
    if (length < 64) header[0] = (uint8_t)(0x80 | length), n = 1;
    else if (length < 4096) header[0] = (uint8_t)(0xE0 | (length >> 8)), header[1] = (uint8_t)length, n = 2;
    else {
        header[0] = 0xF0;
        for (int i = 0; i < 4; i++) header[1 + i] = (uint8_t)(length >> (8 * i));
        n = 5;
    }
    strbuf_append(b->out, header, n);
    strbuf_append(b->out, data, length);
    append_backlen(b->out, n + length);
    b->count++;
}

size_t rdb_listpack_entry_size(const void *data, size_t length) {
    long long value;
    size_t n;
    if (rdb_string_is_integer(data, length, &value)) {
        n = value >= 0 && value <= 127                      ? 1
            : value >= -4096 && value <= 4095               ? 2
            : value >= INT16_MIN && value <= INT16_MAX      ? 3
            : value >= -8388608 && value <= 8388607         ? 4
            : value >= INT32_MIN && value <= INT32_MAX      ? 5
                                                            : 9;
    } else {
        n = length + (length < 64 ? 1 : length < 4096 ? 2 : 5);
    }
    return n + backlen_size(n);
}

void rdb_listpack_finish(rdb_listpack_builder *b) {
    strbuf_append_char(b->out, (char)LP_EOF);
    uint8_t *blob = (uint8_t *)b->out->data + b->start;
    size_t size = b->out->length - b->start;
    size_t count = b->count < LP_COUNT_UNKNOWN ? b->count : LP_COUNT_UNKNOWN;
    for (int i = 0; i < 4; i++) blob[i] = (uint8_t)(size >> (8 * i));
    blob[4] = (uint8_t)count;
    blob[5] = (uint8_t)(count >> 8);
}
