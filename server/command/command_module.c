/* command_module: the command layer's descriptor.
 *
 * At start-up it builds the command registry from every module's tables,
 * plugs dispatch into the network layer (the processor the network layer
 * calls without naming this layer), and hooks MULTI/WATCH to the keyspace's
 * key changes and to client teardown.
 */
#include "command.h"

#include <stdio.h>

#include "client.h"
#include "errorstats.h"
#include "keyspace.h"
#include "module.h"
#include "multi.h"
#include "networking.h"
#include "notify.h"
#include "table.h"

/* The network layer's prefetch hint: the buckets of the keys of a pipelined
 * batch, looked up in the client's database. */
static void prefetch_keys(client *c, const resp_argument *keys, size_t count) {
    uint64_t hashes[count];
    for (size_t i = 0; i < count; i++) hashes[i] = table_hash_key(keys[i].data, keys[i].length);
    table_prefetch(keyspace_db(c->db_index)->keys, hashes, count);
}

static const net_processor command_processor = {
    .process_command = dispatch_process_command,
    .prefetch_keys = prefetch_keys,
};

static int command_module_init(const char **error) {
    static char message[160];
    const char *duplicate = NULL;
    if (command_table_init(&duplicate) != 0) {
        snprintf(message, sizeof(message), "Command '%s' is registered twice.", duplicate);
        *error = message;
        return -1;
    }
    notify_add_key_observer(multi_key_modified);
    client_add_free_hook(multi_client_freed);
    networking_set_processor(&command_processor);
    return 0;
}

static void command_module_reset_stats(void) {
    command_table_reset_stats();
    errorstats_reset();
}

const zkv_module command_module = {
    .name = "command",
    .commands = (const command_spec *const[]){multi_commands, NULL},
    .init = command_module_init,
    .reset_stats = command_module_reset_stats,
};
