/* function_engine: the functions interpreter, library loading and
 * redis.register_function (see function_engine.h). */
#include "function_engine.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "script_lua.h"
#include "script_run.h"
#include "server.h"
#include "zkv_assert.h"

static lua_State *vm;
static script_lua_memory vm_memory;
static char library_view_key; /* registry: what library code sees */
static char runtime_view_key; /* registry: what functions see */

/* The library being loaded (register_function adds to it), else NULL. */
static function_library *loading;
static uint64_t load_start_us;
static long long load_timeout_ms;

static void release_handle(int handle) {
    if (vm) luaL_unref(vm, LUA_REGISTRYINDEX, handle);
}

/* Points the globals proxy at the view stored under `key`. */
static void set_view(lua_State *L, void *key) {
    lua_getmetatable(L, LUA_GLOBALSINDEX);
    lua_pushlightuserdata(L, key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

/* ---- redis.register_function ---- */

static int raise(lua_State *L, const char *message) {
    script_lua_push_error_table(L, message, strlen(message));
    return lua_error(L);
}

/* Reads the flags table at the top; -1 on a flag Redis does not know. */
static int read_flags(lua_State *L, unsigned *flags) {
    *flags = 0;
    for (int i = 1;; i++) {
        lua_rawgeti(L, -1, i);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            return 0;
        }
        size_t length;
        const char *name = lua_isstring(L, -1) ? lua_tolstring(L, -1, &length) : NULL;
        char lower[32];
        unsigned bit = 0;
        if (name && length < sizeof(lower)) {
            for (size_t j = 0; j < length; j++) lower[j] = (char)tolower((unsigned char)name[j]);
            bit = script_flag_from_name(lower, length);
        }
        lua_pop(L, 1);
        if (!bit) return -1;
        *flags |= bit;
    }
}

/* Stack slots register_function keeps its findings in (slot 1 is its
 * first argument). */
enum { SLOT_CALLBACK = 2, SLOT_NAME, SLOT_DESCRIPTION, SLOT_COUNT = SLOT_DESCRIPTION };

/* register_function{function_name=, callback=, flags=, description=};
 * NULL, or the message to raise. */
static const char *read_named(lua_State *L, unsigned *flags) {
    if (!lua_istable(L, 1))
        return "calling redis.register_function with a single argument is only applicable to Lua table "
               "(representing named arguments).";
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        if (!lua_isstring(L, -2)) return "named argument key given to redis.register_function is not a string";
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        int slot = 0;
        if (!strcasecmp(key, "function_name")) {
            if (!lua_isstring(L, -1)) return "function_name argument given to redis.register_function must be a string";
            slot = SLOT_NAME;
        } else if (!strcasecmp(key, "description")) {
            if (!lua_isstring(L, -1)) return "description argument given to redis.register_function must be a string";
            slot = SLOT_DESCRIPTION;
        } else if (!strcasecmp(key, "callback")) {
            if (!lua_isfunction(L, -1)) return "callback argument given to redis.register_function must be a function";
            slot = SLOT_CALLBACK;
        } else if (!strcasecmp(key, "flags")) {
            if (!lua_istable(L, -1))
                return "flags argument to redis.register_function must be a table representing function flags";
            if (read_flags(L, flags) != 0) return "unknown flag given";
        } else {
            return "unknown argument given to redis.register_function";
        }
        if (slot) lua_replace(L, slot);
        else lua_pop(L, 1);
    }
    if (lua_isnil(L, SLOT_NAME)) return "redis.register_function must get a function name argument";
    if (lua_isnil(L, SLOT_CALLBACK)) return "redis.register_function must get a callback argument";
    return NULL;
}

static int register_function(lua_State *L) {
    if (!loading) return raise(L, "redis.register_function can only be called on FUNCTION LOAD command");
    int argc = lua_gettop(L);
    if (argc < 1 || argc > 2) return raise(L, "wrong number of arguments to redis.register_function");
    unsigned flags = 0;
    if (argc == 1) {
        lua_settop(L, SLOT_COUNT);
        const char *problem = read_named(L, &flags);
        if (problem) return raise(L, problem);
    } else {
        /* The positional form already has the callback in its slot. */
        if (!lua_isstring(L, 1)) return raise(L, "first argument to redis.register_function must be a string");
        if (!lua_isfunction(L, 2)) return raise(L, "second argument to redis.register_function must be a function");
        lua_pushvalue(L, 1);
        lua_pushnil(L);
    }
    size_t name_length, description_length = 0;
    const char *name = lua_tolstring(L, SLOT_NAME, &name_length);
    const char *description =
        lua_isnil(L, SLOT_DESCRIPTION) ? NULL : lua_tolstring(L, SLOT_DESCRIPTION, &description_length);
    lua_pushvalue(L, SLOT_CALLBACK);
    int handle = luaL_ref(L, LUA_REGISTRYINDEX);
    const char *error;
    if (function_library_add(loading, name, name_length, description, description_length, flags, handle, &error) != 0)
        return raise(L, error);
    return 0;
}

