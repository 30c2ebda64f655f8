/* set_commands: every set command of Redis 7.0.
 *
 * Handlers reach values through set_type.h and follow Redis's order of
 * checks.  Set algebra: SINTER walks the smallest set and probes the others
 * (O(N*M) as Redis); SUNION and SDIFF build their result as a set object
 * that SUNIONSTORE/SDIFFSTORE store and SUNION/SDIFF reply and free; the
 * STORE forms replace the destination (dropping its TTL) or delete it when
 * the result is empty.  An emptied key is deleted, as Redis does.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "hash.h"
#include "key_access.h"
#include "notify.h"
#include "reply.h"
#include "resp_writer.h"
#include "scan_args.h"
#include "set_type.h"
#include "strbuf.h"
#include "zmalloc.h"

static void set_reply_view(client *c, const elem_view *view) {
    char digits[ELEM_INTEGER_BUFFER];
    size_t length;
    const char *bytes = elem_view_string(view, digits, &length);
    reply_bulk(c, bytes, length);
}

static void set_reply_empty_set(client *c) {
    reply_set_header(c, 0);
}

static void set_reply_members(client *c, const object *o) {
    reply_set_header(c, (long long)set_type_size(o));
    set_type_iterator it;
    set_type_iterator_init(&it, o);
    elem_view member;
    while (set_type_iterator_next(&it, &member)) set_reply_view(c, &member);
}

/* ---------------------------------------------------------------- writes */

static void set_sadd_command(client *c) {
    object *o;
    if (!key_write_typed(c, &c->argv[1], OBJECT_SET, &o)) return;
    if (o == NULL) {
        o = set_type_create(c->argv[1].data, c->argv[1].length, c->argv[2].data, c->argv[2].length);
        db_add(key_db(c), o);
    }
    long long added = 0;
    for (int j = 2; j < c->argc; j++) added += set_type_add(o, c->argv[j].data, c->argv[j].length);
    if (added > 0) {
        key_modified(c, &c->argv[1], added);
        notify_keyspace_event(NOTIFY_SET, "sadd", c->db_index, c->argv[1].data, c->argv[1].length);
    }
    reply_integer(c, added);
}

static void set_srem_command(client *c) {
    object *o;
    if (!key_write_typed(c, &c->argv[1], OBJECT_SET, &o)) return;
    if (o == NULL) {
        reply_integer(c, 0);
        return;
    }
    long long removed = 0;
    bool emptied = false;
    for (int j = 2; j < c->argc; j++) {
        if (!set_type_remove(o, c->argv[j].data, c->argv[j].length)) continue;
        removed++;
        if (set_type_size(o) == 0) {
            db_delete(key_db(c), c->argv[1].data, c->argv[1].length, false);
            emptied = true;
            break;
        }
    }
    if (removed > 0) {
        key_modified(c, &c->argv[1], removed);
        notify_keyspace_event(NOTIFY_SET, "srem", c->db_index, c->argv[1].data, c->argv[1].length);
        if (emptied) notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, c->argv[1].data, c->argv[1].length);
    }
    reply_integer(c, removed);
}

static void set_smove_command(client *c) {
    db *d = key_db(c);
    const resp_argument *source = &c->argv[1], *target = &c->argv[2], *member = &c->argv[3];
    object *from = db_lookup_write(d, source->data, source->length);
    object *to = db_lookup_write(d, target->data, target->length);
    if (from == NULL) {
        reply_integer(c, 0);
        return;
    }
    if (!key_check_type(c, from, OBJECT_SET) || !key_check_type(c, to, OBJECT_SET)) return;
    if (from == to) {
        reply_integer(c, set_type_contains(from, member->data, member->length));
        return;
    }
    if (!set_type_remove(from, member->data, member->length)) {
        reply_integer(c, 0);
        return;
    }
    notify_keyspace_event(NOTIFY_SET, "srem", d->index, source->data, source->length);
    if (set_type_size(from) == 0) {
        db_delete(d, source->data, source->length, false);
        notify_keyspace_event(NOTIFY_GENERIC, "del", d->index, source->data, source->length);
    }
    key_modified(c, source, 1);
    /* The deletion above may have changed the table: look the target up again. */
    to = db_lookup(d, target->data, target->length, DB_LOOKUP_WRITE | DB_LOOKUP_NOTOUCH);
    if (to == NULL) {
        to = set_type_create(target->data, target->length, member->data, member->length);
        db_add(d, to);
    }
    /* The target changed only if the member was new there (as Redis: a
     * client watching it keeps its transaction otherwise). */
    if (set_type_add(to, member->data, member->length)) {
        key_modified(c, target, 1);
        notify_keyspace_event(NOTIFY_SET, "sadd", d->index, target->data, target->length);
    }
    reply_integer(c, 1);
}

