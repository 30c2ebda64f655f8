/* function_dump: FUNCTION DUMP's payload, byte-compatible with Redis 7.0.
 *
 * A payload is what Redis's RDB holds for libraries, followed by DUMP's
 * footer:
 *
 *   per library:  0xF5 (FUNCTION2 opcode)  <RDB string: the library's code>
 *   footer:       RDB version (2 bytes LE, 10)  CRC-64 (8 bytes LE)
 *
 * The CRC is Redis's (Jones polynomial, reflected, init 0) over every byte
 * before it.  Strings use RDB's length encoding; longer than 20 bytes they
 * are LZF-compressed when that saves space (Debian's liblzf, the algorithm
 * and settings Redis bundles), so zkv's payloads equal Redis's byte for byte
 * and either server restores the other's.
 *
 * The bytes come from the shared RDB codec (lib/rdb_io, lib/rdb_crc64),
 * which RDB files' FUNCTION2 records use too.
 */
#ifndef ZKV_FUNCTION_DUMP_H
#define ZKV_FUNCTION_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define FUNCTION_DUMP_RDB_VERSION 10
#define FUNCTION_DUMP_OPCODE_FUNCTION_PRE_GA 246
#define FUNCTION_DUMP_OPCODE_FUNCTION2 245

/* Redis's CRC-64 of data[0..length), continuing from `crc` (0 to start). */
uint64_t function_dump_crc64(uint64_t crc, const void *data, size_t length);

/* Appends one library record (opcode and RDB string) to *out. */
void function_dump_append_library(strbuf *out, const char *code, size_t length);
/* Appends the version and CRC footer; *out then is a complete payload. */
void function_dump_finish(strbuf *out);

/* Checks the footer: length, version <= 10 and CRC.  0 or -1. */
int function_dump_verify(const char *payload, size_t length);

/* A reader over a verified payload's records. */
typedef struct function_dump_reader {
    const unsigned char *at, *end; /* end: the start of the footer */
} function_dump_reader;

void function_dump_reader_init(function_dump_reader *reader, const char *payload, size_t length);
/* Reads the next record: 1 with the library code in a new zmalloc'd buffer
 * (*code, *length; the caller frees it), 0 at the end, or -1 with Redis's
 * message in *error (static text). */
int function_dump_next(function_dump_reader *reader, char **code, size_t *length, const char **error);

#endif
