/* cluster: enough of the Redis Cluster protocol for cluster-aware clients
 * (redis-cli -c, redis-benchmark --cluster, redis-py RedisCluster, ...) to
 * shard keys over several zkv nodes, with a static topology and no gossip.
 *
 * Every node of a deployment reads the same topology file (config
 * `cluster-topology-file`), one node per line:
 *
 *     # <ip>:<port> <slot or first-last>...
 *     127.0.0.1:7001 0-5460
 *     127.0.0.1:7002 5461-10922
 *     127.0.0.1:7003 10923-16383
 *
 * A node finds itself in the file by `cluster-myself <ip>:<port>`, or else as
 * the only entry with its own port.  Node ids are derived from "ip:port", so
 * every node computes the same ids without sharing any state.  Without a
 * topology file, `cluster-enabled yes` makes a one-node cluster that owns
 * every slot (useful to let a cluster client talk to a single zkv).
 *
 * Trade-offs: no replicas, no failover, no resharding (no MIGRATE, no ASK):
 * changing the topology means restarting the nodes with a new file.  Keys
 * are only in database 0, as in Redis Cluster.
 *
 * Files: cluster_slot.c (CRC16, hash tags), cluster_topology.c (parsing the
 * file, ids), cluster_config.c (configuration and start-up), cluster_route.c
 * (the dispatch check: -MOVED, -CROSSSLOT, -CLUSTERDOWN), cluster_databases.c
 * (MOVE, SWAPDB, COPY ... DB refused),
 * cluster_commands.c and cluster_replies.c (CLUSTER ..., READONLY, ASKING).
 */
#ifndef ZKV_CLUSTER_H
#define ZKV_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "config_table.h"
#include "command.h"

struct command;

#define CLUSTER_SLOTS 16384
#define CLUSTER_ID_LENGTH 40
#define CLUSTER_IP_LENGTH 46 /* INET6_ADDRSTRLEN */
#define CLUSTER_BUS_PORT_OFFSET 10000

/* ---- Hash slots (cluster_slot.c) ---- */

/* CRC16-XMODEM (polynomial 0x1021, initial value 0, no reflection). */
uint16_t cluster_crc16(const char *data, size_t length);
/* The slot of a key: CRC16 of its hash tag (the bytes between the first '{'
 * and the next '}', if not empty) or of the whole key, mod 16384. */
int cluster_key_slot(const char *key, size_t length);

/* ---- Topology (cluster_topology.c) ---- */

typedef struct cluster_node {
    char id[CLUSTER_ID_LENGTH + 1];
    char ip[CLUSTER_IP_LENGTH];
    int port;
} cluster_node;

typedef struct cluster_topology {
    cluster_node *nodes; /* zmalloc'd, file order */
    int node_count;
    int myself;          /* index into nodes, -1 until resolved */
    int slots_assigned;  /* slots some node serves; below 16384 the cluster is down */
    int16_t owner[CLUSTER_SLOTS]; /* node index, -1 when no node serves the slot */
} cluster_topology;

/* Parses the text of a topology file into `t` (which it initialises).
 * 0 on success; -1 with a zmalloc'd message naming the line in *error. */
int cluster_topology_parse(cluster_topology *t, const char *text, char **error);
/* A topology of one node at ip:port owning every slot. */
void cluster_topology_single(cluster_topology *t, const char *ip, int port);
/* Sets t->myself: the node at `address` ("ip:port") if given, otherwise the
 * only node listening on `port`.  0, or -1 with a zmalloc'd message. */
int cluster_topology_find_myself(cluster_topology *t, const char *address, int port, char **error);
void cluster_topology_free(cluster_topology *t);
/* The 40-hex-digit id of the node at ip:port (a hash of the address). */
void cluster_node_id(const char *ip, int port, char id[CLUSTER_ID_LENGTH + 1]);

/* ---- Routing (cluster_route.c) ---- */

/* The dispatch check: NULL when this node may run the command, otherwise the
 * error to refuse it with ("MOVED <slot> <ip>:<port>", "CROSSSLOT ...",
 * "CLUSTERDOWN ...").  Commands without keys always run (except EXEC, whose
 * queued commands are checked together; a refused EXEC discards the
 * transaction as Redis does). */
const char *cluster_route_check(client *c, struct command *cmd);
/* cluster-allow-pubsubshard-when-down (Redis's parameter, default yes):
 * whether SSUBSCRIBE, SUNSUBSCRIBE and SPUBLISH on this node's slots still
 * run while some slot has no node. */
extern int cluster_allow_pubsubshard_when_down;
/* MOVE, SWAPDB and COPY to another database: Redis's refusal in cluster
 * mode, or NULL (cluster_databases.c). */
const char *cluster_database_refusal(const client *c, const struct command *cmd);

/* ---- Topology replies (cluster_replies.c), Redis 7.0 formats ---- */

void cluster_reply_slots(client *c, const cluster_topology *t);
void cluster_reply_shards(client *c, const cluster_topology *t);
void cluster_reply_nodes(client *c, const cluster_topology *t);
void cluster_reply_info(client *c, const cluster_topology *t);

/* ---- State and configuration (cluster_config.c) ---- */

/* True when cluster-enabled is yes. */
int cluster_enabled(void);
/* The topology in force (NULL when cluster mode is off). */
const cluster_topology *cluster_current(void);
/* Loads the topology and installs the dispatch check when cluster mode is on
 * (start-up, after the configuration).  0, or -1 with a zmalloc'd message. */
int cluster_init(char **error);

/* Config table callbacks for cluster-enabled, cluster-topology-file and
 * cluster-myself (start-up only). */
config_parse_function cluster_config_parse_enabled, cluster_config_parse_topology_file,
    cluster_config_parse_myself;
config_format_function cluster_config_format_enabled, cluster_config_format_topology_file,
    cluster_config_format_myself;

extern const command_spec cluster_commands[];

#endif
