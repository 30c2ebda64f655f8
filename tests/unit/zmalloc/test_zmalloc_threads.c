/* Unit tests for zmalloc's per-thread counters: 8 threads do 1,000,000
 * random alloc/realloc/free operations each, handing blocks to one another
 * through a shared exchange so that many blocks are freed by a thread other
 * than the one that allocated them, while a reader thread sums the counters
 * the whole time.  After the workers have exited, used_memory must equal the
 * start plus exactly the blocks still parked in the exchange, which proves
 * the counters of exited threads were folded in; freeing those blocks must
 * bring it back to the start. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "zmalloc.h"

enum {
    WORKER_COUNT = 8,
    OPERATIONS_PER_WORKER = 1000000,
    SLOTS_PER_WORKER = 512,
    EXCHANGE_SLOTS = 64,
};

static _Atomic(void *) exchange[EXCHANGE_SLOTS];
static atomic_int workers_running;

typedef struct worker {
    pthread_t thread;
    uint64_t random_state;
    void *slots[SLOTS_PER_WORKER];
} worker;

static uint32_t next_random(uint64_t *state) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (uint32_t)(*state >> 16);
}

/* Mostly small blocks, sometimes one past the small classes. */
static size_t random_size(uint64_t *state) {
    uint32_t choice = next_random(state);
    if (choice % 64 == 0) return 16384 + choice % 50000;
    return choice % 512;
}

/* Swaps a block with the exchange: the worker frees (or keeps) what another
 * worker left there. */
static void swap_through_exchange(worker *self, size_t slot) {
    size_t place = next_random(&self->random_state) % EXCHANGE_SLOTS;
    self->slots[slot] = atomic_exchange(&exchange[place], self->slots[slot]);
}

static void random_operation(worker *self) {
    uint32_t choice = next_random(&self->random_state);
    size_t slot = (choice >> 8) % SLOTS_PER_WORKER;
    void **block = &self->slots[slot];
    switch (choice % 8) {
    case 0: case 1: case 2:
        zmalloc_free(*block);
        *block = zmalloc_alloc(random_size(&self->random_state));
        break;
    case 3: case 4:
        *block = zmalloc_realloc(*block, random_size(&self->random_state));
        break;
    case 5:
        zmalloc_free(*block);
        *block = NULL;
        break;
    case 6:
        swap_through_exchange(self, slot);
        break;
    default:
        zmalloc_free(*block);
        *block = zmalloc_calloc(random_size(&self->random_state));
        break;
    }
}

static void *worker_main(void *argument) {
    worker *self = argument;
    for (int i = 0; i < OPERATIONS_PER_WORKER; i++) random_operation(self);
    for (size_t slot = 0; slot < SLOTS_PER_WORKER; slot++) zmalloc_free(self->slots[slot]);
    atomic_fetch_sub(&workers_running, 1);
    return NULL;
}

/* Sums the counters while they change; the values must stay plausible. */
static void *reader_main(void *argument) {
    size_t *reads = argument;
    while (atomic_load(&workers_running) > 0) {
        size_t used = zmalloc_used_memory();
        if (used > ((size_t)1 << 40)) return (void *)1;
        (*reads)++;
        struct timespec pause = {0, 100 * 1000};
        nanosleep(&pause, NULL);
    }
    return NULL;
}

static size_t exchange_counted_bytes(void) {
    size_t total = 0;
    for (size_t place = 0; place < EXCHANGE_SLOTS; place++) {
        void *block = atomic_load(&exchange[place]);
        if (block) total += zmalloc_usable_size(block) + zmalloc_size_header_bytes();
    }
    return total;
}

static void free_exchange(void) {
    for (size_t place = 0; place < EXCHANGE_SLOTS; place++)
        zmalloc_free(atomic_exchange(&exchange[place], NULL));
}

static void test_threads_keep_the_count_exact(void **state) {
    (void)state;
    static worker workers[WORKER_COUNT];
    size_t start = zmalloc_used_memory();
    atomic_store(&workers_running, WORKER_COUNT);
    for (int i = 0; i < WORKER_COUNT; i++) {
        workers[i].random_state = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
        assert_int_equal(pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]), 0);
    }
    pthread_t reader;
    size_t reads = 0;
    assert_int_equal(pthread_create(&reader, NULL, reader_main, &reads), 0);
    for (int i = 0; i < WORKER_COUNT; i++) assert_int_equal(pthread_join(workers[i].thread, NULL), 0);
    void *reader_result;
    assert_int_equal(pthread_join(reader, &reader_result), 0);
    assert_null(reader_result);
    assert_true(reads > 0);

    size_t parked = exchange_counted_bytes();
    assert_true(parked > 0);
    assert_int_equal(zmalloc_used_memory() - start, parked);
    free_exchange();
    assert_int_equal(zmalloc_used_memory(), start);
}

