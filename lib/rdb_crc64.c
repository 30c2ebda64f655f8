/* rdb_crc64: Redis's CRC-64 through ISA-L (see rdb_crc64.h).
 *
 * ISA-L's AVX-512 CRC returns with the upper halves of the vector registers
 * still in use (no vzeroupper).  From then on every legacy SSE instruction
 * the process runs (all double arithmetic, libm) pays the SSE/AVX transition
 * penalty: measured on this machine's Xeon, GEOSEARCH's haversine loop ran
 * 6-9x slower after one RDB load.  So the upper state is cleared after each
 * call, on CPUs that have AVX (ISA-L uses none otherwise).
 */
#include "rdb_crc64.h"

#include <isa-l/crc64.h>

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx"))) static void clear_upper_vector_state(void) {
    _mm256_zeroupper();
}

static void after_vector_code(void) {
    static int has_avx = -1;
    if (has_avx < 0) has_avx = __builtin_cpu_supports("avx") ? 1 : 0;
    if (has_avx) clear_upper_vector_state();
}
#else
static void after_vector_code(void) {}
#endif

uint64_t rdb_crc64(uint64_t crc, const void *data, size_t length) {
    if (length == 0) return crc;
    uint64_t result = ~crc64_jones_refl(~crc, (const unsigned char *)data, (uint64_t)length);
    after_vector_code();
    return result;
}
