/* Integration tests for COMMAND: COUNT, INFO, DOCS, LIST with filters,
 * GETKEYS/GETKEYSANDFLAGS, HELP, and the RESP3 reply types.  The exact
 * byte strings below were recorded from redis-server 7.0.15. */
#include "test_introspection.h"

#include <unistd.h>

static test_server server;
static redisContext *context;

static int start(void **state) {
    (void)state;
    return test_group_start(&server, &context, NULL);
}

static int stop(void **state) {
    (void)state;
    return test_group_stop(&server, context);
}

static void test_count_matches_command(void **state) {
    (void)state;
    redisReply *all = redisCommand(context, "COMMAND");
    expect_reply_type(all, REDIS_REPLY_ARRAY);
    assert_true(all->elements > 10);
    expect_integer(redisCommand(context, "COMMAND COUNT"), (long long)all->elements);
    redisReply *info = redisCommand(context, "COMMAND INFO");
    assert_int_equal(info->elements, all->elements);
    freeReplyObject(info);
    freeReplyObject(all);
    expect_error(redisCommand(context, "COMMAND COUNT x"), "ERR wrong number of arguments for 'command|count' command");
    expect_error(redisCommand(context, "COMMAND FOO"), "ERR unknown subcommand 'FOO'. Try COMMAND HELP.");
}

static void test_info_bytes_resp2(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    raw_expect(fd, "COMMAND INFO client|list nosuch\r\n",
               "*2\r\n*10\r\n$11\r\nclient|list\r\n:-2\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n"
               ":0\r\n:0\r\n:0\r\n*4\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n+@connection\r\n"
               "*1\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n$-1\r\n");
    raw_expect(fd, "COMMAND INFO monitor\r\n",
               "*1\r\n*10\r\n$7\r\nmonitor\r\n:1\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n"
               ":0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n");
    close(fd);
}

static void test_info_bytes_resp3(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    char hello[512];
    test_send_string(fd, "HELLO 3\r\n");
    assert_true(test_read_available(fd, hello, sizeof(hello), 300) > 0);
    raw_expect(fd, "COMMAND INFO client|id\r\n",
               "*1\r\n*10\r\n$9\r\nclient|id\r\n:2\r\n~3\r\n+noscript\r\n+loading\r\n+stale\r\n"
               ":0\r\n:0\r\n:0\r\n~2\r\n+@slow\r\n+@connection\r\n~0\r\n~0\r\n~0\r\n");
    raw_expect(fd, "COMMAND DOCS nosuch\r\n", "%0\r\n");
    close(fd);
}

static void test_info_subcommands(void **state) {
    (void)state;
    redisReply *reply = redisCommand(context, "COMMAND INFO slowlog");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    redisReply *entry = reply->element[0];
    assert_int_equal(entry->elements, 10);
    assert_string_equal(entry->element[0]->str, "slowlog");
    assert_int_equal(entry->element[1]->integer, -2);
    redisReply *subcommands = entry->element[9];
    assert_int_equal(subcommands->elements, 4);
    int found_get = 0;
    for (size_t i = 0; i < subcommands->elements; i++) {
        redisReply *sub = subcommands->element[i];
        if (strcmp(sub->element[0]->str, "slowlog|get") == 0) {
            found_get = 1;
            assert_int_equal(sub->element[1]->integer, -2);
            assert_int_equal(sub->element[7]->elements, 2); /* tips */
            assert_string_equal(sub->element[7]->element[0]->str, "request_policy:all_nodes");
        }
    }
    assert_true(found_get);
    freeReplyObject(reply);
}

static void test_docs(void **state) {
    (void)state;
    redisReply *reply = redisCommand(context, "COMMAND DOCS client|id nosuch latency");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 4); /* two names, two maps */
    assert_string_equal(reply->element[0]->str, "client|id");
    redisReply *docs = reply->element[1];
    assert_int_equal(docs->elements, 8);
    const char *keys[] = {"summary", "since", "group", "complexity"};
    for (int i = 0; i < 4; i++) assert_string_equal(docs->element[2 * i]->str, keys[i]);
    assert_string_equal(docs->element[3]->str, "5.0.0");
    assert_string_equal(docs->element[5]->str, "connection");
    assert_string_equal(docs->element[7]->str, "O(1)");
    assert_string_equal(reply->element[2]->str, "latency");
    redisReply *latency = reply->element[3];
    assert_int_equal(latency->elements, 10);
    assert_string_equal(latency->element[8]->str, "subcommands");
    assert_int_equal(latency->element[9]->elements, 2 * 6);
    freeReplyObject(reply);
    /* Every command, as redis-cli asks when it starts.  Read raw: argument
     * trees nest deeper than hiredis 0.14's reader accepts (Redis's too). */
    reply = redisCommand(context, "COMMAND COUNT");
    long long count = reply->integer;
    freeReplyObject(reply);
    int fd = test_connect(server.port);
    char header[32] = {0};
    test_send_string(fd, "COMMAND DOCS\r\n");
    assert_int_equal(test_read_exact(fd, header, 1, TEST_IO_TIMEOUT_MS), 1);
    assert_int_equal(header[0], '*');
    size_t used = 1;
    while (used < sizeof(header) - 1 && header[used - 1] != '\n')
        assert_int_equal(test_read_exact(fd, header + used++, 1, TEST_IO_TIMEOUT_MS), 1);
    assert_int_equal(atoll(header + 1), 2 * count);
    close(fd);
}

