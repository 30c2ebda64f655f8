/* client_commands: the CLIENT command.
 *
 * CLIENT ID | SETNAME | GETNAME | LIST [TYPE t] [ID id ...] | INFO |
 * KILL addr | KILL <filter> <value> ... | REPLY ON|OFF|SKIP |
 * SETINFO LIB-NAME|LIB-VER v | NO-EVICT ON|OFF | GETREDIR | TRACKINGINFO |
 * UNBLOCK | HELP, with Redis 7.0's replies and error texts (SETINFO follows
 * Redis 7.2, which introduced it).
 *
 * Killing another client only marks it (client_close_async): it is freed at
 * the end of the loop iteration, so no handler sees a client vanish.  A
 * client killing itself gets its reply first (client_close_after_reply).
 */
#include <string.h>

#include "args.h"
#include "blocking.h"
#include "client.h"
#include "client_info.h"
#include "command.h"
#include "reply.h"
#include "strbuf.h"
#include "zmalloc.h"

/* ---- ID, GETNAME, SETNAME, SETINFO ---- */

static void client_id_command(client *c) { reply_integer(c, (long long)c->id); }

static void client_getname_command(client *c) {
    if (c->name) reply_bulk_cstring(c, c->name);
    else reply_null(c);
}

/* Names and library fields: printable ASCII without spaces ('!' to '~'). */
static int printable_word(const resp_argument *value) {
    for (size_t i = 0; i < value->length; i++) {
        if (value->data[i] < '!' || value->data[i] > '~') return 0;
    }
    return 1;
}

/* Replaces *field with a copy of value, or NULL for an empty value. */
static void set_text_field(char **field, const resp_argument *value) {
    zmalloc_free(*field);
    *field = NULL;
    if (value->length == 0) return;
    *field = zmalloc_alloc(value->length + 1);
    memcpy(*field, value->data, value->length);
    (*field)[value->length] = '\0';
}

static void client_setname_command(client *c) {
    if (!printable_word(&c->argv[2])) {
        reply_error(c, "ERR Client names cannot contain spaces, newlines or special characters.");
        return;
    }
    set_text_field(&c->name, &c->argv[2]);
    reply_ok(c);
}

static void client_setinfo_command(client *c) {
    char **field;
    const char *label;
    if (args_is(&c->argv[2], "lib-name")) {
        field = &c->library_name;
        label = "lib-name";
    } else if (args_is(&c->argv[2], "lib-ver")) {
        field = &c->library_version;
        label = "lib-ver";
    } else {
        reply_error_format(c, "ERR Unrecognized option '%.*s'", (int)c->argv[2].length, c->argv[2].data);
        return;
    }
    if (!printable_word(&c->argv[3])) {
        reply_error_format(c, "ERR %s cannot contain spaces, newlines or special characters.", label);
        return;
    }
    set_text_field(field, &c->argv[3]);
    reply_ok(c);
}

/* ---- LIST, INFO ---- */

static void reply_text(client *c, strbuf *text) {
    reply_verbatim(c, strbuf_cstring(text), text->length);
    strbuf_free(text);
}

static void client_info_command(client *c) {
    strbuf line = STRBUF_INIT;
    client_info_append(&line, c);
    reply_text(c, &line);
}

/* TYPE names accepted by LIST and KILL; 0 if unknown. */
static int known_type(const resp_argument *type) {
    return args_is(type, "normal") || args_is(type, "master") ||
           args_is(type, "replica") || args_is(type, "slave") ||
           args_is(type, "pubsub");
}

static void reply_unknown_type(client *c, const resp_argument *type) {
    reply_error_format(c, "ERR Unknown client type '%.*s'", (int)type->length, type->data);
}

static void list_by_type(client *c, const resp_argument *type) {
    if (!known_type(type)) {
        reply_unknown_type(c, type);
        return;
    }
    strbuf text = STRBUF_INIT;
    for (client *other = net.clients; other; other = other->next) {
        if (args_is(type, client_info_type(other))) client_info_append(&text, other);
    }
    reply_text(c, &text);
}

static void list_by_ids(client *c) {
    strbuf text = STRBUF_INIT;
    for (int i = 3; i < c->argc; i++) {
        long long id;
        if (!args_integer(&c->argv[i], &id)) {
            strbuf_free(&text);
            reply_error(c, "ERR Invalid client ID");
            return;
        }
        const client *found = id > 0 ? client_find_by_id((uint64_t)id) : NULL;
        if (found) client_info_append(&text, found);
    }
    reply_text(c, &text);
}

