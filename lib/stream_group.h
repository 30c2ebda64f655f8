/* stream_group: a stream's consumer groups, their consumers and pending
 * entries lists (PELs), as Redis 7.0 keeps them.
 *
 * Every list Redis keeps in a radix tree is a sorted array of pointers
 * here: the groups and each group's consumers by name (bytewise, shorter
 * first on a common prefix: the order XINFO lists them in), and the PELs by
 * ID.  A pending entry (nack) is shared by its group's PEL and its owner's
 * PEL.  Lookups are binary searches; inserting at the end (the usual case:
 * XREADGROUP delivers increasing IDs) is amortised O(1), and an insert or
 * removal elsewhere moves pointers (8 bytes each) with memmove.  Against a
 * radix tree this costs no node per entry; the price is O(n) moves for
 * out-of-order claims on very large PELs.
 */
#ifndef ZKV_STREAM_GROUP_H
#define ZKV_STREAM_GROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "stream.h"

#define STREAM_ENTRIES_READ_INVALID (-1LL)

struct stream_consumer;

typedef struct stream_nack {
    stream_id id;
    long long delivery_time;     /* ms since the epoch */
    long long delivery_count;
    struct stream_consumer *consumer;
} stream_nack;

/* Sorted by ID, in the window items[head, head + count) of an array of
 * `capacity`: inserting or removing near either end (delivering new IDs,
 * acknowledging the oldest) moves nothing or the short side only. */
typedef struct stream_pel {
    stream_nack **items;
    size_t head, count, capacity;
} stream_pel;

static inline stream_nack *stream_pel_at(const stream_pel *pel, size_t i) { return pel->items[pel->head + i]; }

typedef struct stream_consumer {
    long long seen_time;
    stream_pel pel;
    size_t name_length;
    char name[];
} stream_consumer;

typedef struct stream_group {
    stream_id last_id;
    long long entries_read;      /* STREAM_ENTRIES_READ_INVALID when unknown */
    stream_pel pel;
    stream_consumer **consumers; /* sorted by name */
    size_t consumer_count, consumer_capacity;
    size_t name_length;
    char name[];
} stream_group;

typedef struct stream_groups {
    stream_group **items;        /* sorted by name */
    size_t count, capacity;
} stream_groups;

/* ---- What stream.c calls ---- */
void stream_groups_free(stream_groups *groups);
stream_groups *stream_groups_duplicate(const stream_groups *groups);
size_t stream_groups_memory(const stream_groups *groups);
size_t stream_groups_free_effort(const stream_groups *groups);

/* ---- Groups ---- */
static inline size_t stream_group_count(const stream *s) { return s->groups ? s->groups->count : 0; }
static inline stream_group *stream_group_at(const stream *s, size_t i) { return s->groups->items[i]; }
stream_group *stream_group_find(const stream *s, const char *name, size_t length);
/* NULL when a group of that name exists. */
stream_group *stream_group_create(stream *s, const char *name, size_t length, const stream_id *last_id,
                                  long long entries_read);
bool stream_group_destroy(stream *s, const char *name, size_t length);

/* ---- Consumers ---- */
stream_consumer *stream_consumer_find(const stream_group *g, const char *name, size_t length);
/* NULL when it exists. */
stream_consumer *stream_consumer_create(stream_group *g, const char *name, size_t length, long long now);
/* Deletes a consumer and its pending entries; returns how many it had. */
size_t stream_consumer_delete(stream_group *g, stream_consumer *c);

/* ---- Pending entries ---- */
/* The nack for `id`, or NULL; *index is where it is or would go. */
stream_nack *stream_pel_find(const stream_pel *pel, const stream_id *id, size_t *index);
/* XREADGROUP's delivery: a new nack owned by `c` (count 1, time now), or
 * the existing one moved to `c` with its count reset to 1. */
stream_nack *stream_group_deliver(stream_group *g, stream_consumer *c, const stream_id *id, long long now);
/* XCLAIM FORCE: a nack with no owner yet (give it one at once). */
stream_nack *stream_group_add_orphan(stream_group *g, const stream_id *id, long long now);
/* Moves a nack to another consumer's PEL. */
void stream_nack_assign(stream_nack *nack, stream_consumer *c);
/* Removes a nack from both PELs and frees it. */
void stream_group_ack(stream_group *g, stream_nack *nack);

#endif
