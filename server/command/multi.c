/* multi: transactions and optimistic locking (see multi.h).
 *
 * Watched keys live in a chained hash table keyed by (db, key).  One record
 * per (client, key) sits on both the key's list and the client's list, so
 * UNWATCH costs O(keys watched) and a key modification one hash lookup.
 * When nothing is watched at all, multi_key_modified returns after one
 * comparison: the keyspace may call it on every write.  Like Redis, a
 * touched key stays watched (and the client dirty) until EXEC, DISCARD or
 * UNWATCH.
 *
 * Expiry follows Redis 7.0: a key that was already logically expired when
 * watched may be deleted without failing the transaction (nothing changed
 * for the client), while a key that expires after WATCH fails EXEC even if
 * nobody touched it yet.  Both rules need the keyspace's view of a key
 * (present at all? logically expired?), which it registers as callbacks.
 *
 * Queued commands are copied into one allocation each (argument vector and
 * bytes together) because the parser reuses its buffer for the next command.
 */
#include "multi.h"

#include <string.h>
#include <strings.h>

#include "client.h"
#include "command.h"
#include "keyspace.h"
#include "reply.h"
#include "zmalloc.h"

/* One per (client, key): on the client's list and on the key's entry. */
struct watched_key {
    struct watch_entry *entry;
    client *c;
    int expired;                       /* the key was logically expired when watched */
    struct watched_key *next_of_client;
    struct watched_key *next_of_entry;
};

typedef struct watch_entry {
    struct watch_entry *next; /* bucket chain */
    struct watched_key *watchers;
    int db_index;
    size_t length;
    char key[];
} watch_entry;

static watch_entry **buckets;
static size_t bucket_count;
static size_t entry_count;

int multi_watching_anything(void) { return entry_count != 0; }

static int exists_in(int db_index, const watch_entry *entry) {
    return keyspace_key_exists(db_index, entry->key, entry->length);
}

static int expired_in(int db_index, const watch_entry *entry) {
    return keyspace_key_expired(db_index, entry->key, entry->length);
}

/* ---- The watched-key table ---- */

static size_t bucket_of(int db_index, const char *key, size_t length) {
    uint64_t hash = 1469598103934665603ULL ^ (uint64_t)db_index;
    for (size_t i = 0; i < length; i++) hash = (hash ^ (unsigned char)key[i]) * 1099511628211ULL;
    return (size_t)(hash & (bucket_count - 1));
}

static watch_entry *find_entry(int db_index, const char *key, size_t length) {
    if (!entry_count) return NULL;
    for (watch_entry *entry = buckets[bucket_of(db_index, key, length)]; entry; entry = entry->next) {
        if (entry->db_index == db_index && entry->length == length && !memcmp(entry->key, key, length))
            return entry;
    }
    return NULL;
}

static void grow_table(void) {
    size_t old_count = bucket_count;
    watch_entry **old = buckets;
    bucket_count = old_count ? old_count * 2 : 64;
    buckets = zmalloc_calloc(bucket_count * sizeof(watch_entry *));
    for (size_t i = 0; i < old_count; i++) {
        while (old[i]) {
            watch_entry *entry = old[i];
            old[i] = entry->next;
            size_t index = bucket_of(entry->db_index, entry->key, entry->length);
            entry->next = buckets[index];
            buckets[index] = entry;
        }
    }
    zmalloc_free(old);
}

static watch_entry *add_entry(int db_index, const char *key, size_t length) {
    if (entry_count >= bucket_count) grow_table();
    watch_entry *entry = zmalloc_alloc(sizeof(watch_entry) + length);
    entry->watchers = NULL;
    entry->db_index = db_index;
    entry->length = length;
    memcpy(entry->key, key, length);
    size_t index = bucket_of(db_index, key, length);
    entry->next = buckets[index];
    buckets[index] = entry;
    entry_count++;
    return entry;
}

static void remove_entry(watch_entry *target) {
    watch_entry **link = &buckets[bucket_of(target->db_index, target->key, target->length)];
    while (*link != target) link = &(*link)->next;
    *link = target->next;
    zmalloc_free(target);
    entry_count--;
}

static void detach_from_entry(struct watched_key *mine) {
    watch_entry *entry = mine->entry;
    struct watched_key **link = &entry->watchers;
    while (*link != mine) link = &(*link)->next_of_entry;
    *link = mine->next_of_entry;
    if (!entry->watchers) remove_entry(entry);
}

static void watch_key(client *c, int db_index, const char *key, size_t length) {
    watch_entry *entry = find_entry(db_index, key, length);
    for (struct watched_key *mine = c->watched_keys; entry && mine; mine = mine->next_of_client) {
        if (mine->entry == entry) return;
    }
    if (!entry) entry = add_entry(db_index, key, length);
    struct watched_key *mine = zmalloc_alloc(sizeof(struct watched_key));
    mine->entry = entry;
    mine->c = c;
    mine->expired = expired_in(db_index, entry);
    mine->next_of_entry = entry->watchers;
    entry->watchers = mine;
    mine->next_of_client = c->watched_keys;
    c->watched_keys = mine;
    c->watched_count++;
}

