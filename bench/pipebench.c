/* pipebench: a lean pipelining load client, so the server is what is measured.
 *
 * redis-benchmark builds a hiredis reply object for every reply it reads.
 * On a 2-core machine that client work, not the server, sets the pace of
 * the collection tests: LRANGE of 600 elements means 600 allocated reply
 * objects per request, and both servers then show the same requests per
 * second however little each spends.  This client only finds where each
 * reply ends: it walks the RESP headers (skipping bulk payloads by their
 * declared length) and allocates nothing per reply, so one client core can
 * outrun one server core and the ratio between servers is the servers'.
 *
 * It keeps redis-benchmark's request model, so figures stay comparable:
 * C connections, each writing P commands at once and waiting for all P
 * replies before the next batch, and every "__rand_int__" in the command
 * replaced by a fresh 12-digit number below the keyspace (-r).  One
 * thread and epoll; the run ends when N requests have been answered.
 *
 * Usage: pipebench --port P [--clients C] [--pipeline D] [--requests N]
 *                  [--keyspace R] -- COMMAND [ARG ...]
 * Prints "requests=N seconds=T rps=X errors=E"; exit status 0 when every
 * reply was read (error replies are counted, not fatal), 1 on a connection
 * or protocol failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RAND_MARK "__rand_int__"
#define RAND_MARK_LENGTH 12
#define MAX_MARKS 16
#define READ_CHUNK 65536

struct options {
    int port;
    int clients;
    int pipeline;
    long long requests;
    unsigned long long keyspace;
};

/* The encoded command once, and where its random fields sit in it. */
struct command_template {
    char *bytes;
    size_t length;
    size_t marks[MAX_MARKS];
    int mark_count;
};

struct connection {
    int fd;
    char *out;           /* pipeline copies of the command */
    size_t out_length;
    size_t out_sent;
    char *in;            /* unparsed reply bytes */
    size_t in_length;
    size_t in_capacity;
    int awaiting;        /* replies still due for the batch in flight */
    bool watching_out;   /* registered for EPOLLOUT: a write was cut short */
};

struct totals {
    long long issued;
    long long answered;
    long long errors;
};

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void *checked_malloc(size_t size) {
    void *p = malloc(size);
    if (!p) die("malloc");
    return p;
}

static uint64_t random_state = 0x9e3779b97f4a7c15ULL;

static uint64_t next_random(void) {
    uint64_t x = random_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    random_state = x;
    return x;
}

static void template_build(struct command_template *t, int argc, char **argv) {
    size_t length = 32;
    for (int i = 0; i < argc; i++) length += strlen(argv[i]) + 32;
    t->bytes = checked_malloc(length);
    size_t at = (size_t)sprintf(t->bytes, "*%d\r\n", argc);
    t->mark_count = 0;
    for (int i = 0; i < argc; i++) {
        size_t arg_length = strlen(argv[i]);
        at += (size_t)sprintf(t->bytes + at, "$%zu\r\n", arg_length);
        for (const char *p = strstr(argv[i], RAND_MARK); p; p = strstr(p + RAND_MARK_LENGTH, RAND_MARK)) {
            if (t->mark_count == MAX_MARKS) {
                fprintf(stderr, "pipebench: more than %d %s fields\n", MAX_MARKS, RAND_MARK);
                exit(1);
            }
            t->marks[t->mark_count++] = at + (size_t)(p - argv[i]);
        }
        memcpy(t->bytes + at, argv[i], arg_length);
        at += arg_length;
        memcpy(t->bytes + at, "\r\n", 2);
        at += 2;
    }
    t->length = at;
}

/* Fills the random fields of one command copy, as redis-benchmark does:
 * 12 zero-padded digits of a number below the keyspace. */
