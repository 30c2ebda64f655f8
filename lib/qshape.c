/* qshape: Redis 7.0's quicklist node boundaries (see qshape.h). */
#include "qshape.h"

#include <string.h>

#include "rdb_listpack.h"
#include "rdb_quicklist.h"
#include "zkv_assert.h"
#include "zmalloc.h"

#define QSHAPE_SAFETY_LIMIT 8192
#define QSHAPE_MERGE_ESTIMATE 11 /* quicklist 7.0 takes 11 bytes off two nodes' sum */

static void reserve(qshape *s, uint32_t length) {
    if (length <= s->capacity) return;
    uint32_t capacity = s->capacity ? s->capacity * 2 : 4;
    while (capacity < length) capacity *= 2;
    s->nodes = zmalloc_realloc(s->nodes, capacity * sizeof(qshape_node));
    s->capacity = capacity;
}

static void insert_node(qshape *s, uint32_t at, uint32_t count, size_t bytes) {
    reserve(s, s->length + 1);
    memmove(s->nodes + at + 1, s->nodes + at, (s->length - at) * sizeof(qshape_node));
    s->nodes[at] = (qshape_node){count, (uint32_t)bytes};
    s->length++;
}

static void remove_node(qshape *s, uint32_t at) {
    memmove(s->nodes + at, s->nodes + at + 1, (s->length - at - 1) * sizeof(qshape_node));
    s->length--;
}

void qshape_init(qshape *s, size_t count, size_t bytes) {
    *s = (qshape){0};
    qshape_append(s, count, bytes);
}

void qshape_free(qshape *s) {
    zmalloc_free(s->nodes);
    *s = (qshape){0};
}

void qshape_copy(qshape *to, const qshape *from) {
    *to = (qshape){0};
    reserve(to, from->length);
    if (from->length) memcpy(to->nodes, from->nodes, from->length * sizeof(qshape_node));
    to->length = from->length;
}

void qshape_append(qshape *s, size_t count, size_t bytes) {
    zkv_assert(count > 0 && count <= UINT32_MAX && bytes <= UINT32_MAX);
    insert_node(s, s->length, (uint32_t)count, bytes);
}

size_t qshape_heap_bytes(const qshape *s) {
    return s->nodes ? zmalloc_usable_size(s->nodes) : 0;
}

bool qshape_takes(int fill, size_t bytes, size_t count, size_t raw) {
    return rdb_quicklist_node_takes(fill, bytes, count, raw);
}

/* _quicklistNodeAllowMerge. */
static bool merge_allowed(int fill, const qshape_node *a, const qshape_node *b) {
    if (fill < -5) fill = -5;
    size_t size = (size_t)a->bytes + b->bytes - QSHAPE_MERGE_ESTIMATE;
    if (fill < 0) return size <= ((size_t)4096 << (-fill - 1));
    return size <= QSHAPE_SAFETY_LIMIT && (size_t)a->count + b->count <= (size_t)fill;
}

/* Merges node at+1 into node at (one listpack header and terminator go). */
static void merge(qshape *s, uint32_t at) {
    s->nodes[at].count += s->nodes[at + 1].count;
    s->nodes[at].bytes = s->nodes[at].bytes + s->nodes[at + 1].bytes - RDB_LISTPACK_EMPTY_BYTES;
    remove_node(s, at + 1);
}

/* The node holding element `index`; *start gets the node's first index. */
static uint32_t locate(const qshape *s, size_t index, size_t *start) {
    size_t total = 0;
    for (uint32_t i = 0; i < s->length; i++) total += s->nodes[i].count;
    zkv_assert(index < total);
    if (index < total / 2) {
        size_t first = 0;
        for (uint32_t i = 0;; i++) {
            if (index < first + s->nodes[i].count) {
                *start = first;
                return i;
            }
            first += s->nodes[i].count;
        }
    }
    size_t end = total;
    for (uint32_t i = s->length; i-- > 0;) {
        size_t first = end - s->nodes[i].count;
        if (index >= first) {
            *start = first;
            return i;
        }
        end = first;
    }
    zkv_assert(false);
    return 0;
}

void qshape_push(qshape *s, bool head, size_t raw, size_t entry, int fill) {
    uint32_t at = head ? 0 : s->length - 1;
    if (s->length && qshape_takes(fill, s->nodes[at].bytes, s->nodes[at].count, raw)) {
        s->nodes[at].count++;
        s->nodes[at].bytes += (uint32_t)entry;
        return;
    }
    insert_node(s, head ? 0 : s->length, 1, RDB_LISTPACK_EMPTY_BYTES + entry);
}

