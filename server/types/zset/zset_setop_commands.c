/* zset_setop_commands: the sorted-set algebra: ZUNION ZINTER ZDIFF, their
 * STORE forms, and ZINTERCARD.
 *
 * Inputs may be sorted sets or any collection whose type offers
 * for_each_element (plain sets: every member weighs 1.0, as in Redis); such
 * an input is first copied into a temporary sorted set so that membership
 * tests cost O(1) whatever its type.  The result is accumulated in a big
 * (tree) set, so each member costs O(log n), and a stored result converts to
 * the packed encoding when it fits, as Redis's zsetConvertToListpackIfNeeded.
 * Inputs are visited smallest first for ZINTER/ZUNION (a stable sort, like
 * Redis's qsort on these small arrays), which also fixes the order in which
 * floating-point sums are taken.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "args.h"
#include "command.h"
#include "key_access.h"
#include "reply.h"
#include "zmalloc.h"
#include "zset.h"
#include "zset_commands.h"
#include "zset_reply.h"

enum setop { SETOP_UNION, SETOP_INTER, SETOP_DIFF };
enum aggregate { AGGREGATE_SUM, AGGREGATE_MIN, AGGREGATE_MAX };

typedef struct setop_source {
    const object *o; /* NULL: missing key (an empty input) */
    zset z;          /* the sorted set, or a temporary copy of another collection */
    bool owned;      /* z is a temporary copy */
    double weight;
} setop_source;

static void copy_element(void *context, const char *bytes, size_t length, double score) {
    int flags = 0;
    zset_add(context, bytes, length, score, &flags, NULL);
}

/* Reads input `o` (true), or replies WRONGTYPE (false). */
static bool source_open(client *c, const object *o, setop_source *s) {
    s->o = o;
    s->owned = false;
    s->weight = 1.0;
    s->z = (zset){.value = NULL};
    if (!o) return true;
    if (object_type(o) == OBJECT_ZSET) {
        s->z = zset_of(o);
        return true;
    }
    const object_type_functions *type = object_type_table(object_type(o));
    if (object_type(o) != OBJECT_SET || !type->for_each_element) {
        reply_wrong_type(c);
        return false;
    }
    s->z = zset_create(SIZE_MAX, 0);
    s->owned = true;
    type->for_each_element(object_value(o), copy_element, &s->z);
    return true;
}

static size_t source_length(const setop_source *s) { return s->z.value ? zset_length(&s->z) : 0; }

static void aggregate_into(double *target, double value, enum aggregate how) {
    if (how == AGGREGATE_SUM) {
        *target += value;
        if (isnan(*target)) *target = 0.0; /* inf + -inf */
    } else if (how == AGGREGATE_MIN) {
        if (value < *target) *target = value;
    } else if (value > *target) {
        *target = value;
    }
}

static void add_or_aggregate(zset *result, const char *member, size_t length, double score, enum aggregate how) {
    double current;
    if (zset_score(result, member, length, &current)) {
        double aggregated = current;
        aggregate_into(&aggregated, score, how);
        /* -0 and 0 compare equal, but the sum of the two must print 0 */
        if (memcmp(&aggregated, &current, sizeof(double)) == 0) return;
        zset_remove(result, member, length);
        score = aggregated;
    }
    int flags = 0;
    zset_add(result, member, length, score, &flags, NULL);
}

