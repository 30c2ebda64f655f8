/* log: Redis-format log lines (see log.h).
 *
 * Each line is formatted into a stack buffer and written with one write(2)
 * call so lines from a daemonized server and its log readers never
 * interleave.  The role mark is always 'M' (zkv has no replicas or child
 * processes).  Lines longer than the buffer are truncated, like Redis does.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 1024

static int log_fd = STDOUT_FILENO;

int log_open(const char *path) {
    if (!path || !path[0]) {
        if (log_fd != STDOUT_FILENO) close(log_fd);
        log_fd = STDOUT_FILENO;
        return 0;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    if (log_fd != STDOUT_FILENO) close(log_fd);
    log_fd = fd;
    return 0;
}

void log_raw(int level, const char *text) {
    static const char marks[] = ".-*#";
    char line[LOG_LINE_MAX + 128];
    struct timeval now;
    struct tm broken;
    gettimeofday(&now, NULL);
    localtime_r(&now.tv_sec, &broken);
    size_t length = (size_t)snprintf(line, sizeof(line), "%d:M ", (int)getpid());
    length += strftime(line + length, sizeof(line) - length, "%d %b %Y %H:%M:%S.", &broken);
    length += (size_t)snprintf(line + length, sizeof(line) - length, "%03d %c %s\n",
                               (int)(now.tv_usec / 1000), marks[level & 3], text);
    if (length >= sizeof(line)) {
        length = sizeof(line) - 1;
        line[length - 1] = '\n';
    }
    ssize_t ignored = write(log_fd, line, length);
    (void)ignored;
}

void log_message(int level, const char *format, ...) {
    if (level < server.config.log_level) return;
    char text[LOG_LINE_MAX];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(text, sizeof(text), format, arguments);
    va_end(arguments);
    log_raw(level, text);
}
