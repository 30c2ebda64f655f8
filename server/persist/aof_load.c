/* aof_load: rebuilding the dataset from the AOF at start, as Redis 7.0's
 * loadAppendOnlyFiles does.
 *
 * The manifest's base is loaded first (an RDB, recognised by its "REDIS"
 * magic whatever its name, or commands), then each incremental file in
 * order.  A command file is mapped and parsed in place (no copy of the
 * arguments) and each command runs through its handler on a fake client
 * whose replies are dropped, the way Redis's loader calls cmd->proc:
 * without the checks a client's command passes, but with the arity
 * checked, since a handler may read argv past a corrupt command's end.
 * A MULTI's commands run when its EXEC is read, so a transaction cut off by
 * a crash is dropped whole.
 *
 * Faults, with Redis's texts plus the file's line and offset:
 *   - the last file ends inside a command (or inside MULTI): with
 *     aof-load-truncated yes (the default) the file is truncated to its last
 *     whole command and the load goes on with a warning; otherwise, or when
 *     it is not the last file, start-up stops;
 *   - bytes that are not a command, an unknown command or a wrong argument
 *     count: start-up stops;
 *   - a file the manifest names that does not exist: start-up stops.
 *
 * Upgrading: an `appendfilename` file in the working directory and no
 * manifest (a Redis < 7 AOF) is moved into the directory and becomes the
 * base of a new manifest, as Redis does; such a file may be an RDB
 * preamble followed by commands, which is loaded as both.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aof.h"
#include "client.h"
#include "command.h"
#include "keyspace.h"
#include "log.h"
#include "multi.h"
#include "persist.h"
#include "resp_writer.h"
#include "server.h"
#include "zmalloc.h"

enum parse_result { PARSED, AT_END, TRUNCATED, MALFORMED };

typedef struct parse_state {
    const char *data;
    size_t size, pos;
    resp_argument *argv;
    int argc, capacity;
} parse_state;

static bool read_number(parse_state *p, char tag, long long *value, enum parse_result *result) {
    if (p->pos >= p->size) {
        *result = TRUNCATED;
        return false;
    }
    if (p->data[p->pos] != tag) {
        *result = MALFORMED;
        return false;
    }
    size_t i = p->pos + 1;
    long long n = 0;
    int digits = 0;
    while (i < p->size && p->data[i] >= '0' && p->data[i] <= '9' && digits < 18) n = n * 10 + (p->data[i++] - '0'), digits++;
    if (i + 1 >= p->size) {
        *result = TRUNCATED;
        return false;
    }
    if (digits == 0 || p->data[i] != '\r' || p->data[i + 1] != '\n') {
        *result = MALFORMED;
        return false;
    }
    p->pos = i + 2;
    *value = n;
    return true;
}

/* The next command into p->argv (pointing into the file). */
static enum parse_result parse_command(parse_state *p) {
    for (;;) {
        if (p->pos >= p->size) return AT_END;
        if (p->data[p->pos] != '#') break;
        const char *newline = memchr(p->data + p->pos, '\n', p->size - p->pos);
        if (!newline) return AT_END; /* Redis skips a last annotation line as it is */
        p->pos = (size_t)(newline - p->data) + 1;
    }
    enum parse_result result = PARSED;
    long long argc;
    if (!read_number(p, '*', &argc, &result)) return result;
    if (argc < 1 || argc > 1024 * 1024) return MALFORMED;
    if (argc > p->capacity) {
        p->capacity = (int)argc;
        p->argv = zmalloc_realloc(p->argv, sizeof(resp_argument) * (size_t)argc);
    }
    for (long long j = 0; j < argc; j++) {
        long long length;
        if (!read_number(p, '$', &length, &result)) return result;
        if ((unsigned long long)length + 2 > p->size - p->pos) return TRUNCATED;
        if (p->data[p->pos + (size_t)length] != '\r' || p->data[p->pos + (size_t)length + 1] != '\n') return MALFORMED;
        p->argv[j] = (resp_argument){p->data + p->pos, (size_t)length};
        p->pos += (size_t)length + 2;
    }
    p->argc = (int)argc;
    return PARSED;
}

static command *resolve(const parse_state *p) {
    command *cmd = command_lookup(p->argv[0].data, p->argv[0].length);
    if (cmd && cmd->subcommand_count && p->argc >= 2) {
        command *sub = command_lookup_subcommand(cmd, p->argv[1].data, p->argv[1].length);
        if (sub) cmd = sub;
        else if (!cmd->spec->handler) return NULL;
    }
    return cmd;
}

static bool arity_ok(const command *cmd, int argc) {
    int arity = cmd->spec->arity;
    return arity > 0 ? argc == arity : argc >= -arity;
}

static void run(client *fake, command *cmd, parse_state *p) {
    fake->argc = p->argc;
    fake->argv = p->argv;
    fake->command = cmd;
    fake->flags |= CLIENT_EXECUTING;
    cmd->spec->handler(fake);
    fake->flags &= ~CLIENT_EXECUTING;
    fake->command = NULL;
    resp_output_clear(fake->reply);
}

