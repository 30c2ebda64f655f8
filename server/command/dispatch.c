/* dispatch: from a parsed command to its handler, with Redis's checks.
 *
 * dispatch_process_command applies, in Redis 7.0's order: QUIT, lookup
 * (unknown command / unknown subcommand), arity, enable-debug-command,
 * authentication, "not allowed inside a transaction", permissions (ACL),
 * cluster routing, busy script, memory, writes stopped, loading, RESP2
 * subscribed mode, CLIENT PAUSE, then either queues the command (inside
 * MULTI) or calls it.  A refusal counts as a
 * rejected call and, inside MULTI, makes EXEC abort.
 *
 * While CLIENT REPLY OFF/SKIP is in force, c->reply points at a scratch
 * buffer for the whole command, which hides refusals too and catches
 * handlers that write to c->reply directly.
 *
 * dispatch_call is the one place a handler runs: it times the call, updates
 * the command's stats and then tells the observers (slowlog, latency,
 * MONITOR).  Nothing on this path allocates.
 */
#include "args.h"
#include "blocking.h"
#include "command.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "errorstats.h"
#include "multi.h"
#include "pause.h"
#include "propagate.h"
#include "reply.h"
#include "strbuf.h"
#include "zkv_assert.h"

#define DISPATCH_MAX_OBSERVERS 8

static command_observer *observers[DISPATCH_MAX_OBSERVERS];
static int observer_count;
static resp_output *discard_output; /* replies hidden by CLIENT REPLY OFF/SKIP */
static dispatch_memory_check *memory_check;
static dispatch_cluster_check *cluster_check;
static dispatch_busy_check *busy_check;
static dispatch_flags_hook *flags_hook;
static dispatch_monitor_feed *monitor_feed;
static dispatch_key_slot_fn *key_slot;
static int out_of_memory;
static dispatch_permission_check *permission_check;
static dispatch_context_check *context_check;
static int call_depth;
/* total_error_replies already attributed to a command: errors of commands
 * run inside EXEC count for them, not again for EXEC (as Redis). */
static long long errors_accounted;

int dispatch_add_observer(command_observer *observer) {
    if (observer_count == DISPATCH_MAX_OBSERVERS) return -1;
    observers[observer_count++] = observer;
    return 0;
}

void dispatch_set_memory_check(dispatch_memory_check *check) { memory_check = check; }

static dispatch_write_check *write_check;
void dispatch_set_write_check(dispatch_write_check *check) { write_check = check; }
static dispatch_loading_check *loading_check;
void dispatch_set_loading_check(dispatch_loading_check *check) { loading_check = check; }

/* Refused while writes are stopped: what may write (EXEC with a queued
 * write) and PING, as Redis does. */
static int refused_when_writes_stopped(const client *c, const command *cmd) {
    if (cmd->spec->flags & COMMAND_WRITE) return 1;
    if ((c->flags & CLIENT_MULTI) && multi_is_exec(cmd)) return multi_queue_has_flags(c, COMMAND_WRITE);
    return strcasecmp(cmd->spec->name, "ping") == 0;
}

void dispatch_set_cluster_check(dispatch_cluster_check *check) { cluster_check = check; }

void dispatch_set_busy_check(dispatch_busy_check *check) { busy_check = check; }
void dispatch_set_flags_hook(dispatch_flags_hook *hook) { flags_hook = hook; }
uint32_t dispatch_command_flags(const client *c, const command *cmd) {
    return flags_hook ? flags_hook(c, cmd) : cmd->spec->flags;
}
void dispatch_set_monitor_feed(dispatch_monitor_feed *feed) { monitor_feed = feed; }
void dispatch_set_key_slot(dispatch_key_slot_fn *fn) { key_slot = fn; }
int dispatch_key_slot(const char *key, size_t length) { return key_slot ? key_slot(key, length) : -1; }
const char *dispatch_cluster_refusal(client *c, command *cmd) { return cluster_check ? cluster_check(c, cmd) : NULL; }

void dispatch_feed_monitors(client *c) {
    if (monitor_feed && c->command) monitor_feed(c, c->command);
}

int dispatch_out_of_memory(void) { return out_of_memory; }

void dispatch_mark_errors_accounted(void) { errors_accounted = server.stats.total_error_replies; }

void dispatch_set_permission_check(dispatch_permission_check *check) { permission_check = check; }

const char *dispatch_check_permission(client *c, command *cmd, int context) {
    return permission_check ? permission_check(c, cmd, context) : NULL;
}
void dispatch_set_context_check(dispatch_context_check *check) { context_check = check; }

int dispatch_call_depth(void) { return call_depth; }

/* ---- Calling ---- */

static void hide_reply(client *c) {
    if (!discard_output) discard_output = resp_output_create();
    c->hidden_reply = c->reply;
    c->reply = discard_output;
}

