/* db: lookups with lazy expiry, writes that keep WATCH and the TTL count
 * right, and the LRU/LFU clock.  See db.h for the rules. */
#include "db.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "keyspace.h"
#include "lazyfree.h"
#include "notify.h"
#include "prewrite.h"
#include "server.h"
#include "zmalloc.h"

/* Tables smaller than this are freed at once when a database is emptied:
 * queueing them would cost more than freeing. */
#define DB_SYNC_FREE_MAX_KEYS 64

/* LFU as in Redis: 16 bits of minutes and an 8-bit logarithmic counter. */
#define DB_LFU_INITIAL_COUNTER 5

static void db_entry_key(const void *entry, const char **key, size_t *length) {
    *key = object_key(entry, length);
}

static void db_entry_free(void *entry) {
    object_free(entry);
}

/* A growth whose new array alone would cross maxmemory is put off (up to
 * TABLE_FORCE_GROW_LOAD): the eviction it would force costs more keys than
 * the longer chains cost time.  Redis makes the same trade. */
static bool db_table_grow_allowed(size_t more_bytes, double load) {
    (void)load;
    /* A forked save shares pages with the parent: a new bucket array would
     * copy them all, so growth waits (up to the forced load) for the child. */
    if (server.child_pid > 0) return false;
    unsigned long long limit = server.config.maxmemory;
    return limit == 0 || zmalloc_used_memory() + more_bytes <= limit;
}

static const table_type db_table_type = {db_entry_key, db_entry_free, lazyfree_free_block, db_table_grow_allowed};

void db_init(db *d, int index) {
    *d = (db){.keys = table_create(&db_table_type), .index = index};
}

/* ---------------------------------------------------------------- clocks */

bool db_lfu_enabled(void) {
    int policy = server.config.maxmemory_policy;
    return policy == MAXMEMORY_ALLKEYS_LFU || policy == MAXMEMORY_VOLATILE_LFU;
}

uint32_t db_lru_clock(void) {
    return (uint32_t)(server_unix_time_ms() / 1000) & OBJECT_LRU_MAX;
}

static uint32_t db_lfu_minutes(void) {
    return (uint32_t)(server_unix_time_ms() / 60000) & 0xffff;
}

/* The counter after the decay owed for the minutes since the last access. */
static int db_lfu_decayed_counter(const object *o) {
    uint32_t lru = object_lru(o), then = lru >> 8, now = db_lfu_minutes();
    uint32_t elapsed = now >= then ? now - then : 65535 - then + now;
    /* lfu-decay-time from the config (memory module's addition); 0: no decay. */
    uint32_t decay = (uint32_t)server.config.lfu_decay_time;
    uint32_t counter = lru & 0xff, periods = decay ? elapsed / decay : 0;
    return periods > counter ? 0 : (int)(counter - periods);
}

/* Logarithmic increment: the higher the counter, the less likely a bump. */
static int db_lfu_increment(int counter) {
    if (counter == 255) return counter;
    double base = counter - DB_LFU_INITIAL_COUNTER;
    if (base < 0) base = 0;
    double probability = 1.0 / (base * server.config.lfu_log_factor + 1); /* lfu-log-factor */
    return (double)rand() / RAND_MAX < probability ? counter + 1 : counter;
}

static void db_touch(object *o) {
    if (db_lfu_enabled()) {
        int counter = db_lfu_increment(db_lfu_decayed_counter(o));
        object_set_lru(o, db_lfu_minutes() << 8 | (uint32_t)counter);
    } else {
        object_set_lru(o, db_lru_clock());
    }
}

/* A new object's clock: now, or the initial LFU counter. */
static void db_stamp_new(object *o) {
    if (db_lfu_enabled())
        object_set_lru(o, db_lfu_minutes() << 8 | DB_LFU_INITIAL_COUNTER);
    else
        object_set_lru(o, db_lru_clock());
}

long long db_object_idle_ms(const object *o) {
    uint32_t now = db_lru_clock(), lru = object_lru(o);
    uint32_t seconds = now >= lru ? now - lru : OBJECT_LRU_MAX - lru + now;
    return (long long)seconds * 1000;
}

/* Redis's shared integers and the count it reports for them. */
#define DB_SHARED_INTEGERS 10000
#define DB_SHARED_REFCOUNT INT_MAX

int db_object_refcount(const object *o) {
    int policy = server.config.maxmemory_policy;
    bool clocks_needed = policy != MAXMEMORY_NO_EVICTION && policy != MAXMEMORY_ALLKEYS_RANDOM &&
                         policy != MAXMEMORY_VOLATILE_RANDOM && policy != MAXMEMORY_VOLATILE_TTL;
    bool sharing = server.config.maxmemory == 0 || !clocks_needed;
    long long value;
    bool shared = sharing && object_string_integer(o, &value) && value >= 0 && value < DB_SHARED_INTEGERS &&
                  !object_is_integer_copy(o);
    return shared ? DB_SHARED_REFCOUNT : 1;
}

