/* zset_rdb: a sorted set in Redis's serialization (RDB files, DUMP payloads).
 *
 * Saving writes what Redis 7.0 writes for the encoding.  A packed set
 * becomes one listpack (RDB_TYPE_ZSET_LISTPACK): member then score, in rank
 * order, the score as the text Redis keeps in its listpack (an integral
 * value within 2^62 as an integer, zero as "0", infinities as "inf"/"-inf",
 * anything else as %.17g), which the listpack writer stores as an integer
 * when it reads as one, so the bytes are Redis's.  A big set becomes
 * RDB_TYPE_ZSET_2: the count, then members from the highest rank down, each
 * with its score as 8 binary bytes (Redis's skiplist order walked
 * backwards, which is Redis's order: the bytes are Redis's).
 *
 * Loading accepts every sorted-set type of a Redis 7.0 file (3 text scores,
 * 5 binary scores, 12 ziplist, 17 listpack), validates everything, refuses a
 * duplicated member and a NaN or unreadable score, and converts by Redis's
 * loader rules: a listpack or ziplist stays packed unless its member count
 * passes zset-max-listpack-entries (member lengths are not checked, as in
 * Redis), while a plain set comes back packed only when both limits allow.
 * A packed load inserts in order into a block of at most the entry limit,
 * so it costs O(n) per member on at most 128 members by default.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_io.h"
#include "rdb_listpack.h"
#include "rdb_ziplist.h"
#include "strbuf.h"
#include "zset.h"

/* Redis's listpack text of a score; `buffer` needs 32 bytes.  Redis prints
 * an integral score within +-2^62 as an integer (zero as "0", even -0). */
static size_t zset_rdb_score_text(double score, char *buffer) {
    const double integral_limit = 4611686018427387904.0; /* 2^62 */
    int n;
    if (isinf(score)) n = snprintf(buffer, 32, "%s", score > 0 ? "inf" : "-inf");
    else if (score >= -integral_limit && score <= integral_limit && score == (double)(long long)score)
        n = snprintf(buffer, 32, "%lld", (long long)score);
    else n = snprintf(buffer, 32, "%.17g", score);
    return (size_t)n;
}

int zset_rdb_type(const object *o) {
    return zset_of(o).encoding == OBJECT_ENCODING_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
}

int zset_rdb_save(const object *o, rdb_writer *w) {
    zset z = zset_of(o);
    size_t count = zset_length(&z);
    zset_iterator it;
    const char *member;
    size_t length;
    double score;
    if (z.encoding != OBJECT_ENCODING_LISTPACK) {
        if (rdb_write_length(w, count) != 0) return -1;
        if (count == 0) return 0;
        int result = 0;
        zset_iterator_init(&it, &z, count - 1, true);
        while (result == 0 && zset_iterator_next(&it, &member, &length, &score)) {
            result = rdb_write_string(w, member, length);
            if (result == 0) result = rdb_write_double_binary(w, score);
        }
        zset_iterator_finish(&it);
        return result;
    }
    strbuf blob;
    strbuf_init(&blob);
    rdb_listpack_builder builder;
    rdb_listpack_begin(&builder, &blob);
    zset_iterator_init(&it, &z, 0, false);
    while (zset_iterator_next(&it, &member, &length, &score)) {
        char text[32];
        rdb_listpack_append_string(&builder, member, length);
        rdb_listpack_append_string(&builder, text, zset_rdb_score_text(score, text));
    }
    zset_iterator_finish(&it);
    rdb_listpack_finish(&builder);
    int result = rdb_write_string(w, blob.data, blob.length);
    strbuf_free(&blob);
    return result;
}

/* ---------------------------------------------------------------- loading */

/* Adds a member.  `as_is`: a packed set stays packed whatever the member's
 * length (the packed loads, whose encoding the count alone decided);
 * otherwise zset_add converts by both limits.  -1 with *error on a
 * duplicate or a NaN score. */
static int zset_rdb_add(zset *z, bool as_is, const char *member, size_t length, double score,
                        const char **error) {
    if (isnan(score)) {
        *error = "sorted set score is NaN";
        return -1;
    }
    if (as_is && z->encoding == OBJECT_ENCODING_LISTPACK) {
        if (zpack_find(z->value, member, length, NULL, NULL) == ZPACK_NONE) {
            z->value = zpack_insert(z->value, member, length, score);
            return 0;
        }
    } else {
        int flags = ZSET_ADD_NX;
        zset_add(z, member, length, score, &flags, NULL);
        if (flags & ZSET_ADD_OUT_ADDED) return 0;
    }
    *error = "duplicated sorted set member";
    return -1;
}

