/* list_commands: the list commands of Redis 7.0, blocking ones included,
 * with its replies, error texts and order of argument checks.
 *
 * Every handler looks its key up once, changes the plist through list_store
 * and signals the key (WATCH, waiting clients); the command that empties a
 * list deletes its key.  Replies are written element by element from the
 * packed form (no intermediate copy); integers stored packed are formatted
 * straight into the reply.
 *
 * Blocking commands first try exactly what the non-blocking command does;
 * only when every key is empty (or missing) do they block, and inside MULTI
 * they answer as if timed out instead.
 */
#include <limits.h>
#include <string.h>

#include "args.h"
#include "blocking.h"
#include "command.h"
#include "key_access.h"
#include "list.h"
#include "notify.h"
#include "propagate.h"
#include "reply.h"
#include "zmalloc.h"

/* The key's list object, or NULL when missing; replies WRONGTYPE and sets
 * *wrong when the key holds another type. */
static object *list_lookup(client *c, const resp_argument *key, bool write, bool *wrong) {
    db *d = key_db(c);
    object *o = write ? db_lookup_write(d, key->data, key->length) : db_lookup_read(d, key->data, key->length);
    *wrong = o && object_type(o) != OBJECT_LIST;
    if (*wrong) reply_wrong_type(c);
    return *wrong ? NULL : o;
}

/* LEFT or RIGHT (any case); a syntax error otherwise. */
static bool list_parse_end(client *c, const resp_argument *argument, bool *head) {
    if (args_is(argument, "left")) *head = true;
    else if (args_is(argument, "right")) *head = false;
    else {
        reply_syntax_error(c);
        return false;
    }
    return true;
}

/* A strictly positive count, replying `error` (for anything else,
 * non-integers included) as Redis's getRangeLongFromObjectOrReply does. */
