/* function_libraries: the FUNCTION LOAD libraries as persistence sees them.
 *
 * An RDB file carries every library's code (Redis 7.0's FUNCTION2 records)
 * so libraries survive a restart.  The persist module sits beside scripting
 * in the layers and cannot name its registry, so scripting installs these
 * hooks at init.  Only code crosses: a library is saved as the text FUNCTION
 * LOAD was given and recreated by running it again, which is what Redis's
 * format holds.  Without scripting nothing is saved, flushing does nothing
 * and a file holding a library is refused (never loaded in part).
 */
#ifndef ZKV_FUNCTION_LIBRARIES_H
#define ZKV_FUNCTION_LIBRARIES_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* Called with each library's code; a non-zero return stops the walk. */
typedef int function_libraries_visit(void *context, const char *code, size_t length);

typedef struct function_libraries_hooks {
    /* Visits every library in load order; returns the first non-zero
     * result of `visit`, else 0. */
    int (*for_each)(function_libraries_visit *visit, void *context);
    /* Creates a library from its code without a time limit; `replace`: one
     * of the same name is replaced.  0, or -1 with Redis's reason (no "ERR "
     * prefix) appended to *error and nothing changed. */
    int (*create)(const char *code, size_t length, bool replace, strbuf *error);
    /* Drops every library. */
    void (*flush)(void);
} function_libraries_hooks;

/* `hooks` must outlive the server (a static table). */
void function_libraries_install(const function_libraries_hooks *hooks);
bool function_libraries_available(void);

int function_libraries_for_each(function_libraries_visit *visit, void *context);
int function_libraries_create(const char *code, size_t length, bool replace, strbuf *error);
void function_libraries_flush(void);

#endif
