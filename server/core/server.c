/* server: the global state, the clocks, the event loop and the cron.
 *
 * libevent 2.1 has no hook that runs before the loop blocks, yet replies must
 * be written once per iteration after every readable client was served.  So
 * the loop is driven here: each turn flushes pending output, frees clients
 * marked for closing, then lets libevent wait and dispatch once
 * (EVLOOP_ONCE).  Handlers therefore only queue output; one writev per
 * client per iteration sends it.
 *
 * The cron is a persistent timer at `hz`: idle clients, ops/sec samples,
 * peak memory, and the periodic jobs other modules register.
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

#include "client.h"
#include "log.h"
#include "networking.h"
#include "zmalloc.h"

#define SERVER_MAX_CRON_JOBS 16
#define OPS_SAMPLE_COUNT 16

server_state server;

static server_cron_job *cron_jobs[SERVER_MAX_CRON_JOBS];
static int cron_job_count;
static server_cron_job *shutdown_jobs[SERVER_MAX_CRON_JOBS];
static int shutdown_job_count;
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

int server_add_cron_job(server_cron_job *job) {
    if (cron_job_count == SERVER_MAX_CRON_JOBS) return -1;
    cron_jobs[cron_job_count++] = job;
    return 0;
}

int server_add_shutdown_job(server_cron_job *job) {
    if (shutdown_job_count == SERVER_MAX_CRON_JOBS) return -1;
    shutdown_jobs[shutdown_job_count++] = job;
    return 0;
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
    client_cron();
    sample_rates();
    size_t used = zmalloc_used_memory();
    if (used > server.peak_used_memory) server.peak_used_memory = used;
    for (int i = 0; i < cron_job_count; i++) cron_jobs[i]();
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
    log_message(LOG_WARNING, "Received %s, scheduling shutdown...",
                signal_number == SIGINT ? "SIGINT" : "SIGTERM");
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
        networking_flush_pending();
        client_free_closed();
        if (server.shutdown_requested) break;
        event_base_loop(server.base, EVLOOP_ONCE);
    }
    networking_flush_pending();
    client_free_closed();
}

void server_finish(void) {
    log_message(LOG_WARNING, "User requested shutdown...");
    networking_close_listeners();
    if (server.config.unix_socket && server.config.unix_socket[0]) {
        log_message(LOG_NOTICE, "Removing the unix socket file.");
        unlink(server.config.unix_socket);
    }
    if (server.config.pid_file && server.config.pid_file[0]) {
        log_message(LOG_NOTICE, "Removing the pid file.");
        unlink(server.config.pid_file);
    }
    while (server.clients) client_free(server.clients);
    for (int i = 0; i < shutdown_job_count; i++) shutdown_jobs[i]();
    log_message(LOG_WARNING, "zkv is now ready to exit, bye bye...");
}
