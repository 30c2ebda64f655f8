/* slowlog: slow command log (see slowlog.h).
 *
 * Entries form a doubly linked list, newest at the head, so adding is O(1)
 * and trimming to slowlog-max-len drops from the tail.  Lowering
 * slowlog-max-len at run time takes effect at the next insertion, as in
 * Redis.  Each entry is one allocation for the record plus one per kept
 * argument; argument bytes are copied because the parser reuses its buffer.
 */
#include "slowlog.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "introspection.h"
#include "reply.h"
#include "zmalloc.h"

typedef struct slowlog_entry {
    long long id;
    long long timestamp; /* unix seconds */
    long long duration_us;
    int argc;
    resp_argument *argv; /* zmalloc'd copies */
    char *client_address;
    char *client_name;
    struct slowlog_entry *newer, *older;
} slowlog_entry;

static slowlog_entry *newest, *oldest;
static unsigned long entry_count;
static long long next_id;

static char *copy_bytes(const char *data, size_t length) {
    char *copy = zmalloc_alloc(length + 1);
    memcpy(copy, data, length);
    copy[length] = '\0';
    return copy;
}

static void set_argument(resp_argument *argument, char *text, size_t length) {
    argument->data = text;
    argument->length = length;
}

/* Copies argument `index`, truncated or redacted as the log shows it. */
static void copy_argument(resp_argument *destination, const command *cmd, int argc,
                          const resp_argument *argv, int index) {
    static const char redacted[] = "(redacted)";
    if (introspection_argument_redacted(cmd, argc, argv, index)) {
        set_argument(destination, copy_bytes(redacted, sizeof(redacted) - 1), sizeof(redacted) - 1);
        return;
    }
    const resp_argument *source = &argv[index];
    if (source->length <= SLOWLOG_MAX_ARGUMENT_LENGTH) {
        set_argument(destination, copy_bytes(source->data, source->length), source->length);
        return;
    }
    char suffix[48];
    int suffix_length = snprintf(suffix, sizeof(suffix), "... (%zu more bytes)",
                                 source->length - SLOWLOG_MAX_ARGUMENT_LENGTH);
    size_t length = SLOWLOG_MAX_ARGUMENT_LENGTH + (size_t)suffix_length;
    char *text = zmalloc_alloc(length + 1);
    memcpy(text, source->data, SLOWLOG_MAX_ARGUMENT_LENGTH);
    memcpy(text + SLOWLOG_MAX_ARGUMENT_LENGTH, suffix, (size_t)suffix_length + 1);
    set_argument(destination, text, length);
}

static slowlog_entry *create_entry(client *c, command *cmd, long long duration_us) {
    slowlog_entry *entry = zmalloc_calloc(sizeof(*entry));
    entry->id = next_id++;
    entry->timestamp = (long long)time(NULL);
    entry->duration_us = duration_us;
    entry->argc = c->argc > SLOWLOG_MAX_ARGUMENTS ? SLOWLOG_MAX_ARGUMENTS : c->argc;
    entry->argv = zmalloc_alloc(sizeof(resp_argument) * (size_t)entry->argc);
    int kept = c->argc > SLOWLOG_MAX_ARGUMENTS ? SLOWLOG_MAX_ARGUMENTS - 1 : c->argc;
    for (int i = 0; i < kept; i++) copy_argument(&entry->argv[i], cmd, c->argc, c->argv, i);
    if (kept < entry->argc) {
        char more[64];
        int length = snprintf(more, sizeof(more), "... (%d more arguments)", c->argc - kept);
        set_argument(&entry->argv[kept], copy_bytes(more, (size_t)length), (size_t)length);
    }
    entry->client_address = zmalloc_strdup(c->address);
    entry->client_name = zmalloc_strdup(c->name ? c->name : "");
    return entry;
}

static void free_entry(slowlog_entry *entry) {
    for (int i = 0; i < entry->argc; i++) zmalloc_free((void *)entry->argv[i].data);
    zmalloc_free(entry->argv);
    zmalloc_free(entry->client_address);
    zmalloc_free(entry->client_name);
    zmalloc_free(entry);
}

static void drop_oldest(void) {
    slowlog_entry *entry = oldest;
    oldest = entry->newer;
    if (oldest) oldest->older = NULL;
    else newest = NULL;
    entry_count--;
    free_entry(entry);
}

static void push_newest(slowlog_entry *entry) {
    entry->older = newest;
    if (newest) newest->newer = entry;
    newest = entry;
    if (!oldest) oldest = entry;
    entry_count++;
}

