/* bitfield_commands: BITFIELD and BITFIELD_RO.
 *
 * A BITFIELD call is parsed completely into a plan before the key is
 * touched, so a syntax error anywhere leaves the string unchanged and no
 * key is created.  Then, if any operation writes, the string is created or
 * zero-padded once to the highest bit any write reaches, and the operations
 * run in order on its bytes, each answering one reply element.
 *
 * Operations: GET type offset, SET type offset value, INCRBY type offset
 * increment, and OVERFLOW WRAP|SAT|FAIL, which applies to the writes that
 * follow it.  A type is i1..i64 or u1..u63; an offset "#N" means N times the
 * type's width.  SET answers the old value, INCRBY the new one; a write that
 * overflows under FAIL answers null and writes nothing.
 *
 * Like Redis, a call with only GETs never creates the key, and a call whose
 * writes all fail under FAIL still leaves the (zero-padded) key behind but
 * signals no change.
 */
#include <string.h>

#include "args.h"
#include "bitops.h"
#include "string_type.h"
#include "reply.h"
#include "zmalloc.h"

typedef enum bitfield_opcode { BITFIELD_GET, BITFIELD_SET, BITFIELD_INCRBY } bitfield_opcode;

typedef struct bitfield_operation {
    bitfield_opcode opcode;
    bitops_overflow overflow;
    bool is_signed;
    unsigned bits;
    uint64_t offset;
    long long argument; /* SET's value or INCRBY's increment */
} bitfield_operation;

typedef struct bitfield_plan {
    bitfield_operation *operations;
    size_t count;
    size_t capacity;
    bool writes;
    uint64_t highest_bit; /* the last bit a write touches */
} bitfield_plan;

static void plan_append(bitfield_plan *plan, const bitfield_operation *operation) {
    if (plan->count == plan->capacity) {
        plan->capacity = plan->capacity ? plan->capacity * 2 : 4;
        plan->operations = zmalloc_realloc(plan->operations, plan->capacity * sizeof(*plan->operations));
    }
    plan->operations[plan->count++] = *operation;
}

static bool parse_overflow(const resp_argument *argument, bitops_overflow *overflow) {
    if (args_is(argument, "wrap"))
        *overflow = BITOPS_OVERFLOW_WRAP;
    else if (args_is(argument, "sat"))
        *overflow = BITOPS_OVERFLOW_SAT;
    else if (args_is(argument, "fail"))
        *overflow = BITOPS_OVERFLOW_FAIL;
    else
        return false;
    return true;
}

/* "i<width>" or "u<width>", lower case only as in Redis.  Redis reads the
 * width as a C string, so it stops at an embedded NUL; so does this. */
static bool parse_type(client *c, const resp_argument *argument, bitfield_operation *operation) {
    char sign = argument->length ? argument->data[0] : '\0';
    long long width;
    bool valid = sign == 'i' || sign == 'u';
    if (valid) {
        operation->is_signed = sign == 'i';
        size_t digits = strnlen(argument->data + 1, argument->length - 1);
        valid = number_parse_integer(argument->data + 1, digits, &width) && width >= 1 &&
                width <= (operation->is_signed ? 64 : 63);
    }
    if (!valid) {
        reply_error(c, "ERR Invalid bitfield type. Use something like i16 u8. "
                       "Note that u64 is not supported but i64 is.");
        return false;
    }
    operation->bits = (unsigned)width;
    return true;
}

/* Parses the operation starting at argv[index] into *operation and returns
 * the index after it, or -1 after replying an error.  OVERFLOW is consumed
 * here too and yields no operation (operation->bits stays 0). */
static int parse_operation(client *c, int index, bitops_overflow *overflow,
                           bitfield_operation *operation) {
    const resp_argument *word = &c->argv[index];
    int remaining = c->argc - index - 1;
    if (args_is(word, "overflow") && remaining >= 1) {
        if (!parse_overflow(&c->argv[index + 1], overflow)) {
            reply_error(c, "ERR Invalid OVERFLOW type specified");
            return -1;
        }
        return index + 2;
    }
    if (args_is(word, "get") && remaining >= 2)
        operation->opcode = BITFIELD_GET;
    else if (args_is(word, "set") && remaining >= 3)
        operation->opcode = BITFIELD_SET;
    else if (args_is(word, "incrby") && remaining >= 3)
        operation->opcode = BITFIELD_INCRBY;
    else {
        reply_syntax_error(c);
        return -1;
    }
    operation->overflow = *overflow;
    if (!parse_type(c, &c->argv[index + 1], operation)) return -1;
    if (!bits_parse_offset(c, &c->argv[index + 2], operation->bits, &operation->offset)) return -1;
    if (operation->opcode == BITFIELD_GET) return index + 3;
    if (!args_integer(&c->argv[index + 3], &operation->argument)) {
        reply_not_integer(c);
        return -1;
    }
    return index + 4;
}

