/* Integration tests for the core commands: PING ECHO TIME SELECT QUIT RESET
 * HELLO, dispatch errors (unknown command, arity, unknown subcommand),
 * MULTI/EXEC/DISCARD/WATCH, pipelining, RESP3 bytes and protocol errors.
 * One server is started for the whole file. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "test_hiredis.h"
#include "test_info.h"
#include "test_server.h"

static test_server server;
static redisContext *redis;

static int start(void **state) {
    (void)state;
    return test_group_start(&server, &redis, NULL);
}

static int stop(void **state) {
    (void)state;
    return test_group_stop(&server, redis);
}

static void test_ping_echo_time(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "PING"), "PONG");
    expect_bulk(redisCommand(redis, "PING %s", "hello world"), "hello world");
    expect_error(redisCommand(redis, "PING a b"), "ERR wrong number of arguments for 'ping' command");
    redisReply *binary = redisCommand(redis, "ECHO %b", "a\0b", (size_t)3);
    expect_reply_type(binary, REDIS_REPLY_STRING);
    assert_int_equal(binary->len, 3);
    assert_memory_equal(binary->str, "a\0b", 3);
    freeReplyObject(binary);
    expect_error(redisCommand(redis, "ECHO"), "ERR wrong number of arguments for 'echo' command");
    redisReply *reply = redisCommand(redis, "TIME");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 2);
    long long seconds = atoll(reply->element[0]->str), microseconds = atoll(reply->element[1]->str);
    long long now = (long long)time(NULL);
    assert_true(seconds >= now - 5 && seconds <= now + 5);
    assert_true(microseconds >= 0 && microseconds < 1000000);
    freeReplyObject(reply);
}

static void test_dispatch_errors(void **state) {
    (void)state;
    expect_error(redisCommand(redis, "FOO a b"), "ERR unknown command 'FOO', with args beginning with: 'a' 'b' ");
    expect_error(redisCommand(redis, "nosuch"), "ERR unknown command 'nosuch', with args beginning with: ");
    expect_error(redisCommand(redis, "CONFIG FOO"), "ERR unknown subcommand 'FOO'. Try CONFIG HELP.");
    expect_error(redisCommand(redis, "config foo"), "ERR unknown subcommand 'foo'. Try CONFIG HELP.");
    expect_error(redisCommand(redis, "CONFIG"), "ERR wrong number of arguments for 'config' command");
    expect_error(redisCommand(redis, "CONFIG GET"), "ERR wrong number of arguments for 'config|get' command");
    expect_error(redisCommand(redis, "select"), "ERR wrong number of arguments for 'select' command");
    /* Arguments are cut at 128 bytes in total, as Redis does. */
    char long_argument[300];
    memset(long_argument, 'x', sizeof(long_argument) - 1);
    long_argument[sizeof(long_argument) - 1] = '\0';
    redisReply *reply = redisCommand(redis, "NOPE %s %s", long_argument, "second");
    expect_reply_type(reply, REDIS_REPLY_ERROR);
    char expected[512];
    snprintf(expected, sizeof(expected), "ERR unknown command 'NOPE', with args beginning with: '%.128s' ",
             long_argument);
    assert_string_equal(reply->str, expected);
    freeReplyObject(reply);
}

static void test_select(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "SELECT 15"), "OK");
    expect_error(redisCommand(redis, "SELECT 16"), "ERR DB index is out of range");
    expect_error(redisCommand(redis, "SELECT -1"), "ERR DB index is out of range");
    expect_error(redisCommand(redis, "SELECT x"), "ERR value is not an integer or out of range");
    expect_status(redisCommand(redis, "SELECT 0"), "OK");
}

static void test_hello(void **state) {
    (void)state;
    redisContext *other = test_redis_connect(server.port);
    redisReply *reply = redisCommand(other, "HELLO 2 SETNAME worker");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 14);
    assert_string_equal(reply->element[0]->str, "server");
    assert_string_equal(reply->element[1]->str, "redis");
    assert_string_equal(reply->element[3]->str, "7.0.15");
    assert_int_equal(reply->element[5]->integer, 2);
    assert_string_equal(reply->element[6]->str, "id");
    assert_true(reply->element[7]->integer > 0);
    assert_string_equal(reply->element[9]->str, "standalone");
    assert_string_equal(reply->element[11]->str, "master");
    assert_int_equal(reply->element[13]->elements, 0);
    freeReplyObject(reply);
    expect_error(redisCommand(other, "HELLO 4"), "NOPROTO unsupported protocol version");
    expect_error(redisCommand(other, "HELLO 1"), "NOPROTO unsupported protocol version");
    expect_error(redisCommand(other, "HELLO x"), "ERR Protocol version is not an integer or out of range");
    expect_error(redisCommand(other, "HELLO 2 FOO"), "ERR Syntax error in HELLO option 'FOO'");
    expect_error(redisCommand(other, "HELLO 2 SETNAME %s", "a b"),
                 "ERR Client names cannot contain spaces, newlines or special characters.");
    expect_error(redisCommand(other, "HELLO 2 AUTH default"), "ERR Syntax error in HELLO option 'AUTH'");
    redisFree(other);
}

