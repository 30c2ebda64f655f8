/* function_persist: what persistence saves and loads of the functions (see
 * function_persist.h).  A library is saved as its code, shebang included,
 * as Redis 7.0 does: loading runs it again through the functions engine,
 * so a file holds no engine state and loads into any zkv or Redis 7.0.
 * Loading is FUNCTION LOAD's path with its timeout: library code only
 * registers functions. */
#include "function_persist.h"

#include "function_engine.h"
#include "function_registry.h"
#include "function_store.h"
#include "strbuf.h"

static int each_library(function_store_emit *emit, void *context) {
    const function_registry *registry = function_registry_current();
    for (const function_library *library = function_registry_first(registry); library; library = library->next) {
        int stop = emit(library->code, library->code_length, context);
        if (stop) return stop;
    }
    return 0;
}

static int load_library(const char *code, size_t length, int replace, char **error) {
    strbuf reason = STRBUF_INIT;
    if (function_engine_load(function_registry_current(), code, length, replace, FUNCTION_LOAD_TIMEOUT_MS, &reason)) {
        strbuf_free(&reason);
        return 0;
    }
    *error = strbuf_detach(&reason, NULL);
    return -1;
}

static void clear(void) { function_registry_free(function_registry_swap(function_registry_create())); }

static const function_store_hooks hooks = {.each_library = each_library, .load_library = load_library, .clear = clear};

void function_persist_install(void) { function_store_set_hooks(&hooks); }

void function_persist_uninstall(void) { function_store_set_hooks(NULL); }
