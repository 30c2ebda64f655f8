/* aof: the append-only file in Redis 7.0's multi-part format (state shared
 * by the aof_* files of this folder).
 *
 *   aof_manifest.c  the manifest (appendonly.aof.manifest): parse, format,
 *                   file names, the crash-safe switch (temp file, fsync,
 *                   rename, directory fsync)
 *   aof_write.c     the consumer of command/propagate.h: the buffer, SELECT,
 *                   timestamps; write and fsync before replies leave
 *                   (appendfsync always: one fdatasync per loop iteration
 *                   for every client's writes), the everysec fsync thread,
 *                   write errors (MISCONF) and their recovery
 *   aof_load.c      replaying base and incremental files at start (and
 *                   DEBUG LOADAOF), truncated tails, upgrading a single-file
 *                   AOF
 *   aof_rewrite.c   BGREWRITEAOF, the automatic rewrite, CONFIG SET
 *                   appendonly yes: a new base from the forkless snapshot
 *                   (bgsave.c) while new writes go to a new incremental file
 *   aof_module.c    parameters, INFO fields, BGREWRITEAOF, start and
 *                   shutdown
 *
 * Files live in `appenddirname` under the working directory.  Redis's
 * names: <appendfilename>.<seq>.base.rdb (or .base.aof),
 * <appendfilename>.<seq>.incr.aof, <appendfilename>.manifest.
 */
#ifndef ZKV_AOF_H
#define ZKV_AOF_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

enum aof_fsync_policy { AOF_FSYNC_NO = 0, AOF_FSYNC_ALWAYS = 1, AOF_FSYNC_EVERYSEC = 2 };
enum aof_status { AOF_OFF = 0, AOF_ON, AOF_WAIT_REWRITE };

typedef struct aof_file {
    char *name;
    long long seq;
    char type; /* 'b' base, 'h' history, 'i' incremental */
} aof_file;

typedef struct aof_manifest {
    aof_file *base;       /* NULL if none */
    aof_file *history;    /* to be deleted */
    int history_count;
    aof_file *incrs;      /* in replay order */
    int incr_count;
    long long base_seq, incr_seq; /* the highest used */
} aof_manifest;

typedef struct aof_state {
    /* parameters */
    int appendonly;
    int fsync_policy;
    int no_fsync_on_rewrite;
    int rewrite_percentage;
    long long rewrite_min_size;
    int load_truncated;
    int use_rdb_preamble;
    int timestamp_enabled;
    int rewrite_incremental_fsync;
    int disable_auto_gc;  /* aof-disable-auto-gc (hidden, tests): history kept */
    char *filename;       /* appendfilename */
    char *dirname;        /* appenddirname */
    /* state */
    enum aof_status status;
    aof_manifest manifest;
    int fd;               /* the incremental file appended to, -1 */
    int selected_db;      /* the database the file's stream is in, -1 */
    long long last_timestamp;
    strbuf buffer;        /* written at the next flush */
    long long current_size, base_size; /* aof_current_size, aof_base_size */
    long long last_incr_size;
    bool last_write_ok;
    int last_write_errno;
    long long delayed_fsync;
    long long postponed_since_ms; /* everysec: since when an fsync is overdue */
    /* rewrite */
    bool rewriting;
    bool rewrite_scheduled;
    long long rewrite_start_ms;
    long long last_rewrite_seconds; /* -1 if none */
    bool last_rewrite_ok;
    long long rewrites;
    long long rewrite_failures; /* consecutive */
    char *rewrite_base_name;  /* the base the running rewrite writes */
} aof_state;

extern aof_state aof;

/* aof_manifest.c */
/* Reads <dir>/<filename>.manifest into aof.manifest.  0 (also when the
 * directory or manifest do not exist: an empty manifest), or -1 with the
 * reason in *error (zmalloc'd: the file, the line, what is wrong). */
int aof_manifest_load(char **error);
/* Writes aof.manifest through a temp file and a rename, fsyncing the file
 * and the directory.  0, or -1 after logging the reason. */
