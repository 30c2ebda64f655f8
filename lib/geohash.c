/* geohash: encoding, neighbours, search covers and distances (contract in
 * geohash.h).
 *
 * Bits are interleaved with the usual mask-and-shift spreading, latitude in
 * the even positions and longitude in the odd ones.  A neighbour moves one
 * coordinate's bits by one box: the other coordinate's bits are filled with
 * ones so that a carry (or borrow) crosses them, then cleared again.  The
 * cover trims neighbours that lie wholly outside the query's bounding box,
 * and takes one step coarser first when a neighbour at the estimated step
 * would not reach the box's edge, as Redis does.
 */
#include "geohash.h"

#include <math.h>
#include <stddef.h>

#define DEGREES_TO_RADIANS (M_PI / 180.0)
#define MERCATOR_MAX 20037726.37

static double radians(double degrees) {
    return degrees * DEGREES_TO_RADIANS;
}
static double degrees(double radians_value) {
    return radians_value / DEGREES_TO_RADIANS;
}

/* Spreads the 32 bits of x over the even bit positions of a word. */
static uint64_t spread(uint32_t value) {
    uint64_t x = value;
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x << 2)) & 0x3333333333333333ULL;
    x = (x | (x << 1)) & 0x5555555555555555ULL;
    return x;
}

/* Gathers the even bit positions of a word into 32 bits. */
static uint32_t gather(uint64_t x) {
    x &= 0x5555555555555555ULL;
    x = (x | (x >> 1)) & 0x3333333333333333ULL;
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
    return (uint32_t)x;
}

static const geohash_range wgs84_longitude = {GEOHASH_LONG_MIN, GEOHASH_LONG_MAX};
static const geohash_range wgs84_latitude = {GEOHASH_LAT_MIN, GEOHASH_LAT_MAX};

bool geohash_encode(const geohash_range *longitude_range, const geohash_range *latitude_range, double longitude,
                    double latitude, uint8_t step, geohash *hash) {
    if (step == 0 || step > 32) return false;
    if ((latitude_range->min == 0 && latitude_range->max == 0) ||
        (longitude_range->min == 0 && longitude_range->max == 0))
        return false;
    if (longitude > GEOHASH_LONG_MAX || longitude < GEOHASH_LONG_MIN || latitude > GEOHASH_LAT_MAX ||
        latitude < GEOHASH_LAT_MIN)
        return false;
    hash->bits = 0;
    hash->step = step;
    if (latitude < latitude_range->min || latitude > latitude_range->max || longitude < longitude_range->min ||
        longitude > longitude_range->max)
        return false;
    double latitude_offset = (latitude - latitude_range->min) / (latitude_range->max - latitude_range->min);
    double longitude_offset = (longitude - longitude_range->min) / (longitude_range->max - longitude_range->min);
    latitude_offset *= (double)(1ULL << step);
    longitude_offset *= (double)(1ULL << step);
    hash->bits = spread((uint32_t)latitude_offset) | (spread((uint32_t)longitude_offset) << 1);
    return true;
}

bool geohash_encode_wgs84(double longitude, double latitude, uint8_t step, geohash *hash) {
    return geohash_encode(&wgs84_longitude, &wgs84_latitude, longitude, latitude, step, hash);
}

bool geohash_decode(geohash_range longitude_range, geohash_range latitude_range, geohash hash, geohash_area *area) {
    if ((hash.bits == 0 && hash.step == 0) || (latitude_range.min == 0 && latitude_range.max == 0) ||
        (longitude_range.min == 0 && longitude_range.max == 0))
        return false;
    area->hash = hash;
    uint32_t latitude_cell = gather(hash.bits), longitude_cell = gather(hash.bits >> 1);
    double latitude_scale = latitude_range.max - latitude_range.min;
    double longitude_scale = longitude_range.max - longitude_range.min;
    double cells = (double)(1ULL << hash.step);
    area->latitude.min = latitude_range.min + (latitude_cell * 1.0 / cells) * latitude_scale;
    area->latitude.max = latitude_range.min + ((uint32_t)(latitude_cell + 1) * 1.0 / cells) * latitude_scale;
    area->longitude.min = longitude_range.min + (longitude_cell * 1.0 / cells) * longitude_scale;
    area->longitude.max = longitude_range.min + ((uint32_t)(longitude_cell + 1) * 1.0 / cells) * longitude_scale;
    return true;
}

