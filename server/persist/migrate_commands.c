/* migrate_commands: MIGRATE host port key|"" destination-db timeout [COPY]
 * [REPLACE] [AUTH password] [AUTH2 username password] [KEYS key ...]: the
 * arguments, key specs and COMMAND DOCS of Redis 7.0, and the request.
 *
 * Redis talks to the target with blocking socket calls; zkv's single thread
 * must not wait on a network peer.  So the command does on the loop what
 * needs the keyspace: the options are checked (Redis's order and texts),
 * the keys looked up (+NOKEY when none exists) and the whole request built
 * at once, as Redis builds it: AUTH when asked, SELECT, then RESTORE key ttl
 * payload [REPLACE] per key with DUMP's payload (rdb_format) and the
 * remaining TTL.  migrate_transfer.c then moves it while the client waits.
 *
 * Inside MULTI or a script, where a command cannot wait, MIGRATE answers an
 * error instead of freezing the server as Redis would.  In cluster mode
 * Redis sends RESTORE-ASKING; zkv sends RESTORE (it has no ASK).
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "blocking.h"
#include "command.h"
#include "key_access.h"
#include "migrate.h"
#include "persist.h"
#include "propagate.h"
#include "rdb_format.h"
#include "reply.h"
#include "server.h"
#include "strbuf.h"
#include "zmalloc.h"

#define MIGRATE_DEFAULT_TIMEOUT_MS 1000 /* for a timeout not positive, as Redis */

typedef struct migrate_options {
    bool copy, replace;
    const resp_argument *username, *password;
    int first_key, key_count;
    long long timeout_ms, db;
} migrate_options;

/* Redis's order: the options (syntax errors, KEYS with a key), then the
 * timeout and the database as integers.  False after replying. */
static bool parse_options(client *c, migrate_options *o) {
    *o = (migrate_options){.first_key = 3, .key_count = 1};
    for (int j = 6; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (args_is(&c->argv[j], "copy")) {
            o->copy = true;
        } else if (args_is(&c->argv[j], "replace")) {
            o->replace = true;
        } else if (args_is(&c->argv[j], "auth")) {
            if (more < 1) goto syntax;
            o->password = &c->argv[++j];
        } else if (args_is(&c->argv[j], "auth2")) {
            if (more < 2) goto syntax;
            o->username = &c->argv[++j];
            o->password = &c->argv[++j];
        } else if (args_is(&c->argv[j], "keys")) {
            if (c->argv[3].length != 0) {
                reply_error(c, "ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
                               "string");
                return false;
            }
            o->first_key = j + 1;
            o->key_count = c->argc - j - 1;
            break;
        } else {
            goto syntax;
        }
    }
    if (!args_integer_or_reply(c, &c->argv[5], &o->timeout_ms) || !args_integer_or_reply(c, &c->argv[4], &o->db))
        return false;
    if (o->timeout_ms <= 0) o->timeout_ms = MIGRATE_DEFAULT_TIMEOUT_MS;
    return true;
syntax:
    reply_syntax_error(c);
    return false;
}

/* A C string copy of an argument into `text` (size bytes); false if it
 * does not fit. */
static bool terminated(const resp_argument *argument, char *text, size_t size) {
    if (argument->length >= size || memchr(argument->data, '\0', argument->length)) return false;
    memcpy(text, argument->data, argument->length);
    text[argument->length] = '\0';
    return true;
}

static void migrate_command(client *c) {
    migrate_options o;
    if (!parse_options(c, &o)) return;
    if (!blocking_allowed(c)) {
        reply_error(c, "ERR MIGRATE cannot wait for the target inside MULTI or a script");
        return;
    }
    propagate_prevent(c); /* the deletions are logged as DELs when acknowledged */
    migrate_request r;
    migrate_request_init(&r);
    r.copy = o.copy;
    r.timeout_ms = o.timeout_ms;
    r.db_index = c->db_index;
    r.target_db = o.db;
    if (o.password) {
        resp_argument auth[3] = {PROPAGATE_ARG("AUTH")};
        int n = 1;
        if (o.username) auth[n++] = *o.username;
        auth[n++] = *o.password;
        propagate_encode(&r.auth, n, auth);
    }
    char number[24];
    resp_argument select[2] = {PROPAGATE_ARG("SELECT"), propagate_number(number, o.db)};
    propagate_encode(&r.select, 2, select);
    r.keys = zmalloc_calloc((size_t)(o.key_count > 0 ? o.key_count : 1) * sizeof(*r.keys));
    long long now = server_unix_time_ms();
    int found = 0;
    for (int j = 0; j < o.key_count; j++) {
        const resp_argument *key = &c->argv[o.first_key + j];
        object *value = key_read(c, key);
        if (value == NULL) continue;
        found++;
        long long ttl = 0;
        if (object_has_expire(value)) {
            ttl = object_expire(value) - now;
            if (ttl < 0) continue;
            if (ttl < 1) ttl = 1;
        }
        strbuf payload = STRBUF_INIT;
        const char *error = NULL;
        if (rdb_format_dump(value, persist.compression, &payload, &error) != 0) {
            strbuf_free(&payload);
            migrate_request_free(&r);
            reply_error_format(c, "ERR %s", error);
            return;
        }
        char ttl_text[24];
        resp_argument restore[5] = {PROPAGATE_ARG("RESTORE"), *key, propagate_number(ttl_text, ttl),
                                    {payload.data, payload.length}, PROPAGATE_ARG("REPLACE")};
        propagate_encode(&r.body, o.replace ? 5 : 4, restore);
        strbuf_free(&payload);
        migrate_key *k = &r.keys[r.key_count++];
        k->length = key->length;
        k->name = zmalloc_alloc(key->length ? key->length : 1);
        memcpy(k->name, key->data, key->length);
    }
    if (found == 0) {
        migrate_request_free(&r);
        reply_simple(c, "NOKEY");
        return;
    }
    char port_text[32];
    long port = 0;
    if (terminated(&c->argv[2], port_text, sizeof(port_text))) port = strtol(port_text, NULL, 10); /* atoi */
    r.port = port < 0 || port > 65535 ? 0 : (int)port;
    if (!terminated(&c->argv[1], r.host, sizeof(r.host))) {
        migrate_request_free(&r);
        reply_error(c, "IOERR error or timeout connecting to the client"); /* no such host */
        return;
    }
    migrate_transfer_start(c, &r);
}


