/* Unit tests of active defragmentation without sockets:
 *   - table_defrag_scan offers every entry and child bucket of a table that
 *     is being rehashed, and the table keeps working with what fn returned
 *     (any backend: the moves are done by the test itself);
 *   - a defrag pass over a fragmented keyspace moves blocks, keeps every
 *     key and value, and lowers the allocator's fragmentation (jemalloc
 *     only; elsewhere the pass must report that it cannot run and
 *     "activedefrag yes" must be refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "config_table.h"
#include "module.h"
#include "db.h"
#include "defrag.h"
#include "keyspace.h"
#include "lazyfree.h"
#include "server.h"
#include "zmalloc.h"

#define TEST_KEYS 60000

static object *make_key(int i) {
    char key[32], value[512];
    snprintf(key, sizeof key, "key:%d", i);
    size_t length = 20 + (size_t)(i * 7919 % 381); /* 20..400 bytes, spread over classes */
    for (size_t j = 0; j < length; j++) value[j] = (char)('a' + (i + (int)j) % 26);
    return object_create_string(key, strlen(key), value, length, OBJECT_STRING_RAW, OBJECT_NO_EXPIRE);
}

static void assert_key_intact(db *d, int i) {
    char key[32], expected[512], buffer[OBJECT_INTEGER_BUFFER];
    snprintf(key, sizeof key, "key:%d", i);
    object *o = db_lookup(d, key, strlen(key), DB_LOOKUP_NOSTATS | DB_LOOKUP_NOTOUCH);
    assert_non_null(o);
    size_t length = 20 + (size_t)(i * 7919 % 381), got;
    for (size_t j = 0; j < length; j++) expected[j] = (char)('a' + (i + (int)j) % 26);
    const char *bytes = object_string_bytes(o, &got, buffer);
    assert_int_equal(got, length);
    assert_memory_equal(bytes, expected, length);
}

/* ---- table_defrag_scan, by hand-made moves ---- */

typedef struct move_count {
    size_t entries, children;
} move_count;

static void *copy_block(void *privdata, void *pointer, bool child) {
    move_count *count = privdata;
    if (child)
        count->children++;
    else
        count->entries++;
    size_t size = child ? 64 : object_block_size(pointer);
    void *copy = zmalloc_alloc(size);
    memcpy(copy, pointer, size);
    memset(pointer, 0xdd, size); /* a reader of the old block would now fail */
    zmalloc_free(pointer);
    return copy;
}

static void test_table_scan_moves_everything(void **state) {
    (void)state;
    db d;
    db_init(&d, 0);
    for (int i = 0; i < 5000; i++) db_add(&d, make_key(i));
    for (int i = 5000; i < 5100; i++) db_add(&d, make_key(i)); /* crosses a resize: rehashing */
    assert_true(table_is_rehashing(d.keys) || table_child_buckets(d.keys) > 0);
    size_t children = table_child_buckets(d.keys), memory = table_memory(d.keys);
    move_count count = {0};
    unsigned long cursor = 0;
    do cursor = table_defrag_scan(d.keys, cursor, copy_block, &count);
    while (cursor != 0);
    assert_true(count.entries >= 5100); /* at least once each, as SCAN */
    assert_int_equal(count.children, children);
    assert_int_equal(table_memory(d.keys), memory);
    d.cached_slot = NULL;
    d.cached_object = NULL;
    for (int i = 0; i < 5100; i++) assert_key_intact(&d, i);
    for (int i = 0; i < 5100; i += 2) {
        char key[32];
        snprintf(key, sizeof key, "key:%d", i);
        assert_true(db_delete(&d, key, strlen(key), false));
    }
    assert_int_equal(db_size(&d), 2550);
    db_empty(&d); /* more keys than a synchronous free takes: the lazy-free thread frees them */
    lazyfree_wait_idle();
    table_release(d.keys);
}

/* ---- a pass over a fragmented keyspace ---- */

static double allocator_fragmentation(void) {
    zmalloc_allocator_stats stats;
    assert_int_equal(zmalloc_get_allocator_stats(&stats), 0);
    return (double)stats.active / (double)stats.allocated;
}

static void fragment(db *d, unsigned char *alive) {
    for (int i = 0; i < TEST_KEYS; i++) db_add(d, make_key(i));
    srand(9);
    for (int i = 0; i < TEST_KEYS; i++) {
        alive[i] = rand() % 100 >= 70;
        if (alive[i]) continue;
        char key[32];
        snprintf(key, sizeof key, "key:%d", i);
        db_delete(d, key, strlen(key), false);
    }
}

static void test_pass_compacts_memory(void **state) {
    (void)state;
    const config_parameter *enable = config_find("activedefrag");
    const char *error = NULL;
    if (defrag_run_pass() < 0) {
        assert_int_equal(config_parameter_set(enable, "yes", &error), -1);
        assert_non_null(strstr(error, "cannot be enabled"));
        skip();
    }
    assert_int_equal(config_parameter_set(enable, "yes", &error), 0);
    assert_int_equal(config_parameter_set(enable, "no", &error), 0);
    assert_int_equal(keyspace_init(2), 0);
    static unsigned char alive[TEST_KEYS];
    db *d = keyspace_db(1);
    fragment(d, alive);
    double before = allocator_fragmentation();
    assert_true(before > 1.3);
    long long moved = 0;
    for (int pass = 0; pass < 5; pass++) moved += defrag_run_pass();
    double after = allocator_fragmentation();
    print_message("allocator fragmentation %.3f -> %.3f, %lld blocks moved\n", before, after, moved);
    assert_true(moved > 0);
    /* ~5 MB stay: one partly used slab per size class is already a few
     * percent, so the bar is lower than the server test's 1.1 on 15 MB. */
    assert_true(after < 1.2);
    defrag_stats stats;
    defrag_get_stats(&stats);
    assert_int_equal(stats.hits, moved);
    assert_true(stats.key_hits > 0 && stats.misses > 0);
    for (int i = 0; i < TEST_KEYS; i++)
        if (alive[i]) assert_key_intact(d, i);
    keyspace_flush_all();
    lazyfree_wait_idle();
}

/* The memory module's parameters (activedefrag) and the keyspace's. */
extern const zkv_module core_module, keyspace_module, memory_module;
static const zkv_module *const modules[] = {&core_module, &keyspace_module, &memory_module, NULL};

int main(void) {
    module_register_all(modules);
    config_set_defaults();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_scan_moves_everything),
        cmocka_unit_test(test_pass_compacts_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
