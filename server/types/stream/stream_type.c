/* stream_type: ID arguments, entry replies and the consumer-group
 * bookkeeping of a read (stream_type.h).
 *
 * entries-read and lag follow Redis 7.0: a group's counter is advanced
 * while no deleted entry (tombstone) can lie ahead of it, and otherwise
 * re-estimated from the stream's counters, which is only possible at the
 * stream's ends; where it cannot be known the counter becomes invalid and
 * XINFO shows null.
 */
#include "stream_type.h"

#include "key_access.h"
#include "keyspace.h"
#include "notify.h"
#include "reply.h"
#include "server.h"

stream_limits stream_config = {.node_max_bytes = 4096, .node_max_entries = 100};

object *stream_add_key(db *d, const char *key, size_t length) {
    object *o = object_create_pointer(key, length, OBJECT_STREAM, OBJECT_ENCODING_STREAM, stream_create(),
                                      OBJECT_NO_EXPIRE);
    db_add(d, o);
    return o;
}

bool stream_parse_id_or_reply(client *c, const resp_argument *a, uint64_t missing_seq, stream_id *id) {
    if (stream_id_parse(a->data, a->length, missing_seq, false, id, NULL)) return true;
    reply_error(c, STREAM_INVALID_ID_ERROR);
    return false;
}

bool stream_parse_strict_id_or_reply(client *c, const resp_argument *a, stream_id *id) {
    if (stream_id_parse(a->data, a->length, 0, true, id, NULL)) return true;
    reply_error(c, STREAM_INVALID_ID_ERROR);
    return false;
}

bool stream_parse_range_bound(client *c, const resp_argument *a, bool start, stream_id *id) {
    uint64_t missing = start ? 0 : UINT64_MAX;
    bool exclusive = a->length > 1 && a->data[0] == '(';
    bool ok = exclusive ? stream_id_parse(a->data + 1, a->length - 1, missing, true, id, NULL)
                        : stream_id_parse(a->data, a->length, missing, false, id, NULL);
    if (!ok) {
        reply_error(c, STREAM_INVALID_ID_ERROR);
        return false;
    }
    if (exclusive && !(start ? stream_id_increment(id) : stream_id_decrement(id))) {
        reply_error(c, start ? "ERR invalid start ID for the interval" : "ERR invalid end ID for the interval");
        return false;
    }
    return true;
}

void stream_reply_id(client *c, const stream_id *id) {
    char buffer[STREAM_ID_BUFFER];
    reply_bulk(c, buffer, stream_id_format(id, buffer));
}

void stream_reply_entry(client *c, stream_entry *e) {
    reply_array_header(c, 2);
    stream_reply_id(c, &e->id);
    reply_array_header(c, (long long)e->field_count * 2);
    for (size_t i = 0; i < e->field_count; i++) {
        const char *f, *v;
        size_t fl, vl;
        stream_entry_next(e, &f, &fl, &v, &vl);
        reply_bulk(c, f, fl);
        reply_bulk(c, v, vl);
    }
}

stream_id stream_recorded_first_id(const stream *s) {
    stream_id id = {0, 0};
    stream_first_id(s, &id);
    return id;
}

/* Whether a deleted entry may lie in [start, +inf). */
static bool stream_tombstones_from(const stream *s, const stream_id *start) {
    if (s->length == 0 || stream_id_is_zero(&s->max_deleted_id)) return false;
    stream_id first = stream_recorded_first_id(s);
    if (stream_id_compare(&first, &s->max_deleted_id) > 0) return false;
    return stream_id_compare(start, &s->max_deleted_id) <= 0;
}

