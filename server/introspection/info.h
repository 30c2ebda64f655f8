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
 * table in info.c lists them in Redis's order.  Introspection writes the
 * sections about the server as a whole: info_sections.c (server, clients,
 * replication, cpu, modules), info_stats.c (stats) and
 * info_command_sections.c (commandstats, errorstats, latencystats).  The
 * sections of one feature are declared by its module descriptor
 * (memory, persistence, cluster, keyspace) and found by name (module.h).
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
void info_write_stats(strbuf *out);
void info_write_replication(strbuf *out);
void info_write_cpu(strbuf *out);
void info_write_modules(strbuf *out);
void info_write_commandstats(strbuf *out);
void info_write_errorstats(strbuf *out);
void info_write_latencystats(strbuf *out);



extern const command_spec info_commands[];

#endif
