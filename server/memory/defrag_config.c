/* defrag_config: what activedefrag says when the allocator cannot move
 * blocks, and the line MEMORY DOCTOR prints about it.
 *
 * Only the jemalloc backend can tell whether a block sits in a sparse slab
 * (zmalloc_defrag_begin fails elsewhere), so "activedefrag yes" is refused
 * on tcmalloc and libc builds, from a config file as from CONFIG SET, the
 * way Redis refuses it when built without its own jemalloc.  Asking the
 * allocator (rather than testing the build flags) keeps the rule true if a
 * backend gains or loses the capability.
 */
#include <stdio.h>
#include <strings.h>

#include "defrag.h"
#include "memory.h"
#include "zmalloc.h"

/* Fragmentation above which the doctor speaks: the same 1.1 and 10 MB as its
 * other allocator findings. */
#define DEFRAG_DOCTOR_RATIO 1.1
#define DEFRAG_DOCTOR_BYTES (10ULL << 20)

static bool defrag_available(void) {
    return zmalloc_defrag_begin() == 0;
}

int defrag_config_parse_enabled(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    int enable;
    if (strcasecmp(text, "yes") == 0)
        enable = 1;
    else if (strcasecmp(text, "no") == 0)
        enable = 0;
    else {
        *error = "argument must be 'yes' or 'no'";
        return -1;
    }
    if (enable && !defrag_available()) {
        *error = "Active defragmentation cannot be enabled: this zkv is built with an allocator that "
                 "cannot report slab usage; rebuild it with jemalloc (ZKV_MALLOC=jemalloc) to use it";
        return -1;
    }
    defrag_settings.enabled = enable;
    return 0;
}

void defrag_config_format_enabled(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    strbuf_append_cstring(out, defrag_settings.enabled ? "yes" : "no");
}

/* True when fragmentation is worth a word: over both doctor limits. */
static bool defrag_doctor_fragmented(double *ratio) {
    const memory_sample *stats = memory_last_sample();
    if (!stats->allocator_has_stats || stats->allocated == 0 || stats->active <= stats->allocated) return false;
    *ratio = (double)stats->active / (double)stats->allocated;
    return *ratio > DEFRAG_DOCTOR_RATIO && stats->active - stats->allocated > DEFRAG_DOCTOR_BYTES;
}

void defrag_doctor_report(strbuf *out) {
    defrag_stats stats;
    defrag_get_stats(&stats);
    double ratio = 1.0;
    if (defrag_running_percent() > 0)
        strbuf_printf(out, "Active defragmentation is running (%d%% CPU): %lld allocations moved so far.\n",
                      defrag_running_percent(), stats.hits);
    else if (!defrag_doctor_fragmented(&ratio))
        strbuf_append_cstring(out, "Active defragmentation is not running.\n");
    else if (defrag_settings.enabled)
        strbuf_printf(out, "Active defragmentation is enabled but not running: allocator fragmentation "
                           "(%.2f) is under active-defrag-threshold-lower or active-defrag-ignore-bytes.\n",
                      ratio);
    else if (defrag_available())
        strbuf_printf(out, "Active defragmentation is off while allocator fragmentation is %.2f: "
                           "'CONFIG SET activedefrag yes' would move values out of sparse pages while "
                           "serving clients.\n",
                      ratio);
    else
        strbuf_printf(out, "Active defragmentation is unavailable with this build's allocator (%s); "
                           "allocator fragmentation is %.2f.\n",
                      zmalloc_allocator_name(), ratio);
}
