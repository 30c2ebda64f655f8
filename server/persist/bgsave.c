/* bgsave: BGSAVE as a point-in-time snapshot taken without fork.
 *
 * Why not fork.  Measured under `redis-benchmark -t set -r 1000000 -P 16`
 * (bench/persist_bench.py): a forked child shares every page with the
 * parent, and random writes dirty every page of the dataset within a second
 * (a 4 KB page holds ~100 small keys; each SET rewrites its key's block, and
 * jemalloc hands freed blocks back from pages the child still shares), so
 * copy-on-write reached 1.03-1.10x used_memory while the save ran, whatever
 * zkv did about rehashing or LRU bytes: the copies come from the writes
 * themselves.  No fork means no copy: peak extra memory is the 64 KB write
 * buffer and the file's pages in the kernel's cache.
 *
 * How the snapshot stays at one instant: keyspace/prewrite.h.  BGSAVE
 * flips the keyspace's epoch, so every key present is "unseen" and every
 * key created later is "seen".  This file then walks the tables (each paused
 * while walked, so nothing moves under the iterator) and writes each unseen
 * key it claims; a write command that is about to change an unseen key first
 * has it written here, with its old value (prewrite_write).  Every key is
 * written once, with the value it had at BGSAVE, and keys created after
 * BGSAVE never are.  A FLUSHDB meanwhile hands its old table to the walk.
 *
 * The cost moves from memory to the loop's time, so the walk is sliced by
 * a timer: while the loop serves clients (more than a turn's overhead of
 * its CPU clock since the last step) the walk gets a share (BGSAVE_SHARE)
 * of the time, less what writes spent writing keys ahead of it, so a busy
 * server keeps ~85-90% of its throughput and the save still ends within
 * its work / BGSAVE_SHARE; an idle one saves at full speed (slice_us).
 * Where a writer loses throughput: not in the pre-write hook for keys
 * already written (one mark test), nor in the file's write() calls (64 KB
 * each, writeback started asynchronously), but in time the loop is not
 * answering: a pipelined writer keeps the server at a third of its core,
 * and a rule that called that idle (less than half the time busy) let
 * 500 us idle slices alternate with its bursts, the walk taking ~45% of
 * the loop (writer 0.66 with the server pinned to its own core, the save
 * over in 0.8 s); charged as busy it keeps its share of 12%.  A thread
 * would not help on 2 cores shared with the writer: the walk's CPU is the
 * same, and the table cannot be read off the loop.  Keys are claimed a
 * batch at a time and their objects prefetched, since each is a cache miss.  The file is fsync'd, renamed and the directory fsync'd in a
 * helper thread, so the loop never waits for the disk's flush.
 *
 * rdb-key-save-delay (tests) sleeps after each key the walk writes, so a
 * slice then holds one key.
 *
 * Trade-offs: keys written ahead of the walk are not LZF-compressed (so a
 * compressible dataset saved under writes gives a bigger file than SAVE);
 * the file has an extra SELECTDB wherever a write moved the
 * stream to another database (Redis's loader and redis-check-rdb accept
 * any SELECTDB order); IDLE/FREQ (LRU/LFU policies) are those at the time
 * each key is written; a big collection changed before the walk reaches it
 * is serialized on that write; a table does not grow while it is walked
 * (chains lengthen instead), as with the forked child before.
 */
#define _GNU_SOURCE /* sync_file_range */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "db.h"
#include "keyspace.h"
#include "lazyfree.h"
#include "log.h"
#include "persist.h"
#include "prewrite.h"
#include "rdb_format.h"
#include "server.h"
#include "strbuf.h"
#include "zkv_assert.h"
#include "zmalloc.h"

#define BGSAVE_SHARE 0.12
#define BGSAVE_QUANTUM_US 100    /* the shortest slice worth a walk */
#define BGSAVE_MAX_SLICE_US 5000
#define BGSAVE_BUSY_TICK_US 1000 /* between slices while clients are served */
#define BGSAVE_IDLE_SLICE_US 500
#define BGSAVE_KEYS_PER_CLOCK 32
#define BGSAVE_PREFETCH 16       /* keys claimed, prefetched, then written */
#define BGSAVE_WRITEBACK_BYTES (4u << 20)

