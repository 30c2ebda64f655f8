/* net_parameters: the network layer's configuration parameters: where to
 * listen, how many clients, their limits and the password, with the
 * parameters whose values are not a single number, flag or string (bind,
 * client-output-buffer-limit, unixsocketperm) and the callbacks that make a
 * CONFIG SET take effect (re-listening, parser limits, authentication).
 *
 * The values live in server.config; the entries are registered through the
 * network module's descriptor (net_module.c).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "client.h"
#include "config.h"
#include "config_table.h"
#include "networking.h"
#include "zmalloc.h"

/* Every value below lives in server.config; C keeps the table readable. */
#define C (&server.config)

/* ---- bind ---- */

static int parse_bind(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    char **words;
    int count = config_split_line(text, &words);
    if (count < 0 || count > SERVER_MAX_BIND) {
        if (count >= 0) config_free_words(words, count);
        *error = "Too many bind addresses specified.";
        return -1;
    }
    for (int i = 0; i < C->bind_count; i++) zmalloc_free(C->bind[i]);
    for (int i = 0; i < count; i++) C->bind[i] = words[i];
    C->bind_count = count;
    zmalloc_free(words);
    return 0;
}

static void format_bind(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    for (int i = 0; i < C->bind_count; i++) {
        if (i) strbuf_append_char(out, ' ');
        strbuf_append_cstring(out, C->bind[i]);
    }
}

/* ---- unixsocketperm (octal) ---- */

static int parse_octal(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    char *end;
    long value = strtol(text, &end, 8);
    if (!*text || *end || value < 0 || value > 0777) {
        *error = "argument couldn't be parsed into an integer";
        return -1;
    }
    C->unix_socket_permissions = (unsigned)value;
    return 0;
}

static void format_octal(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    strbuf_printf(out, "%o", C->unix_socket_permissions);
}

/* ---- client-output-buffer-limit: "<class> <hard> <soft> <seconds>" groups ---- */

static int limit_class(const char *name) {
    if (!strcasecmp(name, "normal")) return OUTPUT_LIMIT_NORMAL;
    if (!strcasecmp(name, "replica") || !strcasecmp(name, "slave")) return OUTPUT_LIMIT_REPLICA;
    if (!strcasecmp(name, "pubsub")) return OUTPUT_LIMIT_PUBSUB;
    return -1;
}

static int parse_limit_group(char **words, output_limit *limits, const char **error) {
    int index = limit_class(words[0]);
    if (index < 0) {
        *error = "Invalid client class specified in buffer limit configuration.";
        return -1;
    }
    unsigned long long hard, soft;
    char *end;
    long long seconds = strtoll(words[3], &end, 10);
    if (config_parse_memory(words[1], &hard) || config_parse_memory(words[2], &soft) || !*words[3] || *end ||
        seconds < 0) {
        *error = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
        return -1;
    }
    limits[index] = (output_limit){.hard_bytes = hard, .soft_bytes = soft, .soft_seconds = seconds};
    return 0;
}

static int parse_output_limits(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    char **words;
    int count = config_split_line(text, &words);
    if (count == 0) { /* Redis: an empty value changes nothing */
        config_free_words(words, count);
        return 0;
    }
    if (count < 0 || count % 4) {
        if (count >= 0) config_free_words(words, count);
        *error = "Wrong number of arguments in buffer limit configuration.";
        return -1;
    }
    output_limit limits[OUTPUT_LIMIT_CLASSES];
    memcpy(limits, C->output_limits, sizeof(limits));
    int result = 0;
    for (int i = 0; i < count && result == 0; i += 4) result = parse_limit_group(words + i, limits, error);
    config_free_words(words, count);
    if (result == 0) memcpy(C->output_limits, limits, sizeof(limits));
    return result;
}

static void format_output_limits(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    static const char *const names[OUTPUT_LIMIT_CLASSES] = {"normal", "slave", "pubsub"};
    for (int i = 0; i < OUTPUT_LIMIT_CLASSES; i++) {
        const output_limit *limit = &C->output_limits[i];
        strbuf_printf(out, "%s%s %llu %llu %lld", i ? " " : "", names[i], limit->hard_bytes, limit->soft_bytes,
                      limit->soft_seconds);
    }
}

/* ---- Apply callbacks (run after CONFIG SET) ---- */

/* Re-opens every listener; on failure keeps the system's reason (the text
 * after the last ": " of the networking message) in a static buffer. */
