/* script_lua: one sandboxed Lua 5.1 interpreter (Debian's liblua5.1).
 *
 * EVAL scripts share one interpreter and function libraries another; both
 * are built here the same way: every byte the VM allocates goes through
 * zmalloc (a lua_Alloc that also keeps the VM's share of used_memory),
 * the libraries Redis scripts may use are loaded (base without dofile,
 * loadfile, print and the deprecated setfenv/getfenv/newproxy; string,
 * table, math, cjson, bit, struct, cmsgpack), and math.random becomes a
 * 48-bit linear congruential generator that randomseed makes repeatable.
 *
 * The sandbox.  Redis 7.0.15 patches its bundled Lua with read-only tables;
 * Debian's Lua has none, so read-only is emulated with proxies: once the
 * globals are complete, script_lua_lock replaces the global table and every
 * table it holds by an empty proxy whose metatable reads through to the real
 * table (`__index`) and refuses writes (`__newindex`).  The few base functions
 * that bypass metatables (rawset, rawget, next, pairs, ipairs, setmetatable,
 * getmetatable) are wrapped so they see through proxies and refuse to write.
 * A read of a missing global raises Redis's "Script attempted to access
 * nonexistent global variable" error.  The cost is one extra table lookup
 * per global access; the trade-off against patching Lua is keeping Debian's
 * maintained interpreter.  `#` and unpack on a protected library table see
 * the empty proxy (no script needs either).
 *
 * Errors raised while a script runs are turned into Redis's error table
 * {err=, source=, line=} by the handler script_lua_push_error_handler
 * pushes, exactly as Redis's __redis__err__handler does.
 */
#ifndef ZKV_SCRIPT_LUA_H
#define ZKV_SCRIPT_LUA_H

#include <stddef.h>

#include <lua.h>

/* One interpreter's share of used_memory, kept by its allocator: its
 * blocks as zmalloc counts them (the allocator's rounding included, which
 * Lua's own count leaves out), and that share once the interpreter was set
 * up (script_lua_settle).  What it holds beyond that is what scripts made
 * of it, which eviction does not count (core/script_memory.h).  Written by
 * the thread running or closing the interpreter. */
typedef struct script_lua_memory {
    size_t held;
    size_t settled;
} script_lua_memory;

/* A new interpreter with the libraries loaded and globals still writable;
 * its allocations are counted in *memory, which must outlive it.  NULL when
 * memory is short. */
lua_State *script_lua_open(script_lua_memory *memory);
/* Collects the garbage of the set-up and records what the interpreter
 * holds as its settled share.  Call once the engine has finished setting
 * it up. */
void script_lua_settle(lua_State *L, script_lua_memory *memory);
/* Bytes held beyond the settled share (0 when under it). */
size_t script_lua_growth(const script_lua_memory *memory);
/* The interpreter's size as Redis reports it (used_memory_vm_eval,
 * used_memory_vm_functions): Lua's own count, in whole kilobytes. */
size_t script_lua_reported_bytes(lua_State *L);
/* Makes the global table and the tables it holds read-only (see above).
 * Call once, after the engine registered its globals. */
void script_lua_lock(lua_State *L);
/* Pushes a read-only proxy of the table at `index` (writes raise "Attempt
 * to modify a readonly table"). */
void script_lua_push_readonly(lua_State *L, int index);
/* Gives the table at `index` a metatable on which a missing key raises
 * "Script attempted to access nonexistent global variable". */
void script_lua_set_strict(lua_State *L, int index);
/* Sets a global although the globals are locked (KEYS and ARGV). Pops the
 * value. */
void script_lua_set_global(lua_State *L, const char *name);
/* Pushes the error handler to pass to lua_pcall. */
void script_lua_push_error_handler(lua_State *L);
/* Compiles `code` as chunk `name` (e.g. "@user_script") and pushes the
 * function; binary chunks are refused.  0, or -1 with the message pushed. */
int script_lua_load(lua_State *L, const char *code, size_t length, const char *name);
/* Turns the value on top (an error table, a string, anything) into the
 * "CODE message" text Redis prints; *source and *line are set when the
 * table carries them (else NULL / -1) and *no_stats when the error was
 * already counted by the command that produced it.  Leaves the stack as it
 * was; the strings stay valid while the value does. */
const char *script_lua_error_text(lua_State *L, const char **source, long *line, int *no_stats);
/* Pushes Redis's error table {err = "CODE message"} for `text` ("-CODE msg"
 * or "msg", which gets the ERR code), as redis.pcall returns errors. */
void script_lua_push_error_table(lua_State *L, const char *text, size_t length);
/* Interrupt hook of a running script: called every SCRIPT_LUA_HOOK_STEPS
 * instructions; returns nonzero to abort the script with `message`. */
#define SCRIPT_LUA_HOOK_STEPS 100000
void script_lua_set_hook(lua_State *L, int (*check)(void), const char *message);
void script_lua_clear_hook(lua_State *L);

#endif
