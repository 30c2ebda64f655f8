/* zmalloc_hot: the allocation fast path, inlined into every caller.
 *
 * zmalloc_alloc, zmalloc_calloc and zmalloc_free are called from everywhere
 * in zkv, and the accounting they add to the allocator is a few loads and a
 * store.  Out of line, the call into zmalloc (frame, saved registers, return)
 * cost about as much again as the accounting itself: inlined, the caller
 * calls the allocator directly, as it would without zmalloc.  zmalloc.h maps
 * calls to these functions with function-like macros, so the plain names
 * (taken as function pointers, as libevent's hooks are) still name the real,
 * out-of-line functions in zmalloc.c, which use the same code.
 *
 * The price is that every file including zmalloc.h also sees the backend's
 * header (jemalloc.h, gperftools' or malloc.h) and zmalloc's internals.
 *
 * Internal to zmalloc/: not part of the public API.
 */
#ifndef ZKV_ZMALLOC_HOT_H
#define ZKV_ZMALLOC_HOT_H

#include <stddef.h>
#include <stdint.h>

#include "zmalloc_backend.h"
#include "zmalloc_block.h"
#include "zmalloc_counter.h"

/* Calls the out-of-memory handler; never returns. */
void zmalloc_out_of_memory(size_t requested_size) __attribute__((noreturn, cold));

/* Allocates and counts a block; NULL on failure. */
static inline void *zmalloc_hot_allocate(size_t size, int zeroed) {
#if ZMALLOC_SIZE_HEADER_BYTES
    /* No allocator hands out more than PTRDIFF_MAX bytes; saying so here
     * also shows the compiler, once this is inlined into a caller passing a
     * huge constant, that size + header stays a valid object size. */
    if (size > PTRDIFF_MAX - ZMALLOC_SIZE_HEADER_BYTES) return NULL;
    size_t block_size = size + ZMALLOC_SIZE_HEADER_BYTES;
    void *block = zeroed ? zmalloc_backend_calloc(block_size) : zmalloc_backend_malloc(block_size);
    if (!block) return NULL;
    zmalloc_counter_add(block_size);
    return zmalloc_block_to_pointer(block, size);
#else
    return zmalloc_backend_allocate_counted(size, zeroed);
#endif
}

static inline void *zmalloc_hot_alloc(size_t size) {
    void *pointer = zmalloc_hot_allocate(size, 0);
    if (__builtin_expect(pointer == NULL, 0)) zmalloc_out_of_memory(size);
    return pointer;
}

static inline void *zmalloc_hot_calloc(size_t size) {
    void *pointer = zmalloc_hot_allocate(size, 1);
    if (__builtin_expect(pointer == NULL, 0)) zmalloc_out_of_memory(size);
    return pointer;
}

static inline void zmalloc_hot_free(void *pointer) {
#if defined(ZMALLOC_BACKEND_JEMALLOC) && !ZMALLOC_SIZE_HEADER_BYTES
    /* free(NULL) moves jemalloc's total by 0: no test needed. */
    zmalloc_backend_free_counted(pointer);
#else
    if (!pointer) return;
#if ZMALLOC_SIZE_HEADER_BYTES
    zmalloc_counter_subtract(zmalloc_pointer_counted_size(pointer));
    zmalloc_backend_free(zmalloc_pointer_to_block(pointer));
#else
    zmalloc_backend_free_counted(pointer);
#endif
#endif
}

#endif
