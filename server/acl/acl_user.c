/* acl_user: users, selectors and the ACL SETUSER rule language (see acl_user.h).
 *
 * Rules are parsed straight into the structures: there is no intermediate
 * rule list.  The all-or-nothing guarantee comes from working on a copy of
 * the user (a few hundred bytes) and swapping it in at the end.
 *
 * SHA-256 comes from OpenSSL's libcrypto.  The low-level SHA256_* calls are
 * used on a stack context because they allocate nothing (EVP would use
 * OpenSSL's own allocator, invisible to used_memory); OpenSSL 3 marks them
 * deprecated, hence the define below.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "acl_user.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include "command.h"
#include "strbuf.h"
#include "zkv_assert.h"
#include "zmalloc.h"

int acl_pubsub_default_all;

static size_t command_bits; /* ids plus the future-commands bit */
static size_t command_words;

void acl_commands_init(void) {
    command_bits = command_id_count() + 1;
    command_words = (command_bits + 63) / 64;
}

size_t acl_command_bits(void) { return command_bits; }

static unsigned future_bit(void) { return (unsigned)(command_bits - 1); }

static void set_bit(acl_selector *selector, unsigned id, int value) {
    if (value) selector->commands[id >> 6] |= (uint64_t)1 << (id & 63);
    else selector->commands[id >> 6] &= ~((uint64_t)1 << (id & 63));
}

void acl_sha256(const void *data, size_t length, unsigned char digest[ACL_SHA256_LENGTH]) {
    SHA256_CTX context;
    SHA256_Init(&context);
    SHA256_Update(&context, data, length);
    SHA256_Final(digest, &context);
}

/* ---- Selectors ---- */

static void selector_init(acl_selector *selector, unsigned flags) {
    memset(selector, 0, sizeof(*selector));
    selector->flags = flags;
    selector->commands = zmalloc_calloc(command_words * sizeof(uint64_t));
}

static void patterns_free(acl_pattern *patterns, int count) {
    for (int i = 0; i < count; i++) zmalloc_free(patterns[i].text);
    zmalloc_free(patterns);
}

static void first_args_clear(acl_first_args *entry) {
    for (int i = 0; i < entry->count; i++) zmalloc_free(entry->arguments[i]);
    zmalloc_free(entry->arguments);
}

static void selector_reset_first_args(acl_selector *selector) {
    for (int i = 0; i < selector->first_args_count; i++) first_args_clear(&selector->first_args[i]);
    zmalloc_free(selector->first_args);
    selector->first_args = NULL;
    selector->first_args_count = 0;
}

static void selector_clear(acl_selector *selector) {
    zmalloc_free(selector->commands);
    patterns_free(selector->keys, selector->key_count);
    patterns_free(selector->channels, selector->channel_count);
    selector_reset_first_args(selector);
    memset(selector, 0, sizeof(*selector));
}

static acl_pattern *patterns_copy(const acl_pattern *patterns, int count) {
    if (!count) return NULL;
    acl_pattern *copy = zmalloc_alloc((size_t)count * sizeof(acl_pattern));
    for (int i = 0; i < count; i++) {
        copy[i] = patterns[i];
        copy[i].text = zmalloc_strdup(patterns[i].text);
    }
    return copy;
}

static void selector_copy(acl_selector *to, const acl_selector *from) {
    *to = *from;
    to->commands = zmalloc_alloc(command_words * sizeof(uint64_t));
    memcpy(to->commands, from->commands, command_words * sizeof(uint64_t));
    to->keys = patterns_copy(from->keys, from->key_count);
    to->channels = patterns_copy(from->channels, from->channel_count);
    to->first_args = NULL;
    if (from->first_args_count) {
        to->first_args = zmalloc_alloc((size_t)from->first_args_count * sizeof(acl_first_args));
        for (int i = 0; i < from->first_args_count; i++) {
            const acl_first_args *source = &from->first_args[i];
            acl_first_args *target = &to->first_args[i];
            *target = *source;
            target->arguments = zmalloc_alloc((size_t)source->count * sizeof(char *));
            for (int j = 0; j < source->count; j++) target->arguments[j] = zmalloc_strdup(source->arguments[j]);
        }
    }
}