bool geohash_decode_wgs84(geohash hash, double xy[2]) {
    geohash_area area;
    if (!geohash_decode(wgs84_longitude, wgs84_latitude, hash, &area)) return false;
    xy[0] = (area.longitude.min + area.longitude.max) / 2;
    if (xy[0] > GEOHASH_LONG_MAX) xy[0] = GEOHASH_LONG_MAX;
    if (xy[0] < GEOHASH_LONG_MIN) xy[0] = GEOHASH_LONG_MIN;
    xy[1] = (area.latitude.min + area.latitude.max) / 2;
    if (xy[1] > GEOHASH_LAT_MAX) xy[1] = GEOHASH_LAT_MAX;
    if (xy[1] < GEOHASH_LAT_MIN) xy[1] = GEOHASH_LAT_MIN;
    return true;
}

/* Redis converts the score with a plain (uint64_t) cast; the results x86-64
 * gives for doubles outside 0..2^64 are spelled out here, since the cast
 * itself is undefined there. */
static uint64_t score_bits(double score) {
    if (score >= 0 && score < 18446744073709551616.0) return (uint64_t)score;
    if (score < 0 && score > -9223372036854775808.0) return (uint64_t)(int64_t)score;
    if (score < 0) return 0x8000000000000000ULL; /* -2^63 and below */
    return 0;                                    /* 2^64 and above */
}

bool geohash_decode_score(double score, double xy[2]) {
    geohash hash = {.bits = score_bits(score), .step = GEOHASH_STEP_MAX};
    return geohash_decode_wgs84(hash, xy);
}

uint64_t geohash_align52(geohash hash) {
    return hash.bits << (52 - hash.step * 2);
}

/* Moves the coordinate whose bits `mask` selects by `direction` boxes. */
static void move(geohash *hash, uint64_t mask, int direction) {
    if (direction == 0) return;
    uint64_t moving = hash->bits & mask, fixed = hash->bits & ~mask;
    uint64_t others = ~mask >> (64 - hash->step * 2); /* the other coordinate's bits, this step */
    if (direction > 0) {
        moving = moving + (others + 1);
    } else {
        moving = (moving | others) - (others + 1);
    }
    moving &= mask >> (64 - hash->step * 2);
    hash->bits = moving | fixed;
}

#define LONGITUDE_BITS 0xaaaaaaaaaaaaaaaaULL
#define LATITUDE_BITS 0x5555555555555555ULL

static geohash moved(const geohash *hash, int east, int north) {
    geohash result = *hash;
    move(&result, LONGITUDE_BITS, east);
    move(&result, LATITUDE_BITS, north);
    return result;
}

void geohash_get_neighbors(const geohash *hash, geohash_neighbors *n) {
    n->east = moved(hash, 1, 0);
    n->west = moved(hash, -1, 0);
    n->south = moved(hash, 0, -1);
    n->north = moved(hash, 0, 1);
    n->north_west = moved(hash, -1, 1);
    n->north_east = moved(hash, 1, 1);
    n->south_east = moved(hash, 1, -1);
    n->south_west = moved(hash, -1, -1);
}

uint8_t geohash_estimate_steps(double radius_meters, double latitude) {
    if (radius_meters == 0) return 26;
    int step = 1;
    while (radius_meters < MERCATOR_MAX) {
        radius_meters *= 2;
        step++;
    }
    step -= 2; /* so that most radii fall inside the centre box's neighbourhood */
    /* Boxes narrow towards the poles. */
    if (latitude > 66 || latitude < -66) {
        step--;
        if (latitude > 80 || latitude < -80) step--;
    }
    if (step < 1) step = 1;
    if (step > 26) step = 26;
    return (uint8_t)step;
}

static void bounding_box(geohash_shape *shape) {
    double longitude = shape->xy[0], latitude = shape->xy[1];
    double height = shape->conversion * (shape->type == GEOHASH_SHAPE_CIRCLE ? shape->radius : shape->height / 2);
    double width = shape->conversion * (shape->type == GEOHASH_SHAPE_CIRCLE ? shape->radius : shape->width / 2);
    const double latitude_delta = degrees(height / GEOHASH_EARTH_RADIUS);
    const double longitude_delta_top =
        degrees(width / GEOHASH_EARTH_RADIUS / cos(radians(latitude + latitude_delta)));
    const double longitude_delta_bottom =
        degrees(width / GEOHASH_EARTH_RADIUS / cos(radians(latitude - latitude_delta)));
    /* The wider edge is the one nearer the equator. */
    bool southern = latitude < 0;
    shape->bounds[0] = southern ? longitude - longitude_delta_bottom : longitude - longitude_delta_top;
    shape->bounds[2] = southern ? longitude + longitude_delta_bottom : longitude + longitude_delta_top;
    shape->bounds[1] = latitude - latitude_delta;
    shape->bounds[3] = latitude + latitude_delta;
}

static const geohash no_box = {0, 0};

