/* zmalloc_backend: the rarely taken paths of the backend primitives.
 *
 * jemalloc: a thread's first counted allocation or free asks jemalloc for the
 * addresses of the thread's byte totals (see zmalloc_backend.h).  If jemalloc
 * was built without statistics it has no such totals; zmalloc then falls back
 * to asking the size of each block, slower but as exact.
 */
#include "zmalloc_backend.h"

#if defined(ZMALLOC_BACKEND_JEMALLOC)
#include <stdatomic.h>

_Thread_local zmalloc_jemalloc_thread_totals zmalloc_jemalloc_totals;
static atomic_int jemalloc_totals_unavailable;

/* Returns 1 once the calling thread's totals are known. */
static int zmalloc_jemalloc_fetch_totals(void) {
    if (atomic_load_explicit(&jemalloc_totals_unavailable, memory_order_relaxed)) return 0;
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

zmalloc_backend_allocation zmalloc_jemalloc_allocate_slow(size_t size, int zeroed) {
    if (zmalloc_jemalloc_fetch_totals()) return zmalloc_backend_allocate_counted(size, zeroed);
    zmalloc_backend_allocation allocation;
    allocation.block = zeroed ? calloc(1, size) : malloc(size);
    allocation.usable = allocation.block ? malloc_usable_size(allocation.block) : 0;
    return allocation;
}

size_t zmalloc_jemalloc_free_slow(void *block) {
    if (zmalloc_jemalloc_fetch_totals()) return zmalloc_backend_free_counted(block);
    size_t usable = malloc_usable_size(block);
    free(block);
    return usable;
}
#endif