/* Drops the first-arg allowances of one command (a whole-command rule replaces them). */
static void remove_first_args(acl_selector *selector, unsigned id) {
    for (int i = 0; i < selector->first_args_count; i++) {
        if (selector->first_args[i].command_id != id) continue;
        first_args_clear(&selector->first_args[i]);
        selector->first_args[i] = selector->first_args[--selector->first_args_count];
        return;
    }
}

static void add_first_arg(acl_selector *selector, unsigned id, const char *argument) {
    acl_first_args *entry = NULL;
    for (int i = 0; i < selector->first_args_count && !entry; i++)
        if (selector->first_args[i].command_id == id) entry = &selector->first_args[i];
    if (!entry) {
        selector->first_args = zmalloc_realloc(selector->first_args,
                                               (size_t)(selector->first_args_count + 1) * sizeof(acl_first_args));
        entry = &selector->first_args[selector->first_args_count++];
        memset(entry, 0, sizeof(*entry));
        entry->command_id = id;
    }
    for (int i = 0; i < entry->count; i++)
        if (!strcasecmp(entry->arguments[i], argument)) return;
    entry->arguments = zmalloc_realloc(entry->arguments, (size_t)(entry->count + 1) * sizeof(char *));
    char *copy = zmalloc_strdup(argument);
    for (char *p = copy; *p; p++) *p = (char)tolower((unsigned char)*p);
    entry->arguments[entry->count++] = copy;
}

/* A command and all its subcommands on or off (Redis's unit of change). */
static void change_command(acl_selector *selector, const command *cmd, int allow) {
    set_bit(selector, cmd->id, allow);
    remove_first_args(selector, cmd->id);
    for (int i = 0; i < cmd->subcommand_count; i++) change_command(selector, &cmd->subcommands[i], allow);
}

static void change_category(acl_selector *selector, uint32_t category, int allow) {
    size_t count = command_id_count();
    for (unsigned id = 0; id < count; id++) {
        const command *cmd = command_by_id(id);
        if (cmd->spec->categories & category) change_command(selector, cmd, allow);
    }
}

/* +@all also sets the future-commands bit; either way first-arg allowances go. */
static void change_all(acl_selector *selector, int allow) {
    memset(selector->commands, allow ? 0xff : 0, command_words * sizeof(uint64_t));
    selector_reset_first_args(selector);
}

/* The category bit of a name ("string", without '@'); 0 if unknown. */
static uint32_t category_by_name(const char *name) {
    for (int bit = 0; bit < ACL_CATEGORY_COUNT; bit++) {
        const char *known = acl_category_name(bit);
        if (known && !strcasecmp(known, name)) return 1u << bit;
    }
    return 0;
}

static const command *lookup_name(const char *name, size_t length) {
    const char *bar = memchr(name, '|', length);
    if (!bar) return command_lookup(name, length);
    const command *parent = command_lookup(name, (size_t)(bar - name));
    if (!parent) return NULL;
    const char *sub = bar + 1;
    size_t sub_length = length - (size_t)(sub - name);
    if (memchr(sub, '|', sub_length)) return NULL;
    return command_lookup_subcommand(parent, sub, sub_length);
}

static const char syntax_error[] = "Syntax error";
static const char unknown_name[] = "Unknown command or category name in ACL";

