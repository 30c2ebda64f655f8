/* Integration tests for CLIENT: ID, SETNAME/GETNAME, LIST/INFO format and
 * filters, KILL (old and new forms), REPLY, NO-EVICT, SETINFO, HELP, RESP3.
 * Error texts were checked byte for byte against redis-server 7.0.15. */
#include "test_introspection.h"

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

static long long client_id(redisContext *context) {
    redisReply *reply = redisCommand(context, "CLIENT ID");
    expect_reply_type(reply, REDIS_REPLY_INTEGER);
    long long id = reply->integer;
    freeReplyObject(reply);
    return id;
}

static void test_id_and_names(void **state) {
    (void)state;
    redisContext *first = test_redis_connect(server.port);
    redisContext *second = test_redis_connect(server.port);
    long long first_id = client_id(first), second_id = client_id(second);
    assert_true(first_id > 0);
    assert_true(second_id > first_id);
    expect_nil(redisCommand(first, "CLIENT GETNAME"));
    expect_status(redisCommand(first, "CLIENT SETNAME %s", "worker-1"), "OK");
    expect_bulk(redisCommand(first, "CLIENT GETNAME"), "worker-1");
    expect_nil(redisCommand(second, "CLIENT GETNAME"));
    const char *message = "ERR Client names cannot contain spaces, newlines or special characters.";
    expect_error(redisCommand(first, "CLIENT SETNAME %s", "a b"), message);
    expect_error(redisCommand(first, "CLIENT SETNAME %s", "a\nb"), message);
    expect_error(redisCommand(first, "CLIENT SETNAME %s", "caf\xc3\xa9"), message);
    expect_bulk(redisCommand(first, "CLIENT GETNAME"), "worker-1");
    expect_status(redisCommand(first, "CLIENT SETNAME %s", ""), "OK");
    expect_nil(redisCommand(first, "CLIENT GETNAME"));
    expect_error(redisCommand(first, "CLIENT SETNAME"), "ERR wrong number of arguments for 'client|setname' command");
    expect_error(redisCommand(first, "CLIENT ID x"), "ERR wrong number of arguments for 'client|id' command");
    expect_error(redisCommand(first, "CLIENT"), "ERR wrong number of arguments for 'client' command");
    expect_error(redisCommand(first, "CLIENT FOO"), "ERR unknown subcommand 'FOO'. Try CLIENT HELP.");
    redisFree(first);
    redisFree(second);
}

static const char *const list_fields[] = {
    "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub", "multi",
    "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem", "events",
    "cmd", "user", "redir", "resp", "lib-name", "lib-ver"};

/* The fields of a line are exactly list_fields, in order. */
static void expect_field_order(const char *line) {
    const char *p = line;
    for (size_t i = 0; i < sizeof(list_fields) / sizeof(list_fields[0]); i++) {
        size_t length = strlen(list_fields[i]);
        assert_memory_equal(p, list_fields[i], length);
        assert_int_equal(p[length], '=');
        p += length + 1 + strcspn(p + length + 1, " \n");
        assert_int_equal(*p, i + 1 < sizeof(list_fields) / sizeof(list_fields[0]) ? ' ' : '\n');
        p++;
    }
    assert_int_equal(*p, '\0');
}

/* The CLIENT LIST line of client `id` (malloc'd), or NULL. */
static char *line_of(const char *list, long long id) {
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "id=%lld ", id);
    for (const char *line = list; *line;) {
        const char *end = strchr(line, '\n');
        if (strncmp(line, prefix, strlen(prefix)) == 0) return strndup(line, (size_t)(end - line + 1));
        line = end + 1;
    }
    return NULL;
}

static void expect_field(const char *line, const char *field, const char *expected) {
    char value[256];
    assert_non_null(client_field(line, field, value, sizeof(value)));
    assert_string_equal(value, expected);
}

