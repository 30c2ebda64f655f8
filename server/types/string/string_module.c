/* string_module: the string type's descriptor: the string, bit and LCS
 * commands.  String values live inside the key's own block (object.h), so
 * the type needs no free or duplicate function of its own. */
#include "module.h"
#include "string_type.h"

const zkv_module string_module = {
    .name = "string",
    .commands = (const command_spec *const[]){string_commands, bits_commands, NULL},
};
