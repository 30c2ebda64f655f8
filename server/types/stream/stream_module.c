/* stream_module: the stream type's descriptor: its commands, the two node
 * parameters and the type table (free, copy, MEMORY USAGE with SAMPLES,
 * active defrag, RDB).
 *
 * stream-node-max-bytes and stream-node-max-entries take Redis's ranges
 * and apply to nodes opened from then on. */
#include <stdbool.h>
#include <limits.h>

#include "collection_defrag.h"
#include "module.h"
#include "object.h"
#include "stream_type.h"

static void stream_type_free(void *value) {
    stream_free(value);
}

static void *stream_type_duplicate(const void *value) {
    return stream_duplicate(value);
}

static size_t stream_type_free_effort(const void *value) {
    return stream_free_effort(value);
}

static size_t stream_type_memory_usage(const void *value, size_t samples) {
    return stream_memory(value, samples);
}

/* Active defrag: the stream block, its node array and up to
 * STREAM_DEFRAG_NODES nodes per visit, resuming where the last visit of the
 * same stream stopped, so a visit is bounded whatever the stream's size.
 * Consumer groups are left where they are (they are few blocks per group
 * beside the PEL arrays). */
#define STREAM_DEFRAG_NODES 64

static struct {
    const stream *s;
    uint32_t next;
} stream_defrag_progress;

static void *stream_type_defrag(void *value) {
    bool resumed = stream_defrag_progress.s == value;
    stream *s = collection_defrag_block(value);
    if (s->nodes) s->nodes = collection_defrag_block(s->nodes);
    uint32_t i = resumed ? stream_defrag_progress.next : 0;
    uint32_t end = i + STREAM_DEFRAG_NODES;
    for (; i < s->count && i < end; i++) s->nodes[s->head + i] = collection_defrag_block(s->nodes[s->head + i]);
    stream_defrag_progress.s = i < s->count ? s : NULL;
    stream_defrag_progress.next = i;
    return s;
}

static const object_type_functions stream_type_table = {
    .free_value = stream_type_free,
    .duplicate_value = stream_type_duplicate,
    .free_effort = stream_type_free_effort,
    .memory_usage = stream_type_memory_usage,
    .defrag_value = stream_type_defrag,
    .rdb_type = stream_rdb_type,
    .rdb_save = stream_rdb_save,
    .rdb_load = stream_rdb_load,
};

static int stream_module_init(const char **error) {
    (void)error;
    object_register_type(OBJECT_STREAM, &stream_type_table);
    return 0;
}

static const config_parameter stream_parameters[] = {
    {.name = "stream-node-max-bytes", .type = CONFIG_MEMORY, .value = &stream_config.node_max_bytes,
     .target = TARGET_LONG_LONG, .minimum = 0, .maximum = LONG_MAX, .default_text = "4096"},
    {.name = "stream-node-max-entries", .type = CONFIG_INTEGER, .value = &stream_config.node_max_entries,
     .target = TARGET_LONG_LONG, .minimum = 0, .maximum = LLONG_MAX, .default_text = "100"},
    {0}};

const zkv_module stream_module = {
    .name = "stream",
    .commands = (const command_spec *const[]){stream_commands, stream_read_commands, stream_group_commands,
                                                    stream_info_commands, NULL},
    .parameters = stream_parameters,
    .init = stream_module_init,
};
