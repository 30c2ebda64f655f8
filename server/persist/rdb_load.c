/* rdb_load: loading an RDB file (versions 1-10) into the databases.
 *
 * The file is mapped read-only and parsed in place: raw strings are handed
 * to the objects straight from the mapping, and the pages are dropped as the
 * parser moves on (MADV_SEQUENTIAL), so loading costs the dataset's memory
 * and no copy of the file.  Every length is checked against the end of the
 * file (rdb_io's reader), every packed blob is validated by its codec, and
 * the CRC is checked at EOF, as Redis does.  RESIZEDB sizes each database's
 * table once, so a million-key load never rehashes.
 *
 * Unlike Redis, any failure is reported the same way: one line naming the
 * file, the offset and the reason, and -1 (the caller exits at start-up);
 * a duplicated key is such a failure rather than a crash.  Keys whose TTL
 * has passed are skipped (counted in rdb_last_load_keys_expired), as on a
 * Redis master.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "function_libraries.h"
#include "keyspace.h"
#include "log.h"
#include "number.h"
#include "persist.h"
#include "rdb_crc64.h"
#include "rdb_format.h"
#include "server.h"
#include "table.h"
#include "zkv_assert.h"
#include "zmalloc.h"

/* Keys parsed but not yet added: adding one waits for its bucket's cache
 * line (a random address per key, the main cost of a load), so the loader
 * asks for the buckets of each group of LOAD_GROUP keys as soon as they are
 * parsed and adds the group only after the next one has been parsed, by
 * which time the lines have arrived.  Keys are checked and added in file
 * order (a key repeated nearby is still found: the first is added before
 * the second is checked). */
#define LOAD_GROUP 16

typedef struct pending_key {
    object *o;
    uint64_t hash;
    bool keep_clock;
} pending_key;

struct load_context {
    rdb_reader reader;
    const uint8_t *start;
    size_t size;
    char *filename;
    /* where read_body stands between slices */
    db *d;
    long long expire_ms, idle;
    int frequency;
    long long used_memory;  /* AUX used-mem, for INFO's loading_rdb_used_mem */
    strbuf reason;  /* set on failure */
    long long loaded, expired, empty_skipped;
    bool merge;     /* a key already present is replaced, not an error */
    db *batch_db;   /* every pending key belongs to it */
    pending_key batch[2 * LOAD_GROUP];
    uint64_t hashes[2 * LOAD_GROUP];
    int batch_count;
};

static int fail(load_context *ctx, const char *format, ...) __attribute__((format(printf, 2, 3)));
static int fail(load_context *ctx, const char *format, ...) {
    if (ctx->reason.length) return -1;
    va_list arguments;
    va_start(arguments, format);
    strbuf_vprintf(&ctx->reason, format, arguments);
    va_end(arguments);
    return -1;
}

static int reader_failed(load_context *ctx) {
    return fail(ctx, "%s", ctx->reader.error ? ctx->reader.error : "Unexpected EOF reading RDB file");
}

static int read_header(load_context *ctx, size_t size) {
    if (size < 9) return fail(ctx, "Short read or OOM loading DB: Unexpected EOF reading RDB file");
    if (memcmp(ctx->start, "REDIS", 5) != 0) return fail(ctx, "Wrong signature trying to load DB from file");
    char digits[5];
    memcpy(digits, ctx->start + 5, 4);
    digits[4] = '\0';
    int version = atoi(digits);
    if (version < 1 || version > RDB_VERSION) return fail(ctx, "Can't handle RDB format version %d", version);
    ctx->reader.version = version;
    ctx->reader.cursor += 9;
    return 0;
}

/* Skips an AUX field (zkv needs none of them: lua scripts were never
 * loadable, replication ids mean nothing without replication). */
