/* aof_module: the append-only file's descriptor: parameters, BGREWRITEAOF,
 * DEBUG LOADAOF, INFO fields, start-up and shutdown (aof.h has the design).
 *
 * Start-up follows Redis 7.0: the manifest is read whatever `appendonly`
 * says (a garbled one stops start-up); with appendonly yes the AOF is
 * loaded instead of the RDB (persist_module skips it), an empty directory
 * gets a base file at once, and the last incremental file is opened for
 * appending (created if there is none) before a client can connect.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aof.h"
#include "args.h"
#include "command.h"
#include "config_table.h"
#include "db.h"
#include "debug_extension.h"
#include "keyspace.h"
#include "log.h"
#include "module.h"
#include "multi.h"
#include "networking.h"
#include "persist.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"
#include "zmalloc.h"

aof_state aof = {.fd = -1, .selected_db = -1, .last_write_ok = true, .last_rewrite_ok = true,
                 .last_rewrite_seconds = -1};

bool aof_enabled_at_start(void) {
    return aof.appendonly != 0;
}

/* ---- parameters ---- */

static int apply_appendonly(const char **error) {
    if (!aof.appendonly) {
        aof_disable();
        return 0;
    }
    char *reason = NULL;
    if (aof_enable(&reason) != 0) {
        zmalloc_free(reason);
        aof.appendonly = 0;
        *error = "Unable to turn on AOF. Check server logs.";
        return -1;
    }
    return 0;
}

static int apply_auto_gc(const char **error) {
    (void)error;
    aof_manifest_delete_history();
    return 0;
}

static int parse_file_name(const config_parameter *parameter, const char *text, const char **error) {
    if (text[0] == '\0' || strchr(text, '/') || !strcmp(text, ".") || !strcmp(text, "..")) {
        *error = strcmp(parameter->name, "appendfilename") == 0 ? "appendfilename can't be a path, just a filename"
                                                                 : "appenddirname can't be a path, just a dirname";
        return -1;
    }
    char **target = parameter->name[6] == 'f' ? &aof.filename : &aof.dirname;
    zmalloc_free(*target);
    *target = zmalloc_strdup(text);
    return 0;
}

static void format_file_name(const config_parameter *parameter, strbuf *out) {
    const char *value = parameter->name[6] == 'f' ? aof.filename : aof.dirname;
    strbuf_append_cstring(out, value ? value : "");
}

static const config_choice fsync_choices[] = {
    {"everysec", AOF_FSYNC_EVERYSEC}, {"always", AOF_FSYNC_ALWAYS}, {"no", AOF_FSYNC_NO}, {NULL, 0}};

static const config_parameter aof_parameters[] = {
    {.name = "appendonly", .type = CONFIG_BOOL, .value = &aof.appendonly, .default_text = "no",
     .apply = apply_appendonly},
    CONFIG_ENTRY_SPECIAL("appendfilename", "appendonly.aof", CONFIG_IMMUTABLE, parse_file_name, format_file_name,
                         NULL),
    CONFIG_ENTRY_SPECIAL("appenddirname", "appendonlydir", CONFIG_IMMUTABLE, parse_file_name, format_file_name, NULL),
    {.name = "appendfsync", .type = CONFIG_ENUM, .value = &aof.fsync_policy, .default_text = "everysec",
     .choices = fsync_choices},
    CONFIG_ENTRY_BOOL("no-appendfsync-on-rewrite", &aof.no_fsync_on_rewrite, "no", 0),
    CONFIG_ENTRY_INTEGER("auto-aof-rewrite-percentage", &aof.rewrite_percentage, TARGET_INT, 0, INT_MAX, "100", 0,
                         NULL),
    CONFIG_ENTRY_MEMORY("auto-aof-rewrite-min-size", &aof.rewrite_min_size, TARGET_LONG_LONG, 0, "64mb", NULL),
    CONFIG_ENTRY_BOOL("aof-load-truncated", &aof.load_truncated, "yes", 0),
    CONFIG_ENTRY_BOOL("aof-use-rdb-preamble", &aof.use_rdb_preamble, "yes", 0),
    CONFIG_ENTRY_BOOL("aof-timestamp-enabled", &aof.timestamp_enabled, "no", 0),
    CONFIG_ENTRY_BOOL("aof-rewrite-incremental-fsync", &aof.rewrite_incremental_fsync, "yes", 0),
    {.name = "aof-disable-auto-gc", .type = CONFIG_BOOL, .flags = CONFIG_HIDDEN, .value = &aof.disable_auto_gc,
     .default_text = "no", .apply = apply_auto_gc},
    {.name = NULL}};

