/* geo_search: the members of a sorted set inside a GEO search shape, in
 * Redis's order.
 *
 * The shape's cover (lib/geohash.h) gives up to nine geohash boxes; each is
 * a score range [min, max) of the set, walked in ascending order (score, then
 * member) and filtered by the exact distance test.  Boxes are visited in
 * Redis's order (centre, N, S, E, W, NE, NW, SE, SW), skipping a box equal
 * to the one visited just before it (huge radii make neighbours coincide),
 * and an ANY search stops as soon as it has `limit` points.  Sorting by
 * distance is a stable sort when every point is returned (glibc's merge
 * sort, which Redis's qsort is) and Redis's partial quicksort when COUNT
 * keeps fewer, so points at equal distances come out in Redis's order.
 */
#ifndef ZKV_GEO_SEARCH_H
#define ZKV_GEO_SEARCH_H

#include <stddef.h>

#include "geohash.h"
#include "strbuf.h"
#include "zset.h"

typedef struct geo_point {
    double longitude, latitude;
    double distance; /* metres */
    double score;
    const char *member; /* into `names`, set when geo_search returns */
    size_t length;
    size_t offset;      /* of the member in `names` */
} geo_point;

/* The members are copied: a packed set's are decoded one at a time. */
typedef struct geo_points {
    geo_point *items;
    size_t count, capacity;
    strbuf names;
} geo_points;

/* Appends the members of `z` inside `shape` to `points` (a zeroed or
 * freed one); `limit` > 0 stops the search once that many were found (ANY). */
void geo_search(const zset *z, geohash_shape *shape, geo_points *points, size_t limit);
/* Orders the points by distance, ascending or descending, so that the first
 * `wanted` are the ones Redis returns, in its order. */
void geo_sort(geo_points *points, bool descending, size_t wanted);
void geo_points_free(geo_points *points);

#endif
