/* resp_parser: the state machine of the incremental RESP request parser.
 *
 * Design.  The parser reads the query buffer (resp_parser_buffer.c) between
 * `position`, which only moves forward, and `end`, so no byte is parsed
 * twice; `scan_from` remembers how far the search for the end of the current
 * line got, so a line arriving one byte at a time costs one memchr over each
 * new byte.  The common case, consecutive bulk arguments that have fully
 * arrived, runs in one tight loop (parse_arguments_fast).
 *
 * Arguments point into the buffer; inline arguments are unescaped in place
 * (resp_inline.c), so the hot path never allocates.  A bulk of at least
 * RESP_BIG_ARGUMENT_THRESHOLD bytes that has not fully arrived gets its own
 * block of exactly length + 2 bytes (the payload and its CRLF): the part
 * already received is copied once and the rest is read straight into place.
 *
 * Compatibility with Redis 7.0 (verified against redis-server 7.0.15):
 *   - Lengths follow Redis' string2ll: no sign but '-', no leading zeros, no
 *     spaces.  "*0", "*-1" (any count <= 0) are empty commands and skipped.
 *   - A header line ends at the first CR; the byte after it is skipped
 *     unchecked, and so are the two bytes after a bulk payload.
 *   - Inline lines end at LF (a CR before it is dropped); resp_inline.c
 *     splits them into words.
 *   - The maximum header and inline lengths are enforced as if bytes arrived
 *     one at a time, so the result never depends on how input was split:
 *     a line whose end is more than the limit away from its first byte is
 *     "too big", even when it arrived whole (Redis accepts it then).
 * Deliberate differences (Redis hangs or misreads in these cases):
 *   - A NUL byte in an inline line is an error ("null byte in inline
 *     request") instead of a connection that waits forever.
 *   - A NUL byte in a header line makes the line invalid (Redis' strchr
 *     stops at the NUL and waits); "expected '$', got" shows a NUL, like CR
 *     and LF, as a space.
 */
#include "resp_parser.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "resp_inline.h"
#include "resp_parser_internal.h"
#include "zmalloc.h"

#define UNAUTHENTICATED_MAX_COUNT 10
#define UNAUTHENTICATED_MAX_BULK 16384
/* The fast length path reads at most 18 digits; it is only taken when the
 * header limit cannot be reached by such a line. */
#define FAST_LENGTH_DIGITS 18

typedef enum line_search { LINE_FOUND, LINE_INCOMPLETE, LINE_TOO_LONG } line_search;

/* What one step of the state machine achieved. */
typedef enum step {
    STEP_GO_ON,     /* progress made; the state says what comes next */
    STEP_NEED_MORE, /* stopped: waiting for bytes */
    STEP_COMMAND,   /* a command is complete */
    STEP_ERROR      /* the parser failed */
} step;

void resp_parser_default_limits(resp_parser_limits *limits)
{
    limits->max_bulk_length = 512LL * 1024 * 1024;
    limits->max_inline_length = 64 * 1024;
    limits->max_multibulk_count = INT_MAX;
    limits->max_header_length = 64 * 1024;
}

resp_parser *resp_parser_create(const resp_parser_limits *limits)
{
    resp_parser *parser = zmalloc_try_calloc(sizeof(*parser));
    if (parser == NULL)
        return NULL;
    if (limits != NULL)
        parser->limits = *limits;
    else
        resp_parser_default_limits(&parser->limits);
    parser->state = STATE_COMMAND_START;
    return parser;
}

void resp_parser_destroy(resp_parser *parser)
{
    if (parser == NULL)
        return;
    resp_parser_release_blocks(parser);
    zmalloc_free(parser->big_block);
    zmalloc_free(parser->argv);
    zmalloc_free(parser->argument_blocks);
    zmalloc_free(parser->buffer);
    zmalloc_free(parser);
}

void resp_parser_set_limits(resp_parser *parser, const resp_parser_limits *limits)
{
    parser->limits = *limits;
}