static bool parse_plan(client *c, bitfield_plan *plan) {
    bitops_overflow overflow = BITOPS_OVERFLOW_WRAP;
    int index = 2;
    while (index < c->argc) {
        bitfield_operation operation = {0};
        index = parse_operation(c, index, &overflow, &operation);
        if (index < 0) return false;
        if (operation.bits == 0) continue; /* OVERFLOW */
        if (operation.opcode != BITFIELD_GET) {
            uint64_t last_bit = operation.offset + operation.bits - 1;
            if (!plan->writes || last_bit > plan->highest_bit) plan->highest_bit = last_bit;
            plan->writes = true;
        }
        plan_append(plan, &operation);
    }
    return true;
}

/* Runs SET or INCRBY, replies, and returns 1 if the key changed. */
static long long run_write(client *c, const bitfield_operation *operation, unsigned char *bytes,
                           size_t length, bool grew) {
    bool increment_mode = operation->opcode == BITFIELD_INCRBY;
    int64_t increment = increment_mode ? operation->argument : 0;
    uint64_t old_raw, new_raw;
    long long answer;
    int overflow;
    if (operation->is_signed) {
        int64_t old = bitops_field_read_signed(bytes, length, operation->offset, operation->bits);
        int64_t stored = 0;
        overflow = bitops_field_add_signed(increment_mode ? old : operation->argument, increment,
                                           operation->bits, operation->overflow, &stored);
        answer = increment_mode ? stored : old;
        old_raw = (uint64_t)old;
        new_raw = (uint64_t)stored;
    } else {
        uint64_t old = bitops_field_read(bytes, length, operation->offset, operation->bits);
        uint64_t stored = 0;
        overflow = bitops_field_add_unsigned(increment_mode ? old : (uint64_t)operation->argument,
                                             increment, operation->bits, operation->overflow, &stored);
        answer = (long long)(increment_mode ? stored : old);
        old_raw = old;
        new_raw = stored;
    }
    if (overflow && operation->overflow == BITOPS_OVERFLOW_FAIL) {
        reply_null(c);
        return 0;
    }
    reply_integer(c, answer);
    bitops_field_write(bytes, operation->offset, operation->bits, new_raw);
    return grew || old_raw != new_raw;
}

static void run_get(client *c, const bitfield_operation *operation, const unsigned char *bytes,
                    size_t length) {
    if (operation->is_signed)
        reply_integer(c, bitops_field_read_signed(bytes, length, operation->offset, operation->bits));
    else
        reply_integer(c, (long long)bitops_field_read(bytes, length, operation->offset, operation->bits));
}

/* Finds (or, for writes, prepares) the string and runs the plan. */
static void run_plan(client *c, const bitfield_plan *plan, bool read_only_command) {
    const unsigned char *read_bytes = NULL;
    unsigned char *bytes = NULL;
    size_t length = 0;
    bool grew = false;
    char digits[OBJECT_INTEGER_BUFFER];
    if (!plan->writes) {
        object *o;
        if (!key_read_typed(c, &c->argv[1], OBJECT_STRING, &o)) return;
        if (o) read_bytes = (const unsigned char *)object_string_bytes(o, &length, digits);
    } else {
        if (read_only_command) {
            reply_error(c, "ERR BITFIELD_RO only supports the GET subcommand");
            return;
        }
        bytes = string_for_write(c, &c->argv[1], (size_t)(plan->highest_bit >> 3) + 1, &length, &grew);
        if (!bytes) return;
        read_bytes = bytes;
    }

    reply_array_header(c, (long long)plan->count);
    long long changes = 0;
    for (size_t index = 0; index < plan->count; index++) {
        const bitfield_operation *operation = &plan->operations[index];
        if (operation->opcode == BITFIELD_GET)
            run_get(c, operation, read_bytes, length);
        else
            changes += run_write(c, operation, bytes, length, grew);
    }
    if (changes) string_bits_modified(c, &c->argv[1], changes);
}

static void bitfield_generic(client *c, bool read_only_command) {
    bitfield_plan plan = {0};
    if (parse_plan(c, &plan)) run_plan(c, &plan, read_only_command);
    zmalloc_free(plan.operations);
}

void bits_bitfield_command(client *c) {
    bitfield_generic(c, false);
}

void bits_bitfield_ro_command(client *c) {
    bitfield_generic(c, true);
}
