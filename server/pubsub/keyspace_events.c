/* keyspace_events: notify-keyspace-events and the publisher of keyspace
 * notifications.
 *
 * Commands, expiry and eviction call notify_keyspace_event (keyspace/
 * notify.h) with Redis 7.0's event names; while the event's class is off
 * that is one test of notify_event_mask and nothing else.  When it is on,
 * this observer publishes on __keyspace@<db>__:<key> (message: the event)
 * and/or __keyevent@<db>__:<event> (message: the key) as plain PUBLISHes,
 * so channel and pattern subscribers receive them alike.
 *
 * The channel name is built in a stack buffer for ordinary keys and in a
 * strbuf for long ones.
 */
#include <string.h>

#include "notify.h"
#include "pubsub.h"
#include "pubsub_module.h"
#include "strbuf.h"

static const struct {
    char letter;
    int flag;
} event_letters[] = {{'g', NOTIFY_GENERIC}, {'$', NOTIFY_STRING},   {'l', NOTIFY_LIST},    {'s', NOTIFY_SET},
                     {'h', NOTIFY_HASH},    {'z', NOTIFY_ZSET},     {'x', NOTIFY_EXPIRED}, {'e', NOTIFY_EVICTED},
                     {'t', NOTIFY_STREAM},  {'d', NOTIFY_MODULE},   {'n', NOTIFY_NEW},     {'K', NOTIFY_KEYSPACE},
                     {'E', NOTIFY_KEYEVENT}, {'m', NOTIFY_KEY_MISS}};

#define EVENT_LETTER_COUNT (sizeof(event_letters) / sizeof(event_letters[0]))

int keyspace_events_parse(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    int flags = 0;
    for (const char *p = text; *p; p++) {
        if (*p == 'A') {
            flags |= NOTIFY_ALL;
            continue;
        }
        size_t i = 0;
        while (i < EVENT_LETTER_COUNT && event_letters[i].letter != *p) i++;
        if (i == EVENT_LETTER_COUNT) {
            *error = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
            return -1;
        }
        flags |= event_letters[i].flag;
    }
    notify_event_mask = flags;
    return 0;
}

/* Redis's spelling: "A" stands for the classes it covers (and hides 'n'
 * beside it), then K, E, m. */
void keyspace_events_format(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    int flags = notify_event_mask;
    int all = (flags & NOTIFY_ALL) == NOTIFY_ALL;
    if (all) strbuf_append_char(out, 'A');
    for (size_t i = 0; i < EVENT_LETTER_COUNT; i++) {
        int flag = event_letters[i].flag;
        int class_letter = !(flag & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT | NOTIFY_KEY_MISS));
        if (class_letter && all) continue;
        if (flags & flag) strbuf_append_char(out, event_letters[i].letter);
    }
}

/* Publishes on "<prefix><db>__:<name>". */
static void publish(const char *prefix, int db_index, const char *name, size_t name_length, const char *message,
                    size_t message_length) {
    strbuf channel = STRBUF_INIT;
    strbuf_append_cstring(&channel, prefix);
    strbuf_append_int(&channel, db_index);
    strbuf_append(&channel, "__:", 3);
    strbuf_append(&channel, name, name_length);
    pubsub_publish(PUBSUB_CHANNELS, channel.data, channel.length, message, message_length);
    strbuf_free(&channel);
}

static void publish_event(int type, const char *event, int db_index, const char *key, size_t length) {
    (void)type;
    size_t event_length = strlen(event);
    if (notify_event_mask & NOTIFY_KEYSPACE) publish("__keyspace@", db_index, key, length, event, event_length);
    if (notify_event_mask & NOTIFY_KEYEVENT) publish("__keyevent@", db_index, event, event_length, key, length);
}

void keyspace_events_init(void) { notify_set_event_observer(publish_event); }
