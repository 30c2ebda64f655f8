/* migrate_commands: MIGRATE host port key|"" destination-db timeout [COPY]
 * [REPLACE] [AUTH password] [AUTH2 username password] [KEYS key ...], with
 * Redis 7.0's arguments, key specs, replies and errors, without blocking
 * the loop.
 *
 * Redis talks to the target with blocking socket calls; zkv's single thread
 * must not wait on a network peer, so the command runs in three steps:
 *   1. on the loop, in the command: the options are checked (Redis's order
 *      and texts), the keys looked up (+NOKEY when none exists) and the
 *      whole request built at once, as Redis builds it: AUTH when asked,
 *      SELECT, then RESTORE key ttl payload [REPLACE] per key with DUMP's
 *      payload (rdb_format) and the remaining TTL;
 *   2. the client is suspended (CLIENT_BLOCKED: its further input waits)
 *      while a non-blocking connection (numeric hosts at once, names
 *      through libevent's asynchronous resolver) sends the request and
 *      reads one reply line per command, every step bounded by `timeout`
 *      milliseconds (1000 when not positive, as Redis);
 *   3. each RESTORE acknowledged deletes its key (unless COPY), logged as
 *      a DEL; the client gets +OK, the first error of the target as "ERR
 *      Target instance replied with error: ...", or "IOERR error or
 *      timeout connecting to the client" / "... writing to target
 *      instance" / "... reading to target instance", and its pipelined
 *      commands run.
 *
 * What differs from Redis because other clients run meanwhile: a key
 * written, deleted or flushed between step 1 and its acknowledgement is
 * not deleted (the target holds the value sent, the source keeps the newer
 * one: nothing is lost).  A client that disconnects mid-way abandons the
 * transfer (keys acknowledged so far are deleted, the rest stay).  Inside
 * MULTI or a script, where a command cannot wait, MIGRATE answers an error
 * instead of freezing the server.  Redis caches a connection per target for
 * ten seconds and omits SELECT when it already chose the database; zkv
 * connects each time and always sends SELECT (the target sees the same
 * data).  In cluster mode Redis sends RESTORE-ASKING; zkv sends RESTORE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "blocking.h"
#include "command.h"
#include "db.h"
#include "key_access.h"
#include "keyspace.h"
#include "networking.h"
#include "notify.h"
#include "persist.h"
#include "propagate.h"
#include "rdb_format.h"
#include "reply.h"
#include "server.h"
#include "strbuf.h"
#include "zkv_assert.h"
#include "zmalloc.h"

#define MIGRATE_LINE_MAX 1024 /* the part of a reply line kept, as Redis's buffers */
#define MIGRATE_DEFAULT_TIMEOUT_MS 1000

enum migrate_phase { PHASE_RESOLVING, PHASE_CONNECTING, PHASE_WRITING, PHASE_READING };

typedef struct migrate_key {
    char *name;
    size_t length;
    bool changed; /* written, deleted or flushed since its payload was made */
} migrate_key;

typedef struct migration {
    client *c;              /* NULL once the client went away */
    int db_index;
    bool copy;
    long long timeout_ms;
    int port;
    enum migrate_phase phase;
    int fd;
    struct event *io;       /* fd readiness, or the resolver's deadline */
    struct evdns_getaddrinfo_request *lookup;
    strbuf request;
    size_t sent;
    /* replies: [AUTH] SELECT then one per key */
    bool has_auth;
    int replies_read;
    char auth_line[MIGRATE_LINE_MAX], select_line[MIGRATE_LINE_MAX], line[MIGRATE_LINE_MAX];
    size_t line_length;
    bool error_replied;     /* a target's error was answered: later ones are not */
    migrate_key *keys;
    int key_count;
    struct migration *next;
} migration;

static migration *in_flight;        /* every running migration */
static struct evdns_base *resolver; /* created at the first host name */

/* ---------------------------------------------------------------- ending */

static void unlink_migration(migration *m) {
    for (migration **p = &in_flight; *p; p = &(*p)->next) {
        if (*p == m) {
            *p = m->next;
            return;
        }
    }
}