/* ---- The interpreter ---- */

/* The table library code sees as `redis`: register_function and the few
 * harmless members of the full API. */
static void push_library_redis(lua_State *L) {
    static const char *const kept[] = {"log",         "LOG_DEBUG",     "LOG_VERBOSE",       "LOG_NOTICE",
                                       "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM", NULL};
    lua_newtable(L);
    int redis = lua_gettop(L);
    lua_newtable(L);
    script_api_register(L);
    for (int i = 0; kept[i]; i++) {
        lua_getfield(L, -1, kept[i]);
        lua_setfield(L, redis, kept[i]);
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, register_function);
    lua_setfield(L, redis, "register_function");
    script_lua_set_strict(L, redis);
    script_lua_push_readonly(L, redis);
    lua_remove(L, redis);
}

int function_engine_init(void) {
    vm = script_lua_open(&vm_memory);
    if (!vm) return -1;
    lua_State *L = vm;
    lua_newtable(L);
    script_api_register(L);
    lua_setglobal(L, "redis");
    script_lua_lock(L);
    /* The runtime view is what the lock made the globals read through. */
    lua_pushlightuserdata(L, &runtime_view_key);
    lua_getmetatable(L, LUA_GLOBALSINDEX);
    lua_getfield(L, -1, "__index");
    lua_remove(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
    lua_pushlightuserdata(L, &library_view_key);
    lua_newtable(L);
    push_library_redis(L);
    lua_setfield(L, -2, "redis");
    script_lua_set_strict(L, -1);
    lua_rawset(L, LUA_REGISTRYINDEX);
    function_registry_init(release_handle);
    function_registry_swap(function_registry_create());
    script_lua_settle(L, &vm_memory);
    return 0;
}

void function_engine_shutdown(void) {
    function_registry_free(function_registry_swap(NULL));
    if (vm) lua_close(vm);
    vm = NULL;
}

lua_State *function_engine_vm(void) { return vm; }
size_t function_engine_vm_bytes(void) { return vm ? script_lua_reported_bytes(vm) : 0; }
size_t function_engine_vm_growth(void) { return script_lua_growth(&vm_memory); }

void function_engine_push(const function_info *function) {
    lua_rawgeti(vm, LUA_REGISTRYINDEX, function->handle);
    zkv_assert(lua_isfunction(vm, -1));
}

/* ---- Loading ---- */

/* One word of the shebang line, split as Redis's argument splitter does
 * (quotes group, backslash escapes inside double quotes).  Returns the
 * position after it, or NULL on unbalanced quotes; *out gets the word. */
static const char *next_word(const char *at, const char *end, strbuf *out) {
    strbuf_clear(out);
    char quote = 0;
    while (at < end) {
        char c = *at;
        if (!quote) {
            if (isspace((unsigned char)c)) break;
            if (c == '"' || c == '\'') quote = c;
            else strbuf_append_char(out, c);
            at++;
            continue;
        }
        if (c == '\\' && at + 1 < end && (quote == '"' || at[1] == '\'')) {
            char escaped = at[1];
            if (quote == '"') {
                if (escaped == 'x' && at + 3 < end && isxdigit((unsigned char)at[2]) &&
                    isxdigit((unsigned char)at[3])) {
                    char hex[3] = {at[2], at[3], 0};
                    strbuf_append_char(out, (char)strtol(hex, NULL, 16));
                    at += 4;
                    continue;
                }
                escaped = escaped == 'n' ? '\n' : escaped == 'r' ? '\r' : escaped == 't' ? '\t'
                        : escaped == 'b' ? '\b' : escaped == 'a' ? '\a' : escaped;
            }
            strbuf_append_char(out, escaped);
            at += 2;
            continue;
        }
        if (c == quote) {
            /* A closing quote must end the word. */
            if (at + 1 < end && !isspace((unsigned char)at[1])) return NULL;
            quote = 0;
            at++;
            break;
        }
        strbuf_append_char(out, c);
        at++;
    }
    return quote ? NULL : at;
}

/* Parses the shebang: *name (a new strbuf the caller frees) and *body, the
 * code after the first line (its newline kept, so line numbers match). */
static int read_metadata(const char *code, size_t length, strbuf *name, size_t *body, strbuf *error) {
    if (length < 2 || code[0] != '#' || code[1] != '!') {
        strbuf_append_cstring(error, "Missing library metadata");
        return -1;
    }
    const char *newline = memchr(code, '\n', length);
    if (!newline) {
        strbuf_append_cstring(error, "Invalid library metadata");
        return -1;
    }
    strbuf word = STRBUF_INIT, engine = STRBUF_INIT;
    const char *at = code, *end = newline;
    int words = 0, named = 0, failed = 0;
    while (!failed) {
        while (at < end && isspace((unsigned char)*at)) at++;
        if (at == end) break;
        at = next_word(at, end, &word);
        if (!at) {
            strbuf_clear(error);
            strbuf_append_cstring(error, "Invalid library metadata");
            failed = 1;
            break;
        }
        if (words++ == 0) {
            strbuf_append(&engine, word.data + 2, word.length - 2); /* the word starts with "#!" */
            continue;
        }
        if (word.length >= 5 && !strncasecmp(word.data, "name=", 5)) {
            if (named) {
                strbuf_append_cstring(error, "Invalid metadata value, name argument was given multiple times");
                failed = 1;
                break;
            }
            named = 1;
            strbuf_append(name, word.data + 5, word.length - 5);
            continue;
        }
        strbuf_append_cstring(error, "Invalid metadata value given: ");
        strbuf_append(error, word.data, word.length);
        failed = 1;
    }
    if (!failed && !named) {
        strbuf_append_cstring(error, "Library name was not given");
        failed = 1;
    }
    if (!failed) {
        int valid = name->length > 0;
        for (size_t i = 0; i < name->length; i++)
            if (!isalnum((unsigned char)name->data[i]) && name->data[i] != '_') valid = 0;
        if (!valid) {
            strbuf_append_cstring(error, "Library names can only contain letters, numbers, or underscores(_) and "
                                         "must be at least one character long");
            failed = 1;
        } else if (engine.length != 3 || strncasecmp(engine.data, "lua", 3) != 0) {
            strbuf_append_cstring(error, "Engine '");
            strbuf_append(error, engine.data, engine.length);
            strbuf_append_cstring(error, "' not found");
            failed = 1;
        }
    }
    strbuf_free(&word);
    strbuf_free(&engine);
    *body = (size_t)(newline - code);
    return failed ? -1 : 0;
}

static int load_timed_out(void) {
    return load_timeout_ms > 0 && (long long)(server_monotonic_us() - load_start_us) / 1000 > load_timeout_ms;
}

/* Runs the library's code so it registers its functions; 0 or -1 with
 * the message appended to *error. */
static int run_library(function_library *library, const char *body, size_t length, long long timeout_ms,
                       strbuf *error) {
    lua_State *L = vm;
    if (script_lua_load(L, body, length, "@user_function") != 0) {
        strbuf_printf(error, "Error compiling function: %s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    loading = library;
    load_start_us = server_monotonic_us();
    load_timeout_ms = timeout_ms;
    set_view(L, &library_view_key);
    script_lua_set_hook(L, load_timed_out, "FUNCTION LOAD timeout");
    int failed = lua_pcall(L, 0, 0, 0);
    script_lua_clear_hook(L);
    set_view(L, &runtime_view_key);
    loading = NULL;
    if (!failed) return 0;
    strbuf_append_cstring(error, "Error registering functions: ");
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        strbuf_append_cstring(error, lua_isstring(L, -1) ? lua_tostring(L, -1) : "ERR unknown error");
        lua_pop(L, 1);
    } else {
        strbuf_append_cstring(error, "ERR ");
        strbuf_append_cstring(error, lua_isstring(L, -1) ? lua_tostring(L, -1) : "unknown error");
    }
    lua_pop(L, 1);
    return -1;
}

function_library *function_engine_load(function_registry *registry, const char *code, size_t length, int replace,
                                       long long timeout_ms, strbuf *error) {
    zkv_assert(loading == NULL);
    strbuf name = STRBUF_INIT;
    size_t body;
    if (read_metadata(code, length, &name, &body, error) != 0) {
        strbuf_free(&name);
        return NULL;
    }
    function_library *old = function_registry_library(registry, name.data, name.length);
    if (old && !replace) {
        strbuf_printf(error, "Library '%s' already exists", old->name);
        strbuf_free(&name);
        return NULL;
    }
    if (old) function_registry_unlink(registry, old);
    function_library *library = function_library_create(name.data, name.length, code, length);
    strbuf_free(&name);
    function_info *clash = NULL;
    int failed = run_library(library, code + body, length - body, timeout_ms, error);
    if (!failed && library->function_count == 0) {
        strbuf_append_cstring(error, "No functions registered");
        failed = 1;
    }
    if (!failed && (clash = function_registry_collision(registry, library)) != NULL) {
        strbuf_printf(error, "Function %s already exists", clash->name);
        failed = 1;
    }
    if (failed) {
        function_library_free(library);
        if (old) function_registry_link(registry, old);
        return NULL;
    }
    function_registry_link(registry, library);
    function_library_free(old);
    return library;
}
