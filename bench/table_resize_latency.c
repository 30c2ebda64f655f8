/* table_resize_latency: how long each lib/table insert takes while a table
 * of keys grows to N entries, and in particular the insert that starts a
 * doubling (issue 21, item 9: "make the work per step at a resize as small
 * as the rest").
 *
 * Each entry is a zmalloc'd key as the keyspace's are; each insert is timed
 * in the thread's CPU time, so page faults and the allocator's zeroing of a
 * new bucket array count, as they do for the event loop, and preemption by
 * other processes (a shared machine) does not.  Old arrays are handed
 * to a list freed after the run (the keyspace gives them to its lazy-free
 * thread), so their unmapping is not measured.  --dirty MB first allocates,
 * touches and frees that much, so a new array may be carved from dirty pages
 * that must be zeroed (the case a long-running server is in).
 *
 * Usage: table_resize_latency [--count N] [--dirty MB]
 * Prints one line per doubling (entries, new array size, the latency of
 * the insert that started it and of the one that installed the new array:
 * the same insert when the array is calloc'd at once) and the p50/p99.9/max of all inserts with where the
 * ten slowest were.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "table.h"
#include "zmalloc.h"

typedef struct key_entry {
    uint32_t length;
    char key[];
} key_entry;

static void entry_key(const void *entry, const char **key, size_t *length) {
    const key_entry *e = entry;
    *key = e->key;
    *length = e->length;
}

static void entry_free(void *entry) { zmalloc_free(entry); }

/* Old arrays wait here until the end, as they would in the lazy-free queue. */
static void *retired[64];
static int retired_count;
static void array_keep(void *array) {
    if (retired_count < 64) retired[retired_count++] = array;
    else zmalloc_free(array);
}

static const table_type type = {entry_key, entry_free, array_keep, NULL};

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    size_t count = 4000000, dirty_mb = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--count")) count = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--dirty")) dirty_mb = strtoull(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "usage: table_resize_latency [--count N] [--dirty MB]\n");
            return 2;
        }
    }
    if (dirty_mb) {
        /* 1 MB blocks, freed together: the allocator keeps their pages as
         * dirty extents it merges and carves later big arrays from. */
        char **block = malloc(dirty_mb * sizeof(*block));
        for (size_t i = 0; i < dirty_mb; i++) {
            block[i] = zmalloc_alloc(1 << 20);
            memset(block[i], 0xa5, 1 << 20);
        }
        for (size_t i = 0; i < dirty_mb; i++) zmalloc_free(block[i]);
        free(block);
    }
    table *t = table_create(&type);
    uint32_t *latency_ns = malloc(count * sizeof(*latency_ns));
    size_t capacity = table_slot_capacity(t), started_at = 0;
    bool resizing = false;
    int64_t start_latency = 0;
    for (size_t i = 0; i < count; i++) {
        char text[32];
        int length = snprintf(text, sizeof(text), "key:%012zu", i);
        key_entry *e = zmalloc_alloc(sizeof(*e) + (size_t)length);
        e->length = (uint32_t)length;
        memcpy(e->key, text, (size_t)length);
        uint64_t hash = table_hash_key(e->key, e->length);
        int64_t start = now_ns();
        table_insert(t, e, hash, false);
        int64_t took = now_ns() - start;
        latency_ns[i] = took > UINT32_MAX ? UINT32_MAX : (uint32_t)took;
        size_t now_capacity = table_slot_capacity(t);
        bool now_resizing = table_is_rehashing(t);
        if (now_resizing && !resizing) {
            start_latency = took;
            started_at = i + 1;
        }
        if (now_capacity > capacity && now_resizing)
            printf("doubling at %zu entries (array installed at %zu): new array %zu MB, first insert %.1f us, "
                   "installing insert %.1f us\n",
                   started_at, i + 1, (now_capacity - capacity) / TABLE_BUCKET_SLOTS * 64 / (1 << 20),
                   (double)start_latency / 1000, (double)took / 1000);
        resizing = now_resizing;
        capacity = now_capacity;
    }
    /* The ten slowest, with where they were. */
    for (int rank = 0; rank < 10; rank++) {
        size_t worst = 0;
        for (size_t i = 1; i < count; i++)
            if (latency_ns[i] > latency_ns[worst]) worst = i;
        printf("slow #%d: insert %zu took %.1f us\n", rank + 1, worst + 1, (double)latency_ns[worst] / 1000);
        latency_ns[worst] = 0; /* out of the next ranks (the percentiles below are then a hair low) */
    }
    qsort(latency_ns, count, sizeof(*latency_ns), compare_u32);
    printf("inserts=%zu p50_ns=%u p99_ns=%u p999_ns=%u max_after_top10_ns=%u\n", count, latency_ns[count / 2],
           latency_ns[count / 100 * 99], latency_ns[count / 1000 * 999], latency_ns[count - 1]);
    table_release(t);
    for (int i = 0; i < retired_count; i++) zmalloc_free(retired[i]);
    free(latency_ns);
    return 0;
}
