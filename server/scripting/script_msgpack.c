/* script_msgpack: the cmsgpack library (see script_libraries.h).
 *
 * Encoding appends to one growing buffer for all arguments; decoding walks a cursor
 * over the input and pushes values, recursing into arrays and maps.  Each
 * nesting level asks luaL_checkstack for room, so hostile input that nests
 * deeply ends in Lua's "stack overflow" error instead of exhausting the C
 * stack. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "script_libraries.h"

#define MAX_NESTING 16

/* ---- Encoding ---- */

/* The output grows in Lua userdata kept in one stack slot: encoding can
 * raise (a metamethod, memory), and Lua's collector then reclaims the
 * buffer, which a C allocation would leak.  (luaL_Buffer cannot serve:
 * table traversal pushes values between its additions.) */
typedef struct output {
    lua_State *L;
    int slot;
    char *data;
    size_t length, capacity;
} output;

static void reserve(output *out, size_t more) {
    if (out->length + more <= out->capacity) return;
    size_t capacity = out->capacity ? out->capacity : 64;
    while (capacity < out->length + more) capacity *= 2;
    char *bigger = lua_newuserdata(out->L, capacity);
    if (out->length) memcpy(bigger, out->data, out->length);
    lua_replace(out->L, out->slot);
    out->data = bigger;
    out->capacity = capacity;
}

static void put_bytes(output *out, const void *data, size_t length) {
    reserve(out, length);
    memcpy(out->data + out->length, data, length);
    out->length += length;
}

static void put_byte(output *out, unsigned char byte) { put_bytes(out, &byte, 1); }

/* The type byte, then `value`'s low `bytes` bytes, most significant first. */
static void put_header(output *out, unsigned char type, uint64_t value, int bytes) {
    unsigned char header[9];
    header[0] = type;
    for (int i = 0; i < bytes; i++) header[1 + i] = (unsigned char)(value >> (8 * (bytes - 1 - i)));
    put_bytes(out, header, 1 + (size_t)bytes);
}

static void encode_integer(output *out, int64_t n) {
    if (n >= 0) {
        if (n <= 127) put_byte(out, (unsigned char)n);
        else if (n <= 0xff) put_header(out, 0xcc, (uint64_t)n, 1);
        else if (n <= 0xffff) put_header(out, 0xcd, (uint64_t)n, 2);
        else if (n <= 0xffffffffLL) put_header(out, 0xce, (uint64_t)n, 4);
        else put_header(out, 0xcf, (uint64_t)n, 8);
    } else {
        if (n >= -32) put_byte(out, (unsigned char)(signed char)n);
        else if (n >= -128) put_header(out, 0xd0, (uint64_t)n, 1);
        else if (n >= -32768) put_header(out, 0xd1, (uint64_t)n, 2);
        else if (n >= -2147483648LL) put_header(out, 0xd2, (uint64_t)n, 4);
        else put_header(out, 0xd3, (uint64_t)n, 8);
    }
}

static void encode_number(output *out, int index) {
    lua_Number n = lua_tonumber(out->L, index);
    if (!isinf(n) && (double)(int64_t)n == n) {
        encode_integer(out, (int64_t)lua_tointeger(out->L, index));
        return;
    }
    float single = (float)n;
    if ((double)single == n) {
        uint32_t bits;
        memcpy(&bits, &single, 4);
        put_header(out, 0xca, bits, 4);
    } else {
        uint64_t bits;
        memcpy(&bits, &n, 8);
        put_header(out, 0xcb, bits, 8);
    }
}

static void encode_length(output *out, size_t length, unsigned char fixed, unsigned char type16,
                          unsigned char type32) {
    if (length < 16) put_byte(out, (unsigned char)(fixed | length));
    else if (length <= 0xffff) put_header(out, type16, length, 2);
    else put_header(out, type32, length, 4);
}

static void encode_string(output *out, int index) {
    size_t length;
    const char *text = lua_tolstring(out->L, index, &length);
    if (length < 32) put_byte(out, (unsigned char)(0xa0 | length));
    else if (length <= 0xff) put_header(out, 0xd9, length, 1);
    else if (length <= 0xffff) put_header(out, 0xda, length, 2);
    else put_header(out, 0xdb, length, 4);
    put_bytes(out, text, length);
}

/* Keys exactly 1..n (numbers that are positive ints, as many as the
 * largest): an array.  The empty table is an array too. */
static int is_array(lua_State *L, int index) {
    long long count = 0, largest = 0;
    lua_pushnil(L);
    while (lua_next(L, index)) {
        lua_pop(L, 1);
        lua_Number key;
        if (lua_type(L, -1) != LUA_TNUMBER || (key = lua_tonumber(L, -1)) <= 0 || isinf(key) ||
            (double)(int)key != key) {
            lua_pop(L, 1);
            return 0;
        }
        if ((long long)key > largest) largest = (long long)key;
        count++;
    }
    return largest == count;
}

