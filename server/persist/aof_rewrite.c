/* aof_rewrite: a new base file from the data in memory, so the AOF stops
 * growing with every write (BGREWRITEAOF, the automatic rewrite, and the
 * first base when CONFIG SET appendonly yes turns logging on).
 *
 * Redis forks a child to write the base; zkv takes the same point-in-time
 * snapshot BGSAVE uses (bgsave.c, keyspace/prewrite.h): no fork, so no
 * copy-on-write and no second copy of the data.  The snapshot and the new
 * incremental file start at the same instant (within one command), so
 * base + new incremental file replay to exactly the current data:
 *   1. flush the buffer into the current incremental file;
 *   2. open the next incremental file and write a manifest that lists it
 *      after the current ones (a crash from here on replays old base, old
 *      incrementals and the new one: the same data);
 *   3. snapshot into temp-rewriteaof-bg-<pid>.aof; when it is written, its
 *      fsync and rename into the directory happen off the loop;
 *   4. a manifest naming the new base and the new incremental file only;
 *      the old files become history and are deleted.
 * Each step leaves a manifest whose files all exist, so kill -9 at any
 * point loads.  When logging is being turned on (WAIT_REWRITE), the
 * incremental file has a temp name until step 4, since the manifest on
 * disk still describes the stale files of a previous run.
 *
 * With `aof-use-rdb-preamble no` the base is commands (.base.aof), written
 * by the same snapshot as one RESTORE key <abs ms> <DUMP payload> ABSTTL per
 * key: every type in one exact, compact form that Redis's loader and
 * redis-check-aof read like any command (Redis writes SET/RPUSH/SADD/...
 * instead; the data replayed is the same).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof.h"
#include "log.h"
#include "persist.h"
#include "server.h"
#include "zmalloc.h"

static char temp_base[64];

static void temp_incr_name(char *buffer, size_t size) {
    snprintf(buffer, size, "temp-%s.incr", aof.filename);
}

static long long size_of(const char *name) {
    char path[4096];
    struct stat info;
    return stat(aof_path(path, sizeof(path), name), &info) == 0 ? (long long)info.st_size : 0;
}

static void rewrite_failed(const char *reason) {
    log_message(LOG_WARNING, "Background AOF rewrite terminated with error: %s", reason);
    aof.rewriting = false;
    aof.last_rewrite_ok = false;
    aof.rewrite_failures++;
    aof.last_rewrite_seconds = (server_unix_time_ms() - aof.rewrite_start_ms) / 1000;
    if (aof.status == AOF_WAIT_REWRITE) {
        /* The temp incremental file is useless without its base: start
         * over from a new snapshot (cron retries). */
        aof_stop_logging();
        aof_close_incr();
        char name[512], path[4096];
        temp_incr_name(name, sizeof(name));
        unlink(aof_path(path, sizeof(path), name));
        if (strcmp(reason, "aborted") != 0) aof.rewrite_scheduled = true;
    }
}

static void rewrite_done(bool ok, const char *reason) {
    if (!ok) {
        rewrite_failed(reason);
        return;
    }
    aof_flush(true);
    aof_manifest next;
    aof_manifest_copy(&next, &aof.manifest);
    const char *base = aof_manifest_new_base(&next, strstr(aof.rewrite_base_name, ".base.rdb") != NULL);
    char from[4096], to[4096];
    aof_path(from, sizeof(from), base);
    /* The snapshot renamed its temp file to rewrite_base_name; it is the
     * name just allocated unless another rewrite moved the sequence. */
    if (strcmp(base, aof.rewrite_base_name) != 0) {
        aof_path(to, sizeof(to), aof.rewrite_base_name);
        if (rename(to, from) != 0) {
            aof_manifest_clear(&next);
            rewrite_failed(strerror(errno));
            return;
        }
    }
    bool waiting = aof.status == AOF_WAIT_REWRITE;
    aof_manifest_history_incrs(&next, !waiting && aof.fd >= 0);
    if (waiting) {
        char name[512];
        temp_incr_name(name, sizeof(name));
        const char *incr = aof_manifest_new_incr(&next);
        aof_path(from, sizeof(from), name);
        aof_path(to, sizeof(to), incr);
        if (rename(from, to) != 0) {
            aof_manifest_clear(&next);
            rewrite_failed(strerror(errno));
            return;
        }
    }
    aof_manifest previous = aof.manifest;
    aof.manifest = next;
    if (aof_manifest_persist() != 0) {
        aof.manifest = previous;
        aof_manifest_clear(&next);
        rewrite_failed("can't persist the AOF manifest");
        return;
    }
    aof_manifest_clear(&previous);
    if (waiting) aof.status = AOF_ON;
    aof.base_size = size_of(aof.manifest.base->name);
    aof.current_size = aof.base_size + aof.last_incr_size;
    aof.rewriting = false;
    aof.last_rewrite_ok = true;
    aof.rewrite_failures = 0;
    aof.rewrites++;
    aof.last_rewrite_seconds = (server_unix_time_ms() - aof.rewrite_start_ms) / 1000;
    log_message(LOG_NOTICE, "Background AOF rewrite terminated with success");
    aof_manifest_delete_history();
    log_message(LOG_NOTICE, "Background AOF rewrite finished successfully");
}

