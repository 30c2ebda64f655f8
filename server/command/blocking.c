/* blocking: waiters per key, ready keys, the timeout heap (see blocking.h). */
#include "blocking.h"
#include "command.h"

#include <ctype.h>
#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "keyspace.h"
#include "networking.h"
#include "notify.h"
#include "reply.h"
#include "table.h"
#include "zkv_assert.h"
#include "zmalloc.h"

#define BLOCKING_NOT_IN_HEAP SIZE_MAX
#define BLOCKING_MAX_DOUBLE_CHARS 5120 /* Redis's MAX_LONG_DOUBLE_CHARS */

typedef struct waiting_key waiting_key;

/* One client waiting on one key: a node of the key's FIFO. */
typedef struct waiter {
    struct waiter *prev, *next;
    waiting_key *key;
    client *c;
} waiter;

/* A key somebody waits on: the table entry, its FIFO, its name. */
struct waiting_key {
    waiter *head, *tail;
    bool ready;
    int db_index;
    size_t length;
    char bytes[];
};

typedef struct blocked_state {
    const blocking_type *type;
    void *request;
    client *c;
    struct command *command; /* the blocked command: a served error counts as its failure */
    uint64_t deadline_us; /* monotonic; 0: forever */
    size_t heap_index;
    int key_count;
    waiter waiters[];
} blocked_state;

typedef struct ready_key {
    int db_index;
    size_t length;
    char *bytes;
} ready_key;

size_t blocking_ready_count;
static ready_key *ready_keys;
static size_t ready_capacity;

static table **key_tables; /* per database, created on first use */
static int key_table_count;
static long long blocked_count;

static blocked_state **heap; /* min-heap on deadline_us */
static size_t heap_size, heap_capacity;
static struct event *timeout_timer;

static client **resumed; /* unblocked clients whose pending input must run */
static size_t resumed_count, resumed_capacity;

/* ---------------------------------------------------------------- timeout heap */

static void heap_place(size_t index, blocked_state *st) {
    heap[index] = st;
    st->heap_index = index;
}

static void heap_sift_up(size_t index) {
    blocked_state *st = heap[index];
    while (index > 0) {
        size_t parent = (index - 1) / 2;
        if (heap[parent]->deadline_us <= st->deadline_us) break;
        heap_place(index, heap[parent]);
        index = parent;
    }
    heap_place(index, st);
}

static void heap_sift_down(size_t index) {
    blocked_state *st = heap[index];
    for (;;) {
        size_t child = 2 * index + 1;
        if (child >= heap_size) break;
        if (child + 1 < heap_size && heap[child + 1]->deadline_us < heap[child]->deadline_us) child++;
        if (heap[child]->deadline_us >= st->deadline_us) break;
        heap_place(index, heap[child]);
        index = child;
    }
    heap_place(index, st);
}

static void heap_insert(blocked_state *st) {
    if (heap_size == heap_capacity) {
        heap_capacity = heap_capacity ? heap_capacity * 2 : 64;
        heap = zmalloc_realloc(heap, heap_capacity * sizeof *heap);
    }
    heap_place(heap_size++, st);
    heap_sift_up(heap_size - 1);
}

static void heap_remove(blocked_state *st) {
    size_t index = st->heap_index;
    zkv_assert(index < heap_size && heap[index] == st);
    st->heap_index = BLOCKING_NOT_IN_HEAP;
    blocked_state *last = heap[--heap_size];
    if (index == heap_size) return;
    heap_place(index, last);
    heap_sift_up(index);
    heap_sift_down(last->heap_index);
}

/* ---------------------------------------------------------------- key tables */

static void waiting_key_name(const void *entry, const char **key, size_t *length) {
    const waiting_key *wk = entry;
    *key = wk->bytes;
    *length = wk->length;
}

static const table_type waiting_key_table_type = {.entry_key = waiting_key_name};

static table *key_table(int db_index, bool create) {
    if (db_index >= key_table_count) {
        if (!create) return NULL;
        int count = keyspace_database_count();
        zkv_assert(db_index < count);
        key_tables = zmalloc_realloc(key_tables, (size_t)count * sizeof *key_tables);
        for (int i = key_table_count; i < count; i++) key_tables[i] = NULL;
        key_table_count = count;
    }
    if (!key_tables[db_index] && create) key_tables[db_index] = table_create(&waiting_key_table_type);
    return key_tables[db_index];
}

