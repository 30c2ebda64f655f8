/* set_type: the set value of a key, as an intset or an lhash, and what
 * set_commands.c needs from it.
 *
 * Encodings follow Redis 7.0's rules exactly, so OBJECT ENCODING reports the
 * storage itself: a set whose members are all canonical integers (string2ll's
 * form) is a lib/intset.h sorted array until it holds more than
 * set-max-intset-entries members; any other set is a lib/lhash.h table
 * ("hashtable").  Redis never converts back, nor does zkv.
 *
 * Both live behind the key's pointer, so a write never moves the key's
 * block: only the pointer changes (an intset grows by reallocation, a
 * conversion swaps it).  The pointer's low bit tells an intset from an lhash,
 * because the type-table functions (free, duplicate, defrag) get only the
 * pointer.
 *
 * Trade-offs.  Small string sets pay an lhash's fixed cost (its struct,
 * directory and one page); lib/README.md measures 23.4 B/member at 100
 * members, under a third of Redis's.  A pack for them (Redis 7.2's set
 * listpack) would save ~5 B/member more but adds a third encoding to every
 * command; not done.
 *
 * Views (elem_view) point into the value and are valid until the set is
 * next written.
 */
#ifndef ZKV_SET_TYPE_H
#define ZKV_SET_TYPE_H

#include <stdbool.h>
#include <stddef.h>

#include "command.h"
#include "elem.h"
#include "intset.h"
#include "lhash.h"
#include "object.h"

/* set-max-intset-entries (set_module.c's parameter). */
extern long long set_type_max_intset_entries;

extern const command_spec set_commands[];

/* A new set object under `key`, not in any database, in the encoding Redis
 * gives a set whose first member is `first` (an intset for an integer).
 * Pass NULL for an empty intset (the result of SINTERSTORE & co.). */
object *set_type_create(const char *key, size_t key_length, const char *first, size_t first_length);
bool set_type_is_intset(const object *o);
size_t set_type_size(const object *o);
bool set_type_contains(const object *o, const char *member, size_t length);
/* Adds a member, converting as Redis at the thresholds; true if new. */
bool set_type_add(object *o, const char *member, size_t length);
/* Removes a member; true if it was there.  The caller deletes an emptied key. */
bool set_type_remove(object *o, const char *member, size_t length);

/* A random member; *position lets set_type_remove_at take it out (SPOP). */
typedef struct set_type_position {
    size_t index;             /* intset */
    lhash_position table;     /* lhash */
} set_type_position;
void set_type_random(const object *o, elem_view *member, set_type_position *position);
/* Removes the member at a position from set_type_random; invalidates views. */
void set_type_remove_at(object *o, const set_type_position *position);

/* Every member, ascending for an intset, table order for an lhash.  The set
 * must not be written until the iteration ends. */
typedef struct set_type_iterator {
    const intset *integers; /* NULL for an lhash */
    size_t index;
    lhash_iterator table;
} set_type_iterator;
void set_type_iterator_init(set_type_iterator *it, const object *o);
bool set_type_iterator_next(set_type_iterator *it, elem_view *member);
/* The type table's for_each_element (SORT, ZUNION on sets): every member
 * in the iterator's order with score 1.0; integers are formatted on the
 * stack, so `bytes` lives only during the visit. */
void set_type_for_each_element(const void *value,
                               void (*visit)(void *context, const char *bytes, size_t length, double score),
                               void *context);

/* RDB and DUMP (set_rdb.c; the contract is persist/rdb_format.h's). */
int set_rdb_type(const object *o);
int set_rdb_save(const object *o, struct rdb_writer *w);
object *set_rdb_load(struct rdb_reader *r, int rdb_type, const char *key, size_t key_length,
                     long long expire_ms, const char **error);

/* The type-table entries (set_module.c registers them). */
void set_type_free_value(void *value);
void *set_type_duplicate_value(const void *value);
size_t set_type_free_effort(const void *value);
size_t set_type_memory_usage(const void *value, size_t samples);
void *set_type_defrag_value(void *value);

#endif
