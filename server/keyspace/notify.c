/* notify: the key-change observers and the keyspace-event publisher (see notify.h). */
#include "notify.h"

#include "zkv_assert.h"

#define NOTIFY_MAX_OBSERVERS 8

static notify_key_observer *observers[NOTIFY_MAX_OBSERVERS];
static int observer_count;

void notify_add_key_observer(notify_key_observer *observer) {
    zkv_assert(observer_count < NOTIFY_MAX_OBSERVERS);
    observers[observer_count++] = observer;
}

void notify_key_modified(int db_index, const char *key, size_t length) {
    for (int i = 0; i < observer_count; i++) observers[i](db_index, key, length);
}

static notify_flush_observer *flush_observers[NOTIFY_MAX_OBSERVERS];
static int flush_observer_count;

void notify_add_flush_observer(notify_flush_observer *observer) {
    zkv_assert(flush_observer_count < NOTIFY_MAX_OBSERVERS);
    flush_observers[flush_observer_count++] = observer;
}

void notify_keyspace_flushed(int db_index) {
    for (int i = 0; i < flush_observer_count; i++) flush_observers[i](db_index);
}

int notify_event_mask;
static notify_event_observer *event_observer;
notify_deletion_observer *notify_deletion;

void notify_set_deletion_observer(notify_deletion_observer *observer) { notify_deletion = observer; }

void notify_set_event_observer(notify_event_observer *observer) { event_observer = observer; }

void notify_event_dispatch(int type, const char *event, int db_index, const char *key, size_t length) {
    if (event_observer) event_observer(type, event, db_index, key, length);
}
