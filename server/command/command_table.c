/* command_table: the registry of every command zkv implements.
 *
 * Modules describe their commands in constant command_spec arrays, listed
 * in their module descriptor (module.h); the registry reads them from the
 * module list, so no central file names every command.  At start-up the registry copies the specs into `command` records
 * (spec + mutable stats + "parent|sub" name) and indexes the top-level ones
 * in an open-addressing hash table keyed case-insensitively, sized to stay
 * under half full so lookups rarely probe more than once.  Subcommands are
 * few per container and are found by a linear scan.
 */
#include "command.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "module.h"
#include "strbuf.h"
#include "zkv_assert.h"
#include "zmalloc.h"

/* ---- Flag and category names (Redis 7.0 spelling), indexed by bit. ---- */
static const char *const flag_names[COMMAND_FLAG_COUNT] = {
    "write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript",
    "blocking", "loading", "stale", "skip_monitor", "skip_slowlog", "asking",
    "fast", "no_auth", "may_replicate", "sentinel", "only_sentinel",
    "no_mandatory_keys", "protected", "module_getkeys", "module_no_cluster",
    "no_async_loading", "no_multi", "movablekeys", "allow_busy"};

static const char *const category_names[ACL_CATEGORY_COUNT] = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash",
    "string", "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin",
    "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting"};

const char *command_flag_name(int bit) {
    return (bit >= 0 && bit < COMMAND_FLAG_COUNT) ? flag_names[bit] : NULL;
}

const char *acl_category_name(int bit) {
    return (bit >= 0 && bit < ACL_CATEGORY_COUNT) ? category_names[bit] : NULL;
}

/* ---- Table state ---- */
static command **slots;          /* hash table of top-level commands */
static size_t slot_mask;
static command **sorted;         /* the same commands sorted by name */
static size_t command_count;
static command **by_id;          /* every command and subcommand by id */
static size_t id_count;

static uint64_t hash_name(const char *name, size_t length) {
    uint64_t hash = 1469598103934665603ULL;
    for (size_t i = 0; i < length; i++) {
        hash ^= (unsigned char)tolower((unsigned char)name[i]);
        hash *= 1099511628211ULL;
    }
    return hash;
}

static int name_matches(const command *cmd, const char *name, size_t length) {
    return cmd->name_length == length && strncasecmp(cmd->spec->name, name, length) == 0;
}

static size_t spec_count(const command_spec *specs) {
    size_t count = 0;
    while (specs && specs[count].name) count++;
    return count;
}

#define COMMAND_MAX_EXTENSIONS 16

/* Entries flagged extends_container: subcommands other modules add to a
 * container (collected before the commands are built). */
static const command_spec *extensions[COMMAND_MAX_EXTENSIONS];
static size_t extension_count;

static size_t extension_children(const command_spec *container) {
    size_t count = 0;
    for (size_t i = 0; i < extension_count; i++) {
        if (!strcmp(extensions[i]->name, container->name)) count += spec_count(extensions[i]->subcommands);
    }
    return count;
}

static void fill_command(command *cmd, const command_spec *spec, command *parent) {
    memset(cmd, 0, sizeof(*cmd));
    cmd->spec = spec;
    cmd->parent = parent;
    cmd->name_length = strlen(spec->name);
    strbuf name = STRBUF_INIT;
    if (parent) strbuf_printf(&name, "%s|", parent->spec->name);
    strbuf_append_cstring(&name, spec->name);
    cmd->full_name = strbuf_detach(&name, NULL);
    size_t own = spec_count(spec->subcommands);
    size_t children = own + (parent ? 0 : extension_children(spec));
    if (!children) return;
    cmd->subcommands = zmalloc_calloc(children * sizeof(command));
    cmd->subcommand_count = (int)children;
    for (size_t i = 0; i < own; i++) fill_command(&cmd->subcommands[i], &spec->subcommands[i], cmd);
    size_t next = own;
    for (size_t e = 0; e < extension_count && !parent; e++) {
        if (strcmp(extensions[e]->name, spec->name) != 0) continue;
        for (const command_spec *sub = extensions[e]->subcommands; sub && sub->name; sub++)
            fill_command(&cmd->subcommands[next++], sub, cmd);
    }
}

