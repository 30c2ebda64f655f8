/* stream: the node layout, appends, deletions, trimming and iteration
 * described in stream.h.
 *
 * Redis's listpack size of the tail node is tracked entry by entry (the
 * size of each element Redis would append: small integers take 2 bytes,
 * strings 2 + length up to 63 bytes...), because that size, not ours,
 * decides where Redis starts a new node.  The counts at the head of Redis's
 * listpack change size as they grow, so they are added when asked.
 */
#include "stream.h"

#include <stdio.h>
#include <string.h>

#include "number.h"
#include "rdb_listpack.h"
#include "stream_group.h"
#include "zkv_assert.h"
#include "zmalloc.h"

typedef struct stream_node {
    stream_id base;
    stream_id last;     /* last appended ID, deleted or not */
    uint32_t used;      /* bytes in use, header included */
    uint32_t live;      /* entries not deleted */
    uint32_t appended;  /* entries ever appended (Redis's count + deleted) */
    uint32_t lp_rest;   /* Redis's listpack bytes without its two counters */
    uint32_t first;     /* offset of the first entry */
    uint8_t data[];
} stream_node;

#define STREAM_LISTPACK_MAX_SIZE (1u << 30)
#define STREAM_FLAG_SAMEFIELDS 2

/* ---------------------------------------------------------------- IDs */

int stream_id_compare(const stream_id *a, const stream_id *b) {
    if (a->ms != b->ms) return a->ms < b->ms ? -1 : 1;
    if (a->seq != b->seq) return a->seq < b->seq ? -1 : 1;
    return 0;
}

bool stream_id_increment(stream_id *id) {
    if (id->seq == UINT64_MAX) {
        if (id->ms == UINT64_MAX) return false;
        id->ms++;
        id->seq = 0;
    } else {
        id->seq++;
    }
    return true;
}

bool stream_id_decrement(stream_id *id) {
    if (id->seq == 0) {
        if (id->ms == 0) return false;
        id->ms--;
        id->seq = UINT64_MAX;
    } else {
        id->seq--;
    }
    return true;
}

size_t stream_id_format(const stream_id *id, char buffer[STREAM_ID_BUFFER]) {
    return (size_t)snprintf(buffer, STREAM_ID_BUFFER, "%llu-%llu", (unsigned long long)id->ms,
                            (unsigned long long)id->seq);
}

/* Redis's string2ull: a canonical decimal, else what strtoull(.., 10)
 * accepts whole (leading spaces, a sign, leading zeros; a minus negates
 * modulo 2^64), never a negative canonical number or an overflow. */
static bool parse_u64(const char *p, size_t n, uint64_t *value) {
    long long canonical;
    if (n && number_parse_integer(p, n, &canonical)) {
        char digits[NUMBER_INTEGER_BUFFER];
        if (number_format_integer(canonical, digits) == n && memcmp(digits, p, n) == 0) {
            if (canonical < 0) return false;
            *value = (uint64_t)canonical;
            return true;
        }
    }
    size_t i = 0;
    while (i < n && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r'))) i++;
    bool negative = false;
    if (i < n && (p[i] == '+' || p[i] == '-')) negative = p[i++] == '-';
    if (i == n) return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        uint64_t digit = (uint64_t)(p[i] - '0');
        if (v > (UINT64_MAX - digit) / 10) return false;
        v = v * 10 + digit;
    }
    *value = negative ? (uint64_t)0 - v : v;
    return true;
}