/* "+name", "-name", "+name|sub", "+name|firstarg". */
static const char *apply_command_rule(acl_selector *selector, const char *rule, int allow) {
    const char *name = rule + 1;
    size_t length = strlen(name);
    const char *bar = strrchr(name, '|');
    if (!bar) {
        const command *cmd = command_lookup(name, length);
        if (!cmd) return unknown_name;
        change_command(selector, cmd, allow);
        return NULL;
    }
    const command *base = lookup_name(name, (size_t)(bar - name));
    if (!base) return unknown_name;
    if (base->parent) return allow ? "Allowing first-arg of a subcommand is not supported" : unknown_name;
    if (!bar[1]) return allow ? syntax_error : unknown_name;
    if (base->subcommand_count) {
        const command *sub = lookup_name(name, length);
        if (!sub) return unknown_name;
        change_command(selector, sub, allow);
        return NULL;
    }
    if (!allow) return unknown_name;
    add_first_arg(selector, base->id, bar + 1);
    return NULL;
}

static int find_pattern(const acl_pattern *patterns, int count, const char *text, size_t length) {
    for (int i = 0; i < count; i++)
        if (patterns[i].length == length && !memcmp(patterns[i].text, text, length)) return i;
    return -1;
}

static void add_pattern(acl_pattern **patterns, int *count, const char *text, size_t length, unsigned permissions) {
    int found = find_pattern(*patterns, *count, text, length);
    if (found >= 0) {
        (*patterns)[found].permissions |= permissions;
        return;
    }
    *patterns = zmalloc_realloc(*patterns, (size_t)(*count + 1) * sizeof(acl_pattern));
    acl_pattern *pattern = &(*patterns)[(*count)++];
    pattern->text = zmalloc_alloc(length + 1);
    memcpy(pattern->text, text, length);
    pattern->text[length] = '\0';
    pattern->length = length;
    pattern->permissions = permissions;
    size_t literal = 0;
    while (literal < length && !strchr("*?[\\", text[literal])) literal++;
    pattern->literal_length = literal;
    pattern->prefix_only = literal + 1 == length && text[literal] == '*';
}

static const char keys_after_all[] =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. "
    "Try 'resetkeys' to start with an empty list of patterns";
static const char channels_after_all[] =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any "
    "effect. Try 'resetchannels' to start with an empty list of channels";

/* "~pattern", "%R~pattern", "%W~pattern", "%RW~pattern". */
static const char *apply_key_rule(acl_selector *selector, const char *rule, size_t length) {
    if (selector->flags & ACL_SELECTOR_ALL_KEYS) return keys_after_all;
    unsigned permissions = ACL_KEY_ALL;
    size_t offset = 1;
    if (rule[0] == '%') {
        permissions = 0;
        for (; offset < length; offset++) {
            char flag = (char)toupper((unsigned char)rule[offset]);
            if (flag == 'R' && !(permissions & ACL_KEY_READ)) permissions |= ACL_KEY_READ;
            else if (flag == 'W' && !(permissions & ACL_KEY_WRITE)) permissions |= ACL_KEY_WRITE;
            else if (rule[offset] == '~') {
                offset++;
                break;
            } else return syntax_error;
        }
        if (!permissions) return syntax_error;
    }
    const char *pattern = rule + offset;
    size_t pattern_length = length - offset;
    if (permissions == ACL_KEY_ALL && pattern_length == 1 && pattern[0] == '*') {
        selector->flags |= ACL_SELECTOR_ALL_KEYS;
        patterns_free(selector->keys, selector->key_count);
        selector->keys = NULL;
        selector->key_count = 0;
        return NULL;
    }
    add_pattern(&selector->keys, &selector->key_count, pattern, pattern_length, permissions);
    return NULL;
}

static void reset_channels(acl_selector *selector) {
    selector->flags &= ~ACL_SELECTOR_ALL_CHANNELS;
    patterns_free(selector->channels, selector->channel_count);
    selector->channels = NULL;
    selector->channel_count = 0;
}

static void reset_keys(acl_selector *selector) {
    selector->flags &= ~ACL_SELECTOR_ALL_KEYS;
    patterns_free(selector->keys, selector->key_count);
    selector->keys = NULL;
    selector->key_count = 0;
}

