/* Integration tests of INFO memory and the MEMORY commands: every Redis 7.0
 * field present, the ratios equal to their formulas from the same sample,
 * used_memory following the data, MEMORY USAGE growing with the value, the
 * replies and error texts of MEMORY (checked against redis-server 7.0.15),
 * the accuracy of used_memory against jemalloc, and the upstream
 * memefficiency ratios held to zkv's stricter thresholds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_memory.h"
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

static int flush(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "FLUSHALL"), "OK");
    memory_wait_lazyfree(redis);
    return 0;
}

static const char *const memory_fields[] = {
    "used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human", "used_memory_peak",
    "used_memory_peak_human", "used_memory_peak_perc", "used_memory_overhead", "used_memory_startup",
    "used_memory_dataset", "used_memory_dataset_perc", "allocator_allocated", "allocator_active",
    "allocator_resident", "total_system_memory", "total_system_memory_human", "used_memory_lua",
    "used_memory_vm_eval", "used_memory_lua_human", "used_memory_scripts_eval", "number_of_cached_scripts",
    "number_of_functions", "number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total",
    "used_memory_vm_total_human", "used_memory_functions", "used_memory_scripts", "used_memory_scripts_human",
    "maxmemory", "maxmemory_human", "maxmemory_policy", "allocator_frag_ratio", "allocator_frag_bytes",
    "allocator_rss_ratio", "allocator_rss_bytes", "rss_overhead_ratio", "rss_overhead_bytes",
    "mem_fragmentation_ratio", "mem_fragmentation_bytes", "mem_not_counted_for_evict",
    "mem_replication_backlog", "mem_total_replication_buffers", "mem_clients_slaves", "mem_clients_normal",
    "mem_cluster_links", "mem_aof_buffer", "mem_allocator", "active_defrag_running",
    "lazyfree_pending_objects", "lazyfreed_objects", NULL};

/* Every field, in Redis's order, and nothing else. */
static void test_every_field_in_order(void **state) {
    (void)state;
    char *info = test_info_fetch(redis, "memory");
    const char *line = strchr(info, '\n') + 1; /* after "# Memory" */
    for (int i = 0; memory_fields[i]; i++) {
        size_t length = strlen(memory_fields[i]);
        if (strncmp(line, memory_fields[i], length) != 0 || line[length] != ':')
            print_error("expected %s at: %.40s\n", memory_fields[i], line);
        assert_true(strncmp(line, memory_fields[i], length) == 0 && line[length] == ':');
        line = strchr(line, '\n') + 1;
    }
    assert_true(*line == '\0' || strcmp(line, "\r\n") == 0);
    char value[64];
    const char *allocator = test_info_value(info, "mem_allocator", value, sizeof(value));
    assert_non_null(allocator);
    assert_true(strcmp(allocator, "jemalloc-5.3.0") == 0 || strcmp(allocator, "libc") == 0 ||
                strncmp(allocator, "tcmalloc-", 9) == 0);
    assert_non_null(test_info_value(info, "maxmemory_policy", value, sizeof(value)));
    assert_string_equal(value, "noeviction");
    free(info);
}

static void expect_ratio(double printed, long long numerator, long long denominator) {
    double exact = (double)numerator / (double)denominator;
    if (fabs(printed - exact) > 0.0051) print_error("ratio %.2f, expected %.4f\n", printed, exact);
    assert_true(fabs(printed - exact) <= 0.0051);
}

/* Ratios and differences from one sample; RSS plausible. */
static void test_ratios_match_formulas(void **state) {
    (void)state;
    memory_load(redis, "ratio:", 0, 50000, 100, 0);
    memory_sleep_ms(250);
    char *info = test_info_fetch(redis, "memory");
    long long allocated = test_info_require_integer(info, "allocator_allocated");
    long long active = test_info_require_integer(info, "allocator_active");
    long long resident = test_info_require_integer(info, "allocator_resident");
    long long rss = test_info_require_integer(info, "used_memory_rss");
    long long used = test_info_require_integer(info, "used_memory");
    assert_int_equal(test_info_require_integer(info, "allocator_frag_bytes"), active - allocated);
    expect_ratio(test_info_require_double(info, "allocator_frag_ratio"), active, allocated);
    assert_int_equal(test_info_require_integer(info, "allocator_rss_bytes"), resident - active);
    expect_ratio(test_info_require_double(info, "allocator_rss_ratio"), resident, active);
    assert_int_equal(test_info_require_integer(info, "rss_overhead_bytes"), rss - resident);
    expect_ratio(test_info_require_double(info, "rss_overhead_ratio"), rss, resident);
    long long sampled_used = rss - test_info_require_integer(info, "mem_fragmentation_bytes");
    expect_ratio(test_info_require_double(info, "mem_fragmentation_ratio"), rss, sampled_used);
    assert_true(llabs(sampled_used - used) < used / 100); /* idle: the sample is the live value */
#if !defined(__SANITIZE_ADDRESS__) /* ASan's shadow memory and quarantine are resident too */
    assert_true(rss > used && rss < 4 * used);
#endif
    long long overhead = test_info_require_integer(info, "used_memory_overhead");
    assert_int_equal(test_info_require_integer(info, "used_memory_dataset"), used - overhead);
    assert_true(test_info_require_integer(info, "used_memory_peak") >= used);
    free(info);
}

