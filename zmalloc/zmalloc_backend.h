/* zmalloc_backend: the allocator primitives zmalloc is built on, chosen at
 * compile time so every call is a direct call into the allocator.
 *
 *   jemalloc  Debian's build is not prefixed: linking it replaces the
 *             process's malloc, and nallocx/mallctl come with it.  Block
 *             sizes are read from jemalloc's per-thread byte totals (below).
 *   tcmalloc  gperftools' tc_* entry points; sizes from tc_nallocx when
 *             allocating and tc_malloc_size when freeing.
 *   libc      malloc and, on glibc, malloc_usable_size.  Other C libraries
 *             have no size query, so the size header is used.
 *
 * ZMALLOC_SIZE_HEADER_BYTES is 8 when each block carries a header holding its
 * requested size (forced by ZMALLOC_FORCE_SIZE_HEADER, or needed because the
 * allocator cannot report sizes), else 0.
 *
 * Internal to zmalloc/: not part of the public API.
 */
#ifndef ZKV_ZMALLOC_BACKEND_H
#define ZKV_ZMALLOC_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(ZMALLOC_BACKEND_JEMALLOC)
#include <jemalloc/jemalloc.h>
#define ZMALLOC_BACKEND_HAS_SIZE_QUERY 1
#elif defined(ZMALLOC_BACKEND_TCMALLOC)
#include <gperftools/nallocx.h>
#include <gperftools/tcmalloc.h>
#define ZMALLOC_BACKEND_HAS_SIZE_QUERY 1
#elif defined(ZMALLOC_BACKEND_LIBC)
#if defined(__GLIBC__)
#include <malloc.h>
#define ZMALLOC_BACKEND_HAS_SIZE_QUERY 1
#else
#define ZMALLOC_BACKEND_HAS_SIZE_QUERY 0
#endif
#else
#error "define one of ZMALLOC_BACKEND_JEMALLOC, _TCMALLOC or _LIBC"
#endif

#if defined(ZMALLOC_FORCE_SIZE_HEADER) || !ZMALLOC_BACKEND_HAS_SIZE_QUERY
#define ZMALLOC_SIZE_HEADER_BYTES 8
#else
#define ZMALLOC_SIZE_HEADER_BYTES 0
#endif

typedef struct zmalloc_backend_allocation {
    void *block;
    size_t usable; /* meaningful only when block is not NULL */
} zmalloc_backend_allocation;

#if defined(ZMALLOC_BACKEND_JEMALLOC)
/* jemalloc keeps, per thread, the total bytes (usable sizes) it ever handed
 * out and took back, and publishes pointers to both ("thread.allocatedp",
 * "thread.deallocatedp", present when jemalloc has statistics, as Debian's
 * does).  Reading the total before and after a malloc or free gives the
 * block's usable size with two loads from a cache line jemalloc has just
 * written, instead of malloc_usable_size's page-map lookup: measured here,
 * that took zmalloc from 1.55x to 1.1-1.3x the cost of a bare malloc+free
 * (see bench/zmalloc_bench.c).  Only the calling thread moves its totals,
 * so the difference is exactly this block's.  The loads are volatile because
 * compilers assume malloc and free change no memory the caller can see.
 * NULL until the thread's first call fills them in. */
typedef struct zmalloc_jemalloc_thread_totals {
    const volatile uint64_t *allocated;
    const volatile uint64_t *deallocated;
} zmalloc_jemalloc_thread_totals;
extern _Thread_local zmalloc_jemalloc_thread_totals zmalloc_jemalloc_totals;

zmalloc_backend_allocation zmalloc_jemalloc_allocate_slow(size_t size, int zeroed);
size_t zmalloc_jemalloc_free_slow(void *block);
#endif

static inline void *zmalloc_backend_malloc(size_t size) {
#if defined(ZMALLOC_BACKEND_TCMALLOC)
    return tc_malloc(size);
#else
    return malloc(size);
#endif
}

static inline void *zmalloc_backend_calloc(size_t size) {
#if defined(ZMALLOC_BACKEND_TCMALLOC)
    return tc_calloc(1, size);
#else
    return calloc(1, size);
#endif
}

static inline void *zmalloc_backend_realloc(void *block, size_t size) {
#if defined(ZMALLOC_BACKEND_TCMALLOC)
    return tc_realloc(block, size);
#else
    return realloc(block, size);
#endif
}

static inline void zmalloc_backend_free(void *block) {
#if defined(ZMALLOC_BACKEND_TCMALLOC)
    tc_free(block);
#else
    free(block);
#endif
}

#if ZMALLOC_BACKEND_HAS_SIZE_QUERY
static inline size_t zmalloc_backend_usable_size(void *block) {
#if defined(ZMALLOC_BACKEND_TCMALLOC)
    return tc_malloc_size(block);
#else
    return malloc_usable_size(block);
#endif
}

/* Allocates and reports the block's usable size; the pair comes back in two
 * registers. */
static inline zmalloc_backend_allocation zmalloc_backend_allocate_counted(size_t size, int zeroed) {
    zmalloc_backend_allocation allocation;
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    const volatile uint64_t *allocated = zmalloc_jemalloc_totals.allocated;
    if (__builtin_expect(allocated == NULL, 0)) return zmalloc_jemalloc_allocate_slow(size, zeroed);
    uint64_t before = *allocated;
    allocation.block = zeroed ? calloc(1, size) : malloc(size);
    allocation.usable = (size_t)(*allocated - before);
#elif defined(ZMALLOC_BACKEND_TCMALLOC)
    /* tc_nallocx is arithmetic on the size classes; tc_malloc_size would
     * look the block up in the page map. */
    allocation.block = zeroed ? tc_calloc(1, size) : tc_malloc(size);
    allocation.usable = tc_nallocx(size, 0);
#else
    allocation.block = zeroed ? zmalloc_backend_calloc(size) : zmalloc_backend_malloc(size);
    allocation.usable = allocation.block ? zmalloc_backend_usable_size(allocation.block) : 0;
#endif
    return allocation;
}

/* Frees the block and returns its usable size. */
static inline size_t zmalloc_backend_free_counted(void *block) {
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    const volatile uint64_t *deallocated = zmalloc_jemalloc_totals.deallocated;
    if (__builtin_expect(deallocated != NULL, 1)) {
        uint64_t before = *deallocated;
        free(block);
        return (size_t)(*deallocated - before);
    }
    return zmalloc_jemalloc_free_slow(block);
#else
    size_t usable = zmalloc_backend_usable_size(block);
    zmalloc_backend_free(block);
    return usable;
#endif
}
#endif

/* Usable size a request would get, or 0 if the allocator cannot tell. */
static inline size_t zmalloc_backend_good_size(size_t size) {
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    return nallocx(size, 0);
#elif defined(ZMALLOC_BACKEND_TCMALLOC)
    return tc_nallocx(size, 0);
#else
    (void)size;
    return 0;
#endif
}

#endif