/* One selector rule; NULL or the static reason it was refused. */
static const char *apply_selector_rule(acl_selector *selector, const char *rule, size_t length) {
    if (!strcasecmp(rule, "allkeys") || (length == 2 && !memcmp(rule, "~*", 2))) {
        reset_keys(selector);
        selector->flags |= ACL_SELECTOR_ALL_KEYS;
    } else if (!strcasecmp(rule, "resetkeys")) {
        reset_keys(selector);
    } else if (!strcasecmp(rule, "allchannels") || (length == 2 && !memcmp(rule, "&*", 2))) {
        reset_channels(selector);
        selector->flags |= ACL_SELECTOR_ALL_CHANNELS;
    } else if (!strcasecmp(rule, "resetchannels")) {
        reset_channels(selector);
    } else if (!strcasecmp(rule, "allcommands") || !strcasecmp(rule, "+@all")) {
        change_all(selector, 1);
    } else if (!strcasecmp(rule, "nocommands") || !strcasecmp(rule, "-@all")) {
        change_all(selector, 0);
    } else if (rule[0] == '~' || rule[0] == '%') {
        return apply_key_rule(selector, rule, length);
    } else if (rule[0] == '&') {
        if (selector->flags & ACL_SELECTOR_ALL_CHANNELS) return channels_after_all;
        add_pattern(&selector->channels, &selector->channel_count, rule + 1, length - 1, 0);
    } else if ((rule[0] == '+' || rule[0] == '-') && rule[1] == '@') {
        uint32_t category = category_by_name(rule + 2);
        if (!category) return unknown_name;
        change_category(selector, category, rule[0] == '+');
    } else if (rule[0] == '+' || rule[0] == '-') {
        return apply_command_rule(selector, rule, rule[0] == '+');
    } else {
        return syntax_error;
    }
    return NULL;
}

/* ---- Users ---- */

acl_user *acl_user_create(const char *name, size_t length) {
    zkv_assert(command_words > 0);
    acl_user *user = zmalloc_calloc(sizeof(acl_user));
    user->name = zmalloc_alloc(length + 1);
    memcpy(user->name, name, length);
    user->name[length] = '\0';
    user->name_length = length;
    user->selectors = zmalloc_alloc(sizeof(acl_selector));
    user->selector_count = 1;
    selector_init(&user->selectors[0], ACL_SELECTOR_ROOT | (acl_pubsub_default_all ? ACL_SELECTOR_ALL_CHANNELS : 0));
    return user;
}

acl_user *acl_user_copy(const acl_user *user) {
    acl_user *copy = zmalloc_alloc(sizeof(acl_user));
    *copy = *user;
    copy->name = zmalloc_strdup(user->name);
    copy->passwords = NULL;
    if (user->password_count) {
        copy->passwords = zmalloc_alloc((size_t)user->password_count * ACL_SHA256_LENGTH);
        memcpy(copy->passwords, user->passwords, (size_t)user->password_count * ACL_SHA256_LENGTH);
    }
    copy->selectors = zmalloc_alloc((size_t)user->selector_count * sizeof(acl_selector));
    for (int i = 0; i < user->selector_count; i++) selector_copy(&copy->selectors[i], &user->selectors[i]);
    return copy;
}

void acl_user_free(acl_user *user) {
    if (!user) return;
    for (int i = 0; i < user->selector_count; i++) selector_clear(&user->selectors[i]);
    zmalloc_free(user->selectors);
    zmalloc_free(user->passwords);
    zmalloc_free(user->name);
    zmalloc_free(user);
}

