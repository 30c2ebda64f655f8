/* networking: sockets in, commands run, replies out (see networking.h).
 *
 * Reading: one read(2) per readable event, straight into the parser's buffer
 * (16 KiB, or the rest of a big bulk so it lands in place), then every
 * complete command in the buffer is run, after prefetching the table lines
 * of their keys.  Writing: replies pile up in the client's resp_output and
 * networking_flush_pending writes them with write/writev once per loop
 * iteration, so a pipeline of N commands costs one read and one write.  Only
 * a socket that would block gets a write event; it is removed again once the
 * buffer drains.
 *
 * Listeners accept in batches.  Refusals (maxclients, protected mode) are
 * written straight to the new socket, best effort, before closing it.
 */
#define _GNU_SOURCE /* accept4 */
#include "networking.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "client.h"
#include "log.h"
#include "errorstats.h"
#include "strbuf.h"
#include "zkv_assert.h"
#include "zmalloc.h"

static void no_processor(client *c) {
    (void)c;
    zkv_assert(!"networking_set_processor was not called");
}

static const net_processor missing_processor = {.process_command = no_processor};
static const net_processor *processor = &missing_processor;

void networking_set_processor(const net_processor *installed) { processor = installed; }

#define ACCEPTS_PER_EVENT 1000
#define WRITE_VECTORS 64
#define WRITES_PER_FLUSH 64
#define PREFETCH_BATCH 64
/* A read shorter than this holds one or two small commands: their lookups
 * come at once and would not overlap, so the look-ahead would cost more
 * than it saves (an unpipelined client's every request). */
#define PREFETCH_MIN_READ 128

static void read_handler(evutil_socket_t fd, short events, void *argument);
static void write_handler(evutil_socket_t fd, short events, void *argument);

/* ---- Listeners ---- */

static char *format_error(const char *format, const char *what, int error_number) {
    strbuf message = STRBUF_INIT;
    strbuf_printf(&message, format, what, strerror(error_number));
    return strbuf_detach(&message, NULL);
}

static int add_listener(int fd, int unix_socket);

static int open_tcp_listener(const char *address, char **error) {
    int optional = address[0] == '-';
    if (optional) address++;
    if (!strcmp(address, "*")) address = "0.0.0.0";
    if (!strcmp(address, "::*")) address = "::";
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *found = NULL;
    char port[16];
    snprintf(port, sizeof(port), "%d", server.config.port);
    if (getaddrinfo(address, port, &hints, &found) != 0) {
        if (optional) return 0;
        *error = format_error("Invalid bind address '%s': %s", address, EINVAL);
        return -1;
    }
    int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (found->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    int failed = fd < 0 || bind(fd, found->ai_addr, found->ai_addrlen) != 0 ||
                 listen(fd, server.config.tcp_backlog) != 0;
    int saved_errno = errno;
    freeaddrinfo(found);
    if (failed) {
        if (fd >= 0) close(fd);
        if (optional && (saved_errno == EADDRNOTAVAIL || saved_errno == EAFNOSUPPORT ||
                         saved_errno == EPROTONOSUPPORT || saved_errno == EINVAL))
            return 0;
        strbuf message = STRBUF_INIT;
        strbuf_printf(&message, "Could not listen on %s:%d: %s", address, server.config.port,
                      strerror(saved_errno));
        *error = strbuf_detach(&message, NULL);
        return -1;
    }
    return add_listener(fd, 0);
}

static int open_unix_listener(char **error) {
    const char *path = server.config.unix_socket;
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(address.sun_path)) {
        *error = format_error("Unix socket path too long: %s (%s)", path, ENAMETOOLONG);
        return -1;
    }
    strcpy(address.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* With unixsocketperm set, the socket is created with those permissions
     * (through the umask) so it is never reachable with wider ones. */
    unsigned int permissions = server.config.unix_socket_permissions;
    mode_t previous_mask = permissions ? umask((mode_t)(~permissions & 0777)) : 0;
    int bound = fd >= 0 && bind(fd, (struct sockaddr *)&address, sizeof(address)) == 0;
    if (permissions) umask(previous_mask);
    if (!bound || listen(fd, server.config.tcp_backlog) != 0) {
        int saved_errno = errno;
        if (fd >= 0) close(fd);
        *error = format_error("Could not listen on unix socket %s: %s", path, saved_errno);
        return -1;
    }
    if (server.config.unix_socket_permissions) chmod(path, server.config.unix_socket_permissions);
    return add_listener(fd, 1);
}

static void accept_handler(evutil_socket_t fd, short events, void *argument);

static int add_listener(int fd, int unix_socket) {
    if (net.listener_count == SERVER_MAX_LISTENERS) {
        close(fd);
        return 0;
    }
    int index = net.listener_count++;
    net.listener_fds[index] = fd;
    net.listener_events[index] =
        event_new(server.base, fd, EV_READ | EV_PERSIST, accept_handler, (void *)(intptr_t)unix_socket);
    event_add(net.listener_events[index], NULL);
    return 0;
}

int networking_listen(char **error) {
    if (net.listener_count > 0) return 0; /* opened early (a module loading data at start) */
    /* The unix socket first: a client that sees the TCP port ready finds it too. */
    if (server.config.unix_socket && server.config.unix_socket[0] && open_unix_listener(error) != 0) return -1;
    if (server.config.port != 0) {
        for (int i = 0; i < server.config.bind_count; i++) {
            if (open_tcp_listener(server.config.bind[i], error) != 0) return -1;
        }
    }
    if (net.listener_count == 0) {
        strbuf message = STRBUF_INIT;
        strbuf_append_cstring(&message, "Configured to not listen anywhere (port 0 and no unixsocket)");
        *error = strbuf_detach(&message, NULL);
        return -1;
    }
    return 0;
}

void networking_close_listeners(void) {
    for (int i = 0; i < net.listener_count; i++) {
        event_free(net.listener_events[i]);
        close(net.listener_fds[i]);
    }
    net.listener_count = 0;
}

/* ---- Accepting ---- */

static void format_address(const struct sockaddr_storage *storage, char *text, size_t size) {
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (storage->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)storage;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        port = ntohs(in->sin_port);
    } else if (storage->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)storage;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
    }
    snprintf(text, size, "%s:%d", host, port);
}

