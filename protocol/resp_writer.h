/* resp_writer: the reply encoder and the output buffer it fills.
 *
 * A resp_output is one connection's pending reply bytes: a list of chunks.
 * Small replies are appended into 16 KiB buffer chunks (allocated through
 * zmalloc, reused); a large value can be appended by reference, so a 100 MB
 * GET is never copied into the buffer: the chunk points at the caller's bytes
 * and calls the caller's release function once it has been written or
 * discarded.  The socket layer drains the buffer with resp_output_iovec
 * (ready for writev) and resp_output_consume.
 *
 * Command handlers write each reply once, in terms of RESP3 types; the
 * protocol version of the output (2 by default, 3 after HELLO 3) decides the
 * bytes.  In RESP2 a map is a flat array of 2N elements, a set or push an
 * array, a double a bulk string, a boolean the integer 0 or 1, a verbatim
 * string or big number a bulk string, and null is $-1 (resp_write_null) or *-1
 * (resp_write_null_array).
 *
 * Aggregates whose length is not known in advance (KEYS, SCAN, CLIENT LIST)
 * reserve a deferred header and fill it in later.
 *
 * Integers and lengths are formatted without printf.
 */
#ifndef ZKV_RESP_WRITER_H
#define ZKV_RESP_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define RESP_OUTPUT_CHUNK_SIZE (16 * 1024)

typedef struct resp_output resp_output; /* opaque */

resp_output *resp_output_create(void);
void resp_output_destroy(resp_output *output); /* releases referenced chunks */

/* 2 or 3. */
void resp_output_set_protocol(resp_output *output, int version);
int resp_output_protocol(const resp_output *output);

/* Bytes queued and not yet consumed. */
size_t resp_output_pending_bytes(const resp_output *output);
/* Bytes of memory the buffer holds (chunk capacities; referenced data is
 * counted at its length): omem in CLIENT LIST and the output limit check. */
size_t resp_output_memory(const resp_output *output);
/* Number of chunks beyond the first (oll in CLIENT LIST). */
size_t resp_output_chunk_count(const resp_output *output);

/* Fills up to max_vectors iovecs with the front of the pending bytes and
 * returns how many were filled (0 when nothing is pending). */
int resp_output_iovec(const resp_output *output, struct iovec *vectors, int max_vectors);
/* Drops the first `count` pending bytes (what writev reported written). */
void resp_output_consume(resp_output *output, size_t count);
/* Drops everything pending (CLIENT REPLY OFF rollback, client kill). */
void resp_output_clear(resp_output *output);
/* Frees spare chunks once nothing is pending (idle clients cost little). */
void resp_output_shrink(resp_output *output);
/* True once the allocator refused this output a chunk (a reply too big for
 * the memory left): from then on encoders write into a sink and nothing is
 * queued, so the owner must close the connection instead of sending a
 * truncated reply.  One request must not abort the server. */
int resp_output_failed(const resp_output *output);
/* resp_output_clear, and the refusal forgotten: for an owner that answers
 * the failure itself and goes on with the same output (the script client,
 * whose redis.call raises an error instead of handing the script a
 * truncated reply). */
void resp_output_reset(resp_output *output);

/* ---- Encoders.  Text passed to simple/error must not contain CR or LF. ---- */
void resp_write_simple(resp_output *output, const char *text, size_t length); /* +OK */
/* `text` starts with the error code: "ERR unknown command ...", "WRONGTYPE ...". */
void resp_write_error(resp_output *output, const char *text, size_t length);
void resp_write_integer(resp_output *output, long long value);
void resp_write_bulk(resp_output *output, const void *data, size_t length);
void resp_write_bulk_cstring(resp_output *output, const char *text);
/* Appends a bulk whose payload is referenced, not copied; `release(context)`
 * runs exactly once, when the bytes are written or dropped.  Payloads under
 * 4 KiB are cheaper to copy: they are, and release runs before returning.
 * `release` may be NULL. */
void resp_write_bulk_reference(resp_output *output, const void *data, size_t length,
                               void (*release)(void *context), void *context);
void resp_write_null(resp_output *output);       /* RESP2 $-1, RESP3 _ */
void resp_write_null_array(resp_output *output); /* RESP2 *-1, RESP3 _ */
void resp_write_array_header(resp_output *output, long long count);
void resp_write_map_header(resp_output *output, long long pairs);
void resp_write_set_header(resp_output *output, long long count);
void resp_write_push_header(resp_output *output, long long count);
void resp_write_double(resp_output *output, double value);
void resp_write_boolean(resp_output *output, int value);
/* `format` is the 3-letter RESP3 verbatim type, e.g. "txt". */
void resp_write_verbatim(resp_output *output, const char *format, const char *data, size_t length);
void resp_write_big_number(resp_output *output, const char *digits, size_t length);
/* Bytes appended as they are (already encoded). */
void resp_write_raw(resp_output *output, const void *data, size_t length);

/* Deferred aggregate headers. */
typedef struct resp_deferred {
    void *chunk;     /* opaque */
    size_t position; /* opaque */
} resp_deferred;
resp_deferred resp_write_deferred_header(resp_output *output);
void resp_set_deferred_array_length(resp_output *output, resp_deferred deferred, long long count);
void resp_set_deferred_map_length(resp_output *output, resp_deferred deferred, long long pairs);
void resp_set_deferred_set_length(resp_output *output, resp_deferred deferred, long long count);

/* Decimal formatting without printf; returns the number of characters
 * written (at most 20 for int64, no NUL terminator). */
int resp_format_int64(char *destination, long long value);

#endif
