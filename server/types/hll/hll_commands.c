/* hll_commands: PFADD, PFCOUNT, PFMERGE, PFSELFTEST and PFDEBUG on string
 * values holding Redis's HyperLogLog bytes (lib/hll.h).
 *
 * A HyperLogLog is a plain string, so these handlers reach it through the
 * string object API: the value is checked as Redis's isHLLObject does
 * (another type: the usual WRONGTYPE; a string that is not an HLL: the
 * HyperLogLog WRONGTYPE text), then edited.  A dense value keeps its length,
 * so it is edited where it lives; a sparse one is copied into a small owned
 * buffer, edited with Redis's in-place algorithm (which may grow, shrink or
 * promote it) and written back once per command.  Like Redis, every command
 * that opens a value leaves it a raw string (dbUnshareStringValue), and edits
 * that preceded a corruption error stay in the value.
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "command.h"
#include "db.h"
#include "hll.h"
#include "hll_commands.h"
#include "key_access.h"
#include "notify.h"
#include "reply.h"
#include "server.h"
#include "strbuf.h"
#include "zkv_assert.h"
#include "zmalloc.h"

#define HLL_INVALID_ERROR "INVALIDOBJ Corrupted HLL object detected"
#define HLL_NOT_HLL_ERROR "WRONGTYPE Key is not a valid HyperLogLog string value."

long long hll_sparse_max_bytes = 3000;

/* The HLL bytes of `o` (which exists), or NULL after replying the error. */
static const unsigned char *hll_bytes_or_reply(client *c, const object *o, size_t *length) {
    if (!key_check_type(c, o, OBJECT_STRING)) return NULL;
    long long integer;
    char digits[OBJECT_INTEGER_BUFFER];
    const unsigned char *bytes = (const unsigned char *)object_string_bytes(o, length, digits);
    if (object_string_integer(o, &integer) || !hll_is_valid(bytes, *length)) {
        reply_error(c, HLL_NOT_HLL_ERROR);
        return NULL;
    }
    return bytes;
}

/* Opens the valid HLL `*o` for editing into `b` (see the file comment). */
static void edit_open(db *d, object **o, hll_buffer *b) {
    size_t length;
    char digits[OBJECT_INTEGER_BUFFER];
    const unsigned char *bytes = (const unsigned char *)object_string_bytes(*o, &length, digits);
    if (hll_encoding(bytes) == HLL_ENCODING_DENSE) {
        char *writable;
        object *fresh = object_string_resize(*o, length, &writable);
        zkv_assert(fresh != NULL); /* same length: nothing to allocate but the block it had */
        db_update_quiet(d, *o, fresh);
        *o = fresh;
        *b = (hll_buffer){.bytes = (unsigned char *)writable, .length = length, .capacity = length};
        return;
    }
    b->capacity = length + 8;
    b->bytes = zmalloc_alloc(b->capacity);
    memcpy(b->bytes, bytes, length);
    b->length = length;
    b->owned = true;
}

/* Writes an owned buffer back into `*o` (raw string, new length) and frees
 * it; false when the allocator cannot hold the new length (the value is
 * then unchanged). */
static bool edit_close(db *d, object **o, hll_buffer *b) {
    if (!b->owned) return true;
    char *writable;
    object *fresh = object_string_resize(*o, b->length, &writable);
    if (fresh) {
        memcpy(writable, b->bytes, b->length);
        db_update_quiet(d, *o, fresh);
        *o = fresh;
    }
    zmalloc_free(b->bytes);
    b->owned = false;
    return fresh != NULL;
}

