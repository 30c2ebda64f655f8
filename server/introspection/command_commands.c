/* command_commands: the COMMAND command.
 *
 * COMMAND | COUNT | INFO [name ...] | DOCS [name ...] |
 * LIST [FILTERBY MODULE m | ACLCAT c | PATTERN p] | GETKEYS cmd ... |
 * GETKEYSANDFLAGS cmd ... | HELP, all answered from the command table.
 * redis-cli sends COMMAND DOCS when it starts; the reply is built straight
 * from the constant specs, with no allocation besides the output buffer.
 */
#include <string.h>

#include "args.h"
#include "command_info.h"
#include "glob.h"
#include "introspection.h"
#include "reply.h"

/* ---- COMMAND, COUNT, INFO, DOCS ---- */

static void reply_all_info(client *c) {
    size_t count;
    command *const *all = command_table_all(&count);
    reply_array_header(c, (long long)count);
    for (size_t i = 0; i < count; i++) command_info_reply(c, all[i]);
}

/* COMMAND has a handler of its own (for the bare form), so dispatch hands it
 * the unknown subcommands too. */
static void command_command(client *c) {
    if (c->argc > 1) {
        reply_error_format(c, "ERR unknown subcommand '%.*s'. Try COMMAND HELP.",
                           (int)(c->argv[1].length < 128 ? c->argv[1].length : 128), c->argv[1].data);
        return;
    }
    reply_all_info(c);
}

static void command_count_command(client *c) {
    size_t count;
    command_table_all(&count);
    reply_integer(c, (long long)count);
}

static void command_info_command(client *c) {
    if (c->argc == 2) {
        reply_all_info(c);
        return;
    }
    reply_array_header(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        const command *cmd = command_info_lookup(c->argv[i].data, c->argv[i].length);
        if (cmd) command_info_reply(c, cmd);
        else reply_null(c);
    }
}

static void command_docs_command(client *c) {
    if (c->argc == 2) {
        size_t count;
        command *const *all = command_table_all(&count);
        reply_map_header(c, (long long)count);
        for (size_t i = 0; i < count; i++) command_info_reply_docs(c, all[i]);
        return;
    }
    resp_deferred header = resp_write_deferred_header(c->reply);
    long long found = 0;
    for (int i = 2; i < c->argc; i++) {
        const command *cmd = command_info_lookup(c->argv[i].data, c->argv[i].length);
        if (!cmd) continue;
        command_info_reply_docs(c, cmd);
        found++;
    }
    resp_set_deferred_map_length(c->reply, header, found);
}

/* ---- LIST ---- */

typedef struct list_filter {
    enum { FILTER_NONE, FILTER_MODULE, FILTER_CATEGORY, FILTER_PATTERN } kind;
    uint32_t category;
    const resp_argument *pattern;
} list_filter;

static int filter_accepts(const list_filter *filter, const command *cmd) {
    switch (filter->kind) {
    case FILTER_NONE: return 1;
    case FILTER_MODULE: return 0; /* zkv has no modules */
    case FILTER_CATEGORY: return (cmd->spec->categories & filter->category) != 0;
    case FILTER_PATTERN:
        return glob_match(filter->pattern->data, filter->pattern->length, cmd->full_name,
                          strlen(cmd->full_name), 1);
    }
    return 0;
}

static long long reply_names(client *c, const command *cmd, const list_filter *filter) {
    long long replied = 0;
    if (filter_accepts(filter, cmd)) {
        reply_bulk_cstring(c, cmd->full_name);
        replied++;
    }
    for (int i = 0; i < cmd->subcommand_count; i++) replied += reply_names(c, &cmd->subcommands[i], filter);
    return replied;
}

/* The category bit named (without '@'); 0 if unknown. */
static uint32_t category_named(const resp_argument *name) {
    for (int bit = 0; bit < ACL_CATEGORY_COUNT; bit++) {
        if (args_is(name, acl_category_name(bit))) return 1u << bit;
    }
    return 0;
}

