/* collections_memory: bytes per element of lib/'s collection structures
 * for each shape of issue 14's memory table, next to Redis 7.0.15's figure
 * (from /work/shared/reference/collections.md, measured on this machine
 * with Debian's jemalloc) and the target ratio; plus ns/op of
 * inserts and lookups to catch slow designs.
 *
 * Every figure is a zmalloc_used_memory() delta divided by the elements,
 * as Redis's figures are used_memory deltas: shapes with many keys store
 * each collection in zkv's real keyspace (db, table, object: the value
 * behind the key's pointer), so per-key costs are counted too.  For the
 * 5-field hash an estimate with the pack inside the key's own block is
 * printed as well (object.h's plan; not built yet).
 *
 * Usage: collections_memory [scale]   (scale 1 = the sizes; 0.1
 * divides every count by ten for a quick run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "hash.h"
#include "intset.h"
#include "lhash.h"
#include "pack.h"
#include "server.h"
#include "table.h"
#include "zmalloc.h"

static double scale = 1.0;
static uint64_t random_state = 88172645463325252ULL;

static uint64_t next_random(void) {
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    return random_state;
}

static long scaled(long count) {
    long n = (long)((double)count * scale);
    return n < 1 ? 1 : n;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* `length` random lowercase letters (never an integer). */
static void letters(char *out, size_t length) {
    for (size_t i = 0; i < length; i++) out[i] = (char)('a' + next_random() % 26);
}

static void report(const char *shape, double zkv, double redis, double target, const char *unit) {
    double ratio = zkv / redis;
    printf("%-52s %8.2f %8.2f %6.3f  <= %.2f %s  %s\n", shape, zkv, redis, ratio, target,
           ratio <= target ? "ok" : "MISSED", unit);
}

static void report_time(const char *what, double seconds, long operations) {
    printf("    %-48s %7.1f ns/op\n", what, seconds * 1e9 / (double)operations);
}

/* ---- keyspace helpers ---- */

static db keyspace;
static void (*value_free)(void *value);

/* The sample object of the 5-field estimate holds no value. */
static void free_value(void *value) {
    if (value != NULL) value_free(value);
}

static void keyspace_add(long index, enum object_type type, enum object_encoding encoding, void *value) {
    char key[32];
    int length = snprintf(key, sizeof key, "key:%012ld", index);
    db_add(&keyspace, object_create_pointer(key, (size_t)length, type, encoding, value, OBJECT_NO_EXPIRE));
}

