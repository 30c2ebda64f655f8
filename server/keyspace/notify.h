/* notify: who hears about a change to a key.
 *
 * The keyspace is below everything that reacts to changes (WATCH, client
 * side caching, keyspace events; replication later), so it cannot call
 * them.  Instead they register here at start-up.
 *
 * Two kinds of news:
 *   - key observers: every write to a key ends in one notify_key_modified
 *     call (db_signal_modified).  WATCH and tracking listen to these.
 *   - keyspace events (notify-keyspace-events): commands, expiry and
 *     eviction name what happened with notify_keyspace_event(class, "set",
 *     db, key), with Redis 7.0's event names.  One observer (the pubsub
 *     module) publishes them.  notify_event_mask holds the enabled classes
 *     and the K/E bits, so while events are off a call costs one test.
 *
 * Observers run synchronously, in registration order, on the loop thread;
 * they must not modify the keyspace.  The list is a small fixed array: the
 * fan-out is on the write path, so it stays a loop over a few pointers.
 */
#ifndef ZKV_NOTIFY_H
#define ZKV_NOTIFY_H

#include <stddef.h>

/* A key of database `db_index` was written, deleted or expired. */
typedef void notify_key_observer(int db_index, const char *key, size_t length);

/* At start-up; aborts (zkv_assert) when more than a handful register. */
void notify_add_key_observer(notify_key_observer *observer);
void notify_key_modified(int db_index, const char *key, size_t length);

/* A whole database (db_index) or every database (-1) is being emptied
 * (FLUSHDB, FLUSHALL): told once, before the keys go, instead of per key. */
typedef void notify_flush_observer(int db_index);
void notify_add_flush_observer(notify_flush_observer *observer);
void notify_keyspace_flushed(int db_index);

/* A key the server removed on its own (expiry): the command layer logs its
 * DEL (command/propagate.h).  One observer; NULL while none. */
typedef void notify_deletion_observer(int db_index, const char *key, size_t length);
extern notify_deletion_observer *notify_deletion;
void notify_set_deletion_observer(notify_deletion_observer *observer);

/* Event classes: the notify-keyspace-events letters. */
enum notify_class {
    NOTIFY_KEYSPACE = 1 << 0, /* K: __keyspace@<db>__:<key> <event> */
    NOTIFY_KEYEVENT = 1 << 1, /* E: __keyevent@<db>__:<event> <key> */
    NOTIFY_GENERIC = 1 << 2,  /* g: DEL EXPIRE RENAME ... */
    NOTIFY_STRING = 1 << 3,   /* $ */
    NOTIFY_LIST = 1 << 4,     /* l */
    NOTIFY_SET = 1 << 5,      /* s */
    NOTIFY_HASH = 1 << 6,     /* h */
    NOTIFY_ZSET = 1 << 7,     /* z */
    NOTIFY_EXPIRED = 1 << 8,  /* x */
    NOTIFY_EVICTED = 1 << 9,  /* e */
    NOTIFY_STREAM = 1 << 10,  /* t */
    NOTIFY_KEY_MISS = 1 << 11, /* m: not part of A */
    NOTIFY_MODULE = 1 << 12,  /* d */
    NOTIFY_NEW = 1 << 13,     /* n: not part of A */
    NOTIFY_ALL = NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET |
                 NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE /* A */
};

/* The enabled classes; 0 while notify-keyspace-events is "" (the default). */
extern int notify_event_mask;

typedef void notify_event_observer(int type, const char *event, int db_index, const char *key, size_t length);
/* The one publisher of events (pubsub's keyspace_events.c). */
void notify_set_event_observer(notify_event_observer *observer);
void notify_event_dispatch(int type, const char *event, int db_index, const char *key, size_t length);

/* `event` of class `type` happened to `key`: published when the class is on. */
static inline void notify_keyspace_event(int type, const char *event, int db_index, const char *key,
                                         size_t length) {
    if (notify_event_mask & type) notify_event_dispatch(type, event, db_index, key, length);
}

#endif