static int is_loopback(const struct sockaddr_storage *storage) {
    if (storage->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)storage;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (storage->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)storage;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return 1;
}

/* Best-effort one-shot answer to a socket that is about to be closed. */
static void refuse(int fd, const char *text) {
    ssize_t ignored = write(fd, text, strlen(text));
    (void)ignored;
    close(fd);
}

static const char protected_mode_refusal[] =
    "-DENIED zkv is in protected mode: no password is set, so only loopback and unix-socket "
    "clients are accepted. Set a password (requirepass), bind explicitly with protected-mode "
    "no, or connect from the local host.\r\n";

static void configure_socket(int fd, int unix_socket) {
    if (unix_socket) return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (server.config.tcp_keepalive > 0) {
        int idle = server.config.tcp_keepalive;
        int interval = idle / 3 > 0 ? idle / 3 : 1;
        int probes = 3;
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
    }
}

static void accept_one(int fd, const struct sockaddr_storage *peer, int unix_socket) {
    server.stats.connections_received++;
    if (net.client_count >= server.config.max_clients) {
        server.stats.rejected_connections++;
        refuse(fd, "-ERR max number of clients reached\r\n");
        return;
    }
    if (server.config.protected_mode && !server.config.require_pass && !unix_socket && !is_loopback(peer)) {
        refuse(fd, protected_mode_refusal);
        return;
    }
    configure_socket(fd, unix_socket);
    client *c = client_create(fd, unix_socket);
    if (!c) {
        close(fd);
        return;
    }
    if (unix_socket) {
        snprintf(c->address, sizeof(c->address), "%s:0", server.config.unix_socket);
        snprintf(c->local_address, sizeof(c->local_address), "%s:0", server.config.unix_socket);
    } else {
        struct sockaddr_storage local;
        socklen_t length = sizeof(local);
        format_address(peer, c->address, sizeof(c->address));
        if (getsockname(fd, (struct sockaddr *)&local, &length) == 0)
            format_address(&local, c->local_address, sizeof(c->local_address));
    }
    if (networking_watch_client(c) != 0) client_free(c);
}

static void accept_handler(evutil_socket_t listener, short events, void *argument) {
    (void)events;
    int unix_socket = (int)(intptr_t)argument;
    server_update_cached_time();
    for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
        struct sockaddr_storage peer;
        socklen_t length = sizeof(peer);
        int fd = accept4(listener, (struct sockaddr *)&peer, &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                log_message(LOG_WARNING, "Accepting client connection: %s", strerror(errno));
            return;
        }
        accept_one(fd, &peer, unix_socket);
    }
}