typedef struct snapshot_table {
    table *t;
    int index;          /* its database when the snapshot began */
    long long keys, expires;
    bool adopted;       /* emptied by FLUSHDB: ours to free after the walk */
} snapshot_table;

enum snapshot_phase { SNAPSHOT_IDLE, SNAPSHOT_WALKING, SNAPSHOT_SYNCING };

static struct {
    enum snapshot_phase phase;
    int fd;
    rdb_writer writer;
    char temp[1024];
    char filename[1024];
    char directory[1024];
    snapshot_done_fn *done; /* an AOF rewrite's; NULL for BGSAVE */
    bool commands;          /* an AOF base in command form (RESTORE per key) */
    strbuf scratch;         /* a key's DUMP payload in command form */
    long long start_ms;
    snapshot_table tables[64];
    int table_count;
    int walk;             /* table being walked */
    bool iterating;       /* `iterator` is open on tables[walk] */
    table_iterator iterator;
    int stream_db;        /* the database the last SELECTDB named, -1 */
    char *error;          /* a value that could not be saved (zmalloc'd) */
    struct event *timer;
    uint64_t last_slice_end_us;
    long long prewritten;  /* keys written by writes since the last slice */
    double key_cost_us;    /* the walk's measured time per key */
    double credit_us;      /* walk time earned and not yet spent */
    uint64_t step_cpu_us; /* the loop thread's CPU clock when the last step ended */
    unsigned long long writeback_done; /* bytes handed to sync_file_range */
    pthread_t syncer;
    atomic_int sync_done;
    int sync_result;      /* 0 or an errno */
} snap = {.fd = -1};

bool bgsave_in_progress(void) {
    return snap.phase != SNAPSHOT_IDLE && snap.done == NULL;
}

bool snapshot_busy(void) {
    return snap.phase != SNAPSHOT_IDLE;
}

long long snapshot_elapsed_seconds(void) {
    return snap.phase == SNAPSHOT_IDLE ? -1 : (server_unix_time_ms() - snap.start_ms) / 1000;
}

static bool writer_failed(void) {
    return snap.writer.error != 0 || snap.error != NULL;
}

static snapshot_table *find_table(table *t) {
    for (int i = 0; i < snap.table_count; i++)
        if (snap.tables[i].t == t) return &snap.tables[i];
    return NULL;
}

/* Writes one key as a key of database `index`.  After a failure nothing
 * more is written (the walk still claims, so every mark ends current). */
/* RESP of one command into the file. */
static int write_command(rdb_writer *w, int argc, const char *const *argv, const size_t *lengths) {
    char header[32];
    int length = snprintf(header, sizeof(header), "*%d\r\n", argc);
    if (rdb_write_raw(w, header, (size_t)length) != 0) return -1;
    for (int i = 0; i < argc; i++) {
        length = snprintf(header, sizeof(header), "$%zu\r\n", lengths[i]);
        if (rdb_write_raw(w, header, (size_t)length) != 0 || rdb_write_raw(w, argv[i], lengths[i]) != 0 ||
            rdb_write_raw(w, "\r\n", 2) != 0)
            return -1;
    }
    return 0;
}

static int write_select(rdb_writer *w, int index) {
    if (!snap.commands) {
        if (rdb_write_byte(w, RDB_OPCODE_SELECTDB) != 0) return -1;
        return rdb_write_length(w, (uint64_t)index);
    }
    char number[16];
    int length = snprintf(number, sizeof(number), "%d", index);
    return write_command(w, 2, (const char *const[]){"SELECT", number}, (const size_t[]){6, (size_t)length});
}

/* A key in command form: RESTORE key <abs ms or 0> <payload> ABSTTL, which
 * Redis's loader and redis-check-aof read like any command. */