void resp_parser_set_unauthenticated(resp_parser *parser, int unauthenticated)
{
    parser->unauthenticated = unauthenticated;
}

const char *resp_parser_error(const resp_parser *parser)
{
    return parser->error; /* empty until an error occurs */
}

static step fail(resp_parser *parser, const char *text)
{
    snprintf(parser->error, sizeof(parser->error), "ERR Protocol error: %s", text);
    parser->state = STATE_FAILED;
    return STEP_ERROR;
}

/* ---- Lengths ---- */

/* Redis' string2ll rules: "0", or an optional '-' and a digit 1-9 followed
 * by digits, within long long.  Returns 1 on success. */
static int parse_length(const char *text, size_t length, long long *value)
{
    if (length == 0)
        return 0;
    if (length == 1 && text[0] == '0') {
        *value = 0;
        return 1;
    }
    int negative = text[0] == '-';
    size_t index = negative;
    if (index == length || text[index] < '1' || text[index] > '9')
        return 0;
    unsigned long long magnitude = 0;
    const unsigned long long bound = negative ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
    for (; index < length; index++) {
        unsigned digit = (unsigned char)text[index] - '0';
        if (digit > 9 || magnitude > (bound - digit) / 10)
            return 0;
        magnitude = magnitude * 10 + digit;
    }
    *value = negative ? (long long)(0 - magnitude) : (long long)magnitude;
    return 1;
}

/* Fast path for the common header: a canonical non-negative length of at
 * most FAST_LENGTH_DIGITS digits, its CR and the byte after it, all
 * received.  Returns 0 when anything else is there; the general path then
 * gives the exact answer. */
static inline int parse_length_fast(const char *cursor, const char *limit, long long *value,
                                    const char **next)
{
    const char *first = cursor;
    long long result = 0;
    while (cursor < limit && cursor - first < FAST_LENGTH_DIGITS &&
           (unsigned char)(*cursor - '0') <= 9) {
        result = result * 10 + (*cursor - '0');
        cursor++;
    }
    if (cursor == first || limit - cursor < 2 || *cursor != '\r')
        return 0;
    if (*first == '0' && cursor - first > 1)
        return 0;
    *value = result;
    *next = cursor + 2;
    return 1;
}

static int fast_path_allowed(const resp_parser *parser)
{
    return parser->limits.max_header_length > FAST_LENGTH_DIGITS + 1;
}

/* Finds the CR ending the header line that starts at `position`.  A CR
 * more than max_header_length bytes after the line's first byte makes the
 * line too long, wherever the input was split.  The line is complete once
 * the byte after the CR has arrived too. */
static line_search find_header_end(resp_parser *parser, size_t *carriage_return)
{
    size_t available = parser->end - parser->position;
    size_t window = available;
    if (parser->limits.max_header_length < available)
        window = parser->limits.max_header_length + 1;
    size_t search_end = parser->position + window;
    if (parser->scan_from < search_end) {
        const char *found =
            memchr(parser->buffer + parser->scan_from, '\r', search_end - parser->scan_from);
        if (found != NULL) {
            *carriage_return = (size_t)(found - parser->buffer);
            parser->scan_from = *carriage_return;
            return *carriage_return + 1 < parser->end ? LINE_FOUND : LINE_INCOMPLETE;
        }
        parser->scan_from = search_end;
    }
    return available > parser->limits.max_header_length ? LINE_TOO_LONG : LINE_INCOMPLETE;
}

/* ---- Multibulk ---- */

static step start_multibulk(resp_parser *parser, long long count)
{
    if (count > INT_MAX || count > parser->limits.max_multibulk_count)
        return fail(parser, "invalid multibulk length");
    if (count > UNAUTHENTICATED_MAX_COUNT && parser->unauthenticated)
        return fail(parser, "unauthenticated multibulk length");
    if (count <= 0) {
        parser->state = STATE_COMMAND_START; /* an empty command, skipped */
        return STEP_GO_ON;
    }
    parser->arguments_missing = count;
    parser->scan_from = parser->position;
    parser->state = STATE_BULK_HEADER;
    return STEP_GO_ON;
}