static void template_randomize(const struct command_template *t, char *copy, unsigned long long keyspace) {
    for (int m = 0; m < t->mark_count; m++) {
        unsigned long long value = keyspace ? next_random() % keyspace : 0;
        char *field = copy + t->marks[m];
        for (int d = RAND_MARK_LENGTH - 1; d >= 0; d--) {
            field[d] = (char)('0' + value % 10);
            value /= 10;
        }
    }
}

/* Length of the line starting at p (through its CRLF), 0 when incomplete. */
static size_t line_length(const char *p, const char *end) {
    const char *lf = memchr(p, '\n', (size_t)(end - p));
    return lf ? (size_t)(lf - p) + 1 : 0;
}

/* End of a bulk payload of n bytes (n < 0: a null, no payload) starting
 * at p, NULL when it has not all arrived. */
static const char *bulk_end(const char *p, const char *end, long long n) {
    if (n < 0) return p;
    if ((size_t)(end - p) < (size_t)n + 2) return NULL;
    return p + n + 2;
}

/* Where the reply starting at p ends; NULL when it is incomplete.  Sets
 * *is_error for a top-level error reply.  Aggregates are walked
 * element by element; bulk payloads are skipped by their length. */
static const char *reply_end(const char *p, const char *end, bool *is_error, int depth) {
    if (depth > 64) {
        fprintf(stderr, "pipebench: replies nested deeper than 64\n");
        exit(1);
    }
    size_t line = line_length(p, end);
    if (!line) return NULL;
    char type = *p;
    long long n = strtoll(p + 1, NULL, 10);
    const char *next = p + line;
    switch (type) {
    case '-':
        if (depth == 0) *is_error = true;
        return next;
    case '!':
        if (depth == 0) *is_error = true;
        return bulk_end(next, end, n);
    case '$':
    case '=':
        return bulk_end(next, end, n);
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
        long long elements = n < 0 ? 0 : (type == '%' || type == '|') ? 2 * n : n;
        for (long long i = 0; i < elements; i++) {
            bool ignored = false;
            next = reply_end(next, end, &ignored, depth + 1);
            if (!next) return NULL;
        }
        return next;
    }
    case '+':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
        return next;
    default:
        fprintf(stderr, "pipebench: unexpected reply type byte 0x%02x\n", (unsigned char)type);
        exit(1);
    }
}

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0 && errno != EINPROGRESS) die("connect");
    return fd;
}

/* Starts the next batch on c if requests remain; false when none do. */
static bool batch_start(struct connection *c, const struct command_template *t, const struct options *o,
                        struct totals *totals) {
    long long left = o->requests - totals->issued;
    if (left <= 0) return false;
    int count = left < o->pipeline ? (int)left : o->pipeline;
    for (int i = 0; i < count; i++) template_randomize(t, c->out + (size_t)i * t->length, o->keyspace);
    c->out_length = (size_t)count * t->length;
    c->out_sent = 0;
    c->awaiting = count;
    totals->issued += count;
    return true;
}

static void flush_out(struct connection *c) {
    while (c->out_sent < c->out_length) {
        ssize_t n = write(c->fd, c->out + c->out_sent, c->out_length - c->out_sent);
        if (n < 0) {
            if (errno == EAGAIN || errno == ENOTCONN) return;
            if (errno == EINTR) continue;
            die("write");
        }
        c->out_sent += (size_t)n;
    }
}

/* Reads what is there and consumes complete replies. */
static void read_replies(struct connection *c, struct totals *totals) {
    for (;;) {
        if (c->in_capacity - c->in_length < READ_CHUNK) {
            c->in_capacity = c->in_capacity * 2 + READ_CHUNK;
            c->in = realloc(c->in, c->in_capacity);
            if (!c->in) die("realloc");
        }
        ssize_t n = read(c->fd, c->in + c->in_length, c->in_capacity - c->in_length);
        if (n == 0) {
            fprintf(stderr, "pipebench: the server closed a connection\n");
            exit(1);
        }
        if (n < 0) {
            if (errno == EAGAIN) break;
            if (errno == EINTR) continue;
            die("read");
        }
        c->in_length += (size_t)n;
        if ((size_t)n < READ_CHUNK) break;
    }
    const char *p = c->in, *end = c->in + c->in_length;
    while (p < end && c->awaiting > 0) {
        bool is_error = false;
        const char *next = reply_end(p, end, &is_error, 0);
        if (!next) break;
        if (is_error) totals->errors++;
        totals->answered++;
        c->awaiting--;
        p = next;
    }
    c->in_length = (size_t)(end - p);
    memmove(c->in, p, c->in_length);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void) {
    fprintf(stderr, "usage: pipebench --port P [--clients C] [--pipeline D] [--requests N] "
                    "[--keyspace R] -- COMMAND [ARG ...]\n");
    exit(1);
}