/* ---------------------------------------------------------------- spec */

/* Redis 7.0's key specs: the single key, and the keys after KEYS (searched
 * from the end, "incomplete": a KEYS token may be a password, so the specs
 * give way to migrate_get_keys, Redis's migrateGetKeys). */
static const key_spec migrate_key_specs[] = {
    {.flags = KEY_RW | KEY_ACCESS | KEY_DELETE, .search = KEY_SEARCH_INDEX, .position = 3, .find = KEY_FIND_RANGE,
     .key_step = 1},
    {.flags = KEY_RW | KEY_ACCESS | KEY_DELETE | KEY_INCOMPLETE, .search = KEY_SEARCH_KEYWORD, .position = -2,
     .keyword = "KEYS", .find = KEY_FIND_RANGE, .last_key = -1, .key_step = 1},
    {0}};

/* argv[3], or every argument after a KEYS token found by skipping the
 * options' values (AUTH's one, AUTH2's two); none when KEYS comes with a
 * key (the command will refuse it). */
static int migrate_get_keys(const resp_argument *argv, int argc, int *positions, uint32_t *flags, int capacity) {
    int first = 3, count = 1;
    for (int i = 6; i < argc; i++) {
        if (args_is(&argv[i], "keys")) {
            if (argv[3].length > 0) return 0;
            first = i + 1;
            count = argc - first;
            break;
        }
        if (args_is(&argv[i], "auth")) i += 1;
        else if (args_is(&argv[i], "auth2")) i += 2;
    }
    if (count > capacity) count = capacity;
    for (int i = 0; i < count; i++) {
        positions[i] = first + i;
        flags[i] = KEY_RW | KEY_ACCESS | KEY_DELETE;
    }
    return count;
}

static const command_argument migrate_key_or_empty[] = {
    {.name = "key", .type = ARGUMENT_KEY},
    {.name = "empty_string", .type = ARGUMENT_PURE_TOKEN, .token = ""},
    {0}};
static const command_argument migrate_username_password[] = {
    {.name = "username", .type = ARGUMENT_STRING},
    {.name = "password", .type = ARGUMENT_STRING},
    {0}};
static const command_argument migrate_authentication[] = {
    {.name = "password", .type = ARGUMENT_STRING, .token = "AUTH", .flags = ARGUMENT_OPTIONAL, .since = "4.0.7"},
    {.name = "username_password", .type = ARGUMENT_BLOCK, .token = "AUTH2", .flags = ARGUMENT_OPTIONAL,
     .since = "6.0.0", .arguments = migrate_username_password},
    {0}};
static const command_argument migrate_arguments[] = {
    {.name = "host", .type = ARGUMENT_STRING},
    {.name = "port", .type = ARGUMENT_INTEGER},
    {.name = "key_or_empty_string", .type = ARGUMENT_ONEOF, .arguments = migrate_key_or_empty},
    {.name = "destination-db", .type = ARGUMENT_INTEGER},
    {.name = "timeout", .type = ARGUMENT_INTEGER},
    {.name = "copy", .type = ARGUMENT_PURE_TOKEN, .token = "COPY", .flags = ARGUMENT_OPTIONAL, .since = "3.0.0"},
    {.name = "replace", .type = ARGUMENT_PURE_TOKEN, .token = "REPLACE", .flags = ARGUMENT_OPTIONAL,
     .since = "3.0.0"},
    {.name = "authentication", .type = ARGUMENT_ONEOF, .flags = ARGUMENT_OPTIONAL,
     .arguments = migrate_authentication},
    {.name = "key", .type = ARGUMENT_KEY, .token = "KEYS", .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE,
     .since = "3.0.6"},
    {0}};

const command_spec migrate_commands[] = {
    {.name = "migrate", .handler = migrate_command, .arity = -6, .flags = COMMAND_WRITE | COMMAND_MOVABLE_KEYS,
     .first_key = 3, .last_key = 3, .key_step = 1,
     .categories = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .group = "generic",
     .summary = "Atomically transfer a key from a Redis instance to another one.", .since = "2.6.0",
     .complexity = "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the "
                   "target instance. See the pages of these commands for time complexity. Also an O(N) data "
                   "transfer between the two instances is performed.",
     .tips = "nondeterministic_output", .arguments = migrate_arguments, .key_flags = KEY_RW | KEY_ACCESS | KEY_DELETE,
     .get_keys = migrate_get_keys, .key_specs = migrate_key_specs},
    {0}};
