/* hll: Redis's HyperLogLog bytes and estimator (contract in hll.h).
 *
 * Sparse edits run on an owned buffer that always has four spare bytes and a
 * zero byte just past the value.  The spare bytes let a split (one opcode
 * becoming up to five bytes) happen in place before the merge pass shrinks
 * it again; the zero byte is what Redis's sds terminator gives a truncated
 * XZERO opcode at the very end, so corrupt values decode as they do there
 * (and are rejected by the same checks) without a read past the value.
 * Read-only walks take the same zero from xzero_run() instead.
 *
 * A VAL run that would pass the last register makes the value corrupt in the
 * merge and the conversion to dense, as in Debian's redis-server 7.0.15
 * (patched for CVE-2025-32023; unpatched 7.0.15 stopped there and accepted
 * the value when the runs before it added up).
 */
#include "hll.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "zkv_assert.h"
#include "zmalloc.h"

#define HLL_BITS 6
#define HLL_REGISTER_MASK 63
#define HLL_INDEX_BITS 14
#define HLL_Q (64 - HLL_INDEX_BITS)
#define HLL_SEED 0xadc83b19ULL
#define HLL_ALPHA_INF 0.721347520444481703680 /* 1 / (2 ln 2) */
#define HLL_STALE_BIT 0x80                    /* in the last cardinality byte */
#define HLL_SPARE 4                           /* split room + terminator */

#define ZERO_MAX_RUN 64
#define XZERO_MAX_RUN 16384
#define VAL_MAX_RUN 4

/* ---- Hash ---- */

uint64_t hll_murmur64a(const void *data, size_t length, uint64_t seed) {
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const unsigned char *p = data;
    uint64_t h = seed ^ (length * m);
    size_t whole = length & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t k = 0;
        for (int j = 7; j >= 0; j--) k = (k << 8) | p[i + (size_t)j];
        k *= m;
        k ^= k >> 47;
        k *= m;
        h ^= k;
        h *= m;
    }
    size_t tail = length & 7;
    if (tail) {
        for (size_t j = tail; j-- > 0;) h ^= (uint64_t)p[whole + j] << (8 * j);
        h *= m;
    }
    h ^= h >> 47;
    h *= m;
    h ^= h >> 47;
    return h;
}

void hll_hash_element(const void *element, size_t length, uint32_t *index, uint8_t *count) {
    uint64_t hash = hll_murmur64a(element, length, HLL_SEED);
    *index = (uint32_t)(hash & (HLL_REGISTERS - 1));
    /* A sentinel bit at position Q bounds the run: at most Q + 1. */
    hash = (hash >> HLL_INDEX_BITS) | (1ULL << HLL_Q);
    uint8_t run = 1;
    while (!(hash & 1)) {
        run++;
        hash >>= 1;
    }
    *count = run;
}

/* ---- Header ---- */

bool hll_is_valid(const unsigned char *bytes, size_t length) {
    if (length < HLL_HEADER_SIZE || memcmp(bytes, "HYLL", 4) != 0) return false;
    if (bytes[4] > HLL_ENCODING_SPARSE) return false;
    return bytes[4] != HLL_ENCODING_DENSE || length == HLL_DENSE_SIZE;
}

void hll_init_empty(unsigned char out[HLL_EMPTY_SIZE]) {
    memset(out, 0, HLL_EMPTY_SIZE);
    memcpy(out, "HYLL", 4);
    out[4] = HLL_ENCODING_SPARSE;
    out[HLL_HEADER_SIZE] = 0x40 | ((XZERO_MAX_RUN - 1) >> 8);
    out[HLL_HEADER_SIZE + 1] = (XZERO_MAX_RUN - 1) & 0xff;
}

int hll_encoding(const unsigned char *bytes) {
    return bytes[4];
}

bool hll_cached_count(const unsigned char *bytes, uint64_t *count) {
    if (bytes[15] & HLL_STALE_BIT) return false;
    uint64_t value = 0;
    for (int i = 7; i >= 0; i--) value = (value << 8) | bytes[8 + i];
    *count = value;
    return true;
}

void hll_set_cached_count(unsigned char *bytes, uint64_t count) {
    for (int i = 0; i < 8; i++) bytes[8 + i] = (unsigned char)(count >> (8 * i));
}

void hll_invalidate_cache(unsigned char *bytes) {
    bytes[15] |= HLL_STALE_BIT;
}

