/* zpack: the packed small sorted set (zpack.h has the layout). */
#include "zpack.h"

#include <stdint.h>
#include <string.h>

#include "zbtree.h"
#include "zkv_assert.h"
#include "zmalloc.h"

/* The block: varint count, varint used (bytes of entries), the entries.
 * Varints keep the header at 2 bytes for the sets that matter most for
 * memory (many small ones: 5 members of 16 bytes are 127 bytes, jemalloc's
 * 128 class, where two 4-byte fields made 133 and the 160 class). */
#define BYTES(p) ((unsigned char *)(p))

typedef struct header {
    size_t count, used;
    size_t size; /* bytes of the header itself */
} header;

static size_t varint_size(size_t value) {
    size_t n = 1;
    while (value > 0x7f) {
        value >>= 7;
        n++;
    }
    return n;
}

static size_t varint_put(unsigned char *p, size_t value) {
    size_t n = 0;
    do {
        p[n++] = (unsigned char)((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
        value >>= 7;
    } while (value != 0);
    return n;
}

static size_t varint_get(const unsigned char *p, size_t *value) {
    size_t v = 0, n = 0;
    int shift = 0;
    for (;;) {
        unsigned char byte = p[n++];
        v |= (size_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) break;
        shift += 7;
    }
    *value = v;
    return n;
}

static header read_header(const zpack *p) {
    header h;
    h.size = varint_get(BYTES(p), &h.count);
    h.size += varint_get(BYTES(p) + h.size, &h.used);
    return h;
}

static size_t header_size(size_t count, size_t used) { return varint_size(count) + varint_size(used); }

static void write_header(zpack *p, size_t count, size_t used) {
    size_t n = varint_put(BYTES(p), count);
    varint_put(BYTES(p) + n, used);
}

static const unsigned char *entries(const zpack *p) { return BYTES(p) + read_header(p).size; }

static size_t entry_size(size_t length) { return varint_size(length) + length + sizeof(double); }

zpack *zpack_create(void) {
    zpack *p = zmalloc_alloc(header_size(0, 0));
    write_header(p, 0, 0);
    return p;
}

void zpack_free(zpack *p) { zmalloc_free(p); }

size_t zpack_count(const zpack *p) {
    size_t count;
    varint_get(BYTES(p), &count);
    return count;
}

size_t zpack_bytes(const zpack *p) {
    header h = read_header(p);
    return h.size + h.used;
}

zpack *zpack_duplicate(const zpack *p) {
    zpack *copy = zmalloc_alloc(zpack_bytes(p));
    memcpy(copy, p, zpack_bytes(p));
    return copy;
}

size_t zpack_first(const zpack *p) {
    (void)p;
    return 0;
}

size_t zpack_end(const zpack *p) { return read_header(p).used; }

static size_t read_at(const unsigned char *data, size_t offset, const char **member, size_t *length,
                      double *score) {
    const unsigned char *at = data + offset;
    at += varint_get(at, length);
    *member = (const char *)at;
    memcpy(score, at + *length, sizeof(double));
    return (size_t)(at - data) + *length + sizeof(double);
}

size_t zpack_read(const zpack *p, size_t offset, const char **member, size_t *length, double *score) {
    return read_at(entries(p), offset, member, length, score);
}

size_t zpack_find(const zpack *p, const char *member, size_t length, double *score, size_t *rank) {
    header h = read_header(p);
    const unsigned char *data = BYTES(p) + h.size;
    size_t offset = 0;
    for (size_t i = 0; i < h.count; i++) {
        const char *m;
        size_t l;
        double s;
        size_t next = read_at(data, offset, &m, &l, &s);
        if (l == length && memcmp(m, member, length) == 0) {
            if (score) *score = s;
            if (rank) *rank = i;
            return offset;
        }
        offset = next;
    }
    return ZPACK_NONE;
}

/* Replaces `remove` bytes of entries at `offset` by `insert` bytes of room
 * and sets the count; returns the block, which may move.  The header grows
 * or shrinks with its varints (rarely: at 128 and 16,384): then the block is
 * rebuilt, the entries being few by construction. */
static zpack *splice(zpack *p, size_t offset, size_t remove, size_t insert, size_t count) {
    header h = read_header(p);
    zkv_assert(offset + remove <= h.used && (uint64_t)h.used + insert <= UINT32_MAX);
    size_t used = h.used - remove + insert, size = header_size(count, used);
    size_t tail = h.used - offset - remove;
    if (size != h.size) {
        zpack *q = zmalloc_alloc(size + used);
        memcpy(BYTES(q) + size, BYTES(p) + h.size, offset);
        memcpy(BYTES(q) + size + offset + insert, BYTES(p) + h.size + offset + remove, tail);
        zmalloc_free(p);
        p = q;
    } else if (insert > remove) {
        p = zmalloc_realloc(p, size + used);
        memmove(BYTES(p) + size + offset + insert, BYTES(p) + size + offset + remove, tail);
    } else {
        memmove(BYTES(p) + size + offset + insert, BYTES(p) + size + offset + remove, tail);
        if (insert < remove) p = zmalloc_realloc(p, size + used);
    }
    write_header(p, count, used);
    return p;
}

static void write_entry(zpack *p, size_t offset, const char *member, size_t length, double score) {
    if (score == 0) score = 0; /* -0 reads back as 0, as from Redis's listpack */
    unsigned char *at = BYTES(p) + read_header(p).size + offset;
    at += varint_put(at, length);
    if (length) memcpy(at, member, length);
    memcpy(at + length, &score, sizeof(double));
}

zpack *zpack_insert(zpack *p, const char *member, size_t length, double score) {
    header h = read_header(p);
    const unsigned char *data = BYTES(p) + h.size;
    size_t offset = 0;
    for (size_t i = 0; i < h.count; i++) {
        const char *m;
        size_t l;
        double s;
        size_t next = read_at(data, offset, &m, &l, &s);
        if (s > score || (s == score && zbtree_compare_members(m, l, member, length) > 0)) break;
        offset = next;
    }
    p = splice(p, offset, 0, entry_size(length), h.count + 1);
    write_entry(p, offset, member, length, score);
    return p;
}

zpack *zpack_append(zpack *p, const char *member, size_t length, double score) {
    header h = read_header(p);
    p = splice(p, h.used, 0, entry_size(length), h.count + 1);
    write_entry(p, h.used, member, length, score);
    return p;
}

zpack *zpack_delete(zpack *p, size_t offset) {
    const char *m;
    size_t l;
    double s;
    size_t next = zpack_read(p, offset, &m, &l, &s);
    return splice(p, offset, next - offset, 0, zpack_count(p) - 1);
}

zpack *zpack_delete_ranks(zpack *p, size_t start, size_t count) {
    header h = read_header(p);
    zkv_assert(start + count <= h.count);
    if (count == 0) return p;
    const unsigned char *data = BYTES(p) + h.size;
    size_t offset = 0, from = 0;
    for (size_t i = 0; i < start + count; i++) {
        if (i == start) from = offset;
        const char *m;
        size_t l;
        double s;
        offset = read_at(data, offset, &m, &l, &s);
    }
    return splice(p, from, offset - from, 0, h.count - count);
}
