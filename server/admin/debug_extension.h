/* debug_extension: DEBUG subcommands that live in the modules above admin.
 *
 * DEBUG RELOAD needs persistence, which sits above admin, so the module
 * that owns the work registers the subcommand here at init and DEBUG's
 * dispatcher (debug_commands.c) tries the registered ones after its own.
 * A small fixed table: a handful of subcommands, registered once.
 */
#ifndef ZKV_DEBUG_EXTENSION_H
#define ZKV_DEBUG_EXTENSION_H

#include "command.h"

typedef struct debug_extension {
    const char *name;        /* the subcommand, case-insensitive */
    int min_argc, max_argc;  /* counting DEBUG and the subcommand; -1: no maximum */
    void (*handler)(client *c);
    const char *const *help; /* lines for DEBUG HELP, NULL-terminated */
} debug_extension;

/* At init; `extension` must outlive the server.  Aborts (zkv_assert) when
 * the table is full. */
void debug_register_extension(const debug_extension *extension);

#endif