static void pfadd_command(client *c) {
    const resp_argument *key = &c->argv[1];
    db *d = key_db(c);
    object *o = db_lookup_write(d, key->data, key->length);
    hll_buffer b;
    long long updated = 0;
    if (o) {
        size_t length;
        if (!hll_bytes_or_reply(c, o, &length)) return;
        edit_open(d, &o, &b);
    } else {
        b = (hll_buffer){.bytes = zmalloc_alloc(HLL_EMPTY_SIZE + 8), .length = HLL_EMPTY_SIZE,
                         .capacity = HLL_EMPTY_SIZE + 8, .owned = true};
        hll_init_empty(b.bytes);
        updated = 1;
    }
    bool corrupt = false;
    for (int j = 2; j < c->argc && !corrupt; j++) {
        int result = hll_add(&b, c->argv[j].data, c->argv[j].length, (size_t)hll_sparse_max_bytes);
        if (result < 0) corrupt = true;
        else updated += result;
    }
    if (!corrupt && updated) hll_invalidate_cache(b.bytes);
    bool stored;
    if (o) {
        stored = edit_close(d, &o, &b);
    } else {
        db_add(d, object_create_string(key->data, key->length, (const char *)b.bytes, b.length, OBJECT_STRING_RAW,
                                       OBJECT_NO_EXPIRE));
        zmalloc_free(b.bytes);
        stored = true;
    }
    if (!stored) {
        reply_error(c, OBJECT_NO_MEMORY_ERROR);
        return;
    }
    if (corrupt) {
        reply_error(c, HLL_INVALID_ERROR);
        return;
    }
    if (updated) {
        key_modified(c, key, updated);
        notify_keyspace_event(NOTIFY_STRING, "pfadd", c->db_index, key->data, key->length);
    }
    reply_integer(c, updated ? 1 : 0);
}

/* PFCOUNT of several keys: the estimate of their union, nothing cached. */
static void pfcount_union(client *c) {
    uint8_t *max = zmalloc_calloc(HLL_REGISTERS);
    for (int j = 1; j < c->argc; j++) {
        object *o = key_read(c, &c->argv[j]);
        if (!o) continue;
        size_t length;
        const unsigned char *bytes = hll_bytes_or_reply(c, o, &length);
        if (!bytes) goto done;
        if (!hll_merge_registers(max, bytes, length)) {
            reply_error(c, HLL_INVALID_ERROR);
            goto done;
        }
    }
    reply_integer(c, (long long)hll_count_registers(max));
done:
    zmalloc_free(max);
}

static void pfcount_command(client *c) {
    if (c->argc > 2) {
        pfcount_union(c);
        return;
    }
    const resp_argument *key = &c->argv[1];
    object *o = key_read(c, key);
    if (!o) {
        reply_integer(c, 0);
        return;
    }
    size_t length;
    const unsigned char *bytes = hll_bytes_or_reply(c, o, &length);
    if (!bytes) return;
    /* The value turns raw (Redis unshares it) even when the count fails. */
    unsigned char *writable = NULL;
    uint64_t count;
    bool fresh = hll_cached_count(bytes, &count);
    if (!fresh || object_encoding(o) != OBJECT_ENCODING_RAW) {
        db *d = key_db(c);
        o = db_lookup_write(d, key->data, key->length);
        object *rebuilt = object_string_resize(o, length, (char **)&writable);
        zkv_assert(rebuilt != NULL);
        db_update_quiet(d, o, rebuilt);
    }
    if (!fresh) {
        bool invalid = false;
        count = hll_count(writable, length, &invalid);
        if (invalid) {
            reply_error(c, HLL_INVALID_ERROR);
            return;
        }
        /* The cache is part of the value: refreshing it is a write, which
         * Redis signals and counts although PFCOUNT is read-only. */
        hll_set_cached_count(writable, count);
        key_modified(c, key, 1);
    }
    reply_integer(c, (long long)count);
}

