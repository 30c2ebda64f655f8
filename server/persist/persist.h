/* persist: RDB persistence in Redis's own format (state shared by the files
 * of this folder).
 *
 *   rdb_format.c       one key's value and the DUMP payload (type byte,
 *                      value, version, CRC); strings here, other types
 *                      through their object_type_functions slots
 *   rdb_save.c         the whole file: header, AUX fields, databases, EOF,
 *                      CRC; temp file, fsync, rename, directory fsync
 *   rdb_load.c         loading a file at start (or DEBUG RELOAD): mmap,
 *                      parse, validate, CRC; refuses instead of loading part
 *   bgsave.c           BGSAVE: a point-in-time snapshot without fork,
 *                      written from the loop in slices (why: its header)
 *   persist_commands.c SAVE BGSAVE LASTSAVE DUMP RESTORE
 *   persist_module.c   parameters, save points, INFO persistence, MISCONF,
 *                      shutdown save, start-up load
 *   persist_debug.c    DEBUG RELOAD and DEBUG POPULATE (for the tests)
 *   persist_digest.c   DEBUG DIGEST
 *   aof_*.c            the append-only file (aof.h)
 */
#ifndef ZKV_PERSIST_H
#define ZKV_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "object.h"
#include "rdb_io.h"
#include "strbuf.h"

#define PERSIST_MAX_SAVE_POINTS 16
#define PERSIST_BGSAVE_RETRY_SECONDS 5 /* after a failed BGSAVE, as Redis */

typedef struct save_point {
    long long seconds;
    long long changes;
} save_point;

typedef struct persist_state {
    /* parameters */
    save_point points[PERSIST_MAX_SAVE_POINTS];
    int point_count;
    int compression;            /* rdbcompression */
    int checksum;               /* rdbchecksum */
    int stop_writes_on_error;   /* stop-writes-on-bgsave-error */
    int del_sync_files;         /* rdb-del-sync-files (accepted) */
    int sanitize_dump_payload;  /* accepted: zkv always validates */
    /* state */
    long long last_save_time;   /* unix seconds of the last successful save (or start) */
    long long last_bgsave_try;  /* unix seconds */
    bool last_bgsave_ok;
    long long saves;            /* rdb_saves */
    long long dirty_at_start;
    long long bgsave_start_ms;
    long long last_bgsave_seconds; /* -1 if none */
    long long save_keys_total, save_keys_processed; /* the running BGSAVE */
    long long keys_loaded, keys_expired;
    bool bgsave_scheduled;      /* BGSAVE SCHEDULE while an AOF rewrite ran */
} persist_state;

extern persist_state persist;

/* rdb_save.c: writes the dataset to `filename` in the working directory
 * through a temp file named after `pid`.  0, or -1 with a zmalloc'd reason
 * in *error (already logged as Redis does). */
int rdb_save_file(const char *filename, pid_t pid, char **error);
/* The same through `temp` to `filename`, fsyncing `directory` after the
 * rename; `aof_base` sets the AUX aof-base field (an AOF's base file). */
int rdb_save_as(const char *temp, const char *filename, const char *directory, bool aof_base, char **error);
void persist_fsync_directory(const char *path);

/* rdb_save.c, for the snapshot: the magic, AUX fields and function
 * libraries (FUNCTION2 records, as of this instant); one key
 * (EXPIRETIME_MS, IDLE/FREQ, type, key, value).  0; -1 on a write error
 * (w->error); -2 with a zmalloc'd *error for a value that cannot be saved. */
int rdb_save_header(rdb_writer *w, bool aof_base);
int rdb_save_key(rdb_writer *w, const object *o, char **error);

/* rdb_load.c: loads `filename` into the (empty) databases.  0 on success or
 * when the file does not exist (*missing set); -1 with the reason in
 * *error (zmalloc'd), naming the file, when it is unusable.  `merge`: a key
 * already in memory is replaced instead of failing the load. */
