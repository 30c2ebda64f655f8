/* geo_search: collecting and ordering the points of a GEO search (the
 * design is in geo_search.h). */
#include "geo_search.h"

#include <stdlib.h>

#include "zmalloc.h"

static void append(geo_points *points, const double xy[2], double distance, double score, const char *member,
                   size_t length) {
    if (points->count == points->capacity) {
        points->capacity = points->capacity ? points->capacity * 2 : 8;
        points->items = zmalloc_realloc(points->items, points->capacity * sizeof *points->items);
    }
    points->items[points->count++] = (geo_point){.longitude = xy[0], .latitude = xy[1], .distance = distance,
                                                 .score = score, .length = length, .offset = points->names.length};
    strbuf_append(&points->names, member, length);
}

static bool inside(const geohash_shape *shape, double score, double xy[2], double *distance) {
    if (!geohash_decode_score(score, xy)) return false;
    if (shape->type == GEOHASH_SHAPE_CIRCLE)
        return geohash_within_radius(shape->xy[0], shape->xy[1], xy[0], xy[1], shape->radius * shape->conversion,
                                     distance);
    return geohash_within_box(shape->width * shape->conversion, shape->height * shape->conversion, shape->xy[0],
                              shape->xy[1], xy[0], xy[1], distance);
}

/* The members whose scores fall in the box's range [min, max). */
static void search_box(const zset *z, geohash box, const geohash_shape *shape, geo_points *points, size_t limit) {
    double min = (double)geohash_align52(box);
    box.bits++;
    double max = (double)geohash_align52(box);
    size_t start = zset_count_score_below(z, min, false);
    if (start >= zset_length(z)) return;
    zset_iterator it;
    zset_iterator_init(&it, z, start, false);
    const char *member;
    size_t length;
    double score;
    while (zset_iterator_next(&it, &member, &length, &score)) {
        if (!(score < max)) break;
        double xy[2], distance = 0;
        if (inside(shape, score, xy, &distance)) append(points, xy, distance, score, member, length);
        if (points->count && limit && points->count >= limit) break;
    }
    zset_iterator_finish(&it);
}

void geo_search(const zset *z, geohash_shape *shape, geo_points *points, size_t limit) {
    geohash_cover cover = geohash_cover_shape(shape);
    const geohash boxes[9] = {cover.hash,
                              cover.neighbors.north,
                              cover.neighbors.south,
                              cover.neighbors.east,
                              cover.neighbors.west,
                              cover.neighbors.north_east,
                              cover.neighbors.north_west,
                              cover.neighbors.south_east,
                              cover.neighbors.south_west};
    int previous = -1;
    for (int i = 0; i < 9; i++) {
        if (boxes[i].bits == 0 && boxes[i].step == 0) continue; /* trimmed */
        /* Redis compares with the last box it searched, never with the
         * centre (its "last processed" index 0 reads as "none"). */
        if (previous > 0 && boxes[i].bits == boxes[previous].bits && boxes[i].step == boxes[previous].step)
            continue;
        if (points->count && limit && points->count >= limit) break;
        search_box(z, boxes[i], shape, points, limit);
        previous = i;
    }
    const char *names = points->names.data ? points->names.data : ""; /* empty members only */
    for (size_t i = 0; i < points->count; i++) points->items[i].member = names + points->items[i].offset;
}

void geo_points_free(geo_points *points) {
    zmalloc_free(points->items);
    strbuf_free(&points->names);
    *points = (geo_points){0};
}

/* ---- Ordering ---- */

static int ascending(const void *a, const void *b) {
    const geo_point *x = a, *y = b;
    if (x->distance > y->distance) return 1;
    if (x->distance == y->distance) return 0;
    return -1;
}

static int descending(const void *a, const void *b) {
    return -ascending(a, b);
}

typedef int comparator(const void *, const void *);

static void swap_points(geo_point *a, geo_point *b) {
    geo_point t = *a;
    *a = *b;
    *b = t;
}

static void swap_runs(geo_point *a, geo_point *b, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) swap_points(a + i, b + i);
}

static geo_point *median_of_three(geo_point *a, geo_point *b, geo_point *c, comparator *cmp) {
    if (cmp(a, b) < 0) return cmp(b, c) < 0 ? b : (cmp(a, c) < 0 ? c : a);
    return cmp(b, c) > 0 ? b : (cmp(a, c) < 0 ? a : c);
}

/* True when the run [low, low + n) holds none of the wanted [first, last]. */
static bool outside(const geo_point *low, ptrdiff_t n, const geo_point *first, const geo_point *last) {
    const geo_point *high = low + n - 1;
    return (first < low && last < low) || (first > high && last > high);
}

/* Redis's pqsort: Bentley and McIlroy's three-way quicksort (insertion sort
 * below seven points, median of three or of three medians for the pivot)
 * that only descends into runs overlapping the wanted points [first, last].
 * The same steps give the same order of points at equal distances. */
static void partial_quicksort(geo_point *a, ptrdiff_t n, comparator *cmp, const geo_point *first,
                              const geo_point *last) {
    for (;;) {
        if (n < 7) {
            for (geo_point *m = a + 1; m < a + n; m++)
                for (geo_point *l = m; l > a && cmp(l - 1, l) > 0; l--) swap_points(l, l - 1);
            return;
        }
        geo_point *pm = a + n / 2;
        if (n > 7) {
            geo_point *pl = a, *pn = a + n - 1;
            if (n > 40) {
                ptrdiff_t d = n / 8;
                pl = median_of_three(pl, pl + d, pl + 2 * d, cmp);
                pm = median_of_three(pm - d, pm, pm + d, cmp);
                pn = median_of_three(pn - 2 * d, pn - d, pn, cmp);
            }
            pm = median_of_three(pl, pm, pn, cmp);
        }
        swap_points(a, pm);
        geo_point *pa = a + 1, *pb = a + 1, *pc = a + n - 1, *pd = a + n - 1;
        for (;;) {
            int result;
            while (pb <= pc && (result = cmp(pb, a)) <= 0) {
                if (result == 0) swap_points(pa++, pb);
                pb++;
            }
            while (pb <= pc && (result = cmp(pc, a)) >= 0) {
                if (result == 0) swap_points(pc, pd--);
                pc--;
            }
            if (pb > pc) break;
            swap_points(pb++, pc--);
        }
        geo_point *end = a + n;
        ptrdiff_t r = pa - a < pb - pa ? pa - a : pb - pa;
        swap_runs(a, pb - r, r);
        r = pd - pc < end - pd - 1 ? pd - pc : end - pd - 1;
        swap_runs(pb, end - r, r);
        if ((r = pb - pa) > 1 && !outside(a, r, first, last)) partial_quicksort(a, r, cmp, first, last);
        if ((r = pd - pc) <= 1) return;
        a = end - r;
        n = r;
        if (outside(a, n, first, last)) return;
    }
}

void geo_sort(geo_points *points, bool descending_order, size_t wanted) {
    comparator *cmp = descending_order ? descending : ascending;
    if (points->count < 2) return;
    if (wanted >= points->count) {
        qsort(points->items, points->count, sizeof *points->items, cmp);
        return;
    }
    partial_quicksort(points->items, (ptrdiff_t)points->count, cmp, points->items,
                      points->items + wanted - 1);
}
