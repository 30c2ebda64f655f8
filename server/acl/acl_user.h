/* acl_user: users, their selectors, and the rule language of ACL SETUSER.
 *
 * A user is a name, flags (on/off, nopass, payload sanitizing), a set of
 * SHA-256 password digests and one or more selectors.  The root selector is
 * always there; `(...)` rules add more, and a command is allowed when any
 * selector allows it.
 *
 * A selector's command permissions are a bitmap indexed by the registry's
 * dense command id (command.h), one bit per command and subcommand, plus one
 * reserved bit meaning "+@all was given", so commands added later are
 * allowed too.  Checking a command is therefore one bit test; the bitmap
 * costs (commands + 1) / 8 bytes per selector (about 60 bytes today).  The
 * textual form shown by ACL GETUSER/LIST is not stored: it is recomputed
 * from the bitmap, by the same approximation Redis 7.0 uses (start from
 * +@all or -@all, add or remove whole categories, the best-fitting first,
 * while more of their remaining commands agree than differ, then the single
 * commands that still differ), so the output matches Redis's for the same
 * rules.
 *
 * Key patterns carry read/write flags (%R~, %W~, ~ = both); channel
 * patterns are plain globs.  `allkeys`/`allchannels` are flags, not
 * patterns, so a user without patterns pays nothing per key.
 *
 * Rules are applied all-or-nothing: acl_user_apply_rules works on a copy
 * and swaps it in only when every rule parsed.
 */
#ifndef ZKV_ACL_USER_H
#define ZKV_ACL_USER_H

#include <stddef.h>
#include <stdint.h>

#define ACL_SHA256_LENGTH 32

enum acl_user_flag {
    ACL_USER_ON = 1u << 0,
    ACL_USER_NOPASS = 1u << 1,
    ACL_USER_SANITIZE_PAYLOAD = 1u << 2,
    ACL_USER_SKIP_SANITIZE_PAYLOAD = 1u << 3,
    ACL_USER_UNRESTRICTED = 1u << 4 /* cached: every command, key and channel (not a rule) */
};

enum acl_selector_flag {
    ACL_SELECTOR_ALL_KEYS = 1u << 0,
    ACL_SELECTOR_ALL_CHANNELS = 1u << 1,
    ACL_SELECTOR_ROOT = 1u << 2
};

/* Key permission bits of a pattern, and of an access being checked. */
enum acl_key_permission { ACL_KEY_READ = 1u << 0, ACL_KEY_WRITE = 1u << 1, ACL_KEY_ALL = 3u };

/* A glob with its literal prefix precomputed: a key that does not start with
 * the prefix is refused without running the matcher, and "prefix*" patterns
 * (the common shape) are decided by the prefix alone. */
typedef struct acl_pattern {
    char *text; /* zmalloc'd, NUL-terminated (patterns never hold NUL) */
    size_t length;
    size_t literal_length; /* bytes before the first * ? [ or \ */
    int prefix_only;       /* the pattern is the literal prefix followed by one '*' */
    unsigned permissions;  /* keys: enum acl_key_permission; channels: 0 */
} acl_pattern;

/* The first arguments allowed for a command whose bit is off ("+select|0"). */
typedef struct acl_first_args {
    unsigned command_id;
    int count;
    char **arguments; /* zmalloc'd, NUL-terminated */
} acl_first_args;

typedef struct acl_selector {
    unsigned flags;        /* enum acl_selector_flag */
    uint64_t *commands;    /* acl_command_words() words; the last bit of the map is "future commands" */
    acl_pattern *keys;
    int key_count;
    acl_pattern *channels;
    int channel_count;
    acl_first_args *first_args;
    int first_args_count;
} acl_selector;

typedef struct acl_user {
    char *name; /* zmalloc'd; never holds spaces or NUL */
    size_t name_length;
    unsigned flags; /* enum acl_user_flag */
    unsigned char (*passwords)[ACL_SHA256_LENGTH];
    int password_count;
    acl_selector *selectors; /* [0] is the root selector */
    int selector_count;
} acl_user;

/* ---- Command ids (set once the command table exists) ---- */

/* Sizes the bitmaps: call once after command_table_init, before any user exists. */
void acl_commands_init(void);
/* Bits per map: every command and subcommand, plus the "future commands" bit. */
size_t acl_command_bits(void);

/* ---- Users ---- */

/* A new user as Redis creates one: off, no password, no command, key or
 * channel (channels per acl-pubsub-default).  Owned by the caller. */
acl_user *acl_user_create(const char *name, size_t length);
/* A deep copy (the copy is independent of the original). */
acl_user *acl_user_copy(const acl_user *user);
void acl_user_free(acl_user *user);

/* Applies rules left to right to `user`, all or nothing: returns 0 and the
 * user changed, or -1 leaving it untouched with *error pointing at a static
 * reason and *failed_rule at the index of the offending rule (-1 when the
 * problem is the parenthesis grouping, with *error then a static
 * "Unmatched parenthesis..." prefix and the selector text left to the caller).
 * Arguments are rule texts with their lengths (binary-safe passwords). */
int acl_user_apply_rules(acl_user *user, int count, const char *const *rules, const size_t *lengths,
                         const char **error, int *failed_rule);

/* Joins selector rules split over several arguments ("(~a" "+get)") into
 * one, as Redis reads ACL SETUSER and user lines.  Returns the merged count
 * with zmalloc'd copies (NUL-terminated) in *merged, freed by acl_rules_free;
 * or -1 with *unmatched = the index of the unclosed "(" argument. */
int acl_rules_merge(int count, const char *const *rules, const size_t *lengths, char ***merged,
                    size_t **merged_lengths, int *unmatched);
void acl_rules_free(char **rules, size_t *lengths, int count);

/* 1 if `password` matches one of the user's digests (or the user is
 * nopass); constant time in the password's content. */
int acl_user_password_matches(const acl_user *user, const char *password, size_t length);

/* SHA-256 of data. */
void acl_sha256(const void *data, size_t length, unsigned char digest[ACL_SHA256_LENGTH]);

/* ---- Descriptions (ACL LIST, GETUSER, SAVE) ---- */

struct strbuf;
/* "user <name> on nopass ~* &* +@all ..." without the trailing newline. */
void acl_user_describe(const acl_user *user, struct strbuf *out);
/* The command rules of a selector: "+@all -debug", "-@all +get". */
void acl_selector_describe_commands(const acl_selector *selector, struct strbuf *out);
/* Key patterns "~a %R~b" ("~*" for allkeys, "" for none). */
void acl_selector_describe_keys(const acl_selector *selector, struct strbuf *out);
/* Channel patterns "&a &b" ("&*" for allchannels, "" for none). */
void acl_selector_describe_channels(const acl_selector *selector, struct strbuf *out);

/* 1 if the selector's bit for command id is set. */
static inline int acl_selector_allows_id(const acl_selector *selector, unsigned id) {
    return (int)((selector->commands[id >> 6] >> (id & 63)) & 1u);
}

/* The acl-pubsub-default setting: nonzero when new users get allchannels. */
extern int acl_pubsub_default_all;

#endif
