/* command_info: COMMAND INFO / COMMAND DOCS entries (see command_info.h).
 *
 * Reply types follow Redis 7.0 in RESP3: flags, categories, tips and key
 * specs are sets; subcommands an array, or an empty set when there are none
 * (Redis's own quirk, kept for byte compatibility).
 */
#include "command_info.h"

#include <string.h>

#include "reply.h"

/* Flags Redis never lists in COMMAND INFO (sentinel and module internals,
 * may_replicate). */
#define HIDDEN_COMMAND_FLAGS                                                                   \
    (COMMAND_SENTINEL | COMMAND_ONLY_SENTINEL | COMMAND_PROTECTED | COMMAND_MODULE_GETKEYS |     \
     COMMAND_MODULE_NO_CLUSTER | COMMAND_MAY_REPLICATE)

static const char *const key_flag_names[KEY_FLAG_COUNT] = {
    "RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete", "variable_flags"};

command *command_info_lookup(const char *name, size_t length) {
    const char *bar = memchr(name, '|', length);
    if (!bar) return command_lookup(name, length);
    command *parent = command_lookup(name, (size_t)(bar - name));
    if (!parent) return NULL;
    return command_lookup_subcommand(parent, bar + 1, length - (size_t)(bar - name) - 1);
}

static int bit_count(uint32_t bits) { return __builtin_popcount(bits); }

static void reply_flags(client *c, uint32_t flags) {
    flags &= ~(uint32_t)HIDDEN_COMMAND_FLAGS;
    reply_set_header(c, bit_count(flags));
    for (int bit = 0; bit < COMMAND_FLAG_COUNT; bit++) {
        if (flags & (1u << bit)) reply_simple(c, command_flag_name(bit));
    }
}

static void reply_categories(client *c, uint32_t categories) {
    reply_set_header(c, bit_count(categories));
    for (int bit = 0; bit < ACL_CATEGORY_COUNT; bit++) {
        if (!(categories & (1u << bit))) continue;
        char name[32] = "@";
        strncat(name, acl_category_name(bit), sizeof(name) - 2);
        reply_simple(c, name);
    }
}

uint32_t command_info_key_flags(const command *cmd) {
    if (cmd->spec->key_flags) return cmd->spec->key_flags;
    if (cmd->spec->flags & COMMAND_WRITE) return KEY_RW | KEY_UPDATE;
    return KEY_RO | KEY_ACCESS;
}

void command_info_reply_key_flags(client *c, uint32_t key_flags) {
    reply_set_header(c, bit_count(key_flags));
    for (int bit = 0; bit < KEY_FLAG_COUNT; bit++) {
        if (key_flags & (1u << bit)) reply_simple(c, key_flag_names[bit]);
    }
}

/* Tips are stored as one space-separated string. */
static void reply_tips(client *c, const char *tips) {
    int count = 0;
    for (const char *p = tips; p && *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        count++;
        while (*p && *p != ' ') p++;
    }
    reply_set_header(c, count);
    for (const char *p = tips; count > 0 && *p;) {
        while (*p == ' ') p++;
        const char *end = p;
        while (*end && *end != ' ') end++;
        if (end > p) reply_bulk(c, p, (size_t)(end - p));
        p = end;
    }
}

/* One key spec of COMMAND INFO: begin_search by index, find_keys by range
 * (lastkey counts from the spec's first key, negatives from the end) or by
 * keynum (the count at `index`, the keys right after it). */
static void reply_key_spec(client *c, uint32_t flags, int index, int keynum, int last_key, int key_step) {
    reply_map_header(c, 3);
    reply_bulk_cstring(c, "flags");
    command_info_reply_key_flags(c, flags);
    reply_bulk_cstring(c, "begin_search");
    reply_map_header(c, 2);
    reply_bulk_cstring(c, "type");
    reply_bulk_cstring(c, "index");
    reply_bulk_cstring(c, "spec");
    reply_map_header(c, 1);
    reply_bulk_cstring(c, "index");
    reply_integer(c, index);
    reply_bulk_cstring(c, "find_keys");
    reply_map_header(c, 2);
    reply_bulk_cstring(c, "type");
    reply_bulk_cstring(c, keynum ? "keynum" : "range");
    reply_bulk_cstring(c, "spec");
    reply_map_header(c, 3);
    reply_bulk_cstring(c, keynum ? "keynumidx" : "lastkey");
    reply_integer(c, keynum ? 0 : (last_key < 0 ? last_key : last_key - index));
    if (keynum) {
        reply_bulk_cstring(c, "firstkey");
        reply_integer(c, 1);
    }
    reply_bulk_cstring(c, "keystep");
    reply_integer(c, key_step);
    if (!keynum) {
        reply_bulk_cstring(c, "limit");
        reply_integer(c, 0);
    }
}

