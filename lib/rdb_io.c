/* rdb_io: Redis's length and string encodings over a buffered writer and a
 * bounds-checked reader (see rdb_io.h for the design). */
#include "rdb_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lzf.h>

#include "number.h"
#include "rdb_crc64.h"
#include "zmalloc.h"

/* LZF can expand a 3-byte back reference to 264 bytes: no valid stream
 * decompresses to more than ~88 times its size.  A claimed original length
 * beyond that is corrupt, and refusing it keeps a bad header from asking
 * the allocator for terabytes. */
#define RDB_LZF_MAX_RATIO 90

/* ---- writer ---- */

void rdb_writer_init(rdb_writer *w, int fd, bool compress) {
    memset(w, 0, sizeof(*w));
    w->fd = fd;
    w->compress = compress;
}

void rdb_writer_free(rdb_writer *w) {
    strbuf_free(&w->buffer);
    zmalloc_free(w->scratch);
    w->scratch = NULL;
    w->scratch_size = 0;
}

static void fold_crc(rdb_writer *w) {
    w->crc = rdb_crc64(w->crc, w->buffer.data + w->crc_done, w->buffer.length - w->crc_done);
    w->crc_done = w->buffer.length;
}

int rdb_writer_flush(rdb_writer *w) {
    if (w->error) return -1;
    if (w->fd < 0 || w->buffer.length == 0) return 0;
    fold_crc(w);
    size_t done = 0;
    while (done < w->buffer.length) {
        ssize_t n = write(w->fd, w->buffer.data + done, w->buffer.length - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            w->error = errno;
            return -1;
        }
        if (n == 0) {
            w->error = ENOSPC;
            return -1;
        }
        done += (size_t)n;
    }
    w->written += done;
    strbuf_clear(&w->buffer);
    w->crc_done = 0;
    return 0;
}

uint64_t rdb_writer_crc(rdb_writer *w) {
    fold_crc(w);
    return w->crc;
}

unsigned long long rdb_writer_size(const rdb_writer *w) {
    return w->written + w->buffer.length;
}

/* Every byte goes through here, a few times per key: the common case (room
 * in the buffer) is a copy without strbuf's call and reservation. */
static inline int append_raw(rdb_writer *w, const void *data, size_t length) {
    if (w->error) return -1;
    strbuf *b = &w->buffer;
    if (b->length + length < b->capacity) {
        memcpy(b->data + b->length, data, length);
        b->length += length;
        b->data[b->length] = '\0'; /* strbuf's invariant */
    } else {
        strbuf_append(b, data, length);
    }
    if (w->fd >= 0 && b->length >= RDB_WRITER_FLUSH_BYTES) return rdb_writer_flush(w);
    return 0;
}

int rdb_write_raw(rdb_writer *w, const void *data, size_t length) {
    return append_raw(w, data, length);
}

int rdb_write_byte(rdb_writer *w, uint8_t byte) {
    return append_raw(w, &byte, 1);
}

static size_t encode_length(uint8_t out[9], uint64_t length) {
    if (length < (1u << 6)) {
        out[0] = (uint8_t)length;
        return 1;
    }
    if (length < (1u << 14)) {
        out[0] = (uint8_t)(0x40 | (length >> 8));
        out[1] = (uint8_t)length;
        return 2;
    }
    if (length <= UINT32_MAX) {
        out[0] = 0x80;
        for (int i = 0; i < 4; i++) out[1 + i] = (uint8_t)(length >> (24 - 8 * i));
        return 5;
    }
    out[0] = 0x81;
    for (int i = 0; i < 8; i++) out[1 + i] = (uint8_t)(length >> (56 - 8 * i));
    return 9;
}

int rdb_write_length(rdb_writer *w, uint64_t length) {
    uint8_t bytes[9];
    return append_raw(w, bytes, encode_length(bytes, length));
}