int rdb_load_file(const char *filename, bool merge, bool *missing, char **error);
/* Loads the RDB at the start of `filename` (an AOF's base or preamble);
 * *consumed is where it ended.  0, or -1 with *error. */
int rdb_load_prefix(const char *filename, size_t *consumed, char **error);
/* The same in slices, for the load at start (the loop serves -LOADING
 * meanwhile): begin opens and maps the file (*load NULL when it does not
 * exist); each step parses for about `microseconds` (0: to the end) and
 * returns 1 while more remains, or 0 / -1 (with *error) once the load is
 * over and `load` released. */
typedef struct load_context load_context;
int rdb_load_begin(const char *filename, bool merge, load_context **load, char **error);
int rdb_load_step(load_context *load, long long microseconds, char **error);
/* Releases a load that will not go on (nothing is added). */
void rdb_load_abandon(load_context *load);
/* Bytes parsed so far; the file's size and its AUX used-mem in the outputs. */
size_t rdb_load_progress(const load_context *load, size_t *total, long long *used_memory);

/* bgsave.c */
/* Starts a snapshot: 0 (a failure to open the file is then reported as a
 * failed save, as Redis's child would), or -1 with a zmalloc'd reason. */
int bgsave_start(char **error);
/* A BGSAVE's snapshot is running (not an AOF rewrite's). */
bool bgsave_in_progress(void);
/* Any snapshot is running (one at a time: BGSAVE or an AOF rewrite). */
bool snapshot_busy(void);
/* The AOF rewrite's snapshot: an RDB with aof-base 1 written to `temp`,
 * then fsync'd and renamed to `filename` and `directory` fsync'd, all off
 * the loop; `done` is called on the loop at the end (ok, or the reason of
 * the failure, the temp file removed).  With `preamble` non-NULL the file
 * is commands instead (aof-use-rdb-preamble no): the preamble text (a #TS
 * line or ""), then SELECT and one RESTORE ... ABSTTL per key.  0, or -1
 * with a zmalloc'd reason. */
typedef void snapshot_done_fn(bool ok, const char *reason);
int snapshot_start_aof(const char *temp, const char *filename, const char *directory, const char *preamble,
                       snapshot_done_fn *done, char **error);
/* Seconds since the running snapshot began. */
long long snapshot_elapsed_seconds(void);
void bgsave_step(void);           /* loop: one slice of the walk */
void bgsave_check_finished(void); /* cron: the file's fsync and rename done? */
/* Abandons a running snapshot and removes its temp file (FLUSHALL,
 * SHUTDOWN, DEBUG RELOAD). */
void bgsave_abort(void);

/* persist_module.c: files of saves whose process no longer runs (killed
 * with its server; Redis leaves them forever), named by `format` (a pid
 * then a suffix, e.g. "temp-%d.%7s") with `suffix`, in the working
 * directory. */
void persist_remove_stale_files(const char *format, const char *suffix);
/* persist_module.c: a successful save's bookkeeping (SAVE, BGSAVE, shutdown). */
void persist_saved(long long dirty_before);
/* rdb-key-save-delay: microseconds the snapshot waits after each key
 * (a testing aid, as in Redis; 0 normally). */
extern int persist_key_save_delay;
/* key-load-delay: microseconds the load waits after each key (a testing
 * aid, as in Redis: it makes a small file take long to load; 0 normally). */
extern int persist_key_load_delay;
/* DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE ignores a payload's CRC, so
 * tests can feed corrupt values to the validating codecs. */
extern bool persist_skip_checksum;
/* persist_debug.c: registers the DEBUG subcommands. */
void persist_debug_init(void);
/* persist_digest.c: registers DEBUG DIGEST. */
void persist_digest_init(void);
/* MIGRATE (migrate_commands.c): the key, flush and
 * client-free watchers registered at init. */
void migrate_init(void);
/* Closes MIGRATE's connections idle for more than ten seconds (cron). */
void migrate_cron(void);
/* DEBUG OBJECT (persist_debug_object.c). */
void persist_debug_object_init(void);

#endif
