/* Unit tests for what zmalloc reports about the process and the allocator:
 * RSS (checked against /proc/self/statm, and that touching 64 MiB shows up),
 * the /proc/<pid>/stat parser on hostile command names, allocator statistics
 * and purging per backend, the allocator name (checked against the version
 * its headers declare), total system memory, and, on jemalloc, that
 * used_memory tracks jemalloc's own stats.allocated within 1%. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "zmalloc.h"

#if defined(ZMALLOC_BACKEND_JEMALLOC)
#include <jemalloc/jemalloc.h>
#elif defined(ZMALLOC_BACKEND_TCMALLOC)
#include <gperftools/malloc_extension_c.h>
#include <gperftools/tcmalloc.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define MIB ((size_t)1 << 20)

/* ------------------------------------------------------------------ RSS */

static size_t statm_resident_bytes(void) {
    FILE *file = fopen("/proc/self/statm", "r");
    assert_non_null(file);
    unsigned long long size_pages, resident_pages;
    assert_int_equal(fscanf(file, "%llu %llu", &size_pages, &resident_pages), 2);
    fclose(file);
    return (size_t)resident_pages * (size_t)sysconf(_SC_PAGESIZE);
}

static size_t distance(size_t a, size_t b) {
    return a > b ? a - b : b - a;
}

static void test_rss_agrees_with_statm(void **state) {
    (void)state;
    size_t rss = zmalloc_rss();
    size_t statm = statm_resident_bytes();
    assert_true(rss > 0);
    assert_true(distance(rss, statm) <= MIB);
}

static void test_rss_grows_when_fresh_memory_is_touched(void **state) {
    (void)state;
    size_t size = 64 * MIB;
    unsigned char *block = zmalloc_alloc(size);
    size_t before = zmalloc_rss();
    memset(block, 0x5a, size);
    size_t after = zmalloc_rss();
    zmalloc_free(block);
    assert_true(after > before);
    size_t growth = after - before;
    if (growth < size / 2 || growth > size * 5 / 2)
        fail_msg("touching %zu bytes grew RSS by %zu", size, growth);
}

/* A /proc/<pid>/stat line for `name` whose 24th field is `rss`. */
static void make_stat_line(char *line, size_t capacity, const char *name, const char *rss) {
    snprintf(line, capacity,
             "4242 (%s) S 1 4242 4242 0 -1 4194560 1234 0 0 0 10 5 0 0 20 0 3 0 987654 "
             "3133440 %s 18446744073709551615 94265280671744 94265280691625 0 0 0 0 0 0 0 0 0 "
             "17 1 0 0 0 0 0\n",
             name, rss);
}

static void expect_parsed(const char *name, const char *rss, long long expected) {
    char line[512];
    make_stat_line(line, sizeof(line), name, rss);
    long long pages = -1;
    assert_int_equal(zmalloc_parse_proc_stat_rss_pages(line, &pages), 0);
    assert_int_equal(pages, expected);
}

static void test_stat_parser_handles_hostile_names(void **state) {
    (void)state;
    expect_parsed("zkv-server", "359", 359);
    expect_parsed("a b) c", "12345", 12345);
    expect_parsed(") ) )", "7", 7);
    expect_parsed("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23", "81", 81);
    expect_parsed("(", "0", 0);
    expect_parsed("x", "9223372036854775807", 9223372036854775807LL);
}

static void expect_rejected(const char *text) {
    long long pages = 99;
    assert_int_equal(zmalloc_parse_proc_stat_rss_pages(text, &pages), -1);
    assert_int_equal(pages, 99);
}

static void test_stat_parser_rejects_malformed_text(void **state) {
    (void)state;
    char line[512];
    expect_rejected("");
    expect_rejected("4242 zkv S 1 4242 4242 0 -1 4194560 1234 0 0 0 10 5 0 0 20 0 3 0 987654 3133440 359");
    expect_rejected("4242 (zkv) S 1 4242 4242 0 -1 4194560 1234");
    expect_rejected("4242 (zkv) S 1 4242 4242 0 -1 4194560 1234 0 0 0 10 5 0 0 20 0 3 0 987654 3133440");
    make_stat_line(line, sizeof(line), "zkv", "abc");
    expect_rejected(line);
    make_stat_line(line, sizeof(line), "zkv", "-5");
    expect_rejected(line);
    make_stat_line(line, sizeof(line), "zkv", "12x");
    expect_rejected(line);
    make_stat_line(line, sizeof(line), "zkv", "99999999999999999999999");
    expect_rejected(line);
}

