/* keyspace_command: small helpers shared by the string, keyspace and expire
 * command files (argument parsing and replies the same way everywhere). */
#ifndef ZKV_KEYSPACE_COMMAND_H
#define ZKV_KEYSPACE_COMMAND_H

#include <stdbool.h>

#include "db.h"
#include "server.h"

/* The database the client has selected. */
db *keyspace_command_db(client *c);
/* Case-insensitive comparison of an argument with a lower-case word. */
bool keyspace_command_argument_is(const resp_argument *argument, const char *word);
/* Redis's strict integer parse; on failure replies "value is not an integer
 * or out of range" and returns false. */
bool keyspace_command_integer(client *c, const resp_argument *argument, long long *value);
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
