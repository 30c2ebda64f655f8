/* server_commands: SHUTDOWN and the replication commands zkv refuses.
 *
 * SHUTDOWN hands its SAVE / NOSAVE / FORCE choice to the shutdown preparer
 * the persistence module installs (core/server.h): a failed final save
 * refuses the shutdown unless FORCE.  NOW is accepted: there is no replica
 * to wait for.
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
    int nosave = 0, save = 0, abort_requested = 0, now = 0, force = 0;
    for (int i = 1; i < c->argc; i++) {
        if (args_is(&c->argv[i], "nosave")) nosave = 1;
        else if (args_is(&c->argv[i], "save")) save = 1;
        else if (args_is(&c->argv[i], "abort")) abort_requested = 1;
        else if (args_is(&c->argv[i], "now")) now = 1;
        else if (args_is(&c->argv[i], "force")) force = 1;
        else {
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
    int flags = (nosave ? SERVER_SHUTDOWN_NOSAVE : 0) | (save ? SERVER_SHUTDOWN_SAVE : 0) |
                (now ? SERVER_SHUTDOWN_NOW : 0) | (force ? SERVER_SHUTDOWN_FORCE : 0);
    if (server_prepare_shutdown(flags) != 0) {
        reply_error(c, "ERR Errors trying to SHUTDOWN. Check logs.");
        return;
    }
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
