/* tracking: the tracking table, BCAST prefixes and invalidation messages
 * (see tracking.h; the commands are in tracking_commands.c). */
#include "tracking.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "blocking.h"
#include "command.h"
#include "lazyfree.h"
#include "notify.h"
#include "pubsub.h"
#include "table.h"
#include "tracking_state.h"
#include "zkv_assert.h"
#include "zmalloc.h"

/* A key some clients may cache: the ids of those clients. */
typedef struct tracked_key {
    uint64_t *ids;
    uint32_t count, capacity;
    uint32_t length;
    char key[];
} tracked_key;

/* A key changed under a BCAST prefix, waiting to be sent. */
typedef struct pending_key {
    uint64_t modifier; /* id of the client whose command changed it, 0 if none */
    uint32_t length;
    char key[];
} pending_key;

/* A BCAST prefix: its clients and the keys changed since the last send. */
typedef struct prefix_record {
    client **clients;
    uint32_t client_count, client_capacity;
    table *pending_index; /* pending_key by key, for deduplication */
    pending_key **pending;
    uint32_t pending_count, pending_capacity;
    uint32_t position; /* in `prefixes` */
    uint32_t length;
    char prefix[];
} prefix_record;

static table *tracked;       /* tracked_key by key */
static size_t tracked_items; /* sum of the ids of every tracked_key */
static table *states;        /* tracking_state by client id: clients with tracking on */
static table *prefix_index;  /* prefix_record by prefix */
static prefix_record **prefixes;
static size_t prefix_count, prefix_capacity;
static struct event *broadcast_event;
long long tracking_max_keys = 1000000;

static void tracked_key_name(const void *entry, const char **key, size_t *length) {
    const tracked_key *t = entry;
    *key = t->key;
    *length = t->length;
}

static void tracked_key_free(void *entry) {
    tracked_key *t = entry;
    zmalloc_free(t->ids);
    zmalloc_free(t);
}

static void state_name(const void *entry, const char **key, size_t *length) {
    const tracking_state *state = entry;
    *key = (const char *)&state->id;
    *length = sizeof(state->id);
}

static void prefix_name(const void *entry, const char **key, size_t *length) {
    const prefix_record *p = entry;
    *key = p->prefix;
    *length = p->length;
}

static void pending_name(const void *entry, const char **key, size_t *length) {
    const pending_key *p = entry;
    *key = p->key;
    *length = p->length;
}

static const table_type tracked_type = {.entry_key = tracked_key_name, .entry_free = tracked_key_free};
static const table_type state_type = {.entry_key = state_name};
static const table_type prefix_type = {.entry_key = prefix_name};
static const table_type pending_type = {.entry_key = pending_name};

static void key_modified(int db_index, const char *key, size_t length);

size_t tracking_client_count(void) { return states ? table_size(states) : 0; }
size_t tracking_total_keys(void) { return tracked ? table_size(tracked) : 0; }
size_t tracking_total_items(void) { return tracked_items; }
size_t tracking_total_prefixes(void) { return prefix_count; }

tracking_state *tracking_state_of_id(uint64_t id) {
    return table_find(states, (const char *)&id, sizeof(id), table_hash_key((const char *)&id, sizeof(id)));
}

/* ---- Messages ---- */

/* Writes `invalidate` with `keys` (count of them, or null when count < 0) to
 * c or its redirection client. */
static void send_invalidation(client *c, const resp_argument *keys, long long count) {
    client *target = c;
    int redirected = 0;
    if (c->tracking_redirect) {
        target = client_find_by_id(c->tracking_redirect);
        if (!target) {
            c->flags |= CLIENT_TRACKING_BROKEN_REDIR;
            if (c->resp_version == 3) {
                resp_output *out = pubsub_output(c);
                resp_write_push_header(out, 2);
                resp_write_bulk(out, "tracking-redir-broken", 21);
                resp_write_integer(out, (long long)c->tracking_redirect);
                pubsub_after_push(c);
            }
            return;
        }
        redirected = 1;
    }
    resp_output *out = pubsub_output(target);
    if (target->resp_version == 3) {
        resp_write_push_header(out, 2);
        resp_write_bulk(out, "invalidate", 10);
    } else if (redirected && (target->flags & CLIENT_PUBSUB)) {
        resp_write_array_header(out, 3);
        resp_write_bulk(out, "message", 7);
        resp_write_bulk(out, "__redis__:invalidate", 20);
    } else {
        return; /* RESP2 without redirection: nowhere to say it */
    }
    if (count < 0) {
        resp_write_null(out);
    } else {
        resp_write_array_header(out, count);
        for (long long i = 0; i < count; i++) resp_write_bulk(out, keys[i].data, keys[i].length);
    }
    pubsub_after_push(target);
}

