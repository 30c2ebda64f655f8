/* stream_info_commands: XINFO STREAM [FULL [COUNT]], GROUPS, CONSUMERS and
 * HELP, with Redis 7.0's fields in its order (maps in RESP3).  FULL lists
 * at most COUNT entries and pending entries per group and consumer (0: all),
 * so a reply's size is bounded by the caller; delivery and seen times are
 * absolute ms, idle times relative to the loop's clock.
 */
#include "args.h"
#include "key_access.h"
#include "reply.h"
#include "server.h"
#include "stream_type.h"

static void stream_info_stream(client *c, stream *s) {
    bool full = false;
    long long count = 10;
    int optc = c->argc - 3;
    if (optc) {
        if ((optc != 1 && optc != 3) || !args_is(&c->argv[3], "full")) {
            reply_subcommand_syntax_error(c);
            return;
        }
        full = true;
        if (optc == 3) {
            if (!args_is(&c->argv[4], "count")) {
                reply_subcommand_syntax_error(c);
                return;
            }
            if (!args_integer_or_reply(c, &c->argv[5], &count)) return;
            if (count < 0) count = 10;
        }
    }
    reply_map_header(c, full ? 9 : 10);
    reply_bulk_cstring(c, "length");
    reply_integer(c, (long long)s->length);
    reply_bulk_cstring(c, "radix-tree-keys");
    reply_integer(c, (long long)stream_node_count(s));
    /* zkv has no radix tree: the least a tree of these keys has (a root
     * and a leaf per key), which is what Redis shows for one node. */
    reply_bulk_cstring(c, "radix-tree-nodes");
    reply_integer(c, (long long)stream_node_count(s) + 1);
    reply_bulk_cstring(c, "last-generated-id");
    stream_reply_id(c, &s->last_id);
    reply_bulk_cstring(c, "max-deleted-entry-id");
    stream_reply_id(c, &s->max_deleted_id);
    reply_bulk_cstring(c, "entries-added");
    reply_integer(c, (long long)s->entries_added);
    reply_bulk_cstring(c, "recorded-first-entry-id");
    stream_id first = stream_recorded_first_id(s);
    stream_reply_id(c, &first);
    stream_id lo = {0, 0}, hi = STREAM_ID_MAX;
    if (!full) {
        reply_bulk_cstring(c, "groups");
        reply_integer(c, (long long)stream_group_count(s));
        for (int last = 0; last < 2; last++) {
            reply_bulk_cstring(c, last ? "last-entry" : "first-entry");
            stream_iterator it;
            stream_entry e;
            stream_iterator_init(&it, s, &lo, &hi, last);
            if (stream_iterator_next(&it, &e)) stream_reply_entry(c, &e);
            else reply_null(c);
            stream_iterator_finish(&it);
        }
        return;
    }
    reply_bulk_cstring(c, "entries");
    stream_reply_range(c, s, &lo, &hi, (size_t)count, false, NULL, NULL, false);
    reply_bulk_cstring(c, "groups");
    reply_array_header(c, (long long)stream_group_count(s));
    for (size_t i = 0; i < stream_group_count(s); i++) {
        const stream_group *g = stream_group_at(s, i);
        reply_map_header(c, 7);
        reply_bulk_cstring(c, "name");
        reply_bulk(c, g->name, g->name_length);
        reply_bulk_cstring(c, "last-delivered-id");
        stream_reply_id(c, &g->last_id);
        reply_bulk_cstring(c, "entries-read");
        if (g->entries_read != STREAM_ENTRIES_READ_INVALID) reply_integer(c, g->entries_read);
        else reply_null(c);
        reply_bulk_cstring(c, "lag");
        stream_reply_group_lag(c, s, g);
        reply_bulk_cstring(c, "pel-count");
        reply_integer(c, (long long)g->pel.count);
        reply_bulk_cstring(c, "pending");
        size_t shown = count && (size_t)count < g->pel.count ? (size_t)count : g->pel.count;
        reply_array_header(c, (long long)shown);
        for (size_t k = 0; k < shown; k++) {
            const stream_nack *nack = stream_pel_at(&g->pel, k);
            reply_array_header(c, 4);
            stream_reply_id(c, &nack->id);
            reply_bulk(c, nack->consumer->name, nack->consumer->name_length);
            reply_integer(c, nack->delivery_time);
            reply_integer(c, nack->delivery_count);
        }
        reply_bulk_cstring(c, "consumers");
        reply_array_header(c, (long long)g->consumer_count);
        for (size_t k = 0; k < g->consumer_count; k++) {
            const stream_consumer *consumer = g->consumers[k];
            reply_map_header(c, 4);
            reply_bulk_cstring(c, "name");
            reply_bulk(c, consumer->name, consumer->name_length);
            reply_bulk_cstring(c, "seen-time");
            reply_integer(c, consumer->seen_time);
            reply_bulk_cstring(c, "pel-count");
            reply_integer(c, (long long)consumer->pel.count);
            reply_bulk_cstring(c, "pending");
            size_t cshown = count && (size_t)count < consumer->pel.count ? (size_t)count : consumer->pel.count;
            reply_array_header(c, (long long)cshown);
            for (size_t m = 0; m < cshown; m++) {
                const stream_nack *nack = stream_pel_at(&consumer->pel, m);
                reply_array_header(c, 3);
                stream_reply_id(c, &nack->id);
                reply_integer(c, nack->delivery_time);
                reply_integer(c, nack->delivery_count);
            }
        }
    }
}

