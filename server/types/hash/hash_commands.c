/* hash_commands: every hash command of Redis 7.0.
 *
 * Handlers reach the value only through hash_type.h, so none of them knows
 * the encodings; they follow Redis's order of checks (arity, argument
 * parsing, then the key) so the same bad input gets the same error.  A key
 * emptied by HDEL is deleted, as Redis does; HSET-like writes create it.
 * Random picks (HRANDFIELD) use libc's random(), as Redis.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "hash.h"
#include "hash_type.h"
#include "key_access.h"
#include "notify.h"
#include "reply.h"
#include "resp_writer.h"
#include "scan_args.h"
#include "strbuf.h"
#include "zmalloc.h"

static void hash_reply_view(client *c, const elem_view *view) {
    char digits[ELEM_INTEGER_BUFFER];
    size_t length;
    const char *bytes = elem_view_string(view, digits, &length);
    reply_bulk(c, bytes, length);
}

/* The hash at argv[1] for a write, created empty when missing; NULL after
 * a WRONGTYPE reply. */
static object *hash_for_write(client *c) {
    object *o;
    if (!key_write_typed(c, &c->argv[1], OBJECT_HASH, &o)) return NULL;
    if (o == NULL) o = hash_type_create(key_db(c), c->argv[1].data, c->argv[1].length);
    return o;
}

/* ---------------------------------------------------------------- writes */

/* HSET and HMSET: pairs from argv[2]; returns the fields added, -1 after an
 * error reply. */
static long long hash_set_pairs(client *c) {
    if (c->argc % 2 == 1) {
        reply_arity_error(c);
        return -1;
    }
    object *o = hash_for_write(c);
    if (o == NULL) return -1;
    db *d = key_db(c);
    hash_type_try_conversion(d, &o, &c->argv[2], c->argc - 2);
    long long added = 0;
    for (int j = 2; j < c->argc; j += 2)
        added += hash_type_set(d, &o, c->argv[j].data, c->argv[j].length, c->argv[j + 1].data,
                               c->argv[j + 1].length);
    key_modified(c, &c->argv[1], (c->argc - 2) / 2);
    notify_keyspace_event(NOTIFY_HASH, "hset", c->db_index, c->argv[1].data, c->argv[1].length);
    return added;
}

static void hash_hset_command(client *c) {
    long long added = hash_set_pairs(c);
    if (added >= 0) reply_integer(c, added);
}

static void hash_hmset_command(client *c) {
    if (hash_set_pairs(c) >= 0) reply_ok(c);
}

static void hash_hsetnx_command(client *c) {
    object *o = hash_for_write(c);
    if (o == NULL) return;
    db *d = key_db(c);
    /* Redis converts on a long argument even when the field exists. */
    hash_type_try_conversion(d, &o, &c->argv[2], 2);
    elem_view ignored;
    if (hash_type_get(o, c->argv[2].data, c->argv[2].length, &ignored)) {
        reply_integer(c, 0);
        return;
    }
    hash_type_set(d, &o, c->argv[2].data, c->argv[2].length, c->argv[3].data, c->argv[3].length);
    key_modified(c, &c->argv[1], 1);
    notify_keyspace_event(NOTIFY_HASH, "hset", c->db_index, c->argv[1].data, c->argv[1].length);
    reply_integer(c, 1);
}

static void hash_hdel_command(client *c) {
    object *o;
    if (!key_write_typed(c, &c->argv[1], OBJECT_HASH, &o)) return;
    if (o == NULL) {
        reply_integer(c, 0);
        return;
    }
    db *d = key_db(c);
    long long deleted = 0;
    bool emptied = false;
    for (int j = 2; j < c->argc; j++) {
        if (!hash_type_delete(d, &o, c->argv[j].data, c->argv[j].length)) continue;
        deleted++;
        if (hash_type_length(o) == 0) {
            emptied = true;
            break;
        }
    }
    if (emptied)
        db_delete(d, c->argv[1].data, c->argv[1].length, false);
    if (deleted > 0) {
        key_modified(c, &c->argv[1], deleted);
        notify_keyspace_event(NOTIFY_HASH, "hdel", c->db_index, c->argv[1].data, c->argv[1].length);
        if (emptied) notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, c->argv[1].data, c->argv[1].length);
    }
    reply_integer(c, deleted);
}

