/* stream_group_commands: consumer groups (XGROUP, XACK, XPENDING, XCLAIM,
 * XAUTOCLAIM), following Redis 7.0's argument checks, error texts and
 * replies.
 *
 * XGROUP's subcommands share one handler, as Redis's do, because their
 * checks are interleaved (options are read before the key is looked up,
 * the key before the group).  Times are the loop's cached wall clock in
 * ms, which is what delivery times and idle times are computed from.
 */
#include <limits.h>
#include <string.h>

#include "args.h"
#include "blocking.h"
#include "key_access.h"
#include "notify.h"
#include "reply.h"
#include "server.h"
#include "strbuf.h"
#include "stream_type.h"
#include "zmalloc.h"

static void stream_event(client *c, const char *event, const resp_argument *key) {
    notify_keyspace_event(NOTIFY_STREAM, event, key_db(c)->index, key->data, key->length);
}

static void reply_nogroup(client *c, const resp_argument *key, const resp_argument *group) {
    reply_error_format(c, "NOGROUP No such key '%.*s' or consumer group '%.*s'", (int)key->length, key->data,
                       (int)group->length, group->data);
}

/* ---------------------------------------------------------------- XGROUP */

static const char *const stream_xgroup_help[] = {
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    NULL};

static void stream_xgroup_command(client *c) {
    const resp_argument *opt = &c->argv[1];
    bool create = args_is(opt, "create"), setid = args_is(opt, "setid");
    bool mkstream = false;
    long long entries_read = STREAM_ENTRIES_READ_INVALID;
    object *o = NULL;
    stream *s = NULL;
    stream_group *g = NULL;
    const resp_argument *key = c->argc >= 3 ? &c->argv[2] : NULL;
    const resp_argument *name = c->argc >= 4 ? &c->argv[3] : NULL;
    if (c->argc >= 4) {
        for (int i = 5; i < c->argc;) {
            if (create && args_is(&c->argv[i], "mkstream")) {
                mkstream = true;
                i++;
            } else if ((create || setid) && args_is(&c->argv[i], "entriesread") && i + 1 < c->argc) {
                if (!args_integer_or_reply(c, &c->argv[i + 1], &entries_read)) return;
                if (entries_read < 0 && entries_read != STREAM_ENTRIES_READ_INVALID) {
                    reply_error(c, "ERR value for ENTRIESREAD must be positive or -1");
                    return;
                }
                i += 2;
            } else {
                reply_subcommand_syntax_error(c);
                return;
            }
        }
        if (!key_write_typed(c, key, OBJECT_STREAM, &o)) return;
        if (o) s = stream_of(o);
    }
    if (c->argc >= 4 && !mkstream) {
        if (!s) {
            reply_error(c, "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
                           "to use the MKSTREAM option to create an empty stream automatically.");
            return;
        }
        g = stream_group_find(s, name->data, name->length);
        if (!g && (setid || args_is(opt, "createconsumer") || args_is(opt, "delconsumer"))) {
            reply_error_format(c, "NOGROUP No such consumer group '%.*s' for key name '%.*s'", (int)name->length,
                               name->data, (int)key->length, key->data);
            return;
        }
    }
    db *d = key_db(c);
    if (c->argc == 2 && args_is(opt, "help")) {
        reply_help(c, "XGROUP", stream_xgroup_help);
    } else if (create && c->argc >= 5 && c->argc <= 8) {
        stream_id id;
        const resp_argument *ida = &c->argv[4];
        if (ida->length == 1 && ida->data[0] == '$') id = s ? s->last_id : (stream_id){0, 0};
        else if (!stream_parse_strict_id_or_reply(c, ida, &id)) return;
        if (!s) {
            o = stream_add_key(d, key->data, key->length);
            s = stream_of(o);
            db_signal_modified(d, key->data, key->length);
        }
        if (stream_group_create(s, name->data, name->length, &id, entries_read)) {
            reply_ok(c);
            server.stats.dirty++;
            stream_event(c, "xgroup-create", key);
        } else {
            reply_error(c, "BUSYGROUP Consumer Group name already exists");
        }
    } else if (setid && (c->argc == 5 || c->argc == 7)) {
        stream_id id;
        const resp_argument *ida = &c->argv[4];
        if (ida->length == 1 && ida->data[0] == '$') id = s->last_id;
        else if (!stream_parse_id_or_reply(c, ida, 0, &id)) return;
        g->last_id = id;
        g->entries_read = entries_read;
        reply_ok(c);
        server.stats.dirty++;
        stream_event(c, "xgroup-setid", key);
    } else if (args_is(opt, "destroy") && c->argc == 4) {
        if (g) {
            stream_group_destroy(s, name->data, name->length);
            reply_integer(c, 1);
            server.stats.dirty++;
            stream_event(c, "xgroup-destroy", key);
            /* Waiters of that group are answered NOGROUP (the key itself
             * is not modified: WATCH is not touched, as in Redis). */
            blocking_signal_key(d->index, key->data, key->length);
        } else {
            reply_integer(c, 0);
        }
    } else if (args_is(opt, "createconsumer") && c->argc == 5) {
        const resp_argument *cn = &c->argv[4];
        stream_consumer *created = stream_consumer_create(g, cn->data, cn->length, server_unix_time_ms());
        if (created) {
            server.stats.dirty++;
            stream_event(c, "xgroup-createconsumer", key);
        }
        reply_integer(c, created ? 1 : 0);
    } else if (args_is(opt, "delconsumer") && c->argc == 5) {
        const resp_argument *cn = &c->argv[4];
        stream_consumer *consumer = stream_consumer_find(g, cn->data, cn->length);
        long long pending = 0;
        if (consumer) {
            pending = (long long)stream_consumer_delete(g, consumer);
            server.stats.dirty++;
            stream_event(c, "xgroup-delconsumer", key);
        }
        reply_integer(c, pending);
    } else {
        reply_subcommand_syntax_error(c);
    }
}

