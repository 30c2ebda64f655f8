/* zmalloc_defrag: what active defragmentation needs from the allocator,
 * built on stock jemalloc 5.3 (no patched "defrag hint").
 *
 * Small blocks live in slabs: runs of pages cut into equal regions, one set
 * of slabs per size class ("bin").  Fragmentation is many slabs each holding
 * a few live regions.  A block is worth moving when its slab is not full,
 * its bin has at least two non-full slabs (so there is somewhere else to go),
 * and its slab is used less than 1.125 times the average non-full slab of
 * the bin: moving then empties sparse slabs into dense ones.
 *
 * The slab's occupancy comes from "experimental.utilization.batch_query";
 * the bin averages from stats.arenas.<all>.bins.<j>.{curregs, curslabs,
 * nonfull_slabs}, which need a statistics refresh ("epoch") that is far too
 * slow per block.  So zmalloc_defrag_begin() takes one snapshot per cycle,
 * and the decisions of the cycle use it.  begin() also flushes the calling
 * thread's cache: regions parked there count as used in their slab, which
 * would hide the sparse slabs.
 *
 * Moving allocates and frees with MALLOCX_TCACHE_NONE: the new region comes
 * from the bin's current slab rather than from the thread cache (which would
 * likely hand back a region of the same sparse slab), and the old region goes
 * straight back to its slab, which can then empty and be released.
 *
 * Call these from one thread (the event loop): the snapshot is not locked.
 */
#include "zmalloc.h"

#include "zmalloc_backend.h"
#include "zmalloc_block.h"
#include "zmalloc_counter.h"

#if defined(ZMALLOC_BACKEND_JEMALLOC)
#include <stdio.h>

#define ZMALLOC_DEFRAG_MAX_BINS 128

typedef struct zmalloc_defrag_bin {
    size_t region_size;
    size_t regions_per_slab;
    size_t used_regions;   /* curregs */
    size_t slabs;          /* curslabs */
    size_t nonfull_slabs;
} zmalloc_defrag_bin;

static zmalloc_defrag_bin defrag_bins[ZMALLOC_DEFRAG_MAX_BINS];
static unsigned defrag_bin_count;

static int zmalloc_defrag_read(const char *name, void *value, size_t length) {
    return mallctl(name, value, &length, NULL, 0) == 0 ? 0 : -1;
}

static int zmalloc_defrag_read_bin_shape(unsigned bin) {
    char name[96];
    uint32_t regions;
    snprintf(name, sizeof(name), "arenas.bin.%u.size", bin);
    if (zmalloc_defrag_read(name, &defrag_bins[bin].region_size, sizeof(size_t)) != 0) return -1;
    snprintf(name, sizeof(name), "arenas.bin.%u.nregs", bin);
    if (zmalloc_defrag_read(name, &regions, sizeof(regions)) != 0) return -1;
    defrag_bins[bin].regions_per_slab = regions;
    return 0;
}

static int zmalloc_defrag_read_bin_stats(unsigned bin) {
    static const char *const fields[] = {"curregs", "curslabs", "nonfull_slabs"};
    size_t *targets[] = {&defrag_bins[bin].used_regions, &defrag_bins[bin].slabs,
                         &defrag_bins[bin].nonfull_slabs};
    for (int i = 0; i < 3; i++) {
        char name[96];
        snprintf(name, sizeof(name), "stats.arenas.%d.bins.%u.%s", MALLCTL_ARENAS_ALL, bin, fields[i]);
        if (zmalloc_defrag_read(name, targets[i], sizeof(size_t)) != 0) return -1;
    }
    return 0;
}

int zmalloc_defrag_begin(void) {
    if (zmalloc_defrag_read("arenas.nbins", &defrag_bin_count, sizeof(defrag_bin_count)) != 0)
        return -1;
    if (defrag_bin_count > ZMALLOC_DEFRAG_MAX_BINS) {
        defrag_bin_count = 0;
        return -1;
    }
    mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
    uint64_t epoch = 1;
    size_t length = sizeof(epoch);
    if (mallctl("epoch", &epoch, &length, &epoch, length) != 0) return -1;
    for (unsigned bin = 0; bin < defrag_bin_count; bin++) {
        if (zmalloc_defrag_read_bin_shape(bin) != 0 || zmalloc_defrag_read_bin_stats(bin) != 0) {
            defrag_bin_count = 0;
            return -1;
        }
    }
    return 0;
}

/* The bin whose regions are exactly region_size bytes, or NULL. */
static const zmalloc_defrag_bin *zmalloc_defrag_find_bin(size_t region_size) {
    unsigned low = 0, high = defrag_bin_count;
    while (low < high) {
        unsigned middle = low + (high - low) / 2;
        if (defrag_bins[middle].region_size < region_size)
            low = middle + 1;
        else
            high = middle;
    }
    if (low < defrag_bin_count && defrag_bins[low].region_size == region_size) return &defrag_bins[low];
    return NULL;
}

int zmalloc_defrag_should_move(void *pointer) {
    if (!pointer || defrag_bin_count == 0) return 0;
    void *block = zmalloc_pointer_to_block(pointer);
    size_t slab[3]; /* free regions, regions, slab bytes */
    size_t slab_length = sizeof(slab);
    if (mallctl("experimental.utilization.batch_query", slab, &slab_length, &block, sizeof(block)) != 0)
        return 0;
    size_t free_regions = slab[0], regions = slab[1];
    if (regions <= 1 || free_regions == 0) return 0; /* large block, or full slab */
    const zmalloc_defrag_bin *bin = zmalloc_defrag_find_bin(malloc_usable_size(block));
    if (!bin || bin->nonfull_slabs < 2) return 0;
    size_t full_slabs = bin->slabs - bin->nonfull_slabs;
    if (bin->used_regions < full_slabs * bin->regions_per_slab) return 0; /* stale snapshot */
    size_t used_in_nonfull = bin->used_regions - full_slabs * bin->regions_per_slab;
    size_t used_here = regions - free_regions;
    /* used_here < 1.125 * used_in_nonfull / nonfull_slabs, in integers. */
    return used_here * bin->nonfull_slabs * 8 < used_in_nonfull * 9;
}

void *zmalloc_defrag_move(void *pointer) {
    void *block = zmalloc_pointer_to_block(pointer);
    size_t block_size = malloc_usable_size(block);
    void *moved = mallocx(block_size, MALLOCX_TCACHE_NONE);
    if (!moved) return NULL;
    memcpy(moved, block, block_size);
    dallocx(block, MALLOCX_TCACHE_NONE);
    /* Without a header a block counts for its usable size, which the copy
     * keeps (same class); with one it counts for the size in the header,
     * which was copied.  Either way the count stays, but say so exactly. */
    if (ZMALLOC_SIZE_HEADER_BYTES == 0) zmalloc_counter_add(malloc_usable_size(moved) - block_size);
    return (char *)moved + ZMALLOC_SIZE_HEADER_BYTES;
}

#else

int zmalloc_defrag_begin(void) {
    return -1;
}

int zmalloc_defrag_should_move(void *pointer) {
    (void)pointer;
    return 0;
}

void *zmalloc_defrag_move(void *pointer) {
    (void)pointer;
    return NULL;
}
#endif