static int save_key_as_command(rdb_writer *w, const object *o, char **error) {
    strbuf_clear(&snap.scratch);
    const char *reason = NULL;
    if (rdb_format_dump(o, w->compress, &snap.scratch, &reason) != 0) {
        *error = zmalloc_strdup(reason ? reason : "a value that cannot be saved");
        return -2;
    }
    size_t key_length;
    const char *key = object_key(o, &key_length);
    char ttl[24];
    int ttl_length = snprintf(ttl, sizeof(ttl), "%lld", object_has_expire(o) ? object_expire(o) : 0LL);
    return write_command(w, 5, (const char *const[]){"RESTORE", key, ttl, snap.scratch.data, "ABSTTL"},
                         (const size_t[]){7, key_length, (size_t)ttl_length, snap.scratch.length, 6});
}

static void write_key(int index, const object *o) {
    if (writer_failed()) return;
    rdb_writer *w = &snap.writer;
    if (snap.stream_db != index) {
        if (write_select(w, index) != 0) return;
        snap.stream_db = index;
    }
    int result = snap.commands ? save_key_as_command(w, o, &snap.error) : rdb_save_key(w, o, &snap.error);
    if (result == -2) log_message(LOG_WARNING, "%s", snap.error);
    persist.save_keys_processed++;
}

/* prewrite's hook: `o` is about to change. */
static void prewrite_write(table *t, const object *o) {
    snapshot_table *entry = find_table(t);
    zkv_assert(entry != NULL); /* every table with unseen keys was listed */
    /* On the write path the key goes out uncompressed: LZF is most of a
     * key's cost (and gains nothing on incompressible values), and this
     * cost is paid by the client's command, outside the walk's budget. */
    bool compress = snap.writer.compress;
    snap.writer.compress = false;
    write_key(entry->index, o);
    snap.writer.compress = compress;
    snap.prewritten++;
}

static bool prewrite_adopt(table *t) {
    snapshot_table *entry = find_table(t);
    if (entry == NULL || entry - snap.tables < snap.walk) return false; /* walked already */
    entry->adopted = true;
    return true;
}

static uint64_t now_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;
}

/* Busy: the loop waits for clients or the tick (it must not spin, or every
 * empty turn would look idle); idle: the next slice at once. */
static void arm_timer(bool busy) {
    struct timeval delay = {0, busy ? BGSAVE_BUSY_TICK_US : 0};
    evtimer_add(snap.timer, &delay);
}

static void timer_fired(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what, (void)arg;
    bgsave_step();
}

static void release_walked_table(snapshot_table *entry) {
    if (snap.iterating) table_iterator_finish(&snap.iterator);
    snap.iterating = false;
    if (entry->adopted) lazyfree_free_table(entry->t);
    snap.walk++;
}

/* Claims (and writes, unless `claim_only`) unseen keys until `deadline_us`
 * (0: no deadline).  True when every table has been walked. */
static bool walk(uint64_t deadline_us, bool claim_only) {
    int count = 0;
    while (snap.walk < snap.table_count) {
        snapshot_table *entry = &snap.tables[snap.walk];
        if (!snap.iterating) {
            if (!claim_only && !writer_failed()) {
                rdb_writer *w = &snap.writer;
                if (write_select(w, entry->index) == 0 && !snap.commands &&
                    rdb_write_byte(w, RDB_OPCODE_RESIZEDB) == 0 && rdb_write_length(w, (uint64_t)entry->keys) == 0)
                    rdb_write_length(w, (uint64_t)entry->expires);
                snap.stream_db = entry->index;
            }
            table_iterator_init(&snap.iterator, entry->t);
            snap.iterating = true;
        }
        /* Keys are claimed a batch at a time and their objects prefetched
         * before the first is written: each is a random address, and the
         * wait for its cache line was the walk's main cost.  Nothing runs
         * between a claim and its write (one loop turn), so a claimed key
         * cannot change before it is written. */
        table_slot *slot;
        const object *batch[BGSAVE_PREFETCH];
        int limit = persist_key_save_delay > 0 ? 1 : BGSAVE_PREFETCH; /* a delayed key is its own slice */
        for (;;) {
            int taken = 0;
            while (taken < limit && (slot = table_iterator_next_slot(&snap.iterator)) != NULL) {
                if (!prewrite_claim(slot) || claim_only) continue;
                batch[taken] = table_slot_entry(slot);
                __builtin_prefetch(batch[taken]);
                taken++;
            }
            for (int i = 0; i < taken; i++) {
                write_key(entry->index, batch[i]);
                if (persist_key_save_delay > 0) usleep((useconds_t)persist_key_save_delay);
            }
            if (taken < limit) break; /* the table is walked */
            count += taken;
            bool check = persist_key_save_delay > 0 || count >= BGSAVE_KEYS_PER_CLOCK;
            if (check) count = 0;
            if (deadline_us && check && now_us() >= deadline_us) return false;
        }
        release_walked_table(entry);
    }
    return true;
}