/* ---- INFO ---- */

void aof_info_fields(strbuf *out) {
    strbuf_printf(out,
                  "aof_enabled:%d\r\n"
                  "aof_rewrite_in_progress:%d\r\n"
                  "aof_rewrite_scheduled:%d\r\n"
                  "aof_last_rewrite_time_sec:%lld\r\n"
                  "aof_current_rewrite_time_sec:%lld\r\n"
                  "aof_last_bgrewrite_status:%s\r\n"
                  "aof_rewrites:%lld\r\n"
                  "aof_rewrites_consecutive_failures:%lld\r\n"
                  "aof_last_write_status:%s\r\n"
                  "aof_last_cow_size:0\r\n",
                  aof.status != AOF_OFF, aof.rewriting, aof.rewrite_scheduled, aof.last_rewrite_seconds,
                  aof.rewriting ? (server_unix_time_ms() - aof.rewrite_start_ms) / 1000 : -1LL,
                  aof.last_rewrite_ok ? "ok" : "err", aof.rewrites, aof.rewrite_failures,
                  aof_last_write_ok() ? "ok" : "err");
}

void aof_info_tail(strbuf *out) {
    if (!aof.appendonly) return;
    strbuf_printf(out,
                  "aof_current_size:%lld\r\n"
                  "aof_base_size:%lld\r\n"
                  "aof_pending_rewrite:%d\r\n"
                  "aof_buffer_length:%zu\r\n"
                  "aof_pending_bio_fsync:%d\r\n"
                  "aof_delayed_fsync:%lld\r\n",
                  aof.current_size, aof.base_size, aof.rewrite_scheduled, aof.buffer.length,
                  aof_fsync_in_progress() ? 1 : 0, aof.delayed_fsync);
}

/* ---- commands ---- */

static void bgrewriteaof_command(client *c) {
    char *error = NULL;
    int result = aof_rewrite_start(&error);
    if (result == 0) reply_simple(c, "Background append only file rewriting started");
    else if (result == 1) reply_simple(c, "Background append only file rewriting scheduled");
    else reply_error_format(c, "ERR %s", error);
    zmalloc_free(error);
}

static const command_spec aof_commands[] = {
    {.name = "bgrewriteaof", .handler = bgrewriteaof_command, .arity = 1,
     .flags = COMMAND_NOSCRIPT | COMMAND_ADMIN | COMMAND_NO_ASYNC_LOADING, .categories = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS,
     .group = "server", .summary = "Asynchronously rewrite the append-only file", .since = "1.0.0",
     .complexity = "O(1)"},
    {0}};

/* DEBUG LOADAOF: the files on disk replace the data, as Redis does it. */
static void debug_loadaof(client *c) {
    if (aof.status != AOF_OFF) aof_flush(true);
    long long dirty = server.stats.dirty;
    multi_database_flushed(-1);
    for (int i = 0; i < keyspace_database_count(); i++) db_empty(keyspace_db(i));
    bool logging = propagate_on;
    propagate_set_consumer(NULL);
    char *error = NULL;
    int result = aof_manifest_load(&error);
    if (result == 0) {
        aof_manifest_delete_history();
        result = aof_load_all(&error);
    }
    if (result != 0) {
        log_message(LOG_WARNING, "%s", error);
        exit(1);
    }
    if (logging) propagate_set_consumer(aof_feed);
    server.stats.dirty = dirty; /* the load itself is not logged */
    log_message(LOG_WARNING, "Append Only File loaded by DEBUG LOADAOF");
    reply_ok(c);
}

static void debug_aof_flush_sleep(client *c) {
    long long microseconds;
    if (!args_integer_or_reply(c, &c->argv[2], &microseconds)) return;
    aof_flush_sleep_us = microseconds;
    reply_ok(c);
}

static const char *const flush_sleep_help[] = {
    "AOF-FLUSH-SLEEP <microsec>", "    Server will sleep before flushing the AOF, this is used for testing.", NULL};
static const debug_extension flush_sleep_extension = {"aof-flush-sleep", 3, 3, debug_aof_flush_sleep,
                                                      flush_sleep_help};

static void debug_aof_fsync_delay(client *c) {
    long long microseconds;
    if (!args_integer_or_reply(c, &c->argv[2], &microseconds)) return;
    if (microseconds < 0 || microseconds > 60 * 1000000LL) {
        reply_error(c, "ERR the delay must be between 0 and 60000000 microseconds");
        return;
    }
    aof_set_fsync_delay(microseconds);
    reply_ok(c);
}

