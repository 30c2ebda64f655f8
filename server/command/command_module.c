/* command_module: the command layer's descriptor.
 *
 * At start-up it builds the command registry from every module's tables,
 * plugs dispatch into the network layer (the processor the network layer
 * calls without naming this layer), and hooks MULTI/WATCH to the keyspace's
 * key changes and to client teardown.
 */
#include "command.h"

#include <stdio.h>
#include <string.h>

#include "blocking.h"
#include "client.h"
#include "errorstats.h"
#include "keyspace.h"
#include "log.h"
#include "module.h"
#include "multi.h"
#include "propagate.h"
#include "networking.h"
#include "notify.h"
#include "pause.h"
#include "table.h"
#include "zkv_assert.h"

/* The network layer's prefetch hint: the buckets of the keys of a pipelined
 * batch, looked up in the client's database.  A key equal to the one before
 * it (a queue fed by a pipeline) is already on its way: it is not hashed
 * again, and one distinct key is looked up soon enough without a hint. */
static void prefetch_keys(client *c, const resp_argument *keys, size_t count) {
    uint64_t hashes[count];
    size_t distinct = 0;
    for (size_t i = 0; i < count; i++) {
        const resp_argument *key = &keys[i], *previous = &keys[i - (i > 0)];
        if (i > 0 && key->length == previous->length && memcmp(key->data, previous->data, key->length) == 0) continue;
        hashes[distinct++] = table_hash_key(key->data, key->length);
    }
    if (distinct > 1) table_prefetch(keyspace_db(c->db_index)->keys, hashes, distinct);
}

/* What a failed zkv_assert adds to its log line, as Redis's bug report:
 * the version, and the client and command being served, if any. */
static void report_assertion(const char *file, int line, const char *condition) {
    log_message(LOG_WARNING, "=== ZKV BUG REPORT START ===");
    log_message(LOG_WARNING, "==> %s:%d '%s' is not true", file, line, condition);
    log_message(LOG_WARNING, "zkv_version:%s redis_version:%s pid:%d", ZKV_VERSION, ZKV_REDIS_COMPAT_VERSION,
                (int)server.pid);
    client *c = net.current_client;
    if (c) {
        log_message(LOG_WARNING, "client id=%llu addr=%s db=%d argc=%d", (unsigned long long)c->id, c->address,
                    c->db_index, c->argc);
        if (c->command) log_message(LOG_WARNING, "command: %s", c->command->full_name);
    }
    log_message(LOG_WARNING, "=== ZKV BUG REPORT END ===");
}

extern const command_spec pause_commands[];

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
    zkv_assert_set_report(report_assertion);
    notify_add_key_observer(multi_key_modified);
    notify_set_deletion_observer(propagate_deletion);
    client_add_free_hook(multi_client_freed);
    client_add_free_hook(pause_client_freed);
    networking_set_processor(&command_processor);
    blocking_init();
    return 0;
}

/* A pause ends on its own deadline: checked each iteration, so held
 * clients resume before the loop sleeps; then unblocked clients run. */
static void command_module_before_sleep(void) {
    pause_check_timeout();
    blocking_before_sleep();
}

static void command_module_reset_stats(void) {
    command_table_reset_stats();
    errorstats_reset();
}

const zkv_module command_module = {
    .name = "command",
    .commands = (const command_spec *const[]){multi_commands, pause_commands, NULL},
    .init = command_module_init,
    .cron = pause_check_timeout,
    .before_sleep = command_module_before_sleep,
    .reset_stats = command_module_reset_stats,
    .shutdown = blocking_shutdown,
};
