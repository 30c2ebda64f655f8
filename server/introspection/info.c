/* info: the INFO command and its section table (see info.h).
 *
 * Requested names are matched against the table with a bit per section, so
 * duplicates and order in the request do not matter, as in Redis.
 */
#include "info.h"

#include "args.h"
#include "introspection.h"
#include "module.h"
#include "reply.h"

typedef struct info_section {
    const char *name;  /* lower case, as requested */
    const char *title; /* "# Title" */
    info_section_writer *write; /* NULL: written by the module that declares it */
    int in_default;
} info_section;

static const info_section sections[] = {
    {"server", "Server", info_write_server, 1},
    {"clients", "Clients", info_write_clients, 1},
    {"memory", "Memory", NULL, 1},
    {"persistence", "Persistence", NULL, 1},
    {"stats", "Stats", info_write_stats, 1},
    {"replication", "Replication", info_write_replication, 1},
    {"cpu", "CPU", info_write_cpu, 1},
    {"modules", "Modules", info_write_modules, 1},
    {"commandstats", "Commandstats", info_write_commandstats, 0},
    {"errorstats", "Errorstats", info_write_errorstats, 1},
    {"latencystats", "Latencystats", info_write_latencystats, 0},
    {"cluster", "Cluster", NULL, 1},
    {"keyspace", "Keyspace", NULL, 1},
};
#define SECTION_COUNT (sizeof(sections) / sizeof(sections[0]))

static unsigned default_sections(void) {
    unsigned selected = 0;
    for (unsigned i = 0; i < SECTION_COUNT; i++) {
        if (sections[i].in_default) selected |= 1u << i;
    }
    return selected;
}

static unsigned selected_sections(int count, const resp_argument *names) {
    if (count == 0) return default_sections();
    unsigned selected = 0;
    for (int n = 0; n < count; n++) {
        if (args_is(&names[n], "default")) selected |= default_sections();
        if (args_is(&names[n], "all") || args_is(&names[n], "everything"))
            selected |= (1u << SECTION_COUNT) - 1;
        for (unsigned i = 0; i < SECTION_COUNT; i++) {
            if (args_is(&names[n], sections[i].name)) selected |= 1u << i;
        }
    }
    return selected;
}

void info_generate(strbuf *out, int count, const resp_argument *names) {
    unsigned selected = selected_sections(count, names);
    int first = 1;
    for (unsigned i = 0; i < SECTION_COUNT; i++) {
        if (!(selected & (1u << i))) continue;
        if (!first) strbuf_append(out, "\r\n", 2);
        first = 0;
        strbuf_printf(out, "# %s\r\n", sections[i].title);
        info_section_writer *write = sections[i].write ? sections[i].write : module_info_section_writer(sections[i].name);
        if (write) write(out);
    }
}

static void info_command(client *c) {
    strbuf text = STRBUF_INIT;
    info_generate(&text, c->argc - 1, c->argv + 1);
    reply_verbatim(c, strbuf_cstring(&text), text.length);
    strbuf_free(&text);
}

static const command_argument info_arguments[] = {
    {.name = "section", .type = ARGUMENT_STRING, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE}, {0}};

const command_spec info_commands[] = {
    {.name = "info", .handler = info_command, .arity = -1, .flags = COMMAND_LOADING | COMMAND_STALE,
     .categories = ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0",
     .summary = "Server information and statistics", .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special",
     .arguments = info_arguments},
    {0}};
