/* debug_commands: DEBUG LOG | SLEEP | SET-ACTIVE-EXPIRE | HELP, and FUNCTION FLUSH;
 * subcommands of upper modules through debug_extension.h (RELOAD, POPULATE).
 *
 * DEBUG is a testing aid: SLEEP blocks the whole event loop on purpose (the
 * upstream test suite uses it to provoke latency and timeouts), and
 * SET-ACTIVE-EXPIRE switches the keyspace's active expiry cycle, which reads
 * server.config.active_expire_enabled.  MALLCTL and MALLCTL-STR read or set
 * one of jemalloc's named controls (the upstream memory tests ask for
 * arenas.page and flush the thread cache).  Any other subcommand is an error.
 *
 * zkv has no scripting, so FUNCTION only accepts FLUSH, which has nothing to
 * remove and answers +OK (the upstream test suite calls it between tests).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "command.h"
#include "debug_extension.h"
#include "log.h"
#include "reply.h"
#include "zkv_assert.h"
#include "zmalloc.h"

#define DEBUG_MAX_EXTENSIONS 8
static const debug_extension *debug_extensions[DEBUG_MAX_EXTENSIONS];
static int debug_extension_count;

void debug_register_extension(const debug_extension *extension) {
    zkv_assert(debug_extension_count < DEBUG_MAX_EXTENSIONS);
    debug_extensions[debug_extension_count++] = extension;
}

/* True if a registered subcommand took the call. */
static bool debug_run_extension(client *c) {
    for (int i = 0; i < debug_extension_count; i++) {
        const debug_extension *e = debug_extensions[i];
        if (!args_is(&c->argv[1], e->name)) continue;
        if (c->argc < e->min_argc || (e->max_argc >= 0 && c->argc > e->max_argc)) return false;
        e->handler(c);
        return true;
    }
    return false;
}

static void debug_log(client *c) {
    log_message(LOG_WARNING, "DEBUG LOG: %.*s", (int)c->argv[2].length, c->argv[2].data);
    reply_ok(c);
}

/* DEBUG parses its numbers leniently, like C's strtod/atoi ("abc" is 0,
 * "1x" is 1), as Redis does: copy into a terminated buffer first. */
static void terminated_copy(const resp_argument *argument, char *text, size_t size) {
    size_t length = argument->length < size - 1 ? argument->length : size - 1;
    memcpy(text, argument->data, length);
    text[length] = '\0';
}

static double argument_seconds(const resp_argument *argument) {
    char text[64];
    terminated_copy(argument, text, sizeof(text));
    return strtod(text, NULL);
}

