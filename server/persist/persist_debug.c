/* persist_debug: DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE], DEBUG POPULATE
 * count [prefix] [size] and DEBUG SET-SKIP-CHECKSUM-VALIDATION <0|1>, with
 * Redis 7.0's replies; registered into DEBUG
 * through admin's debug_extension table (DEBUG lives below persistence).
 *
 * RELOAD saves (SAVE's code), empties every database and loads the file
 * back, all on the loop, as Redis does: it is a test of the round trip, not
 * an operation for production.  A running background save is abandoned
 * first, since the databases it walks are about to be emptied.  POPULATE
 * lives here because the persistence tests are what need big datasets
 * quickly: keys <prefix>:<n> holding "value:<n>", cut or zero-padded to
 * `size` bytes; existing keys are left alone.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "db.h"
#include "debug_extension.h"
#include "function_libraries.h"
#include "key_access.h"
#include "keyspace.h"
#include "log.h"
#include "multi.h"
#include "number.h"
#include "persist.h"
#include "reply.h"
#include "server.h"
#include "zmalloc.h"

static void debug_reload(client *c) {
    bool flush = true, save = true, merge = false;
    for (int j = 2; j < c->argc; j++) {
        if (args_is(&c->argv[j], "merge")) {
            merge = true;
        } else if (args_is(&c->argv[j], "noflush")) {
            flush = false;
        } else if (args_is(&c->argv[j], "nosave")) {
            save = false;
        } else {
            reply_error(c, "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
            return;
        }
    }
    bgsave_abort();
    if (save) {
        long long dirty = server.stats.dirty;
        char *error = NULL;
        if (rdb_save_file(server.config.db_filename, getpid(), &error) != 0) {
            zmalloc_free(error);
            reply_error(c, "ERR");
            return;
        }
        persist_saved(dirty);
    }
    if (flush) {
        multi_database_flushed(-1);
        for (int i = 0; i < keyspace_database_count(); i++) db_empty(keyspace_db(i));
        function_libraries_flush(); /* Redis empties them too: the file brings them back */
    }
    bool missing;
    char *error = NULL;
    if (rdb_load_file(server.config.db_filename, merge, &missing, &error) != 0 || missing) {
        if (error) log_message(LOG_WARNING, "%s", error);
        zmalloc_free(error);
        reply_error(c, "ERR Error trying to load the RDB dump");
        return;
    }
    log_message(LOG_WARNING, "DB reloaded by DEBUG RELOAD");
    reply_ok(c);
}

static void debug_populate(client *c) {
    long long count, size = 0;
    if (!number_parse_integer(c->argv[2].data, c->argv[2].length, &count) || count < 0) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    if (c->argc == 5 && (!number_parse_integer(c->argv[4].data, c->argv[4].length, &size) || size < 0)) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    const char *prefix = c->argc >= 4 ? c->argv[3].data : "key";
    size_t prefix_length = c->argc >= 4 ? c->argv[3].length : 3;
    db *d = key_db(c);
    char *key = zmalloc_alloc(prefix_length + 32);
    char *value = zmalloc_calloc((size_t)size + 32);
    memcpy(key, prefix, prefix_length);
    for (long long j = 0; j < count; j++) {
        size_t key_length = prefix_length + (size_t)snprintf(key + prefix_length, 32, ":%lld", j);
        if (db_lookup(d, key, key_length, DB_LOOKUP_WRITE | DB_LOOKUP_NOTOUCH)) continue;
        int written = snprintf(value, 32, "value:%lld", j);
        size_t value_length = (size_t)written;
        if (size > 0) {
            if ((size_t)size > value_length) memset(value + value_length, 0, (size_t)size - value_length);
            value_length = (size_t)size;
        }
        db_add(d, object_create_string(key, key_length, value, value_length, OBJECT_STRING_AUTO, OBJECT_NO_EXPIRE));
    }
    zmalloc_free(key);
    zmalloc_free(value);
    reply_ok(c);
}

bool persist_skip_checksum;

static void debug_skip_checksum(client *c) {
    persist_skip_checksum = c->argv[2].length > 0 && c->argv[2].data[0] != '0';
    reply_ok(c);
}

static const char *const skip_checksum_help[] = {
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enable/disable checksum checks for RESTORE (and nothing else: zkv validates payloads fully).",
    NULL};
static const char *const reload_help[] = {
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Options: MERGE (a key in the file",
    "    replaces one in memory), NOFLUSH (keep the data in memory), NOSAVE (load the file as is).",
    NULL};
static const char *const populate_help[] = {
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named <prefix>:<n> (prefix 'key' by default), each holding",
    "    'value:<n>' cut or zero-padded to <size> bytes when given; existing keys are kept.",
    NULL};

static const debug_extension reload_extension = {"reload", 2, -1, debug_reload, reload_help};
static const debug_extension populate_extension = {"populate", 3, 5, debug_populate, populate_help};
static const debug_extension skip_checksum_extension = {"set-skip-checksum-validation", 3, 3, debug_skip_checksum,
                                                        skip_checksum_help};

void persist_debug_init(void) {
    debug_register_extension(&reload_extension);
    debug_register_extension(&populate_extension);
    debug_register_extension(&skip_checksum_extension);
    persist_digest_init();
    persist_debug_object_init();
}
