/* script_lua: interpreter set-up, allocator and sandbox (see script_lua.h). */
#include "script_lua.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include <lua-bitop.h>
#include <lua-cjson.h>

#include "script_libraries.h"
#include "zmalloc.h"

/* Registry keys (addresses of these statics are unique light userdata). */
static char proxies_key;    /* weak table: proxy -> real table */
static char public_mt_key;  /* weak table: proxy -> what getmetatable shows */
static char real_globals_key;
static char tostring_key;

/* ---- Allocator ---- */

/* The share is measured, not computed from the sizes Lua passes: the
 * thread's zmalloc counter moves by exactly what the call counted. */
static void *allocate(void *context, void *block, size_t old_size, size_t new_size) {
    (void)old_size;
    script_lua_memory *memory = context;
    size_t before = zmalloc_thread_counted();
    void *result = NULL;
    if (new_size == 0)
        zmalloc_free(block); /* block may be NULL */
    else
        result = zmalloc_try_realloc(block, new_size); /* NULL: Lua raises "not enough memory", keeps block */
    memory->held += zmalloc_thread_counted() - before;
    return result;
}

void script_lua_settle(lua_State *L, script_lua_memory *memory) {
    lua_gc(L, LUA_GCCOLLECT, 0);
    memory->settled = memory->held;
}

size_t script_lua_growth(const script_lua_memory *memory) {
    return memory->held > memory->settled ? memory->held - memory->settled : 0;
}

size_t script_lua_reported_bytes(lua_State *L) {
    return (size_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024;
}

/* ---- math.random: a 48-bit linear congruential generator ---- */

static uint64_t random_state = 0x1234ABCD330EULL;

static int32_t random_next(void) {
    random_state = (0x5DEECE66DULL * random_state + 0xB) & ((1ULL << 48) - 1);
    return (int32_t)(random_state >> 17);
}

static int math_random(lua_State *L) {
    double r = (double)(random_next() % INT32_MAX) / (double)INT32_MAX;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        return 1;
    case 1: {
        int upper = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= upper, 1, "interval is empty");
        lua_pushnumber(L, floor(r * upper) + 1);
        return 1;
    }
    case 2: {
        int lower = luaL_checkint(L, 1), upper = luaL_checkint(L, 2);
        luaL_argcheck(L, lower <= upper, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (upper - lower + 1)) + lower);
        return 1;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
}

static int math_randomseed(lua_State *L) {
    uint32_t seed = (uint32_t)luaL_checkint(L, 1);
    random_state = ((uint64_t)seed << 16) | 0x330E;
    return 0;
}

/* ---- Read-only proxies ---- */

static int readonly_error(lua_State *L) { return luaL_error(L, "Attempt to modify a readonly table"); }

/* A C error without position, as Lua's own table code raises it. */
static int readonly_error_plain(lua_State *L) {
    lua_pushliteral(L, "Attempt to modify a readonly table");
    return lua_error(L);
}

static int missing_global(lua_State *L) {
    const char *name = lua_tostring(L, 2);
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name ? name : "?");
}

/* Replaces the value at `index` (a proxy) by its real table; others stay. */
static void unwrap(lua_State *L, int index) {
    if (lua_type(L, index) != LUA_TTABLE) return;
    lua_pushlightuserdata(L, &proxies_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, index);
    lua_rawget(L, -2);
    if (lua_istable(L, -1)) lua_replace(L, index);
    else lua_pop(L, 1);
    lua_pop(L, 1);
}

static int is_proxy(lua_State *L, int index) {
    if (lua_type(L, index) != LUA_TTABLE) return 0;
    lua_pushlightuserdata(L, &proxies_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, index);
    lua_rawget(L, -2);
    int found = !lua_isnil(L, -1);
    lua_pop(L, 2);
    return found;
}

static int safe_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (is_proxy(L, 1)) return readonly_error_plain(L);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

static int safe_rawget(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    lua_settop(L, 2);
    unwrap(L, 1);
    lua_rawget(L, 1);
    return 1;
}

static int safe_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    unwrap(L, 1);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

static int safe_pairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushcfunction(L, safe_next);
    lua_pushvalue(L, 1);
    unwrap(L, -1);
    lua_pushnil(L);
    return 3;
}

static int ipairs_step(lua_State *L) {
    int i = luaL_checkint(L, 2) + 1;
    lua_pushinteger(L, i);
    lua_rawgeti(L, 1, i);
    return lua_isnil(L, -1) ? 0 : 2;
}

