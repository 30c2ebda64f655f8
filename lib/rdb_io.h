/* rdb_io: the byte-level writer and reader of Redis's serialization (RDB
 * files and DUMP payloads), shared by the persistence module and by every
 * type module that serializes its own values.
 *
 * Writer.  Bytes accumulate in a zmalloc'd buffer; with a file descriptor
 * the buffer is written out whenever it passes RDB_WRITER_FLUSH_BYTES, so a
 * save of any size uses a fixed amount of memory; without one (DUMP) the
 * buffer is the result.  The CRC is folded in as bytes leave the buffer (or
 * when asked), never byte by byte.  The first failed write is remembered
 * (its errno) and every later call returns -1 at once, so callers may check
 * once at the end.
 *
 * Reader.  A cursor over bytes that are all in memory (a DUMP payload, or a
 * file mapped with mmap): strings stored raw are returned as pointers into
 * the input, with no copy, and every read checks its bounds, so corrupt or
 * truncated input yields an error, never a read past the end.  The first
 * error's static reason stays in `error`.
 *
 * Encodings (Redis's):
 *   length   00xxxxxx | 01xxxxxx xxxxxxxx (big-endian 14 bits) | 0x80 + 4
 *            bytes BE | 0x81 + 8 bytes BE | 11xxxxxx: a special string
 *   string   length + bytes | C0 int8 | C1 int16 LE | C2 int32 LE |
 *            C3 <len compressed> <len original> <LZF bytes>
 * A string is written as an integer when it is a canonical decimal (what
 * Redis's string2ll accepts) of at most 11 characters that fits 32 bits, and
 * LZF-compressed (when asked) when longer than 20 bytes and at least 4 bytes
 * shorter compressed, exactly as Redis 7.0, so files have the same size.
 */
#ifndef ZKV_RDB_IO_H
#define ZKV_RDB_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* Value type bytes (Redis 7.0's rdb.h numbering). */
enum rdb_type {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1,
    RDB_TYPE_SET = 2,
    RDB_TYPE_ZSET = 3,
    RDB_TYPE_HASH = 4,
    RDB_TYPE_ZSET_2 = 5,
    RDB_TYPE_MODULE = 6,
    RDB_TYPE_MODULE_2 = 7,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_STREAM_LISTPACKS = 15,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_TYPE_STREAM_LISTPACKS_2 = 19
};

#define RDB_WRITER_FLUSH_BYTES (64 * 1024)
#define RDB_LZF_MIN_LENGTH 20

#define RDB_ENCODED_INT8 0
#define RDB_ENCODED_INT16 1
#define RDB_ENCODED_INT32 2
#define RDB_ENCODED_LZF 3

typedef struct rdb_writer {
    strbuf buffer;               /* bytes not yet written to fd */
    int fd;                      /* -1: in memory only */
    bool compress;               /* rdbcompression */
    int error;                   /* errno of the first failure, 0 if none */
    uint64_t crc;                /* over every byte before buffer[crc_done] */
    size_t crc_done;
    unsigned long long written;  /* bytes handed to fd so far */
    char *scratch;               /* LZF output, reused */
    size_t scratch_size;
} rdb_writer;

void rdb_writer_init(rdb_writer *w, int fd, bool compress);
/* Releases the buffers (does not close fd). */
void rdb_writer_free(rdb_writer *w);
/* Writes the buffer out to fd (nothing in memory mode); 0 or -1. */
int rdb_writer_flush(rdb_writer *w);
/* CRC of every byte written so far. */
uint64_t rdb_writer_crc(rdb_writer *w);
/* Bytes produced so far (written + buffered). */
unsigned long long rdb_writer_size(const rdb_writer *w);

/* Each returns 0, or -1 once a write to fd failed (w->error holds errno). */
int rdb_write_raw(rdb_writer *w, const void *data, size_t length);
int rdb_write_byte(rdb_writer *w, uint8_t byte);
int rdb_write_length(rdb_writer *w, uint64_t length);
/* A string in the smallest of Redis's encodings (see above). */
int rdb_write_string(rdb_writer *w, const void *data, size_t length);
/* A quicklist node Redis keeps LZF-compressed in memory (an inner node
 * under list-compress-depth): Redis writes its compressed bytes whatever
 * rdbcompression says, so this writes LZF when Redis's node compression
 * would have kept it (48 bytes or more, saving more than 8), else as
 * rdb_write_string. */
int rdb_write_compressed_node(rdb_writer *w, const void *data, size_t length);
/* An integer value as a string (int8/16/32 encoding, else its decimal). */
int rdb_write_integer_string(rdb_writer *w, long long value);
int rdb_write_double_binary(rdb_writer *w, double value);   /* 8 bytes LE */
int rdb_write_u64_le(rdb_writer *w, uint64_t value);
int rdb_write_u32_le(rdb_writer *w, uint32_t value);

typedef struct rdb_reader {
    const uint8_t *cursor;
    const uint8_t *end;
    int version;        /* RDB version of the data: decides old encodings */
    const char *error;  /* first failure, static text; NULL if none */
} rdb_reader;

/* A string read back: `data`/`length` are valid while the input and this
 * struct live; release it with rdb_string_release (LZF output is owned). */
typedef struct rdb_string {
    const char *data;
    size_t length;
    char *owned;
    char digits[24];
    bool is_integer;     /* stored with an integer encoding */
    long long integer;   /* its value when is_integer */
} rdb_string;

void rdb_reader_init(rdb_reader *r, const void *data, size_t length, int version);
static inline size_t rdb_reader_left(const rdb_reader *r) { return (size_t)(r->end - r->cursor); }
/* Marks the reader failed with `reason` (kept if one is already set); -1. */
int rdb_reader_fail(rdb_reader *r, const char *reason);

/* Each returns 0, or -1 with r->error set. */
int rdb_read_byte(rdb_reader *r, uint8_t *byte);
/* `length` bytes, pointed to in the input. */
int rdb_read_raw(rdb_reader *r, size_t length, const uint8_t **bytes);
/* A plain length; a special string encoding here is an error. */
int rdb_read_length(rdb_reader *r, uint64_t *length);
/* A length, or (encoded true) the special encoding number 0..63. */
int rdb_read_length_or_encoding(rdb_reader *r, uint64_t *length, bool *encoded);
/* On failure there is nothing to release. */
int rdb_read_string(rdb_reader *r, rdb_string *out);
void rdb_string_release(rdb_string *s);
int rdb_read_double_binary(rdb_reader *r, double *value);
/* The text double of RDB_TYPE_ZSET (version 1): length byte, 253 nan,
 * 254 +inf, 255 -inf. */
int rdb_read_double_text(rdb_reader *r, double *value);
int rdb_read_u64_le(rdb_reader *r, uint64_t *value);
int rdb_read_u32_le(rdb_reader *r, uint32_t *value);

/* One element of a packed blob (listpack, ziplist, intset, zipmap): bytes
 * pointing into the blob, or an integer.  rdb_element_bytes gives the
 * decimal text of an integer element in `digits`. */
typedef struct rdb_element {
    const uint8_t *string;
    size_t length;
    long long integer;
    bool is_integer;
} rdb_element;
const char *rdb_element_bytes(const rdb_element *e, char digits[24], size_t *length);

/* The integer-encoding test Redis applies to strings (canonical decimal
 * that fits a long long), shared by the listpack writer. */
bool rdb_string_is_integer(const void *data, size_t length, long long *value);

#endif
