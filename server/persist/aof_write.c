/* aof_write: from propagated commands to bytes on disk, as Redis 7.0's
 * flushAppendOnlyFile does.
 *
 * Commands are appended to a buffer as they are propagated (with a SELECT
 * where the database changes and, with aof-timestamp-enabled, a #TS line
 * once a second).  The buffer is written once per loop iteration, just
 * before the network layer sends the iteration's replies
 * (networking_set_before_flush), so a reply never leaves before its write
 * reached the file:
 *   - appendfsync always: write + fdatasync there, one for every client's
 *     writes of the iteration (group commit); a client whose socket drains
 *     through its write event is held meanwhile (aof_output_held);
 *   - everysec: write, and once a second hand an fsync to the helper
 *     thread.  Unlike Redis, the write is never postponed while the
 *     thread's fsync runs (Redis holds it up to two seconds and sends the
 *     replies meanwhile, so kill -9 could lose acknowledged writes): the
 *     data always reaches the page cache before its reply leaves, and it is
 *     the next fsync that waits; aof_delayed_fsync counts every two seconds
 *     an fsync stays overdue, as Redis counts its forced writes;
 *   - no: write only.
 * A failed write keeps the buffer (a short write is cut back with
 * ftruncate), marks the status err, and write commands get
 * "-MISCONF Errors writing to the AOF file: <reason>" until a retry (every
 * cron tick) succeeds: nothing acknowledged is dropped.  With always, a
 * failed write or fsync stops the server, as in Redis: replies already
 * computed must not leave unsaved.
 *
 * The helper thread also closes replaced files (a close can block on a
 * pending writeback) and deletes history files (unlinking a big file takes
 * time), in order with the fsyncs queued before.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aof.h"
#include "log.h"
#include "networking.h"
#include "propagate.h"
#include "server.h"
#include "zkv_assert.h"
#include "zmalloc.h"

#define AOF_JOBS 64
#define AOF_WRITE_ERROR_LOG_PERIOD_S 30
#define AOF_BUFFER_KEEP (4u << 10) /* capacity kept after a flush */

enum job_kind { JOB_FSYNC, JOB_CLOSE, JOB_UNLINK };
typedef struct job {
    enum job_kind kind;
    int fd;
    char *path; /* JOB_UNLINK: zmalloc'd, freed by the thread */
} job;

static struct {
    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    job jobs[AOF_JOBS];
    int head, count;
    bool stop;
    atomic_int fsync_pending; /* queued or running fsyncs */
    atomic_int fsync_errno;   /* the last background fsync's, 0 when it worked */
} helper = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static long long last_fsync_second;
long long aof_flush_sleep_us; /* DEBUG AOF-FLUSH-SLEEP (tests) */
static atomic_llong fsync_delay_us; /* DEBUG AOF-FSYNC-DELAY (tests): read by the helper thread */

void aof_set_fsync_delay(long long microseconds) { atomic_store(&fsync_delay_us, microseconds); }

static void wait_fsync_delay(void) {
    long long delay = atomic_load(&fsync_delay_us);
    if (delay <= 0) return;
    struct timespec pause = {(time_t)(delay / 1000000), (long)(delay % 1000000) * 1000};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) continue;
}
static long long synced_size; /* aof.current_size at the last fsync asked */
static long long last_write_error_log;

/* ---- the helper thread ---- */

static void *helper_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&helper.lock);
    for (;;) {
        while (helper.count == 0 && !helper.stop) pthread_cond_wait(&helper.wake, &helper.lock);
        if (helper.count == 0 && helper.stop) break;
        job j = helper.jobs[helper.head];
        helper.head = (helper.head + 1) % AOF_JOBS;
        helper.count--;
        pthread_mutex_unlock(&helper.lock);
        if (j.kind == JOB_FSYNC) {
            wait_fsync_delay();
            int result = fdatasync(j.fd) == 0 ? 0 : errno;
            /* EBADF/EINVAL: the file was replaced meanwhile; nothing to report. */
            if (result == EBADF || result == EINVAL) result = 0;
            atomic_store(&helper.fsync_errno, result);
            atomic_fetch_sub(&helper.fsync_pending, 1);
        } else if (j.kind == JOB_CLOSE) {
            close(j.fd);
        } else {
            unlink(j.path);
            zmalloc_free(j.path);
        }
        pthread_mutex_lock(&helper.lock);
    }
    pthread_mutex_unlock(&helper.lock);
    return NULL;
}

