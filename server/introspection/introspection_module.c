/* introspection_module: what the server tells about itself: INFO, COMMAND,
 * SLOWLOG, LATENCY, MONITOR, with the command observer that feeds them.
 * It is the top feature layer, so INFO's stats section may read every
 * module below it directly. */
#include "command.h"
#include "introspection.h"
#include "module.h"

extern const config_parameter introspection_parameters[];
extern const command_spec command_commands[];
extern const command_spec info_commands[];
extern const command_spec slowlog_commands[];
extern const command_spec latency_commands[];
extern const command_spec monitor_commands[];

static int introspection_module_init(const char **error) {
    if (introspection_init() == 0) return 0;
    *error = "Could not register the command observer.";
    return -1;
}

const zkv_module introspection_module = {
    .name = "introspection",
    .commands = (const command_spec *const[]){command_commands, info_commands, slowlog_commands,
                                              latency_commands, monitor_commands, NULL},
    .parameters = introspection_parameters,
    .init = introspection_module_init,
    .reset_stats = introspection_reset_histograms,
};
