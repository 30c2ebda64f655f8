/* info_stats: the stats INFO section.
 *
 * Counters come from server.stats, maintained by networking, dispatch and
 * the keyspace.  Instantaneous rates average the per-second samples the
 * server cron takes (a ring of 16, as Redis); the defrag counters come from
 * defrag.c, pub/sub and tracking figures from the pubsub module.  Fields
 * for features zkv does not have (replication, forks) report zero.  The
 * two *_buffer_limit_disconnections fields come from Redis 7.2, at 7.2's
 * place.
 */
#include <stdio.h>

#include "defrag.h"
#include "evict.h"
#include "info.h"
#include "keyspace.h"
#include "pubsub.h"
#include "tracking.h"

static long long sample_average(const long long *samples, int count) {
    long long sum = 0;
    for (int i = 0; i < count; i++) sum += samples[i];
    return sum / count;
}

#define SAMPLE_COUNT ((int)(sizeof(server.stats.ops_samples) / sizeof(server.stats.ops_samples[0])))

void info_write_stats(strbuf *out) {
    const server_stats *stats = &server.stats;
    strbuf_printf(out,
                  "total_connections_received:%lld\r\n"
                  "total_commands_processed:%lld\r\n"
                  "instantaneous_ops_per_sec:%lld\r\n"
                  "total_net_input_bytes:%lld\r\n"
                  "total_net_output_bytes:%lld\r\n"
                  "total_net_repl_input_bytes:0\r\n"
                  "total_net_repl_output_bytes:0\r\n"
                  "instantaneous_input_kbps:%.2f\r\n"
                  "instantaneous_output_kbps:%.2f\r\n"
                  "instantaneous_input_repl_kbps:0.00\r\n"
                  "instantaneous_output_repl_kbps:0.00\r\n"
                  "rejected_connections:%lld\r\n",
                  stats->connections_received, stats->commands_processed,
                  sample_average(stats->ops_samples, SAMPLE_COUNT), stats->net_input_bytes,
                  stats->net_output_bytes, (double)sample_average(stats->net_input_samples, SAMPLE_COUNT) / 1024,
                  (double)sample_average(stats->net_output_samples, SAMPLE_COUNT) / 1024,
                  stats->rejected_connections);
    long long exceeded_total, exceeded_current;
    evict_exceeded_time_ms(&exceeded_total, &exceeded_current);
    strbuf_printf(out,
                  "sync_full:0\r\n"
                  "sync_partial_ok:0\r\n"
                  "sync_partial_err:0\r\n"
                  "expired_keys:%lld\r\n"
                  "expired_stale_perc:%.2f\r\n"
                  "expired_time_cap_reached_count:0\r\n"
                  "expire_cycle_cpu_milliseconds:0\r\n"
                  "evicted_keys:%lld\r\n"
                  "evicted_clients:%lld\r\n"
                  "total_eviction_exceeded_time:%lld\r\n"
                  "current_eviction_exceeded_time:%lld\r\n"
                  "keyspace_hits:%lld\r\n"
                  "keyspace_misses:%lld\r\n",
                  stats->expired_keys, keyspace_expired_stale_percentage(), stats->evicted_keys,
                  stats->evicted_clients, exceeded_total, exceeded_current, stats->keyspace_hits,
                  stats->keyspace_misses);
    strbuf_printf(out,
                  "pubsub_channels:%zu\r\n"
                  "pubsub_patterns:%zu\r\n"
                  "pubsubshard_channels:%zu\r\n"
                  "latest_fork_usec:0\r\n"
                  "total_forks:0\r\n"
                  "migrate_cached_sockets:%d\r\n"
                  "slave_expires_tracked_keys:0\r\n",
                  pubsub_count(PUBSUB_CHANNELS), pubsub_count(PUBSUB_PATTERNS), pubsub_count(PUBSUB_SHARD_CHANNELS),
                  server.migrate_cached_sockets);
    defrag_stats defrag;
    defrag_get_stats(&defrag);
    strbuf_printf(out,
                  "active_defrag_hits:%lld\r\n"
                  "active_defrag_misses:%lld\r\n"
                  "active_defrag_key_hits:%lld\r\n"
                  "active_defrag_key_misses:%lld\r\n"
                  "total_active_defrag_time:%lld\r\n"
                  "current_active_defrag_time:%lld\r\n",
                  defrag.hits, defrag.misses, defrag.key_hits, defrag.key_misses, defrag.total_ms,
                  defrag.current_ms);
    strbuf_printf(out,
                  "tracking_total_keys:%zu\r\n"
                  "tracking_total_items:%zu\r\n"
                  "tracking_total_prefixes:%zu\r\n"
                  "unexpected_error_replies:%lld\r\n"
                  "total_error_replies:%lld\r\n"
                  "dump_payload_sanitizations:0\r\n"
                  "total_reads_processed:%lld\r\n"
                  "total_writes_processed:%lld\r\n"
                  "io_threaded_reads_processed:0\r\n"
                  "io_threaded_writes_processed:0\r\n"
                  "client_query_buffer_limit_disconnections:%lld\r\n"
                  "client_output_buffer_limit_disconnections:%lld\r\n"
                  "reply_buffer_shrinks:0\r\n"
                  "reply_buffer_expands:0\r\n",
                  tracking_total_keys(), tracking_total_items(), tracking_total_prefixes(),
                  stats->unexpected_error_replies, stats->total_error_replies, stats->total_reads_processed,
                  stats->total_writes_processed, stats->client_query_buffer_limit_disconnections,
                  stats->client_output_buffer_limit_disconnections);
}
