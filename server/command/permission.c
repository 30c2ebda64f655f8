/* permission: the hooks between the acl, pubsub and sort modules (see
 * permission.h).  Each is one pointer, NULL until its module installs it. */
#include "permission.h"

static permission_key_read_check *key_read_check;
static permission_subscription_walk *subscription_walk;

int command_channel_range(const command_spec *spec, int argc, int *first, int *last) {
    if (!spec->channel_flags || argc < 2) return 0;
    *first = 1;
    *last = (spec->channel_flags & CHANNEL_PUBLISH) ? 1 : argc - 1;
    return 1;
}

void permission_set_full_key_read_check(permission_key_read_check *check) { key_read_check = check; }

int permission_full_key_read(client *c, struct command *cmd) { return key_read_check ? key_read_check(c, cmd) : 1; }

void permission_set_subscription_walker(permission_subscription_walk *walk) { subscription_walk = walk; }

int permission_walk_subscriptions(client *c, permission_subscription_visit *visit, void *context) {
    return subscription_walk ? subscription_walk(c, visit, context) : 0;
}
