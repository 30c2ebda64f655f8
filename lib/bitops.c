/* bitops.c: see bitops.h.
 *
 * Speed.  Counting and searching walk the bulk of a range eight bytes at a
 * time (a 64-bit load through memcpy, which compiles to one unaligned move,
 * and __builtin_popcountll, the POPCNT instruction where the CPU has it), and only
 * the few bits at the edges of a range one by one.  BITOP works on whole
 * words too.  Bit fields are moved a byte-piece at a time: a field of up to
 * 64 bits touches at most nine bytes, so simplicity wins over cleverness.
 *
 * Overflow arithmetic reproduces Redis 7.0 exactly, including one quirk:
 * for signed fields narrower than 64 bits, Redis computes the room left
 * below the maximum (max - value) in wrapping 64-bit arithmetic.  A BITFIELD
 * SET of a value so negative that this difference exceeds INT64_MAX (for
 * i8, anything below -9223372036854775680) is therefore reported as an
 * upward overflow and saturates to the maximum.  Clients can observe it, so
 * it is kept on purpose.
 */
#include "bitops.h"

#include <string.h>

static uint64_t load_word(const unsigned char *data) {
    uint64_t word;
    memcpy(&word, data, sizeof(word));
    return word;
}

static void store_word(unsigned char *data, uint64_t word) {
    memcpy(data, &word, sizeof(word));
}

/* The popcount loop, inlined into both variants below so that each gets
 * the instructions its target allows. */
static inline __attribute__((always_inline)) uint64_t popcount_loop(const unsigned char *data,
                                                                    size_t length) {
    size_t index = 0;
    /* Four independent sums let the CPU overlap the popcounts. */
    uint64_t sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
    for (; index + 32 <= length; index += 32) {
        sum0 += (uint64_t)__builtin_popcountll(load_word(data + index));
        sum1 += (uint64_t)__builtin_popcountll(load_word(data + index + 8));
        sum2 += (uint64_t)__builtin_popcountll(load_word(data + index + 16));
        sum3 += (uint64_t)__builtin_popcountll(load_word(data + index + 24));
    }
    uint64_t count = sum0 + sum1 + sum2 + sum3;
    for (; index + 8 <= length; index += 8) count += (uint64_t)__builtin_popcountll(load_word(data + index));
    for (; index < length; index++) count += (uint64_t)__builtin_popcount(data[index]);
    return count;
}

static uint64_t popcount_portable(const unsigned char *data, size_t length) {
    return popcount_loop(data, length);
}

#if defined(__x86_64__)
/* Baseline x86-64 has no POPCNT instruction, so __builtin_popcountll is a
 * library call there (about eight times slower); this copy is compiled for
 * CPUs that have it and chosen at run time. */
__attribute__((target("popcnt"))) static uint64_t popcount_instruction(const unsigned char *data,
                                                                        size_t length) {
    return popcount_loop(data, length);
}

uint64_t bitops_popcount(const unsigned char *data, size_t length) {
    static int has_instruction = -1;
    if (has_instruction < 0) has_instruction = __builtin_cpu_supports("popcnt") ? 1 : 0;
    return has_instruction ? popcount_instruction(data, length) : popcount_portable(data, length);
}
#else
uint64_t bitops_popcount(const unsigned char *data, size_t length) {
    return popcount_portable(data, length);
}
#endif

uint64_t bitops_count_range(const unsigned char *data, uint64_t first_bit, uint64_t last_bit) {
    uint64_t first_byte = first_bit >> 3;
    uint64_t last_byte = last_bit >> 3;
    uint64_t count = bitops_popcount(data + first_byte, (size_t)(last_byte - first_byte + 1));
    /* Take back the bits of the edge bytes that lie outside the range. */
    unsigned before = (unsigned)(first_bit & 7);
    unsigned after = 7 - (unsigned)(last_bit & 7);
    unsigned char leading_mask = (unsigned char)(0xff << (8 - before));
    unsigned char trailing_mask = (unsigned char)((1u << after) - 1);
    count -= (uint64_t)__builtin_popcount(data[first_byte] & leading_mask);
    count -= (uint64_t)__builtin_popcount(data[last_byte] & trailing_mask);
    return count;
}

