/* notify: the key-change observer list (see notify.h). */
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
