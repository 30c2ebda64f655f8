/* db: one numbered database (SELECT n): its key table and the rules every
 * command follows when it reads or writes a key.
 *
 * The keys live in a table (table.h) whose entries are objects (object.h):
 * the object is at once the table entry, the key and the value.  There is no
 * second table for TTLs: a key's expire time is inside its object, and the
 * table's per-slot flag bit says "has a TTL", which is all active expiry
 * needs to skip keys without one (see keyspace.c).
 *
 * Rules kept here so that commands cannot forget them:
 *   - a lookup of an expired key deletes it (lazy expiry) and reports it
 *     missing; reads count keyspace_hits/keyspace_misses; reads and writes
 *     refresh the LRU clock (or the LFU counter) unless asked not to;
 *   - every change to a key calls multi_key_modified so WATCH sees it;
 *   - a key is offered to a running snapshot before it changes (prewrite.h):
 *     code that changes an object in place must have found it with a write
 *     lookup (DB_LOOKUP_WRITE).
 *
 * Object pointers returned by lookups are valid until the next change to
 * this database.  An object changed in place through an object_* call that
 * may move it (object_string_resize, ...) must be put back with db_update.
 */
#ifndef ZKV_DB_H
#define ZKV_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object.h"
#include "table.h"

typedef struct db {
    table *keys;
    int index;
    long long expires;            /* keys with a TTL */
    long long average_ttl;        /* ms, estimated by the active expiry cycle */
    unsigned long expire_cursor;  /* where the active expiry sweep resumes */
    table_slot *cached_slot;      /* slot of the last lookup, for db_update */
    object *cached_object;
} db;

enum db_lookup_flag {
    DB_LOOKUP_NOTOUCH = 1 << 0,   /* leave the LRU/LFU alone (TYPE, TTL, OBJECT) */
    DB_LOOKUP_NOSTATS = 1 << 1,   /* do not count a hit or miss */
    DB_LOOKUP_WRITE = 1 << 2,     /* lookup for a write: no hit/miss counting */
    DB_LOOKUP_NOEXPIRE = 1 << 3   /* report expired keys without deleting them */
};

void db_init(db *d, int index);

/* The object at `key`, or NULL if missing or expired.  flags: db_lookup_flag. */
object *db_lookup(db *d, const char *key, size_t length, int flags);
object *db_lookup_read(db *d, const char *key, size_t length);
object *db_lookup_write(db *d, const char *key, size_t length);

/* Adds an object whose key is not in the database. */
void db_add(db *d, object *o);
/* The same for an object that keeps its LRU/LFU clock (RENAME, MOVE). */
void db_add_keep_clock(db *d, object *o);
/* Stores `fresh` under its key, freeing the object it replaces if any (the
 * caller decides the TTL: `fresh` carries it).  Signals the change. */
void db_set(db *d, object *fresh);
/* Puts back an object that moved or was rebuilt (same key) after an in-place
 * change.  `previous` is only compared, never read.  Signals the change. */
void db_update(db *d, object *previous, object *fresh);
/* db_update without the signal, for in-place writes that may change nothing
 * (SETBIT of a bit to its own value must not break a WATCH, as in Redis);
 * the caller signals with db_signal_modified if something did change. */
void db_update_quiet(db *d, object *previous, object *fresh);
/* Deletes a key; true if it existed.  `async` lets a big value be freed in
 * the background (UNLINK).  Signals the change. */
bool db_delete(db *d, const char *key, size_t length, bool async);
/* Takes a key out without freeing it (RENAME, MOVE); NULL if missing. */
object *db_take(db *d, const char *key, size_t length);

/* Sets (or with OBJECT_NO_EXPIRE removes) the TTL of an object of this
 * database; returns the object, possibly moved.  Does not signal. */
object *db_set_expire(db *d, object *o, long long expire_ms);
/* True if the object's TTL is past (Redis: now > expire). */
bool db_object_expired(const object *o, long long now_ms);
/* Deletes an expired key as expiry does: counts expired_keys, signals. */
void db_delete_expired(db *d, object *o);

long long db_size(const db *d);
/* Replaces the table by an empty one and frees the old one in the
 * background; returns the number of keys removed.  Signals nothing (callers
 * use multi_database_flushed first). */
long long db_empty(db *d);
/* Exchanges the contents of two databases (SWAPDB). */
void db_swap(db *first, db *second);

/* Cron work: incremental rehash for about `microseconds`, and a shrink
 * after mass deletion. */
void db_rehash_for(db *d, long long microseconds);
void db_shrink_if_needed(db *d);

/* Signals a change to a key: WATCH. */
void db_signal_modified(db *d, const char *key, size_t length);

/* LRU/LFU clock helpers for OBJECT IDLETIME/FREQ. */
uint32_t db_lru_clock(void);
long long db_object_idle_ms(const object *o);
int db_object_frequency(const object *o);
bool db_lfu_enabled(void);
/* OBJECT REFCOUNT and DEBUG OBJECT's refcount: Redis shares the integers
 * 0..9999 between keys unless an LRU/LFU policy with maxmemory needs a
 * clock per key; a shared value reports INT_MAX references, others 1. */
int db_object_refcount(const object *o);
/* Sets the clock from an idle time (LRU policies) or an LFU counter (LFU
 * policies), as RESTORE and RDB loading do; a negative value leaves it. */
void db_object_set_clock(object *o, long long idle_seconds, int frequency);

#endif
