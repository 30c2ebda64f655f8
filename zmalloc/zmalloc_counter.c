/* zmalloc_counter: registration, retirement and summing of per-thread slots.
 *
 * The live slots form a doubly linked list guarded by one mutex.  The mutex
 * is taken only on a thread's first allocation, on its exit and by readers,
 * never on the allocation fast path (see zmalloc_counter.h).
 *
 * Slots live in thread-local storage, which the C library frees after the
 * thread's pthread key destructors have run.  The destructor unlinks the slot
 * under the mutex first, so a reader never touches freed storage.
 *
 * fork(): the mutex is held across fork() by pthread_atfork handlers so the
 * child never inherits it locked by a thread that does not exist there.  The
 * child keeps the parent's other slots: their storage is part of the copied
 * address space and the blocks they account for were copied too.
 */
#include "zmalloc_counter.h"

#include <pthread.h>

#include "zmalloc_backend.h"

_Thread_local zmalloc_counter_slot zmalloc_counter_thread_slot;

static pthread_mutex_t counter_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t counter_once = PTHREAD_ONCE_INIT;
static pthread_key_t counter_exit_key;
static int counter_exit_key_ready;
static zmalloc_counter_slot *counter_live_slots;
/* Bytes of exited threads, and of threads past their exit destructor. */
static _Atomic size_t counter_retired_bytes;

static void zmalloc_counter_lock(void) {
    pthread_mutex_lock(&counter_mutex);
}

static void zmalloc_counter_unlock(void) {
    pthread_mutex_unlock(&counter_mutex);
}

/* Runs on the exiting thread: its slot stops being summed as live and its
 * bytes move to the retired total in one step under the mutex. */
static void zmalloc_counter_retire(void *slot_pointer) {
    zmalloc_counter_slot *slot = slot_pointer;
    zmalloc_counter_lock();
    size_t bytes = atomic_load_explicit(&slot->bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&counter_retired_bytes, bytes, memory_order_relaxed);
    if (slot->previous)
        slot->previous->next = slot->next;
    else
        counter_live_slots = slot->next;
    if (slot->next) slot->next->previous = slot->previous;
    slot->previous = slot->next = NULL;
    zmalloc_counter_unlock();
    slot->state = ZMALLOC_COUNTER_RETIRED;
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    zmalloc_jemalloc_thread_retired();
#endif
}

static void zmalloc_counter_init_once(void) {
    counter_exit_key_ready = pthread_key_create(&counter_exit_key, zmalloc_counter_retire) == 0;
    pthread_atfork(zmalloc_counter_lock, zmalloc_counter_unlock, zmalloc_counter_unlock);
}

/* Links the calling thread's slot.  Without an exit destructor the slot could
 * not be folded when the thread ends, so the thread is treated as retired
 * from the start and pays an atomic add per allocation instead. */
static void zmalloc_counter_register(zmalloc_counter_slot *slot) {
    pthread_once(&counter_once, zmalloc_counter_init_once);
    if (!counter_exit_key_ready || pthread_setspecific(counter_exit_key, slot) != 0) {
        slot->state = ZMALLOC_COUNTER_RETIRED;
        return;
    }
    zmalloc_counter_lock();
    slot->previous = NULL;
    slot->next = counter_live_slots;
    if (counter_live_slots) counter_live_slots->previous = slot;
    counter_live_slots = slot;
    zmalloc_counter_unlock();
    slot->state = ZMALLOC_COUNTER_REGISTERED;
}

int zmalloc_counter_thread_registered(void) {
    zmalloc_counter_slot *slot = &zmalloc_counter_thread_slot;
    if (slot->state == ZMALLOC_COUNTER_UNREGISTERED) zmalloc_counter_register(slot);
    return slot->state == ZMALLOC_COUNTER_REGISTERED;
}

void zmalloc_counter_add_slow(size_t delta) {
    if (zmalloc_counter_thread_registered())
        zmalloc_counter_add_registered(delta);
    else
        atomic_fetch_add_explicit(&counter_retired_bytes, delta, memory_order_relaxed);
}

size_t zmalloc_counter_total(void) {
    zmalloc_counter_lock();
    size_t total = atomic_load_explicit(&counter_retired_bytes, memory_order_relaxed);
    for (zmalloc_counter_slot *slot = counter_live_slots; slot; slot = slot->next)
        total += atomic_load_explicit(&slot->bytes, memory_order_relaxed);
    zmalloc_counter_unlock();
    return total;
}
