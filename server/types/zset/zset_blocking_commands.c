/* zset_blocking_commands: BZPOPMIN, BZPOPMAX and BZMPOP on the generic
 * blocking machinery (command/blocking.h), the way the list commands serve
 * BLPOP and BLMPOP.
 *
 * A blocking pop first does what ZPOPMIN/ZMPOP would do on the first key
 * holding a sorted set, in key order (a key of another type met first is
 * WRONGTYPE, as in Redis).  Only when every key is missing does it block,
 * and inside MULTI or a script it answers the timeout's null array instead.
 * A waiter is served with the same zset_pop the immediate path uses, so the
 * reply shapes (RESP2 and RESP3) cannot drift apart.  A key that becomes
 * another type while clients wait is skipped, not answered: Redis 7.0
 * offers a key only to the waiters of its current type, so they keep
 * waiting until it holds a sorted set again or they time out.
 *
 * Argument order follows Redis 7.0: BZPOPMIN reads its timeout first, BZMPOP
 * reads numkeys, MIN/MAX and COUNT before the timeout, so the same bad
 * command yields the same error text.
 */
#include "blocking.h"
#include "command.h"
#include "key_access.h"
#include "reply.h"
#include "zkv_assert.h"
#include "zmalloc.h"
#include "zset_commands.h"

/* What a blocked client waits to do once a key holds a sorted set. */
typedef struct zset_wait {
    bool max;
    long long count;             /* members to pop (1 for BZPOPMIN/BZPOPMAX) */
    enum zset_pop_shape shape;   /* ZSET_POP_FLAT_KEYED or ZSET_POP_KEYED */
} zset_wait;

static void zset_wait_free(void *request) {
    zmalloc_free(request);
}

/* Offers `key` to a waiter: pops into its reply when the key holds a sorted
 * set (zset_pop deletes the key once empty and signals the change). */
static enum blocking_result zset_serve(client *c, db *d, const resp_argument *key, void *request) {
    const zset_wait *w = request;
    object *o = db_lookup(d, key->data, key->length, DB_LOOKUP_NOSTATS);
    if (!o) return BLOCKING_EMPTY;
    if (object_type(o) != OBJECT_ZSET) return BLOCKING_SKIP;
    bool popped = zset_pop(c, key, w->max, w->count, w->shape);
    zkv_assert(popped);
    return BLOCKING_SERVED;
}

static const blocking_type zset_blocking_type = {.serve = zset_serve, .free_request = zset_wait_free};

/* Pops from the first key holding a sorted set; false when every key is
 * missing (nothing replied), true after replying data or WRONGTYPE. */
static bool zset_pop_first(client *c, const resp_argument *keys, int key_count, bool max, long long count,
                           enum zset_pop_shape shape) {
    for (int i = 0; i < key_count; i++) {
        object *o;
        if (!key_write_typed(c, &keys[i], OBJECT_ZSET, &o)) return true;
        if (o) {
            zset_pop(c, &keys[i], max, count, shape);
            return true;
        }
    }
    return false;
}

/* Blocks c on the keys, or answers the null array of a timeout when it may
 * not block (MULTI, scripts). */
static void zset_block(client *c, const resp_argument *keys, int key_count, long long timeout_ms, bool max,
                       long long count, enum zset_pop_shape shape) {
    if (!blocking_allowed(c)) {
        reply_null_array(c);
        return;
    }
    zset_wait *w = zmalloc_alloc(sizeof *w);
    *w = (zset_wait){.max = max, .count = count, .shape = shape};
    blocking_block(c, &zset_blocking_type, keys, key_count, timeout_ms, w);
}

static void bzpop_command(client *c, bool max) {
    long long timeout;
    if (!blocking_parse_timeout(c, &c->argv[c->argc - 1], &timeout)) return;
    int key_count = c->argc - 2;
    if (zset_pop_first(c, &c->argv[1], key_count, max, 1, ZSET_POP_FLAT_KEYED)) return;
    zset_block(c, &c->argv[1], key_count, timeout, max, 1, ZSET_POP_FLAT_KEYED);
}

static void zset_bzpopmin_command(client *c) {
    bzpop_command(c, false);
}

static void zset_bzpopmax_command(client *c) {
    bzpop_command(c, true);
}

static void zset_bzmpop_command(client *c) {
    zset_mpop_arguments a;
    if (!zset_parse_mpop(c, 2, &a)) return;
    long long timeout;
    if (!blocking_parse_timeout(c, &c->argv[1], &timeout)) return;
    if (zset_pop_first(c, a.keys, a.key_count, a.max, a.count, ZSET_POP_KEYED)) return;
    zset_block(c, a.keys, a.key_count, timeout, a.max, a.count, ZSET_POP_KEYED);
}

#define ZSET_BLOCKING (COMMAND_WRITE | COMMAND_FAST | COMMAND_BLOCKING | COMMAND_NOSCRIPT)
#define ACL_ZSET_BLOCKING (ACL_WRITE | ACL_SORTEDSET | ACL_FAST | ACL_BLOCKING)

const command_spec zset_blocking_commands[] = {
    {.name = "bzpopmin", .handler = zset_bzpopmin_command, .arity = -3, .flags = ZSET_BLOCKING, .first_key = 1,
     .last_key = -2, .key_step = 1, .categories = ACL_ZSET_BLOCKING, .group = "sorted-set",
     .summary = "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
     .since = "5.0.0", .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
     .key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE},
    {.name = "bzpopmax", .handler = zset_bzpopmax_command, .arity = -3, .flags = ZSET_BLOCKING, .first_key = 1,
     .last_key = -2, .key_step = 1, .categories = ACL_ZSET_BLOCKING, .group = "sorted-set",
     .summary = "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
     .since = "5.0.0", .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
     .key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE},
    {.name = "bzmpop", .handler = zset_bzmpop_command, .arity = -5,
     .flags = COMMAND_WRITE | COMMAND_BLOCKING | COMMAND_MOVABLE_KEYS,
     .categories = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW | ACL_BLOCKING, .group = "sorted-set",
     .summary = "Remove and return members with scores in a sorted set or block until one is available",
     .since = "7.0.0",
     .complexity = "O(K) + O(N*log(M)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
     .key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE, .key_count_at = 2},
    {0}};
