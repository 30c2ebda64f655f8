/* info_memory: the memory INFO section.
 *
 * Two steps: gather_figures() collects the figures, then the field table
 * below prints them in Redis 7.0's order.  Completing or changing the
 * section means editing the table (and the figures struct if a new
 * measurement is needed): the list of fields lives in this one place.
 *
 * used_memory is read live; RSS, the allocator statistics and the
 * used_memory they are compared with come from the cron's 100 ms sample
 * (memory_sample.c), so every ratio and _bytes field describes one instant.
 * The overhead/dataset split and its formula are in memory_sample.c.
 *
 * Lua and function figures come from the scripting module through
 * core/script_memory.h; mem_not_counted_for_evict is what eviction leaves
 * out: output buffers (sampled) and scripts' Lua memory (live).  Fields for subsystems zkv lacks (replication
 * backlog, AOF, cluster links) are reported as zero.
 */
#include <string.h>

#include "client.h"
#include "defrag.h"
#include "strbuf.h"
#include "lazyfree.h"
#include "memory.h"
#include "script_memory.h"
#include "zmalloc.h"

typedef struct memory_figures {
    unsigned long long used, rss, peak, startup, overhead, dataset, clients;
    unsigned long long allocated, active, resident, system, maxmemory;
    unsigned long long sampled_used, not_counted;
} memory_figures;

static memory_figures gather_figures(void) {
    memory_figures f;
    memset(&f, 0, sizeof(f));
    const memory_sample *s = memory_last_sample();
    f.used = zmalloc_used_memory();
    f.sampled_used = s->used;
    f.rss = s->rss;
    if (f.used > server.peak_used_memory) server.peak_used_memory = f.used;
    f.peak = server.peak_used_memory;
    memory_overhead o = memory_compute_overhead(f.used);
    f.startup = o.startup;
    f.clients = o.clients;
    f.overhead = o.total;
    f.dataset = o.dataset;
    f.allocated = s->allocated;
    f.active = s->active;
    f.resident = s->resident;
    f.not_counted = s->client_output;
    f.system = zmalloc_total_system_memory();
    f.maxmemory = server.config.maxmemory;
    return f;
}

static double ratio(unsigned long long numerator, unsigned long long denominator) {
    return denominator ? (double)numerator / (double)denominator : 0;
}

static long long difference(unsigned long long minuend, unsigned long long subtrahend) {
    return (long long)minuend - (long long)subtrahend;
}

static const char *policy_name(int policy) {
    static const char *const names[] = {"noeviction",   "allkeys-lru",  "allkeys-lfu",     "allkeys-random",
                                        "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"};
    return (policy >= 0 && policy < (int)(sizeof(names) / sizeof(names[0]))) ? names[policy] : "noeviction";
}

static void field_bytes(strbuf *out, const char *name, unsigned long long value) {
    strbuf_printf(out, "%s:%llu\r\n", name, value);
}

static void field_human(strbuf *out, const char *name, unsigned long long value) {
    strbuf_printf(out, "%s:", name);
    strbuf_append_human_bytes(out, value);
    strbuf_append(out, "\r\n", 2);
}

static void field_ratio(strbuf *out, const char *name, double value) {
    strbuf_printf(out, "%s:%.2f\r\n", name, value);
}

static void field_percent(strbuf *out, const char *name, double value) {
    strbuf_printf(out, "%s:%.2f%%\r\n", name, value);
}

static void field_signed(strbuf *out, const char *name, long long value) {
    strbuf_printf(out, "%s:%lld\r\n", name, value);
}

void memory_write_info(strbuf *out) {
    memory_figures f = gather_figures();
    field_bytes(out, "used_memory", f.used);
    field_human(out, "used_memory_human", f.used);
    field_bytes(out, "used_memory_rss", f.rss);
    field_human(out, "used_memory_rss_human", f.rss);
    field_bytes(out, "used_memory_peak", f.peak);
    field_human(out, "used_memory_peak_human", f.peak);
    field_percent(out, "used_memory_peak_perc", 100 * ratio(f.used, f.peak));
    field_bytes(out, "used_memory_overhead", f.overhead);
    field_bytes(out, "used_memory_startup", f.startup);
    field_bytes(out, "used_memory_dataset", f.dataset);
    field_percent(out, "used_memory_dataset_perc",
                  100 * ratio(f.dataset, f.used > f.startup ? f.used - f.startup : 0));
    field_bytes(out, "allocator_allocated", f.allocated);
    field_bytes(out, "allocator_active", f.active);
    field_bytes(out, "allocator_resident", f.resident);
    field_bytes(out, "total_system_memory", f.system);
    field_human(out, "total_system_memory_human", f.system);
    script_memory scripts;
    script_memory_read(&scripts);
    f.not_counted += scripts.not_counted_for_evict;
    field_bytes(out, "used_memory_lua", scripts.vm_eval);
    field_bytes(out, "used_memory_vm_eval", scripts.vm_eval);
    field_human(out, "used_memory_lua_human", scripts.vm_eval);
    field_bytes(out, "used_memory_scripts_eval", scripts.scripts_eval);
    field_signed(out, "number_of_cached_scripts", scripts.cached_scripts);
    field_signed(out, "number_of_functions", scripts.function_count);
    field_signed(out, "number_of_libraries", scripts.library_count);
    field_bytes(out, "used_memory_vm_functions", scripts.vm_functions);
    field_bytes(out, "used_memory_vm_total", scripts.vm_eval + scripts.vm_functions);
    field_human(out, "used_memory_vm_total_human", scripts.vm_eval + scripts.vm_functions);
    field_bytes(out, "used_memory_functions", scripts.functions);
    field_bytes(out, "used_memory_scripts", scripts.scripts_eval + scripts.functions);
    field_human(out, "used_memory_scripts_human", scripts.scripts_eval + scripts.functions);
    field_bytes(out, "maxmemory", f.maxmemory);
    field_human(out, "maxmemory_human", f.maxmemory);
    strbuf_printf(out, "maxmemory_policy:%s\r\n", policy_name(server.config.maxmemory_policy));
    field_ratio(out, "allocator_frag_ratio", ratio(f.active, f.allocated));
    field_signed(out, "allocator_frag_bytes", difference(f.active, f.allocated));
    field_ratio(out, "allocator_rss_ratio", ratio(f.resident, f.active));
    field_signed(out, "allocator_rss_bytes", difference(f.resident, f.active));
    field_ratio(out, "rss_overhead_ratio", ratio(f.rss, f.resident));
    field_signed(out, "rss_overhead_bytes", difference(f.rss, f.resident));
    field_ratio(out, "mem_fragmentation_ratio", ratio(f.rss, f.sampled_used));
    field_signed(out, "mem_fragmentation_bytes", difference(f.rss, f.sampled_used));
    field_bytes(out, "mem_not_counted_for_evict", f.not_counted);
    strbuf_append_cstring(out, "mem_replication_backlog:0\r\n"
                               "mem_total_replication_buffers:0\r\n"
                               "mem_clients_slaves:0\r\n");
    field_bytes(out, "mem_clients_normal", f.clients);
    strbuf_append_cstring(out, "mem_cluster_links:0\r\n"
                               "mem_aof_buffer:0\r\n");
    strbuf_printf(out, "mem_allocator:%s\r\n", zmalloc_allocator_name());
    strbuf_printf(out, "active_defrag_running:%d\r\n", defrag_running_percent());
    strbuf_printf(out, "lazyfree_pending_objects:%lld\r\nlazyfreed_objects:%lld\r\n", lazyfree_pending_objects(),
                  lazyfree_freed_objects());
}