static waiting_key *waiting_key_find(int db_index, const char *key, size_t length) {
    table *t = key_table(db_index, false);
    return t ? table_find(t, key, length, table_hash_key(key, length)) : NULL;
}

/* Unlinks a waiter; the key goes when its last waiter does. */
static void waiter_remove(waiter *w) {
    waiting_key *wk = w->key;
    if (w->prev) w->prev->next = w->next;
    else wk->head = w->next;
    if (w->next) w->next->prev = w->prev;
    else wk->tail = w->prev;
    if (wk->head) return;
    table_delete(key_tables[wk->db_index], wk->bytes, wk->length, table_hash_key(wk->bytes, wk->length));
    zmalloc_free(wk);
}

/* ---------------------------------------------------------------- ready keys */

static void mark_ready(waiting_key *wk) {
    if (wk->ready) return;
    wk->ready = true;
    if (blocking_ready_count == ready_capacity) {
        ready_capacity = ready_capacity ? ready_capacity * 2 : 16;
        ready_keys = zmalloc_realloc(ready_keys, ready_capacity * sizeof *ready_keys);
    }
    ready_key *r = &ready_keys[blocking_ready_count++];
    r->db_index = wk->db_index;
    r->length = wk->length;
    r->bytes = zmalloc_alloc(wk->length ? wk->length : 1);
    memcpy(r->bytes, wk->bytes, wk->length);
}

/* The keyspace observer: one counter test while nobody is blocked. */
static void key_modified(int db_index, const char *key, size_t length) {
    if (blocked_count == 0) return;
    waiting_key *wk = waiting_key_find(db_index, key, length);
    if (wk) mark_ready(wk);
}

void blocking_signal_key(int db_index, const char *key, size_t length) {
    key_modified(db_index, key, length);
}

void blocking_signal_database(int db_index) {
    table *t = key_table(db_index, false);
    if (!t || table_size(t) == 0) return;
    table_iterator it;
    table_iterator_init(&it, t);
    void *entry;
    bool flag;
    while (table_iterator_next(&it, &entry, &flag)) mark_ready(entry);
    table_iterator_finish(&it);
}

/* ---------------------------------------------------------------- blocking */

bool blocking_parse_timeout(client *c, const resp_argument *argument, long long *timeout_ms) {
    char text[BLOCKING_MAX_DOUBLE_CHARS];
    long double seconds = 0;
    bool valid = argument->length > 0 && argument->length < sizeof text;
    if (valid) {
        memcpy(text, argument->data, argument->length);
        text[argument->length] = '\0';
        char *end;
        errno = 0;
        seconds = strtold(text, &end);
        valid = !isspace((unsigned char)text[0]) && *end == '\0' && !isnan(seconds) &&
                !(errno == ERANGE && (seconds == HUGE_VALL || seconds == -HUGE_VALL || seconds == 0));
    }
    if (!valid) {
        reply_error(c, "ERR timeout is not a float or out of range");
        return false;
    }
    /* Redis rounds up to whole milliseconds (0.0001 waits 1 ms, -0.0001
     * becomes 0: forever) and converts with a plain cast, which turns
     * anything out of range (1e400, inf) into LLONG_MIN: "negative". */
    long double ms = ceill(seconds * 1000.0L);
    long long value = ms < -9223372036854775808.0L || ms >= 9223372036854775808.0L ? LLONG_MIN : (long long)ms;
    if (value < 0) {
        reply_error(c, "ERR timeout is negative");
        return false;
    }
    *timeout_ms = value;
    return true;
}

bool blocking_allowed(const client *c) {
    /* EXEC clears CLIENT_MULTI before replaying: its copies of argv tell. */
    return !(c->flags & (CLIENT_MULTI | CLIENT_ARGV_COPIED | CLIENT_FAKE));
}

bool blocking_is_blocked(const client *c) {
    return c->blocked != NULL;
}

