/* Unit tests for zmalloc's single-threaded contract: every allocation path
 * returns used_memory exactly to where it started, the size header hides
 * itself, and failures reach the out-of-memory handler only from the non-try
 * functions.  They run on every backend; a few checks depend on whether the
 * size-header path is in use, which zmalloc_size_header_bytes() tells. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "zmalloc.h"

/* Under ASan an impossible size must give NULL, as in a plain build, rather
 * than a fatal report. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1";
}

#define IMPOSSIBLE_SIZE (SIZE_MAX / 2)

/* What a block of `requested` bytes at `pointer` must count for. */
static size_t expected_counted_size(const void *pointer, size_t requested) {
    size_t header = zmalloc_size_header_bytes();
    if (header) return requested + header;
    return zmalloc_usable_size(pointer);
}

static void fill_pattern(unsigned char *bytes, size_t length, unsigned seed) {
    for (size_t i = 0; i < length; i++) bytes[i] = (unsigned char)(seed + i * 31);
}

static int has_pattern(const unsigned char *bytes, size_t length, unsigned seed) {
    for (size_t i = 0; i < length; i++)
        if (bytes[i] != (unsigned char)(seed + i * 31)) return 0;
    return 1;
}

/* zmalloc.h inlines calls to zmalloc_alloc, zmalloc_calloc and zmalloc_free,
 * while the names taken as function pointers (as libevent's hooks are) are
 * the out-of-line functions: blocks must move between the two freely and
 * count the same. */
static void test_inline_calls_and_function_pointers_count_alike(void **state) {
    (void)state;
    void *(*alloc_function)(size_t) = zmalloc_alloc;
    void *(*calloc_function)(size_t) = zmalloc_calloc;
    void (*free_function)(void *) = zmalloc_free;
    size_t start = zmalloc_used_memory();
    for (size_t size = 0; size < 600; size += 37) {
        void *inline_block = zmalloc_alloc(size);
        void *pointer_block = alloc_function(size);
        void *zeroed_block = calloc_function(size);
        assert_int_equal(zmalloc_used_memory() - start,
                         expected_counted_size(inline_block, size) +
                             expected_counted_size(pointer_block, size) +
                             expected_counted_size(zeroed_block, size));
        free_function(inline_block);
        zmalloc_free(pointer_block);
        zmalloc_free(zeroed_block);
        assert_int_equal(zmalloc_used_memory(), start);
    }
    free_function(NULL);
    assert_int_equal(zmalloc_used_memory(), start);
}

/* Every size up to past 4 KiB, one by one: backends may answer small sizes
 * from a table of size classes (tcmalloc does), and each size must still
 * count exactly what it consumes. */
static void test_every_small_size_counts_exactly(void **state) {
    (void)state;
    size_t start = zmalloc_used_memory();
    for (size_t size = 0; size <= 4200; size++) {
        void *pointer = zmalloc_alloc(size);
        assert_int_equal(zmalloc_used_memory() - start, expected_counted_size(pointer, size));
        zmalloc_free(pointer);
        assert_int_equal(zmalloc_used_memory(), start);
    }
}

static void test_alloc_free_restores_count(void **state) {
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 8, 9, 16, 24, 100, 4096, 65536, 1 << 20, (8 << 20) + 3};
    size_t start = zmalloc_used_memory();
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *pointer = zmalloc_alloc(sizes[i]);
        assert_non_null(pointer);
        assert_true(zmalloc_usable_size(pointer) >= sizes[i]);
        fill_pattern(pointer, sizes[i], (unsigned)i);
        assert_int_equal(zmalloc_used_memory() - start, expected_counted_size(pointer, sizes[i]));
        zmalloc_free(pointer);
        assert_int_equal(zmalloc_used_memory(), start);
    }
    zmalloc_free(NULL);
    assert_int_equal(zmalloc_used_memory(), start);
}

static void test_calloc_zeroes_and_counts(void **state) {
    (void)state;
    size_t start = zmalloc_used_memory();
    for (size_t size = 1; size <= 300000; size = size * 3 + 1) {
        unsigned char *pointer = zmalloc_calloc(size);
        for (size_t i = 0; i < size; i++) assert_int_equal(pointer[i], 0);
        assert_int_equal(zmalloc_used_memory() - start, expected_counted_size(pointer, size));
        zmalloc_free(pointer);
    }
    assert_int_equal(zmalloc_used_memory(), start);
}

