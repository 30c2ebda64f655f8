/* memory_commands: MEMORY USAGE, STATS, DOCTOR, PURGE, MALLOC-STATS, HELP.
 *
 * Every figure comes from memory_sample.c (the cron's consistent sample
 * and the overhead breakdown), so MEMORY STATS, INFO memory and DOCTOR
 * agree with each other.  MEMORY USAGE reports what a key really costs in
 * zkv: its object block and external value as the allocator sized them,
 * plus its share of the table's slots (bucket arrays / number of keys).
 * SAMPLES is accepted and checked as Redis does; zkv's values are strings
 * whose size is known exactly, so no sampling is needed.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "command.h"
#include "db.h"
#include "defrag.h"
#include "keyspace.h"
#include "key_access.h"
#include "memory.h"
#include "reply.h"
#include "script_memory.h"
#include "strbuf.h"
#include "zmalloc.h"

#define MEMORY_DOCTOR_MIN_BYTES (5 * 1024 * 1024)
#define MEMORY_DOCTOR_BIG_BYTES (10 * 1024 * 1024)
#define MEMORY_DOCTOR_CLIENT_BYTES (200 * 1024)
#define MEMORY_DOCTOR_MANY_SCRIPTS 1000 /* Redis's threshold */

static double memory_ratio(size_t numerator, size_t denominator) {
    return denominator ? (double)numerator / (double)denominator : 0;
}

/* ---------------------------------------------------------------- USAGE */

/* Redis's default number of elements MEMORY USAGE looks at. */
#define MEMORY_USAGE_SAMPLES 5

/* Checks [SAMPLES n] as Redis does (the last one counts, 0 means all);
 * false after replying an error. */
static bool memory_usage_options(client *c, size_t *samples_out) {
    *samples_out = MEMORY_USAGE_SAMPLES;
    for (int i = 3; i < c->argc; i += 2) {
        bool samples = c->argv[i].length == 7 && strncasecmp(c->argv[i].data, "samples", 7) == 0;
        if (!samples || i + 1 >= c->argc) {
            reply_syntax_error(c);
            return false;
        }
        long long count;
        if (!number_parse_integer(c->argv[i + 1].data, c->argv[i + 1].length, &count)) {
            reply_not_integer(c);
            return false;
        }
        if (count < 0) {
            reply_syntax_error(c);
            return false;
        }
        *samples_out = (size_t)count;
    }
    return true;
}

static void memory_usage_command(client *c) {
    size_t samples;
    if (!memory_usage_options(c, &samples)) return;
    db *d = key_db(c);
    object *o = db_lookup(d, c->argv[2].data, c->argv[2].length, DB_LOOKUP_NOTOUCH | DB_LOOKUP_NOSTATS);
    if (o == NULL) {
        reply_null(c);
        return;
    }
    size_t keys = table_size(d->keys);
    size_t table_share = keys ? (table_memory(d->keys) + keys / 2) / keys : 0;
    reply_integer(c, (long long)(object_memory(o, samples) + table_share));
}

/* ---------------------------------------------------------------- STATS */

static void memory_stat_integer(client *c, const char *name, long long value) {
    reply_bulk_cstring(c, name);
    reply_integer(c, value);
}

/* Redis computes these ratios in single precision; so does zkv, so the
 * printed digits look alike. */
static void memory_stat_ratio(client *c, const char *name, double value) {
    reply_bulk_cstring(c, name);
    reply_double(c, (double)(float)value);
}

static int memory_databases_with_keys(void) {
    int count = 0;
    for (int i = 0; i < keyspace_database_count(); i++) count += db_size(keyspace_db(i)) > 0;
    return count;
}

static void memory_stats_databases(client *c) {
    for (int i = 0; i < keyspace_database_count(); i++) {
        db *d = keyspace_db(i);
        if (db_size(d) == 0) continue;
        char name[32];
        snprintf(name, sizeof(name), "db.%d", i);
        reply_bulk_cstring(c, name);
        reply_map_header(c, 3);
        memory_stat_integer(c, "overhead.hashtable.main",
                            (long long)(table_memory(d->keys) + (size_t)db_size(d) * MEMORY_KEY_HEADER_BYTES));
        memory_stat_integer(c, "overhead.hashtable.expires", 0);
        memory_stat_integer(c, "overhead.hashtable.slot-to-keys", 0);
    }
}

static void memory_stats_allocator(client *c, const memory_sample *s) {
    memory_stat_integer(c, "allocator.allocated", (long long)s->allocated);
    memory_stat_integer(c, "allocator.active", (long long)s->active);
    memory_stat_integer(c, "allocator.resident", (long long)s->resident);
    memory_stat_ratio(c, "allocator-fragmentation.ratio", memory_ratio(s->active, s->allocated));
    memory_stat_integer(c, "allocator-fragmentation.bytes", (long long)s->active - (long long)s->allocated);
    memory_stat_ratio(c, "allocator-rss.ratio", memory_ratio(s->resident, s->active));
    memory_stat_integer(c, "allocator-rss.bytes", (long long)s->resident - (long long)s->active);
    memory_stat_ratio(c, "rss-overhead.ratio", memory_ratio(s->rss, s->resident));
    memory_stat_integer(c, "rss-overhead.bytes", (long long)s->rss - (long long)s->resident);
    memory_stat_ratio(c, "fragmentation", memory_ratio(s->rss, s->used));
    memory_stat_integer(c, "fragmentation.bytes", (long long)s->rss - (long long)s->used);
}