static void debug_sleep(client *c) {
    double seconds = argument_seconds(&c->argv[2]);
    if (seconds > 0) {
        struct timespec wait = {.tv_sec = (time_t)seconds,
                                .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
        while (nanosleep(&wait, &wait) != 0 && errno == EINTR) {
        }
    }
    reply_ok(c);
}

static void debug_set_active_expire(client *c) {
    char text[32];
    terminated_copy(&c->argv[2], text, sizeof(text));
    server.config.active_expire_enabled = strtol(text, NULL, 10) != 0;
    reply_ok(c);
}

/* DEBUG MALLCTL <name> [<integer>]: the old value as an integer. */
static void debug_mallctl(client *c) {
    char name[256], text[64];
    terminated_copy(&c->argv[2], name, sizeof(name));
    long long old_value = 0, new_value = 0;
    if (c->argc == 4) {
        terminated_copy(&c->argv[3], text, sizeof(text));
        new_value = strtoll(text, NULL, 10);
    }
    int error = zmalloc_control_integer(name, c->argc == 4 ? &new_value : NULL, &old_value);
    if (error != 0) reply_error_format(c, "ERR %s", strerror(error));
    else reply_integer(c, old_value);
}

/* DEBUG MALLCTL-STR <name> [<string>|VOID]: the old value as a string. */
static void debug_mallctl_string(client *c) {
    char name[256], value[256];
    terminated_copy(&c->argv[2], name, sizeof(name));
    if (c->argc == 4) terminated_copy(&c->argv[3], value, sizeof(value));
    const char *old_value = NULL;
    int error = zmalloc_control_string(name, c->argc == 4 ? value : NULL, &old_value);
    if (error != 0) reply_error_format(c, "ERR %s", strerror(error));
    else if (old_value) reply_bulk(c, old_value, strlen(old_value));
    else reply_null(c);
}

static void debug_help(client *c) {
    static const char *const lines[] = {
        "LOG <message>",
        "    Write <message> to the server log.",
        "MALLCTL <name> [<value>]",
        "    Read (and set) the allocator's integer control <name>.",
        "MALLCTL-STR <name> [<value>|VOID]",
        "    Read (and set) a string control; VOID runs a control without a value.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Turn the active expiry of keys off (0) or on (1).",
        "SLEEP <seconds>",
        "    Block the server for <seconds> (decimals allowed).",
        NULL};
    const char *all[64];
    size_t count = 0;
    for (size_t i = 0; lines[i]; i++) all[count++] = lines[i];
    for (int e = 0; e < debug_extension_count; e++)
        for (size_t i = 0; debug_extensions[e]->help[i] && count < 63; i++) all[count++] = debug_extensions[e]->help[i];
    all[count] = NULL;
    reply_help(c, "DEBUG", all);
}

static void debug_command(client *c) {
    const resp_argument *sub = &c->argv[1];
    if (c->argc == 2 && args_is(sub, "help")) debug_help(c);
    else if (c->argc == 3 && args_is(sub, "log")) debug_log(c);
    else if (c->argc == 3 && args_is(sub, "sleep")) debug_sleep(c);
    else if (c->argc == 3 && args_is(sub, "set-active-expire")) debug_set_active_expire(c);
    else if ((c->argc == 3 || c->argc == 4) && args_is(sub, "mallctl")) debug_mallctl(c);
    else if ((c->argc == 3 || c->argc == 4) && args_is(sub, "mallctl-str"))
        debug_mallctl_string(c);
    else if (!debug_run_extension(c)) reply_subcommand_syntax_error(c);
}

static void function_flush_command(client *c) {
    if (c->argc > 3) {
        reply_subcommand_syntax_error(c);
        return;
    }
    if (c->argc == 3 && !args_is(&c->argv[2], "async") &&
        !args_is(&c->argv[2], "sync")) {
        reply_error(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    reply_ok(c);
}

static void function_help_command(client *c) {
    static const char *const lines[] = {
        "FLUSH [ASYNC|SYNC]",
        "    Delete every library (zkv has no scripting: there is never any).",
        NULL};
    reply_help(c, "FUNCTION", lines);
}

static const command_argument flush_modes[] = {
    {.name = "async", .type = ARGUMENT_PURE_TOKEN, .token = "ASYNC"},
    {.name = "sync", .type = ARGUMENT_PURE_TOKEN, .token = "SYNC"},
    {0}};
static const command_argument function_flush_arguments[] = {
    {.name = "async", .type = ARGUMENT_ONEOF, .flags = ARGUMENT_OPTIONAL, .arguments = flush_modes}, {0}};

static const command_spec function_subcommands[] = {
    {.name = "flush", .handler = function_flush_command, .arity = -2,
     .flags = COMMAND_WRITE | COMMAND_NOSCRIPT, .categories = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING,
     .group = "scripting", .since = "7.0.0", .summary = "Delete every library",
     .complexity = "O(N) where N is the number of functions deleted",
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .arguments = function_flush_arguments},
    {.name = "help", .handler = function_help_command, .arity = 2, .flags = COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .since = "7.0.0",
     .summary = "Describe the FUNCTION subcommands", .complexity = "O(1)"},
    {0}};

const command_spec debug_commands[] = {
    {.name = "debug", .handler = debug_command, .arity = -2,
     .flags = COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0",
     .summary = "Testing and debugging aids", .complexity = "Depends on subcommand."},
    {.name = "function", .arity = -2, .categories = ACL_SLOW, .group = "scripting", .since = "7.0.0",
     .summary = "Manage function libraries", .complexity = "Depends on subcommand.",
     .subcommands = function_subcommands},
    {0}};
