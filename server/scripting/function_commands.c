/* function_commands: FUNCTION LOAD DELETE LIST DUMP RESTORE FLUSH KILL
 * STATS HELP and FCALL FCALL_RO, Redis 7.0's replies and texts.  Libraries
 * are function_registry's, their code function_engine's, the run
 * script_run's; this file reads arguments and shapes replies. */
#include <string.h>

#include "args.h"
#include "command.h"
#include "function_dump.h"
#include "function_engine.h"
#include "function_registry.h"
#include "glob.h"
#include "reply.h"
#include "script_lua.h"
#include "script_module.h"
#include "script_run.h"
#include "server.h"
#include "zmalloc.h"

/* ---- FCALL ---- */

static void push_array(lua_State *L, const resp_argument *argv, int count) {
    lua_createtable(L, count, 0);
    for (int i = 0; i < count; i++) {
        lua_pushlstring(L, argv[i].data, argv[i].length);
        lua_rawseti(L, -2, i + 1);
    }
}

static void fcall_generic(client *c, int read_only) {
    dispatch_feed_monitors(c); /* before the commands the function runs */
    function_info *function =
        function_registry_function(function_registry_current(), c->argv[1].data, c->argv[1].length);
    if (!function) {
        reply_error(c, "ERR Function not found");
        return;
    }
    long long keys;
    if (!args_integer(&c->argv[2], &keys)) {
        reply_error(c, "ERR Bad number of keys provided");
        return;
    }
    if (keys > c->argc - 3) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    if (keys < 0) {
        reply_error(c, "ERR Number of keys can't be negative");
        return;
    }
    lua_State *L = function_engine_vm();
    script_run run;
    if (script_run_begin(&run, c, L, function->name, function->flags, read_only, 0) != 0) return;
    script_lua_push_error_handler(L);
    function_engine_push(function);
    push_array(L, &c->argv[3], (int)keys);
    push_array(L, &c->argv[3 + keys], c->argc - 3 - (int)keys);
    script_run_execute(&run, 2);
    script_run_end(&run);
}

static void fcall_command(client *c) { fcall_generic(c, 0); }
static void fcall_ro_command(client *c) { fcall_generic(c, 1); }

/* ---- FUNCTION LOAD / DELETE / FLUSH ---- */

static void function_load_command(client *c) {
    int replace = 0, at = 2;
    while (at < c->argc - 1) {
        const resp_argument *option = &c->argv[at++];
        if (args_is(option, "replace")) {
            replace = 1;
            continue;
        }
        reply_error_format(c, "ERR Unknown option given: %.*s", (int)option->length, option->data);
        return;
    }
    if (at >= c->argc) {
        reply_error(c, "ERR Function code is missing");
        return;
    }
    strbuf error = STRBUF_INIT;
    function_library *library = function_engine_load(function_registry_current(), c->argv[at].data,
                                                     c->argv[at].length, replace, FUNCTION_LOAD_TIMEOUT_MS, &error);
    if (!library) reply_error_format(c, "ERR %s", strbuf_cstring(&error));
    else {
        server.stats.dirty++;
        reply_bulk_cstring(c, library->name);
    }
    strbuf_free(&error);
}

static void function_delete_command(client *c) {
    function_registry *registry = function_registry_current();
    function_library *library = function_registry_library(registry, c->argv[2].data, c->argv[2].length);
    if (!library) {
        reply_error(c, "ERR Library not found");
        return;
    }
    function_registry_unlink(registry, library);
    function_library_free(library);
    server.stats.dirty++;
    reply_ok(c);
}

/* Freeing is proportional to the libraries there are; libraries are few
 * (each is code a person wrote), so FLUSH ASYNC frees them at once too. */
