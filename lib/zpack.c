/* zpack: the packed small sorted set (zpack.h has the layout). */
#include "zpack.h"

#include <stdint.h>
#include <string.h>

#include "zbtree.h"
#include "zkv_assert.h"
#include "zmalloc.h"

struct zpack {
    uint32_t count;
    uint32_t used; /* bytes of entries after the header */
    unsigned char data[];
};

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

static size_t entry_size(size_t length) { return varint_size(length) + length + sizeof(double); }

zpack *zpack_create(void) {
    zpack *p = zmalloc_alloc(sizeof(*p));
    p->count = 0;
    p->used = 0;
    return p;
}

void zpack_free(zpack *p) { zmalloc_free(p); }
size_t zpack_count(const zpack *p) { return p->count; }
size_t zpack_bytes(const zpack *p) { return sizeof(*p) + p->used; }

zpack *zpack_duplicate(const zpack *p) {
    zpack *copy = zmalloc_alloc(zpack_bytes(p));
    memcpy(copy, p, zpack_bytes(p));
    return copy;
}

size_t zpack_first(const zpack *p) {
    (void)p;
    return 0;
}

size_t zpack_end(const zpack *p) { return p->used; }

size_t zpack_read(const zpack *p, size_t offset, const char **member, size_t *length, double *score) {
    const unsigned char *at = p->data + offset;
    size_t value = 0;
    int shift = 0;
    for (;;) {
        unsigned char byte = *at++;
        value |= (size_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) break;
        shift += 7;
    }
    *member = (const char *)at;
    *length = value;
    memcpy(score, at + value, sizeof(double));
    return (size_t)(at - p->data) + value + sizeof(double);
}

size_t zpack_find(const zpack *p, const char *member, size_t length, double *score, size_t *rank) {
    size_t offset = 0;
    for (size_t i = 0; i < p->count; i++) {
        const char *m;
        size_t l;
        double s;
        size_t next = zpack_read(p, offset, &m, &l, &s);
        if (l == length && memcmp(m, member, length) == 0) {
            if (score) *score = s;
            if (rank) *rank = i;
            return offset;
        }
        offset = next;
    }
    return ZPACK_NONE;
}

/* Opens `size` bytes at `offset` (the block may move). */
static zpack *open_gap(zpack *p, size_t offset, size_t size) {
    zkv_assert((uint64_t)p->used + size <= UINT32_MAX);
    p = zmalloc_realloc(p, sizeof(*p) + p->used + size);
    memmove(p->data + offset + size, p->data + offset, p->used - offset);
    p->used += (uint32_t)size;
    return p;
}

static void write_entry(zpack *p, size_t offset, const char *member, size_t length, double score) {
    if (score == 0) score = 0; /* -0 reads back as 0, as from Redis's listpack */
    unsigned char *at = p->data + offset;
    at += varint_put(at, length);
    if (length) memcpy(at, member, length);
    memcpy(at + length, &score, sizeof(double));
}

zpack *zpack_insert(zpack *p, const char *member, size_t length, double score) {
    size_t offset = 0;
    for (size_t i = 0; i < p->count; i++) {
        const char *m;
        size_t l;
        double s;
        size_t next = zpack_read(p, offset, &m, &l, &s);
        if (s > score || (s == score && zbtree_compare_members(m, l, member, length) > 0)) break;
        offset = next;
    }
    size_t size = entry_size(length);
    p = open_gap(p, offset, size);
    write_entry(p, offset, member, length, score);
    p->count++;
    return p;
}

zpack *zpack_append(zpack *p, const char *member, size_t length, double score) {
    size_t offset = p->used;
    p = open_gap(p, offset, entry_size(length));
    write_entry(p, offset, member, length, score);
    p->count++;
    return p;
}

static zpack *close_gap(zpack *p, size_t offset, size_t size) {
    memmove(p->data + offset, p->data + offset + size, p->used - offset - size);
    p->used -= (uint32_t)size;
    return zmalloc_realloc(p, sizeof(*p) + p->used);
}

zpack *zpack_delete(zpack *p, size_t offset) {
    const char *m;
    size_t l;
    double s;
    size_t next = zpack_read(p, offset, &m, &l, &s);
    p->count--;
    return close_gap(p, offset, next - offset);
}

zpack *zpack_delete_ranks(zpack *p, size_t start, size_t count) {
    zkv_assert(start + count <= p->count);
    if (count == 0) return p;
    size_t offset = 0, from = 0;
    for (size_t i = 0; i < start + count; i++) {
        if (i == start) from = offset;
        const char *m;
        size_t l;
        double s;
        offset = zpack_read(p, offset, &m, &l, &s);
    }
    p->count -= (uint32_t)count;
    return close_gap(p, from, offset - from);
}
