/* set_module: the set type's descriptor: its commands, the intset
 * threshold and its type table. */
#include <limits.h>

#include "module.h"
#include "set_type.h"

static const config_parameter set_parameters[] = {
    {.name = "set-max-intset-entries", .type = CONFIG_INTEGER, .value = &set_type_max_intset_entries,
     .target = TARGET_LONG_LONG, .minimum = 0, .maximum = LLONG_MAX, .default_text = "512"},
    {0}};

static int set_init(const char **error) {
    (void)error;
    static const object_type_functions functions = {
        .free_value = set_type_free_value,
        .duplicate_value = set_type_duplicate_value,
        .free_effort = set_type_free_effort,
        .memory_usage = set_type_memory_usage,
        .defrag_value = set_type_defrag_value,
        .rdb_type = set_rdb_type,
        .rdb_save = set_rdb_save,
        .rdb_load = set_rdb_load,
        .for_each_element = set_type_for_each_element,
    };
    object_register_type(OBJECT_SET, &functions);
    return 0;
}

const zkv_module set_module = {
    .name = "set",
    .commands = (const command_spec *const[]){set_commands, NULL},
    .parameters = set_parameters,
    .init = set_init,
};