/* The cached "may do anything" flag that lets the check skip all work. */
static void refresh_unrestricted(acl_user *user) {
    const acl_selector *root = &user->selectors[0];
    int all = (root->flags & ACL_SELECTOR_ALL_KEYS) && (root->flags & ACL_SELECTOR_ALL_CHANNELS);
    for (size_t word = 0; all && word < command_words; word++) {
        uint64_t expected = word + 1 < command_words || command_bits % 64 == 0
                                ? ~(uint64_t)0
                                : (((uint64_t)1 << (command_bits % 64)) - 1);
        all = (root->commands[word] & expected) == expected;
    }
    if (all) user->flags |= ACL_USER_UNRESTRICTED;
    else user->flags &= ~ACL_USER_UNRESTRICTED;
}

static int find_password(const acl_user *user, const unsigned char digest[ACL_SHA256_LENGTH]) {
    for (int i = 0; i < user->password_count; i++)
        if (!memcmp(user->passwords[i], digest, ACL_SHA256_LENGTH)) return i;
    return -1;
}

static void add_password(acl_user *user, const unsigned char digest[ACL_SHA256_LENGTH]) {
    user->flags &= ~ACL_USER_NOPASS;
    if (find_password(user, digest) >= 0) return;
    user->passwords = zmalloc_realloc(user->passwords, (size_t)(user->password_count + 1) * ACL_SHA256_LENGTH);
    memcpy(user->passwords[user->password_count++], digest, ACL_SHA256_LENGTH);
}

static int remove_password(acl_user *user, const unsigned char digest[ACL_SHA256_LENGTH]) {
    user->flags &= ~ACL_USER_NOPASS;
    int index = find_password(user, digest);
    if (index < 0) return -1;
    memmove(user->passwords[index], user->passwords[index + 1],
            (size_t)(user->password_count - index - 1) * ACL_SHA256_LENGTH);
    user->password_count--;
    return 0;
}

static void clear_passwords(acl_user *user) {
    zmalloc_free(user->passwords);
    user->passwords = NULL;
    user->password_count = 0;
}

/* 64 lowercase hex characters into a digest; -1 if malformed. */
static int parse_digest(const char *text, size_t length, unsigned char digest[ACL_SHA256_LENGTH]) {
    if (length != ACL_SHA256_LENGTH * 2) return -1;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        int value = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (value < 0) return -1;
        if (i % 2 == 0) digest[i / 2] = (unsigned char)(value << 4);
        else digest[i / 2] |= (unsigned char)value;
    }
    return 0;
}

static void clear_selectors(acl_user *user) {
    for (int i = 1; i < user->selector_count; i++) selector_clear(&user->selectors[i]);
    user->selector_count = 1;
}

static const char bad_hash[] =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
static const char no_such_password[] = "The password you are trying to remove from the user does not exist";

static const char *apply_user_rule(acl_user *user, const char *rule, size_t length);

/* "(rule rule ...)": a new selector, rules separated by spaces. */
static const char *add_selector(acl_user *user, const char *rule, size_t length) {
    acl_selector selector;
    selector_init(&selector, acl_pubsub_default_all ? ACL_SELECTOR_ALL_CHANNELS : 0);
    const char *end = rule + length - 1; /* the ')' */
    const char *p = rule + 1;
    const char *reason = NULL;
    strbuf word = STRBUF_INIT;
    while (p < end && !reason) {
        while (p < end && *p == ' ') p++;
        const char *start = p;
        while (p < end && *p != ' ') p++;
        if (p == start) break;
        strbuf_clear(&word);
        strbuf_append(&word, start, (size_t)(p - start));
        reason = apply_selector_rule(&selector, strbuf_cstring(&word), word.length);
    }
    strbuf_free(&word);
    if (reason) {
        selector_clear(&selector);
        return reason;
    }
    user->selectors = zmalloc_realloc(user->selectors, (size_t)(user->selector_count + 1) * sizeof(acl_selector));
    user->selectors[user->selector_count++] = selector;
    return NULL;
}

