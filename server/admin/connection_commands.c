/* connection_commands: PING ECHO QUIT RESET SELECT TIME AUTH HELLO.
 *
 * zkv has one user, "default", whose password is `requirepass` (none when
 * unset, in which case every client starts authenticated).  AUTH and HELLO
 * follow Redis 7.0 exactly, including the quirk that `AUTH default <any>`
 * succeeds when no password is configured while `AUTH <password>` fails.
 * HELLO reports Redis's version because clients gate features on it; zkv's
 * own version is in INFO (zkv_version).
 */
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "args.h"
#include "client.h"
#include "command.h"
#include "multi.h"
#include "reply.h"
#include "zmalloc.h"

/* ---- PING ECHO TIME QUIT ---- */

static void ping_command(client *c) {
    if (c->argc > 2) {
        reply_arity_error(c);
        return;
    }
    if ((c->flags & CLIENT_PUBSUB) && c->resp_version == 2) {
        /* A RESP2 subscriber can only read pushes: PING answers as one. */
        reply_array_header(c, 2);
        reply_bulk(c, "pong", 4);
        if (c->argc == 2) reply_bulk(c, c->argv[1].data, c->argv[1].length);
        else reply_bulk(c, "", 0);
        return;
    }
    if (c->argc == 2) reply_bulk(c, c->argv[1].data, c->argv[1].length);
    else reply_simple(c, "PONG");
}

static void echo_command(client *c) { reply_bulk(c, c->argv[1].data, c->argv[1].length); }

static void time_command(client *c) {
    struct timeval now;
    gettimeofday(&now, NULL);
    reply_array_header(c, 2);
    reply_bulk_integer(c, (long long)now.tv_sec);
    reply_bulk_integer(c, (long long)now.tv_usec);
}

/* Dispatch answers QUIT before lookup (as Redis 7.0); this entry exists for
 * COMMAND INFO and for QUIT queued inside EXEC. */
static void quit_command(client *c) {
    reply_ok(c);
    client_close_after_reply(c);
}

/* ---- SELECT ---- */

static void select_command(client *c) {
    long long index;
    if (!args_integer(&c->argv[1], &index)) {
        reply_not_integer(c);
        return;
    }
    if (index != 0 && server.config.cluster_enabled) {
        reply_error(c, "ERR SELECT is not allowed in cluster mode");
        return;
    }
    if (index < 0 || index >= server.config.databases) {
        reply_error(c, "ERR DB index is out of range");
        return;
    }
    c->db_index = (int)index;
    reply_ok(c);
}

/* ---- AUTH ---- */

/* 1 if the pair names a user with the right password (then the client is
 * that user); without the acl module, only default and requirepass. */
static int credentials_valid(client *c, const resp_argument *user, const resp_argument *password) {
    if (net.user_hooks) return net.user_hooks->authenticate(c, user, password);
    if (!args_is(user, "default")) return 0;
    const char *expected = server.config.require_pass;
    if (!expected) return 1;
    return password->length == server.config.require_pass_length &&
           memcmp(password->data, expected, password->length) == 0;
}

static const char wrong_password[] = "WRONGPASS invalid username-password pair or user is disabled.";

static void auth_command(client *c) {
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    if (c->argc == 2 && client_default_user_nopass()) {
        reply_error(c, "ERR AUTH <password> called without any password configured for the default user. "
                       "Are you sure your configuration is correct?");
        return;
    }
    static const resp_argument default_user = {"default", 7};
    const resp_argument *user = c->argc == 3 ? &c->argv[1] : &default_user;
    if (!credentials_valid(c, user, &c->argv[c->argc - 1])) {
        reply_error(c, wrong_password);
        return;
    }
    client_set_authenticated(c, 1);
    reply_ok(c);
}

/* ---- HELLO ---- */

static int valid_client_name(const resp_argument *name) {
    for (size_t i = 0; i < name->length; i++) {
        if (name->data[i] < '!' || name->data[i] > '~') return 0;
    }
    return 1;
}

static void set_client_name(client *c, const resp_argument *name) {
    zmalloc_free(c->name);
    c->name = NULL;
    if (!name->length) return;
    c->name = zmalloc_alloc(name->length + 1);
    memcpy(c->name, name->data, name->length);
    c->name[name->length] = '\0';
}

static void reply_hello_map(client *c) {
    reply_map_header(c, 7);
    reply_bulk_cstring(c, "server");
    reply_bulk_cstring(c, "redis");
    reply_bulk_cstring(c, "version");
    reply_bulk_cstring(c, ZKV_REDIS_COMPAT_VERSION);
    reply_bulk_cstring(c, "proto");
    reply_integer(c, c->resp_version);
    reply_bulk_cstring(c, "id");
    reply_integer(c, (long long)c->id);
    reply_bulk_cstring(c, "mode");
    reply_bulk_cstring(c, server.config.cluster_enabled ? "cluster" : "standalone");
    reply_bulk_cstring(c, "role");
    reply_bulk_cstring(c, "master");
    reply_bulk_cstring(c, "modules");
    reply_array_header(c, 0);
}

