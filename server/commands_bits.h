/* commands_bits.h: what the bit and LCS command files share.
 *
 * The commands are split by size: commands_bits.c holds SETBIT, GETBIT,
 * BITCOUNT, BITPOS and BITOP, the spec table and the argument parsers below;
 * bits_keyspace.c the keyspace helpers below; commands_bitfield.c BITFIELD
 * and BITFIELD_RO; commands_lcs.c LCS.  The algorithms themselves live in
 * bitops.c and lcs.c.
 */
#ifndef ZKV_COMMANDS_BITS_H
#define ZKV_COMMANDS_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "command.h"
#include "object.h"
#include "server.h"

extern const command_spec bits_commands[];

void bits_bitfield_command(client *c);
void bits_bitfield_ro_command(client *c);
void bits_lcs_command(client *c);

/* ---- Argument parsing (commands_bits.c) ---- */

/* True if the argument is `word`, ignoring case. */
bool bits_argument_is(const resp_argument *argument, const char *word);

/* Redis's strict decimal parse of a whole argument. */
bool bits_parse_integer(const resp_argument *argument, long long *value);

/* Parses a bit offset (SETBIT, GETBIT, BITFIELD).  With `hash_bits` > 0 the
 * form "#N" means N * hash_bits.  Offsets must address a byte below
 * proto-max-bulk-len.  Replies the error and returns false otherwise. */
bool bits_parse_offset(client *c, const resp_argument *argument, unsigned hash_bits,
                       uint64_t *offset);

/* ---- Keys (bits_keyspace.c) ---- */

/* The value at `key` for reading, of any type; NULL when missing (or
 * expired). */
object *bits_lookup_read(client *c, const resp_argument *key);

/* The string at `key` for reading: true with *o NULL when the key does not
 * exist, true with the object when it is a string, false (WRONGTYPE already
 * replied) for another type. */
bool bits_lookup_string(client *c, const resp_argument *key, object **o);

/* The string at `key` for an in-place write, created or zero-padded so that
 * it holds at least `minimum_length` bytes.  *grew tells whether the key was
 * created or lengthened.  Returns the writable bytes and their count, or
 * NULL after replying (WRONGTYPE, or not enough memory for the bytes). */
unsigned char *bits_string_for_write(client *c, const resp_argument *key, size_t minimum_length,
                                     size_t *length, bool *grew);

/* A new raw string object for `key` of `length` zero bytes, not yet in the
 * database; *bytes receives its writable bytes.  NULL if the allocator
 * cannot provide them. */
object *bits_new_string(const resp_argument *key, size_t length, unsigned char **bytes);

/* Stores an object made by bits_new_string, replacing the key's value and
 * any TTL (as BITOP stores its result).  Signals the change. */
void bits_store(client *c, object *fresh);

/* Deletes `key`; true if it existed (the change is then signalled). */
bool bits_delete(client *c, const resp_argument *key);

/* Signals an in-place write to `key` (WATCH, dirty counter). */
void bits_key_modified(client *c, const resp_argument *key, long long changes);

#endif
