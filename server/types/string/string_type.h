/* string_type.h: what the string type's command files share.
 *
 * string_commands.c holds GET, SET and the other string commands; the bit
 * commands are split by size: bit_commands.c holds SETBIT, GETBIT,
 * BITCOUNT, BITPOS and BITOP, the spec table and the offset parser below;
 * bitfield_commands.c BITFIELD and BITFIELD_RO; lcs_commands.c LCS.
 * string_write.c builds and stores string values written in place (the
 * helpers below); key lookups, WRONGTYPE and write accounting are the
 * command layer's (key_access.h).  The algorithms themselves live in
 * lib/bitops.c and lib/lcs.c.
 */
#ifndef ZKV_STRING_TYPE_H
#define ZKV_STRING_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "command.h"
#include "key_access.h"
#include "object.h"
#include "client.h"

extern const command_spec bits_commands[];
extern const command_spec string_commands[];

void bits_bitfield_command(client *c);
void bits_bitfield_ro_command(client *c);
void bits_lcs_command(client *c);

/* ---- Argument parsing (bit_commands.c) ---- */

/* Parses a bit offset (SETBIT, GETBIT, BITFIELD).  With `hash_bits` > 0 the
 * form "#N" means N * hash_bits.  Offsets must address a byte below
 * proto-max-bulk-len.  Replies the error and returns false otherwise. */
bool bits_parse_offset(client *c, const resp_argument *argument, unsigned hash_bits,
                       uint64_t *offset);

/* ---- Values written in place (string_write.c) ---- */


/* The string at `key` for an in-place write, created or zero-padded so that
 * it holds at least `minimum_length` bytes.  *grew tells whether the key was
 * created or lengthened.  Returns the writable bytes and their count, or
 * NULL after replying (WRONGTYPE, or not enough memory for the bytes). */
unsigned char *string_for_write(client *c, const resp_argument *key, size_t minimum_length,
                                     size_t *length, bool *grew);

/* A new raw string object for `key` of `length` zero bytes, not yet in the
 * database; *bytes receives its writable bytes.  NULL if the allocator
 * cannot provide them. */
object *string_new(const resp_argument *key, size_t length, unsigned char **bytes);

/* Accounts an in-place bit write (SETBIT, BITFIELD): key_modified plus the
 * "setbit" keyspace event. */
void string_bits_modified(client *c, const resp_argument *key, long long changes);

/* Stores an object made by bits_new_string, replacing the key's value and
 * any TTL (as BITOP stores its result).  Signals the change. */
void string_store(client *c, object *fresh);


#endif
