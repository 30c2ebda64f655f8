/* keyspace_commands: commands about keys rather than values (DEL, EXISTS,
 * TYPE, KEYS, SCAN, RANDOMKEY, RENAME, COPY, MOVE, DBSIZE, FLUSHDB,
 * FLUSHALL, SWAPDB, TOUCH, OBJECT), with Redis 7.0's replies and errors.
 *
 * KEYS walks the table with an iterator and writes matches straight into
 * the reply (the table is paused meanwhile, nothing else runs).  SCAN copies
 * the keys of the visited buckets first, because checking their expiry may
 * delete some, then filters them as Redis does: pattern, type, expiry.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "blocking.h"
#include "command.h"
#include "glob.h"
#include "keyspace.h"
#include "key_access.h"
#include "multi.h"
#include "notify.h"
#include "propagate.h"
#include "reply.h"
#include "scan_args.h"
#include "strbuf.h"
#include "zmalloc.h"

static const char *keyspace_type_name(const object *o) {
    if (o == NULL) return "none";
    switch (object_type(o)) {
    case OBJECT_STRING: return "string";
    case OBJECT_LIST: return "list";
    case OBJECT_SET: return "set";
    case OBJECT_ZSET: return "zset";
    case OBJECT_HASH: return "hash";
    case OBJECT_STREAM: return "stream";
    default: return "unknown";
    }
}

/* ---------------------------------------------------------------- DEL & co */

static void keyspace_delete_generic(client *c, bool async) {
    db *d = key_db(c);
    long long deleted = 0;
    for (int j = 1; j < c->argc; j++) {
        if (db_lookup_write(d, c->argv[j].data, c->argv[j].length) == NULL) continue;
        if (!db_delete(d, c->argv[j].data, c->argv[j].length, async)) continue;
        notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, c->argv[j].data, c->argv[j].length);
        deleted++;
    }
    server.stats.dirty += deleted;
    reply_integer(c, deleted);
}

static void keyspace_del_command(client *c) {
    keyspace_delete_generic(c, server.config.lazyfree_lazy_user_del);
}

static void keyspace_unlink_command(client *c) {
    keyspace_delete_generic(c, true);
}

/* EXISTS (no touch) and TOUCH (touch): count of existing keys, repeats
 * counted. */
static void keyspace_count_existing(client *c, int flags) {
    db *d = key_db(c);
    long long count = 0;
    for (int j = 1; j < c->argc; j++)
        if (db_lookup(d, c->argv[j].data, c->argv[j].length, flags) != NULL) count++;
    reply_integer(c, count);
}

static void keyspace_exists_command(client *c) {
    keyspace_count_existing(c, DB_LOOKUP_NOTOUCH);
}

static void keyspace_touch_command(client *c) {
    keyspace_count_existing(c, 0);
}

static void keyspace_type_command(client *c) {
    object *o = db_lookup(key_db(c), c->argv[1].data, c->argv[1].length, DB_LOOKUP_NOTOUCH);
    reply_simple(c, keyspace_type_name(o));
}

static void keyspace_dbsize_command(client *c) {
    reply_integer(c, db_size(key_db(c)));
}

/* ---------------------------------------------------------------- KEYS */

static void keyspace_keys_command(client *c) {
    db *d = key_db(c);
    const resp_argument *pattern = &c->argv[1];
    bool all = pattern->length == 1 && pattern->data[0] == '*';
    long long now = server_unix_time_ms(), count = 0;
    resp_deferred header = resp_write_deferred_header(c->reply);
    table_iterator it;
    table_iterator_init(&it, d->keys);
    void *entry;
    bool has_expire;
    while (table_iterator_next(&it, &entry, &has_expire)) {
        size_t length;
        const char *key = object_key(entry, &length);
        if (!all && !glob_match(pattern->data, pattern->length, key, length, 0)) continue;
        if (has_expire && db_object_expired(entry, now)) continue;
        reply_bulk(c, key, length);
        count++;
    }
    table_iterator_finish(&it);
    resp_set_deferred_array_length(c->reply, header, count);
}

/* ---------------------------------------------------------------- SCAN */

/* Keys copied out of the table by one SCAN call. */
typedef struct scan_keys {
    strbuf bytes;
    size_t *lengths;
    size_t count;
    size_t capacity;
} scan_keys;

static void keyspace_scan_collect(void *privdata, void *entry, bool has_expire) {
    (void)has_expire;
    scan_keys *keys = privdata;
    size_t length;
    const char *key = object_key(entry, &length);
    if (keys->count == keys->capacity) {
        keys->capacity = keys->capacity ? keys->capacity * 2 : 16;
        keys->lengths = zmalloc_realloc(keys->lengths, keys->capacity * sizeof *keys->lengths);
    }
    keys->lengths[keys->count++] = length;
    strbuf_append(&keys->bytes, key, length);
}

