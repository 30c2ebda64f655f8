/* script_memory: the scripting engine's memory figures, for INFO memory,
 * MEMORY and eviction, which sit beside scripting in the layers and cannot
 * name it.  The scripting module installs a reader; without one every
 * figure is zero.
 *
 * Lua memory and maxmemory.  Redis 7.0's Lua allocates outside zmalloc:
 * none of it is in used_memory, so none of it drives eviction, and a script
 * building a big table evicts no keys.  zkv's interpreters allocate through
 * zmalloc, so used_memory includes them, and eviction subtracts part of
 * them instead (not_counted_for_evict).  Not all: an interpreter as set up
 * at start (the libraries; ~30 KB each, as Redis's) is a fixed cost like
 * any other start-up structure and stays counted, so with no script run
 * used_memory itself is held at maxmemory, which is what clients and
 * Redis's own tests (unit/maxmemory sizes its limit from used_memory and
 * compares used_memory with it) read; subtracting those ~64 KB too would
 * let used_memory sit 64 KB over maxmemory forever.  Everything scripts
 * add beyond that (their tables and strings, garbage not yet collected,
 * compiled cached scripts and function libraries) is not counted, as in
 * Redis, except the share Redis keeps in zmalloc and so counts: the cached
 * scripts' bodies (used_memory_scripts_eval).  The function libraries'
 * bookkeeping (used_memory_functions) is zmalloc memory outside Lua, counted
 * in both.  Bytes are measured as zmalloc counts them (the allocator's
 * rounding included), so the subtraction matches what used_memory holds.
 * So used_memory may exceed maxmemory by what running or past scripts hold
 * in Lua, and mem_not_counted_for_evict says by how much. */
#ifndef ZKV_SCRIPT_MEMORY_H
#define ZKV_SCRIPT_MEMORY_H

#include <stddef.h>

typedef struct script_memory {
    size_t vm_eval;           /* bytes of the EVAL interpreter (used_memory_vm_eval) */
    size_t scripts_eval;      /* cached EVAL scripts (used_memory_scripts_eval) */
    size_t vm_functions;      /* bytes of the functions interpreter */
    size_t functions;         /* libraries' bookkeeping (used_memory_functions) */
    size_t not_counted_for_evict; /* interpreter bytes eviction ignores (see above) */
    size_t since_startup;     /* what scripts added since start (Lua growth, libraries): overhead */
    long long cached_scripts; /* number_of_cached_scripts */
    long long function_count; /* number_of_functions */
    long long library_count;  /* number_of_libraries */
} script_memory;

typedef void script_memory_reader(script_memory *out);
void script_memory_set_reader(script_memory_reader *reader);
/* Fills *out (zeros when no scripting module is loaded). */
void script_memory_read(script_memory *out);

#endif
