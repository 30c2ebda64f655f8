/* command.h: how commands are described, registered, found and run.
 *
 * Each module describes its commands in a constant array of command_spec
 * (terminated by an entry whose name is NULL) in its own file, for example
 *
 *     const command_spec string_commands[] = {
 *         {.name = "get", .handler = string_get_command, .arity = 2,
 *          .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = 1,
 *          .key_step = 1, .categories = ACL_READ | ACL_STRING | ACL_FAST,
 *          .group = "string", .summary = "Get the value of a key", .since = "1.0.0",
 *          .complexity = "O(1)"},
 *         {0}};
 *
 * and lists it in its module descriptor's `commands` (core/module.h).  At start-up the
 * registry turns the specs into `command` records (the spec plus mutable call
 * statistics) in a case-insensitive hash table.
 *
 * Conventions follow Redis 7.0 so COMMAND INFO/DOCS can be produced from the
 * specs: arity counts the command name, a negative arity is a minimum;
 * subcommands have full arity too (CONFIG GET is -3) and their own flags.
 * A container command (CONFIG, CLIENT, ...) has no handler of its own unless
 * it wants to see unknown subcommands; dispatch resolves argv[1] among its
 * subcommands and answers "unknown subcommand" itself.
 */
#ifndef ZKV_COMMAND_H
#define ZKV_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"

typedef void command_handler(client *c);

/* Command flags: the Redis 7.0 names COMMAND INFO shows (command_flag_name). */
enum command_flag {
    COMMAND_WRITE = 1u << 0,
    COMMAND_READONLY = 1u << 1,
    COMMAND_DENYOOM = 1u << 2,
    COMMAND_MODULE = 1u << 3,
    COMMAND_ADMIN = 1u << 4,
    COMMAND_PUBSUB = 1u << 5,
    COMMAND_NOSCRIPT = 1u << 6,
    COMMAND_BLOCKING = 1u << 7,
    COMMAND_LOADING = 1u << 8,
    COMMAND_STALE = 1u << 9,
    COMMAND_SKIP_MONITOR = 1u << 10,
    COMMAND_SKIP_SLOWLOG = 1u << 11,
    COMMAND_ASKING = 1u << 12,
    COMMAND_FAST = 1u << 13,
    COMMAND_NO_AUTH = 1u << 14,
    COMMAND_MAY_REPLICATE = 1u << 15,
    COMMAND_SENTINEL = 1u << 16,
    COMMAND_ONLY_SENTINEL = 1u << 17,
    COMMAND_NO_MANDATORY_KEYS = 1u << 18,
    COMMAND_PROTECTED = 1u << 19,
    COMMAND_MODULE_GETKEYS = 1u << 20,
    COMMAND_MODULE_NO_CLUSTER = 1u << 21,
    COMMAND_NO_ASYNC_LOADING = 1u << 22,
    COMMAND_NO_MULTI = 1u << 23,
    COMMAND_MOVABLE_KEYS = 1u << 24,
    COMMAND_ALLOW_BUSY = 1u << 25,
    COMMAND_FLAG_COUNT = 26
};

/* ACL categories (COMMAND INFO's "@read", ...). */
enum acl_category {
    ACL_KEYSPACE = 1u << 0,
    ACL_READ = 1u << 1,
    ACL_WRITE = 1u << 2,
    ACL_SET = 1u << 3,
    ACL_SORTEDSET = 1u << 4,
    ACL_LIST = 1u << 5,
    ACL_HASH = 1u << 6,
    ACL_STRING = 1u << 7,
    ACL_BITMAP = 1u << 8,
    ACL_HYPERLOGLOG = 1u << 9,
    ACL_GEO = 1u << 10,
    ACL_STREAM = 1u << 11,
    ACL_PUBSUB = 1u << 12,
    ACL_ADMIN = 1u << 13,
    ACL_FAST = 1u << 14,
    ACL_SLOW = 1u << 15,
    ACL_BLOCKING = 1u << 16,
    ACL_DANGEROUS = 1u << 17,
    ACL_CONNECTION = 1u << 18,
    ACL_TRANSACTION = 1u << 19,
    ACL_SCRIPTING = 1u << 20,
    ACL_CATEGORY_COUNT = 21
};

