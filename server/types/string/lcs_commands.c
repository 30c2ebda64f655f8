/* lcs_commands: LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN].
 *
 * Missing keys are empty strings; a key of another type is refused with
 * LCS's own error text (not WRONGTYPE), checked before the options, as in
 * Redis 7.0.  Without options the reply is the subsequence itself; LEN
 * answers its length only; IDX answers a map {matches: [...], len: n} in
 * which each match is [[a_start, a_end], [b_start, b_end]] plus its length
 * with WITHMATCHLEN, listed from the end of the strings.  The work and the
 * memory limit (proto-max-bulk-len bounds the table) are lcs.c's.
 */

#include "args.h"
#include "string_type.h"
#include "lcs.h"
#include "reply.h"

typedef struct lcs_options {
    bool length_only;
    bool indexes;
    bool with_match_length;
    long long min_match_length;
} lcs_options;

static bool parse_options(client *c, lcs_options *options) {
    for (int index = 3; index < c->argc; index++) {
        const resp_argument *word = &c->argv[index];
        if (args_is(word, "idx")) {
            options->indexes = true;
        } else if (args_is(word, "len")) {
            options->length_only = true;
        } else if (args_is(word, "withmatchlen")) {
            options->with_match_length = true;
        } else if (args_is(word, "minmatchlen") && index + 1 < c->argc) {
            if (!args_integer(&c->argv[++index], &options->min_match_length)) {
                reply_not_integer(c);
                return false;
            }
            if (options->min_match_length < 0) options->min_match_length = 0;
        } else {
            reply_syntax_error(c);
            return false;
        }
    }
    if (options->indexes && options->length_only) {
        reply_error(c, "ERR If you want both the length and indexes, please just use IDX.");
        return false;
    }
    return true;
}

static void reply_status_error(client *c, lcs_status status) {
    if (status == LCS_TOO_LONG)
        reply_error(c, "ERR String too long for LCS");
    else if (status == LCS_OVER_LIMIT)
        reply_error(c, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    else
        reply_error(c, "ERR Insufficient memory, failed allocating transient memory for LCS");
}

static void reply_range(client *c, size_t start, size_t end) {
    reply_array_header(c, 2);
    reply_integer(c, (long long)start);
    reply_integer(c, (long long)end);
}

static void reply_indexes(client *c, const lcs_result *result, bool with_match_length) {
    reply_map_header(c, 2);
    reply_bulk_cstring(c, "matches");
    reply_array_header(c, (long long)result->match_count);
    for (size_t index = 0; index < result->match_count; index++) {
        const lcs_match *match = &result->matches[index];
        reply_array_header(c, with_match_length ? 3 : 2);
        reply_range(c, match->a_start, match->a_end);
        reply_range(c, match->b_start, match->b_end);
        if (with_match_length) reply_integer(c, (long long)(match->a_end - match->a_start + 1));
    }
    reply_bulk_cstring(c, "len");
    reply_integer(c, (long long)result->length);
}

/* The bytes of a string key, "" when missing. */
static const char *string_bytes(object *o, size_t *length, char digits[OBJECT_INTEGER_BUFFER]) {
    if (o) return object_string_bytes(o, length, digits);
    *length = 0;
    return "";
}

void bits_lcs_command(client *c) {
    object *first = key_read(c, &c->argv[1]);
    object *second = key_read(c, &c->argv[2]);
    if ((first && object_type(first) != OBJECT_STRING) || (second && object_type(second) != OBJECT_STRING)) {
        reply_error(c, "ERR The specified keys must contain string values");
        return;
    }
    lcs_options options = {0};
    if (!parse_options(c, &options)) return;

    char first_digits[OBJECT_INTEGER_BUFFER], second_digits[OBJECT_INTEGER_BUFFER];
    size_t first_length, second_length;
    const char *a = string_bytes(first, &first_length, first_digits);
    const char *b = string_bytes(second, &second_length, second_digits);
    unsigned want = options.indexes ? LCS_WANT_MATCHES : options.length_only ? 0 : LCS_WANT_STRING;
    lcs_result result;
    lcs_status status = lcs_compute(a, first_length, b, second_length, want,
                                    (size_t)options.min_match_length,
                                    (size_t)server.config.proto_max_bulk_len, &result);
    if (status != LCS_OK)
        reply_status_error(c, status);
    else if (options.indexes)
        reply_indexes(c, &result, options.with_match_length);
    else if (options.length_only)
        reply_integer(c, (long long)result.length);
    else
        reply_bulk(c, result.string, result.length);
    lcs_result_free(&result);
}