static int read_aux(load_context *ctx) {
    rdb_string name, value;
    if (rdb_read_string(&ctx->reader, &name) != 0) return reader_failed(ctx);
    int result = rdb_read_string(&ctx->reader, &value);
    if (result == 0 && name.length == 8 && !memcmp(name.data, "used-mem", 8)) {
        long long bytes;
        if (number_parse_integer(value.data, value.length, &bytes)) ctx->used_memory = bytes;
    }
    if (result == 0 && name.length == 3 && !memcmp(name.data, "lua", 3) && value.length > 0)
        log_message(LOG_VERBOSE, "RDB file holds an EVAL script (AUX lua): ignored, as Redis 7.0 does.");
    rdb_string_release(&name);
    if (result != 0) return reader_failed(ctx);
    rdb_string_release(&value);
    return 0;
}

/* A function library: FUNCTION2 holds its code; 7.0's release candidates
 * wrote FUNCTION (name, engine, an optional description, the body), which
 * Redis turns into code with a shebang, the description dropped.  The
 * library is created at once (a file is refused if its code fails, as in
 * Redis); with `merge` one of the same name is replaced. */
static int read_library(load_context *ctx, int opcode) {
    rdb_reader *r = &ctx->reader;
    strbuf code = STRBUF_INIT;
    const char *stage = NULL;
    if (opcode == RDB_OPCODE_FUNCTION) {
        rdb_string name, engine, description, body;
        uint64_t has_description;
        if (rdb_read_string(r, &name) != 0) return fail(ctx, "Failed loading library, Failed loading library name");
        if (rdb_read_string(r, &engine) != 0) {
            stage = "Failed loading engine name";
        } else {
            if (rdb_read_length(r, &has_description) != 0) {
                stage = "Failed loading library description indicator";
            } else if (has_description && rdb_read_string(r, &description) != 0) {
                stage = "Failed loading library description";
            } else {
                if (has_description) rdb_string_release(&description);
                if (rdb_read_string(r, &body) != 0) {
                    stage = "Failed loading library blob";
                } else {
                    strbuf_append_cstring(&code, "#!");
                    strbuf_append(&code, engine.data, engine.length);
                    strbuf_append_cstring(&code, " name=");
                    strbuf_append(&code, name.data, name.length);
                    strbuf_append_char(&code, '\n');
                    strbuf_append(&code, body.data, body.length);
                    rdb_string_release(&body);
                }
            }
            rdb_string_release(&engine);
        }
        rdb_string_release(&name);
    } else {
        rdb_string payload;
        if (rdb_read_string(r, &payload) != 0) {
            stage = "Failed loading library payload";
        } else {
            strbuf_append(&code, payload.data, payload.length);
            rdb_string_release(&payload);
        }
    }
    if (stage) {
        strbuf_free(&code);
        return fail(ctx, "Failed loading library, %s", stage);
    }
    strbuf error = STRBUF_INIT;
    int result = function_libraries_create(code.data ? code.data : "", code.length, ctx->merge, &error);
    if (result != 0) fail(ctx, "Failed loading library, %s", strbuf_cstring(&error));
    strbuf_free(&error);
    strbuf_free(&code);
    return result;
}

/* Adds the first `count` pending keys to their database; -1 on a
 * duplicated key (those left are freed). */
static int add_pending(load_context *ctx, int count) {
    db *d = ctx->batch_db;
    int result = 0;
    for (int i = 0; i < count; i++) {
        object *o = ctx->batch[i].o;
        if (result != 0) {
            object_free(o);
            continue;
        }
        size_t length;
        const char *key = object_key(o, &length);
        if (ctx->merge && table_find(d->keys, key, length, ctx->batch[i].hash)) {
            db_set(d, o); /* DEBUG RELOAD MERGE: the file's value wins */
            ctx->loaded++;
        } else if (table_find(d->keys, key, length, ctx->batch[i].hash)) {
            result = fail(ctx, "RDB has duplicated key '%.*s' in DB %d", length > 128 ? 128 : (int)length, key,
                          d->index);
            object_free(o);
        } else if (ctx->batch[i].keep_clock) {
            db_add_keep_clock(d, o);
            ctx->loaded++;
        } else {
            db_add(d, o);
            ctx->loaded++;
        }
    }
    ctx->batch_count -= count;
    memmove(ctx->batch, ctx->batch + count, sizeof(ctx->batch[0]) * (size_t)ctx->batch_count);
    memmove(ctx->hashes, ctx->hashes + count, sizeof(ctx->hashes[0]) * (size_t)ctx->batch_count);
    if (result != 0) {
        for (int i = 0; i < ctx->batch_count; i++) object_free(ctx->batch[i].o);
        ctx->batch_count = 0;
    }
    return result;
}

