/* keyspace_memory_bench: used_memory per key of zkv's keyspace.
 *
 * Inserts N keys of the redis-benchmark shape ("key:%012d", 16 bytes, value
 * "xxx") through the db API, then gives every key a TTL, and prints the
 * bytes of used_memory per key in both states (everything counted through
 * zmalloc: table buckets, child buckets and objects).  Also times the
 * inserts.  Usage: keyspace_memory_bench [keys] (default 1000000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "db.h"
#include "server.h"
#include "zmalloc.h"

static double bench_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    long keys = argc > 1 ? atol(argv[1]) : 1000000;
    server_update_cached_time();
    size_t before = zmalloc_used_memory();
    db d;
    db_init(&d, 0);
    double start = bench_seconds();
    for (long i = 0; i < keys; i++) {
        char key[32];
        int length = snprintf(key, sizeof key, "key:%012ld", i);
        db_set(&d, object_create_string(key, (size_t)length, "xxx", 3, OBJECT_STRING_AUTO, OBJECT_NO_EXPIRE));
    }
    double elapsed = bench_seconds() - start;
    while (table_is_rehashing(d.keys)) db_rehash_for(&d, 1000);
    size_t plain = zmalloc_used_memory() - before;
    long long expire = server_unix_time_ms() + 3600 * 1000;
    for (long i = 0; i < keys; i++) {
        char key[32];
        int length = snprintf(key, sizeof key, "key:%012ld", i);
        object *o = db_lookup_write(&d, key, (size_t)length);
        db_set_expire(&d, o, expire);
    }
    size_t with_ttl = zmalloc_used_memory() - before;
    printf("keys: %ld (%lld in the db, %lld with a TTL)\n", keys, db_size(&d), d.expires);
    printf("used_memory per key, no TTL:   %.1f bytes\n", (double)plain / (double)keys);
    printf("used_memory per key, with TTL: %.1f bytes\n", (double)with_ttl / (double)keys);
    printf("table bytes per key:           %.1f\n", (double)table_memory(d.keys) / (double)keys);
    printf("inserts: %.0f per second\n", (double)keys / elapsed);
    return 0;
}
