/* function_store: the function libraries as persistence sees them.  RDB
 * files carry every library's code (a FUNCTION2 record before the keys, as
 * Redis 7.0 writes them), but persistence sits beside scripting in the
 * layers and cannot name it: the scripting module installs these hooks.
 * Without them there are no libraries to save, and a file holding some is
 * refused. */
#ifndef ZKV_FUNCTION_STORE_H
#define ZKV_FUNCTION_STORE_H

#include <stddef.h>

typedef int function_store_emit(const char *code, size_t length, void *context);

typedef struct function_store_hooks {
    /* Calls emit with the code of every library, in load order, until emit
     * returns nonzero; returns that value, or 0. */
    int (*each_library)(function_store_emit *emit, void *context);
    /* Creates the library `code` declares; with `replace` one of the same
     * name is replaced (DEBUG RELOAD MERGE), otherwise it is an error.
     * 0, or -1 with Redis's message (zmalloc'd) in *error. */
    int (*load_library)(const char *code, size_t length, int replace, char **error);
    /* Drops every library (DEBUG RELOAD empties them with the data). */
    void (*clear)(void);
} function_store_hooks;

void function_store_set_hooks(const function_store_hooks *hooks);
/* The installed hooks, or NULL. */
const function_store_hooks *function_store_get_hooks(void);

#endif
