/* keyspace: the databases, the cron's rehash and active expiry, INFO
 * figures.  See keyspace.h for the expiry design. */
#include "keyspace.h"

#include <limits.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "config_table.h"
#include "hash.h"
#include "lazyfree.h"
#include "module.h"
#include "server.h"
#include "zmalloc.h"

/* As Redis: keep expiring in a database while more than this share (in
 * percent) of the keys with a TTL just checked had expired. */
#define KEYSPACE_ACCEPTABLE_STALE_PERCENT 10
/* One batch checks this many keys with a TTL, or visits this many buckets
 * (64 KB of bucket memory), whichever comes first. */
#define KEYSPACE_EXPIRE_KEYS_PER_BATCH 20
#define KEYSPACE_EXPIRE_BUCKETS_PER_BATCH 1024
/* Expired keys remembered per batch (the rest wait for the next sweep). */
#define KEYSPACE_EXPIRE_BATCH_CAPACITY 256
/* Share of a cron tick active expiry may use, in percent (Redis: 25). */
#define KEYSPACE_EXPIRE_CPU_PERCENT 25
#define KEYSPACE_REHASH_US 1000
#define KEYSPACE_CONTINUATION_MS 1

static db *keyspace_databases;
static int keyspace_count;
static int keyspace_expire_next_db; /* round-robin start of the next cycle */
static double keyspace_stale_percentage;
static struct event *keyspace_continuation;

/* What one expiry batch saw. */
typedef struct expire_batch {
    long long now_ms;
    long long checked;        /* keys with a TTL looked at */
    long long ttl_sum;        /* remaining TTLs of live ones, for avg_ttl */
    long long ttl_count;
    int expired_count;
    object *expired[KEYSPACE_EXPIRE_BATCH_CAPACITY];
} expire_batch;

static long long keyspace_now_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

/* ---------------------------------------------------------------- expiry */

static void keyspace_expire_visit(void *privdata, void *entry, bool has_expire) {
    if (!has_expire) return;
    expire_batch *batch = privdata;
    long long when = object_expire(entry);
    batch->checked++;
    if (batch->now_ms > when) {
        if (batch->expired_count < KEYSPACE_EXPIRE_BATCH_CAPACITY)
            batch->expired[batch->expired_count++] = entry;
    } else {
        batch->ttl_sum += when - batch->now_ms;
        batch->ttl_count++;
    }
}

/* Folds a batch's mean remaining TTL into the database's running estimate
 * (the same 2% weight per batch as Redis). */
static void keyspace_update_average_ttl(db *d, const expire_batch *batch) {
    if (batch->ttl_count == 0) return;
    long long average = batch->ttl_sum / batch->ttl_count;
    d->average_ttl = d->average_ttl ? (d->average_ttl / 50) * 49 + average / 50 : average;
}

/* Runs batches on one database until few of the checked keys are expired,
 * one full sweep was done, or the deadline passes (then returns false).
 * Adds to *checked and *expired for the stale-percentage estimate. */
static bool keyspace_expire_db(db *d, long long now_ms, long long deadline_us, long long *checked,
                               long long *expired) {
    size_t buckets_in_table = table_slot_capacity(d->keys) / TABLE_BUCKET_SLOTS;
    size_t buckets_visited = 0;
    expire_batch batch;
    for (;;) {
        batch.now_ms = now_ms;
        batch.checked = batch.ttl_sum = batch.ttl_count = 0;
        batch.expired_count = 0;
        int visits = 0;
        do {
            d->expire_cursor = table_scan(d->keys, d->expire_cursor, keyspace_expire_visit, &batch);
            visits++;
        } while (d->expire_cursor != 0 && batch.checked < KEYSPACE_EXPIRE_KEYS_PER_BATCH &&
                 visits < KEYSPACE_EXPIRE_BUCKETS_PER_BATCH &&
                 batch.expired_count < KEYSPACE_EXPIRE_BATCH_CAPACITY);
        for (int i = 0; i < batch.expired_count; i++) db_delete_expired(d, batch.expired[i]);
        keyspace_update_average_ttl(d, &batch);
        *checked += batch.checked;
        *expired += batch.expired_count;
        buckets_visited += (size_t)visits;
        if (d->expires == 0) {
            d->average_ttl = 0;
            return true;
        }
        if (batch.expired_count * 100 <= batch.checked * KEYSPACE_ACCEPTABLE_STALE_PERCENT) return true;
        if (buckets_visited > buckets_in_table) return true;
        if (keyspace_now_us() >= deadline_us) return false;
    }
}