/* Adds every pending key (before the database changes, and at EOF). */
static int flush_batch(load_context *ctx) {
    return add_pending(ctx, ctx->batch_count);
}

static int read_key(load_context *ctx, db *d, int type, long long expire_ms, long long idle, int frequency) {
    if (!rdb_format_is_value_type(type)) return fail(ctx, "Unknown RDB encoding type %d", type);
    rdb_string key;
    if (rdb_read_string(&ctx->reader, &key) != 0) return reader_failed(ctx);
    const char *error = NULL;
    object *o = rdb_format_load_object(&ctx->reader, type, key.data, key.length, expire_ms, &error);
    int result = 0;
    int shown = key.length > 128 ? 128 : (int)key.length;
    if (!o && error) {
        strbuf reason = STRBUF_INIT;
        rdb_format_describe_error(type, error, &reason);
        result = fail(ctx, "key '%.*s' in DB %d (RDB type %d): %s", shown, key.data, d->index, type,
                      strbuf_cstring(&reason));
        strbuf_free(&reason);
    } else if (!o) {
        /* Redis's texts and its limit of ten lines, which tools grep for. */
        if (ctx->empty_skipped++ < 10)
            log_message(LOG_WARNING, "rdbLoadObject skipping empty key: %.*s", shown, key.data);
    } else if (expire_ms != OBJECT_NO_EXPIRE && expire_ms < server_unix_time_ms()) {
        object_free(o);
        ctx->expired++;
    } else {
        zkv_assert(ctx->batch_count == 0 || ctx->batch_db == d);
        bool keep_clock = idle >= 0 || frequency >= 0;
        if (keep_clock) db_object_set_clock(o, idle, frequency);
        uint64_t hash = table_hash_key(key.data, key.length);
        ctx->batch_db = d;
        ctx->batch[ctx->batch_count] = (pending_key){o, hash, keep_clock};
        ctx->hashes[ctx->batch_count++] = hash;
        if (ctx->batch_count % LOAD_GROUP == 0)
            table_prefetch_buckets(d->keys, ctx->hashes + ctx->batch_count - LOAD_GROUP, LOAD_GROUP);
        if (ctx->batch_count == 2 * LOAD_GROUP) result = add_pending(ctx, LOAD_GROUP);
    }
    if (persist_key_load_delay > 0) usleep((useconds_t)persist_key_load_delay);
    rdb_string_release(&key);
    return result;
}

static int check_crc(load_context *ctx) {
    if (ctx->reader.version < 5) return 0;
    size_t covered = (size_t)(ctx->reader.cursor - ctx->start);
    uint64_t stored;
    if (rdb_read_u64_le(&ctx->reader, &stored) != 0) return reader_failed(ctx);
    if (stored == 0) {
        log_message(LOG_WARNING, "RDB file was saved with checksum disabled: no check performed.");
        return 0;
    }
    if (!persist.checksum) return 0;
    uint64_t computed = rdb_crc64(0, ctx->start, covered);
    if (computed != stored)
        return fail(ctx, "RDB CRC error: Wrong RDB checksum expected: (%016llx) but got (%016llx)",
                    (unsigned long long)stored, (unsigned long long)computed);
    return 0;
}

static long long now_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