void dispatch_restore_reply(client *c) {
    if (!c->hidden_reply) return;
    /* Reset, not cleared: a discarded reply the allocator refused must not
     * leave the shared buffer failed, or the next client seen while its
     * replies are off would be closed for it. */
    resp_output_reset(discard_output);
    c->reply = c->hidden_reply;
    c->hidden_reply = NULL;
}

void dispatch_call(client *c, command *cmd) {
    zkv_assert(cmd->spec->handler != NULL); /* containers resolve to a subcommand first */
    client *previous_client = net.current_client;
    command *previous_command = c->command;
    net.current_client = c;
    c->command = cmd;
    c->flags |= CLIENT_EXECUTING;
    errors_accounted = server.stats.total_error_replies;
    uint64_t start = server_monotonic_us();
    call_depth++;
    propagate_frame frame;
    propagate_call_begin(&frame);
    cmd->spec->handler(c);
    long long duration = (long long)(server_monotonic_us() - start);
    cmd->stats.calls++;
    cmd->stats.microseconds += duration;
    if (server.stats.total_error_replies != errors_accounted) cmd->stats.failed_calls++;
    errors_accounted = server.stats.total_error_replies;
    server.stats.commands_processed++;
    for (int i = 0; i < observer_count; i++) observers[i](c, cmd, duration);
    /* After the observers, so MONITOR and the slowlog see what was sent. */
    propagate_call_end(&frame, c, multi_is_exec(cmd), cmd->spec->name);
    call_depth--;
    c->last_command = cmd;
    c->command = previous_command;
    if (!previous_command) c->flags &= ~CLIENT_EXECUTING;
    net.current_client = previous_client;
}

/* ---- Checks before calling ---- */

/* Refuses the command: counts it and poisons a MULTI in progress. */
/* A refused EXEC ends the transaction with the reason, as Redis does; any
 * other command refused inside MULTI makes the coming EXEC fail. */
static void reject(client *c, command *cmd, const char *text) {
    if (cmd) cmd->stats.rejected_calls++;
    if ((c->flags & CLIENT_MULTI) && cmd && multi_is_exec(cmd)) {
        multi_abort_exec(c, text);
        return;
    }
    if (c->flags & CLIENT_MULTI) multi_flag_error(c);
    reply_error(c, text);
}

/* Is the command refused when memory is over maxmemory?  Those that may
 * grow the dataset, EXEC when it would run one, and, as in Redis, anything
 * queued inside MULTI (a queue can grow without bound) except what ends the
 * transaction or the connection.  Only asked while over the limit. */
static int refused_when_out_of_memory(const client *c, const command *cmd) {
    if (dispatch_command_flags(c, cmd) & COMMAND_DENYOOM) return 1;
    if (!(c->flags & CLIENT_MULTI)) return 0;
    if (multi_is_exec(cmd)) return multi_queue_has_flags(c, COMMAND_DENYOOM);
    const char *name = cmd->spec->name;
    return strcasecmp(name, "discard") != 0 && strcasecmp(name, "quit") != 0 && strcasecmp(name, "reset") != 0;
}

static void reject_unknown_command(client *c) {
    strbuf message = STRBUF_INIT;
    strbuf_append_cstring(&message, "ERR unknown command '");
    size_t name_length = c->argv[0].length < 128 ? c->argv[0].length : 128;
    strbuf_append(&message, c->argv[0].data, name_length);
    strbuf_append_cstring(&message, "', with args beginning with: ");
    size_t arguments_start = message.length;
    for (int i = 1; i < c->argc && message.length - arguments_start < 128; i++) {
        size_t room = 128 - (message.length - arguments_start);
        size_t length = c->argv[i].length < room ? c->argv[i].length : room;
        strbuf_append_char(&message, '\'');
        strbuf_append(&message, c->argv[i].data, length);
        strbuf_append_cstring(&message, "' ");
    }
    reject(c, NULL, message.data);
    strbuf_free(&message);
}

static void reject_unknown_subcommand(client *c) {
    char upper[64];
    size_t length = c->argv[0].length < sizeof(upper) - 1 ? c->argv[0].length : sizeof(upper) - 1;
    for (size_t i = 0; i < length; i++) upper[i] = (char)toupper((unsigned char)c->argv[0].data[i]);
    upper[length] = '\0';
    char text[512];
    int sub_length = (int)(c->argv[1].length < 128 ? c->argv[1].length : 128);
    snprintf(text, sizeof(text), "ERR unknown subcommand '%.*s'. Try %s HELP.", sub_length,
             c->argv[1].data, upper);
    reject(c, NULL, text);
}

static int arity_ok(const command *cmd, int argc) {
    int arity = cmd->spec->arity;
    return arity > 0 ? argc == arity : argc >= -arity;
}

/* The commands that run immediately inside MULTI instead of being queued. */
static int runs_inside_multi(const command *cmd) {
    const char *name = cmd->spec->name;
    return !cmd->parent && (!strcmp(name, "exec") || !strcmp(name, "discard") || !strcmp(name, "multi") ||
                            !strcmp(name, "watch") || !strcmp(name, "quit") || !strcmp(name, "reset"));
}

