/* introspection: the shared observer and argument helpers (see
 * introspection.h).
 *
 * The observer runs after every executed command, so it does as little as
 * possible when nothing asks for data: a histogram increment when
 * latency-tracking is on, two threshold comparisons (slow log, latency
 * monitor) and a counter check for MONITOR clients.
 */
#include "introspection.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "config.h"
#include "histogram.h"
#include "latency.h"
#include "monitor.h"
#include "slowlog.h"
#include "strbuf.h"

static void record_latency(command *cmd, long long duration_us) {
    if (!cmd->introspection) cmd->introspection = histogram_create();
    histogram_record(cmd->introspection, duration_us < 0 ? 0 : (uint64_t)duration_us);
}

void introspection_observe_command(client *c, command *cmd, long long duration_us) {
    if (server.config.latency_tracking) record_latency(cmd, duration_us);
    slowlog_consider(c, cmd, duration_us);
    latency_consider_command(cmd, duration_us);
    if (net.monitor_count > 0) monitor_feed(c, cmd);
}

int introspection_init(void) {
    server_set_latency_recorder(latency_add_sample_if_needed);
    dispatch_set_monitor_feed(monitor_feed_always);
    return dispatch_add_observer(introspection_observe_command);
}

histogram *introspection_command_histogram(const command *cmd) { return cmd->introspection; }

static void reset_histogram_tree(command *cmd) {
    if (cmd->introspection) histogram_reset(cmd->introspection);
    for (int i = 0; i < cmd->subcommand_count; i++) reset_histogram_tree(&cmd->subcommands[i]);
}

void introspection_reset_histograms(void) {
    size_t count;
    command *const *all = command_table_all(&count);
    for (size_t i = 0; i < count; i++) reset_histogram_tree(all[i]);
}

void introspection_append_quoted(strbuf *out, const char *data, size_t length) {
    static const char hex[] = "0123456789abcdef";
    strbuf_append_char(out, '"');
    for (size_t i = 0; i < length; i++) {
        unsigned char byte = (unsigned char)data[i];
        switch (byte) {
        case '\\': strbuf_append(out, "\\\\", 2); break;
        case '"': strbuf_append(out, "\\\"", 2); break;
        case '\n': strbuf_append(out, "\\n", 2); break;
        case '\r': strbuf_append(out, "\\r", 2); break;
        case '\t': strbuf_append(out, "\\t", 2); break;
        case '\a': strbuf_append(out, "\\a", 2); break;
        case '\b': strbuf_append(out, "\\b", 2); break;
        default:
            if (isprint(byte)) {
                strbuf_append_char(out, (char)byte);
            } else {
                char escaped[4] = {'\\', 'x', hex[byte >> 4], hex[byte & 15]};
                strbuf_append(out, escaped, 4);
            }
        }
    }
    strbuf_append_char(out, '"');
}

/* HELLO [protover [AUTH user pass] [SETNAME name]]: the two words after AUTH. */
static int hello_argument_redacted(int argc, const resp_argument *argv, int index) {
    for (int i = 2; i + 2 < argc; i++) {
        if (args_is(&argv[i], "auth")) {
            if (index == i + 1 || index == i + 2) return 1;
            i += 2;
        }
    }
    return 0;
}

/* MIGRATE ... [AUTH password] [AUTH2 username password] [KEYS ...]: the
 * credentials, as Redis redacts them (options end at KEYS). */
static int migrate_argument_redacted(int argc, const resp_argument *argv, int index) {
    for (int i = 6; i < argc; i++) {
        if (args_is(&argv[i], "keys")) return 0;
        if (args_is(&argv[i], "auth") && i + 1 < argc) {
            if (index == i + 1) return 1;
            i += 1;
        } else if (args_is(&argv[i], "auth2") && i + 2 < argc) {
            if (index == i + 1 || index == i + 2) return 1;
            i += 2;
        }
    }
    return 0;
}

/* CONFIG SET name value [name value ...]: values of password parameters. */
static int config_set_argument_redacted(int argc, const resp_argument *argv, int index) {
    if (index < 3 || index >= argc || (index - 3) % 2 != 0) return 0;
    const resp_argument *name = &argv[index - 1];
    return args_is(name, "requirepass") || args_is(name, "masterauth");
}

int introspection_argument_redacted(const command *cmd, int argc, const resp_argument *argv, int index) {
    const char *name = cmd->full_name;
    if (strcmp(name, "auth") == 0) return index >= 1;
    if (strcmp(name, "hello") == 0) return hello_argument_redacted(argc, argv, index);
    if (strcmp(name, "config|set") == 0) return config_set_argument_redacted(argc, argv, index);
    if (strcmp(name, "migrate") == 0) return migrate_argument_redacted(argc, argv, index);
    return 0;
}
