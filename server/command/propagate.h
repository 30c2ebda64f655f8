/* propagate: what a write logs, in the form Redis 7.0 propagates it.
 *
 * The append-only file (persist/aof) is the consumer; the commands, which
 * sit below it, say here what their effect is.  By default a command that
 * changed the dataset (server.stats.dirty moved during its call) is logged
 * as it was sent.  A command whose sent form would not replay to the same
 * data logs another form instead:
 *   - propagate_rewrite: the command's whole logged vector (EXPIRE ->
 *     PEXPIREAT, SET EX -> SET PXAT, BLPOP -> LPOP, INCRBYFLOAT -> SET ...
 *     KEEPTTL, SPOP -> SREM);
 *   - propagate_prevent: nothing for the command itself (EXEC, EVAL: the
 *     commands they ran are logged one by one; SPOP with a count logs SREMs);
 *   - propagate_also: an extra command (an expired or evicted key's DEL, a
 *     served blocked client's pop, SPOP's SREMs).
 * As in Redis, everything one top-level call produces is collected and
 * emitted when the call ends, wrapped in MULTI/EXEC when it is more than one
 * command, so a transaction or script is replayed whole.  propagate_also
 * outside any call (active expiry, eviction, serving a blocked client) is
 * emitted at once, alone.
 *
 * Cost while nothing consumes (appendonly no): one test per call.
 */
#ifndef ZKV_PROPAGATE_H
#define ZKV_PROPAGATE_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "strbuf.h"

/* One command in RESP (a multi-bulk array) for database `db_index`, in
 * order; MULTI/EXEC wrappers come as commands too.  The consumer decides
 * where SELECT is needed. */
typedef void propagate_consumer(int db_index, const char *resp, size_t length);

/* True while a consumer is installed. */
extern bool propagate_on;
void propagate_set_consumer(propagate_consumer *consumer); /* NULL: off */

/* A literal argument: PROPAGATE_ARG("PEXPIREAT"). */
#define PROPAGATE_ARG(text) ((resp_argument){(text), sizeof(text) - 1})

/* A number as an argument, written into `buffer` (24 bytes). */
resp_argument propagate_number(char *buffer, long long value);

/* The current command logs argv instead of what was sent (the last call
 * wins).  No effect while propagation is off. */
void propagate_rewrite(client *c, int argc, const resp_argument *argv);
/* The current command itself is not logged (what it adds with
 * propagate_also still is). */
void propagate_prevent(client *c);
/* The current command is logged even if it changed nothing (FLUSHDB of an
 * empty database). */
void propagate_force(client *c);
/* Logs one more command for database `db_index`. */
void propagate_also(int db_index, int argc, const resp_argument *argv);
/* The DEL of a key the server removed (expiry, eviction). */
void propagate_deletion(int db_index, const char *key, size_t length);

/* RESP encoding of a command vector (shared with the AOF rewrite). */
void propagate_encode(strbuf *out, int argc, const resp_argument *argv);

/* ---- for dispatch_call ---- */
typedef struct propagate_frame {
    long long dirty_before;
    bool prevented;
    bool forced;
    bool rewritten;
    strbuf rewrite; /* the RESP of the rewritten form */
    struct propagate_frame *outer;
} propagate_frame;

void propagate_call_begin(propagate_frame *frame);
/* After the handler: logs the command if it changed data; at the outermost
 * level emits everything collected.  `never_itself`: EXEC (whose commands
 * were logged one by one).  `name`: the command's, since SCAN and RANDOMKEY
 * (Redis's "touches arbitrary keys") emit their expired keys' DELs unwrapped. */
void propagate_call_end(propagate_frame *frame, client *c, bool never_itself, const char *name);

#endif
