/* script_memory: see script_memory.h. */
#include "script_memory.h"

#include <string.h>

static script_memory_reader *installed;

void script_memory_set_reader(script_memory_reader *reader) { installed = reader; }

void script_memory_read(script_memory *out) {
    memset(out, 0, sizeof(*out));
    if (installed) installed(out);
}