static int bit_at(const unsigned char *data, uint64_t offset) {
    return (data[offset >> 3] >> (7 - (offset & 7))) & 1;
}

int bitops_get_bit(const unsigned char *data, size_t length, uint64_t offset) {
    if ((offset >> 3) >= length) return 0;
    return bit_at(data, offset);
}

int bitops_set_bit(unsigned char *data, uint64_t offset, int value) {
    uint64_t byte = offset >> 3;
    unsigned char mask = (unsigned char)(0x80 >> (offset & 7));
    int old = (data[byte] & mask) != 0;
    if (value)
        data[byte] |= mask;
    else
        data[byte] &= (unsigned char)~mask;
    return old;
}

/* Position inside a byte of its first bit equal to `bit`; the byte must
 * contain one. */
static unsigned first_in_byte(unsigned char byte, int bit) {
    unsigned candidates = bit ? byte : (unsigned char)~byte;
    return (unsigned)__builtin_clz(candidates) - (8 * (sizeof(unsigned) - 1));
}

int64_t bitops_find(const unsigned char *data, uint64_t first_bit, uint64_t last_bit, int bit) {
    uint64_t position = first_bit;
    /* Bits before the first whole byte. */
    for (; position <= last_bit && (position & 7) != 0; position++)
        if (bit_at(data, position) == bit) return (int64_t)position;
    if (position > last_bit) return -1;

    /* Whole bytes, skipping words made only of the other bit value. */
    uint64_t byte = position >> 3;
    uint64_t end_byte = (last_bit + 1) >> 3; /* one past the last whole byte */
    uint64_t uninteresting_word = bit ? 0 : UINT64_MAX;
    unsigned char uninteresting_byte = bit ? 0 : 0xff;
    while (byte + 32 <= end_byte && load_word(data + byte) == uninteresting_word &&
           load_word(data + byte + 8) == uninteresting_word &&
           load_word(data + byte + 16) == uninteresting_word &&
           load_word(data + byte + 24) == uninteresting_word)
        byte += 32;
    while (byte + 8 <= end_byte && load_word(data + byte) == uninteresting_word) byte += 8;
    for (; byte < end_byte; byte++)
        if (data[byte] != uninteresting_byte) return (int64_t)(byte * 8 + first_in_byte(data[byte], bit));

    /* Bits after the last whole byte. */
    for (position = end_byte * 8; position <= last_bit; position++)
        if (bit_at(data, position) == bit) return (int64_t)position;
    return -1;
}

/* target op= source over `length` bytes, a word at a time. */
static void combine_into(bitops_operation operation, unsigned char *target,
                         const unsigned char *source, size_t length) {
    size_t index = 0;
    for (; index + 8 <= length; index += 8) {
        uint64_t left = load_word(target + index), right = load_word(source + index);
        uint64_t combined = operation == BITOPS_AND ? left & right
                            : operation == BITOPS_OR ? left | right
                                                     : left ^ right;
        store_word(target + index, combined);
    }
    for (; index < length; index++) {
        if (operation == BITOPS_AND)
            target[index] &= source[index];
        else if (operation == BITOPS_OR)
            target[index] |= source[index];
        else
            target[index] ^= source[index];
    }
}

void bitops_combine(bitops_operation operation, unsigned char *target, size_t target_length,
                    const unsigned char *const *sources, const size_t *lengths, size_t count) {
    if (count == 0) {
        memset(target, 0, target_length);
        return;
    }
    if (operation == BITOPS_NOT) {
        size_t index = 0;
        for (; index + 8 <= lengths[0]; index += 8) store_word(target + index, ~load_word(sources[0] + index));
        for (; index < lengths[0]; index++) target[index] = (unsigned char)~sources[0][index];
        memset(target + index, 0xff, target_length - index);
        return;
    }
    memcpy(target, sources[0], lengths[0]);
    memset(target + lengths[0], 0, target_length - lengths[0]);
    for (size_t source = 1; source < count; source++) {
        size_t length = lengths[source] < target_length ? lengths[source] : target_length;
        combine_into(operation, target, sources[source], length);
        /* AND with the zero padding of a shorter source clears the tail;
         * OR and XOR with zeros change nothing. */
        if (operation == BITOPS_AND) memset(target + length, 0, target_length - length);
    }
}

