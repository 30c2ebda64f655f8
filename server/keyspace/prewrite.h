/* prewrite: lets a point-in-time snapshot see every key as it was when the
 * snapshot began, without fork and without copying the dataset.
 *
 * Each table slot carries a mark bit (table.h).  A snapshot begins by
 * flipping the expected mark (the "epoch"): every key present then becomes
 * unseen, in O(databases), and every key inserted from then on is stamped
 * seen (table_set_insert_mark), so a key created during the snapshot is never
 * written.  A key is written exactly once, by whichever comes first:
 *   - the snapshot's own walk over the tables (persist/snapshot.c), which
 *     claims each unseen slot it passes, or
 *   - the pre-write hook below, which the database's write functions (db.c)
 *     call before a key is changed, replaced, given a TTL or removed: the
 *     snapshot writes the key's old value first.
 * Why here: db.c's write functions are the one door every command, expiry
 * and eviction goes through, so the hook cannot be forgotten by a command.
 * A change that did not come through a write lookup first (db_update on an
 * unseen slot) cannot be undone: it is counted (prewrite_late), and the
 * snapshot fails rather than be inconsistent.
 *
 * A database emptied during the snapshot (FLUSHDB) hands its old table to
 * the snapshot (adopt_table) instead of freeing it.  The cost: a key changed
 * before the walk reaches it is serialized on the write path, once per
 * snapshot (a big collection changed early costs its serialization then).
 */
#ifndef ZKV_PREWRITE_H
#define ZKV_PREWRITE_H

#include <stdbool.h>

#include "db.h"
#include "table.h"

/* Writes o (still unchanged) into the snapshot as a key of the database
 * that held table `t` when the snapshot began. */
typedef void prewrite_write_fn(table *t, const object *o);
/* Takes ownership of `t`, a table just replaced by an empty one (FLUSHDB);
 * false leaves it to the caller to free. */
typedef bool prewrite_adopt_fn(table *t);

extern bool prewrite_active;
extern bool prewrite_epoch; /* the mark of a seen slot */
extern long long prewrite_late;

/* Starts a snapshot epoch over every database (nothing is walked here). */
void prewrite_begin(prewrite_write_fn *write, prewrite_adopt_fn *adopt);
void prewrite_end(void);

/* True if the slot's key has not been written yet; marks it seen. */
static inline bool prewrite_claim(table_slot *slot) {
    if (table_slot_mark(slot) == prewrite_epoch) return false;
    table_slot_set_mark(slot, prewrite_epoch);
    return true;
}

/* db.c: the key in `slot` of `d` is about to change. */
void prewrite_slot_slow(db *d, table_slot *slot);
static inline void prewrite_slot(db *d, table_slot *slot) {
    if (prewrite_active && slot != NULL) prewrite_slot_slow(d, slot);
}
/* db.c: the key in `slot` has changed already; late if still unseen. */
void prewrite_changed_slow(table_slot *slot);
static inline void prewrite_changed(table_slot *slot) {
    if (prewrite_active && slot != NULL) prewrite_changed_slow(slot);
}
/* db.c: a table replaced by an empty one; true if the snapshot took it. */
bool prewrite_adopt_table(table *t);
/* db.c: the mark a new table must stamp. */
void prewrite_prepare_table(table *t);

#endif
