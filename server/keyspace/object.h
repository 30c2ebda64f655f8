/* object: one stored key, with its value, in a single zmalloc allocation.
 *
 * Redis spends, per small string key, a 16-byte robj, a separate key sds and
 * a 24-byte dictEntry.  zkv packs everything a key needs into one block:
 *
 *   byte 0     type (low 4 bits) and the encoding OBJECT ENCODING reports
 *              (high 4 bits, Redis's numbering)
 *   byte 1     flags: has a TTL, TTL stored on 8 bytes, value storage kind
 *   bytes 2-4  24-bit LRU clock (or LFU counter and decay time), so that
 *              eviction later costs no extra byte
 *   varint     key length, then the key bytes (no terminator)
 *   6 bytes    expire time in ms since the epoch, only when the key has one
 *              (8 bytes for times beyond 2^48 ms, year 10889)
 *   value      an integer (zigzag varint), or a length varint and the bytes,
 *              or an 8-byte pointer to an external block
 *
 * A 16-byte key with a 3-byte value takes 26 bytes (32 with a TTL), so it
 * falls in jemalloc's 32-byte class either way.
 *
 * Storage is independent of the reported encoding: the value is kept as an
 * integer exactly when Redis would say "int" (a canonical decimal that fits a
 * long long), strings up to OBJECT_INLINE_MAX bytes live inside the block,
 * and longer ones in an external buffer with spare capacity.  The external
 * buffer is the trade-off for big values: APPEND and SETRANGE then grow the
 * buffer in place (amortised O(1)) instead of reallocating the whole object,
 * and the object itself stays small, at the price of one more allocation
 * (8 bytes of pointer plus the buffer header) for values that are large
 * anyway.  Other types (lists, hashes...) also keep their structure behind the
 * pointer, with a free function registered per type.
 *
 * Any call that can change the size of the block returns the (possibly
 * moved) object; the caller stores it back in the table.
 */
#ifndef ZKV_OBJECT_H
#define ZKV_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "number.h"

typedef struct object object; /* opaque: a byte layout, see above */

/* Redis's type numbers (TYPE, and RDB later). */
enum object_type {
    OBJECT_STRING = 0,
    OBJECT_LIST = 1,
    OBJECT_SET = 2,
    OBJECT_ZSET = 3,
    OBJECT_HASH = 4,
    OBJECT_STREAM = 6,
    OBJECT_TYPE_COUNT = 16
};

/* Redis's encoding numbers (OBJECT ENCODING). */
enum object_encoding {
    OBJECT_ENCODING_RAW = 0,
    OBJECT_ENCODING_INT = 1,
    OBJECT_ENCODING_HASHTABLE = 2,
    OBJECT_ENCODING_LINKEDLIST = 4,
    OBJECT_ENCODING_INTSET = 6,
    OBJECT_ENCODING_SKIPLIST = 7,
    OBJECT_ENCODING_EMBSTR = 8,
    OBJECT_ENCODING_QUICKLIST = 9,
    OBJECT_ENCODING_STREAM = 10,
    OBJECT_ENCODING_LISTPACK = 11
};

/* How a new string value should be encoded, following Redis's paths:
 * AUTO is what SET does (int if possible, else embstr up to 44 bytes, else
 * raw); PLAIN never tries int (INCRBYFLOAT results); RAW is what values built
 * by modification report (APPEND, SETRANGE, SETBIT, BITOP). */
enum object_string_kind { OBJECT_STRING_AUTO, OBJECT_STRING_PLAIN, OBJECT_STRING_RAW };

#define OBJECT_NO_EXPIRE (-1LL)
#define OBJECT_EMBSTR_MAX 44      /* Redis's embstr limit */
#define OBJECT_INLINE_MAX 256     /* longer strings use an external buffer */
#define OBJECT_INTEGER_BUFFER NUMBER_INTEGER_BUFFER
#define OBJECT_LRU_MAX ((1u << 24) - 1)

/* ---- Creation and destruction ---- */
object *object_create_string(const char *key, size_t key_length, const char *value,
                             size_t value_length, enum object_string_kind kind,
                             long long expire_ms);
object *object_create_integer(const char *key, size_t key_length, long long value,
                              long long expire_ms);
/* A value of another type: `value` is owned by the object from now on. */
object *object_create_pointer(const char *key, size_t key_length, enum object_type type,
                              enum object_encoding encoding, void *value, long long expire_ms);
