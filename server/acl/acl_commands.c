/* acl_commands: ACL and its subcommands, with Redis 7.0.15's replies and texts.
 *
 * SETUSER builds the new state on a copy (acl_user_apply_rules) so a bad
 * rule changes nothing.  GETUSER, LIST and SAVE describe users from their
 * bitmaps (acl_user.c).  DRYRUN runs the same check as dispatch without
 * logging.  Passwords appear only as SHA-256 digests in every reply.
 */
#include "acl.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "args.h"
#include "reply.h"
#include "zmalloc.h"

static void reply_strbuf(client *c, strbuf *text) { reply_bulk(c, text->data ? text->data : "", text->length); }

/* ---- SETUSER ---- */

/* Applies rules to the named user, creating it when new; 0, or -1 with a
 * zmalloc'd message (without the "ERR " prefix). */
static int set_user(const char *name, size_t length, int count, const char *const *rules, const size_t *lengths,
                    char **message) {
    char **merged;
    size_t *merged_lengths;
    int unmatched;
    int total = acl_rules_merge(count, rules, lengths, &merged, &merged_lengths, &unmatched);
    strbuf text = STRBUF_INIT;
    if (total < 0) {
        strbuf_printf(&text, "Unmatched parenthesis in acl selector starting at '%.*s'.", (int)lengths[unmatched],
                      rules[unmatched]);
        *message = strbuf_detach(&text, NULL);
        return -1;
    }
    acl_user *user = acl_find_user(name, length);
    acl_user *created = user ? NULL : acl_user_create(name, length);
    acl_user *before = user ? acl_user_copy(user) : NULL;
    const char *reason;
    int failed;
    int result = acl_user_apply_rules(user ? user : created, total, (const char *const *)merged, merged_lengths,
                                      &reason, &failed);
    if (result != 0) {
        strbuf_printf(&text, "Error in ACL SETUSER modifier '%.*s': %s", (int)merged_lengths[failed],
                      merged[failed], reason);
        *message = strbuf_detach(&text, NULL);
        acl_user_free(created);
    } else if (created) {
        acl_user *added = acl_add_user(name, length);
        const char *ignored;
        acl_user_apply_rules(added, total, (const char *const *)merged, merged_lengths, &ignored, &failed);
        acl_user_free(created);
    } else {
        acl_close_revoked_subscribers(user, before);
        if (user == acl_default_user()) acl_default_user_changed();
    }
    acl_user_free(before);
    acl_rules_free(merged, merged_lengths, total);
    return result;
}

static void acl_setuser_command(client *c) {
    const resp_argument *name = &c->argv[2];
    if (!acl_valid_user_name(name->data, name->length)) {
        reply_error(c, "ERR Usernames can't contain spaces or null characters");
        return;
    }
    int count = c->argc - 3;
    const char **rules = zmalloc_alloc((size_t)(count ? count : 1) * sizeof(char *));
    size_t *lengths = zmalloc_alloc((size_t)(count ? count : 1) * sizeof(size_t));
    for (int i = 0; i < count; i++) {
        rules[i] = c->argv[3 + i].data;
        lengths[i] = c->argv[3 + i].length;
    }
    char *message = NULL;
    if (set_user(name->data, name->length, count, rules, lengths, &message) == 0) {
        reply_ok(c);
    } else {
        reply_error_format(c, "ERR %s", message);
        zmalloc_free(message);
    }
    zmalloc_free(rules);
    zmalloc_free(lengths);
}

/* ---- GETUSER LIST USERS WHOAMI DELUSER ---- */

static void reply_selector_fields(client *c, const acl_selector *selector) {
    strbuf text = STRBUF_INIT;
    reply_bulk_cstring(c, "commands");
    acl_selector_describe_commands(selector, &text);
    reply_strbuf(c, &text);
    strbuf_clear(&text);
    reply_bulk_cstring(c, "keys");
    acl_selector_describe_keys(selector, &text);
    reply_strbuf(c, &text);
    strbuf_clear(&text);
    reply_bulk_cstring(c, "channels");
    acl_selector_describe_channels(selector, &text);
    reply_strbuf(c, &text);
    strbuf_free(&text);
}

