/* errorstats: the per-code error counters (see errorstats.h). */
#include "errorstats.h"

#include <string.h>

#include "server.h"

#define ERRORSTATS_LIMIT 128
#define ERROR_CODE_LENGTH 32

typedef struct error_code_count {
    char code[ERROR_CODE_LENGTH];
    long long count;
} error_code_count;

static error_code_count error_counts[ERRORSTATS_LIMIT];
static int error_code_total;

void errorstats_count(const char *text, size_t length) {
    server.stats.total_error_replies++;
    size_t code_length = 0;
    while (code_length < length && text[code_length] != ' ') code_length++;
    if (code_length >= ERROR_CODE_LENGTH) code_length = ERROR_CODE_LENGTH - 1;
    for (int i = 0; i < error_code_total; i++) {
        if (strlen(error_counts[i].code) == code_length &&
            memcmp(error_counts[i].code, text, code_length) == 0) {
            error_counts[i].count++;
            return;
        }
    }
    if (error_code_total == ERRORSTATS_LIMIT) return;
    memcpy(error_counts[error_code_total].code, text, code_length);
    error_counts[error_code_total].code[code_length] = '\0';
    error_counts[error_code_total++].count = 1;
}

void errorstats_foreach(void (*visit)(const char *code, long long count, void *context), void *context) {
    for (int i = 0; i < error_code_total; i++) visit(error_counts[i].code, error_counts[i].count, context);
}

void errorstats_reset(void) { error_code_total = 0; }