int networking_watch_client(client *c) {
    c->read_event = event_new(server.base, c->fd, EV_READ | EV_PERSIST, read_handler, c);
    if (!c->read_event) return -1;
    return event_add(c->read_event, NULL);
}

/* ---- Reading and running ---- */

static int query_buffer_too_big(client *c) {
    size_t used = resp_parser_memory(c->parser);
    if (used <= server.config.client_query_buffer_limit) return 0;
    log_message(LOG_WARNING, "Closing client id=%llu addr=%s: query buffer of %zu bytes exceeds "
                "client-query-buffer-limit", (unsigned long long)c->id, c->address, used);
    server.stats.client_query_buffer_limit_disconnections++;
    client_close_async(c);
    return 1;
}

static void answer_protocol_error(client *c) {
    const char *text = resp_parser_error(c->parser);
    log_message(LOG_VERBOSE, "Protocol error (%s) from client id=%llu addr=%s", text,
                (unsigned long long)c->id, c->address);
    if (!(c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP))) resp_write_error(c->reply, text, strlen(text));
    errorstats_count(text, strlen(text));
    client_close_after_reply(c);
}

/* Runs every complete command buffered for c, starting with a held one
 * (argc > 0 on entry) when the client is resumed. */
static void process_input(client *c) {
    while (!(c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY | CLIENT_BLOCKED | CLIENT_PAUSED))) {
        if (c->argc == 0) {
            resp_command parsed;
            resp_parse_status status = resp_parser_next_command(c->parser, &parsed);
            if (status == RESP_PARSE_NEED_MORE) break;
            if (status == RESP_PARSE_ERROR) {
                answer_protocol_error(c);
                break;
            }
            c->argc = parsed.argc;
            c->argv = parsed.argv;
        }
        processor->process_command(c);
        if (c->flags & CLIENT_PAUSED) {
            event_del(c->read_event); /* the held arguments point into the parser's buffer */
            break;
        }
        c->argc = 0;
        c->argv = NULL;
        if (client_check_output_limits(c)) break;
    }
    if (resp_output_pending_bytes(c->reply)) client_schedule_write(c);
}

void networking_resume_client(client *c) {
    process_input(c);
    query_buffer_too_big(c);
}

void networking_resume_paused_client(client *c) {
    if (!(c->flags & CLIENT_PAUSED)) return;
    c->flags &= ~CLIENT_PAUSED;
    if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) return;
    client *previous = net.current_client;
    process_input(c);
    net.current_client = previous;
    if (!(c->flags & CLIENT_PAUSED) && c->read_event) event_add(c->read_event, NULL);
}

/* The commands of a pipelined batch look their keys up one after another,
 * each waiting for its bucket and then its object to come from memory;
 * asking for all of them first overlaps those waits.  Only a hint: a second
 * argument that is not a key costs one wasted prefetch. */
static void prefetch_batch_keys(client *c, size_t bytes_read) {
    if (bytes_read < PREFETCH_MIN_READ || !processor->prefetch_keys) return;
    resp_argument keys[PREFETCH_BATCH];
    size_t count = resp_parser_peek_keys(c->parser, keys, PREFETCH_BATCH);
    if (count < 2) return; /* a lone command looks its key up right away */
    processor->prefetch_keys(c, keys, count);
}

static void read_handler(evutil_socket_t fd, short events, void *argument) {
    (void)events;
    client *c = argument;
    if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) {
        event_del(c->read_event); /* level-triggered: stop hearing a client we are closing */
        return;
    }
    size_t capacity;
    char *area = resp_parser_read_area(c->parser, &capacity);
    if (area == NULL) { /* the parser failed (no memory for the query): answer it and close */
        process_input(c);
        return;
    }
    ssize_t count = read(fd, area, capacity);
    if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (count <= 0) {
        if (count < 0) log_message(LOG_VERBOSE, "Reading from client: %s", strerror(errno));
        client_close_async(c);
        return;
    }
    server_update_cached_time();
    resp_parser_commit_read(c->parser, (size_t)count);
    prefetch_batch_keys(c, (size_t)count);
    c->last_interaction_ms = server_unix_time_ms();
    server.stats.net_input_bytes += count;
    server.stats.total_reads_processed++;
    process_input(c);
    query_buffer_too_big(c);
}

/* ---- Writing ---- */

