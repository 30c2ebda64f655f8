/* Unit tests for geohash: scores, decoded positions, standard geohash
 * strings and distances observed on redis-server 7.0.15 (GEOADD, GEOPOS,
 * GEOHASH, GEODIST), including the corners of the Mercator range where the
 * 26-bit cell overflows into bit 52; neighbours checked against re-encoding
 * the centre of the adjacent box; covers that contain every point of the
 * shape; the partial interval checks of the box test. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "geohash.h"

static uint64_t score_of(double longitude, double latitude) {
    geohash hash;
    assert_true(geohash_encode_wgs84(longitude, latitude, GEOHASH_STEP_MAX, &hash));
    return geohash_align52(hash);
}

static void test_scores_match_redis(void **state) {
    (void)state;
    assert_int_equal(score_of(13.361389, 38.115556), 3479099956230698ULL);
    assert_int_equal(score_of(15.087269, 37.502669), 3479447370796909ULL);
    assert_int_equal(score_of(-180, -85.05112878), 0);
    assert_int_equal(score_of(0, 0), 3377699720527872ULL);
    assert_int_equal(score_of(180, 85.05112878), 13510798882111488ULL);
    geohash hash;
    assert_false(geohash_encode_wgs84(180.0001, 0, 26, &hash));
    assert_false(geohash_encode_wgs84(0, 85.06, 26, &hash));
}

/* The text GEOPOS prints: %.17Lf without trailing zeros. */
static void assert_coordinate(double value, const char *expected) {
    char text[64];
    int length = snprintf(text, sizeof text, "%.17Lf", (long double)value);
    while (text[length - 1] == '0') length--;
    if (text[length - 1] == '.') length--;
    text[length] = '\0';
    assert_string_equal(text, expected);
}

static void test_positions_match_redis(void **state) {
    (void)state;
    double xy[2];
    assert_true(geohash_decode_score(3479099956230698.0, xy));
    assert_coordinate(xy[0], "13.36138933897018433");
    assert_coordinate(xy[1], "38.11555639549629859");
    assert_true(geohash_decode_score(0, xy));
    assert_coordinate(xy[0], "-179.99999731779098511");
    assert_coordinate(xy[1], "-85.05112751263942528");
    assert_true(geohash_decode_score(13510798882111488.0, xy));
    assert_coordinate(xy[0], "180");
    assert_coordinate(xy[1], "85.0511287799999991");
    assert_true(geohash_decode_score(3377699720527872.0, xy));
    assert_coordinate(xy[0], "0.00000268220901489");
    assert_coordinate(xy[1], "0.00000126736058093");
}

static void assert_standard(double score, const char *expected) {
    double xy[2];
    char text[12] = {0};
    assert_true(geohash_decode_score(score, xy));
    geohash_standard_string(xy, text);
    assert_string_equal(text, expected);
}

static void test_standard_strings_match_redis(void **state) {
    (void)state;
    assert_standard(3479099956230698.0, "sqc8b49rny0");
    assert_standard(0, "00bh0hbj200");
    assert_standard(13510798882111488.0, "bp05b5048p0");
    assert_standard(3377699720527872.0, "s0000000000");
}

static void test_distances_match_redis(void **state) {
    (void)state;
    double palermo[2], catania[2], corner[2], top[2], zero[2];
    geohash_decode_score(3479099956230698.0, palermo);
    geohash_decode_score(3479447370796909.0, catania);
    geohash_decode_score(0, corner);
    geohash_decode_score(13510798882111488.0, top);
    geohash_decode_score(3377699720527872.0, zero);
    /* GEODIST prints llrint(d * 10000) with four decimals. */
    assert_int_equal(llrint(geohash_distance(palermo[0], palermo[1], catania[0], catania[1]) * 10000),
                     1662741516LL);
    assert_int_equal(llrint(geohash_distance(corner[0], corner[1], top[0], top[1]) * 10000), 189198445891LL);
    assert_int_equal(llrint(geohash_distance(zero[0], zero[1], top[0], top[1]) / 1000 * 10000), 105608115LL);
    /* Same meridian: the latitude difference alone. */
    assert_true(fabs(geohash_distance(10, 0, 10, 1) - GEOHASH_EARTH_RADIUS * M_PI / 180) < 1e-6);
}