static int relisten(const char **reason) {
    if (!server.base) return 0;
    static char text[256];
    char *message = NULL;
    networking_close_listeners();
    if (networking_listen(&message) == 0) return 0;
    const char *cause = strrchr(message, ':');
    snprintf(text, sizeof(text), "%s", cause ? cause + 2 : message);
    zmalloc_free(message);
    *reason = text;
    return -1;
}

static int apply_port(const char **error) {
    static char text[320];
    const char *reason = NULL;
    if (relisten(&reason) == 0) return 0;
    snprintf(text, sizeof(text), "Unable to listen on this port: %s", reason);
    *error = text;
    return -1;
}

static int apply_bind(const char **error) {
    const char *reason = NULL;
    if (relisten(&reason) == 0) return 0;
    *error = "Failed to bind to specified addresses.";
    return -1;
}

/* Raising maxclients must fit the open-files limit (raised when possible),
 * keeping 32 descriptors for listeners, logs and the event loop. */
static int apply_max_clients(const char **error) {
    static char text[160];
    struct rlimit limit;
    rlim_t wanted = (rlim_t)C->max_clients + 32;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return 0;
    struct rlimit raised = {.rlim_cur = wanted, .rlim_max = limit.rlim_max};
    if (limit.rlim_max >= wanted && setrlimit(RLIMIT_NOFILE, &raised) == 0) return 0;
    rlim_t possible = limit.rlim_max > 32 ? limit.rlim_max - 32 : 1;
    snprintf(text, sizeof(text),
             "The operating system is not able to handle the specified number of clients, try with %llu",
             (unsigned long long)possible);
    *error = text;
    return -1;
}

/* Clients that never authenticated stop being limited once no password is
 * required (and are limited again if one is set back). */
static int apply_require_pass(const char **error) {
    (void)error;
    if (net.user_hooks) net.user_hooks->require_pass_changed();
    for (client *c = net.clients; c; c = c->next)
        resp_parser_set_unauthenticated(c->parser, client_auth_required() && !(c->flags & CLIENT_AUTHENTICATED));
    return 0;
}

static int apply_parser_limits(const char **error) {
    (void)error;
    resp_parser_limits limits;
    resp_parser_default_limits(&limits);
    limits.max_bulk_length = C->proto_max_bulk_len;
    for (client *c = net.clients; c; c = c->next) resp_parser_set_limits(c->parser, &limits);
    return 0;
}

/* ---- The table ---- */

const config_parameter net_parameters[] = {
    CONFIG_ENTRY_INTEGER("port", &C->port, TARGET_INT, 0, 65535, "6379", 0, apply_port),
    CONFIG_ENTRY_SPECIAL("bind", "127.0.0.1 -::1", CONFIG_MULTI_ARGUMENT, parse_bind, format_bind, apply_bind),
    CONFIG_ENTRY_BOOL("protected-mode", &C->protected_mode, "yes", 0),
    CONFIG_ENTRY_STRING("unixsocket", &C->unix_socket, "", CONFIG_IMMUTABLE),
    CONFIG_ENTRY_SPECIAL("unixsocketperm", "0", CONFIG_IMMUTABLE, parse_octal, format_octal, NULL),
    {.name = "requirepass", .type = CONFIG_STRING, .flags = CONFIG_EMPTY_IS_NULL, .value = &C->require_pass,
     .length_value = &C->require_pass_length, .default_text = "", .apply = apply_require_pass},
    CONFIG_ENTRY_INTEGER("maxclients", &C->max_clients, TARGET_INT, 1, 4294967295LL, "10000", 0, apply_max_clients),
    CONFIG_ENTRY_INTEGER("timeout", &C->timeout_seconds, TARGET_LONG_LONG, 0, INT_MAX, "0", 0, NULL),
    CONFIG_ENTRY_INTEGER("tcp-keepalive", &C->tcp_keepalive, TARGET_INT, 0, INT_MAX, "300", 0, NULL),
    CONFIG_ENTRY_INTEGER("tcp-backlog", &C->tcp_backlog, TARGET_INT, 0, INT_MAX, "511", CONFIG_IMMUTABLE, NULL),
    CONFIG_ENTRY_MEMORY("client-query-buffer-limit", &C->client_query_buffer_limit, TARGET_UNSIGNED_LONG_LONG,
                        1024 * 1024, "1gb", NULL),
    CONFIG_ENTRY_MEMORY("proto-max-bulk-len", &C->proto_max_bulk_len, TARGET_LONG_LONG, 1024 * 1024, "512mb",
                        apply_parser_limits),
    CONFIG_ENTRY_SPECIAL("client-output-buffer-limit", "normal 256mb 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60",
                         CONFIG_MULTI_ARGUMENT, parse_output_limits, format_output_limits, NULL),
    {.name = NULL}};
