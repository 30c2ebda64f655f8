/* geo_commands: GEOADD GEODIST GEOHASH GEOPOS GEORADIUS GEORADIUSBYMEMBER
 * (and their _RO forms) GEOSEARCH GEOSEARCHSTORE, on sorted sets whose
 * scores are 52-bit geohashes (lib/geohash.h).
 *
 * GEOADD turns each longitude/latitude into its score and runs ZADD on the
 * rewritten arguments, so flags, replies and events are ZADD's, as in Redis.
 * The searches share one handler with Redis's argument rules: which options
 * each command accepts, the order in which errors are found (WRONGTYPE
 * first; GEORADIUSBYMEMBER on a missing key parses no radius), and what a
 * missing source gives (an empty array, or 0 with the destination deleted).
 * The points themselves come from geo_search.c.  Distances are printed with
 * four decimals after rounding to even at the fourth (Redis's
 * fixedpoint_d2string), coordinates as Redis's "human" long doubles (%.17Lf
 * without trailing zeros; RESP3 sends them as doubles).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "command.h"
#include "geo_search.h"
#include "geohash.h"
#include "key_access.h"
#include "number.h"
#include "reply.h"
#include "resp_writer.h"
#include "server.h"
#include "zkv_assert.h"
#include "zmalloc.h"
#include "zset.h"
#include "zset_commands.h"
#include "zset_reply.h"

/* ---- Arguments ---- */

/* Redis's getDoubleFromObject on any length (coordinates may be written
 * with many digits). */
static bool parse_double(const resp_argument *argument, double *value) {
    if (argument->length < 128) return number_parse_double(argument->data, argument->length, value);
    char *copy = zmalloc_alloc(argument->length + 1);
    memcpy(copy, argument->data, argument->length);
    copy[argument->length] = '\0';
    char *end;
    errno = 0;
    double parsed = strtod(copy, &end);
    bool valid = (size_t)(end - copy) == argument->length && !isnan(parsed) &&
                 !(errno == ERANGE && (parsed == HUGE_VAL || parsed == -HUGE_VAL || parsed == 0));
    zmalloc_free(copy);
    if (valid) *value = parsed;
    return valid;
}

static bool parse_double_or_reply(client *c, const resp_argument *argument, double *value, const char *error) {
    if (parse_double(argument, value)) return true;
    if (error) reply_error(c, error);
    else reply_not_float(c);
    return false;
}

