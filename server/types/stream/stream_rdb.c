/* stream_rdb: a stream in Redis 7.0's serialization (RDB files, DUMP).
 *
 * Saving writes RDB_TYPE_STREAM_LISTPACKS_2: each node as the listpack
 * Redis holds for it (master entry, delta-encoded entries, tombstones)
 * under its 16-byte big-endian master ID, then the stream's counters, then
 * each group with its PEL (ID, delivery time, delivery count) and its
 * consumers (name, seen time, the IDs they own): Redis's bytes.
 *
 * Loading accepts types 15 and 19, validates every listpack as Redis's deep
 * sanitization does (counts, lp-count of each entry), refuses IDs out of
 * order, and keeps the file's nodes and tombstones, so a stream read from
 * Redis trims and dumps as it did there.
 * Type 15 has no first/max-deleted IDs, entries-added or entries-read: they
 * are derived as Redis 7.0 derives them.
 */
#include <string.h>

#include "rdb_io.h"
#include "rdb_listpack.h"
#include "stream_type.h"
#include "strbuf.h"
#include "zmalloc.h"

int stream_rdb_type(const object *o) {
    (void)o;
    return RDB_TYPE_STREAM_LISTPACKS_2;
}

static int write_id_raw(rdb_writer *w, const stream_id *id) {
    uint8_t raw[16];
    for (int i = 0; i < 8; i++) {
        raw[i] = (uint8_t)(id->ms >> (56 - 8 * i));
        raw[8 + i] = (uint8_t)(id->seq >> (56 - 8 * i));
    }
    return rdb_write_raw(w, raw, sizeof raw);
}

static stream_id read_id_raw(const uint8_t *raw) {
    stream_id id = {0, 0};
    for (int i = 0; i < 8; i++) {
        id.ms = (id.ms << 8) | raw[i];
        id.seq = (id.seq << 8) | raw[8 + i];
    }
    return id;
}

int stream_rdb_save(const object *o, rdb_writer *w) {
    const stream *s = stream_of(o);
    int r = rdb_write_length(w, stream_node_count(s));
    strbuf lp = STRBUF_INIT;
    for (size_t i = 0; r == 0 && i < stream_node_count(s); i++) {
        stream_id master;
        strbuf_clear(&lp);
        stream_node_listpack(s, i, &lp, &master);
        uint8_t key[16];
        for (int k = 0; k < 8; k++) {
            key[k] = (uint8_t)(master.ms >> (56 - 8 * k));
            key[8 + k] = (uint8_t)(master.seq >> (56 - 8 * k));
        }
        r = rdb_write_string(w, key, sizeof key);
        if (r == 0) r = rdb_write_string(w, lp.data, lp.length);
    }
    strbuf_free(&lp);
    stream_id first = stream_recorded_first_id(s);
    uint64_t counters[] = {s->length, s->last_id.ms, s->last_id.seq, first.ms, first.seq,
                           s->max_deleted_id.ms, s->max_deleted_id.seq, s->entries_added, stream_group_count(s)};
    for (size_t i = 0; r == 0 && i < sizeof counters / sizeof *counters; i++) r = rdb_write_length(w, counters[i]);
    for (size_t i = 0; r == 0 && i < stream_group_count(s); i++) {
        const stream_group *g = stream_group_at(s, i);
        r = rdb_write_string(w, g->name, g->name_length);
        if (r == 0) r = rdb_write_length(w, g->last_id.ms);
        if (r == 0) r = rdb_write_length(w, g->last_id.seq);
        if (r == 0) r = rdb_write_length(w, (uint64_t)g->entries_read);
        if (r == 0) r = rdb_write_length(w, g->pel.count);
        for (size_t k = 0; r == 0 && k < g->pel.count; k++) {
            const stream_nack *nack = stream_pel_at(&g->pel, k);
            r = write_id_raw(w, &nack->id);
            if (r == 0) r = rdb_write_u64_le(w, (uint64_t)nack->delivery_time);
            if (r == 0) r = rdb_write_length(w, (uint64_t)nack->delivery_count);
        }
        if (r == 0) r = rdb_write_length(w, g->consumer_count);
        for (size_t k = 0; r == 0 && k < g->consumer_count; k++) {
            const stream_consumer *c = g->consumers[k];
            r = rdb_write_string(w, c->name, c->name_length);
            if (r == 0) r = rdb_write_u64_le(w, (uint64_t)c->seen_time);
            if (r == 0) r = rdb_write_length(w, c->pel.count);
            for (size_t m = 0; r == 0 && m < c->pel.count; m++) r = write_id_raw(w, &stream_pel_at(&c->pel, m)->id);
        }
    }
    return r;
}