static void hash_hincrby_command(client *c) {
    long long increment, value = 0;
    if (!args_integer_or_reply(c, &c->argv[3], &increment)) return;
    object *o = hash_for_write(c);
    if (o == NULL) return;
    elem_view current;
    if (hash_type_get(o, c->argv[2].data, c->argv[2].length, &current)) {
        if (current.bytes == NULL)
            value = current.integer;
        else if (!number_parse_integer(current.bytes, current.length, &value)) {
            reply_error(c, "ERR hash value is not an integer");
            return;
        }
    }
    if ((increment < 0 && value < 0 && increment < LLONG_MIN - value) ||
        (increment > 0 && value > 0 && increment > LLONG_MAX - value)) {
        reply_error(c, "ERR increment or decrement would overflow");
        return;
    }
    value += increment;
    char digits[NUMBER_INTEGER_BUFFER];
    size_t length = number_format_integer(value, digits);
    hash_type_set(key_db(c), &o, c->argv[2].data, c->argv[2].length, digits, length);
    key_modified(c, &c->argv[1], 1);
    notify_keyspace_event(NOTIFY_HASH, "hincrby", c->db_index, c->argv[1].data, c->argv[1].length);
    reply_integer(c, value);
}

static void hash_hincrbyfloat_command(client *c) {
    long double increment, value = 0;
    if (!number_parse_long_double(c->argv[3].data, c->argv[3].length, &increment)) {
        reply_not_float(c);
        return;
    }
    if (isnan(increment) || isinf(increment)) {
        reply_error(c, "ERR value is NaN or Infinity");
        return;
    }
    object *o = hash_for_write(c);
    if (o == NULL) return;
    elem_view current;
    if (hash_type_get(o, c->argv[2].data, c->argv[2].length, &current)) {
        if (current.bytes == NULL)
            value = (long double)current.integer;
        else if (!number_parse_long_double(current.bytes, current.length, &value)) {
            reply_error(c, "ERR hash value is not a float");
            return;
        }
    }
    value += increment;
    if (isnan(value) || isinf(value)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char text[NUMBER_LONG_DOUBLE_BUFFER];
    size_t length = number_format_long_double(value, text, sizeof text);
    hash_type_set(key_db(c), &o, c->argv[2].data, c->argv[2].length, text, length);
    key_modified(c, &c->argv[1], 1);
    notify_keyspace_event(NOTIFY_HASH, "hincrbyfloat", c->db_index, c->argv[1].data, c->argv[1].length);
    reply_bulk(c, text, length);
}

/* ---------------------------------------------------------------- reads */

static void hash_hget_command(client *c) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_HASH, &o)) return;
    elem_view value;
    if (o == NULL || !hash_type_get(o, c->argv[2].data, c->argv[2].length, &value))
        reply_null(c);
    else
        hash_reply_view(c, &value);
}

static void hash_hmget_command(client *c) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_HASH, &o)) return;
    reply_array_header(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        elem_view value;
        if (o == NULL || !hash_type_get(o, c->argv[j].data, c->argv[j].length, &value))
            reply_null(c);
        else
            hash_reply_view(c, &value);
    }
}

static void hash_hlen_command(client *c) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_HASH, &o)) return;
    reply_integer(c, o == NULL ? 0 : (long long)hash_type_length(o));
}

static void hash_hstrlen_command(client *c) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_HASH, &o)) return;
    elem_view value;
    if (o == NULL || !hash_type_get(o, c->argv[2].data, c->argv[2].length, &value)) {
        reply_integer(c, 0);
        return;
    }
    char digits[ELEM_INTEGER_BUFFER];
    size_t length;
    elem_view_string(&value, digits, &length);
    reply_integer(c, (long long)length);
}

static void hash_hexists_command(client *c) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_HASH, &o)) return;
    elem_view value;
    reply_integer(c, o != NULL && hash_type_get(o, c->argv[2].data, c->argv[2].length, &value));
}

enum hash_part { HASH_FIELDS = 1, HASH_VALUES = 2 };

/* HKEYS, HVALS, HGETALL: the whole hash, a map when both parts are asked. */
static void hash_reply_all(client *c, int parts) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_HASH, &o)) return;
    long long length = o == NULL ? 0 : (long long)hash_type_length(o);
    if (parts == (HASH_FIELDS | HASH_VALUES))
        reply_map_header(c, length);
    else
        reply_array_header(c, length);
    if (o == NULL) return;
    hash_type_iterator it;
    hash_type_iterator_init(&it, o);
    elem_view field, value;
    while (hash_type_iterator_next(&it, &field, &value)) {
        if (parts & HASH_FIELDS) hash_reply_view(c, &field);
        if (parts & HASH_VALUES) hash_reply_view(c, &value);
    }
}

