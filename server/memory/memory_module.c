/* memory_module: the memory manager's descriptor: sampling, eviction and
 * active defragmentation, their parameters, INFO memory and MEMORY.
 *
 * The cron runs defragmentation, then sampling, then eviction: a sample
 * taken after a defrag step sees its effect, and eviction works from the
 * freshest figures. */
#include "command.h"
#include "defrag.h"
#include "evict.h"
#include "memory.h"
#include "module.h"

extern const config_parameter memory_parameters[];
extern const command_spec memory_commands[];

static int memory_module_init(const char **error) {
    if (defrag_init() != 0) {
        *error = "Could not start active defragmentation.";
        return -1;
    }
    memory_init();
    return 0;
}

static void memory_cron(void) {
    defrag_cron();
    memory_sample_cron();
    evict_cron();
}

static void memory_reset_stats(void) {
    defrag_reset_stats();
    evict_reset_stats();
}

static const module_info_section memory_info_sections[] = {{"memory", memory_write_info}, {NULL, NULL}};

const zkv_module memory_module = {
    .name = "memory",
    .commands = (const command_spec *const[]){memory_commands, NULL},
    .parameters = memory_parameters,
    .info_sections = memory_info_sections,
    .init = memory_module_init,
    .cron = memory_cron,
    .reset_stats = memory_reset_stats,
};
