/* bits_keyspace: how the bit and LCS commands read and write keys, on top
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

static db *client_db(client *c) {
    return keyspace_db(c->db_index);
}

object *bits_lookup_read(client *c, const resp_argument *key) {
    return db_lookup_read(client_db(c), key->data, key->length);
}

bool bits_lookup_string(client *c, const resp_argument *key, object **o) {
    *o = bits_lookup_read(c, key);
    if (*o && object_type(*o) != OBJECT_STRING) {
        reply_wrong_type(c);
        return false;
    }
    return true;
}

unsigned char *bits_string_for_write(client *c, const resp_argument *key, size_t minimum_length,
                                     size_t *length, bool *grew) {
    db *d = client_db(c);
    object *o = db_lookup_write(d, key->data, key->length);
    char *bytes;
    if (!o) {
        unsigned char *fresh_bytes;
        db_add(d, bits_new_string(key, minimum_length, &fresh_bytes));
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
    db_update_quiet(d, o, fresh);
    return (unsigned char *)bytes;
}

object *bits_new_string(const resp_argument *key, size_t length, unsigned char **bytes) {
    object *fresh = object_create_string(key->data, key->length, "", 0, OBJECT_STRING_RAW, OBJECT_NO_EXPIRE);
    return object_string_resize(fresh, length, (char **)bytes);
}

/* db_set and db_delete signal the change themselves; the keyspace events
 * are BITOP's ("set" / "del") and SETBIT's and BITFIELD's ("setbit"). */
void bits_store(client *c, object *fresh) {
    server.stats.dirty++;
    db_set(client_db(c), fresh); /* fresh now lives in the table: its key stays valid */
    size_t length;
    const char *key = object_key(fresh, &length);
    notify_keyspace_event(NOTIFY_STRING, "set", c->db_index, key, length);
}

bool bits_delete(client *c, const resp_argument *key) {
    if (!db_delete(client_db(c), key->data, key->length, false)) return false;
    notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, key->data, key->length);
    server.stats.dirty++;
    return true;
}

void bits_key_modified(client *c, const resp_argument *key, long long changes) {
    db_signal_modified(client_db(c), key->data, key->length);
    notify_keyspace_event(NOTIFY_STRING, "setbit", c->db_index, key->data, key->length);
    server.stats.dirty += changes;
}
