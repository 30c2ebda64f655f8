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

/* The head of an entry: mode and length, in 1 byte up to 30 bytes of member. */
#define HEAD_LENGTH_MAX 31

static size_t head_size(size_t length) {
    return length < HEAD_LENGTH_MAX ? 1 : 1 + varint_size(length - HEAD_LENGTH_MAX);
}

static size_t head_put(unsigned char *at, enum textpack_mode mode, size_t length) {
    size_t short_length = length < HEAD_LENGTH_MAX ? length : HEAD_LENGTH_MAX;
    at[0] = (unsigned char)(mode << 5 | short_length);
    return length < HEAD_LENGTH_MAX ? 1 : 1 + varint_put(at + 1, length - HEAD_LENGTH_MAX);
}

/* An entry's member as stored. */
typedef struct stored {
    enum textpack_mode mode;
    size_t length;               /* characters */
    const unsigned char *bytes;  /* the encoding */
    size_t size;                 /* its bytes */
} stored;

/* Parses the entry at `at`; returns the address of its score. */
static const unsigned char *parse(const unsigned char *at, stored *s) {
    s->mode = (enum textpack_mode)(at[0] >> 5);
    s->length = at[0] & HEAD_LENGTH_MAX;
    at++;
    if (s->length == HEAD_LENGTH_MAX) {
        size_t more;
        at += varint_get(at, &more);
        s->length += more;
    }
    s->bytes = at;
    s->size = s->mode == TEXTPACK_RAW ? s->length : textpack_size(s->mode, s->length);
    return at + s->size;
}

static double score_at(const unsigned char *at) {
    double score;
    memcpy(&score, at, sizeof score);
    return score;
}

/* A member to store or look for, encoded once. */
typedef struct wanted {
    enum textpack_mode mode;
    size_t length;
    const unsigned char *bytes;
    size_t size;
    unsigned char coded[TEXTPACK_MAX];
} wanted;

static void want(wanted *w, const char *member, size_t length) {
    w->mode = textpack_mode(member, length);
    w->length = length;
    if (w->mode == TEXTPACK_RAW) {
        w->bytes = (const unsigned char *)member;
        w->size = length;
    } else {
        textpack_encode(w->mode, member, length, w->coded);
        w->bytes = w->coded;
        w->size = textpack_size(w->mode, length);
    }
}

static size_t entry_size(const wanted *w) { return head_size(w->length) + w->size + sizeof(double); }

static void decode(const stored *s, zpack_entry *e) {
    e->length = s->length;
    if (s->mode == TEXTPACK_RAW) {
        e->member = (const char *)s->bytes;
        return;
    }
    textpack_decode(s->mode, s->bytes, s->length, e->buffer);
    e->member = e->buffer;
}

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

size_t zpack_read(const zpack *p, size_t offset, zpack_entry *entry) {
    const unsigned char *data = entries(p);
    stored s;
    const unsigned char *score = parse(data + offset, &s);
    decode(&s, entry);
    entry->score = score_at(score);
    return (size_t)(score - data) + sizeof(double);
}

size_t zpack_read_score(const zpack *p, size_t offset, double *score) {
    const unsigned char *data = entries(p);
    stored s;
    const unsigned char *at = parse(data + offset, &s);
    *score = score_at(at);
    return (size_t)(at - data) + sizeof(double);
}

size_t zpack_find(const zpack *p, const char *member, size_t length, double *score, size_t *rank) {
    header h = read_header(p);
    const unsigned char *data = BYTES(p) + h.size;
    wanted w;
    want(&w, member, length);
    size_t offset = 0;
    for (size_t i = 0; i < h.count; i++) {
        stored s;
        const unsigned char *at = parse(data + offset, &s);
        if (s.mode == w.mode && s.length == length && (w.size == 0 || memcmp(s.bytes, w.bytes, w.size) == 0)) {
            if (score) *score = score_at(at);
            if (rank) *rank = i;
            return offset;
        }
        offset = (size_t)(at - data) + sizeof(double);
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

static void write_entry(zpack *p, size_t offset, const wanted *w, double score) {
    if (score == 0) score = 0; /* -0 reads back as 0, as from Redis's listpack */
    unsigned char *at = BYTES(p) + read_header(p).size + offset;
    at += head_put(at, w->mode, w->length);
    if (w->size) memcpy(at, w->bytes, w->size);
    memcpy(at + w->size, &score, sizeof(double));
}

zpack *zpack_insert(zpack *p, const char *member, size_t length, double score) {
    header h = read_header(p);
    const unsigned char *data = BYTES(p) + h.size;
    size_t offset = 0;
    for (size_t i = 0; i < h.count; i++) {
        stored s;
        const unsigned char *at = parse(data + offset, &s);
        double other = score_at(at);
        if (other > score) break;
        if (other == score) {
            zpack_entry e;
            decode(&s, &e);
            if (zbtree_compare_members(e.member, e.length, member, length) > 0) break;
        }
        offset = (size_t)(at - data) + sizeof(double);
    }
    wanted w;
    want(&w, member, length);
    p = splice(p, offset, 0, entry_size(&w), h.count + 1);
    write_entry(p, offset, &w, score);
    return p;
}

zpack *zpack_append(zpack *p, const char *member, size_t length, double score) {
    header h = read_header(p);
    wanted w;
    want(&w, member, length);
    p = splice(p, h.used, 0, entry_size(&w), h.count + 1);
    write_entry(p, h.used, &w, score);
    return p;
}

zpack *zpack_delete(zpack *p, size_t offset) {
    double s;
    size_t next = zpack_read_score(p, offset, &s);
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
        stored s;
        offset = (size_t)(parse(data + offset, &s) - data) + sizeof(double);
    }
    return splice(p, from, offset - from, 0, h.count - count);
}
