/* evict: choosing and evicting keys when used memory exceeds maxmemory.
 *
 * Approximate LRU/LFU/TTL, as Redis does it: no global ordering of keys is
 * kept (it would cost memory per key); instead each round samples
 * maxmemory-samples keys of every database and offers them to a small pool
 * of the best candidates seen so far (EVICT_POOL_SIZE entries, sorted by
 * score, higher = evict first).  The best entry of the pool is evicted.  The
 * pool carries good candidates from one round to the next, which is what
 * makes a handful of samples approximate true LRU well.
 *
 * Scores: LRU = idle time (the object's 24-bit clock, 1 s resolution);
 * LFU = 255 - the decayed logarithmic counter (same clock bits); TTL =
 * the inverse of the expire time, so the nearest expiry goes first.  The
 * random policies skip the pool and take a random key of the next
 * database in turn.  volatile-* policies only consider keys with a TTL.
 *
 * The pool holds key copies, not object pointers: any write can move or
 * free an object, so a candidate is looked up again before eviction and
 * dropped if it vanished (or lost its TTL, under volatile-*), or ranked
 * again if it was used since (or is a new key under a recycled name).
 *
 * Bounded work.  evict_perform stops after a time limit derived from
 * maxmemory-eviction-tenacity (10 -> 500 us; 100 -> no limit).  If memory
 * is still over the limit it arms a zero-delay timer that resumes on the
 * next loop iteration, and lets the current command run (EVICT_RUNNING):
 * the loop keeps serving reads while a large excess is worked off.  Values
 * that are expensive to free go to the lazy-free thread.
 */
#include "evict.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include <event2/event.h>

#include "client.h"
#include "command.h"
#include "config.h"
#include "db.h"
#include "keyspace.h"
#include "lazyfree.h"
#include "notify.h"
#include "propagate.h"
#include "pause.h"
#include "memory.h"
#include "server.h"
#include "zmalloc.h"

#define EVICT_POOL_SIZE 16
#define EVICT_SAMPLE_MAX 64   /* maxmemory-samples' upper bound */
#define EVICT_CHECK_EVERY 16  /* keys evicted between two clock reads */
#define EVICT_REFILL_TRIES 64 /* pool refills per key before giving up */

typedef struct evict_candidate {
    unsigned long long score; /* higher = better to evict */
    int db;
    size_t key_length;
    char *key; /* zmalloc'd copy; NULL for an empty entry */
} evict_candidate;

/* Sorted by ascending score: the best candidate is the last used entry. */
static evict_candidate evict_pool[EVICT_POOL_SIZE];
static int evict_pool_used;
static int evict_next_random_db;
static struct event *evict_resume_event;

/* ---------------------------------------------------------------- policy */

static bool evict_policy_volatile(int policy) {
    return policy == MAXMEMORY_VOLATILE_LRU || policy == MAXMEMORY_VOLATILE_LFU ||
           policy == MAXMEMORY_VOLATILE_RANDOM || policy == MAXMEMORY_VOLATILE_TTL;
}

static bool evict_policy_random(int policy) {
    return policy == MAXMEMORY_ALLKEYS_RANDOM || policy == MAXMEMORY_VOLATILE_RANDOM;
}

static unsigned long long evict_score(const object *o, int policy) {
    switch (policy) {
    case MAXMEMORY_ALLKEYS_LFU:
    case MAXMEMORY_VOLATILE_LFU: return 255 - (unsigned long long)db_object_frequency(o);
    case MAXMEMORY_VOLATILE_TTL: return ULLONG_MAX - (unsigned long long)object_expire(o);
    default: return (unsigned long long)db_object_idle_ms(o);
    }
}

/* Microseconds one evict_perform may spend (0 = unlimited). */
static long long evict_time_limit_us(void) {
    int tenacity = server.config.maxmemory_eviction_tenacity;
    if (tenacity >= 100) return 0;
    if (tenacity <= 10) return 50LL * (tenacity > 0 ? tenacity : 1);
    return (long long)(500.0 * pow(1.15, tenacity - 10));
}

/* ---------------------------------------------------------------- pool */

static void evict_pool_remove(int index) {
    zmalloc_free(evict_pool[index].key);
    memmove(&evict_pool[index], &evict_pool[index + 1],
            (size_t)(evict_pool_used - index - 1) * sizeof(evict_candidate));
    evict_pool_used--;
    evict_pool[evict_pool_used].key = NULL;
}

static bool evict_pool_contains(int db_index, const char *key, size_t length) {
    for (int i = 0; i < evict_pool_used; i++)
        if (evict_pool[i].db == db_index && evict_pool[i].key_length == length &&
            memcmp(evict_pool[i].key, key, length) == 0)
            return true;
    return false;
}

/* Inserts keeping the order; when full, a better candidate pushes out the
 * worst one. */