static void hash_hkeys_command(client *c) {
    hash_reply_all(c, HASH_FIELDS);
}

static void hash_hvals_command(client *c) {
    hash_reply_all(c, HASH_VALUES);
}

static void hash_hgetall_command(client *c) {
    hash_reply_all(c, HASH_FIELDS | HASH_VALUES);
}

/* ---------------------------------------------------------------- HRANDFIELD */

/* One picked pair: a two-element array in RESP3 WITHVALUES, flat in RESP2. */
static void hash_reply_pick(client *c, const elem_view *field, const elem_view *value, bool with_values) {
    if (with_values && c->resp_version > 2) reply_array_header(c, 2);
    hash_reply_view(c, field);
    if (with_values) hash_reply_view(c, value);
}

/* Every pair's views, in iteration order: arrays of hash_type_length(o),
 * zmalloc'd, for the caller to free.  Views stay valid while the hash is
 * not written. */
static size_t hash_collect(const object *o, elem_view **fields, elem_view **values) {
    size_t length = hash_type_length(o), count = 0;
    *fields = zmalloc_alloc(length * sizeof **fields);
    *values = zmalloc_alloc(length * sizeof **values);
    hash_type_iterator it;
    hash_type_iterator_init(&it, o);
    while (count < length && hash_type_iterator_next(&it, &(*fields)[count], &(*values)[count])) count++;
    return count;
}

static size_t hash_random_index(size_t size) {
    return (size_t)(((unsigned long long)random() << 31 | (unsigned long long)random()) % size);
}

/* Negative counts: `count` picks with repetition. */
static void hash_random_repeating(client *c, const object *o, unsigned long long count, bool with_values) {
    reply_array_header(c, (long long)(with_values && c->resp_version == 2 ? count * 2 : count));
    if (hash_type_encoding_of(o) == HASH_TYPE_LHASH) {
        for (unsigned long long i = 0; i < count; i++) {
            elem_view field, value;
            hash_type_table_random(o, &field, &value);
            hash_reply_pick(c, &field, &value, with_values);
        }
        return;
    }
    elem_view *fields, *values;
    size_t size = hash_collect(o, &fields, &values);
    for (unsigned long long i = 0; i < count; i++) {
        size_t index = hash_random_index(size);
        hash_reply_pick(c, &fields[index], &values[index], with_values);
    }
    zmalloc_free(fields);
    zmalloc_free(values);
}

/* Positive counts below the size: distinct picks.  Small hashes, and big
 * ones when most pairs are asked, shuffle an index of every pair; a sparse
 * pick from a big table draws at random and skips repeats, tracked in a
 * set of the fields already sent. */
static void hash_random_distinct(client *c, const object *o, size_t count, size_t size, bool with_values) {
    reply_array_header(c, (long long)(with_values && c->resp_version == 2 ? count * 2 : count));
    if (hash_type_encoding_of(o) != HASH_TYPE_LHASH || count * 3 > size) {
        elem_view *fields, *values;
        size = hash_collect(o, &fields, &values);
        for (size_t i = 0; i < count; i++) {
            size_t j = i + hash_random_index(size - i);
            elem_view field = fields[j], value = values[j];
            fields[j] = fields[i];
            values[j] = values[i];
            hash_reply_pick(c, &field, &value, with_values);
        }
        zmalloc_free(fields);
        zmalloc_free(values);
        return;
    }
    lhash *sent = lhash_create(hash_bytes, false);
    while (lhash_count(sent) < count) {
        elem_view field, value;
        hash_type_table_random(o, &field, &value);
        char digits[ELEM_INTEGER_BUFFER];
        size_t length;
        const char *bytes = elem_view_string(&field, digits, &length);
        if (lhash_set(sent, bytes, length, NULL, 0)) hash_reply_pick(c, &field, &value, with_values);
    }
    lhash_free(sent);
}