void qshape_pop(qshape *s, bool head, size_t entry) {
    zkv_assert(s->length > 0);
    uint32_t at = head ? 0 : s->length - 1;
    if (--s->nodes[at].count == 0) remove_node(s, at);
    else s->nodes[at].bytes -= (uint32_t)entry;
}

void qshape_delete_range(qshape *s, size_t start, size_t count, qshape_bytes_fn *bytes, void *context) {
    size_t end = start + count, first = 0;
    for (uint32_t i = 0; i < s->length && first < end;) {
        qshape_node *n = &s->nodes[i];
        size_t last = first + n->count; /* old indexes [first, last) */
        size_t from = first > start ? first : start, to = last < end ? last : end;
        if (from >= to) {
            first = last;
            i++;
            continue;
        }
        size_t removed = to - from;
        if (removed == n->count) {
            remove_node(s, i);
        } else {
            n->count -= (uint32_t)removed;
            /* Its survivors now start at the lower of its start and the range's. */
            n->bytes = (uint32_t)bytes(context, first < start ? first : start, n->count);
            i++;
        }
        first = last;
    }
}

void qshape_replace(qshape *s, size_t index, size_t old_entry, size_t new_entry) {
    size_t start;
    uint32_t at = locate(s, index, &start);
    s->nodes[at].bytes = (uint32_t)(s->nodes[at].bytes - old_entry + new_entry);
}

/* _quicklistMergeNodes around the node at `center`. */
static void merge_around(qshape *s, uint32_t center, int fill) {
    if (center >= 2 && merge_allowed(fill, &s->nodes[center - 1], &s->nodes[center - 2])) {
        merge(s, center - 2);
        center--;
    }
    if (center + 2 < s->length && merge_allowed(fill, &s->nodes[center + 1], &s->nodes[center + 2]))
        merge(s, center + 1);
    uint32_t target = center;
    if (center >= 1 && merge_allowed(fill, &s->nodes[center], &s->nodes[center - 1])) {
        merge(s, center - 1);
        target = center - 1;
    }
    if (target + 1 < s->length && merge_allowed(fill, &s->nodes[target], &s->nodes[target + 1])) merge(s, target);
}

void qshape_insert(qshape *s, size_t pivot, bool after, size_t raw, size_t entry, int fill, qshape_bytes_fn *bytes,
                   void *context) {
    size_t start;
    uint32_t at = locate(s, pivot, &start);
    qshape_node *n = &s->nodes[at];
    size_t offset = pivot - start;
    bool full = !qshape_takes(fill, n->bytes, n->count, raw);
    bool at_tail = after && offset == n->count - 1, at_head = !after && offset == 0;
    bool next_takes = at_tail && at + 1 < s->length &&
                      qshape_takes(fill, s->nodes[at + 1].bytes, s->nodes[at + 1].count, raw);
    bool prev_takes = at_head && at > 0 && qshape_takes(fill, s->nodes[at - 1].bytes, s->nodes[at - 1].count, raw);
    if (!full) {
        n->count++;
        n->bytes += (uint32_t)entry;
    } else if (next_takes || prev_takes) {
        qshape_node *m = &s->nodes[next_takes ? at + 1 : at - 1];
        m->count++;
        m->bytes += (uint32_t)entry;
    } else if (at_tail || at_head) {
        insert_node(s, after ? at + 1 : at, 1, RDB_LISTPACK_EMPTY_BYTES + entry);
    } else if (after) {
        /* Split: the node keeps [0, offset], the new one the rest after
         * the element. */
        size_t rest = n->count - offset - 1;
        size_t rest_bytes = bytes(context, pivot + 1, rest);
        n->bytes = (uint32_t)bytes(context, start, offset + 1);
        n->count = (uint32_t)(offset + 1);
        insert_node(s, at + 1, (uint32_t)rest + 1, rest_bytes + entry);
        merge_around(s, at, fill);
    } else {
        /* The new node takes [0, offset) and the element; the node keeps
         * the rest. */
        size_t head_bytes = bytes(context, start, offset);
        n->bytes = (uint32_t)bytes(context, pivot, n->count - offset);
        n->count -= (uint32_t)offset;
        insert_node(s, at, (uint32_t)offset + 1, head_bytes + entry);
        merge_around(s, at + 1, fill);
    }
}

void qshape_delete_sorted(qshape *s, const size_t *indexes, size_t n, size_t entry) {
    size_t first = 0, k = 0;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->length; i++) {
        qshape_node node = s->nodes[i];
        size_t last = first + node.count;
        while (k < n && indexes[k] < last) {
            node.count--;
            node.bytes -= (uint32_t)entry;
            k++;
        }
        if (node.count > 0) s->nodes[kept++] = node;
        first = last;
    }
    zkv_assert(k == n);
    s->length = kept;
}
