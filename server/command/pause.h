/* pause: CLIENT PAUSE and CLIENT UNPAUSE (Redis 7.0 semantics).
 *
 * Why in the command layer: pausing is a decision dispatch makes before it
 * runs a command ("does this command wait?"), so it lives next to dispatch;
 * the keyspace (expiry) and the memory module (eviction) only need to know
 * whether a pause holds, which they learn through keyspace_set_expiry_paused
 * and pause_active without knowing about clients.
 *
 * A paused command is not copied: the client keeps it in c->argc/c->argv,
 * its socket stops being read (so the parser buffer the arguments point
 * into stays put) and it waits on a FIFO list; CLIENT UNPAUSE or the end of
 * the timeout resumes the clients in the order they were paused, each
 * running its held command through dispatch again.
 *
 * While a pause holds (WRITE or ALL), no key expires (active or lazy) and
 * nothing is evicted, as in Redis, so the dataset does not change under a
 * failover.  Paused clients count as blocked_clients in INFO.
 */
#ifndef ZKV_PAUSE_H
#define ZKV_PAUSE_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"

struct command;

/* True while a pause is in force (ends it first if its time is up). */
bool pause_active(void);
/* Does dispatch have to hold this command?  WRITE pauses commands that
 * write or may replicate (and EXEC of a queue holding one), judging a
 * script by the flags it declares; ALL pauses everything. */
bool pause_postpones(const client *c, const struct command *cmd);
/* Holds the running command of `c` (dispatch returns right after). */
void pause_postpone(client *c);
/* Number of clients waiting (INFO blocked_clients). */
size_t pause_waiting_clients(void);
/* Ends a pause whose time is up (the command module's cron and
 * before-sleep hooks call it). */
void pause_check_timeout(void);
/* Drops a client that goes away while waiting (a client free hook). */
void pause_client_freed(client *c);

#endif
