/* zset_module: the sorted-set type's descriptor: its commands (sorted sets
 * and GEO), the encoding parameters, and the type table the keyspace, the
 * lazy-free thread and MEMORY USAGE call.
 *
 * Only big sets live behind a key's pointer (tagged in its low bit,
 * zset.h); packed ones live in the key's block, which the keyspace frees,
 * copies and defragments whole, so the element walks are the only functions
 * here that see one (object_value gives them the block).  A big set's free
 * effort is its member count plus its tree nodes, so deleting one of more
 * than 64 members goes to the lazy-free thread.
 */
#include <limits.h>

#include "module.h"
#include "object.h"
#include "zset.h"
#include "zset_commands.h"

static void zset_type_free(void *value) {
    zset z = zset_from_pointer(value);
    zset_release(&z);
}

static void *zset_type_duplicate(const void *value) {
    zset z = zset_from_pointer((void *)value);
    zset copy = zset_duplicate(&z);
    return zset_to_pointer(&copy);
}

static size_t zset_type_free_effort(const void *value) {
    zset z = zset_from_pointer((void *)value);
    return zset_free_effort(&z);
}

/* Exact for now: MEMORY USAGE's SAMPLES is not used by sorted sets. */
static size_t zset_type_memory_usage(const void *value, size_t samples) {
    (void)samples;
    zset z = zset_from_pointer((void *)value);
    return zset_memory(&z);
}

/* Ascending order, each member with its score (SORT, set algebra). */
static void zset_type_for_each_element(const void *value,
                                       void (*visit)(void *context, const char *bytes, size_t length, double score),
                                       void *context) {
    zset z = zset_from_pointer((void *)value);
    zset_iterator it;
    zset_iterator_init(&it, &z, 0, false);
    const char *member;
    size_t length;
    double score;
    while (zset_iterator_next(&it, &member, &length, &score)) visit(context, member, length, score);
    zset_iterator_finish(&it);
}

/* The window of for_each_element: a big set seeks `start` in its tree. */
static size_t zset_type_for_each_element_window(const void *value, size_t start, size_t count,
                                                void (*visit)(void *context, const char *bytes, size_t length,
                                                              double score),
                                                void *context) {
    zset z = zset_from_pointer((void *)value);
    size_t length = zset_length(&z);
    if (start >= length || count == 0) return length;
    zset_iterator it;
    zset_iterator_init(&it, &z, start, false);
    const char *member;
    size_t member_length;
    double score;
    for (size_t i = 0; i < count && zset_iterator_next(&it, &member, &member_length, &score); i++)
        visit(context, member, member_length, score);
    zset_iterator_finish(&it);
    return length;
}

static const object_type_functions zset_type = {
    .free_value = zset_type_free,
    .duplicate_value = zset_type_duplicate,
    .free_effort = zset_type_free_effort,
    .memory_usage = zset_type_memory_usage,
    .defrag_value = zset_defrag_pointer,
    .for_each_element = zset_type_for_each_element,
    .for_each_element_window = zset_type_for_each_element_window,
    .rdb_type = zset_rdb_type,
    .rdb_save = zset_rdb_save,
    .rdb_load = zset_rdb_load,
};

static int zset_module_init(const char **error) {
    (void)error;
    object_register_type(OBJECT_ZSET, &zset_type);
    return 0;
}

/* Redis 7.0 names, ziplist aliases, and ranges (value is a memory size). */
static const config_parameter zset_parameters[] = {
    {.name = "zset-max-listpack-entries", .alias = "zset-max-ziplist-entries", .type = CONFIG_INTEGER,
     .value = &zset_config.max_entries, .target = TARGET_LONG_LONG, .minimum = 0, .maximum = LONG_MAX,
     .default_text = "128"},
    {.name = "zset-max-listpack-value", .alias = "zset-max-ziplist-value", .type = CONFIG_MEMORY,
     .value = &zset_config.max_value, .target = TARGET_LONG_LONG, .minimum = 0, .maximum = LONG_MAX,
     .default_text = "64"},
    {0}};

const zkv_module zset_module = {
    .name = "zset",
    .commands = (const command_spec *const[]){zset_commands, zset_range_commands, zset_setop_commands,
                                                    zset_blocking_commands, geo_commands, NULL},
    .parameters = zset_parameters,
    .init = zset_module_init,
};
