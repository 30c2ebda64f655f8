/* resp_output_internal: the chunk list shared by resp_output.c (which owns
 * it) and resp_writer.c (whose encoders write into its tail).  Internal to
 * protocol/. */
#ifndef ZKV_RESP_OUTPUT_INTERNAL_H
#define ZKV_RESP_OUTPUT_INTERNAL_H

#include "resp_writer.h"

typedef struct resp_chunk {
    struct resp_chunk *next;
    const char *bytes; /* data[] for a buffer chunk, the payload for a reference */
    size_t length;     /* bytes queued in this chunk */
    size_t capacity;   /* size of data[]; 0 for a reference */
    void (*release)(void *context);
    void *context;
    char data[];
} resp_chunk;

struct resp_output {
    resp_chunk *head;
    resp_chunk *tail;
    size_t head_consumed; /* bytes of head already consumed */
    size_t pending;
    size_t memory;
    size_t chunk_count;
    resp_chunk *spare;
    int protocol;
    int failed; /* a chunk was refused: writes go to the sink (resp_output_failed) */
};

/* Where writes go once an output has failed: bytes written there are
 * dropped.  One for the process (the server is single-threaded), not
 * counted in used_memory, large enough for any reserve. */
extern resp_chunk *resp_output_sink;

/* The tail buffer chunk with at least `size` free bytes, started anew if
 * the tail has less room (size <= RESP_OUTPUT_CHUNK_SIZE). */
resp_chunk *resp_output_tail_with_room(resp_output *output, size_t size);
/* Links a reference chunk for `data` (see resp_write_bulk_reference). */
void resp_output_append_reference(resp_output *output, const void *data, size_t length,
                                  void (*release)(void *context), void *context);
/* Inserts `header` where `deferred` was taken. */
void resp_output_insert(resp_output *output, resp_deferred deferred, const char *header,
                        size_t length);

/* Returns where `size` contiguous bytes may be written; commit with
 * resp_output_commit. */
static inline char *resp_output_reserve(resp_output *output, size_t size)
{
    resp_chunk *tail = resp_output_tail_with_room(output, size);
    return tail->data + tail->length;
}

static inline void resp_output_commit(resp_output *output, size_t size)
{
    if (output->failed)
        return;
    output->tail->length += size;
    output->pending += size;
}

/* Free bytes in the tail buffer chunk (0 when the tail is a reference). */
static inline size_t resp_output_tail_room(const resp_output *output)
{
    const resp_chunk *tail = output->failed ? resp_output_sink : output->tail;
    return tail != NULL ? tail->capacity - tail->length : 0;
}

#endif