int main(int argc, char **argv) {
    struct options o = {.port = 0, .clients = 50, .pipeline = 16, .requests = 100000, .keyspace = 0};
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (i + 1 >= argc) usage();
        if (!strcmp(argv[i], "--port")) o.port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--clients")) o.clients = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--pipeline")) o.pipeline = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--requests")) o.requests = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--keyspace")) o.keyspace = strtoull(argv[++i], NULL, 10);
        else usage();
    }
    if (o.port <= 0 || o.clients <= 0 || o.pipeline <= 0 || o.requests <= 0 || i >= argc) usage();

    struct command_template t;
    template_build(&t, argc - i, argv + i);
    int epoll = epoll_create1(0);
    if (epoll < 0) die("epoll_create1");
    struct connection *connections = calloc((size_t)o.clients, sizeof *connections);
    if (!connections) die("calloc");
    struct totals totals = {0, 0, 0};
    double start = now_seconds();
    for (int k = 0; k < o.clients; k++) {
        struct connection *c = &connections[k];
        c->fd = connect_to(o.port);
        c->out = checked_malloc(t.length * (size_t)o.pipeline);
        for (int copy = 0; copy < o.pipeline; copy++) memcpy(c->out + (size_t)copy * t.length, t.bytes, t.length);
        c->watching_out = true;
        struct epoll_event event = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
        if (epoll_ctl(epoll, EPOLL_CTL_ADD, c->fd, &event) < 0) die("epoll_ctl");
        batch_start(c, &t, &o, &totals);
    }
    struct epoll_event events[256];
    while (totals.answered < o.requests) {
        int ready = epoll_wait(epoll, events, 256, 10000);
        if (ready < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        if (ready == 0) {
            fprintf(stderr, "pipebench: no reply for 10 s (%lld of %lld answered)\n", totals.answered, o.requests);
            return 1;
        }
        for (int e = 0; e < ready; e++) {
            struct connection *c = events[e].data.ptr;
            if (events[e].events & (EPOLLERR | EPOLLHUP)) {
                fprintf(stderr, "pipebench: connection failed\n");
                return 1;
            }
            if (events[e].events & EPOLLIN) {
                read_replies(c, &totals);
                if (c->awaiting == 0 && c->in_length == 0) batch_start(c, &t, &o, &totals);
                else if (c->awaiting == 0) {
                    fprintf(stderr, "pipebench: more replies than requests\n");
                    return 1;
                }
            }
            flush_out(c);
            bool want_out = c->out_sent < c->out_length;
            if (want_out != c->watching_out) {
                c->watching_out = want_out;
                struct epoll_event event = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
                if (epoll_ctl(epoll, EPOLL_CTL_MOD, c->fd, &event) < 0) die("epoll_ctl");
            }
        }
    }
    double seconds = now_seconds() - start;
    printf("requests=%lld seconds=%.3f rps=%.0f errors=%lld\n", totals.answered, seconds,
           (double)totals.answered / seconds, totals.errors);
    for (int k = 0; k < o.clients; k++) {
        close(connections[k].fd);
        free(connections[k].out);
        free(connections[k].in);
    }
    free(connections);
    free(t.bytes);
    close(epoll);
    return 0;
}
