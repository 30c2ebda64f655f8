/* acl_check: may this user run this command on these keys and channels?
 *
 * Cost, per command: one flag test for a user that may do anything (the
 * default user, usually); otherwise one bit test per selector for the
 * command, and only for selectors with key patterns a glob match of each
 * key the command's spec names (first_key..last_key by key_step) against
 * the patterns whose %R/%W permissions cover the access.  Which access a
 * key needs comes from the spec's key flags, as Redis derives it: ACCESS
 * needs read, INSERT/DELETE/UPDATE need write, and a key that is only
 * looked at (EXISTS, TYPE) needs neither.
 *
 * With several selectors, the command is allowed when one selector allows
 * it; otherwise the reported reason is Redis's "most relevant" one: a
 * key or channel refusal beats a command refusal, and among equals the
 * last argument position wins.
 */
#include "acl.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "glob.h"
#include "zmalloc.h"

/* SET and BITFIELD declare variable key flags: what they need depends on
 * their options, as Redis's key procedures for them decide. */
static unsigned variable_permissions(const command *cmd, int argc, const resp_argument *argv) {
    int is_set = !strcmp(cmd->spec->name, "set");
    for (int i = is_set ? 3 : 2; i < argc; i++) {
        if (is_set && args_is(&argv[i], "get")) return ACL_KEY_READ | ACL_KEY_WRITE;
        if (!is_set && (args_is(&argv[i], "set") || args_is(&argv[i], "incrby")) && argc - i - 1 >= 3)
            return ACL_KEY_READ | ACL_KEY_WRITE;
    }
    return is_set ? ACL_KEY_WRITE : ACL_KEY_READ;
}

/* The permissions a key needs, from the command's key-spec flags. */
static unsigned needed_permissions(const command *cmd, int argc, const resp_argument *argv) {
    uint32_t flags = cmd->spec->key_flags;
    if (flags & KEY_VARIABLE_FLAGS) return variable_permissions(cmd, argc, argv);
    if (!flags) flags = (cmd->spec->flags & COMMAND_WRITE) ? (KEY_RW | KEY_UPDATE) : (KEY_RO | KEY_ACCESS);
    unsigned permissions = 0;
    if (flags & KEY_ACCESS) permissions |= ACL_KEY_READ;
    if (flags & (KEY_INSERT | KEY_DELETE | KEY_UPDATE)) permissions |= ACL_KEY_WRITE;
    return permissions;
}

static int selector_allows_key(const acl_selector *selector, const char *key, size_t length, unsigned permissions) {
    if (selector->flags & ACL_SELECTOR_ALL_KEYS) return 1;
    for (int i = 0; i < selector->key_count; i++) {
        const acl_pattern *pattern = &selector->keys[i];
        if ((pattern->permissions & permissions) != permissions) continue;
        if (length < pattern->literal_length || memcmp(pattern->text, key, pattern->literal_length) != 0) continue;
        if (pattern->prefix_only || glob_match(pattern->text, pattern->length, key, length, 0)) return 1;
    }
    return 0;
}

/* Patterns (PSUBSCRIBE) must be granted literally; channels match the globs. */
static int selector_allows_channel(const acl_selector *selector, const char *channel, size_t length, int is_pattern) {
    if (selector->flags & ACL_SELECTOR_ALL_CHANNELS) return 1;
    for (int i = 0; i < selector->channel_count; i++) {
        const acl_pattern *pattern = &selector->channels[i];
        if (is_pattern ? (pattern->length == length && !memcmp(pattern->text, channel, length))
                       : glob_match(pattern->text, pattern->length, channel, length, 0))
            return 1;
    }
    return 0;
}

static int first_arg_allowed(const acl_selector *selector, unsigned id, int argc, const resp_argument *argv) {
    if (argc < 2) return 0;
    for (int i = 0; i < selector->first_args_count; i++) {
        const acl_first_args *entry = &selector->first_args[i];
        if (entry->command_id != id) continue;
        for (int j = 0; j < entry->count; j++)
            if (strlen(entry->arguments[j]) == argv[1].length &&
                !strncasecmp(entry->arguments[j], argv[1].data, argv[1].length))
                return 1;
    }
    return 0;
}

static int selector_check(const acl_selector *selector, const command *cmd, int argc, const resp_argument *argv,
                          int *position) {
    if (!(cmd->spec->flags & COMMAND_NO_AUTH) && !acl_selector_allows_id(selector, cmd->id) &&
        !first_arg_allowed(selector, cmd->id, argc, argv))
        return ACL_DENIED_COMMAND;
    const command_spec *spec = cmd->spec;
    if (!(selector->flags & ACL_SELECTOR_ALL_KEYS) && spec->first_key > 0 && spec->key_step > 0) {
        int last = spec->last_key < 0 ? argc + spec->last_key : spec->last_key;
        if (last >= argc) last = argc - 1;
        unsigned permissions = needed_permissions(cmd, argc, argv);
        for (int i = spec->first_key; i <= last; i += spec->key_step) {
            if (!selector_allows_key(selector, argv[i].data, argv[i].length, permissions)) {
                *position = i;
                return ACL_DENIED_KEY;
            }
        }
    } else if (!(selector->flags & ACL_SELECTOR_ALL_KEYS) && spec->get_keys && argc > 1) {
        /* Keys only the spec's function finds (XREAD's, after STREAMS). */
        int *positions = zmalloc_alloc((size_t)argc * sizeof *positions);
        uint32_t *flags = zmalloc_alloc((size_t)argc * sizeof *flags);
        int count = spec->get_keys(argv, argc, positions, flags, argc);
        unsigned permissions = needed_permissions(cmd, argc, argv);
        int denied = -1;
        for (int k = 0; k < count && denied < 0; k++)
            if (!selector_allows_key(selector, argv[positions[k]].data, argv[positions[k]].length, permissions))
                denied = positions[k];
        zmalloc_free(positions);
        zmalloc_free(flags);
        if (denied >= 0) {
            *position = denied;
            return ACL_DENIED_KEY;
        }
    }
    return ACL_OK;
}

