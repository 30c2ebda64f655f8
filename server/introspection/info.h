/* info: the INFO command and its sections.
 *
 * INFO [section ...] answers the named sections (case-insensitive), always
 * in Redis 7.0's order: server, clients, memory, persistence, stats,
 * replication, cpu, modules, commandstats, errorstats, latencystats,
 * cluster, keyspace.  No argument and "default" mean every section but
 * commandstats and latencystats; "all" and "everything" mean every section
 * (zkv has no module sections).  Unknown names add nothing.  Each section is
 * "# Title\r\n" then "field:value\r\n" lines; sections are separated by an
 * empty line.  The reply is a bulk string in RESP2 and a "txt" verbatim
 * string in RESP3.
 *
 * Each section is a writer function appending its lines to a strbuf; the
 * table in info.c lists them.  Writers live in info_sections.c (server,
 * clients, persistence, replication, cpu, modules, cluster), info_stats.c
 * (stats, keyspace), info_memory.c (memory) and info_commands.c
 * (commandstats, errorstats, latencystats).
 */
#ifndef ZKV_INFO_H
#define ZKV_INFO_H

#include "command.h"
#include "strbuf.h"

typedef void info_section_writer(strbuf *out);

/* Builds the INFO text for the given section names (argv-like); with
 * count 0 the default sections. */
void info_generate(strbuf *out, int count, const resp_argument *names);

/* Section writers. */
void info_write_server(strbuf *out);
void info_write_clients(strbuf *out);
void info_write_memory(strbuf *out);
void info_write_persistence(strbuf *out);
void info_write_stats(strbuf *out);
void info_write_replication(strbuf *out);
void info_write_cpu(strbuf *out);
void info_write_modules(strbuf *out);
void info_write_commandstats(strbuf *out);
void info_write_errorstats(strbuf *out);
void info_write_latencystats(strbuf *out);
void info_write_cluster(strbuf *out);
void info_write_keyspace(strbuf *out);

/* Byte counts as Redis prints them: "1023B", "1.50K", "2.00M", ... */
void info_append_human_bytes(strbuf *out, unsigned long long bytes);

/* The keyspace section and used_memory_dataset need figures only the
 * keyspace module knows; it registers this reporter at start-up.  The
 * reporter fills the counts for database `index` and returns 0, or -1 when
 * the index is past the last database.  Without a reporter the keyspace
 * section is empty. */
typedef struct info_database_figures {
    long long keys;
    long long expires;
    long long average_ttl_ms;
} info_database_figures;
typedef int info_keyspace_reporter(int index, info_database_figures *figures);
void info_set_keyspace_reporter(info_keyspace_reporter *reporter);
info_keyspace_reporter *info_keyspace_reporter_get(void);

extern const command_spec info_commands[];

#endif
