/* hll_module: the HyperLogLog commands' descriptor.  A HyperLogLog is a
 * string value (lib/hll.h has why), so the module registers no type of its
 * own: only its commands and Redis's hll-sparse-max-bytes. */
#include <limits.h>

#include "config_table.h"
#include "hll_commands.h"
#include "module.h"

static const config_parameter hll_parameters[] = {
    {.name = "hll-sparse-max-bytes", .type = CONFIG_MEMORY, .value = &hll_sparse_max_bytes,
     .target = TARGET_LONG_LONG, .minimum = 0, .maximum = LONG_MAX, .default_text = "3000"},
    {0}};

const zkv_module hll_module = {
    .name = "hll",
    .commands = (const command_spec *const[]){hll_commands, NULL},
    .parameters = hll_parameters,
};
