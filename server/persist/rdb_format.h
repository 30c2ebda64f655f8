/* rdb_format: one value in Redis's serialization, as RDB files and DUMP
 * payloads hold it, and the DUMP payload around it.
 *
 * The type byte decides who reads a value: strings are built into the
 * object (object.h), so this file reads and writes them itself; every other
 * type goes through its object_type_functions slots, so no type is named
 * here.  The contract for a type module:
 *
 *   int rdb_type(const object *o)
 *       the RDB type byte (rdb_io.h's enum rdb_type) for the value's current
 *       encoding (e.g. RDB_TYPE_HASH_LISTPACK or RDB_TYPE_HASH);
 *   int rdb_save(const object *o, rdb_writer *w)
 *       writes the value in that encoding (the caller wrote the type byte
 *       and, in a file, the key); returns 0 or -1 (w->error).
 *   object *rdb_load(rdb_reader *r, int rdb_type, const char *key,
 *                    size_t key_length, long long expire_ms, const char **error)
 *       reads a value of rdb_type (every old type of the same Redis type
 *       included), validating everything, converting to the type's own
 *       encodings by its thresholds; returns a new object for the key (not
 *       in any database), or NULL with a static *error, or NULL with *error
 *       NULL when empty.  The object is passed and returned whole because a
 *       small value may be packed in the key's block (object.h).
 *
 * A type without the slots cannot be saved or loaded: the error names the
 * key (a file holding a type zkv lacks is refused, never loaded in part).
 *
 * DUMP payload: <type byte> <value> <RDB version u16 LE> <CRC-64 LE of
 * everything before it>.
 */
#ifndef ZKV_RDB_FORMAT_H
#define ZKV_RDB_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object.h"
#include "rdb_io.h"
#include "strbuf.h"

#define RDB_VERSION 10

/* Opcodes between keys. */
enum rdb_opcode {
    RDB_OPCODE_FUNCTION2 = 245,
    RDB_OPCODE_FUNCTION = 246,
    RDB_OPCODE_MODULE_AUX = 247,
    RDB_OPCODE_IDLE = 248,
    RDB_OPCODE_FREQ = 249,
    RDB_OPCODE_AUX = 250,
    RDB_OPCODE_RESIZEDB = 251,
    RDB_OPCODE_EXPIRETIME_MS = 252,
    RDB_OPCODE_EXPIRETIME = 253,
    RDB_OPCODE_SELECTDB = 254,
    RDB_OPCODE_EOF = 255
};

/* True for the type bytes Redis 7.0 knows (0-7, 9-19). */
bool rdb_format_is_value_type(int type);

/* The RDB type byte of o's value, or -1 when its type has no rdb_type /
 * rdb_save slots. */
int rdb_format_value_type(const object *o);
/* Writes the value of `o` (after its type byte, and key in a file).  0, or
 * -1 on a write error; the type must have passed rdb_format_value_type. */
int rdb_format_save_value(rdb_writer *w, const object *o);

/* Reads a value of `type` into a new object for `key` (owned by the
 * caller).  NULL with a static reason in *error on bad input, or NULL with
 * *error NULL for an empty collection (to skip). */
object *rdb_format_load_object(rdb_reader *r, int type, const char *key, size_t key_length,
                               long long expire_ms, const char **error);

/* The reason a value of RDB `type` failed to load, in Redis's words where
 * its loader has them ("Hash ziplist integrity check failed",
 * "Duplicate set members detected", ...: tools and tests grep for them)
 * followed by zkv's detail, appended to *out. */
void rdb_format_describe_error(int type, const char *detail, strbuf *out);

/* Appends o's DUMP payload to `out`.  0, or -2 with *error as above. */
int rdb_format_dump(const object *o, bool compress, strbuf *out, const char **error);
/* Checks a payload's version and (if `check_crc`) CRC; 0 and the value's
 * size (without the footer) in *value_length, or -1. */
int rdb_format_verify_payload(const uint8_t *payload, size_t length, bool check_crc, size_t *value_length);

#endif
