/* zset_commands: the sorted-set commands that read or change members one at
 * a time: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZPOPMIN
 * ZPOPMAX ZMPOP ZRANDMEMBER ZSCAN.  Ranges live in zset_range_commands.c,
 * the multi-key algebra in zset_setop_commands.c.
 *
 * Every handler follows Redis 7.0's order of checks (syntax, then numbers,
 * then the key's type) so that a bad command gets the same error as there.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "command.h"
#include "glob.h"
#include "key_access.h"
#include "notify.h"
#include "propagate.h"
#include "reply.h"
#include "zmalloc.h"
#include "zset.h"
#include "zset_commands.h"
#include "zset_reply.h"

static const char nan_error[] = "ERR resulting score is not a number (NaN)";

/* ---------------------------------------------------------------- ZADD ZINCRBY */

static void zadd_generic(client *c, int flags) {
    bool ch = false;
    int first = 2;
    for (; first < c->argc; first++) {
        const resp_argument *a = &c->argv[first];
        if (args_is(a, "nx")) flags |= ZSET_ADD_NX;
        else if (args_is(a, "xx")) flags |= ZSET_ADD_XX;
        else if (args_is(a, "ch")) ch = true;
        else if (args_is(a, "incr")) flags |= ZSET_ADD_INCR;
        else if (args_is(a, "gt")) flags |= ZSET_ADD_GT;
        else if (args_is(a, "lt")) flags |= ZSET_ADD_LT;
        else break;
    }
    int elements = c->argc - first;
    if (elements % 2 || elements == 0) {
        reply_syntax_error(c);
        return;
    }
    elements /= 2;
    bool nx = flags & ZSET_ADD_NX, xx = flags & ZSET_ADD_XX, gt = flags & ZSET_ADD_GT, lt = flags & ZSET_ADD_LT;
    if (nx && xx) {
        reply_error(c, "ERR XX and NX options at the same time are not compatible");
        return;
    }
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
        reply_error(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    bool incr = flags & ZSET_ADD_INCR;
    if (incr && elements > 1) {
        reply_error(c, "ERR INCR option supports a single increment-element pair");
        return;
    }
    double stack_scores[16];
    double *scores = elements <= 16 ? stack_scores : zmalloc_alloc((size_t)elements * sizeof(double));
    for (int j = 0; j < elements; j++) {
        if (!zset_parse_score(c, &c->argv[first + 2 * j], &scores[j])) goto done;
    }
    object *o;
    const resp_argument *key = &c->argv[1];
    if (!key_write_typed(c, key, OBJECT_ZSET, &o)) goto done;
    long long added = 0, updated = 0, processed = 0;
    double score = 0;
    bool failed = false;
    if (o == NULL && xx) goto answer;
    /* a new key is built aside and added whole */
    zset z = o ? zset_open(o) : zset_create(0, c->argv[first + 1].length);
    for (int j = 0; j < elements; j++) {
        int out = flags;
        double new_score = 0;
        const resp_argument *member = &c->argv[first + 2 * j + 1];
        if (!zset_add(&z, member->data, member->length, scores[j], &out, &new_score)) {
            failed = true;
            break;
        }
        if (out & ZSET_ADD_OUT_ADDED) added++;
        if (out & ZSET_ADD_OUT_UPDATED) updated++;
        if (!(out & ZSET_ADD_OUT_NOP)) processed++;
        score = new_score;
    }
    if (o) {
        zset_store(key_db(c), &o, &z);
    } else if (zset_length(&z) == 0) {
        zset_release(&z);
    } else {
        o = zset_create_object(key->data, key->length, &z, OBJECT_NO_EXPIRE);
        db_add(key_db(c), o);
    }
    if (added + updated) {
        key_modified(c, key, added + updated);
        notify_keyspace_event(NOTIFY_ZSET, incr ? "zincr" : "zadd", c->db_index, key->data, key->length);
    }
    if (failed) {
        reply_error(c, nan_error);
        goto done;
    }
answer:
    if (incr) {
        if (processed) reply_double(c, score);
        else reply_null(c);
    } else {
        reply_integer(c, ch ? added + updated : added);
    }
done:
    if (scores != stack_scores) zmalloc_free(scores);
}

void zset_zadd_command(client *c) { zadd_generic(c, 0); }
static void zset_zincrby_command(client *c) { zadd_generic(c, ZSET_ADD_INCR); }

/* ---------------------------------------------------------------- ZREM ZCARD */

static void zset_zrem_command(client *c) {
    object *o;
    if (!key_write_typed(c, &c->argv[1], OBJECT_ZSET, &o)) return;
    if (!o) {
        reply_integer(c, 0);
        return;
    }
    zset z = zset_open(o);
    long long deleted = 0;
    bool emptied = false;
    for (int j = 2; j < c->argc; j++) {
        if (zset_remove(&z, c->argv[j].data, c->argv[j].length)) deleted++;
        if (zset_length(&z) == 0) {
            emptied = true;
            break;
        }
    }
    zset_store(key_db(c), &o, &z);
    if (emptied) db_delete(key_db(c), c->argv[1].data, c->argv[1].length, true);
    if (deleted) {
        key_modified(c, &c->argv[1], deleted);
        notify_keyspace_event(NOTIFY_ZSET, "zrem", c->db_index, c->argv[1].data, c->argv[1].length);
        if (emptied) notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, c->argv[1].data, c->argv[1].length);
    }
    reply_integer(c, deleted);
}

