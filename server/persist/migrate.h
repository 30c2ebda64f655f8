/* migrate: MIGRATE's two halves, inside the persist module.
 *
 * migrate_commands.c checks the arguments (Redis's order and texts), looks
 * the keys up and builds the whole request on the loop, as Redis builds it;
 * migrate_transfer.c takes it over from migrate_transfer_start: the
 * connection (kept per target), the replies, the deletions and the answer
 * to the client, all without blocking the loop.
 */
#ifndef ZKV_MIGRATE_H
#define ZKV_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "strbuf.h"

typedef struct migrate_key {
    char *name;
    size_t length;
    bool changed; /* written, deleted or flushed since its payload was made */
} migrate_key;

/* What one MIGRATE sends, to whom, for which keys. */
typedef struct migrate_request {
    int db_index;          /* the source database */
    long long target_db;   /* SELECTed on the target */
    bool copy;             /* keep the source keys */
    long long timeout_ms;  /* bound of every step (> 0) */
    char host[256];
    int port;
    strbuf auth;           /* AUTH [username] password in RESP, or empty */
    strbuf select;         /* SELECT target_db in RESP */
    strbuf body;           /* one RESTORE per key, in `keys` order */
    migrate_key *keys;
    int key_count;
} migrate_request;

void migrate_request_init(migrate_request *request);
void migrate_request_free(migrate_request *request);

/* Suspends `c` (its MIGRATE answers later) and moves the request to the
 * target; takes over the request's contents, leaving it empty.  May answer
 * at once (a failure known immediately), also inside `c`'s own command. */
void migrate_transfer_start(client *c, migrate_request *request);

#endif
