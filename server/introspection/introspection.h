/* introspection: what the introspection commands (CLIENT, COMMAND, INFO,
 * SLOWLOG, LATENCY, MONITOR, DEBUG) share.
 *
 * introspection_init registers one dispatch observer that feeds, after every
 * executed command, the per-command latency histograms, the slow log, the
 * latency monitor and the MONITOR clients, in that order.  Keeping a single
 * observer means one indirect call per command on the hot path.
 *
 * The argument helpers work on the parser's resp_argument (not NUL-terminated).
 */
#ifndef ZKV_INTROSPECTION_H
#define ZKV_INTROSPECTION_H

#include <stddef.h>

#include "command.h"
#include "resp_parser.h"

/* Registers the observer (and the CONFIG RESETSTAT hook that clears the
 * latency histograms); call once at start-up after the command table. */
int introspection_init(void);

/* The observer itself (exposed for tests). */
void introspection_observe_command(client *c, command *cmd, long long duration_us);

/* Appends the argument in double quotes with C-style escapes (\n, \", \xHH
 * for unprintable bytes): MONITOR lines and CLIENT LIST cmd names. */
struct strbuf;
void introspection_append_quoted(struct strbuf *out, const char *data, size_t length);

/* Whether argument `index` of a command must be shown as "(redacted)" in the
 * slow log and MONITOR: passwords of AUTH, HELLO ... AUTH and CONFIG SET of a
 * password parameter. */
int introspection_argument_redacted(const command *cmd, int argc, const resp_argument *argv, int index);

/* The latency histogram of a command, NULL until it first ran with
 * latency-tracking on (INFO latencystats, LATENCY HISTOGRAM). */
struct histogram *introspection_command_histogram(const command *cmd);
/* Clears every command's histogram (CONFIG RESETSTAT). */
void introspection_reset_histograms(void);

#endif
