/* client: the life of a connection (see client.h).
 *
 * A client is one zmalloc'd structure plus its parser and output buffer.
 * Clients live on a doubly linked list, oldest first, which is the order
 * CLIENT LIST prints.  Two singly linked side lists avoid scanning every
 * client each loop iteration: pending_writes (output to flush) and
 * closing_clients (to free once no handler can reference them).
 *
 * Idle clients give their buffers back: after CLIENT_IDLE_SHRINK_MS without
 * traffic and with nothing pending, the cron shrinks the parser and the
 * output buffer, so an idle connection costs its structures only.  Busy
 * clients give back what recent traffic did not need, as Redis's
 * clientsCron does: one big request must not pin its query buffer and
 * argument arrays (memory maxmemory would then take from the keys) for as
 * long as the client keeps sending small ones.
 */
#include "client.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "zkv_assert.h"
#include "zmalloc.h"

#define CLIENT_MAX_FREE_HOOKS 8

net_state net;

static client_free_hook *free_hooks[CLIENT_MAX_FREE_HOOKS];
static int free_hook_count;
static client_free_hook *reset_hooks[CLIENT_MAX_FREE_HOOKS];
static int reset_hook_count;

void client_add_free_hook(client_free_hook *hook) {
    zkv_assert(free_hook_count < CLIENT_MAX_FREE_HOOKS);
    free_hooks[free_hook_count++] = hook;
}

void client_add_reset_hook(client_free_hook *hook) {
    zkv_assert(reset_hook_count < CLIENT_MAX_FREE_HOOKS);
    reset_hooks[reset_hook_count++] = hook;
}

void client_reset_features(client *c) {
    for (int i = 0; i < reset_hook_count; i++) reset_hooks[i](c);
}

#define CLIENT_IDLE_SHRINK_MS 2000
#define CLIENT_OUTPUT_KEEP_BYTES (64 * 1024) /* a busy client keeps this much output buffer */

static void fill_parser_limits(resp_parser_limits *limits) {
    resp_parser_default_limits(limits);
    limits->max_bulk_length = server.config.proto_max_bulk_len;
}

client *client_create(int fd, int unix_socket) {
    client *c = zmalloc_try_calloc(sizeof(client));
    if (!c) return NULL;
    resp_parser_limits limits;
    fill_parser_limits(&limits);
    c->parser = resp_parser_create(&limits);
    c->reply = resp_output_create();
    if (!c->parser || !c->reply) {
        if (c->parser) resp_parser_destroy(c->parser);
        if (c->reply) resp_output_destroy(c->reply);
        zmalloc_free(c);
        return NULL;
    }
    c->fd = fd;
    c->id = ++net.next_client_id;
    c->resp_version = 2;
    if (unix_socket) c->flags |= CLIENT_UNIX_SOCKET;
    client_set_authenticated(c, !client_auth_required());
    c->creation_time_ms = c->last_interaction_ms = server_unix_time_ms();
    c->previous = net.clients_tail;
    if (net.clients_tail) net.clients_tail->next = c;
    else net.clients = c;
    net.clients_tail = c;
    net.client_count++;
    return c;
}

client *client_create_fake(void) {
    client *c = zmalloc_calloc(sizeof(client));
    resp_parser_limits limits;
    fill_parser_limits(&limits);
    c->parser = resp_parser_create(&limits);
    c->reply = resp_output_create();
    zkv_assert(c->parser != NULL && c->reply != NULL);
    c->fd = -1;
    c->id = ++net.next_client_id;
    c->resp_version = 2;
    c->flags = CLIENT_FAKE | CLIENT_AUTHENTICATED;
    c->creation_time_ms = c->last_interaction_ms = server_unix_time_ms();
    return c;
}

static void unlink_pending(client *c) {
    if (!(c->flags & CLIENT_PENDING_WRITE)) return;
    client **link = &net.pending_writes;
    while (*link && *link != c) link = &(*link)->next_pending;
    if (*link) *link = c->next_pending;
    c->flags &= ~CLIENT_PENDING_WRITE;
}

static void unlink_closing(client *c) {
    if (!(c->flags & CLIENT_CLOSE_ASAP)) return;
    client **link = &net.closing_clients;
    while (*link && *link != c) link = &(*link)->next_closing;
    if (*link) *link = c->next_closing;
}

static void unlink_client(client *c) {
    if (c->previous) c->previous->next = c->next;
    else net.clients = c->next;
    if (c->next) c->next->previous = c->previous;
    else net.clients_tail = c->previous;
    net.client_count--;
    unlink_pending(c);
    unlink_closing(c);
}

