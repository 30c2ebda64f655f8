/* hash: the seeded 64-bit hash behind every zkv hash table.
 *
 * The function follows the shape of the "multiply and fold" family (wyhash,
 * xxh3): sixteen input bytes per round are folded into the state with one
 * 64x64->128-bit multiplication whose two halves are XORed together.  It is
 * fast on short keys (one or two multiplications for a 16-byte key), which is
 * what a key-value server hashes most.  It is not a cryptographic hash; the
 * seed is drawn at random once per process so that an attacker who does not
 * know it cannot aim many keys at one bucket (hash flooding), the same defence
 * Redis gets from its SipHash key.
 */
#ifndef ZKV_HASH_H
#define ZKV_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Hash of `length` bytes under an explicit seed (tests, reproducible runs). */
uint64_t hash_bytes_seeded(const void *data, size_t length, uint64_t seed);

/* Hash under the process-wide seed. */
uint64_t hash_bytes(const void *data, size_t length);

/* Replaces the process-wide seed.  Call before any table holds entries. */
void hash_set_seed(uint64_t seed);

/* Draws the process-wide seed from the operating system's random source;
 * keeps a time-based seed if that fails.  Call once at startup. */
void hash_seed_randomly(void);

#endif
