/* migrate_transfer: MIGRATE after its command, without blocking the loop
 * (migrate.h has the contract; migrate_commands.c the arguments).
 *
 * The client waits (CLIENT_BLOCKED: its further input stays unparsed) while
 * a non-blocking connection sends the request and reads one reply line per
 * command, every step bounded by the timeout.  Connections are kept per
 * "host:port" as Redis keeps them (64 at most, closed after ten idle
 * seconds, INFO migrate_cached_sockets), SELECT omitted when a kept one is
 * already in the database, and a socket error before any RESTORE was
 * acknowledged is retried once on a new connection, as Redis does.  A new
 * connection goes to a numeric address at once, to a name through
 * libevent's asynchronous resolver (Redis resolves on its loop).
 *
 * Each RESTORE acknowledged deletes its key (unless COPY), logged as a DEL;
 * the client gets +OK, the target's first error as "ERR Target instance
 * replied with error: ...", or "IOERR error or timeout connecting to the
 * client" / "... writing to target instance" / "... reading to target
 * instance" (a refused connection shows when writing, as in Redis), then its
 * pipelined commands run.
 *
 * Because other clients run meanwhile: a key written, deleted or flushed
 * before its acknowledgement is not deleted (the target holds the value
 * sent, the source the newer one: nothing is lost), and a client that
 * disconnects abandons the transfer (keys acknowledged so far are deleted,
 * its half-used connection closed).  Two MIGRATEs to one target at once use
 * two connections (the second is not kept).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "command.h"
#include "db.h"
#include "keyspace.h"
#include "migrate.h"
#include "networking.h"
#include "notify.h"
#include "persist.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"
#include "zmalloc.h"

#define MIGRATE_LINE_MAX 1024 /* the part of a reply line kept, as Redis's buffers */
#define MIGRATE_CACHE_ITEMS 64       /* connections kept, as Redis */
#define MIGRATE_CACHE_TTL_SECONDS 10 /* an idle one closes after this, as Redis */

enum migrate_phase { PHASE_RESOLVING, PHASE_CONNECTING, PHASE_WRITING, PHASE_READING };


/* A connection kept for the next MIGRATE to the same "host:port", with the
 * database it last SELECTed (-1: unknown), as Redis's cache. */
typedef struct cached_socket {
    char *name;
    int fd;
    long long last_db;
    long long last_use_seconds;
    bool busy; /* a migration is using it */
    struct cached_socket *next;
} cached_socket;

typedef struct migration {
    migrate_request r;      /* what to send, to whom, for which keys */
    client *c;              /* NULL once the client went away */
    bool retried;           /* Redis retries once on a fresh connection */
    char *name;             /* "host:port", the cache's key */
    enum migrate_phase phase;
    int fd;                 /* owned by `cached` when that is set */
    cached_socket *cached;
    struct event *io;       /* fd readiness, or the resolver's deadline */
    struct evdns_getaddrinfo_request *lookup;
    strbuf request;         /* [AUTH] [SELECT] RESTORE... for this connection */
    size_t sent;
    /* replies: [AUTH] [SELECT] then one per key */
    bool has_auth, has_select;
    int replies_read;
    char auth_line[MIGRATE_LINE_MAX], select_line[MIGRATE_LINE_MAX], line[MIGRATE_LINE_MAX];
    size_t line_length;
    bool error_replied;     /* a target's error was answered: later ones are not */
    struct migration *next;
} migration;

static migration *in_flight;        /* every running migration */
static cached_socket *cache;        /* MIGRATE_CACHE_ITEMS at most */
static struct evdns_base *resolver; /* created at the first host name */

/* ---------------------------------------------------------------- cache */

static void cache_remove(cached_socket *entry) {
    for (cached_socket **p = &cache; *p; p = &(*p)->next) {
        if (*p != entry) continue;
        *p = entry->next;
        close(entry->fd);
        zmalloc_free(entry->name);
        zmalloc_free(entry);
        server.migrate_cached_sockets--;
        return;
    }
}

static cached_socket *cache_find(const char *name) {
    for (cached_socket *e = cache; e; e = e->next)
        if (strcmp(e->name, name) == 0) return e;
    return NULL;
}

/* Keeps a new connection (busy) under `name`, dropping the idlest idle one
 * when full; NULL when every kept connection is busy. */
