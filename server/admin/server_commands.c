/* server_commands: SHUTDOWN and the replication commands zkv refuses.
 *
 * zkv keeps no data on disk, so SHUTDOWN SAVE has nothing to write: it shuts
 * down like NOSAVE and says so in the log (it does not fail, so scripts that
 * always pass SAVE keep working).  NOW and FORCE are accepted for
 * compatibility; there is no replica to wait for and no save to force.
 * REPLICAOF/SLAVEOF must never make the server connect anywhere: only
 * "NO ONE" (already true) is accepted.
 */
#include <string.h>
#include <strings.h>

#include "args.h"
#include "command.h"
#include "log.h"
#include "reply.h"

static void shutdown_command(client *c) {
    int nosave = 0, save = 0, abort_requested = 0;
    for (int i = 1; i < c->argc; i++) {
        if (args_is(&c->argv[i], "nosave")) nosave = 1;
        else if (args_is(&c->argv[i], "save")) save = 1;
        else if (args_is(&c->argv[i], "abort")) abort_requested = 1;
        else if (!args_is(&c->argv[i], "now") && !args_is(&c->argv[i], "force")) {
            reply_syntax_error(c);
            return;
        }
    }
    if ((nosave && save) || (abort_requested && c->argc != 2)) {
        reply_syntax_error(c);
        return;
    }
    if (abort_requested) {
        reply_error(c, "ERR No shutdown in progress.");
        return;
    }
    if (save) log_message(LOG_NOTICE, "SHUTDOWN SAVE: zkv has no persistence, nothing to save.");
    server_request_shutdown(0);
}

static void replicaof_command(client *c) {
    if (args_is(&c->argv[1], "no") && args_is(&c->argv[2], "one")) {
        reply_ok(c);
        return;
    }
    reply_error(c, "ERR zkv does not support replication: REPLICAOF only accepts NO ONE");
}

#define REPLICAOF(n)                                                                                      \
    {.name = n, .handler = replicaof_command, .arity = 3,                                                 \
     .flags = COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_STALE | COMMAND_NO_ASYNC_LOADING,               \
     .categories = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server",                               \
     .summary = "Make the server a replica of another instance, or promote it as master", .since = "5.0.0", \
     .complexity = "O(1)"}

const command_spec server_admin_commands[] = {
    {.name = "shutdown", .handler = shutdown_command, .arity = -1,
     .flags = COMMAND_ADMIN | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE | COMMAND_NO_MULTI |
              COMMAND_SENTINEL | COMMAND_ALLOW_BUSY,
     .categories = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server",
     .summary = "Synchronously save the dataset to disk and then shut down the server", .since = "1.0.0",
     .complexity = "O(N) when saving, where N is the total number of keys in all databases when saving data, "
                   "otherwise O(1)"},
    REPLICAOF("replicaof"),
    REPLICAOF("slaveof"),
    {.name = NULL}};