static size_t compute(setop_source *sources, long count, enum setop op, enum aggregate how, zset *result,
                      bool cardinality_only, long long limit) {
    size_t cardinality = 0;
    zset_iterator it;
    const char *member;
    size_t length;
    double score;
    if (op == SETOP_UNION) {
        for (long i = 0; i < count; i++) {
            if (source_length(&sources[i]) == 0) continue;
            zset_iterator_init(&it, &sources[i].z, 0, false);
            while (zset_iterator_next(&it, &member, &length, &score)) {
                double value = sources[i].weight * score;
                if (isnan(value)) value = 0;
                add_or_aggregate(result, member, length, value, how);
            }
            zset_iterator_finish(&it);
        }
        return zset_length(result);
    }
    if (source_length(&sources[0]) == 0) return 0;
    zset_iterator_init(&it, &sources[0].z, 0, false);
    if (op == SETOP_DIFF) {
        while (zset_iterator_next(&it, &member, &length, &score)) {
            bool found = false;
            double ignored;
            for (long j = 1; j < count && !found; j++)
                found = source_length(&sources[j]) && zset_score(&sources[j].z, member, length, &ignored);
            if (!found) copy_element(result, member, length, score);
        }
        zset_iterator_finish(&it);
        return zset_length(result);
    }
    while (zset_iterator_next(&it, &member, &length, &score)) {
        double total = sources[0].weight * score;
        if (isnan(total)) total = 0;
        long j;
        for (j = 1; j < count; j++) {
            double value;
            if (sources[j].o == sources[0].o) {
                value = score * sources[j].weight;
            } else if (source_length(&sources[j]) && zset_score(&sources[j].z, member, length, &value)) {
                value *= sources[j].weight;
            } else {
                break;
            }
            aggregate_into(&total, value, how);
        }
        if (j < count) continue;
        cardinality++;
        if (cardinality_only) {
            if (limit && cardinality >= (size_t)limit) break;
        } else {
            int flags = 0;
            zset_add(result, member, length, total, &flags, NULL);
        }
    }
    zset_iterator_finish(&it);
    return cardinality_only ? cardinality : zset_length(result);
}

/* Redis's zunionInterDiffGenericCommand: `numkeys_index` is the numkeys
 * argument, `destination` NULL unless storing. */
static void setop_generic(client *c, const resp_argument *destination, int numkeys_index, enum setop op,
                          bool cardinality_only) {
    long long count;
    if (!args_integer_or_reply(c, &c->argv[numkeys_index], &count)) return;
    if (count < 1) {
        reply_error_format(c, "ERR at least 1 input key is needed for '%s' command", c->command->full_name);
        return;
    }
    if (count > c->argc - (numkeys_index + 1)) {
        reply_syntax_error(c);
        return;
    }
    setop_source *sources = zmalloc_calloc((size_t)count * sizeof(setop_source));
    long opened = 0;
    int j = numkeys_index + 1;
    enum aggregate how = AGGREGATE_SUM;
    bool with_scores = false;
    long long limit = 0;
    for (; opened < count; opened++, j++) {
        if (!source_open(c, key_read(c, &c->argv[j]), &sources[opened])) goto done;
    }
    while (j < c->argc) {
        int remaining = c->argc - j;
        if (op != SETOP_DIFF && !cardinality_only && remaining >= count + 1 && args_is(&c->argv[j], "weights")) {
            j++;
            for (long i = 0; i < count; i++, j++) {
                if (!number_parse_double(c->argv[j].data, c->argv[j].length, &sources[i].weight)) {
                    reply_error(c, "ERR weight value is not a float");
                    goto done;
                }
            }
        } else if (op != SETOP_DIFF && !cardinality_only && remaining >= 2 && args_is(&c->argv[j], "aggregate")) {
            j++;
            if (args_is(&c->argv[j], "sum")) how = AGGREGATE_SUM;
            else if (args_is(&c->argv[j], "min")) how = AGGREGATE_MIN;
            else if (args_is(&c->argv[j], "max")) how = AGGREGATE_MAX;
            else {
                reply_syntax_error(c);
                goto done;
            }
            j++;
        } else if (!destination && !cardinality_only && args_is(&c->argv[j], "withscores")) {
            j++;
            with_scores = true;
        } else if (cardinality_only && remaining >= 2 && args_is(&c->argv[j], "limit")) {
            j++;
            if (!args_integer(&c->argv[j], &limit) || limit < 0) {
                reply_error(c, "ERR LIMIT can't be negative");
                goto done;
            }
            j++;
        } else {
            reply_syntax_error(c);
            goto done;
        }
    }
    if (op != SETOP_DIFF) {
        /* stable insertion sort by length: a handful of inputs */
        for (long a = 1; a < count; a++) {
            setop_source moving = sources[a];
            long b = a;
            while (b > 0 && source_length(&sources[b - 1]) > source_length(&moving)) {
                sources[b] = sources[b - 1];
                b--;
            }
            sources[b] = moving;
        }
    }
    zset result = zset_create(SIZE_MAX, 0);
    size_t produced = compute(sources, (long)count, op, how, &result, cardinality_only, limit);
    if (cardinality_only) {
        reply_integer(c, (long long)produced);
        zset_release(&result);
    } else if (destination) {
        zset_shrink_if_fits(&result);
        static const char *const events[] = {[SETOP_UNION] = "zunionstore", [SETOP_INTER] = "zinterstore",
                                              [SETOP_DIFF] = "zdiffstore"};
        zset_reply_store(c, destination, &result, events[op]);
    } else {
        zset_reply_header(c, (long long)produced, with_scores);
        zset_iterator it;
        zset_iterator_init(&it, &result, 0, false);
        const char *member;
        size_t length;
        double score;
        while (zset_iterator_next(&it, &member, &length, &score))
            zset_reply_member(c, member, length, score, with_scores);
        zset_iterator_finish(&it);
        zset_release(&result);
    }
done:
    for (long i = 0; i < opened; i++)
        if (sources[i].owned) zset_release(&sources[i].z);
    zmalloc_free(sources);
}