static void free_migration(migration *m) {
    unlink_migration(m);
    if (m->io) event_free(m->io);
    if (m->fd >= 0) close(m->fd);
    for (int i = 0; i < m->key_count; i++) zmalloc_free(m->keys[i].name);
    zmalloc_free(m->keys);
    strbuf_free(&m->request);
    zmalloc_free(m);
}

/* Answers the suspended client (unless gone) and lets it run its input. */
static void answer(migration *m, const char *error) {
    client *c = m->c;
    if (c == NULL) return;
    client *previous = net.current_client;
    net.current_client = c;
    if (error) {
        reply_error(c, error);
        if (c->last_command) c->last_command->stats.failed_calls++;
    } else if (!m->error_replied) {
        reply_ok(c);
    }
    net.current_client = previous;
    c->flags &= ~CLIENT_BLOCKED;
    m->c = NULL;
    client_schedule_write(c);
    networking_resume_client(c);
}

/* Ends with an I/O failure: "IOERR ..." unless the target's error was
 * already answered (Redis answers that one only). */
static void fail(migration *m, const char *what) {
    char text[96];
    snprintf(text, sizeof(text), "IOERR error or timeout %s", what);
    if (m->error_replied) answer(m, NULL);
    else answer(m, text);
    free_migration(m);
}

static const char *phase_failure(enum migrate_phase phase) {
    if (phase == PHASE_RESOLVING || phase == PHASE_CONNECTING) return "connecting to the client";
    return phase == PHASE_WRITING ? "writing to target instance" : "reading to target instance";
}

/* ---------------------------------------------------------------- replies */

/* The target acknowledged key `index`: delete it as DEL would, unless COPY
 * or it changed meanwhile. */
static void delete_acknowledged(migration *m, int index) {
    migrate_key *k = &m->keys[index];
    if (m->copy || k->changed || m->db_index >= keyspace_database_count()) return;
    db *d = keyspace_db(m->db_index);
    if (!db_delete(d, k->name, k->length, false)) return;
    notify_keyspace_event(NOTIFY_GENERIC, "del", m->db_index, k->name, k->length);
    propagate_deletion(m->db_index, k->name, k->length);
    server.stats.dirty++;
}

/* One complete reply line (without CR LF), in order. */
static void take_line(migration *m, const char *line) {
    int index = m->replies_read++;
    if (m->has_auth && index == 0) {
        snprintf(m->auth_line, sizeof(m->auth_line), "%s", line);
        return;
    }
    if (index == (m->has_auth ? 1 : 0)) {
        snprintf(m->select_line, sizeof(m->select_line), "%s", line);
        return;
    }
    int key = index - (m->has_auth ? 2 : 1);
    const char *error = m->has_auth && m->auth_line[0] == '-' ? m->auth_line
                        : m->select_line[0] == '-'             ? m->select_line
                        : line[0] == '-'                       ? line
                                                               : NULL;
    if (error == NULL) {
        delete_acknowledged(m, key);
    } else if (!m->error_replied && m->c) {
        char text[MIGRATE_LINE_MAX + 64];
        snprintf(text, sizeof(text), "ERR Target instance replied with error: %s", error + 1);
        client *previous = net.current_client;
        net.current_client = m->c;
        reply_error(m->c, text);
        if (m->c->last_command) m->c->last_command->stats.failed_calls++;
        net.current_client = previous;
        m->error_replied = true;
    }
}

static int replies_expected(const migration *m) {
    return (m->has_auth ? 1 : 0) + 1 + m->key_count;
}

/* ---------------------------------------------------------------- I/O */

static void io_ready(evutil_socket_t fd, short what, void *context);

static int arm(migration *m, short what) {
    struct timeval tv = {.tv_sec = (time_t)(m->timeout_ms / 1000),
                         .tv_usec = (suseconds_t)(m->timeout_ms % 1000) * 1000};
    if (m->io) event_free(m->io);
    m->io = event_new(server.base, m->fd, what, io_ready, m);
    return m->io && event_add(m->io, &tv) == 0 ? 0 : -1;
}