static const char *apply_user_rule(acl_user *user, const char *rule, size_t length) {
    unsigned char digest[ACL_SHA256_LENGTH];
    if (!strcasecmp(rule, "on")) {
        user->flags |= ACL_USER_ON;
    } else if (!strcasecmp(rule, "off")) {
        user->flags &= ~ACL_USER_ON;
    } else if (!strcasecmp(rule, "skip-sanitize-payload")) {
        user->flags = (user->flags & ~ACL_USER_SANITIZE_PAYLOAD) | ACL_USER_SKIP_SANITIZE_PAYLOAD;
    } else if (!strcasecmp(rule, "sanitize-payload")) {
        user->flags = (user->flags & ~ACL_USER_SKIP_SANITIZE_PAYLOAD) | ACL_USER_SANITIZE_PAYLOAD;
    } else if (!strcasecmp(rule, "nopass")) {
        user->flags |= ACL_USER_NOPASS;
        clear_passwords(user);
    } else if (!strcasecmp(rule, "resetpass")) {
        user->flags &= ~ACL_USER_NOPASS;
        clear_passwords(user);
    } else if (rule[0] == '>' || rule[0] == '<') {
        acl_sha256(rule + 1, length - 1, digest);
        if (rule[0] == '>') add_password(user, digest);
        else if (remove_password(user, digest) != 0) return no_such_password;
    } else if (rule[0] == '#' || rule[0] == '!') {
        if (parse_digest(rule + 1, length - 1, digest) != 0) return bad_hash;
        if (rule[0] == '#') add_password(user, digest);
        else if (remove_password(user, digest) != 0) return no_such_password;
    } else if (rule[0] == '(' && length >= 2 && rule[length - 1] == ')') {
        return add_selector(user, rule, length);
    } else if (!strcasecmp(rule, "clearselectors")) {
        clear_selectors(user);
    } else if (!strcasecmp(rule, "reset")) {
        user->flags = ACL_USER_SANITIZE_PAYLOAD | (user->flags & ACL_USER_UNRESTRICTED);
        clear_passwords(user);
        clear_selectors(user);
        acl_selector *root = &user->selectors[0];
        reset_keys(root);
        reset_channels(root);
        if (acl_pubsub_default_all) root->flags |= ACL_SELECTOR_ALL_CHANNELS;
        change_all(root, 0);
    } else {
        if (memchr(rule, '\0', length)) return syntax_error;
        return apply_selector_rule(&user->selectors[0], rule, length);
    }
    return NULL;
}

int acl_user_apply_rules(acl_user *user, int count, const char *const *rules, const size_t *lengths,
                         const char **error, int *failed_rule) {
    acl_user *work = acl_user_copy(user);
    for (int i = 0; i < count; i++) {
        const char *reason = apply_user_rule(work, rules[i], lengths[i]);
        if (reason) {
            acl_user_free(work);
            *error = reason;
            *failed_rule = i;
            return -1;
        }
    }
    refresh_unrestricted(work);
    /* Swap the contents so pointers to `user` (clients, the user table) stay valid. */
    acl_user old = *user;
    *user = *work;
    *work = old;
    acl_user_free(work);
    return 0;
}

int acl_user_password_matches(const acl_user *user, const char *password, size_t length) {
    if (user->flags & ACL_USER_NOPASS) return 1;
    unsigned char digest[ACL_SHA256_LENGTH];
    acl_sha256(password, length, digest);
    /* Compare digests without an early exit so the time does not depend on
     * how much of a stored digest matched. */
    int matched = 0;
    for (int i = 0; i < user->password_count; i++) {
        unsigned char difference = 0;
        for (int j = 0; j < ACL_SHA256_LENGTH; j++) difference |= (unsigned char)(user->passwords[i][j] ^ digest[j]);
        matched |= difference == 0;
    }
    return matched;
}

/* ---- Descriptions ---- */

static void count_category(const acl_selector *selector, uint32_t category, unsigned long *on, unsigned long *off) {
    size_t count = command_id_count();
    for (unsigned id = 0; id < count; id++) {
        if (!(command_by_id(id)->spec->categories & category)) continue;
        if (acl_selector_allows_id(selector, id)) (*on)++;
        else (*off)++;
    }
}

