/* zmalloc_backend: the rarely taken paths of the backend primitives.
 *
 * jemalloc: a thread's first counted allocation or free registers its
 * used_memory slot, then asks jemalloc for the addresses of the thread's
 * byte totals (see zmalloc_backend.h).  Without them (jemalloc built
 * without statistics, or a thread whose slot has already retired at exit)
 * zmalloc asks the size of each block instead and counts through the
 * checked counter path: slower, but as exact.
 *
 * tcmalloc: the first allocation to find the size table empty fills it,
 * publishing it only if every size sharing an entry has the same class.
 */
#include "zmalloc_backend.h"

#if defined(ZMALLOC_BACKEND_JEMALLOC)
#include <stdatomic.h>

_Thread_local zmalloc_jemalloc_thread_totals zmalloc_jemalloc_totals;
static atomic_int jemalloc_totals_unavailable;

/* Returns 1 once the calling thread may take the fast path. */
static int zmalloc_jemalloc_start_thread(void) {
    if (atomic_load_explicit(&jemalloc_totals_unavailable, memory_order_relaxed)) return 0;
    if (!zmalloc_counter_thread_registered()) return 0;
    uint64_t *allocated, *deallocated;
    size_t length = sizeof(allocated);
    if (mallctl("thread.allocatedp", &allocated, &length, NULL, 0) != 0 ||
        mallctl("thread.deallocatedp", &deallocated, &length, NULL, 0) != 0) {
        atomic_store_explicit(&jemalloc_totals_unavailable, 1, memory_order_relaxed);
        return 0;
    }
    zmalloc_jemalloc_totals.allocated = allocated;
    zmalloc_jemalloc_totals.deallocated = deallocated;
    return 1;
}

void *zmalloc_jemalloc_allocate_slow(size_t size, int zeroed) {
    if (zmalloc_jemalloc_start_thread()) return zmalloc_backend_allocate_counted(size, zeroed);
    void *block = zeroed ? calloc(1, size) : malloc(size);
    if (block) zmalloc_counter_add(malloc_usable_size(block));
    return block;
}

void zmalloc_jemalloc_free_slow(void *block) {
    if (!block) return;
    if (zmalloc_jemalloc_start_thread()) {
        zmalloc_backend_free_counted(block);
        return;
    }
    zmalloc_counter_subtract(malloc_usable_size(block));
    free(block);
}

void *zmalloc_jemalloc_realloc_slow(void *block, size_t size) {
    if (zmalloc_jemalloc_start_thread()) return zmalloc_backend_realloc_counted(block, size);
    size_t old_usable = malloc_usable_size(block);
    void *resized = realloc(block, size);
    if (resized) zmalloc_counter_add(malloc_usable_size(resized) - old_usable);
    return resized;
}

void zmalloc_jemalloc_thread_retired(void) {
    zmalloc_jemalloc_totals.allocated = NULL;
    zmalloc_jemalloc_totals.deallocated = NULL;
}
#endif

#if defined(ZMALLOC_BACKEND_TCMALLOC)
#include <pthread.h>

_Atomic uint16_t zmalloc_tcmalloc_usable[ZMALLOC_TCMALLOC_TABLE_MAX / 8 + 1];
static pthread_once_t tcmalloc_table_once = PTHREAD_ONCE_INIT;

static void zmalloc_tcmalloc_fill_table(void) {
    enum { ENTRIES = ZMALLOC_TCMALLOC_TABLE_MAX / 8 + 1 };
    uint16_t usable[ENTRIES] = {0};
    for (size_t size = 0; size <= ZMALLOC_TCMALLOC_TABLE_MAX; size++) {
        size_t answer = tc_nallocx(size, 0);
        size_t entry = (size + 7) / 8;
        if (answer == 0 || answer > UINT16_MAX) return;
        if (size % 8 != 1 && size != 0 && usable[entry] != answer) return; /* not one class */
        usable[entry] = (uint16_t)answer;
    }
    for (size_t entry = 0; entry < ENTRIES; entry++)
        atomic_store_explicit(&zmalloc_tcmalloc_usable[entry], usable[entry], memory_order_relaxed);
}

size_t zmalloc_tcmalloc_usable_slow(size_t size) {
    pthread_once(&tcmalloc_table_once, zmalloc_tcmalloc_fill_table);
    return tc_nallocx(size, 0);
}
#endif