/* Pending invalidations of the running client are kept as a list of
 * [uint32 length][bytes]; length UINT32_MAX stands for "everything" (a
 * flush). */
static void defer(tracking_state *state, const char *key, size_t length, int flush) {
    uint32_t stored = flush ? UINT32_MAX : (uint32_t)length;
    strbuf_append(&state->pending, &stored, sizeof(stored));
    if (!flush) strbuf_append(&state->pending, key, length);
}

/* The client whose command is running: a script's caller rather than the
 * script's fake client, as NOLOOP and the reply-then-invalidate order are
 * about what the user sent. */
static client *running_client(void) {
    client *c = net.current_client;
    return c && c->on_behalf_of ? c->on_behalf_of : c;
}

/* An invalidation for the client of `state`: now, or after the running
 * command replied when it is that client's. */
static void invalidate_for(tracking_state *state, const char *key, size_t length, int flush) {
    if (state->c == running_client() && (state->c->flags & CLIENT_EXECUTING)) {
        defer(state, key, length, flush);
        return;
    }
    resp_argument argument = {key, length};
    send_invalidation(state->c, &argument, flush ? -1 : 1);
}

static void send_deferred(tracking_state *state) {
    if (state->pending.length == 0) return;
    strbuf pending = state->pending;
    strbuf_init(&state->pending);
    for (size_t at = 0; at < pending.length;) {
        uint32_t length;
        memcpy(&length, pending.data + at, sizeof(length));
        at += sizeof(length);
        if (length == UINT32_MAX) {
            send_invalidation(state->c, NULL, -1);
            continue;
        }
        resp_argument argument = {pending.data + at, length};
        send_invalidation(state->c, &argument, 1);
        at += length;
    }
    strbuf_free(&pending);
}

/* ---- The tracking table ---- */

static void remember_key(uint64_t id, const char *key, size_t length) {
    uint64_t hash = table_hash_key(key, length);
    tracked_key *t = table_find(tracked, key, length, hash);
    if (!t) {
        t = zmalloc_calloc(sizeof(tracked_key) + length);
        t->length = (uint32_t)length;
        memcpy(t->key, key, length);
        table_insert(tracked, t, hash, false);
    }
    for (uint32_t i = 0; i < t->count; i++) {
        if (t->ids[i] == id) return;
    }
    if (t->count == t->capacity) {
        t->capacity = t->capacity ? t->capacity * 2 : 2;
        t->ids = zmalloc_realloc(t->ids, t->capacity * sizeof(uint64_t));
    }
    t->ids[t->count++] = id;
    tracked_items++;
}

/* Sends the invalidation of a tracked key to its clients and forgets it.
 * `loop_aware`: skip NOLOOP clients whose own command changed it. */
static void invalidate_tracked(const char *key, size_t length, int loop_aware) {
    if (!tracked || table_size(tracked) == 0) return;
    tracked_key *t = table_delete(tracked, key, length, table_hash_key(key, length));
    if (!t) return;
    tracked_items -= t->count;
    for (uint32_t i = 0; i < t->count; i++) {
        tracking_state *state = tracking_state_of_id(t->ids[i]);
        if (!state || (state->c->flags & CLIENT_TRACKING_BCAST)) continue;
        if (loop_aware && (state->options & TRACKING_NOLOOP) && state->c == running_client()) continue;
        invalidate_for(state, t->key, t->length, 0);
    }
    tracked_key_free(t);
}