void slowlog_consider(client *c, command *cmd, long long duration_us) {
    long long threshold = server.config.slowlog_log_slower_than;
    if (threshold < 0 || duration_us < threshold) return;
    if (cmd->spec->flags & COMMAND_SKIP_SLOWLOG) return;
    if (server.config.slowlog_max_len > 0) push_newest(create_entry(c, cmd, duration_us));
    while (entry_count > server.config.slowlog_max_len) drop_oldest();
}

unsigned long slowlog_length(void) { return entry_count; }

void slowlog_reset(void) {
    while (oldest) drop_oldest();
}

/* ---- SLOWLOG ---- */

static void reply_entry(client *c, const slowlog_entry *entry) {
    reply_array_header(c, 6);
    reply_integer(c, entry->id);
    reply_integer(c, entry->timestamp);
    reply_integer(c, entry->duration_us);
    reply_array_header(c, entry->argc);
    for (int i = 0; i < entry->argc; i++) reply_bulk(c, entry->argv[i].data, entry->argv[i].length);
    reply_bulk_cstring(c, entry->client_address);
    reply_bulk_cstring(c, entry->client_name);
}

static void slowlog_get_command(client *c) {
    long long count = 10;
    if (c->argc > 3) {
        reply_subcommand_syntax_error(c);
        return;
    }
    if (c->argc == 3 && (!args_integer(&c->argv[2], &count) || count < -1)) {
        reply_error(c, "ERR count should be greater than or equal to -1");
        return;
    }
    if (count == -1 || (unsigned long long)count > entry_count) count = (long long)entry_count;
    reply_array_header(c, count);
    const slowlog_entry *entry = newest;
    for (long long i = 0; i < count; i++, entry = entry->older) reply_entry(c, entry);
}

static void slowlog_len_command(client *c) { reply_integer(c, (long long)entry_count); }

static void slowlog_reset_command(client *c) {
    slowlog_reset();
    reply_ok(c);
}

static void slowlog_help_command(client *c) {
    static const char *const lines[] = {
        "GET [<count>]",
        "    List the <count> newest entries (10 by default, -1 for every entry).",
        "    Each entry holds: id, unix time, duration in microseconds, arguments,",
        "    client address, client name.",
        "LEN",
        "    Number of entries in the log.",
        "RESET",
        "    Delete every entry.",
        NULL};
    reply_help(c, "SLOWLOG", lines);
}

static const command_argument slowlog_get_arguments[] = {
    {.name = "count", .type = ARGUMENT_INTEGER, .flags = ARGUMENT_OPTIONAL}, {0}};

#define SLOWLOG_ADMIN_FLAGS (COMMAND_ADMIN | COMMAND_LOADING | COMMAND_STALE)
#define SLOWLOG_ADMIN_CATEGORIES (ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS)

static const command_spec slowlog_subcommands[] = {
    {.name = "get", .handler = slowlog_get_command, .arity = -2, .flags = SLOWLOG_ADMIN_FLAGS,
     .categories = SLOWLOG_ADMIN_CATEGORIES, .group = "server", .since = "2.2.12",
     .summary = "List the most recent slow log entries", .complexity = "O(N) where N is the number of entries returned",
     .tips = "request_policy:all_nodes nondeterministic_output",
     .arguments = slowlog_get_arguments},
    {.name = "len", .handler = slowlog_len_command, .arity = 2, .flags = SLOWLOG_ADMIN_FLAGS,
     .categories = SLOWLOG_ADMIN_CATEGORIES, .group = "server", .since = "2.2.12",
     .summary = "Count the entries of the slow log", .complexity = "O(1)",
     .tips = "request_policy:all_nodes response_policy:agg_sum nondeterministic_output"},
    {.name = "reset", .handler = slowlog_reset_command, .arity = 2, .flags = SLOWLOG_ADMIN_FLAGS,
     .categories = SLOWLOG_ADMIN_CATEGORIES, .group = "server", .since = "2.2.12",
     .summary = "Empty the slow log", .complexity = "O(N) where N is the number of entries in the slowlog",
     .tips = "request_policy:all_nodes response_policy:all_succeeded"},
    {.name = "help", .handler = slowlog_help_command, .arity = 2, .flags = COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_SLOW, .group = "server", .since = "6.2.0",
     .summary = "Describe the SLOWLOG subcommands", .complexity = "O(1)"},
    {0}};

const command_spec slowlog_commands[] = {
    {.name = "slowlog", .arity = -2, .categories = ACL_SLOW, .group = "server", .since = "2.2.12",
     .summary = "Inspect the log of slow commands", .complexity = "Depends on subcommand.",
     .subcommands = slowlog_subcommands},
    {0}};