/* ---------------------------------------------------------------- XACK */

static void stream_xack_command(client *c) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_STREAM, &o)) return;
    stream_group *g = o ? stream_group_find(stream_of(o), c->argv[2].data, c->argv[2].length) : NULL;
    if (!g) {
        reply_integer(c, 0);
        return;
    }
    int n = c->argc - 3;
    stream_id *ids = zmalloc_alloc((size_t)n * sizeof *ids);
    for (int j = 0; j < n; j++) {
        if (!stream_parse_strict_id_or_reply(c, &c->argv[j + 3], &ids[j])) {
            zmalloc_free(ids);
            return;
        }
    }
    long long acked = 0;
    for (int j = 0; j < n; j++) {
        stream_nack *nack = stream_pel_find(&g->pel, &ids[j], NULL);
        if (!nack) continue;
        stream_group_ack(g, nack);
        acked++;
        server.stats.dirty++;
    }
    zmalloc_free(ids);
    reply_integer(c, acked);
}

/* ---------------------------------------------------------------- XPENDING */

static void stream_xpending_command(client *c) {
    bool summary = c->argc == 3;
    const resp_argument *key = &c->argv[1], *group = &c->argv[2], *consumer_name = NULL;
    stream_id start = {0, 0}, end = STREAM_ID_MAX;
    long long count = 0, min_idle = 0;
    if (c->argc != 3 && (c->argc < 6 || c->argc > 9)) {
        reply_syntax_error(c);
        return;
    }
    if (c->argc >= 6) {
        int at = 3;
        if (args_is(&c->argv[3], "idle")) {
            if (!args_integer_or_reply(c, &c->argv[4], &min_idle)) return;
            if (c->argc < 8) {
                reply_syntax_error(c);
                return;
            }
            at += 2;
        }
        if (!args_integer_or_reply(c, &c->argv[at + 2], &count)) return;
        if (count < 0) count = 0;
        if (!stream_parse_range_bound(c, &c->argv[at], true, &start)) return;
        if (!stream_parse_range_bound(c, &c->argv[at + 1], false, &end)) return;
        if (at + 3 < c->argc) consumer_name = &c->argv[at + 3];
    }
    object *o;
    if (!key_read_typed(c, key, OBJECT_STREAM, &o)) return;
    stream_group *g = o ? stream_group_find(stream_of(o), group->data, group->length) : NULL;
    if (!g) {
        reply_nogroup(c, key, group);
        return;
    }
    if (summary) {
        reply_array_header(c, 4);
        reply_integer(c, (long long)g->pel.count);
        if (g->pel.count == 0) {
            reply_null(c);
            reply_null(c);
            reply_null_array(c);
            return;
        }
        stream_reply_id(c, &stream_pel_at(&g->pel, 0)->id);
        stream_reply_id(c, &stream_pel_at(&g->pel, g->pel.count - 1)->id);
        long long with = 0;
        for (size_t i = 0; i < g->consumer_count; i++) with += g->consumers[i]->pel.count > 0;
        reply_array_header(c, with);
        for (size_t i = 0; i < g->consumer_count; i++) {
            const stream_consumer *consumer = g->consumers[i];
            if (!consumer->pel.count) continue;
            reply_array_header(c, 2);
            reply_bulk(c, consumer->name, consumer->name_length);
            reply_bulk_integer(c, (long long)consumer->pel.count);
        }
        return;
    }
    const stream_pel *pel = &g->pel;
    if (consumer_name) {
        stream_consumer *consumer = stream_consumer_find(g, consumer_name->data, consumer_name->length);
        if (!consumer) {
            reply_array_header(c, 0);
            return;
        }
        pel = &consumer->pel;
    }
    long long now = server_unix_time_ms();
    size_t index;
    stream_pel_find(pel, &start, &index);
    resp_deferred header = resp_write_deferred_header(c->reply);
    long long n = 0;
    for (; count && index < pel->count && stream_id_compare(&stream_pel_at(pel, index)->id, &end) <= 0; index++) {
        const stream_nack *nack = stream_pel_at(pel, index);
        if (min_idle && now - nack->delivery_time < min_idle) continue;
        n++;
        count--;
        reply_array_header(c, 4);
        stream_reply_id(c, &nack->id);
        reply_bulk(c, nack->consumer->name, nack->consumer->name_length);
        long long elapsed = now - nack->delivery_time;
        reply_integer(c, elapsed < 0 ? 0 : elapsed);
        reply_integer(c, nack->delivery_count);
    }
    resp_set_deferred_array_length(c->reply, header, n);
}

