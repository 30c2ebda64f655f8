/* acl: the ACL feature's interface, for its own files and the layers above
 * (pub/sub, scripting, SORT).
 *
 * The registry (acl_registry.c) owns every user, sorted by name so ACL
 * USERS/LIST come out in Redis's order and a name is found by binary search.
 * A client's user is the opaque c->user: NULL stands for `default`, so a
 * connection costs nothing until it authenticates as someone else and RESET
 * only clears the pointer.  Deleting a user (or replacing all of them with
 * ACL LOAD) points its clients back at default, unauthenticated, and closes
 * them, as Redis does.
 *
 * The check (acl_check.c) is installed into dispatch; it covers channels
 * too, from the specs' channel_flags.  What dispatch cannot see reaches the
 * acl module through command/permission.h (SORT's BY/GET patterns, the
 * subscriptions of clients whose channel rules shrank) or the functions
 * below (commands run by scripts).
 */
#ifndef ZKV_ACL_H
#define ZKV_ACL_H

#include <stddef.h>

#include "acl_user.h"
#include "client.h"
#include "command.h"
#include "strbuf.h"

/* Why a command was refused; the order is Redis's (a higher value is the
 * more relevant error when several selectors refuse). */
enum acl_result { ACL_OK = 0, ACL_DENIED_COMMAND, ACL_DENIED_KEY, ACL_DENIED_AUTH, ACL_DENIED_CHANNEL };

/* Where the refused command came from (ACL LOG's context field). */
enum acl_context { ACL_CONTEXT_TOPLEVEL, ACL_CONTEXT_MULTI, ACL_CONTEXT_LUA, ACL_CONTEXT_MODULE };

/* ---- For other features ---- */

/* Does a selector of the client's user that allows this call (c->argc,
 * c->argv) read every key?  SORT's BY/GET need it (installed as
 * permission_full_key_read, permission.h); 1 if so. */
int acl_full_key_read(client *c, command *cmd);
/* The whole check for a command about to run (scripting calls it for
 * redis.call with ACL_CONTEXT_LUA): ACL_OK, or the refusal after recording
 * it in ACL LOG, with *position the argument index of the refused key. */
int acl_check_command(client *c, command *cmd, int argc, const resp_argument *argv, int context, int *position);

/* ---- Registry (acl_registry.c) ---- */

acl_user *acl_default_user(void);
acl_user *acl_find_user(const char *name, size_t length);
/* The user of a client (default when none). */
acl_user *acl_client_user(const client *c);
/* Creates an empty user (acl_user_create) and registers it; the name must be new. */
acl_user *acl_add_user(const char *name, size_t length);
/* Unregisters and frees a user, closing its clients; the default user is never deleted. */
void acl_delete_user(acl_user *user);
/* Every user in name order; *count receives the number. */
acl_user *const *acl_users(size_t *count);
/* Replaces every user with `users` (ACL LOAD, start-up): clients of users
 * that no longer exist as the same object are closed.  The registry takes
 * the array and the users; `default` must be among them. */
void acl_replace_users(acl_user **users, size_t count);
/* After any change of the default user: keeps the network layer's view of
 * it (who starts authenticated) in step. */
void acl_default_user_changed(void);
/* Closes the clients authenticated as `user` (ACL DELUSER). */
void acl_close_clients_of(const acl_user *user);
/* Makes the client authenticated as user (AUTH, HELLO AUTH). */
void acl_authenticate_client(client *c, acl_user *user);
/* Frees every user (shutdown). */
void acl_registry_free(void);
/* Usernames can't contain spaces or null characters. */
int acl_valid_user_name(const char *name, size_t length);

/* ---- Checks (acl_check.c) ---- */

/* The check of one user without logging: ACL_OK or the reason, with
 * *position the index of the refused key/channel argument. */
int acl_user_check_command(const acl_user *user, const command *cmd, int argc, const resp_argument *argv,
                           int *position);
/* The dispatch hook (installed by acl_module.c). */
const char *acl_dispatch_check(client *c, command *cmd, int context);
/* 1 if one of the selector's channel patterns grants `channel` (glob) or,
 * with is_pattern, the PSUBSCRIBE pattern (literally); allchannels is not
 * consulted. */
int acl_selector_channel_listed(const acl_selector *selector, const char *channel, size_t length, int is_pattern);
/* After ACL SETUSER changed `user` (`before` is its copy from before):
 * closes its clients holding a subscription the new channel rules refuse,
 * as Redis 7.0 does (nothing to do when a selector has allchannels or the
 * new patterns include every old one). */
void acl_close_revoked_subscribers(const acl_user *user, const acl_user *before);

/* ---- ACL LOG (acl_log.c) ---- */

extern long long acl_log_max_length; /* acllog-max-len */

/* Records a refusal: reason (enum acl_result), context, the object (command
 * name, key, channel or "AUTH") and the user name, folding it into a recent
 * identical entry.  `c` gives client-info. */
void acl_log_add(client *c, int reason, int context, const char *object, size_t object_length,
                 const char *user, size_t user_length);
/* Replies the newest `count` entries (ACL LOG [count]). */
void acl_log_reply(client *c, long long count);
void acl_log_reset(void);
/* Drops entries beyond acllog-max-len. */
void acl_log_trim(void);

/* ---- The ACL file and `user` directives (acl_file.c) ---- */

extern char *acl_file_path; /* aclfile, NULL when unset */

/* Records a `user` line of the configuration file for acl_file_apply_config. */
int acl_config_user_line(char **words, int count, const char **error);
/* At start-up: builds the users from requirepass, the `user` lines or the
 * aclfile; 0, or -1 with a zmalloc'd message. */
int acl_file_startup(char **error);
/* ACL LOAD: parses the whole file and replaces the users only if every line
 * is valid; 0, or -1 with a zmalloc'd message. */
int acl_file_load(char **error);
/* ACL SAVE; 0, or -1 with a zmalloc'd message. */
int acl_file_save(char **error);
/* Frees pending `user` lines (shutdown). */
void acl_file_free(void);

#endif