/* Reads an element of a validated listpack as an integer. */
static bool lp_int(rdb_listpack_iterator *it, long long *v) {
    rdb_element e;
    if (!rdb_listpack_next(it, &e)) return false;
    if (e.is_integer) {
        *v = e.integer;
        return true;
    }
    return rdb_string_is_integer(e.string, e.length, v);
}

static bool lp_bytes(rdb_listpack_iterator *it, stream_bytes *b, char digits[24]) {
    rdb_element e;
    if (!rdb_listpack_next(it, &e)) return false;
    size_t length;
    b->data = rdb_element_bytes(&e, digits, &length);
    b->length = length;
    return true;
}

/* Loads one node's listpack as a node of s (tombstones included), checking
 * that IDs increase across the stream (*last, when *any).  NULL, or the
 * reason the listpack is refused. */
static const char *load_listpack(stream *s, const uint8_t *key, const uint8_t *blob, size_t size, stream_id *last,
                                 bool *any) {
    size_t count;
    const char *error = NULL;
    if (rdb_listpack_validate(blob, size, &count, &error) != 0) return error;
    if (count == 0) return "Empty listpack inside stream";
    stream_id master = read_id_raw(key);
    if (*any && stream_id_compare(&master, last) <= 0) return "stream nodes out of order";
    rdb_listpack_iterator it;
    rdb_listpack_iterator_init(&it, blob);
    long long live, deleted, master_count, zero;
    if (!lp_int(&it, &live) || !lp_int(&it, &deleted) || !lp_int(&it, &master_count) || live < 0 || deleted < 0 ||
        master_count < 0 || (size_t)master_count > count)
        return "bad stream master entry";
    size_t slots = (size_t)master_count * 2 + 2;
    stream_bytes *master_fields = zmalloc_alloc(slots * sizeof *master_fields);
    char (*digits)[24] = zmalloc_alloc(slots * sizeof *digits);
    stream_bytes *fv = NULL;
    char (*fv_digits)[24] = NULL;
    size_t fv_capacity = 0;
    const char *reason = NULL;
    for (long long i = 0; i < master_count; i++) {
        if (!lp_bytes(&it, &master_fields[i], digits[i])) {
            reason = "bad stream master entry";
            goto done;
        }
    }
    if (!lp_int(&it, &zero) || zero != 0) {
        reason = "bad stream master entry";
        goto done;
    }
    stream_load_node(s, &master, master_fields, (size_t)master_count);
    *last = master;
    *any = true;
    long long seen = 0, tombstones = 0;
    for (;;) {
        long long flags, ms_delta, seq_delta, fields;
        rdb_listpack_iterator probe = it;
        rdb_element peek;
        if (!rdb_listpack_next(&probe, &peek)) break;
        if (!lp_int(&it, &flags) || !lp_int(&it, &ms_delta) || !lp_int(&it, &seq_delta) || (flags & ~3LL)) {
            reason = "bad stream entry";
            goto done;
        }
        bool same = flags & 2;
        if (same) fields = master_count;
        else if (!lp_int(&it, &fields) || fields < 0 || (size_t)fields > count) {
            reason = "bad stream entry";
            goto done;
        }
        if ((size_t)fields * 2 > fv_capacity) {
            fv_capacity = (size_t)fields * 2;
            fv = zmalloc_realloc(fv, fv_capacity * sizeof *fv);
            fv_digits = zmalloc_realloc(fv_digits, fv_capacity * sizeof *fv_digits);
        }
        for (long long k = 0; k < fields; k++) {
            if (same) fv[2 * k] = master_fields[k];
            else if (!lp_bytes(&it, &fv[2 * k], fv_digits[2 * k])) {
                reason = "bad stream entry";
                goto done;
            }
            if (!lp_bytes(&it, &fv[2 * k + 1], fv_digits[2 * k + 1])) {
                reason = "bad stream entry";
                goto done;
            }
        }
        long long lp_count;
        if (!lp_int(&it, &lp_count) || lp_count != fields + 3 + (same ? 0 : fields + 1)) {
            reason = "bad stream entry";
            goto done;
        }
        stream_id id = {master.ms + (uint64_t)ms_delta, master.seq + (uint64_t)seq_delta};
        /* The first entry may be the master ID itself; later ones must grow. */
        if (stream_id_compare(&id, &master) < 0 || (seen && stream_id_compare(&id, last) <= 0)) {
            reason = "stream IDs out of order";
            goto done;
        }
        if (fields == 0) {
            reason = "stream entry without fields";
            goto done;
        }
        stream_load_entry(s, &id, flags & 1, fv, (size_t)fields);
        *last = id;
        seen++;
        tombstones += flags & 1;
    }
    if (seen != live + deleted || tombstones != deleted) reason = "stream listpack count mismatch";
done:
    zmalloc_free(master_fields);
    zmalloc_free(digits);
    zmalloc_free(fv);
    zmalloc_free(fv_digits);
    return reason;
}

