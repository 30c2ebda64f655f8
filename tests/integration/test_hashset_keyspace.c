/* Hashes and sets as keys: UNLINK of a 1,000,000-field hash answers at once
 * and the lazy-free thread gives the memory back; MEMORY USAGE of a big hash
 * with SAMPLES is an estimate close to the exact walk (SAMPLES 0) at a
 * fraction of its cost, as Redis 7.0 samples; eviction under maxmemory
 * removes a hash or a set as one key, never some of its fields; SMOVE
 * touches its target only when the member is new there. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "test_hiredis.h"
#include "test_info.h"
#include "test_server.h"

static test_server server;
static redisContext *redis;

static int group_setup(void **state) {
    (void)state;
    return test_group_start(&server, &redis, NULL);
}

static int group_teardown(void **state) {
    (void)state;
    return test_group_stop(&server, redis);
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* HSET key with `fields` fields, 100 a command, pipelined. */
static void fill_hash(const char *key, int fields) {
    int commands = 0;
    for (int first = 0; first < fields; first += 100) {
        const char *argv[202];
        size_t lengths[202];
        char texts[100][24];
        int argc = 0;
        argv[argc] = "HSET", lengths[argc++] = 4;
        argv[argc] = key, lengths[argc++] = strlen(key);
        for (int i = first; i < first + 100 && i < fields; i++) {
            int n = snprintf(texts[i - first], sizeof texts[0], "f:%08d", i);
            argv[argc] = texts[i - first], lengths[argc++] = (size_t)n;
            argv[argc] = texts[i - first] + 2, lengths[argc++] = (size_t)n - 2;
        }
        redisAppendCommandArgv(redis, argc, argv, lengths);
        commands++;
        if (commands == 200 || first + 100 >= fields) {
            for (; commands > 0; commands--) {
                redisReply *reply;
                assert_int_equal(redisGetReply(redis, (void **)&reply), REDIS_OK);
                expect_reply_type(reply, REDIS_REPLY_INTEGER);
                freeReplyObject(reply);
            }
        }
    }
}

static long long used_memory(void) {
    return test_info_require_field(redis, "memory", "used_memory");
}

static void test_unlink_big_hash(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "FLUSHALL"), "OK");
    long long baseline = used_memory();
    fill_hash("big", 1000000);
    expect_integer(redisCommand(redis, "HLEN big"), 1000000);
    long long filled = used_memory();
    assert_true(filled - baseline > 20 * 1000 * 1000);
    double start = now_ms();
    expect_integer(redisCommand(redis, "UNLINK big"), 1);
    double took = now_ms() - start;
    /* lazyfreed_objects below proves the free went to the background; the
     * bound only catches a reply that waited for it, with room for a loaded
     * 2-core machine (freeing on the loop takes a few hundred ms there). */
    assert_true(took < 150.0);
    expect_integer(redisCommand(redis, "EXISTS big"), 0);
    long long after = filled;
    for (int i = 0; i < 200 && after - baseline > 1024 * 1024; i++) {
        usleep(20000);
        after = used_memory();
    }
    assert_true(after - baseline <= 1024 * 1024);
    assert_true(test_info_require_field(redis, "memory", "lazyfreed_objects") >= 1);
}

static long long memory_usage(const char *samples) {
    redisReply *reply = samples ? redisCommand(redis, "MEMORY USAGE big SAMPLES %s", samples)
                                : redisCommand(redis, "MEMORY USAGE big");
    expect_reply_type(reply, REDIS_REPLY_INTEGER);
    long long bytes = reply->integer;
    freeReplyObject(reply);
    return bytes;
}

/* The server's own durations of the MEMORY USAGE calls in the slow log,
 * split by argument count (5: SAMPLES 0, the walk; 3: the default sample):
 * round trips on a loaded machine would time the scheduler instead. */
static void memory_usage_durations(double *walks, int *walk_count, double *samples, int *sample_count) {
    redisReply *log = redisCommand(redis, "SLOWLOG GET 128");
    expect_reply_type(log, REDIS_REPLY_ARRAY);
    *walk_count = *sample_count = 0;
    for (size_t i = 0; i < log->elements; i++) {
        redisReply *entry = log->element[i], *arguments = entry->element[3];
        if (arguments->elements < 2 || strcasecmp(arguments->element[0]->str, "MEMORY")) continue;
        double micros = (double)entry->element[2]->integer;
        if (arguments->elements == 5 && !strcmp(arguments->element[4]->str, "0")) walks[(*walk_count)++] = micros;
        else if (arguments->elements == 3) samples[(*sample_count)++] = micros;
    }
    freeReplyObject(log);
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_memory_usage_samples(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "FLUSHALL"), "OK");
    fill_hash("big", 300000);
    expect_status(redisCommand(redis, "CONFIG SET slowlog-log-slower-than 0"), "OK");
    expect_status(redisCommand(redis, "SLOWLOG RESET"), "OK");
    long long exact = 0, sampled = 0;
    for (int round = 0; round < 5; round++) {
        exact = memory_usage("0");
        sampled = memory_usage(NULL);
    }
    long long sampled_50 = memory_usage("50");
    double exact_times[8], sampled_times[8];
    int exact_count, sampled_count;
    memory_usage_durations(exact_times, &exact_count, sampled_times, &sampled_count);
    expect_status(redisCommand(redis, "CONFIG SET slowlog-log-slower-than 10000"), "OK");
    assert_int_equal(exact_count, 5);
    assert_int_equal(sampled_count, 5);
    qsort(exact_times, 5, sizeof(double), compare_doubles);
    qsort(sampled_times, 5, sizeof(double), compare_doubles);
    /* The estimate is close to the walk; the walk is the whole table. */
    assert_true(exact > 300000LL * 10);
    assert_true(sampled > exact * 85 / 100 && sampled < exact * 115 / 100);
    assert_true(sampled_50 > exact * 95 / 100 && sampled_50 < exact * 105 / 100);
    assert_true(sampled_times[2] * 4 < exact_times[2]);
    /* SAMPLES is checked as Redis checks it. */
    expect_error(redisCommand(redis, "MEMORY USAGE big SAMPLES -1"), "ERR syntax error");
    expect_error(redisCommand(redis, "MEMORY USAGE big SAMPLES x"), "ERR value is not an integer or out of range");
    expect_status(redisCommand(redis, "FLUSHALL"), "OK");
}

