/* bit_commands: SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP, the spec table
 * of every bit command and LCS, and the argument parsers the bit command
 * files share (their write helpers are in string_write.c).
 *
 * The handlers only parse, look keys up and reply; counting, searching and
 * combining are bitops.c's.  They check arguments and keys in the same order
 * as Redis 7.0, because which error a client sees first is observable:
 * SETBIT/GETBIT parse the offset before touching the key, BITCOUNT looks the
 * key up before parsing its range (a missing key answers 0 whatever follows),
 * BITPOS parses the bit first, then looks up, then parses the range.
 *
 * BITCOUNT and BITPOS ranges follow Redis: negative indexes count from the
 * end, both ends are clamped into the string, BIT ranges address bits and
 * BYTE ranges whole bytes; BITCOUNT answers 0 at once for two negative
 * indexes in the wrong order.  A BITPOS for 0 without an explicit end treats
 * the string as followed by zero bits, so an all-ones string answers the
 * first bit past its end; with an explicit end it answers -1.
 */
#include "args.h"
#include "string_type.h"

#include <string.h>
#include <strings.h>

#include "bitops.h"
#include "command.h"
#include "reply.h"
#include "zmalloc.h"

static const char *const bit_value_error = "ERR bit is not an integer or out of range";
static const char *const bit_offset_error = "ERR bit offset is not an integer or out of range";

bool bits_parse_offset(client *c, const resp_argument *argument, unsigned hash_bits,
                       uint64_t *offset) {
    bool use_hash = hash_bits > 0 && argument->length > 0 && argument->data[0] == '#';
    long long value;
    if (!number_parse_integer(argument->data + use_hash, argument->length - use_hash, &value)) {
        reply_error(c, bit_offset_error);
        return false;
    }
    /* Redis multiplies in wrapping 64-bit arithmetic; a huge "#N" therefore
     * lands wherever the product wraps, and is refused only if that is
     * negative or too far. */
    if (use_hash) value = (long long)((unsigned long long)value * hash_bits);
    if (value < 0 || (value >> 3) >= server.config.proto_max_bulk_len) {
        reply_error(c, bit_offset_error);
        return false;
    }
    *offset = (uint64_t)value;
    return true;
}

/* ---- Ranges of BITCOUNT and BITPOS ---- */

typedef struct bits_range {
    uint64_t first_bit, last_bit;
} bits_range;

/* "BIT" or "BYTE", any case. */
static bool parse_unit(const resp_argument *argument, bool *in_bits) {
    *in_bits = args_is(argument, "bit");
    return *in_bits || args_is(argument, "byte");
}

/* Resolves start..end (negative from the end, in bits or bytes) against a
 * string of `length` bytes.  False when the range is empty. */
static bool resolve_range(long long start, long long end, bool in_bits, size_t length,
                          bits_range *range) {
    long long total = in_bits ? (long long)length * 8 : (long long)length;
    if (start < 0) start += total;
    if (end < 0) end += total;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
    if (start > end) return false;
    range->first_bit = in_bits ? (uint64_t)start : (uint64_t)start * 8;
    range->last_bit = in_bits ? (uint64_t)end : (uint64_t)end * 8 + 7;
    return true;
}

/* ---- SETBIT and GETBIT ---- */

static void setbit_command(client *c) {
    uint64_t offset;
    long long value;
    if (!bits_parse_offset(c, &c->argv[2], 0, &offset)) return;
    if (!args_integer(&c->argv[3], &value) || (value != 0 && value != 1)) {
        reply_error(c, bit_value_error);
        return;
    }
    size_t length;
    bool grew;
    unsigned char *bytes = string_for_write(c, &c->argv[1], (size_t)(offset >> 3) + 1, &length, &grew);
    if (!bytes) return;
    int old = bitops_set_bit(bytes, offset, (int)value);
    /* Rewriting a bit with its own value changes nothing WATCH would see. */
    if (grew || old != value) string_bits_modified(c, &c->argv[1], 1);
    reply_integer(c, old);
}

static void getbit_command(client *c) {
    uint64_t offset;
    object *o;
    if (!bits_parse_offset(c, &c->argv[2], 0, &offset)) return;
    if (!key_read_typed(c, &c->argv[1], OBJECT_STRING, &o)) return;
    if (!o) {
        reply_integer(c, 0);
        return;
    }
    char digits[OBJECT_INTEGER_BUFFER];
    size_t length;
    const char *bytes = object_string_bytes(o, &length, digits);
    reply_integer(c, bitops_get_bit((const unsigned char *)bytes, length, offset));
}

