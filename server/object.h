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
#define OBJECT_INTEGER_BUFFER 21  /* digits of LLONG_MIN plus its sign */
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

/* Per type: how to free, duplicate and weigh (for lazy freeing) the value
 * behind the pointer of non-string types. */
typedef struct object_type_functions {
    void (*free_value)(void *value);
    void *(*duplicate_value)(const void *value);
    size_t (*free_effort)(const void *value); /* ~number of allocations */
} object_type_functions;
void object_register_type(enum object_type type, const object_type_functions *functions);

/* Work needed to free the object: 1 for strings, the type's estimate
 * otherwise.  The lazy freer sends objects above a threshold to its thread. */
size_t object_free_effort(const object *o);

/* ---- Header ---- */
const char *object_key(const object *o, size_t *length);
enum object_type object_type(const object *o);
enum object_encoding object_encoding(const object *o);
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
size_t object_memory(const object *o);

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
void object_set_pointer(object *o, void *value);
/* The separately allocated buffer of a long string, or NULL (active defrag
 * moves it and stores the new address with object_set_pointer). */
void *object_string_external_block(const object *o);

/* ---- Number helpers shared by the string commands ---- */
/* Strict decimal: optional '-', no leading zeros or spaces, fits a long long
 * (Redis's string2ll).  Returns false if the text is not such a number. */
bool object_parse_integer(const char *text, size_t length, long long *value);
/* Formats a long long; returns the length (no terminator is counted). */
size_t object_format_integer(long long value, char buffer[OBJECT_INTEGER_BUFFER]);

#endif
