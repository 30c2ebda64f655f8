/* server.h: the process-wide state of zkv-server, its clocks and lifecycle.
 *
 * zkv runs one event-loop thread, so the server state is a single global
 * (`server`) that every module reads and updates without locks.  It holds the
 * live configuration values (parsed by the config engine from the parameters
 * each module declares, read everywhere) and the statistics counters INFO
 * reports.  What belongs to one layer stays there: clients live in
 * net/client.h, databases in keyspace/, commands in command/.
 *
 * The loop knows no module: each iteration runs the before-sleep work the
 * modules registered (flushing output, freeing closed clients), then lets
 * libevent wait once; the cron runs their periodic work at `hz`.
 *
 * Time: the event loop caches the wall clock once per iteration
 * (server_unix_time_ms), which is what expiry and idle-time computations
 * use; durations are measured with the monotonic clock.
 */
#ifndef ZKV_SERVER_H
#define ZKV_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>


/* zkv reports Redis's version to clients (they gate features on it) and its
 * own version in INFO (zkv_version) and zkv-server --version. */
#define ZKV_VERSION "0.1.0"
#define ZKV_REDIS_COMPAT_VERSION "7.0.15"
#define ZKV_REDIS_COMPAT_VERSION_NUMBER 0x00070000f

struct event;
struct event_base;

/* ---- Configuration values (set by config.c) ---- */
#define SERVER_MAX_BIND 16

typedef struct output_limit {
    unsigned long long hard_bytes; /* 0 = unlimited */
    unsigned long long soft_bytes; /* 0 = unlimited */
    long long soft_seconds;
} output_limit;

enum output_limit_class { OUTPUT_LIMIT_NORMAL, OUTPUT_LIMIT_REPLICA, OUTPUT_LIMIT_PUBSUB, OUTPUT_LIMIT_CLASSES };

enum log_level { LOG_DEBUG, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING, LOG_NOTHING };

enum maxmemory_policy {
    MAXMEMORY_NO_EVICTION,
    MAXMEMORY_ALLKEYS_LRU,
    MAXMEMORY_ALLKEYS_LFU,
    MAXMEMORY_ALLKEYS_RANDOM,
    MAXMEMORY_VOLATILE_LRU,
    MAXMEMORY_VOLATILE_LFU,
    MAXMEMORY_VOLATILE_RANDOM,
    MAXMEMORY_VOLATILE_TTL
};

typedef struct server_config {
    int port;
    char *bind[SERVER_MAX_BIND];
    int bind_count;
    int protected_mode;
    char *unix_socket;
    unsigned int unix_socket_permissions;
    char *require_pass; /* NULL: no password; may hold NUL bytes */
    size_t require_pass_length;
    int max_clients;
    long long timeout_seconds; /* idle timeout, 0 = never */
    int tcp_keepalive;
    int tcp_backlog;
    int databases;
    int hz;
    int log_level;
    char *log_file; /* "" = stdout */
    char *pid_file;
    int daemonize;
    char *dir;
    char *db_filename;
    int enable_protected_configs; /* PROTECTED_ACTION_*: CONFIG SET of dir/dbfilename */
    unsigned long long client_query_buffer_limit;
    long long proto_max_bulk_len;
    output_limit output_limits[OUTPUT_LIMIT_CLASSES];
    unsigned long long maxmemory;
    long long maxmemory_clients; /* bytes, or a percentage of maxmemory stored negated */
    int maxmemory_policy;
    int maxmemory_samples;
    int maxmemory_eviction_tenacity; /* 0..100: eviction time per call (evict.c) */
    int lfu_log_factor;
    int lfu_decay_time; /* minutes per counter decrement, 0 = never decay */
    long long slowlog_log_slower_than;
    unsigned long slowlog_max_len;
    int latency_tracking;
    double latency_tracking_percentiles[16];
    int latency_tracking_percentile_count;
    long long latency_monitor_threshold;
    int lazyfree_lazy_user_del;
    int lazyfree_lazy_user_flush;
    int active_expire_enabled; /* DEBUG SET-ACTIVE-EXPIRE */
    int cluster_enabled;       /* owned by the cluster module; read by SELECT and HELLO */
    int enable_debug_command;  /* PROTECTED_ACTION_*: who may run DEBUG */
    int jemalloc_bg_thread;    /* jemalloc's background purge thread */
    long long debug_sleep_max_seconds; /* longest DEBUG SLEEP: the server never freezes longer */
} server_config;

/* enable-debug-command, enable-protected-configs: never, always, or from
 * loopback/unix clients only. */
enum protected_action { PROTECTED_ACTION_NO, PROTECTED_ACTION_YES, PROTECTED_ACTION_LOCAL };