static void read_replies(migration *m) {
    char buffer[4096];
    for (;;) {
        ssize_t n = read(m->fd, buffer, sizeof(buffer));
        if (n == 0) break; /* closed before every reply came */
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (arm(m, EV_READ) == 0) return;
            }
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            char ch = buffer[i];
            if (ch != '\n') {
                if (m->line_length < sizeof(m->line) - 1) m->line[m->line_length++] = ch;
                continue;
            }
            if (m->line_length > 0 && m->line[m->line_length - 1] == '\r') m->line_length--;
            m->line[m->line_length] = '\0';
            m->line_length = 0;
            take_line(m, m->line);
            if (m->replies_read == replies_expected(m)) {
                answer(m, NULL);
                free_migration(m);
                return;
            }
        }
    }
    fail(m, phase_failure(PHASE_READING));
}

static void write_request(migration *m) {
    while (m->sent < m->request.length) {
        ssize_t n = write(m->fd, m->request.data + m->sent, m->request.length - m->sent);
        if (n > 0) {
            m->sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && arm(m, EV_WRITE) == 0) return;
        fail(m, phase_failure(PHASE_WRITING));
        return;
    }
    m->phase = PHASE_READING;
    read_replies(m);
}

static void io_ready(evutil_socket_t fd, short what, void *context) {
    (void)fd;
    migration *m = context;
    if (what & EV_TIMEOUT) {
        fail(m, phase_failure(m->phase));
        return;
    }
    if (m->phase == PHASE_CONNECTING) {
        /* A refused connection shows when writing, as in Redis (its
         * connect does not wait for the handshake either). */
        m->phase = PHASE_WRITING;
    }
    if (m->phase == PHASE_WRITING) write_request(m);
    else read_replies(m);
}

/* Starts a non-blocking connection to one address; 0, or -1 when it failed
 * at once. */
static int connect_to(migration *m, const struct sockaddr *address, socklen_t length) {
    int fd = socket(address->sa_family, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
        (connect(fd, address, length) != 0 && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    m->fd = fd;
    m->phase = PHASE_CONNECTING;
    return arm(m, EV_WRITE);
}

static void connect_first(migration *m, const struct evutil_addrinfo *addresses) {
    for (const struct evutil_addrinfo *a = addresses; a; a = a->ai_next) {
        if (connect_to(m, a->ai_addr, (socklen_t)a->ai_addrlen) == 0) return;
        if (m->fd >= 0) {
            close(m->fd);
            m->fd = -1;
        }
    }
    fail(m, phase_failure(PHASE_CONNECTING));
}

static void resolved(int result, struct evutil_addrinfo *addresses, void *context) {
    migration *m = context;
    m->lookup = NULL;
    if (m->io) {
        event_free(m->io);
        m->io = NULL;
    }
    if (result != 0 || m->c == NULL) {
        if (addresses) evutil_freeaddrinfo(addresses);
        fail(m, phase_failure(PHASE_RESOLVING));
        return;
    }
    connect_first(m, addresses);
    evutil_freeaddrinfo(addresses);
}

static void resolve_timeout(evutil_socket_t fd, short what, void *context) {
    (void)fd, (void)what;
    migration *m = context;
    if (m->lookup) evdns_getaddrinfo_cancel(m->lookup); /* calls resolved() */
}

static void start_connection(migration *m, const char *host) {
    struct sockaddr_storage storage;
    memset(&storage, 0, sizeof(storage));
    struct sockaddr_in *v4 = (struct sockaddr_in *)&storage;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&storage;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)m->port);
        if (connect_to(m, (struct sockaddr *)v4, sizeof(*v4)) != 0) fail(m, phase_failure(PHASE_CONNECTING));
        return;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)m->port);
        if (connect_to(m, (struct sockaddr *)v6, sizeof(*v6)) != 0) fail(m, phase_failure(PHASE_CONNECTING));
        return;
    }
    if (!resolver) resolver = evdns_base_new(server.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (!resolver) {
        fail(m, phase_failure(PHASE_RESOLVING));
        return;
    }
    char port[16];
    snprintf(port, sizeof(port), "%d", m->port);
    struct evutil_addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    m->phase = PHASE_RESOLVING;
    struct timeval tv = {.tv_sec = (time_t)(m->timeout_ms / 1000),
                         .tv_usec = (suseconds_t)(m->timeout_ms % 1000) * 1000};
    m->io = evtimer_new(server.base, resolve_timeout, m);
    if (m->io) evtimer_add(m->io, &tv);
    /* May answer at once (a hosts-file name), freeing nothing we touch
     * after: resolved() owns `m` from here. */
    struct evdns_getaddrinfo_request *request = evdns_getaddrinfo(resolver, host, port, &hints, resolved, m);
    if (request) m->lookup = request;
}

