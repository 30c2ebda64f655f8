/* bgsave: BGSAVE in a forked child.
 *
 * Why fork: the child sees the dataset frozen at the instant of the fork
 * and writes it with the same code as SAVE, while the parent keeps
 * serving; it was the design that could be finished and made correct now
 * (a forkless snapshot needs a pre-write hook on every write path of every
 * type, see server/README.md).  The price is copy-on-write: every page the
 * parent writes while the child runs is copied.  zkv keeps that small where
 * it controls the writes:
 *   - no incremental rehash and no table growth (below the forced load)
 *     while a child runs (keyspace.c, db.c): moving every entry would copy
 *     every bucket page;
 *   - no active defragmentation pass starts (it moves objects);
 *   - a key is one block (object.h), so a write to a small key dirties one
 *     or two pages, never a separate dictEntry, robj and sds.
 * What remains is proportional to the pages the clients' writes touch; the
 * child measures its private dirty memory at the end (/proc/self/
 * smaps_rollup) and reports it through a pipe (rdb_last_cow_size).
 *
 * The child resets the signals the parent's loop handles, so SIGTERM /
 * SIGUSR1 simply end it, and leaves with _exit: no atexit work, no flush of
 * the parent's buffers.  The parent reaps it in the cron.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "persist.h"
#include "server.h"
#include "zmalloc.h"

bool bgsave_in_progress(void) {
    return server.child_pid > 0;
}

/* Private dirty memory of this process, in bytes (0 if unknown). */
static unsigned long long private_dirty_bytes(void) {
    FILE *file = fopen("/proc/self/smaps_rollup", "r");
    if (!file) return 0;
    char line[256];
    unsigned long long kilobytes = 0, total = 0;
    while (fgets(line, sizeof(line), file)) {
        if (sscanf(line, "Private_Dirty: %llu kB", &kilobytes) == 1) total += kilobytes;
    }
    fclose(file);
    return total * 1024;
}

static void run_child(int report_fd) {
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    char *error = NULL;
    int result = rdb_save_file(server.config.db_filename, getpid(), &error);
    if (result == 0) log_message(LOG_NOTICE, "DB saved on disk");
    unsigned long long cow = private_dirty_bytes();
    if (write(report_fd, &cow, sizeof(cow)) != (ssize_t)sizeof(cow)) result = -1;
    _exit(result == 0 ? 0 : 1);
}

int bgsave_start(char **error) {
    if (bgsave_in_progress()) {
        *error = zmalloc_strdup("Background save already in progress");
        return -1;
    }
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
        *error = zmalloc_strdup(strerror(errno));
        return -1;
    }
    persist.last_bgsave_try = server_unix_time_ms() / 1000;
    pid_t pid = fork();
    if (pid == 0) {
        close(pipe_fds[0]);
        run_child(pipe_fds[1]);
    }
    close(pipe_fds[1]);
    if (pid < 0) {
        int fork_errno = errno;
        close(pipe_fds[0]);
        persist.last_bgsave_ok = false;
        log_message(LOG_WARNING, "Can't save in background: fork: %s", strerror(fork_errno));
        *error = zmalloc_strdup(strerror(fork_errno));
        return -1;
    }
    fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
    persist.child_info_fd = pipe_fds[0];
    persist.child_start_ms = server_unix_time_ms();
    persist.dirty_at_fork = server.stats.dirty;
    persist.child_killed_by_us = false;
    server.child_pid = pid;
    log_message(LOG_NOTICE, "Background saving started by pid %d", (int)pid);
    return 0;
}

static void remove_child_temp(pid_t pid) {
    char temp[64];
    snprintf(temp, sizeof(temp), "temp-%d.rdb", (int)pid);
    unlink(temp);
}

static void finish(pid_t pid, int status) {
    unsigned long long cow = 0;
    if (read(persist.child_info_fd, &cow, sizeof(cow)) == (ssize_t)sizeof(cow)) persist.last_cow_size = cow;
    close(persist.child_info_fd);
    persist.child_info_fd = -1;
    server.child_pid = 0;
    persist.last_bgsave_seconds = (server_unix_time_ms() - persist.child_start_ms) / 1000;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        log_message(LOG_NOTICE, "Background saving terminated with success");
        persist_saved(persist.dirty_at_fork);
        return;
    }
    remove_child_temp(pid);
    if (WIFSIGNALED(status)) {
        log_message(LOG_WARNING, "Background saving terminated by signal %d", WTERMSIG(status));
        /* A child this process ended on purpose (FLUSHALL, SHUTDOWN) is not
         * a failure to persist, as in Redis. */
        if (!persist.child_killed_by_us) persist.last_bgsave_ok = false;
    } else {
        log_message(LOG_WARNING, "Background saving error");
        persist.last_bgsave_ok = false;
    }
}

void bgsave_check_child(void) {
    if (!bgsave_in_progress()) return;
    int status;
    pid_t pid = server.child_pid;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) finish(pid, status);
    else if (done < 0 && errno == ECHILD) finish(pid, 1 << 8);
}

void bgsave_kill_child(void) {
    if (!bgsave_in_progress()) return;
    pid_t pid = server.child_pid;
    persist.child_killed_by_us = true;
    kill(pid, SIGUSR1);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    finish(pid, status);
}