static int remember_command_key(int position, uint32_t flags, void *context) {
    (void)flags;
    const client *c = context;
    remember_key(c->id, c->argv[position].data, c->argv[position].length);
    return 0;
}

void tracking_remember_command_keys(client *c, const command *cmd) {
    command_for_each_key(cmd->spec, c->argc, c->argv, remember_command_key, c);
}

/* Invalidates random keys while the table is over tracking-table-max-keys,
 * with an effort that grows each time a call could not get under it. */
void tracking_limit_table(void) {
    static int rounds_over_limit;
    if (!tracked || tracking_max_keys == 0 || table_size(tracked) <= (size_t)tracking_max_keys) {
        rounds_over_limit = 0;
        return;
    }
    for (int effort = 100 * (rounds_over_limit + 1); effort > 0; effort--) {
        tracked_key *t = table_random_entry(tracked);
        if (!t) break;
        invalidate_tracked(t->key, t->length, 0);
        if (table_size(tracked) <= (size_t)tracking_max_keys) {
            rounds_over_limit = 0;
            return;
        }
    }
    rounds_over_limit++;
}

/* ---- BCAST ---- */

static void broadcast(evutil_socket_t fd, short events, void *argument);

static void schedule_broadcast(void) {
    static const struct timeval now = {0, 0};
    if (!server.base) return;
    if (!broadcast_event) broadcast_event = event_new(server.base, -1, 0, broadcast, NULL);
    if (!event_pending(broadcast_event, EV_TIMEOUT, NULL)) event_add(broadcast_event, &now);
}

static void queue_for_prefix(prefix_record *p, const char *key, size_t length, uint64_t modifier) {
    uint64_t hash = table_hash_key(key, length);
    pending_key *queued = table_find(p->pending_index, key, length, hash);
    if (queued) {
        queued->modifier = modifier; /* the last writer decides NOLOOP, as Redis */
        return;
    }
    queued = zmalloc_alloc(sizeof(pending_key) + length);
    queued->modifier = modifier;
    queued->length = (uint32_t)length;
    memcpy(queued->key, key, length);
    table_insert(p->pending_index, queued, hash, false);
    if (p->pending_count == p->pending_capacity) {
        p->pending_capacity = p->pending_capacity ? p->pending_capacity * 2 : 8;
        p->pending = zmalloc_realloc(p->pending, p->pending_capacity * sizeof(*p->pending));
    }
    p->pending[p->pending_count++] = queued;
    schedule_broadcast();
}

static void drop_pending(prefix_record *p) {
    for (uint32_t i = 0; i < p->pending_count; i++) {
        pending_key *queued = p->pending[i];
        table_delete(p->pending_index, queued->key, queued->length, table_hash_key(queued->key, queued->length));
        zmalloc_free(queued);
    }
    p->pending_count = 0;
}

/* Byte order, a prefix before its extensions: Redis's rax order, which
 * its BCAST messages follow (prefixes, and keys within a message). */
static int compare_bytes(const char *a, size_t a_length, const char *b, size_t b_length) {
    int order = memcmp(a, b, a_length < b_length ? a_length : b_length);
    if (order) return order;
    return a_length < b_length ? -1 : a_length > b_length;
}

static int compare_pending(const void *left, const void *right) {
    const pending_key *a = *(pending_key *const *)left, *b = *(pending_key *const *)right;
    return compare_bytes(a->key, a->length, b->key, b->length);
}

static int compare_prefix_records(const void *left, const void *right) {
    const prefix_record *a = *(prefix_record *const *)left, *b = *(prefix_record *const *)right;
    return compare_bytes(a->prefix, a->length, b->prefix, b->length);
}

static void broadcast_prefix(prefix_record *p) {
    qsort(p->pending, p->pending_count, sizeof(*p->pending), compare_pending);
    resp_argument *keys = zmalloc_alloc(p->pending_count * sizeof(resp_argument));
    for (uint32_t i = 0; i < p->client_count; i++) {
        client *c = p->clients[i];
        tracking_state *state = c->tracking;
        long long count = 0;
        for (uint32_t k = 0; k < p->pending_count; k++) {
            const pending_key *queued = p->pending[k];
            if ((state->options & TRACKING_NOLOOP) && queued->modifier == c->id) continue;
            keys[count++] = (resp_argument){queued->key, queued->length};
        }
        if (count) send_invalidation(c, keys, count);
    }
    zmalloc_free(keys);
    drop_pending(p);
}