/* Pattern, then type, then expiry, as Redis filters. */
static bool keyspace_scan_keeps(db *d, const scan_args *options, const char *key, size_t length) {
    if (!scan_args_match(options, key, length)) return false;
    if (options->type != NULL) {
        object *o = db_lookup(d, key, length, DB_LOOKUP_NOTOUCH);
        if (!args_is(options->type, keyspace_type_name(o))) return false;
    }
    return db_lookup(d, key, length, DB_LOOKUP_NOTOUCH | DB_LOOKUP_NOSTATS) != NULL;
}

static void keyspace_scan_command(client *c) {
    scan_args options;
    if (!scan_args_parse_cursor(c, 1, &options) || !scan_args_parse_options(c, 2, true, &options)) return;
    unsigned long cursor = options.cursor;
    db *d = key_db(c);
    scan_keys keys = {STRBUF_INIT, NULL, 0, 0};
    long long iterations = options.count > LLONG_MAX / 10 ? LLONG_MAX : options.count * 10;
    do {
        cursor = table_scan(d->keys, cursor, keyspace_scan_collect, &keys);
    } while (cursor != 0 && iterations-- > 0 && keys.count < (size_t)options.count);

    char digits[24];
    int digits_length = snprintf(digits, sizeof digits, "%lu", cursor);
    reply_array_header(c, 2);
    reply_bulk(c, digits, (size_t)digits_length);
    resp_deferred header = resp_write_deferred_header(c->reply);
    long long kept = 0;
    size_t offset = 0;
    for (size_t i = 0; i < keys.count; i++) {
        const char *key = keys.bytes.data + offset;
        offset += keys.lengths[i];
        if (!keyspace_scan_keeps(d, &options, key, keys.lengths[i])) continue;
        reply_bulk(c, key, keys.lengths[i]);
        kept++;
    }
    resp_set_deferred_array_length(c->reply, header, kept);
    strbuf_free(&keys.bytes);
    zmalloc_free(keys.lengths);
}

/* ---------------------------------------------------------------- RANDOMKEY */

static void keyspace_randomkey_command(client *c) {
    db *d = key_db(c);
    long long now = server_unix_time_ms();
    for (;;) {
        object *o = table_random_entry(d->keys);
        if (o == NULL) {
            reply_null(c);
            return;
        }
        if (db_object_expired(o, now)) {
            db_delete_expired(d, o); /* each round removes a key: this ends */
            continue;
        }
        size_t length;
        const char *key = object_key(o, &length);
        reply_bulk(c, key, length);
        return;
    }
}

/* ---------------------------------------------------------------- RENAME */

static void keyspace_rename_generic(client *c, bool only_if_absent) {
    db *d = key_db(c);
    const resp_argument *source = &c->argv[1], *target = &c->argv[2];
    bool same = source->length == target->length && memcmp(source->data, target->data, source->length) == 0;
    if (db_lookup_write(d, source->data, source->length) == NULL) {
        reply_error(c, "ERR no such key");
        return;
    }
    if (same) {
        if (only_if_absent)
            reply_integer(c, 0);
        else
            reply_ok(c);
        return;
    }
    if (db_lookup_write(d, target->data, target->length) != NULL) {
        if (only_if_absent) {
            reply_integer(c, 0);
            return;
        }
        db_delete(d, target->data, target->length, false);
    }
    object *moved = db_take(d, source->data, source->length);
    db_add_keep_clock(d, object_rename(moved, target->data, target->length));
    notify_keyspace_event(NOTIFY_GENERIC, "rename_from", c->db_index, source->data, source->length);
    notify_keyspace_event(NOTIFY_GENERIC, "rename_to", c->db_index, target->data, target->length);
    server.stats.dirty++;
    if (only_if_absent)
        reply_integer(c, 1);
    else
        reply_ok(c);
}

static void keyspace_rename_command(client *c) {
    keyspace_rename_generic(c, false);
}

static void keyspace_renamenx_command(client *c) {
    keyspace_rename_generic(c, true);
}

/* ---------------------------------------------------------------- COPY, MOVE */