static void client_list_command(client *c) {
    if (c->argc == 4 && args_is(&c->argv[2], "type")) {
        list_by_type(c, &c->argv[3]);
    } else if (c->argc > 3 && args_is(&c->argv[2], "id")) {
        list_by_ids(c);
    } else if (c->argc == 2) {
        strbuf text = STRBUF_INIT;
        for (client *other = net.clients; other; other = other->next) client_info_append(&text, other);
        reply_text(c, &text);
    } else {
        reply_syntax_error(c);
    }
}

/* ---- KILL ---- */

typedef struct kill_filter {
    long long id;                 /* 0: any */
    const resp_argument *type;    /* NULL: any */
    const resp_argument *address; /* peer address */
    const resp_argument *local_address;
    const resp_argument *user;    /* NULL: any */
    long long max_age_seconds;    /* 0: any; else only clients strictly older (Redis 7.4's MAXAGE) */
    int skip_me;
} kill_filter;

static int argument_equals_text(const resp_argument *argument, const char *text) {
    return argument->length == strlen(text) && memcmp(argument->data, text, argument->length) == 0;
}

static int filter_matches(const kill_filter *filter, const client *c, const client *other) {
    if (filter->skip_me && other == c) return 0;
    if (filter->id && other->id != (uint64_t)filter->id) return 0;
    if (filter->type && !args_is(filter->type, client_info_type(other))) return 0;
    if (filter->address && !argument_equals_text(filter->address, other->address)) return 0;
    if (filter->local_address && !argument_equals_text(filter->local_address, other->local_address)) return 0;
    if (filter->user && !argument_equals_text(filter->user, client_user_name(other))) return 0;
    if (filter->max_age_seconds &&
        (server_unix_time_ms() - other->creation_time_ms) / 1000 <= filter->max_age_seconds)
        return 0;
    return 1;
}

static void kill_client(client *c, client *victim) {
    if (victim == c) client_close_after_reply(c);
    else client_close_async(victim);
}

/* Parses one "<option> <value>" pair into the filter; 0, or -1 after replying. */
static int parse_kill_option(client *c, kill_filter *filter, const resp_argument *option,
                             const resp_argument *value) {
    if (args_is(option, "id")) {
        if (!args_integer(value, &filter->id) || filter->id <= 0) {
            reply_error(c, "ERR client-id should be greater than 0");
            return -1;
        }
    } else if (args_is(option, "type")) {
        if (!known_type(value)) {
            reply_unknown_type(c, value);
            return -1;
        }
        filter->type = value;
    } else if (args_is(option, "addr")) {
        filter->address = value;
    } else if (args_is(option, "laddr")) {
        filter->local_address = value;
    } else if (args_is(option, "user")) {
        if (net.user_hooks ? !net.user_hooks->exists(value) : !argument_equals_text(value, "default")) {
            reply_error_format(c, "ERR No such user '%.*s'", (int)value->length, value->data);
            return -1;
        }
        filter->user = value;
    } else if (args_is(option, "skipme")) {
        if (!args_is(value, "yes") && !args_is(value, "no")) {
            reply_syntax_error(c);
            return -1;
        }
        filter->skip_me = args_is(value, "yes");
    } else if (args_is(option, "maxage")) {
        if (!args_integer(value, &filter->max_age_seconds) || filter->max_age_seconds < 0) {
            reply_syntax_error(c);
            return -1;
        }
    } else {
        reply_syntax_error(c);
        return -1;
    }
    return 0;
}

/* CLIENT KILL ip:port: the old form, answers +OK or an error. */
static void kill_by_address(client *c) {
    for (client *other = net.clients; other; other = other->next) {
        if (argument_equals_text(&c->argv[2], other->address) && !(other->flags & CLIENT_CLOSE_ASAP)) {
            kill_client(c, other);
            reply_ok(c);
            return;
        }
    }
    reply_error(c, "ERR No such client");
}

static void client_kill_command(client *c) {
    if (c->argc == 3) {
        kill_by_address(c);
        return;
    }
    if (c->argc % 2 != 0) {
        reply_syntax_error(c);
        return;
    }
    kill_filter filter = {.skip_me = 1};
    for (int i = 2; i < c->argc; i += 2) {
        if (parse_kill_option(c, &filter, &c->argv[i], &c->argv[i + 1]) != 0) return;
    }
    long long killed = 0;
    for (client *other = net.clients; other; other = other->next) {
        if ((other->flags & CLIENT_CLOSE_ASAP) || !filter_matches(&filter, c, other)) continue;
        kill_client(c, other);
        killed++;
    }
    reply_integer(c, killed);
}

