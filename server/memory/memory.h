/* memory: what zkv's memory is made of (INFO memory, MEMORY STATS and
 * DOCTOR) and the maxmemory ceiling (evict.c).
 *
 * Process-wide figures that cost a system call or an allocator query (RSS,
 * allocator statistics) are sampled together with used_memory every 100 ms
 * by the cron, as Redis does, so every ratio is computed from one
 * consistent sample; used_memory itself is always read live.
 */
#ifndef ZKV_MEMORY_H
#define ZKV_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

#define MEMORY_SAMPLE_PERIOD_MS 100

typedef struct memory_sample {
    size_t used;      /* used_memory when the sample was taken */
    size_t rss;
    size_t allocated; /* allocator statistics, or Redis's stand-ins */
    size_t active;
    size_t resident;
    bool allocator_has_stats; /* false: the three above are stand-ins */
    size_t client_output; /* client output buffers: not counted for eviction */
} memory_sample;

/* What used_memory is made of.  See memory_sample.c for the formula. */
typedef struct memory_overhead {
    size_t startup;
    size_t clients;       /* query and output buffers, client structs */
    size_t tables;        /* bucket arrays and overflow buckets */
    size_t key_headers;   /* per-key metadata inside the objects */
    size_t scripts;       /* what scripts added to the Lua interpreters and libraries */
    size_t total;
    size_t dataset;       /* used - total (0 if negative) */
    long long keys;
} memory_overhead;

/* Takes a first sample, registers the sampling cron job and starts the
 * eviction module (evict_init). */
void memory_init(void);
/* Applies the memory parameters that act on the allocator
 * (jemalloc-bg-thread) once at start; CONFIG SET applies them itself. */
int memory_apply_settings(void);
/* Samples every MEMORY_SAMPLE_PERIOD_MS (the memory module's cron). */
void memory_sample_cron(void);
/* The latest sample (taken at most MEMORY_SAMPLE_PERIOD_MS ago). */
const memory_sample *memory_last_sample(void);
/* Takes a sample now. */
void memory_take_sample(void);
/* Client output buffers holding unsent replies, summed now (one pass over
 * the clients): memory not counted for eviction. */
size_t memory_client_output(void);
/* Scripts' Lua memory eviction does not count (core/script_memory.h). */
size_t memory_scripts_not_counted(void);
/* The breakdown of `used` bytes. */
memory_overhead memory_compute_overhead(size_t used);
/* INFO memory (the memory module's section). */
struct strbuf;
void memory_write_info(struct strbuf *out);
/* Bytes of per-key metadata each object carries (type, flags, clock). */
#define MEMORY_KEY_HEADER_BYTES 5

#endif