void blocking_block(client *c, const blocking_type *type, const resp_argument *keys, int key_count,
                    long long timeout_ms, void *request) {
    zkv_assert(c->blocked == NULL && key_count > 0);
    blocked_state *st = zmalloc_alloc(sizeof *st + (size_t)key_count * sizeof(waiter));
    *st = (blocked_state){.type = type, .request = request, .c = c, .command = c->command,
                          .heap_index = BLOCKING_NOT_IN_HEAP};
    table *t = key_table(c->db_index, true);
    int used = 0;
    for (int i = 0; i < key_count; i++) {
        uint64_t hash = table_hash_key(keys[i].data, keys[i].length);
        waiting_key *wk = table_find(t, keys[i].data, keys[i].length, hash);
        if (wk && wk->tail && wk->tail->c == c) continue; /* the key was given twice */
        if (!wk) {
            wk = zmalloc_alloc(sizeof *wk + keys[i].length);
            *wk = (waiting_key){.db_index = c->db_index, .length = keys[i].length};
            memcpy(wk->bytes, keys[i].data, keys[i].length);
            table_insert(t, wk, hash, false);
        }
        waiter *w = &st->waiters[used++];
        *w = (waiter){.prev = wk->tail, .key = wk, .c = c};
        if (wk->tail) wk->tail->next = w;
        else wk->head = w;
        wk->tail = w;
    }
    st->key_count = used;
    if (timeout_ms > 0) {
        uint64_t now = server_monotonic_us();
        uint64_t span = (uint64_t)timeout_ms > (UINT64_MAX - now) / 1000 ? UINT64_MAX - now : (uint64_t)timeout_ms * 1000;
        st->deadline_us = now + span;
        heap_insert(st);
    }
    c->blocked = st;
    c->flags |= CLIENT_BLOCKED;
    blocked_count++;
}

static void queue_resume(client *c) {
    if (resumed_count == resumed_capacity) {
        resumed_capacity = resumed_capacity ? resumed_capacity * 2 : 16;
        resumed = zmalloc_realloc(resumed, resumed_capacity * sizeof *resumed);
    }
    resumed[resumed_count++] = c;
}

/* Leaves every key and the heap, frees the state; the reply is the
 * caller's.  `resume`: run the client's pending input from before-sleep. */
static void release_state(client *c, bool resume) {
    blocked_state *st = c->blocked;
    for (int i = 0; i < st->key_count; i++) waiter_remove(&st->waiters[i]);
    if (st->heap_index != BLOCKING_NOT_IN_HEAP) heap_remove(st);
    if (st->type->free_request) st->type->free_request(st->request);
    zmalloc_free(st);
    c->blocked = NULL;
    c->flags &= ~CLIENT_BLOCKED;
    blocked_count--;
    if (!resume) return;
    client_schedule_write(c);
    queue_resume(c);
}