/* Key-spec flags (COMMAND INFO key specs, COMMAND GETKEYSANDFLAGS), Redis
 * 7.0's names.  A spec that leaves key_flags 0 gets RO+access when readonly,
 * RW+update when it writes. */
enum key_flag {
    KEY_RO = 1u << 0,
    KEY_RW = 1u << 1,
    KEY_OW = 1u << 2,
    KEY_RM = 1u << 3,
    KEY_ACCESS = 1u << 4,
    KEY_UPDATE = 1u << 5,
    KEY_INSERT = 1u << 6,
    KEY_DELETE = 1u << 7,
    KEY_NOT_KEY = 1u << 8,
    KEY_INCOMPLETE = 1u << 9,
    KEY_VARIABLE_FLAGS = 1u << 10,
    KEY_FLAG_COUNT = 11
};

/* Explicit key specs, Redis 7.0's model (COMMAND INFO "key_specs"), for a
 * command whose keys first/last/step, key_count_at and first_key_flags
 * cannot describe as Redis does: several specs with their own flags or
 * notes, a keyword search (XREAD's STREAMS, MIGRATE's KEYS, GEORADIUS's
 * STORE), keys no position can name (SORT's BY/GET patterns: "unknown").
 * A command with them shows them in COMMAND INFO verbatim, and
 * command_for_each_key finds its keys with them as Redis's
 * getKeysFromCommandWithSpecs does: the specs decide unless one has
 * KEY_VARIABLE_FLAGS; a call they cannot describe (an unknown or
 * incomplete spec, a key out of range, a bad key count) falls back to
 * get_keys, or names no key without one (Redis's PFMERGE with a
 * destination only).  first_key/last_key/key_step stay the legacy COMMAND INFO
 * fields (and what cluster routing without get_keys reads). */
enum key_search_type { KEY_SEARCH_INDEX = 1, KEY_SEARCH_KEYWORD, KEY_SEARCH_UNKNOWN };
enum key_find_type { KEY_FIND_RANGE = 1, KEY_FIND_KEYNUM, KEY_FIND_UNKNOWN };
typedef struct key_spec {
    uint32_t flags;      /* enum key_flag bits */
    const char *notes;   /* COMMAND INFO "notes", or NULL */
    int search;          /* enum key_search_type; 0 ends an array of specs */
    int position;        /* INDEX: the argv position; KEYWORD: where the search starts
                            (negative: from the end, searching backwards) */
    const char *keyword; /* KEYWORD: matched case-insensitively */
    int find;            /* enum key_find_type */
    /* RANGE: the last key relative to the first (negative: from the end of
     * argv, or with `limit`: -1 and 1/limit of the arguments left), step. */
    int last_key, key_step, limit;
    /* KEYNUM, relative to the search's result: the count's offset, the
     * first key's offset, the step. */
    int keynum_index, keynum_first, keynum_step;
} key_spec;

/* Channels a command names (Redis 7.0's channel specs), for ACL channel
 * rules: a PUBLISH kind names argv[1], the others argv[1..].  See
 * permission.h. */
enum channel_flag {
    CHANNEL_PUBLISH = 1u << 0,
    CHANNEL_SUBSCRIBE = 1u << 1,
    CHANNEL_UNSUBSCRIBE = 1u << 2,
    CHANNEL_PATTERN = 1u << 3
};

/* COMMAND DOCS argument descriptions, from which redis-cli builds its hints.
 * ONEOF and BLOCK group the NULL-name terminated `arguments` below them. */
enum command_argument_type {
    ARGUMENT_STRING,
    ARGUMENT_INTEGER,
    ARGUMENT_DOUBLE,
    ARGUMENT_KEY,
    ARGUMENT_PATTERN,
    ARGUMENT_UNIX_TIME,
    ARGUMENT_PURE_TOKEN,
    ARGUMENT_ONEOF,
    ARGUMENT_BLOCK
};