/* ---------------------------------------------------------------- XCLAIM */

/* Replies one claimed entry (the entry, or only its ID). */
static void stream_reply_claimed(client *c, stream *s, const stream_id *id, bool justid) {
    if (justid) {
        stream_reply_id(c, id);
        return;
    }
    stream_iterator it;
    stream_entry e;
    stream_iterator_init(&it, s, id, id, false);
    bool found = stream_iterator_next(&it, &e);
    if (found) stream_reply_entry(c, &e);
    else reply_null_array(c);
    stream_iterator_finish(&it);
}

static void stream_xclaim_command(client *c) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_STREAM, &o)) return;
    stream_group *g = o ? stream_group_find(stream_of(o), c->argv[2].data, c->argv[2].length) : NULL;
    if (!g) {
        reply_nogroup(c, &c->argv[1], &c->argv[2]);
        return;
    }
    stream *s = stream_of(o);
    long long min_idle;
    if (!args_integer(&c->argv[4], &min_idle)) {
        reply_error(c, "ERR Invalid min-idle-time argument for XCLAIM");
        return;
    }
    if (min_idle < 0) min_idle = 0;
    int n = c->argc - 5;
    stream_id *ids = zmalloc_alloc((size_t)n * sizeof *ids);
    int j = 5;
    for (; j < c->argc; j++) {
        if (!stream_id_parse(c->argv[j].data, c->argv[j].length, 0, true, &ids[j - 5], NULL)) break;
    }
    int last_id_arg = j - 1;
    long long now = server_unix_time_ms();
    long long delivery = -1, retry = -1;
    bool force = false, justid = false;
    stream_id last_id = {0, 0};
    for (; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        const resp_argument *opt = &c->argv[j];
        if (args_is(opt, "force")) {
            force = true;
        } else if (args_is(opt, "justid")) {
            justid = true;
        } else if (args_is(opt, "idle") && more) {
            if (!args_integer(&c->argv[++j], &delivery)) {
                reply_error(c, "ERR Invalid IDLE option argument for XCLAIM");
                goto cleanup;
            }
            delivery = now - delivery;
        } else if (args_is(opt, "time") && more) {
            if (!args_integer(&c->argv[++j], &delivery)) {
                reply_error(c, "ERR Invalid TIME option argument for XCLAIM");
                goto cleanup;
            }
        } else if (args_is(opt, "retrycount") && more) {
            if (!args_integer(&c->argv[++j], &retry)) {
                reply_error(c, "ERR Invalid RETRYCOUNT option argument for XCLAIM");
                goto cleanup;
            }
        } else if (args_is(opt, "lastid") && more) {
            if (!stream_parse_strict_id_or_reply(c, &c->argv[++j], &last_id)) goto cleanup;
        } else {
            reply_error_format(c, "ERR Unrecognized XCLAIM option '%.*s'", (int)opt->length, opt->data);
            goto cleanup;
        }
    }
    if (stream_id_compare(&last_id, &g->last_id) > 0) g->last_id = last_id;
    if (delivery != -1) {
        if (delivery < 0 || delivery > now) delivery = now;
    } else {
        delivery = now;
    }
    stream_consumer *consumer = NULL;
    resp_deferred header = resp_write_deferred_header(c->reply);
    long long claimed = 0;
    for (int k = 5; k <= last_id_arg; k++) {
        stream_id id = ids[k - 5];
        stream_nack *nack = stream_pel_find(&g->pel, &id, NULL);
        if (!stream_contains(s, &id)) {
            if (nack) {
                stream_group_ack(g, nack);
                server.stats.dirty++;
            }
            continue;
        }
        if (force && !nack) nack = stream_group_add_orphan(g, &id, now);
        if (!nack) continue;
        if (nack->consumer && min_idle && now - nack->delivery_time < min_idle) continue;
        if (!consumer) consumer = stream_consumer_touch(c, g, &c->argv[1], &c->argv[3]);
        stream_nack_assign(nack, consumer);
        nack->delivery_time = delivery;
        if (retry >= 0) nack->delivery_count = retry;
        else if (!justid) nack->delivery_count++;
        stream_reply_claimed(c, s, &id, justid);
        claimed++;
        server.stats.dirty++;
    }
    resp_set_deferred_array_length(c->reply, header, claimed);