static void keyspace_copy_command(client *c) {
    int target_index = c->db_index;
    bool replace = false;
    for (int j = 3; j < c->argc; j++) {
        if (args_is(&c->argv[j], "replace")) {
            replace = true;
        } else if (args_is(&c->argv[j], "db") && j + 1 < c->argc) {
            if (!key_database_index(c, &c->argv[++j], &target_index)) return;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    const resp_argument *source = &c->argv[1], *target = &c->argv[2];
    if (target_index == c->db_index && source->length == target->length &&
        memcmp(source->data, target->data, source->length) == 0) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    db *from = key_db(c), *to = keyspace_db(target_index);
    object *o = db_lookup_read(from, source->data, source->length);
    if (o == NULL) {
        reply_integer(c, 0);
        return;
    }
    if (db_lookup_write(to, target->data, target->length) != NULL) {
        if (!replace) {
            reply_integer(c, 0);
            return;
        }
        db_delete(to, target->data, target->length, false);
    }
    db_add(to, object_duplicate(o, target->data, target->length, object_expire(o)));
    notify_keyspace_event(NOTIFY_GENERIC, "copy_to", target_index, target->data, target->length);
    server.stats.dirty++;
    reply_integer(c, 1);
}

static void keyspace_move_command(client *c) {
    int target_index;
    if (!key_database_index(c, &c->argv[2], &target_index)) return;
    if (target_index == c->db_index) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    const resp_argument *key = &c->argv[1];
    db *from = key_db(c), *to = keyspace_db(target_index);
    if (db_lookup_write(from, key->data, key->length) == NULL ||
        db_lookup_write(to, key->data, key->length) != NULL) {
        reply_integer(c, 0);
        return;
    }
    db_add_keep_clock(to, db_take(from, key->data, key->length));
    notify_keyspace_event(NOTIFY_GENERIC, "move_from", c->db_index, key->data, key->length);
    notify_keyspace_event(NOTIFY_GENERIC, "move_to", target_index, key->data, key->length);
    server.stats.dirty++;
    reply_integer(c, 1);
}

/* ---------------------------------------------------------------- FLUSH, SWAPDB */

/* [ASYNC|SYNC]; the default is lazyfree-lazy-user-flush.  Both free in the
 * background in zkv (the loop never stalls); the flag is still validated. */
static bool keyspace_flush_arguments(client *c) {
    if (c->argc > 2) {
        reply_syntax_error(c);
        return false;
    }
    if (c->argc == 2 && !args_is(&c->argv[1], "sync") &&
        !args_is(&c->argv[1], "async")) {
        reply_syntax_error(c);
        return false;
    }
    return true;
}

static void keyspace_flushdb_command(client *c) {
    if (!keyspace_flush_arguments(c)) return;
    multi_database_flushed(c->db_index);
    notify_keyspace_flushed(c->db_index);
    server.stats.dirty += db_empty(key_db(c));
    propagate_force(c); /* logged even when the database was empty, as Redis */
    reply_ok(c);
}

static void keyspace_flushall_command(client *c) {
    if (!keyspace_flush_arguments(c)) return;
    multi_database_flushed(-1);
    notify_keyspace_flushed(-1);
    server.stats.dirty += keyspace_flush_all() + 1;
    propagate_force(c);
    reply_ok(c);
}

/* SWAPDB's index parse: an int, else the given error. */
static bool keyspace_swap_index(client *c, const resp_argument *argument, const char *error, int *index) {
    long long value;
    if (!number_parse_integer(argument->data, argument->length, &value) || value < INT_MIN || value > INT_MAX) {
        reply_error(c, error);
        return false;
    }
    *index = (int)value;
    return true;
}

static void keyspace_swapdb_command(client *c) {
    int first, second;
    if (!keyspace_swap_index(c, &c->argv[1], "ERR invalid first DB index", &first) ||
        !keyspace_swap_index(c, &c->argv[2], "ERR invalid second DB index", &second))
        return;
    int count = keyspace_database_count();
    if (first < 0 || first >= count || second < 0 || second >= count) {
        reply_error(c, "ERR DB index is out of range");
        return;
    }
    if (first != second) {
        multi_databases_swapped(first, second); /* before: it compares both contents */
        db_swap(keyspace_db(first), keyspace_db(second));
        /* Clients blocked on keys of either database may now find data. */
        blocking_signal_database(first);
        blocking_signal_database(second);
    }
    server.stats.dirty++;
    reply_ok(c);
}

/* ---------------------------------------------------------------- OBJECT */

/* The key of OBJECT <sub> <key>, or NULL after replying null. */
static object *keyspace_object_lookup(client *c) {
    object *o = db_lookup(key_db(c), c->argv[2].data, c->argv[2].length, DB_LOOKUP_NOTOUCH);
    if (o == NULL) reply_null(c);
    return o;
}

static void keyspace_object_encoding_command(client *c) {
    object *o = keyspace_object_lookup(c);
    if (o != NULL) reply_bulk_cstring(c, object_encoding_name(o));
}

static void keyspace_object_freq_command(client *c) {
    object *o = keyspace_object_lookup(c);
    if (o == NULL) return;
    if (!db_lfu_enabled()) {
        reply_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                       "Please note that when switching between policies at runtime LRU and LFU data "
                       "will take some time to adjust.");
        return;
    }
    reply_integer(c, db_object_frequency(o));
}

static void keyspace_object_idletime_command(client *c) {
    object *o = keyspace_object_lookup(c);
    if (o == NULL) return;
    if (db_lfu_enabled()) {
        reply_error(c, "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
                       "that when switching between policies at runtime LRU and LFU data will take "
                       "some time to adjust.");
        return;
    }
    reply_integer(c, db_object_idle_ms(o) / 1000);
}

static void keyspace_object_refcount_command(client *c) {
    object *o = keyspace_object_lookup(c);
    if (o != NULL) reply_integer(c, db_object_refcount(o));
}

static void keyspace_object_help_command(client *c) {
    static const char *const lines[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        NULL};
    reply_help(c, "OBJECT", lines);
}

/* ---------------------------------------------------------------- specs */

static const command_spec keyspace_object_subcommands[] = {
    {.name = "encoding", .handler = keyspace_object_encoding_command, .arity = 3,
     .flags = COMMAND_READONLY, .first_key = 2, .last_key = 2, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .group = "generic",
     .summary = "Inspect the internal encoding of a Redis object",
     .since = "2.2.3", .complexity = "O(1)",
     .key_flags = KEY_RO,
     .tips = "nondeterministic_output"},
    {.name = "freq", .handler = keyspace_object_freq_command, .arity = 3,
     .flags = COMMAND_READONLY, .first_key = 2, .last_key = 2, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .group = "generic",
     .summary = "Get the logarithmic access frequency counter of a Redis object",
     .since = "4.0.0", .complexity = "O(1)",
     .key_flags = KEY_RO,
     .tips = "nondeterministic_output"},
    {.name = "idletime", .handler = keyspace_object_idletime_command, .arity = 3,
     .flags = COMMAND_READONLY, .first_key = 2, .last_key = 2, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .group = "generic",
     .summary = "Get the time since a Redis object was last accessed",
     .since = "2.2.3", .complexity = "O(1)",
     .key_flags = KEY_RO,
     .tips = "nondeterministic_output"},
    {.name = "refcount", .handler = keyspace_object_refcount_command, .arity = 3,
     .flags = COMMAND_READONLY, .first_key = 2, .last_key = 2, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .group = "generic",
     .summary = "Get the number of references to the value of the key",
     .since = "2.2.3", .complexity = "O(1)",
     .key_flags = KEY_RO,
     .tips = "nondeterministic_output"},
    {.name = "help", .handler = keyspace_object_help_command, .arity = 2,
     .flags = COMMAND_LOADING | COMMAND_STALE, .first_key = 0, .last_key = 0, .key_step = 0,
     .categories = ACL_KEYSPACE | ACL_SLOW, .group = "generic",
     .summary = "Show helpful text about the different subcommands",
     .since = "6.2.0", .complexity = "O(1)"},
    {0}};

const command_spec keyspace_commands[] = {
    {.name = "del", .handler = keyspace_del_command, .arity = -2,
     .flags = COMMAND_WRITE, .first_key = 1, .last_key = -1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW, .group = "generic",
     .summary = "Delete a key",
     .since = "1.0.0", .complexity = "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
     .key_flags = KEY_DELETE | KEY_RM,
     .tips = "request_policy:multi_shard response_policy:agg_sum"},
    {.name = "unlink", .handler = keyspace_unlink_command, .arity = -2,
     .flags = COMMAND_WRITE | COMMAND_FAST, .first_key = 1, .last_key = -1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .group = "generic",
     .summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
     .since = "4.0.0", .complexity = "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
     .key_flags = KEY_DELETE | KEY_RM,
     .tips = "request_policy:multi_shard response_policy:agg_sum"},
    {.name = "exists", .handler = keyspace_exists_command, .arity = -2,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = -1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_FAST, .group = "generic",
     .summary = "Determine if a key exists",
     .since = "1.0.0", .complexity = "O(N) where N is the number of keys to check.",
     .key_flags = KEY_RO,
     .tips = "request_policy:multi_shard response_policy:agg_sum"},
    {.name = "type", .handler = keyspace_type_command, .arity = 2,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_FAST, .group = "generic",
     .summary = "Determine the type stored at key",
     .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_RO},
    {.name = "keys", .handler = keyspace_keys_command, .arity = 2,
     .flags = COMMAND_READONLY, .first_key = 0, .last_key = 0, .key_step = 0,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_SLOW | ACL_DANGEROUS, .group = "generic",
     .summary = "Find all keys matching the given pattern",
     .since = "1.0.0", .complexity = "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
     .tips = "request_policy:all_shards nondeterministic_output_order"},
    {.name = "scan", .handler = keyspace_scan_command, .arity = -2,
     .flags = COMMAND_READONLY, .first_key = 0, .last_key = 0, .key_step = 0,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .group = "generic",
     .summary = "Incrementally iterate the keys space",
     .since = "2.8.0", .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
     .tips = "nondeterministic_output request_policy:special"},
    {.name = "randomkey", .handler = keyspace_randomkey_command, .arity = 1,
     .flags = COMMAND_READONLY, .first_key = 0, .last_key = 0, .key_step = 0,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .group = "generic",
     .summary = "Return a random key from the keyspace",
     .since = "1.0.0", .complexity = "O(1)",
     .tips = "request_policy:all_shards nondeterministic_output"},
    {.name = "rename", .handler = keyspace_rename_command, .arity = 3,
     .flags = COMMAND_WRITE, .first_key = 1, .last_key = 2, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW, .group = "generic",
     .summary = "Rename a key",
     .since = "1.0.0", .complexity = "O(1)",
     .first_key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE, .key_flags = KEY_OW | KEY_UPDATE},
    {.name = "renamenx", .handler = keyspace_renamenx_command, .arity = 3,
     .flags = COMMAND_WRITE | COMMAND_FAST, .first_key = 1, .last_key = 2, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .group = "generic",
     .summary = "Rename a key, only if the new key does not exist",
     .since = "1.0.0", .complexity = "O(1)",
     .first_key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE, .key_flags = KEY_OW | KEY_INSERT},
    {.name = "copy", .handler = keyspace_copy_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = 2, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW, .group = "generic",
     .summary = "Copy a key",
     .since = "6.2.0", .complexity = "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
     .first_key_flags = KEY_RO | KEY_ACCESS, .key_flags = KEY_OW | KEY_UPDATE},
    {.name = "move", .handler = keyspace_move_command, .arity = 3,
     .flags = COMMAND_WRITE | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .group = "generic",
     .summary = "Move a key to another database",
     .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RW | KEY_UPDATE},
    {.name = "dbsize", .handler = keyspace_dbsize_command, .arity = 1,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 0, .last_key = 0, .key_step = 0,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_FAST, .group = "server",
     .summary = "Return the number of keys in the selected database",
     .since = "1.0.0", .complexity = "O(1)",
     .tips = "request_policy:all_shards response_policy:agg_sum"},
    {.name = "flushdb", .handler = keyspace_flushdb_command, .arity = -1,
     .flags = COMMAND_WRITE, .first_key = 0, .last_key = 0, .key_step = 0,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .group = "server",
     .summary = "Remove all keys from the current database",
     .since = "1.0.0", .complexity = "O(N) where N is the number of keys in the selected database",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "flushall", .handler = keyspace_flushall_command, .arity = -1,
     .flags = COMMAND_WRITE, .first_key = 0, .last_key = 0, .key_step = 0,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .group = "server",
     .summary = "Remove all keys from all databases",
     .since = "1.0.0", .complexity = "O(N) where N is the total number of keys in all databases",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "swapdb", .handler = keyspace_swapdb_command, .arity = 3,
     .flags = COMMAND_WRITE | COMMAND_FAST, .first_key = 0, .last_key = 0, .key_step = 0,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_FAST | ACL_DANGEROUS, .group = "server",
     .summary = "Swaps two Redis databases",
     .since = "4.0.0", .complexity = "O(N) where N is the count of clients watching or blocking on keys from both databases."},
    {.name = "touch", .handler = keyspace_touch_command, .arity = -2,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = -1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_FAST, .group = "generic",
     .summary = "Alters the last access time of a key(s). Returns the number of existing keys specified.",
     .since = "3.2.1", .complexity = "O(N) where N is the number of keys that will be touched.",
     .key_flags = KEY_RO,
     .tips = "request_policy:multi_shard response_policy:agg_sum"},
    {.name = "object", .handler = NULL, .arity = -2,
     .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0,
     .categories = ACL_SLOW, .group = "generic",
     .summary = "A container for object introspection commands",
     .since = "2.2.3", .complexity = "Depends on subcommand.",
     .subcommands = keyspace_object_subcommands},
    {0}};
