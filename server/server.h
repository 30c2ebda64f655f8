/* server.h: the process-wide state of zkv-server and the client structure.
 *
 * zkv runs one event-loop thread, so the server state is a single global
 * (`server`) that every module reads and updates without locks.  It holds the
 * live configuration values (written by config.c, read everywhere), the
 * statistics counters INFO reports, and the list of connected clients.
 *
 * A client is one connection.  Its parser owns the query buffer and its
 * resp_output holds the pending reply bytes; both are shrunk when the client
 * is idle so thousands of idle connections cost little memory.  While a
 * command runs, c->argc/c->argv describe it (they point into the parser's
 * buffer and stay valid until the handler returns) and c->command is the
 * registered command being executed.
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

#include "resp_parser.h"
#include "resp_writer.h"

/* zkv reports Redis's version to clients (they gate features on it) and its
 * own version in INFO (zkv_version) and zkv-server --version. */
#define ZKV_VERSION "0.1.0"
#define ZKV_REDIS_COMPAT_VERSION "7.0.15"
#define ZKV_REDIS_COMPAT_VERSION_NUMBER 0x00070000f

#define SERVER_MAX_LISTENERS 16
#define SERVER_ADDRESS_LENGTH 64 /* "ip:port" or "/path/to/socket:0" */

struct event;
struct event_base;
struct command;
struct watched_key;

/* ---- Client flags ---- */
#define CLIENT_CLOSE_AFTER_REPLY (1u << 0)  /* QUIT, protocol error: close once flushed */
#define CLIENT_CLOSE_ASAP (1u << 1)         /* closed at the end of this loop iteration */
#define CLIENT_MULTI (1u << 2)              /* inside MULTI: commands are queued */
#define CLIENT_DIRTY_EXEC (1u << 3)         /* a queued command failed: EXEC aborts */
#define CLIENT_DIRTY_CAS (1u << 4)          /* a watched key changed: EXEC answers null */
#define CLIENT_AUTHENTICATED (1u << 5)      /* AUTH succeeded (or no password is set) */
#define CLIENT_REPLY_OFF (1u << 6)          /* CLIENT REPLY OFF */
#define CLIENT_REPLY_SKIP_NEXT (1u << 7)    /* CLIENT REPLY SKIP: arm for the next command */
#define CLIENT_REPLY_SKIP (1u << 8)         /* the current command's reply is dropped */
#define CLIENT_MONITOR (1u << 9)            /* MONITOR */
#define CLIENT_UNIX_SOCKET (1u << 10)       /* connected through the unix socket */
#define CLIENT_PENDING_WRITE (1u << 11)     /* on the server's pending-write list */
#define CLIENT_WRITE_INSTALLED (1u << 12)   /* the socket was full: a write event waits */
#define CLIENT_NO_EVICT (1u << 13)          /* CLIENT NO-EVICT on */
#define CLIENT_EXECUTING (1u << 14)         /* a command of this client is running */
#define CLIENT_PUBSUB (1u << 15)            /* subscribed to channels (pubsub module) */
#define CLIENT_FAKE (1u << 16)              /* no socket (internal use) */
#define CLIENT_ARGV_COPIED (1u << 17)       /* argv is a MULTI copy, not the parser's (EXEC) */

/* ---- Client ---- */
typedef struct multi_command {
    struct command *command;
    int argc;
    resp_argument *argv; /* copies, owned by the queue */
} multi_command;

typedef struct multi_state {
    multi_command *commands;
    int count;
    int capacity;
} multi_state;

typedef struct client {
    uint64_t id;
    int fd;
    uint32_t flags;
    resp_parser *parser;
    resp_output *reply;
    /* While CLIENT REPLY OFF/SKIP hides a command's reply, c->reply points at a
     * discarding buffer and the real one waits here (NULL otherwise). */
    resp_output *hidden_reply;
    /* The command being executed. */
    int argc;
    resp_argument *argv;
    struct command *command;
    struct command *last_command; /* cmd= in CLIENT LIST */
    int db_index;
    int resp_version; /* 2 or 3 */
    char *name;       /* CLIENT SETNAME, NULL if none */
    char *library_name;
    char *library_version;
    int64_t creation_time_ms;
    int64_t last_interaction_ms;
    char address[SERVER_ADDRESS_LENGTH];       /* peer, "ip:port" */
    char local_address[SERVER_ADDRESS_LENGTH]; /* laddr */
    struct event *read_event;
    struct event *write_event;
    multi_state multi;
    struct watched_key *watched_keys; /* this client's WATCHed keys */
    int watched_count;
    int pubsub_channels; /* sub= in CLIENT LIST (pubsub module) */
    int pubsub_patterns; /* psub= */
    uint64_t reply_bytes_total; /* bytes written to the socket */
    int64_t output_soft_limit_since_ms; /* when the soft output limit was first exceeded, 0 if not */
    struct client *previous, *next;  /* server.clients, oldest first */
    struct client *next_pending;     /* server.pending_writes */
    struct client *next_closing;     /* clients to free at the end of the iteration */
    void *introspection;             /* owned by the introspection module */
} client;

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
    int enable_debug_command;  /* PROTECTED_ACTION_*: who may run DEBUG */
    int jemalloc_bg_thread;    /* jemalloc's background purge thread */
    long long debug_sleep_max_seconds; /* longest DEBUG SLEEP: the server never freezes longer */
} server_config;

/* enable-debug-command: never, always, or from loopback/unix clients only. */
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
    client *clients;               /* oldest first */
    client *clients_tail;
    int client_count;
    uint64_t next_client_id;
    client *pending_writes;        /* clients with output to flush */
    client *closing_clients;       /* marked CLIENT_CLOSE_ASAP */
    client *current_client;        /* the client whose command is running */
    int monitor_count;             /* clients in MONITOR mode (client_free decrements it) */
    int listener_count;
    int listener_fds[SERVER_MAX_LISTENERS];
    struct event *listener_events[SERVER_MAX_LISTENERS];
    int shutdown_requested;        /* SIGTERM/SIGINT/SHUTDOWN: exit after this iteration */
    int shutdown_exit_code;
    long long cron_loops;
    size_t startup_used_memory;    /* used_memory once initialised (used_memory_startup) */
    size_t peak_used_memory;
    int in_exec;                   /* EXEC is running queued commands */
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

/* Other modules' periodic work (keyspace expiry, memory sampling): each job
 * runs on every cron tick (`hz` times per second).  -1 when the table is full. */
typedef void server_cron_job(void);
int server_add_cron_job(server_cron_job *job);

/* Work to do once at shutdown, after every client is gone and before the
 * process exits (freeing the databases keeps leak checkers quiet).  Jobs
 * run in registration order; -1 when the table is full. */
int server_add_shutdown_job(server_cron_job *job);

/* Start-up and the loop (main.c drives them). */
int server_init(void);        /* clocks, event base, signals, cron; -1 on failure */
void server_run(void);        /* returns once a shutdown was requested */
void server_finish(void);     /* closes listeners and clients, removes pidfile/socket */
void server_schedule_cron(void); /* (re)arms the cron timer at `hz` */

/* Asks the loop to stop after the current iteration and exit(code). */
void server_request_shutdown(int exit_code);

#endif