/* ---- REPLY, NO-EVICT ---- */

static void client_reply_command(client *c) {
    if (args_is(&c->argv[2], "on")) {
        c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT);
        /* Dispatch hid this command's reply if OFF or SKIP was in force:
         * undo that so the +OK reaches the client. */
        dispatch_restore_reply(c);
        reply_ok(c);
    } else if (args_is(&c->argv[2], "off")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (args_is(&c->argv[2], "skip")) {
        if (!(c->flags & CLIENT_REPLY_OFF)) c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        reply_syntax_error(c);
    }
}

static void client_no_evict_command(client *c) {
    if (args_is(&c->argv[2], "on")) {
        c->flags |= CLIENT_NO_EVICT;
    } else if (args_is(&c->argv[2], "off")) {
        c->flags &= ~CLIENT_NO_EVICT;
    } else {
        reply_syntax_error(c);
        return;
    }
    reply_ok(c);
}

/* ---- Blocking: zkv has no blocking command ---- */

/* Answers the blocked client as timed out (default) or with an error. */
static void client_unblock_command(client *c) {
    long long id;
    if (c->argc > 4) {
        reply_subcommand_syntax_error(c);
        return;
    }
    if (!args_integer(&c->argv[2], &id)) {
        reply_not_integer(c);
        return;
    }
    if (c->argc == 4 && !args_is(&c->argv[3], "timeout") &&
        !args_is(&c->argv[3], "error")) {
        reply_error(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        return;
    }
    enum blocking_unblock_reason reason =
        c->argc == 4 && args_is(&c->argv[3], "error") ? BLOCKING_UNBLOCK_ERROR : BLOCKING_UNBLOCK_TIMEOUT;
    client *target = client_find_by_id((uint64_t)id);
    reply_integer(c, target && blocking_unblock(target, reason) ? 1 : 0);
}

/* ---- HELP and the table ---- */

static void client_help_command(client *c) {
    static const char *const lines[] = {
        "GETNAME",
        "    The name of this connection (null when unnamed).",
        "CACHING (YES|NO)",
        "    Track (OPTIN) or skip (OPTOUT) the keys of the next command.",
        "GETREDIR",
        "    The id of the client tracking invalidations go to (0: none, -1: tracking off).",
        "ID",
        "    The unique id of this connection.",
        "INFO",
        "    One CLIENT LIST line describing this connection.",
        "KILL <ip:port>",
        "    Close the connection coming from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Close every connection matching all the filters, which are:",
        "    * ID <client-id>",
        "    * ADDR (<ip:port>|<unixsocket>:0)    the connection's remote address",
        "    * LADDR (<ip:port>|<unixsocket>:0)   the address it connected to",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "    * USER <username>",
        "    * MAXAGE <seconds>                   connections at least that old",
        "    * SKIPME (YES|NO)                    spare this connection (default: yes)",
        "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <client-id> [...]]",
        "    One line per connection, optionally filtered.",
        "NO-EVICT (ON|OFF)",
        "    Exempt this connection from client eviction.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Hold the commands of every client (or only writes) for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Turn replies to this connection on or off, or skip the next one.",
        "SETINFO <LIB-NAME|LIB-VER> <value>",
        "    Record the client library's name or version (shown by LIST).",
        "SETNAME <name>",
        "    Name this connection.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]] [OPTIN] [OPTOUT] [NOLOOP]",
        "    Server-assisted client-side caching: invalidation messages for the keys read.",
        "TRACKINGINFO",
        "    Tracking state of this connection.",
        "UNBLOCK <client-id> [TIMEOUT|ERROR]",
        "    Unblock a client blocked in a blocking command.",
        "UNPAUSE",
        "    End CLIENT PAUSE: held clients run their commands, in order.",
        NULL};
    reply_help(c, "CLIENT", lines);
}

static const command_argument on_off[] = {
    {.name = "on", .type = ARGUMENT_PURE_TOKEN, .token = "ON"},
    {.name = "off", .type = ARGUMENT_PURE_TOKEN, .token = "OFF"},
    {0}};
static const command_argument on_off_skip[] = {
    {.name = "on", .type = ARGUMENT_PURE_TOKEN, .token = "ON"},
    {.name = "off", .type = ARGUMENT_PURE_TOKEN, .token = "OFF"},
    {.name = "skip", .type = ARGUMENT_PURE_TOKEN, .token = "SKIP"},
    {0}};
static const command_argument client_types[] = {
    {.name = "normal", .type = ARGUMENT_PURE_TOKEN, .token = "NORMAL"},
    {.name = "master", .type = ARGUMENT_PURE_TOKEN, .token = "MASTER"},
    {.name = "replica", .type = ARGUMENT_PURE_TOKEN, .token = "REPLICA"},
    {.name = "pubsub", .type = ARGUMENT_PURE_TOKEN, .token = "PUBSUB"},
    {0}};
static const command_argument client_ids[] = {
    {.name = "client-id", .type = ARGUMENT_INTEGER, .flags = ARGUMENT_MULTIPLE}, {0}};
static const command_argument client_list_arguments[] = {
    {.name = "normal_master_replica_pubsub", .type = ARGUMENT_ONEOF, .token = "TYPE", .flags = ARGUMENT_OPTIONAL,
     .since = "5.0.0", .arguments = client_types},
    {.name = "id", .type = ARGUMENT_BLOCK, .token = "ID", .flags = ARGUMENT_OPTIONAL, .since = "6.2.0",
     .arguments = client_ids},
    {0}};
static const command_argument kill_filters[] = {
    {.name = "client-id", .type = ARGUMENT_INTEGER, .token = "ID", .flags = ARGUMENT_OPTIONAL},
    {.name = "normal_master_slave_pubsub", .type = ARGUMENT_ONEOF, .token = "TYPE", .flags = ARGUMENT_OPTIONAL,
     .arguments = client_types},
    {.name = "username", .type = ARGUMENT_STRING, .token = "USER", .flags = ARGUMENT_OPTIONAL},
    {.name = "ip:port", .type = ARGUMENT_STRING, .token = "ADDR", .flags = ARGUMENT_OPTIONAL},
    {.name = "ip:port", .type = ARGUMENT_STRING, .token = "LADDR", .flags = ARGUMENT_OPTIONAL},
    {.name = "yes/no", .type = ARGUMENT_STRING, .token = "SKIPME", .flags = ARGUMENT_OPTIONAL},
    {.name = "maxage", .type = ARGUMENT_INTEGER, .token = "MAXAGE", .flags = ARGUMENT_OPTIONAL},
    {0}};
static const command_argument kill_forms[] = {
    {.name = "ip:port", .type = ARGUMENT_STRING},
    {.name = "new-format", .type = ARGUMENT_ONEOF, .flags = ARGUMENT_MULTIPLE, .arguments = kill_filters},
    {0}};
static const command_argument client_kill_arguments[] = {
    {.name = "filter", .type = ARGUMENT_ONEOF, .arguments = kill_forms}, {0}};
static const command_argument client_setname_arguments[] = {
    {.name = "connection-name", .type = ARGUMENT_STRING}, {0}};
static const command_argument library_attributes[] = {
    {.name = "libname", .type = ARGUMENT_STRING, .token = "LIB-NAME"},
    {.name = "libver", .type = ARGUMENT_STRING, .token = "LIB-VER"},
    {0}};
static const command_argument client_setinfo_arguments[] = {
    {.name = "attr", .type = ARGUMENT_ONEOF, .arguments = library_attributes}, {0}};
static const command_argument client_reply_arguments[] = {
    {.name = "on_off_skip", .type = ARGUMENT_ONEOF, .arguments = on_off_skip}, {0}};
static const command_argument client_no_evict_arguments[] = {
    {.name = "enabled", .type = ARGUMENT_ONEOF, .arguments = on_off}, {0}};
static const command_argument unblock_reasons[] = {
    {.name = "timeout", .type = ARGUMENT_PURE_TOKEN, .token = "TIMEOUT"},
    {.name = "error", .type = ARGUMENT_PURE_TOKEN, .token = "ERROR"},
    {0}};
static const command_argument client_unblock_arguments[] = {
    {.name = "client-id", .type = ARGUMENT_INTEGER},
    {.name = "timeout_error", .type = ARGUMENT_ONEOF, .flags = ARGUMENT_OPTIONAL, .arguments = unblock_reasons},
    {0}};

#define CLIENT_FLAGS (COMMAND_NOSCRIPT | COMMAND_LOADING | COMMAND_STALE)
#define CLIENT_ADMIN_FLAGS (COMMAND_ADMIN | CLIENT_FLAGS)
#define CLIENT_CATEGORIES (ACL_SLOW | ACL_CONNECTION)
#define CLIENT_ADMIN_CATEGORIES (ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION)

static const command_spec client_subcommands[] = {
    {.name = "getname", .handler = client_getname_command, .arity = 2, .flags = CLIENT_FLAGS,
     .categories = CLIENT_CATEGORIES, .group = "connection", .since = "2.6.9",
     .summary = "The name of the connection", .complexity = "O(1)"},
    {.name = "help", .handler = client_help_command, .arity = 2, .flags = COMMAND_LOADING | COMMAND_STALE,
     .categories = CLIENT_CATEGORIES, .group = "connection", .since = "5.0.0",
     .summary = "Describe the CLIENT subcommands", .complexity = "O(1)"},
    {.name = "id", .handler = client_id_command, .arity = 2, .flags = CLIENT_FLAGS,
     .categories = CLIENT_CATEGORIES, .group = "connection", .since = "5.0.0",
     .summary = "The unique id of the connection", .complexity = "O(1)"},
    {.name = "info", .handler = client_info_command, .arity = 2, .flags = CLIENT_FLAGS,
     .categories = CLIENT_CATEGORIES, .group = "connection", .since = "6.2.0",
     .summary = "Describe the connection", .complexity = "O(1)",
     .tips = "nondeterministic_output"},
    {.name = "kill", .handler = client_kill_command, .arity = -3, .flags = CLIENT_ADMIN_FLAGS,
     .categories = CLIENT_ADMIN_CATEGORIES, .group = "connection", .since = "2.4.0",
     .summary = "Close connections", .complexity = "O(N) where N is the number of client connections",
     .arguments = client_kill_arguments},
    {.name = "list", .handler = client_list_command, .arity = -2, .flags = CLIENT_ADMIN_FLAGS,
     .categories = CLIENT_ADMIN_CATEGORIES, .group = "connection", .since = "2.4.0",
     .summary = "Describe every connection", .complexity = "O(N) where N is the number of client connections",
     .tips = "nondeterministic_output",
     .arguments = client_list_arguments},
    {.name = "no-evict", .handler = client_no_evict_command, .arity = 3, .flags = CLIENT_ADMIN_FLAGS,
     .categories = CLIENT_ADMIN_CATEGORIES, .group = "connection", .since = "7.0.0",
     .summary = "Exempt the connection from client eviction", .complexity = "O(1)",
     .arguments = client_no_evict_arguments},
    {.name = "reply", .handler = client_reply_command, .arity = 3, .flags = CLIENT_FLAGS,
     .categories = CLIENT_CATEGORIES, .group = "connection", .since = "3.2.0",
     .summary = "Turn the replies to the connection on or off", .complexity = "O(1)",
     .arguments = client_reply_arguments},
    {.name = "setinfo", .handler = client_setinfo_command, .arity = 4, .flags = CLIENT_FLAGS,
     .categories = CLIENT_CATEGORIES, .group = "connection", .since = "7.2.0",
     .summary = "Record the client library's name or version", .complexity = "O(1)",
     .arguments = client_setinfo_arguments},
    {.name = "unblock", .handler = client_unblock_command, .arity = -3, .flags = CLIENT_ADMIN_FLAGS,
     .categories = CLIENT_ADMIN_CATEGORIES, .group = "connection", .since = "5.0.0",
     .summary = "Unblock a client blocked in a blocking command",
     .complexity = "O(log N) where N is the number of client connections",
     .arguments = client_unblock_arguments},
    {.name = "setname", .handler = client_setname_command, .arity = 3, .flags = CLIENT_FLAGS,
     .categories = CLIENT_CATEGORIES, .group = "connection", .since = "2.6.9",
     .summary = "Name the connection", .complexity = "O(1)",
     .arguments = client_setname_arguments},
    {0}};

const command_spec client_commands[] = {
    {.name = "client", .arity = -2, .categories = ACL_SLOW, .group = "connection", .since = "2.4.0",
     .summary = "Inspect and control client connections", .complexity = "Depends on subcommand.",
     .subcommands = client_subcommands},
    {0}};