/* Runs the options after the version in order, as Redis 7.0.15 does: AUTH
 * authenticates and SETNAME names the client at once, so an error in a later
 * option leaves the earlier ones done (even the name of a client that turns
 * out not to be authenticated).  0, or -1 after replying. */
static int run_hello_options(client *c) {
    for (int j = 2; j < c->argc; j++) {
        int remaining = c->argc - 1 - j;
        if (args_is(&c->argv[j], "auth") && remaining >= 2) {
            if (!credentials_valid(c, &c->argv[j + 1], &c->argv[j + 2])) {
                reply_error(c, wrong_password);
                return -1;
            }
            client_set_authenticated(c, 1);
            j += 2;
        } else if (args_is(&c->argv[j], "setname") && remaining >= 1) {
            const resp_argument *name = &c->argv[++j];
            if (!valid_client_name(name)) {
                reply_error(c, "ERR Client names cannot contain spaces, newlines or special characters.");
                return -1;
            }
            set_client_name(c, name);
        } else {
            int length = (int)(c->argv[j].length < 128 ? c->argv[j].length : 128);
            reply_error_format(c, "ERR Syntax error in HELLO option '%.*s'", length, c->argv[j].data);
            return -1;
        }
    }
    return 0;
}

static void hello_command(client *c) {
    long long version = 0;
    if (c->argc >= 2) {
        if (!args_integer(&c->argv[1], &version)) {
            reply_error(c, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (version < 2 || version > 3) {
            reply_error(c, "NOPROTO unsupported protocol version");
            return;
        }
    }
    if (run_hello_options(c) != 0) return;
    if (!(c->flags & CLIENT_AUTHENTICATED)) {
        reply_error(c, "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                       "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
                       "select the RESP protocol version at the same time");
        return;
    }
    if (version) client_set_protocol(c, (int)version);
    reply_hello_map(c);
}

/* ---- RESET ---- */

static void reset_command(client *c) {
    multi_discard(c);
    multi_unwatch_all(c);
    if (c->flags & CLIENT_MONITOR) net.monitor_count--;
    client_reset_features(c); /* subscriptions, tracking */
    c->flags &= ~(CLIENT_MONITOR | CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP_NEXT);
    c->db_index = 0;
    client_set_protocol(c, 2);
    c->user = NULL;
    client_set_authenticated(c, !client_auth_required());
    zmalloc_free(c->name);
    c->name = NULL;
    dispatch_restore_reply(c); /* replies are back on, starting with this one */
    reply_simple(c, "RESET");
}

#define CONNECTION(n, h, a, f, cat, s, version)                                                         \
    {.name = n, .handler = h, .arity = a, .flags = f, .categories = (cat) | ACL_CONNECTION,         \
     .group = "connection", .summary = s, .since = version, .complexity = "O(1)"}

const command_spec connection_commands[] = {
    {.name = "ping", .handler = ping_command, .arity = -1, .flags = COMMAND_FAST,
     .categories = ACL_FAST | ACL_CONNECTION, .group = "connection", .summary = "Ping the server", .since = "1.0.0",
     .complexity = "O(1)", .tips = "request_policy:all_shards response_policy:all_succeeded"},
    CONNECTION("echo", echo_command, 2, COMMAND_LOADING | COMMAND_STALE | COMMAND_FAST, ACL_FAST,
               "Echo the given string", "1.0.0"),
    CONNECTION("quit", quit_command, -1,
               COMMAND_ALLOW_BUSY | COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE | COMMAND_FAST |
                   COMMAND_NO_AUTH,
               ACL_FAST, "Close the connection", "1.0.0"),
    CONNECTION("select", select_command, 2, COMMAND_LOADING | COMMAND_STALE | COMMAND_FAST, ACL_FAST,
               "Change the selected database for the current connection", "1.0.0"),
    CONNECTION("auth", auth_command, -2,
               COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE | COMMAND_FAST | COMMAND_NO_AUTH |
                   COMMAND_SENTINEL | COMMAND_ALLOW_BUSY,
               ACL_FAST, "Authenticate to the server", "1.0.0"),
    CONNECTION("hello", hello_command, -1,
               COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE | COMMAND_FAST | COMMAND_NO_AUTH |
                   COMMAND_SENTINEL | COMMAND_ALLOW_BUSY,
               ACL_FAST, "Handshake with Redis", "6.0.0"),
    CONNECTION("reset", reset_command, 1,
               COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE | COMMAND_FAST | COMMAND_NO_AUTH |
                   COMMAND_ALLOW_BUSY,
               ACL_FAST, "Reset the connection", "6.2.0"),
    {.name = "time", .handler = time_command, .arity = 1, .flags = COMMAND_LOADING | COMMAND_STALE | COMMAND_FAST,
     .categories = ACL_FAST, .group = "server", .summary = "Return the current server time", .since = "2.6.0",
     .complexity = "O(1)", .tips = "nondeterministic_output"},
    {.name = NULL}};
