/* resp_parser_buffer: the memory a parser holds, and the reading side of
 * its interface.
 *
 * The query buffer is laid out as
 *
 *     [consumed][command being parsed .......][free space]
 *     0         command_start    position     end        capacity
 *
 * Space is made (by sliding the pending command to the front, or by moving
 * it to a buffer twice as large) only when fewer than RESP_READ_CHUNK bytes
 * are free, so each byte is moved O(1) times on average and a pipelined
 * client settles on a 32 KiB buffer.  Arguments already parsed point into
 * the buffer and are rebased when it moves.  While a big argument arrives,
 * reads go straight into its own block instead (see resp_parser.c).
 *
 * The argument vector is reused from command to command and only grows
 * (shrink gives a large one back); blocks of big arguments live until the
 * next command is asked for, unless the caller takes them.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "resp_parser_internal.h"
#include "zkv_assert.h"
#include "zmalloc.h"

/* Slots of a new argument vector; shrink frees larger ones. */
#define INITIAL_ARGUMENT_SLOTS 8

/* Between commands with every received byte parsed: offsets may restart
 * at 0.  (In this state command_start == position == end.) */
static int nothing_pending(const resp_parser *parser)
{
    return parser->state == STATE_COMMAND_START && parser->command_start == parser->end;
}

static int big_argument_arriving(const resp_parser *parser)
{
    return parser->state == STATE_BIG_DATA && parser->big_received < parser->big_size;
}

/* Moves every buffer offset `shift` bytes down. */
static void shift_offsets(resp_parser *parser, size_t shift)
{
    parser->command_start -= shift;
    parser->position -= shift;
    parser->end -= shift;
    parser->scan_from -= shift;
}

/* Moves the pending command into a new buffer of `capacity` bytes (at
 * least the pending ones) and rebases the arguments already parsed. */
static int move_buffer(resp_parser *parser, size_t capacity)
{
    size_t shift = parser->command_start;
    size_t pending = parser->end - shift;
    char *moved = zmalloc_try_alloc(capacity);
    if (moved == NULL)
        return 0;
    if (pending > 0)
        memcpy(moved, parser->buffer + shift, pending);
    for (int i = 0; i < parser->argc; i++)
        if (parser->argument_blocks[i] == NULL)
            parser->argv[i].data = moved + (parser->argv[i].data - (parser->buffer + shift));
    zmalloc_free(parser->buffer);
    parser->buffer = moved;
    parser->capacity = zmalloc_usable_size(moved);
    shift_offsets(parser, shift);
    return 1;
}

/* Makes at least RESP_READ_CHUNK bytes free after `end`: slides the pending
 * command to the front when that frees enough, otherwise moves it into a
 * larger buffer.  Arguments already parsed are rebased.  A buffer the
 * allocator refuses fails the parser (the client gets the error and is
 * closed; the server lives on). */
static void make_room(resp_parser *parser)
{
    size_t shift = parser->command_start;
    size_t pending = parser->end - shift;
    if (shift > 0 && parser->capacity - pending >= RESP_READ_CHUNK) {
        memmove(parser->buffer, parser->buffer + shift, pending);
        for (int i = 0; i < parser->argc; i++)
            if (parser->argument_blocks[i] == NULL)
                parser->argv[i].data -= shift;
        shift_offsets(parser, shift);
        return;
    }
    size_t wanted = parser->capacity * 2;
    if (wanted < pending + RESP_READ_CHUNK)
        wanted = pending + RESP_READ_CHUNK;
    if (!move_buffer(parser, wanted) && !move_buffer(parser, pending + RESP_READ_CHUNK))
        resp_parser_fail_out_of_memory(parser, "out of memory for the query buffer");
}

char *resp_parser_read_area(resp_parser *parser, size_t *capacity)
{
    if (parser->state == STATE_FAILED) {
        *capacity = 0;
        return NULL;
    }
    resp_parser_release_returned_command(parser);
    if (big_argument_arriving(parser)) {
        *capacity = parser->big_size - parser->big_received;
        return parser->big_block + parser->big_received;
    }
    if (nothing_pending(parser))
        shift_offsets(parser, parser->command_start);
    if (parser->capacity - parser->end < RESP_READ_CHUNK) {
        make_room(parser);
        if (parser->state == STATE_FAILED) {
            *capacity = 0;
            return NULL;
        }
    }
    *capacity = parser->capacity - parser->end;
    return parser->buffer + parser->end;
}

void resp_parser_commit_read(resp_parser *parser, size_t count)
{
    if (big_argument_arriving(parser)) {
        parser->big_received += count;
        return;
    }
    parser->end += count;
    if (parser->end - parser->command_start > parser->peak)
        parser->peak = parser->end - parser->command_start;
}

void resp_parser_feed(resp_parser *parser, const char *data, size_t length)
{
    while (length > 0) {
        size_t capacity;
        char *area = resp_parser_read_area(parser, &capacity);
        if (area == NULL)
            return;
        size_t count = length < capacity ? length : capacity;
        memcpy(area, data, count);
        resp_parser_commit_read(parser, count);
        data += count;
        length -= count;
    }
}

size_t resp_parser_memory(const resp_parser *parser)
{
    size_t argv_bytes = (size_t)parser->argument_slots * (sizeof(resp_argument) + sizeof(void *));
    return parser->capacity + parser->block_bytes + argv_bytes;
}