static void test_eviction_removes_whole_keys(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "FLUSHALL"), "OK");
    long long baseline = used_memory();
    char limit[32];
    snprintf(limit, sizeof limit, "%lld", baseline + 1536 * 1024);
    expect_status(redisCommand(redis, "CONFIG SET maxmemory-policy allkeys-random"), "OK");
    expect_status(redisCommand(redis, "CONFIG SET maxmemory %s", limit), "OK");
    /* 400 hashes of 200 fields and 400 sets of 200 members (~3 MB in zkv), each
     * written by 4 commands of 50 elements. */
    for (int k = 0; k < 400; k++) {
        for (int i = 0; i < 200; i += 50) {
            char command[4096];
            int n = snprintf(command, sizeof command, "HSET h:%d", k);
            for (int j = i; j < i + 50; j++) n += snprintf(command + n, sizeof command - (size_t)n, " field:%d value:%d", j, j);
            redisAppendCommand(redis, command);
            n = snprintf(command, sizeof command, "SADD s:%d", k);
            for (int j = i; j < i + 50; j++) n += snprintf(command + n, sizeof command - (size_t)n, " member:%d", j);
            redisAppendCommand(redis, command);
        }
        for (int r = 0; r < 8; r++) {
            redisReply *reply;
            assert_int_equal(redisGetReply(redis, (void **)&reply), REDIS_OK);
            expect_reply_type(reply, REDIS_REPLY_INTEGER);
            freeReplyObject(reply);
        }
    }
    assert_true(test_info_require_field(redis, "stats", "evicted_keys") > 0);
    assert_true(used_memory() <= baseline + 1536 * 1024 + 256 * 1024);
    int kept = 0;
    for (int k = 0; k < 400; k++) {
        redisReply *h = redisCommand(redis, "HLEN h:%d", k), *s = redisCommand(redis, "SCARD s:%d", k);
        expect_reply_type(h, REDIS_REPLY_INTEGER);
        expect_reply_type(s, REDIS_REPLY_INTEGER);
        /* A key is evicted whole: what is left holds the elements of
         * whole commands written after its last eviction, never a part of
         * one (a multiple of 50). */
        assert_true(h->integer % 50 == 0 && h->integer <= 200);
        assert_true(s->integer % 50 == 0 && s->integer <= 200);
        kept += h->integer == 200 ? 1 : 0;
        freeReplyObject(h);
        freeReplyObject(s);
    }
    assert_true(kept > 0);
    expect_status(redisCommand(redis, "CONFIG SET maxmemory 0"), "OK");
    expect_status(redisCommand(redis, "FLUSHALL"), "OK");
}

/* SMOVE of a member the target already holds changes only the source: a
 * client watching the target keeps its transaction (Redis 7.0). */
static void test_smove_touches_target_only_when_added(void **state) {
    (void)state;
    freeReplyObject(redisCommand(redis, "DEL src dst"));
    expect_integer(redisCommand(redis, "SADD src a b"), 2);
    expect_integer(redisCommand(redis, "SADD dst a"), 1);
    expect_status(redisCommand(redis, "WATCH dst"), "OK");
    expect_status(redisCommand(redis, "MULTI"), "OK");
    expect_status(redisCommand(redis, "SADD dst c"), "QUEUED");
    redisContext *other = test_redis_connect(server.port);
    expect_integer(redisCommand(other, "SMOVE src dst a"), 1);
    redisReply *exec = redisCommand(redis, "EXEC");
    expect_reply_type(exec, REDIS_REPLY_ARRAY);
    freeReplyObject(exec);
    expect_integer(redisCommand(redis, "SCARD dst"), 2);
    /* A member new to the target does change it. */
    expect_status(redisCommand(redis, "WATCH dst"), "OK");
    expect_status(redisCommand(redis, "MULTI"), "OK");
    expect_status(redisCommand(redis, "SADD dst d"), "QUEUED");
    expect_integer(redisCommand(other, "SMOVE src dst b"), 1);
    expect_nil(redisCommand(redis, "EXEC"));
    redisFree(other);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unlink_big_hash),
        cmocka_unit_test(test_memory_usage_samples),
        cmocka_unit_test(test_eviction_removes_whole_keys),
        cmocka_unit_test(test_smove_touches_target_only_when_added),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
