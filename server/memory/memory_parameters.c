/* memory_parameters: maxmemory and eviction, and active defragmentation.
 *
 * The maxmemory values live in server.config (dispatch's memory check and
 * the eviction loop read them); the defragmentation values in
 * defrag_settings (defrag.h).  Registered through the memory module's
 * descriptor.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_table.h"
#include "defrag.h"
#include "memory.h"
#include "zmalloc.h"

#define C (&server.config)

/* ---- maxmemory-clients: bytes, or "N%" of maxmemory (stored negative) ---- */

static int parse_memory_or_percent(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    size_t length = strlen(text);
    unsigned long long value;
    if (length > 1 && text[length - 1] == '%') {
        char *end;
        long long percent = strtoll(text, &end, 10);
        if (end != text + length - 1 || percent < 0) {
            *error = "argument must be a memory or percent value";
            return -1;
        }
        if (percent > 100) {
            *error = "percentage argument must be less or equal to 100";
            return -1;
        }
        C->maxmemory_clients = -percent;
        return 0;
    }
    if (config_parse_memory(text, &value) != 0 || value > LLONG_MAX) {
        *error = "argument must be a memory or percent value";
        return -1;
    }
    C->maxmemory_clients = (long long)value;
    return 0;
}

static void format_memory_or_percent(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    if (C->maxmemory_clients < 0) strbuf_printf(out, "%lld%%", -C->maxmemory_clients);
    else strbuf_append_int(out, C->maxmemory_clients);
}

/* Idle servers give freed pages back through jemalloc's background thread,
 * as Redis 7 does.  Backends without one keep the setting and do nothing. */
static int apply_jemalloc_bg_thread(const char **error) {
    (void)error;
    zmalloc_set_background_thread(C->jemalloc_bg_thread);
    return 0;
}

int memory_apply_settings(void) {
    const char *error = NULL;
    return apply_jemalloc_bg_thread(&error);
}

static const config_choice maxmemory_policies[] = {
    {"volatile-lru", MAXMEMORY_VOLATILE_LRU}, {"volatile-lfu", MAXMEMORY_VOLATILE_LFU},
    {"volatile-random", MAXMEMORY_VOLATILE_RANDOM}, {"volatile-ttl", MAXMEMORY_VOLATILE_TTL},
    {"allkeys-lru", MAXMEMORY_ALLKEYS_LRU}, {"allkeys-lfu", MAXMEMORY_ALLKEYS_LFU},
    {"allkeys-random", MAXMEMORY_ALLKEYS_RANDOM}, {"noeviction", MAXMEMORY_NO_EVICTION}, {NULL, 0}};

const config_parameter memory_parameters[] = {
    CONFIG_ENTRY_MEMORY("maxmemory", &C->maxmemory, TARGET_UNSIGNED_LONG_LONG, 0, "0", NULL),
    CONFIG_ENTRY_SPECIAL("maxmemory-clients", "0", 0, parse_memory_or_percent, format_memory_or_percent, NULL),
    {.name = "jemalloc-bg-thread", .type = CONFIG_BOOL, .value = &C->jemalloc_bg_thread, .default_text = "yes",
     .apply = apply_jemalloc_bg_thread},
    {.name = "maxmemory-policy", .type = CONFIG_ENUM, .value = &C->maxmemory_policy,
     .default_text = "noeviction", .choices = maxmemory_policies},
    CONFIG_ENTRY_INTEGER("maxmemory-samples", &C->maxmemory_samples, TARGET_INT, 1, 64, "5", 0, NULL),
    CONFIG_ENTRY_INTEGER("maxmemory-eviction-tenacity", &C->maxmemory_eviction_tenacity, TARGET_INT, 0, 100, "10",
                         0, NULL),
    CONFIG_ENTRY_INTEGER("lfu-log-factor", &C->lfu_log_factor, TARGET_INT, 0, INT_MAX, "10", 0, NULL),
    CONFIG_ENTRY_INTEGER("lfu-decay-time", &C->lfu_decay_time, TARGET_INT, 0, INT_MAX, "1", 0, NULL),
    CONFIG_ENTRY_SPECIAL("activedefrag", "no", 0, defrag_config_parse_enabled, defrag_config_format_enabled, NULL),
    {.name = "active-defrag-ignore-bytes", .type = CONFIG_MEMORY, .value = &defrag_settings.ignore_bytes,
     .target = TARGET_UNSIGNED_LONG_LONG, .minimum = 1, .maximum = LLONG_MAX, .default_text = "100mb"},
    {.name = "active-defrag-threshold-lower", .type = CONFIG_INTEGER, .value = &defrag_settings.threshold_lower,
     .target = TARGET_INT, .minimum = 0, .maximum = 1000, .default_text = "10"},
    {.name = "active-defrag-threshold-upper", .type = CONFIG_INTEGER, .value = &defrag_settings.threshold_upper,
     .target = TARGET_INT, .minimum = 0, .maximum = 1000, .default_text = "100"},
    {.name = "active-defrag-cycle-min", .type = CONFIG_INTEGER, .value = &defrag_settings.cycle_min,
     .target = TARGET_INT, .minimum = 1, .maximum = 99, .default_text = "1"},
    {.name = "active-defrag-cycle-max", .type = CONFIG_INTEGER, .value = &defrag_settings.cycle_max,
     .target = TARGET_INT, .minimum = 1, .maximum = 99, .default_text = "25"},
    {.name = "active-defrag-max-scan-fields", .type = CONFIG_INTEGER, .value = &defrag_settings.max_scan_fields,
     .target = TARGET_LONG_LONG, .minimum = 1, .maximum = LLONG_MAX, .default_text = "1000"},
    {.name = NULL}};
