/* module: one descriptor per feature, listed once in main.c.
 *
 * A feature (a data type, persistence, pub/sub, the memory manager, ...)
 * tells the server everything about itself in one constant struct: its
 * commands, its configuration parameters, the INFO sections it writes and
 * its lifecycle callbacks.  main.c lists the descriptors in start-up order,
 * so adding a feature touches its own folder and one line there; no central
 * table names the commands, parameters or sections of every module.
 *
 * The descriptor lives in core, below the command layer, so it refers to
 * command specs only through an opaque pointer (nginx keeps upper layers'
 * data the same way): the command registry, one layer up, reads them back
 * with module_list().
 *
 * Order: parameters of every module are registered first (the config file
 * is read once all of them are known), then init runs in list order; cron,
 * before-sleep and reset-stats callbacks run in list order, shutdown
 * callbacks in reverse order, so a module is shut down before the modules
 * it was built on.
 */
#ifndef ZKV_MODULE_H
#define ZKV_MODULE_H

#include "config_table.h"
#include "strbuf.h"

struct command_spec;

typedef void module_info_writer(strbuf *out);

/* An INFO section a module writes: `name` is the lower-case word INFO takes
 * ("memory"); the INFO command knows Redis's order of sections by name. */
typedef struct module_info_section {
    const char *name;
    module_info_writer *write;
} module_info_section;

typedef struct zkv_module {
    const char *name;
    /* The module's command tables: a NULL-terminated list of NULL-name
     * terminated command_spec arrays (one per command file), or NULL. */
    const struct command_spec *const *commands;
    const config_parameter *parameters;        /* NULL-name terminated, or NULL */
    const module_info_section *info_sections;  /* NULL-name terminated, or NULL */
    /* After the configuration is loaded; 0, or -1 with a zmalloc'd or static
     * message in *error (the caller logs it and exits). */
    int (*init)(const char **error);
    void (*cron)(void);          /* every cron tick (`hz` per second) */
    void (*before_sleep)(void);  /* every loop iteration, before waiting */
    void (*reset_stats)(void);   /* CONFIG RESETSTAT */
    void (*shutdown)(void);      /* once, at exit */
} zkv_module;

/* Records the list (NULL-terminated, static storage) and registers every
 * module's parameters with the configuration engine.  Call once, before the
 * config file is read. */
void module_register_all(const zkv_module *const *modules);
/* Runs every init in order; 0, or -1 with the failing module's reason in
 * *error and its name in *failed. */
int module_init_all(const char **failed, const char **error);
/* The registered list, NULL-terminated (empty before module_register_all). */
const zkv_module *const *module_list(void);
/* The writer of an INFO section, NULL if no module writes it. */
module_info_writer *module_info_section_writer(const char *name);

#endif