void tracking_broadcast_pending(void) {
    size_t count = 0;
    for (size_t i = 0; i < prefix_count; i++) count += prefixes[i]->pending_count != 0;
    if (count == 0) return;
    prefix_record **ready = zmalloc_alloc(count * sizeof(*ready));
    count = 0;
    for (size_t i = 0; i < prefix_count; i++) {
        if (prefixes[i]->pending_count) ready[count++] = prefixes[i];
    }
    qsort(ready, count, sizeof(*ready), compare_prefix_records);
    for (size_t i = 0; i < count; i++) broadcast_prefix(ready[i]);
    zmalloc_free(ready);
}

static void broadcast(evutil_socket_t fd, short events, void *argument) {
    (void)fd;
    (void)events;
    (void)argument;
    tracking_broadcast_pending();
}

static void queue_broadcast(const char *key, size_t length) {
    client *running = running_client();
    uint64_t modifier = running ? running->id : 0;
    for (size_t i = 0; i < prefix_count; i++) {
        prefix_record *p = prefixes[i];
        if (p->length <= length && memcmp(p->prefix, key, p->length) == 0) queue_for_prefix(p, key, length, modifier);
    }
}

int tracking_add_prefix(client *c, const char *prefix, size_t length) {
    tracking_state *state = c->tracking;
    uint64_t hash = table_hash_key(prefix, length);
    prefix_record *p = table_find(prefix_index, prefix, length, hash);
    if (!p) {
        p = zmalloc_calloc(sizeof(prefix_record) + length);
        p->length = (uint32_t)length;
        memcpy(p->prefix, prefix, length);
        p->pending_index = table_create(&pending_type);
        table_insert(prefix_index, p, hash, false);
        if (prefix_count == prefix_capacity) {
            prefix_capacity = prefix_capacity ? prefix_capacity * 2 : 8;
            prefixes = zmalloc_realloc(prefixes, prefix_capacity * sizeof(*prefixes));
        }
        p->position = (uint32_t)prefix_count;
        prefixes[prefix_count++] = p;
    }
    for (uint32_t i = 0; i < p->client_count; i++) {
        if (p->clients[i] == c) return 0;
    }
    if (p->client_count == p->client_capacity) {
        p->client_capacity = p->client_capacity ? p->client_capacity * 2 : 2;
        p->clients = zmalloc_realloc(p->clients, p->client_capacity * sizeof(client *));
    }
    p->clients[p->client_count++] = c;
    state->prefixes = zmalloc_realloc(state->prefixes, (state->prefix_count + 1) * sizeof(*state->prefixes));
    state->prefixes[state->prefix_count++] = p;
    return 1;
}

const char *tracking_prefix_name(const void *record, size_t *length) {
    const prefix_record *p = record;
    *length = p->length;
    return p->prefix;
}

static void remove_prefix_client(prefix_record *p, client *c) {
    for (uint32_t i = 0; i < p->client_count; i++) {
        if (p->clients[i] != c) continue;
        memmove(&p->clients[i], &p->clients[i + 1], (p->client_count - i - 1) * sizeof(client *));
        p->client_count--;
        break;
    }
    if (p->client_count) return;
    drop_pending(p);
    table_delete(prefix_index, p->prefix, p->length, table_hash_key(p->prefix, p->length));
    prefix_record *last = prefixes[--prefix_count];
    prefixes[p->position] = last;
    last->position = p->position;
    table_release(p->pending_index);
    zmalloc_free(p->pending);
    zmalloc_free(p->clients);
    zmalloc_free(p);
}

/* ---- Enabling and disabling ---- */

tracking_state *tracking_enable(client *c) {
    tracking_state *state = c->tracking;
    if (state) return state;
    state = zmalloc_calloc(sizeof(tracking_state));
    state->id = c->id;
    state->c = c;
    strbuf_init(&state->pending);
    table_insert(states, state, table_hash_key((const char *)&state->id, sizeof(state->id)), false);
    c->tracking = state;
    c->flags |= CLIENT_TRACKING;
    return state;
}