static void zset_zcard_command(client *c) {
    zset z;
    if (!zset_read(c, &c->argv[1], &z)) return;
    reply_integer(c, z.value ? (long long)zset_length(&z) : 0);
}

/* ---------------------------------------------------------------- ZSCORE ZMSCORE ZRANK */

static void zset_zscore_command(client *c) {
    zset z;
    double score;
    if (!zset_read(c, &c->argv[1], &z)) return;
    if (z.value && zset_score(&z, c->argv[2].data, c->argv[2].length, &score)) reply_double(c, score);
    else reply_null(c);
}

static void zset_zmscore_command(client *c) {
    zset z;
    if (!zset_read(c, &c->argv[1], &z)) return;
    reply_array_header(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double score;
        if (z.value && zset_score(&z, c->argv[j].data, c->argv[j].length, &score)) reply_double(c, score);
        else reply_null(c);
    }
}

static void zrank_generic(client *c, bool reverse) {
    zset z;
    if (!zset_read(c, &c->argv[1], &z)) return;
    double score;
    long long rank = z.value ? zset_rank(&z, c->argv[2].data, c->argv[2].length, reverse, &score) : -1;
    if (rank < 0) reply_null(c);
    else reply_integer(c, rank);
}

static void zset_zrank_command(client *c) { zrank_generic(c, false); }
static void zset_zrevrank_command(client *c) { zrank_generic(c, true); }

/* ---------------------------------------------------------------- ZPOPMIN ZPOPMAX ZMPOP */

bool zset_pop(client *c, const resp_argument *key, bool max, long long count, enum zset_pop_shape shape) {
    object *o = db_lookup_write(key_db(c), key->data, key->length);
    if (!o || object_type(o) != OBJECT_ZSET) return false;
    zset z = zset_open(o);
    size_t length = zset_length(&z);
    size_t take = (size_t)count > length ? length : (size_t)count;
    /* BZPOPMIN's [key, member, score] stays flat in RESP3 too */
    bool nested = shape == ZSET_POP_NESTED && zset_reply_nested(c);
    if (shape == ZSET_POP_KEYED) {
        reply_array_header(c, 2);
        reply_bulk(c, key->data, key->length);
        reply_array_header(c, (long long)take);
    } else if (shape == ZSET_POP_FLAT_KEYED) {
        reply_array_header(c, (long long)take * 2 + 1);
        reply_bulk(c, key->data, key->length);
    } else {
        reply_array_header(c, nested ? (long long)take : (long long)take * 2);
    }
    if (shape == ZSET_POP_KEYED) nested = true;
    zset_iterator it;
    zset_iterator_init(&it, &z, max ? length - 1 : 0, max);
    for (size_t i = 0; i < take; i++) {
        const char *member;
        size_t member_length;
        double score;
        zset_iterator_next(&it, &member, &member_length, &score);
        if (nested) reply_array_header(c, 2);
        reply_bulk(c, member, member_length);
        reply_double(c, score);
    }
    zset_iterator_finish(&it);
    if (shape == ZSET_POP_FLAT_KEYED || shape == ZSET_POP_KEYED) {
        /* BZPOP* and [B]ZMPOP are logged as the ZPOPMIN/ZPOPMAX they did. */
        char number[24];
        resp_argument argv[3] = {max ? PROPAGATE_ARG("ZPOPMAX") : PROPAGATE_ARG("ZPOPMIN"), *key,
                                 propagate_number(number, (long long)take)};
        propagate_prevent(c);
        propagate_also(c->db_index, shape == ZSET_POP_KEYED ? 3 : 2, argv);
    }
    zset_delete_ranks(&z, max ? length - take : 0, take);
    zset_store(key_db(c), &o, &z);
    if (take == length) db_delete(key_db(c), key->data, key->length, true);
    key_modified(c, key, (long long)take);
    notify_keyspace_event(NOTIFY_ZSET, max ? "zpopmax" : "zpopmin", c->db_index, key->data, key->length);
    if (take == length) notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, key->data, key->length);
    return true;
}