static void test_neighbors(void **state) {
    (void)state;
    srand(3);
    for (int n = 0; n < 2000; n++) {
        uint8_t step = (uint8_t)(2 + rand() % 25);
        double longitude = -170 + 340.0 * rand() / RAND_MAX, latitude = -80 + 160.0 * rand() / RAND_MAX;
        geohash hash;
        assert_true(geohash_encode_wgs84(longitude, latitude, step, &hash));
        geohash_neighbors neighbors;
        geohash_get_neighbors(&hash, &neighbors);
        geohash_area area;
        const geohash_range lon = {GEOHASH_LONG_MIN, GEOHASH_LONG_MAX}, lat = {GEOHASH_LAT_MIN, GEOHASH_LAT_MAX};
        assert_true(geohash_decode(lon, lat, hash, &area));
        double width = area.longitude.max - area.longitude.min, height = area.latitude.max - area.latitude.min;
        double centre_lon = (area.longitude.min + area.longitude.max) / 2;
        double centre_lat = (area.latitude.min + area.latitude.max) / 2;
        struct {
            geohash got;
            int east, north;
        } cases[] = {{neighbors.east, 1, 0},        {neighbors.west, -1, 0},      {neighbors.north, 0, 1},
                     {neighbors.south, 0, -1},      {neighbors.north_east, 1, 1}, {neighbors.north_west, -1, 1},
                     {neighbors.south_east, 1, -1}, {neighbors.south_west, -1, -1}};
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            double x = centre_lon + cases[i].east * width, y = centre_lat + cases[i].north * height;
            geohash expected;
            if (x <= GEOHASH_LONG_MIN || x >= GEOHASH_LONG_MAX || y <= GEOHASH_LAT_MIN || y >= GEOHASH_LAT_MAX)
                continue; /* wraps around: not a plain neighbour */
            assert_true(geohash_encode_wgs84(x, y, step, &expected));
            assert_int_equal(cases[i].got.bits, expected.bits);
            assert_int_equal(cases[i].got.step, step);
        }
    }
}

/* Every point within the radius lies in one of the cover's boxes. */
static void test_cover_contains_matches(void **state) {
    (void)state;
    srand(5);
    const geohash_range lon = {GEOHASH_LONG_MIN, GEOHASH_LONG_MAX}, lat = {GEOHASH_LAT_MIN, GEOHASH_LAT_MAX};
    for (int n = 0; n < 300; n++) {
        geohash_shape shape = {.type = GEOHASH_SHAPE_CIRCLE, .conversion = 1000};
        shape.xy[0] = -150 + 300.0 * rand() / RAND_MAX;
        shape.xy[1] = -60 + 120.0 * rand() / RAND_MAX;
        shape.radius = 1 + rand() % 500;
        geohash_cover cover = geohash_cover_shape(&shape);
        geohash boxes[9] = {cover.hash,
                            cover.neighbors.north,
                            cover.neighbors.south,
                            cover.neighbors.east,
                            cover.neighbors.west,
                            cover.neighbors.north_east,
                            cover.neighbors.north_west,
                            cover.neighbors.south_east,
                            cover.neighbors.south_west};
        for (int p = 0; p < 200; p++) {
            double x = shape.bounds[0] + (shape.bounds[2] - shape.bounds[0]) * rand() / RAND_MAX;
            double y = shape.bounds[1] + (shape.bounds[3] - shape.bounds[1]) * rand() / RAND_MAX;
            double distance;
            if (!geohash_within_radius(shape.xy[0], shape.xy[1], x, y, shape.radius * 1000, &distance)) continue;
            bool found = false;
            for (int b = 0; b < 9 && !found; b++) {
                geohash_area area;
                if (boxes[b].step == 0 || !geohash_decode(lon, lat, boxes[b], &area)) continue;
                found = x >= area.longitude.min && x <= area.longitude.max && y >= area.latitude.min &&
                        y <= area.latitude.max;
            }
            assert_true(found);
        }
    }
}

static void test_steps_and_box(void **state) {
    (void)state;
    assert_int_equal(geohash_estimate_steps(0, 0), 26);
    assert_int_equal(geohash_estimate_steps(1e9, 0), 1);
    assert_int_equal(geohash_estimate_steps(1000, 0), 14); /* 1000 m doubled 15 times passes 20037726 m */
    assert_int_equal(geohash_estimate_steps(1000, 70), 13);
    assert_int_equal(geohash_estimate_steps(1000, -85), 12);
    double distance = -1;
    assert_false(geohash_within_box(1000, 1000, 0, 0, 0, 0.01, &distance)); /* 1112 m north: too far */
    assert_true(geohash_within_box(1000, 3000, 0, 0, 0, 0.01, &distance));
    assert_true(distance > 1111 && distance < 1113);
    assert_false(geohash_within_box(1000, 3000, 0, 0, 0.01, 0, &distance)); /* 1112 m east */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scores_match_redis),    cmocka_unit_test(test_positions_match_redis),
        cmocka_unit_test(test_standard_strings_match_redis), cmocka_unit_test(test_distances_match_redis),
        cmocka_unit_test(test_neighbors),             cmocka_unit_test(test_cover_contains_matches),
        cmocka_unit_test(test_steps_and_box),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