static const acl_first_args *first_args_of(const acl_selector *selector, unsigned id) {
    for (int i = 0; i < selector->first_args_count; i++)
        if (selector->first_args[i].command_id == id) return &selector->first_args[i];
    return NULL;
}

void acl_selector_describe_commands(const acl_selector *selector, strbuf *out) {
    int additive = !acl_selector_allows_id(selector, future_bit());
    acl_selector fake;
    selector_init(&fake, 0);
    change_all(&fake, !additive);
    strbuf rules = STRBUF_INIT;
    strbuf_append_cstring(&rules, additive ? "-@all " : "+@all ");
    /* Redis 7.0's best fit: repeatedly take the category that agrees with
     * the remaining bits on more commands than it disagrees, with the fewest
     * disagreements (then the most agreements); `rest` is the bitmap with
     * the categories taken so far undone, so they stop counting. */
    acl_selector rest;
    selector_init(&rest, 0);
    memcpy(rest.commands, selector->commands, command_words * sizeof(uint64_t));
    uint32_t applied = 0;
    for (;;) {
        int best = -1;
        unsigned long fewest_different = ULONG_MAX, most_same = 0;
        for (int bit = 0; bit < ACL_CATEGORY_COUNT; bit++) {
            if (applied & (1u << bit)) continue;
            unsigned long on = 0, off = 0;
            count_category(&rest, 1u << bit, &on, &off);
            unsigned long different = additive ? off : on, same = additive ? on : off;
            if (same > different &&
                (different < fewest_different || (different == fewest_different && same > most_same))) {
                best = bit;
                fewest_different = different;
                most_same = same;
            }
        }
        if (best < 0) break;
        applied |= 1u << best;
        change_category(&fake, 1u << best, additive);
        change_category(&rest, 1u << best, !additive);
        strbuf_printf(&rules, "%c@%s ", additive ? '+' : '-', acl_category_name(best));
    }
    selector_clear(&rest);
    size_t count = command_id_count();
    for (unsigned id = 0; id < count; id++) {
        const command *cmd = command_by_id(id);
        int user_bit = acl_selector_allows_id(selector, id);
        if (user_bit != acl_selector_allows_id(&fake, id)) {
            strbuf_printf(&rules, "%c%s ", user_bit ? '+' : '-', cmd->full_name);
            change_command(&fake, cmd, user_bit);
        }
        const acl_first_args *first_args = user_bit ? NULL : first_args_of(selector, id);
        for (int i = 0; first_args && i < first_args->count; i++)
            strbuf_printf(&rules, "+%s|%s ", cmd->full_name, first_args->arguments[i]);
    }
    /* The rules must rebuild exactly this bitmap: a mismatch would hide a permission. */
    for (unsigned id = 0; id < count; id++)
        zkv_assert(acl_selector_allows_id(selector, id) == acl_selector_allows_id(&fake, id));
    selector_clear(&fake);
    strbuf_append(out, rules.data, rules.length - 1);
    strbuf_free(&rules);
}

void acl_selector_describe_keys(const acl_selector *selector, strbuf *out) {
    if (selector->flags & ACL_SELECTOR_ALL_KEYS) {
        strbuf_append_cstring(out, "~*");
        return;
    }
    for (int i = 0; i < selector->key_count; i++) {
        const acl_pattern *pattern = &selector->keys[i];
        if (i) strbuf_append_char(out, ' ');
        if (pattern->permissions == ACL_KEY_READ) strbuf_append_cstring(out, "%R");
        else if (pattern->permissions == ACL_KEY_WRITE) strbuf_append_cstring(out, "%W");
        strbuf_append_char(out, '~');
        strbuf_append(out, pattern->text, pattern->length);
    }
}

