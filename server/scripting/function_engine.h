/* function_engine: the Lua engine behind FUNCTION LOAD and FCALL.
 *
 * Libraries live in their own interpreter, apart from EVAL's, as in Redis
 * 7.0, so SCRIPT FLUSH never touches them.  The interpreter's global table
 * is the read-only proxy script_lua_lock makes; what it reads through to
 * is switched, like Redis's globals metatable:
 *
 *   while a library's code runs (FUNCTION LOAD, RESTORE): only `redis`, a
 *     strict read-only table of register_function, log, the LOG_* levels
 *     and the version; any other name raises "Script attempted to access
 *     nonexistent global variable";
 *   while a function runs (FCALL): the full sandbox EVAL scripts have
 *     (redis.call and the libraries), without register_function.
 *
 * A registered callback is kept as a reference in the interpreter's
 * registry; the registry entry it belongs to releases it.  Loading runs the
 * library's code under a time limit (500 ms, Redis's) so a library whose
 * top level loops cannot stall the server.
 */
#ifndef ZKV_FUNCTION_ENGINE_H
#define ZKV_FUNCTION_ENGINE_H

#include <stddef.h>

#include <lua.h>

#include "function_registry.h"
#include "strbuf.h"

#define FUNCTION_LOAD_TIMEOUT_MS 500

int function_engine_init(void);
void function_engine_shutdown(void);

lua_State *function_engine_vm(void);
/* The interpreter's size as Redis reports it (script_lua_reported_bytes). */
size_t function_engine_vm_bytes(void);
/* What the interpreter holds beyond its size once set up (script_lua_growth). */
size_t function_engine_vm_growth(void);

/* Creates the library `code` (shebang "#!lua name=<lib>" first) and links
 * it into `registry`; with `replace` an existing library of that name is
 * replaced, kept if anything fails.  Returns the new library, or NULL with
 * Redis's message (without the "ERR " code) appended to *error. */
function_library *function_engine_load(function_registry *registry, const char *code, size_t length, int replace,
                                       long long timeout_ms, strbuf *error);

/* Pushes a function's callback. */
void function_engine_push(const function_info *function);

#endif
