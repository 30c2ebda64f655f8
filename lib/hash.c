/* hash: seeded multiply-and-fold hash.  See hash.h for the design. */
#include "hash.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Odd 64-bit constants with well-mixed bits (the golden ratio and two large
 * primes); any such constants work, they only have to differ. */
#define HASH_K0 0x9e3779b97f4a7c15ULL
#define HASH_K1 0xc2b2ae3d27d4eb4fULL
#define HASH_K2 0x165667b19e3779f9ULL

static uint64_t hash_seed = HASH_K2;

/* The 128-bit product of a and b with its halves folded: every input bit
 * influences many output bits. */
static inline uint64_t hash_fold_multiply(uint64_t a, uint64_t b) {
    __uint128_t product = (__uint128_t)a * b;
    return (uint64_t)product ^ (uint64_t)(product >> 64);
}

static inline uint64_t hash_read64(const uint8_t *p) {
    uint64_t value;
    memcpy(&value, p, sizeof value);
    return value;
}

static inline uint64_t hash_read32(const uint8_t *p) {
    uint32_t value;
    memcpy(&value, p, sizeof value);
    return value;
}

uint64_t hash_bytes_seeded(const void *data, size_t length, uint64_t seed) {
    const uint8_t *p = data;
    uint64_t state = hash_fold_multiply(seed ^ HASH_K0, HASH_K1);
    size_t remaining = length;
    uint64_t low = 0, high = 0;

    while (remaining > 16) {
        state = hash_fold_multiply(hash_read64(p) ^ HASH_K1, hash_read64(p + 8) ^ state);
        p += 16;
        remaining -= 16;
    }
    /* The last 1..16 bytes are read as two possibly overlapping words, so no
     * byte-by-byte loop is needed; the length goes into the finalisation so
     * overlapping reads of different lengths cannot collide. */
    if (remaining >= 8) {
        low = hash_read64(p);
        high = hash_read64(p + remaining - 8);
    } else if (remaining >= 4) {
        low = hash_read32(p);
        high = hash_read32(p + remaining - 4);
    } else if (remaining > 0) {
        low = (uint64_t)p[0] | (uint64_t)p[remaining / 2] << 8 | (uint64_t)p[remaining - 1] << 16;
    }
    state = hash_fold_multiply(low ^ HASH_K1, high ^ state ^ HASH_K0);
    return hash_fold_multiply(state ^ HASH_K2, (uint64_t)length ^ HASH_K1);
}

uint64_t hash_bytes(const void *data, size_t length) {
    return hash_bytes_seeded(data, length, hash_seed);
}

void hash_set_seed(uint64_t seed) {
    hash_seed = seed;
}

void hash_seed_randomly(void) {
    uint64_t seed = (uint64_t)time(NULL) * HASH_K0 ^ (uint64_t)getpid() * HASH_K1;
    FILE *random_source = fopen("/dev/urandom", "rb");
    if (random_source != NULL) {
        uint64_t drawn;
        if (fread(&drawn, sizeof drawn, 1, random_source) == 1)
            seed = drawn;
        fclose(random_source);
    }
    hash_seed = seed;
}
