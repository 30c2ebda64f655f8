/* lcs.c: see lcs.h for the algorithm and its memory trade-off.
 *
 * The table is one flat array of uint32_t indexed [i * (|b| + 1) + j]: cell
 * (i, j) holds the subsequence length of a's first i bytes and b's first j.
 * Filling walks it row by row, so every access is sequential or one row
 * back.  Match ranges are collected into an array grown by doubling; there
 * are at most min(|a|, |b|) of them.
 */
#include "lcs.h"

#include <stdint.h>
#include <string.h>

#include "zmalloc.h"

typedef struct lcs_table {
    uint32_t *cells;
    size_t a_length;
    size_t row_length; /* |b| + 1 */
} lcs_table;

static uint32_t cell(const lcs_table *table, size_t i, size_t j) {
    return table->cells[i * table->row_length + j];
}

static lcs_status table_allocate(lcs_table *table, size_t a_length, size_t b_length,
                                 size_t memory_limit) {
    /* Cells count up to the input lengths; stay clear of UINT32_MAX. */
    if (a_length >= UINT32_MAX - 1 || b_length >= UINT32_MAX - 1) return LCS_TOO_LONG;
    size_t cell_count, bytes;
    if (__builtin_mul_overflow(a_length + 1, b_length + 1, &cell_count) ||
        __builtin_mul_overflow(cell_count, sizeof(uint32_t), &bytes))
        return LCS_NO_MEMORY;
    if (memory_limit != 0 && bytes > memory_limit) return LCS_OVER_LIMIT;
    table->cells = zmalloc_try_alloc(bytes);
    table->a_length = a_length;
    table->row_length = b_length + 1;
    return table->cells ? LCS_OK : LCS_NO_MEMORY;
}

static void table_fill(lcs_table *table, const char *a, size_t a_length, const char *b,
                       size_t b_length) {
    uint32_t *cells = table->cells;
    size_t row_length = table->row_length;
    memset(cells, 0, row_length * sizeof(uint32_t));
    for (size_t i = 1; i <= a_length; i++) {
        uint32_t *row = cells + i * row_length;
        const uint32_t *previous = row - row_length;
        row[0] = 0;
        for (size_t j = 1; j <= b_length; j++) {
            if (a[i - 1] == b[j - 1])
                row[j] = previous[j - 1] + 1;
            else
                row[j] = previous[j] > row[j - 1] ? previous[j] : row[j - 1];
        }
    }
}

static int matches_append(lcs_result *result, size_t *capacity, const lcs_match *match) {
    if (result->match_count == *capacity) {
        size_t new_capacity = *capacity ? *capacity * 2 : 8;
        lcs_match *grown = zmalloc_try_realloc(result->matches, new_capacity * sizeof(lcs_match));
        if (!grown) return -1;
        result->matches = grown;
        *capacity = new_capacity;
    }
    result->matches[result->match_count++] = *match;
    return 0;
}

/* Walks back from (|a|, |b|), writing the subsequence's bytes from its end
 * and closing a match range whenever the walk leaves a run of taken bytes
 * or reaches the start of either string.  A byte taken right after another
 * always extends the current run: both indexes moved back by one. */
static lcs_status table_backtrack(const lcs_table *table, const char *a, const char *b,
                                  unsigned want, size_t min_match_length, lcs_result *result) {
    size_t i = table->a_length, j = table->row_length - 1;
    size_t remaining = result->length, capacity = 0;
    lcs_match run = {0, 0, 0, 0};
    int in_run = 0;
    while (i > 0 && j > 0) {
        int close_run;
        if (a[i - 1] == b[j - 1]) {
            if (want & LCS_WANT_STRING) result->string[--remaining] = a[i - 1];
            if (!in_run) {
                run.a_end = i - 1;
                run.b_end = j - 1;
                in_run = 1;
            }
            i--;
            j--;
            run.a_start = i;
            run.b_start = j;
            close_run = i == 0 || j == 0;
        } else {
            if (cell(table, i - 1, j) > cell(table, i, j - 1))
                i--;
            else
                j--;
            close_run = in_run;
        }
        if (!close_run) continue;
        in_run = 0;
        if (!(want & LCS_WANT_MATCHES) || run.a_end - run.a_start + 1 < min_match_length) continue;
        if (matches_append(result, &capacity, &run) != 0) return LCS_NO_MEMORY;
    }
    return LCS_OK;
}

lcs_status lcs_compute(const char *a, size_t a_length, const char *b, size_t b_length,
                       unsigned want, size_t min_match_length, size_t memory_limit,
                       lcs_result *result) {
    memset(result, 0, sizeof(*result));
    lcs_table table;
    lcs_status status = table_allocate(&table, a_length, b_length, memory_limit);
    if (status != LCS_OK) return status;
    table_fill(&table, a, a_length, b, b_length);
    result->length = cell(&table, a_length, b_length);
    if (want & LCS_WANT_STRING) {
        result->string = zmalloc_try_alloc(result->length ? result->length : 1);
        if (!result->string) status = LCS_NO_MEMORY;
    }
    if (status == LCS_OK && (want & (LCS_WANT_STRING | LCS_WANT_MATCHES)))
        status = table_backtrack(&table, a, b, want, min_match_length, result);
    zmalloc_free(table.cells);
    if (status != LCS_OK) lcs_result_free(result);
    return status;
}

void lcs_result_free(lcs_result *result) {
    zmalloc_free(result->string);
    zmalloc_free(result->matches);
    memset(result, 0, sizeof(*result));
}