void client_free(client *c) {
    /* A running handler still uses its client: it must close asynchronously. */
    zkv_assert(!(c->flags & CLIENT_EXECUTING));
    if (net.current_client == c) net.current_client = NULL;
    if (c->flags & CLIENT_MONITOR) net.monitor_count--;
    for (int i = 0; i < free_hook_count; i++) free_hooks[i](c);
    if (!(c->flags & CLIENT_FAKE)) unlink_client(c);
    if (c->read_event) event_free(c->read_event);
    if (c->write_event) event_free(c->write_event);
    if (c->fd >= 0) close(c->fd);
    resp_parser_destroy(c->parser);
    if (c->hidden_reply) c->reply = c->hidden_reply;
    resp_output_destroy(c->reply);
    zmalloc_free(c->name);
    zmalloc_free(c->library_name);
    zmalloc_free(c->library_version);
    zmalloc_free(c);
}

void client_close_async(client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    c->flags |= CLIENT_CLOSE_ASAP;
    c->next_closing = net.closing_clients;
    net.closing_clients = c;
}

void client_close_after_reply(client *c) {
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    client_schedule_write(c);
}

void client_free_closed(void) {
    while (net.closing_clients) {
        client *c = net.closing_clients;
        net.closing_clients = c->next_closing;
        c->flags &= ~CLIENT_CLOSE_ASAP;
        client_free(c);
    }
}

void client_schedule_write(client *c) {
    if (c->flags & (CLIENT_PENDING_WRITE | CLIENT_FAKE)) return;
    c->flags |= CLIENT_PENDING_WRITE;
    c->next_pending = net.pending_writes;
    net.pending_writes = c;
}

client *client_find_by_id(uint64_t id) {
    for (client *c = net.clients; c; c = c->next) {
        if (c->id == id) return c;
    }
    return NULL;
}

void *client_take_argument(client *c, int index) {
    if (c->flags & (CLIENT_ARGV_COPIED | CLIENT_FAKE) || !c->parser) return NULL;
    return resp_parser_take_argument(c->parser, index);
}

void client_set_authenticated(client *c, int authenticated) {
    if (authenticated) c->flags |= CLIENT_AUTHENTICATED;
    else c->flags &= ~CLIENT_AUTHENTICATED;
    resp_parser_set_unauthenticated(c->parser, !authenticated);
}

void client_set_user_hooks(const client_user_hooks *hooks) { net.user_hooks = hooks; }

int client_auth_required(void) {
    return net.user_hooks ? net.user_hooks->auth_required() : server.config.require_pass != NULL;
}

int client_default_user_nopass(void) {
    return net.user_hooks ? net.user_hooks->default_user_nopass() : server.config.require_pass == NULL;
}

const char *client_user_name(const client *c) { return net.user_hooks ? net.user_hooks->name(c) : "default"; }

void client_set_protocol(client *c, int version) {
    c->resp_version = version;
    resp_output_set_protocol(c->hidden_reply ? c->hidden_reply : c->reply, version);
}

size_t client_argv_memory(const client *c) {
    size_t total = (size_t)c->argc * sizeof(resp_argument);
    for (int i = 0; i < c->argc; i++) total += c->argv[i].length;
    return total;
}

static size_t multi_memory(const client *c) {
    size_t total = (size_t)c->multi.capacity * sizeof(multi_command);
    for (int i = 0; i < c->multi.count; i++) {
        const multi_command *queued = &c->multi.commands[i];
        total += (size_t)queued->argc * sizeof(resp_argument);
        for (int j = 0; j < queued->argc; j++) total += queued->argv[j].length;
    }
    return total;
}

size_t client_memory(const client *c) {
    const resp_output *output = c->hidden_reply ? c->hidden_reply : c->reply;
    return sizeof(client) + resp_parser_memory(c->parser) + resp_output_memory(output) + multi_memory(c) +
           (c->name ? strlen(c->name) + 1 : 0);
}

size_t client_total_memory(void) {
    size_t total = 0;
    for (client *c = net.clients; c; c = c->next) total += client_memory(c);
    return total;
}

/* ---- Output buffer limits ---- */

static const output_limit *limit_for(const client *c) {
    int limit_class = (c->flags & CLIENT_PUBSUB) ? OUTPUT_LIMIT_PUBSUB : OUTPUT_LIMIT_NORMAL;
    return &server.config.output_limits[limit_class];
}

/* 1 when the soft limit has been exceeded for longer than allowed. */
static int soft_limit_reached(client *c, const output_limit *limit, size_t used) {
    if (!limit->soft_bytes || used < limit->soft_bytes) {
        c->output_soft_limit_since_ms = 0;
        return 0;
    }
    int64_t now = server_unix_time_ms();
    if (!c->output_soft_limit_since_ms) {
        c->output_soft_limit_since_ms = now;
        return limit->soft_seconds == 0;
    }
    return now - c->output_soft_limit_since_ms >= limit->soft_seconds * 1000;
}

/* A client that still has to authenticate may not make the server hold more
 * than one output chunk plus this (Redis: 1024 bytes beyond its static buffer). */
#define UNAUTHENTICATED_OUTPUT_LIMIT (RESP_OUTPUT_CHUNK_SIZE + 1024)

static int unauthenticated_over_limit(const client *c, const resp_output *output) {
    return client_auth_required() && !(c->flags & CLIENT_AUTHENTICATED) &&
           resp_output_pending_bytes(output) > UNAUTHENTICATED_OUTPUT_LIMIT;
}

