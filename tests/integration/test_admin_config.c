/* Integration tests for configuration: CONFIG GET/SET/RESETSTAT/REWRITE/HELP
 * with Redis's error texts, the set-back round trip of CONFIG GET *, config
 * files (include, quoting, errors naming the line), command-line overrides
 * and --version. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_hiredis.h"
#include "test_server.h"

static test_server server;
static redisContext *redis;

static int start(void **state) {
    (void)state;
    static const char *const arguments[] = {"--hz", "33", NULL};
    return test_group_start(&server, &redis, arguments);
}

static int stop(void **state) {
    (void)state;
    return test_group_stop(&server, redis);
}

/* 1 if a CONFIG GET reply (name, value, ...) lists `name`. */
static int reply_has_name(const redisReply *reply, const char *name) {
    for (size_t i = 0; i < reply->elements; i += 2)
        if (!strcmp(reply->element[i]->str, name)) return 1;
    return 0;
}

static void test_get_patterns(void **state) {
    (void)state;
    expect_config(redis, "hz", "33"); /* from the command line */
    expect_config(redis, "save", "");
    expect_config(redis, "appendonly", "no");
    expect_config(redis, "slaveof", "");
    expect_config(redis, "HZ", "33"); /* a plain name comes back as spelled, as in Redis */
    expect_config(redis, "SlaveOf", "");
    expect_config(redis, "maxmemory-clients", "0");
    expect_config(redis, "bind", "127.0.0.1 -::1");
    expect_config(redis, "client-output-buffer-limit",
                  "normal 268435456 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    redisReply *reply = redisCommand(redis, "CONFIG GET port HZ port");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 4);
    freeReplyObject(reply);
    reply = redisCommand(redis, "CONFIG GET maxmemory*");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_true(reply->elements >= 8);
    for (size_t i = 0; i < reply->elements; i += 2) assert_memory_equal(reply->element[i]->str, "maxmemory", 9);
    assert_true(reply_has_name(reply, "maxmemory") && reply_has_name(reply, "maxmemory-clients") &&
                reply_has_name(reply, "maxmemory-policy") && reply_has_name(reply, "maxmemory-samples"));
    freeReplyObject(reply);
    reply = redisCommand(redis, "CONFIG GET nosuchparameter");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 0);
    freeReplyObject(reply);
}

static const char *settable_error(const char *name) {
    static const char *const immutable[] = {"unixsocket", "unixsocketperm", "tcp-backlog", "databases",
                                            "logfile", "pidfile", "daemonize", NULL};
    static const char *const protected_names[] = {"dir", "dbfilename", NULL};
    for (int i = 0; immutable[i]; i++)
        if (!strcmp(name, immutable[i])) return "can't set immutable config";
    for (int i = 0; protected_names[i]; i++)
        if (!strcmp(name, protected_names[i])) return "can't set protected config";
    return NULL;
}

/* Every parameter CONFIG GET * lists can be set back to the value it shows
 * (or is refused with Redis's immutable/protected error), and nothing moves. */
