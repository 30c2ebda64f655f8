/* script_convert: command replies into Lua values, Lua values into replies.
 *
 * A command a script calls writes its reply, in RESP2 or RESP3 as the
 * script chose with redis.setresp, into the script client's output buffer
 * like any client's; script_convert_push_reply parses those bytes back into
 * the Lua values Redis 7.0 gives scripts:
 *
 *   integer -> number            bulk -> string        status -> {ok=...}
 *   error -> {err="CODE msg"}    null bulk/array (RESP2) -> false
 *   array -> table 1..N          RESP3: null -> nil, boolean -> boolean,
 *   map -> {map={k=v}}           set -> {set={k=true}}, double -> {double=n},
 *   big number -> {big_number=s}, verbatim -> {verbatim_string={format=,string=}}
 *
 * (attributes are skipped).  Parsing the bytes rather than building values
 * as commands reply keeps commands unaware of scripts, as in Redis; the
 * copy costs one pass over the reply.
 *
 * script_convert_reply_from_lua goes the other way for a script's return
 * value: number -> integer (truncated), string -> bulk, true -> 1 (RESP2
 * script) or boolean, false/nil -> null, and the tables above; any other
 * table is an array up to its first nil.
 */
#ifndef ZKV_SCRIPT_CONVERT_H
#define ZKV_SCRIPT_CONVERT_H

#include <stddef.h>

#include <lua.h>

#include "client.h"

/* Pushes the Lua value of the one complete reply in data[0..length).
 * 0, or -1 (nothing pushed) when the bytes are not one well-formed reply. */
int script_convert_push_reply(lua_State *L, const char *data, size_t length);

/* Writes the value on top of L to c's reply and pops it.  `script_resp` is
 * the protocol the script selected (booleans depend on it). Error tables
 * are counted in errorstats unless they came from a command (counted then). */
void script_convert_reply_from_lua(lua_State *L, client *c, int script_resp);

#endif