static void *sync_file(void *arg) {
    (void)arg;
    int result = 0;
    if (fsync(snap.fd) != 0) result = errno;
    if (close(snap.fd) != 0 && result == 0) result = errno;
    if (result == 0 && rename(snap.temp, snap.filename) != 0) result = errno;
    if (result == 0) persist_fsync_directory(snap.directory);
    snap.sync_result = result;
    atomic_store(&snap.sync_done, 1);
    return NULL;
}

static void fail(const char *reason) {
    unlink(snap.temp);
    snap.phase = SNAPSHOT_IDLE;
    if (snap.done) {
        snap.done(false, reason);
    } else {
        log_message(LOG_WARNING, "Background saving error: %s", reason);
        persist.last_bgsave_ok = false;
        persist.last_bgsave_seconds = (server_unix_time_ms() - persist.bgsave_start_ms) / 1000;
    }
    zmalloc_free(snap.error);
    snap.error = NULL;
}

/* The walk is over: EOF, CRC, and the file to the helper thread. */
static void finish_walk(void) {
    prewrite_end();
    rdb_writer *w = &snap.writer;
    if (prewrite_late > 0 && !writer_failed()) {
        log_message(LOG_WARNING, "%lld keys changed without a write lookup during the snapshot", prewrite_late);
        snap.error = zmalloc_strdup("the snapshot would not be consistent");
    }
    if (!writer_failed() && !snap.commands && rdb_write_byte(w, RDB_OPCODE_EOF) == 0)
        rdb_write_u64_le(w, persist.checksum ? rdb_writer_crc(w) : 0);
    strbuf_free(&snap.scratch);
    if (!writer_failed()) rdb_writer_flush(w);
    int write_errno = w->error;
    rdb_writer_free(w);
    if (writer_failed() || write_errno) {
        close(snap.fd);
        fail(snap.error ? snap.error : strerror(write_errno));
        return;
    }
    snap.phase = SNAPSHOT_SYNCING;
    atomic_store(&snap.sync_done, 0);
    if (pthread_create(&snap.syncer, NULL, sync_file, NULL) != 0) sync_file(NULL), snap.syncer = pthread_self();
}

/* The slice.  While commands run, the walk earns BGSAVE_SHARE of the time
 * since its last slice and pays for the keys writes wrote ahead of it
 * (priced at its own measured cost per key), so the save's whole cost stays
 * near the share; it runs once it has earned a quantum.  When no command
 * ran for a whole tick the server is idle and the walk takes a full slice
 * each turn: an idle server saves at full speed, at the price of up to
 * BGSAVE_IDLE_SLICE_US of latency for the next request. */
static uint64_t slice_us(uint64_t now, bool busy) {
    if (!busy) return BGSAVE_IDLE_SLICE_US;
    uint64_t elapsed = now - snap.last_slice_end_us;
    snap.credit_us += (double)elapsed * BGSAVE_SHARE - (double)snap.prewritten * snap.key_cost_us;
    snap.prewritten = 0;
    if (snap.credit_us > BGSAVE_MAX_SLICE_US) snap.credit_us = BGSAVE_MAX_SLICE_US;
    if (snap.credit_us < -BGSAVE_MAX_SLICE_US) snap.credit_us = -BGSAVE_MAX_SLICE_US;
    return snap.credit_us >= BGSAVE_QUANTUM_US ? (uint64_t)snap.credit_us : 0;
}

