/* Integration tests of the keyspace commands (DEL UNLINK EXISTS TYPE KEYS
 * SCAN RANDOMKEY RENAME RENAMENX COPY MOVE DBSIZE FLUSHDB FLUSHALL SWAPDB
 * TOUCH OBJECT) and of WATCH seeing their writes.  Replies and errors were
 * checked against redis-server 7.0.15.  One server for the whole file. */
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

static int flush(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "SELECT 0"), "OK");
    expect_status(redisCommand(redis, "FLUSHALL"), "OK");
    return 0;
}

static void test_delete_exists_type(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "MSET a 1 b 2 c 3 d 4"), "OK");
    expect_integer(redisCommand(redis, "DEL a nokey b"), 2);
    expect_integer(redisCommand(redis, "DEL a"), 0);
    expect_integer(redisCommand(redis, "UNLINK c nokey"), 1);
    expect_integer(redisCommand(redis, "EXISTS d d nokey"), 2);
    expect_status(redisCommand(redis, "TYPE d"), "string");
    expect_status(redisCommand(redis, "TYPE nokey"), "none");
    expect_integer(redisCommand(redis, "TOUCH d nokey d"), 2);
    expect_integer(redisCommand(redis, "DBSIZE"), 1);
    expect_error(redisCommand(redis, "DEL"), "ERR wrong number of arguments for 'del' command");
}

/* Sorts a reply's string elements into `out` (caller frees each). */
static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_keys_and_glob(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "MSET key:1 x key:2 y key:10 z other w"), "OK");
    redisReply *reply = redisCommand(redis, "KEYS key:?");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 2);
    char *names[2] = {reply->element[0]->str, reply->element[1]->str};
    qsort(names, 2, sizeof names[0], compare_strings);
    assert_string_equal(names[0], "key:1");
    assert_string_equal(names[1], "key:2");
    freeReplyObject(reply);
    reply = redisCommand(redis, "KEYS *");
    assert_int_equal(reply->elements, 4);
    freeReplyObject(reply);
    reply = redisCommand(redis, "KEYS key:[1]*");
    assert_int_equal(reply->elements, 2);
    freeReplyObject(reply);
    /* A pathological pattern answers at once and matches nothing. */
    size_t length = 100000;
    char *pattern = malloc(length + 1);
    for (size_t i = 0; i < length; i += 2) memcpy(pattern + i, "*?", 2);
    pattern[length] = '\0';
    struct timespec begin, end;
    clock_gettime(CLOCK_MONOTONIC, &begin);
    reply = redisCommand(redis, "KEYS %s", pattern);
    clock_gettime(CLOCK_MONOTONIC, &end);
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 0);
    freeReplyObject(reply);
    assert_true(end.tv_sec - begin.tv_sec < 2);
    free(pattern);
}

static void test_scan_options_and_errors(void **state) {
    (void)state;
    expect_error(redisCommand(redis, "SCAN abc"), "ERR invalid cursor");
    expect_error(redisCommand(redis, "SCAN %s", " 1"), "ERR invalid cursor");
    expect_error(redisCommand(redis, "SCAN 0 COUNT 0"), "ERR syntax error");
    expect_error(redisCommand(redis, "SCAN 0 COUNT x"), "ERR value is not an integer or out of range");
    expect_error(redisCommand(redis, "SCAN 0 MATCH"), "ERR syntax error");
    expect_error(redisCommand(redis, "SCAN 0 BAD 1"), "ERR syntax error");
    expect_status(redisCommand(redis, "SET x v"), "OK");
    redisReply *reply = redisCommand(redis, "SCAN 0 MATCH x COUNT 100 TYPE STRING");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_string_equal(reply->element[0]->str, "0");
    assert_int_equal(reply->element[1]->elements, 1);
    assert_string_equal(reply->element[1]->element[0]->str, "x");
    freeReplyObject(reply);
    reply = redisCommand(redis, "SCAN 0 TYPE list");
    assert_int_equal(reply->element[1]->elements, 0);
    freeReplyObject(reply);
}

/* SCAN returns every key present for the whole scan although the table
 * grows (keys added) and shrinks (those deleted again) between calls. */
