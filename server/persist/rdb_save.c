/* rdb_save: the whole RDB file, as Redis 7.0 writes it.
 *
 *   "REDIS0010", AUX redis-ver redis-bits ctime used-mem aof-base,
 *   FUNCTION2 <code> per function library, per non-empty database: SELECTDB, RESIZEDB, its keys ([EXPIRETIME_MS]
 *   [IDLE|FREQ] type key value), EOF, CRC-64.
 *
 * Crash safety: the file is written as temp-<pid>.rdb in the working
 * directory (the `dir` parameter), fsync'd, renamed over the target and the
 * directory fsync'd, so a crash at any moment leaves either the old file or
 * the new one.  On any failure the temp file is removed and the old file is
 * untouched.  Keys are written in table order, straight from the objects,
 * through rdb_io's 64 KB buffer: memory use is flat whatever the size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "function_libraries.h"
#include "keyspace.h"
#include "log.h"
#include "persist.h"
#include "rdb_format.h"
#include "server.h"
#include "zmalloc.h"

#define SAVE_PREFETCH 16

static int write_aux(rdb_writer *w, const char *name, const char *value) {
    if (rdb_write_byte(w, RDB_OPCODE_AUX) != 0 || rdb_write_string(w, name, strlen(name)) != 0) return -1;
    return rdb_write_string(w, value, strlen(value));
}

static int write_aux_integer(rdb_writer *w, const char *name, long long value) {
    char text[32];
    snprintf(text, sizeof(text), "%lld", value);
    return write_aux(w, name, text);
}

static int write_library(void *context, const char *code, size_t length) {
    rdb_writer *w = context;
    if (rdb_write_byte(w, RDB_OPCODE_FUNCTION2) != 0) return -1;
    return rdb_write_string(w, code, length);
}

int rdb_save_header(rdb_writer *w) {
    char magic[16];
    snprintf(magic, sizeof(magic), "REDIS%04d", RDB_VERSION);
    if (rdb_write_raw(w, magic, 9) != 0) return -1;
    if (write_aux(w, "redis-ver", ZKV_REDIS_COMPAT_VERSION) != 0) return -1;
    if (write_aux_integer(w, "redis-bits", (long long)sizeof(void *) * 8) != 0) return -1;
    if (write_aux_integer(w, "ctime", (long long)time(NULL)) != 0) return -1;
    if (write_aux_integer(w, "used-mem", (long long)zmalloc_used_memory()) != 0) return -1;
    if (write_aux_integer(w, "aof-base", 0) != 0) return -1;
    return function_libraries_for_each(write_library, w);
}

/* The clock opcodes Redis writes for the eviction policy in force. */
static int write_clock(rdb_writer *w, const object *o) {
    int policy = server.config.maxmemory_policy;
    if (policy == MAXMEMORY_ALLKEYS_LRU || policy == MAXMEMORY_VOLATILE_LRU) {
        if (rdb_write_byte(w, RDB_OPCODE_IDLE) != 0) return -1;
        return rdb_write_length(w, (uint64_t)(db_object_idle_ms(o) / 1000));
    }
    if (db_lfu_enabled()) {
        if (rdb_write_byte(w, RDB_OPCODE_FREQ) != 0) return -1;
        return rdb_write_byte(w, (uint8_t)db_object_frequency(o));
    }
    return 0;
}

int rdb_save_key(rdb_writer *w, const object *o, char **error) {
    int type = rdb_format_value_type(o);
    size_t key_length;
    const char *key = object_key(o, &key_length);
    if (type < 0) {
        strbuf text = STRBUF_INIT;
        strbuf_printf(&text, "Can't save key '%.*s': its type has no RDB serialization in this build",
                      (int)(key_length > 128 ? 128 : key_length), key);
        *error = strbuf_detach(&text, NULL);
        return -2;
    }
    if (object_has_expire(o)) {
        if (rdb_write_byte(w, RDB_OPCODE_EXPIRETIME_MS) != 0) return -1;
        if (rdb_write_u64_le(w, (uint64_t)object_expire(o)) != 0) return -1;
    }
    if (write_clock(w, o) != 0 || rdb_write_byte(w, (uint8_t)type) != 0) return -1;
    if (rdb_write_string(w, key, key_length) != 0) return -1;
    return rdb_format_save_value(w, o);
}