/* used_memory grows by about the data written and comes back after it goes. */
static void test_used_memory_follows_data(void **state) {
    (void)state;
    memory_sleep_ms(150);
    long long before = test_info_require_field(redis, "memory", "used_memory");
    memory_load(redis, "grow:", 0, 10000, 1000, 0); /* 10000 x ~1 KB */
    long long grown = test_info_require_field(redis, "memory", "used_memory") - before;
    expect_status(redisCommand(redis, "FLUSHALL SYNC"), "OK");
    memory_wait_lazyfree(redis); /* zkv's FLUSHALL frees in the background either way */
    long long after = test_info_require_field(redis, "memory", "used_memory");
    print_message("10000 x 1000 B: used_memory %lld, +%lld, back to %lld\n", before, grown, after);
    assert_true(grown > 10000 * 1000 && grown < 10000 * 1300);
    assert_true(llabs(after - before) < 64 * 1024);
}

static long long usage(const char *key) {
    redisReply *reply = redisCommand(redis, "MEMORY USAGE %s", key);
    expect_reply_type(reply, REDIS_REPLY_INTEGER);
    long long value = reply->integer;
    freeReplyObject(reply);
    return value;
}

static void test_memory_usage(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "SET small abc"), "OK");
    char big[5001];
    memset(big, 'x', 5000);
    big[5000] = '\0';
    expect_status(redisCommand(redis, "SET big %s", big), "OK");
    long long small_usage = usage("small");
    assert_true(small_usage >= 16 && small_usage < 256);
    assert_true(usage("big") >= 5000 && usage("big") < 5000 + 1024);
    assert_true(usage("big") > small_usage);
    expect_nil(redisCommand(redis, "MEMORY USAGE nokey"));
    expect_integer(redisCommand(redis, "MEMORY USAGE small SAMPLES 0"), small_usage);
    expect_error(redisCommand(redis, "MEMORY USAGE small SAMPLES x"), "ERR value is not an integer or out of range");
    expect_error(redisCommand(redis, "MEMORY USAGE small SAMPLES -1"), "ERR syntax error");
    expect_error(redisCommand(redis, "MEMORY USAGE small SAMPLES"), "ERR syntax error");
    expect_error(redisCommand(redis, "MEMORY USAGE small foo"), "ERR syntax error");
    expect_error(redisCommand(redis, "MEMORY USAGE"), "ERR wrong number of arguments for 'memory|usage' command");
    expect_error(redisCommand(redis, "MEMORY foo"), "ERR unknown subcommand 'foo'. Try MEMORY HELP.");
    expect_error(redisCommand(redis, "MEMORY DOCTOR x"), "ERR wrong number of arguments for 'memory|doctor' command");
}

/* MEMORY STATS: Redis's keys in order, figures consistent with INFO. */
static void test_memory_stats(void **state) {
    (void)state;
    memory_load(redis, "stats:", 0, 1000, 10, 0);
    redisReply *reply = redisCommand(redis, "MEMORY STATS");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    static const char *const keys[] = {
        "peak.allocated", "total.allocated", "startup.allocated", "replication.backlog", "clients.slaves",
        "clients.normal", "cluster.links", "aof.buffer", "lua.caches", "functions.caches", "db.0",
        "overhead.total", "keys.count", "keys.bytes-per-key", "dataset.bytes", "dataset.percentage",
        "peak.percentage", "allocator.allocated", "allocator.active", "allocator.resident",
        "allocator-fragmentation.ratio", "allocator-fragmentation.bytes", "allocator-rss.ratio",
        "allocator-rss.bytes", "rss-overhead.ratio", "rss-overhead.bytes", "fragmentation",
        "fragmentation.bytes"};
    size_t count = sizeof(keys) / sizeof(keys[0]);
    assert_int_equal(reply->elements, 2 * count);
    for (size_t i = 0; i < count; i++) assert_string_equal(reply->element[2 * i]->str, keys[i]);
    assert_int_equal(reply->element[25]->integer, 1000); /* keys.count */
    redisReply *db0 = reply->element[21];
    assert_int_equal(db0->elements, 6);
    assert_string_equal(db0->element[0]->str, "overhead.hashtable.main");
    assert_true(db0->element[1]->integer >= 8 * 1000);
    long long total = reply->element[3]->integer, startup = reply->element[5]->integer;
    assert_int_equal(reply->element[27]->integer, (total - startup) / 1000); /* keys.bytes-per-key */
    freeReplyObject(reply);
}

static char *bulk_text(redisReply *reply) {
    expect_reply_type(reply, REDIS_REPLY_STRING);
    char *text = strdup(reply->str);
    freeReplyObject(reply);
    return text;
}

