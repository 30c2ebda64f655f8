/* script_eval: the EVAL interpreter and script cache (see script_eval.h). */
#include "script_eval.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "reply.h"
#include "script_lua.h"
#include "script_run.h"
#include "script_sha1.h"
#include "zmalloc.h"

/* Bytes a cached script costs besides its body (registry slots, the sha
 * string), for used_memory_scripts_eval. */
#define SCRIPT_OVERHEAD 96

typedef struct eval_vm {
    lua_State *L;
    script_lua_memory memory;
} eval_vm;

static eval_vm *vm;
static long long script_count;
static size_t body_bytes;
static char scripts_key; /* registry: sha -> {function, flags} */

static eval_vm *open_vm(void) {
    eval_vm *opened = zmalloc_calloc(sizeof(*opened));
    opened->L = script_lua_open(&opened->memory);
    if (!opened->L) {
        zmalloc_free(opened);
        return NULL;
    }
    lua_State *L = opened->L;
    lua_newtable(L);
    script_api_register(L);
    lua_setglobal(L, "redis");
    script_lua_lock(L);
    lua_pushlightuserdata(L, &scripts_key);
    lua_newtable(L);
    lua_rawset(L, LUA_REGISTRYINDEX);
    script_lua_settle(L, &opened->memory);
    return opened;
}

static void close_vm(eval_vm *closing) {
    lua_close(closing->L);
    zmalloc_free(closing);
}

int script_eval_init(void) {
    vm = open_vm();
    return vm ? 0 : -1;
}

void script_eval_shutdown(void) {
    if (vm) close_vm(vm);
    vm = NULL;
}

lua_State *script_eval_vm(void) { return vm->L; }
long long script_eval_count(void) { return script_count; }
size_t script_eval_body_bytes(void) { return body_bytes; }
size_t script_eval_vm_bytes(void) { return vm ? script_lua_reported_bytes(vm->L) : 0; }
size_t script_eval_vm_growth(void) { return vm ? script_lua_growth(&vm->memory) : 0; }

/* Bytes of interpreters SCRIPT FLUSH ASYNC handed to a thread that has not
 * finished closing them: the amount at hand-off, taken back at the end. */
static _Atomic size_t closing_bytes;

size_t script_eval_closing_bytes(void) { return atomic_load(&closing_bytes); }

static void *close_in_background(void *argument) {
    eval_vm *closing = argument;
    size_t held = closing->memory.held; /* written before the hand-off */
    close_vm(closing);
    atomic_fetch_sub(&closing_bytes, held);
    return NULL;
}

void script_eval_flush(int async) {
    eval_vm *old = vm;
    vm = open_vm();
    script_count = 0;
    body_bytes = 0;
    pthread_t thread;
    if (async) {
        atomic_fetch_add(&closing_bytes, old->memory.held);
        if (pthread_create(&thread, NULL, close_in_background, old) == 0) {
            pthread_detach(thread);
            return;
        }
        atomic_fetch_sub(&closing_bytes, old->memory.held);
    }
    close_vm(old);
}

/* ---- Shebang ---- */

int script_eval_shebang(const char *body, size_t length, unsigned *flags, size_t *skip, char *error,
                        size_t error_size) {
    *flags = SCRIPT_FLAG_EVAL_COMPAT;
    *skip = 0;
    if (length < 2 || body[0] != '#' || body[1] != '!') return 0;
    const char *newline = memchr(body, '\n', length);
    if (!newline) {
        snprintf(error, error_size, "Invalid script shebang");
        return -1;
    }
    *skip = (size_t)(newline - body);
    const char *at = body, *end = newline;
    int word = 0;
    *flags = 0;
    while (at < end) {
        while (at < end && isspace((unsigned char)*at)) at++;
        if (at == end) break;
        const char *start = at;
        while (at < end && !isspace((unsigned char)*at)) at++;
        size_t word_length = (size_t)(at - start);
        if (word++ == 0) {
            if (word_length != 5 || memcmp(start, "#!lua", 5) != 0) {
                snprintf(error, error_size, "Unexpected engine in script shebang: %.*s", (int)word_length, start);
                return -1;
            }
            continue;
        }
        if (word_length < 6 || memcmp(start, "flags=", 6) != 0) {
            snprintf(error, error_size, "Unknown lua shebang option: %.*s", (int)word_length, start);
            return -1;
        }
        const char *flag = start + 6;
        while (flag < at) {
            const char *comma = memchr(flag, ',', (size_t)(at - flag));
            const char *flag_end = comma ? comma : at;
            unsigned bit = script_flag_from_name(flag, (size_t)(flag_end - flag));
            if (!bit || bit == SCRIPT_FLAG_EVAL_COMPAT) {
                snprintf(error, error_size, "Unexpected flag in script shebang: %.*s", (int)(flag_end - flag),
                         flag);
                return -1;
            }
            *flags |= bit;
            flag = comma ? comma + 1 : at;
        }
    }
    return 0;
}

/* ---- Cache ---- */

static void push_scripts(lua_State *L) {
    lua_pushlightuserdata(L, &scripts_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
}

static void lower_sha(char out[41], const char *sha) {
    for (int i = 0; i < 40; i++) out[i] = (char)tolower((unsigned char)sha[i]);
    out[40] = '\0';
}

int script_eval_push(const char *sha, size_t length, unsigned *flags) {
    if (length != 40) return -1;
    char key[41];
    lower_sha(key, sha);
    lua_State *L = vm->L;
    push_scripts(L);
    lua_getfield(L, -1, key);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 2);
        return -1;
    }
    lua_rawgeti(L, -1, 2);
    *flags = (unsigned)lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_rawgeti(L, -1, 1);
    lua_replace(L, -3);
    lua_pop(L, 1);
    return 0;
}

int script_eval_exists(const char *sha, size_t length) {
    unsigned flags;
    if (script_eval_push(sha, length, &flags) != 0) return 0;
    lua_pop(vm->L, 1);
    return 1;
}

int script_eval_flags(const char *sha, size_t length, unsigned *flags) {
    if (script_eval_push(sha, length, flags) != 0) return -1;
    lua_pop(vm->L, 1);
    return 0;
}

int script_eval_create(client *c, const char *body, size_t length, char sha[41]) {
    script_sha1_hex(sha, body, length);
    if (script_eval_exists(sha, 40)) return 0;
    unsigned flags;
    size_t skip;
    char error[256];
    if (script_eval_shebang(body, length, &flags, &skip, error, sizeof(error)) != 0) {
        reply_error_format(c, "ERR %s", error);
        return -1;
    }
    lua_State *L = vm->L;
    /* The shebang line is skipped but its newline kept, so line numbers in
     * errors match the script as sent. */
    if (script_lua_load(L, body + skip, length - skip, "@user_script") != 0) {
        reply_error_format(c, "ERR Error compiling script (new function): %s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    push_scripts(L);
    lua_createtable(L, 2, 0);
    lua_pushvalue(L, -3);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, (lua_Integer)flags);
    lua_rawseti(L, -2, 2);
    lua_setfield(L, -2, sha);
    lua_pop(L, 2);
    script_count++;
    body_bytes += length + SCRIPT_OVERHEAD;
    return 0;
}