void multi_unwatch_all(client *c) {
    while (c->watched_keys) {
        struct watched_key *mine = c->watched_keys;
        c->watched_keys = mine->next_of_client;
        detach_from_entry(mine);
        zmalloc_free(mine);
    }
    c->watched_count = 0;
}

/* A watched key that was already expired when watched and is now gone
 * changed nothing logically (Redis 7.0): forget that it was expired instead
 * of failing the transaction. */
static void touch(watch_entry *entry, int still_exists) {
    for (struct watched_key *mine = entry->watchers; mine; mine = mine->next_of_entry) {
        if (mine->expired && !still_exists) mine->expired = 0;
        else mine->c->flags |= CLIENT_DIRTY_CAS;
    }
}

/* ---- Keyspace hooks ---- */

void multi_key_modified(int db_index, const char *key, size_t length) {
    if (!entry_count) return;
    watch_entry *entry = find_entry(db_index, key, length);
    if (entry) touch(entry, exists_in(db_index, entry));
}

void multi_database_flushed(int db_index) {
    for (size_t i = 0; entry_count && i < bucket_count; i++) {
        for (watch_entry *entry = buckets[i]; entry; entry = entry->next) {
            if ((db_index == -1 || entry->db_index == db_index) && exists_in(entry->db_index, entry))
                touch(entry, 0);
        }
    }
}

/* The keys of `emptied` are about to be replaced by those of `replacement`. */
static void touch_replaced(watch_entry *entry, int emptied, int replacement) {
    int in_emptied = exists_in(emptied, entry), in_replacement = exists_in(replacement, entry);
    if (!in_emptied && !in_replacement) return;
    int replacement_expired = in_replacement && expired_in(replacement, entry);
    for (struct watched_key *mine = entry->watchers; mine; mine = mine->next_of_entry) {
        if (mine->expired && !in_replacement) mine->expired = 0; /* stale key gone: no change */
        else if (mine->expired && replacement_expired) continue;  /* stale stays stale */
        else if (!mine->expired && !in_emptied && replacement_expired) mine->expired = 1;
        else mine->c->flags |= CLIENT_DIRTY_CAS;
    }
}

void multi_databases_swapped(int first_db, int second_db) {
    for (size_t i = 0; entry_count && i < bucket_count; i++) {
        for (watch_entry *entry = buckets[i]; entry; entry = entry->next) {
            if (entry->db_index == first_db) touch_replaced(entry, first_db, second_db);
            else if (entry->db_index == second_db) touch_replaced(entry, second_db, first_db);
        }
    }
}

/* 1 when a watched key, alive when watched, has expired since (EXEC fails). */
static int watched_key_expired(const client *c) {
    for (const struct watched_key *mine = c->watched_keys; mine; mine = mine->next_of_client) {
        if (!mine->expired && expired_in(mine->entry->db_index, mine->entry)) return 1;
    }
    return 0;
}

/* ---- The queue ---- */

void multi_queue_command(client *c, command *cmd) {
    multi_state *state = &c->multi;
    if (state->count == state->capacity) {
        state->capacity = state->capacity ? state->capacity * 2 : 4;
        state->commands = zmalloc_realloc(state->commands, (size_t)state->capacity * sizeof(multi_command));
    }
    size_t bytes = (size_t)c->argc * sizeof(resp_argument);
    for (int i = 0; i < c->argc; i++) bytes += c->argv[i].length;
    resp_argument *copy = zmalloc_alloc(bytes);
    char *data = (char *)(copy + c->argc);
    for (int i = 0; i < c->argc; i++) {
        memcpy(data, c->argv[i].data, c->argv[i].length);
        copy[i].data = data;
        copy[i].length = c->argv[i].length;
        data += c->argv[i].length;
    }
    state->commands[state->count++] =
        (multi_command){.command = cmd, .argc = c->argc, .flags = dispatch_command_flags(c, cmd), .argv = copy};
    reply_simple(c, "QUEUED");
}

static void exec_command(client *c);

int multi_is_exec(const command *cmd) {
    return cmd->spec->handler == exec_command;
}

int multi_queue_has_flags(const client *c, unsigned int flags) {
    for (int i = 0; i < c->multi.count; i++)
        if ((c->multi.commands[i].flags & flags) == flags) return 1;
    return 0;
}

void multi_abort_exec(client *c, const char *text) {
    reply_error_format(c, "EXECABORT Transaction discarded because of: %s", text);
    multi_discard(c);
    multi_unwatch_all(c);
}

void multi_flag_error(client *c) {
    if (c->flags & CLIENT_MULTI) c->flags |= CLIENT_DIRTY_EXEC;
}

