/* number: strict number parsing and formatting, one convention for zkv.
 *
 * Redis accepts an integer argument only in its canonical decimal form
 * (string2ll): an optional '-', no '+', no leading zeros, no spaces, no
 * "-0", and a value that fits a long long.  The same strictness decides
 * whether a string value is stored as an integer, so a value round-trips
 * byte for byte.  Every parser here returns true on success and leaves the
 * output untouched on failure; none allocates.
 */
#ifndef ZKV_NUMBER_H
#define ZKV_NUMBER_H

#include <stdbool.h>
#include <stddef.h>

#define NUMBER_INTEGER_BUFFER 21 /* digits of LLONG_MIN plus its sign */

/* Strict decimal long long (Redis's string2ll); `text` need not be
 * terminated. */
bool number_parse_integer(const char *text, size_t length, long long *value);
/* Formats a long long; returns the length (no terminator is written). */
size_t number_format_integer(long long value, char buffer[NUMBER_INTEGER_BUFFER]);
/* A finite double in the forms strtod takes, with no leading space and
 * nothing after it, as Redis's getDoubleFromObject ("inf" and "-inf" are
 * accepted, NaN never).  `text` need not be terminated. */
bool number_parse_double(const char *text, size_t length, double *value);

/* Redis's string2ld: the whole text is a long double (inf allowed, NaN
 * never), with no leading space.  `text` need not be terminated. */
bool number_parse_long_double(const char *text, size_t length, long double *value);
/* Redis's "human" long double text (%.17Lf, trailing zeros and point cut,
 * "-0" as "0"); returns the length, 0 if `size` is too small. */
size_t number_format_long_double(long double value, char *buffer, size_t size);
/* Room number_format_long_double needs for any finite value. */
#define NUMBER_LONG_DOUBLE_BUFFER 5120

#endif