static int insert_command(command *cmd) {
    size_t length = strlen(cmd->spec->name);
    size_t index = hash_name(cmd->spec->name, length) & slot_mask;
    while (slots[index]) {
        if (name_matches(slots[index], cmd->spec->name, length)) return -1;
        index = (index + 1) & slot_mask;
    }
    slots[index] = cmd;
    return 0;
}

static int compare_by_name(const void *left, const void *right) {
    const command *a = *(command *const *)left, *b = *(command *const *)right;
    return strcmp(a->spec->name, b->spec->name);
}

static size_t count_with_subcommands(const command *cmd) {
    size_t count = 1;
    for (int i = 0; i < cmd->subcommand_count; i++) count += count_with_subcommands(&cmd->subcommands[i]);
    return count;
}

static void number(command *cmd, size_t *next) {
    cmd->id = (unsigned)*next;
    by_id[(*next)++] = cmd;
    for (int i = 0; i < cmd->subcommand_count; i++) number(&cmd->subcommands[i], next);
}

/* Ids follow the sorted order, parents before their subcommands. */
static void assign_ids(void) {
    id_count = 0;
    for (size_t i = 0; i < command_count; i++) id_count += count_with_subcommands(sorted[i]);
    by_id = zmalloc_alloc((id_count ? id_count : 1) * sizeof(command *));
    size_t next = 0;
    for (size_t i = 0; i < command_count; i++) number(sorted[i], &next);
}

size_t command_id_count(void) { return id_count; }

command *command_by_id(unsigned id) { return id < id_count ? by_id[id] : NULL; }

#define COMMAND_MAX_TABLES 64

/* Every command table of every registered module, in module order. */
static size_t collect_tables(const command_spec *tables[COMMAND_MAX_TABLES]) {
    size_t count = 0;
    for (const zkv_module *const *module = module_list(); *module; module++) {
        for (const command_spec *const *table = (*module)->commands; table && *table; table++) {
            zkv_assert(count < COMMAND_MAX_TABLES);
            tables[count++] = *table;
        }
    }
    return count;
}

int command_table_init(const char **error) {
    const command_spec *tables[COMMAND_MAX_TABLES];
    size_t table_count = collect_tables(tables);
    command_count = 0;
    extension_count = 0;
    for (size_t t = 0; t < table_count; t++) {
        for (const command_spec *spec = tables[t]; spec->name; spec++) {
            if (!spec->extends_container) {
                command_count++;
                continue;
            }
            zkv_assert(extension_count < COMMAND_MAX_EXTENSIONS);
            extensions[extension_count++] = spec;
        }
    }
    size_t capacity = 16;
    while (capacity < command_count * 2) capacity *= 2;
    slots = zmalloc_calloc(capacity * sizeof(command *));
    slot_mask = capacity - 1;
    sorted = zmalloc_alloc((command_count ? command_count : 1) * sizeof(command *));
    command *records = zmalloc_calloc((command_count ? command_count : 1) * sizeof(command));
    size_t next = 0;
    for (size_t t = 0; t < table_count; t++) {
        for (const command_spec *spec = tables[t]; spec->name; spec++) {
            if (spec->extends_container) continue;
            fill_command(&records[next], spec, NULL);
            sorted[next] = &records[next];
            if (insert_command(&records[next]) != 0) {
                if (error) *error = spec->name;
                return -1;
            }
            next++;
        }
    }
    qsort(sorted, command_count, sizeof(command *), compare_by_name);
    assign_ids();
    return 0;
}

command *command_lookup(const char *name, size_t length) {
    if (!slots) return NULL;
    size_t index = hash_name(name, length) & slot_mask;
    while (slots[index]) {
        if (name_matches(slots[index], name, length)) return slots[index];
        index = (index + 1) & slot_mask;
    }
    return NULL;
}

command *command_lookup_subcommand(const command *parent, const char *name, size_t length) {
    for (int i = 0; i < parent->subcommand_count; i++) {
        if (name_matches(&parent->subcommands[i], name, length)) return &parent->subcommands[i];
    }
    return NULL;
}

command *const *command_table_all(size_t *count) {
    *count = command_count;
    return sorted;
}