static void memory_stats_command(client *c) {
    size_t used = zmalloc_used_memory();
    if (used > server.peak_used_memory) server.peak_used_memory = used;
    memory_overhead o = memory_compute_overhead(used);
    size_t beyond_startup = used > o.startup ? used - o.startup : 0;
    reply_map_header(c, 27 + memory_databases_with_keys());
    memory_stat_integer(c, "peak.allocated", (long long)server.peak_used_memory);
    memory_stat_integer(c, "total.allocated", (long long)used);
    memory_stat_integer(c, "startup.allocated", (long long)o.startup);
    static const char *const absent[] = {"replication.backlog", "clients.slaves"};
    for (size_t i = 0; i < 2; i++) memory_stat_integer(c, absent[i], 0);
    memory_stat_integer(c, "clients.normal", (long long)o.clients);
    static const char *const absent_after[] = {"cluster.links", "aof.buffer"};
    for (size_t i = 0; i < 2; i++) memory_stat_integer(c, absent_after[i], 0);
    script_memory scripts;
    script_memory_read(&scripts);
    memory_stat_integer(c, "lua.caches", (long long)scripts.scripts_eval);
    memory_stat_integer(c, "functions.caches", (long long)scripts.functions);
    memory_stats_databases(c);
    memory_stat_integer(c, "overhead.total", (long long)o.total);
    memory_stat_integer(c, "keys.count", o.keys);
    memory_stat_integer(c, "keys.bytes-per-key", o.keys ? (long long)(beyond_startup / (size_t)o.keys) : 0);
    memory_stat_integer(c, "dataset.bytes", (long long)o.dataset);
    memory_stat_ratio(c, "dataset.percentage", 100 * memory_ratio(o.dataset, beyond_startup));
    memory_stat_ratio(c, "peak.percentage", 100 * memory_ratio(used, server.peak_used_memory));
    memory_stats_allocator(c, memory_last_sample());
}

/* ---------------------------------------------------------------- DOCTOR */

static void memory_human(strbuf *out, size_t bytes) {
    strbuf_append_human_bytes(out, bytes);
}

static void memory_doctor_small(strbuf *out, size_t used) {
    strbuf_append_cstring(out, "This server holds only ");
    memory_human(out, used);
    strbuf_append_cstring(out, " of data and buffers, less than 5M. At this size the fixed cost of the "
                               "process (code, stacks, allocator metadata) dominates, so ratios such as "
                               "mem_fragmentation_ratio are large and mean nothing. Load some data and ask "
                               "again.\n");
}

/* One finding about a ratio whose excess is both relative and absolute. */
static bool memory_doctor_ratio(strbuf *out, const char *what, double value, long long bytes,
                                const char *explanation) {
    if (value <= 1.1 || bytes <= MEMORY_DOCTOR_BIG_BYTES) return false;
    strbuf_printf(out, "* %s is %.2f: ", what, value);
    memory_human(out, (size_t)bytes);
    strbuf_printf(out, " more than it should be. %s\n\n", explanation);
    return true;
}

static int memory_doctor_findings(strbuf *out, size_t used, const memory_sample *s) {
    int found = 0;
    if (server.peak_used_memory > used + used / 2) {
        strbuf_append_cstring(out, "* Peak memory: the peak (");
        memory_human(out, server.peak_used_memory);
        strbuf_append_cstring(out, ") is more than 1.5 times the memory used now (");
        memory_human(out, used);
        strbuf_append_cstring(out, "). The allocator may keep pages from the peak, so RSS can stay high; "
                                   "MEMORY PURGE returns what it can.\n\n");
        found++;
    }
    double total = memory_ratio(s->rss, s->used);
    if (total > 1.4 && s->rss > s->used + MEMORY_DOCTOR_BIG_BYTES) {
        strbuf_printf(out, "* Fragmentation: the process is resident with %.2f times the memory it uses (", total);
        memory_human(out, s->rss - s->used);
        strbuf_append_cstring(out, " more). See the allocator ratios below for where it goes.\n\n");
        found++;
    }
    found += memory_doctor_ratio(out, "Allocator fragmentation (active / allocated)",
                                 memory_ratio(s->active, s->allocated),
                                 (long long)s->active - (long long)s->allocated,
                                 "Pages are partly filled after many deletions.");
    found += memory_doctor_ratio(out, "Allocator RSS (resident / active)", memory_ratio(s->resident, s->active),
                                 (long long)s->resident - (long long)s->active,
                                 "The allocator holds freed pages; MEMORY PURGE releases them.");
    found += memory_doctor_ratio(out, "RSS overhead (rss / allocator resident)", memory_ratio(s->rss, s->resident),
                                 (long long)s->rss - (long long)s->resident,
                                 "Memory outside the allocator (code, stacks, mapped files).");
    size_t clients = memory_compute_overhead(used).clients;
    if (net.client_count > 0 && clients / (size_t)net.client_count > MEMORY_DOCTOR_CLIENT_BYTES) {
        strbuf_printf(out, "* Client buffers: %d clients hold ", net.client_count);
        memory_human(out, clients);
        strbuf_append_cstring(out, " of query and output buffers, over 200K each on average. Slow readers or "
                                   "big pipelines; see CLIENT LIST (qbuf, omem).\n\n");
        found++;
    }
    script_memory scripts;
    script_memory_read(&scripts);
    if (scripts.cached_scripts > MEMORY_DOCTOR_MANY_SCRIPTS) {
        strbuf_printf(out, "* Many scripts: %lld scripts are cached (over 1000). Scripts built per call and sent "
                           "with EVAL each stay in the cache; pass the varying parts as KEYS and ARGV and call "
                           "one SCRIPT LOADed script with EVALSHA, or SCRIPT FLUSH from time to time.\n\n",
                      scripts.cached_scripts);
        found++;
    }
    return found;
}

