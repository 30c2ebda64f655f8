/* info_command_sections: the commandstats, errorstats and latencystats INFO
 * sections, from the command table's counters, dispatch's error counts and
 * the per-command latency histograms.
 *
 * Commands are visited in table order (sorted by name), each container
 * before its subcommands, which are named "container|sub" as in Redis.
 */
#include <stdio.h>

#include "errorstats.h"
#include "histogram.h"
#include "info.h"
#include "introspection.h"

typedef void command_visitor(strbuf *out, const command *cmd);

static void visit_tree(strbuf *out, const command *cmd, command_visitor *visit) {
    visit(out, cmd);
    for (int i = 0; i < cmd->subcommand_count; i++) visit_tree(out, &cmd->subcommands[i], visit);
}

static void visit_all(strbuf *out, command_visitor *visit) {
    size_t count;
    command *const *all = command_table_all(&count);
    for (size_t i = 0; i < count; i++) visit_tree(out, all[i], visit);
}

static void write_command_stats(strbuf *out, const command *cmd) {
    const command_stats *stats = &cmd->stats;
    if (!stats->calls && !stats->rejected_calls && !stats->failed_calls) return;
    double per_call = stats->calls ? (double)stats->microseconds / (double)stats->calls : 0;
    strbuf_printf(out, "cmdstat_%s:calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,failed_calls=%lld\r\n",
                  cmd->full_name, stats->calls, stats->microseconds, per_call, stats->rejected_calls,
                  stats->failed_calls);
}

void info_write_commandstats(strbuf *out) { visit_all(out, write_command_stats); }

static void write_error_count(const char *code, long long count, void *context) {
    strbuf_printf(context, "errorstat_%s:count=%lld\r\n", code, count);
}

void info_write_errorstats(strbuf *out) { errorstats_foreach(write_error_count, out); }

/* A percentile as Redis prints it: "%f" without trailing zeros ("99.9",
 * "50"), so 99.99999 stays exact where "%g" would round it to 100. */
static void append_percentile(strbuf *out, double percentile) {
    char text[64];
    int length = snprintf(text, sizeof(text), "%f", percentile);
    while (length > 0 && text[length - 1] == '0') length--;
    if (length > 0 && text[length - 1] == '.') length--;
    strbuf_append(out, text, (size_t)length);
}

static void write_command_latency(strbuf *out, const command *cmd) {
    const histogram *h = introspection_command_histogram(cmd);
    if (!h || h->total == 0) return;
    strbuf_printf(out, "latency_percentiles_usec_%s:", cmd->full_name);
    for (int i = 0; i < server.config.latency_tracking_percentile_count; i++) {
        double percentile = server.config.latency_tracking_percentiles[i];
        strbuf_append_cstring(out, i ? ",p" : "p");
        append_percentile(out, percentile);
        strbuf_printf(out, "=%.3f", (double)histogram_percentile(h, percentile));
    }
    strbuf_append(out, "\r\n", 2);
}

void info_write_latencystats(strbuf *out) { visit_all(out, write_command_latency); }
