/* info_sections: the INFO sections about the process and its roles: server,
 * clients, replication, cpu, modules (persistence is the persist module's).
 *
 * zkv has no replication nor modules; those sections
 * report what a Redis 7.0 server with all of them off reports, so clients
 * and tools that read the fields find them.
 */
#include <event2/event.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>

#include "blocking.h"
#include "client.h"
#include "cluster.h"
#include "hash.h"
#include "info.h"
#include "pause.h"
#include "tracking.h"

/* ---- server ---- */

/* "Linux 6.1.0 x86_64": asked once, the kernel does not change under us. */
static const char *operating_system(void) {
    static char text[256];
    if (text[0]) return text;
    struct utsname name;
    if (uname(&name) == 0) snprintf(text, sizeof(text), "%s %s %s", name.sysname, name.release, name.machine);
    else snprintf(text, sizeof(text), "unknown");
    return text;
}

static void write_platform(strbuf *out) {
    strbuf_printf(out, "os:%s\r\n", operating_system());
    strbuf_printf(out, "arch_bits:%d\r\n", (int)(sizeof(void *) * 8));
    strbuf_append_cstring(out, "monotonic_clock:POSIX clock_gettime\r\n");
    strbuf_printf(out, "multiplexing_api:%s\r\n", server.base ? event_base_get_method(server.base) : "none");
    strbuf_append_cstring(out, "atomicvar_api:c11-builtin\r\n");
#ifdef __GNUC__
    strbuf_printf(out, "gcc_version:%d.%d.%d\r\n", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
    strbuf_append_cstring(out, "gcc_version:0.0.0\r\n");
#endif
}

void info_write_server(strbuf *out) {
    struct timeval now;
    gettimeofday(&now, NULL);
    long long uptime = server_uptime_seconds();
    strbuf_append_cstring(out, "redis_version:" ZKV_REDIS_COMPAT_VERSION "\r\n"
                               "redis_git_sha1:00000000\r\n"
                               "redis_git_dirty:0\r\n");
    /* A build id stable for one binary: a hash of the version and build time. */
    static const char build[] = ZKV_VERSION " " __DATE__ " " __TIME__;
    strbuf_printf(out, "redis_build_id:%016llx\r\n",
                  (unsigned long long)hash_bytes_seeded(build, sizeof(build) - 1, 0));
    strbuf_printf(out, "redis_mode:%s\r\n", cluster_enabled() ? "cluster" : "standalone");
    write_platform(out);
    strbuf_printf(out, "process_id:%ld\r\n", (long)server.pid);
    strbuf_append_cstring(out, "process_supervised:no\r\n");
    strbuf_printf(out, "run_id:%s\r\n", server.run_id);
    strbuf_printf(out, "tcp_port:%d\r\n", server.config.port);
    strbuf_printf(out, "server_time_usec:%lld\r\n", (long long)now.tv_sec * 1000000 + now.tv_usec);
    strbuf_printf(out, "uptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\n", uptime, uptime / 86400);
    strbuf_printf(out, "hz:%d\r\nconfigured_hz:%d\r\n", server.config.hz, server.config.hz);
    strbuf_printf(out, "lru_clock:%lld\r\n", ((long long)now.tv_sec) & ((1 << 24) - 1));
    strbuf_printf(out, "executable:%s\r\n", server.executable ? server.executable : "");
    strbuf_printf(out, "config_file:%s\r\n", server.config_file ? server.config_file : "");
    strbuf_append_cstring(out, "io_threads_active:0\r\n");
    strbuf_append_cstring(out, "zkv_version:" ZKV_VERSION "\r\n");
}

/* ---- clients ---- */

void info_write_clients(strbuf *out) {
    size_t largest_input = 0, largest_output = 0;
    for (const client *c = net.clients; c; c = c->next) {
        size_t input = resp_parser_memory(c->parser);
        size_t output = resp_output_memory(c->hidden_reply ? c->hidden_reply : c->reply);
        if (input > largest_input) largest_input = input;
        if (output > largest_output) largest_output = output;
    }
    strbuf_printf(out,
                  "connected_clients:%d\r\n"
                  "cluster_connections:0\r\n"
                  "maxclients:%d\r\n"
                  "client_recent_max_input_buffer:%zu\r\n"
                  "client_recent_max_output_buffer:%zu\r\n"
                  "blocked_clients:%lld\r\n"
                  "tracking_clients:%zu\r\n"
                  "clients_in_timeout_table:%lld\r\n",
                  net.client_count, server.config.max_clients, largest_input, largest_output,
                  blocking_client_count() + (long long)pause_waiting_clients(), tracking_client_count(),
                  blocking_timeout_count());
}

/* ---- replication ---- */

/* A replication id is 40 hex digits; zkv never replicates, so one drawn
 * from the run id (reversed, to differ from it) stays fixed for the process. */
static const char *replication_id(void) {
    static char id[41];
    if (!id[0]) {
        for (int i = 0; i < 40; i++) id[i] = server.run_id[39 - i] ? server.run_id[39 - i] : '0';
        id[40] = '\0';
    }
    return id;
}

void info_write_replication(strbuf *out) {
    strbuf_printf(out,
                  "role:master\r\n"
                  "connected_slaves:0\r\n"
                  "master_failover_state:no-failover\r\n"
                  "master_replid:%s\r\n"
                  "master_replid2:0000000000000000000000000000000000000000\r\n"
                  "master_repl_offset:0\r\n"
                  "second_repl_offset:-1\r\n"
                  "repl_backlog_active:0\r\n"
                  "repl_backlog_size:1048576\r\n"
                  "repl_backlog_first_byte_offset:0\r\n"
                  "repl_backlog_histlen:0\r\n",
                  replication_id());
}

/* ---- cpu ---- */

static void write_time(strbuf *out, const char *name, struct timeval value) {
    strbuf_printf(out, "%s:%ld.%06ld\r\n", name, (long)value.tv_sec, (long)value.tv_usec);
}

void info_write_cpu(strbuf *out) {
    struct rusage self, children, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
#ifdef RUSAGE_THREAD
    getrusage(RUSAGE_THREAD, &thread);
#else
    thread = self;
#endif
    write_time(out, "used_cpu_sys", self.ru_stime);
    write_time(out, "used_cpu_user", self.ru_utime);
    write_time(out, "used_cpu_sys_children", children.ru_stime);
    write_time(out, "used_cpu_user_children", children.ru_utime);
    write_time(out, "used_cpu_sys_main_thread", thread.ru_stime);
    write_time(out, "used_cpu_user_main_thread", thread.ru_utime);
}

/* ---- modules ---- */

void info_write_modules(strbuf *out) { (void)out; }