static void test_list_format(void **state) {
    (void)state;
    redisContext *self = test_redis_connect(server.port);
    redisContext *other = test_redis_connect(server.port);
    long long self_id = client_id(self), other_id = client_id(other);
    expect_status(redisCommand(other, "CLIENT SETNAME %s", "other"), "OK");
    expect_status(redisCommand(other, "PING"), "PONG");
    expect_status(redisCommand(other, "MULTI"), "OK");
    expect_status(redisCommand(other, "PING"), "QUEUED");
    redisReply *reply = redisCommand(self, "CLIENT LIST");
    expect_reply_type(reply, REDIS_REPLY_STRING);
    char *mine = line_of(reply->str, self_id), *theirs = line_of(reply->str, other_id);
    assert_non_null(mine);
    assert_non_null(theirs);
    expect_field_order(mine);
    expect_field_order(theirs);
    char expected[64];
    snprintf(expected, sizeof(expected), "127.0.0.1:%d", local_port_of(self->fd));
    expect_field(mine, "addr", expected);
    snprintf(expected, sizeof(expected), "127.0.0.1:%d", server.port);
    expect_field(mine, "laddr", expected);
    expect_field(mine, "name", "");
    expect_field(mine, "flags", "N");
    expect_field(mine, "db", "0");
    expect_field(mine, "multi", "-1");
    expect_field(mine, "argv-mem", "10"); /* "client" + "list" */
    expect_field(mine, "events", "r");
    expect_field(mine, "cmd", "client|list");
    expect_field(mine, "user", "default");
    expect_field(mine, "redir", "-1");
    expect_field(mine, "resp", "2");
    expect_field(theirs, "name", "other");
    expect_field(theirs, "flags", "x");
    expect_field(theirs, "multi", "1");
    expect_field(theirs, "argv-mem", "0");
    expect_field(theirs, "cmd", "multi");
    expect_field(theirs, "age", "0");
    expect_field(theirs, "idle", "0");
    freeReplyObject(reply);
    free(mine);
    free(theirs);
    expect_status(redisCommand(other, "DISCARD"), "OK");
    redisFree(self);
    redisFree(other);
}

static void test_info_is_own_line(void **state) {
    (void)state;
    redisContext *context = test_redis_connect(server.port);
    long long id = client_id(context);
    redisReply *reply = redisCommand(context, "CLIENT INFO");
    expect_reply_type(reply, REDIS_REPLY_STRING);
    assert_int_equal(count_lines(reply->str), 1);
    expect_field_order(reply->str);
    char expected[32];
    snprintf(expected, sizeof(expected), "%lld", id);
    expect_field(reply->str, "id", expected);
    expect_field(reply->str, "cmd", "client|info");
    expect_field(reply->str, "argv-mem", "10");
    freeReplyObject(reply);
    expect_error(redisCommand(context, "CLIENT INFO x"), "ERR wrong number of arguments for 'client|info' command");
    redisFree(context);
}

static void test_list_filters(void **state) {
    (void)state;
    redisContext *context = test_redis_connect(server.port);
    redisContext *other = test_redis_connect(server.port);
    long long id = client_id(context), other_id = client_id(other);
    redisReply *reply = redisCommand(context, "CLIENT LIST ID %lld 999999 %lld", other_id, id);
    expect_reply_type(reply, REDIS_REPLY_STRING);
    assert_int_equal(count_lines(reply->str), 2);
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "id=%lld ", other_id); /* in the order asked */
    assert_memory_equal(reply->str, prefix, strlen(prefix));
    freeReplyObject(reply);
    expect_bulk(redisCommand(context, "CLIENT LIST ID 0 -5"), "");
    expect_bulk(redisCommand(context, "CLIENT LIST TYPE pubsub"), "");
    expect_bulk(redisCommand(context, "CLIENT LIST TYPE replica"), "");
    expect_bulk(redisCommand(context, "CLIENT LIST TYPE MASTER"), "");
    reply = redisCommand(context, "CLIENT LIST TYPE normal");
    expect_reply_type(reply, REDIS_REPLY_STRING);
    assert_true(count_lines(reply->str) >= 2);
    freeReplyObject(reply);
    expect_error(redisCommand(context, "CLIENT LIST TYPE foo"), "ERR Unknown client type 'foo'");
    expect_error(redisCommand(context, "CLIENT LIST ID 1 abc"), "ERR Invalid client ID");
    expect_error(redisCommand(context, "CLIENT LIST ID 1 TYPE normal"), "ERR Invalid client ID");
    expect_error(redisCommand(context, "CLIENT LIST TYPE normal ID 1"), "ERR syntax error");
    expect_error(redisCommand(context, "CLIENT LIST TYPE normal extra"), "ERR syntax error");
    expect_error(redisCommand(context, "CLIENT LIST X"), "ERR syntax error");
    redisFree(context);
    redisFree(other);
}

