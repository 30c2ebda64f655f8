/* module: the registered module list and the hooks it feeds (module.h). */
#include "module.h"

#include <string.h>

#include "config.h"
#include "server.h"
#include "zkv_assert.h"

static const zkv_module *const no_modules[] = {NULL};
static const zkv_module *const *modules = no_modules;

static void run_cron(void) {
    for (const zkv_module *const *m = modules; *m; m++)
        if ((*m)->cron) (*m)->cron();
}

static void run_before_sleep(void) {
    for (const zkv_module *const *m = modules; *m; m++)
        if ((*m)->before_sleep) (*m)->before_sleep();
}

static void run_reset_stats(void) {
    for (const zkv_module *const *m = modules; *m; m++)
        if ((*m)->reset_stats) (*m)->reset_stats();
}

static void run_shutdown(void) {
    size_t count = 0;
    while (modules[count]) count++;
    while (count--)
        if (modules[count]->shutdown) modules[count]->shutdown();
}

void module_register_all(const zkv_module *const *list) {
    zkv_assert(modules == no_modules);
    modules = list;
    for (const zkv_module *const *m = modules; *m; m++)
        if ((*m)->parameters) config_register_parameters((*m)->parameters);
    server_set_module_hooks(run_cron, run_before_sleep, run_reset_stats, run_shutdown);
}

int module_init_all(const char **failed, const char **error) {
    for (const zkv_module *const *m = modules; *m; m++) {
        if (!(*m)->init || (*m)->init(error) == 0) continue;
        *failed = (*m)->name;
        return -1;
    }
    return 0;
}

const zkv_module *const *module_list(void) { return modules; }

module_info_writer *module_info_section_writer(const char *name) {
    for (const zkv_module *const *m = modules; *m; m++) {
        for (const module_info_section *s = (*m)->info_sections; s && s->name; s++)
            if (!strcmp(s->name, name)) return s->write;
    }
    return NULL;
}
