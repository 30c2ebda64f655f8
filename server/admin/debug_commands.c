/* debug_commands: DEBUG LOG | SLEEP | SET-ACTIVE-EXPIRE | MALLCTL | HELP.
 *
 * DEBUG is a testing aid: SLEEP blocks the whole event loop on purpose (the
 * upstream test suite uses it to provoke latency and timeouts), and
 * SET-ACTIVE-EXPIRE switches the keyspace's active expiry cycle, which reads
 * server.config.active_expire_enabled.  MALLCTL and MALLCTL-STR read or set
 * one of jemalloc's named controls (the upstream memory tests ask for
 * arenas.page and flush the thread cache).  Any other subcommand is an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "command.h"
#include "log.h"
#include "reply.h"
#include "zmalloc.h"

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
    reply_help(c, "DEBUG", lines);
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
    else reply_subcommand_syntax_error(c);
}

const command_spec debug_commands[] = {
    {.name = "debug", .handler = debug_command, .arity = -2,
     .flags = COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0",
     .summary = "Testing and debugging aids", .complexity = "Depends on subcommand."},
    {0}};
