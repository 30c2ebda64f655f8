/* Unit tests of server/keyspace/db.c, keyspace.c and lazyfree.c without sockets:
 * lazy expiry and its counters, hit/miss accounting, TTL bookkeeping through
 * replacements and in-place growth, moves that keep the LRU clock, emptying
 * in the background, and the active expiry sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"
#include "keyspace.h"
#include "lazyfree.h"
#include "server.h"
#include "zmalloc.h"

#define NOW_MS 1700000000000LL

static object *string_object(const char *key, const char *value, long long expire) {
    return object_create_string(key, strlen(key), value, strlen(value), OBJECT_STRING_AUTO, expire);
}

static object *lookup(db *d, const char *key, int flags) {
    return db_lookup(d, key, strlen(key), flags);
}

static int setup(void **state) {
    (void)state;
    server.unix_time_ms = NOW_MS;
    server.stats = (server_stats){0};
    return 0;
}

static void test_lazy_expiry(void **state) {
    (void)state;
    db d;
    db_init(&d, 0);
    db_add(&d, string_object("soon", "v", NOW_MS + 1000));
    db_add(&d, string_object("plain", "v", OBJECT_NO_EXPIRE));
    assert_int_equal(d.expires, 1);
    assert_non_null(lookup(&d, "soon", 0));
    assert_int_equal(server.stats.keyspace_hits, 1);
    server.unix_time_ms = NOW_MS + 1000; /* not yet: Redis expires when now > time */
    assert_non_null(lookup(&d, "soon", DB_LOOKUP_NOSTATS));
    server.unix_time_ms = NOW_MS + 1001;
    assert_non_null(lookup(&d, "soon", DB_LOOKUP_NOEXPIRE | DB_LOOKUP_NOSTATS));
    assert_null(lookup(&d, "soon", 0));
    assert_int_equal(server.stats.keyspace_misses, 1);
    assert_int_equal(server.stats.expired_keys, 1);
    assert_int_equal(db_size(&d), 1);
    assert_int_equal(d.expires, 0);
    assert_null(lookup(&d, "absent", DB_LOOKUP_WRITE));
    assert_int_equal(server.stats.keyspace_misses, 1); /* writes do not count */
    db_empty(&d);
    table_release(d.keys);
}

/* The TTL count follows replacements, in-place growth (the object moves)
 * and explicit changes. */
static void test_expire_bookkeeping(void **state) {
    (void)state;
    db d;
    db_init(&d, 0);
    db_add(&d, string_object("k", "v", NOW_MS + 5000));
    db_set(&d, string_object("k", "w", OBJECT_NO_EXPIRE));
    assert_int_equal(d.expires, 0);
    object *o = lookup(&d, "k", DB_LOOKUP_WRITE);
    o = db_set_expire(&d, o, NOW_MS + 9000);
    assert_int_equal(d.expires, 1);
    assert_int_equal(object_expire(lookup(&d, "k", DB_LOOKUP_NOSTATS)), NOW_MS + 9000);
    for (size_t length = 2; length < 2000; length += 97) {
        o = lookup(&d, "k", DB_LOOKUP_WRITE);
        char *bytes;
        object *grown = object_string_resize(o, length, &bytes);
        bytes[length - 1] = 'z';
        db_update(&d, o, grown);
        object *found = lookup(&d, "k", DB_LOOKUP_NOSTATS);
        assert_ptr_equal(found, grown);
        assert_int_equal(object_string_length(found), length);
        assert_int_equal(object_expire(found), NOW_MS + 9000);
    }
    assert_int_equal(d.expires, 1);
    o = lookup(&d, "k", DB_LOOKUP_WRITE);
    db_set_expire(&d, o, OBJECT_NO_EXPIRE);
    assert_int_equal(d.expires, 0);
    assert_true(db_delete(&d, "k", 1, false));
    assert_false(db_delete(&d, "k", 1, false));
    assert_int_equal(db_size(&d), 0);
    table_release(d.keys);
}

