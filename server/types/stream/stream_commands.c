/* stream_commands: XADD XRANGE XREVRANGE XLEN XDEL XTRIM XSETID with Redis
 * 7.0's argument order, error texts and keyspace events.
 *
 * XADD and XTRIM share one option parser, as in Redis, so the same bad
 * command gives the same error.  The approximate-trim LIMIT defaults to 100
 * nodes' worth of entries; trimming works on whole nodes that are cut where
 * Redis cuts them (lib/stream.h), so "~" leaves the entries Redis leaves.
 */
#include <string.h>

#include "args.h"
#include "key_access.h"
#include "notify.h"
#include "reply.h"
#include "server.h"
#include "stream_type.h"
#include "zmalloc.h"

typedef struct stream_add_args {
    stream_trim_args trim;
    stream_id id;
    bool id_given, seq_given, no_mkstream;
} stream_add_args;

/* Parses options from argv[2]; for XADD stops at the ID.  Returns the
 * index of the ID (XADD) or argc, or -1 after replying an error. */
static int stream_parse_add_trim(client *c, stream_add_args *a, bool xadd) {
    memset(a, 0, sizeof *a);
    bool limit_given = false;
    int i = 2;
    for (; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        const resp_argument *opt = &c->argv[i];
        if (xadd && opt->length == 1 && opt->data[0] == '*') break;
        bool maxlen = args_is(opt, "maxlen"), minid = args_is(opt, "minid");
        if ((maxlen || minid) && more) {
            if (a->trim.strategy != STREAM_TRIM_NONE) {
                reply_error(c, "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
                return -1;
            }
            a->trim.approx = false;
            const resp_argument *next = &c->argv[i + 1];
            if (more >= 2 && next->length == 1 && (next->data[0] == '~' || next->data[0] == '=')) {
                a->trim.approx = next->data[0] == '~';
                i++;
            }
            if (maxlen) {
                if (!args_integer_or_reply(c, &c->argv[i + 1], &a->trim.maxlen)) return -1;
                if (a->trim.maxlen < 0) {
                    reply_error(c, "ERR The MAXLEN argument must be >= 0.");
                    return -1;
                }
                a->trim.strategy = STREAM_TRIM_MAXLEN;
            } else {
                if (!stream_parse_strict_id_or_reply(c, &c->argv[i + 1], &a->trim.minid)) return -1;
                a->trim.strategy = STREAM_TRIM_MINID;
            }
            i++;
        } else if (args_is(opt, "limit") && more) {
            if (!args_integer_or_reply(c, &c->argv[i + 1], &a->trim.limit)) return -1;
            if (a->trim.limit < 0) {
                reply_error(c, "ERR The LIMIT argument must be >= 0.");
                return -1;
            }
            limit_given = true;
            i++;
        } else if (xadd && args_is(opt, "nomkstream")) {
            a->no_mkstream = true;
        } else if (xadd) {
            bool star;
            if (!stream_id_parse(opt->data, opt->length, 0, true, &a->id, &star)) {
                reply_error(c, STREAM_INVALID_ID_ERROR);
                return -1;
            }
            a->seq_given = !star;
            a->id_given = true;
            break;
        } else {
            reply_syntax_error(c);
            return -1;
        }
    }
    if (a->trim.limit && a->trim.strategy == STREAM_TRIM_NONE) {
        reply_error(c, "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
        return -1;
    }
    if (!xadd && a->trim.strategy == STREAM_TRIM_NONE) {
        reply_error(c, "ERR syntax error, XTRIM must be called with a trimming strategy");
        return -1;
    }
    if (limit_given) {
        if (!a->trim.approx) {
            reply_error(c, "ERR syntax error, LIMIT cannot be used without the special ~ option");
            return -1;
        }
    } else if (a->trim.approx) {
        a->trim.limit = 100 * stream_config.node_max_entries;
        if (a->trim.limit <= 0) a->trim.limit = 10000;
        if (a->trim.limit > 1000000) a->trim.limit = 1000000;
    } else {
        a->trim.limit = 0;
    }
    return i;
}

/* The key's stream for writing, NULL when missing; *wrong after WRONGTYPE. */
static object *stream_lookup_write(client *c, const resp_argument *key, bool *wrong) {
    object *o;
    *wrong = !key_write_typed(c, key, OBJECT_STREAM, &o);
    return *wrong ? NULL : o;
}

static void stream_xadd_command(client *c) {
    stream_add_args a;
    int idpos = stream_parse_add_trim(c, &a, true);
    if (idpos < 0) return;
    int field_pos = idpos + 1;
    int fields = c->argc - field_pos;
    if (fields < 2 || fields % 2 == 1) {
        reply_arity_error(c);
        return;
    }
    if (a.id_given && a.seq_given && a.id.ms == 0 && a.id.seq == 0) {
        reply_error(c, "ERR The ID specified in XADD must be greater than 0-0");
        return;
    }
    bool wrong;
    object *o = stream_lookup_write(c, &c->argv[1], &wrong);
    if (wrong) return;
    db *d = key_db(c);
    if (!o) {
        if (a.no_mkstream) {
            reply_null(c);
            return;
        }
        o = stream_add_key(d, c->argv[1].data, c->argv[1].length);
    }
    stream *s = stream_of(o);
    if (s->last_id.ms == UINT64_MAX && s->last_id.seq == UINT64_MAX) {
        reply_error(c, "ERR The stream has exhausted the last possible ID, unable to add more items");
        return;
    }
    stream_id id;
    bool ok = true;
    if (!a.id_given) {
        long long now = server_unix_time_ms();
        if ((uint64_t)now > s->last_id.ms) id = (stream_id){(uint64_t)now, 0};
        else {
            id = s->last_id;
            ok = stream_id_increment(&id);
        }
    } else if (!a.seq_given) {
        if (s->last_id.ms == a.id.ms) {
            id = s->last_id;
            ok = s->last_id.seq != UINT64_MAX;
            if (ok) id.seq++;
        } else {
            id = a.id;
        }
    } else {
        id = a.id;
    }
    if (!ok || stream_id_compare(&id, &s->last_id) <= 0) {
        reply_error(c, "ERR The ID specified in XADD is equal or smaller than the target stream top item");
        return;
    }
    size_t pairs = (size_t)fields / 2;
    stream_bytes stack[32];
    stream_bytes *fv = (size_t)fields <= 32 ? stack : zmalloc_alloc((size_t)fields * sizeof *fv);
    size_t total = 0;
    for (int j = 0; j < fields; j++) {
        fv[j] = (stream_bytes){c->argv[field_pos + j].data, c->argv[field_pos + j].length};
        total += fv[j].length;
    }
    if (total > (1u << 30)) {
        if (fv != stack) zmalloc_free(fv);
        reply_error(c, "ERR Elements are too large to be stored");
        return;
    }
    stream_append(s, &id, fv, pairs, &stream_config);
    if (fv != stack) zmalloc_free(fv);
    stream_reply_id(c, &id);
    db_signal_modified(d, c->argv[1].data, c->argv[1].length);
    notify_keyspace_event(NOTIFY_STREAM, "xadd", d->index, c->argv[1].data, c->argv[1].length);
    server.stats.dirty++;
    if (a.trim.strategy != STREAM_TRIM_NONE && stream_trim(s, &a.trim))
        notify_keyspace_event(NOTIFY_STREAM, "xtrim", d->index, c->argv[1].data, c->argv[1].length);
}

static void stream_range_generic(client *c, bool reverse) {
    stream_id start, end;
    const resp_argument *start_arg = &c->argv[reverse ? 3 : 2], *end_arg = &c->argv[reverse ? 2 : 3];
    if (!stream_parse_range_bound(c, start_arg, true, &start)) return;
    if (!stream_parse_range_bound(c, end_arg, false, &end)) return;
    long long count = -1;
    for (int j = 4; j < c->argc; j++) {
        if (args_is(&c->argv[j], "count") && j + 1 < c->argc) {
            if (!args_integer_or_reply(c, &c->argv[j + 1], &count)) return;
            if (count < 0) count = 0;
            j++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_STREAM, &o)) return;
    if (!o) {
        reply_array_header(c, 0);
        return;
    }
    if (count == 0) {
        reply_null_array(c);
        return;
    }
    stream_reply_range(c, stream_of(o), &start, &end, count < 0 ? 0 : (size_t)count, reverse, NULL, NULL, false);
}

static void stream_xrange_command(client *c) {
    stream_range_generic(c, false);
}

static void stream_xrevrange_command(client *c) {
    stream_range_generic(c, true);
}

static void stream_xlen_command(client *c) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_STREAM, &o)) return;
    reply_integer(c, o ? (long long)stream_of(o)->length : 0);
}