int acl_user_check_command(const acl_user *user, const command *cmd, int argc, const resp_argument *argv,
                           int *position) {
    if (user->flags & ACL_USER_UNRESTRICTED) return ACL_OK;
    int relevant = ACL_DENIED_COMMAND, relevant_position = 0;
    for (int i = 0; i < user->selector_count; i++) {
        int at = 0;
        int result = selector_check(&user->selectors[i], cmd, argc, argv, &at);
        if (result == ACL_OK) return ACL_OK;
        if (result > relevant || (result == relevant && at > relevant_position)) {
            relevant = result;
            relevant_position = at;
        }
    }
    *position = relevant_position;
    return relevant;
}

static int log_context(int context) {
    return context == DISPATCH_SCRIPT ? ACL_CONTEXT_LUA
           : context == DISPATCH_TOPLEVEL ? ACL_CONTEXT_TOPLEVEL
                                          : ACL_CONTEXT_MULTI;
}

int acl_check_command(client *c, command *cmd, int argc, const resp_argument *argv, int context, int *position) {
    const acl_user *user = acl_client_user(c);
    *position = 0;
    int result = acl_user_check_command(user, cmd, argc, argv, position);
    if (result == ACL_OK) return ACL_OK;
    c->last_command = cmd; /* client-info's cmd= names the refused command, as in Redis */
    if (result == ACL_DENIED_COMMAND)
        acl_log_add(c, result, context, cmd->full_name, strlen(cmd->full_name), user->name, user->name_length);
    else
        acl_log_add(c, result, context, argv[*position].data, argv[*position].length, user->name,
                    user->name_length);
    return result;
}

const char *acl_dispatch_check(client *c, command *cmd, int context) {
    const acl_user *user = acl_client_user(c);
    if (user->flags & ACL_USER_UNRESTRICTED) return NULL;
    int position;
    int result = acl_check_command(c, cmd, c->argc, c->argv, log_context(context), &position);
    if (result == ACL_OK) return NULL;
    static char text[256];
    if (context == DISPATCH_EXEC) {
        snprintf(text, sizeof(text),
                 "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC "
                 "call. This command is no longer allowed for the following reason: %s",
                 result == ACL_DENIED_COMMAND ? "no permission to execute the command or subcommand"
                 : result == ACL_DENIED_KEY   ? "no permission to touch the specified keys"
                                              : "no permission to access one of the channels used as arguments");
    } else if (context == DISPATCH_SCRIPT) {
        snprintf(text, sizeof(text), "ERR The user executing the script %s",
                 result == ACL_DENIED_COMMAND ? "can't run this command or subcommand"
                 : result == ACL_DENIED_KEY
                     ? "can't access at least one of the keys mentioned in the command arguments"
                     : "can't publish to the channel mentioned in the command");
    } else if (result == ACL_DENIED_COMMAND) {
        snprintf(text, sizeof(text), "NOPERM this user has no permissions to run the '%s' command", cmd->full_name);
    } else if (result == ACL_DENIED_KEY) {
        snprintf(text, sizeof(text), "NOPERM this user has no permissions to access one of the keys used as arguments");
    } else {
        snprintf(text, sizeof(text),
                 "NOPERM this user has no permissions to access one of the channels used as arguments");
    }
    return text;
}

int acl_check_key(client *c, const char *key, size_t length, unsigned permissions) {
    const acl_user *user = acl_client_user(c);
    if (user->flags & ACL_USER_UNRESTRICTED) return 1;
    for (int i = 0; i < user->selector_count; i++)
        if (selector_allows_key(&user->selectors[i], key, length, permissions)) return 1;
    return 0;
}

int acl_check_channel(client *c, const char *channel, size_t length, int is_pattern) {
    const acl_user *user = acl_client_user(c);
    if (user->flags & ACL_USER_UNRESTRICTED) return 1;
    for (int i = 0; i < user->selector_count; i++)
        if (selector_allows_channel(&user->selectors[i], channel, length, is_pattern)) return 1;
    acl_log_add(c, ACL_DENIED_CHANNEL, (c->flags & CLIENT_MULTI) ? ACL_CONTEXT_MULTI : ACL_CONTEXT_TOPLEVEL,
                channel, length, user->name, user->name_length);
    return 0;
}