/* The int8/16/32 form of `value`, or 0 when it needs more than 32 bits. */
static size_t encode_integer(uint8_t out[5], long long value) {
    if (value >= INT8_MIN && value <= INT8_MAX) {
        out[0] = 0xC0 | RDB_ENCODED_INT8;
        out[1] = (uint8_t)value;
        return 2;
    }
    if (value >= INT16_MIN && value <= INT16_MAX) {
        out[0] = 0xC0 | RDB_ENCODED_INT16;
        out[1] = (uint8_t)value;
        out[2] = (uint8_t)(value >> 8);
        return 3;
    }
    if (value >= INT32_MIN && value <= INT32_MAX) {
        out[0] = 0xC0 | RDB_ENCODED_INT32;
        for (int i = 0; i < 4; i++) out[1 + i] = (uint8_t)(value >> (8 * i));
        return 5;
    }
    return 0;
}

int rdb_write_integer_string(rdb_writer *w, long long value) {
    uint8_t encoded[5];
    size_t size = encode_integer(encoded, value);
    if (size) return append_raw(w, encoded, size);
    char digits[NUMBER_INTEGER_BUFFER];
    size_t length = number_format_integer(value, digits);
    if (rdb_write_length(w, length) != 0) return -1;
    return append_raw(w, digits, length);
}

bool rdb_string_is_integer(const void *data, size_t length, long long *value) {
    return length > 0 && length < NUMBER_INTEGER_BUFFER && number_parse_integer(data, length, value);
}

/* Whether LZF can possibly bring `length` bytes down to `accept`, by a
 * bound cheaper than trying.  LZF's output is literal runs (one header byte
 * per run, and the first byte is always a literal) and back-references of
 * 2 or 3 bytes standing for 3 or more earlier bytes.  A back-reference of
 * L bytes starting at p means the 3 bytes at each of p .. p+L-3 occurred
 * earlier, and saves at most L - 2; so the output is at least
 * length + 1 - R, where R counts the positions whose 3 bytes occurred
 * earlier.  R is counted through a hashed bitmap (a collision only adds to
 * R, which keeps the bound safe) and only up to what could be enough: on
 * incompressible data (random values) this replaces most of the cost of a
 * failed lzf_compress, and the bytes written are unchanged. */
#define TRIGRAM_BITS 13

static bool lzf_may_reach(const void *data, size_t length, size_t accept) {
    if (length < 3 || accept + 1 >= length) return true;
    /* A slot holds the generation (call) that last saw its trigram, so no
     * call clears the table: static per thread, 16 KB, not on the heap. */
    static _Thread_local uint16_t seen[1u << TRIGRAM_BITS];
    static _Thread_local uint16_t generation;
    if (++generation == 0) {
        memset(seen, 0, sizeof(seen));
        generation = 1;
    }
    size_t needed = length + 1 - accept;
    const uint8_t *p = data;
    size_t repeated = 0;
    uint32_t window = (uint32_t)p[0] << 8 | p[1];
    for (size_t i = 2; i < length; i++) {
        window = window << 8 | p[i];
        uint32_t slot = ((window & 0xFFFFFF) * 2654435761u) >> (32 - TRIGRAM_BITS);
        if (seen[slot] == generation) {
            if (++repeated >= needed) return true;
        } else {
            seen[slot] = generation;
        }
    }
    return false;
}

/* LZF into `room` bytes at most, kept when no longer than `accept`
 * bytes; 1 if written compressed, 0 if not, -1 on error.  liblzf gives up
 * conservatively near the end of its output buffer, so `room` must be the
 * size Redis passes for the decisions (not only the bytes) to match. */
static int write_lzf_within(rdb_writer *w, const void *data, size_t length, size_t room, size_t accept) {
    if (length > UINT32_MAX || !lzf_may_reach(data, length, accept)) return 0;
    if (w->scratch_size < room) {
        zmalloc_free(w->scratch);
        w->scratch = zmalloc_alloc(room);
        w->scratch_size = room;
    }
    unsigned compressed = lzf_compress(data, (unsigned)length, w->scratch, (unsigned)room);
    if (compressed == 0 || compressed > accept) return 0;
    if (rdb_write_byte(w, 0xC0 | RDB_ENCODED_LZF) != 0 || rdb_write_length(w, compressed) != 0 ||
        rdb_write_length(w, length) != 0 || append_raw(w, w->scratch, compressed) != 0)
        return -1;
    return 1;
}

/* Redis's string rule: an output buffer of length - 4 bytes, so LZF is
 * used when it saves at least 4 (the same data gives the same file). */
static int write_lzf(rdb_writer *w, const void *data, size_t length) {
    return write_lzf_within(w, data, length, length - 4, length - 4);
}

