/* debug_commands: DEBUG LOG | SLEEP | SET-ACTIVE-EXPIRE | MALLCTL | HELP, and the
 * subcommands of upper modules through debug_extension.h (RELOAD, POPULATE).
 *
 * DEBUG is a testing aid: SLEEP blocks the whole event loop on purpose (the
 * upstream test suite uses it to provoke latency and timeouts), and
 * SET-ACTIVE-EXPIRE switches the keyspace's active expiry cycle, which reads
 * server.config.active_expire_enabled.  MALLCTL and MALLCTL-STR read or set
 * one of jemalloc's named controls (the upstream memory tests ask for
 * arenas.page and flush the thread cache).  Any other subcommand is an error.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
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

#define DEBUG_MAX_EXTENSIONS 16
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
    int length = c->argv[2].length < INT_MAX ? (int)c->argv[2].length : INT_MAX; /* %.*s takes an int */
    log_message(LOG_WARNING, "DEBUG LOG: %.*s", length, c->argv[2].data);
    reply_ok(c);
}

/* DEBUG parses its numbers leniently, like C's strtod/atoi ("abc" is 0,
 * "1x" is 1), as Redis does: copy into a terminated buffer first.  Returns
 * -1 when the argument does not fit, so a long name is refused rather than
 * cut to some other control's name. */
static int terminated_copy(const resp_argument *argument, char *text, size_t size) {
    if (argument->length >= size) return -1;
    memcpy(text, argument->data, argument->length);
    text[argument->length] = '\0';
    return 0;
}

/* Finite values below zero sleep not at all, as in Redis.  NaN, infinities
 * and anything over debug-sleep-max-seconds answer an error instead: Redis
 * converts such values to a time with undefined overflow (9e15 happens to
 * answer +OK at once, 1e12 freezes it for 31,000 years), and one request
 * must never freeze the server longer than its configured bound. */
static void debug_sleep(client *c) {
    char text[64];
    double seconds = 0;
    if (terminated_copy(&c->argv[2], text, sizeof(text)) == 0) seconds = strtod(text, NULL);
    else seconds = NAN; /* longer than any number DEBUG SLEEP would sleep for */
    if (!isfinite(seconds)) {
        reply_error(c, "ERR DEBUG SLEEP needs a finite number of seconds");
        return;
    }
    if (seconds > (double)server.config.debug_sleep_max_seconds) {
        reply_error_format(c, "ERR DEBUG SLEEP is limited to %lld seconds (debug-sleep-max-seconds)",
                           server.config.debug_sleep_max_seconds);
        return;
    }
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
    if (terminated_copy(&c->argv[2], text, sizeof(text)) != 0) {
        reply_error(c, "ERR value is not an integer or out of range");
        return;
    }
    server.config.active_expire_enabled = strtol(text, NULL, 10) != 0;
    reply_ok(c);
}

/* The control's name, or an error reply (no control has a longer one). */
static int control_name(client *c, char *name, size_t size) {
    if (terminated_copy(&c->argv[2], name, size) == 0 && memchr(name, '\0', c->argv[2].length) == NULL) return 0;
    reply_error(c, "ERR No such file or directory");
    return -1;
}

/* DEBUG MALLCTL <name> [<integer>]: the old value as an integer. */
static void debug_mallctl(client *c) {
    char name[256];
    if (control_name(c, name, sizeof(name)) != 0) return;
    long long old_value = 0, new_value = 0;
    if (c->argc == 4 && !args_integer(&c->argv[3], &new_value)) {
        reply_error(c, "ERR value is not an integer or out of range");
        return;
    }
    int error = zmalloc_control_integer(name, c->argc == 4 ? &new_value : NULL, &old_value);
    if (error != 0) reply_error_format(c, "ERR %s", strerror(error));
    else reply_integer(c, old_value);
}

/* DEBUG MALLCTL-STR <name> [<string>|VOID]: the old value as a string. */
static void debug_mallctl_string(client *c) {
    char name[256], value[256];
    if (control_name(c, name, sizeof(name)) != 0) return;
    if (c->argc == 4 && (terminated_copy(&c->argv[3], value, sizeof(value)) != 0 ||
                         memchr(value, '\0', c->argv[3].length) != NULL)) {
        reply_error(c, "ERR Invalid argument");
        return;
    }
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

const command_spec debug_commands[] = {
    {.name = "debug", .handler = debug_command, .arity = -2,
     .flags = COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE | COMMAND_PROTECTED,
     .categories = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0",
     .summary = "Testing and debugging aids", .complexity = "Depends on subcommand."},
    {0}};
