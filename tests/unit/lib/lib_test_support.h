/* Helpers shared by the lib/ unit tests: a deterministic hash (lib takes
 * the hash as a parameter, so the tests need no server code), reproducible
 * random numbers, and a generator of awkward keys: binary bytes, NULs,
 * the empty string, canonical integers and integer-looking strings. */
#ifndef ZKV_LIB_TEST_SUPPORT_H
#define ZKV_LIB_TEST_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* FNV-1a then a 64-bit finaliser: well spread in every bit, as lhash needs
 * for both the tag (top byte) and the page (low bits). */
static inline uint64_t test_hash(const void *data, size_t length) {
    const unsigned char *p = data;
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ length;
    for (size_t i = 0; i < length; i++) h = (h ^ p[i]) * UINT64_C(0x100000001b3);
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

/* Every key in one class: the worst case for lhash (one page holds all). */
static inline uint64_t test_constant_hash(const void *data, size_t length) {
    (void)data;
    (void)length;
    return UINT64_C(0x5a00000000000000);
}

static inline uint64_t test_random(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * UINT64_C(0x2545f4914f6cdd1d);
}

#define TEST_KEY_MAX 64

/* The key numbered `id` (distinct ids give distinct keys).  Returns its
 * length. */
static inline size_t test_key(long id, char key[TEST_KEY_MAX]) {
    switch (id) {
    case 0: return 0; /* the empty string */
    case 1: memcpy(key, "-0", 2); return 2;
    case 2: memcpy(key, "007", 3); return 3;
    case 3: return (size_t)snprintf(key, TEST_KEY_MAX, "%lld", (long long)INT64_MIN);
    case 4: return (size_t)snprintf(key, TEST_KEY_MAX, "%lld", (long long)INT64_MAX);
    case 5: memcpy(key, "9223372036854775808", 19); return 19; /* overflows: a string */
    case 6: memcpy(key, "+1", 2); return 2;
    default: break;
    }
    switch (id % 5) {
    case 0: /* canonical integers of every width, both signs */
        return (size_t)snprintf(key, TEST_KEY_MAX, "%ld", (id % 2 ? -1 : 1) * (id * 7919L % 100000007L));
    case 1: /* binary, with NUL bytes */
        key[0] = '\0';
        key[1] = (char)0xff;
        memcpy(key + 2, &id, sizeof id);
        return 2 + sizeof id;
    case 2: /* integer-looking strings that must stay strings */
        return (size_t)snprintf(key, TEST_KEY_MAX, "0%ld", id);
    default: /* 16-byte members, as in the memory targets */
        return (size_t)snprintf(key, TEST_KEY_MAX, "m:%014ld", id);
    }
}

/* A value for key `id` at version `version`: integers, short and empty
 * strings, and now and then one long enough to leave an lhash page. */
static inline size_t test_value(long id, long version, char *value, size_t capacity) {
    long selector = (id + version) % 11;
    if (selector == 0) return 0;
    if (selector < 4) return (size_t)snprintf(value, capacity, "%ld", id * 31 - version);
    if (selector == 4 && capacity >= 400) {
        memset(value, 'v', 300);
        memcpy(value, &id, sizeof id);
        memcpy(value + sizeof id, &version, sizeof version);
        return 300;
    }
    return (size_t)snprintf(value, capacity, "val:%ld:%ld", id, version);
}

#endif