int client_check_output_limits(client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return 1;
    const output_limit *limit = limit_for(c);
    const resp_output *output = c->hidden_reply ? c->hidden_reply : c->reply;
    size_t used = resp_output_memory(output);
    if (resp_output_failed(c->reply) || resp_output_failed(output)) {
        /* Its reply could not be stored whole: closing beats a truncated
         * reply, and aborting the server for one client. */
        log_message(LOG_WARNING, "Client id=%llu addr=%s closed: no memory for its reply (%zu bytes queued)",
                    (unsigned long long)c->id, c->address, used);
        client_close_async(c);
        return 1;
    }
    int hard = (limit->hard_bytes && used >= limit->hard_bytes) || unauthenticated_over_limit(c, output);
    if (!hard && !soft_limit_reached(c, limit, used)) return 0;
    log_message(LOG_WARNING, "Client id=%llu addr=%s closed for exceeding its output buffer limit (%zu bytes)",
                (unsigned long long)c->id, c->address, used);
    server.stats.client_output_buffer_limit_disconnections++;
    client_close_async(c);
    return 1;
}

/* ---- Cron ---- */

static int idle_timed_out(const client *c, int64_t now) {
    if (!server.config.timeout_seconds) return 0;
    if (c->flags & (CLIENT_PUBSUB | CLIENT_MONITOR | CLIENT_FAKE | CLIENT_PAUSED)) return 0;
    return now - c->last_interaction_ms > server.config.timeout_seconds * 1000;
}

static void shrink_buffers(client *c, int64_t now) {
    if (now - c->last_interaction_ms < CLIENT_IDLE_SHRINK_MS) {
        /* Between two reads, so no returned command is still in use. */
        if (!(c->flags & CLIENT_EXECUTING)) resp_parser_trim(c->parser);
        /* Spare chunks a big reply left behind, once it is all written. */
        if (resp_output_pending_bytes(c->reply) == 0 && resp_output_memory(c->reply) > CLIENT_OUTPUT_KEEP_BYTES)
            resp_output_shrink(c->reply);
        return;
    }
    if (resp_parser_pending_bytes(c->parser) == 0) resp_parser_shrink(c->parser);
    if (resp_output_pending_bytes(c->reply) == 0) resp_output_shrink(c->reply);
}

/* maxmemory-clients in bytes (a percentage applies to maxmemory); 0 = off. */
static unsigned long long client_memory_limit(void) {
    long long setting = server.config.maxmemory_clients;
    if (setting >= 0) return (unsigned long long)setting;
    return server.config.maxmemory / 100 * (unsigned long long)-setting;
}

/* Client eviction (maxmemory-clients): while all clients together hold more
 * than the limit, the one holding the most is closed, as Redis 7 does, so
 * client buffers cannot push the keys out.  CLIENT NO-EVICT clients and the
 * client running a command are spared. */
void client_evict_over_limit(void) {
    unsigned long long limit = client_memory_limit();
    if (limit == 0) return;
    size_t total = client_total_memory();
    while (total > limit) {
        client *biggest = NULL;
        size_t biggest_memory = 0;
        for (client *c = net.clients; c; c = c->next) {
            if (c->flags & (CLIENT_NO_EVICT | CLIENT_CLOSE_ASAP | CLIENT_EXECUTING | CLIENT_FAKE)) continue;
            size_t memory = client_memory(c);
            if (memory > biggest_memory) biggest = c, biggest_memory = memory;
        }
        if (!biggest) return;
        log_message(LOG_VERBOSE, "Evicting client id=%llu holding %zu bytes (maxmemory-clients)",
                    (unsigned long long)biggest->id, biggest_memory);
        server.stats.evicted_clients++;
        client_close_async(biggest);
        total -= biggest_memory;
    }
}

size_t client_closing_input_memory(void) {
    size_t total = 0;
    for (client *c = net.clients; c; c = c->next)
        if (c->flags & CLIENT_CLOSE_ASAP) total += resp_parser_memory(c->parser) + multi_memory(c);
    return total;
}

void client_cron(void) {
    int64_t now = server_unix_time_ms();
    client_evict_over_limit();
    for (client *c = net.clients; c; c = c->next) {
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        if (idle_timed_out(c, now)) {
            log_message(LOG_VERBOSE, "Closing idle client id=%llu", (unsigned long long)c->id);
            client_close_async(c);
            continue;
        }
        shrink_buffers(c, now);
        if (c->output_soft_limit_since_ms) client_check_output_limits(c);
    }
}

bool client_is_local(const client *c) {
    if (c->flags & CLIENT_UNIX_SOCKET) return true;
    return strncmp(c->address, "127.", 4) == 0 || strncmp(c->address, "::1:", 4) == 0;
}

bool client_protected_action_allowed(const client *c, int setting) {
    return setting == PROTECTED_ACTION_YES || (setting == PROTECTED_ACTION_LOCAL && client_is_local(c));
}