static bool keyspace_expiry_held; /* CLIENT PAUSE: no key is deleted for having expired */

void keyspace_set_expiry_paused(bool paused) { keyspace_expiry_held = paused; }

bool keyspace_expiry_paused(void) { return keyspace_expiry_held; }

bool keyspace_loading;

bool keyspace_active_expire(long long now_ms, long long budget_us) {
    if (keyspace_expiry_held) return false;
    long long deadline = keyspace_now_us() + budget_us;
    long long checked = 0, expired = 0;
    bool out_of_time = false;
    for (int done = 0; done < keyspace_count && !out_of_time; done++) {
        db *d = &keyspace_databases[keyspace_expire_next_db];
        if (d->expires == 0) {
            d->average_ttl = 0;
        } else if (!keyspace_expire_db(d, now_ms, deadline, &checked, &expired)) {
            out_of_time = true;
            break; /* resume with this database next time */
        }
        keyspace_expire_next_db = (keyspace_expire_next_db + 1) % keyspace_count;
    }
    if (checked > 0) {
        double current = (double)expired * 100.0 / (double)checked;
        keyspace_stale_percentage = current * 0.05 + keyspace_stale_percentage * 0.95;
        server.stats.expired_stale_percentage = (long long)(keyspace_stale_percentage + 0.5);
    }
    return out_of_time;
}

static long long keyspace_expire_budget_us(void) {
    int hz = server.config.hz > 0 ? server.config.hz : 10;
    long long budget = 1000000LL / hz * KEYSPACE_EXPIRE_CPU_PERCENT / 100;
    return budget < KEYSPACE_EXPIRE_SLICE_US ? budget : KEYSPACE_EXPIRE_SLICE_US;
}

static void keyspace_schedule_continuation(void);

static void keyspace_continue_expiry(evutil_socket_t fd, short events, void *argument) {
    (void)fd;
    (void)events;
    (void)argument;
    server_update_cached_time();
    if (server.config.active_expire_enabled &&
        keyspace_active_expire(server_unix_time_ms(), keyspace_expire_budget_us()))
        keyspace_schedule_continuation();
}

/* Runs the expiry again in a millisecond: backlog is drained without one
 * long pause, while clients are served in between. */
static void keyspace_schedule_continuation(void) {
    if (server.base == NULL) return;
    if (keyspace_continuation == NULL)
        keyspace_continuation = event_new(server.base, -1, 0, keyspace_continue_expiry, NULL);
    if (evtimer_pending(keyspace_continuation, NULL)) return;
    struct timeval delay = {0, KEYSPACE_CONTINUATION_MS * 1000};
    evtimer_add(keyspace_continuation, &delay);
}

/* ---------------------------------------------------------------- cron */

void keyspace_cron(long long now_ms) {
    /* Rehash the first database that needs it, for a millisecond; not while
     * a forked save runs (moving every entry would copy every page). */
    for (int i = 0; i < keyspace_count && server.child_pid <= 0; i++) {
        db *d = &keyspace_databases[i];
        db_shrink_if_needed(d);
        if (table_is_rehashing(d->keys)) {
            db_rehash_for(d, KEYSPACE_REHASH_US);
            break;
        }
    }
    if (server.config.active_expire_enabled && keyspace_active_expire(now_ms, keyspace_expire_budget_us()))
        keyspace_schedule_continuation();
}

static void keyspace_cron_job(void) {
    keyspace_cron(server_unix_time_ms());
}

/* ---------------------------------------------------------------- hooks */

/* INFO keyspace: one line per non-empty database. */
static void keyspace_write_info(strbuf *out) {
    for (int index = 0; index < keyspace_count; index++) {
        const db *d = &keyspace_databases[index];
        long long keys = (long long)db_size(d);
        if (keys == 0) continue;
        strbuf_printf(out, "db%d:keys=%lld,expires=%lld,avg_ttl=%lld\r\n", index, keys, (long long)d->expires,
                      (long long)d->average_ttl);
    }
}

