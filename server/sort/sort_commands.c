/* sort_commands: SORT and SORT_RO over lists, sets and sorted sets, with
 * Redis 7.0's options and results.
 *
 * Design.  The elements are copied once, through the type table's
 * for_each_element (no type is named here), into one arena with an item per
 * element; BY values are resolved into the items (a double, or the bytes
 * for ALPHA, appended to the same arena), then libc's qsort_r orders them.
 * glibc's qsort is a merge sort, as under Redis, so elements that compare
 * equal (ALPHA BY with equal or missing values) keep their first order.
 * Copying costs one pass and the element bytes, but it leaves nothing
 * pointing into the source while BY and GET look up other keys (a lookup
 * may expire and free a key) and lets STORE overwrite its own source.
 *
 * Ordered types (lists, sorted sets) keep their own order when BY names
 * no key ("nosort"), reversed by DESC; a set has no order of its own, so
 * with STORE or inside a script it is sorted ALPHA instead, as Redis does
 * to keep the stored result deterministic.  ALPHA compares bytes (Redis's
 * strcoll under the C locale, which zkv never changes).
 *
 * BY with a '*' and GET read keys no key spec names, so they are refused
 * unless the user may read every key (permission.h), as Redis does.
 *
 * The work is proportional to the collection, as in Redis: SORT is in the
 * @slow and @dangerous categories for that reason.  The exception is an
 * ordered type in its own order with a LIMIT: the type's window walk
 * (for_each_element_window) starts at the LIMIT's offset, so it costs the
 * window plus reaching it, not the collection.
 */
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "command.h"
#include "key_access.h"
#include "number.h"
#include "permission.h"
#include "reply.h"
#include "server.h"
#include "sort_pattern.h"
#include "zkv_assert.h"
#include "zmalloc.h"

typedef struct sort_item {
    size_t offset, length;          /* the element, in the arena */
    size_t by_offset, by_length;    /* ALPHA BY value, in the arena */
    bool has_by;                    /* ALPHA BY: the value exists */
    double score;                   /* numeric sort key (0 when BY finds nothing) */
} sort_item;

typedef struct sort_run {
    char *arena;
    size_t arena_used, arena_size;
    sort_item *items;
    size_t count, capacity;
    size_t seen;              /* elements visited, copied or not */
    size_t keep_from, keep_to; /* visit indexes copied: [keep_from, keep_to) */
    bool desc, alpha, by_pattern;
} sort_run;

/* Appends bytes to the arena; returns their offset (the arena may move). */
static size_t arena_append(sort_run *r, const char *bytes, size_t length) {
    if (!r->arena || r->arena_used + length > r->arena_size) {
        size_t size = r->arena_size ? r->arena_size * 2 : 256;
        while (size < r->arena_used + length) size *= 2;
        r->arena = zmalloc_realloc(r->arena, size);
        r->arena_size = size;
    }
    if (length) memcpy(r->arena + r->arena_used, bytes, length);
    r->arena_used += length;
    return r->arena_used - length;
}

static void collect_element(void *context, const char *bytes, size_t length, double score) {
    (void)score;
    sort_run *r = context;
    size_t index = r->seen++;
    if (index < r->keep_from || index >= r->keep_to) return;
    if (r->count == r->capacity) {
        r->capacity = r->capacity ? r->capacity * 2 : 16;
        r->items = zmalloc_realloc(r->items, r->capacity * sizeof *r->items);
    }
    r->items[r->count++] = (sort_item){.offset = arena_append(r, bytes, length), .length = length};
}

static int compare_bytes(const char *a, size_t a_length, const char *b, size_t b_length) {
    int cmp = memcmp(a, b, a_length < b_length ? a_length : b_length);
    if (cmp) return cmp;
    return a_length < b_length ? -1 : a_length > b_length;
}

static int compare_items(const void *x, const void *y, void *context) {
    const sort_run *r = context;
    const sort_item *a = x, *b = y;
    int cmp;
    if (!r->alpha) {
        if (a->score != b->score) cmp = a->score > b->score ? 1 : -1;
        else cmp = compare_bytes(r->arena + a->offset, a->length, r->arena + b->offset, b->length);
    } else if (r->by_pattern) {
        if (!a->has_by || !b->has_by) cmp = a->has_by == b->has_by ? 0 : (a->has_by ? 1 : -1);
        else cmp = compare_bytes(r->arena + a->by_offset, a->by_length, r->arena + b->by_offset, b->by_length);
    } else {
        cmp = compare_bytes(r->arena + a->offset, a->length, r->arena + b->offset, b->length);
    }
    return r->desc ? -cmp : cmp;
}

/* Redis reads a numeric sort key with strtod: leading spaces, hex and
 * "inf" are accepted, an empty text is 0; trailing bytes, NaN and values
 * out of range are not.  False for those. */