uint64_t bitops_field_read(const unsigned char *data, size_t length, uint64_t offset,
                           unsigned bits) {
    uint64_t value = 0;
    unsigned done = 0;
    while (done < bits) {
        uint64_t position = offset + done;
        uint64_t byte_index = position >> 3;
        unsigned available = 8 - (unsigned)(position & 7);
        unsigned take = bits - done < available ? bits - done : available;
        unsigned byte = byte_index < length ? data[byte_index] : 0;
        unsigned piece = (byte >> (available - take)) & ((1u << take) - 1);
        value = (value << take) | piece;
        done += take;
    }
    return value;
}

int64_t bitops_field_read_signed(const unsigned char *data, size_t length, uint64_t offset,
                                 unsigned bits) {
    uint64_t raw = bitops_field_read(data, length, offset, bits);
    if (bits < 64 && (raw >> (bits - 1)) & 1) raw |= UINT64_MAX << bits;
    return (int64_t)raw;
}

void bitops_field_write(unsigned char *data, uint64_t offset, unsigned bits, uint64_t value) {
    unsigned done = 0;
    while (done < bits) {
        uint64_t position = offset + done;
        unsigned available = 8 - (unsigned)(position & 7);
        unsigned take = bits - done < available ? bits - done : available;
        unsigned shift = available - take;
        unsigned piece = (unsigned)(value >> (bits - done - take)) & ((1u << take) - 1);
        unsigned char mask = (unsigned char)(((1u << take) - 1) << shift);
        unsigned char *byte = data + (position >> 3);
        *byte = (unsigned char)((*byte & ~mask) | ((piece << shift) & mask));
        done += take;
    }
}

static uint64_t low_bits_mask(unsigned bits) {
    return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

int bitops_field_add_unsigned(uint64_t value, int64_t increment, unsigned bits,
                              bitops_overflow mode, uint64_t *result) {
    uint64_t max = low_bits_mask(bits);
    uint64_t magnitude = increment < 0 ? UINT64_C(0) - (uint64_t)increment : (uint64_t)increment;
    int direction = 0;
    if (value > max || (increment > 0 && magnitude > max - value))
        direction = 1;
    else if (increment < 0 && magnitude > value)
        direction = -1;

    if (direction == 0 || mode == BITOPS_OVERFLOW_WRAP)
        *result = (value + (uint64_t)increment) & max;
    else if (mode == BITOPS_OVERFLOW_SAT)
        *result = direction > 0 ? max : 0;
    return direction;
}

/* Which way value + increment leaves [min, max], as Redis decides it (see
 * the quirk in the comment at the top). */
static int signed_overflow_direction(int64_t value, int64_t increment, unsigned bits, int64_t max,
                                     int64_t min) {
    int64_t room_above = (int64_t)((uint64_t)max - (uint64_t)value);
    int64_t room_below = (int64_t)((uint64_t)min - (uint64_t)value);
    if (bits == 64) {
        /* Exact: the differences only matter when they cannot wrap. */
        if (value >= 0 && increment > 0 && increment > room_above) return 1;
        if (value < 0 && increment < 0 && increment < room_below) return -1;
        return 0;
    }
    if (value > max || increment > room_above) return 1;
    if (value < min || increment < room_below) return -1;
    return 0;
}

int bitops_field_add_signed(int64_t value, int64_t increment, unsigned bits,
                            bitops_overflow mode, int64_t *result) {
    int64_t max = (int64_t)(low_bits_mask(bits - 1));
    int64_t min = -max - 1;
    int direction = signed_overflow_direction(value, increment, bits, max, min);

    if (direction == 0 || mode == BITOPS_OVERFLOW_WRAP) {
        uint64_t sum = ((uint64_t)value + (uint64_t)increment) & low_bits_mask(bits);
        if (bits < 64 && (sum >> (bits - 1)) & 1) sum |= UINT64_MAX << bits;
        *result = (int64_t)sum;
    } else if (mode == BITOPS_OVERFLOW_SAT) {
        *result = direction > 0 ? max : min;
    }
    return direction;
}