/* Parses FILTERBY <kind> <value>; 0, or -1 on a syntax error. */
static int parse_list_filter(client *c, list_filter *filter) {
    filter->kind = FILTER_NONE;
    if (c->argc == 2) return 0;
    if (c->argc != 5 || !args_is(&c->argv[2], "filterby")) return -1;
    const resp_argument *kind = &c->argv[3];
    if (args_is(kind, "module")) {
        filter->kind = FILTER_MODULE;
    } else if (args_is(kind, "aclcat")) {
        filter->kind = FILTER_CATEGORY;
        filter->category = category_named(&c->argv[4]);
    } else if (args_is(kind, "pattern")) {
        filter->kind = FILTER_PATTERN;
        filter->pattern = &c->argv[4];
    } else {
        return -1;
    }
    return 0;
}

static void command_list_command(client *c) {
    list_filter filter;
    if (parse_list_filter(c, &filter) != 0) {
        reply_syntax_error(c);
        return;
    }
    size_t count;
    command *const *all = command_table_all(&count);
    resp_deferred header = resp_write_deferred_header(c->reply);
    long long replied = 0;
    for (size_t i = 0; i < count; i++) replied += reply_names(c, all[i], &filter);
    resp_set_deferred_array_length(c->reply, header, replied);
}

/* ---- GETKEYS, GETKEYSANDFLAGS ---- */

/* The command described by argv[2..]: a container resolves its subcommand. */
static const command *resolve_target(client *c) {
    const command *cmd = command_lookup(c->argv[2].data, c->argv[2].length);
    if (cmd && cmd->subcommand_count && c->argc > 3) {
        const command *sub = command_lookup_subcommand(cmd, c->argv[3].data, c->argv[3].length);
        if (sub) return sub;
    }
    return cmd;
}

static int arity_accepts(int arity, int argc) { return arity > 0 ? argc == arity : argc >= -arity; }

/* Has a key that is a key (SPUBLISH's channel is flagged not-key). */
static int has_keys(const command_spec *spec) {
    if (spec->get_keys || spec->key_count_at > 0) return 1;
    return spec->first_key > 0 && spec->key_step > 0 && !(spec->key_flags & KEY_NOT_KEY);
}

typedef struct keys_reply {
    client *c;
    const resp_argument *argv;
    int with_flags;
    int count; /* keys that are keys, counted by the first pass */
} keys_reply;

static int count_key(int position, uint32_t flags, void *context) {
    (void)position;
    keys_reply *reply = context;
    if (!(flags & KEY_NOT_KEY)) reply->count++;
    return 0;
}

static int reply_key(int position, uint32_t flags, void *context) {
    keys_reply *reply = context;
    if (flags & KEY_NOT_KEY) return 0;
    if (reply->with_flags) reply_array_header(reply->c, 2);
    reply_bulk(reply->c, reply->argv[position].data, reply->argv[position].length);
    if (reply->with_flags) command_info_reply_key_flags(reply->c, flags);
    return 0;
}