static bool parse_sort_score(const char *bytes, size_t length, double *score) {
    char stack[128];
    char *text = length < sizeof stack ? stack : zmalloc_alloc(length + 1);
    memcpy(text, bytes, length);
    text[length] = '\0';
    char *end;
    errno = 0;
    *score = strtod(text, &end);
    bool ok = *end == '\0' && errno != ERANGE && !isnan(*score);
    if (text != stack) zmalloc_free(text);
    return ok;
}

/* Fills each item's sort key; false when a numeric key is not a number. */
static bool load_sort_keys(sort_run *r, db *d, const resp_argument *by) {
    bool ok = true;
    for (size_t i = 0; i < r->count; i++) {
        sort_item *item = &r->items[i];
        const char *bytes = r->arena + item->offset;
        size_t length = item->length;
        char buffer[OBJECT_INTEGER_BUFFER];
        if (by && !sort_pattern_lookup(d, by->data, by->length, r->arena + item->offset, item->length, &bytes,
                                       &length, buffer))
            continue;
        if (r->alpha) {
            if (by) {
                /* bytes may point into the arena, which the append can move */
                char *copy = zmalloc_alloc(length ? length : 1);
                memcpy(copy, bytes, length);
                item->by_offset = arena_append(r, copy, length);
                item->by_length = length;
                item->has_by = true;
                zmalloc_free(copy);
            }
        } else if (!parse_sort_score(bytes, length, &item->score)) {
            ok = false;
        }
    }
    return ok;
}

static void reverse_items(sort_run *r) {
    for (size_t i = 0, j = r->count; i + 1 < j; i++, j--) {
        sort_item t = r->items[i];
        r->items[i] = r->items[j - 1];
        r->items[j - 1] = t;
    }
}

typedef struct sort_options {
    const resp_argument *by;    /* NULL: sort the elements themselves */
    bool dont_sort;             /* BY without '*' */
    const resp_argument *store; /* NULL: reply */
    const resp_argument **gets;
    int get_count;
    long long limit_start, limit_count;
    bool desc, alpha;
} sort_options;

/* Parses the options after the key; false after replying the error. */
static bool parse_options(client *c, bool read_only, sort_options *o) {
    int full_key_read = permission_full_key_read(c, c->command);
    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        const resp_argument *a = &c->argv[j];
        if (args_is(a, "asc")) o->desc = false;
        else if (args_is(a, "desc")) o->desc = true;
        else if (args_is(a, "alpha")) o->alpha = true;
        else if (args_is(a, "limit") && left >= 2) {
            if (!args_integer_or_reply(c, &c->argv[j + 1], &o->limit_start) ||
                !args_integer_or_reply(c, &c->argv[j + 2], &o->limit_count))
                return false;
            j += 2;
        } else if (!read_only && args_is(a, "store") && left >= 1) {
            o->store = &c->argv[++j];
        } else if (args_is(a, "by") && left >= 1) {
            o->by = &c->argv[++j];
            /* as in Redis, one BY without '*' disables sorting for good */
            bool star = sort_pattern_has_star(o->by->data, o->by->length);
            if (!star) o->dont_sort = true;
            if (star && server.config.cluster_enabled) {
                reply_error(c, "ERR BY option of SORT denied in Cluster mode.");
                return false;
            }
            if (star && !full_key_read) {
                reply_error(c, "ERR BY option of SORT denied due to insufficient ACL permissions.");
                return false;
            }
        } else if (args_is(a, "get") && left >= 1) {
            if (server.config.cluster_enabled) {
                reply_error(c, "ERR GET option of SORT denied in Cluster mode.");
                return false;
            }
            if (!full_key_read) {
                reply_error(c, "ERR GET option of SORT denied due to insufficient ACL permissions.");
                return false;
            }
            o->gets[o->get_count++] = &c->argv[++j];
        } else {
            reply_syntax_error(c);
            return false;
        }
    }
    return true;
}

/* The result as a list at the STORE key (GET misses stored as ""), or the
 * key deleted when the result is empty; replies the length. */