static void test_realloc_grow_shrink_zero_null(void **state) {
    (void)state;
    size_t start = zmalloc_used_memory();
    unsigned char *pointer = zmalloc_realloc(NULL, 10);
    assert_int_equal(zmalloc_used_memory() - start, expected_counted_size(pointer, 10));
    fill_pattern(pointer, 10, 3);

    pointer = zmalloc_realloc(pointer, 100000);
    assert_true(has_pattern(pointer, 10, 3));
    assert_int_equal(zmalloc_used_memory() - start, expected_counted_size(pointer, 100000));
    fill_pattern(pointer, 100000, 5);

    pointer = zmalloc_realloc(pointer, 33);
    assert_true(has_pattern(pointer, 33, 5));
    assert_int_equal(zmalloc_used_memory() - start, expected_counted_size(pointer, 33));

    assert_null(zmalloc_realloc(pointer, 0));
    assert_int_equal(zmalloc_used_memory(), start);

    pointer = zmalloc_try_realloc(NULL, 77);
    assert_non_null(pointer);
    assert_int_equal(zmalloc_used_memory() - start, expected_counted_size(pointer, 77));
    assert_null(zmalloc_try_realloc(pointer, 0));
    assert_int_equal(zmalloc_used_memory(), start);
}

static void test_many_live_blocks_sum_exactly(void **state) {
    (void)state;
    enum { COUNT = 5000 };
    void **blocks = calloc(COUNT, sizeof(*blocks));
    size_t start = zmalloc_used_memory();
    size_t expected = 0;
    for (size_t i = 0; i < COUNT; i++) {
        size_t size = (i * 7919) % 3000;
        blocks[i] = zmalloc_alloc(size);
        expected += expected_counted_size(blocks[i], size);
    }
    assert_int_equal(zmalloc_used_memory() - start, expected);
    for (size_t i = 0; i < COUNT; i += 2) zmalloc_free(blocks[i]);
    for (size_t i = 1; i < COUNT; i += 2) blocks[i] = zmalloc_realloc(blocks[i], i % 500 + 1);
    for (size_t i = 1; i < COUNT; i += 2) zmalloc_free(blocks[i]);
    assert_int_equal(zmalloc_used_memory(), start);
    free(blocks);
}

static void test_strdup_copies_and_counts(void **state) {
    (void)state;
    size_t start = zmalloc_used_memory();
    const char *text = "a string with \"quotes\" and\ttabs";
    char *copy = zmalloc_strdup(text);
    assert_ptr_not_equal(copy, text);
    assert_string_equal(copy, text);
    assert_int_equal(zmalloc_used_memory() - start, expected_counted_size(copy, strlen(text) + 1));
    zmalloc_free(copy);
    char *empty = zmalloc_strdup("");
    assert_string_equal(empty, "");
    zmalloc_free(empty);
    assert_int_equal(zmalloc_used_memory(), start);
}

/* The header path hands out block + 8: aligned to 8, usable size exactly as
 * requested, and writing every byte up to it leaves the header intact. */
static void test_header_hides_itself_and_keeps_alignment(void **state) {
    (void)state;
    size_t header = zmalloc_size_header_bytes();
    if (header) assert_int_equal(header, 8);
    for (size_t size = 0; size < 600; size += 13) {
        unsigned char *pointer = zmalloc_alloc(size);
        assert_int_equal((uintptr_t)pointer % 8, 0);
        size_t usable = zmalloc_usable_size(pointer);
        if (header)
            assert_int_equal(usable, size);
        else
            assert_true(usable >= size);
        memset(pointer, 0xa5, usable);
        pointer = zmalloc_realloc(pointer, usable + 1);
        for (size_t i = 0; i < usable; i++) assert_int_equal(pointer[i], 0xa5);
        zmalloc_free(pointer);
    }
    assert_int_equal(zmalloc_usable_size(NULL), 0);
}

/* good_size is what an allocation of that size consumes in used_memory. */
static void test_good_size_matches_consumption(void **state) {
    (void)state;
    int allocator_knows = zmalloc_size_header_bytes() != 0 || zmalloc_good_size(17) != 17;
    for (size_t size = 0; size < (16 << 20); size = size < 300 ? size + 1 : size * 5 / 4 + 1) {
        size_t good = zmalloc_good_size(size);
        assert_true(good >= size);
        if (!allocator_knows) continue;
        size_t start = zmalloc_used_memory();
        void *pointer = zmalloc_alloc(size);
        assert_int_equal(zmalloc_used_memory() - start, good);
        zmalloc_free(pointer);
    }
}

/* ------------------------------------------------------ out of memory */

static jmp_buf handler_return;
static size_t handler_calls;
static size_t handler_requested;

static void recording_handler(size_t requested_size) {
    handler_calls++;
    handler_requested = requested_size;
    longjmp(handler_return, 1);
}

