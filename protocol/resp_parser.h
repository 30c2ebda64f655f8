/* resp_parser: incremental RESP request parser (multibulk and inline).
 *
 * The parser owns the connection's query buffer.  The caller asks where to
 * read the next bytes (resp_parser_read_area), reads from its socket straight
 * into that area, commits the count (resp_parser_commit_read), then pulls
 * complete commands out with resp_parser_next_command until it answers
 * RESP_PARSE_NEED_MORE.  Owning the buffer is what lets the parser receive a
 * large bulk argument (>= RESP_BIG_ARGUMENT_THRESHOLD) directly into one
 * allocation of exactly its size, so a 100 MB value is neither copied nor
 * reallocated while it arrives.
 *
 * Parsing is resumable: the state machine remembers where it stopped (inside
 * a length line, a bulk, a CRLF) and never rescans bytes already parsed.
 *
 * The argument vector of a command points into the query buffer (small
 * arguments) or into parser-owned big-argument blocks.  It stays valid until
 * the next call to resp_parser_next_command, resp_parser_read_area or
 * resp_parser_shrink.  A caller that needs an argument longer (MULTI queues,
 * the keyspace) copies it, or takes ownership of a big argument with
 * resp_parser_take_argument.
 *
 * Errors carry Redis 7.0's exact texts (without the leading '-' and the
 * trailing CRLF).  After an error the connection must be answered with the
 * error and closed: the parser refuses further input.
 */
#ifndef ZKV_RESP_PARSER_H
#define ZKV_RESP_PARSER_H

#include <stddef.h>
#include <stdint.h>

#define RESP_BIG_ARGUMENT_THRESHOLD (32 * 1024)
#define RESP_READ_CHUNK (16 * 1024)

typedef struct resp_parser_limits {
    long long max_bulk_length;     /* proto-max-bulk-len, default 512 MB */
    size_t max_inline_length;      /* default 64 KiB */
    long long max_multibulk_count; /* default INT_MAX */
    size_t max_header_length;      /* a '*'/'$' line longer than this: error (64 KiB) */
} resp_parser_limits;

/* Fills in Redis 7.0's defaults. */
void resp_parser_default_limits(resp_parser_limits *limits);

typedef struct resp_argument {
    const char *data; /* not NUL-terminated in general */
    size_t length;
} resp_argument;

typedef enum resp_parse_status {
    RESP_PARSE_COMMAND,   /* a complete command is in *command */
    RESP_PARSE_NEED_MORE, /* every buffered byte is consumed or partial */
    RESP_PARSE_ERROR      /* protocol error; see resp_parser_error() */
} resp_parse_status;

typedef enum resp_request_kind { RESP_REQUEST_MULTIBULK, RESP_REQUEST_INLINE } resp_request_kind;

typedef struct resp_command {
    int argc;
    resp_argument *argv;    /* argc entries, owned by the parser */
    resp_request_kind kind; /* inline commands have no bulk framing */
} resp_command;

typedef struct resp_parser resp_parser; /* opaque */

/* NULL only if zmalloc's try-allocation fails. */
resp_parser *resp_parser_create(const resp_parser_limits *limits);
void resp_parser_destroy(resp_parser *parser);
/* Limits may change at run time (CONFIG SET); they apply from the next header. */
void resp_parser_set_limits(resp_parser *parser, const resp_parser_limits *limits);

/* Redis 7.0 refuses large requests from clients that still have to
 * authenticate ("unauthenticated multibulk length" above 10 arguments,
 * "unauthenticated bulk length" above 16384 bytes).  Off by default; the
 * server turns it on while a password is required and not yet given. */
void resp_parser_set_unauthenticated(resp_parser *parser, int unauthenticated);

/* Where the caller should read the next bytes: *capacity bytes are writable at
 * the returned pointer.  Normally RESP_READ_CHUNK; while a big argument is
 * arriving, exactly what remains of it (so its bytes land in place).
 * After a protocol error: NULL with *capacity 0. */
char *resp_parser_read_area(resp_parser *parser, size_t *capacity);
void resp_parser_commit_read(resp_parser *parser, size_t count);

/* Convenience for tests and fuzzers: copy bytes in (read_area + commit). */
void resp_parser_feed(resp_parser *parser, const char *data, size_t length);

resp_parse_status resp_parser_next_command(resp_parser *parser, resp_command *command);

/* Looks ahead without parsing: the second argument (the key, for most
 * commands) of each complete, plainly encoded multibulk command buffered
 * after the ones already returned, at most `max`, in order; it stops at the
 * first command it cannot read quickly, and finds none while a command is
 * partly parsed.  A hint for prefetching: it changes
 * no state, and the arguments stay valid as long as those of
 * resp_parser_next_command's commands do. */
size_t resp_parser_peek_keys(const resp_parser *parser, resp_argument *keys, size_t max);

/* Takes ownership of argument `index` of the command just returned when it
 * lives in its own allocation (a big bulk): returns the zmalloc block
 * (whose first `length` bytes are the argument) or NULL if the argument
 * lives in the shared buffer and must be copied. */
void *resp_parser_take_argument(resp_parser *parser, int index);

/* Text of the last error, e.g. "ERR Protocol error: invalid bulk length";
 * "" while no error occurred. */
const char *resp_parser_error(const resp_parser *parser);

/* Bytes held by the parser (buffer capacity + big arguments): qbuf in
 * CLIENT LIST and the query buffer limit check. */
size_t resp_parser_memory(const resp_parser *parser);
/* Bytes received and not yet consumed (qbuf).  The command last returned
 * counts until the next resp_parser_next_command, as in Redis, where a
 * client running CLIENT LIST sees its own request (qbuf=26); a big argument
 * in flight counts what has arrived of it. */
size_t resp_parser_pending_bytes(const resp_parser *parser);
/* Free capacity of the query buffer (qbuf-free): qbuf + qbuf-free is the
 * buffer's size, or while a big argument arrives, what remains of it. */
size_t resp_parser_free_capacity(const resp_parser *parser);

/* Releases buffer memory when nothing is pending (idle clients), keeping the
 * parser usable. */
void resp_parser_shrink(resp_parser *parser);

/* Gives back buffer space recent traffic did not need (call it periodically,
 * as Redis' clientsCron does): a buffer over 32 KiB and more than twice
 * what recent traffic needed (the most bytes held since the previous call,
 * plus RESP_READ_CHUNK) shrinks to that, and an argument vector to its
 * largest recent command.  Does nothing while the command last returned may still
 * be in use (call it between resp_parser_next_command answering
 * NEED_MORE and the next read) or while a big argument arrives. */
void resp_parser_trim(resp_parser *parser);

#endif
