/* string_commands: GET, SET and every other string command of Redis 7.0.
 *
 * Values are objects (object.h) created with Redis's encoding rules, so
 * OBJECT ENCODING answers what Redis would.  A write that replaces a value
 * builds a new object and stores it with db_set (one allocation, the key
 * included); writes that grow a string in place (APPEND, SETRANGE) resize
 * the object and put it back with db_update.  Error texts and the order in
 * which arguments are checked follow Redis 7.0.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "command.h"
#include "key_access.h"
#include "keyspace.h"
#include "notify.h"
#include "propagate.h"
#include "reply.h"

/* Options of SET and GETEX. */
enum string_option {
    STRING_NX = 1 << 0,
    STRING_XX = 1 << 1,
    STRING_GET = 1 << 2,
    STRING_KEEPTTL = 1 << 3,
    STRING_PERSIST = 1 << 4,
    STRING_EX = 1 << 5,
    STRING_PX = 1 << 6,
    STRING_EXAT = 1 << 7,
    STRING_PXAT = 1 << 8
};
#define STRING_ANY_EXPIRE (STRING_EX | STRING_PX | STRING_EXAT | STRING_PXAT)

/* What SET-like commands answer: SET's +OK/null, or SETNX's 1/0. */
enum string_set_reply { STRING_REPLY_OK, STRING_REPLY_ONE_ZERO };

/* Redis's 512 MB default; CONFIG can change proto-max-bulk-len. */
static bool string_length_allowed(client *c, long long current, long long added) {
    long long total;
    if (__builtin_add_overflow(current, added, &total) || total > server.config.proto_max_bulk_len) {
        reply_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- options */

/* An expire option word (ex, px, exat, pxat) allowed after `flags`. */
static int string_expire_option(const resp_argument *argument, int flags) {
    static const struct {
        const char *word;
        int flag;
    } options[] = {{"ex", STRING_EX}, {"px", STRING_PX}, {"exat", STRING_EXAT}, {"pxat", STRING_PXAT}};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        if (!args_is(argument, options[i].word)) continue;
        int others = STRING_ANY_EXPIRE & ~options[i].flag;
        return (flags & (others | STRING_KEEPTTL | STRING_PERSIST)) ? 0 : options[i].flag;
    }
    return 0;
}

/* Parses SET's (is_set) or GETEX's options from argv[first].  Replies a
 * syntax error and returns false on anything Redis 7.0 refuses. */
static bool string_parse_options(client *c, int first, bool is_set, int *flags,
                                 const resp_argument **expire) {
    *flags = 0;
    *expire = NULL;
    for (int j = first; j < c->argc; j++) {
        const resp_argument *option = &c->argv[j];
        bool has_next = j + 1 < c->argc;
        int expire_flag = string_expire_option(option, *flags);
        if (is_set && args_is(option, "nx") && !(*flags & STRING_XX)) {
            *flags |= STRING_NX;
        } else if (is_set && args_is(option, "xx") && !(*flags & STRING_NX)) {
            *flags |= STRING_XX;
        } else if (is_set && args_is(option, "get")) {
            *flags |= STRING_GET;
        } else if (is_set && args_is(option, "keepttl") &&
                   !(*flags & (STRING_ANY_EXPIRE | STRING_PERSIST))) {
            *flags |= STRING_KEEPTTL;
        } else if (!is_set && args_is(option, "persist") &&
                   !(*flags & (STRING_ANY_EXPIRE | STRING_KEEPTTL))) {
            *flags |= STRING_PERSIST;
        } else if (expire_flag != 0 && has_next) {
            *flags |= expire_flag;
            *expire = &c->argv[++j];
        } else {
            reply_syntax_error(c);
            return false;
        }
    }
    return true;
}

/* Converts an expire argument to an absolute time in ms, as Redis does:
 * positive, no overflow through the unit or the addition of now. */
static bool string_expire_time(client *c, const resp_argument *argument, int flags, long long *when) {
    long long value;
    if (!args_integer_or_reply(c, argument, &value)) return false;
    bool seconds = flags & (STRING_EX | STRING_EXAT);
    if (value <= 0 || (seconds && value > LLONG_MAX / 1000)) {
        key_reply_invalid_expire(c);
        return false;
    }
    if (seconds) value *= 1000;
    if (flags & (STRING_EX | STRING_PX)) value = (long long)((unsigned long long)value + (unsigned long long)server_unix_time_ms());
    if (value <= 0) {
        key_reply_invalid_expire(c);
        return false;
    }
    *when = value;
    return true;
}

/* ---------------------------------------------------------------- get */

/* GET's reply for `key`; false after a WRONGTYPE error. */
static bool string_reply_get(client *c, db *d, const resp_argument *key) {
    object *o = db_lookup_read(d, key->data, key->length);
    if (!key_check_type(c, o, OBJECT_STRING)) return false;
    if (o == NULL)
        reply_null(c);
    else
        key_reply_string(c, o);
    return true;
}

static void string_get_command(client *c) {
    string_reply_get(c, key_db(c), &c->argv[1]);
}

static void string_getdel_command(client *c) {
    db *d = key_db(c);
    object *o = db_lookup_read(d, c->argv[1].data, c->argv[1].length);
    if (!key_check_type(c, o, OBJECT_STRING)) return;
    if (o == NULL) {
        reply_null(c);
        return;
    }
    key_reply_string(c, o);
    db_delete(d, c->argv[1].data, c->argv[1].length, false);
    notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, c->argv[1].data, c->argv[1].length);
    server.stats.dirty++;
    /* Redis logs the lazy form when lazyfree-lazy-user-del is on. */
    propagate_rewrite(c, 2, (resp_argument[]){server.config.lazyfree_lazy_user_del ? PROPAGATE_ARG("UNLINK")
                                                                                    : PROPAGATE_ARG("DEL"),
                                              c->argv[1]});
}

