/* script_api: the `redis` table scripts see (call, pcall, acl_check_cmd, error_reply,
 * status_reply, sha1hex, log, setresp, set_repl, replicate_commands,
 * breakpoint, debug, the log levels, REPL_* and the version), with Redis
 * 7.0's arguments and error texts.  zkv has no replication and no script
 * debugger, so set_repl validates and changes nothing, breakpoint answers
 * false and debug does nothing, as they do in Redis outside a debug
 * session. */
#include <string.h>

#include <lauxlib.h>

#include "log.h"
#include "script_lua.h"
#include "script_run.h"
#include "script_sha1.h"
#include "server.h"
#include "strbuf.h"

#define REPL_AOF 1
#define REPL_REPLICA 2

/* Raises Redis's error table for `text` ("ERR text"). */
static int raise_error(lua_State *L, const char *text) {
    script_lua_push_error_table(L, text, strlen(text));
    return lua_error(L);
}

static int redis_call(lua_State *L) { return script_run_command(L, 1); }

static int redis_pcall(lua_State *L) { return script_run_command(L, 0); }

static int redis_acl_check_cmd(lua_State *L) { return script_run_acl_check(L); }

static int redis_sha1hex(lua_State *L) {
    if (lua_gettop(L) != 1) return raise_error(L, "wrong number of arguments");
    size_t length;
    const char *text = lua_tolstring(L, 1, &length);
    char digest[41];
    script_sha1_hex(digest, text ? text : "", text ? length : 0);
    lua_pushstring(L, digest);
    return 1;
}

static int redis_error_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        script_lua_push_error_table(L, "wrong number or type of arguments", 33);
        return 1;
    }
    size_t length;
    const char *text = lua_tolstring(L, 1, &length);
    if (length > 0 && text[0] == '-') {
        script_lua_push_error_table(L, text, length);
        return 1;
    }
    lua_pushliteral(L, "-");
    lua_pushvalue(L, 1);
    lua_concat(L, 2);
    text = lua_tolstring(L, -1, &length);
    script_lua_push_error_table(L, text, length);
    return 1;
}

static int redis_status_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        script_lua_push_error_table(L, "wrong number or type of arguments", 33);
        return 1;
    }
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "ok");
    return 1;
}

static int redis_log(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2) return raise_error(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, 1)) return raise_error(L, "First argument must be a number (log level).");
    int level = (int)lua_tonumber(L, 1);
    if (level < LOG_DEBUG || level > LOG_WARNING) return raise_error(L, "Invalid debug level.");
    if (level < server.config.log_level) return 0;
    strbuf line = STRBUF_INIT;
    for (int i = 2; i <= argc; i++) {
        size_t length;
        const char *text = lua_tolstring(L, i, &length);
        if (!text) continue;
        if (i != 2) strbuf_append_char(&line, ' ');
        strbuf_append(&line, text, length);
    }
    log_raw(level, line.data ? line.data : "");
    strbuf_free(&line);
    return 0;
}

static int redis_setresp(lua_State *L) {
    script_run *run = script_run_current();
    if (!run) return raise_error(L, "redis.setresp can only be called inside a script invocation");
    if (lua_gettop(L) != 1) return raise_error(L, "redis.setresp() requires one argument.");
    int resp = (int)lua_tonumber(L, 1);
    if (resp != 2 && resp != 3) return raise_error(L, "RESP version must be 2 or 3.");
    run->resp = resp;
    script_run_set_protocol(resp);
    return 0;
}

static int redis_set_repl(lua_State *L) {
    if (!script_run_current()) return raise_error(L, "redis.set_repl can only be called inside a script invocation");
    if (lua_gettop(L) != 1) return raise_error(L, "redis.set_repl() requires two arguments.");
    int flags = (int)lua_tonumber(L, 1);
    if (flags & ~(REPL_AOF | REPL_REPLICA))
        return raise_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    return 0;
}

static int redis_true(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

static int redis_false(lua_State *L) {
    lua_pushboolean(L, 0);
    return 1;
}

static int redis_nothing(lua_State *L) {
    (void)L;
    return 0;
}

static void set_function(lua_State *L, const char *name, lua_CFunction function) {
    lua_pushcfunction(L, function);
    lua_setfield(L, -2, name);
}

static void set_number(lua_State *L, const char *name, lua_Number value) {
    lua_pushnumber(L, value);
    lua_setfield(L, -2, name);
}

void script_api_register(lua_State *L) {
    set_function(L, "call", redis_call);
    set_function(L, "pcall", redis_pcall);
    set_function(L, "acl_check_cmd", redis_acl_check_cmd);
    set_function(L, "sha1hex", redis_sha1hex);
    set_function(L, "error_reply", redis_error_reply);
    set_function(L, "status_reply", redis_status_reply);
    set_function(L, "log", redis_log);
    set_function(L, "setresp", redis_setresp);
    set_function(L, "set_repl", redis_set_repl);
    set_function(L, "replicate_commands", redis_true);
    set_function(L, "breakpoint", redis_false);
    set_function(L, "debug", redis_nothing);
    set_number(L, "LOG_DEBUG", LOG_DEBUG);
    set_number(L, "LOG_VERBOSE", LOG_VERBOSE);
    set_number(L, "LOG_NOTICE", LOG_NOTICE);
    set_number(L, "LOG_WARNING", LOG_WARNING);
    set_number(L, "REPL_NONE", 0);
    set_number(L, "REPL_AOF", REPL_AOF);
    set_number(L, "REPL_SLAVE", REPL_REPLICA);
    set_number(L, "REPL_REPLICA", REPL_REPLICA);
    set_number(L, "REPL_ALL", REPL_AOF | REPL_REPLICA);
    lua_pushstring(L, ZKV_REDIS_COMPAT_VERSION);
    lua_setfield(L, -2, "REDIS_VERSION");
    set_number(L, "REDIS_VERSION_NUM", 0x07000f);
}
