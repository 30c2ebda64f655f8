/* sort_module: the SORT feature's descriptor.  SORT reaches the types only
 * through the keyspace's type table (for_each_element, field_value,
 * create_from_elements), so this folder links no type module: a type that
 * fills for_each_element becomes sortable without a change here. */
#include "command.h"
#include "module.h"

extern const command_spec sort_commands[];

const zkv_module sort_module = {
    .name = "sort",
    .commands = (const command_spec *const[]){sort_commands, NULL},
};