#define LOAD_KEYS_PER_CLOCK 256

/* Parses until EOF (0), the deadline (1, at a key boundary, every parsed
 * key added) or a failure (-1).  deadline_us 0: no deadline. */
static int read_body(load_context *ctx, long long deadline_us) {
    rdb_reader *r = &ctx->reader;
    int keys = 0;
    for (;;) {
        uint8_t type;
        uint64_t value, second;
        if (rdb_read_byte(r, &type) != 0) return reader_failed(ctx);
        switch (type) {
        case RDB_OPCODE_EXPIRETIME_MS:
            if (rdb_read_u64_le(r, &value) != 0) return reader_failed(ctx);
            ctx->expire_ms = (long long)value;
            continue;
        case RDB_OPCODE_EXPIRETIME: {
            uint32_t seconds;
            if (rdb_read_u32_le(r, &seconds) != 0) return reader_failed(ctx);
            ctx->expire_ms = (long long)seconds * 1000;
            continue;
        }
        case RDB_OPCODE_FREQ: {
            uint8_t counter;
            if (rdb_read_byte(r, &counter) != 0) return reader_failed(ctx);
            ctx->frequency = counter;
            continue;
        }
        case RDB_OPCODE_IDLE:
            if (rdb_read_length(r, &value) != 0) return reader_failed(ctx);
            ctx->idle = value > (uint64_t)LLONG_MAX ? LLONG_MAX : (long long)value;
            continue;
        case RDB_OPCODE_EOF:
            if (flush_batch(ctx) != 0) return -1;
            return check_crc(ctx);
        case RDB_OPCODE_SELECTDB:
            if (rdb_read_length(r, &value) != 0) return reader_failed(ctx);
            if (value >= (uint64_t)keyspace_database_count())
                return fail(ctx, "Data file was created with a server configured to handle more than %d databases",
                            keyspace_database_count());
            if (flush_batch(ctx) != 0) return -1;
            ctx->d = keyspace_db((int)value);
            continue;
        case RDB_OPCODE_RESIZEDB:
            if (rdb_read_length(r, &value) != 0 || rdb_read_length(r, &second) != 0) return reader_failed(ctx);
            /* A key takes at least 3 bytes (type, key length, value), so a
             * corrupt count cannot make the table bigger than the file. */
            if (value > rdb_reader_left(r) / 3) value = rdb_reader_left(r) / 3;
            if (flush_batch(ctx) != 0) return -1;
            table_expand(ctx->d->keys, (size_t)value);
            continue;
        case RDB_OPCODE_AUX:
            if (read_aux(ctx) != 0) return -1;
            continue;
        case RDB_OPCODE_MODULE_AUX:
            return fail(ctx, "The RDB file contains AUX module data I can't load: zkv has no modules");
        case RDB_OPCODE_FUNCTION:
        case RDB_OPCODE_FUNCTION2:
            if (read_library(ctx, type) != 0) return -1;
            continue;
        default:
            if (read_key(ctx, ctx->d, type, ctx->expire_ms, ctx->idle, ctx->frequency) != 0) return -1;
            ctx->expire_ms = OBJECT_NO_EXPIRE, ctx->idle = -1, ctx->frequency = -1;
            /* A delayed key (key-load-delay) is worth a look at the clock. */
            keys += persist_key_load_delay > 0 ? LOAD_KEYS_PER_CLOCK : 1;
            if (deadline_us && keys % LOAD_KEYS_PER_CLOCK == 0 && now_us() >= deadline_us)
                return flush_batch(ctx) != 0 ? -1 : 1;
        }
    }
}

static void release(load_context *ctx) {
    for (int i = 0; i < ctx->batch_count; i++) object_free(ctx->batch[i].o); /* parsed before a failure */
    if (ctx->start) munmap((void *)ctx->start, ctx->size);
    strbuf_free(&ctx->reason);
    zmalloc_free(ctx->filename);
    zmalloc_free(ctx);
}