/* ---------------------------------------------------------------- reads */

static void set_sismember_command(client *c) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_SET, &o)) return;
    reply_integer(c, o != NULL && set_type_contains(o, c->argv[2].data, c->argv[2].length));
}

static void set_smismember_command(client *c) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_SET, &o)) return;
    reply_array_header(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++)
        reply_integer(c, o != NULL && set_type_contains(o, c->argv[j].data, c->argv[j].length));
}

static void set_scard_command(client *c) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_SET, &o)) return;
    reply_integer(c, o == NULL ? 0 : (long long)set_type_size(o));
}

/* ---------------------------------------------------------------- random */

/* SRANDMEMBER's and HRANDFIELD's count: a long in [-LONG_MAX, LONG_MAX]. */
static bool set_random_count(client *c, long long *count) {
    if (!args_integer_or_reply(c, &c->argv[2], count)) return false;
    if (*count >= -LLONG_MAX) return true;
    reply_error(c, "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
    return false;
}

/* Every member's view, zmalloc'd for the caller to free; valid while the
 * set is not written. */
static size_t set_collect(const object *o, elem_view **members) {
    size_t size = set_type_size(o), count = 0;
    *members = zmalloc_alloc(size * sizeof **members);
    set_type_iterator it;
    set_type_iterator_init(&it, o);
    while (count < size && set_type_iterator_next(&it, &(*members)[count])) count++;
    return count;
}

static size_t set_random_index(size_t size) {
    return (size_t)(((unsigned long long)random() << 31 | (unsigned long long)random()) % size);
}

static void set_srandmember_with_count(client *c) {
    long long count;
    if (!set_random_count(c, &count)) return;
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_SET, &o)) return;
    if (o == NULL || count == 0) {
        reply_array_header(c, 0);
        return;
    }
    size_t size = set_type_size(o);
    elem_view member;
    set_type_position position;
    if (count < 0) {
        reply_array_header(c, -count);
        for (long long i = 0; i < -count; i++) {
            set_type_random(o, &member, &position);
            set_reply_view(c, &member);
        }
        return;
    }
    reply_array_header(c, (unsigned long long)count >= size ? (long long)size : count);
    if ((unsigned long long)count >= size) {
        set_type_iterator it;
        set_type_iterator_init(&it, o);
        while (set_type_iterator_next(&it, &member)) set_reply_view(c, &member);
        return;
    }
    /* Most of the set: shuffle an index of it; a sparse pick: draw at
     * random and skip the members already sent. */
    if ((size_t)count * 3 > size || set_type_is_intset(o)) {
        elem_view *members;
        size = set_collect(o, &members);
        for (size_t i = 0; i < (size_t)count; i++) {
            size_t j = i + set_random_index(size - i);
            member = members[j];
            members[j] = members[i];
            set_reply_view(c, &member);
        }
        zmalloc_free(members);
        return;
    }
    lhash *sent = lhash_create(hash_bytes, false);
    while (lhash_count(sent) < (size_t)count) {
        set_type_random(o, &member, &position);
        char digits[ELEM_INTEGER_BUFFER];
        size_t length;
        const char *bytes = elem_view_string(&member, digits, &length);
        if (lhash_set(sent, bytes, length, NULL, 0)) reply_bulk(c, bytes, length);
    }
    lhash_free(sent);
}

static void set_srandmember_command(client *c) {
    if (c->argc == 3) {
        set_srandmember_with_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_SET, &o)) return;
    if (o == NULL) {
        reply_null(c);
        return;
    }
    elem_view member;
    set_type_position position;
    set_type_random(o, &member, &position);
    set_reply_view(c, &member);
}