static void set_write_event(client *c, int wanted) {
    if (wanted == !!(c->flags & CLIENT_WRITE_INSTALLED)) return;
    if (wanted) {
        if (!c->write_event) c->write_event = event_new(server.base, c->fd, EV_WRITE | EV_PERSIST, write_handler, c);
        event_add(c->write_event, NULL);
        c->flags |= CLIENT_WRITE_INSTALLED;
    } else {
        event_del(c->write_event);
        c->flags &= ~CLIENT_WRITE_INSTALLED;
    }
}

int networking_write_client(client *c) {
    struct iovec vectors[WRITE_VECTORS];
    resp_output *output = c->reply;
    if (resp_output_failed(output)) { /* a reply is missing bytes: never send it */
        client_check_output_limits(c);
        return -1;
    }
    bool wrote = false;
    for (int round = 0; round < WRITES_PER_FLUSH; round++) {
        int count = resp_output_iovec(output, vectors, WRITE_VECTORS);
        if (count == 0) break;
        /* One vector is the usual case (a reply fits a chunk): write(2)
         * skips copying the iovec array into the kernel. */
        ssize_t written = count == 1 ? write(c->fd, vectors[0].iov_base, vectors[0].iov_len)
                                     : writev(c->fd, vectors, count);
        if (written < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == EINTR) continue;
            log_message(LOG_VERBOSE, "Error writing to client: %s", strerror(errno));
            client_close_async(c);
            return -1;
        }
        resp_output_consume(output, (size_t)written);
        server.stats.net_output_bytes += written;
        c->reply_bytes_total += (uint64_t)written;
        wrote = true;
    }
    /* Output is interaction too, as in Redis: a subscriber that only
     * receives is not idle, so the cron does not take back the output
     * buffer its next message needs (CLIENT LIST idle= agrees). */
    if (wrote) c->last_interaction_ms = server_unix_time_ms();
    server.stats.total_writes_processed++;
    int remaining = resp_output_pending_bytes(output) != 0;
    set_write_event(c, remaining);
    if (!remaining && (c->flags & CLIENT_CLOSE_AFTER_REPLY)) client_close_async(c);
    return 0;
}

static void (*before_flush_hook)(void);
static bool (*output_gate)(void);

void networking_set_before_flush(void (*hook)(void)) { before_flush_hook = hook; }
void networking_set_output_gate(bool (*held)(void)) { output_gate = held; }

static void write_handler(evutil_socket_t fd, short events, void *argument) {
    (void)fd;
    (void)events;
    client *c = argument;
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    if (output_gate && output_gate()) return; /* sent after the before-sleep flush */
    networking_write_client(c);
}

void networking_flush_pending(void) {
    /* Every flush point (before sleep, a busy script's, the resumed
     * clients') writes the AOF first: no reply leaves before its write. */
    if (before_flush_hook) before_flush_hook();
    while (net.pending_writes) {
        client *c = net.pending_writes;
        net.pending_writes = c->next_pending;
        c->flags &= ~CLIENT_PENDING_WRITE;
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        if (c->flags & CLIENT_WRITE_INSTALLED) continue; /* the write event drains it */
        networking_write_client(c);
    }
}

void networking_serve_while_busy(client *busy) {
    int capacity = net.client_count + net.listener_count;
    struct pollfd *fds = zmalloc_alloc(sizeof(*fds) * (size_t)(capacity ? capacity : 1));
    client **owners = zmalloc_alloc(sizeof(*owners) * (size_t)(capacity ? capacity : 1));
    int count = 0;
    for (int i = 0; i < net.listener_count; i++) {
        fds[count] = (struct pollfd){.fd = net.listener_fds[i], .events = POLLIN};
        owners[count++] = NULL;
    }
    for (client *c = net.clients; c && count < capacity; c = c->next) {
        if (c == busy || c->fd < 0 || (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY | CLIENT_EXECUTING)))
            continue;
        fds[count] = (struct pollfd){.fd = c->fd, .events = POLLIN};
        owners[count++] = c;
    }
    if (poll(fds, (nfds_t)count, 0) > 0) {
        for (int i = 0; i < count; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            if (i < net.listener_count) accept_handler(fds[i].fd, EV_READ, event_get_callback_arg(net.listener_events[i]));
            else if (!(owners[i]->flags & CLIENT_CLOSE_ASAP)) read_handler(fds[i].fd, EV_READ, owners[i]);
        }
    }
    zmalloc_free(fds);
    zmalloc_free(owners);
    networking_flush_pending();
}