int aof_manifest_persist(void);
void aof_manifest_clear(aof_manifest *m);
/* A new name with the next sequence number, added to the manifest (in
 * memory): an incremental file appended to the list, a base replacing
 * the current one, which becomes history. */
const char *aof_manifest_new_incr(aof_manifest *m);
const char *aof_manifest_new_base(aof_manifest *m, bool rdb);
/* Every incremental file but the last (the one appended to) to history. */
void aof_manifest_history_incrs(aof_manifest *m, bool keep_last);
/* Deletes the history files and forgets them (persisting the manifest). */
void aof_manifest_delete_history(void);
void aof_manifest_copy(aof_manifest *to, const aof_manifest *from);
/* <dir>/<name> into buffer (PATH_MAX). */
const char *aof_path(char *buffer, size_t size, const char *name);
/* Creates the directory if missing; 0 or -1 (errno). */
int aof_make_directory(void);

/* aof_write.c */
/* propagate.h's consumer. */
void aof_feed(int db_index, const char *resp, size_t length);
/* Opens the last incremental file for appending (creating it); 0 / -1. */
int aof_open_incr(const char *name, bool truncate);
void aof_close_incr(void);
/* Writes the buffer and fsyncs per policy (always: here; everysec: the
 * helper thread, once a second).  `force` marks the callers that need the
 * buffer on file now (rewrites, shutdown; aof_fsync_now syncs): every flush
 * writes it, so it changes nothing today. */
void aof_flush(bool force);
/* The everysec fsync thread; joined at shutdown. */
void aof_fsync_thread_start(void);
void aof_fsync_thread_stop(void);
/* Fsyncs the open incremental file now (after a write error cleared). */
void aof_fsync_now(void);
bool aof_fsync_in_progress(void);
/* Deletes a file from the helper thread (history files can be big). */
void aof_unlink_async(const char *path);
/* The -MISCONF text while the last write or fsync failed, else NULL. */
const char *aof_write_refusal(void);
/* DEBUG AOF-FLUSH-SLEEP <us>: a pause before each write (tests). */
extern long long aof_flush_sleep_us;
/* DEBUG AOF-FSYNC-DELAY <us> (zkv): the helper thread waits this long before
 * each background fsync, standing in for a slow disk (tests of everysec). */
void aof_set_fsync_delay(long long microseconds);
/* INFO aof_last_write_status: the last write and background fsync worked. */
bool aof_last_write_ok(void);
/* Replies may leave only after their writes reached the file (always). */
bool aof_output_held(void);
/* Starts logging (installs the consumer) / stops. */
void aof_start_logging(void);
void aof_stop_logging(void);

/* aof_load.c */
/* Loads the files of aof.manifest (upgrading a single-file AOF first).
 * 0 (also when there is nothing to load), -1 with *error. */
int aof_load_all(char **error);
/* Replays one command-format file from `offset` (after an RDB preamble).
 * `last`: a truncated tail may be cut (aof-load-truncated). */
int aof_load_commands(const char *path, const char *name, size_t offset, bool last, char **error);

/* aof_rewrite.c */
/* BGREWRITEAOF: 0 started, 1 scheduled (a BGSAVE runs), -1 with *error. */
int aof_rewrite_start(char **error);
/* CONFIG SET appendonly yes/no. */
int aof_enable(char **error);
void aof_disable(void);
/* Cron: scheduled rewrite, automatic rewrite. */
void aof_rewrite_cron(void);
/* The base file written synchronously (an empty dataset at start). */
int aof_write_base_now(char **error);

/* aof_module.c: INFO persistence's aof_* fields, in Redis's order. */
void aof_info_fields(strbuf *out);
void aof_info_tail(strbuf *out);
/* SHUTDOWN: -1 refuses (initial rewrite running, no FORCE). */
int aof_prepare_shutdown(int flags);
/* Whether start-up loads the AOF instead of the RDB. */
bool aof_enabled_at_start(void);

#endif