static void test_raw_resp3(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    assert_true(fd >= 0);
    char buffer[512];
    assert_int_equal(test_send_string(fd, "HELLO 3\r\n"), 0);
    size_t got = test_read_exact(fd, buffer, 4, TEST_IO_TIMEOUT_MS);
    assert_int_equal(got, 4);
    assert_memory_equal(buffer, "%7\r\n", 4);
    test_read_available(fd, buffer, sizeof(buffer), 200);
    assert_int_equal(test_roundtrip(fd, "*1\r\n$4\r\nPING\r\n", "+PONG\r\n"), 0);
    assert_int_equal(test_roundtrip(fd, "CONFIG GET maxmemory\r\n", "%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"), 0);
    assert_int_equal(test_roundtrip(fd, "MULTI\r\nEXEC\r\n", "+OK\r\n*0\r\n"), 0);
    assert_int_equal(test_roundtrip(fd, "WATCH k\r\nMULTI\r\n", "+OK\r\n+OK\r\n"), 0);
    assert_int_equal(test_roundtrip(fd, "RESET\r\n", "+RESET\r\n"), 0);
    assert_int_equal(test_roundtrip(fd, "CONFIG GET maxmemory\r\n", "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"), 0);
    close(fd);
}

static void test_pipeline(void **state) {
    (void)state;
    enum { COUNT = 2000 };
    for (int i = 0; i < COUNT; i++) redisAppendCommand(redis, "ECHO %d", i);
    redisAppendCommand(redis, "PING");
    for (int i = 0; i < COUNT; i++) {
        char expected[16];
        snprintf(expected, sizeof(expected), "%d", i);
        expect_bulk(next_reply(redis), expected);
    }
    expect_status(next_reply(redis), "PONG");
}

static void test_inline_and_quit(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    assert_true(fd >= 0);
    assert_int_equal(test_roundtrip(fd, "PING\r\necho  \"a b\"\r\n", "+PONG\r\n$3\r\na b\r\n"), 0);
    assert_int_equal(test_roundtrip(fd, "QUIT\r\nPING\r\n", "+OK\r\n"), 0);
    assert_true(test_wait_closed(fd, TEST_IO_TIMEOUT_MS));
    close(fd);
}

static void test_protocol_error_closes(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    assert_true(fd >= 0);
    assert_int_equal(test_roundtrip(fd, "*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n"), 0);
    assert_true(test_wait_closed(fd, TEST_IO_TIMEOUT_MS));
    close(fd);
    redisContext *other = test_redis_connect(server.port);
    expect_status(redisCommand(other, "PING"), "PONG");
    redisFree(other);
}

static void test_multi_exec(void **state) {
    (void)state;
    expect_error(redisCommand(redis, "EXEC"), "ERR EXEC without MULTI");
    expect_error(redisCommand(redis, "DISCARD"), "ERR DISCARD without MULTI");
    expect_status(redisCommand(redis, "MULTI"), "OK");
    expect_error(redisCommand(redis, "MULTI"), "ERR MULTI calls can not be nested");
    expect_error(redisCommand(redis, "WATCH a"), "ERR WATCH inside MULTI is not allowed");
    expect_status(redisCommand(redis, "PING"), "QUEUED");
    expect_status(redisCommand(redis, "ECHO hi"), "QUEUED");
    expect_status(redisCommand(redis, "SELECT 1"), "QUEUED");
    redisReply *reply = redisCommand(redis, "EXEC");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 3);
    assert_string_equal(reply->element[0]->str, "PONG");
    assert_string_equal(reply->element[1]->str, "hi");
    assert_string_equal(reply->element[2]->str, "OK");
    freeReplyObject(reply);
    expect_status(redisCommand(redis, "SELECT 0"), "OK");
    /* Queue-time errors abort the transaction; run-time errors do not. */
    expect_status(redisCommand(redis, "MULTI"), "OK");
    expect_status(redisCommand(redis, "PING"), "QUEUED");
    expect_error(redisCommand(redis, "NOSUCH"), "ERR unknown command 'NOSUCH', with args beginning with: ");
    expect_error(redisCommand(redis, "ECHO"), "ERR wrong number of arguments for 'echo' command");
    expect_error(redisCommand(redis, "EXEC"), "EXECABORT Transaction discarded because of previous errors.");
    expect_status(redisCommand(redis, "MULTI"), "OK");
    expect_status(redisCommand(redis, "SELECT 99"), "QUEUED");
    expect_status(redisCommand(redis, "PING"), "QUEUED");
    reply = redisCommand(redis, "EXEC");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 2);
    assert_string_equal(reply->element[0]->str, "ERR DB index is out of range");
    assert_string_equal(reply->element[1]->str, "PONG");
    freeReplyObject(reply);
    expect_status(redisCommand(redis, "MULTI"), "OK");
    expect_status(redisCommand(redis, "PING"), "QUEUED");
    expect_status(redisCommand(redis, "DISCARD"), "OK");
    expect_error(redisCommand(redis, "EXEC"), "ERR EXEC without MULTI");
}