/* A loopback TCP peer (127.0.0.0/8 or ::1) or the unix socket: what
 * enable-debug-command local admits. */
/* Protected commands (DEBUG) run only where enable-debug-command allows. */
static int protected_command_allowed(const client *c) {
    return client_protected_action_allowed(c, server.config.enable_debug_command);
}

static int authentication_required(const client *c) {
    return !(c->flags & CLIENT_AUTHENTICATED) && client_auth_required();
}

/* Resolves argv[0] (and argv[1] for containers); NULL after replying. */
static command *resolve(client *c) {
    command *cmd = command_lookup(c->argv[0].data, c->argv[0].length);
    if (!cmd) {
        reject_unknown_command(c);
        return NULL;
    }
    if (cmd->subcommand_count && c->argc >= 2) {
        command *sub = command_lookup_subcommand(cmd, c->argv[1].data, c->argv[1].length);
        if (!sub && !cmd->spec->handler) {
            reject_unknown_subcommand(c);
            return NULL;
        }
        if (sub) cmd = sub;
    }
    return cmd;
}

static void advance_reply_skip(client *c) {
    c->flags &= ~CLIENT_REPLY_SKIP;
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags |= CLIENT_REPLY_SKIP;
        c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
    }
}

static void process(client *c) {
    if (c->argv[0].length == 4 && (c->argv[0].data[0] | 0x20) == 'q' && args_is(&c->argv[0], "quit")) {
        reply_ok(c);
        client_close_after_reply(c);
        return;
    }
    command *cmd = resolve(c);
    if (!cmd) return;
    c->command = cmd;
    if (!arity_ok(cmd, c->argc)) {
        cmd->stats.rejected_calls++;
        if (c->flags & CLIENT_MULTI) multi_flag_error(c);
        reply_arity_error(c);
        c->command = NULL;
        return;
    }
    c->command = NULL;
    /* Before authentication, as Redis 7.0 checks it. */
    if ((cmd->spec->flags & COMMAND_PROTECTED) && !protected_command_allowed(c)) {
        reject(c, cmd,
               "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you "
               "can run it from a local connection, otherwise you need to set this option in the configuration "
               "file, and then restart the server.");
        return;
    }
    if (authentication_required(c) && !(cmd->spec->flags & COMMAND_NO_AUTH)) {
        reject(c, cmd, "NOAUTH Authentication required.");
        return;
    }
    if ((c->flags & CLIENT_MULTI) && (cmd->spec->flags & COMMAND_NO_MULTI) && !runs_inside_multi(cmd)) {
        reject(c, cmd, "ERR Command not allowed inside a transaction");
        return;
    }
    const char *denied = dispatch_check_permission(c, cmd, (c->flags & CLIENT_MULTI) ? DISPATCH_MULTI : DISPATCH_TOPLEVEL);
    if (denied) {
        reject(c, cmd, denied);
        return;
    }
    const char *cluster_refusal = cluster_check ? cluster_check(c, cmd) : NULL;
    if (cluster_refusal) {
        reject(c, cmd, cluster_refusal);
        return;
    }
    const char *busy_refusal = busy_check ? busy_check(c, cmd) : NULL;
    if (busy_refusal) {
        reject(c, cmd, busy_refusal);
        return;
    }
    /* As Redis: evict before every command, refuse only those that may grow memory. */
    out_of_memory = memory_check && server.config.maxmemory && memory_check();
    if (out_of_memory && refused_when_out_of_memory(c, cmd)) {
        reject(c, cmd, "OOM command not allowed when used memory > 'maxmemory'.");
        return;
    }
    const char *write_refusal = write_check ? write_check() : NULL;
    if (write_refusal && refused_when_writes_stopped(c, cmd)) {
        reject(c, cmd, write_refusal);
        return;
    }
    if (loading_check && !(cmd->spec->flags & COMMAND_LOADING) && loading_check()) {
        reject(c, cmd, "LOADING Redis is loading the dataset in memory");
        return;
    }
    const char *context_refusal = context_check ? context_check(c, cmd) : NULL;
    if (context_refusal) {
        reject(c, cmd, context_refusal);
        return;
    }
    if (pause_postpones(c, cmd)) {
        pause_postpone(c);
        return;
    }
    if ((c->flags & CLIENT_MULTI) && !runs_inside_multi(cmd)) {
        multi_queue_command(c, cmd);
        return;
    }
    dispatch_call(c, cmd);
    /* Waiters are served once the whole command (EXEC included) is done. */
    if (blocking_keys_ready()) blocking_serve_ready_keys();
}

void dispatch_process_command(client *c) {
    if (c->argc == 0) return;
    int hidden = (c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP)) != 0;
    if (hidden) hide_reply(c);
    process(c);
    if (hidden) dispatch_restore_reply(c);
    advance_reply_skip(c);
}
