/* pubsub_fanout: messages delivered per second from one publisher, against
 * any server speaking RESP (bench/pubsub_bench.py runs it on zkv-server and
 * redis-server alternately and compares).
 *
 *     pubsub_fanout PORT [SUBSCRIBERS=100] [SECONDS=5] [SHAPE=0] [SERVER_PID=0]
 *                   [IN_FLIGHT=32] [WAIT=0]
 *
 * SHAPE 0: SUBSCRIBERS connections SUBSCRIBE to "bench"; every PUBLISH goes
 * to all of them.  SHAPE 1: SUBSCRIBERS channels "b0000".."b<N-1>", each
 * with its own subscriber connection, plus one connection that PSUBSCRIBEs
 * to "b*"; the publisher cycles over the channels, so every PUBLISH walks
 * the pattern list and reaches two receivers (one write system call per
 * channel message: the kernel's TCP path dominates).  SHAPE 2: the same
 * channels and pattern, but one connection subscribes to all the channels,
 * so the server's own work per message dominates.  One publisher keeps
 * IN_FLIGHT PUBLISHes of a 16-byte payload in flight, topping the window
 * up in one write whenever replies came back: a deep window keeps the server
 * busy however late the client gets the CPU (on a loaded machine a shallow
 * one measures scheduling latency, not the server).
 *
 * The client is built to cost less than the server per message: channel
 * names have a fixed width, so every frame a connection receives has one
 * known size and messages are counted from byte counts, without parsing;
 * each ready socket is read once per wake-up into a 256 KiB buffer (one
 * read usually drains everything the server wrote since).
 *
 * client_cpu_share is this process's CPU time over the timed part per
 * second.  With SERVER_PID, the server's CPU time (utime + stime from /proc)
 * and its read + write system calls (/proc/<pid>/io) over the timed part
 * are printed as well, per delivered message.  WAIT=1: once subscribed,
 * print "ready" and wait for a line on stdin before the timed part (lets a
 * harness zero a profiler's counters there).  Output: one line of
 * key=value pairs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD "0123456789abcdef"
#define MAX_IN_FLIGHT 4096
#define READ_BUFFER (256 * 1024)
#define MAX_SUBSCRIBERS 10000

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        perror("connect");
        exit(1);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void send_all(int fd, const char *data, size_t length) {
    while (length) {
        ssize_t sent = write(fd, data, length);
        if (sent < 0) {
            if (errno == EINTR) continue;
            perror("write");
            exit(1);
        }
        data += sent;
        length -= (size_t)sent;
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* utime + stime of `pid` in seconds, or -1. */
static double cpu_seconds(int pid) {
    char path[64], text[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *file = fopen(path, "r");
    if (!file) return -1;
    size_t length = fread(text, 1, sizeof(text) - 1, file);
    fclose(file);
    text[length] = 0;
    const char *after = strrchr(text, ')'); /* the command name may hold spaces */
    unsigned long utime, stime;
    if (!after || sscanf(after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* read + write system calls of `pid` so far (/proc/<pid>/io), or -1. */
static double server_syscalls(int pid) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/io", pid);
    FILE *file = fopen(path, "r");
    if (!file) return -1;
    unsigned long long reads = 0, writes = 0;
    char line[128];
    while (fgets(line, sizeof(line), file)) {
        sscanf(line, "syscr: %llu", &reads);
        sscanf(line, "syscw: %llu", &writes);
    }
    fclose(file);
    return (double)(reads + writes);
}

/* This process's CPU time in seconds. */
static double own_cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* Reads until `expected` bytes arrived (the subscription confirmations). */
static void read_exactly(int fd, size_t expected) {
    char buffer[4096];
    while (expected) {
        ssize_t got = read(fd, buffer, expected < sizeof(buffer) ? expected : sizeof(buffer));
        if (got <= 0) {
            perror("read");
            exit(1);
        }
        expected -= (size_t)got;
    }
}

static void subscribe(int fd, const char *command, const char *name) {
    char request[128], confirmation[128];
    int request_length = snprintf(request, sizeof(request), "*2\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n", strlen(command),
                                  command, strlen(name), name);
    int confirmation_length = snprintf(confirmation, sizeof(confirmation), "*3\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n:1\r\n",
                                       strlen(command), command, strlen(name), name);
    send_all(fd, request, (size_t)request_length);
    read_exactly(fd, (size_t)confirmation_length); /* lowercase reply, same length */
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [SUBSCRIBERS] [SECONDS] [SHAPE] [SERVER_PID] [IN_FLIGHT] [WAIT]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    int subscribers = argc > 2 ? atoi(argv[2]) : 100;
    double seconds = argc > 3 ? atof(argv[3]) : 5;
    int shape = argc > 4 ? atoi(argv[4]) : 0;
    int server_pid = argc > 5 ? atoi(argv[5]) : 0;
    int window = argc > 6 ? atoi(argv[6]) : 32;
    int wait_for_go = argc > 7 && atoi(argv[7]);
    if (subscribers < 1 || subscribers > MAX_SUBSCRIBERS || seconds <= 0 || shape < 0 || shape > 2 ||
        window < 1 || window > MAX_IN_FLIGHT) {
        fprintf(stderr, "SUBSCRIBERS 1..%d, SECONDS > 0, SHAPE 0, 1 or 2, IN_FLIGHT 1..%d\n", MAX_SUBSCRIBERS,
                MAX_IN_FLIGHT);
        return 2;
    }
    int epoll = epoll_create1(0);
    /* data.u64: the frame size of what that connection receives (0: the
     * publisher). */
    const size_t message_frame = shape ? strlen("*3\r\n$7\r\nmessage\r\n$5\r\nb0000\r\n$16\r\n" PAYLOAD "\r\n")
                                       : strlen("*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$16\r\n" PAYLOAD "\r\n");
    const size_t pattern_frame = strlen("*4\r\n$8\r\npmessage\r\n$2\r\nb*\r\n$5\r\nb0000\r\n$16\r\n" PAYLOAD "\r\n");
    if (shape == 2) {
        /* One SUBSCRIBE with every channel; its confirmations end in counts
         * of varying width, so they are counted by lines (6 each). */
        int fd = connect_to(port);
        static char request[MAX_SUBSCRIBERS * 16 + 64];
        size_t length = (size_t)snprintf(request, sizeof(request), "*%d\r\n$9\r\nSUBSCRIBE\r\n", subscribers + 1);
        for (int i = 0; i < subscribers; i++)
            length += (size_t)snprintf(request + length, sizeof(request) - length, "$5\r\nb%04d\r\n", i);
        send_all(fd, request, length);
        for (long long lines = 6LL * subscribers; lines > 0;) {
            ssize_t got = read(fd, request, sizeof(request));
            if (got <= 0) {
                perror("read");
                exit(1);
            }
            for (char *at = request, *stop = request + got; (at = memchr(at, '\n', (size_t)(stop - at))); at++)
                lines--;
        }
        struct epoll_event event = {.events = EPOLLIN, .data.u64 = ((uint64_t)message_frame << 32) | (uint32_t)fd};
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
    }
    for (int i = 0; i < subscribers && shape != 2; i++) {
        int fd = connect_to(port);
        char name[16];
        if (shape) snprintf(name, sizeof(name), "b%04d", i);
        subscribe(fd, "subscribe", shape ? name : "bench");
        struct epoll_event event = {.events = EPOLLIN, .data.u64 = ((uint64_t)message_frame << 32) | (uint32_t)fd};
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
    }
    if (shape) {
        int fd = connect_to(port);
        subscribe(fd, "psubscribe", "b*");
        struct epoll_event event = {.events = EPOLLIN, .data.u64 = ((uint64_t)pattern_frame << 32) | (uint32_t)fd};
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
    }
    int publisher = connect_to(port);
    struct epoll_event publisher_event = {.events = EPOLLIN, .data.u64 = (uint32_t)publisher};
    epoll_ctl(epoll, EPOLL_CTL_ADD, publisher, &publisher_event);

    long long published = 0, replies = 0, delivered = 0;
    static long long partial_bytes[MAX_SUBSCRIBERS + 16]; /* bytes of a frame cut by a read, by fd */
    int in_flight = 0;
    static char buffer[READ_BUFFER];
    struct epoll_event events[1024];
    double cpu_start = server_pid ? cpu_seconds(server_pid) : -1;
    double syscalls_start = server_pid ? server_syscalls(server_pid) : -1;
    if (wait_for_go) {
        char line[16];
        printf("ready\n");
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin)) return 1;
    }
    double own_start = own_cpu_seconds();
    double start = now(), end = start + seconds;
    while (now() < end) {
        if (in_flight < window) {
            static char batch[MAX_IN_FLIGHT * 64];
            size_t length = 0;
            for (; in_flight < window; in_flight++, published++) {
                char name[16];
                if (shape) snprintf(name, sizeof(name), "b%04d", (int)(published % subscribers));
                length += (size_t)snprintf(batch + length, sizeof(batch) - length,
                                           "*3\r\n$7\r\nPUBLISH\r\n$5\r\n%s\r\n$16\r\n" PAYLOAD "\r\n",
                                           shape ? name : "bench");
            }
            send_all(publisher, batch, length);
        }
        int ready = epoll_wait(epoll, events, 1024, 100);
        for (int i = 0; i < ready; i++) {
            int fd = (int)(uint32_t)events[i].data.u64;
            size_t frame = (size_t)(events[i].data.u64 >> 32);
            ssize_t got = read(fd, buffer, sizeof(buffer));
            if (got <= 0) {
                if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                    fprintf(stderr, "connection %d closed by the server\n", fd);
                    return 1;
                }
                continue;
            }
            if (fd == publisher) {
                /* Replies are ":<n>\r\n": one '\n' each. */
                for (char *at = buffer, *stop = buffer + got; (at = memchr(at, '\n', (size_t)(stop - at))); at++) {
                    replies++;
                    in_flight--;
                }
                continue;
            }
            long long bytes = partial_bytes[fd] + got;
            delivered += bytes / (long long)frame;
            partial_bytes[fd] = bytes % (long long)frame;
        }
    }
    double elapsed = now() - start;
    double cpu = server_pid ? cpu_seconds(server_pid) - cpu_start : -1;
    double syscalls = server_pid ? server_syscalls(server_pid) - syscalls_start : -1;
    printf("in_flight=%d subscribers=%d shape=%d seconds=%.2f published=%lld replies=%lld delivered=%lld "
           "delivered_per_sec=%.0f publish_per_sec=%.0f client_cpu_share=%.3f",
           window, subscribers, shape, elapsed, published, replies, delivered, (double)delivered / elapsed,
           (double)replies / elapsed, (own_cpu_seconds() - own_start) / elapsed);
    if (server_pid && cpu >= 0)
        printf(" server_cpu_seconds=%.3f server_cpu_share=%.3f server_ns_per_delivered=%.1f", cpu, cpu / elapsed,
               delivered ? cpu * 1e9 / (double)delivered : 0);
    if (server_pid && syscalls >= 0)
        printf(" server_syscalls_per_delivered=%.3f", delivered ? syscalls / (double)delivered : 0);
    printf("\n");
    return 0;
}