static void zpop_command(client *c, bool max) {
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    long long count = 1;
    bool counted = c->argc == 3;
    if (counted) {
        if (!args_integer(&c->argv[2], &count) || count < 0) {
            reply_error(c, "ERR value is out of range, must be positive");
            return;
        }
    }
    object *o;
    if (!key_write_typed(c, &c->argv[1], OBJECT_ZSET, &o)) return;
    if (!o || count == 0) {
        reply_array_header(c, 0);
        return;
    }
    zset_pop(c, &c->argv[1], max, count, counted ? ZSET_POP_NESTED : ZSET_POP_FLAT);
}

static void zset_zpopmin_command(client *c) { zpop_command(c, false); }
static void zset_zpopmax_command(client *c) { zpop_command(c, true); }

/* A count Redis reads with getRangeLongFromObjectOrReply and its own
 * message for both a non-number and a value below `minimum`. */
static bool positive_or_reply(client *c, const resp_argument *a, long long minimum, const char *message,
                              long long *value) {
    if (!args_integer(a, value) || *value < minimum) {
        reply_error(c, message);
        return false;
    }
    return true;
}

bool zset_parse_mpop(client *c, int numkeys_index, zset_mpop_arguments *out) {
    long long numkeys;
    if (!positive_or_reply(c, &c->argv[numkeys_index], 1, "ERR numkeys should be greater than 0", &numkeys))
        return false;
    if (numkeys >= c->argc - numkeys_index) {
        reply_syntax_error(c);
        return false;
    }
    int where = numkeys_index + (int)numkeys + 1;
    if (where >= c->argc) {
        reply_syntax_error(c);
        return false;
    }
    if (args_is(&c->argv[where], "min")) out->max = false;
    else if (args_is(&c->argv[where], "max")) out->max = true;
    else {
        reply_syntax_error(c);
        return false;
    }
    out->count = -1;
    for (int j = where + 1; j < c->argc; j++) {
        if (out->count == -1 && args_is(&c->argv[j], "count") && j + 1 < c->argc) {
            j++;
            if (!positive_or_reply(c, &c->argv[j], 1, "ERR count should be greater than 0", &out->count))
                return false;
        } else {
            reply_syntax_error(c);
            return false;
        }
    }
    if (out->count == -1) out->count = 1;
    out->keys = &c->argv[numkeys_index + 1];
    out->key_count = (int)numkeys;
    return true;
}

static void zset_zmpop_command(client *c) {
    zset_mpop_arguments arguments;
    if (!zset_parse_mpop(c, 1, &arguments)) return;
    for (int i = 0; i < arguments.key_count; i++) {
        object *o;
        if (!key_write_typed(c, &arguments.keys[i], OBJECT_ZSET, &o)) return;
        if (o) {
            zset_pop(c, &arguments.keys[i], arguments.max, arguments.count, ZSET_POP_KEYED);
            return;
        }
    }
    reply_null_array(c);
}

/* ---------------------------------------------------------------- ZRANDMEMBER */

/* `count` distinct ranks below `size`, in random order (Floyd's sampling
 * with a small open-addressing set of the chosen ranks). */