/* Pops `count` random members (fewer than the set holds), replying each
 * before it is removed. */
static void set_pop_some(client *c, object *o, size_t count) {
    for (size_t i = 0; i < count; i++) {
        elem_view member;
        set_type_position position;
        set_type_random(o, &member, &position);
        set_reply_view(c, &member);
        set_type_remove_at(o, &position);
    }
}

static void set_spop_command(client *c) {
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    long long count = 1;
    bool with_count = c->argc == 3;
    if (with_count) {
        /* Redis gives one message for both failures. */
        if (!args_integer(&c->argv[2], &count) || count < 0) {
            reply_error(c, "ERR value is out of range, must be positive");
            return;
        }
    }
    object *o;
    if (!key_write_typed(c, &c->argv[1], OBJECT_SET, &o)) return;
    if (o == NULL || count == 0) {
        if (with_count)
            set_reply_empty_set(c);
        else
            reply_null(c);
        return;
    }
    size_t size = set_type_size(o);
    notify_keyspace_event(NOTIFY_SET, "spop", c->db_index, c->argv[1].data, c->argv[1].length);
    if ((unsigned long long)count >= size) {
        if (with_count)
            set_reply_members(c, o);
        else
            set_pop_some(c, o, 1);
        db_delete(key_db(c), c->argv[1].data, c->argv[1].length, false);
        notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, c->argv[1].data, c->argv[1].length);
        key_modified(c, &c->argv[1], (long long)size);
        return;
    }
    if (with_count) reply_set_header(c, count);
    set_pop_some(c, o, (size_t)count);
    key_modified(c, &c->argv[1], count);
}

/* ---------------------------------------------------------------- algebra */

/* The sets named by `count` keys from argv[first]: NULL for a missing key.
 * False after a WRONGTYPE reply (any key of another type wins, as in
 * Redis 7.0, before a missing key short-cuts).  *missing counts the NULLs. */
static bool set_lookup_all(client *c, int first, int count, bool for_write, object **sets, int *missing) {
    *missing = 0;
    for (int j = 0; j < count; j++) {
        const resp_argument *key = &c->argv[first + j];
        object *o;
        bool ok = for_write ? key_write_typed(c, key, OBJECT_SET, &o) : key_read_typed(c, key, OBJECT_SET, &o);
        if (!ok) return false;
        sets[j] = o;
        if (o == NULL) (*missing)++;
    }
    return true;
}

static int set_compare_size(const void *a, const void *b) {
    size_t first = set_type_size(*(object *const *)a), second = set_type_size(*(object *const *)b);
    return first < second ? -1 : first > second;
}

/* Deletes the *STORE target when the result is empty: "del" only when a
 * key was there. */
static void set_store_empty(client *c, const resp_argument *key) {
    if (!db_delete(key_db(c), key->data, key->length, false)) return;
    server.stats.dirty++;
    notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, key->data, key->length);
}

/* Stores `result` under `key` (replacing any value and TTL) and publishes
 * `event` or, when it is empty, frees it and deletes the key; replies the
 * result's size. */
static void set_store_result(client *c, const resp_argument *key, object *result, const char *event) {
    db *d = key_db(c);
    size_t size = set_type_size(result);
    if (size > 0) {
        db_set(d, result);
        server.stats.dirty++;
        notify_keyspace_event(NOTIFY_SET, event, c->db_index, key->data, key->length);
    } else {
        object_free(result);
        set_store_empty(c, key);
    }
    reply_integer(c, (long long)size);
}

enum set_inter_mode { SET_INTER_REPLY, SET_INTER_STORE, SET_INTER_CARD };