void multi_discard(client *c) {
    for (int i = 0; i < c->multi.count; i++) zmalloc_free(c->multi.commands[i].argv);
    zmalloc_free(c->multi.commands);
    memset(&c->multi, 0, sizeof(c->multi));
    c->flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_EXEC | CLIENT_DIRTY_CAS);
}

/* ---- Commands ---- */

static void multi_command_handler(client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "ERR MULTI calls can not be nested");
        return;
    }
    c->flags |= CLIENT_MULTI;
    reply_ok(c);
}

static void discard_command(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "ERR DISCARD without MULTI");
        return;
    }
    multi_discard(c);
    multi_unwatch_all(c);
    reply_ok(c);
}

/* Runs the queue; the queue's copies stand in for argv meanwhile. */
static void run_queue(client *c) {
    int argc = c->argc;
    resp_argument *argv = c->argv;
    multi_state queue = c->multi;
    memset(&c->multi, 0, sizeof(c->multi));
    c->flags &= ~CLIENT_MULTI;
    c->flags |= CLIENT_ARGV_COPIED;
    server.in_exec = 1;
    reply_array_header(c, queue.count);
    for (int i = 0; i < queue.count; i++) {
        c->argc = queue.commands[i].argc;
        c->argv = queue.commands[i].argv;
        /* Permissions may have changed since the command was queued. */
        const char *denied = dispatch_check_permission(c, queue.commands[i].command, DISPATCH_EXEC);
        if (denied) reply_error(c, denied);
        else dispatch_call(c, queue.commands[i].command);
    }
    server.in_exec = 0;
    c->flags &= ~CLIENT_ARGV_COPIED;
    c->argc = argc;
    c->argv = argv;
    c->multi = queue;
}

static void exec_command(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "ERR EXEC without MULTI");
        return;
    }
    if (c->flags & CLIENT_DIRTY_EXEC) {
        reply_error(c, "EXECABORT Transaction discarded because of previous errors.");
    } else if ((c->flags & CLIENT_DIRTY_CAS) || watched_key_expired(c)) {
        reply_null_array(c);
    } else {
        multi_unwatch_all(c); /* keys touched by the transaction itself must not matter */
        run_queue(c);
    }
    multi_discard(c);
    multi_unwatch_all(c);
}

static void watch_command(client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    for (int i = 1; i < c->argc; i++) watch_key(c, c->db_index, c->argv[i].data, c->argv[i].length);
    reply_ok(c);
}

static void unwatch_command(client *c) {
    multi_unwatch_all(c);
    c->flags &= ~CLIENT_DIRTY_CAS;
    reply_ok(c);
}

#define TRANSACTION_FLAGS (COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE)

const command_spec multi_commands[] = {
    {.name = "multi", .handler = multi_command_handler, .arity = 1,
     .flags = TRANSACTION_FLAGS | COMMAND_FAST | COMMAND_ALLOW_BUSY, .categories = ACL_FAST | ACL_TRANSACTION,
     .group = "transactions", .summary = "Start a transaction", .since = "1.2.0", .complexity = "O(1)"},
    {.name = "exec", .handler = exec_command, .arity = 1, .flags = TRANSACTION_FLAGS | COMMAND_SKIP_SLOWLOG,
     .categories = ACL_SLOW | ACL_TRANSACTION, .group = "transactions",
     .summary = "Execute all commands issued after MULTI", .since = "1.2.0",
     .complexity = "Depends on commands in the transaction"},
    {.name = "discard", .handler = discard_command, .arity = 1,
     .flags = TRANSACTION_FLAGS | COMMAND_FAST | COMMAND_ALLOW_BUSY, .categories = ACL_FAST | ACL_TRANSACTION,
     .group = "transactions", .summary = "Discard all commands issued after MULTI", .since = "2.0.0",
     .complexity = "O(N), when N is the number of queued commands"},
    {.name = "watch", .handler = watch_command, .arity = -2,
     .flags = TRANSACTION_FLAGS | COMMAND_FAST | COMMAND_ALLOW_BUSY, .first_key = 1, .last_key = -1, .key_step = 1,
     .categories = ACL_FAST | ACL_TRANSACTION, .group = "transactions",
     .summary = "Monitor changes to keys to determine execution of a MULTI/EXEC block", .since = "2.2.0",
     .complexity = "O(1) for every key.", .key_flags = KEY_RO},
    {.name = "unwatch", .handler = unwatch_command, .arity = 1,
     .flags = TRANSACTION_FLAGS | COMMAND_FAST | COMMAND_ALLOW_BUSY, .categories = ACL_FAST | ACL_TRANSACTION,
     .group = "transactions", .summary = "Forget about all watched keys", .since = "2.2.0", .complexity = "O(1)"},
    {.name = NULL}};

void multi_client_freed(client *c) {
    multi_discard(c);
    multi_unwatch_all(c);
}