static size_t *distinct_ranks(size_t size, size_t count) {
    size_t capacity = 16;
    while (capacity < count * 2) capacity *= 2;
    size_t *seen = zmalloc_alloc(capacity * sizeof(size_t));
    memset(seen, 0xff, capacity * sizeof(size_t));
    size_t *ranks = zmalloc_alloc(count * sizeof(size_t));
    size_t n = 0;
    for (size_t j = size - count; j < size; j++) {
        size_t pick = (size_t)(((unsigned long long)random() << 31 ^ (unsigned long long)random()) % (j + 1));
        for (int attempt = 0; attempt < 2; attempt++) {
            size_t slot = (pick * 0x9e3779b97f4a7c15ULL) & (capacity - 1);
            bool present = false;
            while (seen[slot] != (size_t)-1) {
                if (seen[slot] == pick) {
                    present = true;
                    break;
                }
                slot = (slot + 1) & (capacity - 1);
            }
            if (!present) {
                seen[slot] = pick;
                ranks[n++] = pick;
                break;
            }
            pick = j;
        }
    }
    zmalloc_free(seen);
    return ranks;
}

static void reply_rank(client *c, const zset *z, size_t rank, bool with_scores) {
    zset_iterator it;
    zset_iterator_init(&it, z, rank, false);
    const char *member;
    size_t length;
    double score;
    zset_iterator_next(&it, &member, &length, &score);
    zset_reply_member(c, member, length, score, with_scores);
    zset_iterator_finish(&it);
}

static void zrandmember_count(client *c, long long l, bool with_scores) {
    zset z;
    if (!zset_read(c, &c->argv[1], &z)) return;
    if (!z.value || l == 0) {
        reply_array_header(c, 0);
        return;
    }
    size_t size = zset_length(&z);
    if (l < 0) {
        unsigned long long count = (unsigned long long)-l;
        zset_reply_header(c, (long long)count, with_scores);
        for (unsigned long long i = 0; i < count; i++) {
            zpack_entry e;
            zset_random_member(&z, &e);
            zset_reply_member(c, e.member, e.length, e.score, with_scores);
            if (c->flags & CLIENT_CLOSE_ASAP) break;
        }
        return;
    }
    size_t count = (size_t)l;
    if (count >= size) {
        /* all of them, highest first, as Redis's set-operation iterator walks */
        zset_reply_header(c, (long long)size, with_scores);
        zset_iterator it;
        zset_iterator_init(&it, &z, size - 1, true);
        const char *member;
        size_t length;
        double score;
        while (zset_iterator_next(&it, &member, &length, &score))
            zset_reply_member(c, member, length, score, with_scores);
        zset_iterator_finish(&it);
        return;
    }
    size_t *ranks = distinct_ranks(size, count);
    zset_reply_header(c, (long long)count, with_scores);
    for (size_t i = 0; i < count; i++) reply_rank(c, &z, ranks[i], with_scores);
    zmalloc_free(ranks);
}

static void zset_zrandmember_command(client *c) {
    if (c->argc >= 3) {
        long long l;
        if (!args_integer(&c->argv[2], &l) || l == LLONG_MIN) {
            if (!args_integer(&c->argv[2], &l)) reply_not_integer(c);
            else
                reply_error(c, "ERR value is out of range, value must between -9223372036854775807 and "
                               "9223372036854775807");
            return;
        }
        if (c->argc > 4 || (c->argc == 4 && !args_is(&c->argv[3], "withscores"))) {
            reply_syntax_error(c);
            return;
        }
        bool with_scores = c->argc == 4;
        if (with_scores && (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2)) {
            reply_error(c, "ERR value is out of range");
            return;
        }
        zrandmember_count(c, l, with_scores);
        return;
    }
    zset z;
    if (!zset_read(c, &c->argv[1], &z)) return;
    if (!z.value) {
        reply_null(c);
        return;
    }
    zpack_entry e;
    zset_random_member(&z, &e);
    reply_bulk(c, e.member, e.length);
}

/* ---------------------------------------------------------------- ZSCAN */

typedef struct zscan_collect {
    const resp_argument *pattern;
    bool packed;
    long long kept;
    char **texts; /* member, score, member, score... (zmalloc'd) */
    size_t *lengths;
    size_t count, capacity;
} zscan_collect;

