/* admin_module: connection and server administration commands (PING, AUTH,
 * HELLO, SELECT, CLIENT, CONFIG, SHUTDOWN, DEBUG, ...). */
#include "command.h"
#include "module.h"

extern const command_spec connection_commands[];
extern const command_spec server_admin_commands[];
extern const command_spec config_commands[];
extern const command_spec client_commands[];
extern const command_spec debug_commands[];

const zkv_module admin_module = {
    .name = "admin",
    .commands = (const command_spec *const[]){connection_commands, server_admin_commands, config_commands,
                                              client_commands, debug_commands, NULL},
};
