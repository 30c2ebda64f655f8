/* plist: chunks of packed entries (see plist.h for the design).
 *
 * Entry layout, written and read only here:
 *   0x00-0x7F  string of 0..127 bytes, the bytes follow
 *   0x80-0xBF  integer 0..63, nothing follows
 *   0xC0-0xDF  string of 128..8319 bytes: 13 bits of length (this byte's low
 *              5 and the next byte), then the bytes
 *   0xE0       string with a 4-byte little-endian length, then the bytes
 *   0xE1-0xE8  integer on 1..8 little-endian bytes, sign-extended
 * then the back length: the size of the above in 7-bit groups read from
 * the end, the high bit of a byte meaning "one more byte to the left".
 *
 * Every function that edits a node moves at most that node (realloc), and
 * fixes its neighbours' links, so other node pointers stay valid.
 *
 * Node room.  A node's entries sit at `start` inside a block of `capacity`
 * bytes, so the two ends of a list — where queues push and pop — change
 * without a realloc or a memmove of the chunk: a head push writes into the
 * room before `start`, a head pop advances it, a tail push grows into the
 * room after the entries.  Room is reserved only by end pushes (a quarter
 * more, never past the chunk limit, so full nodes stay exactly in their
 * class) and given back when an end node is less than half used; nodes in
 * the middle keep no room, so a long list costs what its entries cost.
 */
#include "plist.h"

#include <lzf.h>
#include <stddef.h>
#include <string.h>

#include "qshape.h"
#include "rdb_listpack.h"
#include "zkv_assert.h"
#include "zmalloc.h"

enum { PLIST_SMALL = 1, PLIST_CHUNKED = 2 };

static size_t redis_range_bytes(void *context, size_t start, size_t count);

#define NODE_COMPRESSED 1u
#define PLIST_SAFETY_LIMIT 8192 /* bytes of a chunk capped by entry count */
#define PLIST_MIN_COMPRESS 48   /* smaller chunks are not worth compressing */
#define PLIST_MIN_SAVING 8      /* compression must save at least this much */
#define ENTRY_STRING_MEDIUM_MAX (128 + 0x1FFF)

struct plist {
    uint8_t tag;
};

typedef struct plist_small {
    uint8_t tag;
    uint8_t unused;
    uint16_t count;
    uint32_t bytes;
    unsigned char data[];
} plist_small;

typedef struct plist_node {
    struct plist_node *prev, *next;
    uint32_t bytes;    /* of entries: compressed size + 4 when compressed */
    uint32_t start;    /* offset of the entries in raw (0 when compressed) */
    uint32_t capacity; /* bytes of raw the block holds */
    uint16_t count;
    uint8_t flags;
    uint8_t unused;
    unsigned char raw[];
} plist_node;

static unsigned char *node_data(const plist_node *n) {
    return (unsigned char *)n->raw + n->start;
}

typedef struct plist_chunked {
    uint8_t tag;
    uint8_t unused[3];
    uint32_t nodes;
    uint64_t count;
    plist_node *head, *tail;
    qshape shape; /* Redis's nodes (see "Redis's nodes" below) */
} plist_chunked;


/* ---------------------------------------------------------------- entries */

typedef struct entry_plan {
    const char *data;
    size_t length;
    long long integer;
    bool is_integer;
    uint32_t head;  /* header and payload */
    uint32_t total; /* with the back length */
} entry_plan;

static uint32_t backlen_size(uint32_t head) {
    if (head < (1u << 7)) return 1;
    if (head < (1u << 14)) return 2;
    if (head < (1u << 21)) return 3;
    if (head < (1u << 28)) return 4;
    return 5;
}

static uint32_t integer_bytes(long long value) {
    for (uint32_t n = 1; n < 8; n++) {
        long long bound = 1LL << (8 * n - 1);
        if (value >= -bound && value < bound) return n;
    }
    return 8;
}

static void plan_entry(entry_plan *p, const char *data, size_t length) {
    p->data = data;
    p->length = length;
    p->is_integer = length > 0 && length <= 20 && number_parse_integer(data, length, &p->integer);
    if (p->is_integer) {
        p->head = p->integer >= 0 && p->integer <= 63 ? 1 : 1 + integer_bytes(p->integer);
    } else {
        zkv_assert(length <= UINT32_MAX - 64);
        p->head = (uint32_t)length + (length <= 127 ? 1 : length <= ENTRY_STRING_MEDIUM_MAX ? 2 : 5);
    }
    p->total = p->head + backlen_size(p->head);
}

static void write_backlen(unsigned char *out, uint32_t head) {
    uint32_t n = backlen_size(head);
    for (uint32_t i = 0; i < n; i++)
        out[n - 1 - i] = (unsigned char)(((head >> (7 * i)) & 0x7F) | (i + 1 < n ? 0x80 : 0));
}

/* The header+payload size of the entry ending at `end`; *size gets the
 * back length's own size. */
static uint32_t read_backlen(const unsigned char *end, uint32_t *size) {
    uint32_t head = 0, shift = 0, n = 0;
    for (;;) {
        unsigned byte = *--end;
        n++;
        head |= (uint32_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) break;
        shift += 7;
    }
    *size = n;
    return head;
}