static void string_getex_command(client *c) {
    int flags;
    const resp_argument *expire;
    if (!string_parse_options(c, 2, false, &flags, &expire)) return;
    db *d = key_db(c);
    object *o = db_lookup_read(d, c->argv[1].data, c->argv[1].length);
    if (o == NULL) {
        reply_null(c);
        return;
    }
    if (!key_check_type(c, o, OBJECT_STRING)) return;
    long long when = 0;
    if (expire != NULL && !string_expire_time(c, expire, flags, &when)) return;
    key_reply_string(c, o);
    const resp_argument *key = &c->argv[1];
    if ((flags & (STRING_EXAT | STRING_PXAT)) && when <= server_unix_time_ms() && !keyspace_loading) {
        db_delete(d, key->data, key->length, false);
        notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, key->data, key->length);
        server.stats.dirty++;
        propagate_rewrite(c, 2, (resp_argument[]){PROPAGATE_ARG("DEL"), *key});
    } else if (expire != NULL) {
        db_set_expire(d, o, when);
        db_signal_modified(d, key->data, key->length);
        notify_keyspace_event(NOTIFY_GENERIC, "expire", c->db_index, key->data, key->length);
        server.stats.dirty++;
        char number[24];
        propagate_rewrite(c, 3, (resp_argument[]){PROPAGATE_ARG("PEXPIREAT"), *key, propagate_number(number, when)});
    } else if ((flags & STRING_PERSIST) && object_has_expire(o)) {
        db_set_expire(d, o, OBJECT_NO_EXPIRE);
        db_signal_modified(d, key->data, key->length);
        notify_keyspace_event(NOTIFY_GENERIC, "persist", c->db_index, key->data, key->length);
        server.stats.dirty++;
        propagate_rewrite(c, 2, (resp_argument[]){PROPAGATE_ARG("PERSIST"), *key});
    }
}

/* ---------------------------------------------------------------- set */

/* As Redis logs a SET: with a TTL given as SET key value PXAT <ms> (SETEX
 * and PSETEX too), else without its GET words. */
static void string_set_propagate(client *c, const resp_argument *key, const resp_argument *value, int flags,
                                 long long when) {
    if (when != OBJECT_NO_EXPIRE) {
        char number[24];
        propagate_rewrite(c, 5, (resp_argument[]){PROPAGATE_ARG("SET"), *key, *value, PROPAGATE_ARG("PXAT"),
                                                  propagate_number(number, when)});
        return;
    }
    if (!(flags & STRING_GET)) return;
    resp_argument argv[c->argc];
    int argc = 0;
    for (int i = 0; i < c->argc; i++)
        if (i < 3 || !args_is(&c->argv[i], "get")) argv[argc++] = c->argv[i];
    propagate_rewrite(c, argc, argv);
}

