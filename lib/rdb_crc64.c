/* rdb_crc64: Redis's CRC-64 through ISA-L (see rdb_crc64.h). */
#include "rdb_crc64.h"

#include <isa-l/crc64.h>

uint64_t rdb_crc64(uint64_t crc, const void *data, size_t length) {
    if (length == 0) return crc;
    return ~crc64_jones_refl(~crc, (const unsigned char *)data, (uint64_t)length);
}
