/* reply.h: helpers that answer the client whose command is running.
 *
 * They write to c->reply (protocol/resp_writer.h), which encodes RESP2 or RESP3
 * according to the client's protocol.  Handlers may also call resp_write_* on
 * c->reply directly; nothing here adds state besides error accounting.
 *
 * Every error reply must go through reply_error* so that total_error_replies,
 * errorstats (counted by error code: the first word) and the command's
 * failed_calls stay right.  Error texts are given without the leading '-'
 * and always start with their code: "ERR syntax error", "NOAUTH ...".
 *
 * CLIENT REPLY OFF/SKIP is handled by dispatch (it swaps c->reply for a
 * discarding buffer), so helpers need not check it.
 */
#ifndef ZKV_REPLY_H
#define ZKV_REPLY_H

#include <stddef.h>

#include "client.h"

void reply_ok(client *c);
void reply_simple(client *c, const char *text);
void reply_integer(client *c, long long value);
void reply_bulk(client *c, const void *data, size_t length);
void reply_bulk_cstring(client *c, const char *text);
void reply_bulk_integer(client *c, long long value); /* "123" as a bulk string */
void reply_null(client *c);        /* RESP2 $-1 */
void reply_null_array(client *c);  /* RESP2 *-1 */
void reply_array_header(client *c, long long count);
void reply_map_header(client *c, long long pairs);
void reply_set_header(client *c, long long count);
void reply_double(client *c, double value);
void reply_verbatim(client *c, const char *text, size_t length); /* "txt" verbatim, bulk in RESP2 */

/* Errors.  `text` is "CODE message", without CR or LF. */
void reply_error(client *c, const char *text);
void reply_error_length(client *c, const char *text, size_t length);
void reply_error_format(client *c, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* The common ones, byte-exact with Redis 7.0. */
void reply_wrong_type(client *c);         /* WRONGTYPE Operation against a key holding ... */
void reply_syntax_error(client *c);       /* ERR syntax error */
void reply_not_integer(client *c);        /* ERR value is not an integer or out of range */
void reply_not_float(client *c);          /* ERR value is not a valid float */
void reply_arity_error(client *c);        /* ERR wrong number of arguments for 'x' command */
/* "ERR unknown subcommand or wrong number of arguments for 'x'. Try CMD HELP." */
void reply_subcommand_syntax_error(client *c);

/* A HELP reply in Redis's layout: the header line
 * "<COMMAND> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
 * then `lines` (NULL-terminated), then the standard HELP entry. */
void reply_help(client *c, const char *command_name, const char *const *lines);

#endif