static void test_try_variants_return_null_without_handler(void **state) {
    (void)state;
    zmalloc_set_oom_handler(recording_handler);
    handler_calls = 0;
    size_t start = zmalloc_used_memory();
    if (setjmp(handler_return) == 0) {
        assert_null(zmalloc_try_alloc(IMPOSSIBLE_SIZE));
        assert_null(zmalloc_try_calloc(IMPOSSIBLE_SIZE));
        assert_null(zmalloc_try_alloc(SIZE_MAX));
        unsigned char *pointer = zmalloc_alloc(40);
        fill_pattern(pointer, 40, 9);
        size_t with_block = zmalloc_used_memory();
        assert_null(zmalloc_try_realloc(pointer, IMPOSSIBLE_SIZE));
        assert_int_equal(zmalloc_used_memory(), with_block);
        assert_true(has_pattern(pointer, 40, 9));
        zmalloc_free(pointer);
    }
    zmalloc_set_oom_handler(NULL);
    assert_int_equal(handler_calls, 0);
    assert_int_equal(zmalloc_used_memory(), start);
}

/* Each failing call must reach the handler with the requested size. */
static void expect_handler_call(int which, unsigned char *block) {
    handler_calls = 0;
    handler_requested = 0;
    if (setjmp(handler_return) == 0) {
        if (which == 0) zmalloc_alloc(IMPOSSIBLE_SIZE);
        if (which == 1) zmalloc_calloc(IMPOSSIBLE_SIZE);
        if (which == 2) zmalloc_realloc(block, IMPOSSIBLE_SIZE);
        fail_msg("allocation of an impossible size returned (variant %d)", which);
    }
    assert_int_equal(handler_calls, 1);
    assert_int_equal(handler_requested, IMPOSSIBLE_SIZE);
}

static void test_failing_variants_call_handler(void **state) {
    (void)state;
    size_t start = zmalloc_used_memory();
    unsigned char *block = zmalloc_alloc(64);
    fill_pattern(block, 64, 1);
    zmalloc_set_oom_handler(recording_handler);
    for (int which = 0; which < 3; which++) expect_handler_call(which, block);
    zmalloc_set_oom_handler(NULL);
    assert_true(has_pattern(block, 64, 1));
    zmalloc_free(block);
    assert_int_equal(zmalloc_used_memory(), start);
}

/* Waits up to timeout_seconds for the child; kills it if it overstays. */
static int wait_child(pid_t child, int timeout_seconds) {
    int status = 0;
    for (int waited_ms = 0; waited_ms < timeout_seconds * 1000; waited_ms += 10) {
        if (waitpid(child, &status, WNOHANG) == child) return status;
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    fail_msg("child %d did not finish in %d s", (int)child, timeout_seconds);
    return status;
}

static void test_default_handler_logs_and_aborts(void **state) {
    (void)state;
    int pipe_ends[2];
    assert_int_equal(pipe(pipe_ends), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        dup2(pipe_ends[1], STDERR_FILENO);
        close(pipe_ends[0]);
        zmalloc_set_oom_handler(NULL);
        zmalloc_alloc(IMPOSSIBLE_SIZE);
        _exit(0); /* reached only if the default handler returned */
    }
    close(pipe_ends[1]);
    char output[512] = {0};
    size_t length = 0;
    ssize_t got;
    while (length < sizeof(output) - 1 &&
           (got = read(pipe_ends[0], output + length, sizeof(output) - 1 - length)) > 0)
        length += (size_t)got;
    close(pipe_ends[0]);
    int status = wait_child(child, 10);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    char expected[128];
    snprintf(expected, sizeof(expected), "out of memory trying to allocate %zu bytes", (size_t)IMPOSSIBLE_SIZE);
    if (!strstr(output, expected)) fail_msg("stderr was: %s", output);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_free_restores_count),
        cmocka_unit_test(test_every_small_size_counts_exactly),
        cmocka_unit_test(test_inline_calls_and_function_pointers_count_alike),
        cmocka_unit_test(test_calloc_zeroes_and_counts),
        cmocka_unit_test(test_realloc_grow_shrink_zero_null),
        cmocka_unit_test(test_many_live_blocks_sum_exactly),
        cmocka_unit_test(test_strdup_copies_and_counts),
        cmocka_unit_test(test_header_hides_itself_and_keeps_alignment),
        cmocka_unit_test(test_good_size_matches_consumption),
        cmocka_unit_test(test_try_variants_return_null_without_handler),
        cmocka_unit_test(test_failing_variants_call_handler),
        cmocka_unit_test(test_default_handler_logs_and_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
