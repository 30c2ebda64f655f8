/* introspection_parameters: the slow log, latency tracking and the latency
 * monitor.  Values live in server.config; registered through the
 * introspection module's descriptor.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_table.h"

#define C (&server.config)

/* ---- latency-tracking-info-percentiles ---- */

static int parse_percentiles(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    char **words;
    int count = config_split_line(text, &words);
    int capacity = (int)(sizeof(C->latency_tracking_percentiles) / sizeof(double));
    double values[16];
    /* Redis splits the value at each single space: a leading, trailing or
     * doubled space makes an empty, invalid word. */
    size_t length = strlen(text);
    int empty_word = length && (text[0] == ' ' || text[length - 1] == ' ' || strstr(text, "  ") != NULL);
    int result = count < 0 || count > capacity || empty_word ? -1 : 0;
    if (result) *error = "Invalid latency-tracking-info-percentiles parameters";
    for (int i = 0; i < count && result == 0; i++) {
        char *end;
        errno = 0;
        values[i] = strtod(words[i], &end);
        /* As Redis's string2d: NaN and out-of-range values (overflow to
         * HUGE_VAL, underflow to 0) are not numbers; infinities are, and
         * fail the range check below. */
        int out_of_range = errno == ERANGE && (isinf(values[i]) || values[i] == 0.0);
        if (!*words[i] || *end || isspace((unsigned char)words[i][0]) || isnan(values[i]) || out_of_range) {
            *error = "Invalid latency-tracking-info-percentiles parameters";
            result = -1;
        } else if (values[i] < 0.0 || values[i] > 100.0) {
            *error = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            result = -1;
        }
    }
    if (count >= 0) config_free_words(words, count);
    if (result) return -1;
    memcpy(C->latency_tracking_percentiles, values, (size_t)count * sizeof(double));
    C->latency_tracking_percentile_count = count;
    return 0;
}

static void format_percentiles(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    for (int i = 0; i < C->latency_tracking_percentile_count; i++)
        strbuf_printf(out, "%s%.15g", i ? " " : "", C->latency_tracking_percentiles[i]);
}

const config_parameter introspection_parameters[] = {
    CONFIG_ENTRY_INTEGER("slowlog-log-slower-than", &C->slowlog_log_slower_than, TARGET_LONG_LONG, -1, LLONG_MAX,
                         "10000", 0, NULL),
    CONFIG_ENTRY_INTEGER("slowlog-max-len", &C->slowlog_max_len, TARGET_UNSIGNED_LONG, 0, LONG_MAX, "128", 0, NULL),
    CONFIG_ENTRY_BOOL("latency-tracking", &C->latency_tracking, "yes", 0),
    CONFIG_ENTRY_SPECIAL("latency-tracking-info-percentiles", "50 99 99.9", CONFIG_MULTI_ARGUMENT,
                         parse_percentiles, format_percentiles, NULL),
    CONFIG_ENTRY_INTEGER("latency-monitor-threshold", &C->latency_monitor_threshold, TARGET_LONG_LONG, 0,
                         LLONG_MAX, "0", 0, NULL),
    {.name = NULL}};
