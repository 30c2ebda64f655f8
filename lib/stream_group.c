/* stream_group: the sorted pointer arrays of stream_group.h.  Names are
 * stored inside their group or consumer block; each array grows by
 * doubling and never shrinks below what it held (a PEL that drained keeps
 * its slots until the group goes, as a radix tree keeps none: the trade is
 * fewer reallocations for the usual read-ack cycles). */
#include "stream_group.h"

#include <string.h>

#include "zkv_assert.h"
#include "zmalloc.h"

static int name_compare(const char *a, size_t al, const char *b, size_t bl) {
    size_t n = al < bl ? al : bl;
    int cmp = n ? memcmp(a, b, n) : 0;
    if (cmp) return cmp;
    return al < bl ? -1 : al > bl ? 1 : 0;
}

/* Inserts `item` at `index` of a pointer array. */
static void array_insert(void ***items, size_t *count, size_t *capacity, size_t index, void *item) {
    if (*count == *capacity) {
        *capacity = *capacity ? *capacity * 2 : 4;
        *items = zmalloc_realloc(*items, *capacity * sizeof **items);
    }
    memmove(*items + index + 1, *items + index, (*count - index) * sizeof **items);
    (*items)[index] = item;
    (*count)++;
}

static void array_remove(void **items, size_t *count, size_t index) {
    memmove(items + index, items + index + 1, (*count - index - 1) * sizeof *items);
    (*count)--;
}

/* ---------------------------------------------------------------- PELs */

stream_nack *stream_pel_find(const stream_pel *pel, const stream_id *id, size_t *index) {
    size_t lo = 0, hi = pel->count;
    if (hi && stream_id_compare(&stream_pel_at(pel, hi - 1)->id, id) < 0) lo = hi; /* the usual append */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = stream_id_compare(&stream_pel_at(pel, mid)->id, id);
        if (cmp == 0) {
            if (index) *index = mid;
            return stream_pel_at(pel, mid);
        }
        if (cmp < 0) lo = mid + 1;
        else hi = mid;
    }
    if (index) *index = lo;
    return NULL;
}

/* Puts nack at position `index` of the window, moving the shorter side. */
static void pel_insert_at(stream_pel *pel, size_t index, stream_nack *nack) {
    if (index < pel->count / 2 && pel->head > 0) {
        memmove(pel->items + pel->head - 1, pel->items + pel->head, index * sizeof *pel->items);
        pel->head--;
    } else {
        if (pel->head + pel->count == pel->capacity) {
            if (pel->head > 0 && pel->head >= pel->capacity / 4) {
                memmove(pel->items, pel->items + pel->head, pel->count * sizeof *pel->items);
                pel->head = 0;
            } else {
                pel->capacity = pel->capacity ? pel->capacity * 2 : 4;
                pel->items = zmalloc_realloc(pel->items, pel->capacity * sizeof *pel->items);
            }
        }
        stream_nack **at = pel->items + pel->head + index;
        memmove(at + 1, at, (pel->count - index) * sizeof *pel->items);
    }
    pel->items[pel->head + index] = nack;
    pel->count++;
}

static void pel_remove_at(stream_pel *pel, size_t index) {
    if (index < pel->count / 2) {
        memmove(pel->items + pel->head + 1, pel->items + pel->head, index * sizeof *pel->items);
        pel->head++;
    } else {
        stream_nack **at = pel->items + pel->head + index;
        memmove(at, at + 1, (pel->count - index - 1) * sizeof *pel->items);
    }
    pel->count--;
    if (pel->count == 0) pel->head = 0;
}

static void pel_insert(stream_pel *pel, stream_nack *nack) {
    size_t index;
    stream_nack *found = stream_pel_find(pel, &nack->id, &index);
    zkv_assert(found == NULL);
    pel_insert_at(pel, index, nack);
}

static void pel_remove(stream_pel *pel, const stream_id *id) {
    size_t index;
    stream_nack *found = stream_pel_find(pel, id, &index);
    zkv_assert(found != NULL);
    pel_remove_at(pel, index);
}