/* SINTER, SINTERSTORE (target not NULL), SINTERCARD (limit, 0: none). */
static void set_inter_generic(client *c, int first, int count, const resp_argument *target,
                              enum set_inter_mode mode, long long limit) {
    object **sets = zmalloc_alloc((size_t)count * sizeof *sets);
    int missing;
    if (!set_lookup_all(c, first, count, mode == SET_INTER_STORE, sets, &missing)) {
        zmalloc_free(sets);
        return;
    }
    if (missing > 0) {
        zmalloc_free(sets);
        if (mode == SET_INTER_STORE) {
            set_store_empty(c, target);
            reply_integer(c, 0);
        } else if (mode == SET_INTER_CARD) {
            reply_integer(c, 0);
        } else {
            set_reply_empty_set(c);
        }
        return;
    }
    qsort(sets, (size_t)count, sizeof *sets, set_compare_size);
    object *result = mode == SET_INTER_STORE ? set_type_create(target->data, target->length, NULL, 0) : NULL;
    resp_deferred header = {0};
    if (mode == SET_INTER_REPLY) header = resp_write_deferred_header(c->reply);
    long long found = 0;
    set_type_iterator it;
    set_type_iterator_init(&it, sets[0]);
    elem_view member;
    while (set_type_iterator_next(&it, &member)) {
        char digits[ELEM_INTEGER_BUFFER];
        size_t length;
        const char *bytes = elem_view_string(&member, digits, &length);
        int j = 1;
        while (j < count && (sets[j] == sets[0] || set_type_contains(sets[j], bytes, length))) j++;
        if (j < count) continue;
        found++;
        if (mode == SET_INTER_REPLY)
            reply_bulk(c, bytes, length);
        else if (mode == SET_INTER_STORE)
            set_type_add(result, bytes, length);
        else if (limit > 0 && found >= limit)
            break;
    }
    zmalloc_free(sets);
    if (mode == SET_INTER_REPLY)
        resp_set_deferred_set_length(c->reply, header, found);
    else if (mode == SET_INTER_CARD)
        reply_integer(c, found);
    else
        set_store_result(c, target, result, "sinterstore");
}

static void set_sinter_command(client *c) {
    set_inter_generic(c, 1, c->argc - 1, NULL, SET_INTER_REPLY, 0);
}

static void set_smembers_command(client *c) {
    set_inter_generic(c, 1, 1, NULL, SET_INTER_REPLY, 0);
}

static void set_sinterstore_command(client *c) {
    set_inter_generic(c, 2, c->argc - 2, &c->argv[1], SET_INTER_STORE, 0);
}

/* A long in [minimum, LONG_MAX], else `message` (Redis's
 * getRangeLongFromObjectOrReply with a message: used for both failures). */
static bool set_ranged_long(client *c, const resp_argument *argument, long long minimum, const char *message,
                            long long *value) {
    if (args_integer(argument, value) && *value >= minimum) return true;
    reply_error(c, message);
    return false;
}

