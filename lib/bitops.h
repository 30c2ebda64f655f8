/* bitops: the bit-level algorithms behind SETBIT, GETBIT, BITCOUNT, BITPOS,
 * BITOP and BITFIELD, over plain byte arrays and with no server dependency.
 *
 * Bit numbering follows Redis: bit 0 is the most significant bit of byte 0,
 * bit 8 the most significant bit of byte 1, and so on, so a string reads as
 * one long big-endian bit array.  Bit fields are read and written in that
 * order too: the field's first bit is its most significant one.
 *
 * Every range here is inclusive and already clamped by the caller (the
 * commands own Redis's rules for negative and out-of-range indexes).  Reads
 * beyond a string's end see zero bits, which is how Redis treats a string
 * that a write would zero-pad.
 */
#ifndef ZKV_BITOPS_H
#define ZKV_BITOPS_H

#include <stddef.h>
#include <stdint.h>

/* Set bits in data[0, length). */
uint64_t bitops_popcount(const unsigned char *data, size_t length);

/* Set bits among bits first_bit..last_bit; last_bit < 8 * length of data and
 * first_bit <= last_bit. */
uint64_t bitops_count_range(const unsigned char *data, uint64_t first_bit, uint64_t last_bit);

/* Position of the first bit equal to `bit` (0 or 1) among bits
 * first_bit..last_bit, or -1 when there is none. */
int64_t bitops_find(const unsigned char *data, uint64_t first_bit, uint64_t last_bit, int bit);

/* The bit at `offset` of a string of `length` bytes (0 beyond its end). */
int bitops_get_bit(const unsigned char *data, size_t length, uint64_t offset);

/* Sets the bit at `offset` (inside the buffer) to `value` and returns its old
 * value. */
int bitops_set_bit(unsigned char *data, uint64_t offset, int value);

typedef enum bitops_operation { BITOPS_AND, BITOPS_OR, BITOPS_XOR, BITOPS_NOT } bitops_operation;

/* BITOP: writes `operation` over the `count` sources into target, whose
 * length must be that of the longest source.  Shorter sources act as if
 * padded with zero bytes.  BITOPS_NOT uses only sources[0].  The target must
 * not overlap a source. */
void bitops_combine(bitops_operation operation, unsigned char *target, size_t target_length,
                    const unsigned char *const *sources, const size_t *lengths, size_t count);

/* ---- Bit fields of 1..64 bits at any bit offset ---- */

/* The `bits` bits at `offset` as an unsigned number (bits beyond `length`
 * read as 0). */
uint64_t bitops_field_read(const unsigned char *data, size_t length, uint64_t offset,
                           unsigned bits);

/* The same field interpreted as two's complement. */
int64_t bitops_field_read_signed(const unsigned char *data, size_t length, uint64_t offset,
                                 unsigned bits);

/* Stores the low `bits` bits of value at `offset`; the buffer must hold
 * offset + bits bits. */
void bitops_field_write(unsigned char *data, uint64_t offset, unsigned bits, uint64_t value);

typedef enum bitops_overflow {
    BITOPS_OVERFLOW_WRAP, /* modular arithmetic */
    BITOPS_OVERFLOW_SAT,  /* clamp to the type's minimum or maximum */
    BITOPS_OVERFLOW_FAIL  /* refuse the operation */
} bitops_overflow;

/* Computes value + increment for a field of `bits` bits (unsigned: 1..63,
 * signed: 1..64).  Returns 0 when the result fits, 1 when it overflows
 * upwards, -1 downwards.  *result receives the value to store: the exact sum,
 * or the wrapped or saturated one (left untouched by FAIL on overflow).
 * BITFIELD SET is an addition of 0 to the new value, which is how an
 * out-of-range SET value wraps or saturates. */
int bitops_field_add_unsigned(uint64_t value, int64_t increment, unsigned bits,
                              bitops_overflow mode, uint64_t *result);
int bitops_field_add_signed(int64_t value, int64_t increment, unsigned bits,
                            bitops_overflow mode, int64_t *result);

#endif
