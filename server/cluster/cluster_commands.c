/* cluster_commands: CLUSTER's subcommands and READONLY, READWRITE, ASKING.
 *
 * COUNTKEYSINSLOT and GETKEYSINSLOT scan the whole of database 0: O(N) in
 * the number of keys, not in the keys of the slot.  Redis keeps a per-slot
 * index for them (to migrate slots); zkv never migrates slots, and keeping
 * such an index would cost memory and time on every write for two rarely
 * used commands, so the cost is paid by those commands instead.  The scan
 * reads only each entry's key, and GETKEYSINSLOT stops at `count` keys
 * (its array length is filled in afterwards, so one pass is enough).
 *
 * READONLY/READWRITE only matter for replicas and ASKING for slots being
 * migrated, neither of which exists here: they answer +OK so that clients
 * that send them work unchanged.
 */
#include "args.h"
#include "cluster.h"
#include "command.h"
#include "keyspace.h"
#include "reply.h"

/* ---- Reading the keys of a slot ---- */

/* Calls visit for each key of db 0 in `slot` until it returns 0. */
static void for_keys_in_slot(int slot, int (*visit)(const char *key, size_t length, void *context),
                             void *context) {
    table_iterator it;
    void *entry;
    bool flag;
    table_iterator_init(&it, keyspace_db(0)->keys);
    while (table_iterator_next(&it, &entry, &flag)) {
        size_t length;
        const char *key = object_key(entry, &length);
        if (cluster_key_slot(key, length) == slot && !visit(key, length, context)) break;
    }
    table_iterator_finish(&it);
}

static int count_key(const char *key, size_t length, void *context) {
    (void)key;
    (void)length;
    (*(long long *)context)++;
    return 1;
}

typedef struct key_collector {
    client *c;
    long long wanted;
    long long found;
} key_collector;

static int reply_key(const char *key, size_t length, void *context) {
    key_collector *collector = context;
    reply_bulk(collector->c, key, length);
    return ++collector->found < collector->wanted;
}

/* ---- Subcommands ---- */

static void countkeysinslot(client *c, const cluster_topology *t) {
    (void)t;
    long long slot, count = 0;
    if (!args_integer(&c->argv[2], &slot)) {
        reply_not_integer(c);
        return;
    }
    if (slot < 0 || slot >= CLUSTER_SLOTS) {
        reply_error(c, "ERR Invalid slot");
        return;
    }
    for_keys_in_slot((int)slot, count_key, &count);
    reply_integer(c, count);
}

static void getkeysinslot(client *c, const cluster_topology *t) {
    (void)t;
    long long slot, wanted;
    if (!args_integer(&c->argv[2], &slot) || !args_integer(&c->argv[3], &wanted)) {
        reply_not_integer(c);
        return;
    }
    if (slot < 0 || slot >= CLUSTER_SLOTS || wanted < 0) {
        reply_error(c, "ERR Invalid slot or number of keys");
        return;
    }
    key_collector collector = {.c = c, .wanted = wanted};
    resp_deferred header = resp_write_deferred_header(c->reply);
    if (wanted) for_keys_in_slot((int)slot, reply_key, &collector);
    resp_set_deferred_array_length(c->reply, header, collector.found);
}

static void keyslot(client *c, const cluster_topology *t) {
    (void)t;
    reply_integer(c, cluster_key_slot(c->argv[2].data, c->argv[2].length));
}

static void myid(client *c, const cluster_topology *t) { reply_bulk_cstring(c, t->nodes[t->myself].id); }

static void help(client *c, const cluster_topology *t) {
    (void)t;
    static const char *const lines[] = {
        "COUNTKEYSINSLOT <slot>",
        "    Number of keys of this node in <slot>.",
        "GETKEYSINSLOT <slot> <count>",
        "    Up to <count> key names of this node in <slot>.",
        "INFO",
        "    State and size of the cluster.",
        "KEYSLOT <key>",
        "    The hash slot of <key>.",
        "MYID",
        "    This node's id.",
        "NODES",
        "    The topology, one line per node:",
        "    <id> <ip:port@bus-port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
        "SHARDS",
        "    The shards (slot ranges and their nodes).",
        "SLOTS",
        "    The slot ranges, each with its node's address and id.",
        NULL};
    reply_help(c, "CLUSTER", lines);
}

