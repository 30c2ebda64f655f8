/* intset: a set of integers as one sorted array of 2-, 4- or 8-byte values.
 *
 * Design.  A set whose members are all canonical decimal integers (see
 * elem.h: "007" and "-0" are not) is kept as a sorted array in the
 * narrowest width that holds every member, behind a 5-byte header (count,
 * width).  500 members below 32768 cost 1005 bytes: 2.0 B/member.  Adding a
 * member that needs a wider type rewrites the array once in the new width
 * (an "upgrade"); the array never narrows again, as in Redis.
 *
 * Trade-offs.  Membership is a binary search; insert and remove move the
 * tail, O(n) bytes.  Redis converts to a hash table past
 * set-max-intset-entries (512).  Limits up to a few thousand keep every
 * operation under ~1 us (a 4096 x 8-byte memmove is 32 KB, a few hundred
 * ns) and memory at 2-8 B/member; far larger sets belong in lhash, whose
 * integer members cost ~7-9 B each but take O(1) per insert.
 *
 * Pointers.  Calls that can resize return the set; the old pointer is then
 * invalid.
 */
#ifndef ZKV_INTSET_H
#define ZKV_INTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct intset intset; /* opaque: a byte layout, see above */

intset *intset_create(void);
void intset_free(intset *s);
intset *intset_duplicate(const intset *s);

size_t intset_count(const intset *s);
/* Bytes per member now: 2, 4 or 8. */
unsigned intset_width(const intset *s);
/* Bytes the block consumes in the allocator. */
size_t intset_memory(const intset *s);

bool intset_contains(const intset *s, int64_t value);
/* The member at sorted position `index` (< intset_count): ascending order,
 * so index 0 is the smallest.  Random picks use a random index. */
int64_t intset_get(const intset *s, size_t index);

/* Adds `value`; *added tells whether it was new.  Returns the set,
 * possibly moved. */
intset *intset_add(intset *s, int64_t value, bool *added);
/* Removes `value`; *removed tells whether it was there.  Returns the set,
 * possibly moved (shrunk). */
intset *intset_remove(intset *s, int64_t value, bool *removed);

#endif
