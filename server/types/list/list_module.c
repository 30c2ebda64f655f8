/* list_module: the list type's descriptor: its commands, its two
 * parameters, and the registration of its type functions.
 *
 * list-max-listpack-size (alias list-max-ziplist-size) and
 * list-compress-depth take Redis's ranges; changes apply to the chunks
 * made from then on, existing chunks keep their shape until touched. */
#include <limits.h>

#include "command.h"
#include "list.h"
#include "module.h"

extern const command_spec list_commands[];

static const config_parameter list_parameters[] = {
    {.name = "list-max-listpack-size", .alias = "list-max-ziplist-size", .type = CONFIG_INTEGER,
     .value = &list_limits.fill, .target = TARGET_INT, .minimum = INT_MIN, .maximum = INT_MAX, .default_text = "-2"},
    CONFIG_ENTRY_INTEGER("list-compress-depth", &list_limits.compress_depth, TARGET_INT, 0, INT_MAX, "0", 0, NULL),
    {0}};

static int list_module_init(const char **error) {
    (void)error;
    list_register_type();
    return 0;
}

const zkv_module list_module = {
    .name = "list",
    .commands = (const command_spec *const[]){list_commands, NULL},
    .parameters = list_parameters,
    .init = list_module_init,
};
