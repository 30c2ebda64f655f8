/* hash_module: the hash type's descriptor: its commands, the listpack
 * thresholds (with Redis's -ziplist- aliases) and its type table. */
#include <limits.h>

#include "hash_type.h"
#include "module.h"
#include "number.h"

static const config_parameter hash_parameters[] = {
    {.name = "hash-max-listpack-entries", .alias = "hash-max-ziplist-entries", .type = CONFIG_INTEGER,
     .value = &hash_type_config.max_listpack_entries, .target = TARGET_LONG_LONG, .minimum = 0,
     .maximum = LLONG_MAX, .default_text = "512"},
    {.name = "hash-max-listpack-value", .alias = "hash-max-ziplist-value", .type = CONFIG_INTEGER,
     .value = &hash_type_config.max_listpack_value, .target = TARGET_LONG_LONG, .minimum = 0,
     .maximum = LLONG_MAX, .default_text = "64"},
    {0}};

/* One field for SORT's key->field; an integer-encoded value is formatted
 * into `buffer`, other bytes point into the hash. */
static bool hash_field_value(const object *o, const char *field, size_t field_length, const char **bytes,
                             size_t *length, char buffer[OBJECT_INTEGER_BUFFER]) {
    elem_view value;
    if (!hash_type_get(o, field, field_length, &value)) return false;
    if (value.bytes) {
        *bytes = value.bytes;
        *length = value.length;
    } else {
        *length = number_format_integer(value.integer, buffer);
        *bytes = buffer;
    }
    return true;
}

static int hash_init(const char **error) {
    (void)error;
    static const object_type_functions functions = {
        .free_value = hash_type_free_value,
        .duplicate_value = hash_type_duplicate_value,
        .free_effort = hash_type_free_effort,
        .memory_usage = hash_type_memory_usage,
        .defrag_value = hash_type_defrag_value,
        .rdb_type = hash_rdb_type,
        .rdb_save = hash_rdb_save,
        .rdb_load = hash_rdb_load,
        .field_value = hash_field_value,
    };
    object_register_type(OBJECT_HASH, &functions);
    return 0;
}

const zkv_module hash_module = {
    .name = "hash",
    .commands = (const command_spec *const[]){hash_commands, NULL},
    .parameters = hash_parameters,
    .init = hash_init,
};