static void encode_value(output *out, int index, int level);

static void encode_table(output *out, int index, int level) {
    lua_State *L = out->L;
    luaL_checkstack(L, 3, "in function mp_encode_lua_table");
    if (is_array(L, index)) {
        size_t length = lua_objlen(L, index);
        encode_length(out, length, 0x90, 0xdc, 0xdd);
        for (size_t i = 1; i <= length; i++) {
            lua_pushnumber(L, (lua_Number)i);
            lua_gettable(L, index);
            encode_value(out, lua_gettop(L), level + 1);
            lua_pop(L, 1);
        }
        return;
    }
    size_t pairs = 0;
    lua_pushnil(L);
    while (lua_next(L, index)) {
        lua_pop(L, 1);
        pairs++;
    }
    encode_length(out, pairs, 0x80, 0xde, 0xdf);
    lua_pushnil(L);
    while (lua_next(L, index)) {
        int top = lua_gettop(L);
        encode_value(out, top - 1, level + 1);
        encode_value(out, top, level + 1);
        lua_pop(L, 1);
    }
}

static void encode_value(output *out, int index, int level) {
    int type = lua_type(out->L, index);
    if (type == LUA_TTABLE && level == MAX_NESTING) type = LUA_TNIL;
    switch (type) {
    case LUA_TSTRING:
        encode_string(out, index);
        break;
    case LUA_TBOOLEAN:
        put_byte(out, lua_toboolean(out->L, index) ? 0xc3 : 0xc2);
        break;
    case LUA_TNUMBER:
        encode_number(out, index);
        break;
    case LUA_TTABLE:
        encode_table(out, index, level);
        break;
    default:
        put_byte(out, 0xc0);
    }
}

