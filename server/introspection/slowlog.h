/* slowlog: the slow log and the SLOWLOG command.
 *
 * Commands that run for at least slowlog-log-slower-than microseconds (a
 * negative threshold disables the log, 0 logs everything) are remembered
 * with their arguments, the client's address and name, newest first, up to
 * slowlog-max-len entries.  Arguments are truncated as Redis does so a huge
 * MSET cannot make the log itself a memory problem: at most
 * SLOWLOG_MAX_ARGUMENTS arguments (the last one then says how many more there
 * were) and SLOWLOG_MAX_ARGUMENT_LENGTH bytes of each.
 */
#ifndef ZKV_SLOWLOG_H
#define ZKV_SLOWLOG_H

#include "command.h"

#define SLOWLOG_MAX_ARGUMENTS 32
#define SLOWLOG_MAX_ARGUMENT_LENGTH 128

/* Logs the command if it qualifies (threshold, not flagged skip_slowlog). */
void slowlog_consider(client *c, command *cmd, long long duration_us);
unsigned long slowlog_length(void);
void slowlog_reset(void);

extern const command_spec slowlog_commands[];

#endif
