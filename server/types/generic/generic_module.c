/* generic_module: the commands that work on keys of any type (Redis's
 * "generic" group): DEL, EXISTS, RENAME, SCAN, ..., and the expiry family. */
#include "command.h"
#include "module.h"

extern const command_spec keyspace_commands[];
extern const command_spec expire_commands[];

const zkv_module generic_module = {
    .name = "generic",
    .commands = (const command_spec *const[]){keyspace_commands, expire_commands, NULL},
};
