/* expire_commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX XX GT LT),
 * TTL, PTTL, EXPIRETIME, PEXPIRETIME and PERSIST, as in Redis 7.0.
 *
 * Expire times are absolute milliseconds since the epoch stored in the
 * key's object (db_set_expire).  Setting a time already past deletes the key
 * at once, as an explicit delete (it does not count as an expired key).
 */
#include <limits.h>
#include <stdio.h>

#include <string.h>

#include "args.h"
#include "command.h"
#include "key_access.h"
#include "keyspace.h"
#include "notify.h"
#include "propagate.h"
#include "reply.h"

enum expire_condition {
    EXPIRE_NX = 1 << 0, /* only if the key has no TTL */
    EXPIRE_XX = 1 << 1, /* only if it has one */
    EXPIRE_GT = 1 << 2, /* only if the new time is later */
    EXPIRE_LT = 1 << 3  /* only if the new time is earlier */
};

static bool expire_parse_conditions(client *c, int *conditions) {
    *conditions = 0;
    for (int j = 3; j < c->argc; j++) {
        if (args_is(&c->argv[j], "nx"))
            *conditions |= EXPIRE_NX;
        else if (args_is(&c->argv[j], "xx"))
            *conditions |= EXPIRE_XX;
        else if (args_is(&c->argv[j], "gt"))
            *conditions |= EXPIRE_GT;
        else if (args_is(&c->argv[j], "lt"))
            *conditions |= EXPIRE_LT;
        else {
            reply_error_format(c, "ERR Unsupported option %.*s", (int)c->argv[j].length, c->argv[j].data);
            return false;
        }
    }
    if ((*conditions & EXPIRE_NX) && (*conditions & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return false;
    }
    if ((*conditions & EXPIRE_GT) && (*conditions & EXPIRE_LT)) {
        reply_error(c, "ERR GT and LT options at the same time are not compatible");
        return false;
    }
    return true;
}

/* True when the conditions allow replacing `current` (-1: no TTL, which
 * counts as infinite) by `when`. */
static bool expire_conditions_met(int conditions, long long current, long long when) {
    if ((conditions & EXPIRE_NX) && current != OBJECT_NO_EXPIRE) return false;
    if ((conditions & EXPIRE_XX) && current == OBJECT_NO_EXPIRE) return false;
    if ((conditions & EXPIRE_GT) && (current == OBJECT_NO_EXPIRE || when <= current)) return false;
    if ((conditions & EXPIRE_LT) && current != OBJECT_NO_EXPIRE && when >= current) return false;
    return true;
}

static void expire_generic(client *c, long long base_ms, bool seconds) {
    int conditions;
    if (!expire_parse_conditions(c, &conditions)) return;
    long long when;
    if (!args_integer_or_reply(c, &c->argv[2], &when)) return;
    if (seconds) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
            key_reply_invalid_expire(c);
            return;
        }
        when *= 1000;
    }
    if (when > LLONG_MAX - base_ms) {
        key_reply_invalid_expire(c);
        return;
    }
    when += base_ms;
    db *d = key_db(c);
    const resp_argument *key = &c->argv[1];
    object *o = db_lookup_write(d, key->data, key->length);
    if (o == NULL || !expire_conditions_met(conditions, object_expire(o), when)) {
        reply_integer(c, 0);
        return;
    }
    if (when <= server_unix_time_ms() && !keyspace_loading) {
        db_delete(d, key->data, key->length, false);
        notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, key->data, key->length);
        propagate_rewrite(c, 2, (resp_argument[]){PROPAGATE_ARG("DEL"), *key});
    } else {
        db_set_expire(d, o, when);
        db_signal_modified(d, key->data, key->length);
        notify_keyspace_event(NOTIFY_GENERIC, "expire", c->db_index, key->data, key->length);
        if (propagate_on && (seconds || base_ms != 0)) {
            /* Logged as an absolute time: a replay must not restart the TTL. */
            resp_argument argv[c->argc];
            memcpy(argv, c->argv, sizeof(argv));
            char number[24];
            argv[0] = PROPAGATE_ARG("PEXPIREAT");
            argv[2] = propagate_number(number, when);
            propagate_rewrite(c, c->argc, argv);
        }
    }
    server.stats.dirty++;
    reply_integer(c, 1);
}

static void expire_expire_command(client *c) {
    expire_generic(c, server_unix_time_ms(), true);
}

static void expire_pexpire_command(client *c) {
    expire_generic(c, server_unix_time_ms(), false);
}