/* A rename or move keeps the LRU clock; a new key gets the current one. */
static void test_moves_keep_the_clock(void **state) {
    (void)state;
    db first, second;
    db_init(&first, 0);
    db_init(&second, 1);
    db_add(&first, string_object("k", "v", NOW_MS + 60000));
    server.unix_time_ms = NOW_MS + 50000;
    assert_int_equal(db_object_idle_ms(lookup(&first, "k", DB_LOOKUP_NOTOUCH)), 50000);
    object *taken = db_take(&first, "k", 1);
    assert_int_equal(first.expires, 0);
    db_add_keep_clock(&second, object_rename(taken, "renamed", 7));
    object *moved = lookup(&second, "renamed", DB_LOOKUP_NOTOUCH);
    assert_int_equal(db_object_idle_ms(moved), 50000);
    assert_int_equal(object_expire(moved), NOW_MS + 60000);
    assert_int_equal(second.expires, 1);
    db_swap(&first, &second);
    assert_int_equal(first.index, 0);
    assert_int_equal(db_size(&first), 1);
    assert_int_equal(first.expires, 1);
    assert_non_null(lookup(&first, "renamed", 0));
    assert_int_equal(db_object_idle_ms(lookup(&first, "renamed", DB_LOOKUP_NOTOUCH)), 0);
    table_release(first.keys);
    table_release(second.keys);
}

/* Emptying a big database returns at once; the lazy-free thread gives the
 * memory back and counts the keys. */
static void test_empty_in_background(void **state) {
    (void)state;
    size_t before = zmalloc_used_memory();
    long long freed_before = lazyfree_freed_objects();
    db d;
    db_init(&d, 0);
    for (int i = 0; i < 50000; i++) {
        char key[32];
        snprintf(key, sizeof key, "key:%d", i);
        db_add(&d, string_object(key, "v", OBJECT_NO_EXPIRE));
    }
    assert_int_equal(db_empty(&d), 50000);
    assert_int_equal(db_size(&d), 0);
    lazyfree_wait_idle();
    assert_int_equal(lazyfree_pending_objects(), 0);
    assert_int_equal(lazyfree_freed_objects() - freed_before, 50000);
    table_release(d.keys);
    assert_int_equal(zmalloc_used_memory(), before);
}

/* The sweep deletes expired keys it was never asked about, keeps the live
 * ones, and estimates avg_ttl and the stale share. */
static void test_active_expire(void **state) {
    (void)state;
    assert_int_equal(keyspace_init(4), 0);
    db *d = keyspace_db(2);
    for (int i = 0; i < 30000; i++) {
        char key[32];
        snprintf(key, sizeof key, "temp:%d", i);
        db_add(d, string_object(key, "v", NOW_MS + 10));
    }
    for (int i = 0; i < 100; i++) {
        char key[32];
        snprintf(key, sizeof key, "live:%d", i);
        db_add(d, string_object(key, "v", NOW_MS + 100000));
    }
    db_add(d, string_object("plain", "v", OBJECT_NO_EXPIRE));
    server.unix_time_ms = NOW_MS + 1000;
    for (int round = 0; round < 10000 && d->expires > 100; round++)
        keyspace_active_expire(server.unix_time_ms, 1000);
    assert_int_equal(d->expires, 100);
    assert_int_equal(db_size(d), 101);
    assert_int_equal(server.stats.expired_keys, 30000);
    assert_true(keyspace_expired_stale_percentage() > 0);
    for (int round = 0; round < 200; round++) keyspace_active_expire(server.unix_time_ms, 1000);
    assert_true(d->average_ttl > 90000 && d->average_ttl <= 99000);
    assert_int_equal(keyspace_key_exists(2, "plain", 5), 1);
    assert_int_equal(keyspace_key_exists(2, "temp:1", 6), 0);
    keyspace_flush_all();
    assert_int_equal(db_size(d), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_lazy_expiry, setup),
        cmocka_unit_test_setup(test_expire_bookkeeping, setup),
        cmocka_unit_test_setup(test_moves_keep_the_clock, setup),
        cmocka_unit_test_setup(test_empty_in_background, setup),
        cmocka_unit_test_setup(test_active_expire, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