static void zscan_push(zscan_collect *s, const char *bytes, size_t length) {
    if (s->count == s->capacity) {
        s->capacity = s->capacity ? s->capacity * 2 : 32;
        s->texts = zmalloc_realloc(s->texts, s->capacity * sizeof(char *));
        s->lengths = zmalloc_realloc(s->lengths, s->capacity * sizeof(size_t));
    }
    char *copy = zmalloc_alloc(length + 1);
    memcpy(copy, bytes, length);
    s->texts[s->count] = copy;
    s->lengths[s->count++] = length;
}

static void zscan_visit(void *context, const char *member, size_t length, double score) {
    zscan_collect *s = context;
    char text[64];
    size_t text_length = zset_format_score(score, s->packed, text);
    s->kept++;
    zscan_push(s, member, length);
    zscan_push(s, text, text_length);
}

static bool parse_cursor(const resp_argument *a, unsigned long *cursor) {
    char text[64];
    if (a->length == 0 || a->length >= sizeof(text)) return false;
    memcpy(text, a->data, a->length);
    text[a->length] = '\0';
    if (text[0] == ' ' || (text[0] >= '\t' && text[0] <= '\r')) return false;
    char *end;
    errno = 0;
    *cursor = strtoul(text, &end, 10);
    return *end == '\0' && errno != ERANGE;
}

size_t zset_format_score(double score, bool packed, char *text) {
    int length;
    if (isinf(score)) length = snprintf(text, 64, score > 0 ? "inf" : "-inf");
    else if (packed && score == (double)(long long)score && score > -4.6e18 && score < 4.6e18)
        length = snprintf(text, 64, "%lld", (long long)score);
    else length = snprintf(text, 64, "%.17Lg", (long double)score);
    return (size_t)length;
}

