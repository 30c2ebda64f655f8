/* string_write: how the bit commands build and store string values, on top
 * of the db layer (db.h).
 *
 * The one subtlety is in-place writes.  SETBIT and BITFIELD edit the bytes
 * of a string where it lives, which may move the object (object.h rebuilds
 * short strings), so the moved object is put back in the table without a
 * change signal; the command signals afterwards only if a bit really
 * changed or the string grew.  Redis behaves this way: a SETBIT that writes
 * a bit's own value does not invalidate a WATCH.
 */
#include "string_type.h"
#include "db.h"
#include "keyspace.h"
#include "notify.h"
#include "reply.h"

unsigned char *string_for_write(client *c, const resp_argument *key, size_t minimum_length,
                                     size_t *length, bool *grew) {
    db *d = key_db(c);
    object *o = db_lookup_write(d, key->data, key->length);
    char *bytes;
    if (!o) {
        unsigned char *fresh_bytes;
        object *fresh = string_new(key, minimum_length, &fresh_bytes);
        if (!fresh) {
            reply_error(c, OBJECT_NO_MEMORY_ERROR);
            return NULL;
        }
        db_add(d, fresh);
        *grew = true;
        *length = minimum_length;
        return fresh_bytes;
    }
    if (object_type(o) != OBJECT_STRING) {
        reply_wrong_type(c);
        return NULL;
    }
    size_t old_length = object_string_length(o);
    *length = old_length > minimum_length ? old_length : minimum_length;
    *grew = *length != old_length;
    object *fresh = object_string_resize(o, *length, &bytes);
    if (!fresh) {
        reply_error(c, OBJECT_NO_MEMORY_ERROR);
        return NULL;
    }
    db_update_quiet(d, o, fresh);
    return (unsigned char *)bytes;
}

object *string_new(const resp_argument *key, size_t length, unsigned char **bytes) {
    object *empty = object_create_string(key->data, key->length, "", 0, OBJECT_STRING_RAW, OBJECT_NO_EXPIRE);
    object *fresh = object_string_resize(empty, length, (char **)bytes);
    if (!fresh) object_free(empty);
    return fresh;
}

/* db_set signals the change itself; the keyspace event is BITOP's ("set"). */
void string_store(client *c, object *fresh) {
    server.stats.dirty++;
    db_set(key_db(c), fresh); /* fresh now lives in the table: its key stays valid */
    size_t length;
    const char *key = object_key(fresh, &length);
    notify_keyspace_event(NOTIFY_STRING, "set", c->db_index, key, length);
}

void string_bits_modified(client *c, const resp_argument *key, long long changes) {
    key_modified(c, key, changes);
    notify_keyspace_event(NOTIFY_STRING, "setbit", c->db_index, key->data, key->length);
}

