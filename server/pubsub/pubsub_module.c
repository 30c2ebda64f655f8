/* pubsub_module: the descriptor of Pub/Sub, keyspace notifications and
 * client-side caching: their commands (PUBLISH & co, CLIENT TRACKING & co),
 * parameters (notify-keyspace-events, tracking-table-max-keys) and the
 * hooks that connect them to the layers below: a client free and reset
 * hook (subscriptions and tracking go with the connection), dispatch's
 * context check (RESP2 subscribed mode), the subscription walker ACL
 * re-checks channels with (permission.h), the keyspace's event publisher
 * and key/flush observers (tracking). */
#include "client.h"
#include "command.h"
#include "module.h"
#include "permission.h"
#include "pubsub.h"
#include "pubsub_module.h"
#include "tracking.h"

static void release_client(client *c) {
    pubsub_release_client(c);
    tracking_release_client(c);
}

static int pubsub_module_init(const char **error) {
    (void)error;
    pubsub_init();
    tracking_init();
    keyspace_events_init();
    client_add_free_hook(release_client);
    client_add_reset_hook(release_client);
    dispatch_set_context_check(pubsub_context_check);
    permission_set_subscription_walker(pubsub_walk_subscriptions);
    return 0;
}

static void pubsub_cron(void) { tracking_limit_table(); }

static const config_parameter pubsub_parameters[] = {
    CONFIG_ENTRY_SPECIAL("notify-keyspace-events", "", 0, keyspace_events_parse, keyspace_events_format, NULL),
    CONFIG_ENTRY_INTEGER("tracking-table-max-keys", &tracking_max_keys, TARGET_LONG_LONG, 0, LLONG_MAX, "1000000", 0,
                         NULL),
    {.name = NULL}};

const zkv_module pubsub_module = {
    .name = "pubsub",
    .commands = (const command_spec *const[]){pubsub_commands, tracking_commands, NULL},
    .parameters = pubsub_parameters,
    .init = pubsub_module_init,
    .cron = pubsub_cron,
    .before_sleep = tracking_broadcast_pending,
};
