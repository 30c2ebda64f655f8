/* Integration tests for SLOWLOG, LATENCY, DEBUG and FUNCTION FLUSH.  Error
 * texts were checked byte for byte against redis-server 7.0.15. */
#include "test_introspection.h"

#include <sys/time.h>
#include <unistd.h>

static test_server server;
static redisContext *context;

static int start(void **state) {
    (void)state;
    const char *arguments[] = {"--slowlog-log-slower-than", "0", NULL};
    return test_group_start(&server, &context, arguments);
}

static int stop(void **state) {
    (void)state;
    return test_group_stop(&server, context);
}

static void expect_array_of(redisReply *reply, size_t elements) {
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, elements);
}

static void test_slowlog_entries(void **state) {
    (void)state;
    expect_status(redisCommand(context, "SLOWLOG RESET"), "OK");
    expect_status(redisCommand(context, "CLIENT SETNAME %s", "logger"), "OK");
    char big[201];
    memset(big, 'x', 200);
    big[200] = '\0';
    expect_bulk(redisCommand(context, "ECHO %s", big), big);
    /* 42 arguments: kept as 31 plus "... (11 more arguments)". */
    const char *argv[42] = {"CLIENT", "LIST", "ID"};
    char ids[39][8];
    for (int i = 0; i < 39; i++) {
        snprintf(ids[i], sizeof(ids[i]), "%d", 1000 + i);
        argv[3 + i] = ids[i];
    }
    freeReplyObject(redisCommandArgv(context, 42, argv, NULL));
    expect_integer(redisCommand(context, "SLOWLOG LEN"), 4); /* RESET, SETNAME, ECHO, CLIENT LIST */
    /* SLOWLOG LEN itself was logged (threshold 0) once it had answered. */
    redisReply *reply = redisCommand(context, "SLOWLOG GET 3");
    expect_array_of(reply, 3);
    assert_string_equal(reply->element[0]->element[3]->element[1]->str, "LEN");
    redisReply *newest = reply->element[1], *older = reply->element[2];
    assert_int_equal(newest->elements, 6);
    assert_int_equal(newest->element[0]->integer, older->element[0]->integer + 1);
    struct timeval now;
    gettimeofday(&now, NULL);
    assert_true(newest->element[1]->integer <= now.tv_sec && newest->element[1]->integer >= now.tv_sec - 10);
    assert_true(newest->element[2]->integer >= 0);
    redisReply *arguments = newest->element[3];
    assert_int_equal(arguments->elements, 32);
    assert_string_equal(arguments->element[0]->str, "CLIENT");
    assert_string_equal(arguments->element[30]->str, "1027");
    assert_string_equal(arguments->element[31]->str, "... (11 more arguments)");
    char address[64];
    snprintf(address, sizeof(address), "127.0.0.1:%d", local_port_of(context->fd));
    assert_string_equal(newest->element[4]->str, address);
    assert_string_equal(newest->element[5]->str, "logger");
    redisReply *echo = older->element[3];
    assert_int_equal(echo->elements, 2);
    assert_int_equal(echo->element[1]->len, 128 + strlen("... (72 more bytes)"));
    assert_memory_equal(echo->element[1]->str, big, 128);
    assert_string_equal(echo->element[1]->str + 128, "... (72 more bytes)");
    freeReplyObject(reply);
    expect_array_of(reply = redisCommand(context, "SLOWLOG GET -1"), 6);
    freeReplyObject(reply);
    expect_array_of(reply = redisCommand(context, "SLOWLOG GET 0"), 0);
    freeReplyObject(reply);
}

static void test_slowlog_redacts_and_limits(void **state) {
    (void)state;
    expect_status(redisCommand(context, "SLOWLOG RESET"), "OK");
    freeReplyObject(redisCommand(context, "AUTH %s", "secret"));
    redisReply *reply = redisCommand(context, "SLOWLOG GET 1");
    redisReply *arguments = reply->element[0]->element[3];
    assert_int_equal(arguments->elements, 2);
    assert_string_equal(arguments->element[0]->str, "AUTH");
    assert_string_equal(arguments->element[1]->str, "(redacted)");
    freeReplyObject(reply);
    /* slowlog-max-len bounds the log; a negative threshold turns it off. */
    expect_status(redisCommand(context, "CONFIG SET slowlog-max-len 2"), "OK");
    for (int i = 0; i < 5; i++) expect_status(redisCommand(context, "PING"), "PONG");
    expect_integer(redisCommand(context, "SLOWLOG LEN"), 2);
    expect_status(redisCommand(context, "CONFIG SET slowlog-log-slower-than -1"), "OK");
    expect_status(redisCommand(context, "SLOWLOG RESET"), "OK");
    expect_status(redisCommand(context, "PING"), "PONG");
    expect_integer(redisCommand(context, "SLOWLOG LEN"), 0);
    expect_status(redisCommand(context, "CONFIG SET slowlog-log-slower-than 0"), "OK");
    expect_status(redisCommand(context, "CONFIG SET slowlog-max-len 128"), "OK");
}

