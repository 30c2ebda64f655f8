/* acl_file: where users come from at start-up, and ACL LOAD / ACL SAVE.
 *
 * Users are declared either by `user <name> <rules...>` lines of the
 * configuration file or by an `aclfile` holding the same lines, never both
 * (Redis refuses that setup, and so does zkv).  The `default` user always
 * exists: it starts as `on nopass ~* &* +@all` and takes requirepass as its
 * password; a `user default` line resets it first (as Redis does, so it
 * shows sanitize-payload), an ACL file line builds it from nothing.
 *
 * Loading builds a complete new user set before touching the current one:
 * a file with any bad line, duplicate user or unbalanced quote is refused
 * with every problem listed (file:line), and the users in force stay.
 * Saving writes ACL LIST's lines to a temporary file and renames it over
 * the old one, so a crash never leaves half a file.
 */
#include "acl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_table.h"
#include "server.h"
#include "zmalloc.h"

char *acl_file_path;

/* `user` lines of the configuration, as words, until start-up consumes them. */
typedef struct pending_line {
    char **words;
    int count;
} pending_line;

static pending_line *pending;
static int pending_count;

int acl_config_user_line(char **words, int count, const char **error) {
    if (count < 1) {
        *error = "Bad directive or wrong number of arguments";
        return -1;
    }
    pending = zmalloc_realloc(pending, (size_t)(pending_count + 1) * sizeof(pending_line));
    pending_line *line = &pending[pending_count++];
    line->words = zmalloc_alloc((size_t)count * sizeof(char *));
    for (int i = 0; i < count; i++) line->words[i] = zmalloc_strdup(words[i]);
    line->count = count;
    return 0;
}

void acl_file_free(void) {
    for (int i = 0; i < pending_count; i++) config_free_words(pending[i].words, pending[i].count);
    zmalloc_free(pending);
    pending = NULL;
    pending_count = 0;
}

/* A user set under construction. */
typedef struct user_set {
    acl_user **users;
    size_t count;
} user_set;

static acl_user *set_find(const user_set *set, const char *name, size_t length) {
    for (size_t i = 0; i < set->count; i++)
        if (set->users[i]->name_length == length && !memcmp(set->users[i]->name, name, length)) return set->users[i];
    return NULL;
}

static void set_add(user_set *set, acl_user *user) {
    set->users = zmalloc_realloc(set->users, (set->count + 1) * sizeof(acl_user *));
    set->users[set->count++] = user;
}

static void set_free(user_set *set) {
    for (size_t i = 0; i < set->count; i++) acl_user_free(set->users[i]);
    zmalloc_free(set->users);
    set->users = NULL;
    set->count = 0;
}

static int order_by_name(const void *left, const void *right) {
    const acl_user *a = *(acl_user *const *)left, *b = *(acl_user *const *)right;
    size_t shorter = a->name_length < b->name_length ? a->name_length : b->name_length;
    int order = memcmp(a->name, b->name, shorter);
    return order ? order : (a->name_length > b->name_length) - (a->name_length < b->name_length);
}

/* Hands the set to the registry, sorted as it keeps users. */
static void install(user_set *set) {
    qsort(set->users, set->count, sizeof(acl_user *), order_by_name);
    acl_replace_users(set->users, set->count);
    set->users = NULL;
    set->count = 0;
}

static int apply_words(acl_user *user, int count, char *const *words, const char **reason, int *failed) {
    size_t *lengths = zmalloc_alloc((size_t)(count ? count : 1) * sizeof(size_t));
    for (int i = 0; i < count; i++) lengths[i] = strlen(words[i]);
    int result = acl_user_apply_rules(user, count, (const char *const *)words, lengths, reason, failed);
    zmalloc_free(lengths);
    return result;
}

