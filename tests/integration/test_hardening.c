/* Integration tests for issue 21 (hardening): requests that used to crash,
 * freeze or starve zkv, the memory a busy client keeps, eviction for client
 * buffers, NaN in configuration, HELLO's validation order.  Each test names
 * the item it covers; replies are Redis 7.0.15's, checked byte for byte. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "test_hiredis.h"
#include "test_server.h"

#define DEBUG_NOT_ALLOWED                                                                                  \
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it " \
    "from a local connection, otherwise you need to set this option in the configuration file, and then "     \
    "restart the server."

static long long monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* An INFO field as a number (-1 if absent). */
static long long info_field(redisContext *redis, const char *section, const char *field) {
    redisReply *reply = redisCommand(redis, "INFO %s", section);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    char pattern[128];
    snprintf(pattern, sizeof(pattern), "\r\n%s:", field);
    const char *at = strstr(reply->str, pattern);
    long long value = at ? strtoll(at + strlen(pattern), NULL, 10) : -1;
    freeReplyObject(reply);
    return value;
}

static int uses_jemalloc(redisContext *redis) {
    redisReply *reply = redisCommand(redis, "INFO memory");
    assert_non_null(reply);
    int jemalloc = strstr(reply->str, "mem_allocator:jemalloc") != NULL;
    freeReplyObject(reply);
    return jemalloc;
}

/* Items 1-2: DEBUG is off by default and gated before authentication. */
static void test_debug_gated_by_default(void **state) {
    (void)state;
    test_server server;
    const char *arguments[] = {"--enable-debug-command", "no", "--requirepass", "pw", NULL};
    assert_int_equal(test_server_start(&server, arguments), 0);
    redisContext *redis = test_redis_connect(server.port);
    expect_error(redisCommand(redis, "DEBUG SLEEP 0"), DEBUG_NOT_ALLOWED);
    expect_error(redisCommand(redis, "GET x"), "NOAUTH Authentication required.");
    expect_status(redisCommand(redis, "AUTH pw"), "OK");
    expect_error(redisCommand(redis, "DEBUG MALLCTL-STR arenas.bin.0.size"), DEBUG_NOT_ALLOWED);
    expect_error(redisCommand(redis, "CONFIG SET enable-debug-command yes"),
                 "ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set "
                 "immutable config");
    redisReply *reply = redisCommand(redis, "CONFIG GET enable-debug-command");
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 2);
    assert_string_equal(reply->element[1]->str, "no");
    freeReplyObject(reply);
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);

    /* "local": a loopback client may. */
    const char *local[] = {"--enable-debug-command", "local", NULL};
    assert_int_equal(test_server_start(&server, local), 0);
    redis = test_redis_connect(server.port);
    expect_status(redisCommand(redis, "DEBUG SLEEP 0"), "OK");
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
}

/* Items 1-2: hostile DEBUG arguments answer errors; the server lives on and
 * never sleeps past debug-sleep-max-seconds. */