static int read_len(rdb_reader *r, uint64_t *v) {
    return rdb_read_length(r, v);
}

object *stream_rdb_load(rdb_reader *r, int rdb_type, const char *key, size_t key_length, long long expire_ms,
                        const char **error) {
    stream *s = stream_create();
    uint64_t nodes;
    stream_id last = {0, 0};
    bool any = false;
    *error = NULL;
    if (read_len(r, &nodes) != 0) goto fail;
    for (uint64_t i = 0; i < nodes; i++) {
        rdb_string k, lp;
        if (rdb_read_string(r, &k) != 0) goto fail;
        if (k.length != 16) {
            rdb_string_release(&k);
            *error = "bad stream node key";
            goto fail;
        }
        uint8_t raw[16];
        memcpy(raw, k.data, 16);
        rdb_string_release(&k);
        if (rdb_read_string(r, &lp) != 0) goto fail;
        const char *reason = load_listpack(s, raw, (const uint8_t *)lp.data, lp.length, &last, &any);
        rdb_string_release(&lp);
        if (reason) {
            *error = reason;
            goto fail;
        }
    }
    uint64_t length, v[6] = {0};
    if (read_len(r, &length) != 0 || read_len(r, &v[0]) != 0 || read_len(r, &v[1]) != 0) goto fail;
    if (length != s->length) {
        *error = "stream length mismatch";
        goto fail;
    }
    s->last_id = (stream_id){v[0], v[1]};
    if (rdb_type == RDB_TYPE_STREAM_LISTPACKS_2) {
        for (int i = 0; i < 5; i++)
            if (read_len(r, &v[i]) != 0) goto fail;
        s->max_deleted_id = (stream_id){v[2], v[3]};
        s->entries_added = v[4];
    } else {
        s->max_deleted_id = (stream_id){0, 0};
        s->entries_added = s->length;
    }
    if (any && stream_id_compare(&last, &s->last_id) > 0) {
        *error = "stream last ID below its entries";
        goto fail;
    }
    uint64_t groups;
    if (read_len(r, &groups) != 0) goto fail;
    for (uint64_t i = 0; i < groups; i++) {
        rdb_string name;
        uint64_t ms, seq, entries_read = (uint64_t)STREAM_ENTRIES_READ_INVALID;
        if (rdb_read_string(r, &name) != 0) goto fail;
        if (read_len(r, &ms) != 0 || read_len(r, &seq) != 0 ||
            (rdb_type == RDB_TYPE_STREAM_LISTPACKS_2 && read_len(r, &entries_read) != 0)) {
            rdb_string_release(&name);
            goto fail;
        }
        stream_id group_last = {ms, seq};
        stream_group *g = stream_group_create(s, name.data, name.length, &group_last, (long long)entries_read);
        rdb_string_release(&name);
        if (!g) {
            *error = "Duplicated consumer group name";
            goto fail;
        }
        if (rdb_type != RDB_TYPE_STREAM_LISTPACKS_2) g->entries_read = STREAM_ENTRIES_READ_INVALID;
        uint64_t pel;
        if (read_len(r, &pel) != 0) goto fail;
        for (uint64_t k = 0; k < pel; k++) {
            const uint8_t *raw;
            uint64_t time, deliveries;
            if (rdb_read_raw(r, 16, &raw) != 0 || rdb_read_u64_le(r, &time) != 0 || read_len(r, &deliveries) != 0)
                goto fail;
            stream_id id = read_id_raw(raw);
            if (stream_pel_find(&g->pel, &id, NULL)) {
                *error = "Duplicated global PEL entry loading stream consumer group";
                goto fail;
            }
            stream_nack *nack = stream_group_add_orphan(g, &id, (long long)time);
            nack->delivery_count = (long long)deliveries;
        }
        uint64_t consumers;
        if (read_len(r, &consumers) != 0) goto fail;
        for (uint64_t k = 0; k < consumers; k++) {
            rdb_string cname;
            uint64_t seen, owned;
            if (rdb_read_string(r, &cname) != 0) goto fail;
            if (rdb_read_u64_le(r, &seen) != 0) {
                rdb_string_release(&cname);
                goto fail;
            }
            stream_consumer *c = stream_consumer_create(g, cname.data, cname.length, (long long)seen);
            rdb_string_release(&cname);
            if (!c) {
                *error = "Duplicate stream consumer detected.";
                goto fail;
            }
            if (read_len(r, &owned) != 0) goto fail;
            for (uint64_t m = 0; m < owned; m++) {
                const uint8_t *raw;
                if (rdb_read_raw(r, 16, &raw) != 0) goto fail;
                stream_id id = read_id_raw(raw);
                stream_nack *nack = stream_pel_find(&g->pel, &id, NULL);
                if (!nack || nack->consumer) {
                    *error = nack ? "Stream consumer PEL entry already has a consumer assigned" : "Consumer entry not found in group global PEL";
                    goto fail;
                }
                stream_nack_assign(nack, c);
            }
        }
        for (size_t k = 0; k < g->pel.count; k++) {
            if (!stream_pel_at(&g->pel, k)->consumer) {
                *error = "Stream CG PEL entry without consumer";
                goto fail;
            }
        }
    }
    if (rdb_type != RDB_TYPE_STREAM_LISTPACKS_2) {
        /* Type 15: entries-read estimated as Redis 7.0 does on load. */
        for (size_t i = 0; i < stream_group_count(s); i++) {
            stream_group *g = stream_group_at(s, i);
            g->entries_read = stream_estimate_entries_read(s, &g->last_id);
        }
    }
    return object_create_pointer(key, key_length, OBJECT_STREAM, OBJECT_ENCODING_STREAM, s, expire_ms);
fail:
    if (!*error) *error = r->error ? r->error : "corrupt stream";
    stream_free(s);
    return NULL;
}