/* ---- Statistics (INFO stats; CONFIG RESETSTAT zeroes them) ---- */
typedef struct server_stats {
    long long commands_processed;
    long long connections_received;
    long long rejected_connections;
    long long net_input_bytes;
    long long net_output_bytes;
    long long keyspace_hits;
    long long keyspace_misses;
    long long expired_keys;
    long long expired_stale_percentage;
    long long evicted_keys;
    long long evicted_clients;
    long long total_error_replies;
    long long unexpected_error_replies;
    long long client_query_buffer_limit_disconnections;
    long long client_output_buffer_limit_disconnections;
    long long total_reads_processed;
    long long total_writes_processed;
    long long dirty; /* writes since start (rdb_changes_since_last_save) */
    /* instantaneous_ops_per_sec: a ring of samples taken in cron */
    long long ops_samples[16];
    int ops_sample_index;
    long long ops_last_sample_count;
    int64_t ops_last_sample_ms;
    long long net_input_samples[16];
    long long net_output_samples[16];
    long long net_input_last;
    long long net_output_last;
} server_stats;

/* ---- Server ---- */
typedef struct server_state {
    server_config config;
    server_stats stats;
    pid_t pid;
    struct event_base *base;
    const char *executable;        /* argv[0], absolute when known */
    char *config_file;             /* absolute path, NULL if started without one */
    int64_t start_time_ms;         /* wall clock at start */
    uint64_t start_monotonic_us;
    int64_t unix_time_ms;          /* cached once per loop iteration */
    uint64_t run_id_seed;
    char run_id[41];
    int shutdown_requested;        /* SIGTERM/SIGINT/SHUTDOWN: exit after this iteration */
    int shutdown_exit_code;
    long long cron_loops;
    size_t startup_used_memory;    /* used_memory once initialised (used_memory_startup) */
    size_t peak_used_memory;
    int in_exec;                   /* EXEC is running queued commands */
    pid_t child_pid;               /* a forked background save, 0 if none */
    int migrate_cached_sockets;    /* MIGRATE's kept connections (INFO stats) */
} server_state;

extern server_state server;

/* Microseconds from an arbitrary fixed origin, never going backwards
 * (monotonic.c; monotonic_init picks the fastest reliable source). */
uint64_t server_monotonic_us(void);
void monotonic_init(void);
/* Wall clock in milliseconds, cached once per event-loop iteration. */
static inline int64_t server_unix_time_ms(void) { return server.unix_time_ms; }
/* Refreshes the cached wall clock (the loop does it each iteration). */
void server_update_cached_time(void);
/* Seconds since start-up (uptime_in_seconds). */
long long server_uptime_seconds(void);

/* The module list's callbacks (module.c installs them): the cron calls
 * `cron` on every tick, the loop calls `before_sleep` once per iteration
 * before it waits, CONFIG RESETSTAT calls `reset_stats` after zeroing
 * server.stats, and server_finish calls `shutdown` once. */
typedef void server_hook(void);
void server_set_module_hooks(server_hook *cron, server_hook *before_sleep, server_hook *reset_stats,
                             server_hook *shutdown);
/* CONFIG RESETSTAT: zeroes server.stats (but the dirty counter) and runs
 * every module's reset_stats. */
void server_reset_statistics(void);

/* Latency monitor events (LATENCY LATEST/HISTORY) from any layer: the
 * eviction and defragmentation cycles report their durations here, and the
 * introspection module, which owns the monitor, installs the recorder.
 * Without a recorder events are dropped. */
typedef void server_latency_recorder(const char *event, long long latency_ms);
void server_set_latency_recorder(server_latency_recorder *recorder);
void server_latency_event(const char *event, long long latency_ms);

/* Start-up and the loop (main.c drives them). */
int server_init(void);        /* clocks, event base, signals, cron; -1 on failure */
void server_run(void);        /* returns once a shutdown was requested */
void server_finish(void);     /* runs the modules' shutdown work, removes pidfile/socket */
void server_schedule_cron(void); /* (re)arms the cron timer at `hz` */

/* Asks the loop to stop after the current iteration and exit(code). */
void server_request_shutdown(int exit_code);

/* The work a shutdown must finish before the process may exit (the final
 * RDB save), installed by the persistence module.  SHUTDOWN and SIGTERM /
 * SIGINT call server_prepare_shutdown first; on -1 (the reason is logged)
 * the server keeps running unless SERVER_SHUTDOWN_FORCE was given. */
enum server_shutdown_flag {
    SERVER_SHUTDOWN_NOSAVE = 1 << 0,
    SERVER_SHUTDOWN_SAVE = 1 << 1,
    SERVER_SHUTDOWN_NOW = 1 << 2,
    SERVER_SHUTDOWN_FORCE = 1 << 3
};
typedef int server_shutdown_preparer(int flags);
void server_set_shutdown_preparer(server_shutdown_preparer *preparer);
int server_prepare_shutdown(int flags);

#endif