static void hash_random_with_count(client *c, long long count, bool with_values) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_HASH, &o)) return;
    if (o == NULL || count == 0) {
        reply_array_header(c, 0);
        return;
    }
    size_t size = hash_type_length(o);
    if (count < 0) {
        hash_random_repeating(c, o, (unsigned long long)-count, with_values);
    } else if ((unsigned long long)count >= size) {
        reply_array_header(c, (long long)(with_values && c->resp_version == 2 ? size * 2 : size));
        hash_type_iterator it;
        hash_type_iterator_init(&it, o);
        elem_view field, value;
        while (hash_type_iterator_next(&it, &field, &value)) hash_reply_pick(c, &field, &value, with_values);
    } else {
        hash_random_distinct(c, o, (size_t)count, size, with_values);
    }
}

static void hash_hrandfield_command(client *c) {
    if (c->argc >= 3) {
        long long count;
        if (!args_integer_or_reply(c, &c->argv[2], &count)) return;
        if (count < -LLONG_MAX) {
            reply_error(c, "ERR value is out of range, value must between -9223372036854775807 and "
                           "9223372036854775807");
            return;
        }
        if (c->argc > 4 || (c->argc == 4 && !args_is(&c->argv[3], "withvalues"))) {
            reply_syntax_error(c);
            return;
        }
        bool with_values = c->argc == 4;
        if (with_values && (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2)) {
            reply_error(c, "ERR value is out of range");
            return;
        }
        hash_random_with_count(c, count, with_values);
        return;
    }
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_HASH, &o)) return;
    if (o == NULL) {
        reply_null(c);
        return;
    }
    elem_view field, value;
    if (hash_type_encoding_of(o) == HASH_TYPE_LHASH)
        hash_type_table_random(o, &field, &value);
    else
        hash_type_small_at(o, hash_random_index(hash_type_length(o)), &field, &value);
    hash_reply_view(c, &field);
}

/* ---------------------------------------------------------------- HSCAN */

static void hash_hscan_command(client *c) {
    scan_args args;
    if (!scan_args_parse_cursor(c, 2, &args)) return;
    object *o = key_read(c, &c->argv[1]);
    if (o == NULL) {
        scan_args_reply_empty(c);
        return;
    }
    if (!key_check_type(c, o, OBJECT_HASH) || !scan_args_parse_options(c, 3, false, &args)) return;
    scan_batch batch;
    scan_batch_init(&batch, &args);
    unsigned long cursor = 0;
    if (hash_type_encoding_of(o) == HASH_TYPE_LHASH) {
        /* Redis's bound on empty pages visited for one reply. */
        long long iterations = args.count * 10;
        cursor = args.cursor;
        do {
            cursor = lhash_scan(object_pointer(o), cursor, scan_batch_collect, &batch);
        } while (cursor != 0 && --iterations > 0 && batch.count / 2 < (size_t)args.count);
    } else {
        hash_type_iterator it;
        hash_type_iterator_init(&it, o);
        elem_view field, value;
        while (hash_type_iterator_next(&it, &field, &value)) scan_batch_collect(&batch, &field, &value);
    }
    scan_batch_reply(c, &batch, cursor);
}

/* ---------------------------------------------------------------- specs */

#define HASH_WRITE (COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST)
#define HASH_READ (COMMAND_READONLY | COMMAND_FAST)
#define HASH_ACL_WRITE (ACL_WRITE | ACL_HASH | ACL_FAST)
#define HASH_ACL_READ (ACL_READ | ACL_HASH | ACL_FAST)

