/* blocking: clients that wait for data on keys (BLPOP, BLMOVE, BLMPOP, and
 * later BZPOPMIN and XREAD BLOCK), in Redis 7.0's order.
 *
 * Design.  Per database, a table maps each key somebody waits on to a FIFO
 * of waiters (one node per client and key; a client blocked on n keys has n
 * nodes, all in one allocation with its state).  The keyspace's key-change
 * observer marks a waited-on key "ready" (a flag check when nobody waits);
 * after each top-level command (so after EXEC, not inside it) dispatch calls
 * blocking_serve_ready_keys, which offers each ready key to its waiters
 * first-come first-served through the waiter's type callbacks until one
 * says the key has nothing left.  Serving may write keys (BLMOVE pushes),
 * which marks them ready in turn; the loop runs until no key is ready, so
 * chains resolve in one go.  Keys that changed without gaining data are
 * offered too and simply serve nobody: observing every write costs less
 * than making each writer say whether it added data.
 *
 * Timeouts sit in a binary min-heap (O(log n) to add or remove a client);
 * a libevent timer armed for the earliest deadline wakes the loop, so a
 * timeout is answered within a millisecond or two of its deadline whatever
 * the number of blocked clients.  A blocked client's input is not parsed;
 * once unblocked, its pipelined commands run from before-sleep.
 *
 * The blocked state lives behind c->blocked (opaque to the network layer)
 * and is released by a client free hook, so a client that disconnects
 * while blocked leaves nothing behind.
 */
#ifndef ZKV_BLOCKING_H
#define ZKV_BLOCKING_H

#include <stdbool.h>

#include "client.h"
#include "db.h"

/* What a waiter's callback made of a key offered to it. */
enum blocking_result {
    BLOCKING_SERVED, /* replied (data or error): the client is unblocked */
    BLOCKING_SKIP,   /* not for this waiter (another type): try the next one */
    BLOCKING_EMPTY   /* the key has nothing left: stop offering it */
};

/* A kind of wait, provided by the type module that blocks the client. */
typedef struct blocking_type {
    /* Offers key `key` of db `d` to client `c`, which waits for it with
     * `request` (the pointer given to blocking_block).  Runs as `c`'s own
     * command would (net.current_client is c). */
    enum blocking_result (*serve)(client *c, db *d, const resp_argument *key, void *request);
    /* Releases `request` (NULL: nothing to free). */
    void (*free_request)(void *request);
} blocking_type;

/* Seconds as a double, Redis's way: "ERR timeout is not a float or out of
 * range", "ERR timeout is negative", "ERR timeout is out of range".  Sets
 * *timeout_ms (0 = forever) or replies the error and returns false. */
bool blocking_parse_timeout(client *c, const resp_argument *argument, long long *timeout_ms);
/* False inside MULTI (or a script): the command must answer as if it timed
 * out instead of blocking. */
bool blocking_allowed(const client *c);
/* Blocks c on the keys (duplicates are ignored) for timeout_ms (0 =
 * forever); `request` is owned by the blocking module from now on.  The
 * client stays blocked until served, timed out, unblocked or freed. */
void blocking_block(client *c, const blocking_type *type, const resp_argument *keys, int key_count,
                    long long timeout_ms, void *request);
bool blocking_is_blocked(const client *c);

enum blocking_unblock_reason { BLOCKING_UNBLOCK_TIMEOUT, BLOCKING_UNBLOCK_ERROR };
/* CLIENT UNBLOCK: answers the blocked client as timed out or with
 * "-UNBLOCKED client unblocked via CLIENT UNBLOCK"; false if not blocked. */
bool blocking_unblock(client *c, enum blocking_unblock_reason reason);

/* Marks one key ready without modifying it (no WATCH or tracking signal):
 * XGROUP DESTROY, whose waiters must learn their group is gone. */
void blocking_signal_key(int db_index, const char *key, size_t length);
/* Marks every waited-on key of database `db_index` ready (SWAPDB). */
void blocking_signal_database(int db_index);
/* Serves waiters of ready keys; called by dispatch after each command. */
void blocking_serve_ready_keys(void);
static inline bool blocking_keys_ready(void) {
    extern size_t blocking_ready_count;
    return blocking_ready_count != 0;
}

/* Called after a blocked client was served (its reply written) and while
 * it is still flagged CLIENT_EXECUTING during the serve: tracking sends the
 * invalidations that had to wait for that reply.  One observer. */
typedef void blocking_served_observer(client *c);
void blocking_set_served_observer(blocking_served_observer *observer);

long long blocking_client_count(void);
long long blocking_timeout_count(void); /* clients_in_timeout_table */

/* Module plumbing (command_module.c): the key observer, the free hook,
 * before-sleep work (timeouts, resuming unblocked clients), shutdown. */
void blocking_init(void);
void blocking_before_sleep(void);
void blocking_shutdown(void);

#endif