static void string_set_generic(client *c, const resp_argument *key, const resp_argument *value, int flags,
                               const resp_argument *expire, enum string_set_reply reply_kind) {
    long long when = OBJECT_NO_EXPIRE;
    if (expire != NULL && !string_expire_time(c, expire, flags, &when)) return;
    db *d = key_db(c);
    if ((flags & STRING_GET) && !string_reply_get(c, d, key)) return;
    object *old = db_lookup_write(d, key->data, key->length);
    if (((flags & STRING_NX) && old != NULL) || ((flags & STRING_XX) && old == NULL)) {
        if (flags & STRING_GET) return;
        if (reply_kind == STRING_REPLY_ONE_ZERO)
            reply_integer(c, 0);
        else
            reply_null(c);
        return;
    }
    if ((flags & STRING_KEEPTTL) && old != NULL) when = object_expire(old);
    db_set(d, object_create_string(key->data, key->length, value->data, value->length,
                                   OBJECT_STRING_AUTO, when));
    server.stats.dirty++;
    notify_keyspace_event(NOTIFY_STRING, "set", c->db_index, key->data, key->length);
    if (expire != NULL) notify_keyspace_event(NOTIFY_GENERIC, "expire", c->db_index, key->data, key->length);
    if (propagate_on) string_set_propagate(c, key, value, flags, expire != NULL ? when : OBJECT_NO_EXPIRE);
    if (flags & STRING_GET) return;
    if (reply_kind == STRING_REPLY_ONE_ZERO)
        reply_integer(c, 1);
    else
        reply_ok(c);
}

static void string_set_command(client *c) {
    int flags;
    const resp_argument *expire;
    if (!string_parse_options(c, 3, true, &flags, &expire)) return;
    string_set_generic(c, &c->argv[1], &c->argv[2], flags, expire, STRING_REPLY_OK);
}

static void string_setnx_command(client *c) {
    string_set_generic(c, &c->argv[1], &c->argv[2], STRING_NX, NULL, STRING_REPLY_ONE_ZERO);
}

/* SETEX and PSETEX: the expire is argv[2], the value argv[3]. */
static void string_set_with_expire(client *c, int unit_flag) {
    string_set_generic(c, &c->argv[1], &c->argv[3], unit_flag, &c->argv[2], STRING_REPLY_OK);
}

static void string_setex_command(client *c) {
    string_set_with_expire(c, STRING_EX);
}

static void string_psetex_command(client *c) {
    string_set_with_expire(c, STRING_PX);
}

static void string_getset_command(client *c) {
    string_set_generic(c, &c->argv[1], &c->argv[2], STRING_GET, NULL, STRING_REPLY_OK);
    propagate_rewrite(c, 3, (resp_argument[]){PROPAGATE_ARG("SET"), c->argv[1], c->argv[2]});
}

static void string_mset_generic(client *c, bool only_if_none_exists) {
    if (c->argc % 2 == 0) {
        reply_arity_error(c);
        return;
    }
    db *d = key_db(c);
    if (only_if_none_exists) {
        for (int j = 1; j < c->argc; j += 2) {
            if (db_lookup_write(d, c->argv[j].data, c->argv[j].length) != NULL) {
                reply_integer(c, 0);
                return;
            }
        }
    }
    for (int j = 1; j < c->argc; j += 2) {
        db_set(d, object_create_string(c->argv[j].data, c->argv[j].length, c->argv[j + 1].data,
                                       c->argv[j + 1].length, OBJECT_STRING_AUTO, OBJECT_NO_EXPIRE));
        notify_keyspace_event(NOTIFY_STRING, "set", c->db_index, c->argv[j].data, c->argv[j].length);
    }
    server.stats.dirty += (c->argc - 1) / 2;
    if (only_if_none_exists)
        reply_integer(c, 1);
    else
        reply_ok(c);
}

static void string_mset_command(client *c) {
    string_mset_generic(c, false);
}

static void string_msetnx_command(client *c) {
    string_mset_generic(c, true);
}

static void string_mget_command(client *c) {
    db *d = key_db(c);
    reply_array_header(c, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        object *o = db_lookup_read(d, c->argv[j].data, c->argv[j].length);
        if (o == NULL || object_type(o) != OBJECT_STRING)
            reply_null(c);
        else
            key_reply_string(c, o);
    }
}

/* ---------------------------------------------------------------- numbers */

