/* multi.h: MULTI/EXEC/DISCARD/WATCH/UNWATCH and the hooks the keyspace calls.
 *
 * A client inside MULTI gets its commands queued (copied, since the parser's
 * buffer is reused) and answered +QUEUED; EXEC runs them back to back.
 *
 * WATCH is optimistic locking: each watched (db, key) has an entry in a
 * server-wide table listing the clients that watch it.  The keyspace calls
 * multi_key_modified on every write, expiry and eviction; it costs one
 * counter check when nobody watches anything, so it is free on the hot path.
 */
#ifndef ZKV_MULTI_H
#define ZKV_MULTI_H

#include <stddef.h>

#include "command.h"

struct command;

/* The keyspace's key-change observer (registered by the command module):
 * watchers of the key are flagged dirty. */
void multi_key_modified(int db_index, const char *key, size_t length);
/* Call BEFORE emptying the database (db_index, or every one when -1): watched
 * keys that exist are flagged (existence is asked to the checker below when
 * one is registered; without one every watcher of that db is flagged). */
void multi_database_flushed(int db_index);
/* SWAPDB: watchers of keys in either database are flagged. */
void multi_databases_swapped(int first_db, int second_db);

/* Used by dispatch and client.c. */
int multi_watching_anything(void);
/* Queues c->argv for EXEC and replies +QUEUED. */
void multi_queue_command(client *c, struct command *cmd);
/* A queue-time error: EXEC will answer EXECABORT. */
void multi_flag_error(client *c);
/* Drops the queue and leaves MULTI state (DISCARD, RESET, client free). */
void multi_discard(client *c);
void multi_unwatch_all(client *c);
/* Client free hook: drops the queue and the watched keys. */
void multi_client_freed(client *c);
/* True when `cmd` is EXEC. */
int multi_is_exec(const struct command *cmd);
/* True when a queued command of the transaction has every flag in `flags`
 * (EXEC of a transaction holding a denyoom command is itself denyoom); a
 * queued script is judged by the flags it declares, as Redis 7.0 does. */
int multi_queue_has_flags(const client *c, unsigned int flags);
/* EXEC refused before it ran (OOM, cluster, ...): answers
 * "EXECABORT Transaction discarded because of: <text>" and ends MULTI, as Redis. */
void multi_abort_exec(client *c, const char *text);


extern const command_spec multi_commands[];

#endif