static int line_of(const char *data, size_t offset) {
    int line = 1;
    for (size_t i = 0; i < offset; i++)
        if (data[i] == '\n') line++;
    return line;
}

static char *failure(const char *format, ...) __attribute__((format(printf, 1, 2)));
static char *failure(const char *format, ...) {
    strbuf text = STRBUF_INIT;
    va_list arguments;
    va_start(arguments, format);
    strbuf_vprintf(&text, format, arguments);
    va_end(arguments);
    return strbuf_detach(&text, NULL);
}

/* What to do at a cut-off end: truncate (1: loaded), or fail (-1). */
static int cut_tail(const char *path, const char *name, size_t valid, bool last, const char *data, char **error) {
    if (aof.load_truncated && last) {
        log_message(LOG_WARNING, "!!! Warning: short read while loading the AOF file %s!!!", name);
        log_message(LOG_WARNING, "!!! Truncating the AOF %s at offset %llu !!!", name, (unsigned long long)valid);
        if (truncate(path, (off_t)valid) != 0) {
            *error = failure("Error truncating the AOF file %s: %s", name, strerror(errno));
            return -1;
        }
        log_message(LOG_WARNING, "AOF %s loaded anyway because aof-load-truncated is enabled", name);
        return 1;
    }
    if (!last) {
        *error = failure("Fatal error: the truncated file %s is not the last file (line %d)", name,
                         line_of(data, valid));
        return -1;
    }
    *error = failure("Unexpected end of file reading the append only file %s (line %lld, offset %lld). You can: "
                     "1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
                     "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and "
                     "restart the server.",
                     name, (long long)line_of(data, valid), (long long)valid);
    return -1;
}

int aof_load_commands(const char *path, const char *name, size_t offset, bool last, char **error) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        strbuf text = STRBUF_INIT;
        strbuf_printf(&text, "Fatal error: can't open the append log file %s for reading: %s", name, strerror(errno));
        *error = strbuf_detach(&text, NULL);
        return -1;
    }
    struct stat info;
    size_t size = fstat(fd, &info) == 0 ? (size_t)info.st_size : 0;
    if (size <= offset) {
        close(fd);
        return 0;
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        *error = failure("Unrecoverable error reading the append only file %s: %s", name, strerror(errno));
        return -1;
    }
    madvise(map, size, MADV_SEQUENTIAL);
    parse_state p = {.data = map, .size = size, .pos = offset};
    client *fake = client_create_fake();
    size_t valid = offset, before_multi = offset, multi_body = 0;
    bool in_multi = false;
    int result = 0;
    for (;;) {
        size_t start = p.pos;
        enum parse_result parsed = parse_command(&p);
        if (parsed == AT_END) break;
        if (parsed == TRUNCATED) {
            result = cut_tail(path, name, in_multi ? before_multi : valid, last, p.data, error);
            break;
        }
        if (parsed == MALFORMED) {
            *error = failure("Bad file format reading the append only file %s (line %lld, offset %lld): make a "
                             "backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>",
                             name, (long long)line_of(p.data, start), (long long)start);
            result = -1;
            break;
        }
        command *cmd = resolve(&p);
        if (!cmd || !cmd->spec->handler) {
            strbuf text = STRBUF_INIT;
            strbuf_printf(&text, "Unknown command '%.*s' reading the append only file %s (line %d)",
                          (int)(p.argv[0].length > 128 ? 128 : p.argv[0].length), p.argv[0].data, name,
                          line_of(p.data, start));
            *error = strbuf_detach(&text, NULL);
            result = -1;
            break;
        }
        if (!arity_ok(cmd, p.argc)) {
            strbuf text = STRBUF_INIT;
            strbuf_printf(&text, "Bad file format reading the append only file %s (line %d): wrong number of "
                                 "arguments for '%s'", name, line_of(p.data, start), cmd->spec->name);
            *error = strbuf_detach(&text, NULL);
            result = -1;
            break;
        }
        if (strcmp(cmd->spec->name, "multi") == 0 && !cmd->parent) {
            before_multi = valid;
            multi_body = p.pos;
            in_multi = true;
        } else if (multi_is_exec(cmd)) {
            if (in_multi) {
                /* The transaction is whole: run what it queued. */
                parse_state body = {.data = p.data, .size = start, .pos = multi_body, .argv = p.argv,
                                    .capacity = p.capacity};
                while (parse_command(&body) == PARSED) run(fake, resolve(&body), &body);
                p.argv = body.argv;
                p.capacity = body.capacity;
            }
            in_multi = false;
        } else if (!in_multi) {
            run(fake, cmd, &p);
        }
        valid = p.pos;
    }
    if (result == 0 && in_multi) {
        log_message(LOG_WARNING, "Revert incomplete MULTI/EXEC transaction in AOF file %s", name);
        result = cut_tail(path, name, before_multi, last, p.data, error);
    }
    client_free(fake);
    zmalloc_free(p.argv);
    munmap(map, size);
    return result < 0 ? -1 : 0;
}

/* ---- the files of the manifest ---- */