geohash_cover geohash_cover_shape(geohash_shape *shape) {
    bounding_box(shape);
    double min_longitude = shape->bounds[0], min_latitude = shape->bounds[1];
    double max_longitude = shape->bounds[2], max_latitude = shape->bounds[3];
    double longitude = shape->xy[0], latitude = shape->xy[1];
    /* A box is covered from its centre to a corner. */
    double radius_meters = shape->type == GEOHASH_SHAPE_CIRCLE
                               ? shape->radius
                               : sqrt((shape->width / 2) * (shape->width / 2) + (shape->height / 2) * (shape->height / 2));
    radius_meters *= shape->conversion;

    geohash_cover cover = {0};
    int steps = geohash_estimate_steps(radius_meters, latitude);
    geohash_encode(&wgs84_longitude, &wgs84_latitude, longitude, latitude, (uint8_t)steps, &cover.hash);
    geohash_get_neighbors(&cover.hash, &cover.neighbors);
    geohash_decode(wgs84_longitude, wgs84_latitude, cover.hash, &cover.area);

    /* Near a box edge the estimated step can leave part of the query
     * outside the neighbours: one step coarser then. */
    geohash_area north, south, east, west;
    geohash_decode(wgs84_longitude, wgs84_latitude, cover.neighbors.north, &north);
    geohash_decode(wgs84_longitude, wgs84_latitude, cover.neighbors.south, &south);
    geohash_decode(wgs84_longitude, wgs84_latitude, cover.neighbors.east, &east);
    geohash_decode(wgs84_longitude, wgs84_latitude, cover.neighbors.west, &west);
    bool coarser = north.latitude.max < max_latitude || south.latitude.min > min_latitude ||
                   east.longitude.max < max_longitude || west.longitude.min > min_longitude;
    if (steps > 1 && coarser) {
        steps--;
        geohash_encode(&wgs84_longitude, &wgs84_latitude, longitude, latitude, (uint8_t)steps, &cover.hash);
        geohash_get_neighbors(&cover.hash, &cover.neighbors);
        geohash_decode(wgs84_longitude, wgs84_latitude, cover.hash, &cover.area);
    }

    /* Drop neighbours the query cannot reach. */
    if (steps >= 2) {
        geohash_neighbors *n = &cover.neighbors;
        if (cover.area.latitude.min < min_latitude) n->south = n->south_west = n->south_east = no_box;
        if (cover.area.latitude.max > max_latitude) n->north = n->north_east = n->north_west = no_box;
        if (cover.area.longitude.min < min_longitude) n->west = n->south_west = n->north_west = no_box;
        if (cover.area.longitude.max > max_longitude) n->east = n->south_east = n->north_east = no_box;
    }
    return cover;
}

static double latitude_distance(double latitude1, double latitude2) {
    return GEOHASH_EARTH_RADIUS * fabs(radians(latitude2) - radians(latitude1));
}

double geohash_distance(double longitude1, double latitude1, double longitude2, double latitude2) {
    double longitude1_r = radians(longitude1), longitude2_r = radians(longitude2);
    double v = sin((longitude2_r - longitude1_r) / 2);
    /* Same meridian: the latitude difference alone, cheaper. */
    if (v == 0.0) return latitude_distance(latitude1, latitude2);
    double latitude1_r = radians(latitude1), latitude2_r = radians(latitude2);
    double u = sin((latitude2_r - latitude1_r) / 2);
    double a = u * u + cos(latitude1_r) * cos(latitude2_r) * v * v;
    return 2.0 * GEOHASH_EARTH_RADIUS * asin(sqrt(a));
}

bool geohash_within_radius(double x1, double y1, double x2, double y2, double radius, double *distance) {
    *distance = geohash_distance(x1, y1, x2, y2);
    return !(*distance > radius); /* a NaN distance (antipodes) counts as inside, as in Redis */
}

bool geohash_within_box(double width, double height, double x1, double y1, double x2, double y2,
                        double *distance) {
    if (latitude_distance(y2, y1) > height / 2) return false;
    if (geohash_distance(x2, y2, x1, y2) > width / 2) return false;
    *distance = geohash_distance(x1, y1, x2, y2);
    return true;
}

void geohash_standard_string(const double xy[2], char out[11]) {
    static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    static const geohash_range longitude_range = {-180, 180}, latitude_range = {-90, 90};
    geohash hash = {0, 0};
    geohash_encode(&longitude_range, &latitude_range, xy[0], xy[1], 26, &hash);
    for (int i = 0; i < 11; i++) {
        /* 52 bits give ten characters; the eleventh is '0' as in Redis. */
        int index = i == 10 ? 0 : (int)((hash.bits >> (52 - (i + 1) * 5)) & 0x1f);
        out[i] = alphabet[index];
    }
}