/* ---- BITCOUNT and BITPOS ---- */

static void bitcount_command(client *c) {
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_STRING, &o)) return;
    if (!o) {
        reply_integer(c, 0);
        return;
    }
    long long start = 0, end = -1;
    bool in_bits = false;
    if (c->argc == 4 || c->argc == 5) {
        if (!args_integer(&c->argv[2], &start) || !args_integer(&c->argv[3], &end)) {
            reply_not_integer(c);
            return;
        }
        /* Redis answers 0 for two negative indexes in the wrong order before
         * it even reads the unit (clamping would count the first byte). */
        if (start < 0 && end < 0 && start > end) {
            reply_integer(c, 0);
            return;
        }
        if (c->argc == 5 && !parse_unit(&c->argv[4], &in_bits)) {
            reply_syntax_error(c);
            return;
        }
    } else if (c->argc != 2) {
        reply_syntax_error(c);
        return;
    }
    char digits[OBJECT_INTEGER_BUFFER];
    size_t length;
    const unsigned char *bytes = (const unsigned char *)object_string_bytes(o, &length, digits);
    bits_range range;
    if (!resolve_range(start, end, in_bits, length, &range)) {
        reply_integer(c, 0);
        return;
    }
    reply_integer(c, (long long)bitops_count_range(bytes, range.first_bit, range.last_bit));
}

/* BITPOS's optional start, end and unit, parsed in Redis's order (the unit
 * before the end).  Replies the error and returns false if one is bad. */
static bool parse_bitpos_range(client *c, long long *start, long long *end, bool *end_given,
                               bool *in_bits) {
    if (c->argc > 6) {
        reply_syntax_error(c);
        return false;
    }
    if (c->argc >= 4 && !args_integer(&c->argv[3], start)) {
        reply_not_integer(c);
        return false;
    }
    if (c->argc == 6 && !parse_unit(&c->argv[5], in_bits)) {
        reply_syntax_error(c);
        return false;
    }
    if (c->argc >= 5) {
        if (!args_integer(&c->argv[4], end)) {
            reply_not_integer(c);
            return false;
        }
        *end_given = true;
    }
    return true;
}

static void bitpos_command(client *c) {
    long long bit;
    if (!args_integer(&c->argv[2], &bit)) {
        reply_not_integer(c);
        return;
    }
    if (bit != 0 && bit != 1) {
        reply_error(c, "ERR The bit argument must be 1 or 0.");
        return;
    }
    object *o;
    if (!key_read_typed(c, &c->argv[1], OBJECT_STRING, &o)) return;
    if (!o) {
        /* A missing key is an endless run of zero bits. */
        reply_integer(c, bit ? -1 : 0);
        return;
    }
    long long start = 0, end = -1;
    bool end_given = false, in_bits = false;
    if (!parse_bitpos_range(c, &start, &end, &end_given, &in_bits)) return;

    char digits[OBJECT_INTEGER_BUFFER];
    size_t length;
    const unsigned char *bytes = (const unsigned char *)object_string_bytes(o, &length, digits);
    bits_range range;
    if (!resolve_range(start, end, in_bits, length, &range)) {
        reply_integer(c, -1);
        return;
    }
    int64_t position = bitops_find(bytes, range.first_bit, range.last_bit, (int)bit);
    if (position < 0 && bit == 0 && !end_given) position = (int64_t)length * 8;
    reply_integer(c, position);
}

/* ---- BITOP ---- */

static bool parse_operation(const resp_argument *argument, bitops_operation *operation) {
    static const struct {
        const char *name;
        bitops_operation operation;
    } names[] = {{"and", BITOPS_AND}, {"or", BITOPS_OR}, {"xor", BITOPS_XOR}, {"not", BITOPS_NOT}};
    for (size_t index = 0; index < sizeof(names) / sizeof(names[0]); index++) {
        if (args_is(argument, names[index].name)) {
            *operation = names[index].operation;
            return true;
        }
    }
    return false;
}

/* The BITOP sources: bytes and lengths of each key (missing keys are empty);
 * `digits` holds the text of integer-encoded values. */
typedef struct bitop_sources {
    const unsigned char **bytes;
    size_t *lengths;
    char (*digits)[OBJECT_INTEGER_BUFFER];
    size_t count;
    size_t longest;
} bitop_sources;

