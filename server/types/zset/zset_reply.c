/* zset_reply: helpers shared by the sorted-set command files (zset_reply.h). */
#include "zset_reply.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "command.h"
#include "key_access.h"
#include "notify.h"
#include "reply.h"
#include "zmalloc.h"

bool zset_read(client *c, const resp_argument *key, zset *z) {
    object *o;
    *z = (zset){.value = NULL};
    if (!key_read_typed(c, key, OBJECT_ZSET, &o)) return false;
    if (o) *z = zset_of(o);
    return true;
}

void zset_reply_store(client *c, const resp_argument *key, zset *result, const char *event) {
    db *d = key_db(c);
    size_t length = zset_length(result);
    if (length == 0) {
        zset_release(result);
        if (db_delete(d, key->data, key->length, false)) {
            server.stats.dirty++;
            notify_keyspace_event(NOTIFY_GENERIC, "del", d->index, key->data, key->length);
        }
        reply_integer(c, 0);
        return;
    }
    object *o = zset_create_object(key->data, key->length, result, OBJECT_NO_EXPIRE);
    db_set(d, o);
    server.stats.dirty++;
    notify_keyspace_event(NOTIFY_ZSET, event, d->index, key->data, key->length);
    reply_integer(c, (long long)length);
}

bool zset_reply_nested(const client *c) { return c->resp_version >= 3; }

void zset_reply_header(client *c, long long count, bool with_scores) {
    reply_array_header(c, with_scores && !zset_reply_nested(c) ? count * 2 : count);
}

void zset_reply_member(client *c, const char *member, size_t length, double score, bool with_scores) {
    if (with_scores && zset_reply_nested(c)) reply_array_header(c, 2);
    reply_bulk(c, member, length);
    if (with_scores) reply_double(c, score);
}

/* Redis reads a bound with strtod after an optional '(': leading spaces,
 * hexadecimal, "inf", out-of-range values and even an empty text (0) are
 * accepted, NaN and trailing bytes are not. */
static bool parse_score_bound(const resp_argument *argument, double *value, bool *exclusive) {
    const char *text = argument->data;
    size_t length = argument->length;
    *exclusive = length > 0 && text[0] == '(';
    if (*exclusive) {
        text++;
        length--;
    }
    char stack[64];
    char *copy = length < sizeof(stack) ? stack : zmalloc_alloc(length + 1);
    memcpy(copy, text, length);
    copy[length] = '\0';
    char *end;
    *value = strtod(copy, &end);
    bool valid = *end == '\0' && !isnan(*value);
    if (copy != stack) zmalloc_free(copy);
    return valid;
}

bool zset_parse_score(client *c, const resp_argument *argument, double *value) {
    if (argument->length < 128) return args_double_or_reply(c, argument, value);
    /* Long texts ("179769...368.00000000000000000", DBL_MAX written out)
     * are valid doubles too: the same rules on a heap copy. */
    char *copy = zmalloc_alloc(argument->length + 1);
    memcpy(copy, argument->data, argument->length);
    copy[argument->length] = '\0';
    char *end;
    errno = 0;
    double parsed = strtod(copy, &end);
    bool valid = !isspace((unsigned char)copy[0]) && (size_t)(end - copy) == argument->length && !isnan(parsed) &&
                 !(errno == ERANGE && (parsed == HUGE_VAL || parsed == -HUGE_VAL || parsed == 0));
    zmalloc_free(copy);
    if (!valid) {
        reply_not_float(c);
        return false;
    }
    *value = parsed;
    return true;
}

bool zset_parse_score_range(const resp_argument *min, const resp_argument *max, zset_score_range *range) {
    return parse_score_bound(min, &range->min, &range->min_exclusive) &&
           parse_score_bound(max, &range->max, &range->max_exclusive);
}

static bool parse_lex_bound(const resp_argument *argument, zset_lex_bound *bound) {
    bound->member = NULL;
    bound->length = 0;
    bound->exclusive = false;
    if (argument->length == 0) return false;
    char first = argument->data[0];
    if (argument->length == 1 && (first == '+' || first == '-')) {
        bound->kind = first == '+' ? 1 : -1;
        return true;
    }
    if (first != '(' && first != '[') return false;
    bound->kind = 0;
    bound->exclusive = first == '(';
    bound->member = argument->data + 1;
    bound->length = argument->length - 1;
    return true;
}

bool zset_parse_lex_range(const resp_argument *min, const resp_argument *max, zset_lex_range *range) {
    return parse_lex_bound(min, &range->min) && parse_lex_bound(max, &range->max);
}

void zset_score_ranks(const zset *z, const zset_score_range *range, size_t *start, size_t *end) {
    *start = zset_count_score_below(z, range->min, range->min_exclusive);
    *end = zset_count_score_below(z, range->max, !range->max_exclusive);
    if (*end < *start) *end = *start;
}

/* Members before a bound: "-" none, "+" all. */
static size_t lex_below(const zset *z, const zset_lex_bound *bound, bool or_equal) {
    if (bound->kind < 0) return 0;
    if (bound->kind > 0) return zset_length(z);
    return zset_count_member_below(z, bound->member, bound->length, or_equal);
}

void zset_lex_ranks(const zset *z, const zset_lex_range *range, size_t *start, size_t *end) {
    *start = lex_below(z, &range->min, range->min.exclusive);
    *end = lex_below(z, &range->max, !range->max.exclusive);
    if (*end < *start) *end = *start;
}