/* Frees every key, the values with `free_function`. */
static void keyspace_empty(void (*free_function)(void *)) {
    value_free = free_function;
    db_empty(&keyspace);
    /* Big values are freed by the lazy-free thread: wait until it is done,
     * or the next shape's delta would be short by what it frees. */
    size_t last = 0;
    while (zmalloc_used_memory() != last) {
        last = zmalloc_used_memory();
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
}

static void keyspace_settle(void) {
    db_rehash_for(&keyspace, 1000000);
}

static void free_pack(void *value) {
    pack_free(value);
}
static void free_lhash(void *value) {
    lhash_free(value);
}
static void free_intset(void *value) {
    intset_free(value);
}

/* ---- shapes ---- */

static pack *pack_with_fields(int fields) {
    pack *p = pack_create();
    for (int f = 1; f <= fields; f++) {
        char field[16], value[8];
        int length = snprintf(field, sizeof field, "f%d", f);
        letters(value, sizeof value);
        elem_key k, v;
        elem_key_init(&k, field, (size_t)length);
        elem_key_init(&v, value, sizeof value);
        p = pack_append(p, &k);
        p = pack_append(p, &v);
    }
    return p;
}

static void shape_hash_five_fields(void) {
    long keys = scaled(1000000);
    size_t before = zmalloc_used_memory();
    for (long i = 0; i < keys; i++) keyspace_add(i, OBJECT_HASH, OBJECT_ENCODING_LISTPACK, pack_with_fields(5));
    keyspace_settle();
    double per_key = (double)(zmalloc_used_memory() - before) / (double)keys;
    report("1M keys x hash of 5 fields (pack behind key) /key", per_key, 168.5, 0.60, "B/key");
    /* With the pack inside the key's block: one block instead of two. */
    pack *sample = pack_with_fields(5);
    object *o = object_create_pointer("key:000000000000", 16, OBJECT_HASH, OBJECT_ENCODING_LISTPACK, NULL, OBJECT_NO_EXPIRE);
    double separate = (double)(zmalloc_good_size(object_block_size(o)) + pack_memory(sample));
    double embedded = (double)zmalloc_good_size(object_block_size(o) - sizeof(void *) + pack_bytes(sample));
    report("  same, estimate with pack inside the key block", per_key - separate + embedded, 168.5, 0.60, "B/key");
    object_free(o);
    pack_free(sample);
    keyspace_empty(free_pack);
}

static lhash *big_hash(long fields, double *insert_seconds) {
    lhash *h = lhash_create(hash_bytes, true);
    double start = now_seconds();
    for (long i = 0; i < fields; i++) {
        char field[16], value[8];
        int length = snprintf(field, sizeof field, "f:%08ld", i);
        letters(value, sizeof value);
        lhash_set(h, field, (size_t)length, value, sizeof value);
    }
    *insert_seconds = now_seconds() - start;
    return h;
}

static double time_hash_lookups(lhash *h, long fields) {
    double start = now_seconds();
    long found = 0;
    for (long i = 0; i < fields; i++) {
        char field[16];
        long id = (long)(next_random() % (uint64_t)fields);
        int length = snprintf(field, sizeof field, "f:%08ld", id);
        elem_view value;
        found += lhash_find(h, field, (size_t)length, &value);
    }
    if (found != fields) printf("lookup error: %ld of %ld found\n", found, fields);
    return now_seconds() - start;
}

static void shape_one_big_hash(void) {
    long fields = scaled(1000000);
    size_t before = zmalloc_used_memory();
    double insert_seconds;
    lhash *h = big_hash(fields, &insert_seconds);
    double per_field = (double)(zmalloc_used_memory() - before) / (double)fields;
    report("one hash of 1M fields (lhash)              /field", per_field, 72.5, 0.55, "B/field");
    report_time("HSET-like insert (incl. incremental growth)", insert_seconds, fields);
    report_time("HGET-like lookup (random fields)", time_hash_lookups(h, fields), fields);
    double start = now_seconds();
    for (long i = 0; i < fields; i++) {
        char field[16];
        int length = snprintf(field, sizeof field, "f:%08ld", i);
        lhash_delete(h, field, (size_t)length);
    }
    report_time("HDEL-like delete (incl. incremental shrink)", now_seconds() - start, fields);
    lhash_free(h);
}

/* Just below the threshold, as a pack: with 513 (lhash) it shows whether
 * crossing the threshold costs memory (Redis: x3.3). */
static void shape_hashes_512(void) {
    long keys = scaled(2000);
    size_t before = zmalloc_used_memory();
    for (long i = 0; i < keys; i++) {
        pack *p = pack_create();
        for (long f = 0; f < 512; f++) {
            char field[16], value[8];
            int length = snprintf(field, sizeof field, "f:%08ld", f);
            letters(value, sizeof value);
            elem_key k, v;
            elem_key_init(&k, field, (size_t)length);
            elem_key_init(&v, value, sizeof value);
            p = pack_append(p, &k);
            p = pack_append(p, &v);
        }
        keyspace_add(i, OBJECT_HASH, OBJECT_ENCODING_LISTPACK, p);
    }
    keyspace_settle();
    double per_field = (double)(zmalloc_used_memory() - before) / (double)(keys * 512);
    report("2K keys x hash of 512 fields (pack)        /field", per_field, 24.3, 1.00, "B/field");
    keyspace_empty(free_pack);
}

static void shape_hashes_513(void) {
    long keys = scaled(2000);
    size_t before = zmalloc_used_memory();
    double ignored;
    for (long i = 0; i < keys; i++) keyspace_add(i, OBJECT_HASH, OBJECT_ENCODING_HASHTABLE, big_hash(513, &ignored));
    keyspace_settle();
    double per_field = (double)(zmalloc_used_memory() - before) / (double)(keys * 513);
    report("2K keys x hash of 513 fields (lhash)       /field", per_field, 80.4, 0.50, "B/field");
    keyspace_empty(free_lhash);
}

static void member(char out[16]) {
    out[0] = 'm';
    out[1] = ':';
    letters(out + 2, 14);
}

/* Reference for the timings (the machine is shared and noisy): the same
 * members in zkv's key table, one 17-byte block each (a length byte and
 * the bytes), as a set built on the keyspace's design would store them. */
static void reference_entry_key(const void *entry, const char **key, size_t *length) {
    const unsigned char *block = entry;
    *key = (const char *)block + 1;
    *length = block[0];
}

static void reference_entry_free(void *entry) {
    zmalloc_free(entry);
}

static void reference_key_table(char (*names)[16], long members) {
    static const table_type type = {reference_entry_key, reference_entry_free, NULL, NULL};
    size_t before = zmalloc_used_memory();
    table *t = table_create(&type);
    double start = now_seconds();
    for (long i = 0; i < members; i++) {
        unsigned char *block = zmalloc_alloc(17);
        block[0] = 16;
        memcpy(block + 1, names[i], 16);
        uint64_t hash = table_hash_key(names[i], 16);
        if (table_find(t, names[i], 16, hash) == NULL)
            table_insert(t, block, hash, false);
        else
            zmalloc_free(block);
    }
    double insert_seconds = now_seconds() - start;
    while (table_rehash_steps(t, 1000)) continue;
    double per_member = (double)(zmalloc_used_memory() - before) / (double)table_size(t);
    start = now_seconds();
    for (long i = 0; i < members; i++) {
        const char *name = names[next_random() % (uint64_t)members];
        table_find(t, name, 16, table_hash_key(name, 16));
    }
    double lookup_seconds = now_seconds() - start;
    printf("    reference: key table + one block per member: %.2f B/member\n", per_member);
    report_time("reference insert", insert_seconds, members);
    report_time("reference lookup (hit)", lookup_seconds, members);
    table_release(t);
}

static void shape_one_big_set(void) {
    long members = scaled(1000000);
    char (*names)[16] = malloc((size_t)members * 16);
    for (long i = 0; i < members; i++) member(names[i]);
    size_t before = zmalloc_used_memory();
    lhash *h = lhash_create(hash_bytes, false);
    double start = now_seconds();
    for (long i = 0; i < members; i++) lhash_set(h, names[i], 16, NULL, 0);
    double insert_seconds = now_seconds() - start;
    double per_member = (double)(zmalloc_used_memory() - before) / (double)lhash_count(h);
    report("one set of 1M 16-byte members (lhash)     /member", per_member, 71.4, 0.50, "B/member");
    report_time("SADD-like insert", insert_seconds, members);
    start = now_seconds();
    long found = 0;
    for (long i = 0; i < members; i++) found += lhash_find(h, names[next_random() % (uint64_t)members], 16, NULL);
    report_time("SISMEMBER-like lookup (hit)", now_seconds() - start, members);
    start = now_seconds();
    for (long i = 0; i < members; i++) {
        char miss[16];
        member(miss);
        miss[0] = 'M';
        found += lhash_find(h, miss, 16, NULL);
    }
    report_time("SISMEMBER-like lookup (miss, incl. making a key)", now_seconds() - start, members);
    start = now_seconds();
    long popped = 0;
    lhash_position position;
    while (popped < members / 2 && lhash_random(h, &position)) {
        lhash_delete_at(h, &position);
        popped++;
    }
    report_time("SPOP-like random pick + delete", now_seconds() - start, popped);
    lhash_free(h);
    reference_key_table(names, members);
    free(names);
}

static void shape_sets_of_100(void) {
    long keys = scaled(10000);
    size_t before = zmalloc_used_memory();
    for (long i = 0; i < keys; i++) {
        lhash *h = lhash_create(hash_bytes, false);
        for (int m = 0; m < 100; m++) {
            char name[16];
            member(name);
            lhash_set(h, name, 16, NULL, 0);
        }
        keyspace_add(i, OBJECT_SET, OBJECT_ENCODING_HASHTABLE, h);
    }
    keyspace_settle();
    double per_member = (double)(zmalloc_used_memory() - before) / (double)(keys * 100);
    report("10K keys x set of 100 16-byte members (lhash) /m", per_member, 75.9, 0.50, "B/member");
    keyspace_empty(free_lhash);

    before = zmalloc_used_memory();
    double start = now_seconds();
    for (long i = 0; i < keys; i++) {
        pack *p = pack_create();
        for (int m = 0; m < 100; m++) {
            char name[16];
            elem_key k;
            member(name);
            elem_key_init(&k, name, 16);
            if (pack_find(p, &k, 1) == 0) p = pack_append(p, &k);
        }
        keyspace_add(i, OBJECT_SET, OBJECT_ENCODING_HASHTABLE, p);
    }
    double seconds = now_seconds() - start;
    keyspace_settle();
    per_member = (double)(zmalloc_used_memory() - before) / (double)(keys * 100);
    report("  same as packs (if zkv packs sets <= 128)   /m", per_member, 75.9, 0.50, "B/member");
    report_time("pack: find + append, 0..100 members", seconds, keys * 100);
    keyspace_empty(free_pack);
}

static void shape_integer_set(void) {
    long members = scaled(1000000);
    size_t before = zmalloc_used_memory();
    lhash *h = lhash_create(hash_bytes, false);
    double start = now_seconds();
    for (long i = 0; i < members; i++) {
        char text[24];
        int length = snprintf(text, sizeof text, "%ld", i);
        lhash_set(h, text, (size_t)length, NULL, 0);
    }
    double seconds = now_seconds() - start;
    double per_member = (double)(zmalloc_used_memory() - before) / (double)members;
    report("one set of the integers 0..999,999 (lhash) /member", per_member, 48.5, 0.25, "B/member");
    report_time("SADD-like insert of integers", seconds, members);
    lhash_free(h);
}

static void shape_intsets_of_500(void) {
    long keys = scaled(2000);
    size_t before = zmalloc_used_memory();
    for (long i = 0; i < keys; i++) {
        intset *s = intset_create();
        while (intset_count(s) < 500) {
            bool added;
            s = intset_add(s, (int64_t)(next_random() % 32768), &added);
        }
        keyspace_add(i, OBJECT_SET, OBJECT_ENCODING_INTSET, s);
    }
    keyspace_settle();
    double per_member = (double)(zmalloc_used_memory() - before) / (double)(keys * 500);
    report("2K keys x intset of 500 small ints        /member", per_member, 2.32, 1.0, "B/member");
    keyspace_empty(free_intset);
}

/* Lookups in a 512-field pack: the price of the linear scan at Redis's
 * listpack limit. */
static void time_pack_lookups(void) {
    pack *p = pack_create();
    for (int f = 0; f < 512; f++) {
        char field[16], value[8];
        int length = snprintf(field, sizeof field, "f:%08d", f);
        letters(value, sizeof value);
        elem_key k, v;
        elem_key_init(&k, field, (size_t)length);
        elem_key_init(&v, value, sizeof value);
        p = pack_append(p, &k);
        p = pack_append(p, &v);
    }
    long lookups = 200000;
    double start = now_seconds();
    size_t found = 0;
    for (long i = 0; i < lookups; i++) {
        char field[16];
        int length = snprintf(field, sizeof field, "f:%08d", (int)(next_random() % 512));
        elem_key k;
        elem_key_init(&k, field, (size_t)length);
        found += pack_find(p, &k, 2) != 0;
    }
    report_time("pack: HGET-like lookup in a 512-field hash", now_seconds() - start, lookups);
    if (found != (size_t)lookups) printf("pack lookup error\n");
    pack_free(p);
}

int main(int argc, char **argv) {
    if (argc > 1) scale = atof(argv[1]);
    server_update_cached_time();
    hash_set_seed(0x1234567890abcdefULL);
    object_register_type(OBJECT_HASH, &(object_type_functions){.free_value = free_value});
    object_register_type(OBJECT_SET, &(object_type_functions){.free_value = free_value});
    db_init(&keyspace, 0);
    printf("allocator %s, scale %.3g\n", zmalloc_allocator_name(), scale);
    printf("%-52s %8s %8s %6s  %s\n", "shape", "zkv", "redis", "ratio", "target");
    shape_hash_five_fields();
    shape_one_big_hash();
    shape_hashes_512();
    shape_hashes_513();
    shape_one_big_set();
    shape_sets_of_100();
    shape_integer_set();
    shape_intsets_of_500();
    time_pack_lookups();
    return 0;
}
