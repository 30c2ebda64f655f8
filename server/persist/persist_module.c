/* persist_module: the persistence module's descriptor and the policy around
 * the RDB files: parameters, save points, INFO persistence, the MISCONF
 * guard, FLUSHALL, the final save at shutdown and the load at start.
 *
 * The load starts in the module's init and runs there for up to
 * PERSIST_LOAD_AT_INIT_US; as Redis does, the listeners open first, so a
 * client connecting meanwhile waits in the backlog instead of being
 * refused, and a small dump is loaded before any command is read.  A bigger one goes on from the loop in
 * slices of PERSIST_LOAD_SLICE_US, while clients get -LOADING (dispatch's
 * loading check) except for the commands Redis lets through, and INFO
 * reports loading:1 and the loading_* fields.  A file that cannot be loaded
 * stops the server with one log line naming it and the reason, also when
 * the fault is found after the listeners opened (exit code 1, nothing
 * saved: SHUTDOWN while loading never saves, as in Redis).
 *
 * Save points are Redis's: `save "3600 1 300 100 60 10000"` by default;
 * each `save` directive replaces the list (Redis appends the lines of one
 * config file; one line holding every pair is the same in both).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "command.h"
#include "networking.h"
#include "config_table.h"
#include "db.h"
#include "keyspace.h"
#include "log.h"
#include "module.h"
#include "number.h"
#include "aof.h"
#include "persist.h"
#include "rdb_format.h"
#include "server.h"
#include "zmalloc.h"

persist_state persist = {.last_bgsave_ok = true, .last_bgsave_seconds = -1};

#define PERSIST_LOAD_AT_INIT_US 200000
#define PERSIST_LOAD_SLICE_US 20000

static struct {
    load_context *load;       /* non-NULL while loading from the loop */
    struct event *timer;
    long long start_unix;
    struct timespec start;
} loading;

static int persist_loading(void) {
    return loading.load != NULL;
}

extern const command_spec persist_commands[];
extern const command_spec migrate_commands[];

static long long now_seconds(void) {
    return server_unix_time_ms() / 1000;
}

void persist_saved(long long dirty_before) {
    server.stats.dirty -= dirty_before;
    if (server.stats.dirty < 0) server.stats.dirty = 0;
    persist.last_save_time = now_seconds();
    persist.last_bgsave_ok = true;
    persist.saves++;
}

/* ---- parameters ---- */

static int parse_save(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    save_point points[PERSIST_MAX_SAVE_POINTS];
    int count = 0;
    char **words;
    int word_count = config_split_line(text, &words);
    int ok = word_count >= 0 && word_count % 2 == 0 && word_count / 2 <= PERSIST_MAX_SAVE_POINTS;
    for (int i = 0; ok && i < word_count; i += 2) {
        long long seconds = 0, changes = 0;
        ok = number_parse_integer(words[i], strlen(words[i]), &seconds) &&
             number_parse_integer(words[i + 1], strlen(words[i + 1]), &changes) && seconds >= 1 && changes >= 0;
        points[count++] = (save_point){seconds, changes};
    }
    if (word_count >= 0) config_free_words(words, word_count);
    if (!ok) {
        *error = "Invalid save parameters";
        return -1;
    }
    memcpy(persist.points, points, sizeof(points[0]) * (size_t)count);
    persist.point_count = count;
    return 0;
}

static void format_save(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    for (int i = 0; i < persist.point_count; i++)
        strbuf_printf(out, "%s%lld %lld", i ? " " : "", persist.points[i].seconds, persist.points[i].changes);
}

static const config_choice sanitize_choices[] = {{"no", 0}, {"yes", 1}, {"clients", 2}, {NULL, 0}};
static int incremental_fsync = 1;
int persist_key_save_delay;
int persist_key_load_delay;
static long long loading_events_interval_bytes = 2 * 1024 * 1024;