static cached_socket *cache_add(const char *name, int fd) {
    if (server.migrate_cached_sockets >= MIGRATE_CACHE_ITEMS) {
        cached_socket *idlest = NULL;
        for (cached_socket *e = cache; e; e = e->next)
            if (!e->busy && (!idlest || e->last_use_seconds < idlest->last_use_seconds)) idlest = e;
        if (!idlest) return NULL;
        cache_remove(idlest);
    }
    cached_socket *e = zmalloc_calloc(sizeof(*e));
    e->name = zmalloc_alloc(strlen(name) + 1);
    strcpy(e->name, name);
    e->fd = fd;
    e->last_db = -1;
    e->busy = true;
    e->next = cache;
    cache = e;
    server.migrate_cached_sockets++;
    return e;
}

void migrate_cron(void) {
    long long now = server_unix_time_ms() / 1000;
    for (cached_socket *e = cache, *next; e; e = next) {
        next = e->next;
        if (!e->busy && now - e->last_use_seconds > MIGRATE_CACHE_TTL_SECONDS) cache_remove(e);
    }
}

/* ---------------------------------------------------------------- ending */

static void unlink_migration(migration *m) {
    for (migration **p = &in_flight; *p; p = &(*p)->next) {
        if (*p == m) {
            *p = m->next;
            return;
        }
    }
}

/* Lets go of the connection: back to the cache when it is in a known state
 * (`keep`), else closed (and out of the cache). */
static void release_connection(migration *m, bool keep) {
    if (m->io) {
        event_free(m->io);
        m->io = NULL;
    }
    if (m->cached) {
        if (keep) {
            m->cached->busy = false;
            m->cached->last_use_seconds = server_unix_time_ms() / 1000;
            m->cached->last_db = m->error_replied ? -1 : m->r.target_db;
        } else {
            cache_remove(m->cached);
        }
        m->cached = NULL;
    } else if (m->fd >= 0) {
        close(m->fd);
    }
    m->fd = -1;
}

static void free_migration(migration *m) {
    unlink_migration(m);
    release_connection(m, false);
    migrate_request_free(&m->r);
    zmalloc_free(m->name);
    strbuf_free(&m->request);
    zmalloc_free(m);
}

/* An error reply to the waiting client.  Inside its own MIGRATE (a failure
 * known at once) dispatch counts the failed call; later, this does. */
static void reply_failure(client *c, const char *error) {
    client *previous = net.current_client;
    net.current_client = c;
    reply_error(c, error);
    if (!(c->flags & CLIENT_EXECUTING) && c->last_command) c->last_command->stats.failed_calls++;
    net.current_client = previous;
}

/* Answers the suspended client (unless gone) and lets it run its input:
 * from an event, by resuming it; inside its own MIGRATE, dispatch goes on
 * with its input once the flag is gone (resuming there would nest). */
static void answer(migration *m, const char *error) {
    client *c = m->c;
    if (c == NULL) return;
    if (error) {
        reply_failure(c, error);
    } else if (!m->error_replied) {
        client *previous = net.current_client;
        net.current_client = c;
        reply_ok(c);
        net.current_client = previous;
    }
    c->flags &= ~CLIENT_BLOCKED;
    m->c = NULL;
    if (c->flags & CLIENT_EXECUTING) return;
    client_schedule_write(c);
    networking_resume_client(c);
}

static const char *phase_failure(enum migrate_phase phase) {
    if (phase == PHASE_RESOLVING || phase == PHASE_CONNECTING) return "connecting to the client";
    return phase == PHASE_WRITING ? "writing to target instance" : "reading to target instance";
}

/* Ends with an I/O failure: "IOERR ..." unless the target's error was
 * already answered (Redis answers that one only). */
static void fail(migration *m, enum migrate_phase phase) {
    char text[96];
    snprintf(text, sizeof(text), "IOERR error or timeout %s", phase_failure(phase));
    if (m->error_replied) answer(m, NULL);
    else answer(m, text);
    free_migration(m);
}

/* ---------------------------------------------------------------- replies */

/* The target acknowledged key `index`: delete it as DEL would, unless COPY
 * or it changed meanwhile. */
static void delete_acknowledged(migration *m, int index) {
    migrate_key *k = &m->r.keys[index];
    if (m->r.copy || k->changed || m->r.db_index >= keyspace_database_count()) return;
    db *d = keyspace_db(m->r.db_index);
    if (!db_delete(d, k->name, k->length, false)) return;
    notify_keyspace_event(NOTIFY_GENERIC, "del", m->r.db_index, k->name, k->length);
    propagate_deletion(m->r.db_index, k->name, k->length);
    server.stats.dirty++;
}

static int preamble_replies(const migration *m) {
    return (m->has_auth ? 1 : 0) + (m->has_select ? 1 : 0);
}

