/* zmalloc: the one door through which zkv allocates memory.
 *
 * Every byte zkv holds is allocated here so that zmalloc_used_memory() is the
 * truth that INFO memory, MEMORY USAGE and maxmemory eviction rely on.  The
 * layer is a thin wrapper over one allocator chosen at build time (jemalloc by
 * default, tcmalloc, or the C library's malloc).
 *
 * How a block's size is known:
 *   - Allocators that can report the usable size of a block (jemalloc,
 *     tcmalloc, glibc) are asked, and the block is used as is: no header.
 *   - Otherwise (or when built with ZKV_MALLOC_PREFIX=ON, which keeps this
 *     path tested) each block carries an 8-byte header in front of it holding
 *     the requested size.  Callers never see the header.  Pointers returned on
 *     this path are aligned to 8 bytes, not to the allocator's 16.
 *
 * used_memory counts what a block really consumes: its usable size, or the
 * requested size plus the header.  Counting is done in per-thread counters
 * that are summed when read, so the single event-loop thread pays no locked
 * instruction per allocation while background threads (lazy freeing) still
 * keep the total exact.
 *
 * Allocation failure calls the out-of-memory handler (default: log the size
 * and abort); the zmalloc_try_* variants return NULL instead.
 */
#ifndef ZKV_ZMALLOC_H
#define ZKV_ZMALLOC_H

#include <stddef.h>

/* Allocation.  Never return NULL: on failure the out-of-memory handler runs,
 * and the default one aborts.  zmalloc_realloc(NULL, n) behaves as
 * zmalloc_alloc(n); zmalloc_realloc(p, 0) frees p and returns NULL. */
void *zmalloc_alloc(size_t size);
void *zmalloc_calloc(size_t size);
void *zmalloc_realloc(void *ptr, size_t size);
char *zmalloc_strdup(const char *string);
void zmalloc_free(void *ptr);

/* Same contracts, but return NULL on failure without calling the handler.
 * On failure zmalloc_try_realloc leaves the old block untouched. */
void *zmalloc_try_alloc(size_t size);
void *zmalloc_try_calloc(size_t size);
void *zmalloc_try_realloc(void *ptr, size_t size);

/* Bytes the caller may use in the block (at least what it asked for). */
size_t zmalloc_usable_size(const void *ptr);

/* Bytes of hidden header in front of each block: 8 on the size-header path
 * (zmalloc_usable_size then returns exactly the requested size), 0 when the
 * allocator reports block sizes. */
size_t zmalloc_size_header_bytes(void);

/* Bytes zmalloc_alloc(size) would consume if called now, without allocating:
 * lets data structures pick sizes that fall on the allocator's classes. */
size_t zmalloc_good_size(size_t size);

/* Out-of-memory handler; it may not return (abort, exit or longjmp).  NULL
 * restores the default handler. */
typedef void (*zmalloc_oom_handler)(size_t requested_size);
void zmalloc_set_oom_handler(zmalloc_oom_handler handler);

/* Bytes currently allocated through zmalloc by all threads. */
size_t zmalloc_used_memory(void);

/* What the calling thread's zmalloc calls have added to used_memory so far,
 * modulo 2^64 (defined inline below).  The difference of two reads on one
 * thread is exactly what that thread's calls in between counted, the
 * allocator's rounding included: other threads count elsewhere.  A
 * subsystem keeps its own share of used_memory this way (the Lua
 * interpreters do).  Not meaningful in a thread's exit destructors. */
static inline size_t zmalloc_thread_counted(void);

/* Resident set size of the process in bytes (Linux: /proc/self/stat field
 * 24 times the page size; macOS: task_info; elsewhere used_memory). */
size_t zmalloc_rss(void);

/* Parses the resident page count out of the text of a /proc/<pid>/stat file.
 * Exposed for tests.  Returns 0 on success, -1 if the text is malformed. */
int zmalloc_parse_proc_stat_rss_pages(const char *stat_text, long long *pages);

/* Allocator statistics, refreshed on each call.  Returns 0 when the backend
 * reports real numbers, -1 when it has none (fields are then zero). */
typedef struct zmalloc_allocator_stats {
    size_t allocated; /* bytes in live allocations */
    size_t active;    /* bytes in pages holding live allocations */
    size_t resident;  /* bytes the allocator holds in physical memory */
} zmalloc_allocator_stats;
int zmalloc_get_allocator_stats(zmalloc_allocator_stats *stats);

/* Returns unused dirty pages to the operating system.  0 on success. */
int zmalloc_purge(void);

/* The allocator's statistics report as text (MEMORY MALLOC-STATS), passed
 * to `callback` in chunks.  Returns 0 for jemalloc; other backends pass a
 * one-line "not supported" message and return -1. */
typedef void zmalloc_text_callback(void *context, const char *text, size_t length);
int zmalloc_malloc_stats(zmalloc_text_callback *callback, void *context);

/* The allocator's named controls (jemalloc's mallctl), for DEBUG MALLCTL.
 * An integer control is read into *old_value and, when new_value is not
 * NULL, set.  A string control works alike; the new value "VOID" runs a
 * control that takes no value (e.g. thread.tcache.flush).  Return 0 or an
 * errno value; ENOTSUP on backends without named controls; EINVAL for a
 * value of the wrong type (a string from a non-string control, an integer
 * written where jemalloc expects a pointer). */
int zmalloc_control_integer(const char *name, const long long *new_value, long long *old_value);
int zmalloc_control_string(const char *name, const char *new_value, const char **old_value);

/* Turns jemalloc's background purge thread on or off: with it, freed pages
 * go back to the system after the decay time even while the process makes
 * no allocation (an idle server).  0, or an errno value (ENOTSUP on other
 * backends). */
int zmalloc_set_background_thread(int enable);

/* "jemalloc-5.3.0", "tcmalloc-2.10", "libc": the INFO mem_allocator value. */
const char *zmalloc_allocator_name(void);

/* Physical memory of the machine in bytes, 0 if unknown. */
size_t zmalloc_total_system_memory(void);

/* Active defragmentation (jemalloc only; elsewhere begin returns -1,
 * should_move 0 and move NULL).  Call from one thread.
 *
 * zmalloc_defrag_begin() starts a defrag cycle: it snapshots the allocator's
 * per-size-class occupancy that the decisions of the cycle use.  Returns 0
 * when defragmentation is available.
 *
 * zmalloc_defrag_should_move(ptr) says whether moving the block would help:
 * its slab is not full, its size class has other non-full slabs, and its
 * slab is used less than 1.125 times their average.
 *
 * zmalloc_defrag_move(ptr) copies the block to a new one, frees the old one
 * and returns the new address, which the caller must store in place of the
 * old.  used_memory is unchanged.  NULL when nothing was moved (no memory, or
 * not jemalloc); ptr is then still valid. */
int zmalloc_defrag_begin(void);
int zmalloc_defrag_should_move(void *ptr);
void *zmalloc_defrag_move(void *ptr);

/* Calls are inlined (see zmalloc_hot.h); the names alone, e.g. taken as
 * function pointers, still denote the functions declared above. */
#include "zmalloc_hot.h"
#define zmalloc_alloc(size) zmalloc_hot_alloc(size)
#define zmalloc_calloc(size) zmalloc_hot_calloc(size)
#define zmalloc_free(ptr) zmalloc_hot_free(ptr)

static inline size_t zmalloc_thread_counted(void) {
    return atomic_load_explicit(&zmalloc_counter_thread_slot.bytes, memory_order_relaxed);
}

#endif
