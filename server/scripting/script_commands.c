/* script_commands: EVAL EVALSHA EVAL_RO EVALSHA_RO and SCRIPT LOAD EXISTS
 * FLUSH KILL DEBUG HELP, Redis 7.0's texts.  The run itself is script_run's; this
 * file only reads arguments and finds or compiles the script. */
#include <string.h>

#include "args.h"
#include "command.h"
#include "reply.h"
#include "script_eval.h"
#include "script_lua.h"
#include "script_module.h"
#include "script_run.h"

/* Reads numkeys (argv[2]); -1 after replying. */
static long long read_key_count(client *c) {
    long long count;
    if (!args_integer_or_reply(c, &c->argv[2], &count)) return -1;
    if (count > c->argc - 3) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return -1;
    }
    if (count < 0) {
        reply_error(c, "ERR Number of keys can't be negative");
        return -1;
    }
    return count;
}

static void push_array(lua_State *L, const resp_argument *argv, int count) {
    lua_createtable(L, count, 0);
    for (int i = 0; i < count; i++) {
        lua_pushlstring(L, argv[i].data, argv[i].length);
        lua_rawseti(L, -2, i + 1);
    }
}

static void eval_generic(client *c, int by_sha, int read_only) {
    dispatch_feed_monitors(c); /* before the commands the script runs */
    long long keys = read_key_count(c);
    if (keys < 0) return;
    lua_State *L = script_eval_vm();
    char sha[41];
    unsigned flags;
    if (by_sha) {
        if (script_eval_push(c->argv[1].data, c->argv[1].length, &flags) != 0) {
            reply_error(c, "NOSCRIPT No matching script. Please use EVAL.");
            return;
        }
        for (int i = 0; i < 40; i++) sha[i] = (char)(c->argv[1].data[i] | 0x20);
        sha[40] = '\0';
    } else {
        if (script_eval_create(c, c->argv[1].data, c->argv[1].length, sha) != 0) return;
        script_eval_push(sha, 40, &flags);
    }
    script_run run;
    if (script_run_begin(&run, c, L, sha, flags, read_only, 1) != 0) {
        lua_pop(L, 1);
        return;
    }
    script_lua_push_error_handler(L);
    lua_insert(L, -2);
    push_array(L, &c->argv[3], (int)keys);
    script_lua_set_global(L, "KEYS");
    push_array(L, &c->argv[3 + keys], c->argc - 3 - (int)keys);
    script_lua_set_global(L, "ARGV");
    script_run_execute(&run, 0);
    script_run_end(&run);
}

static void eval_command(client *c) { eval_generic(c, 0, 0); }
static void evalsha_command(client *c) { eval_generic(c, 1, 0); }
static void eval_ro_command(client *c) { eval_generic(c, 0, 1); }
static void evalsha_ro_command(client *c) { eval_generic(c, 1, 1); }

/* ---- SCRIPT ---- */

static void script_load_command(client *c) {
    char sha[41];
    if (script_eval_create(c, c->argv[2].data, c->argv[2].length, sha) != 0) return;
    reply_bulk(c, sha, 40);
}

static void script_exists_command(client *c) {
    reply_array_header(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) reply_integer(c, script_eval_exists(c->argv[i].data, c->argv[i].length));
}