void aof_fsync_thread_start(void) {
    if (helper.running) return;
    helper.stop = false;
    if (pthread_create(&helper.thread, NULL, helper_main, NULL) != 0) {
        log_message(LOG_WARNING, "Can't create the AOF fsync thread: fsyncs run on the loop");
        return;
    }
    helper.running = true;
}

void aof_fsync_thread_stop(void) {
    if (!helper.running) return;
    pthread_mutex_lock(&helper.lock);
    helper.stop = true;
    pthread_cond_signal(&helper.wake);
    pthread_mutex_unlock(&helper.lock);
    pthread_join(helper.thread, NULL);
    helper.running = false;
}

/* Queues a job; runs it here when there is no thread or the queue is full. */
static void submit_job(enum job_kind kind, int fd, char *path) {
    if (kind == JOB_FSYNC) atomic_fetch_add(&helper.fsync_pending, 1);
    pthread_mutex_lock(&helper.lock);
    bool queued = helper.running && helper.count < AOF_JOBS;
    if (queued) {
        helper.jobs[(helper.head + helper.count) % AOF_JOBS] = (job){kind, fd, path};
        helper.count++;
        pthread_cond_signal(&helper.wake);
    }
    pthread_mutex_unlock(&helper.lock);
    if (queued) return;
    if (kind == JOB_FSYNC) {
        atomic_store(&helper.fsync_errno, fdatasync(fd) == 0 ? 0 : errno);
        atomic_fetch_sub(&helper.fsync_pending, 1);
    } else if (kind == JOB_CLOSE) {
        close(fd);
    } else {
        unlink(path);
        zmalloc_free(path);
    }
}

static void submit(enum job_kind kind, int fd) {
    submit_job(kind, fd, NULL);
}

void aof_unlink_async(const char *path) {
    submit_job(JOB_UNLINK, -1, zmalloc_strdup(path));
}

bool aof_fsync_in_progress(void) {
    return atomic_load(&helper.fsync_pending) > 0;
}

/* ---- feeding ---- */

static void append_select(int db_index) {
    char number[16];
    int length = snprintf(number, sizeof(number), "%d", db_index);
    strbuf_printf(&aof.buffer, "*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n", length, number);
}

void aof_feed(int db_index, const char *resp, size_t length) {
    if (aof.timestamp_enabled) {
        long long now = server_unix_time_ms() / 1000;
        if (aof.last_timestamp < now) {
            aof.last_timestamp = now;
            strbuf_printf(&aof.buffer, "#TS:%lld\r\n", now);
        }
    }
    if (db_index != aof.selected_db) {
        append_select(db_index);
        aof.selected_db = db_index;
    }
    strbuf_append(&aof.buffer, resp, length);
}

/* ---- files ---- */

int aof_open_incr(const char *name, bool truncate) {
    char path[4096];
    aof_path(path, sizeof(path), name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | (truncate ? O_TRUNC : 0), 0644);
    if (fd < 0) {
        log_message(LOG_WARNING, "Can't open the append-only file %s: %s", name, strerror(errno));
        return -1;
    }
    if (aof.fd >= 0) submit(JOB_CLOSE, aof.fd);
    aof.fd = fd;
    struct stat info;
    aof.last_incr_size = fstat(fd, &info) == 0 ? (long long)info.st_size : 0;
    /* The new file's stream starts with no database selected, and a
     * timestamp when they are on (Redis forces one per file). */
    aof.selected_db = -1;
    aof.last_timestamp = 0;
    return 0;
}

void aof_close_incr(void) {
    if (aof.fd < 0) return;
    submit(JOB_CLOSE, aof.fd);
    aof.fd = -1;
}

void aof_start_logging(void) {
    aof.selected_db = -1;
    propagate_set_consumer(aof_feed);
}

void aof_stop_logging(void) {
    propagate_set_consumer(NULL);
    strbuf_free(&aof.buffer);
}

/* ---- flushing ---- */