/* The entries-read counter of `id`, or STREAM_ENTRIES_READ_INVALID. */
long long stream_estimate_entries_read(const stream *s, const stream_id *id) {
    if (!s->entries_added) return 0;
    if (!s->length && stream_id_compare(id, &s->last_id) < 1) return (long long)s->entries_added;
    int cmp_last = stream_id_compare(id, &s->last_id);
    if (cmp_last == 0) return (long long)s->entries_added;
    if (cmp_last > 0) return STREAM_ENTRIES_READ_INVALID;
    stream_id first = stream_recorded_first_id(s);
    int cmp_first = stream_id_compare(id, &first);
    if (stream_id_is_zero(&s->max_deleted_id) || stream_id_compare(&s->max_deleted_id, &first) < 0) {
        if (cmp_first < 0) return (long long)(s->entries_added - s->length);
        if (cmp_first == 0) return (long long)(s->entries_added - s->length + 1);
    }
    return STREAM_ENTRIES_READ_INVALID;
}

void stream_reply_group_lag(client *c, const stream *s, const stream_group *g) {
    if (!s->entries_added) {
        reply_integer(c, 0);
        return;
    }
    if (g->entries_read != STREAM_ENTRIES_READ_INVALID && !stream_tombstones_from(s, &g->last_id)) {
        reply_integer(c, (long long)s->entries_added - g->entries_read);
        return;
    }
    long long read = stream_estimate_entries_read(s, &g->last_id);
    if (read != STREAM_ENTRIES_READ_INVALID) reply_integer(c, (long long)s->entries_added - read);
    else reply_null(c);
}

size_t stream_reply_range(client *c, stream *s, const stream_id *start, const stream_id *end, size_t count,
                          bool reverse, stream_group *group, stream_consumer *consumer, bool noack) {
    resp_deferred header = resp_write_deferred_header(c->reply);
    size_t n = 0;
    stream_iterator it;
    stream_entry e;
    long long now = server_unix_time_ms();
    stream_iterator_init(&it, s, start, end, reverse);
    while (stream_iterator_next(&it, &e)) {
        if (group && stream_id_compare(&e.id, &group->last_id) > 0) {
            if (group->entries_read != STREAM_ENTRIES_READ_INVALID && !stream_tombstones_from(s, &e.id))
                group->entries_read++;
            else if (s->entries_added)
                group->entries_read = stream_estimate_entries_read(s, &e.id);
            group->last_id = e.id;
        }
        stream_id id = e.id;
        stream_reply_entry(c, &e);
        if (group && !noack) stream_group_deliver(group, consumer, &id, now);
        n++;
        if (count && n == count) break;
    }
    stream_iterator_finish(&it);
    resp_set_deferred_array_length(c->reply, header, (long long)n);
    return n;
}

size_t stream_reply_consumer_pel(client *c, stream *s, const stream_id *start, size_t count,
                                 stream_consumer *consumer) {
    size_t index;
    stream_pel_find(&consumer->pel, start, &index);
    size_t n = 0;
    long long now = server_unix_time_ms();
    resp_deferred header = resp_write_deferred_header(c->reply);
    for (; index < consumer->pel.count && (!count || n < count); index++) {
        stream_nack *nack = stream_pel_at(&consumer->pel, index);
        stream_iterator it;
        stream_entry e;
        stream_iterator_init(&it, s, &nack->id, &nack->id, false);
        if (stream_iterator_next(&it, &e)) {
            stream_reply_entry(c, &e);
            nack->delivery_time = now;
            nack->delivery_count++;
        } else {
            reply_array_header(c, 2);
            stream_reply_id(c, &nack->id);
            reply_null_array(c);
        }
        stream_iterator_finish(&it);
        n++;
    }
    resp_set_deferred_array_length(c->reply, header, (long long)n);
    return n;
}

stream_consumer *stream_consumer_touch(client *c, stream_group *g, const resp_argument *key,
                                       const resp_argument *name) {
    long long now = server_unix_time_ms();
    stream_consumer *consumer = stream_consumer_find(g, name->data, name->length);
    if (consumer) {
        consumer->seen_time = now;
        return consumer;
    }
    consumer = stream_consumer_create(g, name->data, name->length, now);
    server.stats.dirty++;
    notify_keyspace_event(NOTIFY_STREAM, "xgroup-createconsumer", key_db(c)->index, key->data, key->length);
    return consumer;
}