void stream_nack_assign(stream_nack *nack, stream_consumer *c) {
    if (nack->consumer == c) return;
    if (nack->consumer) pel_remove(&nack->consumer->pel, &nack->id);
    nack->consumer = c;
    pel_insert(&c->pel, nack);
}

stream_nack *stream_group_deliver(stream_group *g, stream_consumer *c, const stream_id *id, long long now) {
    size_t index;
    stream_nack *nack = stream_pel_find(&g->pel, id, &index);
    if (!nack) {
        nack = zmalloc_alloc(sizeof *nack);
        *nack = (stream_nack){.id = *id, .consumer = NULL};
        pel_insert_at(&g->pel, index, nack);
    }
    stream_nack_assign(nack, c);
    nack->delivery_time = now;
    nack->delivery_count = 1;
    return nack;
}

stream_nack *stream_group_add_orphan(stream_group *g, const stream_id *id, long long now) {
    size_t index;
    stream_nack *nack = stream_pel_find(&g->pel, id, &index);
    zkv_assert(nack == NULL);
    nack = zmalloc_alloc(sizeof *nack);
    *nack = (stream_nack){.id = *id, .delivery_time = now, .delivery_count = 1, .consumer = NULL};
    pel_insert_at(&g->pel, index, nack);
    return nack;
}

void stream_group_ack(stream_group *g, stream_nack *nack) {
    pel_remove(&g->pel, &nack->id);
    if (nack->consumer) pel_remove(&nack->consumer->pel, &nack->id);
    zmalloc_free(nack);
}

/* ---------------------------------------------------------------- consumers */