/* Threads that only free blocks the main thread allocated end with a
 * "negative" counter; their exit must fold that in too. */
static void *free_given_blocks(void *argument) {
    void **blocks = argument;
    for (size_t i = 0; blocks[i]; i++) zmalloc_free(blocks[i]);
    return NULL;
}

static void test_exited_freeing_threads_fold_negative_counts(void **state) {
    (void)state;
    enum { THREADS = 4, BLOCKS = 1000 };
    static void *blocks[THREADS][BLOCKS + 1];
    size_t start = zmalloc_used_memory();
    for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i < BLOCKS; i++) blocks[t][i] = zmalloc_alloc((size_t)(i % 200) + 1);
        blocks[t][BLOCKS] = NULL;
    }
    assert_true(zmalloc_used_memory() > start);
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&threads[t], NULL, free_given_blocks, blocks[t]), 0);
    for (int t = 0; t < THREADS; t++) assert_int_equal(pthread_join(threads[t], NULL), 0);
    assert_int_equal(zmalloc_used_memory(), start);
}

/* Thread-local destructors of other code may allocate and free after
 * zmalloc's own exit hook (and jemalloc's) has run on the thread: glibc runs
 * destructors in key creation order, and this key is created last. */
static pthread_key_t late_key;
static void *late_survivor;

static void late_destructor(void *block) {
    zmalloc_free(block);
    void *scratch = zmalloc_alloc(300);
    zmalloc_free(scratch);
    late_survivor = zmalloc_realloc(zmalloc_alloc(10), 5000);
}

static void *allocate_then_exit(void *argument) {
    (void)argument;
    zmalloc_free(zmalloc_alloc(1));
    pthread_setspecific(late_key, zmalloc_alloc(123));
    return NULL;
}

static void test_allocations_in_late_exit_destructors_are_counted(void **state) {
    (void)state;
    zmalloc_free(zmalloc_alloc(1)); /* zmalloc's own key exists before late_key */
    assert_int_equal(pthread_key_create(&late_key, late_destructor), 0);
    size_t start = zmalloc_used_memory();
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, allocate_then_exit, NULL), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_non_null(late_survivor);
    assert_int_equal(zmalloc_used_memory() - start,
                     zmalloc_usable_size(late_survivor) + zmalloc_size_header_bytes());
    zmalloc_free(late_survivor);
    assert_int_equal(zmalloc_used_memory(), start);
    pthread_key_delete(late_key);
}

/* zmalloc_thread_counted: a thread's reading moves by exactly what its own
 * calls count (the allocator's rounding included), never by another
 * thread's allocations, and wraps through zero when it frees what another
 * thread allocated. */
static void *allocate_many(void *argument) {
    void **blocks = argument;
    for (int i = 0; i < 1000; i++) blocks[i] = zmalloc_alloc((size_t)(i % 300) + 1);
    return NULL;
}

static void test_thread_counted_measures_own_calls(void **state) {
    (void)state;
    static void *blocks[1000];
    size_t before = zmalloc_thread_counted(), used_before = zmalloc_used_memory();
    void *block = zmalloc_alloc(100);
    size_t counted = zmalloc_thread_counted() - before;
    assert_int_equal(counted, zmalloc_usable_size(block) + zmalloc_size_header_bytes());
    assert_int_equal(zmalloc_used_memory() - used_before, counted);
    block = zmalloc_realloc(block, 5000);
    assert_int_equal(zmalloc_thread_counted() - before, zmalloc_usable_size(block) + zmalloc_size_header_bytes());
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, allocate_many, blocks), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(zmalloc_thread_counted() - before, zmalloc_usable_size(block) + zmalloc_size_header_bytes());
    zmalloc_free(block);
    assert_int_equal(zmalloc_thread_counted(), before);
    size_t others = 0;
    for (int i = 0; i < 1000; i++) others += zmalloc_usable_size(blocks[i]) + zmalloc_size_header_bytes();
    for (int i = 0; i < 1000; i++) zmalloc_free(blocks[i]);
    assert_int_equal(before - zmalloc_thread_counted(), others);
    assert_int_equal(zmalloc_used_memory(), used_before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_keep_the_count_exact),
        cmocka_unit_test(test_exited_freeing_threads_fold_negative_counts),
        cmocka_unit_test(test_allocations_in_late_exit_destructors_are_counted),
        cmocka_unit_test(test_thread_counted_measures_own_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