static int safe_ipairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushcfunction(L, ipairs_step);
    lua_pushvalue(L, 1);
    unwrap(L, -1);
    lua_pushinteger(L, 0);
    return 3;
}

/* unpack without Lua 5.1.5's overflow: the element count is computed
 * unsigned, so unpack(t, -2, 2^31-1) raises instead of walking off the
 * stack (Redis patches its Lua the same way).  Proxies unpack their table. */
static int safe_unpack(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    unwrap(L, 1);
    int first = luaL_optint(L, 2, 1);
    int last = lua_isnoneornil(L, 3) ? (int)lua_objlen(L, 1) : luaL_checkint(L, 3);
    if (first > last) return 0;
    unsigned int count = (unsigned int)last - (unsigned int)first;
    if (count >= INT_MAX || !lua_checkstack(L, (int)++count)) return luaL_error(L, "too many results to unpack");
    for (unsigned int i = 0; i < count; i++) lua_rawgeti(L, 1, (int)((unsigned int)first + i));
    return (int)count;
}

static int safe_setmetatable(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (is_proxy(L, 1)) return readonly_error_plain(L);
    int t = lua_type(L, 2);
    luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
    if (luaL_getmetafield(L, 1, "__metatable")) luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int safe_getmetatable(lua_State *L) {
    luaL_checkany(L, 1);
    if (is_proxy(L, 1)) {
        lua_pushlightuserdata(L, &public_mt_key);
        lua_rawget(L, LUA_REGISTRYINDEX);
        lua_pushvalue(L, 1);
        lua_rawget(L, -2);
        return 1;
    }
    if (!lua_getmetatable(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    luaL_getmetafield(L, 1, "__metatable");
    return 1;
}

/* Pushes a read-only proxy of the table at `index`; `shown` (an index, or
 * 0 for nil) is what getmetatable answers for it. */
static void push_proxy(lua_State *L, int index, int shown) {
    index = index < 0 ? lua_gettop(L) + index + 1 : index;
    lua_newtable(L); /* the proxy */
    lua_newtable(L); /* its metatable */
    lua_pushvalue(L, index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_error);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
    lua_pushlightuserdata(L, &proxies_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, index);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_pushlightuserdata(L, &public_mt_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, -2);
    if (shown) lua_pushvalue(L, shown);
    else lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

static void new_weak_registry_table(lua_State *L, void *key) {
    lua_pushlightuserdata(L, key);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

void script_lua_lock(lua_State *L) {
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    int real = lua_gettop(L);
    /* Every table-valued global becomes a proxy of itself. */
    lua_pushnil(L);
    while (lua_next(L, real)) {
        if (lua_istable(L, -1) && !lua_rawequal(L, -1, real)) {
            push_proxy(L, -1, 0);
            lua_pushvalue(L, -3);
            lua_insert(L, -2);
            lua_rawset(L, real); /* replacing a value during lua_next is allowed */
        }
        lua_pop(L, 1);
    }
    /* Missing globals raise; the metatable scripts see is read-only too. */
    lua_newtable(L);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    int real_metatable = lua_gettop(L);
    lua_pushvalue(L, real_metatable);
    lua_setmetatable(L, real);
    push_proxy(L, real_metatable, 0);
    int shown_metatable = lua_gettop(L);
    push_proxy(L, real, shown_metatable);
    lua_pushvalue(L, -1);
    lua_setfield(L, real, "_G");
    /* The string metatable: getmetatable('') answers a read-only view. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        int string_metatable = lua_gettop(L);
        lua_getfield(L, real, "string"); /* methods resolve through the proxy scripts compare with */
        lua_setfield(L, string_metatable, "__index");
        push_proxy(L, string_metatable, 0);
        lua_setfield(L, string_metatable, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, &real_globals_key);
    lua_pushvalue(L, real);
    lua_rawset(L, LUA_REGISTRYINDEX);
    /* The proxy becomes the global table of everything compiled from now. */
    lua_replace(L, LUA_GLOBALSINDEX);
    lua_settop(L, real - 1);
}

void script_lua_push_readonly(lua_State *L, int index) { push_proxy(L, index, 0); }

void script_lua_set_strict(lua_State *L, int index) {
    index = index < 0 ? lua_gettop(L) + index + 1 : index;
    lua_newtable(L);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, index);
}

void script_lua_set_global(lua_State *L, const char *name) {
    lua_pushlightuserdata(L, &real_globals_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_insert(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* pcall as Redis 7.0 has it: an error table caught gives its `err` string,
 * so scripts written when errors were strings keep working. */
static int compatible_pcall(lua_State *L) {
    luaL_checkany(L, 1);
    if (lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0) == 0) {
        lua_pushboolean(L, 1);
        lua_insert(L, 1);
        return lua_gettop(L);
    }
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        if (lua_isstring(L, -1)) lua_replace(L, -2);
        else lua_pop(L, 1);
    }
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
}

/* ---- bit.tohex ---- */

/* A number as Lua BitOp reads it: the low 32 bits of its value rounded to
 * an integer (adding 2^52 + 2^51 puts them in the mantissa's low word). */
static uint32_t bit_argument(lua_State *L, int index) {
    union {
        lua_Number number;
        uint64_t bits;
    } value;
    value.number = luaL_checknumber(L, index) + 6755399441055744.0;
    return (uint32_t)value.bits;
}

/* Debian's bit.tohex negates its digit count, so -2^31 overflows and
 * writes past its buffer; Redis patches that case to mean 8 upper-case
 * digits, as here. */
static int safe_bit_tohex(lua_State *L) {
    uint32_t bits = bit_argument(L, 1);
    int32_t count = lua_isnone(L, 2) ? 8 : (int32_t)bit_argument(L, 2);
    const char *digits = "0123456789abcdef";
    if (count < 0) {
        count = count == INT32_MIN ? INT32_MAX : -count;
        digits = "0123456789ABCDEF";
    }
    if (count > 8) count = 8;
    char text[8];
    for (int i = count - 1; i >= 0; i--) {
        text[i] = digits[bits & 15];
        bits >>= 4;
    }
    lua_pushlstring(L, text, (size_t)count);
    return 1;
}

/* ---- Loading ---- */

/* loadstring without binary chunks (compiled bytecode bypasses the
 * verifier Lua 5.1 does not have): it answers nil and a message. */
static int safe_loadstring(lua_State *L) {
    size_t length;
    const char *code = luaL_checklstring(L, 1, &length);
    const char *name = luaL_optstring(L, 2, code);
    if (length > 0 && code[0] == LUA_SIGNATURE[0]) {
        lua_pushnil(L);
        lua_pushliteral(L, "binary chunks are not allowed");
        return 2;
    }
    if (luaL_loadbuffer(L, code, length, name) == 0) return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

int script_lua_load(lua_State *L, const char *code, size_t length, const char *name) {
    if (length > 0 && code[0] == LUA_SIGNATURE[0]) {
        lua_pushfstring(L, "%s: binary chunks are not allowed", name[0] == '@' ? name + 1 : name);
        return -1;
    }
    return luaL_loadbuffer(L, code, length, name) == 0 ? 0 : -1;
}

/* ---- Errors ---- */

void script_lua_push_error_table(lua_State *L, const char *text, size_t length) {
    const char *code = "ERR", *message = text;
    size_t code_length = 3, message_length = length;
    if (length > 0 && text[0] == '-') {
        const char *space = memchr(text, ' ', length);
        if (space) {
            code = text + 1;
            code_length = (size_t)(space - text - 1);
            message = space + 1;
            message_length = length - (size_t)(message - text);
        } else {
            message = text + 1;
            message_length = length - 1;
        }
    }
    while (message_length > 0 && (message[message_length - 1] == '\r' || message[message_length - 1] == '\n'))
        message_length--;
    lua_newtable(L);
    luaL_Buffer buffer;
    luaL_buffinit(L, &buffer);
    luaL_addlstring(&buffer, code, code_length);
    luaL_addchar(&buffer, ' ');
    luaL_addlstring(&buffer, message, message_length);
    luaL_pushresult(&buffer);
    lua_setfield(L, -2, "err");
}

/* The handler: Redis's error table, with the position of the Lua code that
 * raised (or called the C function that raised). */
static int error_handler(lua_State *L) {
    lua_Debug where;
    int have = lua_getstack(L, 1, &where) && lua_getinfo(L, "Sl", &where);
    if (have && !strcmp(where.what, "C")) have = lua_getstack(L, 2, &where) && lua_getinfo(L, "Sl", &where);
    if (!lua_istable(L, 1)) {
        lua_pushlightuserdata(L, &tostring_key);
        lua_rawget(L, LUA_REGISTRYINDEX);
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        lua_newtable(L);
        lua_pushliteral(L, "ERR ");
        lua_pushvalue(L, -3);
        lua_concat(L, 2);
        lua_setfield(L, -2, "err");
        lua_replace(L, 1);
        lua_settop(L, 1);
    }
    if (have) {
        lua_pushstring(L, where.source);
        lua_setfield(L, 1, "source");
        lua_pushinteger(L, where.currentline);
        lua_setfield(L, 1, "line");
    }
    return 1;
}

void script_lua_push_error_handler(lua_State *L) { lua_pushcfunction(L, error_handler); }

const char *script_lua_error_text(lua_State *L, const char **source, long *line, int *no_stats) {
    *source = NULL;
    *line = -1;
    *no_stats = 0;
    if (!lua_istable(L, -1)) return lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
    lua_getfield(L, -1, "err");
    const char *text = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL;
    lua_pop(L, 1); /* the table keeps the string alive */
    lua_getfield(L, -1, "source");
    if (lua_isstring(L, -1)) *source = lua_tostring(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, "line");
    if (lua_isnumber(L, -1)) *line = (long)lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, "ignore_error_stats_update");
    *no_stats = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return text;
}

/* ---- Interrupt hook ---- */

static int (*hook_check)(void);
static const char *hook_message;

static void interrupt_hook(lua_State *L, lua_Debug *debug) {
    (void)debug;
    if (!hook_check || !hook_check()) return;
    /* From now on every line raises, so a pcall cannot swallow the abort. */
    lua_sethook(L, interrupt_hook, LUA_MASKLINE, 0);
    script_lua_push_error_table(L, hook_message, strlen(hook_message));
    lua_error(L);
}

void script_lua_set_hook(lua_State *L, int (*check)(void), const char *message) {
    hook_check = check;
    hook_message = message;
    lua_sethook(L, interrupt_hook, LUA_MASKCOUNT, SCRIPT_LUA_HOOK_STEPS);
}

void script_lua_clear_hook(lua_State *L) {
    lua_sethook(L, NULL, 0, 0);
    hook_check = NULL;
}

/* ---- Opening ---- */

/* Opens a library; those that only return their table (Debian's cjson)
 * become the global `name` too. */
static void open_library(lua_State *L, const char *name, lua_CFunction open) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (name[0] && lua_istable(L, -1)) lua_setglobal(L, name);
    else lua_pop(L, 1);
}

static void set_base_function(lua_State *L, const char *name, lua_CFunction function) {
    lua_pushcfunction(L, function);
    lua_setglobal(L, name);
}

static int open_all(lua_State *L) {
    open_library(L, "", luaopen_base);
    open_library(L, LUA_TABLIBNAME, luaopen_table);
    open_library(L, LUA_STRLIBNAME, luaopen_string);
    open_library(L, LUA_MATHLIBNAME, luaopen_math);
    open_library(L, "cjson", luaopen_cjson);
    open_library(L, "bit", luaopen_bit);
    open_library(L, "struct", script_struct_open);
    open_library(L, "cmsgpack", script_msgpack_open);
    /* The libraries register themselves as globals; a few base functions
     * leave: files, printing, environments, userdata with metatables. */
    static const char *const removed[] = {"dofile", "loadfile", "print", "setfenv", "getfenv", "newproxy", NULL};
    for (int i = 0; removed[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, removed[i]);
    }
    lua_pushlightuserdata(L, &tostring_key);
    lua_getglobal(L, "tostring");
    lua_rawset(L, LUA_REGISTRYINDEX);
    set_base_function(L, "rawset", safe_rawset);
    set_base_function(L, "rawget", safe_rawget);
    set_base_function(L, "next", safe_next);
    set_base_function(L, "pairs", safe_pairs);
    set_base_function(L, "ipairs", safe_ipairs);
    set_base_function(L, "setmetatable", safe_setmetatable);
    set_base_function(L, "getmetatable", safe_getmetatable);
    set_base_function(L, "loadstring", safe_loadstring);
    set_base_function(L, "unpack", safe_unpack);
    set_base_function(L, "pcall", compatible_pcall);
    lua_pushnil(L);
    lua_setglobal(L, "load"); /* takes a reader function: loadstring covers it */
    lua_getglobal(L, "bit");
    lua_pushcfunction(L, safe_bit_tohex);
    lua_setfield(L, -2, "tohex");
    lua_pop(L, 1);
    lua_getglobal(L, "math");
    lua_pushcfunction(L, math_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, math_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
    new_weak_registry_table(L, &proxies_key);
    new_weak_registry_table(L, &public_mt_key);
    return 0;
}

lua_State *script_lua_open(script_lua_memory *memory) {
    lua_State *L = lua_newstate(allocate, memory);
    if (!L) return NULL;
    if (lua_cpcall(L, open_all, NULL) != 0) {
        lua_close(L);
        return NULL;
    }
    return L;
}
