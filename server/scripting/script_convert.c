/* script_convert: the two conversions of script_convert.h.
 *
 * The reply parser trusts its input (zkv's own encoder wrote it) but still
 * checks every length against the end of the buffer, so a bug elsewhere
 * cannot make it read out of bounds.  Nesting is bounded by the Lua stack:
 * lua_checkstack fails long before the C stack would.
 */
#include "script_convert.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "command.h"
#include "errorstats.h"
#include "number.h"
#include "reply.h"
#include "script_lua.h"
#include "zmalloc.h"

typedef struct cursor {
    const char *at;
    const char *end;
} cursor;

/* The line at the cursor (without CRLF); moves past it.  NULL if no CRLF. */
static const char *take_line(cursor *in, size_t *length) {
    const char *start = in->at;
    const char *newline = memchr(start, '\n', (size_t)(in->end - start));
    if (!newline || newline == start || newline[-1] != '\r') return NULL;
    *length = (size_t)(newline - 1 - start);
    in->at = newline + 1;
    return start;
}

/* The replies parsed are zkv's own, so the strict parser fits (and costs a
 * fifth of strtoll on its copy). */
static int parse_length(const char *text, size_t length, long long *value) {
    return number_parse_integer(text, length, value) ? 0 : -1;
}

static const char *take_bytes(cursor *in, long long count) {
    if (count < 0 || in->end - in->at < count + 2) return NULL;
    const char *start = in->at;
    in->at += count + 2;
    return start;
}

static int push_value(lua_State *L, cursor *in);

/* Parses one value and drops it (attribute maps). */
static int skip_value(lua_State *L, cursor *in) {
    if (push_value(L, in) != 0) return -1;
    lua_pop(L, 1);
    return 0;
}

static void push_tagged(lua_State *L, const char *tag) {
    /* stack: value -> {tag = value} */
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, tag);
}

static int push_aggregate(lua_State *L, cursor *in, char type, long long count) {
    if (count < 0) {
        lua_pushboolean(L, 0);
        return 0;
    }
    if (!lua_checkstack(L, 4)) return -1;
    lua_newtable(L);
    for (long long i = 0; i < count; i++) {
        if (type == '%') {
            if (push_value(L, in) != 0 || push_value(L, in) != 0) return -1;
            lua_settable(L, -3);
        } else if (type == '~') {
            if (push_value(L, in) != 0) return -1;
            lua_pushboolean(L, 1);
            lua_settable(L, -3);
        } else {
            if (push_value(L, in) != 0) return -1;
            lua_rawseti(L, -2, (int)(i + 1));
        }
    }
    if (type == '%') push_tagged(L, "map");
    else if (type == '~') push_tagged(L, "set");
    return 0;
}

static int push_value(lua_State *L, cursor *in) {
    if (in->at >= in->end || !lua_checkstack(L, 4)) return -1;
    char type = *in->at++;
    size_t length;
    const char *line = take_line(in, &length);
    if (!line) return -1;
    long long number;
    switch (type) {
    case '+':
        lua_pushlstring(L, line, length);
        push_tagged(L, "ok");
        return 0;
    case '-': {
        /* "-" + text, so the code is split as for any error. */
        luaL_Buffer buffer;
        luaL_buffinit(L, &buffer);
        luaL_addchar(&buffer, '-');
        luaL_addlstring(&buffer, line, length);
        luaL_pushresult(&buffer);
        size_t text_length;
        const char *text = lua_tolstring(L, -1, &text_length);
        script_lua_push_error_table(L, text, text_length);
        lua_remove(L, -2);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "ignore_error_stats_update");
        return 0;
    }
    case ':':
        if (parse_length(line, length, &number) != 0) return -1;
        lua_pushnumber(L, (lua_Number)number);
        return 0;
    case '$':
    case '=': {
        if (parse_length(line, length, &number) != 0) return -1;
        if (number < 0) {
            lua_pushboolean(L, 0);
            return 0;
        }
        const char *bytes = take_bytes(in, number);
        if (!bytes) return -1;
        if (type == '$') {
            lua_pushlstring(L, bytes, (size_t)number);
            return 0;
        }
        if (number < 4) return -1;
        lua_newtable(L);
        lua_pushlstring(L, bytes + 4, (size_t)number - 4);
        lua_setfield(L, -2, "string");
        lua_pushlstring(L, bytes, 3);
        lua_setfield(L, -2, "format");
        push_tagged(L, "verbatim_string");
        return 0;
    }
    case '*':
    case '>':
    case '~':
    case '%':
        if (parse_length(line, length, &number) != 0) return -1;
        return push_aggregate(L, in, type == '>' ? '*' : type, number);
    case '_':
        lua_pushnil(L);
        return 0;
    case '#':
        if (length != 1) return -1;
        lua_pushboolean(L, line[0] == 't');
        return 0;
    case ',': {
        char text[512];
        if (length >= sizeof(text)) return -1;
        memcpy(text, line, length);
        text[length] = '\0';
        lua_pushnumber(L, strtod(text, NULL));
        push_tagged(L, "double");
        return 0;
    }
    case '(':
        lua_pushlstring(L, line, length);
        push_tagged(L, "big_number");
        return 0;
    case '|':
        if (parse_length(line, length, &number) != 0 || number < 0) return -1;
        for (long long i = 0; i < 2 * number; i++)
            if (skip_value(L, in) != 0) return -1;
        return push_value(L, in);
    default:
        return -1;
    }
}