static void stream_xdel_command(client *c) {
    bool wrong;
    object *o = stream_lookup_write(c, &c->argv[1], &wrong);
    if (wrong) return;
    if (!o) {
        reply_integer(c, 0);
        return;
    }
    int n = c->argc - 2;
    stream_id stack[16];
    stream_id *ids = n <= 16 ? stack : zmalloc_alloc((size_t)n * sizeof *ids);
    for (int j = 0; j < n; j++) {
        if (!stream_parse_strict_id_or_reply(c, &c->argv[j + 2], &ids[j])) {
            if (ids != stack) zmalloc_free(ids);
            return;
        }
    }
    stream *s = stream_of(o);
    long long deleted = 0;
    for (int j = 0; j < n; j++) {
        if (!stream_delete(s, &ids[j])) continue;
        if (stream_id_compare(&ids[j], &s->max_deleted_id) > 0) s->max_deleted_id = ids[j];
        deleted++;
    }
    if (ids != stack) zmalloc_free(ids);
    if (deleted) {
        db *d = key_db(c);
        db_signal_modified(d, c->argv[1].data, c->argv[1].length);
        notify_keyspace_event(NOTIFY_STREAM, "xdel", d->index, c->argv[1].data, c->argv[1].length);
        server.stats.dirty += deleted;
    }
    reply_integer(c, deleted);
}

