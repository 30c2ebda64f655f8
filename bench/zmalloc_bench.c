/* zmalloc_bench: what zmalloc's accounting costs on top of the allocator.
 *
 * Measures ns per allocation+free for small sizes (16..256 bytes, a fixed
 * pseudo-random sequence shared by every variant) in two patterns:
 *   batch  allocate 1024 blocks, then free them: blocks live a while, as keys
 *          and values do;
 *   pair   allocate and free at once: the tightest loop, where any overhead
 *          shows most.
 * Variants: raw malloc/free (the process's malloc is the configured backend,
 * since jemalloc and tcmalloc replace it when linked), zmalloc, and two
 * hand-made counters on raw malloc that isolate the design choice of the
 * used_memory counter: a thread-local add versus one locked atomic add per
 * operation.
 *
 * Each variant gets its own copy of each loop, with its allocation calls
 * inlined: the calls are made as at any call site in zkv, where zmalloc's
 * fast path is inlined too.  (Dispatching through one shared function per
 * operation instead let the compiler tail-call malloc for the raw variant
 * only, which measured the dispatcher more than zmalloc.)
 *
 * Variants run interleaved, round after round, so drift in machine speed hits
 * them alike; each figure is the median over rounds, and the ratio printed
 * is the median of per-round ratios.
 *
 * Usage: zmalloc_bench [rounds] [operations per round]
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zmalloc.h"

#if defined(__GLIBC__) || defined(ZMALLOC_BACKEND_JEMALLOC)
#include <malloc.h>
#define BENCH_HAS_USABLE_SIZE 1
#else
#define BENCH_HAS_USABLE_SIZE 0
#endif

enum { BATCH = 1024, SIZE_SEQUENCE = 4096, MAX_ROUNDS = 101 };

typedef enum variant { RAW, ZMALLOC, RAW_THREAD_COUNTER, RAW_ATOMIC_COUNTER, VARIANTS } variant;
static const char *variant_names[VARIANTS] = {"malloc+free", "zmalloc_alloc+free",
                                              "malloc+usable+thread-local add",
                                              "malloc+usable+atomic add"};

static size_t sizes[SIZE_SEQUENCE];
static void *blocks[BATCH];
static void *volatile sink;
static _Thread_local size_t thread_counter;
static _Atomic size_t shared_counter;

/* CPU time of this thread: on a shared machine, time spent preempted by
 * other processes does not count against whichever variant was running. */
static double now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return (double)now.tv_sec * 1e9 + (double)now.tv_nsec;
}

static size_t block_size(const void *block) {
#if BENCH_HAS_USABLE_SIZE
    return malloc_usable_size((void *)block);
#else
    (void)block;
    return 0;
#endif
}

/* Inlined with `which` a constant: each loop below is specialised per
 * variant. */
#define BENCH_INLINE static inline __attribute__((always_inline))

BENCH_INLINE void *bench_alloc(variant which, size_t size) {
    void *block;
    switch (which) {
    case ZMALLOC:
        return zmalloc_alloc(size);
    case RAW_THREAD_COUNTER:
        block = malloc(size);
        thread_counter += block_size(block);
        return block;
    case RAW_ATOMIC_COUNTER:
        block = malloc(size);
        atomic_fetch_add_explicit(&shared_counter, block_size(block), memory_order_relaxed);
        return block;
    default:
        return malloc(size);
    }
}

BENCH_INLINE void bench_free(variant which, void *block) {
    switch (which) {
    case ZMALLOC:
        zmalloc_free(block);
        return;
    case RAW_THREAD_COUNTER:
        thread_counter -= block_size(block);
        free(block);
        return;
    case RAW_ATOMIC_COUNTER:
        atomic_fetch_sub_explicit(&shared_counter, block_size(block), memory_order_relaxed);
        free(block);
        return;
    default:
        free(block);
    }
}

/* Each block gets one written byte so the work cannot be optimised away. */
BENCH_INLINE double run_batch(variant which, size_t operations) {
    double start = now_ns();
    size_t done = 0;
    while (done < operations) {
        for (size_t i = 0; i < BATCH; i++) {
            blocks[i] = bench_alloc(which, sizes[(done + i) % SIZE_SEQUENCE]);
            *(volatile char *)blocks[i] = (char)i;
        }
        for (size_t i = 0; i < BATCH; i++) bench_free(which, blocks[i]);
        done += BATCH;
    }
    return (now_ns() - start) / (double)done;
}

BENCH_INLINE double run_pair(variant which, size_t operations) {
    double start = now_ns();
    for (size_t i = 0; i < operations; i++) {
        void *block = bench_alloc(which, sizes[i % SIZE_SEQUENCE]);
        *(volatile char *)block = (char)i;
        sink = block;
        bench_free(which, sink);
    }
    return (now_ns() - start) / (double)operations;
}

typedef double (*pattern)(size_t operations);

#define BENCH_SPECIALISE(name, which)                                                              \
    static double batch_##name(size_t operations) {                                                \
        return run_batch(which, operations);                                                       \
    }                                                                                              \
    static double pair_##name(size_t operations) {                                                 \
        return run_pair(which, operations);                                                        \
    }
BENCH_SPECIALISE(raw, RAW)
BENCH_SPECIALISE(zmalloc, ZMALLOC)
BENCH_SPECIALISE(thread_counter, RAW_THREAD_COUNTER)
BENCH_SPECIALISE(atomic_counter, RAW_ATOMIC_COUNTER)
static const pattern batch_runs[VARIANTS] = {batch_raw, batch_zmalloc, batch_thread_counter,
                                             batch_atomic_counter};
static const pattern pair_runs[VARIANTS] = {pair_raw, pair_zmalloc, pair_thread_counter,
                                            pair_atomic_counter};

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count) {
    qsort(values, (size_t)count, sizeof(*values), compare_doubles);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

static void bench_pattern(const char *name, const pattern *runs, int rounds, size_t operations) {
    static double timings[VARIANTS][MAX_ROUNDS];
    static double ratios[MAX_ROUNDS];
    for (int v = 0; v < VARIANTS; v++) runs[v](operations / 4); /* warm up */
    for (int round = 0; round < rounds; round++) {
        for (int v = 0; v < VARIANTS; v++) timings[v][round] = runs[v](operations);
        ratios[round] = timings[ZMALLOC][round] / timings[RAW][round];
    }
    double ratio = median(ratios, rounds);
    printf("%s pattern, sizes 16..256, %d rounds x %zu operations, median ns per alloc+free:\n",
           name, rounds, operations);
    for (int v = 0; v < VARIANTS; v++) {
        if (!BENCH_HAS_USABLE_SIZE && v >= RAW_THREAD_COUNTER) break;
        printf("  %-32s %7.2f\n", variant_names[v], median(timings[v], rounds));
    }
    printf("  zmalloc / malloc ratio (median of rounds): %.3f\n", ratio);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 31;
    size_t operations = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
    if (rounds < 1 || rounds > MAX_ROUNDS || operations < BATCH) {
        fprintf(stderr, "usage: %s [rounds 1..%d] [operations per round >= %d]\n", argv[0],
                MAX_ROUNDS, BATCH);
        return 2;
    }
    uint64_t state = 42;
    for (size_t i = 0; i < SIZE_SEQUENCE; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        sizes[i] = 16 + (size_t)(state >> 33) % 241;
    }
    printf("allocator: %s, size header: %zu bytes\n", zmalloc_allocator_name(),
           zmalloc_size_header_bytes());
    bench_pattern("batch", batch_runs, rounds, operations);
    bench_pattern("pair", pair_runs, rounds, operations);
    return 0;
}
