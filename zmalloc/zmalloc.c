/* zmalloc: allocation entry points, size accounting and the out-of-memory
 * handler.
 *
 * Every block is counted when it is born and uncounted when it dies, by the
 * same measure both times, so used_memory returns exactly to where it was:
 *   - with a size query (jemalloc, tcmalloc, glibc) the measure is the usable
 *     size the allocator reports for the block;
 *   - on the size-header path it is the requested size, stored in an 8-byte
 *     header in front of the block, plus the header itself.  The caller gets
 *     the address just past the header: allocators align blocks to 16, so
 *     these pointers are aligned to 8 only.  That is enough for every scalar
 *     and pointer zkv stores, but not for 16-byte types such as long double.
 *
 * The try variants share one implementation with the failing ones; the only
 * difference is whether a NULL reaches the out-of-memory handler.  The fast
 * path itself (allocate, count, free) lives in zmalloc_hot.h so callers
 * inline it; the out-of-line functions here are that same code.
 */
#include "zmalloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zmalloc_backend.h"
#include "zmalloc_block.h"
#include "zmalloc_counter.h"
#include "zmalloc_hot.h"

/* ------------------------------------------------------ out-of-memory path */

static void zmalloc_default_oom_handler(size_t requested_size) {
    fprintf(stderr, "zmalloc: out of memory trying to allocate %zu bytes\n", requested_size);
    fflush(stderr);
    abort();
}

static _Atomic(zmalloc_oom_handler) oom_handler = zmalloc_default_oom_handler;

void zmalloc_set_oom_handler(zmalloc_oom_handler handler) {
    atomic_store(&oom_handler, handler ? handler : zmalloc_default_oom_handler);
}

/* The handler must not return; if a custom one does anyway, aborting keeps
 * the promise that the non-try functions never return NULL. */
void zmalloc_out_of_memory(size_t requested_size) {
    atomic_load(&oom_handler)(requested_size);
    abort();
}

/* ------------------------------------------------------------ allocation */

/* Resizes a live block to a nonzero size; on failure the old block is left
 * as it was. */
static void *zmalloc_resize(void *pointer, size_t size) {
#if defined(ZMALLOC_BACKEND_JEMALLOC) && !ZMALLOC_SIZE_HEADER_BYTES
    return zmalloc_backend_realloc_counted(pointer, size);
#else
    if (size > SIZE_MAX - ZMALLOC_SIZE_HEADER_BYTES) return NULL;
    size_t old_counted = zmalloc_pointer_counted_size(pointer);
    void *block = zmalloc_backend_realloc(zmalloc_pointer_to_block(pointer),
                                          size + ZMALLOC_SIZE_HEADER_BYTES);
    if (!block) return NULL;
    void *resized = zmalloc_block_to_pointer(block, size);
    zmalloc_counter_add(zmalloc_pointer_counted_size(resized) - old_counted);
    return resized;
#endif
}

void *zmalloc_try_alloc(size_t size) {
    return zmalloc_hot_allocate(size, 0);
}

void *zmalloc_try_calloc(size_t size) {
    return zmalloc_hot_allocate(size, 1);
}

void *zmalloc_try_realloc(void *pointer, size_t size) {
    if (!pointer) return zmalloc_try_alloc(size);
    if (size == 0) {
        zmalloc_free(pointer);
        return NULL;
    }
    return zmalloc_resize(pointer, size);
}

/* Parenthesised names: zmalloc.h makes the bare calls macros. */
void *(zmalloc_alloc)(size_t size) {
    return zmalloc_hot_alloc(size);
}

void *(zmalloc_calloc)(size_t size) {
    return zmalloc_hot_calloc(size);
}

void (zmalloc_free)(void *pointer) {
    zmalloc_hot_free(pointer);
}

void *zmalloc_realloc(void *pointer, size_t size) {
    if (!pointer) return zmalloc_alloc(size);
    if (size == 0) {
        zmalloc_free(pointer);
        return NULL;
    }
    void *resized = zmalloc_resize(pointer, size);
    if (!resized) zmalloc_out_of_memory(size);
    return resized;
}

char *zmalloc_strdup(const char *string) {
    size_t size = strlen(string) + 1;
    char *copy = zmalloc_alloc(size);
    memcpy(copy, string, size);
    return copy;
}

/* ------------------------------------------------------------------ sizes */

size_t zmalloc_usable_size(const void *pointer) {
    return pointer ? zmalloc_pointer_usable_size(pointer) : 0;
}

/* On the header path a block counts for exactly size + header.  Otherwise the
 * allocator's answer is used; jemalloc's nallocx is undefined for 0, and
 * malloc(0) gets the smallest class, so 0 is asked as 1.  Without an answer
 * (plain libc) the request itself is the best lower bound. */
size_t zmalloc_good_size(size_t size) {
    if (ZMALLOC_SIZE_HEADER_BYTES) return size + ZMALLOC_SIZE_HEADER_BYTES;
    size_t good = zmalloc_backend_good_size(size ? size : 1);
    return good >= size ? good : size;
}

size_t zmalloc_size_header_bytes(void) {
    return ZMALLOC_SIZE_HEADER_BYTES;
}

size_t zmalloc_used_memory(void) {
    return zmalloc_counter_total();
}
