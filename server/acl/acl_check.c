/* acl_check: may this user run this command on these keys and channels?
 *
 * Cost, per command: one flag test for a user that may do anything (the
 * default user, usually); otherwise one bit test per selector for the
 * command, and only for selectors with key patterns a glob match of each
 * key the command names against the patterns whose %R/%W permissions cover the access.  Which access a
 * key needs comes from its key flags (command_for_each_key: a source and its
 * destination differ, SET and BITFIELD decide per call), as Redis derives
 * it: ACCESS needs read, INSERT/DELETE/UPDATE need write, and a key that is
 * only looked at (EXISTS, TYPE) needs neither.
 *
 * Channels are checked the same way, from the spec's channel_flags
 * (permission.h): a selector without allchannels matches each channel
 * against its globs, and a PSUBSCRIBE pattern must be granted literally.
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
#include "permission.h"

/* The permissions a key needs from its key-spec flags, as Redis derives
 * them: ACCESS needs read, INSERT/DELETE/UPDATE need write, and a key only
 * looked at (EXISTS, HLEN) needs a pattern of either kind. */
static unsigned needed_permissions(uint32_t flags) {
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

int acl_selector_channel_listed(const acl_selector *selector, const char *channel, size_t length, int is_pattern) {
    for (int i = 0; i < selector->channel_count; i++) {
        const acl_pattern *pattern = &selector->channels[i];
        if (is_pattern ? (pattern->length == length && !memcmp(pattern->text, channel, length))
                       : glob_match(pattern->text, pattern->length, channel, length, 0))
            return 1;
    }
    return 0;
}

typedef struct key_check {
    const acl_selector *selector;
    const resp_argument *argv;
    int refused; /* the position of the first refused key, 0 while none */
} key_check;

/* Keys flagged not-key (SPUBLISH's channel) are channels, checked apart. */
static int key_refused(int position, uint32_t flags, void *context) {
    key_check *check = context;
    if (flags & KEY_NOT_KEY) return 0;
    const resp_argument *key = &check->argv[position];
    if (selector_allows_key(check->selector, key->data, key->length, needed_permissions(flags))) return 0;
    check->refused = position;
    return 1;
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
    if (!(selector->flags & ACL_SELECTOR_ALL_KEYS)) {
        key_check check = {selector, argv, 0};
        command_for_each_key(spec, argc, argv, key_refused, &check);
        if (check.refused) {
            *position = check.refused;
            return ACL_DENIED_KEY;
        }
    }
    int first, last;
    if (!(selector->flags & ACL_SELECTOR_ALL_CHANNELS) && (spec->channel_flags & (CHANNEL_PUBLISH | CHANNEL_SUBSCRIBE)) &&
        command_channel_range(spec, argc, &first, &last)) {
        int is_pattern = (spec->channel_flags & CHANNEL_PATTERN) != 0;
        for (int i = first; i <= last; i++) {
            if (!acl_selector_channel_listed(selector, argv[i].data, argv[i].length, is_pattern)) {
                *position = i;
                return ACL_DENIED_CHANNEL;
            }
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
    int position = 0;
    if (context == DISPATCH_PROBE)
        return acl_user_check_command(user, cmd, c->argc, c->argv, &position) == ACL_OK ? NULL : "NOPERM";
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

/* Read access to any key: allkeys, or a pattern "*" that grants read. */
static int selector_reads_every_key(const acl_selector *selector) {
    if (selector->flags & ACL_SELECTOR_ALL_KEYS) return 1;
    for (int i = 0; i < selector->key_count; i++) {
        const acl_pattern *pattern = &selector->keys[i];
        if ((pattern->permissions & ACL_KEY_READ) && pattern->length == 1 && pattern->text[0] == '*') return 1;
    }
    return 0;
}

int acl_full_key_read(client *c, command *cmd) {
    const acl_user *user = acl_client_user(c);
    if (user->flags & ACL_USER_UNRESTRICTED) return 1;
    for (int i = 0; i < user->selector_count; i++) {
        int position;
        if (selector_check(&user->selectors[i], cmd, c->argc, c->argv, &position) == ACL_OK &&
            selector_reads_every_key(&user->selectors[i]))
            return 1;
    }
    return 0;
}