enum command_argument_flag {
    ARGUMENT_OPTIONAL = 1u << 0,
    ARGUMENT_MULTIPLE = 1u << 1,
    ARGUMENT_MULTIPLE_TOKEN = 1u << 2
};

typedef struct command_argument {
    const char *name;
    int type;            /* enum command_argument_type */
    const char *token;   /* the literal word before the value ("EX"), or NULL */
    uint32_t flags;      /* enum command_argument_flag bits */
    const char *since;   /* NULL: as old as the command */
    const struct command_argument *arguments; /* ONEOF/BLOCK members */
} command_argument;

typedef struct command_spec {
    const char *name;    /* lower case; for a subcommand only its own word ("get") */
    command_handler *handler;
    int arity;
    uint32_t flags;      /* enum command_flag bits */
    int first_key;       /* 0 when the command takes no key */
    int last_key;        /* negative: counted from the end (-1 = last argument) */
    int key_step;
    uint32_t categories; /* enum acl_category bits */
    const char *group;   /* COMMAND DOCS group: "string", "server", "connection", ... */
    const char *summary;
    const char *since;
    const char *complexity;
    const struct command_spec *subcommands; /* NULL-name terminated, or NULL */
    uint32_t key_flags;  /* enum key_flag bits of its keys; 0: derived from flags */
    const char *tips;    /* COMMAND INFO tips, space-separated, or NULL:
                            "nondeterministic_output request_policy:all_shards" */
    const command_argument *arguments; /* COMMAND DOCS, NULL-name terminated, or NULL */
    int key_count_at;    /* > 0: argv[key_count_at] says how many keys follow it (EVAL, FCALL:
                            Redis's "keynum" key spec); with first_key > 0 too, argv[first_key..
                            last_key] are keys before the count (ZUNIONSTORE's destination) */
    /* Set on an entry whose `subcommands` join the container of the same name
     * that another module registers (pubsub adds CLIENT TRACKING to admin's
     * CLIENT); such an entry is not a command of its own. */
    int extends_container;
    /* Keys that first/last/step cannot describe (SORT ... STORE) or whose
     * flags depend on the call (SET ... GET, BITFIELD): their argv positions
     * (argv[0] is the command name) and enum key_flag bits, at most
     * `capacity` (16) of them; returns how many.  NULL: the range and count. */
    int (*get_keys)(const resp_argument *argv, int argc, int *positions, uint32_t *flags, int capacity);
    uint32_t channel_flags; /* enum channel_flag bits of its channel arguments; 0: none */
    /* Nonzero: the key_flags of the first key only, key_flags then being the
     * others' (a source unlike its destination: COPY, LMOVE, SDIFFSTORE...;
     * Redis gives these commands two key specs). */
    uint32_t first_key_flags;
    /* Explicit key specs (see key_spec above), ended by {0}; NULL: derived
     * from the fields above. */
    const key_spec *key_specs;
} command_spec;

/* Per-command counters (INFO commandstats). */
typedef struct command_stats {
    long long calls;
    long long microseconds;
    long long rejected_calls; /* refused before running (arity, NOAUTH, ...) */
    long long failed_calls;   /* ran and replied with an error */
} command_stats;

/* A registered command: the spec plus what changes at run time. */
typedef struct command {
    const command_spec *spec;
    struct command *parent;      /* for subcommands */
    struct command *subcommands; /* array of subcommand_count */
    int subcommand_count;
    char *full_name;             /* "get", "config|get" */
    size_t name_length;          /* strlen(spec->name), for lookups */
    command_stats stats;
    void *introspection;         /* owned by the introspection module (latency histogram) */
    unsigned id;                 /* dense, 0 .. command_id_count()-1 over commands and subcommands
                                    (ACL bitmaps index by it) */
} command;

