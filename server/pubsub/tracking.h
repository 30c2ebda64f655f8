/* tracking: client-side caching (CLIENT TRACKING), Redis 7.0 semantics.
 *
 * Default mode.  After a read-only command of a tracking client, its keys
 * are remembered in the tracking table: key name -> ids of the clients that
 * may cache it (names only, not databases, as Redis).  When the key changes
 * (any write, expiry, eviction: the keyspace's key observer), every client
 * in its entry is sent one invalidation and the entry is dropped, so a
 * client hears about a key once per read.  Ids rather than pointers keep
 * disconnects cheap: an id whose client is gone or no longer tracking is
 * skipped when the key changes.  tracking-table-max-keys bounds the table:
 * past it, random keys are invalidated early (in steps of growing size, in
 * the cron and after commands) until it fits.
 *
 * BCAST mode.  Clients register prefixes; a changed key matching a prefix
 * is queued on that prefix (deduplicated, remembering who changed it for
 * NOLOOP) and every client of the prefix receives the queued keys in one
 * message before the event loop sleeps, as Redis sends them from its
 * beforeSleep: prefixes in byte order, keys sorted within a message (the
 * order of Redis's radix trees), ahead of any reply to a command read in
 * a later iteration.  The module's before_sleep runs after the network's
 * flush, so a zero-delay timer queued with the first key wakes the loop
 * once more to write them (and sends whatever a later hook queued).
 *
 * Messages.  RESP3 clients get a push `invalidate [keys]` (null for a
 * flush); with REDIRECT the message goes to the other client instead, as a
 * push if it speaks RESP3, or if it is a RESP2 subscriber as a message on
 * `__redis__:invalidate`; when the redirect client is gone the tracking
 * client gets `tracking-redir-broken` (RESP3 only).  An invalidation for the
 * client whose command is running waits until the command has replied, so
 * it never lands inside that reply (MULTI/EXEC).
 *
 * Costs: the table holds one record per tracked key plus 8 bytes per client
 * id.  Finding a redirect client scans the client list (as rare as an
 * invalidation of a redirecting client); BCAST matching walks the prefixes.
 */
#ifndef ZKV_TRACKING_H
#define ZKV_TRACKING_H

#include <stddef.h>

#include "client.h"

void tracking_init(void);

/* INFO: clients with tracking on, keys in the table, client ids in it,
 * BCAST prefixes. */
size_t tracking_client_count(void);
size_t tracking_total_keys(void);
size_t tracking_total_items(void);
size_t tracking_total_prefixes(void);

/* Invalidates keys while the table is over tracking-table-max-keys (cron
 * and after commands). */
void tracking_limit_table(void);

/* Turns tracking off and frees the client's state (RESET, disconnect). */
void tracking_release_client(client *c);
/* Sends the BCAST keys queued so far (the module's before_sleep). */
void tracking_broadcast_pending(void);

/* tracking-table-max-keys (0: unlimited). */
extern long long tracking_max_keys;

#endif