static void write_failed(ssize_t written) {
    long long now = server_unix_time_ms() / 1000;
    int error = written < 0 ? errno : ENOSPC;
    if (now - last_write_error_log > AOF_WRITE_ERROR_LOG_PERIOD_S) {
        if (written < 0)
            log_message(LOG_WARNING, "Error writing to the AOF file: %s", strerror(error));
        else
            log_message(LOG_WARNING, "Short write while writing to the AOF file: (nwritten=%lld, expected=%lld)",
                        (long long)written, (long long)aof.buffer.length);
        last_write_error_log = now;
    }
    aof.last_write_errno = error;
    if (written > 0) {
        /* Cut the partial command back so the file stays a command
         * stream; if that fails, keep what was written and send the rest. */
        if (ftruncate(aof.fd, aof.last_incr_size) != 0) {
            aof.current_size += written;
            aof.last_incr_size += written;
            memmove(aof.buffer.data, aof.buffer.data + written, aof.buffer.length - (size_t)written);
            aof.buffer.length -= (size_t)written;
        }
    }
    if (aof.fsync_policy == AOF_FSYNC_ALWAYS) {
        log_message(LOG_WARNING,
                    "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        exit(1);
    }
    aof.last_write_ok = false;
}

static void write_buffer(void) {
    size_t done = 0;
    ssize_t written = 0;
    while (done < aof.buffer.length) {
        written = write(aof.fd, aof.buffer.data + done, aof.buffer.length - done);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) break;
        done += (size_t)written;
    }
    if (done != aof.buffer.length) {
        /* A partial write is undone (or kept) by write_failed, which needs
         * the count; a write error after some progress is a short write. */
        write_failed(done > 0 ? (ssize_t)done : written);
        return;
    }
    if (!aof.last_write_ok) {
        log_message(LOG_WARNING, "AOF write error looks solved, Redis can write again.");
        aof.last_write_ok = true;
    }
    aof.current_size += (long long)done;
    aof.last_incr_size += (long long)done;
    if (aof.buffer.capacity > AOF_BUFFER_KEEP) strbuf_free(&aof.buffer);
    else strbuf_clear(&aof.buffer);
}

void aof_fsync_now(void) {
    if (aof.fd >= 0 && fdatasync(aof.fd) != 0)
        log_message(LOG_WARNING, "Fail to fsync the AOF file: %s", strerror(errno));
    last_fsync_second = server_unix_time_ms() / 1000;
    synced_size = aof.current_size;
}

void aof_flush(bool force) {
    (void)force;
    if (aof.status == AOF_OFF || aof.fd < 0) return;
    long long now = server_unix_time_ms() / 1000;
    bool everysec = aof.fsync_policy == AOF_FSYNC_EVERYSEC;
    if (aof.buffer.length > 0) {
        if (aof_flush_sleep_us > 0) usleep((useconds_t)aof_flush_sleep_us);
        write_buffer();
        if (aof.buffer.length != 0) return; /* failed: retried from cron */
    }
    if (aof.current_size == synced_size) return;
    if (aof.no_fsync_on_rewrite && aof.rewriting) return;
    if (aof.fsync_policy == AOF_FSYNC_ALWAYS) {
        if (fdatasync(aof.fd) != 0) {
            log_message(LOG_WARNING, "Can't persist AOF for fsync error when the AOF fsync policy is 'always': %s. "
                                     "Exiting...", strerror(errno));
            exit(1);
        }
        last_fsync_second = now;
        synced_size = aof.current_size;
    } else if (everysec && now > last_fsync_second) {
        if (aof_fsync_in_progress()) {
            /* The disk is slower than a second: the write went to the page
             * cache anyway (kill -9 loses nothing), the fsync waits. */
            if (aof.postponed_since_ms == 0) {
                aof.postponed_since_ms = server_unix_time_ms();
            } else if (server_unix_time_ms() - aof.postponed_since_ms >= 2000) {
                aof.delayed_fsync++;
                aof.postponed_since_ms = server_unix_time_ms();
                log_message(LOG_NOTICE, "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF "
                                        "buffer without waiting for fsync to complete, this may slow down Redis.");
            }
            return;
        }
        aof.postponed_since_ms = 0;
        submit(JOB_FSYNC, aof.fd);
        synced_size = aof.current_size;
        last_fsync_second = now;
    }
}

const char *aof_write_refusal(void) {
    if (aof.status == AOF_OFF) return NULL;
    int error = 0;
    if (!aof.last_write_ok) error = aof.last_write_errno;
    else error = atomic_load(&helper.fsync_errno);
    if (error == 0) return NULL;
    static char text[256];
    snprintf(text, sizeof(text), "MISCONF Errors writing to the AOF file: %s", strerror(error));
    return text;
}

bool aof_output_held(void) {
    return aof.fsync_policy == AOF_FSYNC_ALWAYS && aof.buffer.length > 0 && aof.status != AOF_OFF;
}

bool aof_last_write_ok(void) {
    return aof.last_write_ok && atomic_load(&helper.fsync_errno) == 0;
}