static void store_result(client *c, sort_run *r, const sort_options *o, size_t start, size_t count) {
    db *d = key_db(c);
    long long output = (long long)count * (o->get_count ? o->get_count : 1);
    if (output == 0) {
        if (db_delete(d, o->store->data, o->store->length, false)) server.stats.dirty++;
        reply_integer(c, 0);
        return;
    }
    const object_type_functions *list = object_type_table(OBJECT_LIST);
    zkv_assert(list->create_from_elements != NULL);
    /* GET results are appended to the arena first: their bytes live only
     * until the next lookup. */
    size_t *offsets = zmalloc_alloc((size_t)output * sizeof *offsets);
    size_t *lengths = zmalloc_alloc((size_t)output * sizeof *lengths);
    size_t n = 0;
    for (size_t i = start; i < start + count; i++) {
        const sort_item *item = &r->items[i];
        if (!o->get_count) {
            offsets[n] = item->offset;
            lengths[n++] = item->length;
            continue;
        }
        for (int g = 0; g < o->get_count; g++) {
            const char *bytes;
            size_t length;
            char buffer[OBJECT_INTEGER_BUFFER];
            char *element = zmalloc_alloc(item->length ? item->length : 1);
            memcpy(element, r->arena + item->offset, item->length);
            if (!sort_pattern_lookup(d, o->gets[g]->data, o->gets[g]->length, element, item->length, &bytes, &length,
                                     buffer)) {
                bytes = "";
                length = 0;
            }
            offsets[n] = arena_append(r, bytes, length);
            lengths[n++] = length;
            zmalloc_free(element);
        }
    }
    const char **elements = zmalloc_alloc((size_t)output * sizeof *elements);
    for (size_t i = 0; i < n; i++) elements[i] = r->arena + offsets[i];
    enum object_encoding encoding;
    void *value = list->create_from_elements(elements, lengths, n, &encoding);
    zmalloc_free(elements);
    zmalloc_free(offsets);
    zmalloc_free(lengths);
    db_set(d, object_create_pointer(o->store->data, o->store->length, OBJECT_LIST, encoding, value,
                                    OBJECT_NO_EXPIRE));
    server.stats.dirty += output;
    reply_integer(c, output);
}

static void reply_result(client *c, const sort_run *r, const sort_options *o, size_t start, size_t count) {
    db *d = key_db(c);
    reply_array_header(c, (long long)count * (o->get_count ? o->get_count : 1));
    for (size_t i = start; i < start + count; i++) {
        const sort_item *item = &r->items[i];
        const char *element = r->arena + item->offset;
        if (!o->get_count) reply_bulk(c, element, item->length);
        for (int g = 0; g < o->get_count; g++) {
            const char *bytes;
            size_t length;
            char buffer[OBJECT_INTEGER_BUFFER];
            if (sort_pattern_lookup(d, o->gets[g]->data, o->gets[g]->length, element, item->length, &bytes, &length,
                                    buffer))
                reply_bulk(c, bytes, length);
            else
                reply_null(c);
        }
    }
}

static void sort_generic(client *c, bool read_only) {
    const resp_argument *gets_stack[16];
    int max_gets = (c->argc - 2) / 2;
    sort_options o = {.limit_start = 0, .limit_count = -1};
    o.gets = max_gets <= 16 ? gets_stack : zmalloc_alloc((size_t)max_gets * sizeof *o.gets);
    sort_run r = {0};
    if (!parse_options(c, read_only, &o)) goto done;
    object *source = key_read(c, &c->argv[1]);
    const object_type_functions *type = source ? object_type_table(object_type(source)) : NULL;
    if (source && !type->for_each_element) {
        reply_wrong_type(c);
        goto done;
    }
    bool is_set = source && object_type(source) == OBJECT_SET;
    if (o.dont_sort && is_set && (o.store || (c->flags & CLIENT_FAKE))) {
        o.dont_sort = false;
        o.alpha = true;
        o.by = NULL;
    }
    /* An ordered type in its own order with a LIMIT needs only the window
     * copied (Redis loads just that range too); DESC would need the length
     * first, so it copies everything. */
    r.keep_to = SIZE_MAX;
    bool windowed = o.dont_sort && !is_set && !o.desc && o.limit_count >= 0;
    if (windowed) {
        r.keep_from = o.limit_start < 0 ? 0 : (size_t)o.limit_start;
        r.keep_to = (size_t)o.limit_count > SIZE_MAX - r.keep_from ? SIZE_MAX : r.keep_from + (size_t)o.limit_count;
    }
    if (source && windowed && type->for_each_element_window) {
        /* Only the window is visited: its first element is visit 0. */
        size_t from = r.keep_from;
        r.keep_from = 0;
        r.keep_to -= from;
        r.seen = type->for_each_element_window(object_value(source), from, r.keep_to, collect_element, &r);
        r.keep_from = from;
    } else if (source) {
        type->for_each_element(object_value(source), collect_element, &r);
    }
    r.desc = o.desc;
    r.alpha = o.alpha;
    r.by_pattern = o.by != NULL && !o.dont_sort;

    /* LIMIT, clamped as Redis does (a start past the end selects nothing) */
    long long n = (long long)r.seen;
    long long start = o.limit_start < 0 ? 0 : o.limit_start, end;
    if (start >= n) {
        start = n - 1;
        end = n - 2;
    } else {
        end = o.limit_count < 0 || o.limit_count > n - start ? n - 1 : start + o.limit_count - 1;
    }
    size_t count = end >= start ? (size_t)(end - start + 1) : 0;

    if (o.dont_sort) {
        if (o.desc && !is_set) reverse_items(&r);
    } else {
        if (!load_sort_keys(&r, key_db(c), r.by_pattern ? o.by : NULL)) {
            reply_error(c, "ERR One or more scores can't be converted into double");
            goto done;
        }
        if (r.count > 1) qsort_r(r.items, r.count, sizeof *r.items, compare_items, &r);
    }
    /* a window starts at the LIMIT's start, which is item 0 */
    size_t first = count ? (size_t)start - r.keep_from : 0;
    zkv_assert(first + count <= r.count);
    if (o.store) store_result(c, &r, &o, first, count);
    else reply_result(c, &r, &o, first, count);
done:
    if (o.gets != gets_stack) zmalloc_free(o.gets);
    zmalloc_free(r.items);
    zmalloc_free(r.arena);
}