/* ---- Dense registers ---- */

uint8_t hll_dense_get(const unsigned char *registers, uint32_t index) {
    size_t bit = (size_t)index * HLL_BITS, byte = bit / 8;
    unsigned shift = bit & 7;
    unsigned value = registers[byte] >> shift;
    if (shift > 8 - HLL_BITS) value |= (unsigned)registers[byte + 1] << (8 - shift);
    return (uint8_t)(value & HLL_REGISTER_MASK);
}

void hll_dense_put(unsigned char *registers, uint32_t index, uint8_t value) {
    size_t bit = (size_t)index * HLL_BITS, byte = bit / 8;
    unsigned shift = bit & 7;
    registers[byte] = (unsigned char)((registers[byte] & ~(HLL_REGISTER_MASK << shift)) | (value << shift));
    if (shift > 8 - HLL_BITS) {
        unsigned high = 8 - shift;
        registers[byte + 1] =
            (unsigned char)((registers[byte + 1] & ~(HLL_REGISTER_MASK >> high)) | (value >> high));
    }
}

static int dense_raise(unsigned char *registers, uint32_t index, uint8_t count) {
    if (hll_dense_get(registers, index) >= count) return 0;
    hll_dense_put(registers, index, count);
    return 1;
}

/* All registers of a dense value, one byte each: every three bytes hold
 * four registers, so the loop needs no per-register shifts or branches. */
static void dense_unpack(const unsigned char *registers, uint8_t out[HLL_REGISTERS]) {
    for (uint32_t i = 0; i < HLL_REGISTERS; i += 4, registers += 3) {
        unsigned b0 = registers[0], b1 = registers[1], b2 = registers[2];
        out[i] = (uint8_t)(b0 & 63);
        out[i + 1] = (uint8_t)(((b0 >> 6) | (b1 << 2)) & 63);
        out[i + 2] = (uint8_t)(((b1 >> 4) | (b2 << 4)) & 63);
        out[i + 3] = (uint8_t)(b2 >> 2);
    }
}

/* ---- Sparse opcodes ---- */

static bool is_zero(const unsigned char *p) {
    return (*p & 0xc0) == 0;
}
static bool is_xzero(const unsigned char *p) {
    return (*p & 0xc0) == 0x40;
}
static bool is_val(const unsigned char *p) {
    return (*p & 0x80) != 0;
}
static long zero_run(const unsigned char *p) {
    return (*p & 0x3f) + 1;
}
/* The second byte of a truncated XZERO at `end` reads as Redis's zero. */
static long xzero_run(const unsigned char *p, const unsigned char *end) {
    unsigned low = p + 1 < end ? p[1] : 0;
    return (long)((((unsigned)*p & 0x3f) << 8) | low) + 1;
}
static int val_value(const unsigned char *p) {
    return ((*p >> 2) & 0x1f) + 1;
}
static long val_run(const unsigned char *p) {
    return (*p & 0x3) + 1;
}
static unsigned char *put_val(unsigned char *p, int value, long run) {
    *p = (unsigned char)(0x80 | ((value - 1) << 2) | (run - 1));
    return p + 1;
}
/* A run of zeros as one opcode, ZERO when it fits, XZERO otherwise. */
static unsigned char *put_zeros(unsigned char *p, long run) {
    if (run > ZERO_MAX_RUN) {
        p[0] = (unsigned char)(0x40 | ((run - 1) >> 8));
        p[1] = (unsigned char)((run - 1) & 0xff);
        return p + 2;
    }
    *p = (unsigned char)(run - 1);
    return p + 1;
}

void hll_sparse_walk(const unsigned char *bytes, size_t length,
                     void (*visit)(void *context, char kind, int value, int run), void *context) {
    const unsigned char *p = bytes + HLL_HEADER_SIZE, *end = bytes + length;
    while (p < end) {
        if (is_zero(p)) {
            visit(context, 'z', 0, (int)zero_run(p));
            p++;
        } else if (is_xzero(p)) {
            visit(context, 'Z', 0, (int)xzero_run(p, end));
            p += 2;
        } else {
            visit(context, 'v', val_value(p), (int)val_run(p));
            p++;
        }
    }
}

