/* function_store: the hooks scripting installs for persistence (see
 * function_store.h). */
#include "function_store.h"

static const function_store_hooks *installed;

void function_store_set_hooks(const function_store_hooks *hooks) { installed = hooks; }

const function_store_hooks *function_store_get_hooks(void) { return installed; }
