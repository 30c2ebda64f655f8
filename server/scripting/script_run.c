/* script_run: invocation state, redis.call, busy scripts and KILL (see
 * script_run.h). */
#include "propagate.h"
#include "script_run.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "command.h"
#include "errorstats.h"
#include "log.h"
#include "networking.h"
#include "number.h"
#include "reply.h"
#include "script_convert.h"
#include "script_lua.h"
#include "strbuf.h"
#include "zkv_assert.h"
#include "zmalloc.h"

#define RUN_READ_ONLY (1u << 0)
#define RUN_ALLOW_OOM (1u << 1)
#define RUN_WROTE (1u << 2)
#define RUN_KILLED (1u << 3)
#define RUN_TIMED_OUT (1u << 4)
#define RUN_OOM_AT_START (1u << 5)
#define RUN_CROSS_SLOT_OK (1u << 6)

long long script_busy_reply_threshold_ms = 5000;

static client *script_client;
static script_run *current;
static resp_argument *arguments; /* the script client's argv, reused */
static int argument_slots;
static char *reply_copy; /* a reply in several chunks, made contiguous */
static size_t reply_copy_size;
static strbuf number_texts; /* numeric arguments of redis.call, as text */

static const struct {
    const char *name;
    unsigned flag;
} flag_names[] = {{"no-writes", SCRIPT_FLAG_NO_WRITES},
                  {"allow-oom", SCRIPT_FLAG_ALLOW_OOM},
                  {"allow-stale", SCRIPT_FLAG_ALLOW_STALE},
                  {"no-cluster", SCRIPT_FLAG_NO_CLUSTER},
                  {"allow-cross-slot-keys", SCRIPT_FLAG_ALLOW_CROSS_SLOT}};

unsigned script_flag_from_name(const char *name, size_t length) {
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (strlen(flag_names[i].name) == length && !memcmp(flag_names[i].name, name, length))
            return flag_names[i].flag;
    return 0;
}

void script_flags_foreach(unsigned flags, void (*visit)(const char *name, void *context), void *context) {
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (flags & flag_names[i].flag) visit(flag_names[i].name, context);
}

/* ---- Busy scripts ---- */

static const char *busy_text(int eval) {
    return eval ? "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
                : "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
}

/* dispatch's admission check while a script is timed out. */
static const char *refuse_while_busy(client *c, command *cmd) {
    if (!current || !(current->state & RUN_TIMED_OUT) || c == current->caller) return NULL;
    if (!(cmd->spec->flags & COMMAND_ALLOW_BUSY)) return busy_text(current->eval);
    /* SHUTDOWN is allowed only without saving. */
    if (!cmd->parent && !strcmp(cmd->spec->name, "shutdown")) {
        for (int i = 1; i < c->argc; i++)
            if (c->argv[i].length == 6 && !strncasecmp(c->argv[i].data, "nosave", 6)) return NULL;
        return busy_text(current->eval);
    }
    return NULL;
}

/* The interrupt hook's question: abort now? */
static int interrupted(void) {
    script_run *run = current;
    if (!run) return 0;
    if (!(run->state & RUN_TIMED_OUT)) {
        long long elapsed_ms = (long long)(server_monotonic_us() - run->start_us) / 1000;
        if (script_busy_reply_threshold_ms <= 0 || elapsed_ms < script_busy_reply_threshold_ms) return 0;
        log_message(LOG_WARNING,
                    "Slow script detected: still in execution after %lld milliseconds. You can try killing the "
                    "script using the %s command. Script name is: %s.",
                    elapsed_ms, run->eval ? "SCRIPT KILL" : "FUNCTION KILL", run->name);
        run->state |= RUN_TIMED_OUT;
    }
    networking_serve_while_busy(run->caller);
    if (server.shutdown_requested) run->state |= RUN_KILLED;
    return (run->state & RUN_KILLED) != 0;
}