static void test_doctor_purge_malloc_stats_help(void **state) {
    (void)state;
    char *doctor = bulk_text(redisCommand(redis, "MEMORY DOCTOR"));
    assert_non_null(strstr(doctor, "less than 5M"));
    free(doctor);
    memory_load(redis, "doctor:", 0, 20000, 500, 0);
    doctor = bulk_text(redisCommand(redis, "MEMORY DOCTOR"));
    assert_null(strstr(doctor, "less than 5M"));
    assert_non_null(strstr(doctor, "Memory report, used memory "));
    free(doctor);
    expect_status(redisCommand(redis, "FLUSHALL SYNC"), "OK");
    doctor = bulk_text(redisCommand(redis, "MEMORY DOCTOR"));
    free(doctor);
    expect_status(redisCommand(redis, "MEMORY PURGE"), "OK");
    char *stats = bulk_text(redisCommand(redis, "MEMORY MALLOC-STATS"));
    if (test_info_jemalloc(redis))
        assert_true(strncmp(stats, "___ Begin jemalloc statistics ___", 33) == 0);
    else
        assert_string_equal(stats, "Stats not supported for the current allocator");
    free(stats);
    redisReply *help = redisCommand(redis, "MEMORY HELP");
    expect_reply_type(help, REDIS_REPLY_ARRAY);
    assert_int_equal(help->elements, 14);
    assert_string_equal(help->element[0]->str,
                        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    assert_string_equal(help->element[9]->str, "USAGE <key> [SAMPLES <count>]");
    freeReplyObject(help);
}

/* The doctor speaks of the peak once memory fell far below it. */
static void test_doctor_reports_peak(void **state) {
    (void)state;
    memory_load(redis, "peak:", 0, 30000, 1000, 0);
    expect_status(redisCommand(redis, "FLUSHALL SYNC"), "OK");
    memory_load(redis, "rest:", 0, 6000, 1000, 0);
    char *doctor = bulk_text(redisCommand(redis, "MEMORY DOCTOR"));
    if (!strstr(doctor, "* Peak memory")) print_error("MEMORY DOCTOR said:\n%s\n", doctor);
    assert_non_null(strstr(doctor, "* Peak memory"));
    free(doctor);
}

/* Upstream memefficiency with zkv's thresholds: 10000 SETs key:<n> with
 * values of random length in [0, size). */
static void test_memefficiency(void **state) {
    (void)state;
    static const int sizes[] = {32, 64, 128, 1024, 16384};
    static const double minimum[] = {0.35, 0.50, 0.65, 0.80, 0.87};
    char *value = malloc(16384);
    memset(value, 'x', 16384);
    srand(1);
    for (int s = 0; s < 5; s++) {
        expect_status(redisCommand(redis, "FLUSHALL SYNC"), "OK");
        memory_wait_lazyfree(redis);
        long long before = test_info_require_field(redis, "memory", "used_memory");
        long long written = 0;
        for (int i = 0; i < 10000; i++) {
            char key[32];
            int key_length = snprintf(key, sizeof key, "key:%d", i);
            size_t length = (size_t)(rand() % sizes[s]);
            written += key_length + (long long)length;
            redisAppendCommand(redis, "SET %b %b", key, (size_t)key_length, value, length);
        }
        for (int i = 0; i < 10000; i++) freeReplyObject(next_reply(redis));
        long long grown = test_info_require_field(redis, "memory", "used_memory") - before;
        double efficiency = (double)written / (double)grown;
        print_message("memefficiency size %d: %.3f (minimum %.2f)\n", sizes[s], efficiency, minimum[s]);
        assert_true(efficiency >= minimum[s]);
    }
    free(value);
}

/* used_memory agrees with jemalloc's own count within 2%. */
static void test_accuracy_against_allocator(void **state) {
    (void)state;
    if (!test_info_jemalloc(redis)) skip();
    test_server fresh;
    assert_int_equal(test_server_start(&fresh, NULL), 0);
    redisContext *client = test_redis_connect(fresh.port);
    memory_load(client, "key:", 0, 1000000, 3, 0);
    memory_sleep_ms(250);
    char *info = test_info_fetch(client, "memory");
    long long used = test_info_require_integer(info, "used_memory");
    long long allocated = test_info_require_integer(info, "allocator_allocated");
    print_message("1000000 keys: used_memory %lld, allocator_allocated %lld (%.2f%%)\n", used, allocated,
                  100.0 * (double)llabs(used - allocated) / (double)allocated);
    free(info);
    redisFree(client);
    assert_int_equal(test_server_stop(&fresh), 0);
    assert_true(llabs(used - allocated) * 50 < allocated);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_every_field_in_order, flush),
        cmocka_unit_test_setup(test_ratios_match_formulas, flush),
        cmocka_unit_test_setup(test_used_memory_follows_data, flush),
        cmocka_unit_test_setup(test_memory_usage, flush),
        cmocka_unit_test_setup(test_memory_stats, flush),
        cmocka_unit_test_setup(test_doctor_purge_malloc_stats_help, flush),
        cmocka_unit_test_setup(test_doctor_reports_peak, flush),
        cmocka_unit_test_setup(test_memefficiency, flush),
        cmocka_unit_test_setup(test_accuracy_against_allocator, flush),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
