/* client.h: creating, finding and closing clients, and scheduling their output.
 *
 * Clients are closed in two ways.  Closing synchronously (client_free) is only
 * safe when no handler of that client is running; everything else (CLIENT KILL,
 * output limits, protocol errors) marks the client CLIENT_CLOSE_ASAP with
 * client_close_async and the event loop frees it at the end of the iteration,
 * so a handler never sees its client vanish under it.
 */
#ifndef ZKV_CLIENT_H
#define ZKV_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "server.h"

/* Creates a client for an accepted socket (fd >= 0) and links it into
 * server.clients; NULL if memory is short.  `unix_socket` sets the flag. */
client *client_create(int fd, int unix_socket);
/* Unlinks and frees now (closes the socket). */
void client_free(client *c);
/* Frees at the end of this loop iteration; idempotent. */
void client_close_async(client *c);
/* Closes after its pending output has been written (QUIT, protocol errors). */
void client_close_after_reply(client *c);
/* Queues the client so its output is flushed before the loop blocks again.
 * Call after writing to another client's c->reply (MONITOR, pubsub). */
void client_schedule_write(client *c);
client *client_find_by_id(uint64_t id);
/* Takes ownership of argument `index` of the running command when it lives
 * in its own zmalloc block (a big bulk): returns the block, or NULL when the
 * caller must copy (small argument, or a command replayed by EXEC). */
void *client_take_argument(client *c, int index);
/* Makes the running command's replies reach the client again although
 * CLIENT REPLY OFF/SKIP was in force when it started (CLIENT REPLY ON uses it
 * before answering +OK).  Handlers that turn replies off simply do not reply. */
void client_restore_reply(client *c);
/* Marks the client (un)authenticated; while a password is required and not
 * given, the parser refuses large requests and the output is capped, as in
 * Redis 7.0. */
void client_set_authenticated(client *c, int authenticated);
/* 2 or 3: switches the reply encoding (HELLO). */
void client_set_protocol(client *c, int version);
/* Bytes used by this client: structure, query buffer, output buffer, argv,
 * MULTI queue (tot-mem in CLIENT LIST, mem_clients_normal in INFO). */
size_t client_memory(const client *c);
/* Bytes of the argument vector of the running command (argv-mem). */
size_t client_argv_memory(const client *c);
/* Sum of client_memory over all clients. */
size_t client_total_memory(void);
/* Checks the output buffer limits after output was appended; closes the
 * client asynchronously (and logs) when exceeded.  Returns 1 if closed. */
int client_check_output_limits(client *c);
/* Frees what idle clients hold: called from cron. */
void client_cron(void);
/* maxmemory-clients: closes the clients holding the most memory until all
 * clients together fit the limit (runs in the cron and before eviction). */
void client_evict_over_limit(void);

/* Frees clients marked CLIENT_CLOSE_ASAP. */
void client_free_closed(void);

#endif
