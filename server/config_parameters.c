/* config_parameters: the table of every configuration parameter, plus the
 * parameters whose values are not a single number, flag or string (bind,
 * client-output-buffer-limit, save, ...) and the callbacks that make a
 * CONFIG SET take effect (re-listening, cron rate, parser limits).
 *
 * To add a parameter: add a field to server_config (server.h) and one entry
 * below.  Everything else (file, command line, CONFIG GET/SET/REWRITE) follows.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "client.h"
#include "cluster.h"
#include "config.h"
#include "config_table.h"
#include "defrag.h"
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

/* ---- save / appendonly: zkv has no persistence ---- */

static int parse_save(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    if (text[0] == '\0') return 0;
    *error = "Invalid save parameters (zkv has no persistence: only save \"\" is accepted)";
    return -1;
}

static int parse_appendonly(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    if (!strcasecmp(text, "no")) return 0;
    *error = strcasecmp(text, "yes") ? "argument must be 'yes' or 'no'"
                                     : "zkv has no persistence: appendonly must be 'no'";
    return -1;
}

static void format_empty(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    (void)out;
}

static void format_no(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    strbuf_append_cstring(out, "no");
}

/* ---- latency-tracking-info-percentiles ---- */

static int parse_percentiles(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    char **words;
    int count = config_split_line(text, &words);
    int capacity = (int)(sizeof(C->latency_tracking_percentiles) / sizeof(double));
    double values[16];
    /* Redis splits the value at each single space: a leading, trailing or
     * doubled space makes an empty, invalid word. */
    size_t length = strlen(text);
    int empty_word = length && (text[0] == ' ' || text[length - 1] == ' ' || strstr(text, "  ") != NULL);
    int result = count < 0 || count > capacity || empty_word ? -1 : 0;
    if (result) *error = "Invalid latency-tracking-info-percentiles parameters";
    for (int i = 0; i < count && result == 0; i++) {
        char *end;
        errno = 0;
        values[i] = strtod(words[i], &end);
        /* As Redis's string2d: NaN and out-of-range values (overflow to
         * HUGE_VAL, underflow to 0) are not numbers; infinities are, and
         * fail the range check below. */
        int out_of_range = errno == ERANGE && (isinf(values[i]) || values[i] == 0.0);
        if (!*words[i] || *end || isspace((unsigned char)words[i][0]) || isnan(values[i]) || out_of_range) {
            *error = "Invalid latency-tracking-info-percentiles parameters";
            result = -1;
        } else if (values[i] < 0.0 || values[i] > 100.0) {
            *error = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            result = -1;
        }
    }
    if (count >= 0) config_free_words(words, count);
    if (result) return -1;
    memcpy(C->latency_tracking_percentiles, values, (size_t)count * sizeof(double));
    C->latency_tracking_percentile_count = count;
    return 0;
}

static void format_percentiles(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    for (int i = 0; i < C->latency_tracking_percentile_count; i++)
        strbuf_printf(out, "%s%.15g", i ? " " : "", C->latency_tracking_percentiles[i]);
}

/* ---- dir: changes the working directory, at start-up only (protected) ---- */

static int parse_dir(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    if (text[0] && chdir(text) != 0) {
        *error = "No such file or directory";
        return -1;
    }
    return 0;
}

static void format_dir(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    char path[4096];
    strbuf_append_cstring(out, getcwd(path, sizeof(path)) ? path : "");
}

/* ---- replicaof: zkv never replicates, so only "" (no master) exists ---- */

static int parse_replicaof(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    if (!text[0] || !strcasecmp(text, "no one")) return 0;
    *error = "zkv does not support replication";
    return -1;
}

/* ---- maxmemory-clients: bytes, or "N%" of maxmemory (stored negative) ---- */

static int parse_memory_or_percent(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    size_t length = strlen(text);
    unsigned long long value;
    if (length > 1 && text[length - 1] == '%') {
        char *end;
        long long percent = strtoll(text, &end, 10);
        if (end != text + length - 1 || percent < 0) {
            *error = "argument must be a memory or percent value";
            return -1;
        }
        if (percent > 100) {
            *error = "percentage argument must be less or equal to 100";
            return -1;
        }
        C->maxmemory_clients = -percent;
        return 0;
    }
    if (config_parse_memory(text, &value) != 0 || value > LLONG_MAX) {
        *error = "argument must be a memory or percent value";
        return -1;
    }
    C->maxmemory_clients = (long long)value;
    return 0;
}

