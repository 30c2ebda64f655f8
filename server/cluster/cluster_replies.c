/* cluster_replies: the replies that describe the topology, in Redis 7.0's
 * formats: CLUSTER SLOTS, SHARDS, NODES and INFO.
 *
 * All four are built from the slot -> owner array by walking it into runs of
 * consecutive slots with one owner (at most a few per node in practice), so
 * the replies cannot disagree with routing.  Since there is no gossip, every
 * node is reported as a healthy, connected master; epochs are the node's
 * position in the topology file (1-based), the same on every node, and the
 * ping/pong times of CLUSTER NODES are 0.
 */
#include <string.h>

#include "cluster.h"
#include "reply.h"
#include "strbuf.h"

/* The next run of slots with one owner at or after `from`: stores its bounds
 * and returns the owner, or -1 when no assigned slot remains. */
static int next_run(const cluster_topology *t, int from, int *first, int *last) {
    while (from < CLUSTER_SLOTS && t->owner[from] < 0) from++;
    if (from == CLUSTER_SLOTS) return -1;
    int owner = t->owner[from];
    *first = from;
    while (from + 1 < CLUSTER_SLOTS && t->owner[from + 1] == owner) from++;
    *last = from;
    return owner;
}

static int run_count(const cluster_topology *t, int node) {
    int count = 0, first, last, owner;
    for (int from = 0; (owner = next_run(t, from, &first, &last)) >= 0; from = last + 1)
        count += node < 0 || owner == node;
    return count;
}

/* ---- CLUSTER SLOTS: [first, last, [ip, port, id, {}]] per run ---- */

void cluster_reply_slots(client *c, const cluster_topology *t) {
    reply_array_header(c, run_count(t, -1));
    int first, last, owner;
    for (int from = 0; (owner = next_run(t, from, &first, &last)) >= 0; from = last + 1) {
        const cluster_node *node = &t->nodes[owner];
        reply_array_header(c, 3);
        reply_integer(c, first);
        reply_integer(c, last);
        reply_array_header(c, 4);
        reply_bulk_cstring(c, node->ip);
        reply_integer(c, node->port);
        reply_bulk_cstring(c, node->id);
        reply_map_header(c, 0); /* no hostname or other metadata */
    }
}

/* ---- CLUSTER SHARDS: one shard per node (no replicas) ---- */

static void reply_shard_node(client *c, const cluster_node *node) {
    reply_map_header(c, 7);
    reply_bulk_cstring(c, "id");
    reply_bulk_cstring(c, node->id);
    reply_bulk_cstring(c, "port");
    reply_integer(c, node->port);
    reply_bulk_cstring(c, "ip");
    reply_bulk_cstring(c, node->ip);
    reply_bulk_cstring(c, "endpoint");
    reply_bulk_cstring(c, node->ip);
    reply_bulk_cstring(c, "role");
    reply_bulk_cstring(c, "master");
    reply_bulk_cstring(c, "replication-offset");
    reply_integer(c, 0);
    reply_bulk_cstring(c, "health");
    reply_bulk_cstring(c, "online");
}

void cluster_reply_shards(client *c, const cluster_topology *t) {
    reply_array_header(c, t->node_count);
    for (int node = 0; node < t->node_count; node++) {
        reply_map_header(c, 2);
        reply_bulk_cstring(c, "slots");
        reply_array_header(c, 2LL * run_count(t, node));
        int first, last, owner;
        for (int from = 0; (owner = next_run(t, from, &first, &last)) >= 0; from = last + 1) {
            if (owner != node) continue;
            reply_integer(c, first);
            reply_integer(c, last);
        }
        reply_bulk_cstring(c, "nodes");
        reply_array_header(c, 1);
        reply_shard_node(c, &t->nodes[node]);
    }
}

/* ---- CLUSTER NODES: one text line per node ---- */

/* The bus port Redis would use (port + 10000), or 0 where that does not
 * exist; zkv listens on no bus, so the field is informative only. */
static int bus_port(int port) { return port + CLUSTER_BUS_PORT_OFFSET <= 65535 ? port + CLUSTER_BUS_PORT_OFFSET : 0; }

static void append_node_line(strbuf *out, const cluster_topology *t, int node) {
    const cluster_node *n = &t->nodes[node];
    strbuf_printf(out, "%s %s:%d@%d %s - 0 0 %d connected", n->id, n->ip, n->port, bus_port(n->port),
                  node == t->myself ? "myself,master" : "master", node + 1);
    int first, last, owner;
    for (int from = 0; (owner = next_run(t, from, &first, &last)) >= 0; from = last + 1) {
        if (owner != node) continue;
        if (first == last) strbuf_printf(out, " %d", first);
        else strbuf_printf(out, " %d-%d", first, last);
    }
    strbuf_append_char(out, '\n');
}

void cluster_reply_nodes(client *c, const cluster_topology *t) {
    strbuf out = STRBUF_INIT;
    for (int node = 0; node < t->node_count; node++) append_node_line(&out, t, node);
    reply_verbatim(c, strbuf_cstring(&out), out.length);
    strbuf_free(&out);
}

/* ---- CLUSTER INFO ---- */

void cluster_reply_info(client *c, const cluster_topology *t) {
    int serving = 0;
    for (int node = 0; node < t->node_count; node++) serving += run_count(t, node) > 0;
    strbuf out = STRBUF_INIT;
    strbuf_printf(&out,
                  "cluster_state:%s\r\n"
                  "cluster_slots_assigned:%d\r\n"
                  "cluster_slots_ok:%d\r\n"
                  "cluster_slots_pfail:0\r\n"
                  "cluster_slots_fail:0\r\n"
                  "cluster_known_nodes:%d\r\n"
                  "cluster_size:%d\r\n"
                  "cluster_current_epoch:%d\r\n"
                  "cluster_my_epoch:%d\r\n"
                  "cluster_stats_messages_sent:0\r\n"
                  "cluster_stats_messages_received:0\r\n"
                  "total_cluster_links_buffer_limit_exceeded:0\r\n",
                  t->slots_assigned == CLUSTER_SLOTS ? "ok" : "fail", t->slots_assigned, t->slots_assigned,
                  t->node_count, serving, t->node_count, t->myself + 1);
    reply_verbatim(c, out.data, out.length);
    strbuf_free(&out);
}