/* Parses "*<count>\r\n". */
static step parse_multibulk_count(resp_parser *parser)
{
    const char *line = parser->buffer + parser->position;
    const char *next;
    long long count;
    if (fast_path_allowed(parser) &&
        parse_length_fast(line + 1, parser->buffer + parser->end, &count, &next)) {
        parser->position = (size_t)(next - parser->buffer);
        return start_multibulk(parser, count);
    }
    size_t carriage_return;
    line_search search = find_header_end(parser, &carriage_return);
    if (search == LINE_TOO_LONG)
        return fail(parser, "too big mbulk count string");
    if (search == LINE_INCOMPLETE)
        return STEP_NEED_MORE;
    size_t digits = carriage_return - parser->position - 1;
    if (!parse_length(line + 1, digits, &count))
        return fail(parser, "invalid multibulk length");
    parser->position = carriage_return + 2;
    return start_multibulk(parser, count);
}

static step fail_expected_dollar(resp_parser *parser, char got)
{
    /* Redis replaces CR and LF in error texts with spaces; a NUL too here. */
    if (got == '\r' || got == '\n' || got == '\0')
        got = ' ';
    char text[40];
    snprintf(text, sizeof(text), "expected '$', got '%c'", got);
    return fail(parser, text);
}

static step start_bulk(resp_parser *parser, long long length)
{
    if (length < 0 || length > parser->limits.max_bulk_length)
        return fail(parser, "invalid bulk length");
    if (length > UNAUTHENTICATED_MAX_BULK && parser->unauthenticated)
        return fail(parser, "unauthenticated bulk length");
    parser->bulk_length = (size_t)length;
    parser->state = STATE_BULK_DATA;
    return STEP_GO_ON;
}

/* The hot path: consecutive arguments whose header and payload have fully
 * arrived, with canonical lengths, parsed in one loop.  It stops at the
 * first argument that needs anything else (more bytes, a big block, an
 * error text), which the general steps then handle; the result is the same
 * either way.  Returns 1 when the command is complete. */
static int parse_arguments_fast(resp_parser *parser)
{
    const char *buffer = parser->buffer;
    const char *cursor = buffer + parser->position;
    const char *limit = buffer + parser->end;
    long long missing = parser->arguments_missing;
    long long longest = parser->limits.max_bulk_length;
    if (parser->unauthenticated && longest > UNAUTHENTICATED_MAX_BULK)
        longest = UNAUTHENTICATED_MAX_BULK;
    while (missing > 0) {
        long long length;
        const char *payload;
        if (cursor == limit || *cursor != '$' ||
            !parse_length_fast(cursor + 1, limit, &length, &payload) || length > longest ||
            (size_t)(limit - payload) < (size_t)length + 2)
            break;
        if (!resp_parser_push_argument(parser, payload, (size_t)length, NULL))
            return 0; /* failed: the caller sees STATE_FAILED */
        cursor = payload + length + 2;
        missing--;
    }
    parser->arguments_missing = missing;
    parser->position = (size_t)(cursor - buffer);
    parser->scan_from = parser->position;
    return missing == 0;
}

/* Parses "$<length>\r\n" (after the fast path for complete arguments). */
static step parse_bulk_header(resp_parser *parser)
{
    if (fast_path_allowed(parser) && parse_arguments_fast(parser)) {
        parser->state = STATE_COMMAND_START;
        return STEP_COMMAND;
    }
    if (parser->state == STATE_FAILED)
        return STEP_ERROR;
    const char *line = parser->buffer + parser->position;
    long long length;
    size_t carriage_return;
    line_search search = find_header_end(parser, &carriage_return);
    if (search == LINE_TOO_LONG)
        return fail(parser, "too big bulk count string");
    if (search == LINE_INCOMPLETE)
        return STEP_NEED_MORE;
    if (line[0] != '$')
        return fail_expected_dollar(parser, line[0]);
    size_t digits = carriage_return - parser->position - 1;
    if (!parse_length(line + 1, digits, &length))
        return fail(parser, "invalid bulk length");
    parser->position = carriage_return + 2;
    return start_bulk(parser, length);
}