static void write_entry(unsigned char *out, const entry_plan *p) {
    unsigned char *q = out;
    if (p->is_integer && p->head == 1) {
        *q++ = (unsigned char)(0x80 | p->integer);
    } else if (p->is_integer) {
        uint32_t n = p->head - 1;
        uint64_t bits = (uint64_t)p->integer;
        *q++ = (unsigned char)(0xE0 + n);
        for (uint32_t i = 0; i < n; i++) *q++ = (unsigned char)(bits >> (8 * i));
    } else {
        size_t length = p->length;
        if (length <= 127) {
            *q++ = (unsigned char)length;
        } else if (length <= ENTRY_STRING_MEDIUM_MAX) {
            size_t rest = length - 128;
            *q++ = (unsigned char)(0xC0 | (rest >> 8));
            *q++ = (unsigned char)(rest & 0xFF);
        } else {
            *q++ = 0xE0;
            for (int i = 0; i < 4; i++) *q++ = (unsigned char)(length >> (8 * i));
        }
        if (length) memcpy(q, p->data, length);
        q += length;
    }
    write_backlen(q, p->head);
}

/* Decodes the entry at `p`; returns its header+payload size. */
static uint32_t read_entry(const unsigned char *p, plist_value *v) {
    unsigned h = p[0];
    if (h <= 0x7F) {
        v->data = (const char *)p + 1;
        v->length = h;
        return 1 + h;
    }
    if (h <= 0xBF) {
        v->data = NULL;
        v->length = 0;
        v->integer = h & 0x3F;
        return 1;
    }
    if (h <= 0xDF) {
        v->length = 128 + (((size_t)(h & 0x1F) << 8) | p[1]);
        v->data = (const char *)p + 2;
        return 2 + (uint32_t)v->length;
    }
    if (h == 0xE0) {
        v->length = (size_t)p[1] | (size_t)p[2] << 8 | (size_t)p[3] << 16 | (size_t)p[4] << 24;
        v->data = (const char *)p + 5;
        return 5 + (uint32_t)v->length;
    }
    uint32_t n = h - 0xE0;
    zkv_assert(n >= 1 && n <= 8);
    uint64_t bits = 0;
    for (uint32_t i = 0; i < n; i++) bits |= (uint64_t)p[1 + i] << (8 * i);
    if (n < 8 && ((bits >> (8 * n - 1)) & 1)) bits |= ~0ULL << (8 * n);
    v->data = NULL;
    v->length = 0;
    v->integer = (long long)bits;
    return 1 + n;
}

static uint32_t entry_size_at(const unsigned char *p) {
    plist_value ignored;
    uint32_t head = read_entry(p, &ignored);
    return head + backlen_size(head);
}

/* Byte offset of entry `pos` (pos == count: the end), walked from the
 * nearer end of the chunk. */
static uint32_t chunk_offset(const unsigned char *data, uint32_t bytes, uint32_t count, uint32_t pos) {
    uint32_t offset;
    if (pos <= count / 2) {
        offset = 0;
        for (uint32_t i = 0; i < pos; i++) offset += entry_size_at(data + offset);
    } else {
        offset = bytes;
        for (uint32_t i = count; i > pos; i--) {
            uint32_t size;
            uint32_t head = read_backlen(data + offset, &size);
            offset -= head + size;
        }
    }
    return offset;
}

/* ---------------------------------------------------------------- limits */

static size_t limit_bytes(int fill) {
    if (fill >= 0) return PLIST_SAFETY_LIMIT;
    int level = fill < -5 ? 5 : -fill;
    return (size_t)4096 << (level - 1);
}

static uint32_t limit_count(int fill) {
    if (fill > 0) return fill > UINT16_MAX ? UINT16_MAX : (uint32_t)fill;
    return fill == 0 ? 1 : UINT16_MAX;
}

/* May a chunk of `count` entries grow to a block of `block_bytes`?  An
 * empty chunk takes any one entry. */
static bool fits(uint32_t count, size_t block_bytes, const plist_limits *limits) {
    if (count == 0) return true;
    return count + 1 <= limit_count(limits->fill) && block_bytes <= limit_bytes(limits->fill);
}

/* ---------------------------------------------------------------- nodes */

static plist_node *node_fix_links(plist_chunked *q, plist_node *n) {
    if (n->prev) n->prev->next = n;
    else q->head = n;
    if (n->next) n->next->prev = n;
    else q->tail = n;
    return n;
}

/* Records the block's real size as the node's capacity. */
static plist_node *node_measure(plist_node *n) {
    n->capacity = (uint32_t)(zmalloc_usable_size(n) - sizeof *n);
    return n;
}

/* Moves the entries inside the block so they begin at `start`. */
static void node_move_entries(plist_node *n, uint32_t start) {
    if (start != n->start) memmove(n->raw + start, n->raw + n->start, n->bytes);
    n->start = start;
}

/* Reallocates `n` to hold `capacity` bytes of raw (at least its entries). */
static plist_node *node_reserve(plist_chunked *q, plist_node *n, uint32_t capacity) {
    zkv_assert(capacity >= n->bytes);
    if (n->start + n->bytes > capacity) node_move_entries(n, 0);
    return node_fix_links(q, node_measure(zmalloc_realloc(n, sizeof *n + capacity)));
}

/* Replaces `remove` bytes at `offset` of the entries by `insert` bytes of
 * room (starting at `offset`); the count is the caller's.  `room_limit` is
 * the largest capacity a growing node may reserve beyond its need (0: none;
 * end pushes pass the chunk limit).  Returns the node, maybe moved. */
