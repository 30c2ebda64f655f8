/* zmalloc_counter: the used_memory counter, one slot per thread.
 *
 * Each thread adds and subtracts into its own slot, so an allocation costs a
 * thread-local load and store: no locked instruction and no cache line shared
 * with other threads.  A reader sums every live slot plus the "retired" total
 * under a mutex.  Slots are unsigned and wrap: a thread that frees memory
 * another thread allocated goes "negative", and the modular sum is still
 * exact.
 *
 * A thread registers its slot on its first allocation.  When it exits, a
 * pthread key destructor folds the slot into the retired total and unlinks
 * it, so the bytes it still accounts for (blocks it allocated that are still
 * alive, or frees it did of others' blocks) are kept.  Anything the thread
 * allocates or frees after that point (later destructors) goes straight into
 * the retired total with an atomic add: rare, and it keeps the sum exact.
 *
 * Internal to zmalloc/: not part of the public API.
 */
#ifndef ZKV_ZMALLOC_COUNTER_H
#define ZKV_ZMALLOC_COUNTER_H

#include <stdatomic.h>
#include <stddef.h>

typedef enum zmalloc_counter_state {
    ZMALLOC_COUNTER_UNREGISTERED = 0, /* first allocation not made yet */
    ZMALLOC_COUNTER_REGISTERED,       /* slot is in the list of live slots */
    ZMALLOC_COUNTER_RETIRED           /* thread is exiting: use the global total */
} zmalloc_counter_state;

typedef struct zmalloc_counter_slot {
    /* Written only by the owning thread; read by any thread summing.  Relaxed
     * atomics compile to plain moves and make the concurrent read well
     * defined. */
    _Atomic size_t bytes;
    zmalloc_counter_state state; /* touched only by the owning thread */
    struct zmalloc_counter_slot *previous;
    struct zmalloc_counter_slot *next;
} zmalloc_counter_slot;

/* Initial-exec TLS: zkv is an executable, and the slot's address is then a
 * constant offset from %fs, with no call to __tls_get_addr. */
extern _Thread_local zmalloc_counter_slot zmalloc_counter_thread_slot
    __attribute__((tls_model("initial-exec")));

/* Registers the slot or, once retired, adds to the global total.  Cold:
 * taken only at a thread's start and exit. */
void zmalloc_counter_add_slow(size_t delta) __attribute__((cold));

/* Registers the calling thread's slot if it is not yet; returns 1 if the
 * slot is now registered, 0 if the thread has retired (or cannot register). */
int zmalloc_counter_thread_registered(void);

/* Adds delta to the thread's slot, which the caller knows is registered
 * (zmalloc_counter_thread_registered said so, and it has not retired since):
 * lets a backend that already tests a per-thread condition skip the state
 * test. */
static inline void zmalloc_counter_add_registered(size_t delta) {
    zmalloc_counter_slot *slot = &zmalloc_counter_thread_slot;
#if defined(__x86_64__)
    /* One add-to-memory instruction where GCC emits a load, an add and a
     * store for the relaxed pair below: 2% of a malloc+free in the batch
     * pattern of bench/zmalloc_bench.c.  Still exact for readers: only this
     * thread writes the slot, and the add's aligned 8-byte store is never
     * seen torn. */
    __asm__ volatile("addq %1, %0" : "+m"(slot->bytes) : "er"(delta));
#else
    size_t now = atomic_load_explicit(&slot->bytes, memory_order_relaxed);
    atomic_store_explicit(&slot->bytes, now + delta, memory_order_relaxed);
#endif
}

/* Adds delta (modulo 2^64: pass 0 - n to subtract n) to the thread's slot. */
static inline void zmalloc_counter_add(size_t delta) {
    if (__builtin_expect(zmalloc_counter_thread_slot.state == ZMALLOC_COUNTER_REGISTERED, 1))
        zmalloc_counter_add_registered(delta);
    else
        zmalloc_counter_add_slow(delta);
}

static inline void zmalloc_counter_subtract(size_t bytes) {
    zmalloc_counter_add((size_t)0 - bytes);
}

/* Sum over all threads, live and exited. */
size_t zmalloc_counter_total(void);

#endif
