/* zmalloc_backend: the allocator primitives zmalloc is built on, chosen at
 * compile time so every call is a direct call into the allocator.
 *
 *   jemalloc  Debian's build is not prefixed: linking it replaces the
 *             process's malloc, and mallocx/sdallocx/nallocx/mallctl come
 *             with it.  Frees pass the block's size (sdallocx), which spares
 *             jemalloc the page-map lookup a plain free() does; zmalloc has
 *             looked the size up already to count it.
 *   tcmalloc  gperftools' tc_* entry points and tc_malloc_size.
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

/* size is the block's usable size or the size it was requested with. */
static inline void zmalloc_backend_free(void *block, size_t size) {
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    sdallocx(block, size, 0);
#elif defined(ZMALLOC_BACKEND_TCMALLOC)
    (void)size;
    tc_free(block);
#else
    (void)size;
    free(block);
#endif
}

#if ZMALLOC_BACKEND_HAS_SIZE_QUERY
static inline size_t zmalloc_backend_usable_size(void *block) {
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    return malloc_usable_size(block);
#elif defined(ZMALLOC_BACKEND_TCMALLOC)
    return tc_malloc_size(block);
#else
    return malloc_usable_size(block);
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