static void pfmerge_command(client *c) {
    const resp_argument *destination = &c->argv[1];
    uint8_t *max = zmalloc_calloc(HLL_REGISTERS);
    bool use_dense = false;
    for (int j = 1; j < c->argc; j++) {
        object *o = key_read(c, &c->argv[j]);
        if (!o) continue;
        size_t length;
        const unsigned char *bytes = hll_bytes_or_reply(c, o, &length);
        if (!bytes) goto done;
        if (hll_encoding(bytes) == HLL_ENCODING_DENSE) use_dense = true;
        if (!hll_merge_registers(max, bytes, length)) {
            reply_error(c, HLL_INVALID_ERROR);
            goto done;
        }
    }
    db *d = key_db(c);
    object *o = db_lookup_write(d, destination->data, destination->length);
    hll_buffer b;
    if (o) {
        edit_open(d, &o, &b); /* checked as a source above */
    } else {
        b = (hll_buffer){.bytes = zmalloc_alloc(HLL_EMPTY_SIZE + 8), .length = HLL_EMPTY_SIZE,
                         .capacity = HLL_EMPTY_SIZE + 8, .owned = true};
        hll_init_empty(b.bytes);
    }
    bool corrupt = false;
    if (use_dense) corrupt = !hll_to_dense(&b);
    if (!corrupt) {
        /* Redis ignores a corrupt destination here: it was merged above. */
        for (uint32_t i = 0; i < HLL_REGISTERS; i++)
            if (max[i]) (void)hll_set_register(&b, i, max[i], (size_t)hll_sparse_max_bytes);
        hll_invalidate_cache(b.bytes);
    }
    bool stored;
    if (o) {
        stored = edit_close(d, &o, &b);
    } else {
        db_add(d, object_create_string(destination->data, destination->length, (const char *)b.bytes, b.length,
                                       OBJECT_STRING_RAW, OBJECT_NO_EXPIRE));
        zmalloc_free(b.bytes);
        stored = true;
    }
    if (!stored) {
        reply_error(c, OBJECT_NO_MEMORY_ERROR);
    } else if (corrupt) {
        reply_error(c, HLL_INVALID_ERROR);
    } else {
        key_modified(c, destination, 1);
        notify_keyspace_event(NOTIFY_STRING, "pfadd", c->db_index, destination->data, destination->length);
        reply_ok(c);
    }
done:
    zmalloc_free(max);
}

static void pfselftest_command(client *c) {
    char error[128];
    uint64_t seed = ((uint64_t)server_monotonic_us() << 20) ^ (uint64_t)c->id;
    if (hll_selftest(seed, (size_t)hll_sparse_max_bytes, error, sizeof error)) reply_ok(c);
    else reply_error(c, error);
}

/* ---- PFDEBUG ---- */

static void decode_opcode(void *context, char kind, int value, int run) {
    strbuf *text = context;
    char item[32];
    int length = kind == 'v' ? snprintf(item, sizeof item, "v:%d,%d ", value, run)
                             : snprintf(item, sizeof item, "%c:%d ", kind, run);
    strbuf_append(text, item, (size_t)length);
}

static void pfdebug_command(client *c) {
    const resp_argument *sub = &c->argv[1], *key = &c->argv[2];
    db *d = key_db(c);
    object *o = db_lookup_write(d, key->data, key->length);
    if (!o) {
        reply_error(c, "ERR The specified key does not exist");
        return;
    }
    size_t length;
    if (!hll_bytes_or_reply(c, o, &length)) return;
    hll_buffer b;
    edit_open(d, &o, &b);
    bool was_sparse = hll_encoding(b.bytes) == HLL_ENCODING_SPARSE;
    if (args_is(sub, "getreg") || args_is(sub, "todense")) {
        if (was_sparse && !hll_to_dense(&b)) {
            edit_close(d, &o, &b);
            reply_error(c, HLL_INVALID_ERROR);
            return;
        }
        if (was_sparse) server.stats.dirty++; /* the encoding changed */
        if (args_is(sub, "todense")) {
            reply_integer(c, was_sparse ? 1 : 0);
        } else {
            reply_array_header(c, HLL_REGISTERS);
            for (uint32_t i = 0; i < HLL_REGISTERS; i++) reply_integer(c, hll_dense_get(b.bytes + HLL_HEADER_SIZE, i));
        }
    } else if (args_is(sub, "decode")) {
        if (!was_sparse) {
            reply_error(c, "ERR HLL encoding is not sparse");
        } else {
            strbuf text;
            strbuf_init(&text);
            hll_sparse_walk(b.bytes, b.length, decode_opcode, &text);
            size_t size = text.length;
            reply_bulk(c, size ? text.data : "", size ? size - 1 : 0); /* without the last space */
            strbuf_free(&text);
        }
    } else if (args_is(sub, "encoding")) {
        reply_simple(c, was_sparse ? "sparse" : "dense");
    } else {
        reply_error_format(c, "ERR Unknown PFDEBUG subcommand '%.*s'", (int)sub->length, sub->data);
    }
    edit_close(d, &o, &b);
}

