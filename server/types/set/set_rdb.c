/* set_rdb: a set in Redis's serialization (RDB files, DUMP payloads).
 *
 * Saving writes what Redis 7.0 writes for the encoding: an intset as one
 * intset blob (RDB_TYPE_SET_INTSET) in the intset's own width, which like
 * Redis's never narrows, so the bytes are Redis's; an lhash as RDB_TYPE_SET,
 * the count then each member as a string, in table order (Redis's bytes up
 * to the order of the members).
 *
 * Loading (types 2 and 11) adds the members one by one through
 * set_type_add, so the set lands in the encoding Redis's loader gives it by
 * the same thresholds (an all-integer RDB_TYPE_SET within
 * set-max-intset-entries comes back an intset, as in Redis).  A duplicated
 * member is refused, as Redis's sanitization does.  The cost is an intset
 * insertion per member up to the threshold (at most 512 appends at the end
 * for a sorted blob).  Trade-off: a loaded intset takes the narrowest width
 * of its members, where Redis keeps the blob's; only a DUMP of a set that
 * once held a wider member shows it.
 */
#include <stdint.h>

#include "rdb_intset.h"
#include "rdb_io.h"
#include "set_type.h"
#include "strbuf.h"
#include "zmalloc.h"

int set_rdb_type(const object *o) {
    return set_type_is_intset(o) ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
}

int set_rdb_save(const object *o, rdb_writer *w) {
    set_type_iterator it;
    elem_view member;
    set_type_iterator_init(&it, o);
    if (!it.integers) {
        if (rdb_write_length(w, set_type_size(o)) != 0) return -1;
        while (set_type_iterator_next(&it, &member)) {
            char digits[ELEM_INTEGER_BUFFER];
            size_t length;
            const char *bytes = elem_view_string(&member, digits, &length);
            if (rdb_write_string(w, bytes, length) != 0) return -1;
        }
        return 0;
    }
    size_t count = intset_count(it.integers);
    int64_t *members = zmalloc_alloc((count ? count : 1) * sizeof(*members));
    for (size_t i = 0; set_type_iterator_next(&it, &member); i++) members[i] = member.integer;
    strbuf blob;
    strbuf_init(&blob);
    rdb_intset_build_width(&blob, members, count, intset_width(it.integers));
    zmalloc_free(members);
    int result = rdb_write_string(w, blob.data, blob.length);
    strbuf_free(&blob);
    return result;
}

/* Adds a member to *o, creating the set on the first; -1 on a duplicate. */
static int set_rdb_add(object **o, const char *key, size_t key_length, const char *member, size_t length,
                       const char **error) {
    if (!*o) *o = set_type_create(key, key_length, member, length);
    if (set_type_add(*o, member, length)) return 0;
    *error = "duplicated set member";
    return -1;
}

static int set_rdb_load_intset(rdb_reader *r, object **o, const char *key, size_t key_length,
                               const char **error) {
    rdb_string blob;
    if (rdb_read_string(r, &blob) != 0) return -1;
    const uint8_t *bytes = (const uint8_t *)blob.data;
    size_t count;
    int result = rdb_intset_validate(bytes, blob.length, &count, error);
    for (size_t i = 0; result == 0 && i < count; i++) {
        char digits[NUMBER_INTEGER_BUFFER];
        size_t length = number_format_integer(rdb_intset_get(bytes, i), digits);
        result = set_rdb_add(o, key, key_length, digits, length, error);
    }
    rdb_string_release(&blob);
    return result;
}

static int set_rdb_load_plain(rdb_reader *r, object **o, const char *key, size_t key_length,
                              const char **error) {
    uint64_t count;
    if (rdb_read_length(r, &count) != 0) return -1;
    for (uint64_t i = 0; i < count; i++) {
        rdb_string member;
        if (rdb_read_string(r, &member) != 0) return -1;
        int result = set_rdb_add(o, key, key_length, member.data, member.length, error);
        rdb_string_release(&member);
        if (result != 0) return -1;
    }
    return 0;
}

object *set_rdb_load(rdb_reader *r, int rdb_type, const char *key, size_t key_length, long long expire_ms,
                     const char **error) {
    *error = NULL;
    object *o = NULL;
    int result = -1;
    if (rdb_type == RDB_TYPE_SET_INTSET)
        result = set_rdb_load_intset(r, &o, key, key_length, error);
    else if (rdb_type == RDB_TYPE_SET)
        result = set_rdb_load_plain(r, &o, key, key_length, error);
    else
        *error = "not a set type";
    if (result != 0) {
        if (!*error) *error = r->error ? r->error : "corrupt set";
        if (o) object_free(o);
        return NULL;
    }
    if (o && expire_ms != OBJECT_NO_EXPIRE) o = object_set_expire(o, expire_ms);
    return o;
}
