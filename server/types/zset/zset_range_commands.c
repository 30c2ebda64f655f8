/* zset_range_commands: ranges of a sorted set by rank, score or member:
 * ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES), ZRANGESTORE, the older
 * ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX, the
 * counts ZCOUNT ZLEXCOUNT and the removals ZREMRANGEBYRANK/SCORE/LEX.
 *
 * Every range is first turned into ascending ranks [start, end) with two
 * O(log n) searches (zset_reply.h), so the reply length is known before the
 * first member is written (no deferred header) and the walk costs O(m).
 * Reverse ranges walk the same ranks downwards.  LIMIT applies after the
 * bounds, as in Redis: a negative offset gives nothing, a negative count
 * means no limit.
 */
#include <stdbool.h>

#include "args.h"
#include "command.h"
#include "key_access.h"
#include "notify.h"
#include "reply.h"
#include "zset.h"
#include "zset_commands.h"
#include "zset_reply.h"

enum range_kind { RANGE_AUTO, RANGE_RANK, RANGE_SCORE, RANGE_LEX };
enum range_direction { DIRECTION_AUTO, DIRECTION_FORWARD, DIRECTION_REVERSE };

/* The members a range selects: `count` members from ascending rank `first`,
 * walking down when `reverse`. */
typedef struct range_selection {
    size_t first;
    size_t count;
    bool reverse;
} range_selection;

static void select_rank_range(size_t length, long long start, long long end, bool reverse, range_selection *s) {
    long long llen = (long long)length;
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    s->reverse = reverse;
    s->count = 0;
    s->first = 0;
    if (start > end || start >= llen) return;
    if (end >= llen) end = llen - 1;
    s->count = (size_t)(end - start + 1);
    s->first = reverse ? (size_t)(llen - 1 - start) : (size_t)start;
}

/* Ranks [start, end) with LIMIT offset/count applied. */
static void select_bounded(size_t start, size_t end, long long offset, long long limit, bool reverse,
                           range_selection *s) {
    size_t n = end - start;
    s->reverse = reverse;
    s->count = 0;
    s->first = 0;
    if (offset < 0 || (size_t)offset >= n) return;
    n -= (size_t)offset;
    if (limit >= 0 && (size_t)limit < n) n = (size_t)limit;
    s->count = n;
    s->first = reverse ? end - 1 - (size_t)offset : start + (size_t)offset;
}

static void reply_selection(client *c, const zset *z, const range_selection *s, bool with_scores) {
    zset_reply_header(c, (long long)s->count, with_scores);
    if (s->count == 0) return;
    zset_iterator it;
    zset_iterator_init(&it, z, s->first, s->reverse);
    const char *member;
    size_t length;
    double score;
    for (size_t i = 0; i < s->count && zset_iterator_next(&it, &member, &length, &score); i++)
        zset_reply_member(c, member, length, score, with_scores);
    zset_iterator_finish(&it);
}

static void store_selection(client *c, const resp_argument *destination, const zset *z, const range_selection *s,
                            enum range_kind kind) {
    zset result = zset_create(kind == RANGE_RANK ? s->count : 0, 0);
    if (s->count) {
        zset_iterator it;
        zset_iterator_init(&it, z, s->first, s->reverse);
        const char *member;
        size_t length;
        double score;
        for (size_t i = 0; i < s->count && zset_iterator_next(&it, &member, &length, &score); i++) {
            int flags = 0;
            zset_add(&result, member, length, score, &flags, NULL);
        }
        zset_iterator_finish(&it);
    }
    zset_reply_store(c, destination, &result, "zrangestore");
}

