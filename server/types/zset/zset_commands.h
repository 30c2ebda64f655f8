/* zset_commands: the sorted-set module's command tables and the pieces of
 * its commands other modules will reuse.
 *
 * zset_pop is the pop of ZPOPMIN/ZPOPMAX/ZMPOP, written so that the blocking
 * variants (BZPOPMIN, BZPOPMAX, BZMPOP, zset_blocking_commands.c) serve a
 * waiting client with the same call: it replies, deletes the key when it
 * empties, and signals the change.
 */
#ifndef ZKV_ZSET_COMMANDS_H
#define ZKV_ZSET_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "command.h"

extern const command_spec zset_commands[];
extern const command_spec zset_range_commands[];
extern const command_spec zset_setop_commands[];
extern const command_spec zset_blocking_commands[];
extern const command_spec geo_commands[];

/* ZADD itself: GEOADD runs it on its rewritten arguments. */
void zset_zadd_command(client *c);

/* Reply shapes of a pop: ZPOPMIN without count (flat member, score...),
 * with count (pairs in RESP3), BZPOPMIN's [key, member, score], and
 * ZMPOP/BZMPOP's [key, [[member, score]...]]. */
enum zset_pop_shape { ZSET_POP_FLAT, ZSET_POP_NESTED, ZSET_POP_FLAT_KEYED, ZSET_POP_KEYED };

/* Pops up to `count` (>= 1) members from the low (or `max`, high) end of the
 * sorted set at `key` and replies them in `shape`.  False, with nothing
 * replied, when the key holds no sorted set. */
bool zset_pop(client *c, const resp_argument *key, bool max, long long count, enum zset_pop_shape shape);

/* ZMPOP/BZMPOP arguments from `numkeys_index` on; false after replying the
 * error.  `keys` points into c->argv. */
typedef struct zset_mpop_arguments {
    const resp_argument *keys;
    int key_count;
    bool max;
    long long count;
} zset_mpop_arguments;
bool zset_parse_mpop(client *c, int numkeys_index, zset_mpop_arguments *out);

/* A score as ZSCAN prints it: a packed set's text is Redis's listpack text
 * (integral values as integers), a big set's is %.17g.  Returns the length
 * (no terminator); `text` holds at least 64 bytes. */
size_t zset_format_score(double score, bool packed, char *text);

#endif
