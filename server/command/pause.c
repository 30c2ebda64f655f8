/* pause: CLIENT PAUSE / UNPAUSE and the held clients (see pause.h).
 *
 * Resumption does not run inside the CLIENT UNPAUSE handler (that would
 * nest other clients' commands inside this one): it is handed to a
 * zero-delay timer, so it runs as its own loop event, whose output the
 * network layer flushes before the loop sleeps, like any command's.
 */
#include "pause.h"

#include <string.h>

#include <event2/event.h>

#include "args.h"
#include "command.h"
#include "keyspace.h"
#include "multi.h"
#include "networking.h"
#include "reply.h"
#include "zkv_assert.h"
#include "zmalloc.h"

enum pause_kind { PAUSE_NONE, PAUSE_WRITE, PAUSE_ALL };

static enum pause_kind kind = PAUSE_NONE;
static long long end_ms;
/* Held clients, oldest first (an array: a linked FIFO would need another
 * field in every client for a rare state). */
static client **waiting;
static size_t waiting_count, waiting_capacity;
static struct event *resume_event;

static void resume_waiting(evutil_socket_t fd, short events, void *argument);

static void schedule_resume(void) {
    static const struct timeval now = {0, 0};
    if (!server.base) return;
    if (!resume_event) resume_event = event_new(server.base, -1, 0, resume_waiting, NULL);
    if (!event_pending(resume_event, EV_TIMEOUT, NULL)) event_add(resume_event, &now);
}

static void end_pause(void) {
    kind = PAUSE_NONE;
    end_ms = 0;
    keyspace_set_expiry_paused(false);
    if (waiting_count) schedule_resume();
}

void pause_check_timeout(void) {
    if (kind != PAUSE_NONE && server_unix_time_ms() >= end_ms) end_pause();
}

bool pause_active(void) {
    pause_check_timeout();
    return kind != PAUSE_NONE;
}

/* A script that declares its flags is judged by them (no-writes scripts,
 * FCALL of a no-writes function pass a WRITE pause), as Redis 7.0 does. */
static bool may_replicate(const client *c, const command *cmd) {
    return (dispatch_command_flags(c, cmd) & (COMMAND_WRITE | COMMAND_MAY_REPLICATE)) != 0;
}

bool pause_postpones(const client *c, const command *cmd) {
    if (kind == PAUSE_NONE || !pause_active()) return false;
    if (kind == PAUSE_ALL) return true;
    if (may_replicate(c, cmd)) return true;
    return multi_is_exec(cmd) && (c->flags & CLIENT_MULTI) &&
           (multi_queue_has_flags(c, COMMAND_WRITE) || multi_queue_has_flags(c, COMMAND_MAY_REPLICATE));
}

void pause_postpone(client *c) {
    zkv_assert(!(c->flags & CLIENT_PAUSED));
    if (waiting_count == waiting_capacity) {
        waiting_capacity = waiting_capacity ? waiting_capacity * 2 : 8;
        waiting = zmalloc_realloc(waiting, waiting_capacity * sizeof(*waiting));
    }
    waiting[waiting_count++] = c;
    c->flags |= CLIENT_PAUSED;
}

size_t pause_waiting_clients(void) { return waiting_count; }

void pause_client_freed(client *c) {
    if (!(c->flags & CLIENT_PAUSED)) return;
    for (size_t i = 0; i < waiting_count; i++) {
        if (waiting[i] != c) continue;
        memmove(&waiting[i], &waiting[i + 1], (waiting_count - i - 1) * sizeof(*waiting));
        waiting_count--;
        return;
    }
}

/* Resumes every held client in order.  A client held again (a new pause
 * began meanwhile) goes back on the list, after those still waiting. */
static void resume_waiting(evutil_socket_t fd, short events, void *argument) {
    (void)fd;
    (void)events;
    (void)argument;
    server_update_cached_time();
    size_t count = waiting_count;
    client **batch = waiting;
    waiting = NULL;
    waiting_count = waiting_capacity = 0;
    for (size_t i = 0; i < count; i++) {
        if (kind != PAUSE_NONE) { /* a new pause began: stays held, still in order */
            batch[i]->flags &= ~CLIENT_PAUSED;
            pause_postpone(batch[i]);
            continue;
        }
        networking_resume_paused_client(batch[i]);
    }
    zmalloc_free(batch);
}

/* ---- CLIENT PAUSE timeout [WRITE|ALL], CLIENT UNPAUSE ---- */

static void client_pause_command(client *c) {
    if (c->argc > 4) {
        reply_subcommand_syntax_error(c);
        return;
    }
    long long timeout;
    if (!args_integer(&c->argv[2], &timeout)) {
        reply_error(c, "ERR timeout is not an integer or out of range");
        return;
    }
    if (timeout < 0) {
        reply_error(c, "ERR timeout is negative");
        return;
    }
    enum pause_kind wanted = PAUSE_ALL;
    if (c->argc == 4) {
        if (args_is(&c->argv[3], "write")) {
            wanted = PAUSE_WRITE;
        } else if (!args_is(&c->argv[3], "all")) {
            reply_error(c, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    long long now = server_unix_time_ms();
    long long until = timeout > (long long)9e15 - now ? (long long)9e15 : now + timeout;
    /* As Redis: a second pause can only make the pause stricter and longer. */
    if (wanted > kind) kind = wanted;
    if (until > end_ms) end_ms = until;
    keyspace_set_expiry_paused(true);
    reply_ok(c);
}

static void client_unpause_command(client *c) {
    end_pause();
    reply_ok(c);
}

static const command_argument pause_modes[] = {
    {.name = "write", .type = ARGUMENT_PURE_TOKEN, .token = "WRITE", .since = "6.2.0"},
    {.name = "all", .type = ARGUMENT_PURE_TOKEN, .token = "ALL", .since = "6.2.0"},
    {0}};
static const command_argument client_pause_arguments[] = {
    {.name = "timeout", .type = ARGUMENT_INTEGER},
    {.name = "mode", .type = ARGUMENT_ONEOF, .flags = ARGUMENT_OPTIONAL, .since = "6.2.0", .arguments = pause_modes},
    {0}};

#define PAUSE_FLAGS (COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE)
#define PAUSE_CATEGORIES (ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION)

static const command_spec pause_subcommands[] = {
    {.name = "pause", .handler = client_pause_command, .arity = -3, .flags = PAUSE_FLAGS,
     .categories = PAUSE_CATEGORIES, .group = "connection", .since = "2.9.50",
     .summary = "Stop processing commands from clients for some time", .complexity = "O(1)",
     .arguments = client_pause_arguments},
    {.name = "unpause", .handler = client_unpause_command, .arity = 2, .flags = PAUSE_FLAGS,
     .categories = PAUSE_CATEGORIES, .group = "connection", .since = "6.2.0",
     .summary = "Resume processing of clients that were paused", .complexity = "O(N) Where N is the number of paused clients"},
    {0}};

const command_spec pause_commands[] = {
    {.name = "client", .subcommands = pause_subcommands, .extends_container = 1},
    {0}};
