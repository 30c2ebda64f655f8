/* geohash: Redis's 52-bit geohash and the geometry of its GEO commands, as
 * pure functions.
 *
 * A GEO member's sorted-set score is its position interleaved into 52 bits
 * (26 steps of longitude and latitude halving; latitude in even bits), over
 * the Web-Mercator ranges longitude -180..180, latitude -85.05112878..
 * 85.05112878.  Searches cover the query shape with the geohash box of the
 * centre at a step estimated from the radius plus its eight neighbours,
 * trimmed where a neighbour cannot contain a match; each box is a score
 * range of the sorted set.  Distances are haversine on a sphere of Redis's
 * radius (6372797.560856 m).
 *
 * Every floating-point expression keeps Redis's order of operations, because
 * the coordinates and distances the commands print (17 and 4 decimals) and
 * which borderline points match depend on the last bit.
 */
#ifndef ZKV_GEOHASH_H
#define ZKV_GEOHASH_H

#include <stdbool.h>
#include <stdint.h>

#define GEOHASH_STEP_MAX 26
#define GEOHASH_LAT_MIN -85.05112878
#define GEOHASH_LAT_MAX 85.05112878
#define GEOHASH_LONG_MIN -180
#define GEOHASH_LONG_MAX 180
#define GEOHASH_EARTH_RADIUS 6372797.560856

typedef struct geohash {
    uint64_t bits;
    uint8_t step; /* 0 with bits 0: no box (a trimmed neighbour) */
} geohash;

typedef struct geohash_range {
    double min, max;
} geohash_range;

typedef struct geohash_area {
    geohash hash;
    geohash_range longitude, latitude;
} geohash_area;

typedef struct geohash_neighbors {
    geohash north, east, west, south, north_east, south_east, north_west, south_west;
} geohash_neighbors;

/* A search shape: a circle of `radius` or a `width` x `height` box (both in
 * the unit `conversion` converts to metres) around xy (longitude, latitude). */
enum geohash_shape_type { GEOHASH_SHAPE_CIRCLE = 1, GEOHASH_SHAPE_BOX = 2 };
typedef struct geohash_shape {
    enum geohash_shape_type type;
    double xy[2];
    double conversion;
    double bounds[4]; /* min lon, min lat, max lon, max lat: set by geohash_cover */
    double radius;
    double width, height;
} geohash_shape;

/* The boxes a search visits: the centre's box and its neighbours. */
typedef struct geohash_cover {
    geohash hash;
    geohash_area area;
    geohash_neighbors neighbors;
} geohash_cover;

/* Encodes a position at `step` (1..32) within the given ranges; false when
 * the position is outside them or outside the Web-Mercator limits. */
bool geohash_encode(const geohash_range *longitude_range, const geohash_range *latitude_range, double longitude,
                    double latitude, uint8_t step, geohash *hash);
bool geohash_encode_wgs84(double longitude, double latitude, uint8_t step, geohash *hash);
/* The area a hash covers. */
bool geohash_decode(geohash_range longitude_range, geohash_range latitude_range, geohash hash, geohash_area *area);
/* The centre of a 26-step hash, clamped to the limits: xy[0] longitude. */
bool geohash_decode_wgs84(geohash hash, double xy[2]);
/* The position a member's score encodes (Redis's decodeGeohash). */
bool geohash_decode_score(double score, double xy[2]);
/* The 52-bit score of a hash (shifted left when its step is below 26). */
uint64_t geohash_align52(geohash hash);
void geohash_get_neighbors(const geohash *hash, geohash_neighbors *neighbors);

/* The boxes covering `shape` (fills shape->bounds). */
geohash_cover geohash_cover_shape(geohash_shape *shape);
uint8_t geohash_estimate_steps(double radius_meters, double latitude);

/* Haversine distance in metres. */
double geohash_distance(double longitude1, double latitude1, double longitude2, double latitude2);
/* Whether (x2, y2) lies within `radius` metres of (x1, y1), with the
 * distance. */
bool geohash_within_radius(double x1, double y1, double x2, double y2, double radius, double *distance);
/* Whether (x2, y2) lies in the width x height metres box centred on
 * (x1, y1) (latitude and longitude distances checked separately), with the
 * distance from the centre. */
bool geohash_within_box(double width, double height, double x1, double y1, double x2, double y2,
                        double *distance);

/* The 11-character standard geohash (latitude -90..90) of a position, as
 * GEOHASH prints it. */
void geohash_standard_string(const double xy[2], char out[11]);

#endif
