/* fuzz_resp_parser: libFuzzer target for protocol/resp_parser.
 *
 * The first two input bytes are settings, the rest is what a client sends:
 *   byte 0: bit 0 small limits (so limit paths are reached cheaply),
 *           bit 1 unauthenticated client, bit 2 take big arguments,
 *           bits 3-7 the piece size of the third run (1..32 bytes);
 *   byte 1: where the second run splits the input (scaled to its length).
 * The input is parsed three ways: whole, in two pieces, and in small pieces
 * with resp_parser_trim and resp_parser_shrink between reads.  Each run is summarised by a hash of
 * every command (kind and arguments), the final status, the error text and
 * the pending byte count; the three summaries must be equal, or the target
 * aborts.  ASan and UBSan (ZKV_SANITIZE=ON) catch memory errors.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resp_parser.h"
#include "zmalloc.h"

typedef struct run_summary {
    uint64_t hash;
    long commands;
} run_summary;

typedef struct fuzz_settings {
    resp_parser_limits limits;
    int unauthenticated;
    int take_big_arguments;
} fuzz_settings;

static void mix(uint64_t *hash, const void *data, size_t length)
{
    const unsigned char *bytes = data;
    for (size_t i = 0; i < length; i++) {
        *hash ^= bytes[i];
        *hash *= 1099511628211ULL;
    }
}

/* Pulls every available command into the summary; returns 1 on error. */
static int drain(resp_parser *parser, const fuzz_settings *settings, run_summary *summary)
{
    resp_command command;
    resp_parse_status status;
    while ((status = resp_parser_next_command(parser, &command)) == RESP_PARSE_COMMAND) {
        if (command.argc <= 0)
            abort();
        mix(&summary->hash, &command.kind, sizeof(command.kind));
        mix(&summary->hash, &command.argc, sizeof(command.argc));
        for (int i = 0; i < command.argc; i++) {
            mix(&summary->hash, &command.argv[i].length, sizeof(command.argv[i].length));
            mix(&summary->hash, command.argv[i].data, command.argv[i].length);
        }
        summary->commands++;
        if (settings->take_big_arguments)
            for (int i = 0; i < command.argc; i++)
                zmalloc_free(resp_parser_take_argument(parser, i));
    }
    if (status == RESP_PARSE_ERROR) {
        const char *error = resp_parser_error(parser);
        mix(&summary->hash, error, strlen(error) + 1);
        return 1;
    }
    return 0;
}

/* Feeds `data` in pieces of `piece` bytes, the first one `first` long. */
static run_summary run(const fuzz_settings *settings, const uint8_t *data, size_t length,
                       size_t first, size_t piece, int shrink)
{
    run_summary summary = {14695981039346656037ULL, 0};
    resp_parser *parser = resp_parser_create(&settings->limits);
    if (parser == NULL)
        abort();
    resp_parser_set_unauthenticated(parser, settings->unauthenticated);
    size_t sent = 0;
    int failed = 0;
    while (!failed && sent < length) {
        size_t count = sent == 0 && first > 0 ? first : piece;
        if (count > length - sent)
            count = length - sent;
        resp_parser_feed(parser, (const char *)data + sent, count);
        sent += count;
        failed = drain(parser, settings, &summary);
        if (shrink) {
            resp_parser_trim(parser);
            resp_parser_shrink(parser);
        }
    }
    if (!failed) {
        size_t pending = resp_parser_pending_bytes(parser);
        mix(&summary.hash, &pending, sizeof(pending));
    }
    resp_parser_destroy(parser);
    return summary;
}

static fuzz_settings decode_settings(uint8_t flags)
{
    fuzz_settings settings;
    resp_parser_default_limits(&settings.limits);
    if (flags & 1) {
        settings.limits.max_bulk_length = 40000;
        settings.limits.max_inline_length = 64;
        settings.limits.max_multibulk_count = 100;
        settings.limits.max_header_length = 12;
    }
    settings.unauthenticated = (flags >> 1) & 1;
    settings.take_big_arguments = (flags >> 2) & 1;
    return settings;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    fuzz_settings settings = decode_settings(data[0]);
    size_t piece = (size_t)(data[0] >> 3) + 1;
    const uint8_t *input = data + 2;
    size_t length = size - 2;
    size_t split = length * data[1] / 255;

    run_summary whole = run(&settings, input, length, length, length, 0);
    run_summary halves = run(&settings, input, length, split, length, 0);
    run_summary pieces = run(&settings, input, length, piece, piece, 1);
    if (whole.hash != halves.hash || whole.commands != halves.commands)
        abort();
    if (whole.hash != pieces.hash || whole.commands != pieces.commands)
        abort();
    return 0;
}