/* Steps 1-3; the caller checked nothing else runs. */
static int begin(char **error) {
    if (aof_make_directory() != 0) {
        strbuf text = STRBUF_INIT;
        strbuf_printf(&text, "Can't open or create append-only dir %s: %s", aof.dirname, strerror(errno));
        *error = strbuf_detach(&text, NULL);
        log_message(LOG_WARNING, "%s", *error);
        return -1;
    }
    if (aof.status == AOF_WAIT_REWRITE) {
        char name[512];
        temp_incr_name(name, sizeof(name));
        if (aof_open_incr(name, true) != 0) goto open_failed;
        aof_start_logging();
    } else if (aof.status == AOF_ON) {
        aof_flush(true);
        aof_manifest next;
        aof_manifest_copy(&next, &aof.manifest);
        const char *name = aof_manifest_new_incr(&next);
        if (aof_open_incr(name, true) != 0) {
            aof_manifest_clear(&next);
            goto open_failed;
        }
        aof_manifest previous = aof.manifest;
        aof.manifest = next;
        if (aof_manifest_persist() != 0) {
            aof.manifest = previous;
            aof_manifest_clear(&next);
            *error = zmalloc_strdup("Can't persist the AOF manifest");
            return -1;
        }
        aof_manifest_clear(&previous);
        log_message(LOG_NOTICE, "Creating AOF incr file %s on background rewrite", name);
    }
    aof_manifest probe;
    aof_manifest_copy(&probe, &aof.manifest);
    zmalloc_free(aof.rewrite_base_name);
    aof.rewrite_base_name = zmalloc_strdup(aof_manifest_new_base(&probe, aof.use_rdb_preamble));
    aof_manifest_clear(&probe);
    char target[4096];
    aof_path(target, sizeof(target), aof.rewrite_base_name);
    snprintf(temp_base, sizeof(temp_base), "temp-rewriteaof-bg-%d.aof", (int)getpid());
    char preamble[64] = "";
    if (aof.timestamp_enabled) snprintf(preamble, sizeof(preamble), "#TS:%lld\r\n", (long long)(server_unix_time_ms() / 1000));
    if (snapshot_start_aof(temp_base, target, aof.dirname, aof.use_rdb_preamble ? NULL : preamble, rewrite_done,
                           error) != 0) {
        log_message(LOG_WARNING, "%s", *error);
        if (aof.status == AOF_WAIT_REWRITE) rewrite_failed(*error);
        return -1;
    }
    aof.rewriting = true;
    aof.rewrite_scheduled = false;
    aof.rewrite_start_ms = server_unix_time_ms();
    log_message(LOG_NOTICE, "Background append only file rewriting started (snapshot without fork)");
    return 0;

open_failed:
    *error = zmalloc_strdup("Can't open the new incremental AOF file");
    if (aof.status == AOF_WAIT_REWRITE) rewrite_failed(*error);
    return -1;
}