bool stream_id_parse(const char *text, size_t length, uint64_t missing_seq, bool strict, stream_id *id,
                     bool *seq_star) {
    if (seq_star) *seq_star = false;
    if (length > 127) return false;
    if (length == 1 && (text[0] == '-' || text[0] == '+')) {
        if (strict) return false;
        *id = text[0] == '-' ? (stream_id){0, 0} : STREAM_ID_MAX;
        return true;
    }
    const char *dash = memchr(text, '-', length);
    size_t ms_length = dash ? (size_t)(dash - text) : length;
    stream_id parsed;
    if (!parse_u64(text, ms_length, &parsed.ms)) return false;
    if (!dash) {
        parsed.seq = missing_seq;
    } else {
        const char *seq = dash + 1;
        size_t seq_length = length - ms_length - 1;
        if (seq_star && seq_length == 1 && seq[0] == '*') {
            parsed.seq = 0;
            *seq_star = true;
        } else if (!parse_u64(seq, seq_length, &parsed.seq)) {
            return false;
        }
    }
    *id = parsed;
    return true;
}

/* ---------------------------------------------------------------- varints */

static size_t varint_size(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *varint_put(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static const uint8_t *varint_get(const uint8_t *p, uint64_t *v) {
    uint64_t result = 0;
    unsigned shift = 0;
    for (;;) {
        uint8_t b = *p++;
        result |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
    }
    *v = result;
    return p;
}

/* A 64-bit value with two flags: the first byte holds the flags (bits 0
 * and 1) and 5 value bits, the rest follows as a varint.  The flags sit in
 * the entry's first byte so that deleting an entry rewrites one byte. */
#define TAG_SAME 1u
#define TAG_DELETED 2u

static size_t tagged_size(uint64_t v) {
    return 1 + (v >> 5 ? varint_size(v >> 5) : 0);
}

static uint8_t *tagged_put(uint8_t *p, uint64_t v, unsigned flags) {
    uint64_t rest = v >> 5;
    *p++ = (uint8_t)(((v & 0x1f) << 2) | flags | (rest ? 0x80 : 0));
    return rest ? varint_put(p, rest) : p;
}

static const uint8_t *tagged_get(const uint8_t *p, uint64_t *v, unsigned *flags) {
    uint8_t b = *p++;
    *flags = b & 3u;
    uint64_t value = (b >> 2) & 0x1f;
    if (b & 0x80) {
        uint64_t rest;
        p = varint_get(p, &rest);
        value |= rest << 5;
    }
    *v = value;
    return p;
}

/* ---------------------------------------------------------------- Redis's listpack sizes */

static size_t lp_backlen_size(size_t l) {
    if (l < 128) return 1;
    if (l < 16384) return 2;
    if (l < 2097152) return 3;
    if (l < 268435456) return 4;
    return 5;
}

size_t stream_lp_integer_size(long long v) {
    size_t enc;
    if (v >= 0 && v <= 127) enc = 1;
    else if (v >= -4096 && v <= 4095) enc = 2;
    else if (v >= -32768 && v <= 32767) enc = 3;
    else if (v >= -8388608 && v <= 8388607) enc = 4;
    else if (v >= -2147483648LL && v <= 2147483647LL) enc = 5;
    else enc = 9;
    return enc + lp_backlen_size(enc);
}

size_t stream_lp_string_size(const char *data, size_t length) {
    long long v;
    if (length > 0 && length <= 20 && number_parse_integer(data, length, &v)) {
        /* Redis's listpack stores a canonical decimal as an integer. */
        char digits[NUMBER_INTEGER_BUFFER];
        if (number_format_integer(v, digits) == length && memcmp(digits, data, length) == 0)
            return stream_lp_integer_size(v);
    }
    size_t enc = length < 64 ? 1 + length : length < 4096 ? 2 + length : 5 + length;
    return enc + lp_backlen_size(enc);
}

/* ---------------------------------------------------------------- nodes */

static const uint8_t *node_master(const stream_node *n, uint64_t *count) {
    return varint_get(n->data, count);
}

static size_t node_lp_bytes(const stream_node *n) {
    return n->lp_rest + stream_lp_integer_size(n->live) + stream_lp_integer_size(n->appended - n->live);
}

/* Decodes the entry at `offset` (*deleted: a tombstone); returns the
 * offset after it. */
static size_t node_entry(const stream_node *n, size_t offset, stream_entry *e, bool *deleted) {
    const uint8_t *p = (const uint8_t *)n + offset;
    uint64_t ms_delta, seq;
    unsigned flags;
    p = tagged_get(p, &ms_delta, &flags);
    bool same = flags & TAG_SAME;
    *deleted = flags & TAG_DELETED;
    p = varint_get(p, &seq);
    e->id.ms = n->base.ms + ms_delta;
    e->id.seq = ms_delta == 0 ? n->base.seq + seq : seq;
    uint64_t fields;
    if (same) {
        e->master = node_master(n, &fields);
    } else {
        p = varint_get(p, &fields);
        e->master = NULL;
    }
    e->field_count = fields;
    e->data = p;
    size_t strings = same ? fields : fields * 2;
    for (size_t i = 0; i < strings; i++) {
        uint64_t length;
        p = varint_get(p, &length);
        p += length;
    }
    return (size_t)(p - (const uint8_t *)n);
}

void stream_entry_next(stream_entry *e, const char **field, size_t *field_length, const char **value,
                       size_t *value_length) {
    uint64_t length;
    const uint8_t **fp = e->master ? &e->master : &e->data;
    *fp = varint_get(*fp, &length);
    *field = (const char *)*fp;
    *field_length = length;
    *fp += length;
    e->data = varint_get(e->data, &length);
    *value = (const char *)e->data;
    *value_length = length;
    e->data += length;
}

/* A node whose master fields are fv[0], fv[stride], ... (`pairs` of them). */
static stream_node *node_new(const stream_id *id, const stream_bytes *fv, size_t pairs, size_t stride) {
    size_t master = varint_size(pairs);
    for (size_t i = 0; i < pairs; i++) master += varint_size(fv[stride * i].length) + fv[stride * i].length;
    size_t size = sizeof(stream_node) + master;
    stream_node *n = zmalloc_alloc(size);
    n->base = *id;
    n->last = *id;
    n->used = (uint32_t)size;
    n->live = 0;
    n->appended = 0;
    n->first = (uint32_t)size;
    uint8_t *p = varint_put(n->data, pairs);
    size_t lp = 7 + stream_lp_integer_size((long long)pairs) + stream_lp_integer_size(0);
    for (size_t i = 0; i < pairs; i++) {
        const stream_bytes *f = &fv[stride * i];
        p = varint_put(p, f->length);
        if (f->length) memcpy(p, f->data, f->length);
        p += f->length;
        lp += stream_lp_string_size(f->data, f->length);
    }
    n->lp_rest = (uint32_t)lp;
    return n;
}

static bool node_same_fields(const stream_node *n, const stream_bytes *fv, size_t pairs) {
    uint64_t count;
    const uint8_t *p = node_master(n, &count);
    if (count != pairs) return false;
    for (size_t i = 0; i < pairs; i++) {
        uint64_t length;
        p = varint_get(p, &length);
        if (length != fv[2 * i].length || (length && memcmp(p, fv[2 * i].data, length) != 0)) return false;
        p += length;
    }
    return true;
}

static stream_node *stream_node_at(const stream *s, uint32_t i) {
    return s->nodes[s->head + i];
}

/* Makes room for one more node pointer at the end of the window. */
static void stream_reserve_node(stream *s) {
    if (s->head + s->count < s->capacity) return;
    if (s->head > 0 && s->head >= s->capacity / 4) {
        memmove(s->nodes, s->nodes + s->head, s->count * sizeof *s->nodes);
        s->head = 0;
        return;
    }
    uint32_t capacity = s->capacity ? s->capacity * 2 : 1;
    s->nodes = zmalloc_realloc(s->nodes, capacity * sizeof *s->nodes);
    s->capacity = capacity;
}

/* Removes node i of the window (freed). */
static void stream_remove_node(stream *s, uint32_t i) {
    zmalloc_free(s->nodes[s->head + i]);
    if (i == 0) {
        s->head++;
    } else if (i + 1 < s->count) {
        memmove(s->nodes + s->head + i, s->nodes + s->head + i + 1, (s->count - i - 1) * sizeof *s->nodes);
    }
    s->count--;
    if (s->count == 0) s->head = 0;
}

/* ---------------------------------------------------------------- the stream */

stream *stream_create(void) {
    stream *s = zmalloc_calloc(sizeof *s);
    return s;
}

void stream_free(stream *s) {
    if (!s) return;
    for (uint32_t i = 0; i < s->count; i++) zmalloc_free(stream_node_at(s, i));
    zmalloc_free(s->nodes);
    stream_groups_free(s->groups);
    zmalloc_free(s);
}

stream *stream_duplicate(const stream *s) {
    stream *copy = zmalloc_alloc(sizeof *copy);
    *copy = *s;
    copy->head = 0;
    copy->capacity = s->count;
    copy->nodes = s->count ? zmalloc_alloc(s->count * sizeof *copy->nodes) : NULL;
    for (uint32_t i = 0; i < s->count; i++) {
        const stream_node *n = stream_node_at(s, i);
        copy->nodes[i] = zmalloc_alloc(n->used);
        memcpy(copy->nodes[i], n, n->used);
    }
    copy->groups = stream_groups_duplicate(s->groups);
    return copy;
}

size_t stream_memory(const stream *s, size_t samples) {
    size_t total = zmalloc_usable_size(s);
    if (s->nodes) total += zmalloc_usable_size(s->nodes);
    if (samples == 0 || s->count <= samples) {
        for (uint32_t i = 0; i < s->count; i++) total += zmalloc_usable_size(stream_node_at(s, i));
    } else {
        /* Redis's estimate: the average of the first nodes for all but the
         * last, which is usually the one still growing. */
        size_t sampled = 0;
        for (uint32_t i = 0; i < samples; i++) sampled += zmalloc_usable_size(stream_node_at(s, i));
        total += sampled / samples * (s->count - 1) + zmalloc_usable_size(stream_node_at(s, s->count - 1));
    }
    return total + stream_groups_memory(s->groups);
}

size_t stream_free_effort(const stream *s) {
    return 1 + s->count + stream_groups_free_effort(s->groups);
}

/* Closes the tail node for good: gives back its growth slack. */
static void stream_close_tail(stream *s) {
    if (!s->count) return;
    stream_node *n = stream_node_at(s, s->count - 1);
    s->nodes[s->head + s->count - 1] = zmalloc_realloc(n, n->used);
}

static void stream_open_node(stream *s, stream_node *n) {
    stream_reserve_node(s);
    s->nodes[s->head + s->count++] = n;
}

/* Writes an entry (a tombstone when deleted) at the end of the tail node;
 * the node's counts, last ID and Redis size follow, and the stream's length
 * for a live entry. */
static void node_write_entry(stream *s, const stream_id *id, const stream_bytes *fv, size_t pairs, bool deleted) {
    stream_node *n = stream_node_at(s, s->count - 1);
    bool same = node_same_fields(n, fv, pairs);
    uint64_t ms_delta = id->ms - n->base.ms;
    uint64_t seq = ms_delta == 0 ? id->seq - n->base.seq : id->seq;
    size_t need = tagged_size(ms_delta) + varint_size(seq);
    if (!same) need += varint_size(pairs);
    long long lp_count = (long long)pairs + 3;
    size_t lp = stream_lp_integer_size((same ? STREAM_FLAG_SAMEFIELDS : 0) | (deleted ? 1 : 0)) +
                stream_lp_integer_size((long long)ms_delta) +
                stream_lp_integer_size((long long)(id->seq - n->base.seq));
    if (!same) {
        lp += stream_lp_integer_size((long long)pairs);
        lp_count += (long long)pairs + 1;
    }
    for (size_t i = 0; i < pairs; i++) {
        const stream_bytes *f = &fv[2 * i], *v = &fv[2 * i + 1];
        if (!same) {
            need += varint_size(f->length) + f->length;
            lp += stream_lp_string_size(f->data, f->length);
        }
        need += varint_size(v->length) + v->length;
        lp += stream_lp_string_size(v->data, v->length);
    }
    lp += stream_lp_integer_size(lp_count);
    if (n->used + need > zmalloc_usable_size(n)) {
        n = zmalloc_realloc(n, n->used + need);
        s->nodes[s->head + s->count - 1] = n;
    }
    uint8_t *p = (uint8_t *)n + n->used;
    p = tagged_put(p, ms_delta, (same ? TAG_SAME : 0) | (deleted ? TAG_DELETED : 0));
    p = varint_put(p, seq);
    if (!same) p = varint_put(p, pairs);
    for (size_t i = 0; i < pairs; i++) {
        for (int k = same ? 1 : 0; k < 2; k++) {
            const stream_bytes *b = &fv[2 * i + (size_t)k];
            p = varint_put(p, b->length);
            if (b->length) memcpy(p, b->data, b->length);
            p += b->length;
        }
    }
    zkv_assert((size_t)(p - (uint8_t *)n) == n->used + need);
    n->used += (uint32_t)need;
    n->appended++;
    n->last = *id;
    size_t lp_rest = n->lp_rest + lp;
    n->lp_rest = lp_rest > UINT32_MAX ? UINT32_MAX : (uint32_t)lp_rest;
    if (!deleted) {
        n->live++;
        s->length++;
    }
}

void stream_append(stream *s, const stream_id *id, const stream_bytes *fv, size_t pairs,
                   const stream_limits *limits) {
    stream_node *n = s->count ? stream_node_at(s, s->count - 1) : NULL;
    if (n) {
        size_t total = 0;
        for (size_t i = 0; i < 2 * pairs; i++) total += fv[i].length;
        size_t max_bytes = (size_t)limits->node_max_bytes;
        if (max_bytes == 0 || max_bytes > STREAM_LISTPACK_MAX_SIZE) max_bytes = STREAM_LISTPACK_MAX_SIZE;
        if (node_lp_bytes(n) + total >= max_bytes ||
            (limits->node_max_entries > 0 && (long long)n->appended >= limits->node_max_entries)) {
            stream_close_tail(s);
            n = NULL;
        }
    }
    if (!n) stream_open_node(s, node_new(id, fv, pairs, 2));
    node_write_entry(s, id, fv, pairs, false);
    s->entries_added++;
    s->last_id = *id;
}

void stream_load_node(stream *s, const stream_id *base, const stream_bytes *fields, size_t count) {
    stream_close_tail(s);
    stream_open_node(s, node_new(base, fields, count, 1));
}

void stream_load_entry(stream *s, const stream_id *id, bool deleted, const stream_bytes *fv, size_t pairs) {
    zkv_assert(s->count > 0);
    node_write_entry(s, id, fv, pairs, deleted);
}

/* The window index of the node that would hold `id`: the last node whose
 * base is <= id, or -1 when id precedes every node. */
static long stream_find_node(const stream *s, const stream_id *id) {
    long lo = 0, hi = (long)s->count - 1, found = -1;
    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        if (stream_id_compare(&stream_node_at(s, (uint32_t)mid)->base, id) <= 0) {
            found = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return found;
}

/* Marks the entry at `offset` of node i deleted (its first byte holds the
 * flag), as Redis flags its listpack entry. */
static void node_mark_deleted(stream *s, uint32_t i, size_t offset) {
    stream_node *n = stream_node_at(s, i);
    ((uint8_t *)n)[offset] |= TAG_DELETED;
    n->live--;
    s->length--;
}

bool stream_delete(stream *s, const stream_id *id) {
    long i = stream_find_node(s, id);
    if (i < 0) return false;
    stream_node *n = stream_node_at(s, (uint32_t)i);
    size_t offset = n->first;
    while (offset < n->used) {
        stream_entry e;
        bool deleted;
        size_t next = node_entry(n, offset, &e, &deleted);
        int cmp = stream_id_compare(&e.id, id);
        if (cmp == 0) {
            if (deleted) return false;
            node_mark_deleted(s, (uint32_t)i, offset);
            /* Redis frees a listpack once XDEL takes its last entry. */
            if (n->live == 0) stream_remove_node(s, (uint32_t)i);
            return true;
        }
        if (cmp > 0) break;
        offset = next;
    }
    return false;
}

/* Only a trim leaves nodes without live entries, at the head, so these
 * loops end at once but for those. */
bool stream_first_id(const stream *s, stream_id *id) {
    for (uint32_t i = 0; i < s->count; i++) {
        const stream_node *n = stream_node_at(s, i);
        if (!n->live) continue;
        size_t offset = n->first;
        stream_entry e;
        bool deleted = true;
        while (deleted) offset = node_entry(n, offset, &e, &deleted);
        *id = e.id;
        return true;
    }
    return false;
}

bool stream_last_id(const stream *s, stream_id *id) {
    for (uint32_t i = s->count; i-- > 0;) {
        const stream_node *n = stream_node_at(s, i);
        if (!n->live) continue;
        size_t offset = n->first;
        stream_entry e;
        bool deleted;
        while (offset < n->used) {
            stream_entry at;
            offset = node_entry(n, offset, &at, &deleted);
            if (!deleted) e = at;
        }
        *id = e.id;
        return true;
    }
    return false;
}

bool stream_contains(const stream *s, const stream_id *id) {
    stream_iterator it;
    stream_entry e;
    stream_iterator_init(&it, s, id, id, false);
    bool found = stream_iterator_next(&it, &e);
    stream_iterator_finish(&it);
    return found;
}

long long stream_trim(stream *s, const stream_trim_args *args) {
    if (args->strategy == STREAM_TRIM_NONE) return 0;
    long long deleted = 0;
    while (s->count) {
        if (args->strategy == STREAM_TRIM_MAXLEN && s->length <= (uint64_t)args->maxlen) break;
        stream_node *n = stream_node_at(s, 0);
        long long entries = n->live;
        if (args->limit && deleted + entries > args->limit) break;
        bool remove;
        if (args->strategy == STREAM_TRIM_MAXLEN) remove = s->length - (uint64_t)entries >= (uint64_t)args->maxlen;
        else remove = stream_id_compare(&n->last, &args->minid) < 0;
        if (remove) {
            s->length -= (uint64_t)entries;
            deleted += entries;
            stream_remove_node(s, 0);
            continue;
        }
        if (args->approx) break;
        /* Exact: the leading entries of this node become tombstones, then
         * stop; the node stays even when no live entry is left, as in Redis. */
        size_t offset = n->first;
        while (offset < n->used) {
            if (args->strategy == STREAM_TRIM_MAXLEN && s->length <= (uint64_t)args->maxlen) break;
            stream_entry e;
            bool tombstone;
            size_t next = node_entry(n, offset, &e, &tombstone);
            if (args->strategy == STREAM_TRIM_MINID && stream_id_compare(&e.id, &args->minid) >= 0) break;
            if (!tombstone) {
                node_mark_deleted(s, 0, offset);
                deleted++;
            }
            offset = next;
        }
        break;
    }
    return deleted;
}

/* ---------------------------------------------------------------- iteration */

static void iterator_load_offsets(stream_iterator *it) {
    const stream_node *n = stream_node_at(it->s, it->node);
    it->offset_count = 0;
    size_t offset = n->first;
    while (offset < n->used) {
        if (it->offset_count == it->offset_capacity) {
            it->offset_capacity = it->offset_capacity ? it->offset_capacity * 2 : 128;
            it->offsets = zmalloc_realloc(it->offsets, it->offset_capacity * sizeof *it->offsets);
        }
        stream_entry e;
        bool deleted;
        size_t next = node_entry(n, offset, &e, &deleted);
        if (!deleted) it->offsets[it->offset_count++] = (uint32_t)offset;
        offset = next;
    }
    it->offset = it->offset_count;
}

void stream_iterator_init(stream_iterator *it, const stream *s, const stream_id *start, const stream_id *end,
                          bool reverse) {
    *it = (stream_iterator){.s = s, .start = *start, .end = *end, .reverse = reverse};
    if (s->count == 0 || stream_id_compare(start, end) > 0) {
        it->done = true;
        return;
    }
    if (!reverse) {
        long i = stream_find_node(s, start);
        it->node = i < 0 ? 0 : (uint32_t)i;
        it->offset = stream_node_at(s, it->node)->first;
    } else {
        long i = stream_find_node(s, end);
        if (i < 0) {
            it->done = true;
            return;
        }
        it->node = (uint32_t)i;
        iterator_load_offsets(it);
    }
}

bool stream_iterator_next(stream_iterator *it, stream_entry *e) {
    const stream *s = it->s;
    while (!it->done) {
        if (!it->reverse) {
            if (it->node >= s->count) break;
            const stream_node *n = stream_node_at(s, it->node);
            if (it->offset >= n->used) {
                if (++it->node < s->count) it->offset = stream_node_at(s, it->node)->first;
                continue;
            }
            bool deleted;
            it->offset = node_entry(n, it->offset, e, &deleted);
            if (deleted || stream_id_compare(&e->id, &it->start) < 0) continue;
            if (stream_id_compare(&e->id, &it->end) > 0) break;
            return true;
        }
        if (it->offset == 0) {
            if (it->node == 0) break;
            it->node--;
            iterator_load_offsets(it);
            continue;
        }
        bool deleted;
        node_entry(stream_node_at(s, it->node), it->offsets[--it->offset], e, &deleted);
        if (stream_id_compare(&e->id, &it->end) > 0) continue;
        if (stream_id_compare(&e->id, &it->start) < 0) break;
        return true;
    }
    it->done = true;
    return false;
}

void stream_iterator_finish(stream_iterator *it) {
    zmalloc_free(it->offsets);
    it->offsets = NULL;
}

/* ---------------------------------------------------------------- Redis's listpack form */

void stream_node_listpack(const stream *s, size_t i, strbuf *out, stream_id *master) {
    const stream_node *n = stream_node_at(s, (uint32_t)i);
    *master = n->base;
    rdb_listpack_builder b;
    rdb_listpack_begin(&b, out);
    uint64_t fields;
    const uint8_t *p = node_master(n, &fields);
    rdb_listpack_append_integer(&b, n->live);
    rdb_listpack_append_integer(&b, n->appended - n->live);
    rdb_listpack_append_integer(&b, (long long)fields);
    for (uint64_t k = 0; k < fields; k++) {
        uint64_t length;
        p = varint_get(p, &length);
        rdb_listpack_append_string(&b, p, length);
        p += length;
    }
    rdb_listpack_append_integer(&b, 0);
    size_t offset = n->first;
    while (offset < n->used) {
        stream_entry e;
        bool deleted;
        offset = node_entry(n, offset, &e, &deleted);
        bool same = e.master != NULL;
        rdb_listpack_append_integer(&b, (same ? STREAM_FLAG_SAMEFIELDS : 0) | (deleted ? 1 : 0));
        rdb_listpack_append_integer(&b, (long long)(e.id.ms - n->base.ms));
        rdb_listpack_append_integer(&b, (long long)(e.id.seq - n->base.seq));
        if (!same) rdb_listpack_append_integer(&b, (long long)e.field_count);
        for (size_t k = 0; k < e.field_count; k++) {
            const char *f, *v;
            size_t fl, vl;
            stream_entry_next(&e, &f, &fl, &v, &vl);
            if (!same) rdb_listpack_append_string(&b, f, fl);
            rdb_listpack_append_string(&b, v, vl);
        }
        long long lp_count = (long long)e.field_count + 3 + (same ? 0 : (long long)e.field_count + 1);
        rdb_listpack_append_integer(&b, lp_count);
    }
    rdb_listpack_finish(&b);
}