void tracking_disable(client *c) {
    tracking_state *state = c->tracking;
    if (!state) return;
    for (size_t i = 0; i < state->prefix_count; i++) remove_prefix_client(state->prefixes[i], c);
    zmalloc_free(state->prefixes);
    strbuf_free(&state->pending);
    table_delete(states, (const char *)&state->id, sizeof(state->id),
                 table_hash_key((const char *)&state->id, sizeof(state->id)));
    zmalloc_free(state);
    c->tracking = NULL;
    c->flags &= ~(CLIENT_TRACKING | CLIENT_TRACKING_BROKEN_REDIR | CLIENT_TRACKING_BCAST);
}

void tracking_release_client(client *c) { tracking_disable(c); }

/* ---- Hooks ---- */

static void key_modified(int db_index, const char *key, size_t length) {
    (void)db_index;
    if (prefix_count) queue_broadcast(key, length);
    invalidate_tracked(key, length, 1);
}

/* FLUSHALL / FLUSHDB: every tracking client hears "everything changed" and
 * the table is emptied (in the background when big). */
static void keyspace_flushed(int db_index) {
    (void)db_index;
    if (states && table_size(states)) {
        table_iterator it;
        void *entry;
        bool flag;
        table_iterator_init(&it, states);
        while (table_iterator_next(&it, &entry, &flag)) invalidate_for(entry, NULL, 0, 1);
        table_iterator_finish(&it);
    }
    if (!tracked || table_size(tracked) == 0) return;
    table *old = tracked;
    tracked = table_create(&tracked_type);
    tracked_items = 0;
    if (table_size(old) > LAZYFREE_EFFORT_THRESHOLD)
        lazyfree_free_table(old);
    else
        table_release(old);
}

static int is_client_subcommand(const command *cmd) {
    return cmd->parent && !strcmp(cmd->parent->spec->name, "client");
}

/* After every command: remember what a tracking client read, and once the
 * outermost command has replied, send what waited for it. */
/* A read inside a script makes its caller track every key the script
 * declared, as Redis 7.0 does; the script commands themselves (EVAL_RO,
 * EVALSHA_RO, FCALL_RO: the read-only commands a script may not call)
 * track nothing, so a script that reads nothing leaves no trace. */
static void remember_read(client *c, command *cmd) {
    if (!(cmd->spec->flags & COMMAND_READONLY) || (cmd->spec->flags & COMMAND_NOSCRIPT)) return;
    client *reader = c->on_behalf_of ? c->on_behalf_of : c;
    tracking_state *state = reader->tracking;
    if (!state || (reader->flags & CLIENT_TRACKING_BCAST) || !reader->command) return;
    int optin = state->options & TRACKING_OPTIN, optout = state->options & TRACKING_OPTOUT;
    int caching = state->options & TRACKING_CACHING;
    if ((!optin && !optout) || (optin && caching) || (optout && !caching))
        tracking_remember_command_keys(reader, reader->command);
}

static void after_command(client *c, command *cmd, long long duration) {
    (void)duration;
    remember_read(c, cmd);
    tracking_state *state;
    if (dispatch_call_depth() != 1) return;
    if (tracked && table_size(tracked) > (size_t)tracking_max_keys) tracking_limit_table();
    state = c->tracking; /* the command may have turned tracking off */
    if (!state) return;
    if (!is_client_subcommand(cmd) && !(c->flags & CLIENT_MULTI)) state->options &= ~TRACKING_CACHING;
    send_deferred(state);
}

static void served(client *c) {
    if (c->tracking) send_deferred(c->tracking);
}

void tracking_init(void) {
    if (tracked) return;
    tracked = table_create(&tracked_type);
    states = table_create(&state_type);
    prefix_index = table_create(&prefix_type);
    notify_add_key_observer(key_modified);
    notify_add_flush_observer(keyspace_flushed);
    dispatch_add_observer(after_command);
    blocking_set_served_observer(served);
}
