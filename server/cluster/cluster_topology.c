/* cluster_topology: the static topology file, parsed into a slot -> node map.
 *
 * The map is a 16384-entry array of node indexes (32 KiB): routing a command
 * is one array read, and no slot ranges need merging at run time.  Replies
 * that list ranges (CLUSTER SLOTS, SHARDS, NODES) rebuild them by walking the
 * array, which is cheap next to the network round trip and keeps one source
 * of truth.
 *
 * Node ids are not written in the file: each is 40 hex digits of a hash of
 * "ip:port" (FNV-1a 64 with three different seeds), so every node derives the
 * same id for every peer.  An id therefore changes when a node's address
 * does, which a static topology would restart the nodes for anyway.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "strbuf.h"
#include "zmalloc.h"

#define TOPOLOGY_MAX_NODES 1000

static uint64_t fnv1a_seeded(const char *data, size_t length, uint64_t seed) {
    uint64_t hash = 1469598103934665603ULL ^ (seed * 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < length; i++) {
        hash ^= (unsigned char)data[i];
        hash *= 1099511628211ULL;
    }
    /* A final mix so that nearby addresses differ in every digit. */
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33;
    return hash;
}

void cluster_node_id(const char *ip, int port, char id[CLUSTER_ID_LENGTH + 1]) {
    char address[CLUSTER_IP_LENGTH + 8];
    int length = snprintf(address, sizeof(address), "%s:%d", ip, port);
    char digits[3 * 16 + 1];
    for (uint64_t seed = 0; seed < 3; seed++)
        snprintf(digits + seed * 16, 17, "%016llx",
                 (unsigned long long)fnv1a_seeded(address, (size_t)length, seed + 1));
    memcpy(id, digits, CLUSTER_ID_LENGTH);
    id[CLUSTER_ID_LENGTH] = '\0';
}

static void topology_init(cluster_topology *t) {
    t->nodes = NULL;
    t->node_count = 0;
    t->myself = -1;
    t->slots_assigned = 0;
    for (int slot = 0; slot < CLUSTER_SLOTS; slot++) t->owner[slot] = -1;
}

void cluster_topology_free(cluster_topology *t) {
    zmalloc_free(t->nodes);
    topology_init(t);
}

static void add_node(cluster_topology *t, const char *ip, int port) {
    t->nodes = zmalloc_realloc(t->nodes, (size_t)(t->node_count + 1) * sizeof(cluster_node));
    cluster_node *node = &t->nodes[t->node_count++];
    snprintf(node->ip, sizeof(node->ip), "%s", ip);
    node->port = port;
    cluster_node_id(node->ip, port, node->id);
}

void cluster_topology_single(cluster_topology *t, const char *ip, int port) {
    topology_init(t);
    add_node(t, ip, port);
    for (int slot = 0; slot < CLUSTER_SLOTS; slot++) t->owner[slot] = 0;
    t->slots_assigned = CLUSTER_SLOTS;
    t->myself = 0;
}

/* ---- Parsing ---- */

/* A decimal in [minimum, maximum] spanning [text, end); -1 if not. */
static long parse_number(const char *text, const char *end, long minimum, long maximum) {
    if (text == end || end - text > 9) return -1;
    long value = 0;
    for (const char *p = text; p < end; p++) {
        if (!isdigit((unsigned char)*p)) return -1;
        value = value * 10 + (*p - '0');
    }
    return value >= minimum && value <= maximum ? value : -1;
}

/* "ip:port" (the port after the last ':'); 0 or -1 with a static reason. */
static int parse_address(const char *word, char ip[CLUSTER_IP_LENGTH], int *port, const char **reason) {
    const char *colon = strrchr(word, ':');
    if (!colon || colon == word || (size_t)(colon - word) >= CLUSTER_IP_LENGTH) {
        *reason = "expected <ip>:<port>";
        return -1;
    }
    long value = parse_number(colon + 1, colon + strlen(colon), 1, 65535);
    if (value < 0) {
        *reason = "invalid port";
        return -1;
    }
    memcpy(ip, word, (size_t)(colon - word));
    ip[colon - word] = '\0';
    *port = (int)value;
    return 0;
}