static void format_memory_or_percent(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    if (C->maxmemory_clients < 0) strbuf_printf(out, "%lld%%", -C->maxmemory_clients);
    else strbuf_append_int(out, C->maxmemory_clients);
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

static int apply_hz(const char **error) {
    (void)error;
    server_schedule_cron(); /* also clamps hz to 1..500 */
    return 0;
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
    for (client *c = server.clients; c; c = c->next)
        resp_parser_set_unauthenticated(c->parser, C->require_pass && !(c->flags & CLIENT_AUTHENTICATED));
    return 0;
}

static int apply_parser_limits(const char **error) {
    (void)error;
    resp_parser_limits limits;
    resp_parser_default_limits(&limits);
    limits.max_bulk_length = C->proto_max_bulk_len;
    for (client *c = server.clients; c; c = c->next) resp_parser_set_limits(c->parser, &limits);
    return 0;
}

/* Idle servers give freed pages back through jemalloc's background thread,
 * as Redis 7 does.  Backends without one keep the setting and do nothing. */
static int apply_jemalloc_bg_thread(const char **error) {
    (void)error;
    zmalloc_set_background_thread(C->jemalloc_bg_thread);
    return 0;
}

int config_apply_memory_settings(void) {
    const char *error = NULL;
    return apply_jemalloc_bg_thread(&error);
}

/* ---- The table ---- */

static const config_choice log_levels[] = {
    {"debug", LOG_DEBUG}, {"verbose", LOG_VERBOSE}, {"notice", LOG_NOTICE}, {"warning", LOG_WARNING}, {NULL, 0}};

static const config_choice maxmemory_policies[] = {
    {"volatile-lru", MAXMEMORY_VOLATILE_LRU}, {"volatile-lfu", MAXMEMORY_VOLATILE_LFU},
    {"volatile-random", MAXMEMORY_VOLATILE_RANDOM}, {"volatile-ttl", MAXMEMORY_VOLATILE_TTL},
    {"allkeys-lru", MAXMEMORY_ALLKEYS_LRU}, {"allkeys-lfu", MAXMEMORY_ALLKEYS_LFU},
    {"allkeys-random", MAXMEMORY_ALLKEYS_RANDOM}, {"noeviction", MAXMEMORY_NO_EVICTION}, {NULL, 0}};

static const config_choice protected_actions[] = {
    {"no", PROTECTED_ACTION_NO}, {"yes", PROTECTED_ACTION_YES}, {"local", PROTECTED_ACTION_LOCAL}, {NULL, 0}};

#define BOOL(n, field, def, fl) {.name = n, .type = CONFIG_BOOL, .flags = fl, .value = &C->field, .default_text = def}
#define INTEGER(n, field, tgt, lo, hi, def, fl, ap)                                                            \
    {.name = n, .type = CONFIG_INTEGER, .flags = fl, .value = &C->field, .target = tgt, .minimum = lo,         \
     .maximum = hi, .default_text = def, .apply = ap}
#define MEMORY(n, field, tgt, lo, def, ap)                                                                     \
    {.name = n, .type = CONFIG_MEMORY, .value = &C->field, .target = tgt, .minimum = lo, .maximum = LLONG_MAX, \
     .default_text = def, .apply = ap}
#define STRING(n, field, def, fl) {.name = n, .type = CONFIG_STRING, .flags = fl, .value = &C->field, .default_text = def}
#define SPECIAL(n, def, fl, p, f, ap)                                                                          \
    {.name = n, .type = CONFIG_SPECIAL, .flags = fl, .default_text = def, .parse = p, .format = f, .apply = ap}

const config_parameter config_parameters[] = {
    INTEGER("port", port, TARGET_INT, 0, 65535, "6379", 0, apply_port),
    SPECIAL("bind", "127.0.0.1 -::1", CONFIG_MULTI_ARGUMENT, parse_bind, format_bind, apply_bind),
    BOOL("protected-mode", protected_mode, "yes", 0),
    STRING("unixsocket", unix_socket, "", CONFIG_IMMUTABLE),
    SPECIAL("unixsocketperm", "0", CONFIG_IMMUTABLE, parse_octal, format_octal, NULL),
    {.name = "requirepass", .type = CONFIG_STRING, .flags = CONFIG_EMPTY_IS_NULL, .value = &C->require_pass,
     .length_value = &C->require_pass_length, .default_text = "", .apply = apply_require_pass},
    INTEGER("maxclients", max_clients, TARGET_INT, 1, 4294967295LL, "10000", 0, apply_max_clients),
    INTEGER("timeout", timeout_seconds, TARGET_LONG_LONG, 0, INT_MAX, "0", 0, NULL),
    INTEGER("tcp-keepalive", tcp_keepalive, TARGET_INT, 0, INT_MAX, "300", 0, NULL),
    INTEGER("tcp-backlog", tcp_backlog, TARGET_INT, 0, INT_MAX, "511", CONFIG_IMMUTABLE, NULL),
    INTEGER("databases", databases, TARGET_INT, 1, INT_MAX, "16", CONFIG_IMMUTABLE, NULL),
    INTEGER("hz", hz, TARGET_INT, 0, INT_MAX, "10", 0, apply_hz),
    {.name = "loglevel", .type = CONFIG_ENUM, .value = &C->log_level, .default_text = "notice",
     .choices = log_levels},
    STRING("logfile", log_file, "", CONFIG_IMMUTABLE),
    STRING("pidfile", pid_file, "", CONFIG_IMMUTABLE),
    BOOL("daemonize", daemonize, "no", CONFIG_IMMUTABLE),
    SPECIAL("dir", "", CONFIG_PROTECTED, parse_dir, format_dir, NULL),
    STRING("dbfilename", db_filename, "dump.rdb", CONFIG_PROTECTED),
    MEMORY("client-query-buffer-limit", client_query_buffer_limit, TARGET_UNSIGNED_LONG_LONG, 1024 * 1024,
           "1gb", NULL),
    MEMORY("proto-max-bulk-len", proto_max_bulk_len, TARGET_LONG_LONG, 1024 * 1024, "512mb",
           apply_parser_limits),
    SPECIAL("client-output-buffer-limit", "normal 256mb 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60",
            CONFIG_MULTI_ARGUMENT, parse_output_limits, format_output_limits, NULL),
    MEMORY("maxmemory", maxmemory, TARGET_UNSIGNED_LONG_LONG, 0, "0", NULL),
    SPECIAL("maxmemory-clients", "0", 0, parse_memory_or_percent, format_memory_or_percent, NULL),
    {.name = "enable-debug-command", .type = CONFIG_ENUM, .flags = CONFIG_IMMUTABLE,
     .value = &C->enable_debug_command, .default_text = "no", .choices = protected_actions},
    /* zkv's own: DEBUG SLEEP beyond this answers an error instead of freezing
     * the server (hidden, like the cluster ones, from Redis's tools). */
    INTEGER("debug-sleep-max-seconds", debug_sleep_max_seconds, TARGET_LONG_LONG, 0, 86400, "60", CONFIG_HIDDEN,
            NULL),
    {.name = "jemalloc-bg-thread", .type = CONFIG_BOOL, .value = &C->jemalloc_bg_thread, .default_text = "yes",
     .apply = apply_jemalloc_bg_thread},
    {.name = "maxmemory-policy", .type = CONFIG_ENUM, .value = &C->maxmemory_policy,
     .default_text = "noeviction", .choices = maxmemory_policies},
    INTEGER("maxmemory-samples", maxmemory_samples, TARGET_INT, 1, 64, "5", 0, NULL),
    INTEGER("maxmemory-eviction-tenacity", maxmemory_eviction_tenacity, TARGET_INT, 0, 100, "10", 0, NULL),
    INTEGER("lfu-log-factor", lfu_log_factor, TARGET_INT, 0, INT_MAX, "10", 0, NULL),
    INTEGER("lfu-decay-time", lfu_decay_time, TARGET_INT, 0, INT_MAX, "1", 0, NULL),
    INTEGER("slowlog-log-slower-than", slowlog_log_slower_than, TARGET_LONG_LONG, -1, LLONG_MAX, "10000", 0,
            NULL),
    INTEGER("slowlog-max-len", slowlog_max_len, TARGET_UNSIGNED_LONG, 0, LONG_MAX, "128", 0, NULL),
    BOOL("latency-tracking", latency_tracking, "yes", 0),
    SPECIAL("latency-tracking-info-percentiles", "50 99 99.9", CONFIG_MULTI_ARGUMENT, parse_percentiles,
            format_percentiles, NULL),
    INTEGER("latency-monitor-threshold", latency_monitor_threshold, TARGET_LONG_LONG, 0, LLONG_MAX, "0", 0,
            NULL),
    BOOL("lazyfree-lazy-user-del", lazyfree_lazy_user_del, "no", 0),
    BOOL("lazyfree-lazy-user-flush", lazyfree_lazy_user_flush, "no", 0),
    /* Active defragmentation (defrag.h): the values live in defrag_settings. */
    SPECIAL("activedefrag", "no", 0, defrag_config_parse_enabled, defrag_config_format_enabled, NULL),
    {.name = "active-defrag-ignore-bytes", .type = CONFIG_MEMORY, .value = &defrag_settings.ignore_bytes,
     .target = TARGET_UNSIGNED_LONG_LONG, .minimum = 1, .maximum = LLONG_MAX, .default_text = "100mb"},
    {.name = "active-defrag-threshold-lower", .type = CONFIG_INTEGER, .value = &defrag_settings.threshold_lower,
     .target = TARGET_INT, .minimum = 0, .maximum = 1000, .default_text = "10"},
    {.name = "active-defrag-threshold-upper", .type = CONFIG_INTEGER, .value = &defrag_settings.threshold_upper,
     .target = TARGET_INT, .minimum = 0, .maximum = 1000, .default_text = "100"},
    {.name = "active-defrag-cycle-min", .type = CONFIG_INTEGER, .value = &defrag_settings.cycle_min,
     .target = TARGET_INT, .minimum = 1, .maximum = 99, .default_text = "1"},
    {.name = "active-defrag-cycle-max", .type = CONFIG_INTEGER, .value = &defrag_settings.cycle_max,
     .target = TARGET_INT, .minimum = 1, .maximum = 99, .default_text = "25"},
    {.name = "active-defrag-max-scan-fields", .type = CONFIG_INTEGER, .value = &defrag_settings.max_scan_fields,
     .target = TARGET_LONG_LONG, .minimum = 1, .maximum = LLONG_MAX, .default_text = "1000"},
    SPECIAL("save", "", CONFIG_MULTI_ARGUMENT, parse_save, format_empty, NULL),
    {.name = "replicaof", .alias = "slaveof", .type = CONFIG_SPECIAL, .flags = CONFIG_IMMUTABLE | CONFIG_MULTI_ARGUMENT,
     .default_text = "", .parse = parse_replicaof, .format = format_empty},
    SPECIAL("appendonly", "no", 0, parse_appendonly, format_no, NULL),
    SPECIAL("cluster-enabled", "no", CONFIG_IMMUTABLE, cluster_config_parse_enabled, cluster_config_format_enabled,
            NULL),
    /* zkv's own cluster parameters are immutable and unknown to Redis's tools,
     * which set every parameter `CONFIG GET *` lists back to its value (except
     * Redis's own immutable ones): they answer only when asked by name. */
    SPECIAL("cluster-topology-file", "", CONFIG_IMMUTABLE | CONFIG_HIDDEN, cluster_config_parse_topology_file,
            cluster_config_format_topology_file, NULL),
    SPECIAL("cluster-myself", "", CONFIG_IMMUTABLE | CONFIG_HIDDEN, cluster_config_parse_myself,
            cluster_config_format_myself, NULL),
    {.name = NULL}};