/* Redis's zrangeGenericCommand: `first` is the source key's position. */
static void zrange_generic(client *c, int first, bool store, enum range_kind kind, enum range_direction direction) {
    const resp_argument *key = &c->argv[first];
    int min_index = first + 1, max_index = first + 2;
    bool with_scores = false;
    long long offset = 0, limit = -1;
    for (int j = first + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (!store && args_is(&c->argv[j], "withscores")) {
            with_scores = true;
        } else if (args_is(&c->argv[j], "limit") && left >= 2) {
            if (!args_integer_or_reply(c, &c->argv[j + 1], &offset) ||
                !args_integer_or_reply(c, &c->argv[j + 2], &limit))
                return;
            j += 2;
        } else if (direction == DIRECTION_AUTO && args_is(&c->argv[j], "rev")) {
            direction = DIRECTION_REVERSE;
        } else if (kind == RANGE_AUTO && args_is(&c->argv[j], "bylex")) {
            kind = RANGE_LEX;
        } else if (kind == RANGE_AUTO && args_is(&c->argv[j], "byscore")) {
            kind = RANGE_SCORE;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (direction == DIRECTION_AUTO) direction = DIRECTION_FORWARD;
    if (kind == RANGE_AUTO) kind = RANGE_RANK;
    if (limit != -1 && kind == RANGE_RANK) {
        reply_error(c, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        return;
    }
    if (with_scores && kind == RANGE_LEX) {
        reply_error(c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    bool reverse = direction == DIRECTION_REVERSE;
    if (reverse && kind != RANGE_RANK) {
        int swap = min_index;
        min_index = max_index;
        max_index = swap;
    }
    long long rank_start = 0, rank_end = 0;
    zset_score_range score_range;
    zset_lex_range lex_range;
    if (kind == RANGE_RANK) {
        if (!args_integer_or_reply(c, &c->argv[min_index], &rank_start) ||
            !args_integer_or_reply(c, &c->argv[max_index], &rank_end))
            return;
    } else if (kind == RANGE_SCORE) {
        if (!zset_parse_score_range(&c->argv[min_index], &c->argv[max_index], &score_range)) {
            reply_error(c, "ERR min or max is not a float");
            return;
        }
    } else if (!zset_parse_lex_range(&c->argv[min_index], &c->argv[max_index], &lex_range)) {
        reply_error(c, "ERR min or max not valid string range item");
        return;
    }
    object *o = key_read(c, key);
    if (!o) {
        if (store) {
            zset empty = zset_create(0, 0);
            zset_reply_store(c, &c->argv[1], &empty, "zrangestore");
        } else {
            reply_array_header(c, 0);
        }
        return;
    }
    if (!key_check_type(c, o, OBJECT_ZSET)) return;
    zset z = zset_of(o);
    range_selection s;
    size_t start, end;
    if (kind == RANGE_RANK) {
        select_rank_range(zset_length(&z), rank_start, rank_end, reverse, &s);
    } else {
        if (kind == RANGE_SCORE) zset_score_ranks(&z, &score_range, &start, &end);
        else zset_lex_ranks(&z, &lex_range, &start, &end);
        select_bounded(start, end, offset, limit, reverse, &s);
    }
    if (store) store_selection(c, &c->argv[1], &z, &s, kind);
    else reply_selection(c, &z, &s, with_scores);
}

static void zset_zrange_command(client *c) { zrange_generic(c, 1, false, RANGE_AUTO, DIRECTION_AUTO); }
static void zset_zrangestore_command(client *c) { zrange_generic(c, 2, true, RANGE_AUTO, DIRECTION_AUTO); }
static void zset_zrevrange_command(client *c) { zrange_generic(c, 1, false, RANGE_RANK, DIRECTION_REVERSE); }
static void zset_zrangebyscore_command(client *c) {
    zrange_generic(c, 1, false, RANGE_SCORE, DIRECTION_FORWARD);
}
static void zset_zrevrangebyscore_command(client *c) {
    zrange_generic(c, 1, false, RANGE_SCORE, DIRECTION_REVERSE);
}
static void zset_zrangebylex_command(client *c) { zrange_generic(c, 1, false, RANGE_LEX, DIRECTION_FORWARD); }
static void zset_zrevrangebylex_command(client *c) { zrange_generic(c, 1, false, RANGE_LEX, DIRECTION_REVERSE); }

/* ---------------------------------------------------------------- ZCOUNT ZLEXCOUNT */

static void zset_zcount_command(client *c) {
    zset_score_range range;
    if (!zset_parse_score_range(&c->argv[2], &c->argv[3], &range)) {
        reply_error(c, "ERR min or max is not a float");
        return;
    }
    zset z;
    if (!zset_read(c, &c->argv[1], &z)) return;
    size_t start = 0, end = 0;
    if (z.value) zset_score_ranks(&z, &range, &start, &end);
    reply_integer(c, (long long)(end - start));
}

static void zset_zlexcount_command(client *c) {
    zset_lex_range range;
    if (!zset_parse_lex_range(&c->argv[2], &c->argv[3], &range)) {
        reply_error(c, "ERR min or max not valid string range item");
        return;
    }
    zset z;
    if (!zset_read(c, &c->argv[1], &z)) return;
    size_t start = 0, end = 0;
    if (z.value) zset_lex_ranks(&z, &range, &start, &end);
    reply_integer(c, (long long)(end - start));
}

/* ---------------------------------------------------------------- ZREMRANGEBY* */

static void zremrange_generic(client *c, enum range_kind kind) {
    long long rank_start = 0, rank_end = 0;
    zset_score_range score_range;
    zset_lex_range lex_range;
    if (kind == RANGE_RANK) {
        if (!args_integer_or_reply(c, &c->argv[2], &rank_start) || !args_integer_or_reply(c, &c->argv[3], &rank_end))
            return;
    } else if (kind == RANGE_SCORE) {
        if (!zset_parse_score_range(&c->argv[2], &c->argv[3], &score_range)) {
            reply_error(c, "ERR min or max is not a float");
            return;
        }
    } else if (!zset_parse_lex_range(&c->argv[2], &c->argv[3], &lex_range)) {
        reply_error(c, "ERR min or max not valid string range item");
        return;
    }
    object *o;
    if (!key_write_typed(c, &c->argv[1], OBJECT_ZSET, &o)) return;
    if (!o) {
        reply_integer(c, 0);
        return;
    }
    zset z = zset_open(o);
    size_t start, end;
    if (kind == RANGE_RANK) {
        range_selection s;
        select_rank_range(zset_length(&z), rank_start, rank_end, false, &s);
        start = s.first;
        end = s.first + s.count;
    } else if (kind == RANGE_SCORE) {
        zset_score_ranks(&z, &score_range, &start, &end);
    } else {
        zset_lex_ranks(&z, &lex_range, &start, &end);
    }
    size_t removed = end - start;
    if (removed) zset_delete_ranks(&z, start, removed);
    zset_store(key_db(c), &o, &z);
    if (removed) {
        bool emptied = zset_length(&z) == 0;
        if (emptied) db_delete(key_db(c), c->argv[1].data, c->argv[1].length, true);
        key_modified(c, &c->argv[1], (long long)removed);
        static const char *const events[] = {[RANGE_RANK] = "zremrangebyrank", [RANGE_SCORE] = "zremrangebyscore",
                                              [RANGE_LEX] = "zremrangebylex"};
        notify_keyspace_event(NOTIFY_ZSET, events[kind], c->db_index, c->argv[1].data, c->argv[1].length);
        if (emptied) notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, c->argv[1].data, c->argv[1].length);
    }
    reply_integer(c, (long long)removed);
}

static void zset_zremrangebyrank_command(client *c) { zremrange_generic(c, RANGE_RANK); }
static void zset_zremrangebyscore_command(client *c) { zremrange_generic(c, RANGE_SCORE); }
static void zset_zremrangebylex_command(client *c) { zremrange_generic(c, RANGE_LEX); }

/* ---------------------------------------------------------------- table */

#define ZRANGE_SPEC(command_name, function, command_arity, text, version, cost)                                \
    {.name = command_name, .handler = function, .arity = command_arity, .flags = COMMAND_READONLY,              \
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_SORTEDSET | ACL_SLOW,            \
     .group = "sorted-set", .summary = text, .since = version, .complexity = cost}
#define ZREMRANGE_SPEC(command_name, function, text, version, cost)                                             \
    {.name = command_name, .handler = function, .arity = 4, .flags = COMMAND_WRITE, .first_key = 1,             \
     .last_key = 1, .key_step = 1, .categories = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .group = "sorted-set",    \
     .summary = text, .since = version, .complexity = cost, .key_flags = KEY_RW | KEY_DELETE}

const command_spec zset_range_commands[] = {
    ZRANGE_SPEC("zrange", zset_zrange_command, -4, "Return a range of members in a sorted set", "1.2.0",
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."),
    {.name = "zrangestore", .handler = zset_zrangestore_command, .arity = -5,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = 2, .key_step = 1,
     .categories = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .group = "sorted-set",
     .summary = "Store a range of members from sorted set into another key", .since = "6.2.0",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
     .first_key_flags = KEY_OW | KEY_UPDATE, .key_flags = KEY_RO | KEY_ACCESS},
    ZRANGE_SPEC("zrevrange", zset_zrevrange_command, -4,
                "Return a range of members in a sorted set, by index, with scores ordered from high to low", "1.2.0",
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."),
    ZRANGE_SPEC("zrangebyscore", zset_zrangebyscore_command, -4, "Return a range of members in a sorted set, by score",
                "1.0.5",
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."),
    ZRANGE_SPEC("zrevrangebyscore", zset_zrevrangebyscore_command, -4,
                "Return a range of members in a sorted set, by score, with scores ordered from high to low", "2.2.0",
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."),
    ZRANGE_SPEC("zrangebylex", zset_zrangebylex_command, -4,
                "Return a range of members in a sorted set, by lexicographical range", "2.8.9",
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."),
    ZRANGE_SPEC("zrevrangebylex", zset_zrevrangebylex_command, -4,
                "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
                "2.8.9",
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."),
    {.name = "zcount", .handler = zset_zcount_command, .arity = 4, .flags = COMMAND_READONLY | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_SORTEDSET | ACL_FAST,
     .group = "sorted-set", .summary = "Count the members in a sorted set with scores within the given values",
     .since = "2.0.0", .complexity = "O(log(N)) with N being the number of elements in the sorted set."},
    {.name = "zlexcount", .handler = zset_zlexcount_command, .arity = 4, .flags = COMMAND_READONLY | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_SORTEDSET | ACL_FAST,
     .group = "sorted-set",
     .summary = "Count the number of members in a sorted set between a given lexicographical range",
     .since = "2.8.9", .complexity = "O(log(N)) with N being the number of elements in the sorted set."},
    ZREMRANGE_SPEC("zremrangebyrank", zset_zremrangebyrank_command,
                   "Remove all members in a sorted set within the given indexes", "2.0.0",
                   "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."),
    ZREMRANGE_SPEC("zremrangebyscore", zset_zremrangebyscore_command,
                   "Remove all members in a sorted set within the given scores", "1.2.0",
                   "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."),
    ZREMRANGE_SPEC("zremrangebylex", zset_zremrangebylex_command,
                   "Remove all members in a sorted set between the given lexicographical range", "2.8.9",
                   "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."),
    {0}};