int db_object_frequency(const object *o) {
    return db_lfu_decayed_counter(o);
}

void db_object_set_clock(object *o, long long idle_seconds, int frequency) {
    if (db_lfu_enabled()) {
        if (frequency >= 0) object_set_lru(o, db_lfu_minutes() << 8 | (uint32_t)(frequency > 255 ? 255 : frequency));
    } else if (idle_seconds >= 0) {
        uint32_t idle = idle_seconds > OBJECT_LRU_MAX ? OBJECT_LRU_MAX : (uint32_t)idle_seconds;
        object_set_lru(o, (db_lru_clock() - idle) & OBJECT_LRU_MAX);
    }
}

/* ---------------------------------------------------------------- lookup */

bool db_object_expired(const object *o, long long now_ms) {
    return object_has_expire(o) && now_ms > object_expire(o) && !keyspace_loading;
}

void db_signal_modified(db *d, const char *key, size_t length) {
    /* The safety net under the pre-write hook: a change signalled for a key
     * the snapshot has not seen came through no write lookup. */
    if (prewrite_active) prewrite_changed(table_find_slot(d->keys, key, length, table_hash_key(key, length)));
    notify_key_modified(d->index, key, length);
}

static void db_forget_slot(db *d) {
    d->cached_slot = NULL;
    d->cached_object = NULL;
}

object *db_lookup(db *d, const char *key, size_t length, int flags) {
    uint64_t hash = table_hash_key(key, length);
    table_slot *slot = table_find_slot(d->keys, key, length, hash);
    object *o = slot != NULL ? table_slot_entry(slot) : NULL;
    if (o != NULL && table_slot_flag(slot) && db_object_expired(o, server_unix_time_ms()) &&
        !(flags & DB_LOOKUP_NOEXPIRE)) {
        /* While CLIENT PAUSE holds expiry, a read sees the key as gone but
         * leaves it in place; a write (only possible inside the EXEC that
         * paused) still deletes, so it never finds its key half-present. */
        if (!keyspace_expiry_paused() || (flags & DB_LOOKUP_WRITE)) db_delete_expired(d, o);
        o = NULL;
    }
    if (!(flags & (DB_LOOKUP_NOSTATS | DB_LOOKUP_WRITE))) {
        if (o != NULL)
            server.stats.keyspace_hits++;
        else
            server.stats.keyspace_misses++;
        if (o == NULL) notify_keyspace_event(NOTIFY_KEY_MISS, "keymiss", d->index, key, length);
    }
    if (o == NULL) {
        db_forget_slot(d);
        return NULL;
    }
    if (flags & DB_LOOKUP_WRITE) prewrite_slot(d, slot);
    if (!(flags & DB_LOOKUP_NOTOUCH)) db_touch(o);
    d->cached_slot = slot;
    d->cached_object = o;
    return o;
}

object *db_lookup_read(db *d, const char *key, size_t length) {
    return db_lookup(d, key, length, 0);
}

object *db_lookup_write(db *d, const char *key, size_t length) {
    return db_lookup(d, key, length, DB_LOOKUP_WRITE);
}

/* ---------------------------------------------------------------- writes */

void db_add(db *d, object *o) {
    db_stamp_new(o);
    db_add_keep_clock(d, o);
}

/* Adds o, whose key (key, length) hashes to `hash` and is not in d. */
static void add_hashed(db *d, object *o, const char *key, size_t length, uint64_t hash) {
    db_forget_slot(d);
    bool has_expire = object_has_expire(o);
    table_insert(d->keys, o, hash, has_expire);
    if (has_expire) d->expires++;
    db_signal_modified(d, key, length);
    notify_keyspace_event(NOTIFY_NEW, "new", d->index, key, length);
}

void db_add_keep_clock(db *d, object *o) {
    size_t length;
    const char *key = object_key(o, &length);
    add_hashed(d, o, key, length, table_hash_key(key, length));
}

/* The slot holding `o`, from the lookup cache when it is still right. */
static table_slot *db_slot_of(db *d, const object *previous, const object *fresh) {
    if (d->cached_object == previous && d->cached_slot != NULL &&
        table_slot_entry(d->cached_slot) == previous)
        return d->cached_slot;
    size_t length;
    const char *key = object_key(fresh, &length);
    return table_find_slot(d->keys, key, length, table_hash_key(key, length));
}

static void db_count_expire_change(db *d, bool had, bool has) {
    if (had && !has) d->expires--;
    if (!had && has) d->expires++;
}

/* The slot of the last lookup if it found this key: a write right after
 * its own lookup (SET after its existence check) needs no second search. */
