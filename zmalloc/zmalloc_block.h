/* zmalloc_block: between the block an allocator hands out and the pointer
 * zmalloc's callers see.  Without a size header the two are the same; with
 * it, the pointer sits 8 bytes into the block, just past the requested size
 * (see zmalloc.c for the alignment this gives).
 *
 * Internal to zmalloc/: not part of the public API.
 */
#ifndef ZKV_ZMALLOC_BLOCK_H
#define ZKV_ZMALLOC_BLOCK_H

#include <stdint.h>
#include <string.h>

#include "zmalloc_backend.h"

/* The address callers see for a block the allocator returned. */
static inline void *zmalloc_block_to_pointer(void *block, size_t requested) {
#if ZMALLOC_SIZE_HEADER_BYTES
    uint64_t header = requested;
    memcpy(block, &header, sizeof(header));
    return (char *)block + ZMALLOC_SIZE_HEADER_BYTES;
#else
    (void)requested;
    return block;
#endif
}

static inline void *zmalloc_pointer_to_block(const void *pointer) {
    return (char *)pointer - ZMALLOC_SIZE_HEADER_BYTES;
}

/* Bytes the caller may use, and bytes the block counts for in used_memory. */
static inline size_t zmalloc_pointer_usable_size(const void *pointer) {
#if ZMALLOC_SIZE_HEADER_BYTES
    uint64_t header;
    memcpy(&header, zmalloc_pointer_to_block(pointer), sizeof(header));
    return (size_t)header;
#else
    return zmalloc_backend_usable_size((void *)pointer);
#endif
}

static inline size_t zmalloc_pointer_counted_size(const void *pointer) {
    return zmalloc_pointer_usable_size(pointer) + ZMALLOC_SIZE_HEADER_BYTES;
}

#endif
