/* pubsub: the channel and pattern registry, and message delivery.
 *
 * Three name spaces, as in Redis 7.0: channels (SUBSCRIBE/PUBLISH), shard
 * channels (SSUBSCRIBE/SPUBLISH: the same, but a cluster routes them by slot)
 * and patterns (PSUBSCRIBE, matched against channels only).
 *
 * Layout.  Each name that has subscribers is one zmalloc'd record holding the
 * name and the array of its subscribers; the records of a name space live in
 * a lib/table keyed by the name.  A subscribed client has its own small
 * tables whose entries are the same records, so "am I subscribed?" and
 * "unsubscribe me from everything" need no search over other clients.
 * Patterns are also kept in an array, which PUBLISH walks without touching
 * the table.  Trade-off: removing one client from a record scans its
 * subscriber array (O(subscribers of that name)); Redis's lists cost the
 * same, and arrays make the publish loop a walk over adjacent pointers.
 *
 * Delivery.  A message is encoded once (the RESP3 push is that RESP2 array
 * with another first byte, copied when a RESP3 receiver first needs it), on
 * the stack unless large, and the same bytes are appended to every
 * receiver's output buffer: N receivers cost N memcpy's, not N encodings,
 * and no allocation.  Each receiver's socket is written at most once per
 * event loop iteration, however many messages it got.  Delivery bypasses
 * CLIENT REPLY OFF/SKIP (Redis 7.0 pushes are never silenced).  After
 * appending, each receiver's output limit is checked: a subscriber that
 * cannot keep up is closed asynchronously (client-output-buffer-limit
 * pubsub), so the publisher never waits for it.
 *
 * Pattern matching uses lib/glob (iterative, O(pattern * channel) at worst).
 */
#ifndef ZKV_PUBSUB_H
#define ZKV_PUBSUB_H

#include <stddef.h>

#include "client.h"
#include "permission.h"

typedef enum pubsub_space { PUBSUB_CHANNELS, PUBSUB_SHARD_CHANNELS, PUBSUB_PATTERNS } pubsub_space;

/* Creates the global tables (the module's init; unit tests call it).
 * Idempotent. */
void pubsub_init(void);

/* Adds / removes a subscription of `c`.  Return 1 if it changed something
 * (a new subscription, an existing one removed), 0 otherwise.  The client's
 * counters (c->pubsub_channels, ...) and CLIENT_PUBSUB follow. */
int pubsub_subscribe(client *c, pubsub_space space, const char *name, size_t length);
int pubsub_unsubscribe(client *c, pubsub_space space, const char *name, size_t length);

typedef void pubsub_name_fn(client *c, const char *name, size_t length, void *context);
/* Unsubscribes `c` from every name of `space` (UNSUBSCRIBE without
 * arguments), calling fn (may be NULL) after each removal, when the counters
 * already say so; `name` is valid during the call only. */
void pubsub_unsubscribe_all(client *c, pubsub_space space, pubsub_name_fn *fn, void *context);

/* Calls visit for each subscription of `c` (channels and shard channels
 * with is_pattern 0, patterns with 1) until it returns nonzero; returns that
 * or 0.  The walker permission.h takes: the acl module re-checks a
 * subscriber's channels with it when its user's rules change. */
int pubsub_walk_subscriptions(client *c, permission_subscription_visit *visit, void *context);

/* Drops every subscription of `c` without replying (disconnect, RESET) and
 * frees its per-client state. */
void pubsub_release_client(client *c);

/* Delivers `message` on `channel` to the subscribers of the channel (or, for
 * shard channels, the shard channel) and, for plain channels, to every
 * pattern that matches.  Returns the number of receivers. */
long long pubsub_publish(pubsub_space space, const char *channel, size_t channel_length, const char *message,
                         size_t message_length);

/* Number of names with subscribers (INFO pubsub_channels, ...). */
size_t pubsub_count(pubsub_space space);
/* Subscribers of one channel or shard channel (PUBSUB NUMSUB). */
size_t pubsub_subscriber_count(pubsub_space space, const char *name, size_t length);
/* Calls fn (with c NULL) for every active name of `space` (PUBSUB
 * CHANNELS); fn must not subscribe or unsubscribe. */
void pubsub_each_name(pubsub_space space, pubsub_name_fn *fn, void *context);

/* The output a push to `c` goes to: the real one even while CLIENT REPLY
 * OFF/SKIP hides the running command's replies. */
static inline resp_output *pubsub_output(client *c) { return c->hidden_reply ? c->hidden_reply : c->reply; }

/* After appending to another client's output: schedule the write and apply
 * its output limit (closing it asynchronously when exceeded). */
void pubsub_after_push(client *c);

#endif