static void script_flush_command(client *c) {
    int async = server.config.lazyfree_lazy_user_flush;
    if (c->argc == 3 && args_is(&c->argv[2], "sync")) async = 0;
    else if (c->argc == 3 && args_is(&c->argv[2], "async")) async = 1;
    else if (c->argc != 2) {
        reply_error(c, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    script_eval_flush(async);
    reply_ok(c);
}

static void script_kill_command(client *c) { script_run_kill(c, 1); }

/* SCRIPT DEBUG.  zkv has no Lua debugger (Redis's LDB): NO, which turns a
 * session off, answers as Redis; YES and SYNC, which would start one at
 * the client's next EVAL, are refused, not acknowledged and ignored, so a
 * debugging client (redis-cli --ldb) stops with the reason instead of
 * running the script undebugged.  The pipeline and mode errors are
 * Redis's, checked in its order. */
static void script_debug_command(client *c) {
    if (resp_output_pending_bytes(c->reply)) {
        reply_error(c, "ERR SCRIPT DEBUG must be called outside a pipeline");
        return;
    }
    if (args_is(&c->argv[2], "no")) {
        reply_ok(c);
    } else if (args_is(&c->argv[2], "yes") || args_is(&c->argv[2], "sync")) {
        reply_error(c, "ERR SCRIPT DEBUG YES and SYNC are not supported: zkv has no Lua debugger");
    } else {
        reply_error(c, "ERR Use SCRIPT DEBUG YES/SYNC/NO");
    }
}

static void script_help_command(client *c) {
    static const char *const lines[] = {
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        NULL};
    reply_help(c, "SCRIPT", lines);
}

#define EVAL_FLAGS (COMMAND_NOSCRIPT | COMMAND_SKIP_MONITOR | COMMAND_NO_MANDATORY_KEYS | COMMAND_STALE | \
                    COMMAND_MOVABLE_KEYS)

static const command_argument eval_arguments[] = {
    {.name = "script", .type = ARGUMENT_STRING},
    {.name = "numkeys", .type = ARGUMENT_INTEGER},
    {.name = "key", .type = ARGUMENT_KEY, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE},
    {.name = "arg", .type = ARGUMENT_STRING, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE},
    {0}};
static const command_argument evalsha_arguments[] = {
    {.name = "sha1", .type = ARGUMENT_STRING},
    {.name = "numkeys", .type = ARGUMENT_INTEGER},
    {.name = "key", .type = ARGUMENT_KEY, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE},
    {.name = "arg", .type = ARGUMENT_STRING, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE},
    {0}};
static const command_argument flush_modes[] = {
    {.name = "async", .type = ARGUMENT_PURE_TOKEN, .token = "ASYNC"},
    {.name = "sync", .type = ARGUMENT_PURE_TOKEN, .token = "SYNC"},
    {0}};
static const command_argument script_flush_arguments[] = {
    {.name = "async", .type = ARGUMENT_ONEOF, .flags = ARGUMENT_OPTIONAL, .arguments = flush_modes}, {0}};
static const command_argument sha1_list[] = {
    {.name = "sha1", .type = ARGUMENT_STRING, .flags = ARGUMENT_MULTIPLE}, {0}};
static const command_argument script_argument[] = {{.name = "script", .type = ARGUMENT_STRING}, {0}};
static const command_argument debug_modes[] = {
    {.name = "yes", .type = ARGUMENT_PURE_TOKEN, .token = "YES"},
    {.name = "sync", .type = ARGUMENT_PURE_TOKEN, .token = "SYNC"},
    {.name = "no", .type = ARGUMENT_PURE_TOKEN, .token = "NO"},
    {0}};
static const command_argument script_debug_arguments[] = {
    {.name = "mode", .type = ARGUMENT_ONEOF, .arguments = debug_modes}, {0}};

static const command_spec script_subcommands[] = {
    {.name = "debug", .handler = script_debug_command, .arity = 3, .flags = COMMAND_NOSCRIPT,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "3.2.0",
     .summary = "Set the debug mode for executed scripts.", .complexity = "O(1)",
     .arguments = script_debug_arguments},
    {.name = "exists", .handler = script_exists_command, .arity = -3, .flags = COMMAND_NOSCRIPT,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "2.6.0",
     .summary = "Check existence of scripts in the script cache.",
     .complexity = "O(N) with N being the number of scripts to check (so checking a single script is an O(1) "
                   "operation).",
     .tips = "request_policy:all_shards response_policy:agg_logical_and", .arguments = sha1_list},
    {.name = "flush", .handler = script_flush_command, .arity = -2, .flags = COMMAND_NOSCRIPT,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "2.6.0",
     .summary = "Remove all the scripts from the script cache.",
     .complexity = "O(N) with N being the number of scripts in cache",
     .tips = "request_policy:all_nodes response_policy:all_succeeded", .arguments = script_flush_arguments},
    {.name = "help", .handler = script_help_command, .arity = 2, .flags = COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands", .complexity = "O(1)"},
    {.name = "kill", .handler = script_kill_command, .arity = 2, .flags = COMMAND_NOSCRIPT | COMMAND_ALLOW_BUSY,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "2.6.0",
     .summary = "Kill the script currently in execution.", .complexity = "O(1)",
     .tips = "request_policy:all_shards response_policy:one_succeeded"},
    {.name = "load", .handler = script_load_command, .arity = 3, .flags = COMMAND_NOSCRIPT | COMMAND_STALE,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "2.6.0",
     .summary = "Load the specified Lua script into the script cache.",
     .complexity = "O(N) with N being the length in bytes of the script body.",
     .tips = "request_policy:all_nodes response_policy:all_succeeded", .arguments = script_argument},
    {0}};

/* Redis 7.0's key specs of EVAL and EVAL_RO carry notes (COMMAND INFO);
 * FCALL's are the same (function_commands.c). */
const key_spec script_write_key_specs[] = {
    {.flags = KEY_RW | KEY_ACCESS | KEY_UPDATE,
     .notes = "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE",
     .search = KEY_SEARCH_INDEX, .position = 2, .find = KEY_FIND_KEYNUM, .keynum_first = 1, .keynum_step = 1},
    {0}};
const key_spec script_read_key_specs[] = {
    {.flags = KEY_RO | KEY_ACCESS,
     .notes = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS",
     .search = KEY_SEARCH_INDEX, .position = 2, .find = KEY_FIND_KEYNUM, .keynum_first = 1, .keynum_step = 1},
    {0}};

const command_spec script_commands[] = {
    {.name = "eval", .handler = eval_command, .arity = -3, .flags = EVAL_FLAGS | COMMAND_MAY_REPLICATE,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "2.6.0",
     .summary = "Execute a Lua script server side", .complexity = "Depends on the script that is executed.",
     .arguments = eval_arguments, .key_count_at = 2, .key_flags = KEY_RW | KEY_ACCESS | KEY_UPDATE,
     .key_specs = script_write_key_specs},
    {.name = "evalsha", .handler = evalsha_command, .arity = -3, .flags = EVAL_FLAGS | COMMAND_MAY_REPLICATE,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "2.6.0",
     .summary = "Execute a Lua script server side", .complexity = "Depends on the script that is executed.",
     .arguments = evalsha_arguments, .key_count_at = 2, .key_flags = KEY_RW | KEY_ACCESS | KEY_UPDATE},
    {.name = "eval_ro", .handler = eval_ro_command, .arity = -3, .flags = EVAL_FLAGS | COMMAND_READONLY,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "7.0.0",
     .summary = "Execute a read-only Lua script server side",
     .complexity = "Depends on the script that is executed.", .arguments = eval_arguments, .key_count_at = 2,
     .key_specs = script_read_key_specs},
    {.name = "evalsha_ro", .handler = evalsha_ro_command, .arity = -3, .flags = EVAL_FLAGS | COMMAND_READONLY,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "7.0.0",
     .summary = "Execute a read-only Lua script server side",
     .complexity = "Depends on the script that is executed.", .arguments = evalsha_arguments,
     .key_count_at = 2},
    {.name = "script", .arity = -2, .categories = ACL_SLOW, .group = "scripting", .since = "2.6.0",
     .summary = "A container for Lua scripts management commands", .complexity = "Depends on subcommand.",
     .subcommands = script_subcommands},
    {0}};
