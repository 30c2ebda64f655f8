/* pubsub: the registry and delivery (see pubsub.h). */
#include "pubsub.h"

#include <string.h>

#include "glob.h"
#include "table.h"
#include "zkv_assert.h"
#include "zmalloc.h"

/* One name with subscribers.  Lives while count > 0. */
typedef struct pubsub_record {
    client **subscribers; /* in subscription order */
    uint32_t count, capacity;
    uint32_t pattern_index; /* position in `patterns` (pattern records only) */
    uint32_t length;
    char name[];
} pubsub_record;

/* A client's subscriptions: tables of the same records, created lazily. */
typedef struct pubsub_client {
    table *spaces[3];
} pubsub_client;

static table *spaces[3];
static pubsub_record **patterns; /* every pattern record, for PUBLISH */
static size_t pattern_count, pattern_capacity;

static void record_key(const void *entry, const char **key, size_t *length) {
    const pubsub_record *record = entry;
    *key = record->name;
    *length = record->length;
}

static const table_type record_table = {.entry_key = record_key};

void pubsub_init(void) {
    for (int i = 0; i < 3; i++) {
        if (!spaces[i]) spaces[i] = table_create(&record_table);
    }
}

static pubsub_client *state_of(client *c, int create) {
    if (!c->pubsub && create) c->pubsub = zmalloc_calloc(sizeof(pubsub_client));
    return c->pubsub;
}

static void update_flag(client *c) {
    if (c->pubsub_channels + c->pubsub_patterns + c->pubsub_shard_channels > 0)
        c->flags |= CLIENT_PUBSUB;
    else
        c->flags &= ~CLIENT_PUBSUB;
}

static void count_change(client *c, pubsub_space space, int delta) {
    if (space == PUBSUB_CHANNELS) c->pubsub_channels += delta;
    else if (space == PUBSUB_PATTERNS) c->pubsub_patterns += delta;
    else c->pubsub_shard_channels += delta;
    zkv_assert(c->pubsub_channels >= 0 && c->pubsub_patterns >= 0 && c->pubsub_shard_channels >= 0);
    update_flag(c);
}

static pubsub_record *record_create(pubsub_space space, const char *name, size_t length, uint64_t hash) {
    pubsub_record *record = zmalloc_calloc(sizeof(pubsub_record) + length + 1);
    record->length = (uint32_t)length;
    memcpy(record->name, name, length);
    table_insert(spaces[space], record, hash, false);
    if (space == PUBSUB_PATTERNS) {
        if (pattern_count == pattern_capacity) {
            pattern_capacity = pattern_capacity ? pattern_capacity * 2 : 8;
            patterns = zmalloc_realloc(patterns, pattern_capacity * sizeof(*patterns));
        }
        record->pattern_index = (uint32_t)pattern_count;
        patterns[pattern_count++] = record;
    }
    return record;
}

/* Frees a record whose last subscriber left. */
static void record_drop(pubsub_space space, pubsub_record *record) {
    zkv_assert(record->count == 0);
    table_delete(spaces[space], record->name, record->length, table_hash_key(record->name, record->length));
    if (space == PUBSUB_PATTERNS) {
        zkv_assert(patterns[record->pattern_index] == record);
        pubsub_record *last = patterns[--pattern_count];
        patterns[record->pattern_index] = last;
        last->pattern_index = record->pattern_index;
    }
    zmalloc_free(record->subscribers);
    zmalloc_free(record);
}

static void record_add_subscriber(pubsub_record *record, client *c) {
    if (record->count == record->capacity) {
        record->capacity = record->capacity ? record->capacity * 2 : 2;
        record->subscribers = zmalloc_realloc(record->subscribers, record->capacity * sizeof(client *));
    }
    record->subscribers[record->count++] = c;
}

static void record_remove_subscriber(pubsub_record *record, client *c) {
    for (uint32_t i = 0; i < record->count; i++) {
        if (record->subscribers[i] != c) continue;
        memmove(&record->subscribers[i], &record->subscribers[i + 1], (record->count - i - 1) * sizeof(client *));
        record->count--;
        return;
    }
    zkv_assert(!"subscriber missing from its record");
}

int pubsub_subscribe(client *c, pubsub_space space, const char *name, size_t length) {
    pubsub_client *state = state_of(c, 1);
    if (!state->spaces[space]) state->spaces[space] = table_create(&record_table);
    uint64_t hash = table_hash_key(name, length);
    if (table_find(state->spaces[space], name, length, hash)) return 0;
    pubsub_record *record = table_find(spaces[space], name, length, hash);
    if (!record) record = record_create(space, name, length, hash);
    record_add_subscriber(record, c);
    table_insert(state->spaces[space], record, hash, false);
    count_change(c, space, +1);
    return 1;
}

