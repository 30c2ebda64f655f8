/* persist_commands: SAVE BGSAVE LASTSAVE DUMP RESTORE, with Redis 7.0's
 * replies and error texts.
 *
 * SAVE blocks the loop for the whole write, as in Redis (it is the command
 * for that); BGSAVE snapshots in slices from the loop (bgsave.c).  RESTORE
 * validates the payload fully before anything changes: version and CRC
 * first, then the value through the codecs, and refuses trailing bytes, so
 * a bad payload is an error reply and never a crash or a half-built key.
 */
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "command.h"
#include "key_access.h"
#include "keyspace.h"
#include "log.h"
#include "persist.h"
#include "rdb_format.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"
#include "zmalloc.h"

static void save_command(client *c) {
    if (bgsave_in_progress()) {
        reply_error(c, "ERR Background save already in progress");
        return;
    }
    long long dirty = server.stats.dirty;
    char *error = NULL;
    if (rdb_save_file(server.config.db_filename, getpid(), &error) != 0) {
        zmalloc_free(error);
        reply_error(c, "ERR");
        return;
    }
    log_message(LOG_NOTICE, "DB saved on disk");
    persist_saved(dirty);
    reply_ok(c);
}

static void bgsave_command(client *c) {
    if (c->argc > 2 || (c->argc == 2 && !args_is(&c->argv[1], "schedule"))) {
        reply_syntax_error(c);
        return;
    }
    char *error = NULL;
    if (bgsave_in_progress()) {
        reply_error(c, "ERR Background save already in progress");
    } else if (snapshot_busy()) {
        /* An AOF rewrite holds the snapshot, as Redis's AOF child would. */
        if (c->argc == 2) {
            persist.bgsave_scheduled = true;
            reply_simple(c, "Background saving scheduled");
        } else {
            reply_error(c, "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
                           "SCHEDULE in order to schedule a BGSAVE whenever possible.");
        }
    } else if (bgsave_start(&error) != 0) {
        reply_error(c, "ERR");
    } else {
        reply_simple(c, "Background saving started");
    }
    zmalloc_free(error);
}

static void lastsave_command(client *c) {
    reply_integer(c, persist.last_save_time);
}

static void dump_command(client *c) {
    object *o = key_read(c, &c->argv[1]);
    if (!o) {
        reply_null(c);
        return;
    }
    strbuf payload = STRBUF_INIT;
    const char *error = NULL;
    if (rdb_format_dump(o, persist.compression, &payload, &error) != 0) reply_error_format(c, "ERR %s", error);
    else reply_bulk(c, payload.data, payload.length);
    strbuf_free(&payload);
}

typedef struct restore_options {
    bool replace, absolute_ttl;
    long long idle, frequency;
} restore_options;

/* REPLACE ABSTTL IDLETIME s FREQ f; false after replying the error. */
static bool restore_parse(client *c, restore_options *options) {
    *options = (restore_options){.idle = -1, .frequency = -1};
    for (int j = 4; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (args_is(&c->argv[j], "replace")) {
            options->replace = true;
        } else if (args_is(&c->argv[j], "absttl")) {
            options->absolute_ttl = true;
        } else if (args_is(&c->argv[j], "idletime") && more >= 1 && options->frequency == -1) {
            if (!args_integer_or_reply(c, &c->argv[++j], &options->idle)) return false;
            if (options->idle < 0) {
                reply_error(c, "ERR Invalid IDLETIME value, must be >= 0");
                return false;
            }
        } else if (args_is(&c->argv[j], "freq") && more >= 1 && options->idle == -1) {
            if (!args_integer_or_reply(c, &c->argv[++j], &options->frequency)) return false;
            if (options->frequency < 0 || options->frequency > 255) {
                reply_error(c, "ERR Invalid FREQ value, must be >= 0 and <= 255");
                return false;
            }
        } else {
            reply_syntax_error(c);
            return false;
        }
    }
    return true;
}

