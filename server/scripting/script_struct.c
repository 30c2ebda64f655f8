/* script_struct: the struct library (see script_libraries.h).
 *
 * A format is read one option at a time; each option has a size (0 for
 * the control options and for variable strings) from which the padding
 * before it follows: a value of size n is aligned to min(n, the current
 * `!` alignment), which starts at 1 (packed).  Integers are built byte by
 * byte in the requested order, so any size up to 32 bytes works on any
 * host; integers wider than 8 bytes carry zeros above the 64-bit value.
 */
#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "script_libraries.h"

#define MAX_INTEGER_SIZE 32

enum { ORDER_BIG, ORDER_LITTLE };

typedef struct format_state {
    int order;
    int alignment;
} format_state;

struct alignment_probe {
    char c;
    union {
        double d;
        void *p;
        long l;
    } u;
};
#define MAX_ALIGNMENT ((int)offsetof(struct alignment_probe, u))

static int native_order(void) {
    const uint16_t one = 1;
    return *(const unsigned char *)&one ? ORDER_LITTLE : ORDER_BIG;
}

static void state_init(format_state *state) {
    state->order = native_order();
    state->alignment = 1;
}

/* The decimal number at *format, or `fallback` when there is none. */
static int read_number(lua_State *L, const char **format, int fallback) {
    if (!isdigit((unsigned char)**format)) return fallback;
    int value = 0;
    while (isdigit((unsigned char)**format)) {
        int digit = **format - '0';
        if (value > (INT_MAX - digit) / 10) luaL_error(L, "integral size overflow");
        value = value * 10 + digit;
        (*format)++;
    }
    return value;
}

static size_t option_size(lua_State *L, char option, const char **format) {
    switch (option) {
    case 'b': case 'B': return sizeof(char);
    case 'h': case 'H': return sizeof(short);
    case 'l': case 'L': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return (size_t)read_number(L, format, 1);
    case 'i': case 'I': {
        int size = read_number(L, format, sizeof(int));
        if (size > MAX_INTEGER_SIZE)
            luaL_error(L, "integral size %d is larger than limit of %d", size, MAX_INTEGER_SIZE);
        return (size_t)size;
    }
    default: return 0;
    }
}

static size_t padding(size_t position, const format_state *state, char option, size_t size) {
    if (size == 0 || option == 'c') return 0;
    if (size > (size_t)state->alignment) size = (size_t)state->alignment;
    return (size - (position & (size - 1))) & (size - 1);
}

/* Endianness, alignment and spaces; anything else is an invalid option. */
static void control_option(lua_State *L, char option, const char **format, format_state *state) {
    switch (option) {
    case ' ':
        return;
    case '>':
        state->order = ORDER_BIG;
        return;
    case '<':
        state->order = ORDER_LITTLE;
        return;
    case '!': {
        int alignment = read_number(L, format, MAX_ALIGNMENT);
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
            luaL_error(L, "alignment %d is not a power of 2", alignment);
        state->alignment = alignment;
        return;
    }
    default:
        luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", option));
    }
}

static int is_integer_option(char option) { return option && strchr("bBhHlLTiI", option) != NULL; }

static void pack_integer(lua_State *L, luaL_Buffer *buffer, int argument, int order, size_t size) {
    lua_Number n = luaL_checknumber(L, argument);
    uint64_t value = n < 0 ? (uint64_t)(int64_t)n : (uint64_t)n;
    unsigned char bytes[MAX_INTEGER_SIZE];
    for (size_t i = 0; i < size; i++) {
        unsigned char byte = i < 8 ? (unsigned char)(value >> (8 * i)) : 0;
        bytes[order == ORDER_LITTLE ? i : size - 1 - i] = byte;
    }
    luaL_addlstring(buffer, (const char *)bytes, size);
}

/* Copies a float's bytes in the requested order. */
static void ordered_copy(unsigned char *out, const void *value, size_t size, int order) {
    memcpy(out, value, size);
    if (order == native_order()) return;
    for (size_t i = 0; i < size / 2; i++) {
        unsigned char swap = out[i];
        out[i] = out[size - 1 - i];
        out[size - 1 - i] = swap;
    }
}

