/* log.h: the server log in Redis's line format.
 *
 *     12345:M 24 Nov 2026 20:15:02.123 * Ready to accept connections
 *
 * Levels map to the marks '.', '-', '*', '#' (debug, verbose, notice,
 * warning).  Lines below the configured loglevel are dropped before
 * formatting.  The log goes to stdout until a logfile is configured.
 */
#ifndef ZKV_LOG_H
#define ZKV_LOG_H

#include "server.h"

void log_message(int level, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Writes the text as one log line with no level filtering (DEBUG LOG). */
void log_raw(int level, const char *text);
/* Reopens the output after `logfile` changed; 0 on success, -1 with errno. */
int log_open(const char *path);

#endif