void script_run_kill(client *c, int eval) {
    if (!current) {
        reply_error(c, "NOTBUSY No scripts in execution right now.");
        return;
    }
    if (current->state & RUN_WROTE) {
        reply_error(c, "UNKILLABLE Sorry the script already executed write commands against the dataset. You can "
                       "either wait the script termination or kill the server in a hard way using the SHUTDOWN "
                       "NOSAVE command.");
        return;
    }
    if (eval && !current->eval) {
        reply_error(c, "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.");
        return;
    }
    if (!eval && current->eval) {
        reply_error(c, "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
        return;
    }
    current->state |= RUN_KILLED;
    reply_ok(c);
}

/* ---- The reply of redis.call ---- */

/* A reply spread over several chunks is copied into one block to be parsed;
 * a block past this size is given back after its reply rather than kept for
 * the next (one huge reply must not hold its size for the process's life). */
#define REPLY_COPY_KEPT (64 * 1024)

static void release_reply_copy(void) {
    if (reply_copy_size <= REPLY_COPY_KEPT) return;
    zmalloc_free(reply_copy);
    reply_copy = NULL;
    reply_copy_size = 0;
}

/* What a redis.call reply that was left behind costs: Lua raises its
 * memory error from inside the conversion, past the clearing, so the next
 * call and the end of the run drop what is still there. */
static void drop_stale_reply(void) {
    resp_output_reset(script_client->reply);
    release_reply_copy();
}

/* ---- A run ---- */

int script_run_init(void) {
    script_client = client_create_fake();
    if (!script_client) return -1;
    strcpy(script_client->address, "lua"); /* how MONITOR names the commands scripts call */
    dispatch_set_busy_check(refuse_while_busy);
    return 0;
}

void script_run_shutdown(void) {
    if (script_client) client_free(script_client);
    script_client = NULL;
    zmalloc_free(arguments);
    arguments = NULL;
    argument_slots = 0;
    zmalloc_free(reply_copy);
    reply_copy = NULL;
    reply_copy_size = 0;
    strbuf_free(&number_texts);
}

script_run *script_run_current(void) { return current; }

void script_run_set_protocol(int resp) { client_set_protocol(script_client, resp); }

int script_run_begin(script_run *run, client *caller, lua_State *L, const char *name, unsigned flags,
                     int read_only_command, int eval) {
    zkv_assert(current == NULL);
    int oom = server.config.maxmemory && dispatch_out_of_memory();
    if (!(flags & SCRIPT_FLAG_EVAL_COMPAT)) {
        if ((flags & SCRIPT_FLAG_NO_CLUSTER) && server.config.cluster_enabled) {
            reply_error(caller, "ERR Can not run script on cluster, 'no-cluster' flag is set.");
            return -1;
        }
        if (!(flags & SCRIPT_FLAG_NO_WRITES) && read_only_command) {
            reply_error(caller, "ERR Can not execute a script with write flag using *_ro command.");
            return -1;
        }
        if (oom && !(flags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES))) {
            reply_error(caller, "OOM allow-oom flag is not set on the script, can not run it when used memory > "
                                "'maxmemory'");
            return -1;
        }
    }
    memset(run, 0, sizeof(*run));
    /* The script's commands are logged one by one, never the script. */
    propagate_prevent(caller);
    run->caller = caller;
    run->L = L;
    run->name = name;
    run->eval = eval;
    run->resp = 2;
    run->start_us = server_monotonic_us();
    if (read_only_command || (!(flags & SCRIPT_FLAG_EVAL_COMPAT) && (flags & SCRIPT_FLAG_NO_WRITES)))
        run->state |= RUN_READ_ONLY;
    if (!(flags & SCRIPT_FLAG_EVAL_COMPAT) && (flags & SCRIPT_FLAG_ALLOW_OOM)) run->state |= RUN_ALLOW_OOM;
    if (oom) run->state |= RUN_OOM_AT_START;
    if (flags & (SCRIPT_FLAG_EVAL_COMPAT | SCRIPT_FLAG_ALLOW_CROSS_SLOT)) run->state |= RUN_CROSS_SLOT_OK;
    run->slot = -1;
    int first = caller->command ? command_first_key(caller->command->spec, caller->argc, caller->argv) : 0;
    if (first) run->slot = dispatch_key_slot(caller->argv[first].data, caller->argv[first].length);
    script_client->db_index = caller->db_index;
    script_client->user = caller->user; /* redis.call runs with the caller's rights */
    script_client->on_behalf_of = caller;
    client_set_protocol(script_client, 2);
    current = run;
    return 0;
}

void script_run_end(script_run *run) {
    zkv_assert(current == run);
    if (run->state & RUN_TIMED_OUT)
        log_message(LOG_WARNING, "Slow script finished after %lld milliseconds.",
                    (long long)(server_monotonic_us() - run->start_us) / 1000);
    script_client->on_behalf_of = NULL;
    drop_stale_reply();
    current = NULL;
}

