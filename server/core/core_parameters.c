/* core_parameters: the process's own configuration parameters: the cron
 * rate, logging, daemonizing, the pid file and the working directory, plus
 * the AOF and replication parameters zkv accepts for compatibility (their
 * values are fixed until those features exist).  `save` and the RDB
 * parameters belong to the persist module.
 *
 * The values live in server.config; the entries are registered through the
 * core module's descriptor.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "config_table.h"
#include "log.h"
#include "module.h"

#define C (&server.config)

static void format_empty(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    (void)out;
}

/* ---- dir: changes the working directory, at start-up only (protected) ---- */

static int parse_dir(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    if (text[0] && chdir(text) != 0) {
        *error = "No such file or directory";
        return -1;
    }
    return 0;
}

static void format_dir(const config_parameter *parameter, strbuf *out) {
    (void)parameter;
    char path[4096];
    strbuf_append_cstring(out, getcwd(path, sizeof(path)) ? path : "");
}

/* ---- replicaof: zkv never replicates, so only "" (no master) exists ---- */

static int parse_replicaof(const config_parameter *parameter, const char *text, const char **error) {
    (void)parameter;
    if (!text[0] || !strcasecmp(text, "no one")) return 0;
    *error = "zkv does not support replication";
    return -1;
}

/* ---- hz: the cron timer follows at once ---- */

static int apply_hz(const char **error) {
    (void)error;
    server_schedule_cron(); /* also clamps hz to 1..500 */
    return 0;
}

static const config_choice log_levels[] = {
    {"debug", LOG_DEBUG}, {"verbose", LOG_VERBOSE}, {"notice", LOG_NOTICE}, {"warning", LOG_WARNING}, {NULL, 0}};

const config_choice protected_action_choices[] = {
    {"no", PROTECTED_ACTION_NO}, {"yes", PROTECTED_ACTION_YES}, {"local", PROTECTED_ACTION_LOCAL}, {NULL, 0}};

static const config_parameter core_parameters[] = {
    {.name = "enable-protected-configs", .type = CONFIG_ENUM, .flags = CONFIG_IMMUTABLE,
     .value = &C->enable_protected_configs, .default_text = "no", .choices = protected_action_choices},
    CONFIG_ENTRY_INTEGER("hz", &C->hz, TARGET_INT, 0, INT_MAX, "10", 0, apply_hz),
    {.name = "loglevel", .type = CONFIG_ENUM, .value = &C->log_level, .default_text = "notice",
     .choices = log_levels},
    CONFIG_ENTRY_STRING("logfile", &C->log_file, "", CONFIG_IMMUTABLE),
    CONFIG_ENTRY_STRING("pidfile", &C->pid_file, "", CONFIG_IMMUTABLE),
    CONFIG_ENTRY_BOOL("daemonize", &C->daemonize, "no", CONFIG_IMMUTABLE),
    CONFIG_ENTRY_SPECIAL("dir", "", CONFIG_PROTECTED, parse_dir, format_dir, NULL),
    CONFIG_ENTRY_STRING("dbfilename", &C->db_filename, "dump.rdb", CONFIG_PROTECTED),
    {.name = "replicaof", .alias = "slaveof", .type = CONFIG_SPECIAL, .flags = CONFIG_IMMUTABLE | CONFIG_MULTI_ARGUMENT,
     .default_text = "", .parse = parse_replicaof, .format = format_empty},
    {.name = NULL}};

const zkv_module core_module = {.name = "core", .parameters = core_parameters};