/* ---- Registry (command_table.c, fed by command_module.c) ---- */

/* Builds the table from the spec arrays of every registered module.  0 on success, -1 if a name
 * is registered twice (the message goes to *error). */
int command_table_init(const char **error);
/* Case-insensitive lookup; NULL if unknown. */
command *command_lookup(const char *name, size_t length);
command *command_lookup_subcommand(const command *parent, const char *name, size_t length);
/* Every top-level command, sorted by name; *count receives the number. */
command *const *command_table_all(size_t *count);
/* Every command and subcommand by its id: a parent's id precedes its
 * subcommands'; NULL past the end. */
size_t command_id_count(void);
command *command_by_id(unsigned id);
/* Zeroes every command's stats (CONFIG RESETSTAT). */
void command_table_reset_stats(void);
/* Redis 7.0 names: "write", "readonly", ... and "keyspace", "read", ...
 * (without '@'); NULL for an unused bit index. */
const char *command_flag_name(int bit);
const char *acl_category_name(int bit);
/* Every key of a call, with its enum key_flag bits, in argument order: from
 * get_keys when the spec has one, else the range and the key count
 * (first_key_flags for the first key, key_flags or the flags the command's
 * kind implies for the others).  visit returns nonzero to stop.  Returns
 * the number of keys visited; 0 when the call names none or its key count
 * is not valid (not a number, < 1, or more than the arguments left). */
typedef int command_key_visit(int position, uint32_t flags, void *context);
int command_for_each_key(const command_spec *spec, int argc, const resp_argument *argv, command_key_visit *visit,
                         void *context);
/* The keys of a call by `specs` alone, as Redis's getKeysUsingKeySpecs
 * (specs flagged KEY_NOT_KEY skipped): visits them and returns how many,
 * or -1 (having visited nothing) when a spec cannot describe the call. */
int command_keys_by_specs(const key_spec *specs, int argc, const resp_argument *argv, command_key_visit *visit,
                          void *context);
/* The number of specs in an explicit array. */
int command_key_spec_count(const key_spec *specs);
/* The position of a call's first key, 0 when it names none. */
int command_first_key(const command_spec *spec, int argc, const resp_argument *argv);

/* ---- Dispatch (dispatch.c) ---- */

/* Looks up and runs the command in c->argc/c->argv with every check Redis does
 * before calling (unknown command, arity, authentication, MULTI queueing). */
void dispatch_process_command(client *c);
/* Runs a resolved command now: timing, stats and the observers (monitor,
 * slowlog, latency).  Used by dispatch and EXEC. */
void dispatch_call(client *c, command *cmd);

/* Makes the running command's replies reach the client again although
 * CLIENT REPLY OFF/SKIP was in force when it started (CLIENT REPLY ON uses it
 * before answering +OK).  Handlers that turn replies off simply do not reply. */
void dispatch_restore_reply(client *c);

/* The maxmemory guard (memory/eviction module): called before every command
 * while maxmemory is set; it may evict, and returns nonzero when memory is
 * still over the limit, which refuses a command flagged denyoom with
 * "-OOM command not allowed when used memory > 'maxmemory'.". */
typedef int dispatch_memory_check(void);
void dispatch_set_memory_check(dispatch_memory_check *check);

/* The persistence guard (persist module): returns NULL, or the error that
 * refuses commands that may write (and PING, as Redis) while the last
 * background save failed: "-MISCONF ...". */
typedef const char *dispatch_write_check(void);
void dispatch_set_write_check(dispatch_write_check *check);

/* The loading guard (persist module): nonzero while the dump is being loaded
 * from the loop; commands without COMMAND_LOADING are then refused with
 * "-LOADING Redis is loading the dataset in memory". */
typedef int dispatch_loading_check(void);
void dispatch_set_loading_check(dispatch_loading_check *check);

/* The cluster check (cluster module), installed only in cluster mode: called
 * before every command; returns NULL to go on, or the error text to refuse
 * the command with (-MOVED, -CROSSSLOT, -CLUSTERDOWN). */