static void stream_xtrim_command(client *c) {
    stream_add_args a;
    if (stream_parse_add_trim(c, &a, false) < 0) return;
    bool wrong;
    object *o = stream_lookup_write(c, &c->argv[1], &wrong);
    if (wrong) return;
    if (!o) {
        reply_integer(c, 0);
        return;
    }
    long long deleted = stream_trim(stream_of(o), &a.trim);
    if (deleted) {
        db *d = key_db(c);
        notify_keyspace_event(NOTIFY_STREAM, "xtrim", d->index, c->argv[1].data, c->argv[1].length);
        db_signal_modified(d, c->argv[1].data, c->argv[1].length);
        server.stats.dirty += deleted;
    }
    reply_integer(c, deleted);
}

static void stream_xsetid_command(client *c) {
    stream_id id, max_deleted = {0, 0};
    long long entries_added = -1;
    if (!stream_parse_strict_id_or_reply(c, &c->argv[2], &id)) return;
    for (int i = 3; i < c->argc; i += 2) {
        bool more = i + 1 < c->argc;
        if (args_is(&c->argv[i], "entriesadded") && more) {
            if (!args_integer_or_reply(c, &c->argv[i + 1], &entries_added)) return;
            if (entries_added < 0) {
                reply_error(c, "ERR entries_added must be positive");
                return;
            }
        } else if (args_is(&c->argv[i], "maxdeletedid") && more) {
            if (!stream_parse_strict_id_or_reply(c, &c->argv[i + 1], &max_deleted)) return;
            if (stream_id_compare(&id, &max_deleted) < 0) {
                reply_error(c, "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
                return;
            }
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    bool wrong;
    object *o = stream_lookup_write(c, &c->argv[1], &wrong);
    if (wrong) return;
    if (!o) {
        reply_error(c, "ERR no such key");
        return;
    }
    stream *s = stream_of(o);
    if (s->length > 0) {
        stream_id top;
        stream_last_id(s, &top);
        if (stream_id_compare(&id, &top) < 0) {
            reply_error(c, "ERR The ID specified in XSETID is smaller than the target stream top item");
            return;
        }
        if (entries_added != -1 && s->length > (uint64_t)entries_added) {
            reply_error(c, "ERR The entries_added specified in XSETID is smaller than the target stream length");
            return;
        }
    }
    s->last_id = id;
    if (entries_added != -1) s->entries_added = (uint64_t)entries_added;
    if (!stream_id_is_zero(&max_deleted)) s->max_deleted_id = max_deleted;
    reply_ok(c);
    server.stats.dirty++;
    db *d = key_db(c);
    notify_keyspace_event(NOTIFY_STREAM, "xsetid", d->index, c->argv[1].data, c->argv[1].length);
}

#define STREAM_WRITE_FLAGS (COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST)

/* Redis 7.0's key spec of XADD, with its note (COMMAND INFO). */
static const key_spec xadd_key_specs[] = {
    {.flags = KEY_RW | KEY_UPDATE, .notes = "UPDATE instead of INSERT because of the optional trimming feature",
     .search = KEY_SEARCH_INDEX, .position = 1, .find = KEY_FIND_RANGE, .key_step = 1},
    {0}};

const command_spec stream_commands[] = {
    {.name = "xadd", .handler = stream_xadd_command, .arity = -5, .flags = STREAM_WRITE_FLAGS, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_WRITE | ACL_STREAM | ACL_FAST, .group = "stream",
     .summary = "Appends a new entry to a stream", .since = "5.0.0",
     .complexity = "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
     .key_flags = KEY_RW | KEY_UPDATE, .tips = "nondeterministic_output", .key_specs = xadd_key_specs},
    {.name = "xrange", .handler = stream_xrange_command, .arity = -4, .flags = COMMAND_READONLY, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Return a range of elements in a stream, with IDs matching the specified IDs interval",
     .since = "5.0.0",
     .complexity = "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)."},
    {.name = "xrevrange", .handler = stream_xrevrange_command, .arity = -4, .flags = COMMAND_READONLY,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_STREAM | ACL_SLOW,
     .group = "stream",
     .summary = "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
     .since = "5.0.0",
     .complexity = "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)."},
    {.name = "xlen", .handler = stream_xlen_command, .arity = 2, .flags = COMMAND_READONLY | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_STREAM | ACL_FAST,
     .group = "stream", .summary = "Return the number of entries in a stream", .since = "5.0.0",
     .complexity = "O(1)", .key_flags = KEY_RO}, /* looks, reads nothing: any key permission will do */
    {.name = "xdel", .handler = stream_xdel_command, .arity = -3, .flags = COMMAND_WRITE | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_WRITE | ACL_STREAM | ACL_FAST,
     .group = "stream",
     .summary = "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.",
     .since = "5.0.0", .complexity = "O(1) for each single item to delete in the stream, regardless of the stream size.",
     .key_flags = KEY_RW | KEY_DELETE},
    {.name = "xtrim", .handler = stream_xtrim_command, .arity = -4, .flags = COMMAND_WRITE, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_WRITE | ACL_STREAM | ACL_SLOW, .group = "stream",
     .summary = "Trims the stream to (approximately if '~' is passed) a certain size", .since = "5.0.0",
     .complexity = "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
     .key_flags = KEY_RW | KEY_DELETE, .tips = "nondeterministic_output"},
    {.name = "xsetid", .handler = stream_xsetid_command, .arity = -3, .flags = STREAM_WRITE_FLAGS, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_WRITE | ACL_STREAM | ACL_FAST, .group = "stream",
     .summary = "An internal command for replicating stream values", .since = "5.0.0", .complexity = "O(1)",
     .key_flags = KEY_RW | KEY_UPDATE},
    {0}};