/* "slot" or "first-last", assigned to `node`; 0 or -1 with a reason. */
static int parse_slots(cluster_topology *t, const char *word, int node, const char **reason) {
    const char *dash = strchr(word, '-');
    const char *end = word + strlen(word);
    long first = parse_number(word, dash ? dash : end, 0, CLUSTER_SLOTS - 1);
    long last = dash ? parse_number(dash + 1, end, 0, CLUSTER_SLOTS - 1) : first;
    if (first < 0 || last < first) {
        *reason = "invalid slot or slot range (slots are 0-16383)";
        return -1;
    }
    for (long slot = first; slot <= last; slot++) {
        if (t->owner[slot] >= 0) {
            *reason = "slot assigned twice";
            return -1;
        }
        t->owner[slot] = (int16_t)node;
        t->slots_assigned++;
    }
    return 0;
}

static int find_address(const cluster_topology *t, const char *ip, int port) {
    for (int i = 0; i < t->node_count; i++)
        if (t->nodes[i].port == port && !strcmp(t->nodes[i].ip, ip)) return i;
    return -1;
}

/* One line's words: address then slots.  0 or -1 with a reason. */
static int parse_line(cluster_topology *t, char **words, int count, const char **reason) {
    char ip[CLUSTER_IP_LENGTH];
    int port;
    if (parse_address(words[0], ip, &port, reason) != 0) return -1;
    if (find_address(t, ip, port) >= 0) {
        *reason = "node listed twice";
        return -1;
    }
    if (t->node_count == TOPOLOGY_MAX_NODES) {
        *reason = "too many nodes";
        return -1;
    }
    add_node(t, ip, port);
    for (int i = 1; i < count; i++)
        if (parse_slots(t, words[i], t->node_count - 1, reason) != 0) return -1;
    return 0;
}

static char *line_error(int line_number, const char *reason) {
    strbuf message = STRBUF_INIT;
    strbuf_printf(&message, "cluster topology, line %d: %s", line_number, reason);
    return strbuf_detach(&message, NULL);
}

int cluster_topology_parse(cluster_topology *t, const char *text, char **error) {
    topology_init(t);
    int line_number = 0;
    while (*text) {
        const char *end = strchr(text, '\n');
        size_t length = end ? (size_t)(end - text) : strlen(text);
        char *line = zmalloc_alloc(length + 1);
        memcpy(line, text, length);
        line[length] = '\0';
        text += length + (end ? 1 : 0);
        line_number++;
        char **words = NULL;
        int count = line[0] == '#' ? 0 : config_split_line(line, &words);
        zmalloc_free(line);
        const char *reason = count < 0 ? "unbalanced quotes" : NULL;
        if (count > 0) parse_line(t, words, count, &reason);
        if (words) config_free_words(words, count);
        if (reason) {
            *error = line_error(line_number, reason);
            cluster_topology_free(t);
            return -1;
        }
    }
    if (t->node_count == 0) {
        *error = zmalloc_strdup("cluster topology: no node listed");
        return -1;
    }
    return 0;
}

/* ---- Which node is this one ---- */

static char *myself_error(const char *reason, const char *address, int port) {
    strbuf message = STRBUF_INIT;
    if (address) strbuf_printf(&message, "cluster-myself %s: %s", address, reason);
    else strbuf_printf(&message, "port %d: %s", port, reason);
    return strbuf_detach(&message, NULL);
}

static int find_by_address(cluster_topology *t, const char *address, char **error) {
    char ip[CLUSTER_IP_LENGTH];
    int port;
    const char *reason;
    if (parse_address(address, ip, &port, &reason) == 0 && (t->myself = find_address(t, ip, port)) >= 0) return 0;
    *error = myself_error("not a node of the cluster topology", address, 0);
    return -1;
}

int cluster_topology_find_myself(cluster_topology *t, const char *address, int port, char **error) {
    if (address && address[0]) return find_by_address(t, address, error);
    t->myself = -1;
    for (int i = 0; i < t->node_count; i++) {
        if (t->nodes[i].port != port) continue;
        if (t->myself >= 0) {
            *error = myself_error("several nodes of the cluster topology use this port: set cluster-myself",
                                  NULL, port);
            return -1;
        }
        t->myself = i;
    }
    if (t->myself >= 0) return 0;
    *error = myself_error("no node of the cluster topology uses this port: set cluster-myself", NULL, port);
    return -1;
}