/* A copy under another key (COPY, RENAME across dbs), TTL given explicitly.
 * Values of other types are copied with their registered duplicate function. */
object *object_duplicate(const object *o, const char *key, size_t key_length, long long expire_ms);
/* The same value, TTL and clock under another key (RENAME).  `o` is
 * consumed: its value moves to the new block, nothing is copied. */
object *object_rename(object *o, const char *key, size_t key_length);
void object_free(object *o);

/* The type interface: everything the keyspace, memory manager and (later)
 * persistence need from a value kept behind the pointer, so that no
 * subsystem switches on the type.  Each type module registers its table at
 * start-up; a NULL entry means "nothing to do" (or, for memory_usage, that
 * only the pointer's block is counted).  Strings are built into object.c.
 * The persistence slots are declared for the RDB module and stay NULL until
 * it lands; a type without them cannot be saved. */
struct rdb_writer;
struct rdb_reader;
typedef struct object_type_functions {
    void (*free_value)(void *value);
    void *(*duplicate_value)(const void *value);
    size_t (*free_effort)(const void *value); /* ~number of allocations */
    /* Bytes allocated behind the pointer (MEMORY USAGE), estimated from
     * about `samples` elements' share of a big value (0: exact, a walk). */
    size_t (*memory_usage)(const void *value, size_t samples);
    /* Active defragmentation: moves the value's blocks where the allocator
     * says it pays off and returns the (possibly new) value pointer. */
    void *(*defrag_value)(void *value);
    /* RDB/DUMP (lib/rdb_io.h; server/persist/rdb_format.h has the whole
     * contract): rdb_type gives the RDB type byte for the value's current
     * encoding, rdb_save writes the value (0, or -1 once the writer failed)
     * after the type byte and key the caller wrote; rdb_load
     * reads a value of `rdb_type` (the byte already consumed) and returns a
     * new object for the key holding it, or NULL with a static reason in
     * *error on corrupt input, or NULL with *error NULL for an empty value
     * (skipped, as Redis does).  They take the object, not the pointer,
     * because a small value may live packed in the key's block. */
    int (*rdb_type)(const object *o);
    int (*rdb_save)(const object *o, struct rdb_writer *writer);
    object *(*rdb_load)(struct rdb_reader *reader, int rdb_type, const char *key, size_t key_length,
                        long long expire_ms, const char **error);
    /* Generic access for commands that work on any collection (SORT, the
     * sorted-set algebra on plain sets), so that none switches on the type:
     *  - for_each_element visits every element in the type's own order
     *    (list order, a sorted set's ascending order, a set's internal
     *    order), with the element's score for sorted sets and 1.0
     *    otherwise (the weight ZUNION gives a set member); the value must
     *    not change during the walk, and `bytes` is valid only during the
     *    call;
     *  - field_value finds one field of a hash (SORT BY/GET key->field);
     *    it takes the object, since small hashes live in the key's own
     *    block: true with the bytes, which stay valid until the
     *    value changes (integer-encoded fields are formatted into
     *    `buffer`), false when the field is absent;
     *  - create_from_elements builds a new value from `count` elements
     *    (SORT ... STORE builds a list), choosing its encoding, which it
     *    stores in *encoding.
     * A NULL slot means the type does not offer it (SORT reports the type
     * as unsupported, STORE fails while no list type is registered). */
    void (*for_each_element)(const void *value,
                             void (*visit)(void *context, const char *bytes, size_t length, double score),
                             void *context);
    bool (*field_value)(const object *o, const char *field, size_t field_length, const char **bytes,
                        size_t *length, char buffer[OBJECT_INTEGER_BUFFER]);
    void *(*create_from_elements)(const char *const *elements, const size_t *lengths, size_t count,
                                  enum object_encoding *encoding);
    /* Ordered types (lists, sorted sets): visits the elements at positions
     * [start, start + count) of for_each_element's order (fewer past the
     * end), reaching `start` without visiting what comes before (O(chunks)
     * for a list, O(log n) for a big sorted set), and returns the number of
     * elements.  SORT ... BY nosort LIMIT uses it; NULL walks everything. */
    size_t (*for_each_element_window)(const void *value, size_t start, size_t count,
                                      void (*visit)(void *context, const char *bytes, size_t length, double score),
                                      void *context);
} object_type_functions;
void object_register_type(enum object_type type, const object_type_functions *functions);
/* The registered table of a type (all-NULL for an unregistered one). */
const object_type_functions *object_type_table(enum object_type type);