static plist_node *node_splice(plist_chunked *q, plist_node *n, uint32_t offset, uint32_t remove, uint32_t insert,
                               uint32_t room_limit) {
    uint32_t old = n->bytes, fresh = old - remove + insert;
    bool at_head = offset == 0;
    if (at_head ? insert > n->start + remove : n->start + fresh > n->capacity) {
        if (fresh > n->capacity) {
            uint32_t want = fresh + fresh / 4;
            if (want > room_limit) want = room_limit > fresh ? room_limit : fresh;
            n = node_reserve(q, n, want);
        }
        node_move_entries(n, at_head ? n->capacity - old : 0);
    }
    if (at_head) {
        n->start = n->start + remove - insert;
    } else {
        unsigned char *data = node_data(n);
        memmove(data + offset + insert, data + offset + remove, old - offset - remove);
    }
    n->bytes = fresh;
    if (fresh < old) {
        bool at_end = !n->prev || !n->next;
        if (!at_end || n->capacity > 2 * fresh + 64) n = node_reserve(q, n, fresh);
    }
    return n;
}

/* A node of exactly `bytes` bytes of entries, none written. */
static plist_node *node_alloc(uint32_t bytes, uint16_t count) {
    plist_node *n = zmalloc_alloc(sizeof *n + bytes);
    *n = (plist_node){.bytes = bytes, .count = count};
    return node_measure(n);
}

static plist_node *node_new(const entry_plan *p) {
    plist_node *n = node_alloc(p->total, 1);
    write_entry(n->raw, p);
    return n;
}

/* Links `m` after `prev` (NULL: at the head). */
static void node_link(plist_chunked *q, plist_node *prev, plist_node *m) {
    m->prev = prev;
    m->next = prev ? prev->next : q->head;
    if (m->next) m->next->prev = m;
    else q->tail = m;
    if (prev) prev->next = m;
    else q->head = m;
    q->nodes++;
}

static void node_unlink_free(plist_chunked *q, plist_node *n) {
    if (n->prev) n->prev->next = n->next;
    else q->head = n->next;
    if (n->next) n->next->prev = n->prev;
    else q->tail = n->prev;
    q->nodes--;
    zmalloc_free(n);
}