static int struct_pack(lua_State *L) {
    const char *format = luaL_checkstring(L, 1);
    format_state state;
    state_init(&state);
    int argument = 2;
    size_t total = 0;
    lua_pushnil(L); /* keeps the arguments below the buffer */
    luaL_Buffer buffer;
    luaL_buffinit(L, &buffer);
    while (*format) {
        char option = *format++;
        size_t size = option_size(L, option, &format);
        size_t pad = padding(total, &state, option, size);
        total += pad;
        while (pad-- > 0) luaL_addchar(&buffer, '\0');
        if (is_integer_option(option)) {
            pack_integer(L, &buffer, argument++, state.order, size);
        } else if (option == 'x') {
            luaL_addchar(&buffer, '\0');
        } else if (option == 'f' || option == 'd') {
            unsigned char bytes[sizeof(double)];
            lua_Number n = luaL_checknumber(L, argument++);
            float single = (float)n;
            double value = n;
            ordered_copy(bytes, option == 'f' ? (const void *)&single : (const void *)&value, size, state.order);
            luaL_addlstring(&buffer, (const char *)bytes, size);
        } else if (option == 'c' || option == 's') {
            size_t length;
            const char *text = luaL_checklstring(L, argument++, &length);
            if (size == 0) size = length;
            luaL_argcheck(L, length >= size, argument, "string too short");
            luaL_addlstring(&buffer, text, size);
            if (option == 's') {
                luaL_addchar(&buffer, '\0');
                size++;
            }
        } else {
            control_option(L, option, &format, &state);
        }
        total += size;
    }
    luaL_pushresult(&buffer);
    return 1;
}

static lua_Number unpack_integer(const char *data, int order, int is_signed, size_t size) {
    uint64_t value = 0;
    for (size_t i = 0; i < size; i++) {
        size_t at = order == ORDER_BIG ? i : size - 1 - i;
        value = (value << 8) | (unsigned char)data[at];
    }
    if (!is_signed) return (lua_Number)value;
    if (size > 0 && size < 8) {
        uint64_t sign = UINT64_C(1) << (size * 8 - 1);
        if (value & sign) value |= ~(sign - 1);
    }
    return (lua_Number)(int64_t)value;
}

static int struct_unpack(lua_State *L) {
    const char *format = luaL_checkstring(L, 1);
    size_t length;
    const char *data = luaL_checklstring(L, 2, &length);
    size_t position = (size_t)luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, position > 0, 3, "offset must be 1 or greater");
    position--;
    format_state state;
    state_init(&state);
    int results = 0;
    while (*format) {
        char option = *format++;
        size_t size = option_size(L, option, &format);
        position += padding(position, &state, option, size);
        luaL_argcheck(L, size <= length && position <= length - size, 2, "data string too short");
        luaL_checkstack(L, 2, "too many results");
        if (is_integer_option(option)) {
            lua_pushnumber(L, unpack_integer(data + position, state.order, islower((unsigned char)option), size));
            results++;
        } else if (option == 'x') {
            /* padding only */
        } else if (option == 'f') {
            float single;
            ordered_copy((unsigned char *)&single, data + position, sizeof(single), state.order);
            lua_pushnumber(L, single);
            results++;
        } else if (option == 'd') {
            double value;
            ordered_copy((unsigned char *)&value, data + position, sizeof(value), state.order);
            lua_pushnumber(L, value);
            results++;
        } else if (option == 'c') {
            if (size == 0) {
                /* "c0": the length is the number read just before. */
                if (results == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
                size = (size_t)lua_tonumber(L, -1);
                lua_pop(L, 1);
                results--;
                luaL_argcheck(L, size <= length && position <= length - size, 2, "data string too short");
            }
            lua_pushlstring(L, data + position, size);
            results++;
        } else if (option == 's') {
            const char *end = memchr(data + position, '\0', length - position);
            if (!end) luaL_error(L, "unfinished string in data");
            size = (size_t)(end - (data + position)) + 1;
            lua_pushlstring(L, data + position, size - 1);
            results++;
        } else {
            control_option(L, option, &format, &state);
        }
        position += size;
    }
    lua_pushinteger(L, (lua_Integer)position + 1);
    return results + 1;
}

static int struct_size(lua_State *L) {
    const char *format = luaL_checkstring(L, 1);
    format_state state;
    state_init(&state);
    size_t position = 0;
    while (*format) {
        char option = *format++;
        size_t size = option_size(L, option, &format);
        position += padding(position, &state, option, size);
        if (option == 's') luaL_argerror(L, 1, "option 's' has no fixed size");
        else if (option == 'c' && size == 0) luaL_argerror(L, 1, "option 'c0' has no fixed size");
        if (!isalnum((unsigned char)option)) control_option(L, option, &format, &state);
        position += size;
    }
    lua_pushinteger(L, (lua_Integer)position);
    return 1;
}

int script_struct_open(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"pack", struct_pack}, {"unpack", struct_unpack}, {"size", struct_size}, {NULL, NULL}};
    lua_newtable(L);
    luaL_register(L, NULL, functions);
    return 1;
}
