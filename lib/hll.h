/* hll: Redis's HyperLogLog representation, byte for byte, as pure functions
 * on byte strings (no server types).
 *
 * A HyperLogLog is an ordinary string value so that GET, SET, DUMP and RDB
 * carry it unchanged between Redis and zkv; that fixes every byte:
 *   - a 16-byte header: "HYLL", an encoding byte (0 dense, 1 sparse), three
 *     unused bytes, and the cached cardinality as 8 little-endian bytes whose
 *     top bit set means "stale";
 *   - dense: 16384 registers of 6 bits, packed from the low bit of each byte
 *     (12288 bytes, 12304 with the header);
 *   - sparse: run-length opcodes: ZERO 00xxxxxx (1..64 zero registers),
 *     XZERO 01xxxxxx yyyyyyyy (1..16384 zero registers), VAL 1vvvvvxx (1..4
 *     registers holding 1..32).
 * Elements are hashed with MurmurHash64A (seed 0xadc83b19, Redis's), the low
 * 14 bits choosing the register and the run of zeros above them the value, and
 * the estimate is Ertl's improved estimator with Redis's exact floating-point
 * steps, so counts equal Redis's for the same inputs.
 *
 * Sparse edits follow Redis's in-place algorithm exactly (how a run is split,
 * which neighbours are merged, when the string is promoted to dense), since
 * the resulting bytes are visible to GET.  They work on an hll_buffer the
 * caller owns; a dense value never changes length, so it can be edited where
 * it lives.  Corrupt input is detected where Redis detects it and reported,
 * never read out of bounds.
 */
#ifndef ZKV_HLL_H
#define ZKV_HLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HLL_REGISTERS 16384
#define HLL_HEADER_SIZE 16
#define HLL_DENSE_SIZE (HLL_HEADER_SIZE + (HLL_REGISTERS * 6 + 7) / 8)
#define HLL_EMPTY_SIZE (HLL_HEADER_SIZE + 2) /* one XZERO covering all registers */
#define HLL_ENCODING_DENSE 0
#define HLL_ENCODING_SPARSE 1
#define HLL_SPARSE_MAX_VALUE 32

/* A value being edited: `bytes` holds `length` bytes in a block of
 * `capacity`.  When `owned`, the block came from zmalloc and sparse edits may
 * grow it (zmalloc_realloc); otherwise it is the caller's dense value, edited
 * in place. */
typedef struct hll_buffer {
    unsigned char *bytes;
    size_t length;
    size_t capacity;
    bool owned;
} hll_buffer;

/* Redis's MurmurHash64A (endian-neutral variant). */
uint64_t hll_murmur64a(const void *data, size_t length, uint64_t seed);
/* The register an element falls in and the value it offers (1..51). */
void hll_hash_element(const void *element, size_t length, uint32_t *index, uint8_t *count);

/* Redis's isHLLObject test on a string's bytes: long enough, magic, a known
 * encoding, and exactly HLL_DENSE_SIZE bytes when dense. */
bool hll_is_valid(const unsigned char *bytes, size_t length);
/* Writes the empty sparse HyperLogLog (HLL_EMPTY_SIZE bytes, cache valid 0). */
void hll_init_empty(unsigned char out[HLL_EMPTY_SIZE]);
int hll_encoding(const unsigned char *bytes);

/* The cached cardinality: true with it when the cache is valid. */
bool hll_cached_count(const unsigned char *bytes, uint64_t *count);
void hll_set_cached_count(unsigned char *bytes, uint64_t count);
void hll_invalidate_cache(unsigned char *bytes);

/* Dense register access on the register area (after the header). */
uint8_t hll_dense_get(const unsigned char *registers, uint32_t index);
void hll_dense_put(unsigned char *registers, uint32_t index, uint8_t value);

/* Raises register `index` to `count` if it is lower: 1 changed, 0 not, -1 a
 * corrupt sparse value.  A sparse value that would
 * pass `sparse_max_bytes`, or needs a value above 32, becomes dense first
 * (the buffer must then be owned).  A change marks the cache stale. */
int hll_set_register(hll_buffer *b, uint32_t index, uint8_t count, size_t sparse_max_bytes);
/* hll_set_register for an element. */
int hll_add(hll_buffer *b, const void *element, size_t length, size_t sparse_max_bytes);
/* Converts an owned sparse value to dense (no-op when dense); false, with
 * the buffer unchanged, when the sparse opcodes do not cover exactly
 * HLL_REGISTERS registers. */
bool hll_to_dense(hll_buffer *b);

/* max[i] = max(max[i], register i) over a valid value; false for a sparse
 * value that does not cover exactly HLL_REGISTERS registers. */
bool hll_merge_registers(uint8_t max[HLL_REGISTERS], const unsigned char *bytes, size_t length);
/* The estimate for a valid value; *invalid set when a sparse value's runs do
 * not add up to HLL_REGISTERS (the estimate is then meaningless). */
uint64_t hll_count(const unsigned char *bytes, size_t length, bool *invalid);
/* The estimate for one byte per register (PFCOUNT of several keys). */
uint64_t hll_count_registers(const uint8_t registers[HLL_REGISTERS]);

/* Visits the sparse opcodes of a sparse value: kind 'z' (ZERO), 'Z' (XZERO)
 * or 'v' (VAL, with its value), and the run length. */
void hll_sparse_walk(const unsigned char *bytes, size_t length,
                     void (*visit)(void *context, char kind, int value, int run), void *context);

/* PFSELFTEST: register packing on random contents, then 10,000,000 distinct
 * elements added to a dense and a sparse value side by side, checking at
 * powers of ten that both agree, that small sets stay sparse, and that the
 * error stays within six standard errors.  `seed` varies the elements.
 * False with a "TESTFAILED ..." message in `error`. */
bool hll_selftest(uint64_t seed, size_t sparse_max_bytes, char *error, size_t error_size);

#endif