static void test_debug_hostile_arguments(void **state) {
    (void)state;
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    redisContext *redis = test_redis_connect(server.port);
    long long start = monotonic_ms();
    expect_error(redisCommand(redis, "DEBUG SLEEP 9e15"),
                 "ERR DEBUG SLEEP is limited to 60 seconds (debug-sleep-max-seconds)");
    expect_error(redisCommand(redis, "DEBUG SLEEP 1e18"),
                 "ERR DEBUG SLEEP is limited to 60 seconds (debug-sleep-max-seconds)");
    expect_error(redisCommand(redis, "DEBUG SLEEP nan"), "ERR DEBUG SLEEP needs a finite number of seconds");
    expect_error(redisCommand(redis, "DEBUG SLEEP inf"), "ERR DEBUG SLEEP needs a finite number of seconds");
    expect_error(redisCommand(redis, "DEBUG SLEEP -inf"), "ERR DEBUG SLEEP needs a finite number of seconds");
    expect_status(redisCommand(redis, "DEBUG SLEEP -1e300"), "OK");
    expect_status(redisCommand(redis, "CONFIG SET debug-sleep-max-seconds 0"), "OK");
    expect_error(redisCommand(redis, "DEBUG SLEEP 0.5"),
                 "ERR DEBUG SLEEP is limited to 0 seconds (debug-sleep-max-seconds)");
    assert_true(monotonic_ms() - start < 3000);
    expect_error(redisCommand(redis, "DEBUG SET-ACTIVE-EXPIRE %s", "1111111111111111111111111111111111111"),
                 "ERR value is not an integer or out of range");
    if (uses_jemalloc(redis)) {
        /* A size_t control read as a string was a SIGSEGV. */
        expect_error(redisCommand(redis, "DEBUG MALLCTL-STR arenas.bin.0.size"), "ERR Invalid argument");
        expect_error(redisCommand(redis, "DEBUG MALLCTL-STR arenas.page x"), "ERR Invalid argument");
        /* Integers are never written where jemalloc follows a pointer. */
        expect_error(redisCommand(redis, "DEBUG MALLCTL arena.0.extent_hooks 1"), "ERR Invalid argument");
        expect_error(redisCommand(redis, "DEBUG MALLCTL prof.dump 1"), "ERR Invalid argument");
        expect_error(redisCommand(redis, "DEBUG MALLCTL arenas.lookup"), "ERR Invalid argument");
        expect_error(redisCommand(redis, "DEBUG MALLCTL-STR arenas.lookup VOID"), "ERR Invalid argument");
        expect_error(redisCommand(redis, "DEBUG MALLCTL arenas.page 1x"),
                     "ERR value is not an integer or out of range");
        char long_name[400];
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        expect_error(redisCommand(redis, "DEBUG MALLCTL %s", long_name), "ERR No such file or directory");
        expect_error(redisCommand(redis, "DEBUG MALLCTL %b", "arenas.page\0x", (size_t)13),
                     "ERR No such file or directory");
        redisReply *version = redisCommand(redis, "DEBUG MALLCTL-STR version");
        assert_int_equal(version->type, REDIS_REPLY_STRING);
        assert_non_null(strstr(version->str, "5."));
        freeReplyObject(version);
    }
    expect_status(redisCommand(redis, "PING"), "PONG");
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
}

/* Item 7: NaN, infinities, overflow and Redis's string2ll/string2d rules in
 * numeric parameters, with Redis 7.0.15's texts. */
#define SET_FAILED(name, reason) "ERR CONFIG SET failed (possibly related to argument '" name "') - " reason