/* Redis's quicklist node rule (quicklist.c's MIN_COMPRESS_BYTES 48 and
 * MIN_COMPRESS_IMPROVE 8): a buffer of the node's size, kept when it saves
 * more than 8 bytes. */
#define RDB_NODE_MIN_COMPRESS 48
#define RDB_NODE_MIN_IMPROVE 8

int rdb_write_compressed_node(rdb_writer *w, const void *data, size_t length) {
    if (length >= RDB_NODE_MIN_COMPRESS) {
        int done = write_lzf_within(w, data, length, length, length - RDB_NODE_MIN_IMPROVE - 1);
        if (done != 0) return done < 0 ? -1 : 0;
    }
    return rdb_write_string(w, data, length);
}

int rdb_write_string(rdb_writer *w, const void *data, size_t length) {
    long long value;
    if (length <= 11 && rdb_string_is_integer(data, length, &value)) {
        uint8_t encoded[5];
        size_t size = encode_integer(encoded, value);
        if (size) return append_raw(w, encoded, size);
    }
    if (w->compress && length > RDB_LZF_MIN_LENGTH) {
        int done = write_lzf(w, data, length);
        if (done != 0) return done < 0 ? -1 : 0;
    }
    if (rdb_write_length(w, length) != 0) return -1;
    return append_raw(w, data, length);
}

int rdb_write_u64_le(rdb_writer *w, uint64_t value) {
    uint8_t bytes[8];
    for (int i = 0; i < 8; i++) bytes[i] = (uint8_t)(value >> (8 * i));
    return append_raw(w, bytes, 8);
}

int rdb_write_u32_le(rdb_writer *w, uint32_t value) {
    uint8_t bytes[4];
    for (int i = 0; i < 4; i++) bytes[i] = (uint8_t)(value >> (8 * i));
    return append_raw(w, bytes, 4);
}

int rdb_write_double_binary(rdb_writer *w, double value) {
    uint64_t bits;
    memcpy(&bits, &value, sizeof(bits));
    return rdb_write_u64_le(w, bits);
}

/* ---- reader ---- */

void rdb_reader_init(rdb_reader *r, const void *data, size_t length, int version) {
    r->cursor = data;
    r->end = r->cursor + length;
    r->version = version;
    r->error = NULL;
}

int rdb_reader_fail(rdb_reader *r, const char *reason) {
    if (!r->error) r->error = reason;
    return -1;
}

int rdb_read_raw(rdb_reader *r, size_t length, const uint8_t **bytes) {
    if (r->error) return -1;
    if (length > rdb_reader_left(r)) return rdb_reader_fail(r, "Unexpected EOF reading RDB file");
    *bytes = r->cursor;
    r->cursor += length;
    return 0;
}

int rdb_read_byte(rdb_reader *r, uint8_t *byte) {
    const uint8_t *p;
    if (rdb_read_raw(r, 1, &p) != 0) return -1;
    *byte = p[0];
    return 0;
}

static uint64_t big_endian(const uint8_t *p, int bytes) {
    uint64_t value = 0;
    for (int i = 0; i < bytes; i++) value = (value << 8) | p[i];
    return value;
}

static uint64_t little_endian(const uint8_t *p, int bytes) {
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; i--) value = (value << 8) | p[i];
    return value;
}

int rdb_read_length_or_encoding(rdb_reader *r, uint64_t *length, bool *encoded) {
    uint8_t first;
    const uint8_t *p;
    if (rdb_read_byte(r, &first) != 0) return -1;
    *encoded = false;
    switch (first >> 6) {
    case 0: *length = first & 0x3F; return 0;
    case 1:
        if (rdb_read_raw(r, 1, &p) != 0) return -1;
        *length = ((uint64_t)(first & 0x3F) << 8) | p[0];
        return 0;
    case 3:
        *encoded = true;
        *length = first & 0x3F;
        return 0;
    default:
        if (first == 0x80) {
            if (rdb_read_raw(r, 4, &p) != 0) return -1;
            *length = big_endian(p, 4);
            return 0;
        }
        if (first == 0x81) {
            if (rdb_read_raw(r, 8, &p) != 0) return -1;
            *length = big_endian(p, 8);
            return 0;
        }
        return rdb_reader_fail(r, "Unknown length encoding in RDB");
    }
}