/* default as Redis creates it, with requirepass as its password. */
static acl_user *new_default_user(void) {
    acl_user *user = acl_user_create("default", 7);
    static const char *const rules[] = {"+@all", "~*", "&*", "on", "nopass"};
    static const size_t lengths[] = {5, 2, 2, 2, 6};
    const char *reason;
    int failed;
    acl_user_apply_rules(user, 5, rules, lengths, &reason, &failed);
    if (server.config.require_pass) {
        const char *reset[] = {"resetpass", NULL};
        size_t reset_lengths[] = {9, 0};
        strbuf password = STRBUF_INIT;
        strbuf_append_char(&password, '>');
        strbuf_append(&password, server.config.require_pass, server.config.require_pass_length);
        reset[1] = password.data;
        reset_lengths[1] = password.length;
        acl_user_apply_rules(user, 2, reset, reset_lengths, &reason, &failed);
        strbuf_free(&password);
    }
    return user;
}

/* A line naming an existing user (default) describes it from scratch. */
static void reset_user(acl_user *user) {
    char *reset[] = {"reset"};
    const char *reason;
    int failed;
    apply_words(user, 1, reset, &reason, &failed);
}

/* Merges "(…" selector words and applies a line's rules to a user; 0, or
 * -1 with the problem appended to `errors`. */
static int apply_line(acl_user *user, int count, char **words, const char *where, strbuf *errors) {
    size_t *lengths = zmalloc_alloc((size_t)(count ? count : 1) * sizeof(size_t));
    for (int i = 0; i < count; i++) lengths[i] = strlen(words[i]);
    char **merged;
    size_t *merged_lengths;
    int unmatched;
    int total = acl_rules_merge(count, (const char *const *)words, lengths, &merged, &merged_lengths, &unmatched);
    zmalloc_free(lengths);
    if (total < 0) {
        strbuf_printf(errors, "%s: Unmatched parenthesis in selector definition.", where);
        return -1;
    }
    const char *reason;
    int failed;
    int result = apply_words(user, total, merged, &reason, &failed);
    if (result != 0) strbuf_printf(errors, "%s: Error in applying operation '%s': %s. ", where, merged[failed], reason);
    acl_rules_free(merged, merged_lengths, total);
    return result;
}

