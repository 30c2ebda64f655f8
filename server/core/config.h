/* config.h: configuration parameters, the config file, and CONFIG.
 *
 * Every parameter is one entry of a table its module declares
 * (config_table.h): its name (and aliases), its type (bool, integer, memory
 * size, enum, string, special), its bounds and default, whether CONFIG SET
 * may change it at run time, and an optional apply callback run after a
 * change.  The values live in server.config or in the owning module's own
 * settings.  Adding a parameter means adding one entry to the module's
 * array (its descriptor's `parameters`).
 */
#ifndef ZKV_CONFIG_H
#define ZKV_CONFIG_H

#include <stddef.h>

#include "server.h"

/* Fills server.config with the defaults. */
void config_set_defaults(void);
/* Parses the command line: `[config-file] [--name value ...]`.  Returns 0, or
 * -1 with a zmalloc'd message in *error (which names file:line). */
int config_load(int argc, char **argv, char **error);
/* Parses a memory size ("1gb", "100k", "512"); 0 on success, -1 if invalid,
 * -2 if it does not fit in 64 bits. */
int config_parse_memory(const char *text, unsigned long long *value);


#endif