static const config_parameter persist_parameters[] = {
    CONFIG_ENTRY_SPECIAL("save", "3600 1 300 100 60 10000", CONFIG_MULTI_ARGUMENT, parse_save, format_save, NULL),
    CONFIG_ENTRY_BOOL("rdbcompression", &persist.compression, "yes", 0),
    CONFIG_ENTRY_BOOL("rdbchecksum", &persist.checksum, "yes", CONFIG_IMMUTABLE),
    CONFIG_ENTRY_BOOL("stop-writes-on-bgsave-error", &persist.stop_writes_on_error, "yes", 0),
    CONFIG_ENTRY_BOOL("rdb-del-sync-files", &persist.del_sync_files, "no", 0),
    CONFIG_ENTRY_BOOL("rdb-save-incremental-fsync", &incremental_fsync, "yes", 0),
    CONFIG_ENTRY_INTEGER("rdb-key-save-delay", &persist_key_save_delay, TARGET_INT, INT_MIN, INT_MAX, "0", 0, NULL),
    CONFIG_ENTRY_INTEGER("key-load-delay", &persist_key_load_delay, TARGET_INT, INT_MIN, INT_MAX, "0", 0, NULL),
    /* Accepted: zkv's load serves clients every PERSIST_LOAD_SLICE_US, by time rather than bytes. */
    CONFIG_ENTRY_INTEGER("loading-process-events-interval-bytes", &loading_events_interval_bytes, TARGET_LONG_LONG,
                         1024, INT_MAX, "2097152", 0, NULL),
    /* zkv validates every payload fully whatever this says. */
    {.name = "sanitize-dump-payload", .type = CONFIG_ENUM, .value = &persist.sanitize_dump_payload,
     .default_text = "no", .choices = sanitize_choices},
    {.name = NULL}};

/* ---- INFO persistence ---- */

/* The loading_* fields, as Redis 7.0 appends them while loading. */
static void loading_fields(char *text, size_t size) {
    text[0] = '\0';
    if (!persist_loading()) return;
    size_t total;
    long long used_memory;
    size_t loaded = rdb_load_progress(loading.load, &total, &used_memory);
    long long elapsed = server_unix_time_ms() / 1000 - loading.start_unix;
    long long eta = elapsed > 0 ? (long long)((double)elapsed * (double)(total - loaded) / (double)(loaded + 1)) : 1;
    snprintf(text, size,
             "loading_start_time:%lld\r\n"
             "loading_total_bytes:%zu\r\n"
             "loading_rdb_used_mem:%lld\r\n"
             "loading_loaded_bytes:%zu\r\n"
             "loading_loaded_perc:%.2f\r\n"
             "loading_eta_seconds:%lld\r\n",
             loading.start_unix, total, used_memory, loaded, total ? (double)loaded * 100 / (double)total : 0.0,
             eta);
}

static void write_info(strbuf *out) {
    long long now = server_unix_time_ms();
    bool running = bgsave_in_progress();
    char loading_text[512];
    loading_fields(loading_text, sizeof(loading_text));
    strbuf_printf(out,
                  "loading:%d\r\n"
                  "async_loading:0\r\n"
                  "current_cow_peak:0\r\n"
                  "current_cow_size:0\r\n"
                  "current_cow_size_age:0\r\n"
                  "current_fork_perc:0.00\r\n"
                  "current_save_keys_processed:%lld\r\n"
                  "current_save_keys_total:%lld\r\n"
                  "rdb_changes_since_last_save:%lld\r\n"
                  "rdb_bgsave_in_progress:%d\r\n"
                  "rdb_last_save_time:%lld\r\n"
                  "rdb_last_bgsave_status:%s\r\n"
                  "rdb_last_bgsave_time_sec:%lld\r\n"
                  "rdb_current_bgsave_time_sec:%lld\r\n"
                  "rdb_saves:%lld\r\n"
                  "rdb_last_cow_size:0\r\n"
                  "rdb_last_load_keys_expired:%lld\r\n"
                  "rdb_last_load_keys_loaded:%lld\r\n",
                  persist_loading() ? 1 : 0, running ? persist.save_keys_processed : 0LL, running ? persist.save_keys_total : 0LL,
                  server.stats.dirty, running ? 1 : 0, persist.last_save_time,
                  persist.last_bgsave_ok ? "ok" : "err", persist.last_bgsave_seconds,
                  running ? (now - persist.bgsave_start_ms) / 1000 : -1LL, persist.saves,
                  persist.keys_expired, persist.keys_loaded);
    aof_info_fields(out);
    strbuf_append_cstring(out, "module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n");
    aof_info_tail(out);
    strbuf_append_cstring(out, loading_text);
}