static void reserve(hll_buffer *b, size_t length) {
    zkv_assert(b->owned);
    if (length + HLL_SPARE <= b->capacity) return;
    size_t capacity = length + HLL_SPARE;
    b->bytes = zmalloc_realloc(b->bytes, capacity);
    b->capacity = capacity;
}

bool hll_to_dense(hll_buffer *b) {
    if (b->bytes[4] == HLL_ENCODING_DENSE) return true;
    unsigned char *dense = zmalloc_calloc(HLL_DENSE_SIZE + 1);
    memcpy(dense, b->bytes, HLL_HEADER_SIZE); /* magic and cached count */
    dense[4] = HLL_ENCODING_DENSE;
    unsigned char *registers = dense + HLL_HEADER_SIZE;
    const unsigned char *p = b->bytes + HLL_HEADER_SIZE, *end = b->bytes + b->length;
    long index = 0;
    while (p < end) {
        if (is_zero(p)) {
            index += zero_run(p++);
        } else if (is_xzero(p)) {
            index += xzero_run(p, end);
            p += 2;
        } else {
            long run = val_run(p);
            if (index + run > HLL_REGISTERS) {
                index = -1; /* invalid, as the patched Redis decides */
                break;
            }
            for (long i = 0; i < run; i++) hll_dense_put(registers, (uint32_t)index++, (uint8_t)val_value(p));
            p++;
        }
    }
    if (index != HLL_REGISTERS) {
        zmalloc_free(dense);
        return false;
    }
    if (b->owned) zmalloc_free(b->bytes);
    b->bytes = dense;
    b->length = HLL_DENSE_SIZE;
    b->capacity = HLL_DENSE_SIZE + 1;
    b->owned = true;
    return true;
}

static int promote(hll_buffer *b, uint32_t index, uint8_t count) {
    if (!hll_to_dense(b)) return -1;
    int changed = dense_raise(b->bytes + HLL_HEADER_SIZE, index, count);
    /* A register that needed a new opcode or a value above 32 was lower. */
    return changed;
}

/* Joins adjacent VAL opcodes of one value, scanning at most five opcodes
 * from `p` (Redis's bounded pass after an edit). */
static void merge_neighbours(hll_buffer *b, unsigned char *p) {
    unsigned char *end = b->bytes + b->length;
    int budget = 5;
    while (p < end && budget--) {
        if (is_xzero(p)) {
            p += 2;
            continue;
        }
        if (is_zero(p)) {
            p++;
            continue;
        }
        if (p + 1 < end && is_val(p + 1) && val_value(p) == val_value(p + 1)) {
            long run = val_run(p) + val_run(p + 1);
            if (run <= VAL_MAX_RUN) {
                put_val(p + 1, val_value(p), run);
                memmove(p, p + 1, (size_t)(end - p - 1));
                b->length--;
                end--;
                *end = 0;
                continue; /* the merged opcode may join the next one too */
            }
        }
        p++;
    }
}

static int sparse_set(hll_buffer *b, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
    if (count > HLL_SPARSE_MAX_VALUE) return promote(b, index, count);
    reserve(b, b->length);
    b->bytes[b->length] = 0;
    unsigned char *start = b->bytes + HLL_HEADER_SIZE, *end = b->bytes + b->length;
    unsigned char *p = start, *prev = NULL;
    long first = 0, span = 0;
    while (p < end) {
        long size = 1;
        if (is_zero(p)) {
            span = zero_run(p);
        } else if (is_val(p)) {
            span = val_run(p);
        } else {
            span = xzero_run(p, end);
            size = 2;
        }
        if (index <= first + span - 1) break;
        prev = p;
        p += size;
        first += span;
    }
    if (span == 0 || p >= end) return -1;
    unsigned char *next = is_xzero(p) ? p + 2 : p + 1;
    if (next >= end) next = NULL;

    if (is_val(p)) {
        if (val_value(p) >= count) return 0;
        if (val_run(p) == 1) {
            put_val(p, count, 1);
            goto updated;
        }
    } else if (is_zero(p) && zero_run(p) == 1) {
        put_val(p, count, 1);
        goto updated;
    }

    /* Split the run covering `index` into (before, our register, after). */
    unsigned char sequence[5], *s = sequence;
    long last = first + span - 1;
    bool zeros = !is_val(p);
    int old_value = zeros ? 0 : val_value(p);
    if (index != first) s = zeros ? put_zeros(s, index - first) : put_val(s, old_value, index - first);
    s = put_val(s, count, 1);
    if (index != last) s = zeros ? put_zeros(s, last - index) : put_val(s, old_value, last - index);
    long sequence_length = s - sequence;
    long delta = sequence_length - (is_xzero(p) ? 2 : 1);
    if (delta > 0 && b->length + (size_t)delta > sparse_max_bytes) return promote(b, index, count);
    if (delta && next) memmove(next + delta, next, (size_t)(end - next));
    b->length = (size_t)((long)b->length + delta);
    memcpy(p, sequence, (size_t)sequence_length);
    b->bytes[b->length] = 0;

updated:
    merge_neighbours(b, prev ? prev : start);
    hll_invalidate_cache(b->bytes);
    return 1;
}