/* Bytes of the buffer not yet consumed.  Like Redis, which trims its query
 * buffer only after running the commands it holds, the command last
 * returned still counts (CLIENT LIST shows its own request: qbuf=26). */
static size_t unconsumed_in_buffer(const resp_parser *parser)
{
    size_t start = parser->command_returned ? parser->returned_start : parser->command_start;
    zkv_assert(start <= parser->end && parser->end <= parser->capacity);
    return parser->end - start;
}

size_t resp_parser_pending_bytes(const resp_parser *parser)
{
    size_t pending = unconsumed_in_buffer(parser);
    if (!parser->command_returned) /* a big argument in flight */
        pending += parser->block_bytes - (parser->big_size - parser->big_received);
    return pending;
}

/* Room for more bytes once consumed ones are slid out, so that qbuf plus
 * qbuf-free is the buffer's size, as in Redis. */
size_t resp_parser_free_capacity(const resp_parser *parser)
{
    if (big_argument_arriving(parser))
        return parser->big_size - parser->big_received;
    return parser->capacity - unconsumed_in_buffer(parser);
}

/* The argument vector shrinks like the buffer: to the most arguments a
 * command had since the last trim, when that is under half its slots. */
static void trim_arguments(resp_parser *parser, int peak)
{
    if (peak < parser->argc)
        peak = parser->argc;
    int slots = INITIAL_ARGUMENT_SLOTS;
    while (slots < peak)
        slots *= 2;
    if (parser->argument_slots <= INITIAL_ARGUMENT_SLOTS || parser->argument_slots / 2 < slots)
        return;
    parser->argv = zmalloc_realloc(parser->argv, (size_t)slots * sizeof(*parser->argv));
    parser->argument_blocks =
        zmalloc_realloc(parser->argument_blocks, (size_t)slots * sizeof(*parser->argument_blocks));
    parser->argument_slots = slots;
}

/* Like Redis' query buffer resizing in clientsCron: a buffer larger than
 * two read chunks and more than twice what recent traffic needed (the most
 * bytes held since the last call, plus room for one read) is moved to one
 * of that size.  Skipped while a returned command may still be in use. */
void resp_parser_trim(resp_parser *parser)
{
    size_t peak = parser->peak;
    size_t pending = parser->end - parser->command_start;
    int argument_peak = parser->argument_peak;
    parser->peak = pending;
    parser->argument_peak = 0;
    if (parser->command_returned || parser->state == STATE_FAILED ||
        big_argument_arriving(parser))
        return;
    trim_arguments(parser, argument_peak);
    size_t wanted = (peak > pending ? peak : pending) + RESP_READ_CHUNK;
    if (parser->capacity > 2 * RESP_READ_CHUNK && parser->capacity / 2 >= wanted)
        move_buffer(parser, wanted); /* refused: the larger buffer stays */
}

void resp_parser_shrink(resp_parser *parser)
{
    resp_parser_release_returned_command(parser);
    if (!nothing_pending(parser))
        return;
    zmalloc_free(parser->buffer);
    parser->buffer = NULL;
    parser->capacity = 0;
    shift_offsets(parser, parser->command_start);
    if (parser->argument_slots > INITIAL_ARGUMENT_SLOTS) {
        zmalloc_free(parser->argv);
        zmalloc_free(parser->argument_blocks);
        parser->argv = NULL;
        parser->argument_blocks = NULL;
        parser->argument_slots = 0;
    }
}

int resp_parser_fail_out_of_memory(resp_parser *parser, const char *text)
{
    snprintf(parser->error, sizeof(parser->error), "ERR Protocol error: %s", text);
    parser->state = STATE_FAILED;
    return 0;
}

int resp_parser_grow_arguments(resp_parser *parser)
{
    int slots = INITIAL_ARGUMENT_SLOTS;
    if (parser->argument_slots > INT_MAX / 2)
        slots = INT_MAX; /* argc never exceeds INT_MAX: counts are capped there */
    else if (parser->argument_slots > 0)
        slots = parser->argument_slots * 2;
    /* Each array is kept as it was when its growth is refused, so the
     * parser stays consistent for resp_parser_destroy. */
    resp_argument *argv = zmalloc_try_realloc(parser->argv, (size_t)slots * sizeof(*parser->argv));
    if (argv == NULL)
        return resp_parser_fail_out_of_memory(parser, "out of memory for the arguments");
    parser->argv = argv;
    void **blocks = zmalloc_try_realloc(parser->argument_blocks, (size_t)slots * sizeof(*parser->argument_blocks));
    if (blocks == NULL)
        return resp_parser_fail_out_of_memory(parser, "out of memory for the arguments");
    parser->argument_blocks = blocks;
    parser->argument_slots = slots;
    return 1;
}

void *resp_parser_take_argument(resp_parser *parser, int index)
{
    if (!parser->command_returned || index < 0 || index >= parser->argc)
        return NULL;
    void *block = parser->argument_blocks[index];
    if (block != NULL) {
        parser->argument_blocks[index] = NULL;
        parser->blocks_in_argv--;
        parser->block_bytes -= parser->argv[index].length + 2;
    }
    return block;
}

void resp_parser_release_blocks(resp_parser *parser)
{
    if (parser->blocks_in_argv == 0)
        return;
    parser->blocks_in_argv = 0;
    for (int i = 0; i < parser->argc; i++) {
        if (parser->argument_blocks[i] != NULL) {
            zmalloc_free(parser->argument_blocks[i]);
            parser->argument_blocks[i] = NULL;
        }
    }
    parser->block_bytes = 0;
}
