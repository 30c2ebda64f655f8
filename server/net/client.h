/* client.h: the client structure; creating, finding and closing clients,
 * and scheduling their output.
 *
 * A client is one connection.  Its parser owns the query buffer and its
 * resp_output holds the pending reply bytes; both are shrunk when the client
 * is idle so thousands of idle connections cost little memory.  While a
 * command runs, c->argc/c->argv describe it (they point into the parser's
 * buffer and stay valid until the handler returns) and c->command is the
 * registered command being executed.  The client knows nothing of commands
 * beyond opaque pointers: the command layer above reads and sets them.
 *
 * Clients are closed in two ways.  Closing synchronously (client_free) is only
 * safe when no handler of that client is running; everything else (CLIENT KILL,
 * output limits, protocol errors) marks the client CLIENT_CLOSE_ASAP with
 * client_close_async and the event loop frees it at the end of the iteration,
 * so a handler never sees its client vanish under it.
 */
#ifndef ZKV_CLIENT_H
#define ZKV_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resp_parser.h"
#include "resp_writer.h"
#include "server.h"

#define SERVER_MAX_LISTENERS 16
#define SERVER_ADDRESS_LENGTH 64 /* "ip:port" or "/path/to/socket:0" */

struct event;
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
#define CLIENT_BLOCKED (1u << 18)           /* waits in a blocking command: input is not parsed */
#define CLIENT_TRACKING (1u << 19)          /* CLIENT TRACKING on (pubsub module) */
#define CLIENT_TRACKING_BROKEN_REDIR (1u << 20) /* its redirection client went away */
#define CLIENT_TRACKING_BCAST (1u << 21)    /* tracking in BCAST mode */
#define CLIENT_PAUSED (1u << 22)            /* its command waits for CLIENT UNPAUSE: argc/argv kept */

/* ---- Client ---- */
typedef struct multi_command {
    struct command *command;
    int argc;
    uint32_t flags;      /* the command's flags when queued, a script's declared ones applied */
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
    int pubsub_shard_channels; /* ssub= */
    void *pubsub;        /* owned by the pubsub module: the subscriptions, NULL if none */
    void *tracking;      /* owned by the pubsub module: client-side caching state, NULL if off */
    uint64_t tracking_redirect; /* redir= in CLIENT LIST while tracking: 0 = none */
    uint64_t reply_bytes_total; /* bytes written to the socket */
    int64_t output_soft_limit_since_ms; /* when the soft output limit was first exceeded, 0 if not */
    struct client *previous, *next;  /* net.clients, oldest first */
    struct client *next_pending;     /* net.pending_writes */
    struct client *next_closing;     /* clients to free at the end of the iteration */
    void *introspection;             /* owned by the introspection module */
    void *user;                      /* the ACL user (acl module); NULL: the default user */
    void *blocked;                   /* owned by command/blocking: what a blocked client waits for */
    /* A fake client running commands for another (a script's redis.call):
     * the client whose command it serves, which is the one tracking, NOLOOP
     * and invalidation order are about.  NULL otherwise. */
    struct client *on_behalf_of;
} client;

/* How the layers below reach the users (the acl module installs these;
 * without them there is one user, default, whose password is requirepass). */
typedef struct client_user_hooks {
    /* 1 with the client authenticated as that user, or 0 (the caller answers WRONGPASS). */
    int (*authenticate)(client *c, const resp_argument *user, const resp_argument *password);
    const char *(*name)(const client *c);            /* user= in CLIENT LIST */
    int (*exists)(const resp_argument *name);        /* CLIENT KILL USER */
    int (*default_user_nopass)(void);                /* AUTH <password> needs a password to exist */
    int (*auth_required)(void);                      /* new clients start unauthenticated */
    void (*require_pass_changed)(void);              /* CONFIG SET requirepass: default's password */
} client_user_hooks;

/* The connected clients and the listeners: the network layer's state. */
typedef struct net_state {
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
    const client_user_hooks *user_hooks;  /* NULL: requirepass only */
} net_state;

extern net_state net;

/* Work of the upper layers when a client goes away (MULTI drops its queue
 * and watched keys; pub/sub and blocking will unsubscribe and unblock).
 * Hooks run in registration order before the client is unlinked; at most a
 * handful are accepted (zkv_assert). */
typedef void client_free_hook(client *c);
void client_add_free_hook(client_free_hook *hook);
/* The same for RESET: upper layers drop the connection state they own
 * (subscriptions, tracking).  client_reset_features runs them in order. */
void client_add_reset_hook(client_free_hook *hook);
void client_reset_features(client *c);

/* Creates a client for an accepted socket (fd >= 0) and links it into
 * net.clients; NULL if memory is short.  `unix_socket` sets the flag. */
client *client_create(int fd, int unix_socket);
/* A socketless client that is not on net.clients (not listed, not counted):
 * the script client.  It gets CLIENT_FAKE; free it with client_free. */
client *client_create_fake(void);
/* Unlinks and frees now (closes the socket). */
void client_free(client *c);
/* Frees at the end of this loop iteration; idempotent. */
void client_close_async(client *c);
/* Closes after its pending output has been written (QUIT, protocol errors). */
void client_close_after_reply(client *c);
/* Queues the client so its output is flushed before the loop blocks again.
 * Call after writing to another client's c->reply (MONITOR, pubsub). */
void client_schedule_write(client *c);
client *client_find_by_id(uint64_t id);
/* Takes ownership of argument `index` of the running command when it lives
 * in its own zmalloc block (a big bulk): returns the block, or NULL when the
 * caller must copy (small argument, or a command replayed by EXEC). */
void *client_take_argument(client *c, int index);
/* Marks the client (un)authenticated; while a password is required and not
 * given, the parser refuses large requests and the output is capped, as in
 * Redis 7.0. */
void client_set_authenticated(client *c, int authenticated);
void client_set_user_hooks(const client_user_hooks *hooks);
/* The user hooks, or requirepass's rules without them. */
int client_auth_required(void);
int client_default_user_nopass(void);
const char *client_user_name(const client *c);
/* 2 or 3: switches the reply encoding (HELLO). */
void client_set_protocol(client *c, int version);
/* Bytes used by this client: structure, query buffer, output buffer, argv,
 * MULTI queue (tot-mem in CLIENT LIST, mem_clients_normal in INFO). */
size_t client_memory(const client *c);
/* Bytes of the argument vector of the running command (argv-mem). */
size_t client_argv_memory(const client *c);
/* Sum of client_memory over all clients. */
size_t client_total_memory(void);
/* Checks the output buffer limits after output was appended; closes the
 * client asynchronously (and logs) when exceeded.  Returns 1 if closed. */
int client_check_output_limits(client *c);
/* True for a client on the unix socket or a loopback address. */
bool client_is_local(const client *c);
/* enable-debug-command / enable-protected-configs: whether `setting`
 * (enum protected_action) lets this client do the protected thing. */
bool client_protected_action_allowed(const client *c, int setting);
/* Frees what idle clients hold: called from cron. */
void client_cron(void);
/* maxmemory-clients: closes the clients holding the most memory until all
 * clients together fit the limit (runs in the cron and before eviction). */
void client_evict_over_limit(void);
/* Frees clients marked CLIENT_CLOSE_ASAP. */
void client_free_closed(void);

#endif
