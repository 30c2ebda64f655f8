/* hash: the seeded 64-bit hash, XXH3 from Debian's libxxhash (see hash.h). */
#include "hash.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Inlined into hash_bytes: the header-only build of XXH3 lets the compiler
 * specialise it for the short keys zkv hashes, and needs no library at run
 * time. */
#define XXH_INLINE_ALL
#include <xxhash.h>

static uint64_t hash_seed = 0x165667b19e3779f9ULL;

uint64_t hash_bytes_seeded(const void *data, size_t length, uint64_t seed) {
    return XXH3_64bits_withSeed(data, length, seed);
}

uint64_t hash_bytes(const void *data, size_t length) {
    return hash_bytes_seeded(data, length, hash_seed);
}

void hash_set_seed(uint64_t seed) {
    hash_seed = seed;
}

void hash_seed_randomly(void) {
    uint64_t seed = XXH3_64bits_withSeed(&(uint64_t){(uint64_t)time(NULL)}, sizeof(uint64_t), (uint64_t)getpid());
    FILE *random_source = fopen("/dev/urandom", "rb");
    if (random_source != NULL) {
        uint64_t drawn;
        if (fread(&drawn, sizeof drawn, 1, random_source) == 1)
            seed = drawn;
        fclose(random_source);
    }
    hash_seed = seed;
}