static void test_watch_unwatch(void **state) {
    (void)state;
    /* Without data commands, CONFIG SET cannot touch keys: WATCH alone must
     * leave EXEC working, and UNWATCH inside MULTI is queued. */
    expect_status(redisCommand(redis, "WATCH a b c"), "OK");
    expect_status(redisCommand(redis, "WATCH a"), "OK");
    expect_status(redisCommand(redis, "MULTI"), "OK");
    expect_status(redisCommand(redis, "UNWATCH"), "QUEUED");
    redisReply *reply = redisCommand(redis, "EXEC");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 1);
    assert_string_equal(reply->element[0]->str, "OK");
    freeReplyObject(reply);
    expect_status(redisCommand(redis, "UNWATCH"), "OK");
}

static void test_quit_inside_multi(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    assert_true(fd >= 0);
    assert_int_equal(test_roundtrip(fd, "MULTI\r\nQUIT\r\n", "+OK\r\n+OK\r\n"), 0);
    assert_true(test_wait_closed(fd, TEST_IO_TIMEOUT_MS));
    close(fd);
}

static void test_replicaof_refused(void **state) {
    (void)state;
    expect_error(redisCommand(redis, "REPLICAOF 127.0.0.1 6379"),
                 "ERR zkv does not support replication: REPLICAOF only accepts NO ONE");
    expect_error(redisCommand(redis, "SLAVEOF 127.0.0.1 6379"),
                 "ERR zkv does not support replication: REPLICAOF only accepts NO ONE");
    expect_status(redisCommand(redis, "REPLICAOF NO ONE"), "OK");
    expect_error(redisCommand(redis, "SHUTDOWN ABORT"), "ERR No shutdown in progress.");
    expect_error(redisCommand(redis, "SHUTDOWN NOSAVE SAVE"), "ERR syntax error");
    expect_error(redisCommand(redis, "SHUTDOWN BOGUS"), "ERR syntax error");
}

static void test_client_reply_off_skip(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    assert_true(fd >= 0);
    /* SKIP hides the next command's reply, OFF every reply until ON. */
    assert_int_equal(test_roundtrip(fd,
                                    "CLIENT REPLY SKIP\r\nPING\r\nECHO a\r\nCLIENT REPLY OFF\r\nPING\r\n"
                                    "NOSUCH\r\nCLIENT REPLY ON\r\nPING\r\n",
                                    "$1\r\na\r\n+OK\r\n+PONG\r\n"),
                     0);
    /* RESET turns replies back on and answers. */
    assert_int_equal(test_roundtrip(fd, "CLIENT REPLY OFF\r\nPING\r\nRESET\r\nPING\r\n", "+RESET\r\n+PONG\r\n"), 0);
    close(fd);
}

static void test_reset(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    assert_true(fd >= 0);
    char buffer[1024];
    assert_int_equal(test_send_string(fd, "SELECT 3\r\nHELLO 3 SETNAME before\r\n"), 0);
    test_read_available(fd, buffer, sizeof(buffer), 300);
    assert_int_equal(test_roundtrip(fd, "WATCH k\r\nMULTI\r\nPING\r\nRESET\r\n", "+OK\r\n+OK\r\n+QUEUED\r\n+RESET\r\n"),
                     0);
    /* Back to RESP2, no name, not in MULTI, db 0. */
    assert_int_equal(test_roundtrip(fd, "CLIENT GETNAME\r\n", "$-1\r\n"), 0);
    assert_int_equal(test_roundtrip(fd, "EXEC\r\n", "-ERR EXEC without MULTI\r\n"), 0);
    assert_int_equal(test_send_string(fd, "CLIENT INFO\r\n"), 0);
    size_t length = test_read_available(fd, buffer, sizeof(buffer) - 1, 300);
    buffer[length] = '\0';
    assert_non_null(strstr(buffer, " db=0 "));
    assert_non_null(strstr(buffer, " resp=2"));
    close(fd);
}

