/* collection_defrag: active defragmentation of a collection's blocks, shared
 * by every type that keeps packs, intsets or lhash tables behind a key.
 *
 * A pack or an intset is one block, moved whole when the allocator says it
 * pays.  A big lhash is moved a bounded number of pages per visit, so one
 * visit costs microseconds whatever the table's size; the caller's progress
 * record remembers where the last table stopped and the next visit of the
 * same table goes on from there (another table restarts at page 0).  One
 * record per type is enough: the defragmenter walks keys one at a time.
 * Trade-off: a table visited rarely converges slowly; its pages are few
 * per key anyway compared with the key blocks the walk also moves.
 */
#ifndef ZKV_COLLECTION_DEFRAG_H
#define ZKV_COLLECTION_DEFRAG_H

#include "lhash.h"

typedef struct collection_defrag_progress {
    const void *table;     /* the lhash the cursor belongs to */
    unsigned long cursor;  /* its next page, 0 when done */
} collection_defrag_progress;

/* The block, or its moved copy (the old pointer is then freed). */
void *collection_defrag_block(void *block);
/* Moves the lhash struct and up to `pages` of its pages, resuming at
 * progress's cursor when it is the same table; returns the (possibly
 * moved) table, which the caller stores in place of h. */
lhash *collection_defrag_lhash(lhash *h, collection_defrag_progress *progress, unsigned pages);

#endif