static void ok(client *c, const cluster_topology *t) {
    (void)t;
    reply_ok(c);
}

/* Every command of this file is refused when cluster mode is off, with
 * Redis's error; the handlers below get the topology once that is checked. */
static void with_topology(client *c, void (*handler)(client *c, const cluster_topology *t)) {
    const cluster_topology *t = cluster_current();
    if (!t) reply_error(c, "ERR This instance has cluster support disabled");
    else handler(c, t);
}

#define CLUSTER_HANDLER(name) \
    static void name##_command(client *c) { with_topology(c, name); }
CLUSTER_HANDLER(countkeysinslot)
CLUSTER_HANDLER(getkeysinslot)
CLUSTER_HANDLER(help)
CLUSTER_HANDLER(keyslot)
CLUSTER_HANDLER(myid)
CLUSTER_HANDLER(ok)

static void info_command(client *c) { with_topology(c, cluster_reply_info); }
static void nodes_command(client *c) { with_topology(c, cluster_reply_nodes); }
static void shards_command(client *c) { with_topology(c, cluster_reply_shards); }
static void slots_command(client *c) { with_topology(c, cluster_reply_slots); }

/* ---- Specs ---- */

#define CLUSTER_SUB(n, h, a, fl, summary_text, tip)                                                       \
    {.name = n, .handler = h, .arity = a, .flags = fl, .categories = ACL_SLOW, .group = "cluster",       \
     .summary = summary_text, .since = "3.0.0", .complexity = "O(1)", .tips = tip}

static const command_spec cluster_subcommands[] = {
    CLUSTER_SUB("countkeysinslot", countkeysinslot_command, 3, COMMAND_STALE, "Count the keys in a hash slot",
                NULL),
    CLUSTER_SUB("getkeysinslot", getkeysinslot_command, 4, COMMAND_STALE, "Return key names in a hash slot",
                "nondeterministic_output"),
    CLUSTER_SUB("help", help_command, 2, COMMAND_LOADING | COMMAND_STALE, "Describe the CLUSTER subcommands",
                NULL),
    CLUSTER_SUB("info", info_command, 2, COMMAND_STALE, "State of the cluster", "nondeterministic_output"),
    CLUSTER_SUB("keyslot", keyslot_command, 3, COMMAND_STALE, "The hash slot of a key", NULL),
    CLUSTER_SUB("myid", myid_command, 2, COMMAND_STALE, "This node's id", NULL),
    CLUSTER_SUB("nodes", nodes_command, 2, COMMAND_STALE, "The cluster topology as seen by this node",
                "nondeterministic_output"),
    CLUSTER_SUB("shards", shards_command, 2, COMMAND_STALE, "The shards of the cluster and their slots",
                "nondeterministic_output"),
    CLUSTER_SUB("slots", slots_command, 2, COMMAND_STALE, "The mapping of slot ranges to nodes",
                "nondeterministic_output"),
    {0}};

#define CONNECTION_FLAG(n, a, fl, summary_text)                                                            \
    {.name = n, .handler = ok_command, .arity = a, .flags = fl, .categories = ACL_FAST | ACL_CONNECTION,   \
     .group = "cluster", .summary = summary_text, .since = "3.0.0", .complexity = "O(1)"}

const command_spec cluster_commands[] = {
    {.name = "cluster", .arity = -2, .categories = ACL_SLOW, .group = "cluster", .since = "3.0.0",
     .summary = "Cluster topology and hash slots", .complexity = "Depends on subcommand.",
     .subcommands = cluster_subcommands},
    CONNECTION_FLAG("readonly", 1, COMMAND_LOADING | COMMAND_STALE | COMMAND_FAST,
                    "Allow reads from a replica (accepted, no effect)"),
    CONNECTION_FLAG("readwrite", 1, COMMAND_LOADING | COMMAND_STALE | COMMAND_FAST,
                    "Back to reads from masters only (accepted, no effect)"),
    CONNECTION_FLAG("asking", 1, COMMAND_FAST, "Allow a command on a migrating slot (accepted, no effect)"),
    {0}};
