/* histogram: log-linear latency histogram (see histogram.h).
 *
 * Bucket layout.  Values below 2 * SUB_BUCKETS map to themselves.  A larger
 * value whose highest set bit is `top` is shifted right by
 * (top - SUB_BUCKET_BITS), which leaves a mantissa in [SUB_BUCKETS,
 * 2 * SUB_BUCKETS); the bucket is then (shift + 1) * SUB_BUCKETS + mantissa -
 * SUB_BUCKETS.  Consecutive octaves therefore occupy consecutive runs of
 * SUB_BUCKETS buckets and the index grows with the value.
 */
#include "histogram.h"

#include <string.h>

#include "zmalloc.h"

histogram *histogram_create(void) { return zmalloc_calloc(sizeof(histogram)); }

void histogram_destroy(histogram *h) { zmalloc_free(h); }

void histogram_reset(histogram *h) { memset(h, 0, sizeof(*h)); }

size_t histogram_bucket_index(uint64_t value) {
    if (value > HISTOGRAM_MAX_VALUE) value = HISTOGRAM_MAX_VALUE;
    if (value < 2 * HISTOGRAM_SUB_BUCKETS) return (size_t)value;
    int top = 63 - __builtin_clzll(value);
    int shift = top - HISTOGRAM_SUB_BUCKET_BITS;
    uint64_t mantissa = value >> shift;
    return (size_t)(shift + 1) * HISTOGRAM_SUB_BUCKETS + (size_t)(mantissa - HISTOGRAM_SUB_BUCKETS);
}

uint64_t histogram_bucket_upper_bound(size_t index) {
    if (index < 2 * HISTOGRAM_SUB_BUCKETS) return index;
    int shift = (int)(index / HISTOGRAM_SUB_BUCKETS) - 1;
    uint64_t mantissa = index % HISTOGRAM_SUB_BUCKETS + HISTOGRAM_SUB_BUCKETS;
    return ((mantissa + 1) << shift) - 1;
}

void histogram_record(histogram *h, uint64_t value) {
    h->counts[histogram_bucket_index(value)]++;
    h->total++;
}

uint64_t histogram_percentile(const histogram *h, double percentile) {
    if (h->total == 0) return 0;
    if (percentile < 0) percentile = 0;
    if (percentile > 100) percentile = 100;
    /* The rank of the sample sought, at least the first one. */
    uint64_t rank = (uint64_t)(percentile / 100.0 * (double)h->total + 0.5);
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < HISTOGRAM_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) return histogram_bucket_upper_bound(i);
    }
    return histogram_bucket_upper_bound(HISTOGRAM_BUCKETS - 1);
}

size_t histogram_cumulative_powers(const histogram *h,
                                   void (*visit)(uint64_t bound, uint64_t count, void *context),
                                   void *context) {
    size_t visits = 0;
    uint64_t below = 0, reported = 0, bound = 1;
    size_t index = 0;
    while (reported < h->total && bound <= HISTOGRAM_MAX_VALUE + 1) {
        /* Count every bucket whose values are all smaller than `bound`. */
        while (index < HISTOGRAM_BUCKETS && histogram_bucket_upper_bound(index) < bound)
            below += h->counts[index++];
        if (index == HISTOGRAM_BUCKETS) below = h->total;
        if (below > reported) {
            visit(bound, below, context);
            reported = below;
            visits++;
        }
        bound <<= 1;
    }
    return visits;
}