/* One explicit spec (command.h's key_spec), every field as Redis 7.0 lays
 * it out; an unknown search or find has an empty spec map. */
static void reply_explicit_key_spec(client *c, const key_spec *spec) {
    reply_map_header(c, 3 + (spec->notes != NULL));
    if (spec->notes) {
        reply_bulk_cstring(c, "notes");
        reply_bulk_cstring(c, spec->notes);
    }
    reply_bulk_cstring(c, "flags");
    command_info_reply_key_flags(c, spec->flags);
    reply_bulk_cstring(c, "begin_search");
    reply_map_header(c, 2);
    reply_bulk_cstring(c, "type");
    if (spec->search == KEY_SEARCH_INDEX) {
        reply_bulk_cstring(c, "index");
        reply_bulk_cstring(c, "spec");
        reply_map_header(c, 1);
        reply_bulk_cstring(c, "index");
        reply_integer(c, spec->position);
    } else if (spec->search == KEY_SEARCH_KEYWORD) {
        reply_bulk_cstring(c, "keyword");
        reply_bulk_cstring(c, "spec");
        reply_map_header(c, 2);
        reply_bulk_cstring(c, "keyword");
        reply_bulk_cstring(c, spec->keyword);
        reply_bulk_cstring(c, "startfrom");
        reply_integer(c, spec->position);
    } else {
        reply_bulk_cstring(c, "unknown");
        reply_bulk_cstring(c, "spec");
        reply_map_header(c, 0);
    }
    reply_bulk_cstring(c, "find_keys");
    reply_map_header(c, 2);
    reply_bulk_cstring(c, "type");
    if (spec->find == KEY_FIND_RANGE) {
        reply_bulk_cstring(c, "range");
        reply_bulk_cstring(c, "spec");
        reply_map_header(c, 3);
        reply_bulk_cstring(c, "lastkey");
        reply_integer(c, spec->last_key);
        reply_bulk_cstring(c, "keystep");
        reply_integer(c, spec->key_step);
        reply_bulk_cstring(c, "limit");
        reply_integer(c, spec->limit);
    } else if (spec->find == KEY_FIND_KEYNUM) {
        reply_bulk_cstring(c, "keynum");
        reply_bulk_cstring(c, "spec");
        reply_map_header(c, 3);
        reply_bulk_cstring(c, "keynumidx");
        reply_integer(c, spec->keynum_index);
        reply_bulk_cstring(c, "firstkey");
        reply_integer(c, spec->keynum_first);
        reply_bulk_cstring(c, "keystep");
        reply_integer(c, spec->keynum_step);
    } else {
        reply_bulk_cstring(c, "unknown");
        reply_bulk_cstring(c, "spec");
        reply_map_header(c, 0);
    }
}

/* How many key specs reply_key_specs lists for `spec`. */
static int key_spec_count(const command_spec *spec) {
    if (spec->key_specs) return command_key_spec_count(spec->key_specs);
    int range = spec->first_key > 0 && spec->key_step > 0;
    return range + (range && spec->first_key_flags && spec->key_count_at <= 0) + (spec->key_count_at > 0);
}

/* The specs Redis gives: a source unlike its destination (first_key_flags)
 * is a spec of its own, a key count is a keynum spec after the range. */
static void reply_key_specs(client *c, const command *cmd) {
    const command_spec *spec = cmd->spec;
    if (spec->key_specs) {
        reply_set_header(c, key_spec_count(spec));
        for (int j = 0; spec->key_specs[j].search; j++) reply_explicit_key_spec(c, &spec->key_specs[j]);
        return;
    }
    int range = spec->first_key > 0 && spec->key_step > 0;
    int split = range && spec->first_key_flags && spec->key_count_at <= 0;
    int keynum = spec->key_count_at > 0;
    reply_set_header(c, key_spec_count(spec));
    uint32_t others = command_info_key_flags(cmd);
    if (split) {
        reply_key_spec(c, spec->first_key_flags, spec->first_key, 0, spec->first_key, 1);
        reply_key_spec(c, others, spec->first_key + spec->key_step, 0, spec->last_key, spec->key_step);
    } else if (range) {
        uint32_t flags = spec->first_key_flags ? spec->first_key_flags : others;
        reply_key_spec(c, flags, spec->first_key, 0, spec->last_key, spec->key_step);
    }
    if (keynum) reply_key_spec(c, others, spec->key_count_at, 1, 0, 1);
}

