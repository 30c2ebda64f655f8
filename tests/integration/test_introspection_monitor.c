/* Integration tests for MONITOR: line format and quoting, which commands
 * show (executed ones, not admin ones, not rejected ones), redaction, MULTI
 * ordering, the database shown.  The expected lines were compared with
 * redis-server 7.0.15's output for the same traffic. */
#include "test_introspection.h"

#include <ctype.h>
#include <unistd.h>

static test_server server;

static int start(void **state) {
    (void)state;
    return test_server_start(&server, NULL);
}

static int stop(void **state) {
    (void)state;
    /* A clean exit also means no sanitizer report in ASan builds. */
    return test_server_stop(&server) == 0 ? 0 : -1;
}

/* Checks "+<seconds>.<6 digits> " then `expected` up to CRLF; returns the
 * position after the line. */
static const char *expect_line(const char *line, const char *expected) {
    assert_int_equal(line[0], '+');
    const char *p = line + 1;
    while (isdigit((unsigned char)*p)) p++;
    assert_true(p > line + 1);
    assert_int_equal(*p++, '.');
    for (int i = 0; i < 6; i++) assert_true(isdigit((unsigned char)*p++));
    assert_int_equal(*p++, ' ');
    const char *end = strstr(p, "\r\n");
    assert_non_null(end);
    if ((size_t)(end - p) != strlen(expected) || memcmp(p, expected, strlen(expected)) != 0)
        fail_msg("monitor line '%.*s', expected '%s'", (int)(end - p), p, expected);
    return end + 2;
}

/* Sends a command (arguments as C strings) and waits for its reply. */
static void run(int fd, const char *const *argv, int argc) {
    size_t lengths[16];
    for (int i = 0; i < argc; i++) lengths[i] = strlen(argv[i]);
    assert_int_equal(test_send_command(fd, argc, argv, lengths), 0);
    char reply[4096];
    assert_true(test_read_available(fd, reply, sizeof(reply), 100) > 0);
}

static void test_monitor_stream(void **state) {
    (void)state;
    int monitor = test_connect(server.port);
    raw_expect(monitor, "MONITOR\r\n", "+OK\r\n");
    int fd = test_connect(server.port);
    const char echo_argument[] = "a b\"\\\n\r\t\a\b\x01\xc3\xa9";
    const char *echo[] = {"ECHO", echo_argument};
    size_t echo_lengths[] = {4, sizeof(echo_argument) - 1};
    assert_int_equal(test_send_command(fd, 2, echo, echo_lengths), 0);
    char reply[256];
    assert_true(test_read_available(fd, reply, sizeof(reply), 100) > 0);
    run(fd, (const char *[]){"AUTH", "secret"}, 2);
    run(fd, (const char *[]){"HELLO", "2", "AUTH", "default", "pw", "SETNAME", "n"}, 7);
    run(fd, (const char *[]){"MULTI"}, 1);
    run(fd, (const char *[]){"PING"}, 1);
    run(fd, (const char *[]){"EXEC"}, 1);
    run(fd, (const char *[]){"CLIENT", "LIST"}, 2);     /* admin: hidden */
    run(fd, (const char *[]){"DEBUG", "LOG", "x"}, 3);  /* admin: hidden */
    run(fd, (const char *[]){"NOSUCH"}, 1);             /* rejected: hidden */
    run(fd, (const char *[]){"ECHO"}, 1);               /* rejected: hidden */
    run(fd, (const char *[]){"SELECT", "3"}, 2);
    run(fd, (const char *[]){"CLIENT", "SETNAME", "z"}, 3);
    char expected_origin[64];
    snprintf(expected_origin, sizeof(expected_origin), "127.0.0.1:%d]", local_port_of(fd));
    char stream[4096] = {0};
    size_t length = test_read_available(monitor, stream, sizeof(stream) - 1, 300);
    assert_true(length > 0);
    char expected[512];
    const char *line = stream;
    snprintf(expected, sizeof(expected), "[0 %s \"ECHO\" \"a b\\\"\\\\\\n\\r\\t\\a\\b\\x01\\xc3\\xa9\"",
             expected_origin);
    line = expect_line(line, expected);
    snprintf(expected, sizeof(expected), "[0 %s \"AUTH\" \"(redacted)\"", expected_origin);
    line = expect_line(line, expected);
    snprintf(expected, sizeof(expected),
             "[0 %s \"HELLO\" \"2\" \"AUTH\" \"(redacted)\" \"(redacted)\" \"SETNAME\" \"n\"", expected_origin);
    line = expect_line(line, expected);
    const char *transaction[] = {"MULTI", "PING", "EXEC"};
    for (int i = 0; i < 3; i++) {
        snprintf(expected, sizeof(expected), "[0 %s \"%s\"", expected_origin, transaction[i]);
        line = expect_line(line, expected);
    }
    /* The database shown is the one after the command ran. */
    snprintf(expected, sizeof(expected), "[3 %s \"SELECT\" \"3\"", expected_origin);
    line = expect_line(line, expected);
    snprintf(expected, sizeof(expected), "[3 %s \"CLIENT\" \"SETNAME\" \"z\"", expected_origin);
    line = expect_line(line, expected);
    assert_int_equal(*line, '\0');
    close(fd);
    close(monitor);
}