static void bitop_sources_free(bitop_sources *sources) {
    zmalloc_free(sources->bytes);
    zmalloc_free(sources->lengths);
    zmalloc_free(sources->digits);
}

/* Looks every source key up; false after replying WRONGTYPE. */
static bool bitop_sources_load(client *c, bitop_sources *sources) {
    size_t count = (size_t)c->argc - 3;
    sources->count = count;
    sources->longest = 0;
    sources->bytes = zmalloc_alloc(count * sizeof(*sources->bytes));
    sources->lengths = zmalloc_alloc(count * sizeof(*sources->lengths));
    sources->digits = zmalloc_alloc(count * sizeof(*sources->digits));
    for (size_t index = 0; index < count; index++) {
        object *o;
        if (!key_read_typed(c, &c->argv[3 + index], OBJECT_STRING, &o)) return false;
        sources->lengths[index] = 0;
        sources->bytes[index] = (const unsigned char *)"";
        if (o)
            sources->bytes[index] = (const unsigned char *)object_string_bytes(
                o, &sources->lengths[index], sources->digits[index]);
        if (sources->lengths[index] > sources->longest) sources->longest = sources->lengths[index];
    }
    return true;
}

static void bitop_command(client *c) {
    bitops_operation operation;
    if (!parse_operation(&c->argv[1], &operation)) {
        reply_syntax_error(c);
        return;
    }
    if (operation == BITOPS_NOT && c->argc != 4) {
        reply_error(c, "ERR BITOP NOT must be called with a single source key.");
        return;
    }
    bitop_sources sources;
    if (!bitop_sources_load(c, &sources)) {
        bitop_sources_free(&sources);
        return;
    }
    size_t longest = sources.longest;
    if (longest == 0) {
        /* Only empty or missing sources: the destination is deleted. */
        key_delete(c, &c->argv[2]);
    } else {
        /* Built beside the sources (the destination may be one of them),
         * then stored. */
        unsigned char *result;
        object *fresh = string_new(&c->argv[2], longest, &result);
        if (!fresh) {
            bitop_sources_free(&sources);
            reply_error(c, OBJECT_NO_MEMORY_ERROR);
            return;
        }
        bitops_combine(operation, result, longest, sources.bytes, sources.lengths, sources.count);
        string_store(c, fresh);
    }
    bitop_sources_free(&sources);
    reply_integer(c, (long long)longest);
}

/* ---- Command table ---- */

/* COMMAND DOCS arguments, as Redis 7.0 describes them. */
#define ARGUMENT_END {0}
static const command_argument unit_choices[] = {
    {.name = "byte", .type = ARGUMENT_PURE_TOKEN, .token = "BYTE"},
    {.name = "bit", .type = ARGUMENT_PURE_TOKEN, .token = "BIT"},
    ARGUMENT_END};
static const command_argument setbit_arguments[] = {
    {.name = "key", .type = ARGUMENT_KEY},
    {.name = "offset", .type = ARGUMENT_INTEGER},
    {.name = "value", .type = ARGUMENT_INTEGER},
    ARGUMENT_END};
static const command_argument getbit_arguments[] = {
    {.name = "key", .type = ARGUMENT_KEY},
    {.name = "offset", .type = ARGUMENT_INTEGER},
    ARGUMENT_END};
static const command_argument bitcount_range[] = {
    {.name = "start", .type = ARGUMENT_INTEGER},
    {.name = "end", .type = ARGUMENT_INTEGER},
    {.name = "index_unit", .type = ARGUMENT_ONEOF, .flags = ARGUMENT_OPTIONAL, .since = "7.0.0",
     .arguments = unit_choices},
    ARGUMENT_END};
static const command_argument bitcount_arguments[] = {
    {.name = "key", .type = ARGUMENT_KEY},
    {.name = "index", .type = ARGUMENT_BLOCK, .flags = ARGUMENT_OPTIONAL, .arguments = bitcount_range},
    ARGUMENT_END};
static const command_argument bitpos_end[] = {
    {.name = "end", .type = ARGUMENT_INTEGER},
    {.name = "index_unit", .type = ARGUMENT_ONEOF, .flags = ARGUMENT_OPTIONAL, .since = "7.0.0",
     .arguments = unit_choices},
    ARGUMENT_END};
static const command_argument bitpos_range[] = {
    {.name = "start", .type = ARGUMENT_INTEGER},
    {.name = "end_index", .type = ARGUMENT_BLOCK, .flags = ARGUMENT_OPTIONAL, .arguments = bitpos_end},
    ARGUMENT_END};
