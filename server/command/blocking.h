/* blocking: whether a blocking command (BLPOP, BZPOPMIN, XREAD BLOCK, WAIT
 * ...) may park its client, or must answer at once as if its timeout had
 * expired, as Redis 7.0 does for CLIENT_DENY_BLOCKING.
 *
 * A client may not block while EXEC runs its queue (the transaction must
 * run as one step) nor when it is the script client (a script cannot wait:
 * the whole server would).  Blocking commands ask client_may_block before
 * parking and reply their timeout answer (a null array for BLPOP) when it
 * says no.
 */
#ifndef ZKV_BLOCKING_H
#define ZKV_BLOCKING_H

#include "client.h"

static inline int client_may_block(const client *c) {
    return !(c->flags & (CLIENT_DENY_BLOCKING | CLIENT_MULTI));
}

#endif
