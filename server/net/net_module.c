/* net_module: the network layer's descriptor.
 *
 * Each loop iteration ends with the network layer's before-sleep work:
 * flush every client with pending output (one writev each), then free the
 * clients marked for closing, so handlers never see a client vanish.  Its
 * cron frees what idle clients hold; at shutdown it stops listening and
 * closes every client before the keyspace is released.
 */
#include "client.h"
#include "module.h"
#include "networking.h"

extern const config_parameter net_parameters[];

static void net_before_sleep(void) {
    networking_flush_pending();
    client_free_closed();
}

static void net_shutdown(void) {
    networking_close_listeners();
    while (net.clients) client_free(net.clients);
}

const zkv_module net_module = {
    .name = "net",
    .parameters = net_parameters,
    .cron = client_cron,
    .before_sleep = net_before_sleep,
    .shutdown = net_shutdown,
};