static const command_argument bitpos_arguments[] = {
    {.name = "key", .type = ARGUMENT_KEY},
    {.name = "bit", .type = ARGUMENT_INTEGER},
    {.name = "index", .type = ARGUMENT_BLOCK, .flags = ARGUMENT_OPTIONAL, .arguments = bitpos_range},
    ARGUMENT_END};
static const command_argument bitop_arguments[] = {
    {.name = "operation", .type = ARGUMENT_STRING},
    {.name = "destkey", .type = ARGUMENT_KEY},
    {.name = "key", .type = ARGUMENT_KEY, .flags = ARGUMENT_MULTIPLE},
    ARGUMENT_END};
static const command_argument field_get[] = {
    {.name = "encoding", .type = ARGUMENT_STRING},
    {.name = "offset", .type = ARGUMENT_INTEGER},
    ARGUMENT_END};
static const command_argument overflow_choices[] = {
    {.name = "wrap", .type = ARGUMENT_PURE_TOKEN, .token = "WRAP"},
    {.name = "sat", .type = ARGUMENT_PURE_TOKEN, .token = "SAT"},
    {.name = "fail", .type = ARGUMENT_PURE_TOKEN, .token = "FAIL"},
    ARGUMENT_END};
static const command_argument field_set[] = {
    {.name = "encoding", .type = ARGUMENT_STRING},
    {.name = "offset", .type = ARGUMENT_INTEGER},
    {.name = "value", .type = ARGUMENT_INTEGER},
    ARGUMENT_END};
static const command_argument field_increment[] = {
    {.name = "encoding", .type = ARGUMENT_STRING},
    {.name = "offset", .type = ARGUMENT_INTEGER},
    {.name = "increment", .type = ARGUMENT_INTEGER},
    ARGUMENT_END};
static const command_argument field_write_choices[] = {
    {.name = "encoding_offset_value", .type = ARGUMENT_BLOCK, .token = "SET", .arguments = field_set},
    {.name = "encoding_offset_increment", .type = ARGUMENT_BLOCK, .token = "INCRBY", .arguments = field_increment},
    ARGUMENT_END};
static const command_argument field_write[] = {
    {.name = "wrap_sat_fail", .type = ARGUMENT_ONEOF, .token = "OVERFLOW", .flags = ARGUMENT_OPTIONAL,
     .arguments = overflow_choices},
    {.name = "write_operation", .type = ARGUMENT_ONEOF, .arguments = field_write_choices},
    ARGUMENT_END};
static const command_argument field_operations[] = {
    {.name = "encoding_offset", .type = ARGUMENT_BLOCK, .token = "GET", .arguments = field_get},
    {.name = "write", .type = ARGUMENT_BLOCK, .arguments = field_write},
    ARGUMENT_END};
static const command_argument bitfield_arguments[] = {
    {.name = "key", .type = ARGUMENT_KEY},
    {.name = "operation", .type = ARGUMENT_ONEOF, .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE,
     .arguments = field_operations},
    ARGUMENT_END};
static const command_argument bitfield_ro_arguments[] = {
    {.name = "key", .type = ARGUMENT_KEY},
    {.name = "encoding_offset", .type = ARGUMENT_BLOCK, .token = "GET",
     .flags = ARGUMENT_OPTIONAL | ARGUMENT_MULTIPLE | ARGUMENT_MULTIPLE_TOKEN, .arguments = field_get},
    ARGUMENT_END};
static const command_argument lcs_arguments[] = {
    {.name = "key1", .type = ARGUMENT_KEY},
    {.name = "key2", .type = ARGUMENT_KEY},
    {.name = "len", .type = ARGUMENT_PURE_TOKEN, .token = "LEN", .flags = ARGUMENT_OPTIONAL},
    {.name = "idx", .type = ARGUMENT_PURE_TOKEN, .token = "IDX", .flags = ARGUMENT_OPTIONAL},
    {.name = "len", .type = ARGUMENT_INTEGER, .token = "MINMATCHLEN", .flags = ARGUMENT_OPTIONAL},
    {.name = "withmatchlen", .type = ARGUMENT_PURE_TOKEN, .token = "WITHMATCHLEN", .flags = ARGUMENT_OPTIONAL},
    ARGUMENT_END};

/* BITFIELD's key flags per call, as Redis 7.0 resolves them: read-only
 * (RO access) when only GET and OVERFLOW appear, else RW access update (a
 * SET, an INCRBY or a syntax error, which is treated as a write). */