/* One complete reply line (without CR LF), in order. */
static void take_line(migration *m, const char *line) {
    int index = m->replies_read++;
    if (m->has_auth && index == 0) {
        snprintf(m->auth_line, sizeof(m->auth_line), "%s", line);
        return;
    }
    if (m->has_select && index == (m->has_auth ? 1 : 0)) {
        snprintf(m->select_line, sizeof(m->select_line), "%s", line);
        return;
    }
    int key = index - preamble_replies(m);
    const char *error = m->has_auth && m->auth_line[0] == '-'     ? m->auth_line
                        : m->has_select && m->select_line[0] == '-' ? m->select_line
                        : line[0] == '-'                           ? line
                                                                   : NULL;
    if (error == NULL) {
        delete_acknowledged(m, key);
    } else if (!m->error_replied && m->c) {
        char text[MIGRATE_LINE_MAX + 64];
        snprintf(text, sizeof(text), "ERR Target instance replied with error: %s", error + 1);
        reply_failure(m->c, text);
        m->error_replied = true;
    }
}

/* ---------------------------------------------------------------- I/O */

static void io_ready(evutil_socket_t fd, short what, void *context);
static void start_connection(migration *m);

static int arm(migration *m, short what) {
    struct timeval tv = {.tv_sec = (time_t)(m->r.timeout_ms / 1000),
                         .tv_usec = (suseconds_t)(m->r.timeout_ms % 1000) * 1000};
    if (m->io) event_free(m->io);
    m->io = event_new(server.base, m->fd, what, io_ready, m);
    return m->io && event_add(m->io, &tv) == 0 ? 0 : -1;
}

/* The request for this connection: SELECT only when it may be elsewhere. */
static void compose_request(migration *m) {
    m->has_select = m->cached == NULL || m->cached->last_db != m->r.target_db;
    strbuf_clear(&m->request);
    if (m->r.auth.length) strbuf_append(&m->request, m->r.auth.data, m->r.auth.length);
    if (m->has_select) strbuf_append(&m->request, m->r.select.data, m->r.select.length);
    strbuf_append(&m->request, m->r.body.data, m->r.body.length);
    m->sent = 0;
    m->replies_read = 0;
    m->line_length = 0;
}

/* A socket error (not a timeout, which `timed_out` says): Redis closes the
 * connection and, when no RESTORE was acknowledged yet, tries once more on
 * a new one (a kept connection the target closed meanwhile). */
static void socket_failed(migration *m, enum migrate_phase phase, bool timed_out) {
    release_connection(m, false);
    if (!timed_out && !m->retried && m->replies_read <= preamble_replies(m) && !m->error_replied) {
        m->retried = true;
        start_connection(m);
        return;
    }
    fail(m, phase);
}

static void read_replies(migration *m) {
    char buffer[4096];
    for (;;) {
        ssize_t n = read(m->fd, buffer, sizeof(buffer));
        if (n == 0) break; /* closed before every reply came */
        if (n < 0) {
            if (errno == EINTR) continue;
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && arm(m, EV_READ) == 0) return;
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
            if (m->replies_read == preamble_replies(m) + m->r.key_count) {
                release_connection(m, true);
                answer(m, NULL);
                free_migration(m);
                return;
            }
        }
    }
    socket_failed(m, PHASE_READING, false);
}

static void write_request(migration *m) {
    m->phase = PHASE_WRITING;
    if (preamble_replies(m) + m->r.key_count == 0) { /* nothing to ask: Redis answers +OK */
        release_connection(m, true);
        answer(m, NULL);
        free_migration(m);
        return;
    }
    while (m->sent < m->request.length) {
        ssize_t n = write(m->fd, m->request.data + m->sent, m->request.length - m->sent);
        if (n > 0) {
            m->sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && arm(m, EV_WRITE) == 0) return;
        socket_failed(m, PHASE_WRITING, false);
        return;
    }
    m->phase = PHASE_READING;
    read_replies(m);
}

static void io_ready(evutil_socket_t fd, short what, void *context) {
    (void)fd;
    migration *m = context;
    if (what & EV_TIMEOUT) {
        if (m->phase == PHASE_CONNECTING) fail(m, PHASE_CONNECTING);
        else socket_failed(m, m->phase, true);
        return;
    }
    /* A refused connection shows when writing, as in Redis (its connect
     * does not wait for the handshake either). */
    if (m->phase == PHASE_READING) read_replies(m);
    else write_request(m);
}

/* Starts a non-blocking connection to one address and keeps it in the
 * cache; 0, or -1 when it failed at once. */
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
    if (!cache_find(m->name)) m->cached = cache_add(m->name, fd);
    compose_request(m);
    m->phase = PHASE_CONNECTING;
    if (arm(m, EV_WRITE) == 0) return 0;
    release_connection(m, false);
    return -1;
}