static void test_monitor_sees_own_commands_and_stops_on_close(void **state) {
    (void)state;
    int monitor = test_connect(server.port);
    raw_expect(monitor, "MONITOR\r\n", "+OK\r\n");
    raw_expect(monitor, "MONITOR\r\n", "+OK\r\n");
    /* Its own PING is answered, then shown. */
    char stream[512] = {0};
    test_send_string(monitor, "PING\r\n");
    test_read_available(monitor, stream, sizeof(stream) - 1, 200);
    assert_memory_equal(stream, "+PONG\r\n", 7);
    char expected[128];
    snprintf(expected, sizeof(expected), "[0 127.0.0.1:%d] \"PING\"", local_port_of(monitor));
    assert_int_equal(*expect_line(stream + 7, expected), '\0');
    close(monitor);
    /* With the monitor gone, commands still run and nothing breaks. */
    redisContext *context = test_redis_connect(server.port);
    expect_status(redisCommand(context, "PING"), "PONG");
    int monitors_left = 1;
    for (int attempt = 0; attempt < 200 && monitors_left; attempt++) {
        redisReply *reply = redisCommand(context, "CLIENT LIST");
        monitors_left = strstr(reply->str, "flags=O") != NULL;
        freeReplyObject(reply);
        if (monitors_left) usleep(10000);
    }
    assert_false(monitors_left);
    expect_error(redisCommand(context, "MONITOR x"), "ERR wrong number of arguments for 'monitor' command");
    redisFree(context);
}

/* A monitor that never reads is closed by the output buffer limit instead
 * of growing the server without bound. */
static void test_monitor_output_is_bounded(void **state) {
    (void)state;
    redisContext *context = test_redis_connect(server.port);
    expect_status(redisCommand(context, "CONFIG SET client-output-buffer-limit %s", "normal 100kb 0 0"), "OK");
    int monitor = test_connect(server.port);
    int small = 4096;
    setsockopt(monitor, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    raw_expect(monitor, "MONITOR\r\n", "+OK\r\n");
    char payload[201];
    memset(payload, 'p', 200);
    payload[200] = '\0';
    int monitors_left = 1;
    for (int round = 0; round < 100 && monitors_left; round++) {
        for (int i = 0; i < 200; i++) redisAppendCommand(context, "ECHO %s", payload);
        for (int i = 0; i < 200; i++) freeReplyObject(next_reply(context));
        redisReply *reply = redisCommand(context, "CLIENT LIST");
        monitors_left = strstr(reply->str, "flags=O") != NULL;
        freeReplyObject(reply);
    }
    assert_false(monitors_left);
    expect_status(redisCommand(context, "CONFIG SET client-output-buffer-limit %s", "normal 256mb 0 0"), "OK");
    close(monitor);
    redisFree(context);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monitor_stream),
        cmocka_unit_test(test_monitor_sees_own_commands_and_stops_on_close),
        cmocka_unit_test(test_monitor_output_is_bounded),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
