/* args: argument matching and number parsing for command handlers (args.h). */
#include "args.h"

#include <string.h>
#include <strings.h>

#include "number.h"
#include "reply.h"

bool args_is(const resp_argument *argument, const char *word) {
    return argument->length == strlen(word) && strncasecmp(argument->data, word, argument->length) == 0;
}

bool args_integer(const resp_argument *argument, long long *value) {
    return number_parse_integer(argument->data, argument->length, value);
}

bool args_integer_or_reply(client *c, const resp_argument *argument, long long *value) {
    if (args_integer(argument, value)) return true;
    reply_not_integer(c);
    return false;
}

bool args_double_or_reply(client *c, const resp_argument *argument, double *value) {
    if (number_parse_double(argument->data, argument->length, value)) return true;
    reply_not_float(c);
    return false;
}