static void reply_keys(client *c, int with_flags) {
    const command *cmd = resolve_target(c);
    int argc = c->argc - 2;
    const resp_argument *argv = c->argv + 2;
    if (!cmd) {
        reply_error(c, "ERR Invalid command specified");
        return;
    }
    const command_spec *spec = cmd->spec;
    if (!has_keys(spec)) {
        reply_error(c, "ERR The command has no key arguments");
        return;
    }
    if (!arity_accepts(spec->arity, argc)) {
        reply_error(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    keys_reply reply = {c, argv, with_flags, 0};
    command_for_each_key(spec, argc, argv, count_key, &reply);
    if (reply.count == 0) {
        /* EVAL with no keys is not an error: its keys are optional. */
        if (spec->flags & COMMAND_NO_MANDATORY_KEYS) reply_array_header(c, 0);
        else reply_error(c, "ERR Invalid arguments specified for command");
        return;
    }
    reply_array_header(c, reply.count);
    command_for_each_key(spec, argc, argv, reply_key, &reply);
}

static void command_getkeys_command(client *c) { reply_keys(c, 0); }

static void command_getkeysandflags_command(client *c) { reply_keys(c, 1); }

/* ---- HELP and the table ---- */

static void command_help_command(client *c) {
    static const char *const lines[] = {
        "(no subcommand)",
        "    Describe every command (as INFO does).",
        "COUNT",
        "    Number of commands.",
        "LIST [FILTERBY (MODULE <name>|ACLCAT <category>|PATTERN <glob>)]",
        "    Names of the commands, subcommands as <command>|<subcommand>.",
        "INFO [<command-name> ...]",
        "    Arity, flags, key positions, ACL categories and subcommands of the",
        "    given commands (of every command when none is given).",
        "DOCS [<command-name> ...]",
        "    Summary, group, first version and complexity of the given commands",
        "    (of every command when none is given).",
        "GETKEYS <full-command>",
        "    The keys a complete command line would access.",
        "GETKEYSANDFLAGS <full-command>",
        "    The same keys, each with its access flags.",
        NULL};
    reply_help(c, "COMMAND", lines);
}

static const command_argument command_names_arguments[] = {
    {.name = "command-name", .type = ARGUMENT_STRING, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE}, {0}};
static const command_argument command_filters[] = {
    {.name = "module-name", .type = ARGUMENT_STRING, .token = "MODULE"},
    {.name = "category", .type = ARGUMENT_STRING, .token = "ACLCAT"},
    {.name = "pattern", .type = ARGUMENT_PATTERN, .token = "PATTERN"},
    {0}};
static const command_argument command_list_arguments[] = {
    {.name = "filterby", .type = ARGUMENT_ONEOF, .token = "FILTERBY", .flags = ARGUMENT_OPTIONAL,
     .arguments = command_filters},
    {0}};

#define COMMAND_SUB_FLAGS (COMMAND_LOADING | COMMAND_STALE)
#define COMMAND_SUB_CATEGORIES (ACL_SLOW | ACL_CONNECTION)

static const command_spec command_subcommands[] = {
    {.name = "count", .handler = command_count_command, .arity = 2, .flags = COMMAND_SUB_FLAGS,
     .categories = COMMAND_SUB_CATEGORIES, .group = "server", .since = "2.8.13",
     .summary = "Number of commands", .complexity = "O(1)"},
    {.name = "docs", .handler = command_docs_command, .arity = -2, .flags = COMMAND_SUB_FLAGS,
     .categories = COMMAND_SUB_CATEGORIES, .group = "server", .since = "7.0.0",
     .summary = "Documentation of commands", .complexity = "O(N) where N is the number of commands to look up",
     .tips = "nondeterministic_output_order",
     .arguments = command_names_arguments},
    {.name = "getkeys", .handler = command_getkeys_command, .arity = -4, .flags = COMMAND_SUB_FLAGS,
     .categories = COMMAND_SUB_CATEGORIES, .group = "server", .since = "2.8.13",
     .summary = "Extract the keys of a full command line",
     .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "getkeysandflags", .handler = command_getkeysandflags_command, .arity = -4,
     .flags = COMMAND_SUB_FLAGS, .categories = COMMAND_SUB_CATEGORIES, .group = "server", .since = "7.0.0",
     .summary = "Extract the keys of a full command line with their access flags",
     .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "help", .handler = command_help_command, .arity = 2, .flags = COMMAND_SUB_FLAGS,
     .categories = COMMAND_SUB_CATEGORIES, .group = "server", .since = "5.0.0",
     .summary = "Describe the COMMAND subcommands", .complexity = "O(1)"},
    {.name = "info", .handler = command_info_command, .arity = -2, .flags = COMMAND_SUB_FLAGS,
     .categories = COMMAND_SUB_CATEGORIES, .group = "server", .since = "2.8.13",
     .summary = "Describe commands", .complexity = "O(N) where N is the number of commands to look up",
     .tips = "nondeterministic_output_order",
     .arguments = command_names_arguments},
    {.name = "list", .handler = command_list_command, .arity = -2, .flags = COMMAND_SUB_FLAGS,
     .categories = COMMAND_SUB_CATEGORIES, .group = "server", .since = "7.0.0",
     .summary = "Names of the commands", .complexity = "O(N) where N is the total number of Redis commands",
     .tips = "nondeterministic_output_order",
     .arguments = command_list_arguments},
    {0}};

const command_spec command_commands[] = {
    {.name = "command", .handler = command_command, .arity = -1, .flags = COMMAND_SUB_FLAGS,
     .categories = COMMAND_SUB_CATEGORIES, .group = "server", .since = "2.8.13",
     .summary = "Describe every command", .complexity = "O(N) where N is the total number of commands",
     .subcommands = command_subcommands,
     .tips = "nondeterministic_output_order"},
    {0}};