const command_spec hash_commands[] = {
    {.name = "hset", .handler = hash_hset_command, .arity = -4, .flags = HASH_WRITE, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = HASH_ACL_WRITE, .group = "hash",
     .summary = "Set the string value of a hash field", .since = "2.0.0",
     .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
     .key_flags = KEY_RW | KEY_UPDATE},
    {.name = "hsetnx", .handler = hash_hsetnx_command, .arity = 4, .flags = HASH_WRITE, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = HASH_ACL_WRITE, .group = "hash",
     .summary = "Set the value of a hash field, only if the field does not exist", .since = "2.0.0",
     .complexity = "O(1)", .key_flags = KEY_RW | KEY_INSERT},
    {.name = "hmset", .handler = hash_hmset_command, .arity = -4, .flags = HASH_WRITE, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = HASH_ACL_WRITE, .group = "hash",
     .summary = "Set multiple hash fields to multiple values", .since = "2.0.0",
     .complexity = "O(N) where N is the number of fields being set.", .key_flags = KEY_RW | KEY_UPDATE},
    {.name = "hget", .handler = hash_hget_command, .arity = 3, .flags = HASH_READ, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = HASH_ACL_READ, .group = "hash",
     .summary = "Get the value of a hash field", .since = "2.0.0", .complexity = "O(1)"},
    {.name = "hmget", .handler = hash_hmget_command, .arity = -3, .flags = HASH_READ, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = HASH_ACL_READ, .group = "hash",
     .summary = "Get the values of all the given hash fields", .since = "2.0.0",
     .complexity = "O(N) where N is the number of fields being requested."},
    {.name = "hdel", .handler = hash_hdel_command, .arity = -3, .flags = COMMAND_WRITE | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = HASH_ACL_WRITE, .group = "hash",
     .summary = "Delete one or more hash fields", .since = "2.0.0",
     .complexity = "O(N) where N is the number of fields to be removed.", .key_flags = KEY_RW | KEY_DELETE},
    {.name = "hlen", .handler = hash_hlen_command, .arity = 2, .flags = HASH_READ, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = HASH_ACL_READ, .group = "hash",
     .summary = "Get the number of fields in a hash", .since = "2.0.0", .complexity = "O(1)", .key_flags = KEY_RO},
    {.name = "hstrlen", .handler = hash_hstrlen_command, .arity = 3, .flags = HASH_READ, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = HASH_ACL_READ, .group = "hash",
     .summary = "Get the length of the value of a hash field", .since = "3.2.0", .complexity = "O(1)",
     .key_flags = KEY_RO},
    {.name = "hexists", .handler = hash_hexists_command, .arity = 3, .flags = HASH_READ, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = HASH_ACL_READ, .group = "hash",
     .summary = "Determine if a hash field exists", .since = "2.0.0", .complexity = "O(1)", .key_flags = KEY_RO},
    {.name = "hincrby", .handler = hash_hincrby_command, .arity = 4, .flags = HASH_WRITE, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = HASH_ACL_WRITE, .group = "hash",
     .summary = "Increment the integer value of a hash field by the given number", .since = "2.0.0",
     .complexity = "O(1)", .key_flags = KEY_RW | KEY_ACCESS | KEY_UPDATE},
    {.name = "hincrbyfloat", .handler = hash_hincrbyfloat_command, .arity = 4, .flags = HASH_WRITE,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = HASH_ACL_WRITE, .group = "hash",
     .summary = "Increment the float value of a hash field by the given amount", .since = "2.6.0",
     .complexity = "O(1)", .key_flags = KEY_RW | KEY_ACCESS | KEY_UPDATE},
    {.name = "hkeys", .handler = hash_hkeys_command, .arity = 2, .flags = COMMAND_READONLY, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_HASH | ACL_SLOW, .group = "hash",
     .summary = "Get all the fields in a hash", .since = "2.0.0",
     .complexity = "O(N) where N is the size of the hash.", .tips = "nondeterministic_output_order"},
    {.name = "hvals", .handler = hash_hvals_command, .arity = 2, .flags = COMMAND_READONLY, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_HASH | ACL_SLOW, .group = "hash",
     .summary = "Get all the values in a hash", .since = "2.0.0",
     .complexity = "O(N) where N is the size of the hash.", .tips = "nondeterministic_output_order"},
    {.name = "hgetall", .handler = hash_hgetall_command, .arity = 2, .flags = COMMAND_READONLY,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_HASH | ACL_SLOW,
     .group = "hash", .summary = "Get all the fields and values in a hash", .since = "2.0.0",
     .complexity = "O(N) where N is the size of the hash.", .tips = "nondeterministic_output_order"},
    {.name = "hrandfield", .handler = hash_hrandfield_command, .arity = -2, .flags = COMMAND_READONLY,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_HASH | ACL_SLOW,
     .group = "hash", .summary = "Get one or multiple random fields from a hash", .since = "6.2.0",
     .complexity = "O(N) where N is the number of fields returned", .tips = "nondeterministic_output"},
    {.name = "hscan", .handler = hash_hscan_command, .arity = -3, .flags = COMMAND_READONLY, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_HASH | ACL_SLOW, .group = "hash",
     .summary = "Incrementally iterate hash fields and associated values", .since = "2.8.0",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
     .tips = "nondeterministic_output"},
    {0}};
