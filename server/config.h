/* config.h: configuration parameters, the config file, and CONFIG.
 *
 * Every parameter is one entry of the table in config.c: its name (and
 * aliases), its type (bool, integer, memory size, enum, string, special), its
 * bounds and default, whether CONFIG SET may change it at run time, and an
 * optional apply callback run after a change.  The values live in
 * server.config.  Adding a parameter means adding one table entry.
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
/* Applies the start-up values of the allocator settings (jemalloc-bg-thread);
 * CONFIG SET applies later changes itself. */
int config_apply_memory_settings(void);
/* Parses a memory size ("1gb", "100k", "512"); 0 on success, -1 if invalid,
 * -2 if it does not fit in 64 bits. */
int config_parse_memory(const char *text, unsigned long long *value);

/* CONFIG RESETSTAT also calls these (slowlog, latency histograms, ...). */
typedef void config_resetstat_hook(void);
int config_add_resetstat_hook(config_resetstat_hook *hook);


#endif
