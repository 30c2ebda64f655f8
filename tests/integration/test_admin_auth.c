/* Integration tests for authentication: AUTH and HELLO AUTH with and without
 * requirepass, NOAUTH before authenticating, RESET dropping authentication,
 * and CONFIG SET requirepass at run time. */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_hiredis.h"
#include "test_server.h"

static void test_without_password(void **state) {
    (void)state;
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    redisContext *redis = test_redis_connect(server.port);
    expect_error(redisCommand(redis, "AUTH secret"),
                 "ERR AUTH <password> called without any password configured for the default user. "
                 "Are you sure your configuration is correct?");
    expect_status(redisCommand(redis, "AUTH default anything"), "OK");
    expect_error(redisCommand(redis, "AUTH someone secret"),
                 "WRONGPASS invalid username-password pair or user is disabled.");
    expect_error(redisCommand(redis, "AUTH a b c"), "ERR syntax error");
    expect_error(redisCommand(redis, "AUTH"), "ERR wrong number of arguments for 'auth' command");
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
}

static void test_with_password(void **state) {
    (void)state;
    test_server server;
    const char *arguments[] = {"--requirepass", "s3cret", NULL};
    assert_int_equal(test_server_start(&server, arguments), 0);
    redisContext *redis = test_redis_connect(server.port);
    expect_error(redisCommand(redis, "PING"), "NOAUTH Authentication required.");
    expect_error(redisCommand(redis, "CONFIG GET port"), "NOAUTH Authentication required.");
    /* Unknown commands and arity errors come before authentication. */
    expect_error(redisCommand(redis, "NOSUCH"), "ERR unknown command 'NOSUCH', with args beginning with: ");
    expect_error(redisCommand(redis, "HELLO 3 AUTH default wrong"),
                 "WRONGPASS invalid username-password pair or user is disabled.");
    expect_error(redisCommand(redis, "HELLO 2"),
                 "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
                 "AUTH <user> <pass> option can be used to authenticate the client and select the "
                 "RESP protocol version at the same time");
    expect_error(redisCommand(redis, "AUTH wrong"), "WRONGPASS invalid username-password pair or user is disabled.");
    expect_error(redisCommand(redis, "AUTH other s3cret"),
                 "WRONGPASS invalid username-password pair or user is disabled.");
    expect_error(redisCommand(redis, "PING"), "NOAUTH Authentication required.");
    expect_status(redisCommand(redis, "AUTH s3cret"), "OK");
    expect_status(redisCommand(redis, "PING"), "PONG");
    /* A failed AUTH does not log an authenticated client out. */
    expect_error(redisCommand(redis, "AUTH wrong"), "WRONGPASS invalid username-password pair or user is disabled.");
    expect_status(redisCommand(redis, "PING"), "PONG");
    expect_status(redisCommand(redis, "RESET"), "RESET");
    expect_error(redisCommand(redis, "PING"), "NOAUTH Authentication required.");
    redisReply *reply = redisCommand(redis, "HELLO 2 AUTH default s3cret");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 14);
    freeReplyObject(reply);
    expect_status(redisCommand(redis, "PING"), "PONG");
    /* NOAUTH inside MULTI poisons the transaction like any rejection. */
    redisContext *other = test_redis_connect(server.port);
    expect_error(redisCommand(other, "MULTI"), "NOAUTH Authentication required.");
    redisFree(other);
    /* Removing the password lets every client in without AUTH, including
     * one that connected while it was required. */
    int waiting = test_connect(server.port);
    assert_int_equal(test_roundtrip(waiting, "PING\r\n", "-NOAUTH Authentication required.\r\n"), 0);
    expect_status(redisCommand(redis, "CONFIG SET requirepass %s", ""), "OK");
    char big_echo[40100];
    int header = snprintf(big_echo, sizeof(big_echo), "*2\r\n$4\r\nECHO\r\n$40000\r\n");
    memset(big_echo + header, 'e', 40000);
    memcpy(big_echo + header + 40000, "\r\n", 2);
    assert_int_equal(test_send(waiting, big_echo, (size_t)header + 40002), 0);
    char reply_head[16];
    assert_int_equal(test_read_exact(waiting, reply_head, 9, TEST_IO_TIMEOUT_MS), 9);
    assert_memory_equal(reply_head, "$40000\r\ne", 9);
    close(waiting);
    other = test_redis_connect(server.port);
    expect_status(redisCommand(other, "PING"), "PONG");
    redisFree(other);
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
}

static void test_quit_without_auth(void **state) {
    (void)state;
    test_server server;
    const char *arguments[] = {"--requirepass", "pw", NULL};
    assert_int_equal(test_server_start(&server, arguments), 0);
    int fd = test_connect(server.port);
    assert_true(fd >= 0);
    assert_int_equal(test_roundtrip(fd, "QUIT\r\n", "+OK\r\n"), 0);
    assert_true(test_wait_closed(fd, TEST_IO_TIMEOUT_MS));
    close(fd);
    assert_int_equal(test_server_stop(&server), 0);
}

static void test_binary_password_and_unauthenticated_limits(void **state) {
    (void)state;
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    redisContext *redis = test_redis_connect(server.port);
    expect_status(redisCommand(redis, "CONFIG SET requirepass %b", "abc\0def", (size_t)7), "OK");
    redisReply *reply = redisCommand(redis, "CONFIG GET requirepass");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->element[1]->len, 7);
    assert_memory_equal(reply->element[1]->str, "abc\0def", 7);
    freeReplyObject(reply);
    redisContext *other = test_redis_connect(server.port);
    expect_error(redisCommand(other, "AUTH abc"), "WRONGPASS invalid username-password pair or user is disabled.");
    expect_status(redisCommand(other, "AUTH %b", "abc\0def", (size_t)7), "OK");
    redisFree(other);
    /* Before AUTH, big requests are protocol errors. */
    int fd = test_connect(server.port);
    assert_int_equal(test_roundtrip(fd, "*100\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n"), 0);
    assert_true(test_wait_closed(fd, TEST_IO_TIMEOUT_MS));
    close(fd);
    fd = test_connect(server.port);
    assert_int_equal(test_roundtrip(fd, "*1\r\n$100000000\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n"),
                     0);
    assert_true(test_wait_closed(fd, TEST_IO_TIMEOUT_MS));
    close(fd);
    /* ... and a client that never reads its NOAUTH errors is cut off early. */
    fd = test_connect(server.port);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    static const char request[] = "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n5\r\n";
    char batch[sizeof(request) * 1000];
    for (int i = 0; i < 1000; i++) memcpy(batch + i * (sizeof(request) - 1), request, sizeof(request) - 1);
    int sent = 0;
    while (sent < 2000 && test_send(fd, batch, 1000 * (sizeof(request) - 1)) == 0) sent++;
    assert_true(sent < 2000);
    assert_true(test_wait_closed(fd, TEST_IO_TIMEOUT_MS));
    close(fd);
    expect_status(redisCommand(redis, "PING"), "PONG");
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_without_password),
        cmocka_unit_test(test_with_password),
        cmocka_unit_test(test_quit_without_auth),
        cmocka_unit_test(test_binary_password_and_unauthenticated_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