void command_info_reply(client *c, const command *cmd) {
    const command_spec *spec = cmd->spec;
    reply_array_header(c, 10);
    reply_bulk_cstring(c, cmd->full_name);
    reply_integer(c, spec->arity);
    reply_flags(c, spec->flags);
    reply_integer(c, spec->first_key);
    reply_integer(c, spec->last_key);
    reply_integer(c, spec->key_step);
    reply_categories(c, spec->categories);
    reply_tips(c, spec->tips);
    reply_key_specs(c, cmd);
    if (cmd->subcommand_count == 0) {
        reply_set_header(c, 0);
        return;
    }
    reply_array_header(c, cmd->subcommand_count);
    for (int i = 0; i < cmd->subcommand_count; i++) command_info_reply(c, &cmd->subcommands[i]);
}

static int present(const char *text) { return text && text[0]; }

static const char *const argument_type_names[] = {"string",    "integer",    "double", "key",  "pattern",
                                                  "unix-time", "pure-token", "oneof",  "block"};

static int argument_count(const command_argument *arguments) {
    int count = 0;
    while (arguments && arguments[count].name) count++;
    return count;
}

static void reply_arguments(client *c, const command_argument *arguments);

/* Key arguments of the command being described, in order, name its key
 * specs in order (the last spec takes the rest): COPY's source is spec 0,
 * its destination spec 1, as Redis numbers them. */
static int key_ordinal, key_specs;

/* One argument as Redis 7.0 lays it out: name, type, key_spec_index, token,
 * since, flags, members. */
static void reply_argument(client *c, const command_argument *argument) {
    int is_key = argument->type == ARGUMENT_KEY;
    int members = argument_count(argument->arguments);
    int flags = __builtin_popcount(argument->flags);
    /* A token may be empty (MIGRATE's "" instead of a key): Redis shows it. */
    int has_token = argument->token != NULL;
    reply_map_header(c, 2 + is_key + has_token + present(argument->since) + (flags > 0) +
                            (members > 0));
    reply_bulk_cstring(c, "name");
    reply_bulk_cstring(c, argument->name);
    reply_bulk_cstring(c, "type");
    reply_bulk_cstring(c, argument_type_names[argument->type]);
    if (is_key) {
        reply_bulk_cstring(c, "key_spec_index");
        reply_integer(c, key_ordinal < key_specs ? key_ordinal : (key_specs > 0 ? key_specs - 1 : 0));
        key_ordinal++;
    }
    if (has_token) {
        reply_bulk_cstring(c, "token");
        reply_bulk_cstring(c, argument->token);
    }
    if (present(argument->since)) {
        reply_bulk_cstring(c, "since");
        reply_bulk_cstring(c, argument->since);
    }
    if (flags > 0) {
        static const char *const flag_names[] = {"optional", "multiple", "multiple_token"};
        reply_bulk_cstring(c, "flags");
        reply_set_header(c, flags);
        for (int bit = 0; bit < 3; bit++) {
            if (argument->flags & (1u << bit)) reply_simple(c, flag_names[bit]);
        }
    }
    if (members > 0) {
        reply_bulk_cstring(c, "arguments");
        reply_arguments(c, argument->arguments);
    }
}

static void reply_arguments(client *c, const command_argument *arguments) {
    int count = argument_count(arguments);
    reply_array_header(c, count);
    for (int i = 0; i < count; i++) reply_argument(c, &arguments[i]);
}

static void reply_docs_field(client *c, const char *name, const char *value) {
    if (!present(value)) return;
    reply_bulk_cstring(c, name);
    reply_bulk_cstring(c, value);
}

void command_info_reply_docs(client *c, const command *cmd) {
    const command_spec *spec = cmd->spec;
    reply_bulk_cstring(c, cmd->full_name);
    int has_arguments = argument_count(spec->arguments) > 0;
    int fields = present(spec->summary) + present(spec->since) + present(spec->group) +
                 present(spec->complexity) + has_arguments + (cmd->subcommand_count > 0);
    reply_map_header(c, fields);
    reply_docs_field(c, "summary", spec->summary);
    reply_docs_field(c, "since", spec->since);
    reply_docs_field(c, "group", spec->group);
    reply_docs_field(c, "complexity", spec->complexity);
    if (has_arguments) {
        reply_bulk_cstring(c, "arguments");
        key_ordinal = 0;
        key_specs = key_spec_count(spec);
        reply_arguments(c, spec->arguments);
    }
    if (cmd->subcommand_count == 0) return;
    reply_bulk_cstring(c, "subcommands");
    reply_map_header(c, cmd->subcommand_count);
    for (int i = 0; i < cmd->subcommand_count; i++) command_info_reply_docs(c, &cmd->subcommands[i]);
}