/* Two arguments, longitude then latitude, within the Web-Mercator limits. */
static bool parse_position(client *c, const resp_argument *arguments, double xy[2]) {
    for (int i = 0; i < 2; i++)
        if (!parse_double_or_reply(c, &arguments[i], &xy[i], NULL)) return false;
    if (xy[0] < GEOHASH_LONG_MIN || xy[0] > GEOHASH_LONG_MAX || xy[1] < GEOHASH_LAT_MIN ||
        xy[1] > GEOHASH_LAT_MAX) {
        reply_error_format(c, "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
        return false;
    }
    return true;
}

/* Metres per unit, or -1 after replying. */
static double parse_unit(client *c, const resp_argument *unit) {
    if (args_is(unit, "m")) return 1;
    if (args_is(unit, "km")) return 1000;
    if (args_is(unit, "ft")) return 0.3048;
    if (args_is(unit, "mi")) return 1609.34;
    reply_error(c, "ERR unsupported unit provided. please use M, KM, FT, MI");
    return -1;
}

static bool parse_radius(client *c, const resp_argument *arguments, geohash_shape *shape) {
    double radius;
    if (!parse_double_or_reply(c, &arguments[0], &radius, "ERR need numeric radius")) return false;
    if (radius < 0) {
        reply_error(c, "ERR radius cannot be negative");
        return false;
    }
    shape->radius = radius;
    double conversion = parse_unit(c, &arguments[1]);
    if (conversion < 0) return false;
    shape->conversion = conversion;
    return true;
}

static bool parse_box(client *c, const resp_argument *arguments, geohash_shape *shape) {
    double width, height;
    if (!parse_double_or_reply(c, &arguments[0], &width, "ERR need numeric width") ||
        !parse_double_or_reply(c, &arguments[1], &height, "ERR need numeric height"))
        return false;
    if (height < 0 || width < 0) {
        reply_error(c, "ERR height or width cannot be negative");
        return false;
    }
    shape->width = width;
    shape->height = height;
    double conversion = parse_unit(c, &arguments[2]);
    if (conversion < 0) return false;
    shape->conversion = conversion;
    return true;
}

/* ---- Replies ---- */

/* Four decimals, rounded half to even at the fourth as llrint does. */
static void reply_distance(client *c, double distance) {
    char text[64];
    int length;
    if (distance == 0) {
        length = snprintf(text, sizeof text, "0.0000");
    } else {
        long long scaled = llrint(distance * 10000.0);
        unsigned long long magnitude = scaled < 0 ? 0ULL - (unsigned long long)scaled : (unsigned long long)scaled;
        length = snprintf(text, sizeof text, "%s%llu.%04llu", scaled < 0 ? "-" : "", magnitude / 10000,
                          magnitude % 10000);
    }
    reply_bulk(c, text, (size_t)length);
}

static void reply_coordinate(client *c, double value) {
    char text[NUMBER_LONG_DOUBLE_BUFFER];
    size_t length = number_format_long_double((long double)value, text, sizeof text);
    if (c->resp_version < 3) {
        reply_bulk(c, text, length);
        return;
    }
    resp_write_raw(c->reply, ",", 1);
    resp_write_raw(c->reply, text, length);
    resp_write_raw(c->reply, "\r\n", 2);
}

static void reply_position(client *c, const double xy[2]) {
    reply_array_header(c, 2);
    reply_coordinate(c, xy[0]);
    reply_coordinate(c, xy[1]);
}

/* A score as Redis's implicit double to long long conversion gives it on
 * x86-64 (out of range: LLONG_MIN). */
static long long score_integer(double score) {
    if (score > -9223372036854775808.0 && score < 9223372036854775808.0) return (long long)score;
    return LLONG_MIN;
}

/* ---- GEOADD ---- */

static void geoadd_command(client *c) {
    bool nx = false, xx = false;
    int first = 2;
    for (; first < c->argc; first++) {
        if (args_is(&c->argv[first], "nx")) nx = true;
        else if (args_is(&c->argv[first], "xx")) xx = true;
        else if (!args_is(&c->argv[first], "ch")) break; /* CH is ZADD's */
    }
    if ((c->argc - first) % 3 || (xx && nx)) {
        reply_syntax_error(c);
        return;
    }
    int elements = (c->argc - first) / 3;
    int argc = first + elements * 2;
    resp_argument *argv = zmalloc_alloc(sizeof *argv * (size_t)argc);
    char(*scores)[NUMBER_INTEGER_BUFFER] = zmalloc_alloc(sizeof *scores * (size_t)(elements ? elements : 1));
    argv[0] = (resp_argument){.data = "zadd", .length = 4};
    for (int i = 1; i < first; i++) argv[i] = c->argv[i];
    for (int i = 0; i < elements; i++) {
        double xy[2];
        if (!parse_position(c, &c->argv[first + i * 3], xy)) goto done;
        geohash hash;
        geohash_encode_wgs84(xy[0], xy[1], GEOHASH_STEP_MAX, &hash);
        size_t length = number_format_integer((long long)geohash_align52(hash), scores[i]);
        argv[first + i * 2] = (resp_argument){.data = scores[i], .length = length};
        argv[first + i * 2 + 1] = c->argv[first + i * 3 + 2];
    }
    /* ZADD does the rest on the rewritten arguments (Redis replaces the
     * command vector the same way). */
    int saved_argc = c->argc;
    resp_argument *saved_argv = c->argv;
    c->argc = argc;
    c->argv = argv;
    zset_zadd_command(c);
    c->argc = saved_argc;
    c->argv = saved_argv;
done:
    zmalloc_free(scores);
    zmalloc_free(argv);
}

/* ---- GEOHASH GEOPOS GEODIST ---- */

static void geohash_command(client *c) {
    zset z;
    if (!zset_read(c, &c->argv[1], &z)) return;
    reply_array_header(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double score, xy[2];
        if (!z.value || !zset_score(&z, c->argv[j].data, c->argv[j].length, &score) ||
            !geohash_decode_score(score, xy)) {
            reply_null(c);
            continue;
        }
        char text[11];
        geohash_standard_string(xy, text);
        reply_bulk(c, text, sizeof text);
    }
}

static void geopos_command(client *c) {
    zset z;
    if (!zset_read(c, &c->argv[1], &z)) return;
    reply_array_header(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double score, xy[2];
        if (!z.value || !zset_score(&z, c->argv[j].data, c->argv[j].length, &score) ||
            !geohash_decode_score(score, xy)) {
            reply_null_array(c);
            continue;
        }
        reply_position(c, xy);
    }
}

static void geodist_command(client *c) {
    double to_meters = 1;
    if (c->argc == 5) {
        to_meters = parse_unit(c, &c->argv[4]);
        if (to_meters < 0) return;
    } else if (c->argc > 5) {
        reply_syntax_error(c);
        return;
    }
    zset z;
    if (!zset_read(c, &c->argv[1], &z)) return;
    double score1, score2, xy1[2], xy2[2];
    if (!z.value || !zset_score(&z, c->argv[2].data, c->argv[2].length, &score1) ||
        !zset_score(&z, c->argv[3].data, c->argv[3].length, &score2) || !geohash_decode_score(score1, xy1) ||
        !geohash_decode_score(score2, xy2)) {
        reply_null(c);
        return;
    }
    reply_distance(c, geohash_distance(xy1[0], xy1[1], xy2[0], xy2[1]) / to_meters);
}

/* ---- The searches ---- */

enum search_flag {
    SEARCH_FROM_POSITION = 1 << 0, /* GEORADIUS: longitude latitude radius unit */
    SEARCH_FROM_MEMBER = 1 << 1,   /* GEORADIUSBYMEMBER: member radius unit */
    SEARCH_NO_STORE = 1 << 2,      /* the _RO forms */
    SEARCH_GEOSEARCH = 1 << 3,     /* FROMMEMBER/FROMLONLAT BYRADIUS/BYBOX */
    SEARCH_STORE_COMMAND = 1 << 4  /* GEOSEARCHSTORE */
};

typedef struct search_options {
    const resp_argument *store_key;
    bool store_distance;
    bool with_distance, with_hash, with_coordinates, any;
    int sort; /* 0 none, 1 ascending, 2 descending */
    long long count;
} search_options;

static bool member_position(client *c, const zset *z, const resp_argument *member, double xy[2]) {
    double score;
    if (zset_score(z, member->data, member->length, &score) && geohash_decode_score(score, xy)) return true;
    reply_error(c, "ERR could not decode requested zset member");
    return false;
}

/* The options after the fixed arguments, in Redis's order of checks. */
static bool parse_search_options(client *c, int base, int flags, const zset *z, geohash_shape *shape,
                                 search_options *o) {
    bool from_member = false, from_position = false, by_radius = false, by_box = false;
    int remaining = c->argc - base;
    for (int i = 0; i < remaining; i++) {
        const resp_argument *a = &c->argv[base + i];
        bool can_store = !(flags & SEARCH_NO_STORE) && !(flags & SEARCH_GEOSEARCH);
        if (args_is(a, "withdist")) {
            o->with_distance = true;
        } else if (args_is(a, "withhash")) {
            o->with_hash = true;
        } else if (args_is(a, "withcoord")) {
            o->with_coordinates = true;
        } else if (args_is(a, "any")) {
            o->any = true;
        } else if (args_is(a, "asc")) {
            o->sort = 1;
        } else if (args_is(a, "desc")) {
            o->sort = 2;
        } else if (args_is(a, "count") && i + 1 < remaining) {
            if (!args_integer_or_reply(c, &c->argv[base + i + 1], &o->count)) return false;
            if (o->count <= 0) {
                reply_error(c, "ERR COUNT must be > 0");
                return false;
            }
            i++;
        } else if ((args_is(a, "store") || args_is(a, "storedist")) && i + 1 < remaining && can_store) {
            o->store_key = &c->argv[base + i + 1];
            o->store_distance = args_is(a, "storedist");
            i++;
        } else if (args_is(a, "storedist") && (flags & SEARCH_GEOSEARCH) && (flags & SEARCH_STORE_COMMAND)) {
            o->store_distance = true;
        } else if (args_is(a, "frommember") && i + 1 < remaining && (flags & SEARCH_GEOSEARCH) && !from_position) {
            /* Without a source the member is not looked up: the search
             * ends empty once the arguments are checked. */
            if (z->value && !member_position(c, z, &c->argv[base + i + 1], shape->xy)) return false;
            from_member = true;
            i++;
        } else if (args_is(a, "fromlonlat") && i + 2 < remaining && (flags & SEARCH_GEOSEARCH) && !from_member) {
            if (!parse_position(c, &c->argv[base + i + 1], shape->xy)) return false;
            from_position = true;
            i += 2;
        } else if (args_is(a, "byradius") && i + 2 < remaining && (flags & SEARCH_GEOSEARCH) && !by_box) {
            if (!parse_radius(c, &c->argv[base + i + 1], shape)) return false;
            shape->type = GEOHASH_SHAPE_CIRCLE;
            by_radius = true;
            i += 2;
        } else if (args_is(a, "bybox") && i + 3 < remaining && (flags & SEARCH_GEOSEARCH) && !by_radius) {
            if (!parse_box(c, &c->argv[base + i + 1], shape)) return false;
            shape->type = GEOHASH_SHAPE_BOX;
            by_box = true;
            i += 3;
        } else {
            reply_syntax_error(c);
            return false;
        }
    }
    if (o->store_key && (o->with_distance || o->with_hash || o->with_coordinates)) {
        reply_error_format(c, "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
                           flags & SEARCH_STORE_COMMAND ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
        return false;
    }
    if ((flags & SEARCH_GEOSEARCH) && !(from_member || from_position)) {
        reply_error_format(c, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %.*s",
                           (int)c->argv[0].length, c->argv[0].data);
        return false;
    }
    if ((flags & SEARCH_GEOSEARCH) && !(by_radius || by_box)) {
        reply_error_format(c, "ERR exactly one of BYRADIUS and BYBOX can be specified for %.*s",
                           (int)c->argv[0].length, c->argv[0].data);
        return false;
    }
    if (o->any && !o->count) {
        reply_error(c, "ERR the ANY argument requires COUNT argument");
        return false;
    }
    return true;
}

static void reply_points(client *c, geo_points *points, size_t returned, double conversion, const search_options *o) {
    int extras = o->with_distance + o->with_hash + o->with_coordinates;
    reply_array_header(c, (long long)returned);
    for (size_t i = 0; i < returned; i++) {
        const geo_point *p = &points->items[i];
        if (extras) reply_array_header(c, extras + 1);
        reply_bulk(c, p->member, p->length);
        if (o->with_distance) reply_distance(c, p->distance / conversion);
        if (o->with_hash) reply_integer(c, score_integer(p->score));
        if (o->with_coordinates) {
            double xy[2] = {p->longitude, p->latitude};
            reply_position(c, xy);
        }
    }
}

static void store_points(client *c, geo_points *points, size_t returned, double conversion,
                         const search_options *o, int flags) {
    size_t longest = 0;
    for (size_t i = 0; i < returned; i++)
        if (points->items[i].length > longest) longest = points->items[i].length;
    zset result = zset_create(returned, longest);
    for (size_t i = 0; i < returned; i++) {
        const geo_point *p = &points->items[i];
        int add_flags = 0;
        zset_add(&result, p->member, p->length, o->store_distance ? p->distance / conversion : p->score, &add_flags,
                 NULL);
    }
    zset_reply_store(c, o->store_key, &result, flags & SEARCH_GEOSEARCH ? "geosearchstore" : "georadiusstore");
    if (returned > 1) server.stats.dirty += (long long)returned - 1; /* Redis counts every stored member */
}

static void search_generic(client *c, int source, int flags) {
    zset z;
    if (!zset_read(c, &c->argv[source], &z)) return;
    geohash_shape shape = {0};
    int base;
    search_options o = {0};
    if (flags & SEARCH_FROM_POSITION) {
        base = 6;
        shape.type = GEOHASH_SHAPE_CIRCLE;
        if (!parse_position(c, &c->argv[2], shape.xy)) return;
        if (!parse_radius(c, &c->argv[base - 2], &shape)) return;
    } else if (flags & SEARCH_FROM_MEMBER) {
        base = 5;
        /* Without a source nothing more is parsed before the options. */
        if (z.value) {
            shape.type = GEOHASH_SHAPE_CIRCLE;
            if (!member_position(c, &z, &c->argv[2], shape.xy)) return;
            if (!parse_radius(c, &c->argv[base - 2], &shape)) return;
        }
    } else {
        base = 2;
        if (flags & SEARCH_STORE_COMMAND) {
            base = 3;
            o.store_key = &c->argv[1];
        }
    }
    if (!parse_search_options(c, base, flags, &z, &shape, &o)) return;

    if (!z.value) {
        if (o.store_key) {
            zset empty = zset_create(0, 0);
            zset_reply_store(c, o.store_key, &empty, "");
        } else {
            reply_array_header(c, 0);
        }
        return;
    }
    /* COUNT returns the nearest points: ascending unless asked otherwise
     * (ANY takes the first found instead). */
    if (o.count && !o.sort && !o.any) o.sort = 1;

    geo_points points = {0};
    geo_search(&z, &shape, &points, o.any ? (size_t)o.count : 0);
    if (points.count == 0 && !o.store_key) {
        reply_array_header(c, 0);
        geo_points_free(&points);
        return;
    }
    size_t returned = o.count == 0 || points.count < (size_t)o.count ? points.count : (size_t)o.count;
    if (o.sort) geo_sort(&points, o.sort == 2, returned);
    if (o.store_key) store_points(c, &points, returned, shape.conversion, &o, flags);
    else reply_points(c, &points, returned, shape.conversion, &o);
    geo_points_free(&points);
}

static void georadius_command(client *c) { search_generic(c, 1, SEARCH_FROM_POSITION); }
static void georadiusbymember_command(client *c) { search_generic(c, 1, SEARCH_FROM_MEMBER); }
static void georadius_ro_command(client *c) { search_generic(c, 1, SEARCH_FROM_POSITION | SEARCH_NO_STORE); }
static void georadiusbymember_ro_command(client *c) { search_generic(c, 1, SEARCH_FROM_MEMBER | SEARCH_NO_STORE); }
static void geosearch_command(client *c) { search_generic(c, 1, SEARCH_GEOSEARCH); }
static void geosearchstore_command(client *c) { search_generic(c, 2, SEARCH_GEOSEARCH | SEARCH_STORE_COMMAND); }

/* GEORADIUS/GEORADIUSBYMEMBER keys: the source, and the last STORE or
 * STOREDIST destination (Redis's georadiusGetKeys scans from argument 5). */
static int georadius_get_keys(const resp_argument *argv, int argc, int *positions, uint32_t *flags, int capacity) {
    zkv_assert(capacity >= 2);
    int store = 0;
    for (int i = 5; i < argc; i++) {
        if ((args_is(&argv[i], "store") || args_is(&argv[i], "storedist")) && i + 1 < argc) {
            store = i + 1;
            i++;
        }
    }
    positions[0] = 1;
    flags[0] = KEY_RO | KEY_ACCESS;
    if (!store) return 1;
    positions[1] = store;
    flags[1] = KEY_OW | KEY_UPDATE;
    return 2;
}

/* Redis 7.0's key specs of GEORADIUS (STORE/STOREDIST searched from
 * argv[6]) and GEORADIUSBYMEMBER (from argv[5]): the source is only read,
 * the first STORE or STOREDIST target overwritten.  They decide ACL checks
 * and COMMAND GETKEYS, as in Redis; georadius_get_keys serves a call they
 * cannot describe (a STORE without a key after it). */
#define GEORADIUS_KEY_SPECS(from)                                                                               \
    {{.flags = KEY_RO | KEY_ACCESS, .search = KEY_SEARCH_INDEX, .position = 1, .find = KEY_FIND_RANGE,         \
      .key_step = 1},                                                                                            \
     {.flags = KEY_OW | KEY_UPDATE, .search = KEY_SEARCH_KEYWORD, .position = from, .keyword = "STORE",         \
      .find = KEY_FIND_RANGE, .key_step = 1},                                                                    \
     {.flags = KEY_OW | KEY_UPDATE, .search = KEY_SEARCH_KEYWORD, .position = from, .keyword = "STOREDIST",     \
      .find = KEY_FIND_RANGE, .key_step = 1},                                                                    \
     {0}}
static const key_spec georadius_key_specs[] = GEORADIUS_KEY_SPECS(6);
static const key_spec georadiusbymember_key_specs[] = GEORADIUS_KEY_SPECS(5);

#define GEO_SEARCH_COMPLEXITY                                                                                  \
    "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by " \
    "center and radius and M is the number of items inside the index."
#define GEO_SEARCH_BOX_COMPLEXITY                                                                               \
    "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape " \
    "provided as the filter and M is the number of items inside the shape"

const command_spec geo_commands[] = {
    {.name = "geoadd", .handler = geoadd_command, .arity = -5, .flags = COMMAND_WRITE | COMMAND_DENYOOM,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_WRITE | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Add one or more geospatial items in the geospatial index represented using a sorted set",
     .since = "3.2.0",
     .complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
     .key_flags = KEY_RW | KEY_UPDATE},
    {.name = "geodist", .handler = geodist_command, .arity = -4, .flags = COMMAND_READONLY, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Returns the distance between two members of a geospatial index", .since = "3.2.0",
     .complexity = "O(log(N))"},
    {.name = "geohash", .handler = geohash_command, .arity = -2, .flags = COMMAND_READONLY, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Returns members of a geospatial index as standard geohash strings", .since = "3.2.0",
     .complexity = "O(log(N)) for each member requested, where N is the number of elements in the sorted set."},
    {.name = "geopos", .handler = geopos_command, .arity = -2, .flags = COMMAND_READONLY, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Returns longitude and latitude of members of a geospatial index", .since = "3.2.0",
     .complexity = "O(N) where N is the number of members requested."},
    {.name = "georadius", .handler = georadius_command, .arity = -6,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_MOVABLE_KEYS, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_GEO | ACL_SLOW, .group = "geo", .get_keys = georadius_get_keys,
     .key_specs = georadius_key_specs,
     .summary = "Query a sorted set representing a geospatial index to fetch members matching a given maximum "
                "distance from a point",
     .since = "3.2.0", .complexity = GEO_SEARCH_COMPLEXITY},
    {.name = "georadiusbymember", .handler = georadiusbymember_command, .arity = -5,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_MOVABLE_KEYS, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_GEO | ACL_SLOW, .group = "geo", .get_keys = georadius_get_keys,
     .key_specs = georadiusbymember_key_specs,
     .summary = "Query a sorted set representing a geospatial index to fetch members matching a given maximum "
                "distance from a member",
     .since = "3.2.0", .complexity = GEO_SEARCH_COMPLEXITY},
    {.name = "georadius_ro", .handler = georadius_ro_command, .arity = -6, .flags = COMMAND_READONLY,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "A read-only variant for GEORADIUS", .since = "3.2.10", .complexity = GEO_SEARCH_COMPLEXITY},
    {.name = "georadiusbymember_ro", .handler = georadiusbymember_ro_command, .arity = -5,
     .flags = COMMAND_READONLY, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_READ | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "A read-only variant for GEORADIUSBYMEMBER", .since = "3.2.10",
     .complexity = GEO_SEARCH_COMPLEXITY},
    {.name = "geosearch", .handler = geosearch_command, .arity = -7, .flags = COMMAND_READONLY, .first_key = 1,
     .last_key = 1, .key_step = 1, .categories = ACL_READ | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Query a sorted set representing a geospatial index to fetch members inside an area of a box or "
                "a circle.",
     .since = "6.2.0", .complexity = GEO_SEARCH_BOX_COMPLEXITY},
    {.name = "geosearchstore", .handler = geosearchstore_command, .arity = -8,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = 2, .key_step = 1,
     .categories = ACL_WRITE | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Query a sorted set representing a geospatial index to fetch members inside an area of a box or "
                "a circle, and store the result in another key.",
     .since = "6.2.0", .complexity = GEO_SEARCH_BOX_COMPLEXITY, .first_key_flags = KEY_OW | KEY_UPDATE,
     .key_flags = KEY_RO | KEY_ACCESS},
    {0}};
