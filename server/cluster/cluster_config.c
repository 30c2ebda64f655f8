/* cluster_config: cluster mode's settings and start-up.
 *
 *   cluster-enabled yes|no          Redis's switch (start-up only)
 *   cluster-topology-file <path>    the static topology (see cluster.h);
 *                                   empty: one node owning every slot
 *   cluster-myself <ip>:<port>      this node's entry; empty: match the port
 *
 * The settings are only text until cluster_init, which runs once the whole
 * configuration is known (the port decides which entry is this node) and
 * installs the dispatch check.  When cluster mode is off nothing is loaded
 * and dispatch has no check to call, so standalone zkv pays nothing.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cluster.h"
#include "command.h"
#include "strbuf.h"
#include "module.h"
#include "zmalloc.h"

static char *topology_path;
static char *myself_address;
static cluster_topology topology;
static int loaded;

int cluster_enabled(void) { return server.config.cluster_enabled; }

const cluster_topology *cluster_current(void) { return loaded ? &topology : NULL; }

/* ---- Config table callbacks ---- */

int cluster_config_parse_enabled(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    if (strcasecmp(text, "yes") && strcasecmp(text, "no")) {
        *error = "argument must be 'yes' or 'no'";
        return -1;
    }
    server.config.cluster_enabled = !strcasecmp(text, "yes");
    return 0;
}

void cluster_config_format_enabled(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    strbuf_append_cstring(out, server.config.cluster_enabled ? "yes" : "no");
}

static void replace_text(char **field, const char *text) {
    zmalloc_free(*field);
    *field = text[0] ? zmalloc_strdup(text) : NULL;
}

int cluster_config_parse_topology_file(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    (void)error;
    replace_text(&topology_path, text);
    return 0;
}

void cluster_config_format_topology_file(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    if (topology_path) strbuf_append_cstring(out, topology_path);
}

int cluster_config_parse_myself(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    (void)error;
    replace_text(&myself_address, text);
    return 0;
}

void cluster_config_format_myself(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    if (myself_address) strbuf_append_cstring(out, myself_address);
}

/* ---- Start-up ---- */

/* The file's whole text (zmalloc'd), or NULL with a message in *error. */
static char *read_file(const char *path, char **error) {
    FILE *file = fopen(path, "r");
    if (!file) {
        strbuf message = STRBUF_INIT;
        strbuf_printf(&message, "can't open the cluster topology file %s", path);
        *error = strbuf_detach(&message, NULL);
        return NULL;
    }
    strbuf text = STRBUF_INIT;
    char block[4096];
    size_t length;
    while ((length = fread(block, 1, sizeof(block), file)) > 0) strbuf_append(&text, block, length);
    fclose(file);
    strbuf_append_char(&text, '\0');
    return strbuf_detach(&text, NULL);
}

/* The address a one-node cluster announces: the first bind address unless
 * it is a wildcard (clients could not connect to it). */
static const char *single_node_ip(void) {
    if (server.config.bind_count == 0) return "127.0.0.1";
    const char *ip = server.config.bind[0];
    if (ip[0] == '-') ip++;
    if (!strcmp(ip, "*") || !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::") || !strcmp(ip, "::*")) return "127.0.0.1";
    return ip;
}

static int load_topology(char **error) {
    if (!topology_path) {
        cluster_topology_single(&topology, single_node_ip(), server.config.port);
        return 0;
    }
    char *text = read_file(topology_path, error);
    if (!text) return -1;
    int result = cluster_topology_parse(&topology, text, error);
    zmalloc_free(text);
    if (result != 0) return -1;
    if (cluster_topology_find_myself(&topology, myself_address, server.config.port, error) == 0) return 0;
    cluster_topology_free(&topology);
    return -1;
}

int cluster_init(char **error) {
    if (!server.config.cluster_enabled) return 0;
    if (load_topology(error) != 0) return -1;
    loaded = 1;
    dispatch_set_cluster_check(cluster_route_check);
    dispatch_set_key_slot(cluster_key_slot);
    return 0;
}

/* ---- The module ---- */

/* zkv's own cluster parameters are immutable and unknown to Redis's tools,
 * which set every parameter `CONFIG GET *` lists back to its value (except
 * Redis's own immutable ones): they answer only when asked by name. */
static const config_parameter cluster_parameters[] = {
    CONFIG_ENTRY_SPECIAL("cluster-enabled", "no", CONFIG_IMMUTABLE, cluster_config_parse_enabled,
                         cluster_config_format_enabled, NULL),
    CONFIG_ENTRY_SPECIAL("cluster-topology-file", "", CONFIG_IMMUTABLE | CONFIG_HIDDEN,
                         cluster_config_parse_topology_file, cluster_config_format_topology_file, NULL),
    CONFIG_ENTRY_SPECIAL("cluster-myself", "", CONFIG_IMMUTABLE | CONFIG_HIDDEN, cluster_config_parse_myself,
                         cluster_config_format_myself, NULL),
    CONFIG_ENTRY_BOOL("cluster-allow-pubsubshard-when-down", &cluster_allow_pubsubshard_when_down, "yes", 0),
    {.name = NULL}};

static void cluster_write_info(strbuf *out) {
    strbuf_printf(out, "cluster_enabled:%d\r\n", server.config.cluster_enabled);
}

/* The topology file's error text is built at run time; start-up stops on it,
 * so one static copy is enough. */
static int cluster_module_init(const char **error) {
    static char message[512];
    char *text = NULL;
    if (cluster_init(&text) == 0) return 0;
    snprintf(message, sizeof(message), "%s", text ? text : "Could not load the cluster topology.");
    zmalloc_free(text);
    *error = message;
    return -1;
}

static const module_info_section cluster_info_sections[] = {{"cluster", cluster_write_info}, {NULL, NULL}};

const zkv_module cluster_module = {
    .name = "cluster",
    .commands = (const command_spec *const[]){cluster_commands, NULL},
    .parameters = cluster_parameters,
    .info_sections = cluster_info_sections,
    .init = cluster_module_init,
};