static void zset_zunion_command(client *c) { setop_generic(c, NULL, 1, SETOP_UNION, false); }
static void zset_zinter_command(client *c) { setop_generic(c, NULL, 1, SETOP_INTER, false); }
static void zset_zdiff_command(client *c) { setop_generic(c, NULL, 1, SETOP_DIFF, false); }
static void zset_zunionstore_command(client *c) { setop_generic(c, &c->argv[1], 2, SETOP_UNION, false); }
static void zset_zinterstore_command(client *c) { setop_generic(c, &c->argv[1], 2, SETOP_INTER, false); }
static void zset_zdiffstore_command(client *c) { setop_generic(c, &c->argv[1], 2, SETOP_DIFF, false); }
static void zset_zintercard_command(client *c) { setop_generic(c, NULL, 1, SETOP_INTER, true); }

#define SETOP_READ_SPEC(command_name, function, text, version, cost)                                   \
    {.name = command_name, .handler = function, .arity = -3,                                             \
     .flags = COMMAND_READONLY | COMMAND_MOVABLE_KEYS, .categories = ACL_READ | ACL_SORTEDSET | ACL_SLOW, \
     .group = "sorted-set", .summary = text, .since = version, .complexity = cost, .key_count_at = 1,     \
     .key_flags = KEY_RO | KEY_ACCESS}
#define SETOP_STORE_SPEC(command_name, function, text, version, cost)                                       \
    {.name = command_name, .handler = function, .arity = -4,                                                  \
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_MOVABLE_KEYS, .first_key = 1, .last_key = 1,          \
     .key_step = 1, .categories = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .group = "sorted-set", .summary = text, \
     .since = version, .complexity = cost, .key_count_at = 2, .first_key_flags = KEY_OW | KEY_UPDATE,         \
     .key_flags = KEY_RO | KEY_ACCESS}

const command_spec zset_setop_commands[] = {
    SETOP_READ_SPEC("zunion", zset_zunion_command, "Add multiple sorted sets", "6.2.0",
                    "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."),
    SETOP_READ_SPEC("zinter", zset_zinter_command, "Intersect multiple sorted sets", "6.2.0",
                    "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."),
    SETOP_READ_SPEC("zdiff", zset_zdiff_command, "Subtract multiple sorted sets", "6.2.0",
                    "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."),
    SETOP_READ_SPEC("zintercard", zset_zintercard_command, "Intersect multiple sorted sets and return the cardinality of the result",
                    "7.0.0",
                    "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets."),
    SETOP_STORE_SPEC("zunionstore", zset_zunionstore_command, "Add multiple sorted sets and store the resulting sorted set in a new key",
                     "2.0.0",
                     "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."),
    SETOP_STORE_SPEC("zinterstore", zset_zinterstore_command, "Intersect multiple sorted sets and store the resulting sorted set in a new key",
                     "2.0.0",
                     "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."),
    SETOP_STORE_SPEC("zdiffstore", zset_zdiffstore_command, "Subtract multiple sorted sets and store the resulting sorted set in a new key",
                     "6.2.0",
                     "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."),
    {0}};