cleanup:
    zmalloc_free(ids);
}

static void stream_xautoclaim_command(client *c) {
    long long min_idle, count = 100;
    bool justid = false;
    if (!args_integer(&c->argv[4], &min_idle)) {
        reply_error(c, "ERR Invalid min-idle-time argument for XAUTOCLAIM");
        return;
    }
    if (min_idle < 0) min_idle = 0;
    stream_id start;
    if (!stream_parse_range_bound(c, &c->argv[5], true, &start)) return;
    for (int j = 6; j < c->argc; j++) {
        if (args_is(&c->argv[j], "count") && j + 1 < c->argc) {
            long long max_count = LONG_MAX / 16;
            if (!args_integer(&c->argv[j + 1], &count) || count < 1 || count > max_count) {
                reply_error(c, "ERR COUNT must be > 0");
                return;
            }
            j++;
        } else if (args_is(&c->argv[j], "justid")) {
            justid = true;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_STREAM, &o)) return;
    stream_group *g = o ? stream_group_find(stream_of(o), c->argv[2].data, c->argv[2].length) : NULL;
    if (!g) {
        reply_nogroup(c, &c->argv[1], &c->argv[2]);
        return;
    }
    stream *s = stream_of(o);
    long long attempts = count * 10, now = server_unix_time_ms();
    stream_consumer *consumer = NULL;
    size_t index;
    stream_pel_find(&g->pel, &start, &index);
    /* Decide first, reply after: the cursor comes before the entries. */
    strbuf deleted = STRBUF_INIT, claimed = STRBUF_INIT;
    while (attempts-- > 0 && count > 0 && index < g->pel.count) {
        stream_nack *nack = stream_pel_at(&g->pel, index);
        stream_id id = nack->id;
        if (!stream_contains(s, &id)) {
            stream_group_ack(g, nack);
            server.stats.dirty++;
            strbuf_append(&deleted, &id, sizeof id);
            count--;
            continue;
        }
        if (min_idle && now - nack->delivery_time < min_idle) {
            index++;
            continue;
        }
        if (!consumer) consumer = stream_consumer_touch(c, g, &c->argv[1], &c->argv[3]);
        stream_nack_assign(nack, consumer);
        nack->delivery_time = now;
        if (!justid) nack->delivery_count++;
        strbuf_append(&claimed, &id, sizeof id);
        count--;
        server.stats.dirty++;
        index++;
    }
    stream_id next = index < g->pel.count ? stream_pel_at(&g->pel, index)->id : (stream_id){0, 0};
    reply_array_header(c, 3);
    stream_reply_id(c, &next);
    for (int part = 0; part < 2; part++) {
        const strbuf *ids = part ? &deleted : &claimed;
        size_t n = ids->length / sizeof(stream_id);
        reply_array_header(c, (long long)n);
        for (size_t i = 0; i < n; i++) {
            stream_id id;
            memcpy(&id, ids->data + i * sizeof id, sizeof id);
            if (part) stream_reply_id(c, &id);
            else stream_reply_claimed(c, s, &id, justid);
        }
    }
    strbuf_free(&deleted);
    strbuf_free(&claimed);
}