typedef const char *dispatch_cluster_check(client *c, struct command *cmd);
void dispatch_set_cluster_check(dispatch_cluster_check *check);

/* The busy check (scripting module): while a script runs too long, called
 * before every other command; NULL to go on, or the -BUSY text. */
typedef const char *dispatch_busy_check(client *c, struct command *cmd);
void dispatch_set_busy_check(dispatch_busy_check *check);
/* MONITOR for EVAL and FCALL: they skip the monitor feed after they run
 * (their commands would come first) and call dispatch_feed_monitors as they
 * start instead, as Redis does.  Introspection installs the feed. */
typedef void dispatch_monitor_feed(client *c, const struct command *cmd);
void dispatch_set_monitor_feed(dispatch_monitor_feed *feed);
void dispatch_feed_monitors(client *c);
/* Cluster mode, for commands that scripts run (dispatch does not route
 * them): the slot of a key (-1 outside cluster mode) and the refusal the
 * routing check gives `cmd` (NULL: it runs here).  The cluster module
 * installs the slot function. */
typedef int dispatch_key_slot_fn(const char *key, size_t length);
void dispatch_set_key_slot(dispatch_key_slot_fn *fn);
int dispatch_key_slot(const char *key, size_t length);
const char *dispatch_cluster_refusal(client *c, struct command *cmd);
/* Flags of a command that depend on its arguments (scripting: EVAL and
 * FCALL take the flags their script declares, Redis's evalGetCommandFlags);
 * asked by the out-of-memory check.  Returns `cmd`'s effective flags. */
typedef uint32_t dispatch_flags_hook(const client *c, const struct command *cmd);
void dispatch_set_flags_hook(dispatch_flags_hook *hook);
/* `cmd`'s effective flags for this call (the hook's answer, else the spec's):
 * what CLIENT PAUSE WRITE and a MULTI queue judge a command by. */
uint32_t dispatch_command_flags(const client *c, const struct command *cmd);
/* Whether memory was over maxmemory at the last check before a command (the
 * state a script starts in, Redis's pre_command_oom_state). */
int dispatch_out_of_memory(void);
/* Errors replied so far are accounted for: a script that already counted
 * its command's refusal keeps it from failing the script's own command. */
void dispatch_mark_errors_accounted(void);
/* The permission check (acl module): called for every command after
 * authentication, and again by EXEC for each queued command and by scripts
 * for redis.call.  Returns NULL to go on, or the error text to refuse with
 * (-NOPERM ...); the check logs refusals itself.  `context` says where the
 * command comes from, which changes Redis's wording and ACL LOG's context. */
enum dispatch_context { DISPATCH_TOPLEVEL, DISPATCH_MULTI, DISPATCH_EXEC, DISPATCH_SCRIPT, DISPATCH_PROBE };
/* DISPATCH_PROBE only asks (redis.acl_check_cmd): nothing is logged. */
typedef const char *dispatch_permission_check(client *c, struct command *cmd, int context);
void dispatch_set_permission_check(dispatch_permission_check *check);
/* The installed check, or NULL (everything allowed) without one. */
const char *dispatch_check_permission(client *c, struct command *cmd, int context);
/* How deep dispatch_call is nested right now: 1 inside a command called by
 * dispatch, 2 inside a command EXEC runs, 0 outside any command. */
int dispatch_call_depth(void);

/* The context check (pubsub module): called before every command; returns
 * NULL to go on, or the error text to refuse it with (RESP2 subscribed
 * mode).  The text must stay valid until the next check. */
typedef const char *dispatch_context_check(client *c, struct command *cmd);
void dispatch_set_context_check(dispatch_context_check *check);

/* Observers run after every executed command (slowlog, latency, MONITOR).
 * duration_us is the handler's run time.  At most a handful are accepted;
 * returns -1 when full. */
typedef void command_observer(client *c, command *cmd, long long duration_us);
int dispatch_add_observer(command_observer *observer);


#endif