static const module_info_section persist_info_sections[] = {{"persistence", write_info}, {NULL, NULL}};

/* ---- guards and hooks ---- */

static const char *misconf_check(void) {
    if (!persist.stop_writes_on_error || persist.point_count == 0 || persist.last_bgsave_ok) return aof_write_refusal();
    return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
           "Commands that may modify the data set are disabled, because this instance is configured to report "
           "errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check "
           "the Redis logs for details about the RDB error.";
}

/* FLUSHALL, as Redis 7.0: the running save would bring the data back. */
static void after_flush_all(void) {
    if (bgsave_in_progress()) bgsave_abort(); /* an AOF rewrite goes on: its incremental file logs the FLUSHALL */
    if (persist.point_count == 0) return;
    char *error = NULL;
    long long dirty = server.stats.dirty;
    if (rdb_save_file(server.config.db_filename, getpid(), &error) == 0) persist_saved(dirty);
    zmalloc_free(error);
}

static int prepare_shutdown(int flags) {
    if (aof_prepare_shutdown(flags) != 0) return -1;
    if (bgsave_in_progress()) {
        log_message(LOG_WARNING, "There is a background save in progress. Abandoning it!");
        bgsave_abort();
    }
    bool save = (persist.point_count > 0 && !(flags & SERVER_SHUTDOWN_NOSAVE)) || (flags & SERVER_SHUTDOWN_SAVE);
    if (!save || persist_loading()) return 0; /* a half-loaded dataset must not replace the file */
    log_message(LOG_NOTICE, "Saving the final RDB snapshot before exiting.");
    char *error = NULL;
    long long dirty = server.stats.dirty;
    int result = rdb_save_file(server.config.db_filename, getpid(), &error);
    zmalloc_free(error);
    if (result == 0) {
        log_message(LOG_NOTICE, "DB saved on disk");
        persist_saved(dirty);
        return 0;
    }
    if (flags & SERVER_SHUTDOWN_FORCE) {
        log_message(LOG_WARNING, "Error trying to save the DB. Exit anyway.");
        return 0;
    }
    log_message(LOG_WARNING, "Error trying to save the DB, can't exit.");
    log_message(LOG_WARNING, "Errors trying to shut down the server. Check the logs for more information.");
    return -1;
}

/* ---- lifecycle ---- */

void persist_remove_stale_files(const char *format, const char *suffix) {
    DIR *dir = opendir(".");
    if (!dir) return;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        int pid;
        char tail[8];
        if (sscanf(entry->d_name, format, &pid, tail) != 2 || strcmp(tail, suffix) != 0) continue;
        if (pid > 0 && pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH) {
            log_message(LOG_NOTICE, "Removing stale temp file %s of a save that did not finish.", entry->d_name);
            unlink(entry->d_name);
        }
    }
    closedir(dir);
}

static double seconds_since(const struct timespec *start) {
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    return (double)(end.tv_sec - start->tv_sec) + (double)(end.tv_nsec - start->tv_nsec) / 1e9;
}

/* A load that failed: nothing half-loaded may be served or saved. */
static void load_failed(char *reason) {
    for (int i = 0; i < keyspace_database_count(); i++) db_empty(keyspace_db(i));
    log_message(LOG_WARNING, "%s", reason);
    zmalloc_free(reason);
}

