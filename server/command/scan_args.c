/* scan_args: SCAN/HSCAN/SSCAN arguments (scan_args.h). */
#include "scan_args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "glob.h"
#include "reply.h"
#include "zmalloc.h"

#define SCAN_ARGS_CURSOR_TEXT_MAX 64

/* strtoul's rules, as Redis: no leading space, every byte consumed, no
 * overflow; a sign is accepted ("-1" wraps). */
static bool scan_args_cursor(const resp_argument *argument, unsigned long *cursor) {
    char stack_text[SCAN_ARGS_CURSOR_TEXT_MAX];
    char *text = argument->length < sizeof stack_text ? stack_text : zmalloc_alloc(argument->length + 1);
    memcpy(text, argument->data, argument->length);
    text[argument->length] = '\0';
    char *end;
    errno = 0;
    *cursor = strtoul(text, &end, 10);
    bool valid = !(text[0] == ' ' || (text[0] >= '\t' && text[0] <= '\r')) && *end == '\0' && errno != ERANGE;
    if (text != stack_text) zmalloc_free(text);
    return valid;
}

bool scan_args_parse_cursor(client *c, int index, scan_args *args) {
    *args = (scan_args){.count = 10};
    if (scan_args_cursor(&c->argv[index], &args->cursor)) return true;
    reply_error(c, "ERR invalid cursor");
    return false;
}

bool scan_args_parse_options(client *c, int first, bool with_type, scan_args *args) {
    for (int i = first; i < c->argc; i += 2) {
        bool has_value = c->argc - i >= 2;
        if (args_is(&c->argv[i], "count") && has_value) {
            if (!args_integer_or_reply(c, &c->argv[i + 1], &args->count)) return false;
            if (args->count < 1) {
                reply_syntax_error(c);
                return false;
            }
        } else if (args_is(&c->argv[i], "match") && has_value) {
            const resp_argument *pattern = &c->argv[i + 1];
            args->pattern = pattern->length == 1 && pattern->data[0] == '*' ? NULL : pattern;
        } else if (with_type && args_is(&c->argv[i], "type") && has_value) {
            args->type = &c->argv[i + 1];
        } else {
            reply_syntax_error(c);
            return false;
        }
    }
    return true;
}

bool scan_args_match(const scan_args *args, const char *bytes, size_t length) {
    return args->pattern == NULL || glob_match(args->pattern->data, args->pattern->length, bytes, length, 0);
}

void scan_args_reply_empty(client *c) {
    reply_array_header(c, 2);
    reply_bulk(c, "0", 1);
    reply_array_header(c, 0);
}

void scan_batch_init(scan_batch *batch, const scan_args *args) {
    *batch = (scan_batch){.args = args};
    strbuf_init(&batch->bytes);
}

static void scan_batch_add(scan_batch *batch, const char *bytes, size_t length) {
    if (batch->count == batch->capacity) {
        batch->capacity = batch->capacity ? batch->capacity * 2 : 32;
        batch->lengths = zmalloc_realloc(batch->lengths, batch->capacity * sizeof *batch->lengths);
    }
    batch->lengths[batch->count++] = length;
    strbuf_append(&batch->bytes, bytes, length);
}

void scan_batch_collect(void *privdata, const elem_view *key, const elem_view *value) {
    scan_batch *batch = privdata;
    char digits[ELEM_INTEGER_BUFFER];
    size_t length;
    const char *bytes = elem_view_string(key, digits, &length);
    if (!scan_args_match(batch->args, bytes, length)) return;
    scan_batch_add(batch, bytes, length);
    if (value == NULL) return;
    bytes = elem_view_string(value, digits, &length);
    scan_batch_add(batch, bytes, length);
}

void scan_batch_reply(client *c, scan_batch *batch, unsigned long cursor) {
    char digits[NUMBER_INTEGER_BUFFER + 1];
    int digits_length = snprintf(digits, sizeof digits, "%lu", cursor);
    reply_array_header(c, 2);
    reply_bulk(c, digits, (size_t)digits_length);
    reply_array_header(c, (long long)batch->count);
    const char *bytes = strbuf_cstring(&batch->bytes);
    for (size_t i = 0, offset = 0; i < batch->count; offset += batch->lengths[i++])
        reply_bulk(c, bytes + offset, batch->lengths[i]);
    strbuf_free(&batch->bytes);
    zmalloc_free(batch->lengths);
}
