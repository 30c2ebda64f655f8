/* keyspace_command: small helpers shared by the string, keyspace and expire
 * command files (argument parsing and replies the same way everywhere). */
#ifndef ZKV_KEYSPACE_COMMAND_H
#define ZKV_KEYSPACE_COMMAND_H

#include <stdbool.h>

#include "db.h"
#include "client.h"

/* The database the client has selected. */
db *keyspace_command_db(client *c);
/* A database index argument (COPY DB, MOVE): an int, then in range.
 * Replies the error and returns false otherwise. */
bool keyspace_command_database_index(client *c, const resp_argument *argument, int *index);
/* Replies WRONGTYPE and returns false when `o` exists and is not a string. */
bool keyspace_command_check_string(client *c, const object *o);
/* Replies the value of a string object as a bulk string. */
void keyspace_command_reply_value(client *c, const object *o);
/* "ERR invalid expire time in '<command>' command". */
void keyspace_command_reply_invalid_expire(client *c);

#endif