static void set_sintercard_command(client *c) {
    long long keys, limit = 0;
    if (!set_ranged_long(c, &c->argv[1], 1, "ERR numkeys should be greater than 0", &keys)) return;
    if (keys > c->argc - 2) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (int j = 2 + (int)keys; j < c->argc; j++) {
        if (args_is(&c->argv[j], "limit") && j + 1 < c->argc) {
            if (!set_ranged_long(c, &c->argv[++j], 0, "ERR LIMIT can't be negative", &limit)) return;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    set_inter_generic(c, 2, (int)keys, NULL, SET_INTER_CARD, limit);
}

enum set_operation { SET_UNION, SET_DIFF };

/* SUNION, SDIFF and their STORE forms (target not NULL). */
static void set_union_diff_generic(client *c, int first, int count, const resp_argument *target,
                                   enum set_operation operation) {
    object **sets = zmalloc_alloc((size_t)count * sizeof *sets);
    int missing;
    if (!set_lookup_all(c, first, count, target != NULL, sets, &missing)) {
        zmalloc_free(sets);
        return;
    }
    object *result = target != NULL ? set_type_create(target->data, target->length, NULL, 0)
                                    : set_type_create("", 0, NULL, 0);
    for (int j = 0; j < count; j++) {
        if (sets[j] == NULL) continue;
        if (operation == SET_DIFF && j > 0) break;
        set_type_iterator it;
        set_type_iterator_init(&it, sets[j]);
        elem_view member;
        while (set_type_iterator_next(&it, &member)) {
            char digits[ELEM_INTEGER_BUFFER];
            size_t length;
            const char *bytes = elem_view_string(&member, digits, &length);
            int k = 1;
            if (operation == SET_DIFF)
                while (k < count && (sets[k] == NULL || !set_type_contains(sets[k], bytes, length))) k++;
            if (operation == SET_UNION || k == count) set_type_add(result, bytes, length);
        }
    }
    zmalloc_free(sets);
    if (target != NULL) {
        set_store_result(c, target, result, operation == SET_UNION ? "sunionstore" : "sdiffstore");
        return;
    }
    set_reply_members(c, result);
    object_free(result);
}

static void set_sunion_command(client *c) {
    set_union_diff_generic(c, 1, c->argc - 1, NULL, SET_UNION);
}

static void set_sunionstore_command(client *c) {
    set_union_diff_generic(c, 2, c->argc - 2, &c->argv[1], SET_UNION);
}

static void set_sdiff_command(client *c) {
    set_union_diff_generic(c, 1, c->argc - 1, NULL, SET_DIFF);
}

static void set_sdiffstore_command(client *c) {
    set_union_diff_generic(c, 2, c->argc - 2, &c->argv[1], SET_DIFF);
}

/* ---------------------------------------------------------------- SSCAN */

static void set_sscan_command(client *c) {
    scan_args args;
    if (!scan_args_parse_cursor(c, 2, &args)) return;
    object *o = key_read(c, &c->argv[1]);
    if (o == NULL) {
        scan_args_reply_empty(c);
        return;
    }
    if (!key_check_type(c, o, OBJECT_SET) || !scan_args_parse_options(c, 3, false, &args)) return;
    scan_batch batch;
    scan_batch_init(&batch, &args);
    unsigned long cursor = 0;
    if (!set_type_is_intset(o)) {
        long long iterations = args.count * 10;
        cursor = args.cursor;
        do {
            cursor = lhash_scan(object_pointer(o), cursor, scan_batch_collect, &batch);
        } while (cursor != 0 && --iterations > 0 && batch.count < (size_t)args.count);
    } else {
        set_type_iterator it;
        set_type_iterator_init(&it, o);
        elem_view member;
        while (set_type_iterator_next(&it, &member)) scan_batch_collect(&batch, &member, NULL);
    }
    scan_batch_reply(c, &batch, cursor);
}

/* ---------------------------------------------------------------- specs */

#define SET_ACL_WRITE (ACL_WRITE | ACL_SET)
#define SET_ACL_READ (ACL_READ | ACL_SET)

const command_spec set_commands[] = {
    {.name = "sadd", .handler = set_sadd_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = SET_ACL_WRITE | ACL_FAST, .group = "set", .summary = "Add one or more members to a set",
     .since = "1.0.0", .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
     .key_flags = KEY_RW | KEY_INSERT},
    {.name = "srem", .handler = set_srem_command, .arity = -3, .flags = COMMAND_WRITE | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = SET_ACL_WRITE | ACL_FAST, .group = "set",
     .summary = "Remove one or more members from a set", .since = "1.0.0",
     .complexity = "O(N) where N is the number of members to be removed.", .key_flags = KEY_RW | KEY_DELETE},
    {.name = "smove", .handler = set_smove_command, .arity = 4, .flags = COMMAND_WRITE | COMMAND_FAST,
     .first_key = 1, .last_key = 2, .key_step = 1, .categories = SET_ACL_WRITE | ACL_FAST, .group = "set",
     .summary = "Move a member from one set to another", .since = "1.0.0", .complexity = "O(1)",
     .first_key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE, .key_flags = KEY_RW | KEY_INSERT},
    {.name = "sismember", .handler = set_sismember_command, .arity = 3,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = SET_ACL_READ | ACL_FAST, .group = "set",
     .summary = "Determine if a given value is a member of a set", .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_RO},
    {.name = "smismember", .handler = set_smismember_command, .arity = -3,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = SET_ACL_READ | ACL_FAST, .group = "set",
     .summary = "Returns the membership associated with the given elements for a set", .since = "6.2.0",
     .complexity = "O(N) where N is the number of elements being checked for membership"},
    {.name = "scard", .handler = set_scard_command, .arity = 2, .flags = COMMAND_READONLY | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = SET_ACL_READ | ACL_FAST, .group = "set",
     .summary = "Get the number of members in a set", .since = "1.0.0", .complexity = "O(1)", .key_flags = KEY_RO},
    {.name = "smembers", .handler = set_smembers_command, .arity = 2, .flags = COMMAND_READONLY,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = SET_ACL_READ | ACL_SLOW, .group = "set",
     .summary = "Get all the members in a set", .since = "1.0.0",
     .complexity = "O(N) where N is the set cardinality.", .tips = "nondeterministic_output_order"},
    {.name = "spop", .handler = set_spop_command, .arity = -2, .flags = COMMAND_WRITE | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = SET_ACL_WRITE | ACL_FAST, .group = "set",
     .summary = "Remove and return one or multiple random members from a set", .since = "1.0.0",
     .complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
     .key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE, .tips = "nondeterministic_output"},
    {.name = "srandmember", .handler = set_srandmember_command, .arity = -2, .flags = COMMAND_READONLY,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = SET_ACL_READ | ACL_SLOW, .group = "set",
     .summary = "Get one or multiple random members from a set", .since = "1.0.0",
     .complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
     .tips = "nondeterministic_output"},
    {.name = "sinter", .handler = set_sinter_command, .arity = -2, .flags = COMMAND_READONLY,
     .first_key = 1, .last_key = -1, .key_step = 1, .categories = SET_ACL_READ | ACL_SLOW, .group = "set",
     .summary = "Intersect multiple sets", .since = "1.0.0",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
     .tips = "nondeterministic_output_order"},
    {.name = "sintercard", .handler = set_sintercard_command, .arity = -3,
     .flags = COMMAND_READONLY | COMMAND_MOVABLE_KEYS, .first_key = 0, .last_key = 0, .key_step = 0,
     .categories = SET_ACL_READ | ACL_SLOW, .group = "set",
     .summary = "Intersect multiple sets and return the cardinality of the result", .since = "7.0.0",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
     .key_flags = KEY_RO | KEY_ACCESS, .key_count_at = 1},
    {.name = "sinterstore", .handler = set_sinterstore_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = -1, .key_step = 1,
     .categories = SET_ACL_WRITE | ACL_SLOW, .group = "set",
     .summary = "Intersect multiple sets and store the resulting set in a key", .since = "1.0.0",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
     .first_key_flags = KEY_RW | KEY_UPDATE, .key_flags = KEY_RO | KEY_ACCESS},
    {.name = "sunion", .handler = set_sunion_command, .arity = -2, .flags = COMMAND_READONLY,
     .first_key = 1, .last_key = -1, .key_step = 1, .categories = SET_ACL_READ | ACL_SLOW, .group = "set",
     .summary = "Add multiple sets", .since = "1.0.0",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .tips = "nondeterministic_output_order"},
    {.name = "sunionstore", .handler = set_sunionstore_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = -1, .key_step = 1,
     .categories = SET_ACL_WRITE | ACL_SLOW, .group = "set",
     .summary = "Add multiple sets and store the resulting set in a key", .since = "1.0.0",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .first_key_flags = KEY_OW | KEY_UPDATE, .key_flags = KEY_RO | KEY_ACCESS},
    {.name = "sdiff", .handler = set_sdiff_command, .arity = -2, .flags = COMMAND_READONLY,
     .first_key = 1, .last_key = -1, .key_step = 1, .categories = SET_ACL_READ | ACL_SLOW, .group = "set",
     .summary = "Subtract multiple sets", .since = "1.0.0",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .tips = "nondeterministic_output_order"},
    {.name = "sdiffstore", .handler = set_sdiffstore_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = -1, .key_step = 1,
     .categories = SET_ACL_WRITE | ACL_SLOW, .group = "set",
     .summary = "Subtract multiple sets and store the resulting set in a key", .since = "1.0.0",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .first_key_flags = KEY_OW | KEY_UPDATE, .key_flags = KEY_RO | KEY_ACCESS},
    {.name = "sscan", .handler = set_sscan_command, .arity = -3, .flags = COMMAND_READONLY, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = SET_ACL_READ | ACL_SLOW, .group = "set",
     .summary = "Incrementally iterate Set elements", .since = "2.0.0",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
     .tips = "nondeterministic_output"},
    {0}};