static void acl_getuser_command(client *c) {
    const acl_user *user = acl_find_user(c->argv[2].data, c->argv[2].length);
    if (!user) {
        reply_null(c);
        return;
    }
    reply_map_header(c, 6);
    reply_bulk_cstring(c, "flags");
    const char *flags[4];
    int flag_count = 0;
    flags[flag_count++] = user->flags & ACL_USER_ON ? "on" : "off";
    if (user->flags & ACL_USER_NOPASS) flags[flag_count++] = "nopass";
    if (user->flags & ACL_USER_SKIP_SANITIZE_PAYLOAD) flags[flag_count++] = "skip-sanitize-payload";
    if (user->flags & ACL_USER_SANITIZE_PAYLOAD) flags[flag_count++] = "sanitize-payload";
    reply_array_header(c, flag_count);
    for (int i = 0; i < flag_count; i++) reply_bulk_cstring(c, flags[i]);
    reply_bulk_cstring(c, "passwords");
    reply_array_header(c, user->password_count);
    for (int i = 0; i < user->password_count; i++) {
        char hex[ACL_SHA256_LENGTH * 2 + 1];
        for (int j = 0; j < ACL_SHA256_LENGTH; j++) snprintf(hex + j * 2, 3, "%02x", user->passwords[i][j]);
        reply_bulk(c, hex, ACL_SHA256_LENGTH * 2);
    }
    reply_selector_fields(c, &user->selectors[0]);
    reply_bulk_cstring(c, "selectors");
    reply_array_header(c, user->selector_count - 1);
    for (int i = 1; i < user->selector_count; i++) {
        reply_map_header(c, 3);
        reply_selector_fields(c, &user->selectors[i]);
    }
}

static void acl_list_command(client *c) {
    size_t count;
    acl_user *const *users = acl_users(&count);
    reply_array_header(c, (long long)count);
    strbuf text = STRBUF_INIT;
    for (size_t i = 0; i < count; i++) {
        strbuf_clear(&text);
        acl_user_describe(users[i], &text);
        reply_strbuf(c, &text);
    }
    strbuf_free(&text);
}

static void acl_users_command(client *c) {
    size_t count;
    acl_user *const *users = acl_users(&count);
    reply_array_header(c, (long long)count);
    for (size_t i = 0; i < count; i++) reply_bulk(c, users[i]->name, users[i]->name_length);
}

static void acl_whoami_command(client *c) {
    const acl_user *user = acl_client_user(c);
    reply_bulk(c, user->name, user->name_length);
}

static void acl_deluser_command(client *c) {
    for (int i = 2; i < c->argc; i++) {
        if (args_is(&c->argv[i], "default") && c->argv[i].length == 7 && !memcmp(c->argv[i].data, "default", 7)) {
            reply_error(c, "ERR The 'default' user cannot be removed");
            return;
        }
    }
    long long deleted = 0;
    for (int i = 2; i < c->argc; i++) {
        acl_user *user = acl_find_user(c->argv[i].data, c->argv[i].length);
        if (!user) continue;
        acl_delete_user(user);
        deleted++;
    }
    reply_integer(c, deleted);
}

/* ---- CAT GENPASS DRYRUN LOG ---- */

static uint32_t category_named(const resp_argument *name) {
    for (int bit = 0; bit < ACL_CATEGORY_COUNT; bit++) {
        const char *known = acl_category_name(bit);
        if (known && args_is(name, known)) return 1u << bit;
    }
    return 0;
}

static void acl_cat_command(client *c) {
    if (c->argc == 2) {
        reply_array_header(c, ACL_CATEGORY_COUNT);
        for (int bit = 0; bit < ACL_CATEGORY_COUNT; bit++) reply_bulk_cstring(c, acl_category_name(bit));
        return;
    }
    if (c->argc > 3) {
        reply_subcommand_syntax_error(c);
        return;
    }
    uint32_t category = category_named(&c->argv[2]);
    if (!category) {
        reply_error_format(c, "ERR Unknown category '%.*s'", (int)c->argv[2].length, c->argv[2].data);
        return;
    }
    size_t total = command_id_count();
    long long count = 0;
    for (unsigned id = 0; id < total; id++) count += (command_by_id(id)->spec->categories & category) != 0;
    reply_array_header(c, count);
    for (unsigned id = 0; id < total; id++) {
        const command *cmd = command_by_id(id);
        if (cmd->spec->categories & category) reply_bulk_cstring(c, cmd->full_name);
    }
}