/* Reads the ACL file into a complete user set; 0, or -1 with the problems in `errors`. */
static int read_file(user_set *set, strbuf *errors) {
    FILE *file = fopen(acl_file_path, "r");
    if (!file) {
        strbuf_printf(errors, "Error loading ACLs, opening file '%s': %s", acl_file_path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t capacity = 0;
    int line_number = 0;
    size_t before = errors->length;
    while (getline(&line, &capacity, file) >= 0) {
        line_number++;
        char **words;
        int count = config_split_line(line, &words);
        strbuf where = STRBUF_INIT;
        strbuf_printf(&where, "%s:%d", acl_file_path, line_number);
        if (count < 0) {
            strbuf_printf(errors, "%s: unbalanced quotes in acl line. ", where.data);
        } else if (count > 0) {
            if (strcmp(words[0], "user") != 0 || count < 2) {
                strbuf_printf(errors, "%s should start with user keyword followed by the username. ", where.data);
            } else if (!acl_valid_user_name(words[1], strlen(words[1]))) {
                strbuf_printf(errors, "'%s': username '%s' contains invalid characters. ", where.data, words[1]);
            } else {
                size_t length = strlen(words[1]);
                acl_user *user = set_find(set, words[1], length);
                if (user) {
                    strbuf_printf(errors, "WARNING: Duplicate user '%s' found on line %d. ", words[1], line_number);
                } else {
                    /* Every user of the file, default too, starts empty (no reset flags). */
                    user = acl_user_create(words[1], length);
                    set_add(set, user);
                    apply_line(user, count - 2, words + 2, where.data, errors);
                }
            }
            config_free_words(words, count);
        } else {
            config_free_words(words, count);
        }
        strbuf_free(&where);
    }
    free(line); /* getline's buffer comes from the C library */
    fclose(file);
    if (!set_find(set, "default", 7)) set_add(set, new_default_user());
    if (errors->length == before) return 0;
    strbuf_append_cstring(errors, "WARNING: ACL errors detected, no change to the previously active ACL rules was "
                                  "performed");
    return -1;
}

int acl_file_load(char **error) {
    user_set set = {0};
    strbuf errors = STRBUF_INIT;
    if (read_file(&set, &errors) != 0) {
        set_free(&set);
        *error = strbuf_detach(&errors, NULL);
        return -1;
    }
    strbuf_free(&errors);
    install(&set);
    return 0;
}

/* The `user` lines of the configuration file. */
static int load_config_lines(user_set *set, char **error) {
    strbuf errors = STRBUF_INIT;
    int default_seen = 0;
    for (int i = 0; i < pending_count; i++) {
        pending_line *line = &pending[i];
        const char *name = line->words[0];
        if (!acl_valid_user_name(name, strlen(name))) {
            strbuf_printf(&errors, "Error in user declaration '%s': Usernames can't contain spaces or null characters",
                          name);
            break;
        }
        int is_default = !strcmp(name, "default");
        acl_user *user = set_find(set, name, strlen(name));
        if (is_default ? default_seen : user != NULL) {
            strbuf_append_cstring(&errors, "Duplicate user found. A user can only be defined once in config files");
            break;
        }
        if (is_default) {
            default_seen = 1;
            reset_user(user);
        } else {
            user = acl_user_create(name, strlen(name));
            set_add(set, user);
        }
        size_t before = errors.length;
        char **merged;
        size_t *merged_lengths;
        int unmatched;
        size_t *lengths = zmalloc_alloc((size_t)line->count * sizeof(size_t));
        for (int j = 0; j < line->count; j++) lengths[j] = strlen(line->words[j]);
        int total = acl_rules_merge(line->count - 1, (const char *const *)line->words + 1, lengths + 1, &merged,
                                    &merged_lengths, &unmatched);
        zmalloc_free(lengths);
        if (total < 0) {
            strbuf_printf(&errors, "Error in user declaration '%s': Unmatched parenthesis in acl selector starting "
                                   "at '%s'.", name, line->words[1 + unmatched]);
        } else {
            const char *reason;
            int failed;
            if (apply_words(user, total, merged, &reason, &failed) != 0)
                strbuf_printf(&errors, "Error in user declaration '%s': Error in ACL SETUSER modifier '%s': %s", name,
                              merged[failed], reason);
            acl_rules_free(merged, merged_lengths, total);
        }
        if (errors.length != before) break;
    }
    if (!errors.length) {
        strbuf_free(&errors);
        return 0;
    }
    *error = strbuf_detach(&errors, NULL);
    return -1;
}

int acl_file_startup(char **error) {
    user_set set = {0};
    set_add(&set, new_default_user());
    if (acl_file_path && pending_count) {
        set_free(&set);
        *error = zmalloc_strdup("Configuring Redis with users defined in redis.conf and at the same setting an ACL "
                                "file path is invalid. This setup is very likely to lead to configuration errors and "
                                "security holes, please define either an ACL file or declare users directly in your "
                                "redis.conf, but not both.");
        return -1;
    }
    if (load_config_lines(&set, error) != 0) {
        set_free(&set);
        return -1;
    }
    install(&set);
    if (acl_file_path && acl_file_load(error) != 0) return -1;
    return 0;
}

int acl_file_save(char **error) {
    strbuf text = STRBUF_INIT;
    size_t count;
    acl_user *const *users = acl_users(&count);
    for (size_t i = 0; i < count; i++) {
        acl_user_describe(users[i], &text);
        strbuf_append_char(&text, '\n');
    }
    strbuf temporary = STRBUF_INIT;
    strbuf_printf(&temporary, "%s.tmp-%d", acl_file_path, (int)getpid());
    int result = -1;
    FILE *file = fopen(temporary.data, "w");
    strbuf message = STRBUF_INIT;
    if (!file) {
        strbuf_printf(&message, "Opening temp ACL file for ACL SAVE: %s", strerror(errno));
    } else {
        int written = text.length == 0 || fwrite(text.data, text.length, 1, file) == 1;
        written = fflush(file) == 0 && fsync(fileno(file)) == 0 && written;
        fclose(file);
        if (!written) strbuf_printf(&message, "Writing ACL file for ACL SAVE: %s", strerror(errno));
        else if (rename(temporary.data, acl_file_path) != 0)
            strbuf_printf(&message, "Renaming ACL file for ACL SAVE: %s", strerror(errno));
        else result = 0;
        if (result != 0) unlink(temporary.data);
    }
    strbuf_free(&temporary);
    strbuf_free(&text);
    if (result == 0) strbuf_free(&message);
    else *error = strbuf_detach(&message, NULL);
    return result;
}
