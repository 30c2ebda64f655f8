/* scan_args: the cursor and options of HSCAN and SSCAN (and ZSCAN later).
 *
 * The collection scans share SCAN's argument rules: the cursor is parsed as
 * strtoul does (Redis's parseScanCursorOrReply), COUNT must be at least 1,
 * MATCH takes a glob pattern, and anything else (TYPE included: only SCAN
 * has it) is a syntax error.  The element filter is here too so every type
 * matches patterns the same way.
 */
#ifndef ZKV_SCAN_ARGS_H
#define ZKV_SCAN_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"

typedef struct scan_args {
    unsigned long cursor;
    long long count;
    const resp_argument *pattern; /* NULL: every element */
} scan_args;

/* Parses argv[2], the cursor, into args (other fields get their defaults);
 * replies "ERR invalid cursor" and returns false on bad input.  Redis checks
 * the cursor before the key, and the options only once the key exists. */
bool scan_args_parse_cursor(client *c, scan_args *args);
/* Parses the options after the cursor; replies the error (syntax, a
 * non-integer COUNT) and returns false on bad input. */
bool scan_args_parse_options(client *c, scan_args *args);
/* The reply for a missing key: cursor "0" and no elements. */
void scan_args_reply_empty(client *c);
/* Whether an element's text passes MATCH. */
bool scan_args_match(const scan_args *args, const char *bytes, size_t length);

#endif
