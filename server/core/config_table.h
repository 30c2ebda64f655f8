/* config_table: the parameter table shared by config.c (values),
 * config_file.c (loading, rewriting) and config_command.c (CONFIG).
 *
 * A parameter's value is always read and written as text at this level:
 * config_parameter_set parses and validates text into server.config, and
 * config_parameter_get formats the current value the way CONFIG GET prints
 * it.  Rollback in CONFIG SET is therefore "set the old text back".
 */
#ifndef ZKV_CONFIG_TABLE_H
#define ZKV_CONFIG_TABLE_H

#include <limits.h>
#include <stddef.h>

#include "strbuf.h"

enum config_type {
    CONFIG_BOOL,    /* int, "yes"/"no" */
    CONFIG_INTEGER, /* decimal, target given by config_target */
    CONFIG_MEMORY,  /* "100mb", target given by config_target */
    CONFIG_ENUM,    /* int, one of `choices` */
    CONFIG_STRING,  /* char *, zmalloc'd */
    CONFIG_SPECIAL  /* own parse/format functions */
};

enum config_target { TARGET_INT, TARGET_LONG_LONG, TARGET_UNSIGNED_LONG, TARGET_UNSIGNED_LONG_LONG };

#define CONFIG_IMMUTABLE (1u << 0)      /* start-up only: "can't set immutable config" */
#define CONFIG_PROTECTED (1u << 1)      /* never from a client: "can't set protected config" */
#define CONFIG_MULTI_ARGUMENT (1u << 2) /* file/command line: several words make the value */
#define CONFIG_EMPTY_IS_NULL (1u << 3)  /* string: "" stores NULL (requirepass) */
#define CONFIG_HIDDEN (1u << 4)         /* CONFIG GET shows it only when asked by exact name */
#define CONFIG_REWRITE_ALWAYS (1u << 5) /* CONFIG REWRITE writes it even at its default, and drops
                                           its lines when it formats empty (`user`, as Redis) */

typedef struct config_choice {
    const char *name;
    int value;
} config_choice;

typedef struct config_parameter config_parameter;
/* Parses text into the value; 0, or -1 with a static reason in *error.
 * Parsing must only store the value (effects belong in the apply callback):
 * CONFIG REWRITE briefly sets the default to compare with it. */
typedef int config_parse_function(const config_parameter *parameter, const char *text, const char **error);
typedef void config_format_function(const config_parameter *parameter, strbuf *out);
/* Runs after a CONFIG SET changed the value; 0, or -1 with *error. */
typedef int config_apply_function(const char **error);

struct config_parameter {
    const char *name;
    const char *alias;
    enum config_type type;
    unsigned flags;
    void *value;              /* into server.config */
    size_t *length_value;     /* CONFIG_STRING: also keep the length (binary-safe values) */
    enum config_target target;
    long long minimum, maximum;
    const char *default_text;
    const config_choice *choices; /* NULL-name terminated */
    config_parse_function *parse;   /* CONFIG_SPECIAL */
    config_format_function *format; /* CONFIG_SPECIAL */
    config_apply_function *apply;
};

/* "no", "yes", "local" (enum protected_action): the choices of the
 * enable-*-command / enable-protected-configs parameters. */
extern const config_choice protected_action_choices[];

/* Shorthands for the common entries; `value` points at the storage. */
#define CONFIG_ENTRY_BOOL(n, val, def, fl) \
    {.name = n, .type = CONFIG_BOOL, .flags = fl, .value = val, .default_text = def}
#define CONFIG_ENTRY_INTEGER(n, val, tgt, lo, hi, def, fl, ap)                                             \
    {.name = n, .type = CONFIG_INTEGER, .flags = fl, .value = val, .target = tgt, .minimum = lo,          \
     .maximum = hi, .default_text = def, .apply = ap}
#define CONFIG_ENTRY_MEMORY(n, val, tgt, lo, def, ap)                                                     \
    {.name = n, .type = CONFIG_MEMORY, .value = val, .target = tgt, .minimum = lo, .maximum = LLONG_MAX,  \
     .default_text = def, .apply = ap}
#define CONFIG_ENTRY_STRING(n, val, def, fl) \
    {.name = n, .type = CONFIG_STRING, .flags = fl, .value = val, .default_text = def}
#define CONFIG_ENTRY_SPECIAL(n, def, fl, p, f, ap) \
    {.name = n, .type = CONFIG_SPECIAL, .flags = fl, .default_text = def, .parse = p, .format = f, .apply = ap}

/* Each module declares its parameters in a NULL-name terminated array and
 * registers it (module.c does, from the module descriptors) before the
 * configuration is loaded.  Names must be unique across modules. */
void config_register_parameters(const config_parameter *parameters);
/* Every registered parameter by position, 0 .. count-1, in registration
 * order (stable for the life of the process); NULL past the end. */
size_t config_parameter_count(void);
const config_parameter *config_parameter_at(size_t index);

const config_parameter *config_find(const char *name);
int config_parameter_set(const config_parameter *parameter, const char *text, const char **error);
/* The same for a value that may contain NUL bytes (CONFIG SET). */
int config_parameter_set_bytes(const config_parameter *parameter, const char *data, size_t length,
                               const char **error);
void config_parameter_get(const config_parameter *parameter, strbuf *out);

/* config_file.c: splits one line the way redis.conf is read (quotes,
 * escapes).  Returns the word count or -1 on unbalanced quotes; the words
 * are zmalloc'd and released with config_free_words. */
int config_split_line(const char *line, char ***words);
void config_free_words(char **words, int count);

/* Rewrites server.config_file; 0, or -1 with a zmalloc'd message. */
int config_rewrite(char **error);

#endif