int pubsub_unsubscribe(client *c, pubsub_space space, const char *name, size_t length) {
    pubsub_client *state = state_of(c, 0);
    if (!state || !state->spaces[space]) return 0;
    uint64_t hash = table_hash_key(name, length);
    pubsub_record *record = table_delete(state->spaces[space], name, length, hash);
    if (!record) return 0;
    record_remove_subscriber(record, c);
    count_change(c, space, -1);
    if (record->count == 0) record_drop(space, record);
    return 1;
}

void pubsub_unsubscribe_all(client *c, pubsub_space space, pubsub_name_fn *fn, void *context) {
    pubsub_client *state = state_of(c, 0);
    if (!state || !state->spaces[space] || table_size(state->spaces[space]) == 0) return;
    table *mine = state->spaces[space];
    size_t count = table_size(mine), filled = 0;
    pubsub_record **records = zmalloc_alloc(count * sizeof(*records));
    table_iterator it;
    void *entry;
    bool flag;
    table_iterator_init(&it, mine);
    while (table_iterator_next(&it, &entry, &flag)) records[filled++] = entry;
    table_iterator_finish(&it);
    zkv_assert(filled == count);
    for (size_t i = 0; i < count; i++) {
        pubsub_record *record = records[i];
        table_delete(mine, record->name, record->length, table_hash_key(record->name, record->length));
        record_remove_subscriber(record, c);
        count_change(c, space, -1);
        if (fn) fn(c, record->name, record->length, context);
        if (record->count == 0) record_drop(space, record);
    }
    zmalloc_free(records);
}

int pubsub_walk_subscriptions(client *c, permission_subscription_visit *visit, void *context) {
    const pubsub_client *state = state_of(c, 0);
    if (!state) return 0;
    for (int space = 0; space < 3; space++) {
        if (!state->spaces[space]) continue;
        table_iterator it;
        void *entry;
        bool flag;
        int stop = 0;
        table_iterator_init(&it, state->spaces[space]);
        while (!stop && table_iterator_next(&it, &entry, &flag)) {
            const pubsub_record *record = entry;
            stop = visit(record->name, record->length, space == PUBSUB_PATTERNS, context);
        }
        table_iterator_finish(&it);
        if (stop) return stop;
    }
    return 0;
}

void pubsub_release_client(client *c) {
    pubsub_client *state = state_of(c, 0);
    if (!state) return;
    for (int space = 0; space < 3; space++) {
        pubsub_unsubscribe_all(c, (pubsub_space)space, NULL, NULL);
        if (state->spaces[space]) table_release(state->spaces[space]);
    }
    zmalloc_free(state);
    c->pubsub = NULL;
}

/* ---- Delivery ---- */

/* One message frame, [kind, (pattern,) channel, message], encoded once for
 * all its receivers.  The channel and message bulks, which every frame of
 * one PUBLISH ends with, are encoded once per PUBLISH (the tail); a frame
 * is its kind's constant header, the pattern's bulk for pmessage, and a
 * copy of the tail.  RESP3's push differs from RESP2's array only in its
 * first byte ('>' for '*'), so the RESP3 bytes are a copy made when the
 * first RESP3 receiver needs them.  Up to FRAME_INLINE bytes (most
 * messages) all of this lives on the stack: delivery allocates nothing per
 * message. */
#define FRAME_INLINE 512

typedef struct frame {
    char *bytes[2]; /* RESP2, RESP3 (NULL until needed) */
    size_t length;
    char storage[2][FRAME_INLINE];
} frame;

typedef struct frame_tail {
    char *bytes; /* NULL until a frame needs it */
    size_t length;
    char storage[FRAME_INLINE];
} frame_tail;

static const char message_header[] = "*3\r\n$7\r\nmessage\r\n";
static const char smessage_header[] = "*3\r\n$8\r\nsmessage\r\n";
static const char pmessage_header[] = "*4\r\n$8\r\npmessage\r\n";

static size_t decimal_length(size_t value) {
    size_t digits = 1;
    while (value >= 10) {
        value /= 10;
        digits++;
    }
    return digits;
}

static size_t bulk_size(size_t length) { return 1 + decimal_length(length) + 2 + length + 2; }

static char *put_bulk(char *at, const char *data, size_t length) {
    size_t digits = decimal_length(length);
    *at++ = '$';
    for (size_t i = digits, rest = length; i > 0; i--, rest /= 10) at[i - 1] = (char)('0' + rest % 10);
    at += digits;
    *at++ = '\r';
    *at++ = '\n';
    memcpy(at, data, length);
    at += length;
    *at++ = '\r';
    *at++ = '\n';
    return at;
}