static void test_get_all_set_back(void **state) {
    (void)state;
    redisReply *all = redisCommand(redis, "CONFIG GET *");
    expect_reply_type(all, REDIS_REPLY_ARRAY);
    assert_true(all->elements >= 60);
    for (size_t i = 0; i < all->elements; i += 2) {
        const char *name = all->element[i]->str, *value = all->element[i + 1]->str;
        redisReply *reply = redisCommand(redis, "CONFIG SET %s %s", name, value);
        const char *reason = settable_error(name);
        if (reason) {
            char expected[256];
            snprintf(expected, sizeof(expected), "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                     name, reason);
            expect_error(reply, expected);
        } else if (reply->type == REDIS_REPLY_ERROR) {
            /* Parameters other modules add may be immutable or protected too. */
            int refused = strstr(reply->str, "can't set immutable config") || strstr(reply->str, "can't set protected config");
            if (!refused) print_error("%s %s: %s\n", name, value, reply->str);
            assert_true(refused);
            freeReplyObject(reply);
        } else {
            expect_status(reply, "OK");
        }
    }
    redisReply *again = redisCommand(redis, "CONFIG GET *");
    expect_reply_type(again, REDIS_REPLY_ARRAY);
    assert_int_equal(again->elements, all->elements);
    for (size_t i = 0; i < all->elements; i++) assert_string_equal(again->element[i]->str, all->element[i]->str);
    /* zkv's immutable cluster parameters answer by name only (Redis's tools
     * set back everything `*` lists). */
    for (size_t i = 0; i < all->elements; i += 2) assert_string_not_equal(all->element[i]->str, "cluster-myself");
    redisReply *hidden = redisCommand(redis, "CONFIG GET cluster-myself");
    expect_reply_type(hidden, REDIS_REPLY_ARRAY);
    assert_int_equal(hidden->elements, 2);
    freeReplyObject(hidden);
    freeReplyObject(again);
    freeReplyObject(all);
    expect_status(redisCommand(redis, "PING"), "PONG"); /* still listening after port/bind were re-applied */
}

static void test_set_values(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "CONFIG SET maxmemory 1kb"), "OK");
    expect_config(redis, "maxmemory", "1024");
    expect_status(redisCommand(redis, "CONFIG SET maxmemory 1k"), "OK");
    expect_config(redis, "maxmemory", "1000");
    expect_status(redisCommand(redis, "CONFIG SET maxmemory 2GB"), "OK");
    expect_config(redis, "maxmemory", "2147483648");
    expect_status(redisCommand(redis, "CONFIG SET maxmemory 0 maxmemory-policy ALLKEYS-LRU"), "OK");
    expect_config(redis, "maxmemory-policy", "allkeys-lru");
    expect_status(redisCommand(redis, "CONFIG SET client-output-buffer-limit %s", "normal 1mb 2mb 3"), "OK");
    expect_config(redis, "client-output-buffer-limit",
                  "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    expect_status(redisCommand(redis, "CONFIG SET client-output-buffer-limit %s", "normal 256mb 0 0"), "OK");
    expect_status(redisCommand(redis, "CONFIG SET latency-tracking-info-percentiles %s", "50 99.5"), "OK");
    expect_config(redis, "latency-tracking-info-percentiles", "50 99.5");
    expect_status(redisCommand(redis, "CONFIG SET maxmemory-policy noeviction"), "OK");
    expect_status(redisCommand(redis, "CONFIG SET save %s", ""), "OK");
    expect_status(redisCommand(redis, "CONFIG SET appendonly no"), "OK");
    expect_status(redisCommand(redis, "CONFIG SET maxmemory-clients 10%"), "OK");
    expect_config(redis, "maxmemory-clients", "10%");
    expect_status(redisCommand(redis, "CONFIG SET maxmemory-clients 1mb"), "OK");
    expect_config(redis, "maxmemory-clients", "1048576");
    expect_status(redisCommand(redis, "CONFIG SET maxmemory-clients 0"), "OK");
    redisReply *reply = redisCommand(redis, "CONFIG GET maxmemory maxmemory* bind *of");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < reply->elements; i += 2) /* each parameter once */
        for (size_t j = i + 2; j < reply->elements; j += 2)
            assert_string_not_equal(reply->element[i]->str, reply->element[j]->str);
    assert_true(reply_has_name(reply, "maxmemory") && reply_has_name(reply, "bind") &&
                reply_has_name(reply, "replicaof") && reply_has_name(reply, "slaveof"));
    freeReplyObject(reply);
}

#define SET_FAILED(name, reason) "ERR CONFIG SET failed (possibly related to argument '" name "') - " reason