static void connect_first(migration *m, const struct evutil_addrinfo *addresses) {
    for (const struct evutil_addrinfo *a = addresses; a; a = a->ai_next)
        if (connect_to(m, a->ai_addr, (socklen_t)a->ai_addrlen) == 0) return;
    fail(m, PHASE_CONNECTING);
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
        fail(m, PHASE_RESOLVING);
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

/* A kept connection to the target when one is idle, else a new one:
 * numeric addresses at once, names through the asynchronous resolver. */
static void start_connection(migration *m) {
    cached_socket *kept = cache_find(m->name);
    if (kept && !kept->busy) {
        kept->busy = true;
        m->cached = kept;
        m->fd = kept->fd;
        compose_request(m);
        write_request(m);
        return;
    }
    struct sockaddr_storage storage;
    memset(&storage, 0, sizeof(storage));
    struct sockaddr_in *v4 = (struct sockaddr_in *)&storage;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&storage;
    if (inet_pton(AF_INET, m->r.host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)m->r.port);
        if (connect_to(m, (struct sockaddr *)v4, sizeof(*v4)) != 0) fail(m, PHASE_CONNECTING);
        return;
    }
    if (inet_pton(AF_INET6, m->r.host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)m->r.port);
        if (connect_to(m, (struct sockaddr *)v6, sizeof(*v6)) != 0) fail(m, PHASE_CONNECTING);
        return;
    }
    if (!resolver) resolver = evdns_base_new(server.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (!resolver) {
        fail(m, PHASE_RESOLVING);
        return;
    }
    char port[16];
    snprintf(port, sizeof(port), "%d", m->r.port);
    struct evutil_addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    m->phase = PHASE_RESOLVING;
    struct timeval tv = {.tv_sec = (time_t)(m->r.timeout_ms / 1000),
                         .tv_usec = (suseconds_t)(m->r.timeout_ms % 1000) * 1000};
    m->io = evtimer_new(server.base, resolve_timeout, m);
    if (m->io) evtimer_add(m->io, &tv);
    /* May answer at once (a hosts-file name): resolved() owns `m` from here,
     * and a request is returned only when it did not. */
    struct evdns_getaddrinfo_request *request = evdns_getaddrinfo(resolver, m->r.host, port, &hints, resolved, m);
    if (request) m->lookup = request;
}

/* ---------------------------------------------------------------- watchers */

static void migrating_key_modified(int db_index, const char *key, size_t length) {
    for (migration *m = in_flight; m; m = m->next) {
        if (m->r.db_index != db_index) continue;
        for (int i = 0; i < m->r.key_count; i++)
            if (m->r.keys[i].length == length && memcmp(m->r.keys[i].name, key, length) == 0) m->r.keys[i].changed = true;
    }
}

static void migrating_keys_flushed(int db_index) {
    for (migration *m = in_flight; m; m = m->next)
        if (db_index < 0 || m->r.db_index == db_index)
            for (int i = 0; i < m->r.key_count; i++) m->r.keys[i].changed = true;
}

static void client_freed(client *c) {
    if (!(c->flags & CLIENT_BLOCKED)) return;
    for (migration *m = in_flight; m; m = m->next) {
        if (m->c != c) continue;
        m->c = NULL;
        if (m->lookup) evdns_getaddrinfo_cancel(m->lookup); /* resolved() frees it */
        else free_migration(m); /* a half-used connection is closed, not kept */
        return;
    }
}


void migrate_request_init(migrate_request *r) {
    memset(r, 0, sizeof(*r));
    strbuf_init(&r->auth);
    strbuf_init(&r->select);
    strbuf_init(&r->body);
}

void migrate_request_free(migrate_request *r) {
    for (int i = 0; i < r->key_count; i++) zmalloc_free(r->keys[i].name);
    zmalloc_free(r->keys);
    strbuf_free(&r->auth);
    strbuf_free(&r->select);
    strbuf_free(&r->body);
    r->keys = NULL;
    r->key_count = 0;
}

void migrate_transfer_start(client *c, migrate_request *request) {
    migration *m = zmalloc_calloc(sizeof(*m));
    m->r = *request;
    migrate_request_init(request); /* moved: the caller's copy is empty */
    m->fd = -1;
    m->has_auth = m->r.auth.length > 0;
    strbuf_init(&m->request);
    m->name = zmalloc_alloc(strlen(m->r.host) + 16);
    sprintf(m->name, "%s:%d", m->r.host, m->r.port);
    m->c = c;
    m->next = in_flight;
    in_flight = m;
    c->flags |= CLIENT_BLOCKED;
    start_connection(m);
}

void migrate_init(void) {
    notify_add_key_observer(migrating_key_modified);
    notify_add_flush_observer(migrating_keys_flushed);
    client_add_free_hook(client_freed);
}
