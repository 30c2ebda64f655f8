/* admin_module: connection and server administration commands (PING, AUTH,
 * HELLO, SELECT, CLIENT, CONFIG, SHUTDOWN, DEBUG, ...), and the parameters
 * that guard DEBUG. */
#include "command.h"
#include "config_table.h"
#include "module.h"

#define C (&server.config)

static const config_parameter admin_parameters[] = {
    /* Redis 7's gate: DEBUG can crash or freeze a server, so it is off unless
     * the operator allows it (the checks run in dispatch). */
    {.name = "enable-debug-command", .type = CONFIG_ENUM, .flags = CONFIG_IMMUTABLE,
     .value = &C->enable_debug_command, .default_text = "no", .choices = protected_action_choices},
    /* zkv's own: DEBUG SLEEP beyond this answers an error instead of freezing
     * the server (hidden, like the cluster ones, from Redis's tools). */
    CONFIG_ENTRY_INTEGER("debug-sleep-max-seconds", &C->debug_sleep_max_seconds, TARGET_LONG_LONG, 0, 86400, "60",
                         CONFIG_HIDDEN, NULL),
    {.name = NULL}};

extern const command_spec connection_commands[];
extern const command_spec server_admin_commands[];
extern const command_spec config_commands[];
extern const command_spec client_commands[];
extern const command_spec debug_commands[];

const zkv_module admin_module = {
    .name = "admin",
    .parameters = admin_parameters,
    .commands = (const command_spec *const[]){connection_commands, server_admin_commands, config_commands,
                                              client_commands, debug_commands, NULL},
};