/* ------------------------------------------------- allocator statistics */

static int backend_has_stats(void) {
#if defined(ZMALLOC_BACKEND_JEMALLOC) || defined(ZMALLOC_BACKEND_TCMALLOC)
    return 1;
#elif defined(ZMALLOC_BACKEND_LIBC) && defined(__GLIBC__)
    return !UNDER_ASAN;
#else
    return 0;
#endif
}

static void test_allocator_stats_see_allocations(void **state) {
    (void)state;
    zmalloc_allocator_stats before, after;
    int result = zmalloc_get_allocator_stats(&before);
    if (!backend_has_stats()) {
        if (result != 0) assert_true(before.allocated == 0 && before.active == 0 && before.resident == 0);
        skip();
    }
    assert_int_equal(result, 0);
    size_t size = 16 * MIB;
    unsigned char *block = zmalloc_alloc(size);
    memset(block, 1, size);
    assert_int_equal(zmalloc_get_allocator_stats(&after), 0);
    zmalloc_free(block);
    assert_true(after.allocated >= before.allocated + size);
    assert_true(after.allocated <= before.allocated + size + 4 * MIB);
    assert_true(after.allocated <= after.active);
    assert_true(after.active <= after.resident);
}

/* Bytes of freed pages the allocator still holds in physical memory:
 * jemalloc's dirty pages, tcmalloc's free page-heap bytes. */
static size_t held_free_bytes(void) {
    size_t value = 0;
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    uint64_t epoch = 1;
    size_t length = sizeof(epoch);
    assert_int_equal(mallctl("epoch", &epoch, &length, &epoch, length), 0);
    length = sizeof(value);
    assert_int_equal(mallctl("stats.arenas.4096.pdirty", &value, &length, NULL, 0), 0);
    value *= (size_t)sysconf(_SC_PAGESIZE);
#elif defined(ZMALLOC_BACKEND_TCMALLOC)
    assert_true(MallocExtension_GetNumericProperty("tcmalloc.pageheap_free_bytes", &value));
#endif
    return value;
}

/* Freed pages stay dirty in jemalloc for seconds (decay) and in tcmalloc's
 * page heap until released.  Purging must return them at once, and RSS
 * must show it. */
static void test_purge_returns_freed_pages(void **state) {
    (void)state;
    enum { BLOCKS = 16 };
    size_t block_size = 4 * MIB;
    void *blocks[BLOCKS];
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = zmalloc_alloc(block_size);
        memset(blocks[i], 3, block_size);
    }
    for (int i = 0; i < BLOCKS; i++) zmalloc_free(blocks[i]);
    size_t held_before = held_free_bytes();
    size_t rss_before = zmalloc_rss();
    int result = zmalloc_purge();
    size_t rss_after = zmalloc_rss();
#if defined(ZMALLOC_BACKEND_JEMALLOC) || defined(ZMALLOC_BACKEND_TCMALLOC)
    assert_int_equal(result, 0);
    assert_true(held_before >= 4 * MIB);
    assert_int_equal(held_free_bytes(), 0);
    if (rss_after + held_before / 2 > rss_before)
        fail_msg("purge of %zu held bytes took RSS from %zu to %zu only", held_before, rss_before,
                 rss_after);
#elif defined(__GLIBC__)
    (void)held_before;
    assert_int_equal(result, 0);
    assert_true(rss_after <= rss_before + MIB);
#else
    (void)held_before;
    (void)rss_after;
    (void)result;
#endif
}