/* Starts the disk's writeback of each 4 MB written, without waiting for
 * it: left to pile up in the page cache, dirty pages make a later write()
 * block the loop while the kernel throttles (rdb-save-incremental-fsync's
 * reason, without the wait). */
static void start_writeback(void) {
    unsigned long long written = snap.writer.written;
    if (written - snap.writeback_done < BGSAVE_WRITEBACK_BYTES) return;
    sync_file_range(snap.fd, (off_t)snap.writeback_done, (off_t)(written - snap.writeback_done),
                    SYNC_FILE_RANGE_WRITE);
    snap.writeback_done = written;
}

static uint64_t thread_cpu_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;
}

/* The loop is busy when, since the last step, it spent more than a loop
 * turn's overhead running other work (commands, writes ahead of the walk):
 * a client polling INFO does not make a server busy, so an otherwise idle
 * server saves at full speed.  Measured in CPU, not in commands or in a
 * share of the time: a server at a third of its core under a pipelined
 * writer is as busy as a saturated one for the writer, whose throughput
 * follows its round trips, and judging it idle (as a "more than half the
 * time" rule did) let idle slices of BGSAVE_IDLE_SLICE_US alternate with
 * its bursts: the writer kept 0.66 of its rate with the server pinned to a
 * core of its own (bench/persist_bench.py --pin). */
#define BGSAVE_TURN_OVERHEAD_US 100

static bool loop_busy(void) {
    return thread_cpu_us() - snap.step_cpu_us > BGSAVE_TURN_OVERHEAD_US;
}

static void end_step(void) {
    snap.step_cpu_us = thread_cpu_us();
}

void bgsave_step(void) {
    if (snap.phase != SNAPSHOT_WALKING) return;
    start_writeback();
    uint64_t start = now_us();
    bool busy = loop_busy();
    uint64_t slice = slice_us(start, busy);
    if (slice == 0) {
        snap.last_slice_end_us = start;
        arm_timer(busy);
        end_step();
        return;
    }
    long long before = persist.save_keys_processed;
    bool done = walk(start + slice, writer_failed());
    snap.last_slice_end_us = now_us();
    uint64_t spent = snap.last_slice_end_us - start;
    long long walked = persist.save_keys_processed - before;
    if (walked > 0) snap.key_cost_us = (double)spent / (double)walked;
    if (busy) snap.credit_us = snap.credit_us > (double)spent ? snap.credit_us - (double)spent : 0;
    snap.prewritten = 0;
    if (done)
        finish_walk();
    else
        arm_timer(busy);
    end_step();
}

/* The walk's start, once snap.fd is open. */
static void begin_walk(bool aof_base, const char *preamble) {
    snap.start_ms = server_unix_time_ms();
    rdb_writer_init(&snap.writer, snap.fd, persist.compression);
    snap.commands = preamble != NULL;
    if (snap.commands) rdb_write_raw(&snap.writer, preamble, strlen(preamble));
    else rdb_save_header(&snap.writer, aof_base);
    snap.table_count = 0;
    persist.save_keys_total = persist.save_keys_processed = 0;
    for (int i = 0; i < keyspace_database_count(); i++) {
        db *d = keyspace_db(i);
        if (db_size(d) == 0) continue;
        zkv_assert(snap.table_count < (int)(sizeof(snap.tables) / sizeof(snap.tables[0])));
        snap.tables[snap.table_count++] = (snapshot_table){d->keys, i, db_size(d), d->expires, false};
        persist.save_keys_total += db_size(d);
    }
    snap.walk = 0;
    snap.iterating = false;
    snap.stream_db = -1;
    snap.error = NULL;
    snap.phase = SNAPSHOT_WALKING;
    prewrite_begin(prewrite_write, prewrite_adopt);
    snap.last_slice_end_us = now_us();
    snap.prewritten = 0;
    snap.key_cost_us = 0.5;
    snap.credit_us = 0;
    end_step();
    snap.writeback_done = 0;
    arm_timer(false);
}

