/* args: reading a command's arguments, one helper per job.
 *
 * Command handlers see their arguments as binary-safe resp_argument slices.
 * Matching an option word and parsing a number are the same everywhere, so
 * they live here once, with one convention: true means success.  The
 * `_or_reply` forms also answer the client with Redis's error text on
 * failure, so a handler only has to return.
 */
#ifndef ZKV_ARGS_H
#define ZKV_ARGS_H

#include <stdbool.h>

#include "client.h"

/* Case-insensitive comparison of a whole argument with a lower-case word. */
bool args_is(const resp_argument *argument, const char *word);
/* Strict decimal long long (see number.h). */
bool args_integer(const resp_argument *argument, long long *value);
/* The same, replying "ERR value is not an integer or out of range" when the
 * argument is not one. */
bool args_integer_or_reply(client *c, const resp_argument *argument, long long *value);
/* A finite double (inf allowed, NaN never), replying "ERR value is not a
 * valid float" when the argument is not one. */
bool args_double_or_reply(client *c, const resp_argument *argument, double *value);

#endif
