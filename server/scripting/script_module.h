/* script_module: the scripting feature's descriptor and the command tables
 * its files contribute. */
#ifndef ZKV_SCRIPT_MODULE_H
#define ZKV_SCRIPT_MODULE_H

#include "command.h"

extern const command_spec script_commands[];
extern const command_spec function_commands[];
/* Redis 7.0's key specs of EVAL/FCALL (RW, with notes) and EVAL_RO/FCALL_RO
 * (RO): the keys after the count at argv[2]. */
extern const key_spec script_write_key_specs[];
extern const key_spec script_read_key_specs[];

#endif
