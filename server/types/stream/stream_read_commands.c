/* stream_read_commands: XREAD and XREADGROUP, with BLOCK on the generic
 * blocking machinery (command/blocking.h).
 *
 * A read first serves every key that has entries after the asked ID (for
 * a group reading ">", after the group's last ID); only when none has does
 * it block.  The wait remembers, per key, the ID to read after ("$" is
 * resolved to the stream's last ID when blocking, as in Redis).  A waiter
 * is offered a key whenever it changes and is served when the stream's last
 * generated ID passes its ID (a group waiter's ID is its group's last ID at
 * that moment, so two consumers of a group never get the same entries);
 * waiters come in blocking order.  An XREAD waiter ignores a deleted or
 * retyped key; an XREADGROUP waiter is answered with Redis's UNBLOCKED
 * error then, or NOGROUP when its group was destroyed.
 */
#include <string.h>

#include "args.h"
#include "blocking.h"
#include "key_access.h"
#include "reply.h"
#include "server.h"
#include "stream_type.h"
#include "zmalloc.h"

#define STREAM_BLOCKED_DEFAULT_COUNT 1000

typedef struct stream_wait {
    int key_count;
    long long count;
    bool noack;
    char *group;               /* NULL for XREAD */
    size_t group_length;
    char *consumer;
    size_t consumer_length;
    resp_argument *keys;       /* copies of the key names, to find each one's ID */
    stream_id ids[];
} stream_wait;

static void stream_wait_free(void *request) {
    stream_wait *w = request;
    for (int i = 0; i < w->key_count; i++) zmalloc_free((void *)w->keys[i].data);
    zmalloc_free(w->keys);
    zmalloc_free(w->group);
    zmalloc_free(w->consumer);
    zmalloc_free(w);
}

/* Writes the [key, entries] (RESP2) or key => entries (RESP3, inside a
 * map) header of one served key. */
static void stream_reply_key_header(client *c, const resp_argument *key) {
    if (c->resp_version == 2) reply_array_header(c, 2);
    reply_bulk(c, key->data, key->length);
}

static enum blocking_result stream_serve(client *c, db *d, const resp_argument *key, void *request) {
    stream_wait *w = request;
    int i = 0;
    while (i < w->key_count &&
           !(w->keys[i].length == key->length && memcmp(w->keys[i].data, key->data, key->length) == 0))
        i++;
    if (i == w->key_count) return BLOCKING_SKIP;
    object *o = db_lookup(d, key->data, key->length, DB_LOOKUP_NOSTATS);
    if (!o || object_type(o) != OBJECT_STREAM) {
        if (!w->group) return BLOCKING_SKIP;
        reply_error(c, "UNBLOCKED the stream key no longer exists");
        return BLOCKING_SERVED;
    }
    stream *s = stream_of(o);
    stream_group *g = NULL;
    stream_id gt = w->ids[i];
    if (w->group) {
        g = stream_group_find(s, w->group, w->group_length);
        if (!g) {
            reply_error(c, "NOGROUP the consumer group this client was blocked on no longer exists");
            return BLOCKING_SERVED;
        }
        gt = g->last_id;
    }
    if (stream_id_compare(&s->last_id, &gt) <= 0) return BLOCKING_SKIP;
    stream_id start = gt;
    stream_id_increment(&start);
    stream_consumer *consumer = NULL;
    if (g) {
        resp_argument name = {.data = w->consumer, .length = w->consumer_length};
        consumer = stream_consumer_touch(c, g, key, &name);
    }
    if (c->resp_version == 2) reply_array_header(c, 1);
    else reply_map_header(c, 1);
    stream_reply_key_header(c, key);
    stream_id end = STREAM_ID_MAX;
    stream_reply_range(c, s, &start, &end, (size_t)w->count, false, g, consumer, w->noack);
    if (g) server.stats.dirty++;
    return BLOCKING_SERVED;
}

static const blocking_type stream_blocking_type = {.serve = stream_serve, .free_request = stream_wait_free};

