/* aof_manifest: the list of files an AOF is made of, in Redis 7.0's text
 * format, one file a line:
 *
 *     file appendonly.aof.2.base.rdb seq 2 type b
 *     file appendonly.aof.2.incr.aof seq 2 type h
 *     file appendonly.aof.3.incr.aof seq 3 type i
 *
 * The base first, then history (files a rewrite replaced, deleted soon
 * after), then the incremental files in replay order.  Parsing is Redis's:
 * '#' lines are comments, every line must end in a newline, words are split
 * with redis.conf quoting, keys may come in any order and unknown ones are
 * ignored; the errors keep Redis's texts, and name the file and line.
 *
 * The manifest is the commit point of every change to the set of files: a
 * new version is written to a temp file, fsync'd, renamed over the old one
 * and the directory fsync'd, so a crash leaves either manifest whole, and
 * every file either one names exists (files are created before and
 * deleted after the manifest that names or forgets them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof.h"
#include "config_table.h"
#include "log.h"
#include "persist.h"
#include "zmalloc.h"

#define MANIFEST_MAX_LINE 1024

const char *aof_path(char *buffer, size_t size, const char *name) {
    snprintf(buffer, size, "%s/%s", aof.dirname, name);
    return buffer;
}

int aof_make_directory(void) {
    if (mkdir(aof.dirname, 0755) == 0 || errno == EEXIST) return 0;
    return -1;
}

static void file_free(aof_file *f) {
    zmalloc_free(f->name);
    f->name = NULL;
}

void aof_manifest_clear(aof_manifest *m) {
    if (m->base) {
        file_free(m->base);
        zmalloc_free(m->base);
    }
    for (int i = 0; i < m->history_count; i++) file_free(&m->history[i]);
    for (int i = 0; i < m->incr_count; i++) file_free(&m->incrs[i]);
    zmalloc_free(m->history);
    zmalloc_free(m->incrs);
    *m = (aof_manifest){0};
}

static void push(aof_file **list, int *count, aof_file f) {
    *list = zmalloc_realloc(*list, sizeof(aof_file) * (size_t)(*count + 1));
    (*list)[(*count)++] = f;
}

void aof_manifest_copy(aof_manifest *to, const aof_manifest *from) {
    *to = (aof_manifest){.base_seq = from->base_seq, .incr_seq = from->incr_seq};
    if (from->base) {
        to->base = zmalloc_alloc(sizeof(aof_file));
        *to->base = (aof_file){zmalloc_strdup(from->base->name), from->base->seq, from->base->type};
    }
    for (int i = 0; i < from->history_count; i++)
        push(&to->history, &to->history_count,
             (aof_file){zmalloc_strdup(from->history[i].name), from->history[i].seq, 'h'});
    for (int i = 0; i < from->incr_count; i++)
        push(&to->incrs, &to->incr_count, (aof_file){zmalloc_strdup(from->incrs[i].name), from->incrs[i].seq, 'i'});
}

static char *format_name(const char *format, const char *base, long long seq, const char *suffix) {
    strbuf text = STRBUF_INIT;
    strbuf_printf(&text, format, base, seq, suffix);
    return strbuf_detach(&text, NULL);
}

const char *aof_manifest_new_incr(aof_manifest *m) {
    long long seq = ++m->incr_seq;
    push(&m->incrs, &m->incr_count, (aof_file){format_name("%s.%lld%s", aof.filename, seq, ".incr.aof"), seq, 'i'});
    return m->incrs[m->incr_count - 1].name;
}

const char *aof_manifest_new_base(aof_manifest *m, bool rdb) {
    if (m->base) {
        /* Redis puts the replaced base first among the history. */
        aof_file old = *m->base;
        old.type = 'h';
        m->history = zmalloc_realloc(m->history, sizeof(aof_file) * (size_t)(m->history_count + 1));
        memmove(m->history + 1, m->history, sizeof(aof_file) * (size_t)m->history_count);
        m->history[0] = old;
        m->history_count++;
    } else {
        m->base = zmalloc_alloc(sizeof(aof_file));
    }
    long long seq = ++m->base_seq;
    *m->base = (aof_file){format_name("%s.%lld%s", aof.filename, seq, rdb ? ".base.rdb" : ".base.aof"), seq, 'b'};
    return m->base->name;
}

