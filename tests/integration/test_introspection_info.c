/* Integration tests for INFO: section selection and order, line format,
 * server/clients/stats fields, commandstats, errorstats, latencystats, and
 * the RESP3 verbatim reply. */
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

/* The "# Title" headers joined by spaces. */
static void headers_of(const char *text, char *out, size_t size) {
    out[0] = '\0';
    for (const char *line = text; *line;) {
        const char *end = strstr(line, "\r\n");
        assert_non_null(end);
        if (line[0] == '#') {
            if (out[0]) strncat(out, " ", size - strlen(out) - 1);
            strncat(out, line + 2, (size_t)(end - line - 2) < size - strlen(out) - 1 ? (size_t)(end - line - 2)
                                                                                      : size - strlen(out) - 1);
        }
        line = end + 2;
    }
}

static void expect_sections(const char *arguments, const char *expected) {
    char *text = test_info_fetch(context, arguments);
    char headers[512];
    headers_of(text, headers, sizeof(headers));
    assert_string_equal(headers, expected);
    free(text);
}

static void test_section_selection(void **state) {
    (void)state;
    const char *standard =
        "Server Clients Memory Persistence Stats Replication CPU Modules Errorstats Cluster Keyspace";
    const char *all = "Server Clients Memory Persistence Stats Replication CPU Modules Commandstats Errorstats "
                      "Latencystats Cluster Keyspace";
    expect_sections(NULL, standard);
    expect_sections("default", standard);
    expect_sections("all", all);
    expect_sections("everything", all);
    expect_sections("cpu server", "Server CPU");
    expect_sections("CPU cpu", "CPU");
    expect_sections("commandstats default",
                    "Server Clients Memory Persistence Stats Replication CPU Modules Commandstats Errorstats "
                    "Cluster Keyspace");
    expect_sections("default all", all);
    expect_sections("nosuch", "");
}

static void test_line_format(void **state) {
    (void)state;
    char *text = test_info_fetch(context, "everything");
    /* Every line is "# Title", "field:value" or the empty separator, each
     * ending in CRLF; a section ends before an empty line. */
    int previous_empty = 1;
    for (const char *line = text; *line;) {
        const char *end = strstr(line, "\r\n");
        assert_non_null(end);
        assert_null(memchr(line, '\n', (size_t)(end - line)));
        if (end == line) {
            assert_false(previous_empty);
            previous_empty = 1;
        } else {
            if (previous_empty) assert_int_equal(line[0], '#');
            else assert_non_null(memchr(line, ':', (size_t)(end - line)));
            previous_empty = 0;
        }
        line = end + 2;
    }
    free(text);
    int fd = test_connect(server.port);
    raw_expect(fd, "INFO nosuch\r\n", "$0\r\n\r\n");
    raw_expect(fd, "INFO modules\r\n", "$11\r\n# Modules\r\n\r\n");
    raw_expect(fd, "INFO cluster\r\n", "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n");
    close(fd);
}

/* Connections closed by earlier tests may still be open server-side for a
 * moment: waits (bounded) until connected_clients is `count`. */
static void wait_connected_clients(long long count) {
    for (int attempt = 0; attempt < 200; attempt++) {
        char *text = test_info_fetch(context, "clients");
        long long connected = test_info_require_integer(text, "connected_clients");
        free(text);
        if (connected == count) return;
        usleep(10000);
    }
    fail_msg("connected_clients never reached %lld", count);
}

static void test_server_and_clients_fields(void **state) {
    (void)state;
    redisContext *second = test_redis_connect(server.port);
    wait_connected_clients(2);
    char *text = test_info_fetch(context, "server clients replication persistence");
    char value[128];
    assert_string_equal(test_info_value(text, "redis_version", value, sizeof(value)), "7.0.15");
    assert_non_null(test_info_value(text, "zkv_version", value, sizeof(value)));
    assert_string_equal(test_info_value(text, "redis_mode", value, sizeof(value)), "standalone");
    assert_int_equal(test_info_require_integer(text, "process_id"), server.pid);
    assert_int_equal(test_info_require_integer(text, "tcp_port"), server.port);
    assert_int_equal(test_info_require_integer(text, "hz"), 10);
    assert_int_equal(strlen(test_info_value(text, "run_id", value, sizeof(value))), 40);
    assert_int_equal(test_info_require_integer(text, "connected_clients"), 2);
    assert_int_equal(test_info_require_integer(text, "maxclients") > 0, 1);
    assert_string_equal(test_info_value(text, "role", value, sizeof(value)), "master");
    assert_int_equal(test_info_require_integer(text, "connected_slaves"), 0);
    assert_int_equal(strlen(test_info_value(text, "master_replid", value, sizeof(value))), 40);
    assert_int_equal(test_info_require_integer(text, "loading"), 0);
    assert_int_equal(test_info_require_integer(text, "aof_enabled"), 0);
    assert_int_equal(test_info_require_integer(text, "rdb_bgsave_in_progress"), 0);
    free(text);
    redisFree(second);
}

