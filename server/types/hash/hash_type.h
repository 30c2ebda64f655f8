/* hash_type: the hash value of a key, in whichever of three encodings, and
 * what hash_commands.c needs from it.
 *
 * Encodings (the first two are what Redis calls listpack, the third its
 * hashtable; OBJECT ENCODING reports Redis's name by Redis's rules):
 *
 *   inline  pairs packed inside the key's own block (object_create_packed):
 *           one byte holding both lengths (field << 4 | value, each 0..15),
 *           then the field and value bytes.  Most hashes are a few short
 *           pairs (sessions, counters), and for them this is the whole cost:
 *           a 16-byte key with 5 fields of 2 bytes and values of 8 is one
 *           78-byte block (jemalloc's 80 class) where a pack behind a
 *           pointer costs 32 + 64.  Integers stay text here: converting
 *           saves nothing at these lengths.
 *   pack    lib/pack.h behind the key's pointer, once a pair no longer fits
 *           the length byte or the pairs pass HASH_TYPE_INLINE_MAX bytes.
 *   lhash   lib/lhash.h, past hash-max-listpack-entries fields or a field
 *           or value longer than hash-max-listpack-value, as Redis converts
 *           (and, as Redis, never back).
 *
 * The thresholds are exactly Redis's so OBJECT ENCODING needs no separate
 * bookkeeping: inline and pack report listpack, lhash hashtable.  Inline and
 * pack keep insertion order with in-place replacement, as a listpack does, so
 * HGETALL of a small hash answers in Redis's order.
 *
 * Trade-offs.  Every write to an inline hash rebuilds its bytes (at most
 * HASH_TYPE_INLINE_MAX, on the stack) and resizes the key's block: a copy of
 * ~100 bytes, cheaper than a lookup in a 512-entry pack.  Lookups in inline
 * and pack are linear, bounded by the thresholds as Redis's listpack.
 *
 * Pointers.  Functions that write take `object **o`: the key's block may
 * move or be rebuilt (inline resize, conversion), and they store the new one
 * in the database (db_update_quiet) and in *o.  Views (elem_view) point into
 * the value and are valid until the next write to the key.
 */
#ifndef ZKV_HASH_TYPE_H
#define ZKV_HASH_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "command.h"
#include "db.h"
#include "elem.h"
#include "lhash.h"
#include "object.h"
#include "pack.h"

/* Bytes of pairs kept inside the key's block; a hash growing past it moves
 * to a pack behind the pointer. */
#define HASH_TYPE_INLINE_MAX 128
/* Longest field or value an inline pair holds (4 bits of length). */
#define HASH_TYPE_INLINE_LENGTH_MAX 15

/* hash-max-listpack-entries / -value (hash_module.c's parameters). */
typedef struct hash_type_settings {
    long long max_listpack_entries;
    long long max_listpack_value;
} hash_type_settings;
extern hash_type_settings hash_type_config;

extern const command_spec hash_commands[];

enum hash_type_encoding { HASH_TYPE_INLINE, HASH_TYPE_PACK, HASH_TYPE_LHASH };
enum hash_type_encoding hash_type_encoding_of(const object *o);

/* ---- Inline pairs (hash_inline.c): pure functions on a byte range ---- */

/* Whether a pair of these lengths has an inline form. */
bool hash_inline_fits(size_t field_length, size_t value_length);
/* Bytes of one inline pair. */
size_t hash_inline_pair_size(size_t field_length, size_t value_length);
/* Number of pairs in `length` bytes: a walk, O(pairs). */
size_t hash_inline_count(const unsigned char *bytes, size_t length);
/* Reads the pair at `offset` (< length) into *field and *value; returns the
 * offset of the next pair. */
size_t hash_inline_read(const unsigned char *bytes, size_t offset, elem_view *field, elem_view *value);
/* Offset of the pair whose field is (field, field_length), or `length` when
 * absent. */
size_t hash_inline_find(const unsigned char *bytes, size_t length, const char *field, size_t field_length);
/* Writes one pair at `out`; returns its size. */
size_t hash_inline_write(unsigned char *out, const char *field, size_t field_length, const char *value,
                         size_t value_length);

/* ---- The hash value of a key (hash_type.c) ---- */

/* A new empty hash stored under `key` in d (the caller checked it is
 * absent).  Returns its object. */
object *hash_type_create(db *d, const char *key, size_t key_length);
size_t hash_type_length(const object *o);
/* Finds `field`; *value views its value. */
bool hash_type_get(const object *o, const char *field, size_t field_length, elem_view *value);
/* Converts to lhash when one of `count` arguments is longer than
 * hash-max-listpack-value (HSET, HSETNX check every argument first, as
 * Redis's hashTypeTryConversion). */
void hash_type_try_conversion(db *d, object **o, const resp_argument *arguments, int count);
/* Sets `field` to `value`; true if the field is new.  Converts as Redis at
 * the thresholds.  *o may change (see Pointers). */
bool hash_type_set(db *d, object **o, const char *field, size_t field_length, const char *value,
                   size_t value_length);
/* Removes `field`; true if it was there.  The caller deletes an emptied
 * key.  *o may change. */
bool hash_type_delete(db *d, object **o, const char *field, size_t field_length);

/* A hash object for `key`, not in any database, holding the pairs of
 * `pairs` (field, value, field, ... in order, without duplicates, within the
 * listpack thresholds; consumed): inline when they fit, else the pack. */
object *hash_type_create_small(const char *key, size_t key_length, pack *pairs, long long expire_ms);
/* A hash object for `key` holding `value` (consumed, not empty). */
object *hash_type_create_table(const char *key, size_t key_length, lhash *value, long long expire_ms);

/* RDB and DUMP (hash_rdb.c; the contract is persist/rdb_format.h's). */
int hash_rdb_type(const object *o);
int hash_rdb_save(const object *o, struct rdb_writer *w);
object *hash_rdb_load(struct rdb_reader *r, int rdb_type, const char *key, size_t key_length,
                      long long expire_ms, const char **error);

/* The three type-table entries (hash_module.c registers them). */
void hash_type_free_value(void *value);
void *hash_type_duplicate_value(const void *value);
size_t hash_type_free_effort(const void *value);
size_t hash_type_memory_usage(const void *value, size_t samples);
void *hash_type_defrag_value(void *value);

/* Every pair in order (inline, pack) or table order (lhash).  The hash
 * must not be written until the iteration ends. */
typedef struct hash_type_iterator {
    enum hash_type_encoding encoding;
    const unsigned char *bytes;  /* inline */
    size_t length;
    size_t offset;               /* inline and pack */
    const void *value;           /* pack or lhash */
    lhash_iterator table;
} hash_type_iterator;
void hash_type_iterator_init(hash_type_iterator *it, const object *o);
bool hash_type_iterator_next(hash_type_iterator *it, elem_view *field, elem_view *value);

/* The pair at position `index` (< length) of an inline or pack hash:
 * O(index).  For random picks in small hashes. */
void hash_type_small_at(const object *o, size_t index, elem_view *field, elem_view *value);
/* A random pair of an lhash hash. */
void hash_type_table_random(const object *o, elem_view *field, elem_view *value);

#endif