/* Redis 7.0's key specs: PFCOUNT's note, PFMERGE's destination and sources
 * apart (a destination alone names no key, as in Redis). */
static const key_spec pfcount_key_specs[] = {
    {.flags = KEY_RW | KEY_ACCESS,
     .notes = "RW because it may change the internal representation of the key, and propagate to replicas",
     .search = KEY_SEARCH_INDEX, .position = 1, .find = KEY_FIND_RANGE, .last_key = -1, .key_step = 1},
    {0}};
static const key_spec pfmerge_key_specs[] = {
    {.flags = KEY_RW | KEY_ACCESS | KEY_INSERT, .search = KEY_SEARCH_INDEX, .position = 1, .find = KEY_FIND_RANGE,
     .key_step = 1},
    {.flags = KEY_RO | KEY_ACCESS, .search = KEY_SEARCH_INDEX, .position = 2, .find = KEY_FIND_RANGE,
     .last_key = -1, .key_step = 1},
    {0}};

const command_spec hll_commands[] = {
    {.name = "pfadd", .handler = pfadd_command, .arity = -2, .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .categories = ACL_WRITE | ACL_HYPERLOGLOG | ACL_FAST,
     .group = "hyperloglog", .summary = "Adds the specified elements to the specified HyperLogLog.",
     .since = "2.8.9", .complexity = "O(1) to add every element.", .key_flags = KEY_RW | KEY_INSERT},
    {.name = "pfcount", .handler = pfcount_command, .arity = -2, .flags = COMMAND_READONLY | COMMAND_MAY_REPLICATE,
     .first_key = 1, .last_key = -1, .key_step = 1, .categories = ACL_READ | ACL_HYPERLOGLOG | ACL_SLOW,
     .group = "hyperloglog",
     .summary = "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
     .since = "2.8.9",
     .complexity = "O(1) with a very small average constant time when called with a single key. O(N) with N "
                   "being the number of keys, and much bigger constant times, when called with multiple keys.",
     .key_flags = KEY_RW | KEY_ACCESS, .key_specs = pfcount_key_specs},
    {.name = "pfmerge", .handler = pfmerge_command, .arity = -2, .flags = COMMAND_WRITE | COMMAND_DENYOOM,
     .first_key = 1, .last_key = -1, .key_step = 1, .categories = ACL_WRITE | ACL_HYPERLOGLOG | ACL_SLOW,
     .group = "hyperloglog", .summary = "Merge N different HyperLogLogs into a single one.", .since = "2.8.9",
     .complexity = "O(N) to merge N HyperLogLogs, but with high constant times.",
     .key_flags = KEY_RW | KEY_ACCESS | KEY_INSERT, .key_specs = pfmerge_key_specs},
    {.name = "pfselftest", .handler = pfselftest_command, .arity = 1, .flags = COMMAND_ADMIN,
     .categories = ACL_HYPERLOGLOG | ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "hyperloglog",
     .summary = "An internal command for testing HyperLogLog values", .since = "2.8.9", .complexity = "N/A"},
    {.name = "pfdebug", .handler = pfdebug_command, .arity = 3, .flags = COMMAND_WRITE | COMMAND_DENYOOM | COMMAND_ADMIN,
     .first_key = 2, .last_key = 2, .key_step = 1,
     .categories = ACL_WRITE | ACL_HYPERLOGLOG | ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "hyperloglog",
     .summary = "Internal commands for debugging HyperLogLog values", .since = "2.8.9", .complexity = "N/A",
     .key_flags = KEY_RW | KEY_ACCESS},
    {0}};
