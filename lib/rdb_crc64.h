/* rdb_crc64: the CRC-64 that closes RDB files and DUMP payloads.
 *
 * Redis uses CRC-64/Jones reflected (polynomial 0xad93d23594c935a9, init 0,
 * xorout 0; "123456789" gives 0xe9c6d914c4b8d9ca).  zkv computes it with
 * Intel ISA-L (Debian's libisal), whose crc64_jones_refl is the same CRC
 * with init and xorout all ones, so Redis's value is the complement of
 * ISA-L's over the complemented seed.  Why a library rather than a table
 * loop: ISA-L's carry-less multiply code runs at memory speed (tens of GB/s
 * against ~2 GB/s for Redis's slicing-by-8), so checking a whole file before
 * loading it costs nothing worth measuring, and the code is maintained.
 */
#ifndef ZKV_RDB_CRC64_H
#define ZKV_RDB_CRC64_H

#include <stddef.h>
#include <stdint.h>

/* Continues `crc` (0 to start) over `length` bytes. */
uint64_t rdb_crc64(uint64_t crc, const void *data, size_t length);

#endif
