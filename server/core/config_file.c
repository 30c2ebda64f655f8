/* config_file: reading redis.conf-style files and the command line, and
 * CONFIG REWRITE.
 *
 * A line is split into words the way redis.conf is read: blanks separate
 * words, "double quotes" understand \n \r \t \b \a \\ \" and \xHH escapes,
 * 'single quotes' only \'.  A directive is its first word; the remaining
 * words form the value (joined with spaces for parameters that take several
 * words, such as bind).  `include` reads another file in place.
 *
 * The command line (`--name value ...`) is turned into the same directives
 * and applied after the file, so it overrides it.  Any error stops start-up
 * with a message naming the file and line.
 *
 * CONFIG REWRITE keeps the file's comments, unknown lines and order: each
 * known directive is replaced in place by the current value (later
 * duplicates are dropped) and parameters that differ from their default but
 * are absent are appended.  The new text is written to a temporary file that
 * is renamed over the old one, so a crash never leaves a half file.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "config_table.h"
#include "strbuf.h"
#include "zmalloc.h"

#define CONFIG_MAX_INCLUDE_DEPTH 16

/* ---- Splitting a line into words ---- */

static int hex_value(char character) {
    if (character >= '0' && character <= '9') return character - '0';
    if (character >= 'a' && character <= 'f') return character - 'a' + 10;
    if (character >= 'A' && character <= 'F') return character - 'A' + 10;
    return -1;
}

static char escape_value(char character) {
    switch (character) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return character;
    }
}

/* Reads one double-quoted word starting after the quote; returns the position
 * after the closing quote or NULL if unbalanced. */
static const char *read_double_quoted(const char *p, strbuf *word) {
    while (*p) {
        if (p[0] == '\\' && p[1] == 'x' && hex_value(p[2]) >= 0 && hex_value(p[3]) >= 0) {
            strbuf_append_char(word, (char)(hex_value(p[2]) * 16 + hex_value(p[3])));
            p += 4;
        } else if (p[0] == '\\' && p[1]) {
            strbuf_append_char(word, escape_value(p[1]));
            p += 2;
        } else if (*p == '"') {
            return (p[1] && !isspace((unsigned char)p[1])) ? NULL : p + 1;
        } else {
            strbuf_append_char(word, *p++);
        }
    }
    return NULL;
}

static const char *read_single_quoted(const char *p, strbuf *word) {
    while (*p) {
        if (p[0] == '\\' && p[1] == '\'') {
            strbuf_append_char(word, '\'');
            p += 2;
        } else if (*p == '\'') {
            return (p[1] && !isspace((unsigned char)p[1])) ? NULL : p + 1;
        } else {
            strbuf_append_char(word, *p++);
        }
    }
    return NULL;
}

void config_free_words(char **words, int count) {
    for (int i = 0; i < count; i++) zmalloc_free(words[i]);
    zmalloc_free(words);
}

int config_split_line(const char *line, char ***words) {
    int count = 0, capacity = 4;
    char **list = zmalloc_alloc((size_t)capacity * sizeof(char *));
    const char *p = line;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        strbuf word = STRBUF_INIT;
        if (*p == '"') p = read_double_quoted(p + 1, &word);
        else if (*p == '\'') p = read_single_quoted(p + 1, &word);
        else
            while (*p && !isspace((unsigned char)*p)) strbuf_append_char(&word, *p++);
        if (!p) {
            strbuf_free(&word);
            config_free_words(list, count);
            return -1;
        }
        if (count == capacity) list = zmalloc_realloc(list, (size_t)(capacity *= 2) * sizeof(char *));
        list[count++] = strbuf_detach(&word, NULL);
    }
    *words = list;
    return count;
}

/* ---- Applying directives ---- */

/* Joins words[first..] with single spaces. */
static char *join_words(char **words, int first, int count) {
    strbuf value = STRBUF_INIT;
    for (int i = first; i < count; i++) {
        if (i > first) strbuf_append_char(&value, ' ');
        strbuf_append_cstring(&value, words[i]);
    }
    return strbuf_detach(&value, NULL);
}

/* Applies one directive; on failure returns a static reason. */
static const char *apply_directive(char **words, int count) {
    const config_parameter *parameter = config_find(words[0]);
    if (!parameter) return "Bad directive or wrong number of arguments";
    if (count != 2 && !(parameter->flags & CONFIG_MULTI_ARGUMENT))
        return "Bad directive or wrong number of arguments";
    char *value = join_words(words, 1, count);
    const char *error = NULL;
    int result = config_parameter_set(parameter, value, &error);
    zmalloc_free(value);
    return result == 0 ? NULL : error;
}