/* ---------------------------------------------------------------- watchers */

static void migrating_key_modified(int db_index, const char *key, size_t length) {
    for (migration *m = in_flight; m; m = m->next) {
        if (m->db_index != db_index) continue;
        for (int i = 0; i < m->key_count; i++)
            if (m->keys[i].length == length && memcmp(m->keys[i].name, key, length) == 0) m->keys[i].changed = true;
    }
}

static void migrating_keys_flushed(int db_index) {
    for (migration *m = in_flight; m; m = m->next)
        if (db_index < 0 || m->db_index == db_index)
            for (int i = 0; i < m->key_count; i++) m->keys[i].changed = true;
}

static void client_freed(client *c) {
    if (!(c->flags & CLIENT_BLOCKED)) return;
    for (migration *m = in_flight; m; m = m->next) {
        if (m->c != c) continue;
        m->c = NULL;
        if (m->lookup) evdns_getaddrinfo_cancel(m->lookup); /* resolved() frees it */
        else free_migration(m);
        return;
    }
}

/* ---------------------------------------------------------------- command */

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

static void append_command(strbuf *out, int argc, const resp_argument *argv) {
    propagate_encode(out, argc, argv);
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
    migration *m = zmalloc_calloc(sizeof(*m));
    m->fd = -1;
    m->copy = o.copy;
    m->timeout_ms = o.timeout_ms;
    m->db_index = c->db_index;
    m->has_auth = o.password != NULL;
    strbuf_init(&m->request);
    if (o.password) {
        resp_argument auth[3] = {PROPAGATE_ARG("AUTH")};
        int n = 1;
        if (o.username) auth[n++] = *o.username;
        auth[n++] = *o.password;
        append_command(&m->request, n, auth);
    }
    char number[24];
    resp_argument select[2] = {PROPAGATE_ARG("SELECT"), propagate_number(number, o.db)};
    append_command(&m->request, 2, select);
    m->keys = zmalloc_calloc((size_t)(o.key_count > 0 ? o.key_count : 1) * sizeof(*m->keys));
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
            free_migration(m);
            reply_error_format(c, "ERR %s", error);
            return;
        }
        char ttl_text[24];
        resp_argument restore[5] = {PROPAGATE_ARG("RESTORE"), *key, propagate_number(ttl_text, ttl),
                                    {payload.data, payload.length}, PROPAGATE_ARG("REPLACE")};
        append_command(&m->request, o.replace ? 5 : 4, restore);
        strbuf_free(&payload);
        migrate_key *k = &m->keys[m->key_count++];
        k->length = key->length;
        k->name = zmalloc_alloc(key->length ? key->length : 1);
        memcpy(k->name, key->data, key->length);
    }
    if (found == 0) {
        free_migration(m);
        reply_simple(c, "NOKEY");
        return;
    }
    char host[256], port_text[32];
    long port = 0;
    if (terminated(&c->argv[2], port_text, sizeof(port_text))) port = strtol(port_text, NULL, 10); /* atoi */
    m->port = port < 0 || port > 65535 ? 0 : (int)port;
    m->c = c;
    m->next = in_flight;
    in_flight = m;
    c->flags |= CLIENT_BLOCKED;
    if (!terminated(&c->argv[1], host, sizeof(host))) {
        fail(m, phase_failure(PHASE_CONNECTING));
        return;
    }
    start_connection(m, host);
}

void migrate_init(void) {
    notify_add_key_observer(migrating_key_modified);
    notify_add_flush_observer(migrating_keys_flushed);
    client_add_free_hook(client_freed);
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