/* Work needed to free the object: 1 for strings, the type's estimate
 * otherwise.  The lazy freer sends objects above a threshold to its thread. */
size_t object_free_effort(const object *o);

/* ---- Values packed inside the key's block ----
 *
 * A small collection costs least as a few bytes right after its key: one
 * allocation for key and value, no pointer, no second block header.  A
 * type may keep such a value as `length` opaque bytes here (its own encoding,
 * e.g. a pack) and move it behind a pointer (object_set_pointer on a block
 * made by object_create_pointer) once it grows.  The bytes have no alignment
 * and move with the block; freeing, copying, renaming and defragmenting
 * need nothing from the type.  OBJECT ENCODING reports the encoding given. */
object *object_create_packed(const char *key, size_t key_length, enum object_type type,
                             enum object_encoding encoding, const void *bytes, size_t length, long long expire_ms);
/* True when a non-string value is stored as packed bytes in the block. */
bool object_is_packed(const object *o);
/* The packed bytes and their length; valid until the block changes. */
unsigned char *object_packed_bytes(const object *o, size_t *length);
/* Makes room for `length` packed bytes (the first min(old, new) bytes are
 * kept) and gives the writable bytes in *bytes.  Returns the block, possibly
 * moved: the caller stores it back in the table (db_update_quiet or
 * db_update). */
object *object_packed_resize(object *o, size_t length, unsigned char **bytes);

/* ---- Header ---- */
const char *object_key(const object *o, size_t *length);
enum object_type object_type(const object *o);
enum object_encoding object_encoding(const object *o);
/* Redis 7.0's name of the encoding ("embstr", "listpack", ...), as OBJECT
 * ENCODING and DEBUG OBJECT show it; "unknown" for a value without one. */
const char *object_encoding_name(const object *o);
void object_set_encoding(object *o, enum object_encoding encoding);
uint32_t object_lru(const object *o);
void object_set_lru(object *o, uint32_t lru);
bool object_has_expire(const object *o);
/* Expire time in ms since the epoch, OBJECT_NO_EXPIRE if none. */
long long object_expire(const object *o);
/* Adds, changes or (OBJECT_NO_EXPIRE) removes the TTL; returns the block. */
object *object_set_expire(object *o, long long expire_ms);
/* Bytes the block needs (what was asked of the allocator, before rounding
 * up to its size class). */
size_t object_block_size(const object *o);
/* Bytes the block and its external value hold (MEMORY USAGE). */
size_t object_memory(const object *o, size_t samples);

/* ---- String values ---- */
/* True, with the value, when the string is stored as an integer. */
bool object_string_integer(const object *o, long long *value);
/* True for an integer made by object_duplicate: Redis's COPY gives it its
 * own object where SET would share one (OBJECT REFCOUNT tells). */
bool object_is_integer_copy(const object *o);
/* The bytes of a string value.  Integers are formatted into `buffer`. */
const char *object_string_bytes(const object *o, size_t *length,
                                char buffer[OBJECT_INTEGER_BUFFER]);
size_t object_string_length(const object *o);
/* Makes the value a raw string of exactly `length` bytes (new bytes are
 * zero) and gives a writable pointer to them in *bytes: APPEND, SETRANGE,
 * SETBIT, BITFIELD.  Returns the block, possibly moved; NULL, with `o`
 * unchanged, when the allocator cannot provide the bytes (the caller
 * answers OBJECT_NO_MEMORY_ERROR: one request must not abort the server). */
#define OBJECT_NO_MEMORY_ERROR "ERR not enough memory to grow the string"

object *object_string_resize(object *o, size_t length, char **bytes);
/* The pointer of a non-string value. */
void *object_pointer(const object *o);
/* What the type table's value functions take (for_each_element and its
 * window): the pointer of a value kept behind one, the object itself for a
 * packed one (read with object_packed_bytes).  Blocks are at least 8-byte
 * aligned: a type with packed values tags its own pointers to tell them
 * apart. */
void *object_value(const object *o);
void object_set_pointer(object *o, void *value);
/* The separately allocated buffer of a long string, or NULL (active defrag
 * moves it and stores the new address with object_set_pointer). */
void *object_string_external_block(const object *o);

#endif