/* Gives a big bulk that has not fully arrived its own block and moves the
 * bytes already received into it. */
static step start_big_argument(resp_parser *parser)
{
    size_t size = parser->bulk_length + 2;
    char *block = zmalloc_try_alloc(size);
    if (block == NULL)
        return fail(parser, "out of memory for a bulk argument");
    size_t received = parser->end - parser->position;
    memcpy(block, parser->buffer + parser->position, received);
    parser->end = parser->position;
    parser->big_block = block;
    parser->big_size = size;
    parser->big_received = received;
    parser->block_bytes += size;
    parser->state = STATE_BIG_DATA;
    return STEP_NEED_MORE;
}

/* One argument is complete: so is the command, or the next header follows. */
static step finish_argument(resp_parser *parser, const char *data, void *block)
{
    if (!resp_parser_push_argument(parser, data, parser->bulk_length, block)) {
        if (block != NULL) { /* not in argv: nobody else would free it */
            zmalloc_free(block);
            parser->blocks_in_argv--;
            parser->block_bytes -= parser->bulk_length + 2;
        }
        return STEP_ERROR;
    }
    parser->scan_from = parser->position;
    if (--parser->arguments_missing > 0) {
        parser->state = STATE_BULK_HEADER;
        return STEP_GO_ON;
    }
    parser->state = STATE_COMMAND_START;
    return STEP_COMMAND;
}

static step parse_bulk_data(resp_parser *parser)
{
    size_t available = parser->end - parser->position;
    if (available < parser->bulk_length + 2) {
        if (parser->bulk_length >= RESP_BIG_ARGUMENT_THRESHOLD)
            return start_big_argument(parser);
        return STEP_NEED_MORE;
    }
    const char *data = parser->buffer + parser->position;
    parser->position += parser->bulk_length + 2;
    return finish_argument(parser, data, NULL);
}

static step parse_big_data(resp_parser *parser)
{
    if (parser->big_received < parser->big_size)
        return STEP_NEED_MORE;
    char *block = parser->big_block;
    parser->big_block = NULL;
    parser->blocks_in_argv++;
    parser->big_received = parser->big_size = 0;
    return finish_argument(parser, block, block);
}

/* ---- Inline ---- */

/* Splits an inline line into arguments (in place).  Returns 0, -1 for
 * unbalanced quotes, or -2 when the argument vector could not grow. */
static int split_inline(resp_parser *parser, char *line, size_t length)
{
    char *cursor = line;
    char *word;
    size_t word_length;
    resp_inline_result result;
    while ((result = resp_inline_next_word(&cursor, line + length, &word, &word_length)) ==
           RESP_INLINE_WORD)
        if (!resp_parser_push_argument(parser, word, word_length, NULL))
            return -2;
    return result == RESP_INLINE_END ? 0 : -1;
}

/* Finds the LF ending the inline line at `position`, refusing NUL bytes
 * and lines longer than max_inline_length (as if fed byte by byte). */
static step find_inline_end(resp_parser *parser, size_t *line_feed)
{
    size_t available = parser->end - parser->position;
    size_t window = available;
    if (parser->limits.max_inline_length < available)
        window = parser->limits.max_inline_length + 1;
    size_t search_end = parser->position + window;
    if (parser->scan_from < search_end) {
        const char *start = parser->buffer + parser->scan_from;
        const char *found = memchr(start, '\n', search_end - parser->scan_from);
        size_t stop = found != NULL ? (size_t)(found - parser->buffer) : search_end;
        if (memchr(start, '\0', stop - parser->scan_from) != NULL)
            return fail(parser, "null byte in inline request");
        parser->scan_from = stop;
        if (found != NULL) {
            *line_feed = stop;
            return STEP_GO_ON;
        }
    }
    if (available > parser->limits.max_inline_length)
        return fail(parser, "too big inline request");
    return STEP_NEED_MORE;
}

