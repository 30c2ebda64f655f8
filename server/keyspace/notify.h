/* notify: who hears about a change to a key.
 *
 * The keyspace is below everything that reacts to changes (WATCH today;
 * client-side caching, keyspace events and replication later), so it cannot
 * call them.  Instead they register an observer here at start-up, and every
 * write to a key ends in one notify_key_modified call (db_signal_modified).
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

#endif