static char *located_error(const char *source, int line_number, const char *line, const char *reason) {
    strbuf message = STRBUF_INIT;
    if (line_number > 0)
        strbuf_printf(&message, "Reading the configuration file %s, at line %d\n>>> '%s'\n%s", source,
                      line_number, line, reason);
    else
        strbuf_printf(&message, "Reading the configuration from the command line\n>>> '%s'\n%s", line, reason);
    return strbuf_detach(&message, NULL);
}

static int load_file(const char *path, int depth, char **error);

/* One line of a file (or one command-line option). */
static int load_line(const char *line, const char *source, int line_number, int depth, char **error) {
    char **words;
    int count = config_split_line(line, &words);
    if (count < 0) {
        *error = located_error(source, line_number, line, "Unbalanced quotes in configuration line");
        return -1;
    }
    int result = 0;
    if (count > 0 && words[0][0] != '#') {
        if (!strcasecmp(words[0], "include") && count == 2) {
            result = depth >= CONFIG_MAX_INCLUDE_DEPTH ? -1 : load_file(words[1], depth + 1, error);
            if (result != 0 && !*error) *error = located_error(source, line_number, line, "Too many nested includes");
        } else {
            const char *reason = apply_directive(words, count);
            if (reason) {
                *error = located_error(source, line_number, line, reason);
                result = -1;
            }
        }
    }
    config_free_words(words, count);
    return result;
}

static int load_file(const char *path, int depth, char **error) {
    FILE *file = fopen(path, "r");
    if (!file) {
        strbuf message = STRBUF_INIT;
        strbuf_printf(&message, "Fatal error, can't open config file '%s': %s", path, strerror(errno));
        *error = strbuf_detach(&message, NULL);
        return -1;
    }
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length;
    int line_number = 0, result = 0;
    while (result == 0 && (length = getline(&line, &capacity, file)) >= 0) {
        line_number++;
        while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) line[--length] = '\0';
        result = load_line(line, path, line_number, depth, error);
    }
    free(line); /* getline's buffer comes from the C library */
    fclose(file);
    return result;
}

/* Quotes a word for a config line when it needs it. */
static void append_quoted(strbuf *out, const char *word) {
    int plain = word[0] != '\0';
    for (const char *p = word; *p; p++) {
        if (isspace((unsigned char)*p) || *p == '"' || *p == '\'' || *p == '\\' || !isprint((unsigned char)*p))
            plain = 0;
    }
    if (plain) {
        strbuf_append_cstring(out, word);
        return;
    }
    strbuf_append_char(out, '"');
    for (const char *p = word; *p; p++) {
        if (*p == '"' || *p == '\\') strbuf_printf(out, "\\%c", *p);
        else if (isprint((unsigned char)*p)) strbuf_append_char(out, *p);
        else strbuf_printf(out, "\\x%02x", (unsigned char)*p);
    }
    strbuf_append_char(out, '"');
}

/* Appends a command-line value, always double-quoted like Redis shows it
 * back in errors ('port "6379" "6380"'). */
static void append_value(strbuf *line, const char *word) {
    strbuf_append_char(line, '"');
    for (const char *p = word; *p; p++) {
        if (*p == '"' || *p == '\\') strbuf_printf(line, "\\%c", *p);
        else if (isprint((unsigned char)*p)) strbuf_append_char(line, *p);
        else strbuf_printf(line, "\\x%02x", (unsigned char)*p);
    }
    strbuf_append_char(line, '"');
}

static int is_option(const char *argument) { return argument[0] == '-' && argument[1] == '-' && argument[2]; }

/* Applies one assembled command-line directive and starts the next. */
static int flush_option(strbuf *line, char **error) {
    int result = line->length ? load_line(line->data, "", 0, 0, error) : 0;
    strbuf_clear(line);
    return result;
}

/* The command line, as Redis reads it: "--name" starts a directive and the
 * following words are its values.  A word starting with "--" is still taken
 * as a value when the directive has none yet ("--port --bla"), except after
 * "--save", which then means save "".  "--name value" in one word is the
 * name and its value already; bare words before any option start a line. */
static int load_arguments(int argc, char **argv, int first, char **error) {
    strbuf line = STRBUF_INIT;
    int values = 1, saving = 0, result = 0;
    for (int i = first; i < argc && result == 0; i++) {
        int starts_option = is_option(argv[i]) && (values > 0 || saving);
        if (!starts_option) {
            if (line.length) strbuf_append_char(&line, ' ');
            append_value(&line, argv[i]);
            values++;
            continue;
        }
        if (saving && values == 0) strbuf_append_cstring(&line, " \"\"");
        result = flush_option(&line, error);
        strbuf_append_cstring(&line, argv[i] + 2);
        values = strchr(argv[i], ' ') ? 1 : 0;
        saving = !strcasecmp(argv[i], "--save");
    }
    if (result == 0 && saving && values == 0) strbuf_append_cstring(&line, " \"\"");
    if (result == 0) result = flush_option(&line, error);
    strbuf_free(&line);
    return result;
}

