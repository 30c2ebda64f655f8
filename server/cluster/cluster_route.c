/* cluster_route: the check dispatch runs before each command in cluster
 * mode, deciding whether this node may run it.
 *
 * As Redis: the first key's slot must have an owner (-CLUSTERDOWN Hash
 * slot not served otherwise), every other key must hash to the same slot
 * (-CROSSSLOT otherwise, whoever owns the slots), the slot must be this
 * node's (-MOVED to its owner otherwise), and while some slot has no owner
 * the cluster is down for every command with keys but the shard channel
 * ones.  Keys are found from the command table's
 * first_key/last_key/key_step, or its key count (EVAL, FCALL); other
 * commands whose keys move (flag movablekeys) are routed by those positions
 * only.  EXEC is checked over all its queued
 * commands, since they must run on one node as a unit.
 *
 * The error text is built in a static buffer: the caller replies with it
 * before the next command can be checked.
 */
#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "command.h"
#include "multi.h"

#define SLOT_NONE (-1)
#define SLOT_MIXED (-2)
#define SLOT_UNBOUND (-3)

static const char crossslot_error[] = "CROSSSLOT Keys in request don't hash to the same slot";
static const char down_error[] = "CLUSTERDOWN The cluster is down";
static const char unbound_error[] = "CLUSTERDOWN Hash slot not served";

/* Folds the slots of one command's keys into `slot`: SLOT_NONE so far, the
 * first key's slot, SLOT_UNBOUND when no node serves that first slot, or
 * SLOT_MIXED when a later key is in another slot (the first two end the
 * walk, as Redis judges the first key before comparing the others). */
typedef struct slot_merge {
    const resp_argument *argv;
    int slot;
} slot_merge;

static int merge_key_slot(int position, uint32_t flags, void *context) {
    (void)flags;
    slot_merge *merge = context;
    int key_slot = cluster_key_slot(merge->argv[position].data, merge->argv[position].length);
    if (merge->slot == SLOT_NONE)
        merge->slot = cluster_current()->owner[key_slot] < 0 ? SLOT_UNBOUND : key_slot;
    else if (merge->slot != key_slot) merge->slot = SLOT_MIXED;
    return merge->slot == SLOT_MIXED || merge->slot == SLOT_UNBOUND;
}

static int merge_key_slots(const command_spec *spec, int argc, const resp_argument *argv, int slot) {
    if (slot == SLOT_MIXED || slot == SLOT_UNBOUND) return slot;
    slot_merge merge = {argv, slot};
    command_for_each_key(spec, argc, argv, merge_key_slot, &merge);
    return merge.slot;
}

static int is_exec(const command *cmd) { return !cmd->parent && !strcmp(cmd->spec->name, "exec"); }

static int transaction_slot(const client *c) {
    int slot = SLOT_NONE;
    for (int i = 0; i < c->multi.count && slot != SLOT_MIXED && slot != SLOT_UNBOUND; i++) {
        const multi_command *queued = &c->multi.commands[i];
        slot = merge_key_slots(queued->command->spec, queued->argc, queued->argv, slot);
    }
    return slot;
}

int cluster_allow_pubsubshard_when_down = 1;

/* The refusal for `slot` (a served slot), or NULL if this node serves it.
 * While the cluster is down only the shard channel commands (pub/sub
 * commands with keys) still run, with cluster-allow-pubsubshard-when-down
 * yes (the default); EXEC is refused even when it queued only those, as
 * Redis 7.0 does. */
static const char *slot_refusal(int slot, const command *cmd, int exec) {
    static char moved[64 + CLUSTER_IP_LENGTH];
    const cluster_topology *t = cluster_current();
    int shard_pubsub = cluster_allow_pubsubshard_when_down && !exec && (cmd->spec->flags & COMMAND_PUBSUB);
    if (t->slots_assigned < CLUSTER_SLOTS && !shard_pubsub) return down_error;
    int owner = t->owner[slot];
    if (owner == t->myself) return NULL;
    snprintf(moved, sizeof(moved), "MOVED %d %s:%d", slot, t->nodes[owner].ip, t->nodes[owner].port);
    return moved;
}

const char *cluster_route_check(client *c, command *cmd) {
    int exec = is_exec(cmd) && (c->flags & CLIENT_MULTI);
    int slot = exec ? transaction_slot(c) : merge_key_slots(cmd->spec, c->argc, c->argv, SLOT_NONE);
    if (slot == SLOT_NONE) return cluster_database_refusal(c, cmd);
    const char *refusal = slot == SLOT_MIXED     ? crossslot_error
                          : slot == SLOT_UNBOUND ? unbound_error
                                                 : slot_refusal(slot, cmd, exec);
    if (refusal && exec) multi_discard(c);
    return refusal ? refusal : cluster_database_refusal(c, cmd);
}