static void test_config_numbers(void **state) {
    (void)state;
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    redisContext *redis = test_redis_connect(server.port);
    const char *percentiles = "latency-tracking-info-percentiles";
    const char *invalid = SET_FAILED("latency-tracking-info-percentiles",
                                     "Invalid latency-tracking-info-percentiles parameters");
    const char *range = SET_FAILED("latency-tracking-info-percentiles",
                                   "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
    expect_error(redisCommand(redis, "CONFIG SET %s nan", percentiles), invalid);
    expect_error(redisCommand(redis, "CONFIG SET %s %s", percentiles, "50 -nan"), invalid);
    expect_error(redisCommand(redis, "CONFIG SET %s 1e400", percentiles), invalid);
    expect_error(redisCommand(redis, "CONFIG SET %s 1e-400", percentiles), invalid);
    expect_error(redisCommand(redis, "CONFIG SET %s %s", percentiles, " 5"), invalid);
    expect_error(redisCommand(redis, "CONFIG SET %s inf", percentiles), range);
    expect_error(redisCommand(redis, "CONFIG SET %s -inf", percentiles), range);
    redisReply *reply = redisCommand(redis, "CONFIG GET %s", percentiles);
    assert_string_equal(reply->element[1]->str, "50 99 99.9");
    freeReplyObject(reply);
    reply = redisCommand(redis, "INFO latencystats");
    assert_null(strstr(reply->str, "nan"));
    freeReplyObject(reply);
    expect_status(redisCommand(redis, "CONFIG SET %s 0x10", percentiles), "OK");
    /* Integers: no "-0", no leading zeros, no overflow (string2ll). */
    expect_error(redisCommand(redis, "CONFIG SET hz -0"),
                 SET_FAILED("hz", "argument couldn't be parsed into an integer"));
    expect_error(redisCommand(redis, "CONFIG SET lfu-log-factor 010"),
                 SET_FAILED("lfu-log-factor", "argument couldn't be parsed into an integer"));
    expect_error(redisCommand(redis, "CONFIG SET timeout 99999999999999999999"),
                 SET_FAILED("timeout", "argument couldn't be parsed into an integer"));
    expect_error(redisCommand(redis, "CONFIG SET hz nan"),
                 SET_FAILED("hz", "argument couldn't be parsed into an integer"));
    /* Memory values: past 64 bits is out of range, "" is 0. */
    expect_error(redisCommand(redis, "CONFIG SET client-query-buffer-limit 99999999999999999999"),
                 SET_FAILED("client-query-buffer-limit",
                            "argument must be between 1048576 and 9223372036854775807 inclusive"));
    expect_error(redisCommand(redis, "CONFIG SET client-query-buffer-limit 99999999999999999999%%"),
                 SET_FAILED("client-query-buffer-limit", "argument must be a memory value"));
    expect_error(redisCommand(redis, "CONFIG SET proto-max-bulk-len %s", ""),
                 SET_FAILED("proto-max-bulk-len",
                            "argument must be between 1048576 and 9223372036854775807 inclusive"));
    expect_error(redisCommand(redis, "CONFIG SET maxmemory nan"), SET_FAILED("maxmemory", "argument must be a memory value"));
    expect_status(redisCommand(redis, "CONFIG SET client-output-buffer-limit %s", ""), "OK");
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
}

/* Item 8: HELLO runs its options in order, as Redis 7.0.15. */
static void test_hello_auth_setname(void **state) {
    (void)state;
    test_server server;
    const char *arguments[] = {"--requirepass", "pw", NULL};
    assert_int_equal(test_server_start(&server, arguments), 0);
    int fd = test_connect(server.port);
    assert_true(fd >= 0);
    const char *hello = "*7\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$2\r\npw\r\n"
                        "$7\r\nSETNAME\r\n$3\r\na b\r\n";
    /* Authenticated by AUTH, refused by SETNAME; the protocol stays RESP2. */
    assert_int_equal(test_roundtrip(fd, hello, "-ERR Client names cannot contain spaces, newlines or special "
                                               "characters.\r\n"),
                     0);
    assert_int_equal(test_roundtrip(fd, "*2\r\n$6\r\nCLIENT\r\n$7\r\nGETNAME\r\n", "$-1\r\n"), 0);
    assert_int_equal(test_roundtrip(fd, "*1\r\n$4\r\nPING\r\n", "+PONG\r\n"), 0);
    close(fd);

    redisContext *redis = test_redis_connect(server.port);
    expect_error(redisCommand(redis, "HELLO 3"),
                 "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH "
                 "<user> <pass> option can be used to authenticate the client and select the RESP protocol "
                 "version at the same time");
    expect_error(redisCommand(redis, "HELLO 3 AUTH default bad SETNAME %s", "a b"),
                 "WRONGPASS invalid username-password pair or user is disabled.");
    expect_error(redisCommand(redis, "HELLO 3 SETNAME %s AUTH default pw", "a b"),
                 "ERR Client names cannot contain spaces, newlines or special characters.");
    expect_error(redisCommand(redis, "PING"), "NOAUTH Authentication required.");
    expect_error(redisCommand(redis, "HELLO 2 AUTH default pw SETNAME ok SETNAME %s", "a b"),
                 "ERR Client names cannot contain spaces, newlines or special characters.");
    expect_bulk(redisCommand(redis, "CLIENT GETNAME"), "ok");
    expect_error(redisCommand(redis, "HELLO 2 AUTH default pw BOGUS"), "ERR Syntax error in HELLO option 'BOGUS'");
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
}

/* Pipelines `count` commands built by `format` with the index, then reads
 * every reply (which must not be an error unless allowed). */
static void pipeline(redisContext *redis, int count, const char *format, int allow_errors) {
    for (int i = 0; i < count; i++) redisAppendCommand(redis, format, i);
    for (int i = 0; i < count; i++) {
        redisReply *reply = next_reply(redis);
        if (!allow_errors) assert_int_not_equal(reply->type, REDIS_REPLY_ERROR);
        freeReplyObject(reply);
    }
}

/* "db0:keys=N,expires=M,...": M, or 0 without keys. */
static long long keyspace_expires(redisContext *redis) {
    redisReply *reply = redisCommand(redis, "INFO keyspace");
    const char *at = strstr(reply->str, "expires=");
    long long expires = at ? strtoll(at + 8, NULL, 10) : 0;
    freeReplyObject(reply);
    return expires;
}

/* used_memory once nothing is on its way back (the lazy-free thread idle,
 * the client's pipeline buffers shrunk by the cron): a limit measured before
 * let the final SET of test_volatile_policies_leave_none find room on a
 * loaded machine. */
static long long settled_used_memory(redisContext *redis) {
    long long deadline = monotonic_ms() + 10000, used = info_field(redis, "memory", "used_memory");
    for (;;) {
        usleep(300000);
        long long now = info_field(redis, "memory", "used_memory");
        int steady = now > used - 4096 && now < used + 4096;
        used = now;
        if ((steady && info_field(redis, "memory", "lazyfree_pending_objects") == 0) || monotonic_ms() > deadline)
            return used;
    }
}

/* Item 5: with few keys with a TTL among many without, the volatile
 * policies evict every key with a TTL before answering -OOM (Redis leaves
 * none); random samples miss them, the cursor walk finds them. */
static void test_volatile_policies_leave_none(void **state) {
    (void)state;
    static const char *const policies[] = {"volatile-random", "volatile-lru", "volatile-lfu", "volatile-ttl"};
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    redisContext *redis = test_redis_connect(server.port);
    for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
        expect_status(redisCommand(redis, "FLUSHALL"), "OK");
        expect_status(redisCommand(redis, "CONFIG SET maxmemory 0"), "OK");
        pipeline(redis, 200000, "SET plain:%d x", 0);
        pipeline(redis, 2000, "SET ttl:%d x EX 1000", 0);
        long long used = settled_used_memory(redis);
        expect_status(redisCommand(redis, "CONFIG SET maxmemory-policy %s", policies[p]), "OK");
        expect_status(redisCommand(redis, "CONFIG SET maxmemory %lld", used - 10000), "OK");
        /* Each new key forces evictions until only keys without a TTL remain. */
        pipeline(redis, 4000, "SET new:%d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 1);
        expect_error(redisCommand(redis, "SET one-more x"), "OOM command not allowed when used memory > 'maxmemory'.");
        assert_int_equal(keyspace_expires(redis), 0);
    }
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
}

/* Item 3: a busy client gives back the query buffer and argument arrays of
 * one big request within a few cron ticks (Redis: at once; before the fix
 * zkv kept 5.2 MB for as long as the client kept sending PINGs). */
static void test_busy_client_gives_memory_back(void **state) {
    (void)state;
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    redisContext *redis = test_redis_connect(server.port);
    redisContext *observer = test_redis_connect(server.port);
    long long base = info_field(observer, "memory", "used_memory");
    enum { PAIRS = 100000 };
    const char **argv = malloc(sizeof(*argv) * (2 * PAIRS + 1));
    size_t *lengths = malloc(sizeof(*lengths) * (2 * PAIRS + 1));
    char *keys = malloc((size_t)PAIRS * 16);
    argv[0] = "MSET";
    lengths[0] = 4;
    for (int i = 0; i < PAIRS; i++) {
        snprintf(keys + (size_t)i * 16, 16, "key:%06d", i);
        argv[1 + 2 * i] = keys + (size_t)i * 16;
        lengths[1 + 2 * i] = 10;
        argv[2 + 2 * i] = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvv";
        lengths[2 + 2 * i] = 30;
    }
    expect_status(redisCommandArgv(redis, 2 * PAIRS + 1, argv, lengths), "OK");
    expect_status(redisCommand(redis, "FLUSHALL SYNC"), "OK");
    long long held = 0;
    for (int tick = 0; tick < 10; tick++) { /* two seconds of PINGs every 200 ms */
        expect_status(redisCommand(redis, "PING"), "PONG");
        usleep(200000);
        held = info_field(observer, "memory", "used_memory") - base;
    }
    /* Both clients' buffers together: tens of KB, not megabytes. */
    assert_true(held < 256 * 1024);
    free(keys);
    free(lengths);
    free(argv);
    redisFree(observer);
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
}

/* Item 4: with nothing left to evict, memory held by clients or on its way
 * back from a FLUSHALL does not refuse writes; maxmemory-clients closes the
 * client holding the most. */
static void test_writes_accepted_when_clients_hold_memory(void **state) {
    (void)state;
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    redisContext *loader = test_redis_connect(server.port);
    pipeline(loader, 300000, "SET key:%d yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", 0);
    redisContext *redis = test_redis_connect(server.port);
    expect_status(redisCommand(redis, "CONFIG SET maxmemory-policy allkeys-lru"), "OK");
    expect_status(redisCommand(redis, "CONFIG SET maxmemory 4mb"), "OK");
    expect_status(redisCommand(redis, "FLUSHALL"), "OK");
    expect_status(redisCommand(redis, "SET x 1"), "OK");
    expect_status(redisCommand(loader, "SET y 1"), "OK");
    expect_status(redisCommand(redis, "CONFIG SET maxmemory 0"), "OK");

    /* maxmemory-clients: a client with a 2 MB pending request is closed. */
    expect_status(redisCommand(redis, "CONFIG SET maxmemory-clients 1mb"), "OK");
    int fd = test_connect(server.port);
    assert_true(fd >= 0);
    char *partial = malloc(2 * 1024 * 1024);
    memset(partial, 'z', 2 * 1024 * 1024);
    const char *header = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4194304\r\n";
    assert_int_equal(test_send_string(fd, header), 0);
    assert_int_equal(test_send(fd, partial, 2 * 1024 * 1024), 0);
    assert_true(test_wait_closed(fd, TEST_IO_TIMEOUT_MS));
    close(fd);
    free(partial);
    assert_int_equal(info_field(redis, "stats", "evicted_clients"), 1);
    expect_status(redisCommand(redis, "PING"), "PONG");
    redisFree(redis);
    redisFree(loader);
    assert_int_equal(test_server_stop(&server), 0);
}

/* Resident memory of a process in MB (VmRSS), -1 if unknown. */
static long long process_rss_mb(pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *file = fopen(path, "r");
    if (!file) return -1;
    long long kb = -1;
    while (fgets(line, sizeof(line), file))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = strtoll(line + 6, NULL, 10);
    fclose(file);
    return kb < 0 ? -1 : kb / 1024;
}

/* Item 6: an idle server gives the pages of a freed 100 MB output buffer
 * back by itself (jemalloc's background thread; Redis: about 7 s).  Before,
 * RSS stayed at several times the baseline until MEMORY PURGE. */
static void test_idle_server_returns_memory(void **state) {
    (void)state;
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    redisContext *redis = test_redis_connect(server.port);
    redisReply *reply = redisCommand(redis, "CONFIG GET jemalloc-bg-thread");
    assert_string_equal(reply->element[1]->str, "yes");
    freeReplyObject(reply);
    if (!uses_jemalloc(redis)) {
        redisFree(redis);
        assert_int_equal(test_server_stop(&server), 0);
        return;
    }
    char *big = malloc(2 << 20);
    memset(big, 'x', 2 << 20);
    expect_status(redisCommand(redis, "SET big %b", big, (size_t)(2 << 20)), "OK");
    free(big);
    usleep(500000);
    long long baseline = process_rss_mb(server.pid);
    int fd = test_connect(server.port);
    assert_true(fd >= 0);
    for (int i = 0; i < 50; i++) assert_int_equal(test_send_string(fd, "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n"), 0);
    /* The replies pile up in the output buffer as fast as the server reads
     * the requests: wait for that, with room for a loaded machine. */
    long long peak = process_rss_mb(server.pid), waited = monotonic_ms();
    while (peak <= baseline + 50 && monotonic_ms() - waited < 15000) {
        usleep(200000);
        peak = process_rss_mb(server.pid);
    }
    close(fd);
    long long start = monotonic_ms(), rss = peak;
    while (monotonic_ms() - start < 40000 && rss > baseline + 24) {
        usleep(500000);
        rss = process_rss_mb(server.pid);
    }
    printf("# RSS baseline %lld MB, peak %lld MB, %lld MB after %lld ms idle\n", baseline, peak, rss,
           monotonic_ms() - start);
    assert_true(peak > baseline + 50);
    assert_true(rss <= baseline + 24); /* without the thread: about baseline + 60 */
    expect_integer(redisCommand(redis, "PEXPIREAT big 9223372036854775807"), 1);
    expect_integer(redisCommand(redis, "EXPIRETIME big"), 9223372036854776LL); /* no overflow */
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
}

/* Beyond Redis: a request whose string would need more memory than the
 * system gives (here a 400 MB address-space limit) answers an error and the
 * server lives on; Redis (and zkv before) abort the whole process.  Not
 * under AddressSanitizer, which needs terabytes of address space. */
static void test_huge_string_request_fails_alone(void **state) {
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    skip();
#else
    struct rlimit saved, limited;
    assert_int_equal(getrlimit(RLIMIT_AS, &saved), 0);
    limited = saved;
    limited.rlim_cur = 400ULL << 20;
    assert_int_equal(setrlimit(RLIMIT_AS, &limited), 0); /* inherited by the server */
    test_server server;
    int started = test_server_start(&server, NULL);
    assert_int_equal(setrlimit(RLIMIT_AS, &saved), 0);
    assert_int_equal(started, 0);
    redisContext *redis = test_redis_connect(server.port);
    const char *refusal = "ERR not enough memory to grow the string";
    expect_error(redisCommand(redis, "SETRANGE k 500000000 x"), refusal);
    expect_error(redisCommand(redis, "SETBIT b 3999999999 1"), refusal);
    expect_error(redisCommand(redis, "BITFIELD f SET u8 3999999990 1"), refusal);
    expect_status(redisCommand(redis, "SET a x"), "OK");
    expect_error(redisCommand(redis, "SETRANGE a 500000000 x"), refusal);
    expect_bulk(redisCommand(redis, "GET a"), "x");
    expect_integer(redisCommand(redis, "EXISTS k b f"), 0);
    expect_integer(redisCommand(redis, "APPEND a y"), 2);
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
#endif
}

/* Beyond Redis: a query or a reply that needs more memory than the system
 * gives (a 400 MB address-space limit here) costs its client the connection
 * — with "-ERR Protocol error: ..." for a query — and the server lives on
 * with its memory back; Redis (and zkv before) abort the whole process.
 * Three ways in: a declared bulk too big to allocate, a query buffer grown
 * by one endless command, an output buffer grown by a client that sends
 * requests for 1 MB replies and reads none. */
static void test_huge_query_and_reply_fail_alone(void **state) {
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    skip();
#else
    struct rlimit saved, limited;
    assert_int_equal(getrlimit(RLIMIT_AS, &saved), 0);
    limited = saved;
    limited.rlim_cur = 400ULL << 20;
    assert_int_equal(setrlimit(RLIMIT_AS, &limited), 0); /* inherited by the server */
    test_server server;
    int started = test_server_start(&server, NULL);
    assert_int_equal(setrlimit(RLIMIT_AS, &saved), 0);
    assert_int_equal(started, 0);
    redisContext *redis = test_redis_connect(server.port);
    long long baseline = info_field(redis, "memory", "used_memory");
    char reply[256];

    /* A bulk declared at 450 MB (under proto-max-bulk-len). */
    int fd = test_connect(server.port);
    assert_int_equal(test_send_string(fd, "*2\r\n$3\r\nGET\r\n$450000000\r\nabc"), 0);
    const char *bulk_error = "-ERR Protocol error: out of memory for a bulk argument\r\n";
    size_t got = test_read_exact(fd, reply, strlen(bulk_error), 10000);
    reply[got] = '\0';
    assert_string_equal(reply, bulk_error);
    assert_int_equal(test_wait_closed(fd, 10000), 1);
    close(fd);
    expect_status(redisCommand(redis, "PING"), "PONG");

    /* One MSET of 100,000 arguments of 30 KB that never ends: the query
     * buffer doubles until the allocator refuses it (before 400 MB). */
    fd = test_connect(server.port);
    assert_int_equal(test_send_string(fd, "*100000\r\n$4\r\nMSET\r\n"), 0);
    size_t piece_length = 8 + 30000 + 2;
    char *piece = malloc(piece_length * 32);
    for (int i = 0; i < 32; i++) {
        char *at = piece + i * piece_length;
        memcpy(at, "$30000\r\n", 8);
        memset(at + 8, 'x', 30000);
        memcpy(at + 8 + 30000, "\r\n", 2);
    }
    size_t sent = 0;
    while (sent < (400u << 20) && test_send(fd, piece, piece_length * 32) == 0) sent += piece_length * 32;
    free(piece);
    assert_true(sent < (400u << 20)); /* the server closed the connection */
    /* The error is sent before the close, but the close may reset the
     * connection before the client reads it (the client was still
     * sending): then INFO errorstats tells that it was answered. */
    const char *query_error = "-ERR Protocol error: out of memory for the query buffer\r\n";
    got = test_read_exact(fd, reply, strlen(query_error), 10000);
    reply[got] = '\0';
    if (got > 0) assert_string_equal(reply, query_error);
    close(fd);
    redisReply *errors = redisCommand(redis, "INFO errorstats");
    assert_non_null(errors);
    assert_non_null(strstr(errors->str, "errorstat_ERR:count=2\r\n"));
    freeReplyObject(errors);
    expect_status(redisCommand(redis, "PING"), "PONG");

    /* 600 replies of 1 MB queued for a client that reads nothing. */
    char *value = malloc(1 << 20);
    memset(value, 'v', 1 << 20);
    expect_status(redisCommand(redis, "SET big %b", value, (size_t)(1 << 20)), "OK");
    free(value);
    fd = test_connect(server.port);
    const char *getrange = "*4\r\n$8\r\nGETRANGE\r\n$3\r\nbig\r\n$1\r\n0\r\n$2\r\n-1\r\n";
    for (int i = 0; i < 600 && test_send_string(fd, getrange) == 0; i++) {
    }
    assert_int_equal(test_wait_closed(fd, 20000), 1);
    close(fd);
    expect_status(redisCommand(redis, "PING"), "PONG");
    expect_integer(redisCommand(redis, "DEL big"), 1);
    char *log = test_server_read_log(&server);
    assert_non_null(strstr(log, "closed: no memory for its reply"));
    free(log);
    /* Nothing of the three clients is left behind. */
    long long deadline = monotonic_ms() + 10000;
    while (info_field(redis, "memory", "used_memory") > baseline + (1 << 20) && monotonic_ms() < deadline) usleep(50000);
    assert_true(info_field(redis, "memory", "used_memory") <= baseline + (1 << 20));
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
#endif
}

/* Beyond Redis: a command called from a script whose reply needs more
 * memory than the system gives (a 400 MB address-space limit here: a 1 GB
 * SRANDMEMBER) raises "ERR out of memory ..." in the script, which pcall
 * catches and redis.pcall returns; the reply's memory is freed and the
 * script goes on.  Before, the server aborted copying the reply (and a
 * reply cut short by the output buffer would have reached the script
 * truncated). */
static void test_script_call_reply_fails_alone(void **state) {
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    skip();
#else
    struct rlimit saved, limited;
    assert_int_equal(getrlimit(RLIMIT_AS, &saved), 0);
    limited = saved;
    limited.rlim_cur = 400ULL << 20;
    assert_int_equal(setrlimit(RLIMIT_AS, &limited), 0); /* inherited by the server */
    test_server server;
    int started = test_server_start(&server, NULL);
    assert_int_equal(setrlimit(RLIMIT_AS, &saved), 0);
    assert_int_equal(started, 0);
    redisContext *redis = test_redis_connect(server.port);
    char member[1000];
    memset(member, 'm', sizeof(member));
    expect_integer(redisCommand(redis, "SADD s %b", member, sizeof(member)), 1);
    const char *counted = "return #redis.call('SRANDMEMBER', KEYS[1], ARGV[1])";
    const char *caught = "local ok, e = pcall(redis.call, 'SRANDMEMBER', KEYS[1], ARGV[1])\n"
                         "return {tostring(ok), tostring(e), redis.call('SCARD', KEYS[1])}";
    const char *returned = "local r = redis.pcall('SRANDMEMBER', KEYS[1], ARGV[1]) return r.err and r or #r";
    /* Each script once with a small reply (and one copied from several
     * chunks), so the cache and Lua's heap are in the baseline. */
    expect_integer(redisCommand(redis, "EVAL %s 1 s -3", counted), 3);
    expect_integer(redisCommand(redis, "EVAL %s 1 s -3000", counted), 3000);
    expect_integer(redisCommand(redis, "EVAL %s 1 s -3", returned), 3);
    redisReply *reply = redisCommand(redis, "EVAL %s 1 s -3", caught);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    freeReplyObject(reply);
    long long baseline = info_field(redis, "memory", "used_memory");

    const char *refusal = "ERR out of memory for the command's reply";
    reply = redisCommand(redis, "EVAL %s 1 s -1000000", counted);
    assert_non_null(reply); /* the server aborted before */
    assert_int_equal(reply->type, REDIS_REPLY_ERROR);
    assert_true(strncmp(reply->str, refusal, strlen(refusal)) == 0);
    assert_non_null(strstr(reply->str, " script: "));
    freeReplyObject(reply);
    reply = redisCommand(redis, "EVAL %s 1 s -1000000", caught);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 3);
    assert_string_equal(reply->element[0]->str, "false");
    assert_string_equal(reply->element[1]->str, refusal);
    assert_int_equal(reply->element[2]->integer, 1);
    freeReplyObject(reply);
    expect_error(redisCommand(redis, "EVAL %s 1 s -1000000", returned), refusal);
    redisReply *errors = redisCommand(redis, "INFO errorstats");
    assert_non_null(strstr(errors->str, "errorstat_ERR:count=3\r\n"));
    freeReplyObject(errors);
    /* The refused reply left nothing behind, and the next calls are whole. */
    assert_true(info_field(redis, "memory", "used_memory") <= baseline + (1 << 20));
    expect_integer(redisCommand(redis, "EVAL %s 1 s -3000", counted), 3000);
    expect_integer(redisCommand(redis, "EVAL %s 1 s -3", returned), 3);
    expect_status(redisCommand(redis, "PING"), "PONG");
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
#endif
}