static bool is_rdb(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return false;
    char magic[5];
    bool rdb = read(fd, magic, 5) == 5 && memcmp(magic, "REDIS", 5) == 0;
    close(fd);
    return rdb;
}

static double seconds_since(const struct timespec *start) {
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    return (double)(end.tv_sec - start->tv_sec) + (double)(end.tv_nsec - start->tv_nsec) / 1e9;
}

static int load_one(const aof_file *f, bool last, char **error) {
    char path[4096];
    aof_path(path, sizeof(path), f->name);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    size_t offset = 0;
    if (is_rdb(path)) {
        bool old_style = strcmp(f->name, aof.filename) == 0;
        log_message(LOG_NOTICE, old_style ? "Reading RDB preamble from AOF file..." : "Reading RDB base file on AOF loading...");
        char *reason = NULL;
        if (rdb_load_prefix(path, &offset, &reason) != 0) {
            strbuf text = STRBUF_INIT;
            strbuf_printf(&text, "Error reading the RDB %s %s, AOF loading aborted: %s",
                          old_style ? "preamble of the AOF file" : "base file", f->name, reason);
            zmalloc_free(reason);
            *error = strbuf_detach(&text, NULL);
            return -1;
        }
        if (old_style) log_message(LOG_NOTICE, "Reading the remaining AOF tail...");
    }
    if (aof_load_commands(path, f->name, offset, last, error) != 0) return -1;
    log_message(LOG_NOTICE, "DB loaded from %s file %s: %.3f seconds", f->type == 'b' ? "base" : "incr", f->name,
                seconds_since(&start));
    return 0;
}

static bool file_exists(const char *path) {
    struct stat info;
    return stat(path, &info) == 0;
}

static long long file_size(const char *name) {
    char path[4096];
    struct stat info;
    return stat(aof_path(path, sizeof(path), name), &info) == 0 ? (long long)info.st_size : 0;
}

/* A Redis < 7 single file (`appendfilename` in the working directory) into
 * the directory as the base of a new manifest. */
static int upgrade(char **error) {
    aof_manifest *m = &aof.manifest;
    bool upgrade_needed = !file_exists(aof.dirname) || (m->base == NULL && m->incr_count == 0);
    if (!upgrade_needed && m->base != NULL && m->incr_count == 0 && strcmp(m->base->name, aof.filename) == 0) {
        /* A crash between the manifest and the move: finish the move. */
        char path[4096];
        upgrade_needed = !file_exists(aof_path(path, sizeof(path), aof.filename));
    }
    if (!upgrade_needed) return 0;
    if (aof_make_directory() != 0) {
        *error = failure("Can't open or create append-only dir %s: %s", aof.dirname, strerror(errno));
        return -1;
    }
    aof_manifest_clear(m);
    m->base = zmalloc_alloc(sizeof(aof_file));
    *m->base = (aof_file){zmalloc_strdup(aof.filename), 1, 'b'};
    m->base_seq = 1;
    if (aof_manifest_persist() != 0) {
        *error = zmalloc_strdup("Can't persist the AOF manifest while upgrading an old-style AOF");
        return -1;
    }
    char path[4096];
    if (rename(aof.filename, aof_path(path, sizeof(path), aof.filename)) != 0) {
        strbuf text = STRBUF_INIT;
        strbuf_printf(&text, "Error trying to move the old AOF file %s into dir %s: %s", aof.filename, aof.dirname,
                      strerror(errno));
        *error = strbuf_detach(&text, NULL);
        return -1;
    }
    log_message(LOG_NOTICE, "Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).",
                aof.filename, aof.dirname);
    return 0;
}

int aof_load_all(char **error) {
    if (file_exists(aof.filename) && upgrade(error) != 0) return -1;
    aof_manifest *m = &aof.manifest;
    if (m->base == NULL && m->incr_count == 0) return 0;
    long long total = 0;
    int files = (m->base ? 1 : 0) + m->incr_count;
    for (int i = -1; i < m->incr_count; i++) {
        const aof_file *f = i < 0 ? m->base : &m->incrs[i];
        if (!f) continue;
        char path[4096];
        if (!file_exists(aof_path(path, sizeof(path), f->name))) {
            strbuf text = STRBUF_INIT;
            strbuf_printf(&text, "The append log file %s doesn't exist: %s (named by the manifest, line %d)",
                          f->name, strerror(ENOENT), i < 0 ? 1 : (m->base ? 2 : 1) + m->history_count + i);
            *error = strbuf_detach(&text, NULL);
            return -1;
        }
        total += file_size(f->name);
    }
    if (total == 0) return 0;
    long long dirty = server.stats.dirty;
    int loaded = 0;
    keyspace_loading = true;
    int result = 0;
    for (int i = -1; i < m->incr_count && result == 0; i++) {
        const aof_file *f = i < 0 ? m->base : &m->incrs[i];
        if (f && load_one(f, ++loaded == files, error) != 0) result = -1;
    }
    keyspace_loading = false;
    server.stats.dirty = dirty;
    if (result != 0) return -1;
    aof.current_size = total;
    aof.base_size = m->base ? file_size(m->base->name) : 0;
    return 0;
}
