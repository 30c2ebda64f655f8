/* stream: Redis's stream (an append-only log of entries, each an ID and
 * field/value pairs) in delta-encoded nodes.
 *
 * Layout.  A stream is an array of node pointers in ID order (a window
 * [head, head + count) of a larger array, so trimming the oldest node moves
 * no pointers; the window is recentred when it reaches the end).  Each node
 * is one zmalloc block:
 *
 *   header   base ID (16 B, <= every ID in the node), last appended ID
 *            (16 B, deleted or not: MINID trimming reads it, as Redis reads
 *            its listpack's last entry), used bytes, live entries, appended
 *            entries (live + deleted), Redis's listpack size for the node
 *   master   varint field count, then each field as varint length + bytes:
 *            the fields of the node's first entry
 *   entries  tagged varint: bit 0 "same fields as the master", bit 1
 *            "deleted", the rest the ms delta from the base; varint seq
 *            (minus the base's seq when
 *            the ms equals the base's); without the flag a varint field
 *            count and each field; then each value (varint length + bytes)
 *
 * Deleting an entry (XDEL, exact trimming) sets its deleted flag in place,
 * as Redis flags its listpack entry: the bytes stay until the whole node
 * goes (XDEL of its last live entry, or trimming), so nodes, their counts
 * and their RDB form stay exactly Redis's, tombstones included.  Deltas are
 * taken from the node's base, so a node can be read from any entry's
 * offset.  A node never gets entries again
 * after the next one is opened, so node bases partition the ID space and a
 * lookup is a binary search over nodes plus a scan of one node.
 *
 * Nodes are cut where Redis cuts its listpacks (stream-node-max-entries
 * counting deleted entries, stream-node-max-bytes against the exact size
 * Redis's listpack would have), so approximate trimming (MAXLEN ~, MINID ~),
 * which removes whole nodes only, leaves exactly the entries Redis leaves.
 *
 * Trade-offs: iterating backwards decodes a node forwards first (its entry
 * offsets go to a small array); an entry's values are stored as bytes even
 * when numeric (Redis stores integers in its listpack), which costs one or
 * two bytes for numeric values but keeps replies a plain copy; deleted
 * entries keep their memory until their node goes, as in Redis.
 */
#ifndef ZKV_STREAM_H
#define ZKV_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct stream_id {
    uint64_t ms;
    uint64_t seq;
} stream_id;

#define STREAM_ID_MAX ((stream_id){UINT64_MAX, UINT64_MAX})
#define STREAM_ID_BUFFER 48 /* "ms-seq" with a terminator */

int stream_id_compare(const stream_id *a, const stream_id *b);
static inline bool stream_id_is_zero(const stream_id *id) { return id->ms == 0 && id->seq == 0; }
/* The next / previous ID; false (id unchanged) at the end of the space. */
bool stream_id_increment(stream_id *id);
bool stream_id_decrement(stream_id *id);
/* "ms-seq"; returns the length. */
size_t stream_id_format(const stream_id *id, char buffer[STREAM_ID_BUFFER]);
/* Redis's ID syntax: "ms" (seq = missing_seq) or "ms-seq", each a plain
 * unsigned decimal; with seq_star, "ms-*" is accepted and sets *seq_star.
 * "-" and "+" are the smallest and largest IDs unless strict.  False on
 * anything else. */
bool stream_id_parse(const char *text, size_t length, uint64_t missing_seq, bool strict, stream_id *id,
                     bool *seq_star);

/* Node limits (stream-node-max-bytes, stream-node-max-entries; 0 = none). */
typedef struct stream_limits {
    long long node_max_bytes;
    long long node_max_entries;
} stream_limits;

struct stream_node;
struct stream_groups;

typedef struct stream {
    struct stream_node **nodes;
    uint32_t head;      /* first used slot */
    uint32_t count;     /* nodes in use */
    uint32_t capacity;  /* slots allocated */
    uint64_t length;    /* live entries */
    uint64_t entries_added;
    stream_id last_id;  /* last generated ID (XSETID may raise it) */
    stream_id max_deleted_id;
    struct stream_groups *groups; /* consumer groups, NULL when none (stream_group.h) */
} stream;