static void test_slowlog_errors(void **state) {
    (void)state;
    const char *count_error = "ERR count should be greater than or equal to -1";
    expect_error(redisCommand(context, "SLOWLOG GET abc"), count_error);
    expect_error(redisCommand(context, "SLOWLOG GET -2"), count_error);
    expect_error(redisCommand(context, "SLOWLOG GET 1 2"),
                 "ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.");
    expect_error(redisCommand(context, "SLOWLOG LEN 1"), "ERR wrong number of arguments for 'slowlog|len' command");
    expect_error(redisCommand(context, "SLOWLOG FOO"), "ERR unknown subcommand 'FOO'. Try SLOWLOG HELP.");
    expect_error(redisCommand(context, "SLOWLOG"), "ERR wrong number of arguments for 'slowlog' command");
    redisReply *reply = redisCommand(context, "SLOWLOG HELP");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_string_equal(reply->element[0]->str, "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    freeReplyObject(reply);
}

static void test_latency_monitor(void **state) {
    (void)state;
    expect_integer(redisCommand(context, "LATENCY RESET"), 0);
    redisReply *reply = redisCommand(context, "LATENCY LATEST");
    expect_array_of(reply, 0);
    freeReplyObject(reply);
    /* Monitor off (threshold 0): a slow command records nothing. */
    expect_status(redisCommand(context, "DEBUG SLEEP 0.02"), "OK");
    expect_array_of(reply = redisCommand(context, "LATENCY LATEST"), 0);
    freeReplyObject(reply);
    expect_status(redisCommand(context, "CONFIG SET latency-monitor-threshold 10"), "OK");
    expect_status(redisCommand(context, "DEBUG SLEEP 0.03"), "OK");
    expect_status(redisCommand(context, "PING"), "PONG");
    reply = redisCommand(context, "LATENCY LATEST");
    expect_array_of(reply, 1);
    redisReply *event = reply->element[0];
    assert_int_equal(event->elements, 4);
    assert_string_equal(event->element[0]->str, "command");
    assert_true(event->element[2]->integer >= 30);
    assert_int_equal(event->element[3]->integer, event->element[2]->integer);
    freeReplyObject(reply);
    reply = redisCommand(context, "LATENCY HISTORY command");
    expect_array_of(reply, 1);
    assert_int_equal(reply->element[0]->elements, 2);
    assert_true(reply->element[0]->element[1]->integer >= 30);
    freeReplyObject(reply);
    expect_array_of(reply = redisCommand(context, "LATENCY HISTORY nosuch"), 0);
    freeReplyObject(reply);
    reply = redisCommand(context, "LATENCY DOCTOR");
    expect_reply_type(reply, REDIS_REPLY_STRING);
    assert_non_null(strstr(reply->str, "command"));
    freeReplyObject(reply);
    expect_integer(redisCommand(context, "LATENCY RESET nosuch command"), 1);
    expect_array_of(reply = redisCommand(context, "LATENCY LATEST"), 0);
    freeReplyObject(reply);
    expect_status(redisCommand(context, "CONFIG SET latency-monitor-threshold 0"), "OK");
    expect_error(redisCommand(context, "LATENCY FOO"), "ERR unknown subcommand 'FOO'. Try LATENCY HELP.");
    expect_error(redisCommand(context, "LATENCY HISTORY"),
                 "ERR wrong number of arguments for 'latency|history' command");
}

static void test_latency_histogram(void **state) {
    (void)state;
    redisContext *fresh = test_redis_connect(server.port);
    for (int i = 0; i < 7; i++) freeReplyObject(redisCommand(fresh, "CLIENT ID"));
    redisReply *reply = redisCommand(fresh, "LATENCY HISTOGRAM client|id nosuch");
    expect_array_of(reply, 2); /* one command: name and its map */
    assert_string_equal(reply->element[0]->str, "client|id");
    redisReply *details = reply->element[1];
    assert_int_equal(details->elements, 4);
    assert_string_equal(details->element[0]->str, "calls");
    long long calls = details->element[1]->integer;
    assert_true(calls >= 7);
    assert_string_equal(details->element[2]->str, "histogram_usec");
    redisReply *buckets = details->element[3];
    assert_true(buckets->elements >= 2 && buckets->elements % 2 == 0);
    long long previous_bound = 0, previous_count = 0;
    for (size_t i = 0; i < buckets->elements; i += 2) {
        long long bound = buckets->element[i]->integer, count = buckets->element[i + 1]->integer;
        assert_true(bound > previous_bound && (bound & (bound - 1)) == 0); /* powers of two */
        assert_true(count > previous_count);
        previous_bound = bound;
        previous_count = count;
    }
    assert_int_equal(previous_count, calls);
    freeReplyObject(reply);
    /* A container name reports its subcommands. */
    reply = redisCommand(fresh, "LATENCY HISTOGRAM client");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    int found = 0;
    for (size_t i = 0; i < reply->elements; i += 2) found |= strcmp(reply->element[i]->str, "client|id") == 0;
    assert_true(found);
    freeReplyObject(reply);
    expect_array_of(reply = redisCommand(fresh, "LATENCY HISTOGRAM nosuch"), 0);
    freeReplyObject(reply);
    redisFree(fresh);
}

static void test_debug(void **state) {
    (void)state;
    expect_status(redisCommand(context, "DEBUG LOG %s", "marker-from-test"), "OK");
    char *log = test_server_read_log(&server);
    assert_non_null(strstr(log, "# DEBUG LOG: marker-from-test"));
    free(log);
    struct timeval before, after;
    gettimeofday(&before, NULL);
    expect_status(redisCommand(context, "DEBUG SLEEP 0.1"), "OK");
    gettimeofday(&after, NULL);
    long long elapsed_ms = (after.tv_sec - before.tv_sec) * 1000 + (after.tv_usec - before.tv_usec) / 1000;
    assert_true(elapsed_ms >= 100);
    expect_status(redisCommand(context, "DEBUG SLEEP abc"), "OK");
    expect_status(redisCommand(context, "DEBUG SET-ACTIVE-EXPIRE 0"), "OK");
    expect_status(redisCommand(context, "DEBUG SET-ACTIVE-EXPIRE 1"), "OK");
    expect_error(redisCommand(context, "DEBUG FOO"),
                 "ERR unknown subcommand or wrong number of arguments for 'FOO'. Try DEBUG HELP.");
    expect_error(redisCommand(context, "DEBUG LOG"),
                 "ERR unknown subcommand or wrong number of arguments for 'LOG'. Try DEBUG HELP.");
    expect_error(redisCommand(context, "DEBUG"), "ERR wrong number of arguments for 'debug' command");
}

/* DEBUG MALLCTL reaches jemalloc's named controls; other backends (and the
 * ASan build, which uses libc) answer that the operation is not supported. */
static void test_debug_mallctl(void **state) {
    (void)state;
    if (!test_info_jemalloc(context)) {
        expect_error(redisCommand(context, "DEBUG MALLCTL arenas.page"), "ERR Operation not supported");
        return;
    }
    expect_integer(redisCommand(context, "DEBUG MALLCTL arenas.page"), sysconf(_SC_PAGESIZE));
    expect_integer(redisCommand(context, "DEBUG MALLCTL opt.tcache"), 1);
    expect_error(redisCommand(context, "DEBUG MALLCTL no.such.control"), "ERR No such file or directory");
    expect_error(redisCommand(context, "DEBUG MALLCTL arenas.page 1"), "ERR Operation not permitted");
    redisReply *flush = redisCommand(context, "DEBUG MALLCTL-STR thread.tcache.flush VOID");
    assert_non_null(flush);
    assert_int_equal(flush->type, REDIS_REPLY_NIL);
    freeReplyObject(flush);
}

static void test_function_flush(void **state) {
    (void)state;
    expect_status(redisCommand(context, "FUNCTION FLUSH"), "OK");
    expect_status(redisCommand(context, "FUNCTION FLUSH async"), "OK");
    expect_status(redisCommand(context, "FUNCTION FLUSH SYNC"), "OK");
    expect_error(redisCommand(context, "FUNCTION FLUSH foo"), "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    expect_error(redisCommand(context, "FUNCTION FLUSH a b"),
                 "ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.");
    expect_error(redisCommand(context, "FUNCTION LOAD x"), "ERR Missing library metadata");
    expect_error(redisCommand(context, "FUNCTION"), "ERR wrong number of arguments for 'function' command");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slowlog_entries),  cmocka_unit_test(test_slowlog_redacts_and_limits),
        cmocka_unit_test(test_slowlog_errors),   cmocka_unit_test(test_latency_monitor),
        cmocka_unit_test(test_latency_histogram), cmocka_unit_test(test_debug),
        cmocka_unit_test(test_debug_mallctl),    cmocka_unit_test(test_function_flush),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
