/* script_libraries: the two Lua libraries Redis scripts may use that Debian
 * does not package for Lua 5.1, written here to Redis 7.0's behaviour:
 *
 *   cmsgpack: pack(...) encodes each argument as MessagePack and
 *     concatenates them; unpack(s) returns every value in s, unpack_one(s
 *     [, offset]) and unpack_limit(s, n [, offset]) a next offset first (-1
 *     at the end) and then up to one / n values.  Numbers that are whole
 *     64-bit integers become the smallest integer format, other numbers a
 *     float when exact, else a double; a table whose keys are exactly 1..n
 *     is an array, any other a map; tables nest up to 16 levels (deeper
 *     ones become nil, which also stops cycles); anything else is nil.
 *
 *   struct: pack(fmt, ...), unpack(fmt, s [, pos]) (values, then the next
 *     position) and size(fmt), with the format letters of Roberto
 *     Ierusalimschy's lstruct that Redis embeds: < > ! endianness and
 *     alignment, b B h H l L T i[n] I[n] integers, f d floats, x padding,
 *     s zero-terminated and c[n] fixed strings.
 *
 * Both push their table (luaopen style); errors carry Redis's texts, since
 * scripts and tests match on them.
 */
#ifndef ZKV_SCRIPT_LIBRARIES_H
#define ZKV_SCRIPT_LIBRARIES_H

#include <lua.h>

int script_msgpack_open(lua_State *L);
int script_struct_open(lua_State *L);

#endif