static void test_scan_guarantee_while_resizing(void **state) {
    (void)state;
    const int stable = 3000;
    for (int i = 0; i < stable; i++) redisAppendCommand(redis, "SET stable:%d v", i);
    for (int i = 0; i < stable; i++) freeReplyObject(next_reply(redis));
    char *seen = calloc(stable, 1);
    unsigned long long cursor = 0;
    int round = 0, extra = 0;
    do {
        redisReply *reply = redisCommand(redis, "SCAN %llu COUNT 20", cursor);
        expect_reply_type(reply, REDIS_REPLY_ARRAY);
        cursor = strtoull(reply->element[0]->str, NULL, 10);
        for (size_t i = 0; i < reply->element[1]->elements; i++) {
            int number;
            if (sscanf(reply->element[1]->element[i]->str, "stable:%d", &number) == 1) seen[number] = 1;
        }
        freeReplyObject(reply);
        if (++round % 10 == 0 && extra == 0) {
            for (int i = 0; i < 20000; i++) redisAppendCommand(redis, "SET extra:%d v", i);
            for (int i = 0; i < 20000; i++) freeReplyObject(next_reply(redis));
            extra = 20000;
        } else if (round % 10 == 5 && extra > 0) {
            for (int i = 0; i < extra; i++) redisAppendCommand(redis, "DEL extra:%d", i);
            for (int i = 0; i < extra; i++) freeReplyObject(next_reply(redis));
            extra = 0;
        }
    } while (cursor != 0);
    for (int i = 0; i < stable; i++) assert_int_equal(seen[i], 1);
    free(seen);
}

static void test_randomkey(void **state) {
    (void)state;
    expect_nil(redisCommand(redis, "RANDOMKEY"));
    expect_status(redisCommand(redis, "SET only v"), "OK");
    expect_bulk(redisCommand(redis, "RANDOMKEY"), "only");
    /* Expired keys are never returned. */
    expect_status(redisCommand(redis, "DEBUG SET-ACTIVE-EXPIRE 0"), "OK");
    for (int i = 0; i < 50; i++) freeReplyObject(redisCommand(redis, "SET gone:%d v PX 1", i));
    usleep(20000);
    for (int i = 0; i < 20; i++) expect_bulk(redisCommand(redis, "RANDOMKEY"), "only");
    expect_status(redisCommand(redis, "DEBUG SET-ACTIVE-EXPIRE 1"), "OK");
}

static void test_rename(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "MSET a 1 b 2"), "OK");
    expect_error(redisCommand(redis, "RENAME nokey x"), "ERR no such key");
    expect_status(redisCommand(redis, "RENAME a a"), "OK");
    expect_integer(redisCommand(redis, "RENAMENX a a"), 0);
    expect_integer(redisCommand(redis, "RENAMENX a b"), 0);
    expect_status(redisCommand(redis, "RENAME a c"), "OK");
    expect_integer(redisCommand(redis, "EXISTS a"), 0);
    expect_bulk(redisCommand(redis, "GET c"), "1");
    expect_integer(redisCommand(redis, "RENAMENX c d"), 1);
    expect_status(redisCommand(redis, "SET t v EX 100"), "OK");
    expect_status(redisCommand(redis, "RENAME t b"), "OK");
    expect_integer(redisCommand(redis, "TTL b"), 100);
    char big[5000];
    memset(big, 'q', sizeof big);
    freeReplyObject(redisCommand(redis, "SET bigkey %b", big, sizeof big));
    expect_status(redisCommand(redis, "RENAME bigkey big2"), "OK");
    expect_integer(redisCommand(redis, "STRLEN big2"), (long long)sizeof big);
}

static void test_copy_and_move(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "SET k4 v"), "OK");
    expect_integer(redisCommand(redis, "COPY k4 k5"), 1);
    expect_integer(redisCommand(redis, "COPY k4 k5"), 0);
    expect_integer(redisCommand(redis, "COPY k4 k5 REPLACE"), 1);
    expect_error(redisCommand(redis, "COPY k4 k4"), "ERR source and destination objects are the same");
    expect_integer(redisCommand(redis, "COPY k4 k4 DB 1"), 1);
    expect_error(redisCommand(redis, "COPY k4 k4 DB x"), "ERR value is not an integer or out of range");
    expect_error(redisCommand(redis, "COPY k4 k4 DB 99"), "ERR DB index is out of range");
    expect_error(redisCommand(redis, "COPY k4 k4 DB"), "ERR syntax error");
    expect_integer(redisCommand(redis, "COPY nokey x"), 0);
    expect_status(redisCommand(redis, "SET t v EX 100"), "OK");
    expect_integer(redisCommand(redis, "COPY t t2"), 1);
    expect_integer(redisCommand(redis, "TTL t2"), 100);
    expect_integer(redisCommand(redis, "MOVE k4 1"), 0); /* exists in db 1 */
    expect_integer(redisCommand(redis, "MOVE k5 1"), 1);
    expect_integer(redisCommand(redis, "EXISTS k5"), 0);
    expect_error(redisCommand(redis, "MOVE k4 0"), "ERR source and destination objects are the same");
    expect_error(redisCommand(redis, "MOVE k4 16"), "ERR DB index is out of range");
    expect_error(redisCommand(redis, "MOVE k4 x"), "ERR value is not an integer or out of range");
    expect_integer(redisCommand(redis, "MOVE nokey 1"), 0);
    expect_status(redisCommand(redis, "SELECT 1"), "OK");
    expect_bulk(redisCommand(redis, "GET k5"), "v");
    expect_integer(redisCommand(redis, "DBSIZE"), 2);
}

