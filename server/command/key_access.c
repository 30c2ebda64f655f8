/* key_access: the key helpers of every command handler (key_access.h). */
#include "key_access.h"

#include <limits.h>
#include <strings.h>

#include "args.h"
#include "command.h"
#include "keyspace.h"
#include "notify.h"
#include "reply.h"

db *key_db(client *c) {
    return keyspace_db(c->db_index);
}

object *key_read(client *c, const resp_argument *key) {
    return db_lookup_read(key_db(c), key->data, key->length);
}

bool key_read_typed(client *c, const resp_argument *key, enum object_type type, object **o) {
    *o = key_read(c, key);
    return key_check_type(c, *o, type);
}

bool key_write_typed(client *c, const resp_argument *key, enum object_type type, object **o) {
    *o = db_lookup_write(key_db(c), key->data, key->length);
    return key_check_type(c, *o, type);
}

/* db_delete signals the change itself; the keyspace event is "del". */
bool key_delete(client *c, const resp_argument *key) {
    if (!db_delete(key_db(c), key->data, key->length, false)) return false;
    notify_keyspace_event(NOTIFY_GENERIC, "del", c->db_index, key->data, key->length);
    server.stats.dirty++;
    return true;
}

void key_modified(client *c, const resp_argument *key, long long changes) {
    db_signal_modified(key_db(c), key->data, key->length);
    server.stats.dirty += changes;
}

bool key_database_index(client *c, const resp_argument *argument, int *index) {
    long long value;
    if (!args_integer_or_reply(c, argument, &value)) return false;
    if (value < INT_MIN || value > INT_MAX) {
        reply_not_integer(c);
        return false;
    }
    if (value < 0 || value >= keyspace_database_count()) {
        reply_error(c, "ERR DB index is out of range");
        return false;
    }
    *index = (int)value;
    return true;
}

bool key_check_type(client *c, const object *o, enum object_type type) {
    if (o == NULL || object_type(o) == type) return true;
    reply_wrong_type(c);
    return false;
}

void key_reply_string(client *c, const object *o) {
    char digits[OBJECT_INTEGER_BUFFER];
    size_t length;
    const char *bytes = object_string_bytes(o, &length, digits);
    reply_bulk(c, bytes, length);
}

void key_reply_invalid_expire(client *c) {
    reply_error_format(c, "ERR invalid expire time in '%s' command", c->command->full_name);
}