static void test_kill(void **state) {
    (void)state;
    redisContext *killer = test_redis_connect(server.port);
    int victim = test_connect(server.port);
    assert_true(victim >= 0);
    raw_expect(victim, "PING\r\n", "+PONG\r\n");
    char address[64];
    snprintf(address, sizeof(address), "127.0.0.1:%d", local_port_of(victim));
    expect_status(redisCommand(killer, "CLIENT KILL %s", address), "OK");
    assert_int_equal(test_wait_closed(victim, TEST_IO_TIMEOUT_MS), 1);
    close(victim);
    expect_error(redisCommand(killer, "CLIENT KILL %s", address), "ERR No such client");

    victim = test_connect(server.port);
    raw_expect(victim, "CLIENT ID\r\n", ":");
    char digits[32] = {0};
    test_read_available(victim, digits, sizeof(digits) - 1, 200);
    long long victim_id = atoll(digits);
    expect_integer(redisCommand(killer, "CLIENT KILL ID %lld", victim_id), 1);
    assert_int_equal(test_wait_closed(victim, TEST_IO_TIMEOUT_MS), 1);
    close(victim);
    expect_integer(redisCommand(killer, "CLIENT KILL ID %lld", victim_id), 0);

    /* SKIPME defaults to yes. */
    long long killer_id = client_id(killer);
    expect_integer(redisCommand(killer, "CLIENT KILL ID %lld", killer_id), 0);
    expect_integer(redisCommand(killer, "CLIENT KILL USER default MAXAGE 3600"), 0);
    expect_error(redisCommand(killer, "CLIENT KILL ID 0"), "ERR client-id should be greater than 0");
    expect_error(redisCommand(killer, "CLIENT KILL ID abc"), "ERR client-id should be greater than 0");
    expect_error(redisCommand(killer, "CLIENT KILL TYPE foo"), "ERR Unknown client type 'foo'");
    expect_error(redisCommand(killer, "CLIENT KILL USER nobody"), "ERR No such user 'nobody'");
    expect_error(redisCommand(killer, "CLIENT KILL SKIPME maybe"), "ERR syntax error");
    expect_error(redisCommand(killer, "CLIENT KILL ADDR x SKIPME"), "ERR syntax error");
    expect_error(redisCommand(killer, "CLIENT KILL FOO bar"), "ERR syntax error");
    expect_error(redisCommand(killer, "CLIENT KILL"), "ERR wrong number of arguments for 'client|kill' command");

    /* A client may kill itself: it gets its reply, then the connection closes. */
    int self = test_connect(server.port);
    char request[256];
    snprintf(request, sizeof(request), "CLIENT KILL ADDR 127.0.0.1:%d SKIPME no\r\n", local_port_of(self));
    raw_expect(self, request, ":1\r\n");
    assert_int_equal(test_wait_closed(self, TEST_IO_TIMEOUT_MS), 1);
    close(self);
    expect_status(redisCommand(killer, "PING"), "PONG");
    redisFree(killer);
}

static void test_reply_modes(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    /* OFF: nothing until ON, whose +OK arrives. */
    raw_expect(fd, "CLIENT REPLY OFF\r\nPING\r\nECHO hidden\r\nCLIENT REPLY ON\r\n", "+OK\r\n");
    raw_expect(fd, "PING\r\n", "+PONG\r\n");
    /* SKIP hides the next reply only. */
    raw_expect(fd, "CLIENT REPLY SKIP\r\nECHO one\r\nECHO two\r\n", "$3\r\ntwo\r\n");
    raw_expect(fd, "CLIENT REPLY maybe\r\n", "-ERR syntax error\r\n");
    raw_expect(fd, "CLIENT REPLY\r\n", "-ERR wrong number of arguments for 'client|reply' command\r\n");
    close(fd);
}