static void string_increment(client *c, long long increment) {
    db *d = key_db(c);
    const resp_argument *key = &c->argv[1];
    object *o = db_lookup_write(d, key->data, key->length);
    if (!key_check_type(c, o, OBJECT_STRING)) return;
    long long value = 0;
    if (o != NULL && !object_string_integer(o, &value)) {
        char digits[OBJECT_INTEGER_BUFFER];
        size_t length;
        const char *bytes = object_string_bytes(o, &length, digits);
        if (!number_parse_integer(bytes, length, &value)) {
            reply_not_integer(c);
            return;
        }
    }
    long long result;
    if (__builtin_add_overflow(value, increment, &result)) {
        reply_error(c, "ERR increment or decrement would overflow");
        return;
    }
    long long expire = o != NULL ? object_expire(o) : OBJECT_NO_EXPIRE;
    db_set(d, object_create_integer(key->data, key->length, result, expire));
    server.stats.dirty++;
    notify_keyspace_event(NOTIFY_STRING, "incrby", c->db_index, key->data, key->length);
    reply_integer(c, result);
}

static void string_incr_command(client *c) {
    string_increment(c, 1);
}

static void string_decr_command(client *c) {
    string_increment(c, -1);
}

static void string_incrby_command(client *c) {
    long long increment;
    if (!args_integer_or_reply(c, &c->argv[2], &increment)) return;
    string_increment(c, increment);
}

static void string_decrby_command(client *c) {
    long long decrement;
    if (!args_integer_or_reply(c, &c->argv[2], &decrement)) return;
    if (decrement == LLONG_MIN) {
        reply_error(c, "ERR decrement would overflow");
        return;
    }
    string_increment(c, -decrement);
}