static void sort_sort_command(client *c) {
    sort_generic(c, false);
}

static void sort_sort_ro_command(client *c) {
    sort_generic(c, true);
}

/* SORT's keys for COMMAND GETKEYS: the sorted key and the last STORE
 * target, skipping the arguments of LIMIT, GET and BY as Redis does. */
static int sort_get_keys(const resp_argument *argv, int argc, int *positions, uint32_t *flags, int capacity) {
    zkv_assert(capacity >= 2);
    int count = 0, store = 0;
    positions[count] = 1;
    flags[count++] = KEY_RO | KEY_ACCESS;
    for (int i = 2; i < argc; i++) {
        if (args_is(&argv[i], "limit")) i += 2;
        else if (args_is(&argv[i], "get") || args_is(&argv[i], "by")) i += 1;
        else if (args_is(&argv[i], "store") && i + 1 < argc) store = i + 1;
    }
    if (store) {
        positions[count] = store;
        flags[count++] = KEY_OW | KEY_UPDATE;
    }
    return count;
}

/* SORT_RO's only key is the sorted one (its unknown BY/GET spec leaves the
 * rest to this, as Redis's sortROGetKeys). */
static int sort_ro_get_keys(const resp_argument *argv, int argc, int *positions, uint32_t *flags, int capacity) {
    (void)argv, (void)argc;
    zkv_assert(capacity >= 1);
    positions[0] = 1;
    flags[0] = KEY_RO | KEY_ACCESS;
    return 1;
}

/* Redis 7.0's key specs: the sorted key, then BY/GET patterns and the
 * STORE target as "unknown" specs (with Redis's notes), which make the
 * key finders fall back to the get_keys above. */
#define SORT_PATTERN_KEY_SPEC                                                                                        \
    {.flags = KEY_RO | KEY_ACCESS,                                                                                   \
     .notes = "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the "      \
              "content of the key we sort",                                                                          \
     .search = KEY_SEARCH_UNKNOWN, .find = KEY_FIND_UNKNOWN}
static const key_spec sort_key_specs[] = {
    {.flags = KEY_RO | KEY_ACCESS, .search = KEY_SEARCH_INDEX, .position = 1, .find = KEY_FIND_RANGE, .key_step = 1},
    SORT_PATTERN_KEY_SPEC,
    {.flags = KEY_OW | KEY_UPDATE,
     .notes = "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in "
              "the argument array",
     .search = KEY_SEARCH_UNKNOWN, .find = KEY_FIND_UNKNOWN},
    {0}};
static const key_spec sort_ro_key_specs[] = {
    {.flags = KEY_RO | KEY_ACCESS, .search = KEY_SEARCH_INDEX, .position = 1, .find = KEY_FIND_RANGE, .key_step = 1},
    SORT_PATTERN_KEY_SPEC,
    {0}};

#define SORT_CATEGORIES (ACL_SET | ACL_SORTEDSET | ACL_LIST | ACL_SLOW | ACL_DANGEROUS)

const command_spec sort_commands[] = {
    {.name = "sort", .handler = sort_sort_command, .arity = -2,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_MOVABLE_KEYS, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | SORT_CATEGORIES, .group = "generic", .get_keys = sort_get_keys,
     .key_specs = sort_key_specs,
     .summary = "Sort the elements in a list, set or sorted set", .since = "1.0.0",
     .complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."},
    {.name = "sort_ro", .handler = sort_sort_ro_command, .arity = -2,
     .flags = COMMAND_READONLY | COMMAND_MOVABLE_KEYS, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_READ | SORT_CATEGORIES, .group = "generic", .get_keys = sort_ro_get_keys,
     .key_specs = sort_ro_key_specs,
     .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", .since = "7.0.0",
     .complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."},
    {0}};
