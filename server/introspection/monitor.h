/* monitor: the MONITOR command and the feed of executed commands.
 *
 * A MONITOR client receives, for every command executed by anyone after it
 * (not queued: commands inside MULTI show when EXEC runs them), one simple
 * string line like Redis's:
 *
 *     +1700000000.123456 [0 127.0.0.1:50000] "set" "key" "value"
 *
 * with the database after the command ran, the issuer's address ("unix:PATH"
 * for unix-socket clients) and every argument quoted.  Commands flagged admin
 * or skip_monitor are not shown; passwords show as "(redacted)".  The line is
 * built once per command and appended to every monitor's output.
 */
#ifndef ZKV_MONITOR_H
#define ZKV_MONITOR_H

#include "command.h"

/* Sends the line for cmd, just executed by c, to every MONITOR client. */
void monitor_feed(client *c, const command *cmd);
/* Feeds the monitors whatever the command's flags (EVAL and FCALL as they
 * start: dispatch_feed_monitors). */
void monitor_feed_always(client *c, const command *cmd);

extern const command_spec monitor_commands[];

#endif
