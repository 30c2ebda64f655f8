/* zset_reply: what the sorted-set and GEO command files share: reading a
 * set for a command, writing a result set to a destination key, and the
 * reply shapes of members with scores in RESP2 and RESP3.
 *
 * Result sets are built detached (a `zset` handle no key owns) and handed to
 * zset_reply_store, which takes ownership, so a destination that is also a
 * source is only replaced once the result is complete.
 */
#ifndef ZKV_ZSET_REPLY_H
#define ZKV_ZSET_REPLY_H

#include <stdbool.h>

#include "client.h"
#include "zset.h"

/* The set at `key` for reading: true with *z filled (z->value NULL when the
 * key is missing), false after replying WRONGTYPE. */
bool zset_read(client *c, const resp_argument *key, zset *z);

/* Stores `result` (consumed) under `key`, replacing whatever was there, and
 * publishes `event` or, when it is empty, deletes `key` (a "del" event if
 * it existed); replies the result's length. */
void zset_reply_store(client *c, const resp_argument *key, zset *result, const char *event);

/* Whether WITHSCORES replies nest [member, score] pairs (RESP3). */
bool zset_reply_nested(const client *c);
/* The array header of `count` members, with scores or not. */
void zset_reply_header(client *c, long long count, bool with_scores);
/* One member, with its score when `with_scores` (a pair array in RESP3). */
void zset_reply_member(client *c, const char *member, size_t length, double score, bool with_scores);

/* A score argument (ZADD, ZINCRBY) by Redis's getDoubleFromObject rules,
 * whatever its length; replies "ERR value is not a valid float" when it is
 * not one. */
bool zset_parse_score(client *c, const resp_argument *argument, double *value);

/* Score and lex range bounds as Redis parses them ("(1.5", "-inf", "[a",
 * "-", "+"); false when the text is not one. */
typedef struct zset_score_range {
    double min, max;
    bool min_exclusive, max_exclusive;
} zset_score_range;
bool zset_parse_score_range(const resp_argument *min, const resp_argument *max, zset_score_range *range);

typedef struct zset_lex_bound {
    int kind;            /* -1: "-" (below all), 1: "+" (above all), 0: a member */
    bool exclusive;
    const char *member;  /* into the argument */
    size_t length;
} zset_lex_bound;
typedef struct zset_lex_range {
    zset_lex_bound min, max;
} zset_lex_range;
bool zset_parse_lex_range(const resp_argument *min, const resp_argument *max, zset_lex_range *range);

/* The ascending ranks [*start, *end) a range covers (empty when end <= start). */
void zset_score_ranks(const zset *z, const zset_score_range *range, size_t *start, size_t *end);
void zset_lex_ranks(const zset *z, const zset_lex_range *range, size_t *start, size_t *end);

#endif