static int pack(lua_State *L) {
    int count = lua_gettop(L);
    if (count == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    if (!lua_checkstack(L, count)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
    lua_pushnil(L);
    output out = {L, lua_gettop(L), NULL, 0, 0};
    for (int i = 1; i <= count; i++) encode_value(&out, i, 0);
    lua_pushlstring(L, out.data ? out.data : "", out.length);
    return 1;
}

/* ---- Decoding ---- */

enum { CURSOR_OK, CURSOR_EOF, CURSOR_BAD_FORMAT };

typedef struct cursor {
    const unsigned char *at;
    size_t left;
    int error;
} cursor;

static int need(cursor *c, size_t bytes) {
    if (c->left >= bytes) return 1;
    c->error = CURSOR_EOF;
    return 0;
}

static void consume(cursor *c, size_t bytes) {
    c->at += bytes;
    c->left -= bytes;
}

static uint64_t read_big_endian(const unsigned char *at, int bytes) {
    uint64_t value = 0;
    for (int i = 0; i < bytes; i++) value = (value << 8) | at[i];
    return value;
}

static void decode_value(lua_State *L, cursor *c);

static void decode_array(lua_State *L, cursor *c, size_t length) {
    lua_newtable(L);
    luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
    for (size_t i = 1; i <= length; i++) {
        lua_pushnumber(L, (lua_Number)i);
        decode_value(L, c);
        if (c->error) return;
        lua_settable(L, -3);
    }
}

static void decode_map(lua_State *L, cursor *c, size_t pairs) {
    lua_newtable(L);
    while (pairs--) {
        decode_value(L, c);
        if (c->error) return;
        decode_value(L, c);
        if (c->error) return;
        lua_settable(L, -3);
    }
}

/* A fixed-size scalar: `bytes` after the type byte. */
static int decode_scalar(lua_State *L, cursor *c, unsigned char type) {
    static const struct {
        unsigned char type;
        int bytes;
    } sizes[] = {{0xcc, 1}, {0xcd, 2}, {0xce, 4}, {0xcf, 8}, {0xd0, 1}, {0xd1, 2},
                 {0xd2, 4}, {0xd3, 8}, {0xca, 4}, {0xcb, 8}};
    int bytes = -1;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        if (sizes[i].type == type) bytes = sizes[i].bytes;
    if (bytes < 0) return 0;
    if (!need(c, 1 + (size_t)bytes)) return 1;
    uint64_t raw = read_big_endian(c->at + 1, bytes);
    switch (type) {
    case 0xcc: case 0xcd: case 0xce: case 0xcf:
        lua_pushnumber(L, (lua_Number)raw);
        break;
    case 0xd0:
        lua_pushinteger(L, (int8_t)raw);
        break;
    case 0xd1:
        lua_pushinteger(L, (int16_t)raw);
        break;
    case 0xd2:
        lua_pushinteger(L, (int32_t)raw);
        break;
    case 0xd3:
        lua_pushinteger(L, (lua_Integer)(int64_t)raw);
        break;
    case 0xca: {
        uint32_t bits = (uint32_t)raw;
        float single;
        memcpy(&single, &bits, 4);
        lua_pushnumber(L, single);
        break;
    }
    default: {
        double value;
        memcpy(&value, &raw, 8);
        lua_pushnumber(L, value);
    }
    }
    consume(c, 1 + (size_t)bytes);
    return 1;
}

/* A string, array or map whose length takes `bytes` after the type byte. */
static void decode_sized(lua_State *L, cursor *c, int kind, int bytes) {
    if (!need(c, 1 + (size_t)bytes)) return;
    size_t length = (size_t)read_big_endian(c->at + 1, bytes);
    consume(c, 1 + (size_t)bytes);
    if (kind == 's') {
        if (!need(c, length)) return;
        lua_pushlstring(L, (const char *)c->at, length);
        consume(c, length);
    } else if (kind == 'a') {
        decode_array(L, c, length);
    } else {
        decode_map(L, c, length);
    }
}

static void decode_value(lua_State *L, cursor *c) {
    if (!need(c, 1)) return;
    luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
    unsigned char type = c->at[0];
    if (decode_scalar(L, c, type)) return;
    switch (type) {
    case 0xc0:
        lua_pushnil(L);
        consume(c, 1);
        return;
    case 0xc2:
    case 0xc3:
        lua_pushboolean(L, type == 0xc3);
        consume(c, 1);
        return;
    case 0xd9: decode_sized(L, c, 's', 1); return;
    case 0xda: decode_sized(L, c, 's', 2); return;
    case 0xdb: decode_sized(L, c, 's', 4); return;
    case 0xdc: decode_sized(L, c, 'a', 2); return;
    case 0xdd: decode_sized(L, c, 'a', 4); return;
    case 0xde: decode_sized(L, c, 'm', 2); return;
    case 0xdf: decode_sized(L, c, 'm', 4); return;
    default:
        break;
    }
    if ((type & 0x80) == 0) {
        lua_pushnumber(L, type);
        consume(c, 1);
    } else if ((type & 0xe0) == 0xe0) {
        lua_pushinteger(L, (signed char)type);
        consume(c, 1);
    } else if ((type & 0xe0) == 0xa0) {
        size_t length = type & 0x1f;
        if (!need(c, 1 + length)) return;
        lua_pushlstring(L, (const char *)c->at + 1, length);
        consume(c, 1 + length);
    } else if ((type & 0xf0) == 0x90) {
        consume(c, 1);
        decode_array(L, c, type & 0xf);
    } else if ((type & 0xf0) == 0x80) {
        consume(c, 1);
        decode_map(L, c, type & 0xf);
    } else {
        c->error = CURSOR_BAD_FORMAT;
    }
}

/* Decodes up to `limit` values from `offset` (limit 0 and offset 0: all,
 * without the leading next-offset result). */
static int unpack_from(lua_State *L, int limit, int offset) {
    size_t length;
    const char *data = luaL_checklstring(L, 1, &length);
    int everything = !limit && !offset;
    if (offset < 0 || limit < 0)
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", offset, (int)length);
    if ((size_t)offset > length)
        return luaL_error(L, "Start offset %d greater than input length %d.", offset, (int)length);
    if (everything) limit = INT_MAX;
    cursor c = {(const unsigned char *)data + offset, length - (size_t)offset, CURSOR_OK};
    int count;
    for (count = 0; c.left > 0 && count < limit; count++) {
        decode_value(L, &c);
        if (c.error == CURSOR_EOF) return luaL_error(L, "Missing bytes in input.");
        if (c.error == CURSOR_BAD_FORMAT) return luaL_error(L, "Bad data format in input.");
    }
    if (everything) return count;
    luaL_checkstack(L, 1, "in function mp_unpack_full");
    lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(length - c.left));
    lua_insert(L, 2);
    return count + 1;
}

static int unpack(lua_State *L) { return unpack_from(L, 0, 0); }

static int unpack_one(lua_State *L) {
    int offset = (int)luaL_optinteger(L, 2, 0);
    lua_settop(L, 1);
    return unpack_from(L, 1, offset);
}

static int unpack_limit(lua_State *L) {
    int limit = (int)luaL_checkinteger(L, 2);
    int offset = (int)luaL_optinteger(L, 3, 0);
    lua_settop(L, 1);
    return unpack_from(L, limit, offset);
}

int script_msgpack_open(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"pack", pack}, {"unpack", unpack}, {"unpack_one", unpack_one}, {"unpack_limit", unpack_limit}, {NULL, NULL}};
    lua_newtable(L);
    luaL_register(L, NULL, functions);
    lua_pushliteral(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    return 1;
}