int config_load(int argc, char **argv, char **error) {
    *error = NULL;
    int first_option = 1;
    if (argc > 1 && strncmp(argv[1], "--", 2) != 0) {
        char resolved[PATH_MAX];
        server.config_file = zmalloc_strdup(realpath(argv[1], resolved) ? resolved : argv[1]);
        if (load_file(server.config_file, 0, error) != 0) return -1;
        first_option = 2;
    }
    return load_arguments(argc, argv, first_option, error);
}

/* ---- CONFIG REWRITE ---- */

/* The directive line for a parameter's current value. */
static void append_directive(strbuf *out, const config_parameter *parameter) {
    strbuf value = STRBUF_INIT;
    config_parameter_get(parameter, &value);
    if ((parameter->flags & CONFIG_REWRITE_ALWAYS) && value.length == 0) {
        strbuf_free(&value);
        return;
    }
    strbuf_append_cstring(out, parameter->name);
    strbuf_append_char(out, ' ');
    if (parameter->flags & CONFIG_MULTI_ARGUMENT && value.length) strbuf_append(out, value.data, value.length);
    else append_quoted(out, strbuf_cstring(&value));
    strbuf_append_char(out, '\n');
    strbuf_free(&value);
}

/* Compares formatted values, so "256mb" and "268435456" are the same.  The
 * default is formatted by setting it briefly and putting the current text
 * back, which the parsers guarantee to accept since they produced it. */
static int differs_from_default(const config_parameter *parameter) {
    strbuf current = STRBUF_INIT, standard = STRBUF_INIT;
    config_parameter_get(parameter, &current);
    const char *ignored = NULL;
    config_parameter_set(parameter, parameter->default_text, &ignored);
    config_parameter_get(parameter, &standard);
    config_parameter_set(parameter, strbuf_cstring(&current), &ignored);
    int differs = strcmp(strbuf_cstring(&current), strbuf_cstring(&standard)) != 0;
    strbuf_free(&current);
    strbuf_free(&standard);
    return differs;
}

/* Copies the file line by line, replacing known directives. */
static void rewrite_lines(FILE *file, strbuf *out, unsigned char *written) {
    char *line = NULL;
    size_t capacity = 0;
    while (getline(&line, &capacity, file) >= 0) {
        char **words;
        int count = config_split_line(line, &words);
        const config_parameter *parameter = count > 0 && words[0][0] != '#' ? config_find(words[0]) : NULL;
        if (count >= 0) config_free_words(words, count);
        if (!parameter) {
            strbuf_append_cstring(out, line);
            if (out->length && out->data[out->length - 1] != '\n') strbuf_append_char(out, '\n');
            continue;
        }
        size_t index = 0;
        while (config_parameter_at(index) != parameter) index++;
        if (!written[index]) append_directive(out, parameter);
        written[index] = 1;
    }
    free(line); /* getline's buffer comes from the C library */
}

static int write_atomically(const char *path, const strbuf *text, char **error) {
    strbuf temporary = STRBUF_INIT;
    strbuf_printf(&temporary, "%s.rewrite.%d", path, (int)getpid());
    FILE *file = fopen(temporary.data, "w");
    int ok = file && fwrite(strbuf_cstring(text), 1, text->length, file) == text->length;
    if (file) {
        if (fflush(file) != 0 || fsync(fileno(file)) != 0) ok = 0;
        fclose(file);
    }
    if (ok) ok = rename(temporary.data, path) == 0;
    if (!ok) {
        strbuf message = STRBUF_INIT;
        strbuf_printf(&message, "Rewriting config file: %s", strerror(errno));
        *error = strbuf_detach(&message, NULL);
        unlink(temporary.data);
    }
    strbuf_free(&temporary);
    return ok ? 0 : -1;
}

int config_rewrite(char **error) {
    size_t parameter_count = config_parameter_count();
    unsigned char *written = zmalloc_calloc(parameter_count);
    strbuf out = STRBUF_INIT;
    FILE *file = fopen(server.config_file, "r");
    if (file) {
        rewrite_lines(file, &out, written);
        fclose(file);
    }
    int header = 0;
    for (size_t i = 0; i < parameter_count; i++) {
        const config_parameter *parameter = config_parameter_at(i);
        if (written[i] || (!(parameter->flags & CONFIG_REWRITE_ALWAYS) && !differs_from_default(parameter))) continue;
        if (parameter->flags & CONFIG_REWRITE_ALWAYS) {
            strbuf value = STRBUF_INIT;
            config_parameter_get(parameter, &value);
            size_t length = value.length;
            strbuf_free(&value);
            if (length == 0) continue;
        }
        if (!header++) strbuf_append_cstring(&out, "# Generated by CONFIG REWRITE\n");
        append_directive(&out, parameter);
    }
    int result = write_atomically(server.config_file, &out, error);
    strbuf_free(&out);
    zmalloc_free(written);
    return result;
}