int bgsave_start(char **error) {
    if (snapshot_busy()) {
        *error = zmalloc_strdup(bgsave_in_progress() ? "Background save already in progress"
                                                     : "Another child process is active (AOF?): can't BGSAVE right "
                                                       "now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE "
                                                       "whenever possible.");
        return -1;
    }
    if (!snap.timer) snap.timer = evtimer_new(server.base, timer_fired, NULL);
    persist.last_bgsave_try = server_unix_time_ms() / 1000;
    persist.bgsave_start_ms = server_unix_time_ms();
    persist.dirty_at_start = server.stats.dirty;
    snap.done = NULL;
    snprintf(snap.temp, sizeof(snap.temp), "temp-%d.rdb", (int)getpid());
    snprintf(snap.filename, sizeof(snap.filename), "%s", server.config.db_filename);
    snprintf(snap.directory, sizeof(snap.directory), ".");
    snap.fd = open(snap.temp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (snap.fd < 0) {
        char cwd[4096];
        log_message(LOG_WARNING, "Failed opening the temp RDB file %s (in server root dir %s) for saving: %s", snap.temp,
                    getcwd(cwd, sizeof(cwd)) ? cwd : "unknown", strerror(errno));
        persist.last_bgsave_ok = false;
        persist.last_bgsave_seconds = 0;
        return 0;
    }
    begin_walk(false, NULL);
    log_message(LOG_NOTICE, "Background saving started (snapshot without fork)");
    return 0;
}

int snapshot_start_aof(const char *temp, const char *filename, const char *directory, const char *preamble,
                       snapshot_done_fn *done, char **error) {
    zkv_assert(!snapshot_busy());
    if (!snap.timer) snap.timer = evtimer_new(server.base, timer_fired, NULL);
    snprintf(snap.temp, sizeof(snap.temp), "%s", temp);
    snprintf(snap.filename, sizeof(snap.filename), "%s", filename);
    snprintf(snap.directory, sizeof(snap.directory), "%s", directory);
    snap.fd = open(snap.temp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (snap.fd < 0) {
        strbuf text = STRBUF_INIT;
        strbuf_printf(&text, "Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): %s", strerror(errno));
        *error = strbuf_detach(&text, NULL);
        return -1;
    }
    snap.done = done;
    begin_walk(true, preamble);
    return 0;
}

static void sync_finished(void) {
    if (!pthread_equal(snap.syncer, pthread_self())) pthread_join(snap.syncer, NULL);
    if (!snap.done) persist.last_bgsave_seconds = (server_unix_time_ms() - persist.bgsave_start_ms) / 1000;
    snap.phase = SNAPSHOT_IDLE;
    if (snap.sync_result != 0) {
        fail(strerror(snap.sync_result));
        return;
    }
    if (snap.done) {
        snap.done(true, NULL);
        return;
    }
    log_message(LOG_NOTICE, "Background saving terminated with success");
    persist_saved(persist.dirty_at_start);
}

void bgsave_check_finished(void) {
    if (snap.phase == SNAPSHOT_SYNCING && atomic_load(&snap.sync_done)) sync_finished();
}

void bgsave_abort(void) {
    if (snap.phase == SNAPSHOT_SYNCING) {
        /* The file is complete; let the disk finish rather than lose it. */
        while (!atomic_load(&snap.sync_done)) usleep(1000);
        sync_finished();
        return;
    }
    if (snap.phase != SNAPSHOT_WALKING) return;
    evtimer_del(snap.timer);
    /* Every mark current again, without serializing: a table FLUSHDB or
     * FLUSHALL handed over is freed unwalked; a live one is claimed. */
    while (snap.walk < snap.table_count) {
        snapshot_table *entry = &snap.tables[snap.walk];
        if (entry->adopted) {
            release_walked_table(entry);
            continue;
        }
        walk(0, true);
    }
    prewrite_end();
    rdb_writer_free(&snap.writer);
    strbuf_free(&snap.scratch);
    close(snap.fd);
    unlink(snap.temp);
    zmalloc_free(snap.error);
    snap.error = NULL;
    snap.phase = SNAPSHOT_IDLE;
    if (snap.done) snap.done(false, "aborted");
    else log_message(LOG_WARNING, "Background saving aborted");
}