static void expire_expireat_command(client *c) {
    expire_generic(c, 0, true);
}

static void expire_pexpireat_command(client *c) {
    expire_generic(c, 0, false);
}

/* TTL and friends: -2 for a missing key, -1 without TTL, else the time
 * left (or the absolute time), in ms or rounded to seconds. */
static void expire_ttl_generic(client *c, bool milliseconds, bool absolute) {
    object *o = db_lookup(key_db(c), c->argv[1].data, c->argv[1].length, DB_LOOKUP_NOTOUCH);
    if (o == NULL) {
        reply_integer(c, -2);
        return;
    }
    long long expire = object_expire(o);
    if (expire == OBJECT_NO_EXPIRE) {
        reply_integer(c, -1);
        return;
    }
    long long ttl = absolute ? expire : expire - server_unix_time_ms();
    if (ttl < 0) ttl = 0;
    /* Rounded to the nearest second without (ttl + 500), which overflows for
     * an expire time near LLONG_MAX (PEXPIREAT k 9223372036854775807). */
    reply_integer(c, milliseconds ? ttl : ttl / 1000 + (ttl % 1000 >= 500));
}

static void expire_ttl_command(client *c) {
    expire_ttl_generic(c, false, false);
}

static void expire_pttl_command(client *c) {
    expire_ttl_generic(c, true, false);
}

static void expire_expiretime_command(client *c) {
    expire_ttl_generic(c, false, true);
}

static void expire_pexpiretime_command(client *c) {
    expire_ttl_generic(c, true, true);
}

static void expire_persist_command(client *c) {
    db *d = key_db(c);
    object *o = db_lookup_write(d, c->argv[1].data, c->argv[1].length);
    if (o == NULL || !object_has_expire(o)) {
        reply_integer(c, 0);
        return;
    }
    db_set_expire(d, o, OBJECT_NO_EXPIRE);
    db_signal_modified(d, c->argv[1].data, c->argv[1].length);
    notify_keyspace_event(NOTIFY_GENERIC, "persist", c->db_index, c->argv[1].data, c->argv[1].length);
    server.stats.dirty++;
    reply_integer(c, 1);
}

const command_spec expire_commands[] = {
    {.name = "expire", .handler = expire_expire_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .group = "generic",
     .summary = "Set a key's time to live in seconds",
     .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_RW | KEY_UPDATE},
    {.name = "pexpire", .handler = expire_pexpire_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .group = "generic",
     .summary = "Set a key's time to live in milliseconds",
     .since = "2.6.0", .complexity = "O(1)",
     .key_flags = KEY_RW | KEY_UPDATE},
    {.name = "expireat", .handler = expire_expireat_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .group = "generic",
     .summary = "Set the expiration for a key as a UNIX timestamp",
     .since = "1.2.0", .complexity = "O(1)",
     .key_flags = KEY_RW | KEY_UPDATE},
    {.name = "pexpireat", .handler = expire_pexpireat_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .group = "generic",
     .summary = "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
     .since = "2.6.0", .complexity = "O(1)",
     .key_flags = KEY_RW | KEY_UPDATE},
    {.name = "ttl", .handler = expire_ttl_command, .arity = 2,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_FAST, .group = "generic",
     .summary = "Get the time to live for a key in seconds",
     .since = "1.0.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RO,
     .tips = "nondeterministic_output"},
    {.name = "pttl", .handler = expire_pttl_command, .arity = 2,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_FAST, .group = "generic",
     .summary = "Get the time to live for a key in milliseconds",
     .since = "2.6.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RO,
     .tips = "nondeterministic_output"},
    {.name = "expiretime", .handler = expire_expiretime_command, .arity = 2,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_FAST, .group = "generic",
     .summary = "Get the expiration Unix timestamp for a key",
     .since = "7.0.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RO},
    {.name = "pexpiretime", .handler = expire_pexpiretime_command, .arity = 2,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_READ | ACL_FAST, .group = "generic",
     .summary = "Get the expiration Unix timestamp for a key in milliseconds",
     .since = "7.0.0", .complexity = "O(1)",
     .key_flags = KEY_ACCESS | KEY_RO},
    {.name = "persist", .handler = expire_persist_command, .arity = 2,
     .flags = COMMAND_WRITE | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .group = "generic",
     .summary = "Remove the expiration from a key",
     .since = "2.2.0", .complexity = "O(1)",
     .key_flags = KEY_RW | KEY_UPDATE},
    {0}};