static void load_slice(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what, (void)arg;
    char *reason = NULL;
    int result = rdb_load_step(loading.load, PERSIST_LOAD_SLICE_US, &reason);
    if (result == 1) {
        static const struct timeval immediately = {0, 0};
        evtimer_add(loading.timer, &immediately);
        return;
    }
    loading.load = NULL;
    if (result != 0) {
        load_failed(reason);
        exit(1);
    }
    log_message(LOG_NOTICE, "DB loaded from disk: %.3f seconds", seconds_since(&loading.start));
}

/* Module init errors are borrowed strings (main prints them and exits), but
 * the loader's reasons are allocated: keep the text, free the allocation. */
static int fail_init(char *reason, const char **error) {
    static char message[1024];
    snprintf(message, sizeof(message), "%s", reason ? reason : "Error loading the RDB file");
    zmalloc_free(reason);
    *error = message;
    return -1;
}

static int persist_init(const char **error) {
    persist.last_save_time = now_seconds();
    dispatch_set_write_check(misconf_check);
    dispatch_set_loading_check(persist_loading);
    keyspace_set_flush_all_hook(after_flush_all);
    server_set_shutdown_preparer(prepare_shutdown);
    persist_debug_init();
    migrate_init();
    persist_remove_stale_files("temp-%d.%7s", "rdb");
    clock_gettime(CLOCK_MONOTONIC, &loading.start);
    loading.start_unix = server_unix_time_ms() / 1000;
    if (aof_enabled_at_start()) return 0; /* the AOF module loads the AOF instead */
    load_context *load;
    char *reason = NULL;
    if (rdb_load_begin(server.config.db_filename, false, &load, &reason) != 0) return fail_init(reason, error);
    if (load == NULL) return 0;
    char *listen_error = NULL;
    if (networking_listen(&listen_error) != 0) {
        rdb_load_abandon(load);
        *error = listen_error;
        return -1;
    }
    int result = rdb_load_step(load, PERSIST_LOAD_AT_INIT_US, &reason);
    if (result < 0) {
        /* The keys loaded before the fault go too: the process exits, and
         * nothing should outlive it unreleased (the sanitizer build checks). */
        for (int i = 0; i < keyspace_database_count(); i++) db_empty(keyspace_db(i));
        log_message(LOG_WARNING, "Terminating server after rdb file reading failure.");
        return fail_init(reason, error);
    }
    if (result == 0) {
        log_message(LOG_NOTICE, "DB loaded from disk: %.3f seconds", seconds_since(&loading.start));
        return 0;
    }
    loading.load = load;
    loading.timer = evtimer_new(server.base, load_slice, NULL);
    static const struct timeval immediately = {0, 0};
    evtimer_add(loading.timer, &immediately);
    log_message(LOG_NOTICE, "Loading the rest of the RDB file while serving (-LOADING until done)");
    return 0;
}

static void persist_cron(void) {
    migrate_cron();
    bgsave_check_finished();
    if (persist_loading()) return;
    if (snapshot_busy()) return;
    if (persist.bgsave_scheduled) {
        persist.bgsave_scheduled = false;
        char *error = NULL;
        bgsave_start(&error);
        zmalloc_free(error);
        return;
    }
    long long now = now_seconds();
    for (int i = 0; i < persist.point_count; i++) {
        const save_point *point = &persist.points[i];
        if (server.stats.dirty < point->changes || now - persist.last_save_time <= point->seconds) continue;
        if (!persist.last_bgsave_ok && now - persist.last_bgsave_try <= PERSIST_BGSAVE_RETRY_SECONDS) continue;
        log_message(LOG_NOTICE, "%lld changes in %lld seconds. Saving...", point->changes, point->seconds);
        char *error = NULL;
        bgsave_start(&error);
        zmalloc_free(error);
        break;
    }
}

static void persist_shutdown(void) {
    /* prepare_shutdown ran first; a snapshot started since is abandoned. */
    bgsave_abort();
}

const zkv_module persist_module = {
    .name = "persist",
    .commands = (const command_spec *const[]){persist_commands, migrate_commands, NULL},
    .parameters = persist_parameters,
    .info_sections = persist_info_sections,
    .init = persist_init,
    .cron = persist_cron,
    .shutdown = persist_shutdown,
};