void acl_selector_describe_channels(const acl_selector *selector, strbuf *out) {
    if (selector->flags & ACL_SELECTOR_ALL_CHANNELS) {
        strbuf_append_cstring(out, "&*");
        return;
    }
    for (int i = 0; i < selector->channel_count; i++) {
        if (i) strbuf_append_char(out, ' ');
        strbuf_append_char(out, '&');
        strbuf_append(out, selector->channels[i].text, selector->channels[i].length);
    }
}

/* "~a %R~b resetchannels &c -@all +get" as ACL LIST shows a selector. */
static void describe_selector(const acl_selector *selector, strbuf *out) {
    size_t before = out->length;
    acl_selector_describe_keys(selector, out);
    if (out->length != before) strbuf_append_char(out, ' ');
    if (!(selector->flags & ACL_SELECTOR_ALL_CHANNELS)) strbuf_append_cstring(out, "resetchannels ");
    before = out->length;
    acl_selector_describe_channels(selector, out);
    if (out->length != before) strbuf_append_char(out, ' ');
    acl_selector_describe_commands(selector, out);
}

void acl_user_describe(const acl_user *user, strbuf *out) {
    strbuf_append_cstring(out, "user ");
    strbuf_append(out, user->name, user->name_length);
    strbuf_append_cstring(out, user->flags & ACL_USER_ON ? " on" : " off");
    if (user->flags & ACL_USER_NOPASS) strbuf_append_cstring(out, " nopass");
    if (user->flags & ACL_USER_SKIP_SANITIZE_PAYLOAD) strbuf_append_cstring(out, " skip-sanitize-payload");
    if (user->flags & ACL_USER_SANITIZE_PAYLOAD) strbuf_append_cstring(out, " sanitize-payload");
    for (int i = 0; i < user->password_count; i++) {
        strbuf_append_cstring(out, " #");
        for (int j = 0; j < ACL_SHA256_LENGTH; j++) strbuf_printf(out, "%02x", user->passwords[i][j]);
    }
    strbuf_append_char(out, ' ');
    describe_selector(&user->selectors[0], out);
    for (int i = 1; i < user->selector_count; i++) {
        strbuf_append_cstring(out, " (");
        describe_selector(&user->selectors[i], out);
        strbuf_append_char(out, ')');
    }
}

int acl_rules_merge(int count, const char *const *rules, const size_t *lengths, char ***merged,
                    size_t **merged_lengths, int *unmatched) {
    char **texts = zmalloc_alloc((size_t)(count ? count : 1) * sizeof(char *));
    size_t *sizes = zmalloc_alloc((size_t)(count ? count : 1) * sizeof(size_t));
    int total = 0, open = -1;
    strbuf group = STRBUF_INIT;
    for (int i = 0; i < count; i++) {
        const char *rule = rules[i];
        size_t length = lengths[i];
        int closes = length > 0 && rule[length - 1] == ')';
        if (open < 0 && length > 0 && rule[0] == '(' && !closes) {
            open = i;
            strbuf_clear(&group);
            strbuf_append(&group, rule, length);
            continue;
        }
        if (open >= 0) {
            strbuf_append_char(&group, ' ');
            strbuf_append(&group, rule, length);
            if (!closes) continue;
            open = -1;
            sizes[total] = group.length;
            texts[total++] = strbuf_detach(&group, NULL);
            continue;
        }
        texts[total] = zmalloc_alloc(length + 1);
        memcpy(texts[total], rule, length);
        texts[total][length] = '\0';
        sizes[total++] = length;
    }
    strbuf_free(&group);
    if (open >= 0) {
        acl_rules_free(texts, sizes, total);
        *unmatched = open;
        return -1;
    }
    *merged = texts;
    *merged_lengths = sizes;
    return total;
}

void acl_rules_free(char **rules, size_t *lengths, int count) {
    for (int i = 0; i < count; i++) zmalloc_free(rules[i]);
    zmalloc_free(rules);
    zmalloc_free(lengths);
}