int rdb_load_begin(const char *filename, bool merge, load_context **load, char **error) {
    *load = NULL;
    int fd = open(filename, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT) return 0;
        strbuf text = STRBUF_INIT;
        strbuf_printf(&text, "Fatal error loading the DB from %s: %s", filename, strerror(errno));
        *error = strbuf_detach(&text, NULL);
        return -1;
    }
    struct stat info;
    size_t size = fstat(fd, &info) == 0 ? (size_t)info.st_size : 0;
    const uint8_t *map = NULL;
    int map_errno = 0;
    if (size > 0) {
        void *mapped = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapped != MAP_FAILED) {
            map = mapped;
            madvise(mapped, size, MADV_SEQUENTIAL);
        } else {
            map_errno = errno;
        }
    }
    close(fd);
    load_context *ctx = zmalloc_calloc(sizeof *ctx);
    *ctx = (load_context){.start = map, .size = map ? size : 0, .filename = zmalloc_strdup(filename),
                          .merge = merge, .d = keyspace_db(0), .expire_ms = OBJECT_NO_EXPIRE, .idle = -1,
                          .frequency = -1, .reason = STRBUF_INIT};
    rdb_reader_init(&ctx->reader, map ? (const void *)map : "", ctx->size, RDB_VERSION);
    if (size > 0 && !map) fail(ctx, "can't map the file: %s", strerror(map_errno));
    else read_header(ctx, ctx->size);
    *load = ctx;
    return 0;
}

int rdb_load_step(load_context *ctx, long long microseconds, char **error) {
    int result = ctx->reason.length ? -1 : read_body(ctx, microseconds ? now_us() + microseconds : 0);
    if (result == 1) return 1;
    if (result == 0 && rdb_reader_left(&ctx->reader) != 0)
        log_message(LOG_WARNING, "RDB file %s has %zu bytes after its end, ignored", ctx->filename,
                    rdb_reader_left(&ctx->reader));
    if (result != 0) {
        size_t offset = (size_t)(ctx->reader.cursor - (ctx->start ? ctx->start : ctx->reader.cursor));
        /* Redis's own line first (tools and tests grep it), then zkv's,
         * which names the file. */
        log_message(LOG_WARNING, "Internal error in RDB reading offset %zu, function at rdb.c:0 -> %s", offset,
                    strbuf_cstring(&ctx->reason));
        strbuf text = STRBUF_INIT;
        strbuf_printf(&text, "Error loading RDB file %s at offset %zu: %s", ctx->filename, offset,
                      strbuf_cstring(&ctx->reason));
        *error = strbuf_detach(&text, NULL);
    } else {
        persist.keys_loaded = ctx->loaded;
        persist.keys_expired = ctx->expired;
        if (ctx->empty_skipped)
            log_message(LOG_WARNING, "Done loading RDB, keys loaded: %lld, keys expired: %lld, empty keys skipped: %lld.",
                        ctx->loaded, ctx->expired, ctx->empty_skipped);
        else
            log_message(LOG_NOTICE, "Done loading RDB, keys loaded: %lld, keys expired: %lld.", ctx->loaded,
                        ctx->expired);
    }
    release(ctx);
    return result;
}

void rdb_load_abandon(load_context *ctx) {
    release(ctx);
}

size_t rdb_load_progress(const load_context *ctx, size_t *total, long long *used_memory) {
    *total = ctx->size;
    *used_memory = ctx->used_memory;
    return ctx->start ? (size_t)(ctx->reader.cursor - ctx->start) : 0;
}

int rdb_load_file(const char *filename, bool merge, bool *missing, char **error) {
    load_context *ctx;
    *missing = false;
    if (rdb_load_begin(filename, merge, &ctx, error) != 0) return -1;
    if (ctx == NULL) {
        *missing = true;
        return 0;
    }
    return rdb_load_step(ctx, 0, error);
}
