/* stream_type: what the stream command files share: the value behind a
 * key (lib/stream.h), node limits from the configuration, Redis's ID
 * arguments with their error texts, and the entry replies.
 *
 * A stream always lives behind the key's pointer (OBJECT ENCODING
 * "stream"): even an empty stream carries IDs and groups, so there is no
 * packed small form to gain from.
 */
#ifndef ZKV_STREAM_TYPE_H
#define ZKV_STREAM_TYPE_H

#include <stdbool.h>

#include "client.h"
#include "command.h"
#include "db.h"
#include "object.h"
#include "stream.h"
#include "stream_group.h"

extern stream_limits stream_config;

#define STREAM_INVALID_ID_ERROR "ERR Invalid stream ID specified as stream command argument"

static inline stream *stream_of(const object *o) {
    return object_pointer(o);
}

/* A new empty stream stored under `key`. */
object *stream_add_key(db *d, const char *key, size_t length);

/* Redis's ID arguments; each replies STREAM_INVALID_ID_ERROR on failure.
 * Plain: "-" and "+" allowed; strict: they are not. */
bool stream_parse_id_or_reply(client *c, const resp_argument *a, uint64_t missing_seq, stream_id *id);
bool stream_parse_strict_id_or_reply(client *c, const resp_argument *a, stream_id *id);
/* A range bound: "(" makes it exclusive, moved by one ID ("invalid start
 * ID for the interval" / "invalid end ID ..." when it cannot move). */
bool stream_parse_range_bound(client *c, const resp_argument *a, bool start, stream_id *id);

void stream_reply_id(client *c, const stream_id *id);
/* [id, [field, value, ...]] of one entry. */
void stream_reply_entry(client *c, stream_entry *e);
/* Replies entries in [start, end] (count 0: all) as an array; returns how
 * many.  With a group, reading moves its last ID and entries-read and
 * (unless noack) delivers each entry to `consumer`'s PEL, as XREADGROUP. */
size_t stream_reply_range(client *c, stream *s, const stream_id *start, const stream_id *end, size_t count,
                          bool reverse, stream_group *group, stream_consumer *consumer, bool noack);
/* XREADGROUP with an explicit ID: the consumer's own pending entries from
 * `start`, deleted ones as [id, nil]. */
size_t stream_reply_consumer_pel(client *c, stream *s, const stream_id *start, size_t count,
                                 stream_consumer *consumer);
/* The lag of a group (XINFO), or null when it cannot be known. */
void stream_reply_group_lag(client *c, const stream *s, const stream_group *g);
/* The entries-read counter an ID would have, from the stream's counters
 * (Redis's streamEstimateDistanceFromFirstEverEntry), or
 * STREAM_ENTRIES_READ_INVALID when it cannot be known. */
long long stream_estimate_entries_read(const stream *s, const stream_id *id);
/* First live ID, 0-0 when empty (Redis's recorded-first-entry-id). */
stream_id stream_recorded_first_id(const stream *s);

/* A consumer by name, created (with its keyspace event) when missing; its
 * seen time is refreshed. */
stream_consumer *stream_consumer_touch(client *c, stream_group *g, const resp_argument *key,
                                       const resp_argument *name);

/* Command tables and RDB hooks. */
extern const command_spec stream_commands[];
extern const command_spec stream_group_commands[];
extern const command_spec stream_read_commands[];
extern const command_spec stream_info_commands[];
int stream_rdb_type(const object *o);
struct rdb_writer;
struct rdb_reader;
int stream_rdb_save(const object *o, struct rdb_writer *w);
object *stream_rdb_load(struct rdb_reader *r, int rdb_type, const char *key, size_t key_length, long long expire_ms,
                        const char **error);

#endif