/* The dataset into `w`, EOF and CRC included.  0; -1 on a write error
 * (w->error); -2 with *error for a value that cannot be saved. */
static int write_dataset(rdb_writer *w, char **error) {
    if (rdb_save_header(w) != 0) return -1;
    for (int i = 0; i < keyspace_database_count(); i++) {
        db *d = keyspace_db(i);
        if (db_size(d) == 0) continue;
        if (rdb_write_byte(w, RDB_OPCODE_SELECTDB) != 0 || rdb_write_length(w, (uint64_t)i) != 0) return -1;
        if (rdb_write_byte(w, RDB_OPCODE_RESIZEDB) != 0 || rdb_write_length(w, (uint64_t)db_size(d)) != 0 ||
            rdb_write_length(w, (uint64_t)d->expires) != 0)
            return -1;
        /* Objects are prefetched a batch ahead of their writes: each is a
         * random address, and its cache miss was the main cost per key. */
        table_iterator it;
        void *entry;
        bool flag;
        int result = 0;
        const object *batch[SAVE_PREFETCH];
        table_iterator_init(&it, d->keys);
        for (bool more = true; result == 0 && more;) {
            int taken = 0;
            while (taken < SAVE_PREFETCH && (more = table_iterator_next(&it, &entry, &flag))) {
                __builtin_prefetch(entry);
                batch[taken++] = entry;
            }
            for (int k = 0; result == 0 && k < taken; k++) result = rdb_save_key(w, batch[k], error);
        }
        table_iterator_finish(&it);
        if (result != 0) return result;
    }
    if (rdb_write_byte(w, RDB_OPCODE_EOF) != 0) return -1;
    uint64_t crc = persist.checksum ? rdb_writer_crc(w) : 0;
    if (rdb_write_u64_le(w, crc) != 0) return -1;
    return rdb_writer_flush(w);
}

static char *format_error(const char *format, const char *a, const char *b, const char *c) {
    strbuf text = STRBUF_INIT;
    strbuf_printf(&text, format, a, b, c);
    return strbuf_detach(&text, NULL);
}

static const char *working_directory(char *buffer, size_t size) {
    return getcwd(buffer, size) ? buffer : "unknown";
}

static void fsync_directory(void) {
    int fd = open(".", O_RDONLY);
    if (fd < 0) return;
    fsync(fd);
    close(fd);
}

int rdb_save_file(const char *filename, pid_t pid, char **error) {
    char temp[64], cwd[4096];
    snprintf(temp, sizeof(temp), "temp-%d.rdb", (int)pid);
    int fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        *error = format_error("Failed opening the temp RDB file %s (in server root dir %s) for saving: %s", temp,
                              working_directory(cwd, sizeof(cwd)), strerror(errno));
        log_message(LOG_WARNING, "%s", *error);
        return -1;
    }
    rdb_writer w;
    rdb_writer_init(&w, fd, persist.compression);
    char *value_error = NULL;
    int result = write_dataset(&w, &value_error);
    if (result == 0 && fsync(fd) != 0) w.error = errno, result = -1;
    if (close(fd) != 0 && result == 0) w.error = errno, result = -1;
    int write_errno = w.error;
    rdb_writer_free(&w);
    if (result == -2) {
        *error = value_error;
    } else if (result != 0) {
        *error = format_error("Write error saving DB on disk: %s%s%s", strerror(write_errno), "", "");
    } else if (rename(temp, filename) != 0) {
        int rename_errno = errno;
        strbuf text = STRBUF_INIT;
        strbuf_printf(&text, "Error moving temp DB file %s on the final destination %s (in server root dir %s): %s",
                      temp, filename, working_directory(cwd, sizeof(cwd)), strerror(rename_errno));
        *error = strbuf_detach(&text, NULL);
        result = -1;
    }
    if (result != 0) {
        log_message(LOG_WARNING, "%s", *error);
        unlink(temp);
        return -1;
    }
    fsync_directory();
    return 0;
}
