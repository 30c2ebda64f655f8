/* client_info: CLIENT LIST lines (see client_info.h).
 *
 * Formatting uses one strbuf_printf per line: CLIENT LIST is an
 * administrative command, so clarity beats shaving microseconds.
 */
#include "client_info.h"

#include <string.h>

#include "client.h"
#include "command.h"

const char *client_info_type(const client *c) {
    return (c->flags & CLIENT_PUBSUB) ? "pubsub" : "normal";
}

void client_info_flags(const client *c, char *flags, size_t size) {
    static const struct {
        uint32_t flag;
        char letter;
    } letters[] = {{CLIENT_MONITOR, 'O'},           {CLIENT_PUBSUB, 'P'},
                   {CLIENT_MULTI, 'x'},             {CLIENT_BLOCKED, 'b'},
                   {CLIENT_PAUSED, 'b'},            {CLIENT_TRACKING, 't'},
                   {CLIENT_TRACKING_BROKEN_REDIR, 'R'}, {CLIENT_TRACKING_BCAST, 'B'},
                   {CLIENT_DIRTY_CAS, 'd'},
                   {CLIENT_CLOSE_AFTER_REPLY, 'c'}, {CLIENT_CLOSE_ASAP, 'A'},
                   {CLIENT_UNIX_SOCKET, 'U'},       {CLIENT_NO_EVICT, 'e'}};
    size_t used = 0;
    for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]) && used + 1 < size; i++) {
        if (c->flags & letters[i].flag) flags[used++] = letters[i].letter;
    }
    if (used == 0 && size > 1) flags[used++] = 'N';
    flags[used] = '\0';
}

static const char *command_name(const client *c) {
    const command *cmd = c->command ? c->command : c->last_command;
    return cmd ? cmd->full_name : "NULL";
}

/* The output buffer split into Redis's fixed buffer and reply list. */
typedef struct output_figures {
    size_t buffer_size, buffer_used, list_length, list_memory;
} output_figures;

static output_figures output_of(const client *c) {
    const resp_output *output = c->hidden_reply ? c->hidden_reply : c->reply;
    output_figures figures;
    size_t memory = resp_output_memory(output);
    size_t pending = resp_output_pending_bytes(output);
    figures.buffer_size = memory < RESP_OUTPUT_CHUNK_SIZE ? memory : RESP_OUTPUT_CHUNK_SIZE;
    figures.buffer_used = pending < figures.buffer_size ? pending : figures.buffer_size;
    figures.list_length = resp_output_chunk_count(output);
    figures.list_memory = memory - figures.buffer_size;
    return figures;
}

/* Bytes of the running command's arguments, as Redis counts them (string
 * lengths only); 0 for a client that is not executing. */
static size_t argv_memory(const client *c) {
    if (!(c->flags & CLIENT_EXECUTING)) return 0;
    size_t total = 0;
    for (int i = 0; i < c->argc; i++) total += c->argv[i].length;
    return total;
}

static size_t multi_memory(const client *c) {
    size_t total = (size_t)c->multi.capacity * sizeof(multi_command);
    for (int i = 0; i < c->multi.count; i++) {
        const multi_command *queued = &c->multi.commands[i];
        total += (size_t)queued->argc * sizeof(resp_argument);
        for (int j = 0; j < queued->argc; j++) total += queued->argv[j].length;
    }
    return total;
}

void client_info_append(strbuf *out, const client *c) {
    char flags[16];
    client_info_flags(c, flags, sizeof(flags));
    int64_t now = server_unix_time_ms();
    size_t arguments = argv_memory(c);
    output_figures output = output_of(c);
    char events[3] = {0};
    size_t event_count = 0;
    if (c->read_event) events[event_count++] = 'r';
    if (c->flags & CLIENT_WRITE_INSTALLED) events[event_count++] = 'w';
    strbuf_printf(out,
                  "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d sub=%d psub=%d "
                  "ssub=%d multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=%zu rbp=%zu obl=%zu "
                  "oll=%zu omem=%zu tot-mem=%zu events=%s cmd=%s user=%s redir=%lld resp=%d "
                  "lib-name=%s lib-ver=%s\n",
                  (unsigned long long)c->id, c->address, c->local_address, c->fd, c->name ? c->name : "",
                  (long long)(now - c->creation_time_ms) / 1000, (long long)(now - c->last_interaction_ms) / 1000,
                  flags, c->db_index, c->pubsub_channels, c->pubsub_patterns, c->pubsub_shard_channels,
                  (c->flags & CLIENT_MULTI) ? c->multi.count : -1, resp_parser_pending_bytes(c->parser),
                  resp_parser_free_capacity(c->parser), arguments, multi_memory(c), output.buffer_size,
                  output.buffer_used, output.buffer_used, output.list_length, output.list_memory,
                  client_memory(c) + arguments, events, command_name(c), client_user_name(c),
                  (c->flags & CLIENT_TRACKING) ? (long long)c->tracking_redirect : -1LL, c->resp_version,
                  c->library_name ? c->library_name : "", c->library_version ? c->library_version : "");
}
