/* scan_args: the cursor and options of SCAN, HSCAN and SSCAN (and ZSCAN
 * later), so every scan parses them by one set of rules, Redis's: the cursor
 * as strtoul does (parseScanCursorOrReply), COUNT at least 1, MATCH a glob
 * pattern, TYPE for SCAN only, anything else a syntax error.  The element
 * filter is here too so every type matches patterns the same way.
 */
#ifndef ZKV_SCAN_ARGS_H
#define ZKV_SCAN_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "elem.h"
#include "strbuf.h"

typedef struct scan_args {
    unsigned long cursor;
    long long count;
    const resp_argument *pattern; /* NULL: every element */
    const resp_argument *type;    /* SCAN's TYPE; NULL: every type */
} scan_args;

/* Parses argv[index], the cursor, into args (other fields get their
 * defaults); replies "ERR invalid cursor" and returns false on bad input.
 * Redis checks a collection scan's cursor before the key, and the options
 * only once the key exists. */
bool scan_args_parse_cursor(client *c, int index, scan_args *args);
/* Parses the options from argv[first] on (TYPE only when with_type); replies
 * the error (syntax, a non-integer COUNT) and returns false on bad input.
 * The pointers in args point into argv. */
bool scan_args_parse_options(client *c, int first, bool with_type, scan_args *args);
/* The reply for a missing key: cursor "0" and no elements. */
void scan_args_reply_empty(client *c);
/* Whether an element's text passes MATCH. */
bool scan_args_match(const scan_args *args, const char *bytes, size_t length);

/* The elements one HSCAN/SSCAN call gathers, copied out of the collection:
 * its views are not valid across the reply's writes. */
typedef struct scan_batch {
    const scan_args *args;
    strbuf bytes;      /* element texts back to back */
    size_t *lengths;
    size_t count, capacity;
} scan_batch;
void scan_batch_init(scan_batch *batch, const scan_args *args);
/* An lhash_scan_fn: adds `key` (and `value`, a hash's, unless NULL) when
 * the key passes MATCH. */
void scan_batch_collect(void *batch, const elem_view *key, const elem_view *value);
/* Replies [cursor, elements] and releases the batch. */
void scan_batch_reply(client *c, scan_batch *batch, unsigned long cursor);

#endif
