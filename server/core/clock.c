/* clock: server_monotonic_us, the clock that times every command.
 *
 * dispatch reads this clock twice per command, so its cost shows up in
 * pipelined throughput: on the virtual machines zkv is benchmarked on,
 * clock_gettime costs ~8% of a PING-only run.  On x86-64 CPUs whose time
 * stamp counter ticks at a constant rate (constant_tsc + nonstop_tsc in
 * /proc/cpuinfo) the counter is read directly and converted with a
 * fixed-point factor measured against CLOCK_MONOTONIC at start-up (a 10 ms
 * calibration between two tightly bracketed readings: the error is a few
 * ppm, fine for statistics and timeouts).  Everywhere
 * else, and if calibration looks wrong, it falls back to clock_gettime.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

static unsigned __int128 ticks_to_us_factor; /* microseconds per tick, as a 64.64 fixed-point number */
static uint64_t base_ticks;
static int use_tsc;

static uint64_t clock_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

#if defined(__x86_64__)
static int cpu_has_invariant_tsc(void) {
    FILE *file = fopen("/proc/cpuinfo", "r");
    if (!file) return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof(line), file)) {
        if (strncmp(line, "flags", 5) == 0) found = strstr(line, " constant_tsc") && strstr(line, " nonstop_tsc");
    }
    fclose(file);
    return found;
}

/* One (microseconds, ticks) pair: the clock read between two counter reads,
 * the tightest of a few tries, so a preemption between the two reads (on a
 * loaded machine: a millisecond, 10% of the calibration) cannot skew the
 * factor. */
static void clock_and_ticks(uint64_t *us, uint64_t *ticks) {
    uint64_t best_span = UINT64_MAX;
    for (int attempt = 0; attempt < 8; attempt++) {
        uint64_t before = __rdtsc(), now = clock_us(), after = __rdtsc();
        if (after - before < best_span) {
            best_span = after - before;
            *us = now;
            *ticks = before + (after - before) / 2;
        }
    }
}

void monotonic_init(void) {
    if (!cpu_has_invariant_tsc()) return;
    uint64_t start_us, start_ticks, end_us, end_ticks;
    clock_and_ticks(&start_us, &start_ticks);
    while (clock_us() - start_us < 10000) continue;
    clock_and_ticks(&end_us, &end_ticks);
    uint64_t elapsed_us = end_us - start_us, elapsed_ticks = end_ticks - start_ticks;
    if (elapsed_ticks < elapsed_us * 100) return; /* under 100 MHz: not a sane TSC */
    ticks_to_us_factor = ((unsigned __int128)elapsed_us << 64) / elapsed_ticks;
    base_ticks = __rdtsc();
    use_tsc = 1;
}

uint64_t server_monotonic_us(void) {
    if (!use_tsc) return clock_us();
    return (uint64_t)(((unsigned __int128)(__rdtsc() - base_ticks) * ticks_to_us_factor) >> 64);
}
#else
void monotonic_init(void) {}

uint64_t server_monotonic_us(void) { return clock_us(); }
#endif
