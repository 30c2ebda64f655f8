/* permission: what the feature layers ask about a client's rights, and
 * what they expose so its rights can be checked again, without naming each
 * other (acl, pubsub and sort are sibling modules).
 *
 * - Channels are declared, not asked for: a spec's channel_flags say which
 *   arguments are channels (command_channel_range), so the ACL check sees
 *   them as it sees keys, wherever it runs: before a command, when MULTI
 *   queues one, again at EXEC, for redis.call and ACL DRYRUN.  PUBLISH and
 *   SUBSCRIBE themselves never ask.
 * - SORT's BY and GET patterns name keys no spec can list: sort asks
 *   permission_full_key_read, which the acl module answers (Redis's rule:
 *   a selector that allows the call must grant read access to every key).
 *   Without the acl module everything is allowed.
 * - When a user's channel rules shrink, its subscribers that hold a
 *   subscription the new rules refuse are closed: the acl module walks a
 *   client's subscriptions through the walker the pubsub module installs.
 *   Without pubsub no client has any.
 */
#ifndef ZKV_PERMISSION_H
#define ZKV_PERMISSION_H

#include <stddef.h>

#include "command.h"

/* The channel arguments of a call with argc arguments: argv[*first..*last]
 * (argv[1] only for a PUBLISH kind).  0 when it names none. */
int command_channel_range(const command_spec *spec, int argc, int *first, int *last);

/* Does the user of `c` have read access to every key for this call of
 * `cmd` (SORT BY/GET)?  The check takes c->argc/c->argv. */
typedef int permission_key_read_check(client *c, struct command *cmd);
void permission_set_full_key_read_check(permission_key_read_check *check);
int permission_full_key_read(client *c, struct command *cmd);

/* Calls visit for each subscription of `c`: channels and shard channels
 * with is_pattern 0, patterns with 1, until visit returns nonzero; returns
 * that value, or 0.  Names are valid during the call only; visit must not
 * subscribe or unsubscribe. */
typedef int permission_subscription_visit(const char *name, size_t length, int is_pattern, void *context);
typedef int permission_subscription_walk(client *c, permission_subscription_visit *visit, void *context);
void permission_set_subscription_walker(permission_subscription_walk *walk);
int permission_walk_subscriptions(client *c, permission_subscription_visit *visit, void *context);

#endif