/* A score element of a listpack or ziplist: an integer, or the text of a
 * double (strtod's syntax, "inf" included), all of it. */
static int zset_rdb_element_score(const rdb_element *e, double *score) {
    if (e->is_integer) {
        *score = (double)e->integer;
        return 0;
    }
    char text[128];
    if (e->length == 0 || e->length >= sizeof text) return -1;
    memcpy(text, e->string, e->length);
    text[e->length] = '\0';
    char *end;
    *score = strtod(text, &end);
    return end == text + e->length && !isnan(*score) ? 0 : -1;
}

static int zset_rdb_load_blob(rdb_reader *r, int type, zset *z, bool *created, const char **error) {
    rdb_string blob;
    if (rdb_read_string(r, &blob) != 0) return -1;
    const uint8_t *bytes = (const uint8_t *)blob.data;
    size_t count;
    int result = type == RDB_TYPE_ZSET_ZIPLIST ? rdb_ziplist_validate(bytes, blob.length, &count, error)
                                                : rdb_listpack_validate(bytes, blob.length, &count, error);
    if (result == 0 && count % 2 != 0) {
        *error = "packed sorted set with an odd number of entries";
        result = -1;
    }
    if (result == 0) {
        *z = zset_create(count / 2, 0);
        *created = true;
        rdb_listpack_iterator lp;
        rdb_ziplist_iterator zl;
        if (type == RDB_TYPE_ZSET_ZIPLIST) rdb_ziplist_iterator_init(&zl, bytes, blob.length);
        else rdb_listpack_iterator_init(&lp, bytes);
        rdb_element member, score;
        for (size_t i = 0; result == 0 && i < count / 2; i++) {
            if (type == RDB_TYPE_ZSET_ZIPLIST) {
                rdb_ziplist_next(&zl, &member);
                rdb_ziplist_next(&zl, &score);
            } else {
                rdb_listpack_next(&lp, &member);
                rdb_listpack_next(&lp, &score);
            }
            double value;
            char digits[24];
            size_t length;
            const char *text = rdb_element_bytes(&member, digits, &length);
            if (zset_rdb_element_score(&score, &value) != 0) {
                *error = "sorted set score invalid";
                result = -1;
            } else {
                result = zset_rdb_add(z, true, text, length, value, error);
            }
        }
    }
    rdb_string_release(&blob);
    return result;
}

static int zset_rdb_load_plain(rdb_reader *r, int type, zset *z, bool *created, const char **error) {
    uint64_t count;
    if (rdb_read_length(r, &count) != 0) return -1;
    /* The count only picks the starting encoding: nothing is allocated by
     * it, the set grows as members come (a corrupt count cannot cost). */
    *z = zset_create(count > SIZE_MAX ? SIZE_MAX : (size_t)count, 0);
    *created = true;
    for (uint64_t i = 0; i < count; i++) {
        rdb_string member;
        if (rdb_read_string(r, &member) != 0) return -1;
        double score;
        int result = type == RDB_TYPE_ZSET_2 ? rdb_read_double_binary(r, &score) : rdb_read_double_text(r, &score);
        if (result == 0) result = zset_rdb_add(z, false, member.data, member.length, score, error);
        rdb_string_release(&member);
        if (result != 0) return -1;
    }
    return 0;
}

object *zset_rdb_load(rdb_reader *r, int rdb_type, const char *key, size_t key_length, long long expire_ms,
                      const char **error) {
    *error = NULL;
    zset z;
    bool created = false;
    int result;
    switch (rdb_type) {
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2: result = zset_rdb_load_plain(r, rdb_type, &z, &created, error); break;
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK: result = zset_rdb_load_blob(r, rdb_type, &z, &created, error); break;
    default:
        *error = "not a sorted set type";
        result = -1;
        break;
    }
    if (result != 0 || !created || zset_length(&z) == 0) {
        if (result != 0 && !*error) *error = r->error ? r->error : "corrupt sorted set";
        if (created) zset_release(&z);
        return NULL;
    }
    return zset_create_object(key, key_length, &z, expire_ms);
}