int aof_rewrite_start(char **error) {
    if (aof.rewriting) {
        *error = zmalloc_strdup("Background append only file rewriting already in progress");
        return -1;
    }
    if (snapshot_busy()) {
        aof.rewrite_scheduled = true;
        aof.rewrite_failures = 0;
        return 1;
    }
    if (begin(error) != 0) {
        zmalloc_free(*error);
        *error = zmalloc_strdup("Can't execute an AOF background rewriting. Please check the server logs for more "
                                "information.");
        return -1;
    }
    return 0;
}

int aof_enable(char **error) {
    if (aof.status != AOF_OFF) return 0;
    aof.status = AOF_WAIT_REWRITE;
    aof.last_write_ok = true;
    aof_fsync_thread_start();
    if (aof.rewriting) return 0;
    if (snapshot_busy()) {
        log_message(LOG_WARNING, "AOF was enabled but there is already another background operation. An AOF "
                                 "background was scheduled to start when possible.");
        aof.rewrite_scheduled = true;
        return 0;
    }
    if (begin(error) != 0) {
        aof.status = AOF_OFF;
        aof.rewrite_scheduled = false;
        return -1;
    }
    return 0;
}

void aof_disable(void) {
    if (aof.status == AOF_OFF) return;
    aof_flush(true);
    aof_fsync_now();
    aof_stop_logging();
    aof_close_incr();
    enum aof_status was = aof.status;
    aof.status = AOF_OFF;
    aof.rewrite_scheduled = false;
    if (aof.rewriting) {
        log_message(LOG_NOTICE, "Killing running AOF rewrite child (a snapshot without fork: abandoned)");
        bgsave_abort();
    }
    if (was == AOF_WAIT_REWRITE) {
        char name[512], path[4096];
        temp_incr_name(name, sizeof(name));
        unlink(aof_path(path, sizeof(path), name));
    }
}

void aof_rewrite_cron(void) {
    if (aof.rewriting || snapshot_busy()) return;
    if (aof.rewrite_scheduled) {
        char *error = NULL;
        if (begin(&error) != 0) zmalloc_free(error);
        return;
    }
    if (aof.status != AOF_ON || aof.rewrite_percentage == 0 || aof.current_size <= aof.rewrite_min_size) return;
    long long base = aof.base_size ? aof.base_size : 1;
    long long growth = aof.current_size * 100 / base - 100;
    if (growth < aof.rewrite_percentage) return;
    log_message(LOG_NOTICE, "Starting automatic rewriting of AOF on %lld%% growth", growth);
    char *error = NULL;
    if (begin(&error) != 0) zmalloc_free(error);
}

/* The command-form base of an empty dataset: nothing but a #TS line when
 * timestamps are on. */
static int write_empty_command_base(const char *path, char **error) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char text[64] = "";
    if (aof.timestamp_enabled) snprintf(text, sizeof(text), "#TS:%lld\r\n", (long long)(server_unix_time_ms() / 1000));
    size_t length = strlen(text);
    if (fd < 0 || write(fd, text, length) != (ssize_t)length || fsync(fd) != 0) {
        strbuf message = STRBUF_INIT;
        strbuf_printf(&message, "Can't write the AOF base file %s: %s", path, strerror(errno));
        *error = strbuf_detach(&message, NULL);
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    persist_fsync_directory(aof.dirname);
    return 0;
}

int aof_write_base_now(char **error) {
    if (aof_make_directory() != 0) {
        strbuf text = STRBUF_INIT;
        strbuf_printf(&text, "Can't open or create append-only dir %s: %s", aof.dirname, strerror(errno));
        *error = strbuf_detach(&text, NULL);
        return -1;
    }
    const char *base = aof_manifest_new_base(&aof.manifest, aof.use_rdb_preamble);
    char temp[64], path[4096];
    snprintf(temp, sizeof(temp), "temp-rewriteaof-%d.aof", (int)getpid());
    if (aof.use_rdb_preamble) {
        if (rdb_save_as(temp, aof_path(path, sizeof(path), base), aof.dirname, true, error) != 0) return -1;
    } else if (write_empty_command_base(aof_path(path, sizeof(path), base), error) != 0) {
        return -1;
    }
    /* Not counted in aof_base_size/aof_current_size, as in Redis (they
     * count what was loaded). */
    log_message(LOG_NOTICE, "Creating AOF base file %s on server start", base);
    return 0;
}