int hll_set_register(hll_buffer *b, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
    switch (b->bytes[4]) {
    case HLL_ENCODING_DENSE: {
        int changed = dense_raise(b->bytes + HLL_HEADER_SIZE, index, count);
        return changed;
    }
    case HLL_ENCODING_SPARSE:
        return sparse_set(b, index, count, sparse_max_bytes);
    default:
        return -1;
    }
}

int hll_add(hll_buffer *b, const void *element, size_t length, size_t sparse_max_bytes) {
    uint32_t index;
    uint8_t count;
    hll_hash_element(element, length, &index, &count);
    return hll_set_register(b, index, count, sparse_max_bytes);
}

/* ---- Merge and estimate ---- */

bool hll_merge_registers(uint8_t max[HLL_REGISTERS], const unsigned char *bytes, size_t length) {
    if (bytes[4] == HLL_ENCODING_DENSE) {
        uint8_t registers[HLL_REGISTERS];
        dense_unpack(bytes + HLL_HEADER_SIZE, registers);
        for (uint32_t i = 0; i < HLL_REGISTERS; i++)
            if (registers[i] > max[i]) max[i] = registers[i];
        return true;
    }
    const unsigned char *p = bytes + HLL_HEADER_SIZE, *end = bytes + length;
    long index = 0;
    while (p < end) {
        if (is_zero(p)) {
            index += zero_run(p++);
        } else if (is_xzero(p)) {
            index += xzero_run(p, end);
            p += 2;
        } else {
            long run = val_run(p);
            uint8_t value = (uint8_t)val_value(p);
            if (index + run > HLL_REGISTERS) return false;
            for (; run > 0; run--, index++)
                if (value > max[index]) max[index] = value;
            p++;
        }
    }
    return index == HLL_REGISTERS;
}

/* Ertl's sigma and tau ("New cardinality estimation algorithms for
 * HyperLogLog sketches", arXiv:1702.01284), iterated to a fixed point in the
 * same order of operations as Redis so the doubles agree bit for bit. */
static double sigma(double x) {
    if (x == 1.) return INFINITY;
    double y = 1, z = x, previous;
    do {
        x *= x;
        previous = z;
        z += x * y;
        y += y;
    } while (previous != z);
    return z;
}

static double tau(double x) {
    if (x == 0. || x == 1.) return 0.;
    double y = 1.0, z = 1 - x, previous;
    do {
        x = sqrt(x);
        previous = z;
        y *= 0.5;
        z -= pow(1 - x, 2) * y;
    } while (previous != z);
    return z / 3;
}

/* `histogram` has 64 slots: a corrupt dense value may hold up to 63; its
 * counts are wide enough for any corrupt sparse value's runs. */
static uint64_t estimate(const long long histogram[64]) {
    double m = HLL_REGISTERS;
    double z = m * tau((m - histogram[HLL_Q + 1]) / m);
    for (int j = HLL_Q; j >= 1; --j) {
        z += histogram[j];
        z *= 0.5;
    }
    z += m * sigma(histogram[0] / m);
    return (uint64_t)llroundl(HLL_ALPHA_INF * m * m / z);
}

uint64_t hll_count(const unsigned char *bytes, size_t length, bool *invalid) {
    long long histogram[64] = {0};
    if (bytes[4] == HLL_ENCODING_DENSE) {
        uint8_t registers[HLL_REGISTERS];
        dense_unpack(bytes + HLL_HEADER_SIZE, registers);
        return hll_count_registers(registers);
    }
    const unsigned char *p = bytes + HLL_HEADER_SIZE, *end = bytes + length;
    long index = 0;
    while (p < end) {
        long run;
        if (is_zero(p)) {
            run = zero_run(p++);
            histogram[0] += run;
        } else if (is_xzero(p)) {
            run = xzero_run(p, end);
            histogram[0] += run;
            p += 2;
        } else {
            run = val_run(p);
            histogram[val_value(p)] += run;
            p++;
        }
        index += run;
    }
    if (index != HLL_REGISTERS && invalid) *invalid = true;
    return estimate(histogram);
}