static uint32_t compressed_raw_size(const plist_node *n) {
    const unsigned char *data = node_data(n);
    return (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
}

static plist_node *node_compress(plist_chunked *q, plist_node *n) {
    if ((n->flags & NODE_COMPRESSED) || n->bytes < PLIST_MIN_COMPRESS) return n;
    plist_node *m = zmalloc_alloc(sizeof *m + n->bytes);
    *m = *n;
    unsigned int size = lzf_compress(node_data(n), n->bytes, m->raw + 4, n->bytes - 4 - PLIST_MIN_SAVING);
    if (size == 0) {
        zmalloc_free(m);
        return n;
    }
    for (int i = 0; i < 4; i++) m->raw[i] = (unsigned char)(n->bytes >> (8 * i));
    m->bytes = size + 4;
    m->start = 0;
    m->flags |= NODE_COMPRESSED;
    zmalloc_free(n);
    m = node_measure(zmalloc_realloc(m, sizeof *m + m->bytes));
    return node_fix_links(q, m);
}

static plist_node *node_decompress(plist_chunked *q, plist_node *n) {
    if (!(n->flags & NODE_COMPRESSED)) return n;
    uint32_t raw = compressed_raw_size(n);
    plist_node *m = zmalloc_alloc(sizeof *m + raw);
    *m = *n;
    unsigned int size = lzf_decompress(node_data(n) + 4, n->bytes - 4, m->raw, raw);
    zkv_assert(size == raw);
    node_measure(m);
    m->bytes = raw;
    m->start = 0;
    m->flags &= (uint8_t)~NODE_COMPRESSED;
    zmalloc_free(n);
    return node_fix_links(q, m);
}

/* True when `n` is further than `depth` nodes from both ends. */
static bool node_is_inner(const plist_chunked *q, const plist_node *n, int depth) {
    if (q->nodes <= 2u * (uint32_t)depth) return false;
    const plist_node *f = q->head, *b = q->tail;
    for (int i = 0; i < depth; i++) {
        if (f == n || b == n) return false;
        f = f->next;
        b = b->prev;
    }
    return true;
}

/* After a change to `n`: compress it again when it is an inner node. */
static void node_settle(plist_chunked *q, plist_node *n, const plist_limits *limits) {
    if (limits->compress_depth > 0 && node_is_inner(q, n, limits->compress_depth)) node_compress(q, n);
}

/* Keeps the `depth` nodes at each end raw and the first inner node on each
 * side compressed: after a push or pop only those can have changed side. */
static void compress_ends(plist_chunked *q, const plist_limits *limits) {
    int depth = limits->compress_depth;
    if (depth <= 0 || !q->head) return;
    if (q->nodes <= 2u * (uint32_t)depth) {
        for (plist_node *n = q->head; n; n = n->next) n = node_decompress(q, n);
        return;
    }
    plist_node *n = q->head;
    for (int i = 0; i < depth; i++) n = node_decompress(q, n)->next;
    node_compress(q, n);
    n = q->tail;
    for (int i = 0; i < depth; i++) n = node_decompress(q, n)->prev;
    node_compress(q, n);
}

/* The node holding element `index` and the position inside it. */
static plist_node *node_locate(const plist_chunked *q, size_t index, uint32_t *pos) {
    plist_node *n;
    if (index < q->count / 2) {
        n = q->head;
        while (index >= n->count) {
            index -= n->count;
            n = n->next;
        }
    } else {
        size_t from_end = q->count - 1 - index;
        n = q->tail;
        while (from_end >= n->count) {
            from_end -= n->count;
            n = n->prev;
        }
        index = n->count - 1 - from_end;
    }
    *pos = (uint32_t)index;
    return n;
}

/* ---------------------------------------------------------------- forms */

static plist_small *small_splice(plist_small *s, uint32_t offset, uint32_t remove, uint32_t insert) {
    uint32_t old = s->bytes, fresh = old - remove + insert;
    if (fresh > old) s = zmalloc_realloc(s, sizeof *s + fresh);
    memmove(s->data + offset + insert, s->data + offset + remove, old - offset - remove);
    if (fresh < old) s = zmalloc_realloc(s, sizeof *s + fresh);
    s->bytes = fresh;
    return s;
}

static plist_chunked *chunked_create(void) {
    plist_chunked *q = zmalloc_alloc(sizeof *q);
    *q = (plist_chunked){.tag = PLIST_CHUNKED};
    return q;
}

/* The small block becomes the first node (one realloc, one move). */
static plist_chunked *to_chunked(plist_small *s) {
    plist_chunked *q = chunked_create();
    uint32_t bytes = s->bytes;
    uint16_t count = s->count;
    if (count == 0) {
        zmalloc_free(s);
        return q;
    }
    plist_node *n = zmalloc_realloc(s, sizeof *n + bytes);
    memmove(n->raw, (unsigned char *)n + sizeof(plist_small), bytes);
    *n = (plist_node){.bytes = bytes, .count = count};
    node_measure(n);
    node_link(q, NULL, n);
    q->count = count;
    qshape_init(&q->shape, count, redis_range_bytes(q, 0, count));
    return q;
}

/* Back to the small form once the list is one raw chunk at most half the
 * limit: the hysteresis keeps a queue at the boundary from converting on
 * every push and pop. */
static plist *settle_form(plist_chunked *q, const plist_limits *limits) {
    if (q->nodes > 1) return (plist *)q;
    /* A small list is one Redis node: one that is two stays chunked. */
    if (q->shape.length > 1) return (plist *)q;
    plist_node *n = q->head;
    if (n && ((n->flags & NODE_COMPRESSED) || sizeof(plist_small) + n->bytes > limit_bytes(limits->fill) / 2 ||
              (limits->fill > 0 && n->count > limit_count(limits->fill) / 2 + 1)))
        return (plist *)q;
    uint32_t bytes = n ? n->bytes : 0;
    uint16_t count = n ? n->count : 0;
    qshape_free(&q->shape);
    zmalloc_free(q);
    if (!n) return plist_create();
    memmove((unsigned char *)n + sizeof(plist_small), node_data(n), bytes);
    plist_small *s = zmalloc_realloc(n, sizeof *s + bytes);
    *s = (plist_small){.tag = PLIST_SMALL, .count = count, .bytes = bytes};
    return (plist *)s;
}

static plist_chunked *as_chunked(plist *l) {
    return l->tag == PLIST_CHUNKED ? (plist_chunked *)l : to_chunked((plist_small *)l);
}

/* ---------------------------------------------------------------- whole lists */

plist *plist_create(void) {
    plist_small *s = zmalloc_alloc(sizeof *s);
    *s = (plist_small){.tag = PLIST_SMALL};
    return (plist *)s;
}

void plist_free(plist *l) {
    if (!l) return;
    if (l->tag == PLIST_CHUNKED) {
        plist_chunked *q = (plist_chunked *)l;
        for (plist_node *n = q->head, *next; n; n = next) {
            next = n->next;
            zmalloc_free(n);
        }
        qshape_free(&q->shape);
    }
    zmalloc_free(l);
}

plist *plist_duplicate(const plist *l) {
    if (l->tag == PLIST_SMALL) {
        const plist_small *s = (const plist_small *)l;
        plist_small *copy = zmalloc_alloc(sizeof *s + s->bytes);
        memcpy(copy, s, sizeof *s + s->bytes);
        return (plist *)copy;
    }
    const plist_chunked *q = (const plist_chunked *)l;
    plist_chunked *copy = chunked_create();
    for (const plist_node *n = q->head; n; n = n->next) {
        plist_node *m = node_alloc(n->bytes, n->count);
        m->flags = n->flags;
        memcpy(m->raw, node_data(n), n->bytes);
        node_link(copy, copy->tail, m);
    }
    copy->count = q->count;
    qshape_copy(&copy->shape, &q->shape);
    return (plist *)copy;
}


/* ---------------------------------------------------------------- Redis's nodes
 *
 * A chunked list carries its qshape: the nodes Redis 7.0's quicklist would
 * hold for the same history.  A small list is one Redis node: an operation
 * that would give Redis a second one (a push or an insert its node does
 * not take) makes the list chunked first, and a chunked list whose shadow
 * holds more than one node stays chunked (settle_form). */

/* Listpack bytes of an element (what Redis's node would hold). */
static size_t redis_entry(const plist_value *v, size_t *raw) {
    char digits[NUMBER_INTEGER_BUFFER];
    const char *data = plist_value_bytes(v, raw, digits);
    return rdb_listpack_entry_size(data, *raw);
}

static size_t redis_range_bytes(void *context, size_t start, size_t count) {
    const plist *l = context;
    size_t bytes = RDB_LISTPACK_EMPTY_BYTES;
    if (count == 0) return bytes;
    plist_iterator it;
    plist_value v;
    plist_iterator_init(&it, l, start, true);
    for (size_t i = 0; i < count && plist_iterator_next(&it, &v); i++) {
        size_t raw;
        bytes += redis_entry(&v, &raw);
    }
    plist_iterator_finish(&it);
    return bytes;
}

/* Does Redis's single node of a small list surely take an element of
 * `raw` bytes?  A listpack entry is at most 4 bytes longer than the list's
 * own, so the test needs no walk; near the limit the list goes chunked,
 * where the shadow knows the node's bytes (a walk once, not one a push). */
static bool small_redis_takes(const plist_small *s, size_t raw, int fill) {
    size_t bound = RDB_LISTPACK_EMPTY_BYTES + s->bytes + 4 * (size_t)s->count;
    return s->count == 0 || qshape_takes(fill, bound, s->count, raw);
}

/* The element at `index`'s listpack bytes. */
static size_t redis_entry_at(const plist *l, size_t index) {
    plist_iterator it;
    plist_value v;
    size_t raw, entry = 0;
    plist_iterator_init(&it, l, index, true);
    if (plist_iterator_next(&it, &v)) entry = redis_entry(&v, &raw);
    plist_iterator_finish(&it);
    return entry;
}

size_t plist_redis_nodes(const plist *l, const qshape_node **nodes) {
    if (l->tag != PLIST_CHUNKED) {
        *nodes = NULL;
        return 0;
    }
    const plist_chunked *q = (const plist_chunked *)l;
    *nodes = q->shape.nodes;
    return q->shape.length;
}

plist *plist_set_redis_nodes(plist *l, const qshape_node *nodes, size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += nodes[i].count;
    if (total != plist_length(l) || n == 0) return l;
    if (l->tag != PLIST_CHUNKED) {
        if (n == 1) return l;
        l = (plist *)to_chunked((plist_small *)l);
    }
    plist_chunked *q = (plist_chunked *)l;
    q->shape.length = 0;
    for (size_t i = 0; i < n; i++) qshape_append(&q->shape, nodes[i].count, nodes[i].bytes);
    return l;
}

size_t plist_length(const plist *l) {
    return l->tag == PLIST_SMALL ? ((const plist_small *)l)->count : ((const plist_chunked *)l)->count;
}

size_t plist_chunk_count(const plist *l) {
    return l->tag == PLIST_SMALL ? 1 : ((const plist_chunked *)l)->nodes + 1;
}

size_t plist_memory(const plist *l) {
    size_t total = zmalloc_usable_size(l);
    if (l->tag == PLIST_CHUNKED) total += qshape_heap_bytes(&((const plist_chunked *)l)->shape);
    if (l->tag == PLIST_CHUNKED)
        for (const plist_node *n = ((const plist_chunked *)l)->head; n; n = n->next) total += zmalloc_usable_size(n);
    return total;
}

/* ---------------------------------------------------------------- ends */

static void chunked_push(plist_chunked *q, const entry_plan *p, bool head, const plist_limits *limits) {
    plist_node *n = head ? q->head : q->tail;
    if (n) n = node_decompress(q, n);
    if (n && fits(n->count, sizeof *n + n->bytes + p->total, limits)) {
        uint32_t offset = head ? 0 : n->bytes;
        n = node_splice(q, n, offset, 0, p->total, (uint32_t)(limit_bytes(limits->fill) - sizeof *n));
        write_entry(node_data(n) + offset, p);
        n->count++;
    } else {
        node_link(q, head ? NULL : q->tail, node_new(p));
        compress_ends(q, limits);
    }
    q->count++;
}

plist *plist_push(plist *l, const char *data, size_t length, bool head, const plist_limits *limits) {
    entry_plan p;
    plan_entry(&p, data, length);
    if (l->tag == PLIST_SMALL) {
        plist_small *s = (plist_small *)l;
        if (fits(s->count, sizeof *s + s->bytes + p.total, limits) && s->count < UINT16_MAX &&
            small_redis_takes(s, length, limits->fill)) {
            uint32_t offset = head ? 0 : s->bytes;
            s = small_splice(s, offset, 0, p.total);
            write_entry(s->data + offset, &p);
            s->count++;
            return (plist *)s;
        }
        l = (plist *)to_chunked(s);
    }
    plist_chunked *q = (plist_chunked *)l;
    qshape_push(&q->shape, head, length, rdb_listpack_entry_size(data, length), limits->fill);
    chunked_push(q, &p, head, limits);
    return l;
}

/* Size of the last entry of a chunk. */
static uint32_t last_entry_size(const unsigned char *data, uint32_t bytes) {
    uint32_t size;
    uint32_t head = read_backlen(data + bytes, &size);
    return head + size;
}

plist *plist_pop(plist *l, bool head, const plist_limits *limits) {
    if (l->tag == PLIST_SMALL) {
        plist_small *s = (plist_small *)l;
        zkv_assert(s->count > 0);
        uint32_t size = head ? entry_size_at(s->data) : last_entry_size(s->data, s->bytes);
        s = small_splice(s, head ? 0 : s->bytes - size, size, 0);
        s->count--;
        return (plist *)s;
    }
    plist_chunked *q = (plist_chunked *)l;
    zkv_assert(q->count > 0);
    plist_node *n = node_decompress(q, head ? q->head : q->tail);
    /* The element's listpack size, for Redis's end node if it stays. */
    const qshape_node *end = &q->shape.nodes[head ? 0 : q->shape.length - 1];
    size_t entry = 0;
    if (end->count > 1) {
        plist_value v;
        size_t raw;
        const unsigned char *data = node_data(n);
        read_entry(head ? data : data + n->bytes - last_entry_size(data, n->bytes), &v);
        entry = redis_entry(&v, &raw);
    }
    qshape_pop(&q->shape, head, entry);
    if (n->count == 1) {
        node_unlink_free(q, n);
    } else {
        unsigned char *data = node_data(n);
        uint32_t size = head ? entry_size_at(data) : last_entry_size(data, n->bytes);
        n = node_splice(q, n, head ? 0 : n->bytes - size, size, 0, 0);
        n->count--;
    }
    q->count--;
    compress_ends(q, limits);
    return settle_form(q, limits);
}

/* ---------------------------------------------------------------- middle */

static void chunked_delete_range(plist_chunked *q, size_t start, size_t count, const plist_limits *limits) {
    if (count == 0) return;
    uint32_t pos;
    plist_node *n = node_locate(q, start, &pos);
    plist_node *first_cut = NULL, *last_cut = NULL;
    while (count > 0) {
        plist_node *next = n->next;
        if (pos == 0 && count >= n->count) {
            count -= n->count;
            q->count -= n->count;
            node_unlink_free(q, n);
        } else {
            n = node_decompress(q, n);
            uint32_t take = (uint32_t)(count < n->count - pos ? count : n->count - pos);
            unsigned char *data = node_data(n);
            uint32_t from = chunk_offset(data, n->bytes, n->count, pos), to = from;
            for (uint32_t i = 0; i < take; i++) to += entry_size_at(data + to);
            n = node_splice(q, n, from, to - from, 0, 0);
            n->count = (uint16_t)(n->count - take);
            count -= take;
            q->count -= take;
            if (first_cut) last_cut = n;
            else first_cut = n;
        }
        n = next;
        pos = 0;
    }
    if (first_cut) node_settle(q, first_cut, limits);
    if (last_cut) node_settle(q, last_cut, limits);
    compress_ends(q, limits);
}

plist *plist_delete_range(plist *l, size_t start, size_t count, const plist_limits *limits) {
    zkv_assert(start + count <= plist_length(l));
    if (count == 0) return l;
    if (l->tag == PLIST_SMALL) {
        plist_small *s = (plist_small *)l;
        uint32_t from = chunk_offset(s->data, s->bytes, s->count, (uint32_t)start), to = from;
        for (size_t i = 0; i < count; i++) to += entry_size_at(s->data + to);
        s = small_splice(s, from, to - from, 0);
        s->count = (uint16_t)(s->count - count);
        return (plist *)s;
    }
    plist_chunked *q = (plist_chunked *)l;
    chunked_delete_range(q, start, count, limits);
    qshape_delete_range(&q->shape, start, count, redis_range_bytes, q);
    return settle_form(q, limits);
}

static void chunked_insert(plist_chunked *q, size_t index, const entry_plan *p, const plist_limits *limits) {
    if (index == 0 || index == q->count) {
        chunked_push(q, p, index == 0, limits);
        return;
    }
    uint32_t pos;
    plist_node *n = node_decompress(q, node_locate(q, index, &pos));
    q->count++;
    if (fits(n->count, sizeof *n + n->bytes + p->total, limits)) {
        uint32_t offset = chunk_offset(node_data(n), n->bytes, n->count, pos);
        n = node_splice(q, n, offset, 0, p->total, 0);
        write_entry(node_data(n) + offset, p);
        n->count++;
        node_settle(q, n, limits);
        return;
    }
    if (pos == 0) {
        plist_node *prev = n->prev;
        if (prev) prev = node_decompress(q, prev);
        if (prev && fits(prev->count, sizeof *prev + prev->bytes + p->total, limits)) {
            uint32_t offset = prev->bytes;
            prev = node_splice(q, prev, offset, 0, p->total, 0);
            write_entry(node_data(prev) + offset, p);
            prev->count++;
            node_settle(q, prev, limits);
        } else {
            plist_node *m = node_new(p);
            node_link(q, prev, m);
            if (prev) node_settle(q, prev, limits);
            node_settle(q, m, limits);
        }
        node_settle(q, n, limits);
        compress_ends(q, limits);
        return;
    }
    /* Split the full node at `pos`; the entry goes at the end of the left
     * half, the start of the right one, or alone between them. */
    uint32_t offset = chunk_offset(node_data(n), n->bytes, n->count, pos);
    uint32_t right_bytes = n->bytes - offset;
    plist_node *right = node_alloc(right_bytes, (uint16_t)(n->count - pos));
    memcpy(right->raw, node_data(n) + offset, right_bytes);
    n = node_splice(q, n, offset, right_bytes, 0, 0);
    n->count = (uint16_t)pos;
    node_link(q, n, right);
    plist_node *middle = NULL;
    if (fits(n->count, sizeof *n + n->bytes + p->total, limits)) {
        n = node_splice(q, n, n->bytes, 0, p->total, 0);
        write_entry(node_data(n) + n->bytes - p->total, p);
        n->count++;
    } else if (fits(right->count, sizeof *right + right->bytes + p->total, limits)) {
        right = node_splice(q, right, 0, 0, p->total, 0);
        write_entry(node_data(right), p);
        right->count++;
    } else {
        middle = node_new(p);
        node_link(q, n, middle);
    }
    node_settle(q, n, limits);
    node_settle(q, right, limits);
    if (middle) node_settle(q, middle, limits);
    compress_ends(q, limits);
}

plist *plist_insert(plist *l, size_t index, bool after, const char *data, size_t length,
                    const plist_limits *limits) {
    size_t count = plist_length(l);
    zkv_assert(index <= count);
    if (index == 0 || index == count) return plist_push(l, data, length, index == 0, limits);
    entry_plan p;
    plan_entry(&p, data, length);
    if (l->tag == PLIST_SMALL) {
        plist_small *s = (plist_small *)l;
        if (fits(s->count, sizeof *s + s->bytes + p.total, limits) && s->count < UINT16_MAX &&
            small_redis_takes(s, length, limits->fill)) {
            uint32_t offset = chunk_offset(s->data, s->bytes, s->count, (uint32_t)index);
            s = small_splice(s, offset, 0, p.total);
            write_entry(s->data + offset, &p);
            s->count++;
            return (plist *)s;
        }
    }
    plist_chunked *q = as_chunked(l);
    qshape_insert(&q->shape, after ? index - 1 : index, after, length, rdb_listpack_entry_size(data, length),
                  limits->fill, redis_range_bytes, q);
    chunked_insert(q, index, &p, limits);
    return settle_form(q, limits);
}

plist *plist_set(plist *l, size_t index, const char *data, size_t length, const plist_limits *limits) {
    zkv_assert(index < plist_length(l));
    entry_plan p;
    plan_entry(&p, data, length);
    size_t old_entry = l->tag == PLIST_CHUNKED ? redis_entry_at(l, index) : 0;
    if (l->tag == PLIST_SMALL) {
        plist_small *s = (plist_small *)l;
        uint32_t offset = chunk_offset(s->data, s->bytes, s->count, (uint32_t)index);
        uint32_t old = entry_size_at(s->data + offset);
        if (s->count == 1 || sizeof *s + s->bytes - old + p.total <= limit_bytes(limits->fill)) {
            s = small_splice(s, offset, old, p.total);
            write_entry(s->data + offset, &p);
            return (plist *)s;
        }
    }
    if (l->tag != PLIST_CHUNKED) old_entry = redis_entry_at(l, index);
    plist_chunked *q = as_chunked(l);
    /* Redis replaces in place: the node keeps its elements. */
    qshape_replace(&q->shape, index, old_entry, rdb_listpack_entry_size(data, length));
    uint32_t pos;
    plist_node *n = node_decompress(q, node_locate(q, index, &pos));
    uint32_t offset = chunk_offset(node_data(n), n->bytes, n->count, pos);
    uint32_t old = entry_size_at(node_data(n) + offset);
    if (n->count == 1 || sizeof *n + n->bytes - old + p.total <= limit_bytes(limits->fill)) {
        n = node_splice(q, n, offset, old, p.total, 0);
        write_entry(node_data(n) + offset, &p);
        node_settle(q, n, limits);
    } else {
        node_settle(q, n, limits);
        chunked_delete_range(q, index, 1, limits);
        chunked_insert(q, index, &p, limits);
    }
    return settle_form(q, limits);
}

/* Removes from one chunk the matches numbered [skip, skip + want) in the
 * chunk's order, in one compacting pass; returns the new byte size. */
static uint32_t chunk_remove_matches(unsigned char *data, uint32_t bytes, const char *needle, size_t length,
                                     uint32_t skip, uint32_t want) {
    uint32_t read = 0, write = 0, match = 0, removed = 0;
    while (read < bytes) {
        plist_value v;
        uint32_t head = read_entry(data + read, &v);
        uint32_t size = head + backlen_size(head);
        if (removed < want && plist_value_equals(&v, needle, length)) {
            bool drop = match >= skip;
            match++;
            if (drop) {
                removed++;
                read += size;
                continue;
            }
        }
        if (write != read) memmove(data + write, data + read, size);
        write += size;
        read += size;
    }
    return write;
}

static uint32_t chunk_count_matches(const unsigned char *data, uint32_t bytes, const char *needle, size_t length) {
    uint32_t matches = 0;
    for (uint32_t offset = 0; offset < bytes;) {
        plist_value v;
        uint32_t head = read_entry(data + offset, &v);
        if (plist_value_equals(&v, needle, length)) matches++;
        offset += head + backlen_size(head);
    }
    return matches;
}

/* LREM's deletions in Redis's nodes, before the list changes: the
 * matches are found first (from the tail, the last `limit` of them). */
static void redis_remove(plist_chunked *q, const char *data, size_t length, bool from_tail, size_t limit) {
    plist_iterator it;
    plist_value v;
    size_t matches = 0;
    plist_iterator_init(&it, (plist *)q, 0, true);
    while (plist_iterator_next(&it, &v)) matches += plist_value_equals(&v, data, length);
    plist_iterator_finish(&it);
    size_t want = matches < limit ? matches : limit;
    if (want == 0) return;
    size_t skip = from_tail ? matches - want : 0, found = 0, *indexes = zmalloc_alloc(want * sizeof(size_t));
    plist_iterator_init(&it, (plist *)q, 0, true);
    for (size_t i = 0; found < want && plist_iterator_next(&it, &v); i++) {
        if (!plist_value_equals(&v, data, length)) continue;
        if (skip) skip--;
        else indexes[found++] = i;
    }
    plist_iterator_finish(&it);
    qshape_delete_sorted(&q->shape, indexes, found, rdb_listpack_entry_size(data, length));
    zmalloc_free(indexes);
}

plist *plist_remove(plist *l, const char *data, size_t length, long long count, const plist_limits *limits,
                    size_t *removed) {
    bool from_tail = count < 0;
    size_t limit = count == 0 ? SIZE_MAX : from_tail ? (size_t)0 - (size_t)count : (size_t)count;
    *removed = 0;
    if (l->tag == PLIST_SMALL) {
        plist_small *s = (plist_small *)l;
        uint32_t matches = chunk_count_matches(s->data, s->bytes, data, length);
        uint32_t want = matches < limit ? matches : (uint32_t)limit;
        if (want == 0) return l;
        uint32_t bytes = chunk_remove_matches(s->data, s->bytes, data, length, from_tail ? matches - want : 0, want);
        s = zmalloc_realloc(s, sizeof *s + bytes);
        s->bytes = bytes;
        s->count = (uint16_t)(s->count - want);
        *removed = want;
        return (plist *)s;
    }
    plist_chunked *q = (plist_chunked *)l;
    redis_remove(q, data, length, from_tail, limit);
    plist_node *n = from_tail ? q->tail : q->head;
    while (n && *removed < limit) {
        plist_node *following = from_tail ? n->prev : n->next;
        bool was_compressed = n->flags & NODE_COMPRESSED;
        n = node_decompress(q, n);
        uint32_t matches = chunk_count_matches(node_data(n), n->bytes, data, length);
        uint32_t want = matches < limit - *removed ? matches : (uint32_t)(limit - *removed);
        if (want) {
            uint32_t bytes =
                chunk_remove_matches(node_data(n), n->bytes, data, length, from_tail ? matches - want : 0, want);
            n->count = (uint16_t)(n->count - want);
            q->count -= want;
            *removed += want;
            if (n->count == 0) {
                node_unlink_free(q, n);
            } else {
                n->bytes = bytes;
                n = node_reserve(q, n, bytes);
                node_settle(q, n, limits);
            }
        } else if (was_compressed) {
            node_settle(q, n, limits);
        }
        n = following;
    }
    compress_ends(q, limits);
    return settle_form(q, limits);
}

/* ---------------------------------------------------------------- reading */

static void iterator_load(plist_iterator *it, const plist_node *n) {
    it->node = n;
    if (!(n->flags & NODE_COMPRESSED)) {
        it->data = node_data(n);
        it->bytes = n->bytes;
        return;
    }
    uint32_t raw = compressed_raw_size(n);
    if (it->scratch_capacity < raw) {
        it->scratch = zmalloc_realloc(it->scratch, raw);
        it->scratch_capacity = raw;
    }
    unsigned int size = lzf_decompress(node_data(n) + 4, n->bytes - 4, it->scratch, raw);
    zkv_assert(size == raw);
    it->data = it->scratch;
    it->bytes = raw;
}

void plist_iterator_init(plist_iterator *it, const plist *l, size_t start, bool forward) {
    *it = (plist_iterator){.list = l, .forward = forward};
    if (start >= plist_length(l)) {
        it->done = true;
        return;
    }
    uint32_t pos, count;
    if (l->tag == PLIST_SMALL) {
        const plist_small *s = (const plist_small *)l;
        it->data = s->data;
        it->bytes = s->bytes;
        pos = (uint32_t)start;
        count = s->count;
    } else {
        const plist_node *n = node_locate((const plist_chunked *)l, start, &pos);
        iterator_load(it, n);
        count = n->count;
    }
    it->offset = chunk_offset(it->data, it->bytes, count, forward ? pos : pos + 1);
}

bool plist_iterator_next(plist_iterator *it, plist_value *value) {
    if (it->done) return false;
    for (;;) {
        if (it->forward && it->offset < it->bytes) {
            uint32_t head = read_entry(it->data + it->offset, value);
            it->offset += head + backlen_size(head);
            return true;
        }
        if (!it->forward && it->offset > 0) {
            uint32_t size;
            uint32_t head = read_backlen(it->data + it->offset, &size);
            it->offset -= head + size;
            read_entry(it->data + it->offset, value);
            return true;
        }
        const plist_node *n = it->node;
        n = n ? (it->forward ? n->next : n->prev) : NULL;
        if (!n) {
            it->done = true;
            return false;
        }
        iterator_load(it, n);
        it->offset = it->forward ? 0 : it->bytes;
    }
}

void plist_iterator_finish(plist_iterator *it) {
    zmalloc_free(it->scratch);
    it->scratch = NULL;
    it->scratch_capacity = 0;
}

bool plist_value_equals(const plist_value *value, const char *data, size_t length) {
    if (value->data) return value->length == length && (length == 0 || memcmp(value->data, data, length) == 0);
    long long integer;
    return length <= 20 && number_parse_integer(data, length, &integer) && integer == value->integer;
}

const char *plist_value_bytes(const plist_value *value, size_t *length, char buffer[NUMBER_INTEGER_BUFFER]) {
    if (value->data) {
        *length = value->length;
        return value->data;
    }
    *length = number_format_integer(value->integer, buffer);
    return buffer;
}

/* ---------------------------------------------------------------- defrag */

plist *plist_defrag(plist *l) {
    if (zmalloc_defrag_should_move(l)) {
        plist *moved = zmalloc_defrag_move(l);
        if (moved) l = moved;
    }
    if (l->tag != PLIST_CHUNKED) return l;
    plist_chunked *q = (plist_chunked *)l;
    for (plist_node *n = q->head; n; n = n->next) {
        if (!zmalloc_defrag_should_move(n)) continue;
        plist_node *moved = zmalloc_defrag_move(n);
        if (moved) n = node_fix_links(q, moved);
    }
    return l;
}