static table_slot *cached_slot_of_key(db *d, const char *key, size_t length) {
    if (d->cached_slot == NULL || table_slot_entry(d->cached_slot) != d->cached_object) return NULL;
    size_t cached_length;
    const char *cached_key = object_key(d->cached_object, &cached_length);
    if (cached_length != length || memcmp(cached_key, key, length) != 0) return NULL;
    return d->cached_slot;
}

void db_set(db *d, object *fresh) {
    size_t length;
    const char *key = object_key(fresh, &length);
    table_slot *slot = cached_slot_of_key(d, key, length);
    if (slot == NULL) {
        uint64_t hash = table_hash_key(key, length); /* once, for the search and the insert */
        slot = table_find_slot(d->keys, key, length, hash);
        if (slot == NULL) {
            db_stamp_new(fresh);
            add_hashed(d, fresh, key, length, hash);
            return;
        }
    }
    prewrite_slot(d, slot);
    object *old = table_slot_entry(slot);
    if (db_lfu_enabled())
        object_set_lru(fresh, object_lru(old));
    else
        db_stamp_new(fresh);
    db_count_expire_change(d, table_slot_flag(slot), object_has_expire(fresh));
    table_slot_set(slot, fresh, object_has_expire(fresh));
    db_forget_slot(d);
    lazyfree_free_object(old, true); /* a huge old value must not stall the loop */
    db_signal_modified(d, key, length);
}

void db_update_quiet(db *d, object *previous, object *fresh) {
    table_slot *slot = db_slot_of(d, previous, fresh);
    prewrite_changed(slot);
    db_count_expire_change(d, table_slot_flag(slot), object_has_expire(fresh));
    table_slot_set(slot, fresh, object_has_expire(fresh));
    d->cached_slot = slot;
    d->cached_object = fresh;
}

void db_update(db *d, object *previous, object *fresh) {
    db_update_quiet(d, previous, fresh);
    size_t length;
    const char *key = object_key(fresh, &length);
    db_signal_modified(d, key, length);
}

object *db_take(db *d, const char *key, size_t length) {
    if (prewrite_active) prewrite_slot(d, table_find_slot(d->keys, key, length, table_hash_key(key, length)));
    db_forget_slot(d);
    object *o = table_delete(d->keys, key, length, table_hash_key(key, length));
    if (o == NULL) return NULL;
    if (object_has_expire(o)) d->expires--;
    db_signal_modified(d, key, length);
    return o;
}

bool db_delete(db *d, const char *key, size_t length, bool async) {
    object *o = db_take(d, key, length);
    if (o == NULL) return false;
    lazyfree_free_object(o, async);
    return true;
}

void db_delete_expired(db *d, object *o) {
    size_t length;
    const char *key = object_key(o, &length);
    if (prewrite_active) prewrite_slot(d, table_find_slot(d->keys, key, length, table_hash_key(key, length)));
    db_forget_slot(d);
    table_delete(d->keys, key, length, table_hash_key(key, length));
    notify_keyspace_event(NOTIFY_EXPIRED, "expired", d->index, key, length);
    db_signal_modified(d, key, length); /* after: WATCH asks whether it still exists */
    if (notify_deletion) notify_deletion(d->index, key, length);
    d->expires--;
    server.stats.expired_keys++;
    lazyfree_free_object(o, true);
}

object *db_set_expire(db *d, object *o, long long expire_ms) {
    if (prewrite_active) prewrite_slot(d, db_slot_of(d, o, o));
    object *fresh = object_set_expire(o, expire_ms);
    table_slot *slot = db_slot_of(d, o, fresh);
    db_count_expire_change(d, table_slot_flag(slot), object_has_expire(fresh));
    table_slot_set(slot, fresh, object_has_expire(fresh));
    d->cached_slot = slot;
    d->cached_object = fresh;
    return fresh;
}

/* ---------------------------------------------------------------- whole */

long long db_size(const db *d) {
    return (long long)table_size(d->keys);
}

long long db_empty(db *d) {
    table *old = d->keys;
    long long removed = (long long)table_size(old);
    d->keys = table_create(&db_table_type);
    prewrite_prepare_table(d->keys);
    d->expires = 0;
    d->average_ttl = 0;
    d->expire_cursor = 0;
    db_forget_slot(d);
    if (prewrite_adopt_table(old)) return removed;
    if (removed > DB_SYNC_FREE_MAX_KEYS)
        lazyfree_free_table(old);
    else
        table_release(old);
    return removed;
}

void db_rehash_for(db *d, long long microseconds) {
    if (!table_is_rehashing(d->keys)) return;
    db_forget_slot(d);
    table_rehash_for(d->keys, microseconds);
}

void db_shrink_if_needed(db *d) {
    db_forget_slot(d);
    table_shrink_if_needed(d->keys);
}

void db_swap(db *first, db *second) {
    int first_index = first->index, second_index = second->index;
    db saved = *first;
    *first = *second;
    *second = saved;
    first->index = first_index;
    second->index = second_index;
    db_forget_slot(first);
    db_forget_slot(second);
}