void aof_manifest_history_incrs(aof_manifest *m, bool keep_last) {
    int keep = keep_last && m->incr_count > 0 ? 1 : 0;
    int moved = m->incr_count - keep;
    for (int i = moved - 1; i >= 0; i--) {
        aof_file f = m->incrs[i];
        f.type = 'h';
        m->history = zmalloc_realloc(m->history, sizeof(aof_file) * (size_t)(m->history_count + 1));
        memmove(m->history + 1, m->history, sizeof(aof_file) * (size_t)m->history_count);
        m->history[0] = f;
        m->history_count++;
    }
    memmove(m->incrs, m->incrs + moved, sizeof(aof_file) * (size_t)keep);
    m->incr_count = keep;
}

/* ---- text ---- */

static bool needs_quoting(const char *name) {
    for (const char *p = name; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '\\' || (unsigned char)*p >= 127) return true;
    return false;
}

static void format_line(strbuf *out, const aof_file *f) {
    strbuf_append_cstring(out, "file ");
    if (needs_quoting(f->name)) {
        strbuf_append_char(out, '"');
        /* Redis's sdscatrepr escapes. */
        for (const char *p = f->name; *p; p++) {
            unsigned char ch = (unsigned char)*p;
            const char *escape = ch == '"' ? "\\\"" : ch == '\\' ? "\\\\" : ch == '\n' ? "\\n" : ch == '\r' ? "\\r"
                               : ch == '\t' ? "\\t" : ch == '\a' ? "\\a" : ch == '\b' ? "\\b" : NULL;
            if (escape) strbuf_append_cstring(out, escape);
            else if (ch < ' ' || ch >= 127) strbuf_printf(out, "\\x%02x", ch);
            else strbuf_append_char(out, (char)ch);
        }
        strbuf_append_char(out, '"');
    } else {
        strbuf_append_cstring(out, f->name);
    }
    strbuf_printf(out, " seq %lld type %c\n", f->seq, f->type);
}

static char *manifest_error(const char *path, int line_number, const char *line, const char *reason) {
    strbuf text = STRBUF_INIT;
    if (line)
        strbuf_printf(&text, "Bad AOF manifest %s, line %d ('%s'): %s", path, line_number, line, reason);
    else
        strbuf_printf(&text, "Bad AOF manifest %s: %s", path, reason);
    return strbuf_detach(&text, NULL);
}

/* One line's words into *f; NULL, or Redis's reason. */
static const char *parse_words(char **words, int count, aof_file *f) {
    if (count < 6 || count % 2) return "Invalid AOF manifest file format";
    for (int i = 0; i < count; i += 2) {
        if (!strcasecmp(words[i], "file")) {
            if (strchr(words[i + 1], '/')) return "File can't be a path, just a filename";
            zmalloc_free(f->name);
            f->name = zmalloc_strdup(words[i + 1]);
        } else if (!strcasecmp(words[i], "seq")) {
            f->seq = atoll(words[i + 1]);
        } else if (!strcasecmp(words[i], "type")) {
            f->type = words[i + 1][0];
        }
    }
    if (!f->name || !f->seq || !f->type) return "Invalid AOF manifest file format";
    return NULL;
}

/* Adds a parsed line; NULL or Redis's reason. */
static const char *add_file(aof_manifest *m, aof_file f) {
    if (f.type == 'b') {
        if (m->base) return "Found duplicate base file information";
        m->base = zmalloc_alloc(sizeof(aof_file));
        *m->base = f;
        m->base_seq = f.seq;
    } else if (f.type == 'h') {
        push(&m->history, &m->history_count, f);
    } else if (f.type == 'i') {
        if (f.seq <= m->incr_seq) return "Found a non-monotonic sequence number";
        push(&m->incrs, &m->incr_count, f);
        m->incr_seq = f.seq;
    } else {
        return "Unknown AOF file type";
    }
    return NULL;
}