static void test_memory_fields(void **state) {
    (void)state;
    char *text = test_info_fetch(context, "memory");
    char value[128];
    long long used = test_info_require_integer(text, "used_memory");
    assert_true(used > 0);
    assert_true(test_info_require_integer(text, "used_memory_rss") > 0);
    assert_true(test_info_require_integer(text, "used_memory_peak") >= used);
    const char *human = test_info_value(text, "used_memory_human", value, sizeof(value));
    assert_non_null(human);
    char unit = human[strlen(human) - 1];
    assert_true(unit == 'B' || unit == 'K' || unit == 'M' || unit == 'G');
    assert_non_null(test_info_value(text, "used_memory_rss_human", value, sizeof(value)));
    assert_non_null(test_info_value(text, "used_memory_peak_human", value, sizeof(value)));
    assert_non_null(test_info_value(text, "mem_fragmentation_ratio", value, sizeof(value)));
    assert_non_null(test_info_value(text, "mem_allocator", value, sizeof(value)));
    assert_string_equal(test_info_value(text, "maxmemory_policy", value, sizeof(value)), "noeviction");
    free(text);
}

static void test_stats_count(void **state) {
    (void)state;
    char *before = test_info_fetch(context, "stats");
    expect_status(redisCommand(context, "PING"), "PONG");
    expect_status(redisCommand(context, "PING"), "PONG");
    expect_error(redisCommand(context, "CLIENT SETNAME %s", "a b"),
                 "ERR Client names cannot contain spaces, newlines or special characters.");
    char *after = test_info_fetch(context, "stats");
    /* Two PINGs, the failing SETNAME and the first INFO. */
    assert_int_equal(test_info_require_integer(after, "total_commands_processed") -
                         test_info_require_integer(before, "total_commands_processed"),
                     4);
    assert_int_equal(test_info_require_integer(after, "total_error_replies") -
                         test_info_require_integer(before, "total_error_replies"),
                     1);
    assert_true(test_info_require_integer(after, "total_connections_received") >= 1);
    assert_true(test_info_require_integer(after, "total_net_input_bytes") > 0);
    assert_true(test_info_require_integer(after, "total_net_output_bytes") > 0);
    char value[64];
    assert_non_null(test_info_value(after, "instantaneous_ops_per_sec", value, sizeof(value)));
    assert_non_null(test_info_value(after, "keyspace_hits", value, sizeof(value)));
    assert_non_null(test_info_value(after, "expired_stale_perc", value, sizeof(value)));
    free(before);
    free(after);
}

static void test_commandstats_and_errorstats(void **state) {
    (void)state;
    redisContext *fresh = test_redis_connect(server.port);
    for (int i = 0; i < 3; i++) freeReplyObject(redisCommand(fresh, "CLIENT ID"));
    expect_error(redisCommand(fresh, "CLIENT ID x"), "ERR wrong number of arguments for 'client|id' command");
    expect_error(redisCommand(fresh, "CLIENT GETNAME x"),
                 "ERR wrong number of arguments for 'client|getname' command");
    freeReplyObject(redisCommand(fresh, "CLIENT KILL ID abc"));
    char *text = test_info_fetch(context, "commandstats errorstats");
    char value[256];
    assert_non_null(test_info_value(text, "cmdstat_client|id", value, sizeof(value)));
    assert_memory_equal(value, "calls=3,usec=", 13);
    assert_non_null(strstr(value, ",rejected_calls=1,failed_calls=0"));
    assert_string_equal(strstr(test_info_value(text, "cmdstat_client|getname", value, sizeof(value)), ",rejected"),
                        ",rejected_calls=1,failed_calls=0");
    assert_memory_equal(test_info_value(text, "cmdstat_client|getname", value, sizeof(value)),
                        "calls=0,usec=0,usec_per_call=0.00", 33);
    assert_string_equal(strstr(test_info_value(text, "cmdstat_client|kill", value, sizeof(value)), ",rejected"),
                        ",rejected_calls=0,failed_calls=1");
    free(text);
    /* Every error so far had the ERR code, so the two counts agree. */
    text = test_info_fetch(context, "stats errorstats");
    char expected[64];
    snprintf(expected, sizeof(expected), "count=%lld", test_info_require_integer(text, "total_error_replies"));
    assert_string_equal(test_info_value(text, "errorstat_ERR", value, sizeof(value)), expected);
    free(text);
    redisFree(fresh);
}