/* A field or value given to stream_append. */
typedef struct stream_bytes {
    const char *data;
    size_t length;
} stream_bytes;

stream *stream_create(void);
/* Frees the stream, its nodes and its groups. */
void stream_free(stream *s);
stream *stream_duplicate(const stream *s);
/* Bytes allocated for the stream, its nodes and its groups; with samples
 * > 0 the nodes are estimated from the first `samples` of them (MEMORY
 * USAGE's SAMPLES), 0 walks them all. */
size_t stream_memory(const stream *s, size_t samples);
/* Allocations to free (lazy free decides with it). */
size_t stream_free_effort(const stream *s);
/* Number of nodes (XINFO's radix-tree-keys). */
static inline size_t stream_node_count(const stream *s) { return s->count; }

/* Appends an entry of `pairs` fields: fv[2i] field, fv[2i+1] value.  The
 * caller checked id > last_id; length, entries_added and last_id follow. */
void stream_append(stream *s, const stream_id *id, const stream_bytes *fv, size_t pairs,
                   const stream_limits *limits);
/* Deletes one entry; false when absent.  Does not touch max_deleted_id. */
bool stream_delete(stream *s, const stream_id *id);
/* First and last live entry IDs; false when empty. */
bool stream_first_id(const stream *s, stream_id *id);
bool stream_last_id(const stream *s, stream_id *id);
bool stream_contains(const stream *s, const stream_id *id);

enum stream_trim_strategy { STREAM_TRIM_NONE, STREAM_TRIM_MAXLEN, STREAM_TRIM_MINID };
typedef struct stream_trim_args {
    enum stream_trim_strategy strategy;
    bool approx;        /* whole nodes only */
    long long limit;    /* most entries removed, 0 = no limit */
    long long maxlen;
    stream_id minid;
} stream_trim_args;
/* Trims from the oldest entry by Redis's rules; returns entries removed. */
long long stream_trim(stream *s, const stream_trim_args *args);

/* One entry seen through an iterator: valid until the next call or a
 * change of the stream. */
typedef struct stream_entry {
    stream_id id;
    size_t field_count;
    const uint8_t *master; /* master fields, or NULL: fields are inline */
    const uint8_t *data;   /* values (or field, value, field, value...) */
} stream_entry;
/* The next field and value of an entry (call field_count times). */
void stream_entry_next(stream_entry *e, const char **field, size_t *field_length, const char **value,
                       size_t *value_length);

typedef struct stream_iterator {
    const stream *s;
    stream_id start, end;   /* inclusive */
    bool reverse;
    bool done;
    uint32_t node;          /* index into the window */
    size_t offset;          /* forward: next entry's offset in the node */
    uint32_t *offsets;      /* reverse: the node's entry offsets */
    size_t offset_count, offset_capacity;
} stream_iterator;
/* Entries with start <= id <= end, ascending or (reverse) descending. */
void stream_iterator_init(stream_iterator *it, const stream *s, const stream_id *start, const stream_id *end,
                          bool reverse);
bool stream_iterator_next(stream_iterator *it, stream_entry *e);
void stream_iterator_finish(stream_iterator *it);

/* Node i as the listpack Redis 7.0 would hold for it (RDB/DUMP), appended
 * to `out`; *master is the node's master ID (its radix tree key). */
struct strbuf;
void stream_node_listpack(const stream *s, size_t i, struct strbuf *out, stream_id *master);

/* ---- Loading (RDB): the file's nodes, tombstones included ---- */
/* Opens a new tail node with master ID `base` and master fields `fields`
 * (closing the previous one); entries then go to it, whatever the limits. */
void stream_load_node(stream *s, const stream_id *base, const stream_bytes *fields, size_t count);
/* Appends an entry (a tombstone when deleted) to the tail node: the caller
 * checked that IDs increase and that id >= the node's base.  length follows
 * the live entries; entries_added and last_id are the caller's to set. */
void stream_load_entry(stream *s, const stream_id *id, bool deleted, const stream_bytes *fv, size_t pairs);

/* Redis's listpack sizes (exposed for tests of the node cut). */
size_t stream_lp_string_size(const char *data, size_t length);
size_t stream_lp_integer_size(long long value);

#endif