static void acl_genpass_command(client *c) {
    long long bits = 256;
    if (c->argc == 3 && !args_integer_or_reply(c, &c->argv[2], &bits)) return;
    if (bits <= 0 || bits > 4096) {
        reply_error(c, "ERR ACL GENPASS argument must be the number of bits for the output password, a positive "
                       "number up to 4096");
        return;
    }
    size_t characters = (size_t)(bits + 3) / 4;
    unsigned char random[512];
    size_t bytes = (characters + 1) / 2;
    size_t filled = 0;
    while (filled < bytes) {
        ssize_t got = getrandom(random + filled, bytes - filled, 0);
        if (got > 0) filled += (size_t)got;
    }
    char hex[1025];
    for (size_t i = 0; i < bytes; i++) snprintf(hex + i * 2, 3, "%02x", random[i]);
    reply_bulk(c, hex, characters);
}

static command *resolve_dryrun_command(const resp_argument *argv, int argc) {
    command *cmd = command_lookup(argv[0].data, argv[0].length);
    if (!cmd || !cmd->subcommand_count) return cmd;
    if (argc < 2) return cmd->spec->handler ? cmd : NULL;
    command *sub = command_lookup_subcommand(cmd, argv[1].data, argv[1].length);
    return sub ? sub : (cmd->spec->handler ? cmd : NULL);
}

static void acl_dryrun_command(client *c) {
    const acl_user *user = acl_find_user(c->argv[2].data, c->argv[2].length);
    if (!user) {
        reply_error_format(c, "ERR User '%.*s' not found", (int)c->argv[2].length, c->argv[2].data);
        return;
    }
    const resp_argument *argv = c->argv + 3;
    int argc = c->argc - 3;
    command *cmd = resolve_dryrun_command(argv, argc);
    if (!cmd) {
        reply_error_format(c, "ERR Command '%.*s' not found", (int)argv[0].length, argv[0].data);
        return;
    }
    int arity = cmd->spec->arity;
    if ((arity > 0 && arity != argc) || argc < -arity) {
        reply_error_format(c, "ERR wrong number of arguments for '%s' command", cmd->full_name);
        return;
    }
    int position = 0;
    int result = acl_user_check_command(user, cmd, argc, argv, &position);
    if (result == ACL_OK) {
        reply_ok(c);
        return;
    }
    strbuf text = STRBUF_INIT;
    if (result == ACL_DENIED_COMMAND)
        strbuf_printf(&text, "This user has no permissions to run the '%s' command", cmd->full_name);
    else
        strbuf_printf(&text, "This user has no permissions to access the '%.*s' %s", (int)argv[position].length,
                      argv[position].data, result == ACL_DENIED_KEY ? "key" : "channel");
    reply_strbuf(c, &text);
    strbuf_free(&text);
}

static void acl_log_command(client *c) {
    long long count = 10;
    if (c->argc == 3) {
        if (args_is(&c->argv[2], "reset")) {
            acl_log_reset();
            reply_ok(c);
            return;
        }
        if (!args_integer_or_reply(c, &c->argv[2], &count)) return;
        if (count < 0) count = 0;
    }
    acl_log_reply(c, count);
}

/* ---- SAVE LOAD HELP ---- */

static const char no_acl_file[] =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL "
    "SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order "
    "to store users in the Redis configuration.";

static void reply_file_result(client *c, int result, char *message) {
    if (result == 0) {
        reply_ok(c);
        return;
    }
    reply_error_format(c, "ERR %s", message ? message : "");
    zmalloc_free(message);
}

static void acl_save_command(client *c) {
    if (!acl_file_path) {
        reply_error(c, no_acl_file);
        return;
    }
    char *message = NULL;
    int result = acl_file_save(&message);
    reply_file_result(c, result, message);
}

static void acl_load_command(client *c) {
    if (!acl_file_path) {
        reply_error(c, no_acl_file);
        return;
    }
    char *message = NULL;
    int result = acl_file_load(&message);
    reply_file_result(c, result, message);
}

