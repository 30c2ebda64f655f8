/* cluster_databases: a cluster node has only database 0, so the commands
 * that address another database are refused in cluster mode with Redis's
 * errors: MOVE, SWAPDB, and COPY ... DB <n> for n other than 0.  (SELECT
 * checks for itself, since its error must come after its own parsing.)
 *
 * This runs from the routing check, after -MOVED/-CROSSSLOT, which is where
 * Redis's own refusals come: inside the commands, once the node is known to
 * serve the keys.  COPY's refusal is only decided here when its DB argument
 * is a valid index: any other mistake is left to COPY, whose error Redis
 * reports first.  Inside MULTI they are refused when queued (Redis refuses
 * them when EXEC runs them): EXEC runs queued commands without this check.
 */
#include <string.h>
#include <strings.h>

#include "args.h"
#include "cluster.h"
#include "command.h"
#include "object.h"

/* True if COPY's arguments name a valid database other than 0. */
static int copies_to_other_database(const client *c) {
    for (int i = 3; i + 1 < c->argc; i++) {
        long long index;
        if (!args_is(&c->argv[i], "db")) continue;
        if (!number_parse_integer(c->argv[i + 1].data, c->argv[i + 1].length, &index)) return 0;
        return index > 0 && index < server.config.databases;
    }
    return 0;
}

const char *cluster_database_refusal(const client *c, const command *cmd) {
    if (cmd->parent) return NULL;
    const char *name = cmd->spec->name;
    if (!strcmp(name, "move")) return "ERR MOVE is not allowed in cluster mode";
    if (!strcmp(name, "swapdb")) return "ERR SWAPDB is not allowed in cluster mode";
    if (!strcmp(name, "copy") && copies_to_other_database(c))
        return "ERR Copying to another database is not allowed in cluster mode";
    return NULL;
}
