/* keyspace: the server's databases and their background work.
 *
 * Owns the array of databases (SELECT 0..databases-1) and everything that
 * happens to them outside commands: the cron's incremental rehash, the active
 * expiry cycle, the reporting INFO needs (keys, expires, avg_ttl per db), and
 * the hooks MULTI uses to ask whether a key exists.
 *
 * Active expiry.  Redis samples random keys of its `expires` table; zkv has
 * no such table (the TTL lives in the object, and a slot flag marks keys that
 * have one), so it sweeps instead: a per-database SCAN cursor walks the
 * buckets, looks at the flag bits only (no object is touched for keys
 * without a TTL), checks the expire time of flagged keys and deletes expired
 * ones.  Like Redis it keeps going while more than 10% of the keys with a TTL
 * it just checked had expired, within a time budget.  Trade-off: the cost of
 * finding expired keys grows with the size of the table rather than with the
 * number of keys with a TTL, which is cheap as a 64-byte bucket holds eight
 * keys' flags, and in exchange keys with a TTL cost no extra memory and every
 * expired key is found within one sweep (sampling gives no such bound).
 *
 * The budget is split in slices of at most KEYSPACE_EXPIRE_SLICE_US so the
 * loop never pauses longer; when a slice runs out of time with work left, a
 * continuation runs one millisecond later instead of waiting for the next
 * cron tick, so a million keys expiring at once are gone within seconds.
 */
#ifndef ZKV_KEYSPACE_H
#define ZKV_KEYSPACE_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"

#define KEYSPACE_EXPIRE_SLICE_US 2000

/* Creates the databases (the keyspace module's init; unit tests call it
 * directly).  0 on success. */
int keyspace_init(int databases);
/* Periodic work (rehash, shrink, active expiry); the cron calls it. */
void keyspace_cron(long long now_ms);
/* One active expiry run of at most `budget_us`; true if it stopped for lack
 * of time (exposed for tests). */
bool keyspace_active_expire(long long now_ms, long long budget_us);

/* CLIENT PAUSE holds expiry: while paused, the active cycle does nothing
 * and reads of an expired key report it missing without deleting it. */
void keyspace_set_expiry_paused(bool paused);
bool keyspace_expiry_paused(void);

/* While an AOF is replayed nothing expires (Redis: keyIsExpired is false
 * while loading): a PEXPIREAT in the past followed by a write to the same
 * key must replay as it ran, and the key expires once loading is over. */
extern bool keyspace_loading;

int keyspace_database_count(void);
db *keyspace_db(int index);

/* Empties every database (FLUSHALL); returns the number of keys removed.
 * Then runs the flush-all hook (persistence: abort a background save, save
 * the empty dataset when save points are set). */
long long keyspace_flush_all(void);
void keyspace_set_flush_all_hook(void (*hook)(void));
/* True if the key exists (expired or not): MULTI's exists check. */
int keyspace_key_exists(int db_index, const char *key, size_t length);
/* True if the key is stored with a TTL that has passed (not yet deleted):
 * MULTI's question at WATCH and EXEC time. */
int keyspace_key_expired(int db_index, const char *key, size_t length);

/* Estimated share of expired keys among keys with a TTL, in percent. */
double keyspace_expired_stale_percentage(void);
/* Bytes of the databases' tables (not the objects): INFO overhead. */
size_t keyspace_tables_memory(void);

#endif