static void reset_stats(command *cmd) {
    memset(&cmd->stats, 0, sizeof(cmd->stats));
    for (int i = 0; i < cmd->subcommand_count; i++) reset_stats(&cmd->subcommands[i]);
}

void command_table_reset_stats(void) {
    for (size_t i = 0; i < command_count; i++) reset_stats(sorted[i]);
}

/* Room for get_keys' answer: SORT names two keys at most. */
#define COMMAND_GET_KEYS_MAX 16

/* Whether a spec's keys' flags depend on the call (SET ... GET): then
 * get_keys decides, as in Redis. */
static bool specs_have_variable_flags(const key_spec *specs) {
    for (int j = 0; specs[j].search; j++)
        if (specs[j].flags & KEY_VARIABLE_FLAGS) return true;
    return false;
}

int command_for_each_key(const command_spec *spec, int argc, const resp_argument *argv, command_key_visit *visit,
                         void *context) {
    if (spec->key_specs && !specs_have_variable_flags(spec->key_specs)) {
        int visited = command_keys_by_specs(spec->key_specs, argc, argv, visit, context);
        if (visited >= 0) return visited;
        if (!spec->get_keys) return 0; /* Redis: no getkeys procedure, no keys (PFMERGE dest) */
    }
    if (spec->get_keys) {
        /* Up to argc keys (XREAD may name hundreds): every one is visited,
         * or a permission or slot check would miss the last ones. */
        int stack_positions[COMMAND_GET_KEYS_MAX];
        uint32_t stack_flags[COMMAND_GET_KEYS_MAX];
        int capacity = argc > COMMAND_GET_KEYS_MAX ? argc : COMMAND_GET_KEYS_MAX;
        int *positions = capacity > COMMAND_GET_KEYS_MAX ? zmalloc_alloc((size_t)capacity * sizeof *positions)
                                                         : stack_positions;
        uint32_t *flags = capacity > COMMAND_GET_KEYS_MAX ? zmalloc_alloc((size_t)capacity * sizeof *flags)
                                                          : stack_flags;
        int count = spec->get_keys(argv, argc, positions, flags, capacity), visited = count;
        for (int i = 0; i < count; i++) {
            if (visit(positions[i], flags[i], context)) {
                visited = i + 1;
                break;
            }
        }
        if (positions != stack_positions) {
            zmalloc_free(positions);
            zmalloc_free(flags);
        }
        return visited;
    }
    uint32_t others = spec->key_flags                   ? spec->key_flags
                      : (spec->flags & COMMAND_WRITE) ? KEY_RW | KEY_UPDATE
                                                      : KEY_RO | KEY_ACCESS;
    int first = 0, last = -1, step = 1, counted_first = 0, counted_last = -1;
    if (spec->key_count_at > 0) {
        long long count;
        if (spec->key_count_at >= argc || !args_integer(&argv[spec->key_count_at], &count) || count <= 0 ||
            count > argc - spec->key_count_at - 1)
            return 0;
        counted_first = spec->key_count_at + 1;
        counted_last = spec->key_count_at + (int)count;
        if (spec->first_key > 0) {
            first = spec->first_key;
            last = spec->last_key;
        }
    } else if (spec->first_key > 0 && spec->key_step > 0) {
        first = spec->first_key;
        last = spec->last_key < 0 ? argc + spec->last_key : spec->last_key;
        if (last >= argc) last = argc - 1;
        step = spec->key_step;
    }
    int visited = 0;
    for (int pass = 0; pass < 2; pass++) {
        int from = pass ? counted_first : first, to = pass ? counted_last : last, by = pass ? 1 : step;
        for (int i = from; from > 0 && i <= to; i += by) {
            uint32_t flags = visited == 0 && spec->first_key_flags ? spec->first_key_flags : others;
            visited++;
            if (visit(i, flags, context)) return visited;
        }
    }
    return visited;
}

static int stop_at_first(int position, uint32_t flags, void *context) {
    (void)flags;
    *(int *)context = position;
    return 1;
}

int command_first_key(const command_spec *spec, int argc, const resp_argument *argv) {
    int position = 0;
    command_for_each_key(spec, argc, argv, stop_at_first, &position);
    return position;
}