static int parse_manifest(FILE *in, const char *path, aof_manifest *m, char **error) {
    char buffer[MANIFEST_MAX_LINE + 1];
    int line_number = 0;
    while (fgets(buffer, sizeof(buffer), in)) {
        line_number++;
        if (buffer[0] == '#') continue;
        if (!strchr(buffer, '\n')) {
            *error = manifest_error(path, line_number, NULL, "The AOF manifest file contains too long line");
            return -1;
        }
        char *line = buffer;
        while (*line == ' ' || *line == '\t') line++;
        size_t length = strlen(line);
        while (length && strchr(" \t\r\n", line[length - 1])) line[--length] = '\0';
        const char *reason = NULL;
        aof_file f = {0};
        char **words = NULL;
        int count = length ? config_split_line(line, &words) : -1;
        if (count < 0) reason = "Invalid AOF manifest file format";
        else reason = parse_words(words, count, &f);
        if (count >= 0) config_free_words(words, count);
        if (!reason && (reason = add_file(m, f)) == NULL) continue;
        zmalloc_free(f.name);
        *error = manifest_error(path, line_number, line, reason);
        return -1;
    }
    if (ferror(in)) {
        *error = manifest_error(path, 0, NULL, "Read AOF manifest failed");
        return -1;
    }
    if (line_number == 0) {
        *error = manifest_error(path, 0, NULL, "Found an empty AOF manifest");
        return -1;
    }
    return 0;
}

static void manifest_name(char *buffer, size_t size, bool temp) {
    snprintf(buffer, size, "%s%s.manifest", temp ? "temp-" : "", aof.filename);
}

int aof_manifest_load(char **error) {
    aof_manifest_clear(&aof.manifest);
    char name[512], path[4096];
    manifest_name(name, sizeof(name), false);
    aof_path(path, sizeof(path), name);
    FILE *in = fopen(path, "r");
    if (!in) {
        if (errno == ENOENT || errno == ENOTDIR) return 0;
        strbuf text = STRBUF_INIT;
        strbuf_printf(&text, "Fatal error: can't open the AOF manifest file %s for reading: %s", path, strerror(errno));
        *error = strbuf_detach(&text, NULL);
        return -1;
    }
    aof_manifest parsed = {0};
    int result = parse_manifest(in, path, &parsed, error);
    fclose(in);
    if (result != 0) {
        aof_manifest_clear(&parsed);
        return -1;
    }
    aof.manifest = parsed;
    return 0;
}

int aof_manifest_persist(void) {
    strbuf text = STRBUF_INIT;
    const aof_manifest *m = &aof.manifest;
    if (m->base) format_line(&text, m->base);
    for (int i = 0; i < m->history_count; i++) format_line(&text, &m->history[i]);
    for (int i = 0; i < m->incr_count; i++) format_line(&text, &m->incrs[i]);
    char temp_name[512], name[512], temp[4096], path[4096];
    manifest_name(temp_name, sizeof(temp_name), true);
    manifest_name(name, sizeof(name), false);
    aof_path(temp, sizeof(temp), temp_name);
    aof_path(path, sizeof(path), name);
    int result = -1;
    int fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        log_message(LOG_WARNING, "Can't open the AOF manifest file %s: %s", temp_name, strerror(errno));
    } else {
        ssize_t written = write(fd, text.data ? text.data : "", text.length);
        if (written != (ssize_t)text.length)
            log_message(LOG_WARNING, "Error trying to write the temporary AOF manifest file %s: %s", temp_name,
                        written < 0 ? strerror(errno) : "short write");
        else if (fdatasync(fd) != 0)
            log_message(LOG_WARNING, "Fail to fsync the temp AOF file %s: %s.", temp_name, strerror(errno));
        else if (rename(temp, path) != 0)
            log_message(LOG_WARNING, "Error trying to rename the temporary AOF manifest file %s into %s: %s",
                        temp_name, name, strerror(errno));
        else
            result = 0;
        close(fd);
        if (result != 0) unlink(temp);
    }
    if (result == 0) persist_fsync_directory(aof.dirname);
    strbuf_free(&text);
    return result;
}

void aof_manifest_delete_history(void) {
    aof_manifest *m = &aof.manifest;
    if (m->history_count == 0 || aof.disable_auto_gc) return;
    char path[4096];
    for (int i = 0; i < m->history_count; i++) {
        log_message(LOG_NOTICE, "Removing the history file %s in the background", m->history[i].name);
        aof_unlink_async(aof_path(path, sizeof(path), m->history[i].name));
        file_free(&m->history[i]);
    }
    m->history_count = 0;
    aof_manifest_persist();
}
