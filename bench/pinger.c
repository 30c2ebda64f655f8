/* pinger: sends PING once per interval and records each round trip.
 *
 * It measures what a client sees while the server is busy with someone
 * else (scenario 4, latency during growth): the time from writing PING to
 * having read +PONG, on CLOCK_MONOTONIC.  Sends follow an absolute
 * schedule, so a slow reply does not hide the next ones; when a reply
 * takes longer than the interval the next PING goes out at once (the
 * missed slots are not replayed, which would only measure our own queue).
 * One blocking socket, no library: the client should add as little of its
 * own latency as possible.
 *
 * Usage: pinger --port P --out FILE [--interval-us 1000] [--max-secs 600]
 * Runs until SIGTERM/SIGINT or --max-secs, then writes "t_ms latency_us"
 * lines to FILE and prints "pings=N p50_us=.. p99_us=.. p999_us=.. max_us=..".
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* One PING round trip; returns 0, or -1 when interrupted or the server failed. */
static int ping_once(int fd)
{
    static const char cmd[] = "*1\r\n$4\r\nPING\r\n";
    if (write(fd, cmd, sizeof cmd - 1) != (ssize_t)(sizeof cmd - 1)) return -1;
    char reply[16];
    size_t got = 0;
    while (got < 7) { /* "+PONG\r\n" */
        ssize_t n = read(fd, reply + got, sizeof reply - got);
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    return memcmp(reply, "+PONG\r\n", 7) == 0 ? 0 : -1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int port = 0;
    const char *out_path = NULL;
    int64_t interval_ns = 1000000, max_ns = (int64_t)600 * 1000000000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--out")) out_path = argv[i + 1];
        else if (!strcmp(argv[i], "--interval-us")) interval_ns = atoll(argv[i + 1]) * 1000;
        else if (!strcmp(argv[i], "--max-secs")) max_ns = atoll(argv[i + 1]) * 1000000000;
    }
    if (port <= 0 || !out_path || interval_ns <= 0) {
        fprintf(stderr, "usage: pinger --port P --out FILE [--interval-us US] [--max-secs S]\n");
        return 1;
    }
    struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: wake blocked reads */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int fd = connect_to(port);
    if (fd < 0) {
        perror("pinger: connect");
        return 1;
    }

    size_t cap = 1 << 16, n = 0;
    int64_t *sent_at = malloc(cap * sizeof *sent_at), *latency = malloc(cap * sizeof *latency);
    if (!sent_at || !latency) return 1;
    int64_t start = now_ns(), next = start;
    while (!stop_requested && now_ns() - start < max_ns) {
        struct timespec due = { .tv_sec = next / 1000000000, .tv_nsec = next % 1000000000 };
        if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) != 0) continue;
        int64_t t0 = now_ns();
        if (ping_once(fd) != 0) break;
        int64_t t1 = now_ns();
        if (n == cap) {
            cap *= 2;
            sent_at = realloc(sent_at, cap * sizeof *sent_at);
            latency = realloc(latency, cap * sizeof *latency);
            if (!sent_at || !latency) return 1;
        }
        sent_at[n] = t0 - start;
        latency[n] = t1 - t0;
        n++;
        next += interval_ns;
        if (next < t1) next = t1;
    }
    close(fd);

    FILE *out = fopen(out_path, "w");
    if (!out) {
        perror("pinger: output file");
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%.3f %.1f\n", (double)sent_at[i] / 1e6, (double)latency[i] / 1e3);
    fclose(out);
    if (n == 0) {
        printf("pings=0\n");
        return 1;
    }
    qsort(latency, n, sizeof *latency, cmp_i64);
    size_t i999 = (size_t)((double)(n - 1) * 0.999);
    printf("pings=%zu p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f\n", n,
           (double)latency[(n - 1) / 2] / 1e3, (double)latency[(size_t)((double)(n - 1) * 0.99)] / 1e3,
           (double)latency[i999] / 1e3, (double)latency[n - 1] / 1e3);
    return 0;
}
