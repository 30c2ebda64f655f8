/* script_module: the scripting feature's descriptor and the command tables
 * its files contribute. */
#ifndef ZKV_SCRIPT_MODULE_H
#define ZKV_SCRIPT_MODULE_H

#include "command.h"

extern const command_spec script_commands[];
extern const command_spec function_commands[];

#endif