/* Beyond Redis: with CLIENT REPLY OFF a reply the allocator refuses is
 * dropped like any other, and the refusal is not left on the buffer that
 * swallows hidden replies: before, the client was closed ("no memory for its
 * reply") at the next message it published to itself while replies were off. */
static void test_hidden_reply_refusal_forgotten(void **state) {
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    skip();
#else
    struct rlimit saved, limited;
    assert_int_equal(getrlimit(RLIMIT_AS, &saved), 0);
    limited = saved;
    limited.rlim_cur = 400ULL << 20;
    assert_int_equal(setrlimit(RLIMIT_AS, &limited), 0); /* inherited by the server */
    test_server server;
    int started = test_server_start(&server, NULL);
    assert_int_equal(setrlimit(RLIMIT_AS, &saved), 0);
    assert_int_equal(started, 0);
    redisContext *redis = test_redis_connect(server.port);
    char member[1000];
    memset(member, 'm', sizeof(member));
    expect_integer(redisCommand(redis, "SADD s %b", member, sizeof(member)), 1);
    redisFree(redis);
    int fd = test_connect(server.port);
    char reply[4096];
    assert_int_equal(test_send_string(fd, "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"), 0);
    assert_true(test_read_available(fd, reply, sizeof(reply), 300) > 0);
    assert_int_equal(test_roundtrip(fd, "*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n",
                                    ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"),
                     0);
    /* A 1 GB reply swallowed while replies are off, then a message to
     * itself (delivered, as Redis does), replies on again, PING. */
    assert_int_equal(test_send_string(fd, "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n"
                                          "*3\r\n$11\r\nSRANDMEMBER\r\n$1\r\ns\r\n$8\r\n-1000000\r\n"
                                          "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$2\r\nhi\r\n"
                                          "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$2\r\nON\r\n"
                                          "*1\r\n$4\r\nPING\r\n"),
                     0);
    const char *expected = ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n+OK\r\n+PONG\r\n";
    size_t got = test_read_exact(fd, reply, strlen(expected), 20000);
    reply[got] = '\0';
    assert_string_equal(reply, expected);
    close(fd);
    assert_int_equal(test_server_stop(&server), 0);
#endif
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debug_gated_by_default),
        cmocka_unit_test(test_debug_hostile_arguments),
        cmocka_unit_test(test_config_numbers),
        cmocka_unit_test(test_hello_auth_setname),
        cmocka_unit_test(test_volatile_policies_leave_none),
        cmocka_unit_test(test_busy_client_gives_memory_back),
        cmocka_unit_test(test_writes_accepted_when_clients_hold_memory),
        cmocka_unit_test(test_idle_server_returns_memory),
        cmocka_unit_test(test_huge_string_request_fails_alone),
        cmocka_unit_test(test_huge_query_and_reply_fail_alone),
        cmocka_unit_test(test_script_call_reply_fails_alone),
        cmocka_unit_test(test_hidden_reply_refusal_forgotten),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
