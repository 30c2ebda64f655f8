/* hll_commands.h: what the HyperLogLog module's files share: the command
 * table and hll-sparse-max-bytes (the size past which a sparse value is
 * promoted to dense). */
#ifndef ZKV_HLL_COMMANDS_H
#define ZKV_HLL_COMMANDS_H

#include "command.h"

extern const command_spec hll_commands[];
extern long long hll_sparse_max_bytes;

#endif
