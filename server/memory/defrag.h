/* defrag: active defragmentation of the keyspace (activedefrag yes).
 *
 * After mass deletions jemalloc's slabs hold a few live regions each: the
 * pages stay resident although most of their bytes are free.  When the
 * allocator's fragmentation (active / allocated) passes the thresholds, a
 * pass walks every database with a resumable table cursor and moves each
 * block that zmalloc_defrag_should_move() judges to sit in a sparse slab
 * (objects, long strings' buffers, the table's child buckets), so sparse
 * slabs empty and their pages go back to the system.
 *
 * Timing.  Redis runs its defrag step inside the cron for percent × tick
 * period (25 ms at hz 10, 25%), which stalls every client that long.  zkv
 * works in slices of DEFRAG_SLICE_US on its own timer and rests between
 * them so that work / (work + rest) is the wanted CPU share: the same CPU
 * budget, without pauses longer than a slice.  The share scales linearly
 * from active-defrag-cycle-min at the lower threshold to -cycle-max at the
 * upper one, as in Redis; the cron re-evaluates it every tick.
 *
 * What is not moved: values of non-string types (their structures belong to
 * their modules), the tables' main bucket arrays (above 16 KB they are page
 * runs, not slab regions, and a table only has a small array when it is
 * small), and client buffers (short-lived).  Objects queued to the lazy-free
 * thread are out of every table, so the walk never sees them; replies copy
 * values into client buffers, so no reply references an object.
 */
#ifndef ZKV_DEFRAG_H
#define ZKV_DEFRAG_H

#include <stdbool.h>

#include "config_table.h"

#define DEFRAG_SLICE_US 1000

/* The parameters; the config table points at these fields. */
typedef struct defrag_config {
    int enabled;                     /* activedefrag */
    unsigned long long ignore_bytes; /* active-defrag-ignore-bytes */
    int threshold_lower;             /* percent of fragmentation to start */
    int threshold_upper;             /* percent at which cycle_max is used */
    int cycle_min;                   /* CPU percent */
    int cycle_max;
    long long max_scan_fields;       /* accepted: no collection type to scan yet */
} defrag_config;
extern defrag_config defrag_settings;

/* Registers the cron job and the CONFIG RESETSTAT hook.  0 on success. */
int defrag_init(void);
/* The memory module's cron and CONFIG RESETSTAT work. */
void defrag_cron(void);
void defrag_reset_stats(void);

/* INFO: active_defrag_running (the CPU percent while a pass runs, else 0)
 * and the stats counters. */
typedef struct defrag_stats {
    long long hits;       /* blocks moved */
    long long misses;     /* blocks looked at and left */
    long long key_hits;   /* keys with at least one block moved */
    long long key_misses; /* keys with nothing moved */
    long long total_ms;   /* time passes have been running */
    long long current_ms; /* age of the running pass, 0 if none */
} defrag_stats;
int defrag_running_percent(void);
void defrag_get_stats(defrag_stats *stats);

/* MEMORY DOCTOR's line about defragmentation: whether a pass is running,
 * and, when allocator fragmentation is high with activedefrag off, the
 * advice to enable it (or why this build cannot). */
void defrag_doctor_report(strbuf *out);

/* activedefrag's config table callbacks: "yes" is refused (with the reason)
 * when the allocator cannot defragment. */
int defrag_config_parse_enabled(const config_parameter *parameter, const char *text, const char **error);
void defrag_config_format_enabled(const config_parameter *parameter, strbuf *out);

/* One pass run to completion, whatever the thresholds (tests).  Returns the
 * blocks moved, -1 when defrag is unavailable. */
long long defrag_run_pass(void);

#endif
