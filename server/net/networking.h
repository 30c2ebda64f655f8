/* networking.h: listeners, accepting, reading and writing client sockets.
 *
 * Reads parse and run every complete command at once; replies accumulate in
 * the client's resp_output and are written by networking_flush_pending, which
 * the event loop calls once per iteration before it blocks again.  A write
 * event is installed only when the socket would block.
 */
#ifndef ZKV_NETWORKING_H
#define ZKV_NETWORKING_H

#include "client.h"

/* How the network layer hands work to the command layer, which it cannot
 * name (the layers point down).  The command module installs it at start-up
 * (Pelikan's data_processor, Dragonfly's ServiceInterface). */
typedef struct net_processor {
    /* Runs the parsed command in c->argc/c->argv; its replies go to c->reply. */
    void (*process_command)(client *c);
    /* A hint: the keys of the next commands of a pipelined batch (the second
     * argument of each), so their buckets can be fetched ahead.  May be NULL. */
    void (*prefetch_keys)(client *c, const resp_argument *keys, size_t count);
} net_processor;
void networking_set_processor(const net_processor *processor);

/* Opens the TCP and unix-socket listeners (once: a later call does
 * nothing).  0, or -1 with a zmalloc'd message in *error. */
int networking_listen(char **error);
void networking_close_listeners(void);
/* Writes the pending output of every scheduled client. */
void networking_flush_pending(void);
/* Starts watching a new client's socket for reads; 0 or -1. */
int networking_watch_client(client *c);
/* Serves clients while a long command (a busy script) holds the loop: reads
 * and runs what every readable client sent (never `busy`'s, which is
 * executing), accepts new clients and flushes replies, without blocking.
 * libevent's loop cannot be re-entered from a callback, so this polls the
 * descriptors itself; O(clients) per call, which the caller paces. */
void networking_serve_while_busy(client *busy);
/* Writes as much of c's output as the socket takes now; -1 if the client was
 * closed because of a write error. */
int networking_write_client(client *c);
/* Runs the commands a client buffered while it was blocked (the blocking
 * module calls it once the client is unblocked). */
void networking_resume_client(client *c);
/* A client whose command is held (CLIENT_PAUSED, set by the processor while
 * it runs the command) keeps c->argc/c->argv and is not read until resumed:
 * networking_resume_paused_client clears the flag, runs the held command again
 * through the processor, then the rest of its buffered input, and reads on. */
void networking_resume_paused_client(client *c);

#endif
