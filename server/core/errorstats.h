/* errorstats: error replies counted by code (INFO errorstats).
 *
 * Every error a client hears, from a command or from the protocol parser,
 * is counted once by its code (the first word, "ERR", "WRONGTYPE", ...),
 * and in total_error_replies.  Both the reply layer and the network layer
 * report here, so the counters live in core, below both.  Redis caps the
 * number of distinct codes at 128 so that a client inventing codes cannot
 * grow the table; so does zkv.
 */
#ifndef ZKV_ERRORSTATS_H
#define ZKV_ERRORSTATS_H

#include <stddef.h>

/* Counts one error reply with this text. */
void errorstats_count(const char *text, size_t length);
/* Calls `visit` with each code and count, in first-seen order. */
void errorstats_foreach(void (*visit)(const char *code, long long count, void *context), void *context);
/* Forgets every code (CONFIG RESETSTAT). */
void errorstats_reset(void);

#endif
