/* resp_parser_internal: the parser's state, shared by resp_parser.c (the
 * state machine) and resp_parser_buffer.c (the memory it holds).  Internal
 * to protocol/. */
#ifndef ZKV_RESP_PARSER_INTERNAL_H
#define ZKV_RESP_PARSER_INTERNAL_H

#include "resp_parser.h"

typedef enum parser_state {
    STATE_COMMAND_START,
    STATE_MULTIBULK_COUNT,
    STATE_BULK_HEADER,
    STATE_BULK_DATA,
    STATE_BIG_DATA,
    STATE_INLINE,
    STATE_FAILED
} parser_state;

struct resp_parser {
    resp_parser_limits limits;
    int unauthenticated;

    char *buffer;
    size_t capacity;
    size_t command_start;
    size_t returned_start; /* where the command last returned began */
    size_t position;
    size_t end;
    size_t scan_from;
    size_t peak; /* most bytes held since the last resp_parser_trim */

    parser_state state;
    resp_request_kind kind;
    long long arguments_missing; /* multibulk arguments still to come */
    size_t bulk_length;          /* payload length of the current bulk */

    resp_argument *argv;
    void **argument_blocks; /* per argument: its own block, or NULL */
    int blocks_in_argv;     /* how many argument_blocks are not NULL */
    int argc;
    int argument_slots;
    int argument_peak;    /* most arguments of a command since the last trim */
    int command_returned; /* argv holds the command last returned */

    char *big_block; /* block of the big bulk being received */
    size_t big_received;
    size_t big_size;
    size_t block_bytes; /* bytes in all blocks the parser holds */

    char error[64];
};

/* The argument vector (resp_parser_buffer.c).  Growing it can fail (a
 * command declaring millions of arguments on a server short of memory):
 * the parser is then failed with an error for the client, and 0 returned. */
int resp_parser_grow_arguments(resp_parser *parser);
/* Fails the parser with "ERR Protocol error: <text>" (the client gets it
 * and is closed); returns 0. */
int resp_parser_fail_out_of_memory(resp_parser *parser, const char *text);
/* Frees the blocks of the arguments in argv (not those taken). */
void resp_parser_release_blocks(resp_parser *parser);

/* Returns 0 when the vector could not grow (the parser has failed). */
static inline int resp_parser_push_argument(resp_parser *parser, const char *data, size_t length, void *block)
{
    if (parser->argc == parser->argument_slots && !resp_parser_grow_arguments(parser))
        return 0;
    parser->argv[parser->argc].data = data;
    parser->argv[parser->argc].length = length;
    parser->argument_blocks[parser->argc] = block;
    parser->argc++;
    return 1;
}

/* Forgets the command last returned: its argv is no longer valid.  Inline:
 * it runs before every command. */
static inline void resp_parser_release_returned_command(resp_parser *parser)
{
    if (!parser->command_returned)
        return;
    resp_parser_release_blocks(parser);
    parser->argc = 0;
    parser->command_returned = 0;
}

#endif
