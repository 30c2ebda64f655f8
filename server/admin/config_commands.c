/* config_commands: CONFIG GET | SET | RESETSTAT | REWRITE | HELP.
 *
 * CONFIG SET is all-or-nothing.  It runs in three passes: check every name
 * (unknown, immutable, protected, duplicate) before touching anything, then
 * set every value remembering the old text, then run the apply callbacks
 * once each.  A failure in the second or third pass puts every old value back
 * (and re-applies), so the server is left exactly as it was.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "command.h"
#include "config.h"
#include "config_table.h"
#include "glob.h"
#include "reply.h"
#include "strbuf.h"
#include "zmalloc.h"

/* Arguments are not NUL-terminated: copy them into C strings. */
static char *argument_string(const resp_argument *argument) {
    char *text = zmalloc_alloc(argument->length + 1);
    memcpy(text, argument->data, argument->length);
    text[argument->length] = '\0';
    return text;
}

/* ---- CONFIG GET ---- */

static int has_glob_characters(const resp_argument *pattern) {
    for (size_t i = 0; i < pattern->length; i++) {
        char character = pattern->data[i];
        if (character == '*' || character == '?' || character == '[' || character == '\\') return 1;
    }
    return 0;
}

/* The first argument that selects `name`, or NULL.  Hidden parameters
 * (debugging knobs) answer only to their exact name. */
static const resp_argument *matching_pattern(client *c, const char *name, int hidden) {
    size_t length = strlen(name);
    for (int i = 2; i < c->argc; i++) {
        const resp_argument *pattern = &c->argv[i];
        int exact = pattern->length == length && !strncasecmp(pattern->data, name, length);
        if (exact || (!hidden && glob_match(pattern->data, pattern->length, name, length, 1))) return pattern;
    }
    return NULL;
}

/* Like Redis, a parameter asked by its plain name is answered with the name
 * as the client spelled it ("HZ"); glob matches give the table's name. */
static void reply_parameter(client *c, const char *name, const resp_argument *pattern,
                            const config_parameter *parameter) {
    strbuf value = STRBUF_INIT;
    config_parameter_get(parameter, &value);
    if (has_glob_characters(pattern)) reply_bulk_cstring(c, name);
    else reply_bulk(c, pattern->data, pattern->length);
    reply_bulk(c, strbuf_cstring(&value), value.length);
    strbuf_free(&value);
}

static void config_get_command(client *c) {
    resp_deferred header = resp_write_deferred_header(c->reply);
    long long pairs = 0;
    for (size_t i = 0; i < config_parameter_count(); i++) {
        const config_parameter *parameter = config_parameter_at(i);
        int hidden = (parameter->flags & CONFIG_HIDDEN) != 0;
        const resp_argument *pattern = matching_pattern(c, parameter->name, hidden);
        if (pattern) {
            reply_parameter(c, parameter->name, pattern, parameter);
            pairs++;
        }
        pattern = parameter->alias ? matching_pattern(c, parameter->alias, hidden) : NULL;
        if (pattern) {
            reply_parameter(c, parameter->alias, pattern, parameter);
            pairs++;
        }
    }
    resp_set_deferred_map_length(c->reply, header, pairs);
}

/* ---- CONFIG SET ---- */

typedef struct pending_change {
    const config_parameter *parameter;
    strbuf old_value;
} pending_change;

static void reply_set_failure(client *c, const char *name, const char *reason) {
    reply_error_format(c, "ERR CONFIG SET failed (possibly related to argument '%s') - %s", name, reason);
}

/* enable-protected-configs: yes, or local for a loopback / unix-socket client. */
static bool protected_config_allowed(const client *c) {
    return client_protected_action_allowed(c, server.config.enable_protected_configs);
}

/* First pass: every name must be known, settable and given once. */
static int check_names(client *c, pending_change *changes, int count) {
    for (int i = 0; i < count; i++) {
        char *name = argument_string(&c->argv[2 + 2 * i]);
        const config_parameter *parameter = config_find(name);
        const char *reason = NULL;
        if (!parameter) {
            reply_error_format(c, "ERR Unknown option or number of arguments for CONFIG SET - '%s'", name);
            zmalloc_free(name);
            return -1;
        }
        if (parameter->flags & CONFIG_IMMUTABLE) reason = "can't set immutable config";
        else if ((parameter->flags & CONFIG_PROTECTED) && !protected_config_allowed(c))
            reason = "can't set protected config";
        for (int j = 0; j < i && !reason; j++) {
            if (changes[j].parameter == parameter) reason = "duplicate parameter";
        }
        if (reason) {
            reply_set_failure(c, name, reason);
            zmalloc_free(name);
            return -1;
        }
        changes[i].parameter = parameter;
        zmalloc_free(name);
    }
    return 0;
}