static void test_command_and_error_stats(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "CONFIG RESETSTAT"), "OK");
    expect_error(redisCommand(redis, "SELECT 99"), "ERR DB index is out of range");
    expect_error(redisCommand(redis, "SELECT"), "ERR wrong number of arguments for 'select' command");
    expect_status(redisCommand(redis, "SELECT 0"), "OK");
    expect_error(redisCommand(redis, "NOSUCH"), "ERR unknown command 'NOSUCH', with args beginning with: ");
    expect_error(redisCommand(redis, "HELLO 9"), "NOPROTO unsupported protocol version");
    char *info = test_info_fetch(redis, "commandstats errorstats stats");
    assert_int_equal(test_info_entry(info, "cmdstat_select", "calls"), 2);
    assert_int_equal(test_info_entry(info, "cmdstat_hello", "calls"), 1);
    assert_int_equal(test_info_entry(info, "cmdstat_select", "rejected_calls"), 1);
    assert_int_equal(test_info_entry(info, "cmdstat_select", "failed_calls"), 1);
    assert_int_equal(test_info_entry(info, "errorstat_ERR", "count"), 3);
    assert_int_equal(test_info_entry(info, "errorstat_NOPROTO", "count"), 1);
    assert_int_equal(test_info_require_integer(info, "total_error_replies"), 4);
    free(info);
    /* An error inside EXEC fails that command, not EXEC. */
    expect_status(redisCommand(redis, "CONFIG RESETSTAT"), "OK");
    expect_status(redisCommand(redis, "MULTI"), "OK");
    expect_status(redisCommand(redis, "SELECT 99"), "QUEUED");
    redisReply *exec = redisCommand(redis, "EXEC");
    expect_reply_type(exec, REDIS_REPLY_ARRAY);
    freeReplyObject(exec);
    info = test_info_fetch(redis, "commandstats");
    assert_int_equal(test_info_entry(info, "cmdstat_exec", "calls"), 1);
    assert_int_equal(test_info_entry(info, "cmdstat_exec", "rejected_calls"), 0);
    assert_int_equal(test_info_entry(info, "cmdstat_exec", "failed_calls"), 0);
    assert_int_equal(test_info_entry(info, "cmdstat_select", "rejected_calls"), 0);
    assert_int_equal(test_info_entry(info, "cmdstat_select", "failed_calls"), 1);
    free(info);
    expect_error(redisCommand(redis, "EXEC"), "ERR EXEC without MULTI");
    info = test_info_fetch(redis, "commandstats");
    assert_int_equal(test_info_entry(info, "cmdstat_exec", "calls"), 2);
    assert_int_equal(test_info_entry(info, "cmdstat_exec", "failed_calls"), 1);
    free(info);
}

/* Garbage, truncated requests and clients vanishing mid-reply must never
 * take the server down (fixed seed, so a failure reproduces). */
static void test_survives_garbage(void **state) {
    (void)state;
    unsigned int seed = 12345;
    char junk[2048];
    for (int round = 0; round < 200; round++) {
        int fd = test_connect(server.port);
        assert_true(fd >= 0);
        size_t length = 1 + (size_t)(rand_r(&seed) % sizeof(junk));
        for (size_t i = 0; i < length; i++) junk[i] = (char)rand_r(&seed);
        static const char truncated[] = "*3\r\n$4\r\nECHO\r\n$9999\r\n";
        if (round % 4 == 0) memcpy(junk, truncated, length < sizeof(truncated) - 1 ? length : sizeof(truncated) - 1);
        test_send(fd, junk, length);
        if (round % 2) test_send_string(fd, "ECHO hello\r\nECHO world\r\n");
        close(fd);
    }
    redisContext *other = test_redis_connect(server.port);
    expect_status(redisCommand(other, "PING"), "PONG");
    redisFree(other);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping_echo_time),   cmocka_unit_test(test_dispatch_errors),
        cmocka_unit_test(test_select),           cmocka_unit_test(test_hello),
        cmocka_unit_test(test_raw_resp3),        cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_inline_and_quit),  cmocka_unit_test(test_protocol_error_closes),
        cmocka_unit_test(test_multi_exec),       cmocka_unit_test(test_watch_unwatch),
        cmocka_unit_test(test_quit_inside_multi), cmocka_unit_test(test_replicaof_refused),
        cmocka_unit_test(test_client_reply_off_skip), cmocka_unit_test(test_reset),
        cmocka_unit_test(test_command_and_error_stats), cmocka_unit_test(test_survives_garbage),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