static bool list_parse_positive(client *c, const resp_argument *argument, const char *error, long long *value) {
    if (!args_integer(argument, value) || *value < 1) {
        reply_error(c, error);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- push */

static void list_push_generic(client *c, bool head, bool only_existing) {
    bool wrong;
    object *o = list_lookup(c, &c->argv[1], true, &wrong);
    if (wrong) return;
    db *d = key_db(c);
    if (!o) {
        if (only_existing) {
            reply_integer(c, 0);
            return;
        }
        o = list_add_key(d, c->argv[1].data, c->argv[1].length);
    }
    plist *l = list_value(o);
    for (int j = 2; j < c->argc; j++) l = plist_push(l, c->argv[j].data, c->argv[j].length, head, &list_limits);
    list_store(o, l);
    db_signal_modified(d, c->argv[1].data, c->argv[1].length);
    notify_keyspace_event(NOTIFY_LIST, head ? "lpush" : "rpush", d->index, c->argv[1].data, c->argv[1].length);
    server.stats.dirty += c->argc - 2;
    reply_integer(c, (long long)plist_length(l));
}

static void list_lpush_command(client *c) {
    list_push_generic(c, true, false);
}

static void list_rpush_command(client *c) {
    list_push_generic(c, false, false);
}

static void list_lpushx_command(client *c) {
    list_push_generic(c, true, true);
}

static void list_rpushx_command(client *c) {
    list_push_generic(c, false, true);
}

/* ---------------------------------------------------------------- pop */

static void list_pop_generic(client *c, bool head) {
    long long count = 0;
    bool has_count = c->argc == 3;
    if (c->argc > 3) {
        reply_arity_error(c);
        return;
    }
    if (has_count && (!args_integer(&c->argv[2], &count) || count < 0)) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    bool wrong;
    object *o = list_lookup(c, &c->argv[1], true, &wrong);
    if (wrong) return;
    if (!o) {
        if (has_count) reply_null_array(c);
        else reply_null(c);
        return;
    }
    if (has_count && count == 0) {
        reply_array_header(c, 0);
        return;
    }
    db *d = key_db(c);
    plist *l = list_value(o);
    if (!has_count) {
        plist_value v;
        list_peek(l, head, &v);
        list_reply_value(c, &v);
        list_store(o, plist_pop(l, head, &list_limits));
        server.stats.dirty++;
    } else {
        size_t length = plist_length(l);
        size_t take = (unsigned long long)count < length ? (size_t)count : length;
        reply_array_header(c, (long long)take);
        plist_iterator it;
        plist_value v;
        plist_iterator_init(&it, l, head ? 0 : length - 1, head);
        for (size_t i = 0; i < take && plist_iterator_next(&it, &v); i++) list_reply_value(c, &v);
        plist_iterator_finish(&it);
        list_store(o, head ? plist_delete_range(l, 0, take, &list_limits)
                           : plist_delete_range(l, length - take, take, &list_limits));
        server.stats.dirty += (long long)take;
    }
    db_signal_modified(d, c->argv[1].data, c->argv[1].length);
    notify_keyspace_event(NOTIFY_LIST, head ? "lpop" : "rpop", d->index, c->argv[1].data, c->argv[1].length);
    list_delete_if_empty(d, o);
}

static void list_lpop_command(client *c) {
    list_pop_generic(c, true);
}

static void list_rpop_command(client *c) {
    list_pop_generic(c, false);
}

/* ---------------------------------------------------------------- reading */

static void list_llen_command(client *c) {
    bool wrong;
    object *o = list_lookup(c, &c->argv[1], false, &wrong);
    if (!wrong) reply_integer(c, o ? (long long)plist_length(list_value(o)) : 0);
}

/* Redis's index rule: negative counts from the end; false when outside. */
static bool list_normalize_index(long long index, size_t length, size_t *position) {
    if (index < 0) index += (long long)length;
    if (index < 0 || (unsigned long long)index >= length) return false;
    *position = (size_t)index;
    return true;
}

static void list_lindex_command(client *c) {
    bool wrong;
    object *o = list_lookup(c, &c->argv[1], false, &wrong);
    if (wrong) return;
    if (!o) {
        reply_null(c);
        return;
    }
    long long index;
    if (!args_integer_or_reply(c, &c->argv[2], &index)) return;
    plist *l = list_value(o);
    size_t position;
    if (!list_normalize_index(index, plist_length(l), &position)) {
        reply_null(c);
        return;
    }
    plist_iterator it;
    plist_value v;
    plist_iterator_init(&it, l, position, true);
    plist_iterator_next(&it, &v);
    list_reply_value(c, &v);
    plist_iterator_finish(&it);
}

static void list_lrange_command(client *c) {
    long long start, end;
    if (!args_integer_or_reply(c, &c->argv[2], &start) || !args_integer_or_reply(c, &c->argv[3], &end)) return;
    bool wrong;
    object *o = list_lookup(c, &c->argv[1], false, &wrong);
    if (wrong) return;
    if (!o) {
        reply_array_header(c, 0);
        return;
    }
    plist *l = list_value(o);
    long long length = (long long)plist_length(l);
    if (start < 0) start += length;
    if (end < 0) end += length;
    if (start < 0) start = 0;
    if (start > end || start >= length) {
        reply_array_header(c, 0);
        return;
    }
    if (end >= length) end = length - 1;
    long long count = end - start + 1;
    reply_array_header(c, count);
    plist_iterator it;
    plist_value v;
    plist_iterator_init(&it, l, (size_t)start, true);
    resp_output *out = c->reply;
    for (long long i = 0; i < count && plist_iterator_next(&it, &v); i++) {
        if (v.data) {
            resp_write_bulk(out, v.data, v.length);
        } else {
            char digits[NUMBER_INTEGER_BUFFER];
            resp_write_bulk(out, digits, number_format_integer(v.integer, digits));
        }
    }
    plist_iterator_finish(&it);
}

static void list_lpos_command(client *c) {
    long long rank = 1, count = -1, maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (args_is(&c->argv[j], "rank") && more) {
            if (!args_integer_or_reply(c, &c->argv[++j], &rank)) return;
            if (rank == 0) {
                reply_error(c, "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
                               "or use negative to start from the end of the list");
                return;
            }
        } else if (args_is(&c->argv[j], "count") && more) {
            if (!args_integer(&c->argv[++j], &count) || count < 0) {
                reply_error(c, "ERR COUNT can't be negative");
                return;
            }
        } else if (args_is(&c->argv[j], "maxlen") && more) {
            if (!args_integer(&c->argv[++j], &maxlen) || maxlen < 0) {
                reply_error(c, "ERR MAXLEN can't be negative");
                return;
            }
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    bool forward = rank > 0;
    /* Redis 7.0 negates RANK in a long long: -LLONG_MIN stays negative, so
     * its "matches >= rank" holds at the first match from the tail.  Clients
     * see that reply, so it is kept (7.2 refuses the value instead). */
    unsigned long long wanted_rank = forward ? (unsigned long long)rank
                                     : rank == LLONG_MIN ? 1ULL : 0ULL - (unsigned long long)rank;
    bool wrong;
    object *o = list_lookup(c, &c->argv[1], false, &wrong);
    if (wrong) return;
    if (!o) {
        if (count != -1) reply_array_header(c, 0);
        else reply_null(c);
        return;
    }
    plist *l = list_value(o);
    size_t length = plist_length(l);
    const resp_argument *needle = &c->argv[2];
    resp_deferred header;
    if (count != -1) header = resp_write_deferred_header(c->reply);
    plist_iterator it;
    plist_value v;
    plist_iterator_init(&it, l, forward ? 0 : length - 1, forward);
    unsigned long long matches = 0, index = 0;
    long long emitted = 0, found = -1;
    while ((maxlen == 0 || index < (unsigned long long)maxlen) && plist_iterator_next(&it, &v)) {
        if (plist_value_equals(&v, needle->data, needle->length) && ++matches >= wanted_rank) {
            long long position = forward ? (long long)index : (long long)(length - index - 1);
            if (count == -1) {
                found = position;
                break;
            }
            reply_integer(c, position);
            emitted++;
            if (count != 0 && emitted >= count) break;
        }
        index++;
    }
    plist_iterator_finish(&it);
    if (count != -1) resp_set_deferred_array_length(c->reply, header, emitted);
    else if (found >= 0) reply_integer(c, found);
    else reply_null(c);
}

/* ---------------------------------------------------------------- changing the middle */

static void list_lset_command(client *c) {
    bool wrong;
    object *o = list_lookup(c, &c->argv[1], true, &wrong);
    if (wrong) return;
    if (!o) {
        reply_error(c, "ERR no such key");
        return;
    }
    long long index;
    if (!args_integer_or_reply(c, &c->argv[2], &index)) return;
    size_t position;
    if (!list_normalize_index(index, plist_length(list_value(o)), &position)) {
        reply_error(c, "ERR index out of range");
        return;
    }
    list_store(o, plist_set(list_value(o), position, c->argv[3].data, c->argv[3].length, &list_limits));
    db_signal_modified(key_db(c), c->argv[1].data, c->argv[1].length);
    notify_keyspace_event(NOTIFY_LIST, "lset", c->db_index, c->argv[1].data, c->argv[1].length);
    server.stats.dirty++;
    reply_ok(c);
}

static void list_linsert_command(client *c) {
    bool after;
    if (args_is(&c->argv[2], "after")) after = true;
    else if (args_is(&c->argv[2], "before")) after = false;
    else {
        reply_syntax_error(c);
        return;
    }
    bool wrong;
    object *o = list_lookup(c, &c->argv[1], true, &wrong);
    if (wrong) return;
    if (!o) {
        reply_integer(c, 0);
        return;
    }
    plist *l = list_value(o);
    const resp_argument *pivot = &c->argv[3];
    plist_iterator it;
    plist_value v;
    plist_iterator_init(&it, l, 0, true);
    size_t index = 0;
    bool found = false;
    while (plist_iterator_next(&it, &v)) {
        if (plist_value_equals(&v, pivot->data, pivot->length)) {
            found = true;
            break;
        }
        index++;
    }
    plist_iterator_finish(&it);
    if (!found) {
        reply_integer(c, -1);
        return;
    }
    l = plist_insert(l, after ? index + 1 : index, after, c->argv[4].data, c->argv[4].length, &list_limits);
    list_store(o, l);
    db_signal_modified(key_db(c), c->argv[1].data, c->argv[1].length);
    notify_keyspace_event(NOTIFY_LIST, "linsert", c->db_index, c->argv[1].data, c->argv[1].length);
    server.stats.dirty++;
    reply_integer(c, (long long)plist_length(l));
}

static void list_lrem_command(client *c) {
    long long count;
    if (!args_integer_or_reply(c, &c->argv[2], &count)) return;
    bool wrong;
    object *o = list_lookup(c, &c->argv[1], true, &wrong);
    if (wrong) return;
    if (!o) {
        reply_integer(c, 0);
        return;
    }
    size_t removed;
    list_store(o, plist_remove(list_value(o), c->argv[3].data, c->argv[3].length, count, &list_limits, &removed));
    if (removed) {
        db *d = key_db(c);
        db_signal_modified(d, c->argv[1].data, c->argv[1].length);
        notify_keyspace_event(NOTIFY_LIST, "lrem", d->index, c->argv[1].data, c->argv[1].length);
        server.stats.dirty += (long long)removed;
        list_delete_if_empty(d, o);
    }
    reply_integer(c, (long long)removed);
}

static void list_ltrim_command(client *c) {
    long long start, end;
    if (!args_integer_or_reply(c, &c->argv[2], &start) || !args_integer_or_reply(c, &c->argv[3], &end)) return;
    bool wrong;
    object *o = list_lookup(c, &c->argv[1], true, &wrong);
    if (wrong) return;
    if (!o) {
        reply_ok(c);
        return;
    }
    plist *l = list_value(o);
    long long length = (long long)plist_length(l);
    if (start < 0) start += length;
    if (end < 0) end += length;
    if (start < 0) start = 0;
    long long left, right;
    if (start > end || start >= length) {
        left = length;
        right = 0;
    } else {
        if (end >= length) end = length - 1;
        left = start;
        right = length - end - 1;
    }
    l = plist_delete_range(l, (size_t)(length - right), (size_t)right, &list_limits);
    l = plist_delete_range(l, 0, (size_t)left, &list_limits);
    list_store(o, l);
    db *d = key_db(c);
    db_signal_modified(d, c->argv[1].data, c->argv[1].length);
    notify_keyspace_event(NOTIFY_LIST, "ltrim", d->index, c->argv[1].data, c->argv[1].length);
    server.stats.dirty += left + right;
    list_delete_if_empty(d, o);
    reply_ok(c);
}

/* ---------------------------------------------------------------- moving */

/* LMOVE/RPOPLPUSH once the ends are known; false if the source was empty
 * (nothing replied yet) so the blocking forms can block. */
static bool list_move_generic(client *c, const resp_argument *source_key, const resp_argument *target_key,
                              bool from_head, bool to_head, bool *replied) {
    bool wrong;
    *replied = true;
    object *source = list_lookup(c, source_key, true, &wrong);
    if (wrong) return true;
    if (!source) {
        *replied = false;
        return false;
    }
    object *target = list_lookup(c, target_key, true, &wrong);
    if (wrong) return true;
    list_move_element(c, key_db(c), source, source_key, target, target_key, from_head, to_head);
    return true;
}

static void list_lmove_command(client *c) {
    bool from_head, to_head, replied;
    if (!list_parse_end(c, &c->argv[3], &from_head) || !list_parse_end(c, &c->argv[4], &to_head)) return;
    if (!list_move_generic(c, &c->argv[1], &c->argv[2], from_head, to_head, &replied)) reply_null(c);
}

static void list_rpoplpush_command(client *c) {
    bool replied;
    if (!list_move_generic(c, &c->argv[1], &c->argv[2], false, true, &replied)) reply_null(c);
}

/* ---------------------------------------------------------------- LMPOP */

/* Parses numkeys, the end and COUNT from argv[numkeys_index]. */
static bool list_parse_mpop(client *c, int numkeys_index, int *key_count, bool *head, long long *count) {
    long long numkeys;
    if (!list_parse_positive(c, &c->argv[numkeys_index], "ERR numkeys should be greater than 0", &numkeys))
        return false;
    if (numkeys >= c->argc - numkeys_index) {
        reply_syntax_error(c);
        return false;
    }
    int where = numkeys_index + (int)numkeys + 1;
    if (!list_parse_end(c, &c->argv[where], head)) return false;
    *count = -1;
    for (int j = where + 1; j < c->argc; j++) {
        if (*count == -1 && args_is(&c->argv[j], "count") && j + 1 < c->argc) {
            if (!list_parse_positive(c, &c->argv[++j], "ERR count should be greater than 0", count)) return false;
        } else {
            reply_syntax_error(c);
            return false;
        }
    }
    if (*count == -1) *count = 1;
    *key_count = (int)numkeys;
    return true;
}

/* Pops from the first non-empty key; false if every key was empty or
 * missing (nothing replied) and true after replying (data or WRONGTYPE). */
static bool list_mpop_first(client *c, const resp_argument *keys, int key_count, bool head, long long count) {
    for (int i = 0; i < key_count; i++) {
        bool wrong;
        object *o = list_lookup(c, &keys[i], true, &wrong);
        if (wrong) return true;
        if (!o) continue;
        /* Logged as [LR]POP key count (a blocking form was served at once). */
        list_propagate_pop(c->db_index, &keys[i], head, count, plist_length(list_value(o)));
        propagate_prevent(c);
        list_pop_range_with_key(c, key_db(c), o, &keys[i], head, count);
        return true;
    }
    return false;
}

static void list_lmpop_command(client *c) {
    int key_count;
    bool head;
    long long count;
    if (!list_parse_mpop(c, 1, &key_count, &head, &count)) return;
    if (!list_mpop_first(c, &c->argv[2], key_count, head, count)) reply_null_array(c);
}

/* ---------------------------------------------------------------- blocking */

/* Blocks c, or answers a null array when it may not block (MULTI). */
static void list_block(client *c, const resp_argument *keys, int key_count, long long timeout_ms, bool from_head,
                       bool to_head, long long count, const resp_argument *target) {
    if (!blocking_allowed(c)) {
        if (target) reply_null(c);
        else reply_null_array(c);
        return;
    }
    blocking_block(c, &list_blocking_type, keys, key_count, timeout_ms,
                   list_wait_create(from_head, to_head, count, target));
}

static void list_blocking_pop(client *c, bool head) {
    long long timeout;
    if (!blocking_parse_timeout(c, &c->argv[c->argc - 1], &timeout)) return;
    int key_count = c->argc - 2;
    for (int i = 1; i <= key_count; i++) {
        bool wrong;
        object *o = list_lookup(c, &c->argv[i], true, &wrong);
        if (wrong) return;
        if (!o) continue;
        plist_value v;
        list_peek(list_value(o), head, &v);
        reply_array_header(c, 2);
        reply_bulk(c, c->argv[i].data, c->argv[i].length);
        list_reply_value(c, &v);
        list_store(o, plist_pop(list_value(o), head, &list_limits));
        db *d = key_db(c);
        db_signal_modified(d, c->argv[i].data, c->argv[i].length);
        notify_keyspace_event(NOTIFY_LIST, head ? "lpop" : "rpop", d->index, c->argv[i].data, c->argv[i].length);
        server.stats.dirty++;
        propagate_rewrite(c, 2, (resp_argument[]){head ? PROPAGATE_ARG("LPOP") : PROPAGATE_ARG("RPOP"), c->argv[i]});
        list_delete_if_empty(d, o);
        return;
    }
    list_block(c, &c->argv[1], key_count, timeout, head, head, 0, NULL);
}

static void list_blpop_command(client *c) {
    list_blocking_pop(c, true);
}

static void list_brpop_command(client *c) {
    list_blocking_pop(c, false);
}

static void list_blocking_move(client *c, bool from_head, bool to_head, const resp_argument *timeout_argument) {
    long long timeout;
    if (!blocking_parse_timeout(c, timeout_argument, &timeout)) return;
    bool replied;
    if (list_move_generic(c, &c->argv[1], &c->argv[2], from_head, to_head, &replied)) {
        if (c->argc == 6)
            propagate_rewrite(c, 5, (resp_argument[]){PROPAGATE_ARG("LMOVE"), c->argv[1], c->argv[2], c->argv[3], c->argv[4]});
        else
            propagate_rewrite(c, 3, (resp_argument[]){PROPAGATE_ARG("RPOPLPUSH"), c->argv[1], c->argv[2]});
        return;
    }
    list_block(c, &c->argv[1], 1, timeout, from_head, to_head, 0, &c->argv[2]);
}

static void list_blmove_command(client *c) {
    bool from_head, to_head;
    if (!list_parse_end(c, &c->argv[3], &from_head) || !list_parse_end(c, &c->argv[4], &to_head)) return;
    list_blocking_move(c, from_head, to_head, &c->argv[5]);
}

static void list_brpoplpush_command(client *c) {
    list_blocking_move(c, false, true, &c->argv[3]);
}

static void list_blmpop_command(client *c) {
    long long timeout;
    if (!blocking_parse_timeout(c, &c->argv[1], &timeout)) return;
    int key_count;
    bool head;
    long long count;
    if (!list_parse_mpop(c, 2, &key_count, &head, &count)) return;
    if (list_mpop_first(c, &c->argv[3], key_count, head, count)) return;
    list_block(c, &c->argv[3], key_count, timeout, head, head, count, NULL);
}

/* ---------------------------------------------------------------- table */

/* The optional last arguments set key flags (Redis 7.0's key specs). */
#define LIST_SPEC(n, h, a, f, fk, lk, cat, s, since_version, cx, ...)                                         \
    {.name = n, .handler = h, .arity = a, .flags = f, .first_key = fk, .last_key = lk, .key_step = fk ? 1 : 0, \
     .categories = ACL_LIST | (cat), .group = "list", .summary = s, .since = since_version, .complexity = cx,   \
     __VA_ARGS__}
#define INSERTS .key_flags = KEY_RW | KEY_INSERT
#define POPS .key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE
#define MOVES .first_key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE, .key_flags = KEY_RW | KEY_INSERT

#define W COMMAND_WRITE
#define R COMMAND_READONLY
#define D COMMAND_DENYOOM
#define F COMMAND_FAST
#define B (COMMAND_BLOCKING | COMMAND_NOSCRIPT)

const command_spec list_commands[] = {
    LIST_SPEC("lpush", list_lpush_command, -3, W | D | F, 1, 1, ACL_WRITE | ACL_FAST,
              "Prepend one or multiple elements to a list", "1.0.0",
              "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", INSERTS),
    LIST_SPEC("rpush", list_rpush_command, -3, W | D | F, 1, 1, ACL_WRITE | ACL_FAST,
              "Append one or multiple elements to a list", "1.0.0",
              "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", INSERTS),
    LIST_SPEC("lpushx", list_lpushx_command, -3, W | D | F, 1, 1, ACL_WRITE | ACL_FAST,
              "Prepend an element to a list, only if the list exists", "2.2.0",
              "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", INSERTS),
    LIST_SPEC("rpushx", list_rpushx_command, -3, W | D | F, 1, 1, ACL_WRITE | ACL_FAST,
              "Append an element to a list, only if the list exists", "2.2.0",
              "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", INSERTS),
    LIST_SPEC("lpop", list_lpop_command, -2, W | F, 1, 1, ACL_WRITE | ACL_FAST,
              "Remove and get the first elements in a list", "1.0.0", "O(N) where N is the number of elements returned", POPS),
    LIST_SPEC("rpop", list_rpop_command, -2, W | F, 1, 1, ACL_WRITE | ACL_FAST,
              "Remove and get the last elements in a list", "1.0.0", "O(N) where N is the number of elements returned", POPS),
    LIST_SPEC("llen", list_llen_command, 2, R | F, 1, 1, ACL_READ | ACL_FAST, "Get the length of a list", "1.0.0",
              "O(1)", .key_flags = KEY_RO),
    LIST_SPEC("lindex", list_lindex_command, 3, R, 1, 1, ACL_READ | ACL_SLOW, "Get an element from a list by its index",
              "1.0.0",
              "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1)."),
    LIST_SPEC("lrange", list_lrange_command, 4, R, 1, 1, ACL_READ | ACL_SLOW, "Get a range of elements from a list",
              "1.0.0",
              "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range."),
    LIST_SPEC("lpos", list_lpos_command, -3, R, 1, 1, ACL_READ | ACL_SLOW, "Return the index of matching elements on a list",
              "6.0.6",
              "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time."),
    LIST_SPEC("lset", list_lset_command, 4, W | D, 1, 1, ACL_WRITE | ACL_SLOW, "Set the value of an element in a list by its index",
              "1.0.0",
              "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1)."),
    LIST_SPEC("linsert", list_linsert_command, 5, W | D, 1, 1, ACL_WRITE | ACL_SLOW,
              "Insert an element before or after another element in a list", "2.2.0",
              "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", INSERTS),
    LIST_SPEC("lrem", list_lrem_command, 4, W, 1, 1, ACL_WRITE | ACL_SLOW, "Remove elements from a list", "1.0.0",
              "O(N+M) where N is the length of the list and M is the number of elements removed.", .key_flags = KEY_RW | KEY_DELETE),
    LIST_SPEC("ltrim", list_ltrim_command, 4, W, 1, 1, ACL_WRITE | ACL_SLOW, "Trim a list to the specified range",
              "1.0.0", "O(N) where N is the number of elements to be removed by the operation.", .key_flags = KEY_RW | KEY_DELETE),
    LIST_SPEC("lmove", list_lmove_command, 5, W | D, 1, 2, ACL_WRITE | ACL_SLOW,
              "Pop an element from a list, push it to another list and return it", "6.2.0", "O(1)", MOVES),
    LIST_SPEC("rpoplpush", list_rpoplpush_command, 3, W | D, 1, 2, ACL_WRITE | ACL_SLOW,
              "Remove the last element in a list, prepend it to another list and return it", "1.2.0", "O(1)", MOVES),
    LIST_SPEC("lmpop", list_lmpop_command, -4, W | COMMAND_MOVABLE_KEYS, 0, 0, ACL_WRITE | ACL_SLOW,
              "Pop elements from a list", "7.0.0",
              "O(N+M) where N is the number of provided keys and M is the number of elements returned.", POPS, .key_count_at = 1),
    LIST_SPEC("blpop", list_blpop_command, -3, W | B, 1, -2, ACL_WRITE | ACL_SLOW | ACL_BLOCKING,
              "Remove and get the first element in a list, or block until one is available", "2.0.0",
              "O(N) where N is the number of provided keys.", POPS),
    LIST_SPEC("brpop", list_brpop_command, -3, W | B, 1, -2, ACL_WRITE | ACL_SLOW | ACL_BLOCKING,
              "Remove and get the last element in a list, or block until one is available", "2.0.0",
              "O(N) where N is the number of provided keys.", POPS),
    LIST_SPEC("blmove", list_blmove_command, 6, W | D | B, 1, 2, ACL_WRITE | ACL_SLOW | ACL_BLOCKING,
              "Pop an element from a list, push it to another list and return it; or block until one is available",
              "6.2.0", "O(1)", MOVES),
    LIST_SPEC("brpoplpush", list_brpoplpush_command, 4, W | D | B, 1, 2, ACL_WRITE | ACL_SLOW | ACL_BLOCKING,
              "Pop an element from a list, push it to another list and return it; or block until one is available",
              "2.2.0", "O(1)", MOVES),
    LIST_SPEC("blmpop", list_blmpop_command, -5, COMMAND_WRITE | COMMAND_BLOCKING | COMMAND_MOVABLE_KEYS, 0, 0,
              ACL_WRITE | ACL_SLOW | ACL_BLOCKING, "Pop elements from a list, or block until one is available",
              "7.0.0", "O(N+M) where N is the number of provided keys and M is the number of elements returned.", POPS, .key_count_at = 2),
    {0}};