static int bitfield_get_keys(const resp_argument *argv, int argc, int *positions, uint32_t *flags, int capacity) {
    (void)capacity;
    positions[0] = 1;
    flags[0] = KEY_RO | KEY_ACCESS;
    for (int i = 2; i < argc; i++) {
        int left = argc - i - 1;
        if (args_is(&argv[i], "get") && left >= 2) {
            i += 2;
        } else if (args_is(&argv[i], "overflow") && left >= 1) {
            i += 1;
        } else {
            flags[0] = KEY_RW | KEY_ACCESS | KEY_UPDATE;
            break;
        }
    }
    return 1;
}

/* Redis 7.0's key spec for BITFIELD, with its note (COMMAND INFO). */
static const key_spec bitfield_key_specs[] = {
    {.flags = KEY_RW | KEY_ACCESS | KEY_UPDATE | KEY_VARIABLE_FLAGS,
     .notes = "This command allows both access and modification of the key", .search = KEY_SEARCH_INDEX,
     .position = 1, .find = KEY_FIND_RANGE, .key_step = 1},
    {0}};

const command_spec bits_commands[] = {
    {.name = "setbit", .handler = setbit_command, .arity = 4,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_BITMAP | ACL_SLOW, .group = "bitmap",
     .summary = "Sets or clears the bit at offset in the string value stored at key",
     .since = "2.2.0", .complexity = "O(1)",
     .arguments = setbit_arguments, .key_flags = KEY_RW | KEY_ACCESS | KEY_UPDATE},
    {.name = "getbit", .handler = getbit_command, .arity = 3,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_READ | ACL_BITMAP | ACL_FAST, .group = "bitmap",
     .summary = "Returns the bit value at offset in the string value stored at key",
     .since = "2.2.0", .complexity = "O(1)",
     .arguments = getbit_arguments},
    {.name = "bitcount", .handler = bitcount_command, .arity = -2,
     .flags = COMMAND_READONLY, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_READ | ACL_BITMAP | ACL_SLOW, .group = "bitmap",
     .summary = "Count set bits in a string", .since = "2.6.0", .complexity = "O(N)",
     .arguments = bitcount_arguments},
    {.name = "bitpos", .handler = bitpos_command, .arity = -3,
     .flags = COMMAND_READONLY, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_READ | ACL_BITMAP | ACL_SLOW, .group = "bitmap",
     .summary = "Find first bit set or clear in a string", .since = "2.8.7",
     .complexity = "O(N)",
     .arguments = bitpos_arguments},
    {.name = "bitop", .handler = bitop_command, .arity = -4,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 2, .last_key = -1, .key_step = 1,
     .categories = ACL_WRITE | ACL_BITMAP | ACL_SLOW, .group = "bitmap",
     .summary = "Perform bitwise operations between strings", .since = "2.6.0",
     .complexity = "O(N)",
     .arguments = bitop_arguments, .first_key_flags = KEY_OW | KEY_UPDATE, .key_flags = KEY_RO | KEY_ACCESS},
    {.name = "bitfield", .handler = bits_bitfield_command, .arity = -2,
     .flags = COMMAND_WRITE | COMMAND_DENYOOM, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_WRITE | ACL_BITMAP | ACL_SLOW, .group = "bitmap",
     .summary = "Perform arbitrary bitfield integer operations on strings", .since = "3.2.0",
     .complexity = "O(1) for each subcommand specified",
     .arguments = bitfield_arguments,
     .key_flags = KEY_RW | KEY_ACCESS | KEY_UPDATE | KEY_VARIABLE_FLAGS, .get_keys = bitfield_get_keys,
     .key_specs = bitfield_key_specs},
    {.name = "bitfield_ro", .handler = bits_bitfield_ro_command, .arity = -2,
     .flags = COMMAND_READONLY | COMMAND_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .categories = ACL_READ | ACL_BITMAP | ACL_FAST, .group = "bitmap",
     .summary = "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
     .since = "6.0.0", .complexity = "O(1) for each subcommand specified",
     .arguments = bitfield_ro_arguments},
    {.name = "lcs", .handler = bits_lcs_command, .arity = -3,
     .flags = COMMAND_READONLY, .first_key = 1, .last_key = 2, .key_step = 1,
     .categories = ACL_READ | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Find longest common substring", .since = "7.0.0",
     .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively",
     .arguments = lcs_arguments},
    {0}};