static void evict_pool_offer(int db_index, const object *o, unsigned long long score) {
    size_t length;
    const char *key = object_key(o, &length);
    if (evict_pool_used == EVICT_POOL_SIZE && score <= evict_pool[0].score) return;
    if (evict_pool_contains(db_index, key, length)) return;
    if (evict_pool_used == EVICT_POOL_SIZE) evict_pool_remove(0);
    int at = 0;
    while (at < evict_pool_used && evict_pool[at].score < score) at++;
    memmove(&evict_pool[at + 1], &evict_pool[at], (size_t)(evict_pool_used - at) * sizeof(evict_candidate));
    char *copy = zmalloc_alloc(length ? length : 1);
    memcpy(copy, key, length);
    evict_pool[at] = (evict_candidate){score, db_index, length, copy};
    evict_pool_used++;
}

static uint64_t evict_random(void) {
    static uint64_t state = 0x9e3779b97f4a7c15u;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* Keeps the entries the policy may evict, then `wanted` of them chosen at
 * random (partial Fisher-Yates); returns how many remain at the front. */
static size_t evict_choose_sample(void **entries, size_t count, size_t wanted, bool only_volatile) {
    size_t eligible = 0;
    for (size_t j = 0; j < count; j++)
        if (!only_volatile || object_has_expire(entries[j])) entries[eligible++] = entries[j];
    if (wanted > eligible) wanted = eligible;
    for (size_t j = 0; j < wanted; j++) {
        size_t pick = j + (size_t)(evict_random() % (eligible - j));
        void *swap = entries[j];
        entries[j] = entries[pick];
        entries[pick] = swap;
    }
    return wanted;
}

/* Samples every database once and offers the eligible keys to the pool.
 * table_sample returns the first entries of consecutive buckets, so slots
 * late in a bucket would hardly ever be seen: a bucket-sized run per wanted
 * key is read (slot words only) and `maxmemory-samples` keys are drawn from
 * it at random, which makes every key equally likely to be a candidate. */
static void evict_pool_refill(int policy) {
    void *entries[EVICT_SAMPLE_MAX];
    size_t wanted = (size_t)server.config.maxmemory_samples, run = wanted * TABLE_BUCKET_SLOTS;
    if (run > EVICT_SAMPLE_MAX) run = EVICT_SAMPLE_MAX;
    bool only_volatile = evict_policy_volatile(policy);
    for (int i = 0; i < keyspace_database_count(); i++) {
        db *d = keyspace_db(i);
        if (db_size(d) == 0 || (only_volatile && d->expires == 0)) continue;
        size_t count = evict_choose_sample(entries, table_sample(d->keys, entries, run), wanted, only_volatile);
        for (size_t j = 0; j < count; j++) evict_pool_offer(i, entries[j], evict_score(entries[j], policy));
    }
}

/* ---------------------------------------------------------------- choice */

/* Takes the best pool entry that still exists; true with *db_index and the
 * key copy (caller frees) when one was found. */
static bool evict_pool_pop(int policy, int *db_index, char **key, size_t *length) {
    while (evict_pool_used > 0) {
        evict_candidate best = evict_pool[evict_pool_used - 1];
        evict_pool_used--;
        evict_pool[evict_pool_used].key = NULL;
        object *o = db_lookup(keyspace_db(best.db), best.key, best.key_length,
                              DB_LOOKUP_NOTOUCH | DB_LOOKUP_NOSTATS | DB_LOOKUP_NOEXPIRE);
        bool eligible = o != NULL && (!evict_policy_volatile(policy) || object_has_expire(o));
        unsigned long long score = eligible ? evict_score(o, policy) : 0;
        if (eligible && score < best.score) {
            /* Read or rewritten since it was sampled: rank it again. */
            zmalloc_free(best.key);
            evict_pool_offer(best.db, o, score);
            continue;
        }
        if (eligible) {
            *db_index = best.db;
            *key = best.key;
            *length = best.key_length;
            return true;
        }
        zmalloc_free(best.key);
    }
    return false;
}

/* ------------------------------------------- keys with a TTL, when rare */

/* zkv keeps no table of the keys with a TTL (Redis samples its expires
 * dict), so when few keys have one, random samples may all miss.  After a
 * bounded number of misses the volatile policies walk the table with a
 * cursor that persists across calls and collect keys whose slot has the TTL
 * bit: while any database counts a key with a TTL, one pass finds it, so
 * nothing evictable is left behind. */
typedef struct evict_scan_state {
    void **entries;
    size_t count, wanted;
} evict_scan_state;

static int evict_scan_db;
static unsigned long evict_scan_cursor;

static void evict_scan_collect(void *privdata, void *entry, bool flag) {
    evict_scan_state *state = privdata;
    if (flag && state->count < state->wanted) state->entries[state->count++] = entry;
}

/* Up to `wanted` keys with a TTL from one database (stored in *db_index);
 * 0 only when no database has any. */
static size_t evict_scan_volatile(void **entries, size_t wanted, int *db_index) {
    evict_scan_state state = {.entries = entries, .wanted = wanted};
    int databases = keyspace_database_count();
    /* Each database may need a whole pass (its cursor returning to 0). */
    for (int visited = 0; visited <= databases && state.count == 0; ) {
        if (evict_scan_db >= databases) evict_scan_db = 0;
        db *d = keyspace_db(evict_scan_db);
        if (d->expires > 0) evict_scan_cursor = table_scan(d->keys, evict_scan_cursor, evict_scan_collect, &state);
        if (d->expires == 0 || evict_scan_cursor == 0) {
            *db_index = evict_scan_db++;
            evict_scan_cursor = 0;
            visited++;
        } else {
            *db_index = evict_scan_db;
        }
    }
    return state.count;
}

static char *evict_copy_key(const void *entry, size_t *length) {
    const char *found = object_key(entry, length);
    char *key = zmalloc_alloc(*length ? *length : 1);
    memcpy(key, found, *length);
    return key;
}

/* A random key (with a TTL under volatile-random), databases in turn.  A
 * sample without a TTL key is drawn again (EVICT_REFILL_TRIES in all), then
 * the cursor walk above takes over. */
static bool evict_pick_random(int policy, int *db_index, char **key, size_t *length) {
    bool only_volatile = evict_policy_volatile(policy);
    int tries = only_volatile ? EVICT_REFILL_TRIES : 1;
    for (int round = 0; round < tries; round++) {
        for (int tried = 0; tried < keyspace_database_count(); tried++) {
            int i = evict_next_random_db++ % keyspace_database_count();
            db *d = keyspace_db(i);
            if (db_size(d) == 0 || (only_volatile && d->expires == 0)) continue;
            void *entries[EVICT_SAMPLE_MAX];
            size_t count = table_sample(d->keys, entries, only_volatile ? EVICT_SAMPLE_MAX : TABLE_BUCKET_SLOTS);
            if (evict_choose_sample(entries, count, 1, only_volatile) == 0) continue;
            *key = evict_copy_key(entries[0], length);
            *db_index = i;
            return true;
        }
    }
    if (!only_volatile) return false;
    void *entry;
    if (evict_scan_volatile(&entry, 1, db_index) == 0) return false;
    *key = evict_copy_key(entry, length);
    return true;
}

/* True if some database holds a key the policy may evict. */
static bool evict_any_eligible(int policy) {
    for (int i = 0; i < keyspace_database_count(); i++) {
        db *d = keyspace_db(i);
        if (evict_policy_volatile(policy) ? d->expires > 0 : db_size(d) > 0) return true;
    }
    return false;
}

static bool evict_choose(int policy, int *db_index, char **key, size_t *length) {
    if (evict_policy_random(policy)) return evict_pick_random(policy, db_index, key, length);
    if (!evict_any_eligible(policy)) return false;
    /* A round can sample only ineligible keys (volatile-* among keys without
     * a TTL): retry a bounded number of times. */
    for (int round = 0; round < EVICT_REFILL_TRIES; round++) {
        evict_pool_refill(policy);
        if (evict_pool_pop(policy, db_index, key, length)) return true;
    }
    if (!evict_policy_volatile(policy)) return false;
    void *entries[EVICT_SAMPLE_MAX];
    int scanned_db = 0;
    size_t count = evict_scan_volatile(entries, (size_t)server.config.maxmemory_samples, &scanned_db);
    for (size_t j = 0; j < count; j++) evict_pool_offer(scanned_db, entries[j], evict_score(entries[j], policy));
    return evict_pool_pop(policy, db_index, key, length);
}

/* Evicts one key; false when no key is eligible. */
static bool evict_one(int policy) {
    int db_index;
    char *key;
    size_t length;
    if (!evict_choose(policy, &db_index, &key, &length)) return false;
    db_delete(keyspace_db(db_index), key, length, true);
    notify_keyspace_event(NOTIFY_EVICTED, "evicted", db_index, key, length);
    propagate_deletion(db_index, key, length);
    zmalloc_free(key);
    server.stats.evicted_keys++;
    return true;
}

/* ---------------------------------------------------------------- driver */

/* Output buffers and scripts' Lua memory not counted (core/script_memory.h),
 * measured once per evict_perform: freeing keys does not change them, and
 * summing the buffers walks every client. */
static size_t evict_not_counted;

static size_t evict_counted_memory(void) {
    size_t used = zmalloc_used_memory();
    return used > evict_not_counted ? used - evict_not_counted : 0;
}

static bool evict_over_limit(void) {
    return server.config.maxmemory != 0 && evict_counted_memory() > server.config.maxmemory;
}

static void evict_schedule_resume(void) {
    static const struct timeval now = {0, 0};
    if (evict_resume_event && !event_pending(evict_resume_event, EV_TIMEOUT, NULL))
        event_add(evict_resume_event, &now);
}

/* Evicts until under the limit or out of time (or of candidates). */
static enum evict_result evict_run(int policy, uint64_t start) {
    long long limit_us = evict_time_limit_us();
    for (long evicted = 0; evict_over_limit(); evicted++) {
        if (!evict_one(policy)) return EVICT_FAIL;
        if (limit_us && evicted % EVICT_CHECK_EVERY == EVICT_CHECK_EVERY - 1 &&
            (long long)(server_monotonic_us() - start) > limit_us) {
            evict_schedule_resume();
            return EVICT_RUNNING;
        }
    }
    return EVICT_OK;
}

/* INFO's total/current_eviction_exceeded_time: how long memory stayed over
 * the limit.  Tracked at each evict_perform, so to the nearest command or
 * cron tick. */
static uint64_t evict_exceeded_since_us; /* 0 while under the limit */
static uint64_t evict_exceeded_total_us;

static enum evict_result evict_note_state(enum evict_result result) {
    uint64_t now = server_monotonic_us();
    if (result == EVICT_OK && evict_exceeded_since_us) {
        evict_exceeded_total_us += now - evict_exceeded_since_us;
        evict_exceeded_since_us = 0;
    } else if (result != EVICT_OK && !evict_exceeded_since_us) {
        evict_exceeded_since_us = now;
    }
    return result;
}

void evict_exceeded_time_ms(long long *total, long long *current) {
    uint64_t now = server_monotonic_us();
    uint64_t running = evict_exceeded_since_us ? now - evict_exceeded_since_us : 0;
    *total = (long long)((evict_exceeded_total_us + running) / 1000);
    *current = (long long)(running / 1000);
}

void evict_reset_stats(void) {
    evict_exceeded_total_us = 0;
    if (evict_exceeded_since_us) evict_exceeded_since_us = server_monotonic_us();
}

enum evict_result evict_perform(void) {
    if (server.config.maxmemory == 0 || zmalloc_used_memory() <= server.config.maxmemory)
        return evict_note_state(EVICT_OK);
    if (pause_active()) return EVICT_OK; /* CLIENT PAUSE holds eviction, as Redis */
    client_evict_over_limit(); /* maxmemory-clients: clients go before keys */
    /* Only when over: each costs a pass over the clients.  Clients just
     * evicted (or closing anyway) free their input when the iteration ends:
     * keys must not go for it meanwhile. */
    evict_not_counted = memory_client_output() + client_closing_input_memory() + memory_scripts_not_counted();
    if (!evict_over_limit()) return evict_note_state(EVICT_OK);
    int policy = server.config.maxmemory_policy;
    uint64_t start = server_monotonic_us();
    enum evict_result result = policy == MAXMEMORY_NO_EVICTION ? EVICT_FAIL : evict_run(policy, start);
    /* Nothing (more) to evict: if what is over the limit is held by client
     * buffers, not by the data, refusing writes would not give it back (a
     * FLUSHALLed database would refuse every SET). */
    if (result == EVICT_FAIL && zmalloc_used_memory() <= server.config.maxmemory + client_total_memory())
        result = EVICT_OK;
    /* Memory the lazy-free thread is giving back (a FLUSHALL's tables) is on
     * its way out: writes go on, as while an eviction is still running
     * (the cron looks again; no resume timer, which would spin meanwhile). */
    if (result == EVICT_FAIL && lazyfree_pending_objects() > 0) result = EVICT_RUNNING;
    server_latency_event("eviction-cycle", (long long)(server_monotonic_us() - start) / 1000);
    return evict_note_state(result);
}

static void evict_resume(evutil_socket_t fd, short events, void *argument) {
    (void)fd;
    (void)events;
    (void)argument;
    evict_perform();
}

/* The dispatch guard: nonzero refuses the denyoom command with -OOM.
 * While a command is still running (a busy script, whose loop answers
 * SCRIPT KILL and the like meanwhile), nothing is evicted or refused, as in
 * Redis: keys must not vanish under the script; eviction resumes at the
 * next command after it. */
static int evict_memory_check(void) {
    if (dispatch_call_depth() > 0) return 0;
    return evict_perform() == EVICT_FAIL;
}

/* Also runs without a limit: evict_perform then only closes the
 * exceeded-time interval a removed limit left open. */
void evict_cron(void) {
    evict_perform();
}

void evict_init(void) {
    if (server.base) evict_resume_event = event_new(server.base, -1, 0, evict_resume, NULL);
    dispatch_set_memory_check(evict_memory_check);
}