static void zset_zscan_command(client *c) {
    unsigned long cursor;
    if (!parse_cursor(&c->argv[2], &cursor)) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    zset z;
    if (!zset_read(c, &c->argv[1], &z)) return;
    if (!z.value) {
        reply_array_header(c, 2);
        reply_bulk(c, "0", 1);
        reply_array_header(c, 0);
        return;
    }
    long long count = 10;
    const resp_argument *pattern = NULL;
    for (int i = 3; i < c->argc; i += 2) {
        bool has_value = c->argc - i >= 2;
        if (args_is(&c->argv[i], "count") && has_value) {
            if (!args_integer_or_reply(c, &c->argv[i + 1], &count)) return;
            if (count < 1) {
                reply_syntax_error(c);
                return;
            }
        } else if (args_is(&c->argv[i], "match") && has_value) {
            pattern = &c->argv[i + 1];
            if (pattern->length == 1 && pattern->data[0] == '*') pattern = NULL;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    zscan_collect s = {pattern, z.encoding == OBJECT_ENCODING_LISTPACK, 0, NULL, NULL, 0, 0};
    long long iterations = count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
    do {
        cursor = zset_scan(&z, cursor, zscan_visit, &s);
    } while (cursor != 0 && iterations-- > 0 && s.kept < count);
    char digits[24];
    int digits_length = snprintf(digits, sizeof(digits), "%lu", cursor);
    reply_array_header(c, 2);
    reply_bulk(c, digits, (size_t)digits_length);
    size_t matching = 0;
    for (size_t i = 0; i < s.count; i += 2)
        if (!pattern || glob_match(pattern->data, pattern->length, s.texts[i], s.lengths[i], 0)) matching++;
    reply_array_header(c, (long long)matching * 2);
    for (size_t i = 0; i < s.count; i += 2) {
        if (!pattern || glob_match(pattern->data, pattern->length, s.texts[i], s.lengths[i], 0)) {
            reply_bulk(c, s.texts[i], s.lengths[i]);
            reply_bulk(c, s.texts[i + 1], s.lengths[i + 1]);
        }
    }
    for (size_t i = 0; i < s.count; i++) zmalloc_free(s.texts[i]);
    zmalloc_free(s.texts);
    zmalloc_free(s.lengths);
}

/* ---------------------------------------------------------------- table */

#define ZSET_READ_FAST (COMMAND_READONLY | COMMAND_FAST)
#define ZSET_WRITE_FAST (COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST)
#define ACL_ZREAD_FAST (ACL_READ | ACL_SORTEDSET | ACL_FAST)
#define ACL_ZWRITE_FAST (ACL_WRITE | ACL_SORTEDSET | ACL_FAST)

const command_spec zset_commands[] = {
    {.name = "zadd", .handler = zset_zadd_command, .arity = -4, .flags = ZSET_WRITE_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_ZWRITE_FAST, .group = "sorted-set",
     .summary = "Add one or more members to a sorted set, or update its score if it already exists",
     .since = "1.2.0", .complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set."},
    {.name = "zincrby", .handler = zset_zincrby_command, .arity = 4, .flags = ZSET_WRITE_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_ZWRITE_FAST, .group = "sorted-set",
     .summary = "Increment the score of a member in a sorted set", .since = "1.2.0",
     .complexity = "O(log(N)) where N is the number of elements in the sorted set.",
     .key_flags = KEY_RW | KEY_ACCESS | KEY_UPDATE},
    {.name = "zrem", .handler = zset_zrem_command, .arity = -3, .flags = COMMAND_WRITE | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_ZWRITE_FAST, .group = "sorted-set",
     .summary = "Remove one or more members from a sorted set", .since = "1.2.0",
     .complexity = "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
     .key_flags = KEY_RW | KEY_DELETE},
    {.name = "zcard", .handler = zset_zcard_command, .arity = 2, .flags = ZSET_READ_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_ZREAD_FAST, .group = "sorted-set",
     .summary = "Get the number of members in a sorted set", .since = "1.2.0", .complexity = "O(1)",
     .key_flags = KEY_RO},
    {.name = "zscore", .handler = zset_zscore_command, .arity = 3, .flags = ZSET_READ_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_ZREAD_FAST, .group = "sorted-set",
     .summary = "Get the score associated with the given member in a sorted set", .since = "1.2.0",
     .complexity = "O(1)"},
    {.name = "zmscore", .handler = zset_zmscore_command, .arity = -3, .flags = ZSET_READ_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_ZREAD_FAST, .group = "sorted-set",
     .summary = "Get the score associated with the given members in a sorted set", .since = "6.2.0",
     .complexity = "O(N) where N is the number of members being requested."},
    {.name = "zrank", .handler = zset_zrank_command, .arity = 3, .flags = ZSET_READ_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_ZREAD_FAST, .group = "sorted-set",
     .summary = "Determine the index of a member in a sorted set", .since = "2.0.0", .complexity = "O(log(N))"},
    {.name = "zrevrank", .handler = zset_zrevrank_command, .arity = 3, .flags = ZSET_READ_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_ZREAD_FAST, .group = "sorted-set",
     .summary = "Determine the index of a member in a sorted set, with scores ordered from high to low",
     .since = "2.0.0", .complexity = "O(log(N))"},
    {.name = "zpopmin", .handler = zset_zpopmin_command, .arity = -2, .flags = COMMAND_WRITE | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_ZWRITE_FAST, .group = "sorted-set",
     .summary = "Remove and return members with the lowest scores in a sorted set", .since = "5.0.0",
     .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
     .key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE},
    {.name = "zpopmax", .handler = zset_zpopmax_command, .arity = -2, .flags = COMMAND_WRITE | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_ZWRITE_FAST, .group = "sorted-set",
     .summary = "Remove and return members with the highest scores in a sorted set", .since = "5.0.0",
     .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
     .key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE},
    {.name = "zmpop", .handler = zset_zmpop_command, .arity = -4, .flags = COMMAND_WRITE | COMMAND_MOVABLE_KEYS,
     .categories = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .group = "sorted-set",
     .summary = "Remove and return members with scores in a sorted set", .since = "7.0.0",
     .complexity = "O(K) + O(N*log(M)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
     .key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE, .key_count_at = 1},
    {.name = "zrandmember", .handler = zset_zrandmember_command, .arity = -2, .flags = COMMAND_READONLY,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_SORTEDSET | ACL_SLOW,
     .group = "sorted-set", .summary = "Get one or multiple random elements from a sorted set", .since = "6.2.0",
     .complexity = "O(N) where N is the number of elements returned", .tips = "nondeterministic_output"},
    {.name = "zscan", .handler = zset_zscan_command, .arity = -3, .flags = COMMAND_READONLY, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .group = "sorted-set",
     .summary = "Incrementally iterate sorted sets elements and associated scores", .since = "2.8.0",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
     .tips = "nondeterministic_output"},
    {0}};
