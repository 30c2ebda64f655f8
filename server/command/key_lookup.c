/* keyspace_command: helpers shared by the keyspace command files. */
#include "key_lookup.h"

#include <limits.h>
#include <strings.h>

#include "args.h"
#include "command.h"
#include "keyspace.h"
#include "reply.h"

db *keyspace_command_db(client *c) {
    return keyspace_db(c->db_index);
}

bool keyspace_command_database_index(client *c, const resp_argument *argument, int *index) {
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

bool keyspace_command_check_string(client *c, const object *o) {
    if (o == NULL || object_type(o) == OBJECT_STRING) return true;
    reply_wrong_type(c);
    return false;
}

void keyspace_command_reply_value(client *c, const object *o) {
    char digits[OBJECT_INTEGER_BUFFER];
    size_t length;
    const char *bytes = object_string_bytes(o, &length, digits);
    reply_bulk(c, bytes, length);
}

void keyspace_command_reply_invalid_expire(client *c) {
    reply_error_format(c, "ERR invalid expire time in '%s' command", c->command->full_name);
}
