/* key_access: how command handlers reach keys, one helper layer for every
 * type.
 *
 * Each handler needs the same few steps: find the client's database, look a
 * key up for reading or writing and refuse it with WRONGTYPE when it holds
 * another type, account a write (the dirty counter and the key-change
 * signal that WATCH and, later, tracking and keyspace events hear), parse a
 * database index.  Doing them here keeps the replies and the accounting the
 * same everywhere.  Every `bool` helper returns true to go on and false
 * after it has replied the error, so a handler only has to return.
 */
#ifndef ZKV_KEY_ACCESS_H
#define ZKV_KEY_ACCESS_H

#include <stdbool.h>

#include "client.h"
#include "db.h"

/* The database the client has selected. */
db *key_db(client *c);
/* The object at `key` for reading (expired keys are gone; hits and misses
 * counted), NULL when absent. */
object *key_read(client *c, const resp_argument *key);
/* The object at `key` for reading, checked to be of `type`: true with *o
 * (NULL when the key does not exist), false after replying WRONGTYPE. */
bool key_read_typed(client *c, const resp_argument *key, enum object_type type, object **o);
/* The same for a write (no hit/miss statistics, no LRU touch of a read). */
bool key_write_typed(client *c, const resp_argument *key, enum object_type type, object **o);
/* Replies WRONGTYPE and returns false when `o` exists and is not `type`. */
bool key_check_type(client *c, const object *o, enum object_type type);
/* Deletes `key`; true if it existed (the change is then signalled and
 * counted). */
bool key_delete(client *c, const resp_argument *key);
/* Accounts an in-place write of `changes` to `key` (WATCH, dirty counter). */
void key_modified(client *c, const resp_argument *key, long long changes);
/* A database index argument (COPY DB, MOVE): an int, then in range.
 * Replies the error and returns false otherwise. */
bool key_database_index(client *c, const resp_argument *argument, int *index);
/* Replies the value of a string object as a bulk string. */
void key_reply_string(client *c, const object *o);
/* "ERR invalid expire time in '<command>' command". */
void key_reply_invalid_expire(client *c);

#endif