int script_convert_push_reply(lua_State *L, const char *data, size_t length) {
    int top = lua_gettop(L);
    cursor in = {data, data + length};
    if (push_value(L, &in) != 0) {
        lua_settop(L, top);
        return -1;
    }
    return 0;
}

/* ---- Lua -> reply ---- */

/* Copies `text` replacing CR and LF by spaces (simple strings and errors
 * are one line). */
static char *one_line(const char *text, size_t length) {
    char *copy = zmalloc_alloc(length + 1);
    for (size_t i = 0; i < length; i++) copy[i] = (text[i] == '\r' || text[i] == '\n') ? ' ' : text[i];
    copy[length] = '\0';
    return copy;
}

static void reply_error_table(lua_State *L, client *c) {
    const char *source;
    long line;
    int no_stats;
    const char *text = script_lua_error_text(L, &source, &line, &no_stats);
    size_t length = strlen(text);
    char *clean = one_line(text, length);
    resp_write_error(c->reply, clean, length);
    if (!no_stats) errorstats_count(clean, length);
    else if (c->command) c->command->stats.failed_calls++; /* dispatch sees no new error to count */
    zmalloc_free(clean);
}

/* Looks up t[field] (raw) for the table on top; pushes it; returns its type. */
static int field_type(lua_State *L, const char *field) {
    lua_pushstring(L, field);
    lua_rawget(L, -2);
    return lua_type(L, -1);
}

static void reply_table(lua_State *L, client *c, int script_resp) {
    if (field_type(L, "err") == LUA_TSTRING) {
        lua_pop(L, 1);
        reply_error_table(L, c);
        return;
    }
    lua_pop(L, 1);
    if (field_type(L, "ok") == LUA_TSTRING) {
        size_t length;
        const char *text = lua_tolstring(L, -1, &length);
        char *clean = one_line(text, length);
        resp_write_simple(c->reply, clean, length);
        zmalloc_free(clean);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (field_type(L, "double") == LUA_TNUMBER) {
        reply_double(c, lua_tonumber(L, -1));
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (field_type(L, "big_number") == LUA_TSTRING) {
        size_t length;
        const char *text = lua_tolstring(L, -1, &length);
        char *clean = one_line(text, length);
        resp_write_big_number(c->reply, clean, length);
        zmalloc_free(clean);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (field_type(L, "verbatim_string") == LUA_TTABLE) {
        if (field_type(L, "format") == LUA_TSTRING) {
            const char *format = lua_tostring(L, -1);
            lua_pushliteral(L, "string");
            lua_rawget(L, -3); /* the verbatim table, below the format */
            if (lua_type(L, -1) == LUA_TSTRING) {
                size_t length;
                const char *text = lua_tolstring(L, -1, &length);
                resp_write_verbatim(c->reply, format, text, length);
                lua_pop(L, 3);
                return;
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (field_type(L, "map") == LUA_TTABLE) {
        resp_deferred header = resp_write_deferred_header(c->reply);
        long long pairs = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pushvalue(L, -2);
            script_convert_reply_from_lua(L, c, script_resp); /* the key */
            script_convert_reply_from_lua(L, c, script_resp); /* the value */
            pairs++;
        }
        resp_set_deferred_map_length(c->reply, header, pairs);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (field_type(L, "set") == LUA_TTABLE) {
        resp_deferred header = resp_write_deferred_header(c->reply);
        long long count = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            script_convert_reply_from_lua(L, c, script_resp);
            count++;
        }
        resp_set_deferred_set_length(c->reply, header, count);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    resp_deferred header = resp_write_deferred_header(c->reply);
    long long count = 0;
    for (int i = 1;; i++) {
        lua_rawgeti(L, -1, i);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        script_convert_reply_from_lua(L, c, script_resp);
        count++;
    }
    resp_set_deferred_array_length(c->reply, header, count);
}

void script_convert_reply_from_lua(lua_State *L, client *c, int script_resp) {
    if (!lua_checkstack(L, 4)) {
        reply_error(c, "ERR reached lua stack limit");
        lua_pop(L, 1);
        return;
    }
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        size_t length;
        const char *text = lua_tolstring(L, -1, &length);
        reply_bulk(c, text, length);
        break;
    }
    case LUA_TBOOLEAN:
        if (script_resp == 2) {
            if (lua_toboolean(L, -1)) reply_integer(c, 1);
            else reply_null(c);
        } else {
            resp_write_boolean(c->reply, lua_toboolean(L, -1));
        }
        break;
    case LUA_TNUMBER:
        reply_integer(c, (long long)lua_tonumber(L, -1));
        break;
    case LUA_TTABLE:
        reply_table(L, c, script_resp);
        break;
    default:
        reply_null(c);
    }
    lua_pop(L, 1);
}