static void test_no_evict_and_setinfo(void **state) {
    (void)state;
    redisContext *context = test_redis_connect(server.port);
    expect_status(redisCommand(context, "CLIENT NO-EVICT on"), "OK");
    redisReply *reply = redisCommand(context, "CLIENT INFO");
    expect_field(reply->str, "flags", "e");
    freeReplyObject(reply);
    expect_status(redisCommand(context, "CLIENT NO-EVICT OFF"), "OK");
    expect_error(redisCommand(context, "CLIENT NO-EVICT maybe"), "ERR syntax error");
    expect_error(redisCommand(context, "CLIENT NO-EVICT"),
                 "ERR wrong number of arguments for 'client|no-evict' command");
    expect_status(redisCommand(context, "CLIENT SETINFO lib-name %s", "hiredis"), "OK");
    expect_status(redisCommand(context, "CLIENT SETINFO LIB-VER %s", "0.14.1"), "OK");
    reply = redisCommand(context, "CLIENT INFO");
    expect_field(reply->str, "flags", "N");
    expect_field(reply->str, "lib-name", "hiredis");
    expect_field(reply->str, "lib-ver", "0.14.1");
    freeReplyObject(reply);
    expect_error(redisCommand(context, "CLIENT SETINFO lib-name %s", "a b"),
                 "ERR lib-name cannot contain spaces, newlines or special characters.");
    expect_error(redisCommand(context, "CLIENT SETINFO color red"), "ERR Unrecognized option 'color'");
    redisFree(context);
}

/* zkv has no client-side caching and no blocking commands; the answers are
 * Redis's for a connection without either (recorded from redis-server). */
static void test_tracking_and_unblock(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    raw_expect(fd, "CLIENT GETREDIR\r\n", ":-1\r\n");
    raw_expect(fd, "CLIENT TRACKINGINFO\r\n",
               "*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n");
    raw_expect(fd, "CLIENT UNBLOCK 999 TIMEOUT\r\n", ":0\r\n");
    raw_expect(fd, "CLIENT UNBLOCK abc\r\n", "-ERR value is not an integer or out of range\r\n");
    raw_expect(fd, "CLIENT UNBLOCK 999 FOO\r\n", "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
    raw_expect(fd, "CLIENT UNBLOCK 1 TIMEOUT x\r\n",
               "-ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.\r\n");
    char hello[512];
    test_send_string(fd, "HELLO 3\r\n");
    assert_true(test_read_available(fd, hello, sizeof(hello), 300) > 0);
    raw_expect(fd, "CLIENT TRACKINGINFO\r\n",
               "%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n");
    close(fd);
}

static void test_help(void **state) {
    (void)state;
    redisContext *context = test_redis_connect(server.port);
    redisReply *reply = redisCommand(context, "CLIENT HELP");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_true(reply->elements > 20);
    assert_string_equal(reply->element[0]->str, "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    assert_string_equal(reply->element[reply->elements - 2]->str, "HELP");
    freeReplyObject(reply);
    redisFree(context);
}

static void test_resp3(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    char hello[512] = {0};
    test_send_string(fd, "HELLO 3\r\n");
    assert_true(test_read_available(fd, hello, sizeof(hello) - 1, 300) > 0);
    assert_int_equal(hello[0], '%');
    raw_expect(fd, "CLIENT GETNAME\r\n", "_\r\n");
    char reply[1024] = {0};
    test_send_string(fd, "CLIENT INFO\r\n");
    size_t length = test_read_available(fd, reply, sizeof(reply) - 1, 300);
    assert_true(length > 0);
    /* A verbatim string: =<length>\r\ntxt:<line>\n\r\n */
    assert_int_equal(reply[0], '=');
    char *payload = strstr(reply, "\r\n") + 2;
    assert_memory_equal(payload, "txt:id=", 7);
    assert_int_equal(atoi(reply + 1), (int)(length - (size_t)(payload - reply) - 2));
    assert_non_null(strstr(payload, " resp=3 "));
    close(fd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_and_names),  cmocka_unit_test(test_list_format),
        cmocka_unit_test(test_info_is_own_line), cmocka_unit_test(test_list_filters),
        cmocka_unit_test(test_kill),          cmocka_unit_test(test_reply_modes),
        cmocka_unit_test(test_no_evict_and_setinfo), cmocka_unit_test(test_tracking_and_unblock),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_resp3),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
