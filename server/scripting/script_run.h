/* script_run: one script invocation (EVAL or FCALL) from start to reply.
 *
 * A run owns nothing: it ties the calling client, the interpreter and the
 * shared script client (a socketless CLIENT_FAKE client whose replies
 * script_convert parses back) together while the script executes, and
 * holds the rules Redis 7.0 applies to it: read-only runs (EVAL_RO,
 * FCALL_RO, no-writes), allow-oom, whether the script already wrote (after
 * which neither OOM nor SCRIPT KILL may stop it), and the busy state.  In
 * cluster mode every key a script touches must be served here, and, unless
 * the script has no shebang or declares allow-cross-slot-keys, hash to the
 * slot of its declared keys (or of the first key it touched).
 *
 * Busy scripts.  Every SCRIPT_LUA_HOOK_STEPS instructions the interrupt hook
 * looks at the clock; past busy-reply-threshold the run is "timed out": the
 * hook then serves the other clients (networking_serve_while_busy: their
 * commands get -BUSY except the few flagged allow-busy, SCRIPT KILL,
 * FUNCTION KILL and SHUTDOWN NOSAVE among them) and aborts the script once
 * it was killed or a shutdown was requested.  Only one run exists at a time.
 */
#ifndef ZKV_SCRIPT_RUN_H
#define ZKV_SCRIPT_RUN_H

#include <stdint.h>

#include <lua.h>

#include "client.h"

/* Script flags (shebang `#!lua flags=...` or register_function). */
enum script_flag {
    SCRIPT_FLAG_NO_WRITES = 1u << 0,
    SCRIPT_FLAG_ALLOW_OOM = 1u << 1,
    SCRIPT_FLAG_ALLOW_STALE = 1u << 2,
    SCRIPT_FLAG_NO_CLUSTER = 1u << 3,
    SCRIPT_FLAG_EVAL_COMPAT = 1u << 4, /* an EVAL script without shebang */
    SCRIPT_FLAG_ALLOW_CROSS_SLOT = 1u << 5,
};
/* Parses one flag name ("no-writes"); 0 if unknown. */
unsigned script_flag_from_name(const char *name, size_t length);
/* Calls `visit` with the name of each flag set (FUNCTION LIST). */
void script_flags_foreach(unsigned flags, void (*visit)(const char *name, void *context), void *context);

typedef struct script_run {
    client *caller;
    lua_State *L;
    const char *name;   /* sha1 or function name, for errors */
    unsigned state;     /* RUN_* bits, script_run.c */
    uint64_t start_us;
    int resp;           /* protocol selected with redis.setresp */
    int eval;           /* EVAL family (1) or FCALL (0): which KILL/BUSY text */
    int slot;           /* cluster mode: the slot its keys hash to so far, -1 before the first */
} script_run;

/* busy-reply-threshold (alias lua-time-limit), milliseconds; 0: never busy. */
extern long long script_busy_reply_threshold_ms;

/* The script client, created at module init. */
int script_run_init(void);
void script_run_shutdown(void);

/* Checks the flags against the server state as Redis does before a run
 * (no-cluster, *_RO with a writing script, OOM without allow-oom) and makes
 * `run` the current one; -1 after answering the caller with the refusal. */
int script_run_begin(script_run *run, client *caller, lua_State *L, const char *name, unsigned flags,
                     int read_only_command, int eval);
/* Calls the function below `nargs` arguments on L's stack (with the error
 * handler below it, which it removes) and answers the caller with the
 * result or the error, as "-CODE msg script: NAME, on SOURCE:LINE.". */
void script_run_execute(script_run *run, int nargs);
void script_run_end(script_run *run);

/* redis.setresp: the protocol of the script client's replies. */
void script_run_set_protocol(int resp);
/* The run in progress, or NULL. */
script_run *script_run_current(void);
/* SCRIPT KILL (eval = 1) and FUNCTION KILL (eval = 0). */
void script_run_kill(client *c, int eval);

/* Registers redis.call, pcall, error_reply, status_reply, sha1hex, log,
 * setresp, set_repl, replicate_commands, breakpoint, debug and the
 * constants into the table on top of L. */
void script_api_register(lua_State *L);
/* redis.call / redis.pcall on the current run: the script_api helpers. */
int script_run_command(lua_State *L, int raise_error);
/* redis.acl_check_cmd(command, args...): may the caller's user run it?
 * true/false, nothing logged; an unknown command raises. */
int script_run_acl_check(lua_State *L);

#endif
