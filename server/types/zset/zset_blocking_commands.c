/* zset_blocking_commands: BZPOPMIN, BZPOPMAX and BZMPOP.
 *
 * Each first does exactly what ZPOPMIN/ZPOPMAX/ZMPOP would on its keys in
 * order (a key of another type answers WRONGTYPE at once, as in Redis);
 * only when every key is missing does it block, through command/blocking,
 * and inside MULTI it answers a null array as if timed out.  A served
 * client pops with the same zset_pop as the non-blocking commands, so the
 * replies, the "zpopmin"/"zpopmax" events and the "del" of an emptied key
 * are one code path.
 */
#include "blocking.h"
#include "command.h"
#include "key_access.h"
#include "reply.h"
#include "zmalloc.h"
#include "zset_commands.h"

typedef struct zset_wait {
    bool max;
    long long count; /* BZMPOP's COUNT; 0: BZPOPMIN's single [key, member, score] */
} zset_wait;

static enum blocking_result zset_serve(client *c, db *d, const resp_argument *key, void *request) {
    const zset_wait *w = request;
    object *o = db_lookup(d, key->data, key->length, DB_LOOKUP_NOSTATS);
    if (!o) return BLOCKING_EMPTY;
    if (object_type(o) != OBJECT_ZSET) return BLOCKING_SKIP;
    zset_pop(c, key, w->max, w->count ? w->count : 1, w->count ? ZSET_POP_KEYED : ZSET_POP_FLAT_KEYED);
    return BLOCKING_SERVED;
}

static void zset_wait_free(void *request) {
    zmalloc_free(request);
}

static const blocking_type zset_blocking_type = {.serve = zset_serve, .free_request = zset_wait_free};

/* Pops from the first key holding a sorted set and returns true after
 * replying (data or WRONGTYPE); false, nothing replied, when all are missing. */
static bool zset_pop_first(client *c, const resp_argument *keys, int key_count, bool max, long long count) {
    for (int i = 0; i < key_count; i++) {
        object *o;
        if (!key_write_typed(c, &keys[i], OBJECT_ZSET, &o)) return true;
        if (!o) continue;
        zset_pop(c, &keys[i], max, count ? count : 1, count ? ZSET_POP_KEYED : ZSET_POP_FLAT_KEYED);
        return true;
    }
    return false;
}

/* Blocks c on `keys`, or answers the timeout's null array when it may not. */
static void zset_block(client *c, const resp_argument *keys, int key_count, long long timeout_ms, bool max,
                       long long count) {
    if (!blocking_allowed(c)) {
        reply_null_array(c);
        return;
    }
    zset_wait *w = zmalloc_alloc(sizeof *w);
    *w = (zset_wait){.max = max, .count = count};
    blocking_block(c, &zset_blocking_type, keys, key_count, timeout_ms, w);
}

static void zset_bzpop_generic(client *c, bool max) {
    long long timeout;
    if (!blocking_parse_timeout(c, &c->argv[c->argc - 1], &timeout)) return;
    int key_count = c->argc - 2;
    if (!zset_pop_first(c, &c->argv[1], key_count, max, 0)) zset_block(c, &c->argv[1], key_count, timeout, max, 0);
}

static void zset_bzpopmin_command(client *c) {
    zset_bzpop_generic(c, false);
}

static void zset_bzpopmax_command(client *c) {
    zset_bzpop_generic(c, true);
}

static void zset_bzmpop_command(client *c) {
    long long timeout;
    if (!blocking_parse_timeout(c, &c->argv[1], &timeout)) return;
    zset_mpop_arguments a;
    if (!zset_parse_mpop(c, 2, &a)) return;
    if (!zset_pop_first(c, a.keys, a.key_count, a.max, a.count))
        zset_block(c, a.keys, a.key_count, timeout, a.max, a.count);
}

const command_spec zset_blocking_commands[] = {
    {.name = "bzpopmin", .handler = zset_bzpopmin_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_FAST | COMMAND_BLOCKING | COMMAND_NOSCRIPT, .first_key = 1, .last_key = -2,
     .key_step = 1, .key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE,
     .categories = ACL_WRITE | ACL_SORTEDSET | ACL_FAST | ACL_BLOCKING, .group = "sorted-set",
     .summary = "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
     .since = "5.0.0", .complexity = "O(log(N)) with N being the number of elements in the sorted set."},
    {.name = "bzpopmax", .handler = zset_bzpopmax_command, .arity = -3,
     .flags = COMMAND_WRITE | COMMAND_FAST | COMMAND_BLOCKING | COMMAND_NOSCRIPT, .first_key = 1, .last_key = -2,
     .key_step = 1, .key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE,
     .categories = ACL_WRITE | ACL_SORTEDSET | ACL_FAST | ACL_BLOCKING, .group = "sorted-set",
     .summary = "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
     .since = "5.0.0", .complexity = "O(log(N)) with N being the number of elements in the sorted set."},
    {.name = "bzmpop", .handler = zset_bzmpop_command, .arity = -5,
     .flags = COMMAND_WRITE | COMMAND_BLOCKING | COMMAND_MOVABLE_KEYS, .key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE,
     .key_count_at = 2, .categories = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW | ACL_BLOCKING, .group = "sorted-set",
     .summary = "Remove and return members with scores in a sorted set or block until one is available",
     .since = "7.0.0",
     .complexity = "O(K) + O(N*log(M)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."},
    {0}};