uint64_t hll_count_registers(const uint8_t registers[HLL_REGISTERS]) {
    long long histogram[64] = {0};
    for (uint32_t i = 0; i < HLL_REGISTERS; i++) histogram[registers[i] & 63]++;
    return estimate(histogram);
}

/* ---- Self test ---- */

/* xorshift64*: reproducible register contents without libc's rand(). */
static uint64_t next_random(uint64_t *state) {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545f4914f6cdd1dULL;
}

static bool selftest_packing(uint64_t seed, unsigned char *registers, char *error, size_t error_size) {
    static uint8_t expected[HLL_REGISTERS];
    uint64_t state = seed | 1;
    for (int round = 0; round < 1000; round++) {
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
            expected[i] = (uint8_t)(next_random(&state) & HLL_REGISTER_MASK);
            hll_dense_put(registers, i, expected[i]);
        }
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
            uint8_t value = hll_dense_get(registers, i);
            if (value != expected[i]) {
                snprintf(error, error_size, "TESTFAILED Register %u should be %d but is %d", i, expected[i], value);
                return false;
            }
        }
    }
    return true;
}

bool hll_selftest(uint64_t seed, size_t sparse_max_bytes, char *error, size_t error_size) {
    unsigned char *dense = zmalloc_calloc(HLL_DENSE_SIZE + 1);
    hll_buffer sparse = {.bytes = zmalloc_alloc(HLL_EMPTY_SIZE + HLL_SPARE), .length = HLL_EMPTY_SIZE,
                         .capacity = HLL_EMPTY_SIZE + HLL_SPARE, .owned = true};
    hll_init_empty(sparse.bytes);
    bool ok = selftest_packing(seed, dense + HLL_HEADER_SIZE, error, error_size);
    memcpy(dense, "HYLL", 4);
    dense[4] = HLL_ENCODING_DENSE;
    memset(dense + HLL_HEADER_SIZE, 0, HLL_DENSE_SIZE - HLL_HEADER_SIZE);
    hll_buffer dense_buffer = {.bytes = dense, .length = HLL_DENSE_SIZE, .capacity = HLL_DENSE_SIZE + 1};
    double relative_error = 1.04 / sqrt(HLL_REGISTERS);
    uint64_t checkpoint = 1;
    for (uint64_t j = 1; ok && j <= 10000000; j++) {
        uint64_t element = j ^ seed;
        hll_add(&dense_buffer, &element, sizeof element, sparse_max_bytes);
        if (hll_add(&sparse, &element, sizeof element, sparse_max_bytes) < 0) {
            snprintf(error, error_size, "TESTFAILED sparse update failed");
            ok = false;
            break;
        }
        if (j != checkpoint) continue;
        if (j < sparse_max_bytes / 2 && sparse.bytes[4] != HLL_ENCODING_SPARSE) {
            snprintf(error, error_size, "TESTFAILED sparse encoding not used");
            ok = false;
            break;
        }
        uint64_t estimated = hll_count(dense, HLL_DENSE_SIZE, NULL);
        if (estimated != hll_count(sparse.bytes, sparse.length, NULL)) {
            snprintf(error, error_size, "TESTFAILED dense/sparse disagree");
            ok = false;
            break;
        }
        uint64_t difference = estimated > checkpoint ? estimated - checkpoint : checkpoint - estimated;
        /* Ten elements can collide into a large error now and then. */
        uint64_t allowed = j == 10 ? 1 : (uint64_t)ceil(relative_error * 6 * (double)checkpoint);
        if (difference > allowed) {
            snprintf(error, error_size, "TESTFAILED Too big error. card:%llu abserr:%llu",
                     (unsigned long long)checkpoint, (unsigned long long)difference);
            ok = false;
            break;
        }
        checkpoint *= 10;
    }
    zmalloc_free(dense);
    zmalloc_free(sparse.bytes);
    return ok;
}
