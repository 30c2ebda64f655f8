/* lcs: the longest common subsequence of two byte strings (the LCS command),
 * with no server dependency.
 *
 * The classic dynamic programme: a table of (|a|+1) x (|b|+1) 32-bit lengths,
 * so time and memory are O(|a| x |b|), as in Redis.  Linear-memory methods
 * (Hirschberg) exist, but Redis answers one particular subsequence out of
 * the many of equal length, the one its backtracking order picks, and
 * clients can see which; keeping the full table keeps that choice exact.
 * The price is memory: the table is allocated with zmalloc_try_alloc, after
 * checking its size against a caller-given limit (Redis uses
 * proto-max-bulk-len), so huge inputs fail cleanly instead of aborting.
 *
 * Backtracking starts at the end of both strings.  On equal bytes it takes
 * the byte and steps back in both; otherwise it steps back in `a` only if
 * that keeps a strictly longer subsequence, else in `b`.  Runs of bytes
 * taken in consecutive steps form the match ranges, reported from the end
 * of the strings towards their start.
 */
#ifndef ZKV_LCS_H
#define ZKV_LCS_H

#include <stddef.h>

typedef enum lcs_status {
    LCS_OK,
    LCS_TOO_LONG,   /* an input is too long for 32-bit table cells */
    LCS_OVER_LIMIT, /* the table would exceed the memory limit */
    LCS_NO_MEMORY   /* an allocation failed */
} lcs_status;

/* What to compute besides the length. */
#define LCS_WANT_STRING (1u << 0)
#define LCS_WANT_MATCHES (1u << 1)

/* One run of consecutive common bytes: a[a_start..a_end] equals
 * b[b_start..b_end] (inclusive). */
typedef struct lcs_match {
    size_t a_start, a_end;
    size_t b_start, b_end;
} lcs_match;

typedef struct lcs_result {
    size_t length;          /* length of the subsequence */
    char *string;           /* LCS_WANT_STRING: `length` bytes (zmalloc'd), else NULL */
    lcs_match *matches;     /* LCS_WANT_MATCHES: runs of at least min_match_length bytes */
    size_t match_count;
} lcs_result;

/* Computes the subsequence of a and b.  memory_limit bounds the table's bytes
 * (0: no limit).  On any status but LCS_OK nothing is left allocated. */
lcs_status lcs_compute(const char *a, size_t a_length, const char *b, size_t b_length,
                       unsigned want, size_t min_match_length, size_t memory_limit,
                       lcs_result *result);

/* Frees what lcs_compute allocated; the result becomes empty. */
void lcs_result_free(lcs_result *result);

#endif