bool blocking_unblock(client *c, enum blocking_unblock_reason reason) {
    if (!c->blocked) return false;
    client *previous = net.current_client;
    net.current_client = c;
    if (reason == BLOCKING_UNBLOCK_TIMEOUT) {
        reply_null_array(c);
    } else {
        reply_error(c, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
        /* The blocked command ends failed (INFO commandstats), as in Redis. */
        if (c->last_command) c->last_command->stats.failed_calls++;
    }
    net.current_client = previous;
    release_state(c, true);
    return true;
}

/* ---------------------------------------------------------------- serving */

static blocking_served_observer *served_observer;

void blocking_set_served_observer(blocking_served_observer *observer) { served_observer = observer; }

/* The serve runs as the client's command would: current and executing, so
 * what it changes is attributed to it (tracking's NOLOOP and reply order). */
static void serve_key(const ready_key *r) {
    waiting_key *wk = waiting_key_find(r->db_index, r->bytes, r->length);
    if (!wk) return;
    wk->ready = false;
    db *d = keyspace_db(r->db_index);
    resp_argument key = {.data = r->bytes, .length = r->length};
    for (waiter *w = wk->head; w;) {
        waiter *next = w->next; /* another client's node: survives this one's unblocking */
        client *c = w->c;
        blocked_state *st = c->blocked;
        client *previous = net.current_client;
        net.current_client = c;
        uint32_t was_executing = c->flags & CLIENT_EXECUTING;
        c->flags |= CLIENT_EXECUTING;
        long long errors = server.stats.total_error_replies;
        enum blocking_result result = st->type->serve(c, d, &key, st->request);
        if (result == BLOCKING_SERVED && st->command && server.stats.total_error_replies != errors)
            st->command->stats.failed_calls++;
        c->flags = (c->flags & ~CLIENT_EXECUTING) | was_executing;
        net.current_client = previous;
        if (served_observer && result != BLOCKING_EMPTY) served_observer(c);
        if (result == BLOCKING_EMPTY) break;
        if (result == BLOCKING_SERVED) release_state(c, true);
        w = next;
    }
}

void blocking_serve_ready_keys(void) {
    while (blocking_ready_count) {
        size_t count = blocking_ready_count;
        ready_key *batch = ready_keys;
        ready_keys = NULL;
        ready_capacity = 0;
        blocking_ready_count = 0;
        for (size_t i = 0; i < count; i++) {
            serve_key(&batch[i]);
            zmalloc_free(batch[i].bytes);
        }
        zmalloc_free(batch);
    }
}

/* ---------------------------------------------------------------- loop work */

static void expire_timeouts(void) {
    if (heap_size == 0) return;
    uint64_t now = server_monotonic_us();
    while (heap_size && heap[0]->deadline_us <= now) {
        blocking_unblock(heap[0]->c, BLOCKING_UNBLOCK_TIMEOUT);
    }
}

static void timeout_fired(evutil_socket_t fd, short events, void *argument) {
    (void)fd;
    (void)events;
    (void)argument;
    server_update_cached_time();
    expire_timeouts();
}

static void arm_timer(void) {
    if (heap_size == 0) {
        if (timeout_timer) evtimer_del(timeout_timer);
        return;
    }
    if (!timeout_timer) timeout_timer = evtimer_new(server.base, timeout_fired, NULL);
    uint64_t now = server_monotonic_us(), deadline = heap[0]->deadline_us;
    uint64_t wait = deadline > now ? deadline - now : 0;
    struct timeval tv = {.tv_sec = (time_t)(wait / 1000000), .tv_usec = (suseconds_t)(wait % 1000000)};
    evtimer_add(timeout_timer, &tv);
}

void blocking_before_sleep(void) {
    expire_timeouts();
    /* Unblocked clients run their pipelined commands; that may block or
     * unblock others, so the list is taken whole each round. */
    while (resumed_count) {
        size_t count = resumed_count;
        client **batch = resumed;
        resumed = NULL;
        resumed_count = resumed_capacity = 0;
        for (size_t i = 0; i < count; i++)
            if (batch[i]) networking_resume_client(batch[i]);
        zmalloc_free(batch);
    }
    /* The network module's before-sleep flush ran before this one. */
    networking_flush_pending();
    arm_timer();
}

static void client_freed(client *c) {
    for (size_t i = 0; i < resumed_count; i++)
        if (resumed[i] == c) resumed[i] = NULL;
    if (c->blocked) release_state(c, false);
}

/* FLUSHDB/FLUSHALL empty a database without a per-key signal: its
 * waited-on keys are offered again (a stream group reader is then told its
 * key is gone, Redis 7.0's reply). */
static void keyspace_flushed(int db_index) {
    if (db_index >= 0) {
        blocking_signal_database(db_index);
        return;
    }
    for (int i = 0; i < keyspace_database_count(); i++) blocking_signal_database(i);
}

void blocking_init(void) {
    notify_add_key_observer(key_modified);
    notify_add_flush_observer(keyspace_flushed);
    client_add_free_hook(client_freed);
}

void blocking_shutdown(void) {
    for (client *c = net.clients; c; c = c->next)
        if (c->blocked) release_state(c, false);
    if (timeout_timer) event_free(timeout_timer);
    timeout_timer = NULL;
    for (int i = 0; i < key_table_count; i++)
        if (key_tables[i]) table_release(key_tables[i]);
    zmalloc_free(key_tables);
    key_tables = NULL;
    key_table_count = 0;
    for (size_t i = 0; i < blocking_ready_count; i++) zmalloc_free(ready_keys[i].bytes);
    zmalloc_free(ready_keys);
    ready_keys = NULL;
    blocking_ready_count = ready_capacity = 0;
    zmalloc_free(heap);
    heap = NULL;
    heap_size = heap_capacity = 0;
    zmalloc_free(resumed);
    resumed = NULL;
    resumed_count = resumed_capacity = 0;
}

long long blocking_client_count(void) {
    return blocked_count;
}

long long blocking_timeout_count(void) {
    return (long long)heap_size;
}