/* The "arguments" part of COMMAND DOCS, as recorded from redis-server. */
static void test_docs_arguments(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    char reply[2048] = {0};
    const char *resp2 = "$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$5\r\ncount\r\n$4\r\ntype\r\n"
                        "$7\r\ninteger\r\n$5\r\nflags\r\n*1\r\n+optional\r\n";
    test_send_string(fd, "COMMAND DOCS slowlog|get\r\n");
    size_t length = test_read_available(fd, reply, sizeof(reply) - 1, 300);
    assert_true(length > strlen(resp2));
    assert_string_equal(reply + length - strlen(resp2), resp2);
    const char *reply_arguments =
        "$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$11\r\non_off_skip\r\n$4\r\ntype\r\n$5\r\noneof\r\n"
        "$9\r\narguments\r\n*3\r\n*6\r\n$4\r\nname\r\n$2\r\non\r\n$4\r\ntype\r\n$10\r\npure-token\r\n"
        "$5\r\ntoken\r\n$2\r\nON\r\n*6\r\n$4\r\nname\r\n$3\r\noff\r\n$4\r\ntype\r\n$10\r\npure-token\r\n"
        "$5\r\ntoken\r\n$3\r\nOFF\r\n*6\r\n$4\r\nname\r\n$4\r\nskip\r\n$4\r\ntype\r\n$10\r\npure-token\r\n"
        "$5\r\ntoken\r\n$4\r\nSKIP\r\n";
    memset(reply, 0, sizeof(reply));
    test_send_string(fd, "COMMAND DOCS client|reply\r\n");
    length = test_read_available(fd, reply, sizeof(reply) - 1, 300);
    assert_true(length > strlen(reply_arguments));
    assert_string_equal(reply + length - strlen(reply_arguments), reply_arguments);
    char hello[512];
    test_send_string(fd, "HELLO 3\r\n");
    assert_true(test_read_available(fd, hello, sizeof(hello), 300) > 0);
    const char *resp3 = "$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$5\r\ncount\r\n$4\r\ntype\r\n"
                        "$7\r\ninteger\r\n$5\r\nflags\r\n~1\r\n+optional\r\n";
    memset(reply, 0, sizeof(reply));
    test_send_string(fd, "COMMAND DOCS slowlog|get\r\n");
    length = test_read_available(fd, reply, sizeof(reply) - 1, 300);
    assert_true(length > strlen(resp3));
    assert_string_equal(reply + length - strlen(resp3), resp3);
    close(fd);
}

/* Key specs as Redis 7.0 lists them: a source unlike its destination is a
 * spec of its own (COPY: RO access, then OW update), a key count a keynum
 * spec after the range (ZUNIONSTORE); COMMAND DOCS numbers key arguments
 * by those specs (BITOP's destkey 0, its keys 1). */
static void test_key_specs(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    char reply[4096] = {0};
    const char *copy_specs =
        "*2\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
        "$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n"
        "*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n"
        "*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
        "$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n"
        "*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";
    test_send_string(fd, "COMMAND INFO copy\r\n");
    size_t length = test_read_available(fd, reply, sizeof(reply) - 1, 300);
    assert_true(length > strlen(copy_specs));
    assert_string_equal(reply + length - strlen(copy_specs), copy_specs);
    const char *keynum_spec =
        "*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
        "$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n"
        "*6\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n*0\r\n";
    memset(reply, 0, sizeof(reply));
    test_send_string(fd, "COMMAND INFO zunionstore\r\n");
    length = test_read_available(fd, reply, sizeof(reply) - 1, 300);
    assert_true(length > strlen(keynum_spec));
    assert_string_equal(reply + length - strlen(keynum_spec), keynum_spec);
    memset(reply, 0, sizeof(reply));
    test_send_string(fd, "COMMAND DOCS bitop\r\n");
    length = test_read_available(fd, reply, sizeof(reply) - 1, 300);
    assert_non_null(strstr(reply, "$7\r\ndestkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"));
    assert_non_null(strstr(reply, "$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:1\r\n"));
    close(fd);
}