static void test_allocator_name_matches_headers(void **state) {
    (void)state;
    char expected[64];
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    snprintf(expected, sizeof(expected), "jemalloc-%d.%d.%d", JEMALLOC_VERSION_MAJOR,
             JEMALLOC_VERSION_MINOR, JEMALLOC_VERSION_BUGFIX);
#elif defined(ZMALLOC_BACKEND_TCMALLOC)
    snprintf(expected, sizeof(expected), "tcmalloc-%d.%d%s", TC_VERSION_MAJOR, TC_VERSION_MINOR,
             TC_VERSION_PATCH);
#else
    snprintf(expected, sizeof(expected), "libc");
#endif
    assert_string_equal(zmalloc_allocator_name(), expected);
    assert_ptr_equal(zmalloc_allocator_name(), zmalloc_allocator_name());
}

static void test_total_system_memory_matches_meminfo(void **state) {
    (void)state;
    FILE *file = fopen("/proc/meminfo", "r");
    assert_non_null(file);
    unsigned long long kibibytes = 0;
    assert_int_equal(fscanf(file, "MemTotal: %llu kB", &kibibytes), 1);
    fclose(file);
    assert_true(distance(zmalloc_total_system_memory(), (size_t)kibibytes * 1024) < MIB);
}

/* ------------------------------------------------ accuracy on jemalloc */

#if defined(ZMALLOC_BACKEND_JEMALLOC)
/* jemalloc counts blocks parked in the thread cache as allocated; flushing
 * the cache before each reading removes that noise. */
static size_t jemalloc_allocated(void) {
    mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
    uint64_t epoch = 1;
    size_t length = sizeof(epoch);
    assert_int_equal(mallctl("epoch", &epoch, &length, &epoch, length), 0);
    size_t allocated;
    length = sizeof(allocated);
    assert_int_equal(mallctl("stats.allocated", &allocated, &length, NULL, 0), 0);
    return allocated;
}

/* 98% up to 256 bytes, 1.9% up to 4 KiB, 0.1% up to 64 KiB. */
static size_t mixed_size(uint64_t *state) {
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t random = (uint32_t)(*state >> 33);
    uint32_t bucket = random % 1000;
    if (bucket < 980) return random % 256 + 1;
    if (bucket < 999) return random % 4096 + 1;
    return random % 65536 + 1;
}
#endif

static void test_used_memory_tracks_jemalloc_allocated(void **state) {
    (void)state;
#if defined(ZMALLOC_BACKEND_JEMALLOC)
    if (zmalloc_size_header_bytes() != 0) skip(); /* counts requested sizes, not classes */
    enum { COUNT = 1000000 };
    void **blocks = malloc(COUNT * sizeof(*blocks));
    assert_non_null(blocks);
    uint64_t random_state = 12345;
    size_t used_before = zmalloc_used_memory();
    size_t allocated_before = jemalloc_allocated();
    for (size_t i = 0; i < COUNT; i++) blocks[i] = zmalloc_alloc(mixed_size(&random_state));
    double used_growth = (double)(zmalloc_used_memory() - used_before);
    double allocated_growth = (double)(jemalloc_allocated() - allocated_before);
    for (size_t i = 0; i < COUNT; i++) zmalloc_free(blocks[i]);
    free(blocks);
    assert_true(used_growth > 100.0 * MIB);
    double error = (used_growth - allocated_growth) / allocated_growth;
    print_message("used_memory grew %.0f, stats.allocated %.0f (%.4f%% apart)\n", used_growth,
                  allocated_growth, error * 100);
    assert_true(error < 0.01 && error > -0.01);
    assert_int_equal(zmalloc_used_memory(), used_before);
#else
    skip();
#endif
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rss_agrees_with_statm),
        cmocka_unit_test(test_rss_grows_when_fresh_memory_is_touched),
        cmocka_unit_test(test_stat_parser_handles_hostile_names),
        cmocka_unit_test(test_stat_parser_rejects_malformed_text),
        cmocka_unit_test(test_allocator_stats_see_allocations),
        cmocka_unit_test(test_purge_returns_freed_pages),
        cmocka_unit_test(test_allocator_name_matches_headers),
        cmocka_unit_test(test_total_system_memory_matches_meminfo),
        cmocka_unit_test(test_used_memory_tracks_jemalloc_allocated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