static void restore(pending_change *changes, int count) {
    for (int i = count - 1; i >= 0; i--) {
        const char *ignored = NULL;
        if (changes[i].old_value.data)
            config_parameter_set_bytes(changes[i].parameter, changes[i].old_value.data, changes[i].old_value.length,
                                       &ignored);
    }
}

/* Runs each distinct apply callback once; the failing parameter index or -1. */
static int apply_all(pending_change *changes, int count, const char **reason) {
    for (int i = 0; i < count; i++) {
        config_apply_function *apply = changes[i].parameter->apply;
        int seen = 0;
        for (int j = 0; j < i; j++) seen |= changes[j].parameter->apply == apply;
        if (apply && !seen && apply(reason) != 0) return i;
    }
    return -1;
}

static void reapply_quietly(pending_change *changes, int count) {
    const char *ignored;
    apply_all(changes, count, &ignored);
}

static void set_values(client *c, pending_change *changes, int count) {
    for (int i = 0; i < count; i++) {
        config_parameter_get(changes[i].parameter, &changes[i].old_value);
        strbuf_reserve(&changes[i].old_value, 0); /* restore() tells "saved" by a non-NULL buffer */
        const resp_argument *value = &c->argv[3 + 2 * i];
        const char *reason = NULL;
        int result = config_parameter_set_bytes(changes[i].parameter, value->data, value->length, &reason);
        if (result != 0) {
            restore(changes, i + 1);
            reply_set_failure(c, changes[i].parameter->name, reason);
            return;
        }
    }
    const char *reason = NULL;
    int failed = apply_all(changes, count, &reason);
    if (failed >= 0) {
        restore(changes, count);
        reapply_quietly(changes, count);
        reply_set_failure(c, changes[failed].parameter->name, reason);
        return;
    }
    reply_ok(c);
}

static void config_set_command(client *c) {
    if (c->argc % 2) {
        reply_syntax_error(c);
        return;
    }
    int count = (c->argc - 2) / 2;
    pending_change *changes = zmalloc_calloc((size_t)count * sizeof(pending_change));
    if (check_names(c, changes, count) == 0) set_values(c, changes, count);
    for (int i = 0; i < count; i++) strbuf_free(&changes[i].old_value);
    zmalloc_free(changes);
}

/* ---- RESETSTAT, REWRITE, HELP ---- */

static void config_resetstat_command(client *c) {
    server_reset_statistics();
    reply_ok(c);
}

static void config_rewrite_command(client *c) {
    if (!server.config_file) {
        reply_error(c, "ERR The server is running without a config file");
        return;
    }
    char *error = NULL;
    if (config_rewrite(&error) != 0) {
        reply_error_format(c, "ERR %s", error);
        zmalloc_free(error);
        return;
    }
    reply_ok(c);
}

static void config_help_command(client *c) {
    static const char *const lines[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL};
    reply_help(c, "CONFIG", lines);
}

#define CONFIG_SUB(n, h, a, f, s, cx)                                                                  \
    {.name = n, .handler = h, .arity = a, .flags = f, .categories = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, \
     .group = "server", .summary = s, .since = "2.0.0", .complexity = cx}

static const command_spec config_subcommands[] = {
    CONFIG_SUB("get", config_get_command, -3, COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE,
               "Get the values of configuration parameters", "O(N) when N is the number of configuration parameters provided"),
    {.name = "set", .handler = config_set_command, .arity = -4,
     .flags = COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server",
     .summary = "Set configuration parameters to the given values", .since = "2.0.0",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .tips = "request_policy:all_nodes response_policy:all_succeeded"},
    CONFIG_SUB("resetstat", config_resetstat_command, 2,
               COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE,
               "Reset the server's statistics", "O(1)"),
    CONFIG_SUB("rewrite", config_rewrite_command, 2,
               COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE,
               "Persist the effective configuration to file", "O(1)"),
    {.name = "help", .handler = config_help_command, .arity = 2, .flags = COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_SLOW, .group = "server", .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)"},
    {.name = NULL}};

const command_spec config_commands[] = {
    {.name = "config", .arity = -2, .group = "server", .categories = ACL_SLOW,
     .summary = "A container for server configuration commands", .since = "2.0.0",
     .complexity = "Depends on subcommand.", .subcommands = config_subcommands},
    {.name = NULL}};