static void test_set_errors(void **state) {
    (void)state;
    expect_error(redisCommand(redis, "CONFIG SET foo bar"),
                 "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    expect_error(redisCommand(redis, "CONFIG SET hz 1 foo"), "ERR syntax error");
    expect_error(redisCommand(redis, "CONFIG SET hz"), "ERR wrong number of arguments for 'config|set' command");
    expect_error(redisCommand(redis, "CONFIG SET maxmemory abc"),
                 SET_FAILED("maxmemory", "argument must be a memory value"));
    expect_error(redisCommand(redis, "CONFIG SET maxmemory -1"),
                 SET_FAILED("maxmemory", "argument must be a memory value"));
    expect_error(redisCommand(redis, "CONFIG SET hz abc"),
                 SET_FAILED("hz", "argument couldn't be parsed into an integer"));
    expect_error(redisCommand(redis, "CONFIG SET hz -1"),
                 SET_FAILED("hz", "argument must be between 0 and 2147483647 inclusive"));
    expect_error(redisCommand(redis, "CONFIG SET maxclients 0"),
                 SET_FAILED("maxclients", "argument must be between 1 and 4294967295 inclusive"));
    expect_error(redisCommand(redis, "CONFIG SET port 99999"),
                 SET_FAILED("port", "argument must be between 0 and 65535 inclusive"));
    expect_error(redisCommand(redis, "CONFIG SET tcp-keepalive 1.5"),
                 SET_FAILED("tcp-keepalive", "argument couldn't be parsed into an integer"));
    expect_error(redisCommand(redis, "CONFIG SET protected-mode maybe"),
                 SET_FAILED("protected-mode", "argument must be 'yes' or 'no'"));
    expect_error(redisCommand(redis, "CONFIG SET loglevel foo"),
                 SET_FAILED("loglevel", "argument(s) must be one of the following: debug, verbose, notice, warning"));
    expect_error(redisCommand(redis, "CONFIG SET maxmemory-policy foo"),
                 SET_FAILED("maxmemory-policy", "argument(s) must be one of the following: volatile-lru, "
                                                "volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, "
                                                "allkeys-lfu, allkeys-random, noeviction"));
    expect_error(redisCommand(redis, "CONFIG SET client-output-buffer-limit bad"),
                 SET_FAILED("client-output-buffer-limit", "Wrong number of arguments in buffer limit configuration."));
    expect_error(redisCommand(redis, "CONFIG SET client-output-buffer-limit %s", "foo 1mb 2mb 3"),
                 SET_FAILED("client-output-buffer-limit", "Invalid client class specified in buffer limit configuration."));
    expect_error(redisCommand(redis, "CONFIG SET client-output-buffer-limit %s", "normal x 2mb 3"),
                 SET_FAILED("client-output-buffer-limit",
                            "Error in hard, soft or soft_seconds setting in buffer limit configuration."));
    expect_error(redisCommand(redis, "CONFIG SET latency-tracking-info-percentiles 200"),
                 SET_FAILED("latency-tracking-info-percentiles",
                            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"));
    expect_error(redisCommand(redis, "CONFIG SET databases 5"), SET_FAILED("databases", "can't set immutable config"));
    expect_error(redisCommand(redis, "CONFIG SET dir /tmp"), SET_FAILED("dir", "can't set protected config"));
    expect_error(redisCommand(redis, "CONFIG SET logfile /tmp/x"), SET_FAILED("logfile", "can't set immutable config"));
    expect_error(redisCommand(redis, "CONFIG SET maxmemory-clients 200%"),
                 SET_FAILED("maxmemory-clients", "percentage argument must be less or equal to 100"));
    expect_error(redisCommand(redis, "CONFIG SET maxmemory-clients abc"),
                 SET_FAILED("maxmemory-clients", "argument must be a memory or percent value"));
    expect_error(redisCommand(redis, "CONFIG SET replicaof %s", "127.0.0.1 6379"),
                 SET_FAILED("replicaof", "can't set immutable config"));
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_max < 1000000) {
        char expected[256];
        snprintf(expected, sizeof(expected),
                 SET_FAILED("maxclients", "The operating system is not able to handle the specified number of "
                                          "clients, try with %llu"),
                 (unsigned long long)limit.rlim_max - 32);
        expect_error(redisCommand(redis, "CONFIG SET maxclients 1000000"), expected);
        expect_config(redis, "maxclients", "10000");
    }
    expect_error(redisCommand(redis, "CONFIG SET maxmemory 1 maxmemory 2"),
                 SET_FAILED("maxmemory", "duplicate parameter"));
}

static void test_set_is_all_or_nothing(void **state) {
    (void)state;
    expect_config(redis, "timeout", "0");
    expect_error(redisCommand(redis, "CONFIG SET timeout 100 maxmemory 5mb hz abc"),
                 SET_FAILED("hz", "argument couldn't be parsed into an integer"));
    expect_config(redis, "timeout", "0");
    expect_config(redis, "maxmemory", "0");
    expect_config(redis, "hz", "33");
    int busy_port = test_free_port();
    int blocker = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)busy_port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(blocker, (struct sockaddr *)&address, sizeof(address)), 0);
    assert_int_equal(listen(blocker, 1), 0);
    char port_text[16];
    snprintf(port_text, sizeof(port_text), "%d", busy_port);
    redisReply *reply = redisCommand(redis, "CONFIG SET timeout 7 port %s", port_text);
    expect_error(reply, SET_FAILED("port", "Unable to listen on this port: Address already in use"));
    close(blocker);
    expect_config(redis, "timeout", "0");
    char own_port[16];
    snprintf(own_port, sizeof(own_port), "%d", server.port);
    expect_config(redis, "port", own_port);
    redisContext *fresh = test_redis_connect(server.port);
    expect_status(redisCommand(fresh, "PING"), "PONG");
    redisFree(fresh);
    /* An address this machine does not have: refused, old listeners back. */
    expect_error(redisCommand(redis, "CONFIG SET bind 10.255.255.1"),
                 SET_FAILED("bind", "Failed to bind to specified addresses."));
    expect_config(redis, "bind", "127.0.0.1 -::1");
    fresh = test_redis_connect(server.port);
    expect_status(redisCommand(fresh, "PING"), "PONG");
    redisFree(fresh);
}