static void tail_build(frame_tail *t, const char *channel, size_t channel_length, const char *message,
                       size_t message_length) {
    if (t->bytes) return;
    t->length = bulk_size(channel_length) + bulk_size(message_length);
    t->bytes = t->length <= FRAME_INLINE ? t->storage : zmalloc_alloc(t->length);
    char *end = put_bulk(put_bulk(t->bytes, channel, channel_length), message, message_length);
    zkv_assert((size_t)(end - t->bytes) == t->length);
}

static void tail_free(frame_tail *t) {
    if (t->bytes && t->bytes != t->storage) zmalloc_free(t->bytes);
}

static char *frame_storage(frame *f, int which) {
    return f->length <= FRAME_INLINE ? f->storage[which] : zmalloc_alloc(f->length);
}

/* header: one of the *_header constants. */
static void frame_build(frame *f, const char *header, size_t header_length, const pubsub_record *pattern,
                        const frame_tail *t) {
    f->length = header_length + (pattern ? bulk_size(pattern->length) : 0) + t->length;
    char *at = f->bytes[0] = frame_storage(f, 0);
    f->bytes[1] = NULL;
    memcpy(at, header, header_length);
    at += header_length;
    if (pattern) at = put_bulk(at, pattern->name, pattern->length);
    memcpy(at, t->bytes, t->length);
    zkv_assert((size_t)(at + t->length - f->bytes[0]) == f->length);
}

static const char *frame_bytes(frame *f, int resp3) {
    if (resp3 && !f->bytes[1]) {
        f->bytes[1] = frame_storage(f, 1);
        memcpy(f->bytes[1], f->bytes[0], f->length);
        f->bytes[1][0] = '>';
    }
    return f->bytes[resp3];
}

static void frame_free(frame *f) {
    for (int i = 0; i < 2; i++) {
        if (f->bytes[i] && f->bytes[i] != f->storage[i]) zmalloc_free(f->bytes[i]);
    }
}

void pubsub_after_push(client *c) {
    client_schedule_write(c);
    client_check_output_limits(c);
}

static void deliver(const pubsub_record *record, frame *f) {
    for (uint32_t i = 0; i < record->count; i++) {
        client *c = record->subscribers[i];
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        resp_write_raw(pubsub_output(c), frame_bytes(f, c->resp_version == 3), f->length);
        pubsub_after_push(c);
    }
}

long long pubsub_publish(pubsub_space space, const char *channel, size_t channel_length, const char *message,
                         size_t message_length) {
    zkv_assert(space != PUBSUB_PATTERNS);
    long long receivers = 0;
    frame_tail tail;
    tail.bytes = NULL;
    pubsub_record *record = table_find(spaces[space], channel, channel_length, table_hash_key(channel, channel_length));
    if (record) {
        frame f;
        tail_build(&tail, channel, channel_length, message, message_length);
        if (space == PUBSUB_SHARD_CHANNELS) frame_build(&f, smessage_header, sizeof(smessage_header) - 1, NULL, &tail);
        else frame_build(&f, message_header, sizeof(message_header) - 1, NULL, &tail);
        deliver(record, &f);
        frame_free(&f);
        receivers += record->count;
    }
    for (size_t i = 0; space == PUBSUB_CHANNELS && i < pattern_count; i++) {
        pubsub_record *pattern = patterns[i];
        if (!glob_match(pattern->name, pattern->length, channel, channel_length, 0)) continue;
        frame f;
        tail_build(&tail, channel, channel_length, message, message_length);
        frame_build(&f, pmessage_header, sizeof(pmessage_header) - 1, pattern, &tail);
        deliver(pattern, &f);
        frame_free(&f);
        receivers += pattern->count;
    }
    tail_free(&tail);
    return receivers;
}

/* ---- Introspection ---- */

size_t pubsub_count(pubsub_space space) { return spaces[space] ? table_size(spaces[space]) : 0; }

size_t pubsub_subscriber_count(pubsub_space space, const char *name, size_t length) {
    if (!spaces[space]) return 0;
    const pubsub_record *record = table_find(spaces[space], name, length, table_hash_key(name, length));
    return record ? record->count : 0;
}

void pubsub_each_name(pubsub_space space, pubsub_name_fn *fn, void *context) {
    if (!spaces[space]) return;
    table_iterator it;
    void *entry;
    bool flag;
    table_iterator_init(&it, spaces[space]);
    while (table_iterator_next(&it, &entry, &flag)) {
        const pubsub_record *record = entry;
        fn(NULL, record->name, record->length, context);
    }
    table_iterator_finish(&it);
}
