/* histogram: a small log-linear histogram of latencies in microseconds.
 *
 * INFO latencystats and LATENCY HISTOGRAM need, per command, percentiles and
 * a cumulative distribution of run times without keeping every sample.  The
 * histogram splits each power of two into HISTOGRAM_SUB_BUCKETS equal
 * sub-buckets (the idea behind HdrHistogram): values below
 * 2 * HISTOGRAM_SUB_BUCKETS are counted exactly, larger ones with a relative
 * error below 1/HISTOGRAM_SUB_BUCKETS (6.25%).  Recording is a count-leading-
 * zeros, a shift and an increment; no allocation ever happens after creation.
 *
 * Trade-off: the range is capped (values above HISTOGRAM_MAX_VALUE, about 19
 * hours, land in the last bucket) so the bucket array has a fixed size of a
 * few kilobytes.  Histograms are allocated only for commands that run.
 */
#ifndef ZKV_HISTOGRAM_H
#define ZKV_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#define HISTOGRAM_SUB_BUCKET_BITS 4
#define HISTOGRAM_SUB_BUCKETS (1u << HISTOGRAM_SUB_BUCKET_BITS)
#define HISTOGRAM_MAX_BITS 36 /* values up to 2^36 - 1 microseconds */
#define HISTOGRAM_MAX_VALUE ((UINT64_C(1) << HISTOGRAM_MAX_BITS) - 1)
#define HISTOGRAM_BUCKETS ((HISTOGRAM_MAX_BITS - HISTOGRAM_SUB_BUCKET_BITS + 1) * HISTOGRAM_SUB_BUCKETS)

typedef struct histogram {
    uint64_t total;
    uint64_t counts[HISTOGRAM_BUCKETS];
} histogram;

/* Allocated through zmalloc, all counts zero. */
histogram *histogram_create(void);
void histogram_destroy(histogram *h);
void histogram_reset(histogram *h);

void histogram_record(histogram *h, uint64_t value);

/* Bucket index of a value, and the largest value a bucket holds. */
size_t histogram_bucket_index(uint64_t value);
uint64_t histogram_bucket_upper_bound(size_t index);

/* The smallest recorded bucket bound below or at which `percentile` percent
 * (0..100) of the samples lie; 0 when the histogram is empty. */
uint64_t histogram_percentile(const histogram *h, double percentile);

/* Cumulative distribution at powers of two: calls visit(bound, count) for
 * bound = 1, 2, 4, ... with the number of samples smaller than bound (every
 * bucket boundary falls on a power of two, so the count is exact), skipping
 * bounds where the count does not grow, and stopping once every sample is
 * counted (the LATENCY HISTOGRAM layout).  Returns how many times visit was
 * called. */
size_t histogram_cumulative_powers(const histogram *h,
                                   void (*visit)(uint64_t bound, uint64_t count, void *context),
                                   void *context);

#endif