static const char *const fsync_delay_help[] = {
    "AOF-FSYNC-DELAY <microsec>",
    "    (zkv) The background fsync of appendfsync everysec waits this long first, as a slow disk would.", NULL};
static const debug_extension fsync_delay_extension = {"aof-fsync-delay", 3, 3, debug_aof_fsync_delay,
                                                      fsync_delay_help};

static const char *const loadaof_help[] = {"LOADAOF", "    Flush the AOF buffers on disk and reload the AOF in memory.",
                                           NULL};
static const debug_extension loadaof_extension = {"loadaof", 2, 2, debug_loadaof, loadaof_help};

/* ---- lifecycle ---- */

static void before_flush(void) {
    if (aof.status != AOF_OFF) aof_flush(false);
}

static int open_at_start(const char **error) {
    char *reason = NULL;
    aof_manifest *m = &aof.manifest;
    if (m->base == NULL && m->incr_count == 0 && aof_write_base_now(&reason) != 0) {
        *error = reason;
        return -1;
    }
    bool created = m->incr_count == 0;
    const char *name = created ? aof_manifest_new_incr(m) : m->incrs[m->incr_count - 1].name;
    if (aof_open_incr(name, false) != 0) {
        *error = "Can't open the append-only file";
        return -1;
    }
    if (aof_manifest_persist() != 0) {
        *error = "Can't persist the AOF manifest";
        return -1;
    }
    log_message(LOG_NOTICE, "%s AOF incr file %s on server start", created ? "Creating" : "Opening", name);
    aof.status = AOF_ON;
    aof_fsync_thread_start();
    aof_start_logging();
    aof_manifest_delete_history();
    return 0;
}

static int aof_init(const char **error) {
    networking_set_before_flush(before_flush);
    networking_set_output_gate(aof_output_held);
    debug_register_extension(&loadaof_extension);
    debug_register_extension(&flush_sleep_extension);
    debug_register_extension(&fsync_delay_extension);
    persist_remove_stale_files("temp-rewriteaof-bg-%d.%7s", "aof");
    char *reason = NULL;
    if (aof_manifest_load(&reason) != 0) {
        *error = reason;
        return -1;
    }
    /* History files a crash left behind (Redis deletes them at start too). */
    if (!aof.appendonly) {
        if (aof.manifest.history_count > 0) aof_manifest_delete_history();
        return 0;
    }
    long long start = server_unix_time_ms();
    if (aof_load_all(&reason) != 0) {
        for (int i = 0; i < keyspace_database_count(); i++) db_empty(keyspace_db(i));
        *error = reason;
        return -1;
    }
    if (aof.current_size > 0)
        log_message(LOG_NOTICE, "DB loaded from append only file: %.3f seconds",
                    (double)(server_unix_time_ms() - start) / 1000);
    return open_at_start(error);
}

static void aof_cron(void) {
    if (aof.status != AOF_OFF && !aof.last_write_ok) aof_flush(false);
    aof_rewrite_cron();
}

int aof_prepare_shutdown(int flags) {
    if (aof.rewriting) {
        if (aof.status == AOF_WAIT_REWRITE) {
            if (!(flags & SERVER_SHUTDOWN_FORCE)) {
                log_message(LOG_WARNING, "Writing initial AOF, can't exit.");
                return -1;
            }
            log_message(LOG_WARNING, "Writing initial AOF. Exit anyway.");
        }
        log_message(LOG_WARNING, "There is a child rewriting the AOF. Killing it!");
        bgsave_abort();
    }
    if (aof.status != AOF_OFF) {
        log_message(LOG_NOTICE, "Calling fsync() on the AOF file.");
        aof_flush(true);
        aof_fsync_now();
    }
    return 0;
}

static void aof_shutdown(void) {
    if (aof.status != AOF_OFF) {
        aof_flush(true);
        aof_fsync_now();
    }
    aof_stop_logging();
    aof_close_incr();
    aof_fsync_thread_stop();
    aof_manifest_clear(&aof.manifest);
    zmalloc_free(aof.rewrite_base_name);
    aof.rewrite_base_name = NULL;
}

const zkv_module aof_module = {
    .name = "aof",
    .commands = (const command_spec *const[]){aof_commands, NULL},
    .parameters = aof_parameters,
    .init = aof_init,
    .cron = aof_cron,
    .shutdown = aof_shutdown,
};