/* An inline line with no words (blank line) is skipped like Redis does. */
static step parse_inline(resp_parser *parser)
{
    size_t line_feed;
    step found = find_inline_end(parser, &line_feed);
    if (found != STEP_GO_ON)
        return found;
    size_t line_end = line_feed;
    if (line_end > parser->position && parser->buffer[line_end - 1] == '\r')
        line_end--;
    int split = split_inline(parser, parser->buffer + parser->position, line_end - parser->position);
    if (split == -2)
        return STEP_ERROR; /* the argument vector could not grow */
    if (split != 0)
        return fail(parser, "unbalanced quotes in request");
    parser->position = line_feed + 1;
    parser->state = STATE_COMMAND_START;
    return parser->argc > 0 ? STEP_COMMAND : STEP_GO_ON;
}

/* ---- Looking ahead ---- */

size_t resp_parser_peek_keys(const resp_parser *parser, resp_argument *keys, size_t max)
{
    if (parser->state != STATE_COMMAND_START || !fast_path_allowed(parser))
        return 0;
    const char *cursor = parser->buffer + parser->position;
    const char *limit = parser->buffer + parser->end;
    size_t found = 0;
    while (found < max && cursor < limit && *cursor == '*') {
        long long count;
        if (!parse_length_fast(cursor + 1, limit, &count, &cursor))
            break;
        for (long long index = 0; index < count; index++) {
            long long length;
            const char *payload;
            if (cursor == limit || *cursor != '$' ||
                !parse_length_fast(cursor + 1, limit, &length, &payload) ||
                (size_t)(limit - payload) < (size_t)length + 2)
                return found;
            if (index == 1) {
                keys[found].data = payload;
                keys[found].length = (size_t)length;
                found++;
            }
            cursor = payload + length + 2;
        }
    }
    return found;
}

/* ---- The state machine ---- */

static step start_command(resp_parser *parser)
{
    parser->command_start = parser->position;
    parser->scan_from = parser->position;
    parser->argc = 0;
    if (parser->position == parser->end)
        return STEP_NEED_MORE;
    if (parser->buffer[parser->position] == '*') {
        parser->kind = RESP_REQUEST_MULTIBULK;
        parser->state = STATE_MULTIBULK_COUNT;
    } else {
        parser->kind = RESP_REQUEST_INLINE;
        parser->state = STATE_INLINE;
    }
    return STEP_GO_ON;
}

static step take_step(resp_parser *parser)
{
    switch (parser->state) {
    case STATE_COMMAND_START: return start_command(parser);
    case STATE_MULTIBULK_COUNT: return parse_multibulk_count(parser);
    case STATE_BULK_HEADER: return parse_bulk_header(parser);
    case STATE_BULK_DATA: return parse_bulk_data(parser);
    case STATE_BIG_DATA: return parse_big_data(parser);
    case STATE_INLINE: return parse_inline(parser);
    case STATE_FAILED: break;
    }
    return STEP_ERROR;
}

resp_parse_status resp_parser_next_command(resp_parser *parser, resp_command *command)
{
    resp_parser_release_returned_command(parser);
    step result;
    do
        result = take_step(parser);
    while (result == STEP_GO_ON);
    if (result == STEP_NEED_MORE)
        return RESP_PARSE_NEED_MORE;
    if (result == STEP_ERROR)
        return RESP_PARSE_ERROR;
    if (parser->argc > parser->argument_peak)
        parser->argument_peak = parser->argc;
    parser->returned_start = parser->command_start;
    parser->command_start = parser->position;
    parser->command_returned = 1;
    command->argc = parser->argc;
    command->argv = parser->argv;
    command->kind = parser->kind;
    return RESP_PARSE_COMMAND;
}