/* A blocked command ended by CLIENT UNBLOCK ... ERROR counts as failed. */
static void test_unblocked_command_failed(void **state) {
    (void)state;
    expect_status(redisCommand(context, "CONFIG RESETSTAT"), "OK");
    redisContext *blocked = test_redis_connect(server.port);
    redisReply *id = redisCommand(blocked, "CLIENT ID");
    expect_reply_type(id, REDIS_REPLY_INTEGER);
    long long blocked_id = id->integer;
    freeReplyObject(id);
    assert_int_equal(redisAppendCommand(blocked, "BLPOP unblock:list 0"), REDIS_OK);
    int written = 0;
    assert_int_equal(redisBufferWrite(blocked, &written), REDIS_OK);
    redisReply *unblocked = NULL;
    for (int attempt = 0; attempt < 500 && (!unblocked || unblocked->integer == 0); attempt++) {
        if (unblocked) freeReplyObject(unblocked);
        usleep(2000);
        unblocked = redisCommand(context, "CLIENT UNBLOCK %lld ERROR", blocked_id);
    }
    expect_integer(unblocked, 1);
    redisReply *answer = NULL;
    assert_int_equal(redisGetReply(blocked, (void **)&answer), REDIS_OK);
    expect_error(answer, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    char *text = test_info_fetch(context, "commandstats");
    char value[256];
    assert_non_null(test_info_value(text, "cmdstat_blpop", value, sizeof(value)));
    assert_non_null(strstr(value, ",rejected_calls=0,failed_calls=1"));
    free(text);
    redisFree(blocked);
}

static void test_latencystats(void **state) {
    (void)state;
    for (int i = 0; i < 5; i++) freeReplyObject(redisCommand(context, "CLIENT GETNAME"));
    char *text = test_info_fetch(context, "latencystats");
    char value[256];
    assert_non_null(test_info_value(text, "latency_percentiles_usec_client|getname", value, sizeof(value)));
    double p50, p99, p999;
    char tail;
    assert_int_equal(sscanf(value, "p50=%lf,p99=%lf,p99.9=%lf%c", &p50, &p99, &p999, &tail), 3);
    assert_true(p50 <= p99 && p99 <= p999);
    free(text);
    /* Percentile labels print like Redis's: no trailing zeros, no rounding. */
    expect_status(redisCommand(context, "CONFIG SET latency-tracking-info-percentiles %s", "0 50 99.99999 100"),
                  "OK");
    freeReplyObject(redisCommand(context, "CLIENT GETNAME"));
    text = test_info_fetch(context, "latencystats");
    assert_non_null(test_info_value(text, "latency_percentiles_usec_client|getname", value, sizeof(value)));
    double p0, p100;
    assert_int_equal(sscanf(value, "p0=%lf,p50=%lf,p99.99999=%lf,p100=%lf%c", &p0, &p50, &p999, &p100, &tail), 4);
    free(text);
    expect_status(redisCommand(context, "CONFIG SET latency-tracking-info-percentiles %s", "50 99 99.9"), "OK");
    /* CONFIG RESETSTAT clears the histograms with the other statistics. */
    expect_status(redisCommand(context, "CONFIG RESETSTAT"), "OK");
    text = test_info_fetch(context, "latencystats commandstats");
    assert_null(test_info_value(text, "latency_percentiles_usec_client|getname", value, sizeof(value)));
    assert_null(test_info_value(text, "cmdstat_client|getname", value, sizeof(value)));
    assert_non_null(test_info_value(text, "latency_percentiles_usec_config|resetstat", value, sizeof(value)));
    free(text);
}

static void test_resp3_verbatim(void **state) {
    (void)state;
    int fd = test_connect(server.port);
    char buffer[512];
    test_send_string(fd, "HELLO 3\r\n");
    assert_true(test_read_available(fd, buffer, sizeof(buffer), 300) > 0);
    raw_expect(fd, "INFO nosuch\r\n", "=4\r\ntxt:\r\n");
    raw_expect(fd, "INFO cluster\r\n", "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
    close(fd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section_selection),  cmocka_unit_test(test_line_format),
        cmocka_unit_test(test_server_and_clients_fields), cmocka_unit_test(test_memory_fields),
        cmocka_unit_test(test_stats_count),        cmocka_unit_test(test_commandstats_and_errorstats),
        cmocka_unit_test(test_latencystats),       cmocka_unit_test(test_resp3_verbatim),
        cmocka_unit_test(test_unblocked_command_failed),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
