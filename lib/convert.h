/* convert: one-pass conversions between the collection encodings.
 *
 * Redis converts a listpack hash to a hashtable past its entry or value
 * limit, and an intset to a hashtable past set-max-intset-entries or on the
 * first non-integer member; it never converts back.  These functions build
 * the bigger encoding from the smaller one; the caller frees the source
 * when it wants to (the source is not modified).  Each is O(elements),
 * bounded by the thresholds that trigger them.  zkv's own option of small
 * non-integer sets in a pack (Redis 7.2's set listpack) is covered by
 * convert_intset_to_pack and convert_pack_to_lhash.
 */
#ifndef ZKV_CONVERT_H
#define ZKV_CONVERT_H

#include "intset.h"
#include "lhash.h"
#include "pack.h"

/* A hash (with_values: the pack holds field, value, ...) or a set (one
 * member per entry) as an lhash with the same elements. */
lhash *convert_pack_to_lhash(const pack *p, bool with_values, lhash_hash_fn *hash);
/* A set of integers as an lhash set. */
lhash *convert_intset_to_lhash(const intset *s, lhash_hash_fn *hash);
/* A set of integers as a set pack, in ascending order. */
pack *convert_intset_to_pack(const intset *s);

#endif