int rdb_read_length(rdb_reader *r, uint64_t *length) {
    bool encoded;
    if (rdb_read_length_or_encoding(r, length, &encoded) != 0) return -1;
    if (encoded) return rdb_reader_fail(r, "Unexpected string encoding where a length was expected");
    return 0;
}

static int read_lzf(rdb_reader *r, rdb_string *out) {
    uint64_t compressed, original;
    const uint8_t *bytes;
    if (rdb_read_length(r, &compressed) != 0 || rdb_read_length(r, &original) != 0) return -1;
    if (rdb_read_raw(r, compressed, &bytes) != 0) return -1;
    if (original == 0 || compressed == 0 || original > compressed * RDB_LZF_MAX_RATIO || original > UINT32_MAX)
        return rdb_reader_fail(r, "Invalid LZF compressed string");
    out->owned = zmalloc_alloc(original);
    unsigned got = lzf_decompress(bytes, (unsigned)compressed, out->owned, (unsigned)original);
    if (got != original) {
        /* Nothing for the caller to release on failure. */
        zmalloc_free(out->owned);
        out->owned = NULL;
        return rdb_reader_fail(r, "Invalid LZF compressed string");
    }
    out->data = out->owned;
    out->length = original;
    return 0;
}

int rdb_read_string(rdb_reader *r, rdb_string *out) {
    memset(out, 0, sizeof(*out));
    out->data = "";
    uint64_t length;
    bool encoded;
    if (rdb_read_length_or_encoding(r, &length, &encoded) != 0) return -1;
    if (!encoded) {
        const uint8_t *bytes;
        if (rdb_read_raw(r, length, &bytes) != 0) return -1;
        out->data = (const char *)bytes;
        out->length = length;
        return 0;
    }
    if (length == RDB_ENCODED_LZF) return read_lzf(r, out);
    if (length > RDB_ENCODED_INT32) return rdb_reader_fail(r, "Unknown RDB string encoding type");
    int size = 1 << length;
    const uint8_t *bytes;
    if (rdb_read_raw(r, (size_t)size, &bytes) != 0) return -1;
    uint64_t raw = little_endian(bytes, size);
    long long value = size == 1 ? (int8_t)raw : size == 2 ? (int16_t)raw : (int32_t)raw;
    out->is_integer = true;
    out->integer = value;
    out->length = number_format_integer(value, out->digits);
    out->data = out->digits;
    return 0;
}

void rdb_string_release(rdb_string *s) {
    zmalloc_free(s->owned);
    s->owned = NULL;
}

int rdb_read_u64_le(rdb_reader *r, uint64_t *value) {
    const uint8_t *p;
    if (rdb_read_raw(r, 8, &p) != 0) return -1;
    *value = little_endian(p, 8);
    return 0;
}

int rdb_read_u32_le(rdb_reader *r, uint32_t *value) {
    const uint8_t *p;
    if (rdb_read_raw(r, 4, &p) != 0) return -1;
    *value = (uint32_t)little_endian(p, 4);
    return 0;
}

int rdb_read_double_binary(rdb_reader *r, double *value) {
    uint64_t bits;
    if (rdb_read_u64_le(r, &bits) != 0) return -1;
    memcpy(value, &bits, sizeof(bits));
    return 0;
}

int rdb_read_double_text(rdb_reader *r, double *value) {
    uint8_t length;
    const uint8_t *bytes;
    if (rdb_read_byte(r, &length) != 0) return -1;
    if (length == 253) *value = 0.0 / 0.0;
    else if (length == 254) *value = 1.0 / 0.0;
    else if (length == 255) *value = -1.0 / 0.0;
    else {
        char text[256];
        if (rdb_read_raw(r, length, &bytes) != 0) return -1;
        memcpy(text, bytes, length);
        text[length] = '\0';
        char *end;
        *value = strtod(text, &end);
        if (length == 0 || *end != '\0') return rdb_reader_fail(r, "Invalid double value in RDB");
    }
    return 0;
}

const char *rdb_element_bytes(const rdb_element *e, char digits[24], size_t *length) {
    if (!e->is_integer) {
        *length = e->length;
        return (const char *)e->string;
    }
    *length = number_format_integer(e->integer, digits);
    return digits;
}