static int reply_contains(const redisReply *reply, const char *name) {
    for (size_t i = 0; i < reply->elements; i++) {
        if (strcmp(reply->element[i]->str, name) == 0) return 1;
    }
    return 0;
}

static void test_list(void **state) {
    (void)state;
    redisReply *reply = redisCommand(context, "COMMAND LIST");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_true(reply_contains(reply, "client|list"));
    assert_true(reply_contains(reply, "info"));
    assert_true(reply_contains(reply, "config|get"));
    freeReplyObject(reply);
    reply = redisCommand(context, "COMMAND LIST FILTERBY PATTERN SLOWLOG*");
    assert_int_equal(reply->elements, 5);
    const char *slowlog[] = {"slowlog", "slowlog|get", "slowlog|len", "slowlog|reset", "slowlog|help"};
    for (int i = 0; i < 5; i++) assert_true(reply_contains(reply, slowlog[i]));
    freeReplyObject(reply);
    reply = redisCommand(context, "COMMAND LIST FILTERBY ACLCAT connection");
    assert_true(reply_contains(reply, "client|id"));
    assert_true(reply_contains(reply, "command|docs"));
    assert_false(reply_contains(reply, "info"));
    assert_false(reply_contains(reply, "client")); /* the container is only @slow */
    freeReplyObject(reply);
    expect_reply_type(reply = redisCommand(context, "COMMAND LIST FILTERBY ACLCAT @read"), REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 0);
    freeReplyObject(reply);
    expect_reply_type(reply = redisCommand(context, "COMMAND LIST FILTERBY MODULE x"), REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 0);
    freeReplyObject(reply);
    expect_error(redisCommand(context, "COMMAND LIST FILTERBY FOO x"), "ERR syntax error");
    expect_error(redisCommand(context, "COMMAND LIST FILTERBY"), "ERR syntax error");
    expect_error(redisCommand(context, "COMMAND LIST FILTERBY PATTERN a extra"), "ERR syntax error");
}

static void test_getkeys_errors(void **state) {
    (void)state;
    expect_error(redisCommand(context, "COMMAND GETKEYS ping x"), "ERR The command has no key arguments");
    expect_error(redisCommand(context, "COMMAND GETKEYS client list"), "ERR The command has no key arguments");
    expect_error(redisCommand(context, "COMMAND GETKEYSANDFLAGS ping x"), "ERR The command has no key arguments");
    expect_error(redisCommand(context, "COMMAND GETKEYS nosuch x"), "ERR Invalid command specified");
    expect_error(redisCommand(context, "COMMAND GETKEYS ping"),
                 "ERR wrong number of arguments for 'command|getkeys' command");
}

static void test_getkeys_of_key_commands(void **state) {
    (void)state;
    redisReply *reply = redisCommand(context, "COMMAND INFO get mset");
    int registered = reply->element[0]->type == REDIS_REPLY_ARRAY && reply->element[1]->type == REDIS_REPLY_ARRAY;
    freeReplyObject(reply);
    if (!registered) skip(); /* the keyspace commands are not in this build yet */
    reply = redisCommand(context, "COMMAND GETKEYS mset a 1 b 2");
    assert_int_equal(reply->elements, 2);
    assert_string_equal(reply->element[0]->str, "a");
    assert_string_equal(reply->element[1]->str, "b");
    freeReplyObject(reply);
    reply = redisCommand(context, "COMMAND GETKEYSANDFLAGS get k");
    assert_int_equal(reply->elements, 1);
    assert_string_equal(reply->element[0]->element[0]->str, "k");
    assert_string_equal(reply->element[0]->element[1]->element[0]->str, "RO");
    assert_string_equal(reply->element[0]->element[1]->element[1]->str, "access");
    freeReplyObject(reply);
    expect_error(redisCommand(context, "COMMAND GETKEYS get a b"),
                 "ERR Invalid number of arguments specified for command");
}

static void test_help(void **state) {
    (void)state;
    redisReply *reply = redisCommand(context, "COMMAND HELP");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_string_equal(reply->element[0]->str, "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    assert_true(reply->elements > 10);
    freeReplyObject(reply);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_matches_command), cmocka_unit_test(test_info_bytes_resp2),
        cmocka_unit_test(test_info_bytes_resp3),      cmocka_unit_test(test_info_subcommands),
        cmocka_unit_test(test_docs),                  cmocka_unit_test(test_docs_arguments),
        cmocka_unit_test(test_list),                  cmocka_unit_test(test_key_specs),
        cmocka_unit_test(test_getkeys_errors),        cmocka_unit_test(test_getkeys_of_key_commands),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