static size_t consumer_index(const stream_group *g, const char *name, size_t length, bool *found) {
    size_t lo = 0, hi = g->consumer_count;
    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const stream_consumer *c = g->consumers[mid];
        int cmp = name_compare(c->name, c->name_length, name, length);
        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

stream_consumer *stream_consumer_find(const stream_group *g, const char *name, size_t length) {
    bool found;
    size_t i = consumer_index(g, name, length, &found);
    return found ? g->consumers[i] : NULL;
}

stream_consumer *stream_consumer_create(stream_group *g, const char *name, size_t length, long long now) {
    bool found;
    size_t i = consumer_index(g, name, length, &found);
    if (found) return NULL;
    stream_consumer *c = zmalloc_alloc(sizeof *c + length);
    c->seen_time = now;
    c->pel = (stream_pel){0};
    c->name_length = length;
    if (length) memcpy(c->name, name, length);
    array_insert((void ***)&g->consumers, &g->consumer_count, &g->consumer_capacity, i, c);
    return c;
}

static void consumer_free(stream_consumer *c) {
    zmalloc_free(c->pel.items);
    zmalloc_free(c);
}

size_t stream_consumer_delete(stream_group *g, stream_consumer *c) {
    size_t pending = c->pel.count;
    for (size_t i = 0; i < c->pel.count; i++) {
        stream_nack *nack = stream_pel_at(&c->pel, i);
        pel_remove(&g->pel, &nack->id);
        zmalloc_free(nack);
    }
    bool found;
    size_t index = consumer_index(g, c->name, c->name_length, &found);
    zkv_assert(found);
    array_remove((void **)g->consumers, &g->consumer_count, index);
    consumer_free(c);
    return pending;
}

/* ---------------------------------------------------------------- groups */

static size_t group_index(const stream_groups *gs, const char *name, size_t length, bool *found) {
    size_t lo = 0, hi = gs ? gs->count : 0;
    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const stream_group *g = gs->items[mid];
        int cmp = name_compare(g->name, g->name_length, name, length);
        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

stream_group *stream_group_find(const stream *s, const char *name, size_t length) {
    bool found;
    size_t i = group_index(s->groups, name, length, &found);
    return found ? s->groups->items[i] : NULL;
}

stream_group *stream_group_create(stream *s, const char *name, size_t length, const stream_id *last_id,
                                  long long entries_read) {
    bool found;
    size_t i = group_index(s->groups, name, length, &found);
    if (found) return NULL;
    if (!s->groups) s->groups = zmalloc_calloc(sizeof *s->groups);
    stream_group *g = zmalloc_alloc(sizeof *g + length);
    *g = (stream_group){.last_id = *last_id, .entries_read = entries_read, .name_length = length};
    if (length) memcpy(g->name, name, length);
    array_insert((void ***)&s->groups->items, &s->groups->count, &s->groups->capacity, i, g);
    return g;
}

static void group_free(stream_group *g) {
    for (size_t i = 0; i < g->pel.count; i++) zmalloc_free(stream_pel_at(&g->pel, i));
    zmalloc_free(g->pel.items);
    for (size_t i = 0; i < g->consumer_count; i++) consumer_free(g->consumers[i]);
    zmalloc_free(g->consumers);
    zmalloc_free(g);
}

bool stream_group_destroy(stream *s, const char *name, size_t length) {
    bool found;
    size_t i = group_index(s->groups, name, length, &found);
    if (!found) return false;
    group_free(s->groups->items[i]);
    array_remove((void **)s->groups->items, &s->groups->count, i);
    return true;
}

void stream_groups_free(stream_groups *groups) {
    if (!groups) return;
    for (size_t i = 0; i < groups->count; i++) group_free(groups->items[i]);
    zmalloc_free(groups->items);
    zmalloc_free(groups);
}

static stream_group *group_duplicate(const stream_group *g) {
    stream_group *copy = zmalloc_alloc(sizeof *copy + g->name_length);
    *copy = (stream_group){.last_id = g->last_id, .entries_read = g->entries_read, .name_length = g->name_length};
    if (g->name_length) memcpy(copy->name, g->name, g->name_length);
    for (size_t i = 0; i < g->consumer_count; i++) {
        const stream_consumer *c = g->consumers[i];
        stream_consumer *cc = stream_consumer_create(copy, c->name, c->name_length, c->seen_time);
        zkv_assert(cc != NULL);
    }
    for (size_t i = 0; i < g->pel.count; i++) {
        const stream_nack *nack = stream_pel_at(&g->pel, i);
        stream_nack *n = zmalloc_alloc(sizeof *n);
        *n = *nack;
        n->consumer = NULL;
        pel_insert_at(&copy->pel, copy->pel.count, n);
        if (nack->consumer) {
            stream_nack_assign(n, stream_consumer_find(copy, nack->consumer->name, nack->consumer->name_length));
        }
    }
    return copy;
}

stream_groups *stream_groups_duplicate(const stream_groups *groups) {
    if (!groups) return NULL;
    stream_groups *copy = zmalloc_calloc(sizeof *copy);
    for (size_t i = 0; i < groups->count; i++)
        array_insert((void ***)&copy->items, &copy->count, &copy->capacity, i, group_duplicate(groups->items[i]));
    return copy;
}

size_t stream_groups_memory(const stream_groups *groups) {
    if (!groups) return 0;
    size_t total = zmalloc_usable_size(groups) + (groups->items ? zmalloc_usable_size(groups->items) : 0);
    for (size_t i = 0; i < groups->count; i++) {
        const stream_group *g = groups->items[i];
        total += zmalloc_usable_size(g);
        if (g->pel.items) total += zmalloc_usable_size(g->pel.items);
        if (g->pel.count) total += g->pel.count * zmalloc_usable_size(stream_pel_at(&g->pel, 0));
        if (g->consumers) total += zmalloc_usable_size(g->consumers);
        for (size_t j = 0; j < g->consumer_count; j++) {
            const stream_consumer *c = g->consumers[j];
            total += zmalloc_usable_size(c);
            if (c->pel.items) total += zmalloc_usable_size(c->pel.items);
        }
    }
    return total;
}

size_t stream_groups_free_effort(const stream_groups *groups) {
    if (!groups) return 0;
    size_t effort = 1;
    for (size_t i = 0; i < groups->count; i++)
        effort += 1 + groups->items[i]->pel.count + groups->items[i]->consumer_count;
    return effort;
}