static void acl_help_command(client *c) {
    static const char *const lines[] = {
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        NULL};
    reply_help(c, "ACL", lines);
}

/* ---- Specs ---- */

#define ACL_SUB(n, h, a, f, cat, s, v, cx)                                                                    \
    {.name = n, .handler = h, .arity = a, .flags = (f) | COMMAND_LOADING | COMMAND_STALE,                     \
     .categories = (cat) | ACL_SLOW, .group = "server", .summary = s, .since = v, .complexity = cx}
#define ADMIN_FLAGS (COMMAND_ADMIN | COMMAND_NOSCRIPT)

static const command_spec acl_subcommands[] = {
    ACL_SUB("cat", acl_cat_command, -2, COMMAND_NOSCRIPT, 0,
            "List the ACL categories or the commands inside a category", "6.0.0", "O(1) since the categories and "
            "commands are a fixed set."),
    ACL_SUB("deluser", acl_deluser_command, -3, ADMIN_FLAGS, ACL_ADMIN | ACL_DANGEROUS,
            "Remove the specified ACL users and the associated rules", "6.0.0",
            "O(1) amortized time considering the typical user."),
    ACL_SUB("dryrun", acl_dryrun_command, -4, ADMIN_FLAGS, ACL_ADMIN | ACL_DANGEROUS,
            "Returns whether the user can execute the given command without executing the command.", "7.0.0",
            "O(1)."),
    ACL_SUB("genpass", acl_genpass_command, -2, COMMAND_NOSCRIPT, 0,
            "Generate a pseudorandom secure password to use for ACL users", "6.0.0", "O(N)"),
    ACL_SUB("getuser", acl_getuser_command, 3, ADMIN_FLAGS, ACL_ADMIN | ACL_DANGEROUS,
            "Get the rules for a specific ACL user", "6.0.0", "O(N). Where N is the number of password, command "
            "and pattern rules that the user has."),
    ACL_SUB("help", acl_help_command, 2, COMMAND_LOADING | COMMAND_STALE, 0, "Show helpful text about the different "
            "subcommands", "6.0.0", "O(1)"),
    ACL_SUB("list", acl_list_command, 2, ADMIN_FLAGS, ACL_ADMIN | ACL_DANGEROUS,
            "List the current ACL rules in ACL config file format", "6.0.0", "O(N). Where N is the number of "
            "configured users."),
    ACL_SUB("load", acl_load_command, 2, ADMIN_FLAGS, ACL_ADMIN | ACL_DANGEROUS,
            "Reload the ACLs from the configured ACL file", "6.0.0", "O(N). Where N is the number of configured users."),
    ACL_SUB("log", acl_log_command, -2, ADMIN_FLAGS, ACL_ADMIN | ACL_DANGEROUS,
            "List latest events denied because of ACLs in place", "6.0.0", "O(N) with N being the number of "
            "entries shown."),
    ACL_SUB("save", acl_save_command, 2, ADMIN_FLAGS, ACL_ADMIN | ACL_DANGEROUS,
            "Save the current ACL rules in the configured ACL file", "6.0.0", "O(N). Where N is the number of "
            "configured users."),
    ACL_SUB("setuser", acl_setuser_command, -3, ADMIN_FLAGS, ACL_ADMIN | ACL_DANGEROUS,
            "Modify or create the rules for a specific ACL user", "6.0.0", "O(N). Where N is the number of rules "
            "provided."),
    ACL_SUB("users", acl_users_command, 2, ADMIN_FLAGS, ACL_ADMIN | ACL_DANGEROUS,
            "List the username of all the configured ACL rules", "6.0.0", "O(N). Where N is the number of "
            "configured users."),
    ACL_SUB("whoami", acl_whoami_command, 2, COMMAND_NOSCRIPT, 0, "Return the name of the user associated to the "
            "current connection", "6.0.0", "O(1)"),
    {.name = NULL}};

const command_spec acl_commands[] = {
    {.name = "acl", .arity = -2, .categories = ACL_SLOW, .group = "server",
     .summary = "A container for Access List Control commands ", .since = "6.0.0",
     .complexity = "Depends on subcommand.", .subcommands = acl_subcommands},
    {.name = NULL}};
