/* loadgen: a pipelining loader and verifier for the bench harness.
 *
 * Every key and value is a pure function of (key id, seed), so the harness
 * can load a server, change it (delete a random half, overwrite a quarter),
 * and later check any sample of keys without keeping a copy of the data:
 * the key is "<prefix>%012u", a value's size and bytes come from a 64-bit
 * mix of (seed, id).  A key takes part in an operation when a second mix of
 * (select seed, id) mod 100 falls in [lo, hi), which picks stable random
 * subsets.  Commands go out in batches with two batches in flight, so the
 * socket never idles while the server works; this is about as fast as
 * `redis-cli --pipe` without needing a generated file on disk.
 *
 * Usage: loadgen OP --port P [options]     OP: set | expire | del | verify
 *   --count N         key ids 0..N-1 (default 1000)
 *   --step K          only every K-th id (sampling for verify; default 1)
 *   --prefix S        key prefix (default "key:")
 *   --select S:LO:HI  only ids whose select-mix mod 100 is in [LO,HI)
 *   --vseed S         value seed (default 1)
 *   --size MIN[:MAX]  value size range in bytes (default 3)
 *   --ttl SECS        with set: SET ... EX SECS; with expire: the TTL
 *   --expect-nil      verify: every selected key must be missing
 *   --allow-nil       verify: a missing key is fine (counted apart)
 *   --uniform         verify: values are unknown but must all equal the first
 *                     one read, of a size in the --size range (redis-benchmark
 *                     writes one fixed random filler to every key)
 *   --batch B         commands per batch (default 1000)
 * Prints one line "op=... sent=N errors=E mismatches=M nil=Z secs=T".
 * Exit status: 0 fine, 1 connection or protocol failure, 2 error replies,
 * 3 verify mismatches.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum op { OP_SET, OP_EXPIRE, OP_DEL, OP_VERIFY };

struct options {
    enum op op;
    int port;
    uint32_t count, step, batch;
    const char *prefix;
    uint64_t select_seed;
    unsigned select_lo, select_hi;
    uint64_t vseed;
    uint32_t size_min, size_max;
    long ttl;
    int expect_nil, allow_nil, uniform;
};

struct counters {
    uint64_t sent, replies, errors, mismatches, nils;
};

static void die(const char *what)
{
    fprintf(stderr, "loadgen: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

/* splitmix64 finaliser: cheap, and every output bit depends on every input bit. */
static uint64_t mix(uint64_t seed, uint64_t id)
{
    uint64_t z = seed * 0x9e3779b97f4a7c15ULL + id + 0x632be59bd9b4e019ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int selected(const struct options *o, uint32_t id)
{
    if (o->select_lo == 0 && o->select_hi >= 100) return 1;
    unsigned bucket = (unsigned)(mix(o->select_seed ^ 0x5e1ec7ULL, id) % 100);
    return bucket >= o->select_lo && bucket < o->select_hi;
}

/* Writes the value of key `id` into out (room for size_max bytes); returns its length. */
static uint32_t make_value(const struct options *o, uint32_t id, char *out)
{
    uint64_t h = mix(o->vseed, id);
    uint32_t span = o->size_max - o->size_min + 1;
    uint32_t len = o->size_min + (uint32_t)(h % span);
    for (uint32_t i = 0; i < len; i++) out[i] = (char)('a' + (h >> (i % 56)) % 26);
    return len;
}

/* ---- output buffer: commands are built here and sent one batch at a time ---- */

struct buf {
    char *data;
    size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
    if (b->len + more <= b->cap) return;
    while (b->cap < b->len + more) b->cap = b->cap ? b->cap * 2 : 65536;
    b->data = realloc(b->data, b->cap);
    if (!b->data) die("out of memory");
}

static void buf_bulk(struct buf *b, const char *s, size_t n)
{
    buf_reserve(b, n + 32);
    b->len += (size_t)sprintf(b->data + b->len, "$%zu\r\n", n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    memcpy(b->data + b->len, "\r\n", 2);
    b->len += 2;
}

static void buf_array(struct buf *b, int n)
{
    buf_reserve(b, 16);
    b->len += (size_t)sprintf(b->data + b->len, "*%d\r\n", n);
}

static void append_command(const struct options *o, struct buf *b, uint32_t id, char *value)
{
    char key[64];
    int klen = snprintf(key, sizeof key, "%s%012u", o->prefix, id);
    char num[32];
    switch (o->op) {
    case OP_SET: {
        uint32_t vlen = make_value(o, id, value);
        buf_array(b, o->ttl > 0 ? 5 : 3);
        buf_bulk(b, "SET", 3);
        buf_bulk(b, key, (size_t)klen);
        buf_bulk(b, value, vlen);
        if (o->ttl > 0) {
            buf_bulk(b, "EX", 2);
            buf_bulk(b, num, (size_t)snprintf(num, sizeof num, "%ld", o->ttl));
        }
        break;
    }
    case OP_EXPIRE:
        buf_array(b, 3);
        buf_bulk(b, "EXPIRE", 6);
        buf_bulk(b, key, (size_t)klen);
        buf_bulk(b, num, (size_t)snprintf(num, sizeof num, "%ld", o->ttl));
        break;
    case OP_DEL:
        buf_array(b, 2);
        buf_bulk(b, "DEL", 3);
        buf_bulk(b, key, (size_t)klen);
        break;
    case OP_VERIFY:
        buf_array(b, 2);
        buf_bulk(b, "GET", 3);
        buf_bulk(b, key, (size_t)klen);
        break;
    }
}

/* ---- reply reader: just enough RESP2 for the replies of SET/EXPIRE/DEL/GET ---- */

struct reader {
    int fd;
    char *data;
    size_t start, end, cap;
};

/* Makes at least `need` unread bytes available; blocks on the socket. */
static void reader_fill(struct reader *r, size_t need)
{
    while (r->end - r->start < need) {
        if (r->start > 0) {
            memmove(r->data, r->data + r->start, r->end - r->start);
            r->end -= r->start;
            r->start = 0;
        }
        if (r->cap - r->end < 65536 || r->cap < need) {
            r->cap = (r->cap + need) * 2;
            r->data = realloc(r->data, r->cap);
            if (!r->data) die("out of memory");
        }
        ssize_t n = read(r->fd, r->data + r->end, r->cap - r->end);
        if (n == 0) {
            errno = 0;
            die("server closed the connection");
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            die("read");
        }
        r->end += (size_t)n;
    }
}

/* Returns the next line (without CRLF), NUL-terminated in place. */
static char *reader_line(struct reader *r)
{
    for (;;) {
        char *crlf = memchr(r->data + r->start, '\n', r->end - r->start);
        if (crlf) {
            char *line = r->data + r->start;
            r->start = (size_t)(crlf - r->data) + 1;
            if (crlf > line && crlf[-1] == '\r') crlf[-1] = '\0';
            *crlf = '\0';
            return line;
        }
        reader_fill(r, r->end - r->start + 1);
    }
}

/* --uniform: the first value read becomes the expected one for all others. */
static void check_uniform(const struct options *o, const char *got, size_t len, uint32_t id,
                          struct counters *c)
{
    static char first[4096];
    static size_t first_len;
    static int have_first;
    if (!have_first && len >= o->size_min && len <= o->size_max && len <= sizeof first) {
        memcpy(first, got, len);
        first_len = len;
        have_first = 1;
        return;
    }
    if (!have_first || len != first_len || memcmp(got, first, len) != 0) {
        if (c->mismatches++ == 0)
            fprintf(stderr, "loadgen: GET %u: %zu-byte value differs from the others\n", id, len);
    }
}

static void read_reply(const struct options *o, struct reader *r, uint32_t id, char *value,
                       struct counters *c)
{
    char *line = reader_line(r);
    c->replies++;
    switch (line[0]) {
    case '-':
        if (c->errors++ == 0) fprintf(stderr, "loadgen: error reply: %s\n", line);
        return;
    case '+':
    case ':':
        if (o->op == OP_VERIFY && c->mismatches++ == 0)
            fprintf(stderr, "loadgen: GET %u: unexpected reply %s\n", id, line);
        return;
    case '_':
    case '$': {
        long len = line[0] == '_' ? -1 : strtol(line + 1, NULL, 10);
        if (len < 0) {
            c->nils++;
            if (o->op == OP_VERIFY && !o->expect_nil && !o->allow_nil && c->mismatches++ == 0)
                fprintf(stderr, "loadgen: GET %u: missing key\n", id);
            return;
        }
        reader_fill(r, (size_t)len + 2);
        const char *got = r->data + r->start;
        r->start += (size_t)len + 2;
        if (o->op != OP_VERIFY) return;
        if (o->uniform) {
            check_uniform(o, got, (size_t)len, id, c);
            return;
        }
        uint32_t want = make_value(o, id, value);
        if (o->expect_nil || (uint32_t)len != want || memcmp(got, value, want) != 0) {
            if (c->mismatches++ == 0)
                fprintf(stderr, "loadgen: GET %u: %ld-byte value differs from the expected %s\n",
                        id, len, o->expect_nil ? "missing key" : "value");
        }
        return;
    }
    default:
        errno = 0;
        fprintf(stderr, "loadgen: unexpected reply line '%.40s'\n", line);
        exit(1);
    }
}

/* ---- driver ---- */

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("write");
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Fills ids[] with the next batch of selected ids starting at *next; returns how many. */
static uint32_t next_batch(const struct options *o, uint64_t *next, uint32_t *ids)
{
    uint32_t n = 0;
    while (n < o->batch && *next < o->count) {
        uint32_t id = (uint32_t)*next;
        *next += o->step;
        if (selected(o, id)) ids[n++] = id;
    }
    return n;
}

static double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(const struct options *o, struct counters *c)
{
    int fd = connect_to(o->port);
    struct reader r = { .fd = fd };
    struct buf out = { 0 };
    char *value = malloc(o->size_max + 1);
    uint32_t *ids[2] = { malloc(o->batch * sizeof(uint32_t)), malloc(o->batch * sizeof(uint32_t)) };
    uint32_t in_flight[2] = { 0, 0 };
    if (!value || !ids[0] || !ids[1]) die("out of memory");
    uint64_t next = 0;
    int cur = 0;
    /* Two batches in flight: send batch k+1, then read the replies of batch k. */
    for (;;) {
        uint32_t n = next_batch(o, &next, ids[cur]);
        out.len = 0;
        for (uint32_t i = 0; i < n; i++) append_command(o, &out, ids[cur][i], value);
        send_all(fd, out.data, out.len);
        c->sent += n;
        in_flight[cur] = n;
        int prev = cur ^ 1;
        for (uint32_t i = 0; i < in_flight[prev]; i++) read_reply(o, &r, ids[prev][i], value, c);
        in_flight[prev] = 0;
        if (n == 0) break;
        cur = prev;
    }
    close(fd);
    free(value);
    free(ids[0]);
    free(ids[1]);
    free(out.data);
    free(r.data);
}

static void usage(void)
{
    fprintf(stderr, "usage: loadgen set|expire|del|verify --port P [--count N] [--step K] "
                    "[--prefix S] [--select SEED:LO:HI] [--vseed S] [--size MIN[:MAX]] "
                    "[--ttl SECS] [--expect-nil] [--allow-nil] [--uniform] [--batch B]\n");
    exit(1);
}

static void parse_args(int argc, char **argv, struct options *o)
{
    if (argc < 2) usage();
    const char *ops[] = { "set", "expire", "del", "verify" };
    o->op = (enum op)-1;
    for (int i = 0; i < 4; i++)
        if (strcmp(argv[1], ops[i]) == 0) o->op = (enum op)i;
    if ((int)o->op < 0) usage();
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes_value = 1;
        if (!strcmp(a, "--expect-nil")) { o->expect_nil = 1; takes_value = 0; }
        else if (!strcmp(a, "--uniform")) { o->uniform = 1; takes_value = 0; }
        else if (!strcmp(a, "--allow-nil")) { o->allow_nil = 1; takes_value = 0; }
        else if (!v) usage();
        else if (!strcmp(a, "--port")) o->port = atoi(v);
        else if (!strcmp(a, "--count")) o->count = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--step")) o->step = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--batch")) o->batch = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--prefix")) o->prefix = v;
        else if (!strcmp(a, "--vseed")) o->vseed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--ttl")) o->ttl = strtol(v, NULL, 10);
        else if (!strcmp(a, "--size")) {
            if (sscanf(v, "%u:%u", &o->size_min, &o->size_max) != 2) o->size_max = o->size_min;
        } else if (!strcmp(a, "--select")) {
            unsigned long long seed;
            if (sscanf(v, "%llu:%u:%u", &seed, &o->select_lo, &o->select_hi) != 3) usage();
            o->select_seed = seed;
        } else usage();
        i += takes_value;
    }
    if (o->port <= 0 || o->step == 0 || o->batch == 0 || o->size_max < o->size_min) usage();
    if (o->op == OP_EXPIRE && o->ttl <= 0) usage();
}

int main(int argc, char **argv)
{
    struct options o = { .count = 1000, .step = 1, .batch = 1000, .prefix = "key:",
                         .select_hi = 100, .vseed = 1, .size_min = 3, .size_max = 3 };
    parse_args(argc, argv, &o);
    struct counters c = { 0 };
    double t0 = now_secs();
    run(&o, &c);
    const char *names[] = { "set", "expire", "del", "verify" };
    printf("op=%s sent=%llu errors=%llu mismatches=%llu nil=%llu secs=%.3f\n", names[o.op],
           (unsigned long long)c.sent, (unsigned long long)c.errors,
           (unsigned long long)c.mismatches, (unsigned long long)c.nils, now_secs() - t0);
    if (c.mismatches) return 3;
    if (c.errors) return 2;
    return 0;
}
