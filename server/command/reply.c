/* reply: answering helpers over c->reply (see reply.h).
 *
 * The only logic here is error accounting: every error reply bumps
 * total_error_replies and its code's errorstats entry, which is how dispatch
 * later tells that a command failed (failed_calls).  Formatted errors are
 * built in a stack buffer; CR and LF are replaced by spaces because a
 * simple-string frame cannot carry them.
 */
#include "errorstats.h"
#include "reply.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "strbuf.h"

void reply_ok(client *c) { resp_write_simple(c->reply, "OK", 2); }

void reply_simple(client *c, const char *text) { resp_write_simple(c->reply, text, strlen(text)); }

void reply_integer(client *c, long long value) { resp_write_integer(c->reply, value); }

void reply_bulk(client *c, const void *data, size_t length) { resp_write_bulk(c->reply, data, length); }

void reply_bulk_cstring(client *c, const char *text) { resp_write_bulk_cstring(c->reply, text); }

void reply_bulk_integer(client *c, long long value) {
    char digits[24];
    int length = resp_format_int64(digits, value);
    resp_write_bulk(c->reply, digits, (size_t)length);
}

void reply_null(client *c) { resp_write_null(c->reply); }

void reply_null_array(client *c) { resp_write_null_array(c->reply); }

void reply_array_header(client *c, long long count) { resp_write_array_header(c->reply, count); }

void reply_map_header(client *c, long long pairs) { resp_write_map_header(c->reply, pairs); }

void reply_set_header(client *c, long long count) { resp_write_set_header(c->reply, count); }

void reply_double(client *c, double value) { resp_write_double(c->reply, value); }

void reply_verbatim(client *c, const char *text, size_t length) {
    resp_write_verbatim(c->reply, "txt", text, length);
}

void reply_error_length(client *c, const char *text, size_t length) {
    char clean[1024];
    if (length > sizeof(clean)) length = sizeof(clean);
    for (size_t i = 0; i < length; i++) clean[i] = (text[i] == '\r' || text[i] == '\n') ? ' ' : text[i];
    resp_write_error(c->reply, clean, length);
    errorstats_count(clean, length);
}

void reply_error(client *c, const char *text) { reply_error_length(c, text, strlen(text)); }

void reply_error_format(client *c, const char *format, ...) {
    char text[1024];
    va_list arguments;
    va_start(arguments, format);
    int length = vsnprintf(text, sizeof(text), format, arguments);
    va_end(arguments);
    if (length < 0) length = 0;
    if ((size_t)length >= sizeof(text)) length = (int)sizeof(text) - 1;
    reply_error_length(c, text, (size_t)length);
}

void reply_wrong_type(client *c) {
    reply_error(c, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

void reply_syntax_error(client *c) { reply_error(c, "ERR syntax error"); }

void reply_not_integer(client *c) { reply_error(c, "ERR value is not an integer or out of range"); }

void reply_not_float(client *c) { reply_error(c, "ERR value is not a valid float"); }

void reply_arity_error(client *c) {
    const char *name = c->command ? c->command->full_name : "";
    reply_error_format(c, "ERR wrong number of arguments for '%s' command", name);
}

/* The command name in upper case, as Redis prints it in "Try X HELP". */
static void upper_copy(char *destination, size_t size, const resp_argument *argument) {
    size_t length = argument->length < size - 1 ? argument->length : size - 1;
    for (size_t i = 0; i < length; i++) destination[i] = (char)toupper((unsigned char)argument->data[i]);
    destination[length] = '\0';
}

void reply_subcommand_syntax_error(client *c) {
    char command_name[64];
    upper_copy(command_name, sizeof(command_name), &c->argv[0]);
    int length = c->argc > 1 ? (int)(c->argv[1].length < 128 ? c->argv[1].length : 128) : 0;
    reply_error_format(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s HELP.",
                       length, c->argc > 1 ? c->argv[1].data : "", command_name);
}

void reply_help(client *c, const char *command_name, const char *const *lines) {
    long long count = 0;
    while (lines[count]) count++;
    resp_write_array_header(c->reply, count + 3);
    strbuf header = STRBUF_INIT;
    strbuf_printf(&header, "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", command_name);
    resp_write_simple(c->reply, header.data, header.length);
    strbuf_free(&header);
    for (long long i = 0; i < count; i++) reply_simple(c, lines[i]);
    reply_simple(c, "HELP");
    reply_simple(c, "    Prints this help.");
}
