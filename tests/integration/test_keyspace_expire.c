/* Integration tests of expiry: EXPIRE PEXPIRE EXPIREAT PEXPIREAT with
 * NX XX GT LT, TTL PTTL EXPIRETIME PEXPIRETIME PERSIST (replies checked
 * against redis-server 7.0.15), lazy expiry on access, active expiry in the
 * background, the precision of PX, and the INFO figures that follow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    expect_status(redisCommand(redis, "DEBUG SET-ACTIVE-EXPIRE 1"), "OK");
    expect_status(redisCommand(redis, "FLUSHALL"), "OK");
    return 0;
}

/* INFO keyspace's db0 line starts with `expected`. */
static void expect_keyspace(const char *expected) {
    char *db0 = test_info_field_string(redis, "keyspace", "db0");
    assert_non_null(db0);
    if (strncmp(db0, expected, strlen(expected)) != 0) print_error("db0:%s, expected db0:%s...\n", db0, expected);
    assert_int_equal(strncmp(db0, expected, strlen(expected)), 0);
    free(db0);
}

static long long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void test_conditions_and_errors(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "SET x v"), "OK");
    expect_integer(redisCommand(redis, "EXPIRE x 100 XX"), 0);
    expect_integer(redisCommand(redis, "EXPIRE x 100 GT"), 0);
    expect_integer(redisCommand(redis, "EXPIRE x 100 LT"), 1);
    expect_integer(redisCommand(redis, "EXPIRE x 200 NX"), 0);
    expect_integer(redisCommand(redis, "EXPIRE x 50 GT"), 0);
    expect_integer(redisCommand(redis, "EXPIRE x 500 GT"), 1);
    expect_integer(redisCommand(redis, "EXPIRE x 600 LT"), 0);
    expect_integer(redisCommand(redis, "EXPIRE x 60 LT"), 1);
    expect_integer(redisCommand(redis, "TTL x"), 60);
    expect_error(redisCommand(redis, "EXPIRE x 100 NX XX"),
                 "ERR NX and XX, GT or LT options at the same time are not compatible");
    expect_error(redisCommand(redis, "EXPIRE x 100 GT LT"), "ERR GT and LT options at the same time are not compatible");
    expect_error(redisCommand(redis, "EXPIRE x 100 bad"), "ERR Unsupported option bad");
    expect_error(redisCommand(redis, "EXPIRE x abc"), "ERR value is not an integer or out of range");
    expect_error(redisCommand(redis, "EXPIRE x 9223372036854775807"), "ERR invalid expire time in 'expire' command");
    expect_error(redisCommand(redis, "PEXPIRE x 9223372036854775807"), "ERR invalid expire time in 'pexpire' command");
    expect_integer(redisCommand(redis, "EXPIRE nokey 10"), 0);
}

static void test_ttl_family(void **state) {
    (void)state;
    expect_integer(redisCommand(redis, "TTL nokey"), -2);
    expect_integer(redisCommand(redis, "PTTL nokey"), -2);
    expect_integer(redisCommand(redis, "EXPIRETIME nokey"), -2);
    expect_status(redisCommand(redis, "SET x v"), "OK");
    expect_integer(redisCommand(redis, "TTL x"), -1);
    expect_integer(redisCommand(redis, "PEXPIRETIME x"), -1);
    expect_integer(redisCommand(redis, "EXPIREAT x 9999999999"), 1);
    expect_integer(redisCommand(redis, "EXPIRETIME x"), 9999999999LL);
    expect_integer(redisCommand(redis, "PEXPIRETIME x"), 9999999999000LL);
    expect_integer(redisCommand(redis, "PEXPIREAT x 9223372036854775807"), 1);
    expect_integer(redisCommand(redis, "PEXPIRETIME x"), 9223372036854775807LL);
    expect_integer(redisCommand(redis, "PERSIST x"), 1);
    expect_integer(redisCommand(redis, "PERSIST x"), 0);
    expect_integer(redisCommand(redis, "PERSIST nokey"), 0);
    expect_integer(redisCommand(redis, "TTL x"), -1);
    expect_integer(redisCommand(redis, "PEXPIRE x 100500"), 1);
    redisReply *reply = redisCommand(redis, "TTL x"); /* 100.5 s rounds up */
    expect_reply_type(reply, REDIS_REPLY_INTEGER);
    assert_true(reply->integer == 101 || reply->integer == 100);
    freeReplyObject(reply);
    /* A time in the past deletes at once. */
    expect_integer(redisCommand(redis, "EXPIRE x -1"), 1);
    expect_integer(redisCommand(redis, "EXISTS x"), 0);
    expect_status(redisCommand(redis, "SET y v"), "OK");
    expect_integer(redisCommand(redis, "PEXPIREAT y 1"), 1);
    expect_integer(redisCommand(redis, "EXISTS y"), 0);
}

/* With active expiry off, an expired key stays in the table until touched;
 * the access deletes it and counts expired_keys. */
static void test_lazy_expiry_and_px_precision(void **state) {
    (void)state;
    expect_status(redisCommand(redis, "DEBUG SET-ACTIVE-EXPIRE 0"), "OK");
    long long expired_before = test_info_field(redis, "stats", "expired_keys");
    long long set_at = now_ms();
    expect_status(redisCommand(redis, "SET p v PX 300"), "OK");
    usleep(150000);
    if (now_ms() - set_at < 280) expect_bulk(redisCommand(redis, "GET p"), "v");
    usleep(250000);
    expect_integer(redisCommand(redis, "DBSIZE"), 1); /* still stored */
    expect_nil(redisCommand(redis, "GET p"));
    expect_integer(redisCommand(redis, "DBSIZE"), 0);
    assert_int_equal(test_info_field(redis, "stats", "expired_keys"), expired_before + 1);
}

/* Active expiry removes keys nobody touches: 20,000 keys expiring at once
 * (1.5 s after being set, so that INFO sees them all first even on a busy
 * machine)
 * are gone within seconds, and INFO keyspace counts keys with a TTL. */
static void test_active_expiry(void **state) {
    (void)state;
    const int count = 20000;
    for (int i = 0; i < count; i++) redisAppendCommand(redis, "SET temp:%d v PX 1500", i);
    for (int i = 0; i < count; i++) freeReplyObject(next_reply(redis));
    expect_status(redisCommand(redis, "SET keep v EX 1000"), "OK");
    expect_status(redisCommand(redis, "SET plain v"), "OK");
    expect_keyspace("keys=20002,expires=20001,avg_ttl=");
    long long deadline = now_ms() + 15000, size = -1;
    while (now_ms() < deadline) {
        redisReply *reply = redisCommand(redis, "DBSIZE");
        size = reply->integer;
        freeReplyObject(reply);
        if (size == 2) break;
        usleep(50000);
    }
    assert_int_equal(size, 2);
    assert_true(test_info_field(redis, "stats", "expired_keys") >= count);
    expect_keyspace("keys=2,expires=1,avg_ttl=");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_conditions_and_errors, flush),
        cmocka_unit_test_setup(test_ttl_family, flush),
        cmocka_unit_test_setup(test_lazy_expiry_and_px_precision, flush),
        cmocka_unit_test_setup(test_active_expiry, flush),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
