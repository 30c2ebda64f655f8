/* acl_module: the ACL feature's descriptor, its parameters (aclfile,
 * acllog-max-len, acl-pubsub-default and the `user` directive) and the hooks
 * it installs in the layers below: the permission check in dispatch and the
 * user hooks of the network layer (AUTH/HELLO, CLIENT LIST user=, CLIENT
 * KILL USER, requirepass).
 *
 * `user` lines are a parameter only so the configuration file can carry
 * them: they are collected while the file is read and turned into users at
 * init.  CONFIG REWRITE writes the current users back in their place (one
 * line each, from ACL LIST), as Redis does when no aclfile is used.
 */
#include "acl.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "config_table.h"
#include "module.h"
#include "permission.h"
#include "server.h"
#include "zmalloc.h"

extern const command_spec acl_commands[];

static int started; /* once init ran, `user` lines no longer add users */

/* ---- Hooks for the network layer ---- */

static int hook_authenticate(client *c, const resp_argument *name, const resp_argument *password) {
    acl_user *user = acl_find_user(name->data, name->length);
    int valid = user && (user->flags & ACL_USER_ON) && acl_user_password_matches(user, password->data, password->length);
    if (valid) {
        acl_authenticate_client(c, user);
        return 1;
    }
    /* The object is the command word as sent ("auth", "HELLO"), never the password. */
    acl_log_add(c, ACL_DENIED_AUTH, (c->flags & CLIENT_MULTI) ? ACL_CONTEXT_MULTI : ACL_CONTEXT_TOPLEVEL,
                c->argv[0].data, c->argv[0].length, name->data, name->length);
    return 0;
}

static const char *hook_name(const client *c) { return acl_client_user(c)->name; }

static int hook_exists(const resp_argument *name) { return acl_find_user(name->data, name->length) != NULL; }

static int hook_default_user_nopass(void) { return (acl_default_user()->flags & ACL_USER_NOPASS) != 0; }

static int hook_auth_required(void) {
    unsigned flags = acl_default_user()->flags;
    return !(flags & ACL_USER_NOPASS) || !(flags & ACL_USER_ON);
}

/* CONFIG SET requirepass: the default user's passwords become that one (or nopass). */
static void hook_require_pass_changed(void) {
    strbuf password = STRBUF_INIT;
    const char *rules[2] = {"resetpass", "nopass"};
    size_t lengths[2] = {9, 6};
    if (server.config.require_pass) {
        strbuf_append_char(&password, '>');
        strbuf_append(&password, server.config.require_pass, server.config.require_pass_length);
        rules[1] = password.data;
        lengths[1] = password.length;
    }
    const char *reason;
    int failed;
    acl_user_apply_rules(acl_default_user(), 2, rules, lengths, &reason, &failed);
    strbuf_free(&password);
    acl_default_user_changed();
}

static const client_user_hooks user_hooks = {
    .authenticate = hook_authenticate,
    .name = hook_name,
    .exists = hook_exists,
    .default_user_nopass = hook_default_user_nopass,
    .auth_required = hook_auth_required,
    .require_pass_changed = hook_require_pass_changed,
};

/* ---- Parameters ---- */

static int parse_user_line(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    if (started) return 0;
    char **words;
    int count = config_split_line(text, &words);
    if (count < 0) {
        *error = "Unbalanced quotes in configuration line";
        return -1;
    }
    int result = count ? acl_config_user_line(words, count, error) : 0;
    config_free_words(words, count);
    return result;
}

/* Every user, one per line after the first "user " the rewriter writes;
 * nothing with an aclfile (CONFIG REWRITE then drops `user` lines, as
 * Redis: the users live in the file). */
static void format_user_lines(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    if (!started || acl_file_path) return;
    size_t count;
    acl_user *const *users = acl_users(&count);
    for (size_t i = 0; i < count; i++) {
        if (i) strbuf_append_char(out, '\n');
        size_t start = out->length;
        acl_user_describe(users[i], out);
        if (i == 0) {
            memmove(out->data + start, out->data + start + 5, out->length - start - 5); /* drop "user " */
            out->length -= 5;
            out->data[out->length] = '\0';
        }
    }
}

static int apply_log_length(const char **error) {
    (void)error;
    acl_log_trim();
    return 0;
}

static const config_choice pubsub_defaults[] = {{"allchannels", 1}, {"resetchannels", 0}, {NULL, 0}};

static const config_parameter acl_parameters[] = {
    {.name = "aclfile", .type = CONFIG_STRING, .flags = CONFIG_IMMUTABLE | CONFIG_EMPTY_IS_NULL, .value = &acl_file_path,
     .default_text = ""},
    CONFIG_ENTRY_INTEGER("acllog-max-len", &acl_log_max_length, TARGET_LONG_LONG, 0, LONG_MAX, "128", 0,
                         apply_log_length),
    {.name = "acl-pubsub-default", .type = CONFIG_ENUM, .value = &acl_pubsub_default_all,
     .default_text = "resetchannels", .choices = pubsub_defaults},
    CONFIG_ENTRY_SPECIAL("user", "", CONFIG_MULTI_ARGUMENT | CONFIG_HIDDEN | CONFIG_IMMUTABLE | CONFIG_REWRITE_ALWAYS,
                         parse_user_line, format_user_lines, NULL),
    {.name = NULL}};

/* ---- Life cycle ---- */

static int acl_module_init(const char **error) {
    acl_commands_init();
    char *message = NULL;
    if (acl_file_startup(&message) != 0) {
        static char text[2048];
        snprintf(text, sizeof(text), "Aborting the start-up because of ACL errors: %s", message);
        zmalloc_free(message);
        *error = text;
        return -1;
    }
    started = 1;
    client_set_user_hooks(&user_hooks);
    dispatch_set_permission_check(acl_dispatch_check);
    permission_set_full_key_read_check(acl_full_key_read);
    return 0;
}

static void acl_shutdown(void) {
    dispatch_set_permission_check(NULL);
    permission_set_full_key_read_check(NULL);
    client_set_user_hooks(NULL);
    for (client *c = net.clients; c; c = c->next) c->user = NULL;
    acl_log_reset();
    acl_registry_free();
    acl_file_free();
}

const zkv_module acl_module = {
    .name = "acl",
    .commands = (const command_spec *const[]){acl_commands, NULL},
    .parameters = acl_parameters,
    .init = acl_module_init,
    .shutdown = acl_shutdown,
};