static void test_swapdb_and_flush(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "SET in0 v"), "OK");
    expect_status(redisCommand(redis, "SWAPDB 0 1"), "OK");
    expect_integer(redisCommand(redis, "DBSIZE"), 0);
    expect_status(redisCommand(redis, "SELECT 1"), "OK");
    expect_bulk(redisCommand(redis, "GET in0"), "v");
    expect_error(redisCommand(redis, "SWAPDB 0 x"), "ERR invalid second DB index");
    expect_error(redisCommand(redis, "SWAPDB x 0"), "ERR invalid first DB index");
    expect_error(redisCommand(redis, "SWAPDB 0 16"), "ERR DB index is out of range");
    expect_status(redisCommand(redis, "SWAPDB 0 0"), "OK");
    expect_error(redisCommand(redis, "FLUSHDB BAD"), "ERR syntax error");
    expect_error(redisCommand(redis, "FLUSHDB ASYNC SYNC"), "ERR syntax error");
    expect_status(redisCommand(redis, "FLUSHDB SYNC"), "OK");
    expect_integer(redisCommand(redis, "DBSIZE"), 0);
    expect_status(redisCommand(redis, "SET x v"), "OK");
    expect_status(redisCommand(redis, "SELECT 2"), "OK");
    expect_status(redisCommand(redis, "SET y v"), "OK");
    expect_status(redisCommand(redis, "FLUSHALL ASYNC"), "OK");
    expect_integer(redisCommand(redis, "DBSIZE"), 0);
    expect_status(redisCommand(redis, "SELECT 1"), "OK");
    expect_integer(redisCommand(redis, "DBSIZE"), 0);
}

static void test_object(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "SET k v"), "OK");
    expect_integer(redisCommand(redis, "OBJECT IDLETIME k"), 0);
    expect_error(redisCommand(redis, "OBJECT FREQ k"),
                 "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
                 "when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    expect_integer(redisCommand(redis, "OBJECT REFCOUNT k"), 1);
    expect_nil(redisCommand(redis, "OBJECT IDLETIME nokey"));
    expect_error(redisCommand(redis, "OBJECT FOO"), "ERR unknown subcommand 'FOO'. Try OBJECT HELP.");
    redisReply *reply = redisCommand(redis, "OBJECT HELP");
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 15);
    assert_string_equal(reply->element[0]->str,
                        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    assert_string_equal(reply->element[13]->str, "HELP");
    freeReplyObject(reply);
    expect_status(redisCommand(redis, "CONFIG SET maxmemory-policy allkeys-lfu"), "OK");
    expect_status(redisCommand(redis, "SET f v"), "OK");
    expect_integer(redisCommand(redis, "OBJECT FREQ f"), 5);
    expect_status(redisCommand(redis, "CONFIG SET maxmemory-policy noeviction"), "OK");
}

/* WATCH sees writes, deletes, renames and FLUSHDB through the keyspace. */
static void test_watch_sees_keyspace_writes(void **state) {
    (void)state;
    const char *writes[] = {"SET w x", "DEL w", "RENAME other w", "FLUSHDB", "EXPIRE w 100", "APPEND w x"};
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        expect_status(redisCommand(redis, "MSET w 1 other 2"), "OK");
        expect_status(redisCommand(redis, "WATCH w"), "OK");
        redisContext *other = test_redis_connect(server.port);
        freeReplyObject(redisCommand(other, writes[i]));
        redisFree(other);
        expect_status(redisCommand(redis, "MULTI"), "OK");
        expect_status(redisCommand(redis, "GET w"), "QUEUED");
        redisReply *reply = redisCommand(redis, "EXEC");
        assert_non_null(reply);
        if (reply->type != REDIS_REPLY_NIL) print_error("EXEC ran after '%s'\n", writes[i]);
        assert_int_equal(reply->type, REDIS_REPLY_NIL);
        freeReplyObject(reply);
    }
}

/* Waits (bounded) until the lazy-free thread has nothing pending. */
static void wait_lazyfree_idle(void) {
    for (int i = 0; i < 500 && test_info_field(redis, "memory", "lazyfree_pending_objects") != 0; i++) usleep(10000);
    assert_int_equal(test_info_field(redis, "memory", "lazyfree_pending_objects"), 0);
}

/* FLUSHALL ASYNC and UNLINK of a big value free in the background thread:
 * the counters say so and the memory comes back. */