static void string_incrbyfloat_command(client *c) {
    db *d = key_db(c);
    const resp_argument *key = &c->argv[1];
    object *o = db_lookup_write(d, key->data, key->length);
    if (!key_check_type(c, o, OBJECT_STRING)) return;
    long double value = 0, increment;
    if (o != NULL) {
        char digits[OBJECT_INTEGER_BUFFER];
        size_t length;
        const char *bytes = object_string_bytes(o, &length, digits);
        if (!number_parse_long_double(bytes, length, &value)) {
            reply_not_float(c);
            return;
        }
    }
    if (!number_parse_long_double(c->argv[2].data, c->argv[2].length, &increment)) {
        reply_not_float(c);
        return;
    }
    value += increment;
    if (isnan(value) || isinf(value)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char text[NUMBER_LONG_DOUBLE_BUFFER];
    size_t length = number_format_long_double(value, text, sizeof text);
    long long expire = o != NULL ? object_expire(o) : OBJECT_NO_EXPIRE;
    db_set(d, object_create_string(key->data, key->length, text, length, OBJECT_STRING_PLAIN, expire));
    server.stats.dirty++;
    notify_keyspace_event(NOTIFY_STRING, "incrbyfloat", c->db_index, key->data, key->length);
    /* Replayed as the value it produced: float arithmetic need not repeat. */
    propagate_rewrite(c, 4, (resp_argument[]){PROPAGATE_ARG("SET"), *key, {text, length}, PROPAGATE_ARG("KEEPTTL")});
    reply_bulk(c, text, length);
}

/* ---------------------------------------------------------------- ranges */

static void string_append_command(client *c) {
    db *d = key_db(c);
    const resp_argument *key = &c->argv[1], *suffix = &c->argv[2];
    object *o = db_lookup_write(d, key->data, key->length);
    if (!key_check_type(c, o, OBJECT_STRING)) return;
    size_t total;
    if (o == NULL) {
        db_add(d, object_create_string(key->data, key->length, suffix->data, suffix->length,
                                       OBJECT_STRING_AUTO, OBJECT_NO_EXPIRE));
        total = suffix->length;
    } else {
        size_t current = object_string_length(o);
        if (!string_length_allowed(c, (long long)current, (long long)suffix->length)) return;
        char *bytes;
        object *grown = object_string_resize(o, current + suffix->length, &bytes);
        if (!grown) {
            reply_error(c, OBJECT_NO_MEMORY_ERROR);
            return;
        }
        memcpy(bytes + current, suffix->data, suffix->length);
        db_update(d, o, grown);
        total = current + suffix->length;
    }
    server.stats.dirty++;
    notify_keyspace_event(NOTIFY_STRING, "append", c->db_index, key->data, key->length);
    reply_integer(c, (long long)total);
}

static void string_setrange_command(client *c) {
    long long offset;
    if (!args_integer_or_reply(c, &c->argv[2], &offset)) return;
    if (offset < 0) {
        reply_error(c, "ERR offset is out of range");
        return;
    }
    db *d = key_db(c);
    const resp_argument *key = &c->argv[1], *value = &c->argv[3];
    object *o = db_lookup_write(d, key->data, key->length);
    size_t current = 0;
    if (o == NULL) {
        if (value->length == 0) {
            reply_integer(c, 0);
            return;
        }
    } else {
        if (!key_check_type(c, o, OBJECT_STRING)) return;
        current = object_string_length(o);
        if (value->length == 0) {
            reply_integer(c, (long long)current);
            return;
        }
    }
    if (!string_length_allowed(c, offset, (long long)value->length)) return;
    size_t needed = (size_t)offset + value->length;
    size_t length = needed > current ? needed : current;
    char *bytes;
    if (o == NULL) {
        object *empty = object_create_string(key->data, key->length, "", 0, OBJECT_STRING_RAW, OBJECT_NO_EXPIRE);
        object *fresh = object_string_resize(empty, length, &bytes);
        if (!fresh) {
            object_free(empty);
            reply_error(c, OBJECT_NO_MEMORY_ERROR);
            return;
        }
        memcpy(bytes + offset, value->data, value->length);
        db_add(d, fresh);
    } else {
        object *grown = object_string_resize(o, length, &bytes);
        if (!grown) {
            reply_error(c, OBJECT_NO_MEMORY_ERROR);
            return;
        }
        memcpy(bytes + offset, value->data, value->length);
        db_update(d, o, grown);
    }
    server.stats.dirty++;
    notify_keyspace_event(NOTIFY_STRING, "setrange", c->db_index, key->data, key->length);
    reply_integer(c, (long long)length);
}

static void string_getrange_command(client *c) {
    long long start, end;
    if (!args_integer_or_reply(c, &c->argv[2], &start)) return;
    if (!args_integer_or_reply(c, &c->argv[3], &end)) return;
    object *o = db_lookup_read(key_db(c), c->argv[1].data, c->argv[1].length);
    if (o == NULL) {
        reply_bulk(c, "", 0);
        return;
    }
    if (!key_check_type(c, o, OBJECT_STRING)) return;
    char digits[OBJECT_INTEGER_BUFFER];
    size_t size;
    const char *bytes = object_string_bytes(o, &size, digits);
    long long length = (long long)size;
    if (start < 0 && end < 0 && start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    if (start < 0) start += length;
    if (end < 0) end += length;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= length) end = length - 1;
    if (start > end || length == 0)
        reply_bulk(c, "", 0);
    else
        reply_bulk(c, bytes + start, (size_t)(end - start + 1));
}

static void string_strlen_command(client *c) {
    object *o = db_lookup_read(key_db(c), c->argv[1].data, c->argv[1].length);
    if (!key_check_type(c, o, OBJECT_STRING)) return;
    reply_integer(c, o == NULL ? 0 : (long long)object_string_length(o));
}

/* ---------------------------------------------------------------- specs */

/* SET's key flags depend on the call, as Redis 7.0 resolves them: with GET
 * the old value is read (RW access update), without it only overwritten
 * (OW update).  For COMMAND GETKEYSANDFLAGS and the ACL check. */
static int set_get_keys(const resp_argument *argv, int argc, int *positions, uint32_t *flags, int capacity) {
    (void)capacity;
    positions[0] = 1;
    flags[0] = KEY_OW | KEY_UPDATE;
    for (int i = 3; i < argc; i++)
        if (args_is(&argv[i], "get")) flags[0] = KEY_RW | KEY_ACCESS | KEY_UPDATE;
    return 1;
}

/* Redis 7.0's key specs where they carry notes (COMMAND INFO). */
static const key_spec set_key_specs[] = {
    {.flags = KEY_RW | KEY_ACCESS | KEY_UPDATE | KEY_VARIABLE_FLAGS,
     .notes = "RW and ACCESS due to the optional `GET` argument", .search = KEY_SEARCH_INDEX, .position = 1,
     .find = KEY_FIND_RANGE, .key_step = 1},
    {0}};
static const key_spec getex_key_specs[] = {
    {.flags = KEY_RW | KEY_ACCESS | KEY_UPDATE, .notes = "RW and UPDATE because it changes the TTL",
     .search = KEY_SEARCH_INDEX, .position = 1, .find = KEY_FIND_RANGE, .key_step = 1},
    {0}};

const command_spec string_commands[] = {
    {.name = "append", .handler = string_append_command, .arity = 3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Append a value to a key",
     .since = "2.0.0", .complexity = "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
     .key_flags = KEY_INSERT | KEY_RW},
    {.name = "decr", .handler = string_decr_command, .arity = 2,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Decrement the integer value of a key by one",
     .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RW | KEY_UPDATE},
    {.name = "decrby", .handler = string_decrby_command, .arity = 3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Decrement the integer value of a key by the given number",
     .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RW | KEY_UPDATE},
    {.name = "get", .handler = string_get_command, .arity = 2,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_READ | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Get the value of a key",
     .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RO},
    {.name = "getdel", .handler = string_getdel_command, .arity = 2,
     .flags = COMMAND_WRITE | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Get the value of a key and delete the key",
     .since = "6.2.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_DELETE | KEY_RW},
    {.name = "getex", .handler = string_getex_command, .arity = -2,
     .flags = COMMAND_WRITE | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Get the value of a key and optionally set its expiration",
     .since = "6.2.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RW | KEY_UPDATE, .key_specs = getex_key_specs},
    {.name = "getrange", .handler = string_getrange_command, .arity = 4,
     .flags = COMMAND_READONLY, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_READ | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Get a substring of the string stored at a key",
     .since = "2.4.0", .complexity = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
     .key_flags = KEY_ACCESS | KEY_RO},
    {.name = "getset", .handler = string_getset_command, .arity = 3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Set the string value of a key and return its old value",
     .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RW | KEY_UPDATE},
    {.name = "incr", .handler = string_incr_command, .arity = 2,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Increment the integer value of a key by one",
     .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RW | KEY_UPDATE},
    {.name = "incrby", .handler = string_incrby_command, .arity = 3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Increment the integer value of a key by the given amount",
     .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RW | KEY_UPDATE},
    {.name = "incrbyfloat", .handler = string_incrbyfloat_command, .arity = 3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Increment the float value of a key by the given amount",
     .since = "2.6.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RW | KEY_UPDATE},
    {.name = "mget", .handler = string_mget_command, .arity = -2,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = -1, .key_step = 1,
     .categories = ACL_READ | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Get the values of all the given keys",
     .since = "1.0.0", .complexity = "O(N) where N is the number of keys to retrieve.",
     .key_flags = KEY_ACCESS | KEY_RO,
     .tips = "request_policy:multi_shard"},
    {.name = "mset", .handler = string_mset_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = -1, .key_step = 2,
     .categories = ACL_WRITE | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Set multiple keys to multiple values",
     .since = "1.0.1", .complexity = "O(N) where N is the number of keys to set.",
     .key_flags = KEY_OW | KEY_UPDATE,
     .tips = "request_policy:multi_shard response_policy:all_succeeded"},
    {.name = "msetnx", .handler = string_msetnx_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = -1, .key_step = 2,
     .categories = ACL_WRITE | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Set multiple keys to multiple values, only if none of the keys exist",
     .since = "1.0.1", .complexity = "O(N) where N is the number of keys to set.",
     .key_flags = KEY_INSERT | KEY_OW,
     .tips = "request_policy:multi_shard response_policy:agg_min"},
    {.name = "psetex", .handler = string_psetex_command, .arity = 4,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Set the value and expiration in milliseconds of a key",
     .since = "2.6.0", .complexity = "O(1)",
     .key_flags = KEY_OW | KEY_UPDATE},
    {.name = "set", .handler = string_set_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Set the string value of a key",
     .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RW | KEY_UPDATE | KEY_VARIABLE_FLAGS, .get_keys = set_get_keys,
     .key_specs = set_key_specs},
    {.name = "setex", .handler = string_setex_command, .arity = 4,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Set the value and expiration of a key",
     .since = "2.0.0", .complexity = "O(1)",
     .key_flags = KEY_OW | KEY_UPDATE},
    {.name = "setnx", .handler = string_setnx_command, .arity = 3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Set the value of a key, only if the key does not exist",
     .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_INSERT | KEY_OW},
    {.name = "setrange", .handler = string_setrange_command, .arity = 4,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Overwrite part of a string at key starting at the specified offset",
     .since = "2.2.0", .complexity = "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
     .key_flags = KEY_RW | KEY_UPDATE},
    {.name = "strlen", .handler = string_strlen_command, .arity = 2,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_READ | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Get the length of the value stored in a key",
     .since = "2.2.0", .complexity = "O(1)",
     .key_flags = KEY_RO},
    {.name = "substr", .handler = string_getrange_command, .arity = 4,
     .flags = COMMAND_READONLY, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_READ | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Get a substring of the string stored at a key",
     .since = "1.0.0", .complexity = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
     .key_flags = KEY_ACCESS | KEY_RO},
    {0}};
