/* function_persistence: the function_libraries hooks over the current
 * registry.
 *
 * A library comes back from a file by running its code again, as FUNCTION
 * LOAD does but without LOAD's 500 ms limit (Redis loads files without one:
 * a library that took long to load once must not make the file unusable).
 * Loading does not count as a change (dirty): the file already holds it.
 */
#include "function_persistence.h"

#include "function_engine.h"
#include "function_libraries.h"
#include "function_registry.h"

static int for_each(function_libraries_visit *visit, void *context) {
    for (function_library *library = function_registry_first(function_registry_current()); library;
         library = library->next) {
        int result = visit(context, library->code, library->code_length);
        if (result != 0) return result;
    }
    return 0;
}

static int create(const char *code, size_t length, bool replace, strbuf *error) {
    return function_engine_load(function_registry_current(), code, length, replace, 0, error) ? 0 : -1;
}

static void flush(void) {
    function_registry_free(function_registry_swap(function_registry_create()));
}

static const function_libraries_hooks hooks = {.for_each = for_each, .create = create, .flush = flush};

void function_persistence_install(void) { function_libraries_install(&hooks); }