static void test_help_resetstat_rewrite(void **state) {
    (void)state;
    redisReply *reply = redisCommand(redis, "CONFIG HELP");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 11);
    assert_string_equal(reply->element[0]->str, "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    assert_string_equal(reply->element[10]->str, "    Prints this help.");
    freeReplyObject(reply);
    expect_status(redisCommand(redis, "CONFIG RESETSTAT"), "OK");
    expect_error(redisCommand(redis, "CONFIG REWRITE"), "ERR The server is running without a config file");
}

static char *write_temporary(const char *text) {
    static int counter;
    char *path = malloc(128);
    assert_non_null(path);
    snprintf(path, 128, "/tmp/zkv-test-config-%d-%d.conf", (int)getpid(), counter++);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
    return path;
}

static char *read_file(const char *path) {
    FILE *file = fopen(path, "r");
    assert_non_null(file);
    char *text = calloc(1, 65536);
    assert_non_null(text);
    size_t length = fread(text, 1, 65535, file);
    text[length] = '\0';
    fclose(file);
    return text;
}

static void test_config_file_and_rewrite(void **state) {
    (void)state;
    char *included = write_temporary("maxmemory-samples 7\n");
    char text[1024];
    snprintf(text, sizeof(text),
             "# zkv test configuration\n"
             "hz 15\n"
             "\n"
             "# the password, quoted\n"
             "requirepass \"pa ss\\x41\"\n"
             "include %s\n"
             "timeout 30\n"
             "timeout 40\n",
             included);
    char *path = write_temporary(text);
    test_server configured;
    assert_int_equal(test_server_start_full(&configured, path, 0, NULL), 0);
    redisContext *context = test_redis_connect(configured.port);
    expect_status(redisCommand(context, "AUTH %s", "pa ssA"), "OK");
    expect_config(context, "hz", "15");
    expect_config(context, "timeout", "40");
    expect_config(context, "maxmemory-samples", "7");
    expect_status(redisCommand(context, "CONFIG SET hz 20 maxmemory 1mb"), "OK");
    expect_status(redisCommand(context, "CONFIG REWRITE"), "OK");
    char *rewritten = read_file(path);
    if (strncmp(rewritten, "# zkv test configuration\nhz 20\n\n# the password, quoted\n", 55) != 0)
        print_error("rewritten file:\n%s\n", rewritten);
    assert_memory_equal(rewritten, "# zkv test configuration\nhz 20\n\n# the password, quoted\n", 55);
    assert_non_null(strstr(rewritten, "\nrequirepass \"pa ssA\"\n"));
    assert_null(strstr(rewritten, "timeout 30"));
    assert_non_null(strstr(rewritten, "\ntimeout 40\n"));
    assert_non_null(strstr(rewritten, "# Generated by CONFIG REWRITE\n"));
    assert_non_null(strstr(rewritten, "\nmaxmemory 1048576\n"));
    free(rewritten);
    redisFree(context);
    assert_int_equal(test_server_stop(&configured), 0);
    /* The rewritten file starts a server with the same settings. */
    assert_int_equal(test_server_start_full(&configured, path, 0, NULL), 0);
    context = test_redis_connect(configured.port);
    expect_status(redisCommand(context, "AUTH %s", "pa ssA"), "OK");
    expect_config(context, "hz", "20");
    expect_config(context, "maxmemory", "1048576");
    redisFree(context);
    assert_int_equal(test_server_stop(&configured), 0);
    unlink(path);
    unlink(included);
    free(path);
    free(included);
}