static void memory_doctor_report(strbuf *out) {
    size_t used = zmalloc_used_memory();
    const memory_sample *s = memory_last_sample();
    if (used < MEMORY_DOCTOR_MIN_BYTES) {
        memory_doctor_small(out, used);
        return;
    }
    strbuf_append_cstring(out, "Memory report, used memory ");
    memory_human(out, used);
    strbuf_append_cstring(out, ":\n\n");
    int found = memory_doctor_findings(out, used, s);
    if (!s->allocator_has_stats) {
        strbuf_printf(out, "* The allocator (%s) gives no statistics: the allocator figures are estimated from "
                           "RSS and used memory, and allocator fragmentation cannot be seen.\n\n",
                      zmalloc_allocator_name());
    }
    if (found == 0) strbuf_append_cstring(out, "No memory problem found.\n\n");
    defrag_doctor_report(out);
}

static void memory_doctor_command(client *c) {
    strbuf out = STRBUF_INIT;
    memory_doctor_report(&out);
    reply_verbatim(c, out.data, out.length);
    strbuf_free(&out);
}

/* ---------------------------------------------------------------- others */

static void memory_purge_command(client *c) {
    zmalloc_purge();
    reply_ok(c);
}

static void memory_append_text(void *context, const char *text, size_t length) {
    strbuf_append(context, text, length);
}

static void memory_malloc_stats_command(client *c) {
    strbuf out = STRBUF_INIT;
    zmalloc_malloc_stats(memory_append_text, &out);
    reply_verbatim(c, out.data ? out.data : "", out.length);
    strbuf_free(&out);
}

static void memory_help_command(client *c) {
    static const char *const lines[] = {
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        NULL};
    reply_help(c, "MEMORY", lines);
}

/* ---------------------------------------------------------------- specs */

#define MEMORY_ALL_SHARDS "nondeterministic_output request_policy:all_shards response_policy:special"

static const command_spec memory_subcommands[] = {
    {.name = "doctor", .handler = memory_doctor_command, .arity = 2, .categories = ACL_SLOW, .group = "server",
     .summary = "Outputs memory problems report", .since = "4.0.0", .complexity = "O(1)",
     .tips = MEMORY_ALL_SHARDS},
    {.name = "help", .handler = memory_help_command, .arity = 2, .flags = COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_SLOW, .group = "server", .summary = "Show helpful text about the different subcommands",
     .since = "4.0.0", .complexity = "O(1)"},
    {.name = "malloc-stats", .handler = memory_malloc_stats_command, .arity = 2, .categories = ACL_SLOW,
     .group = "server", .summary = "Show allocator internal stats", .since = "4.0.0",
     .complexity = "Depends on how much memory is allocated, could be slow", .tips = MEMORY_ALL_SHARDS},
    {.name = "purge", .handler = memory_purge_command, .arity = 2, .categories = ACL_SLOW, .group = "server",
     .summary = "Ask the allocator to release memory", .since = "4.0.0",
     .complexity = "Depends on how much memory is allocated, could be slow",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "stats", .handler = memory_stats_command, .arity = 2, .categories = ACL_SLOW, .group = "server",
     .summary = "Show memory usage details", .since = "4.0.0", .complexity = "O(1)", .tips = MEMORY_ALL_SHARDS},
    {.name = "usage", .handler = memory_usage_command, .arity = -3, .flags = COMMAND_READONLY, .first_key = 2,
     .last_key = 2, .key_step = 1, .categories = ACL_READ | ACL_SLOW, .group = "server",
     .summary = "Estimate the memory usage of a key", .since = "4.0.0",
     .complexity = "O(N) where N is the number of samples.", .key_flags = KEY_RO},
    {0}};

const command_spec memory_commands[] = {
    {.name = "memory", .handler = NULL, .arity = -2, .categories = ACL_SLOW, .group = "server",
     .summary = "A container for memory diagnostics commands", .since = "4.0.0",
     .complexity = "Depends on subcommand.", .subcommands = memory_subcommands},
    {0}};
