/* server: the global state, the clocks, the event loop and the cron.
 *
 * libevent 2.1 has no hook that runs before the loop blocks, yet replies must
 * be written once per iteration after every readable client was served.  So
 * the loop is driven here: each turn runs the modules' before-sleep work
 * (the network layer flushes pending output and frees clients marked for
 * closing), then lets libevent wait and dispatch once (EVLOOP_ONCE).
 * Handlers therefore only queue output; one writev per client per iteration
 * sends it.
 *
 * The cron is a persistent timer at `hz`: ops/sec samples, peak memory, and
 * the modules' periodic work.  The loop calls the modules only through the
 * hooks module.c installs, so core includes no upper layer.
 */
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "zmalloc.h"

#define OPS_SAMPLE_COUNT 16

server_state server;

static void no_work(void) {}

static struct {
    server_hook *cron, *before_sleep, *reset_stats, *shutdown;
} hooks = {no_work, no_work, no_work, no_work};
static struct event *cron_event;
static struct event *signal_events[2];

/* ---- Clocks ---- */

void server_update_cached_time(void) {
    struct timeval now;
    gettimeofday(&now, NULL);
    server.unix_time_ms = (int64_t)now.tv_sec * 1000 + now.tv_usec / 1000;
}

long long server_uptime_seconds(void) {
    return (long long)((server_monotonic_us() - server.start_monotonic_us) / 1000000u);
}

void server_set_module_hooks(server_hook *cron, server_hook *before_sleep, server_hook *reset_stats,
                             server_hook *shutdown) {
    hooks.cron = cron;
    hooks.before_sleep = before_sleep;
    hooks.reset_stats = reset_stats;
    hooks.shutdown = shutdown;
}

static server_latency_recorder *latency_recorder;

void server_set_latency_recorder(server_latency_recorder *recorder) { latency_recorder = recorder; }

void server_latency_event(const char *event, long long latency_ms) {
    if (latency_recorder) latency_recorder(event, latency_ms);
}

void server_reset_statistics(void) {
    long long dirty = server.stats.dirty; /* a persistence counter, not a statistic */
    memset(&server.stats, 0, sizeof(server.stats));
    server.stats.dirty = dirty;
    server.stats.ops_last_sample_ms = server_unix_time_ms();
    server.peak_used_memory = zmalloc_used_memory();
    hooks.reset_stats();
}

static server_shutdown_preparer *shutdown_preparer;

void server_set_shutdown_preparer(server_shutdown_preparer *preparer) {
    shutdown_preparer = preparer;
}

int server_prepare_shutdown(int flags) {
    return shutdown_preparer ? shutdown_preparer(flags) : 0;
}

void server_request_shutdown(int exit_code) {
    server.shutdown_requested = 1;
    server.shutdown_exit_code = exit_code;
    if (server.base) event_base_loopbreak(server.base);
}

/* ---- Cron ---- */

/* One instantaneous_ops_per_sec sample: commands per second since the last. */
static void sample_rates(void) {
    int64_t now = server_unix_time_ms();
    int64_t elapsed = now - server.stats.ops_last_sample_ms;
    if (elapsed < 100) return;
    server_stats *stats = &server.stats;
    int index = stats->ops_sample_index;
    stats->ops_samples[index] = (stats->commands_processed - stats->ops_last_sample_count) * 1000 / elapsed;
    stats->net_input_samples[index] = (stats->net_input_bytes - stats->net_input_last) * 1000 / elapsed;
    stats->net_output_samples[index] = (stats->net_output_bytes - stats->net_output_last) * 1000 / elapsed;
    stats->ops_sample_index = (index + 1) % OPS_SAMPLE_COUNT;
    stats->ops_last_sample_count = stats->commands_processed;
    stats->net_input_last = stats->net_input_bytes;
    stats->net_output_last = stats->net_output_bytes;
    stats->ops_last_sample_ms = now;
}

static void cron(evutil_socket_t fd, short events, void *argument) {
    (void)fd;
    (void)events;
    (void)argument;
    server_update_cached_time();
    server.cron_loops++;
    sample_rates();
    size_t used = zmalloc_used_memory();
    if (used > server.peak_used_memory) server.peak_used_memory = used;
    hooks.cron();
}

/* Reprograms the cron timer after `hz` changed. */
void server_schedule_cron(void) {
    if (!server.base) return;
    if (!cron_event) cron_event = event_new(server.base, -1, EV_PERSIST, cron, NULL);
    if (server.config.hz < 1) server.config.hz = 1; /* Redis clamps hz to 1..500 */
    if (server.config.hz > 500) server.config.hz = 500;
    int hz = server.config.hz;
    struct timeval interval = {.tv_sec = 0, .tv_usec = 1000000 / hz};
    if (hz == 1) interval = (struct timeval){.tv_sec = 1, .tv_usec = 0};
    event_add(cron_event, &interval);
}

/* ---- Signals ---- */

static void signal_handler(evutil_socket_t signal_number, short events, void *argument) {
    (void)events;
    (void)argument;
    const char *name = signal_number == SIGINT ? "SIGINT" : "SIGTERM";
    log_message(LOG_WARNING, "Received %s, scheduling shutdown...", name);
    if (server_prepare_shutdown(0) != 0) {
        log_message(LOG_WARNING, "%s received but errors trying to shut down the server, check the logs for more information",
                    name);
        return;
    }
    server_request_shutdown(0);
}

static void install_signals(void) {
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal_events[0] = evsignal_new(server.base, SIGTERM, signal_handler, NULL);
    signal_events[1] = evsignal_new(server.base, SIGINT, signal_handler, NULL);
    event_add(signal_events[0], NULL);
    event_add(signal_events[1], NULL);
}

/* ---- Start-up, loop, shutdown ---- */

static void make_run_id(void) {
    static const char hex[] = "0123456789abcdef";
    uint64_t state = server_monotonic_us() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
    for (int i = 0; i < 40; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        server.run_id[i] = hex[state & 15];
    }
    server.run_id[40] = '\0';
}

int server_init(void) {
    server.pid = getpid();
    monotonic_init();
    server_update_cached_time();
    server.start_time_ms = server.unix_time_ms;
    server.start_monotonic_us = server_monotonic_us();
    server.stats.ops_last_sample_ms = server.unix_time_ms;
    make_run_id();
    server.base = event_base_new();
    if (!server.base) return -1;
    install_signals();
    server_schedule_cron();
    return 0;
}

void server_run(void) {
    while (!server.shutdown_requested) {
        hooks.before_sleep();
        if (server.shutdown_requested) break;
        event_base_loop(server.base, EVLOOP_ONCE);
    }
    hooks.before_sleep();
}

void server_finish(void) {
    log_message(LOG_WARNING, "User requested shutdown...");
    hooks.shutdown();
    if (server.config.unix_socket && server.config.unix_socket[0]) {
        log_message(LOG_NOTICE, "Removing the unix socket file.");
        unlink(server.config.unix_socket);
    }
    if (server.config.pid_file && server.config.pid_file[0]) {
        log_message(LOG_NOTICE, "Removing the pid file.");
        unlink(server.config.pid_file);
    }
    log_message(LOG_WARNING, "zkv is now ready to exit, bye bye...");
}