static const char *const stream_xinfo_help[] = {
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    NULL};

static void stream_xinfo_command(client *c) {
    if (args_is(&c->argv[1], "help")) {
        if (c->argc != 2) reply_subcommand_syntax_error(c);
        else reply_help(c, "XINFO", stream_xinfo_help);
        return;
    }
    if (c->argc < 3) {
        reply_subcommand_syntax_error(c);
        return;
    }
    const resp_argument *key = &c->argv[2];
    object *o;
    if (!key_read_typed(c, key, OBJECT_STREAM, &o)) return;
    if (!o) {
        reply_error(c, "ERR no such key");
        return;
    }
    stream *s = stream_of(o);
    const resp_argument *opt = &c->argv[1];
    if (args_is(opt, "consumers") && c->argc == 4) {
        stream_group *g = stream_group_find(s, c->argv[3].data, c->argv[3].length);
        if (!g) {
            reply_error_format(c, "NOGROUP No such consumer group '%.*s' for key name '%.*s'", (int)c->argv[3].length,
                               c->argv[3].data, (int)key->length, key->data);
            return;
        }
        long long now = server_unix_time_ms();
        reply_array_header(c, (long long)g->consumer_count);
        for (size_t i = 0; i < g->consumer_count; i++) {
            const stream_consumer *consumer = g->consumers[i];
            long long idle = now - consumer->seen_time;
            reply_map_header(c, 3);
            reply_bulk_cstring(c, "name");
            reply_bulk(c, consumer->name, consumer->name_length);
            reply_bulk_cstring(c, "pending");
            reply_integer(c, (long long)consumer->pel.count);
            reply_bulk_cstring(c, "idle");
            reply_integer(c, idle < 0 ? 0 : idle);
        }
    } else if (args_is(opt, "groups") && c->argc == 3) {
        reply_array_header(c, (long long)stream_group_count(s));
        for (size_t i = 0; i < stream_group_count(s); i++) {
            const stream_group *g = stream_group_at(s, i);
            reply_map_header(c, 6);
            reply_bulk_cstring(c, "name");
            reply_bulk(c, g->name, g->name_length);
            reply_bulk_cstring(c, "consumers");
            reply_integer(c, (long long)g->consumer_count);
            reply_bulk_cstring(c, "pending");
            reply_integer(c, (long long)g->pel.count);
            reply_bulk_cstring(c, "last-delivered-id");
            stream_reply_id(c, &g->last_id);
            reply_bulk_cstring(c, "entries-read");
            if (g->entries_read != STREAM_ENTRIES_READ_INVALID) reply_integer(c, g->entries_read);
            else reply_null(c);
            reply_bulk_cstring(c, "lag");
            stream_reply_group_lag(c, s, g);
        }
    } else if (args_is(opt, "stream")) {
        stream_info_stream(c, s);
    } else {
        reply_subcommand_syntax_error(c);
    }
}

/* tips: Redis 7.0 marks only CONSUMERS nondeterministic (its idle times). */
#define XINFO_SUB(n, ar, sum, cx, tp)                                                                             \
    {.name = n, .handler = stream_xinfo_command, .arity = ar, .flags = COMMAND_READONLY, .first_key = 2,         \
     .last_key = 2, .key_step = 1, .categories = ACL_READ | ACL_STREAM | ACL_SLOW, .group = "stream",             \
     .summary = sum, .since = "5.0.0", .complexity = cx, .tips = tp}

static const command_spec stream_xinfo_subcommands[] = {
    XINFO_SUB("consumers", 4, "List the consumers in a consumer group", "O(1)", "nondeterministic_output"),
    XINFO_SUB("groups", 3, "List the consumer groups of a stream", "O(1)", NULL),
    {.name = "help", .handler = stream_xinfo_command, .arity = 2, .flags = COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_STREAM | ACL_SLOW, .group = "stream", .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)"},
    XINFO_SUB("stream", -3, "Get information about a stream", "O(1)", NULL),
    {0}};

const command_spec stream_info_commands[] = {
    {.name = "xinfo", .handler = NULL, .arity = -2, .categories = ACL_SLOW, .group = "stream",
     .summary = "A container for stream introspection commands", .since = "5.0.0",
     .complexity = "Depends on subcommand.", .subcommands = stream_xinfo_subcommands},
    {0}};
