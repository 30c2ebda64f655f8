/* networking.h: listeners, accepting, reading and writing client sockets.
 *
 * Reads parse and run every complete command at once; replies accumulate in
 * the client's resp_output and are written by networking_flush_pending, which
 * the event loop calls once per iteration before it blocks again.  A write
 * event is installed only when the socket would block.
 */
#ifndef ZKV_NETWORKING_H
#define ZKV_NETWORKING_H

#include "server.h"

/* Opens the TCP and unix-socket listeners.  0, or -1 with a zmalloc'd
 * message in *error. */
int networking_listen(char **error);
void networking_close_listeners(void);
/* Writes the pending output of every scheduled client. */
void networking_flush_pending(void);
/* Starts watching a new client's socket for reads; 0 or -1. */
int networking_watch_client(client *c);
/* Writes as much of c's output as the socket takes now; -1 if the client was
 * closed because of a write error. */
int networking_write_client(client *c);

#endif
