/* zmalloc_backend: the allocator primitives zmalloc is built on, chosen at
 * compile time so every call is a direct call into the allocator.
 *
 *   jemalloc  Debian's build is not prefixed: linking it replaces the
 *             process's malloc, and nallocx/mallctl come with it.  Block
 *             sizes are read from jemalloc's per-thread byte totals (below).
 *   tcmalloc  gperftools' tc_* entry points; sizes from tc_nallocx (via a
 *             table, below) when allocating and tc_malloc_size when freeing.
 *   libc      malloc and, on glibc, malloc_usable_size.  Other C libraries
 *             have no size query, so the size header is used.
 *
 * ZMALLOC_SIZE_HEADER_BYTES is 8 when each block carries a header holding its
 * requested size (forced by ZMALLOC_FORCE_SIZE_HEADER, or needed because the
 * allocator cannot report sizes), else 0.
 *
 * The counted primitives allocate or free and update the calling thread's
 * used_memory slot together, so that a backend can let its own per-thread
 * test stand for the counter's (jemalloc does, below).
 *
 * Internal to zmalloc/: not part of the public API.
 */
#ifndef ZKV_ZMALLOC_BACKEND_H
#define ZKV_ZMALLOC_BACKEND_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "zmalloc_counter.h"

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

#if defined(ZMALLOC_BACKEND_JEMALLOC)
/* jemalloc keeps, per thread, the total bytes (usable sizes) it ever handed
 * out and took back, and publishes pointers to both ("thread.allocatedp",
 * "thread.deallocatedp", present when jemalloc has statistics, as Debian's
 * does).  Reading the total before and after a malloc or free gives the
 * block's usable size with two loads from a cache line jemalloc has just
 * written, instead of malloc_usable_size's page-map lookup (1.55x the cost
 * of a bare malloc+free against 1.1-1.3x when first measured, see
 * bench/zmalloc_bench.c).  Only
 * the calling thread moves its totals, so the difference is exactly this
 * block's.  The loads are volatile because compilers assume malloc and free
 * change no memory the caller can see.
 *
 * The pointers are also the thread's licence to count without checks: they
 * are filled in only once the thread's used_memory slot is registered, and
 * cleared (zmalloc_jemalloc_thread_retired) when the slot retires, so the
 * fast path tests one pointer instead of the pointer and the slot's state.
 * NULL until the thread's first call, and after retirement.  Initial-exec
 * TLS: zkv is an executable, and the address is then one %fs offset. */
typedef struct zmalloc_jemalloc_thread_totals {
    const volatile uint64_t *allocated;
    const volatile uint64_t *deallocated;
} zmalloc_jemalloc_thread_totals;
extern _Thread_local zmalloc_jemalloc_thread_totals zmalloc_jemalloc_totals
    __attribute__((tls_model("initial-exec")));

/* Slow paths of the counted primitives below: same contract.  Cold, so
 * callers' loops keep only the fast path in line. */
void *zmalloc_jemalloc_allocate_slow(size_t size, int zeroed) __attribute__((cold));
void zmalloc_jemalloc_free_slow(void *block) __attribute__((cold));
void *zmalloc_jemalloc_realloc_slow(void *block, size_t size) __attribute__((cold));
/* Called by the counter when the thread's slot retires. */
void zmalloc_jemalloc_thread_retired(void);
#elif defined(ZMALLOC_BACKEND_TCMALLOC)
/* tc_nallocx(size) for small sizes, indexed by (size + 7) / 8: tcmalloc's
 * size classes are multiples of 8, so the sizes sharing an entry share a
 * class (checked when the table is filled).  One load instead of a call:
 * 1.57x -> 1.33x a bare malloc+free in the pair pattern.  0 means "not
 * filled yet, ask tc_nallocx", so a thread that reads before another has
 * filled the table, or before it sees the fill, still counts exactly. */
#define ZMALLOC_TCMALLOC_TABLE_MAX 4096
extern _Atomic uint16_t zmalloc_tcmalloc_usable[ZMALLOC_TCMALLOC_TABLE_MAX / 8 + 1];

/* Fills the table once, and answers tc_nallocx(size, 0). */
size_t zmalloc_tcmalloc_usable_slow(size_t size);

static inline size_t zmalloc_tcmalloc_usable_size(size_t size) {
    size_t usable = 0;
    if (size <= ZMALLOC_TCMALLOC_TABLE_MAX)
        usable = atomic_load_explicit(&zmalloc_tcmalloc_usable[(size + 7) / 8], memory_order_relaxed);
    if (__builtin_expect(usable == 0, 0)) usable = zmalloc_tcmalloc_usable_slow(size);
    return usable;
}
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

/* Allocates a block (NULL on failure) and counts its usable size in the
 * calling thread's used_memory slot. */
static inline void *zmalloc_backend_allocate_counted(size_t size, int zeroed) {
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    const volatile uint64_t *allocated = zmalloc_jemalloc_totals.allocated;
    if (__builtin_expect(allocated == NULL, 0)) return zmalloc_jemalloc_allocate_slow(size, zeroed);
    uint64_t before = *allocated;
    void *block = zeroed ? calloc(1, size) : malloc(size);
    /* A failed allocation moves the total by 0: no branch needed. */
    zmalloc_counter_add_registered((size_t)(*allocated - before));
    return block;
#else
    void *block = zeroed ? zmalloc_backend_calloc(size) : zmalloc_backend_malloc(size);
#if defined(ZMALLOC_BACKEND_TCMALLOC)
    /* From the size classes; tc_malloc_size would look the block up in the
     * page map. */
    if (block) zmalloc_counter_add(zmalloc_tcmalloc_usable_size(size));
#else
    if (block) zmalloc_counter_add(zmalloc_backend_usable_size(block));
#endif
    return block;
#endif
}

/* Frees a block and uncounts its usable size; on jemalloc, NULL is allowed
 * (see zmalloc_hot_free). */
static inline void zmalloc_backend_free_counted(void *block) {
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    const volatile uint64_t *deallocated = zmalloc_jemalloc_totals.deallocated;
    if (__builtin_expect(deallocated == NULL, 0)) {
        zmalloc_jemalloc_free_slow(block);
        return;
    }
    uint64_t before = *deallocated;
    free(block);
    zmalloc_counter_add_registered((size_t)(before - *deallocated));
#else
    zmalloc_counter_subtract(zmalloc_backend_usable_size(block));
    zmalloc_backend_free(block);
#endif
}
#endif

#if defined(ZMALLOC_BACKEND_JEMALLOC)
/* Resizes a live block to a nonzero size (NULL on failure, the block then
 * untouched) and counts the change.  realloc adds the new block's usable
 * size to the allocated total and the old one's to the deallocated total,
 * whether it moved the block or not, so the two differences give the
 * change without looking up either block, as malloc_usable_size would. */
static inline void *zmalloc_backend_realloc_counted(void *block, size_t size) {
    const volatile uint64_t *allocated = zmalloc_jemalloc_totals.allocated;
    const volatile uint64_t *deallocated = zmalloc_jemalloc_totals.deallocated;
    if (__builtin_expect(allocated == NULL, 0)) return zmalloc_jemalloc_realloc_slow(block, size);
    uint64_t allocated_before = *allocated, deallocated_before = *deallocated;
    void *resized = realloc(block, size);
    zmalloc_counter_add_registered((size_t)((*allocated - allocated_before) -
                                            (*deallocated - deallocated_before)));
    return resized;
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