static void test_lazy_free(void **state) {
    (void)state;
    long long baseline = test_info_field(redis, "memory", "used_memory");
    expect_status(redisCommand(redis, "CONFIG RESETSTAT"), "OK");
    const int count = 100000;
    for (int i = 0; i < count; i++) redisAppendCommand(redis, "SET lazy:%d v", i);
    for (int i = 0; i < count; i++) freeReplyObject(next_reply(redis));
    assert_true(test_info_field(redis, "memory", "used_memory") > baseline + count * 20);
    expect_status(redisCommand(redis, "FLUSHALL ASYNC"), "OK");
    wait_lazyfree_idle();
    assert_int_equal(test_info_field(redis, "memory", "lazyfreed_objects"), count);
    assert_true(test_info_field(redis, "memory", "used_memory") < baseline + 64 * 1024);
    expect_integer(redisCommand(redis, "SETRANGE huge 8388607 x"), 8388608);
    expect_integer(redisCommand(redis, "UNLINK huge"), 1);
    wait_lazyfree_idle();
    assert_int_equal(test_info_field(redis, "memory", "lazyfreed_objects"), count + 1);
    expect_status(redisCommand(redis, "CONFIG RESETSTAT"), "OK");
    assert_int_equal(test_info_field(redis, "memory", "lazyfreed_objects"), 0);
}

/* Binary-safe keys and values, and a value of megabytes grown by APPEND. */
static void test_binary_and_large_values(void **state) {
    (void)state;
    redisReply *reply = redisCommand(redis, "SET %b %b", "k\0ey", (size_t)4, "v\0\r\nal", (size_t)6);
    expect_status(reply, "OK");
    reply = redisCommand(redis, "GET %b", "k\0ey", (size_t)4);
    expect_reply_type(reply, REDIS_REPLY_STRING);
    assert_int_equal(reply->len, 6);
    assert_memory_equal(reply->str, "v\0\r\nal", 6);
    freeReplyObject(reply);
    expect_integer(redisCommand(redis, "EXISTS %b", "k\0e", (size_t)3), 0);
    static char chunk[64 * 1024];
    for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (char)('a' + i % 26);
    for (int i = 0; i < 64; i++)
        expect_integer(redisCommand(redis, "APPEND big %b", chunk, sizeof chunk), (long long)sizeof chunk * (i + 1));
    reply = redisCommand(redis, "GET big");
    expect_reply_type(reply, REDIS_REPLY_STRING);
    assert_int_equal(reply->len, sizeof chunk * 64);
    assert_memory_equal(reply->str + sizeof chunk * 63, chunk, sizeof chunk);
    freeReplyObject(reply);
    expect_bulk(redisCommand(redis, "OBJECT ENCODING big"), "raw");
}

/* After mass deletion the table shrinks: used_memory comes back close to
 * where it was before the keys were added. */
static void test_memory_returns_after_mass_delete(void **state) {
    (void)state;
    long long baseline = test_info_field(redis, "memory", "used_memory");
    const int count = 200000;
    for (int i = 0; i < count; i++) redisAppendCommand(redis, "SET shrink:%d v", i);
    for (int i = 0; i < count; i++) freeReplyObject(next_reply(redis));
    long long loaded = test_info_field(redis, "memory", "used_memory");
    assert_true(loaded > baseline + (long long)count * 30);
    for (int i = 0; i < count; i++) redisAppendCommand(redis, "DEL shrink:%d", i);
    for (int i = 0; i < count; i++) freeReplyObject(next_reply(redis));
    long long after = loaded;
    for (int i = 0; i < 300 && after > baseline + 256 * 1024; i++) {
        usleep(10000);
        after = test_info_field(redis, "memory", "used_memory");
    }
    assert_true(after <= baseline + 256 * 1024);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_delete_exists_type, flush),
        cmocka_unit_test_setup(test_keys_and_glob, flush),
        cmocka_unit_test_setup(test_scan_options_and_errors, flush),
        cmocka_unit_test_setup(test_scan_guarantee_while_resizing, flush),
        cmocka_unit_test_setup(test_randomkey, flush),
        cmocka_unit_test_setup(test_rename, flush),
        cmocka_unit_test_setup(test_copy_and_move, flush),
        cmocka_unit_test_setup(test_swapdb_and_flush, flush),
        cmocka_unit_test_setup(test_object, flush),
        cmocka_unit_test_setup(test_watch_sees_keyspace_writes, flush),
        cmocka_unit_test_setup(test_lazy_free, flush),
        cmocka_unit_test_setup(test_binary_and_large_values, flush),
        cmocka_unit_test_setup(test_memory_returns_after_mass_delete, flush),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
