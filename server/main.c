/* main: zkv-server's entry point and composition root.
 *
 *     zkv-server [config-file] [--name value ...]
 *
 * This is the one file that names every module: the list below, in start-up
 * order (lower layers first; shutdown runs it backwards).  Adding a feature
 * is one line here and its own folder.
 *
 * Order matters: libevent must get zmalloc's functions before its first
 * allocation, the configuration decides logging and daemonizing, and the
 * file-descriptor limit decides how many clients can really be served, so
 * maxclients is lowered (with a log line) when the limit cannot be raised.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "module.h"
#include "networking.h"
#include "server.h"
#include "zmalloc.h"

/* Every module, lower layers first (server/README.md draws the layers). */
#define ZKV_MODULES(X) \
    X(core)            \
    X(keyspace)        \
    X(net)             \
    X(command)         \
    X(string)          \
    X(generic)         \
    X(hash)            \
    X(set)             \
    X(list)            \
    X(zset)            \
    X(stream)          \
    X(hll)             \
    X(sort)            \
    X(admin)           \
    X(memory)          \
    X(cluster)         \
    X(pubsub)          \
    X(acl)             \
    X(scripting)       \
    X(persist)         \
    X(aof)             \
    X(introspection)

#define DECLARE_MODULE(name) extern const zkv_module name##_module;
#define LIST_MODULE(name) &name##_module,
ZKV_MODULES(DECLARE_MODULE)
static const zkv_module *const modules[] = {ZKV_MODULES(LIST_MODULE) NULL};

#define RESERVED_FDS 32

static void print_version(void) {
    printf("zkv-server v=%s redis-compat=%s malloc=%s\n", ZKV_VERSION, ZKV_REDIS_COMPAT_VERSION,
           zmalloc_allocator_name());
}

static void print_usage(void) {
    fprintf(stderr,
            "Usage: zkv-server [/path/to/zkv.conf] [options]\n"
            "       zkv-server -v or --version\n"
            "       zkv-server -h or --help\n\n"
            "Options are configuration directives given as --name value, e.g.\n"
            "       zkv-server --port 7777 --bind 127.0.0.1\n"
            "       zkv-server /etc/zkv.conf --loglevel verbose\n");
}

/* Raises RLIMIT_NOFILE for maxclients, or lowers maxclients to fit. */
static void adjust_open_files_limit(void) {
    struct rlimit limit;
    rlim_t wanted = (rlim_t)server.config.max_clients + RESERVED_FDS;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
    struct rlimit raised = {.rlim_cur = wanted, .rlim_max = limit.rlim_max > wanted ? limit.rlim_max : wanted};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return;
    raised.rlim_cur = limit.rlim_max;
    raised.rlim_max = limit.rlim_max;
    if (limit.rlim_max > limit.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) == 0) limit.rlim_cur = limit.rlim_max;
    int possible = limit.rlim_cur > RESERVED_FDS ? (int)(limit.rlim_cur - RESERVED_FDS) : 1;
    log_message(LOG_WARNING,
                "The open files limit is %llu and could not be raised to %llu: maxclients lowered from %d to %d.",
                (unsigned long long)limit.rlim_cur, (unsigned long long)wanted, server.config.max_clients,
                possible);
    server.config.max_clients = possible;
}

static void daemonize(void) {
    if (fork() != 0) exit(0);
    setsid();
    FILE *null_stream = freopen("/dev/null", "r", stdin);
    (void)null_stream;
    if (!server.config.log_file || !server.config.log_file[0]) {
        null_stream = freopen("/dev/null", "w", stdout);
        null_stream = freopen("/dev/null", "w", stderr);
    }
}

static void write_pid_file(void) {
    if (!server.config.pid_file || !server.config.pid_file[0]) return;
    FILE *file = fopen(server.config.pid_file, "w");
    if (!file) {
        log_message(LOG_WARNING, "Failed to write PID file %s: %s", server.config.pid_file, strerror(errno));
        return;
    }
    fprintf(file, "%d\n", (int)getpid());
    fclose(file);
}

static int fatal(const char *message) {
    log_message(LOG_WARNING, "%s", message);
    return 1;
}

int main(int argc, char **argv) {
    if (argc == 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))) {
        print_version();
        return 0;
    }
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        print_usage();
        return 0;
    }
    event_set_mem_functions(zmalloc_alloc, zmalloc_realloc, zmalloc_free);
    server.executable = argv[0];
    module_register_all(modules);
    config_set_defaults();
    char *error = NULL;
    if (config_load(argc, argv, &error) != 0) {
        fprintf(stderr, "\n*** FATAL CONFIG ERROR (zkv-server) ***\n%s\n", error);
        return 1;
    }
    if (server.config.daemonize) daemonize();
    if (log_open(server.config.log_file) != 0) {
        fprintf(stderr, "Can't open the log file %s: %s\n", server.config.log_file, strerror(errno));
        return 1;
    }
    log_message(LOG_NOTICE, "zkv %s starting (Redis %s compatible), pid=%d", ZKV_VERSION,
                ZKV_REDIS_COMPAT_VERSION, (int)getpid());
    if (!server.config_file) log_message(LOG_WARNING, "No config file specified, using the default config.");
    adjust_open_files_limit();
    if (server_init() != 0) return fatal("Could not create the event loop.");
    const char *failed_module = NULL, *reason = NULL;
    if (module_init_all(&failed_module, &reason) != 0) return fatal(reason);
    if (networking_listen(&error) != 0) return fatal(error);
    write_pid_file();
    log_message(LOG_NOTICE, "Server initialized");
    server.startup_used_memory = zmalloc_used_memory();
    log_message(LOG_NOTICE, "Ready to accept connections");
    server_run();
    server_finish();
    return server.shutdown_exit_code;
}