/* Lua runs a full garbage collection cycle when it decides to; stepping
 * every few runs keeps each pause short (Redis does the same). */
static void collect_some_garbage(lua_State *L) {
    static int runs;
    if (++runs < 50) return;
    runs = 0;
    lua_gc(L, LUA_GCSTEP, 50);
}

void script_run_execute(script_run *run, int nargs) {
    lua_State *L = run->L;
    int handler = lua_gettop(L) - nargs - 1;
    if (script_busy_reply_threshold_ms > 0)
        script_lua_set_hook(L, interrupted, "Script killed by user with SCRIPT KILL...");
    int failed = lua_pcall(L, nargs, 1, handler);
    script_lua_clear_hook(L);
    collect_some_garbage(L);
    client *c = run->caller;
    if (!failed) {
        script_convert_reply_from_lua(L, c, run->resp);
    } else if (!lua_istable(L, -1)) {
        const char *message = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
        reply_error_format(c, "ERR Error running script %s, %.100s", run->name, message);
        lua_pop(L, 1);
    } else {
        const char *source;
        long line;
        int no_stats;
        const char *text = script_lua_error_text(L, &source, &line, &no_stats);
        strbuf message = STRBUF_INIT;
        strbuf_append_cstring(&message, text ? text : "ERR unknown error");
        if (source && line >= 0) strbuf_printf(&message, " script: %s, on %s:%ld.", run->name, source, line);
        for (size_t i = 0; i < message.length; i++)
            if (message.data[i] == '\r' || message.data[i] == '\n') message.data[i] = ' ';
        resp_write_error(c->reply, message.data, message.length);
        if (!no_stats) errorstats_count(message.data, message.length);
        else if (c->command) c->command->stats.failed_calls++; /* dispatch sees no new error to count */
        strbuf_free(&message);
        lua_pop(L, 1);
    }
    lua_remove(L, handler);
}

/* ---- redis.call / redis.pcall ---- */

/* Resolves the script client's argv as dispatch would; NULL if unknown. */
static command *resolve(client *c) {
    command *cmd = command_lookup(c->argv[0].data, c->argv[0].length);
    if (!cmd || !cmd->subcommand_count || c->argc < 2) return cmd;
    command *sub = command_lookup_subcommand(cmd, c->argv[1].data, c->argv[1].length);
    if (sub) return sub;
    return cmd->spec->handler ? cmd : NULL;
}

static int arity_ok(const command *cmd, int argc) {
    int arity = cmd->spec->arity;
    return arity > 0 ? argc == arity : argc >= -arity;
}

/* Cluster mode: the command's keys must be served here and, for scripts
 * that did not opt out, stay in one slot.  NULL or the refusal text. */
static const char *cluster_refusal(script_run *run, command *cmd) {
    client *c = script_client;
    const char *routing = dispatch_cluster_refusal(c, cmd);
    if (routing) {
        if (!strcmp(routing, "CLUSTERDOWN The cluster is down"))
            return "Script attempted to execute a command while the cluster is down";
        /* A key in a slot no node serves counts as non-local, as in Redis. */
        if (!strncmp(routing, "MOVED", 5) || !strncmp(routing, "ASK", 3) || !strncmp(routing, "CROSSSLOT", 9) ||
            !strncmp(routing, "CLUSTERDOWN", 11))
            return "Script attempted to access a non local key in a cluster node";
        return strncmp(routing, "ERR ", 4) ? routing : routing + 4; /* "MOVE is not allowed in cluster mode" */
    }
    int first = (run->state & RUN_CROSS_SLOT_OK) ? 0 : command_first_key(cmd->spec, c->argc, c->argv);
    if (!first) return NULL;
    int slot = dispatch_key_slot(c->argv[first].data, c->argv[first].length);
    if (slot < 0) return NULL;
    if (run->slot < 0) run->slot = slot;
    else if (run->slot != slot) return "Script attempted to access keys that do not hash to the same slot";
    return NULL;
}

