/* function_libraries: see function_libraries.h. */
#include "function_libraries.h"

static const function_libraries_hooks *installed;

void function_libraries_install(const function_libraries_hooks *hooks) { installed = hooks; }

bool function_libraries_available(void) { return installed != NULL; }

int function_libraries_for_each(function_libraries_visit *visit, void *context) {
    return installed ? installed->for_each(visit, context) : 0;
}

int function_libraries_create(const char *code, size_t length, bool replace, strbuf *error) {
    if (!installed) {
        strbuf_append_cstring(error, "this build has no scripting");
        return -1;
    }
    return installed->create(code, length, replace, error);
}

void function_libraries_flush(void) {
    if (installed) installed->flush();
}