static void restore_command(client *c) {
    restore_options options;
    if (!restore_parse(c, &options)) return;
    const resp_argument *key = &c->argv[1];
    db *d = key_db(c);
    if (!options.replace && db_lookup_write(d, key->data, key->length)) {
        reply_error(c, "BUSYKEY Target key name already exists.");
        return;
    }
    long long ttl;
    if (!args_integer_or_reply(c, &c->argv[2], &ttl)) return;
    if (ttl < 0) {
        reply_error(c, "ERR Invalid TTL value, must be >= 0");
        return;
    }
    const uint8_t *payload = (const uint8_t *)c->argv[3].data;
    size_t value_length;
    if (rdb_format_verify_payload(payload, c->argv[3].length, !persist_skip_checksum, &value_length) != 0) {
        reply_error(c, "ERR DUMP payload version or checksum are wrong");
        return;
    }
    rdb_reader r;
    rdb_reader_init(&r, payload, value_length, RDB_VERSION);
    uint8_t type = 0;
    const char *error = NULL;
    object *o = NULL;
    if (rdb_read_byte(&r, &type) == 0 && rdb_format_is_value_type(type))
        o = rdb_format_load_object(&r, type, key->data, key->length, OBJECT_NO_EXPIRE, &error);
    if (!o || rdb_reader_left(&r) != 0) {
        /* Redis logs why at verbose level (its restore context). */
        strbuf reason = STRBUF_INIT;
        rdb_format_describe_error(type, o ? "data after the value" : error ? error : "not a value type", &reason);
        log_message(LOG_VERBOSE, "Internal error in RDB reading offset 0, function at rdb.c:0 -> %s",
                    strbuf_cstring(&reason));
        strbuf_free(&reason);
        if (o) object_free(o);
        /* The reason goes to the log, as Redis reports a corrupt payload. */
        log_message(LOG_WARNING, "Bad data format in RESTORE: %s",
                    error ? error : r.error ? r.error : "data after the value");
        reply_error(c, "ERR Bad data format");
        return;
    }
    bool deleted = options.replace && key_delete(c, key);
    if (ttl && !options.absolute_ttl) ttl += server_unix_time_ms();
    if (ttl && ttl < server_unix_time_ms() && !keyspace_loading) {
        /* Already expired: the key is gone (deleted above if it existed). */
        object_free(o);
        if (deleted) propagate_rewrite(c, 2, (resp_argument[]){PROPAGATE_ARG("DEL"), *key});
        reply_ok(c);
        return;
    }
    if (ttl && !options.absolute_ttl && propagate_on) {
        /* Logged with the absolute time, as Redis: RESTORE ... <ms> ... ABSTTL. */
        resp_argument argv[c->argc + 1];
        memcpy(argv, c->argv, sizeof(resp_argument) * (size_t)c->argc);
        char number[24];
        argv[2] = propagate_number(number, ttl);
        argv[c->argc] = PROPAGATE_ARG("ABSTTL");
        propagate_rewrite(c, c->argc + 1, argv);
    }
    if (ttl) o = object_set_expire(o, ttl);
    if (options.idle >= 0 || options.frequency >= 0) {
        db_object_set_clock(o, options.idle, (int)options.frequency);
        db_add_keep_clock(d, o);
    } else {
        db_add(d, o);
    }
    server.stats.dirty++;
    reply_ok(c);
}

static const command_argument bgsave_arguments[] = {
    {.name = "schedule", .type = ARGUMENT_PURE_TOKEN, .token = "SCHEDULE", .flags = ARGUMENT_OPTIONAL,
     .since = "3.2.2"},
    {0}};
static const command_argument dump_arguments[] = {{.name = "key", .type = ARGUMENT_KEY},
                                                  {0}};
static const command_argument restore_arguments[] = {
    {.name = "key", .type = ARGUMENT_KEY},
    {.name = "ttl", .type = ARGUMENT_INTEGER},
    {.name = "serialized-value", .type = ARGUMENT_STRING},
    {.name = "replace", .type = ARGUMENT_PURE_TOKEN, .token = "REPLACE", .flags = ARGUMENT_OPTIONAL,
     .since = "3.0.0"},
    {.name = "absttl", .type = ARGUMENT_PURE_TOKEN, .token = "ABSTTL", .flags = ARGUMENT_OPTIONAL,
     .since = "5.0.0"},
    {.name = "seconds", .type = ARGUMENT_INTEGER, .token = "IDLETIME", .flags = ARGUMENT_OPTIONAL,
     .since = "5.0.0"},
    {.name = "frequency", .type = ARGUMENT_INTEGER, .token = "FREQ", .flags = ARGUMENT_OPTIONAL,
     .since = "5.0.0"},
    {0}};

const command_spec persist_commands[] = {
    {.name = "save", .handler = save_command, .arity = 1,
     .flags = COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_NO_ASYNC_LOADING | COMMAND_NO_MULTI,
     .categories = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server",
     .summary = "Synchronously save the dataset to disk", .since = "1.0.0",
     .complexity = "O(N) where N is the total number of keys in all databases"},
    {.name = "bgsave", .handler = bgsave_command, .arity = -1,
     .flags = COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_NO_ASYNC_LOADING,
     .categories = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server",
     .summary = "Asynchronously save the dataset to disk", .since = "1.0.0", .complexity = "O(1)",
     .arguments = bgsave_arguments},
    {.name = "lastsave", .handler = lastsave_command, .arity = 1,
     .flags = COMMAND_LOADING | COMMAND_STALE | COMMAND_FAST,
     .categories = ACL_ADMIN | ACL_FAST | ACL_DANGEROUS, .group = "server",
     .summary = "Get the UNIX time stamp of the last successful save to disk", .since = "1.0.0",
     .complexity = "O(1)", .tips = "nondeterministic_output"},
    {.name = "dump", .handler = dump_command, .arity = 2, .flags = COMMAND_READONLY, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .group = "generic",
     .summary = "Return a serialized version of the value stored at the specified key.", .since = "2.6.0",
     .complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of "
                   "Redis objects composing the value and M their average size. For small string values the "
                   "time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
     .tips = "nondeterministic_output", .key_flags = KEY_RO | KEY_ACCESS, .arguments = dump_arguments},
    {.name = "restore", .handler = restore_command, .arity = -4, .flags = COMMAND_WRITE | COMMAND_DENYOOM,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .group = "generic",
     .summary = "Create a key using the provided serialized value, previously obtained using DUMP.",
     .since = "2.6.0",
     .complexity = "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, "
                   "where N is the number of Redis objects composing the value and M their average size. For "
                   "small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply "
                   "O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting "
                   "values into sorted sets is O(log(N)).",
     .key_flags = KEY_OW | KEY_UPDATE, .arguments = restore_arguments},
    {.name = NULL}};