static void stream_read_generic(client *c, bool xreadgroup) {
    long long timeout = -1, count = 0;
    int streams_arg = 0, streams_count = 0;
    bool noack = false;
    const resp_argument *group_name = NULL, *consumer_name = NULL;
    for (int i = 1; i < c->argc; i++) {
        int more = c->argc - i - 1;
        const resp_argument *o = &c->argv[i];
        if (args_is(o, "block") && more) {
            if (c->flags & CLIENT_FAKE) { /* scripts: Redis refuses BLOCK outright */
                reply_error_format(c, "ERR %.*s command is not allowed with BLOCK option from scripts",
                                   (int)c->argv[0].length, c->argv[0].data);
                return;
            }
            i++;
            long long ms;
            if (!args_integer(&c->argv[i], &ms)) {
                reply_error(c, "ERR timeout is not an integer or out of range");
                return;
            }
            if (ms < 0) {
                reply_error(c, "ERR timeout is negative");
                return;
            }
            timeout = ms;
        } else if (args_is(o, "count") && more) {
            i++;
            if (!args_integer_or_reply(c, &c->argv[i], &count)) return;
            if (count < 0) count = 0;
        } else if (args_is(o, "streams") && more) {
            streams_arg = i + 1;
            streams_count = c->argc - streams_arg;
            if (streams_count % 2 != 0) {
                reply_error(c, "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
                               "specified.");
                return;
            }
            streams_count /= 2;
            break;
        } else if (args_is(o, "group") && more >= 2) {
            if (!xreadgroup) {
                reply_error(c, "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                return;
            }
            group_name = &c->argv[i + 1];
            consumer_name = &c->argv[i + 2];
            i += 2;
        } else if (args_is(o, "noack")) {
            if (!xreadgroup) {
                reply_error(c, "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                return;
            }
            noack = true;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (streams_arg == 0) {
        reply_syntax_error(c);
        return;
    }
    if (xreadgroup && !group_name) {
        reply_error(c, "ERR Missing GROUP option for XREADGROUP");
        return;
    }
    stream_id *ids = zmalloc_alloc((size_t)streams_count * sizeof *ids);
    stream_group **groups = zmalloc_calloc((size_t)streams_count * sizeof *groups);
    db *d = key_db(c);
    for (int k = 0; k < streams_count; k++) {
        const resp_argument *key = &c->argv[streams_arg + k];
        const resp_argument *id = &c->argv[streams_arg + streams_count + k];
        object *o = db_lookup_read(d, key->data, key->length);
        if (!key_check_type(c, o, OBJECT_STREAM)) goto cleanup;
        if (group_name) {
            if (!o || !(groups[k] = stream_group_find(stream_of(o), group_name->data, group_name->length))) {
                reply_error_format(c,
                                   "NOGROUP No such key '%.*s' or consumer group '%.*s' in XREADGROUP with GROUP "
                                   "option",
                                   (int)key->length, key->data, (int)group_name->length, group_name->data);
                goto cleanup;
            }
        }
        if (id->length == 1 && id->data[0] == '$') {
            if (xreadgroup) {
                reply_error(c, "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
                               "history of this consumer by specifying a proper ID, or use the > ID to get new "
                               "messages. The $ ID would just return an empty result set.");
                goto cleanup;
            }
            ids[k] = o ? stream_of(o)->last_id : (stream_id){0, 0};
            continue;
        }
        if (id->length == 1 && id->data[0] == '>') {
            if (!xreadgroup) {
                reply_error(c, "ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
                               "<group> <consumer> option.");
                goto cleanup;
            }
            ids[k] = STREAM_ID_MAX;
            continue;
        }
        if (!stream_parse_strict_id_or_reply(c, id, &ids[k])) goto cleanup;
    }
    resp_deferred header = {0};
    long long served = 0;
    for (int k = 0; k < streams_count; k++) {
        const resp_argument *key = &c->argv[streams_arg + k];
        object *o = db_lookup_read(d, key->data, key->length);
        if (!o) continue;
        stream *s = stream_of(o);
        stream_id gt = ids[k];
        bool serve = false, history = false;
        if (groups[k]) {
            if (gt.ms != UINT64_MAX || gt.seq != UINT64_MAX) {
                serve = history = true;
            } else if (s->length) {
                stream_id top;
                stream_last_id(s, &top);
                serve = stream_id_compare(&top, &groups[k]->last_id) > 0;
                gt = groups[k]->last_id;
            }
        } else if (s->length) {
            stream_id top;
            stream_last_id(s, &top);
            serve = stream_id_compare(&top, &gt) > 0;
        }
        if (!serve) continue;
        if (++served == 1) header = resp_write_deferred_header(c->reply);
        stream_reply_key_header(c, key);
        stream_consumer *consumer = groups[k] ? stream_consumer_touch(c, groups[k], key, consumer_name) : NULL;
        stream_id start = gt, end = STREAM_ID_MAX;
        if (!stream_id_increment(&start)) start = (stream_id){0, 0};
        if (history) {
            stream_reply_consumer_pel(c, s, &start, (size_t)count, consumer);
        } else {
            stream_reply_range(c, s, &start, &end, (size_t)count, false, groups[k], consumer, noack);
        }
        if (groups[k]) server.stats.dirty++;
    }
    if (served) {
        if (c->resp_version == 2) resp_set_deferred_array_length(c->reply, header, served);
        else resp_set_deferred_map_length(c->reply, header, served);
        goto cleanup;
    }
    if (timeout != -1) {
        if (!blocking_allowed(c)) {
            reply_null_array(c);
            goto cleanup;
        }
        stream_wait *w = zmalloc_calloc(sizeof *w + (size_t)streams_count * sizeof(stream_id));
        w->key_count = streams_count;
        w->count = count ? count : STREAM_BLOCKED_DEFAULT_COUNT;
        w->noack = noack;
        w->keys = zmalloc_alloc((size_t)streams_count * sizeof *w->keys);
        for (int k = 0; k < streams_count; k++) {
            const resp_argument *key = &c->argv[streams_arg + k];
            char *copy = zmalloc_alloc(key->length ? key->length : 1);
            if (key->length) memcpy(copy, key->data, key->length);
            w->keys[k] = (resp_argument){.data = copy, .length = key->length};
            w->ids[k] = ids[k];
        }
        if (group_name) {
            w->group = zmalloc_alloc(group_name->length + 1);
            memcpy(w->group, group_name->data, group_name->length);
            w->group_length = group_name->length;
            w->consumer = zmalloc_alloc(consumer_name->length + 1);
            memcpy(w->consumer, consumer_name->data, consumer_name->length);
            w->consumer_length = consumer_name->length;
        }
        blocking_block(c, &stream_blocking_type, &c->argv[streams_arg], streams_count, timeout, w);
        goto cleanup;
    }
    reply_null_array(c);
cleanup:
    zmalloc_free(ids);
    zmalloc_free(groups);
}

static void stream_xread_command(client *c) {
    stream_read_generic(c, false);
}

static void stream_xreadgroup_command(client *c) {
    stream_read_generic(c, true);
}

/* Keys follow STREAMS: the first half of what comes after it (RO and
 * access for XREADGROUP too, as Redis 7.0's key spec says). */
static int stream_read_keys(const resp_argument *argv, int argc, int *positions, uint32_t *flags, int capacity) {
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (args_is(&argv[i], "streams")) {
            int count = (argc - i - 1) / 2;
            for (int k = 0; k < count && n < capacity; k++) {
                positions[n] = i + 1 + k;
                flags[n] = KEY_RO | KEY_ACCESS;
                n++;
            }
            break;
        }
    }
    return n;
}

/* Redis 7.0's key specs: the keys are the first half of what follows
 * STREAMS, looked at read-only by both commands (XREADGROUP's included, as
 * 7.0 declares it); stream_read_keys serves calls the specs cannot. */
static const key_spec xread_key_specs[] = {
    {.flags = KEY_RO | KEY_ACCESS, .search = KEY_SEARCH_KEYWORD, .position = 1, .keyword = "STREAMS",
     .find = KEY_FIND_RANGE, .last_key = -1, .key_step = 1, .limit = 2},
    {0}};
static const key_spec xreadgroup_key_specs[] = {
    {.flags = KEY_RO | KEY_ACCESS, .search = KEY_SEARCH_KEYWORD, .position = 4, .keyword = "STREAMS",
     .find = KEY_FIND_RANGE, .last_key = -1, .key_step = 1, .limit = 2},
    {0}};

const command_spec stream_read_commands[] = {
    {.name = "xread", .handler = stream_xread_command, .arity = -4,
     .flags = COMMAND_READONLY | COMMAND_BLOCKING | COMMAND_MOVABLE_KEYS, .first_key = 0, .last_key = 0,
     .key_step = 0, .categories = ACL_READ | ACL_STREAM | ACL_SLOW | ACL_BLOCKING, .group = "stream",
     .summary = "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
     .since = "5.0.0",
     .complexity = "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
     .get_keys = stream_read_keys, .key_specs = xread_key_specs},
    {.name = "xreadgroup", .handler = stream_xreadgroup_command, .arity = -7,
     .flags = COMMAND_WRITE | COMMAND_BLOCKING | COMMAND_MOVABLE_KEYS, .first_key = 0, .last_key = 0,
     .key_step = 0, .categories = ACL_WRITE | ACL_STREAM | ACL_SLOW | ACL_BLOCKING, .group = "stream",
     .summary = "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.",
     .since = "5.0.0",
     .complexity = "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
     .get_keys = stream_read_keys, .key_specs = xreadgroup_key_specs},
    {0}};