/* Redis's checks before a script's command; NULL or the refusal text. */
static const char *refusal(script_run *run, command *cmd, int argc) {
    if (!cmd) return "Unknown Redis command called from script";
    if (!arity_ok(cmd, argc)) return "Wrong number of args calling Redis command from script";
    uint32_t flags = cmd->spec->flags;
    if (flags & COMMAND_NOSCRIPT) return "This Redis command is not allowed from script";
    /* The caller's ACL user, checked as Redis does after NOSCRIPT; the text
     * comes as "ERR ...", and the ERR is added back with the script's place. */
    const char *denied = dispatch_check_permission(script_client, cmd, DISPATCH_SCRIPT);
    if (denied) return strncmp(denied, "ERR ", 4) == 0 ? denied + 4 : denied;
    if ((run->state & RUN_READ_ONLY) && (flags & (COMMAND_WRITE | COMMAND_MAY_REPLICATE)))
        return "Write commands are not allowed from read-only scripts.";
    if (!(run->state & (RUN_ALLOW_OOM | RUN_WROTE)) && (run->state & RUN_OOM_AT_START) && server.config.maxmemory &&
        (flags & COMMAND_DENYOOM))
        return "-OOM command not allowed when used memory > 'maxmemory'.";
    return server.config.cluster_enabled ? cluster_refusal(run, cmd) : NULL;
}

/* Appends a number argument as Redis prints it, "%.17g".  Whole numbers
 * under 10^15 print the same through the integer formatter, at a tenth of
 * printf's floating-point cost (~2,000 instructions): scripts pass counts,
 * offsets and TTLs that way.  -0 and the rest take printf ("-0", "1.5",
 * "1e+20", "inf", "nan" as Redis). */
static void append_number(strbuf *out, double value) {
    if (value > -1e15 && value < 1e15 && value == floor(value) && !(value == 0 && signbit(value))) {
        char text[NUMBER_INTEGER_BUFFER];
        strbuf_append(out, text, number_format_integer((long long)value, text));
    } else {
        strbuf_printf(out, "%.17g", value);
    }
}

/* Points the script client's argv at the arguments: strings stay on the
 * Lua stack, numbers are printed as %.17g (as Redis) into number_texts.
 * Nothing is pushed, so a call with as many arguments as the stack holds
 * (unpack of ~8000 values) still works.  -1 if an argument is neither. */
static int build_arguments(lua_State *L, int argc) {
    if (argc > argument_slots) {
        arguments = zmalloc_realloc(arguments, sizeof(*arguments) * (size_t)argc);
        argument_slots = argc;
    }
    strbuf_clear(&number_texts);
    for (int i = 1; i <= argc; i++) {
        int type = lua_type(L, i);
        if (type == LUA_TNUMBER) {
            arguments[i - 1].data = NULL;
            arguments[i - 1].length = number_texts.length; /* the offset until the buffer stops moving */
            append_number(&number_texts, (double)lua_tonumber(L, i));
            strbuf_append_char(&number_texts, '\0');
        } else if (type == LUA_TSTRING) {
            arguments[i - 1].data = lua_tolstring(L, i, &arguments[i - 1].length);
        } else {
            return -1;
        }
    }
    for (int i = 0; i < argc; i++) {
        if (arguments[i].data) continue;
        arguments[i].data = number_texts.data + arguments[i].length;
        arguments[i].length = strlen(arguments[i].data);
    }
    return 0;
}

/* Moves the script client's reply into a Lua value on the stack; -1 (with
 * nothing pushed and nothing kept) when the reply could not be stored whole:
 * the output or the copy was refused by the allocator. */
static int push_reply(lua_State *L) {
    resp_output *output = script_client->reply;
    if (resp_output_failed(output)) {
        drop_stale_reply();
        return -1;
    }
    struct iovec vectors[16];
    int count = resp_output_iovec(output, vectors, 16);
    size_t pending = resp_output_pending_bytes(output);
    const char *data;
    size_t length;
    if (count == 1 && vectors[0].iov_len == pending) {
        data = vectors[0].iov_base;
        length = vectors[0].iov_len;
    } else {
        if (pending > reply_copy_size) {
            zmalloc_free(reply_copy); /* nothing in it to keep: no realloc copy */
            reply_copy = zmalloc_try_alloc(pending);
            reply_copy_size = reply_copy ? pending : 0;
            if (!reply_copy) {
                drop_stale_reply();
                return -1;
            }
        }
        length = 0;
        while ((count = resp_output_iovec(output, vectors, 16)) > 0) {
            size_t taken = 0;
            for (int i = 0; i < count; i++) {
                memcpy(reply_copy + length + taken, vectors[i].iov_base, vectors[i].iov_len);
                taken += vectors[i].iov_len;
            }
            resp_output_consume(output, taken);
            length += taken;
        }
        zkv_assert(length == pending);
        data = reply_copy;
    }
    int parsed = script_convert_push_reply(L, data, length);
    zkv_assert(parsed == 0);
    resp_output_clear(output);
    release_reply_copy();
    return 0;
}