static void function_flush_command(client *c) {
    if (c->argc > 3) {
        reply_subcommand_syntax_error(c);
        return;
    }
    if (c->argc == 3 && !args_is(&c->argv[2], "sync") && !args_is(&c->argv[2], "async")) {
        reply_error(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    function_registry_free(function_registry_swap(function_registry_create()));
    server.stats.dirty++;
    reply_ok(c);
}

/* ---- FUNCTION LIST ---- */

static void reply_flag_name(const char *name, void *context) { reply_simple(context, name); }

static int count_flags(unsigned flags) {
    int count = 0;
    for (unsigned bit = flags & ~(unsigned)SCRIPT_FLAG_EVAL_COMPAT; bit; bit &= bit - 1) count++;
    return count;
}

static void reply_library(client *c, const function_library *library, int with_code) {
    reply_map_header(c, with_code ? 4 : 3);
    reply_bulk_cstring(c, "library_name");
    reply_bulk_cstring(c, library->name);
    reply_bulk_cstring(c, "engine");
    reply_bulk_cstring(c, "LUA");
    reply_bulk_cstring(c, "functions");
    reply_array_header(c, library->function_count);
    for (int i = 0; i < library->function_count; i++) {
        const function_info *function = library->functions[i];
        reply_map_header(c, 3);
        reply_bulk_cstring(c, "name");
        reply_bulk_cstring(c, function->name);
        reply_bulk_cstring(c, "description");
        if (function->description) reply_bulk_cstring(c, function->description);
        else reply_null(c);
        reply_bulk_cstring(c, "flags");
        reply_set_header(c, count_flags(function->flags));
        script_flags_foreach(function->flags, reply_flag_name, c);
    }
    if (with_code) {
        reply_bulk_cstring(c, "library_code");
        reply_bulk(c, library->code, library->code_length);
    }
}

static void function_list_command(client *c) {
    int with_code = 0;
    const resp_argument *pattern = NULL;
    for (int i = 2; i < c->argc; i++) {
        const resp_argument *argument = &c->argv[i];
        if (!with_code && args_is(argument, "withcode")) {
            with_code = 1;
            continue;
        }
        if (!pattern && args_is(argument, "libraryname")) {
            if (i >= c->argc - 1) {
                reply_error(c, "ERR library name argument was not given");
                return;
            }
            pattern = &c->argv[++i];
            continue;
        }
        reply_error_format(c, "ERR Unknown argument %.*s", (int)argument->length, argument->data);
        return;
    }
    function_registry *registry = function_registry_current();
    long long count = 0;
    for (function_library *library = function_registry_first(registry); library; library = library->next)
        if (!pattern || glob_match(pattern->data, pattern->length, library->name, strlen(library->name), 1)) count++;
    reply_array_header(c, count);
    for (function_library *library = function_registry_first(registry); library; library = library->next)
        if (!pattern || glob_match(pattern->data, pattern->length, library->name, strlen(library->name), 1))
            reply_library(c, library, with_code);
}

/* ---- FUNCTION DUMP / RESTORE ---- */

static void function_dump_command(client *c) {
    strbuf payload = STRBUF_INIT;
    for (function_library *library = function_registry_first(function_registry_current()); library;
         library = library->next)
        function_dump_append_library(&payload, library->code, library->code_length);
    function_dump_finish(&payload);
    reply_bulk(c, payload.data, payload.length);
    strbuf_free(&payload);
}

enum restore_policy { RESTORE_APPEND, RESTORE_REPLACE, RESTORE_FLUSH };

/* Creates the payload's libraries in a new registry; NULL after replying
 * with the error. */
static function_registry *restore_libraries(client *c, const resp_argument *payload) {
    function_registry *restored = function_registry_create();
    function_dump_reader reader;
    function_dump_reader_init(&reader, payload->data, payload->length);
    strbuf error = STRBUF_INIT;
    for (;;) {
        char *code;
        size_t length;
        const char *problem;
        int read = function_dump_next(&reader, &code, &length, &problem);
        if (read == 0) break;
        if (read < 0) {
            strbuf_append_cstring(&error, problem);
            break;
        }
        /* Redis loads restored libraries without a time limit; a payload is
         * client input here, so its code gets FUNCTION LOAD's limit. */
        function_library *library = function_engine_load(restored, code, length, 0, FUNCTION_LOAD_TIMEOUT_MS, &error);
        zmalloc_free(code);
        if (!library) {
            if (!error.length) strbuf_append_cstring(&error, "Failed creating the library");
            break;
        }
    }
    if (!error.length) return restored;
    reply_error_format(c, "ERR %s", strbuf_cstring(&error));
    strbuf_free(&error);
    function_registry_free(restored);
    return NULL;
}

static void function_restore_command(client *c) {
    if (c->argc > 4) {
        reply_subcommand_syntax_error(c);
        return;
    }
    enum restore_policy policy = RESTORE_APPEND;
    if (c->argc == 4) {
        const resp_argument *word = &c->argv[3];
        if (args_is(word, "append")) policy = RESTORE_APPEND;
        else if (args_is(word, "replace")) policy = RESTORE_REPLACE;
        else if (args_is(word, "flush")) policy = RESTORE_FLUSH;
        else {
            reply_error(c, "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
            return;
        }
    }
    if (function_dump_verify(c->argv[2].data, c->argv[2].length) != 0) {
        reply_error(c, "ERR DUMP payload version or checksum are wrong");
        return;
    }
    function_registry *restored = restore_libraries(c, &c->argv[2]);
    if (!restored) return;
    if (policy == RESTORE_FLUSH) {
        function_registry_free(function_registry_swap(restored));
    } else {
        char *error = NULL;
        int joined = function_registry_join(function_registry_current(), restored, policy == RESTORE_REPLACE, &error);
        function_registry_free(restored);
        if (joined != 0) {
            reply_error_format(c, "ERR %s", error);
            zmalloc_free(error);
            return;
        }
    }
    server.stats.dirty++;
    reply_ok(c);
}

/* ---- FUNCTION KILL / STATS / HELP ---- */

static void function_kill_command(client *c) { script_run_kill(c, 0); }

static void function_stats_command(client *c) {
    script_run *run = script_run_current();
    if (run && run->eval) {
        reply_error(c, "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
        return;
    }
    reply_map_header(c, 2);
    reply_bulk_cstring(c, "running_script");
    if (!run) {
        reply_null(c);
    } else {
        reply_map_header(c, 3);
        reply_bulk_cstring(c, "name");
        reply_bulk_cstring(c, run->name);
        reply_bulk_cstring(c, "command");
        reply_array_header(c, run->caller->argc);
        for (int i = 0; i < run->caller->argc; i++) reply_bulk(c, run->caller->argv[i].data, run->caller->argv[i].length);
        reply_bulk_cstring(c, "duration_ms");
        reply_integer(c, (long long)(server_monotonic_us() - run->start_us) / 1000);
    }
    function_registry *registry = function_registry_current();
    reply_bulk_cstring(c, "engines");
    reply_map_header(c, 1);
    reply_bulk_cstring(c, "LUA");
    reply_map_header(c, 2);
    reply_bulk_cstring(c, "libraries_count");
    reply_integer(c, function_registry_library_count(registry));
    reply_bulk_cstring(c, "functions_count");
    reply_integer(c, function_registry_function_count(registry));
}

static void function_help_command(client *c) {
    static const char *const lines[] = {
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION "
        "RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        NULL};
    reply_help(c, "FUNCTION", lines);
}

/* ---- Specs ---- */

static const command_argument fcall_arguments[] = {
    {.name = "function", .type = ARGUMENT_STRING},
    {.name = "numkeys", .type = ARGUMENT_INTEGER},
    {.name = "key", .type = ARGUMENT_KEY, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE},
    {.name = "arg", .type = ARGUMENT_STRING, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE},
    {0}};
static const command_argument delete_arguments[] = {{.name = "library-name", .type = ARGUMENT_STRING}, {0}};
static const command_argument flush_modes[] = {
    {.name = "async", .type = ARGUMENT_PURE_TOKEN, .token = "ASYNC"},
    {.name = "sync", .type = ARGUMENT_PURE_TOKEN, .token = "SYNC"},
    {0}};
static const command_argument flush_arguments[] = {
    {.name = "async", .type = ARGUMENT_ONEOF, .flags = ARGUMENT_OPTIONAL, .arguments = flush_modes}, {0}};
static const command_argument list_arguments[] = {
    {.name = "library-name-pattern", .type = ARGUMENT_STRING, .token = "LIBRARYNAME", .flags = ARGUMENT_OPTIONAL},
    {.name = "withcode", .type = ARGUMENT_PURE_TOKEN, .token = "WITHCODE", .flags = ARGUMENT_OPTIONAL},
    {0}};
static const command_argument load_arguments[] = {
    {.name = "replace", .type = ARGUMENT_PURE_TOKEN, .token = "REPLACE", .flags = ARGUMENT_OPTIONAL},
    {.name = "function-code", .type = ARGUMENT_STRING},
    {0}};
static const command_argument restore_policies[] = {
    {.name = "flush", .type = ARGUMENT_PURE_TOKEN, .token = "FLUSH"},
    {.name = "append", .type = ARGUMENT_PURE_TOKEN, .token = "APPEND"},
    {.name = "replace", .type = ARGUMENT_PURE_TOKEN, .token = "REPLACE"},
    {0}};
static const command_argument restore_arguments[] = {
    {.name = "serialized-value", .type = ARGUMENT_STRING},
    {.name = "policy", .type = ARGUMENT_ONEOF, .flags = ARGUMENT_OPTIONAL, .arguments = restore_policies},
    {0}};

#define ALL_SHARDS_SUCCEED "request_policy:all_shards response_policy:all_succeeded"

static const command_spec function_subcommands[] = {
    {.name = "delete", .handler = function_delete_command, .arity = 3, .flags = COMMAND_WRITE | COMMAND_NOSCRIPT,
     .categories = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "7.0.0",
     .summary = "Delete a function by name", .complexity = "O(1)", .tips = ALL_SHARDS_SUCCEED,
     .arguments = delete_arguments},
    {.name = "dump", .handler = function_dump_command, .arity = 2, .flags = COMMAND_NOSCRIPT,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "7.0.0",
     .summary = "Dump all functions into a serialized binary payload",
     .complexity = "O(N) where N is the number of functions"},
    {.name = "flush", .handler = function_flush_command, .arity = -2, .flags = COMMAND_WRITE | COMMAND_NOSCRIPT,
     .categories = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "7.0.0",
     .summary = "Deleting all functions", .complexity = "O(N) where N is the number of functions deleted",
     .tips = ALL_SHARDS_SUCCEED, .arguments = flush_arguments},
    {.name = "help", .handler = function_help_command, .arity = 2, .flags = COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "7.0.0",
     .summary = "Show helpful text about the different subcommands", .complexity = "O(1)"},
    {.name = "kill", .handler = function_kill_command, .arity = 2, .flags = COMMAND_NOSCRIPT | COMMAND_ALLOW_BUSY,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "7.0.0",
     .summary = "Kill the function currently in execution.", .complexity = "O(1)",
     .tips = "request_policy:all_shards response_policy:one_succeeded"},
    {.name = "list", .handler = function_list_command, .arity = -2, .flags = COMMAND_NOSCRIPT,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "7.0.0",
     .summary = "List information about all the functions", .complexity = "O(N) where N is the number of functions",
     .tips = "nondeterministic_output_order", .arguments = list_arguments},
    {.name = "load", .handler = function_load_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_NOSCRIPT, .categories = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING,
     .group = "scripting", .since = "7.0.0",
     .summary = "Create a function with the given arguments (name, code, description)",
     .complexity = "O(1) (considering compilation time is redundant)", .tips = ALL_SHARDS_SUCCEED,
     .arguments = load_arguments},
    {.name = "restore", .handler = function_restore_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_NOSCRIPT, .categories = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING,
     .group = "scripting", .since = "7.0.0", .summary = "Restore all the functions on the given payload",
     .complexity = "O(N) where N is the number of functions on the payload", .tips = ALL_SHARDS_SUCCEED,
     .arguments = restore_arguments},
    {.name = "stats", .handler = function_stats_command, .arity = 2, .flags = COMMAND_NOSCRIPT | COMMAND_ALLOW_BUSY,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "7.0.0",
     .summary = "Return information about the function currently running (name, description, duration)",
     .complexity = "O(1)", .tips = "nondeterministic_output request_policy:all_shards response_policy:special"},
    {0}};

#define FCALL_FLAGS (COMMAND_NOSCRIPT | COMMAND_SKIP_MONITOR | COMMAND_NO_MANDATORY_KEYS | COMMAND_STALE | \
                     COMMAND_MOVABLE_KEYS)

const command_spec function_commands[] = {
    {.name = "fcall", .handler = fcall_command, .arity = -3, .flags = FCALL_FLAGS | COMMAND_MAY_REPLICATE,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "7.0.0", .summary = "Invoke a function",
     .complexity = "Depends on the function that is executed.", .arguments = fcall_arguments,
     .key_count_at = 2, .key_flags = KEY_RW | KEY_ACCESS | KEY_UPDATE, .key_specs = script_write_key_specs},
    {.name = "fcall_ro", .handler = fcall_ro_command, .arity = -3, .flags = FCALL_FLAGS | COMMAND_READONLY,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "7.0.0",
     .summary = "Invoke a read-only function", .complexity = "Depends on the function that is executed.",
     .arguments = fcall_arguments, .key_count_at = 2, .key_specs = script_read_key_specs},
    {.name = "function", .arity = -2, .categories = ACL_SLOW, .group = "scripting", .since = "7.0.0",
     .summary = "A container for function commands", .complexity = "Depends on subcommand.",
     .subcommands = function_subcommands},
    {0}};
