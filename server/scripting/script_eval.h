/* script_eval: the EVAL interpreter and its script cache.
 *
 * EVAL scripts share one interpreter.  A script is compiled once, the first
 * time EVAL or SCRIPT LOAD sees its body, and kept in the interpreter's
 * registry under its SHA-1 with its shebang flags; EVALSHA finds it there.
 * The cache only grows until SCRIPT FLUSH, which, as in Redis, throws the
 * whole interpreter away (ASYNC: closed by a background thread, so a cache
 * of millions of scripts does not stall the loop) and starts a fresh one.
 * The count and the bytes of script bodies are kept for INFO and for
 * MEMORY DOCTOR's "many scripts" warning.
 */
#ifndef ZKV_SCRIPT_EVAL_H
#define ZKV_SCRIPT_EVAL_H

#include <stddef.h>

#include <lua.h>

#include "client.h"

int script_eval_init(void);
void script_eval_shutdown(void);

/* Compiles and caches `body` unless cached; writes its sha1 into `sha`.
 * 0, or -1 after answering c with Redis's error (bad shebang, compile
 * error). */
int script_eval_create(client *c, const char *body, size_t length, char sha[41]);
/* Pushes the cached function for `sha` (40 hex digits, any case) and sets
 * *flags; 0, or -1 (nothing pushed) if not cached. */
int script_eval_push(const char *sha, size_t length, unsigned *flags);
int script_eval_exists(const char *sha, size_t length);
/* The cached script's flags; 0, or -1 if not cached. */
int script_eval_flags(const char *sha, size_t length, unsigned *flags);
/* Drops every cached script (a new interpreter). */
void script_eval_flush(int async);

lua_State *script_eval_vm(void);
long long script_eval_count(void);
size_t script_eval_body_bytes(void);
/* The interpreter's size as Redis reports it (script_lua_reported_bytes). */
size_t script_eval_vm_bytes(void);
/* What the interpreter holds beyond its size once set up (script_lua_growth). */
size_t script_eval_vm_growth(void);
/* Bytes of flushed interpreters a background thread is still closing
 * (SCRIPT FLUSH ASYNC); readable from any thread. */
size_t script_eval_closing_bytes(void);

/* Parses a "#!lua flags=a,b" first line: *flags (SCRIPT_FLAG_EVAL_COMPAT
 * when there is no shebang) and *skip, the bytes before the first line's
 * newline; 0, or -1 with Redis's message (static) in *error. */
int script_eval_shebang(const char *body, size_t length, unsigned *flags, size_t *skip, char *error,
                        size_t error_size);

#endif
