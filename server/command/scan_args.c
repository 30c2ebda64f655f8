/* scan_args: HSCAN/SSCAN arguments (scan_args.h). */
#include "scan_args.h"

#include <errno.h>
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

bool scan_args_parse_cursor(client *c, scan_args *args) {
    *args = (scan_args){.count = 10};
    if (scan_args_cursor(&c->argv[2], &args->cursor)) return true;
    reply_error(c, "ERR invalid cursor");
    return false;
}

bool scan_args_parse_options(client *c, scan_args *args) {
    for (int i = 3; i < c->argc; i += 2) {
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