int script_run_acl_check(lua_State *L) {
    if (!current) {
        const char *text = "redis.acl_check_cmd can only be called inside a script invocation";
        script_lua_push_error_table(L, text, strlen(text));
        return lua_error(L);
    }
    int argc = lua_gettop(L);
    const char *problem = NULL;
    if (argc == 0) problem = "Please specify at least one argument for this redis lib call";
    else if (build_arguments(L, argc) != 0) problem = "Lua redis lib command arguments must be strings or integers";
    client *c = script_client;
    command *cmd = NULL;
    if (!problem) {
        c->argc = argc;
        c->argv = arguments;
        /* As Redis's lookup: a container needs a known subcommand. */
        cmd = command_lookup(c->argv[0].data, c->argv[0].length);
        if (cmd && cmd->subcommand_count && argc > 1)
            cmd = command_lookup_subcommand(cmd, c->argv[1].data, c->argv[1].length);
        if (!cmd) problem = "Invalid command passed to redis.acl_check_cmd()";
    }
    int allowed = !problem && dispatch_check_permission(c, cmd, DISPATCH_PROBE) == NULL;
    c->argc = 0;
    c->argv = NULL;
    lua_settop(L, 0);
    if (problem) {
        script_lua_push_error_table(L, problem, strlen(problem));
        return lua_error(L);
    }
    lua_pushboolean(L, allowed);
    return 1;
}

/* A call answered by the script layer instead of the command: the error
 * (`problem` as script_lua_push_error_table reads it) is counted here, once,
 * and raised (redis.call) or returned (redis.pcall). */
static int call_failed(lua_State *L, const char *problem, int raise_error) {
    size_t length = strlen(problem);
    if (problem[0] == '-') errorstats_count(problem + 1, length - 1);
    else {
        char counted[128];
        snprintf(counted, sizeof(counted), "ERR %s", problem);
        errorstats_count(counted, strlen(counted));
    }
    dispatch_mark_errors_accounted();
    script_client->argc = 0;
    script_client->argv = NULL;
    lua_settop(L, 0);
    script_lua_push_error_table(L, problem, length);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "ignore_error_stats_update");
    return raise_error ? lua_error(L) : 1;
}

int script_run_command(lua_State *L, int raise_error) {
    script_run *run = current;
    if (!run) {
        script_lua_push_error_table(L, "redis.call/pcall can only be called inside a script invocation",
                                    strlen("redis.call/pcall can only be called inside a script invocation"));
        return lua_error(L);
    }
    int argc = lua_gettop(L);
    const char *problem = NULL;
    if (argc == 0) problem = "Please specify at least one argument for this redis lib call";
    else if (build_arguments(L, argc) != 0) problem = "Lua redis lib command arguments must be strings or integers";
    if (problem) {
        lua_settop(L, 0);
        script_lua_push_error_table(L, problem, strlen(problem));
        return raise_error ? lua_error(L) : 1;
    }
    client *c = script_client;
    c->argc = argc;
    c->argv = arguments;
    command *cmd = resolve(c);
    problem = refusal(run, cmd, argc);
    if (problem) {
        if (cmd) cmd->stats.rejected_calls++;
        return call_failed(L, problem, raise_error);
    }
    if (cmd->spec->flags & COMMAND_WRITE) run->state |= RUN_WROTE;
    drop_stale_reply();
    dispatch_call(c, cmd);
    c->argc = 0;
    c->argv = NULL;
    lua_settop(L, 0); /* the arguments are spent; the reply may need the room */
    if (push_reply(L) != 0) return call_failed(L, "out of memory for the command's reply", raise_error);
    if (raise_error && lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        int is_error = lua_isstring(L, -1);
        lua_pop(L, 1);
        if (is_error) return lua_error(L);
    }
    return 1;
}
