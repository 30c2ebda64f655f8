/* memory_sample: the cron's 100 ms memory sample and the breakdown of
 * used_memory into overhead and dataset.
 *
 * Sampling.  used_memory, RSS, the allocator's statistics and the size of
 * the clients' output buffers are read together, at most every
 * MEMORY_SAMPLE_PERIOD_MS, from the cron.  Ratios printed by INFO and
 * MEMORY STATS use only this sample, so rss/used and active/allocated
 * describe the same instant; reading /proc and the allocator on every INFO
 * would also cost more than the INFO itself.  When the allocator has no
 * statistics, the sample fills them in as Redis does: resident = RSS,
 * active = resident, allocated = used_memory.
 *
 * Overhead formula (used_memory_overhead):
 *
 *     overhead = startup                 used_memory once initialised
 *              + clients                 client structs, query buffers,
 *                                        output buffers, MULTI queues
 *              + tables                  every db's bucket arrays and
 *                                        overflow buckets (8 B per slot)
 *              + keys x 5                the per-key header inside each
 *                                        object (type, flags, 24-bit clock)
 *              + scripts                 what scripts added to the Lua
 *                                        interpreters and function libraries
 *                                        (Redis: the script caches; its Lua
 *                                        is outside used_memory altogether)
 *     dataset  = used_memory - overhead
 *
 * Redis counts a dictEntry and an robj per key; zkv has neither (the table
 * slot is in `tables`, the object header is the 5 bytes above), so the rest
 * of each object (key bytes, length varints, the value and the allocator's
 * rounding of the block) is dataset.  Clients are summed at each call: one
 * pass over the client list, a few microseconds per thousand clients.
 */
#include "config.h"
#include "memory.h"

#include "client.h"
#include "command.h"
#include "evict.h"
#include "keyspace.h"
#include "script_memory.h"
#include "server.h"
#include "zmalloc.h"

static memory_sample last_sample;
static long long last_sample_ms = -1;

/* Output buffers holding replies not yet sent: used memory that eviction
 * ignores, as freeing keys cannot shrink what clients have yet to read.
 * An idle client's empty buffer counts for eviction like any other memory
 * (Redis's fixed per-client reply buffer does too), so a server with many
 * idle connections still keeps used_memory near maxmemory. */
static size_t memory_output_pending(const resp_output *output) {
    return output && resp_output_pending_bytes(output) ? resp_output_memory(output) : 0;
}

size_t memory_client_output(void) {
    size_t total = 0;
    for (client *c = net.clients; c; c = c->next)
        total += memory_output_pending(c->reply) + memory_output_pending(c->hidden_reply);
    return total;
}

size_t memory_scripts_not_counted(void) {
    script_memory scripts;
    script_memory_read(&scripts);
    return scripts.not_counted_for_evict;
}

void memory_take_sample(void) {
    memory_sample s = {0};
    zmalloc_allocator_stats stats;
    s.used = zmalloc_used_memory();
    s.rss = zmalloc_rss();
    s.allocator_has_stats = zmalloc_get_allocator_stats(&stats) == 0;
    if (s.allocator_has_stats) {
        s.allocated = stats.allocated;
        s.active = stats.active;
        s.resident = stats.resident;
    } else {
        s.resident = s.rss;
        s.active = s.rss;
        s.allocated = s.used;
    }
    s.client_output = memory_client_output();
    last_sample = s;
    last_sample_ms = server_unix_time_ms();
}

const memory_sample *memory_last_sample(void) {
    if (last_sample_ms < 0) memory_take_sample();
    return &last_sample;
}

/* Cron job: the cron runs at `hz`, the sample every 100 ms whatever hz is. */
void memory_sample_cron(void) {
    long long now = server_unix_time_ms();
    if (last_sample_ms < 0 || now - last_sample_ms >= MEMORY_SAMPLE_PERIOD_MS || now < last_sample_ms)
        memory_take_sample();
}

memory_overhead memory_compute_overhead(size_t used) {
    memory_overhead o = {0};
    o.startup = server.startup_used_memory;
    o.clients = client_total_memory();
    o.tables = keyspace_tables_memory();
    for (int i = 0; i < keyspace_database_count(); i++) o.keys += db_size(keyspace_db(i));
    o.key_headers = (size_t)o.keys * MEMORY_KEY_HEADER_BYTES;
    script_memory scripts;
    script_memory_read(&scripts);
    o.scripts = scripts.since_startup;
    o.total = o.startup + o.clients + o.tables + o.key_headers + o.scripts;
    o.dataset = used > o.total ? used - o.total : 0;
    return o;
}

/* Peak tracking after every command that may grow the dataset (the
 * denyoom ones): a burst of writes freed before the next cron tick still
 * shows in used_memory_peak.  Reading the counter sums every thread's slot
 * under a mutex, so read-only commands skip it; the memory they add (reply
 * buffers) is caught by the cron's sample. */
static void memory_track_peak(client *c, command *cmd, long long duration_us) {
    (void)c;
    (void)duration_us;
    if (!(cmd->spec->flags & COMMAND_DENYOOM)) return;
    size_t used = zmalloc_used_memory();
    if (used > server.peak_used_memory) server.peak_used_memory = used;
}

void memory_init(void) {
    memory_apply_settings();
    memory_take_sample();
    dispatch_add_observer(memory_track_peak);
    evict_init();
}
