/* prewrite: the snapshot epoch and the pre-write hook (see prewrite.h). */
#include "prewrite.h"

#include "keyspace.h"
#include "zkv_assert.h"

bool prewrite_active;
bool prewrite_epoch;
long long prewrite_late;

static prewrite_write_fn *prewrite_writer;
static prewrite_adopt_fn *prewrite_adopter;

void prewrite_begin(prewrite_write_fn *write, prewrite_adopt_fn *adopt) {
    zkv_assert(!prewrite_active);
    prewrite_epoch = !prewrite_epoch;
    prewrite_writer = write;
    prewrite_adopter = adopt;
    prewrite_late = 0;
    prewrite_active = true;
    for (int i = 0; i < keyspace_database_count(); i++) table_set_insert_mark(keyspace_db(i)->keys, prewrite_epoch);
}

void prewrite_end(void) {
    prewrite_active = false;
}

void prewrite_slot_slow(db *d, table_slot *slot) {
    if (prewrite_claim(slot)) prewrite_writer(d->keys, table_slot_entry(slot));
}

void prewrite_changed_slow(table_slot *slot) {
    if (prewrite_claim(slot)) prewrite_late++;
}

bool prewrite_adopt_table(table *t) {
    return prewrite_active && prewrite_adopter(t);
}

void prewrite_prepare_table(table *t) {
    table_set_insert_mark(t, prewrite_epoch);
}