static void expect_start_failure(const char *file_text, const char *const *extra, const char *message) {
    char *path = file_text ? write_temporary(file_text) : NULL;
    const char *arguments[8] = {0};
    int count = 0;
    if (path) arguments[count++] = path;
    for (int i = 0; extra && extra[i]; i++) arguments[count++] = extra[i];
    char *output = NULL;
    int status = test_server_run_to_exit(arguments, 10000, &output);
    if (!strstr(output, message)) print_error("output was:\n%s\n", output);
    assert_int_equal(status, 1);
    assert_non_null(strstr(output, message));
    free(output);
    if (path) unlink(path);
    free(path);
}

static void test_bad_config_files(void **state) {
    (void)state;
    expect_start_failure("port 0\n# fine\nfoo bar\n", NULL, "at line 3\n>>> 'foo bar'\nBad directive or wrong number of arguments");
    expect_start_failure("hz abc\n", NULL, "at line 1\n>>> 'hz abc'\nargument couldn't be parsed into an integer");
    expect_start_failure("hz 1 2\n", NULL, "Bad directive or wrong number of arguments");
    expect_start_failure("requirepass \"unbalanced\n", NULL, "Unbalanced quotes in configuration line");
    expect_start_failure("save 900\n", NULL, "Invalid save parameters");
    expect_start_failure("appendonly maybe\n", NULL, "argument must be 'yes' or 'no'");
    expect_start_failure("maxmemory 12parsecs\n", NULL, "argument must be a memory value");
    const char *bad_option[] = {"--nosuch", "1", NULL};
    expect_start_failure(NULL, bad_option, ">>> 'nosuch \"1\"'\nBad directive or wrong number of arguments");
    /* The command line is read the way redis-server reads it. */
    const char *no_value[] = {"--port", NULL};
    expect_start_failure(NULL, no_value, ">>> 'port'\nBad directive or wrong number of arguments");
    const char *two_values[] = {"--port", "6379", "6380", NULL};
    expect_start_failure(NULL, two_values, ">>> 'port \"6379\" \"6380\"'\nBad directive or wrong number of arguments");
    const char *dashed_value[] = {"--port", "--bla", "--loglevel", "verbose", NULL};
    expect_start_failure(NULL, dashed_value, ">>> 'port \"--bla\"'\nargument couldn't be parsed into an integer");
    const char *dashed_enum[] = {"--logfile", "--my--log", "--loglevel", "--bla", NULL};
    expect_start_failure(NULL, dashed_enum, ">>> 'loglevel \"--bla\"'\nargument(s) must be one of the following");
    expect_start_failure("include /nonexistent/zkv.conf\n", NULL, "can't open config file '/nonexistent/zkv.conf'");
}

static void test_command_line_forms(void **state) {
    (void)state;
    test_server other;
    const char *arguments[] = {"--save", "--maxmemory 700mb", "--maxmemory-policy 'volatile-lru'", "--save", NULL};
    assert_int_equal(test_server_start(&other, arguments), 0);
    redisContext *context = test_redis_connect(other.port);
    expect_config(context, "save", "");
    expect_config(context, "maxmemory", "734003200");
    expect_config(context, "maxmemory-policy", "volatile-lru");
    redisFree(context);
    assert_int_equal(test_server_stop(&other), 0);
}

static void test_version(void **state) {
    (void)state;
    const char *arguments[] = {"--version", NULL};
    char *output = NULL;
    assert_int_equal(test_server_run_to_exit(arguments, 10000, &output), 0);
    assert_non_null(strstr(output, "zkv-server v="));
    assert_non_null(strstr(output, "redis-compat=7.0.15"));
    free(output);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_patterns),          cmocka_unit_test(test_get_all_set_back),
        cmocka_unit_test(test_set_values),            cmocka_unit_test(test_set_errors),
        cmocka_unit_test(test_set_is_all_or_nothing), cmocka_unit_test(test_help_resetstat_rewrite),
        cmocka_unit_test(test_config_file_and_rewrite), cmocka_unit_test(test_bad_config_files),
        cmocka_unit_test(test_command_line_forms), cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