/* ---------------------------------------------------------------- tables */

/* kf: the key's flags as Redis 7.0 declares them (CREATE inserts a group,
 * DESTROY deletes one; 0: RW and UPDATE). */
#define XGROUP_SUB(n, ar, fl, cat, sum, cx, kf)                                                                   \
    {.name = n, .handler = stream_xgroup_command, .arity = ar, .flags = fl, .first_key = 2, .last_key = 2,       \
     .key_step = 1, .categories = cat, .group = "stream", .summary = sum, .since = "5.0.0", .complexity = cx,     \
     .key_flags = kf}

static const command_spec stream_xgroup_subcommands[] = {
    XGROUP_SUB("create", -5, COMMAND_WRITE | COMMAND_DENYOOM, ACL_WRITE | ACL_STREAM | ACL_SLOW,
               "Create a consumer group.", "O(1)", KEY_RW | KEY_INSERT),
    XGROUP_SUB("createconsumer", 5, COMMAND_WRITE | COMMAND_DENYOOM, ACL_WRITE | ACL_STREAM | ACL_SLOW,
               "Create a consumer in a consumer group.", "O(1)", KEY_RW | KEY_INSERT),
    XGROUP_SUB("delconsumer", 5, COMMAND_WRITE, ACL_WRITE | ACL_STREAM | ACL_SLOW,
               "Delete a consumer from a consumer group.", "O(1)", KEY_RW | KEY_DELETE),
    XGROUP_SUB("destroy", 4, COMMAND_WRITE, ACL_WRITE | ACL_STREAM | ACL_SLOW, "Destroy a consumer group.",
               "O(N) where N is the number of entries in the group's pending entries list (PEL).", KEY_RW | KEY_DELETE),
    {.name = "help", .handler = stream_xgroup_command, .arity = 2, .flags = COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_STREAM | ACL_SLOW, .group = "stream", .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)"},
    XGROUP_SUB("setid", -5, COMMAND_WRITE, ACL_WRITE | ACL_STREAM | ACL_SLOW, "Set a consumer group to an arbitrary last delivered ID value.",
               "O(1)", 0),
    {0}};

const command_spec stream_group_commands[] = {
    {.name = "xgroup", .handler = NULL, .arity = -2, .categories = ACL_SLOW, .group = "stream",
     .summary = "A container for consumer groups commands", .since = "5.0.0", .complexity = "Depends on subcommand.",
     .subcommands = stream_xgroup_subcommands},
    {.name = "xack", .handler = stream_xack_command, .arity = -4, .flags = COMMAND_WRITE | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_WRITE | ACL_STREAM | ACL_FAST,
     .group = "stream",
     .summary = "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
     .since = "5.0.0", .complexity = "O(1) for each message ID processed."},
    {.name = "xpending", .handler = stream_xpending_command, .arity = -3, .flags = COMMAND_READONLY,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_STREAM | ACL_SLOW,
     .group = "stream",
     .summary = "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.",
     .since = "5.0.0",
     .complexity = "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
     .tips = "nondeterministic_output"},
    {.name = "xclaim", .handler = stream_xclaim_command, .arity = -6, .flags = COMMAND_WRITE | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_WRITE | ACL_STREAM | ACL_FAST,
     .group = "stream",
     .summary = "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.",
     .since = "5.0.0", .complexity = "O(log N) with N being the number of messages in the PEL of the consumer group.",
     .tips = "nondeterministic_output"},
    {.name = "xautoclaim", .handler = stream_xautoclaim_command, .arity = -6,
     .flags = COMMAND_WRITE | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STREAM | ACL_FAST, .group = "stream",
     .summary = "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.",
     .since = "6.2.0", .complexity = "O(1) if COUNT is small.", .tips = "nondeterministic_output",
     .key_flags = KEY_RW | KEY_DELETE},
    {0}};