int keyspace_key_expired(int db_index, const char *key, size_t length) {
    if (db_index < 0 || db_index >= keyspace_count) return 0;
    object *o = db_lookup(&keyspace_databases[db_index], key, length,
                          DB_LOOKUP_NOTOUCH | DB_LOOKUP_NOSTATS | DB_LOOKUP_NOEXPIRE);
    return o != NULL && db_object_expired(o, server_unix_time_ms());
}

int keyspace_key_exists(int db_index, const char *key, size_t length) {
    if (db_index < 0 || db_index >= keyspace_count) return 0;
    return db_lookup(&keyspace_databases[db_index], key, length,
                     DB_LOOKUP_NOTOUCH | DB_LOOKUP_NOSTATS | DB_LOOKUP_NOEXPIRE) != NULL;
}

/* CONFIG RESETSTAT: the figures this module owns. */
static void keyspace_reset_stats(void) {
    keyspace_stale_percentage = 0;
    lazyfree_reset_stats();
}

/* Shutdown: releases every key so that the process ends with nothing
 * allocated (LeakSanitizer and valgrind then report real leaks only).  This
 * is proportional to the data, which is acceptable once the loop is gone. */
static void keyspace_release_all(void) {
    for (int i = 0; i < keyspace_count; i++) table_release(keyspace_databases[i].keys);
    lazyfree_wait_idle();
    zmalloc_free(keyspace_databases);
    keyspace_databases = NULL;
    keyspace_count = 0;
}

int keyspace_init(int databases) {
    hash_seed_randomly();
    /* On by default as in Redis; DEBUG SET-ACTIVE-EXPIRE 0 turns it off. */
    server.config.active_expire_enabled = 1;
    keyspace_databases = zmalloc_calloc(sizeof(db) * (size_t)databases);
    keyspace_count = databases;
    for (int i = 0; i < databases; i++) db_init(&keyspace_databases[i], i);
    return 0;
}

int keyspace_database_count(void) {
    return keyspace_count;
}

db *keyspace_db(int index) {
    return &keyspace_databases[index];
}

static void (*keyspace_flush_all_hook)(void);

void keyspace_set_flush_all_hook(void (*hook)(void)) {
    keyspace_flush_all_hook = hook;
}

long long keyspace_flush_all(void) {
    long long removed = 0;
    for (int i = 0; i < keyspace_count; i++) removed += db_empty(&keyspace_databases[i]);
    if (keyspace_flush_all_hook) keyspace_flush_all_hook();
    return removed;
}

double keyspace_expired_stale_percentage(void) {
    return keyspace_stale_percentage;
}

size_t keyspace_tables_memory(void) {
    size_t bytes = 0;
    for (int i = 0; i < keyspace_count; i++) bytes += table_memory(keyspace_databases[i].keys);
    return bytes;
}

/* ---------------------------------------------------------------- module */

static int keyspace_module_init(const char **error) {
    if (keyspace_init(server.config.databases) == 0) return 0;
    *error = "Could not create the databases.";
    return -1;
}

static const config_parameter keyspace_parameters[] = {
    CONFIG_ENTRY_INTEGER("databases", &server.config.databases, TARGET_INT, 1, INT_MAX, "16", CONFIG_IMMUTABLE,
                         NULL),
    CONFIG_ENTRY_BOOL("lazyfree-lazy-user-del", &server.config.lazyfree_lazy_user_del, "no", 0),
    CONFIG_ENTRY_BOOL("lazyfree-lazy-user-flush", &server.config.lazyfree_lazy_user_flush, "no", 0),
    {.name = NULL}};

static const module_info_section keyspace_info_sections[] = {{"keyspace", keyspace_write_info}, {NULL, NULL}};

const zkv_module keyspace_module = {
    .name = "keyspace",
    .parameters = keyspace_parameters,
    .info_sections = keyspace_info_sections,
    .init = keyspace_module_init,
    .cron = keyspace_cron_job,
    .reset_stats = keyspace_reset_stats,
    .shutdown = keyspace_release_all,
};
