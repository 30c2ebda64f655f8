/* lazyfree: freeing large things in a background thread.
 *
 * Freeing a value of millions of elements, or a whole database, touches every
 * allocation it holds: seconds of work the event loop must not do itself.
 * Such frees are queued to one background thread instead (zmalloc's counters
 * are per thread and summed on read, so used_memory stays exact while the
 * thread frees).  Small objects are freed at once: queueing costs more than
 * freeing them.
 *
 * Counters follow Redis's INFO fields: lazyfree_pending_objects is what is
 * queued and not yet freed, lazyfreed_objects what the thread has freed
 * since start (or CONFIG RESETSTAT).  A freed database counts its keys.
 */
#ifndef ZKV_LAZYFREE_H
#define ZKV_LAZYFREE_H

#include <stdbool.h>

#include "object.h"
#include "table.h"

/* Objects whose free effort is above this go to the thread (Redis uses the
 * same threshold of 64 allocations). */
#define LAZYFREE_EFFORT_THRESHOLD 64

/* Frees an object: in the background if `allow_async` and it is big. */
void lazyfree_free_object(object *o, bool allow_async);
/* Frees a whole table (and its entries) in the background. */
void lazyfree_free_table(table *t);
/* Frees one large zmalloc block in the background (a bucket array). */
void lazyfree_free_block(void *block);

long long lazyfree_pending_objects(void);
long long lazyfree_freed_objects(void);
void lazyfree_reset_stats(void);
/* Blocks until the queue is empty (tests, DEBUG, shutdown). */
void lazyfree_wait_idle(void);

#endif
