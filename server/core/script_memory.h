/* script_memory: the scripting engine's memory figures, for INFO memory and
 * MEMORY, which sit beside scripting in the layers and cannot name it.  The
 * scripting module installs a reader; without one every figure is zero. */
#ifndef ZKV_SCRIPT_MEMORY_H
#define ZKV_SCRIPT_MEMORY_H

#include <stddef.h>

typedef struct script_memory {
    size_t vm_eval;           /* bytes of the EVAL interpreter (used_memory_vm_eval) */
    size_t scripts_eval;      /* cached EVAL scripts (used_memory_scripts_eval) */
    size_t vm_functions;      /* bytes of the functions interpreter */
    size_t functions;         /* libraries' bookkeeping (used_memory_functions) */
    long long cached_scripts; /* number_of_cached_scripts */
    long long function_count; /* number_of_functions */
    long long library_count;  /* number_of_libraries */
} script_memory;

typedef void script_memory_reader(script_memory *out);
void script_memory_set_reader(script_memory_reader *reader);
/* Fills *out (zeros when no scripting module is loaded). */
void script_memory_read(script_memory *out);

#endif
