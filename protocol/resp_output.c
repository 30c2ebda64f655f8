/* resp_output: one connection's pending reply bytes, as a chunk list.
 *
 * Design.  Pending reply bytes are a singly linked list of chunks.  A buffer
 * chunk carries its bytes inline (16 KiB normally); a reference chunk points
 * at a caller's payload and calls the caller's release function when the
 * payload has been consumed or dropped.  Encoders (resp_writer.c) append at
 * the tail; the socket layer consumes at the head.  One drained buffer chunk
 * is kept as a spare so a request/response client does not allocate per
 * reply; shrink frees it.
 *
 * Deferred headers remember (chunk, offset) and insert the header there when
 * its length is known: by sliding the rest of that chunk (at most one chunk,
 * never the whole reply) when it has room, otherwise by moving that rest into
 * a new chunk that starts with the header.  A deferred header must be set
 * before the output is consumed, which holds because a reply is complete
 * before the event loop writes it.
 */
#include <string.h>

#include "resp_output_internal.h"
#include "zkv_assert.h"
#include "zmalloc.h"

/* The sink's bytes: a chunk header and room for the largest single reserve
 * (a chunk's worth; bigger pieces are written through resp_write_raw). */
static union {
    resp_chunk chunk;
    char bytes[sizeof(resp_chunk) + RESP_OUTPUT_CHUNK_SIZE];
} sink_storage = {.chunk = {.capacity = RESP_OUTPUT_CHUNK_SIZE}};
resp_chunk *resp_output_sink = &sink_storage.chunk;

int resp_output_failed(const resp_output *output)
{
    return output->failed;
}

static void free_spare(resp_output *output);

/* Marks the output failed.  What was queued is dropped at once: none of it
 * will be sent (the owner closes the connection or resets the output), and
 * the refusal says memory is short just when the rest of the command, and
 * every other client, still need some. */
static void mark_failed(resp_output *output)
{
    if (output->failed)
        return;
    output->failed = 1;
    resp_output_clear(output);
    free_spare(output);
}

/* Marks the output failed and gives the sink, emptied, as the place to
 * write `size` bytes. */
static resp_chunk *fail_output(resp_output *output, size_t size)
{
    mark_failed(output);
    zkv_assert(size <= RESP_OUTPUT_CHUNK_SIZE);
    resp_output_sink->length = 0;
    return resp_output_sink;
}

resp_output *resp_output_create(void)
{
    resp_output *output = zmalloc_calloc(sizeof(*output));
    output->protocol = 2;
    return output;
}

static size_t chunk_memory(const resp_chunk *chunk)
{
    return chunk->capacity > 0 ? chunk->capacity : chunk->length;
}

/* Releases a chunk taken off the list: a reference calls back its owner, a
 * standard buffer chunk becomes the spare if there is none. */
static void discard_chunk(resp_output *output, resp_chunk *chunk)
{
    if (chunk->release != NULL)
        chunk->release(chunk->context);
    if (chunk->capacity == RESP_OUTPUT_CHUNK_SIZE && output->spare == NULL) {
        output->spare = chunk;
        return;
    }
    output->memory -= chunk_memory(chunk);
    zmalloc_free(chunk);
}

static void free_spare(resp_output *output)
{
    if (output->spare == NULL)
        return;
    output->memory -= output->spare->capacity;
    zmalloc_free(output->spare);
    output->spare = NULL;
}

void resp_output_clear(resp_output *output)
{
    while (output->head != NULL) {
        resp_chunk *next = output->head->next;
        discard_chunk(output, output->head);
        output->head = next;
    }
    output->tail = NULL;
    output->head_consumed = 0;
    output->pending = 0;
    output->chunk_count = 0;
}

void resp_output_reset(resp_output *output)
{
    resp_output_clear(output);
    output->failed = 0;
}

void resp_output_destroy(resp_output *output)
{
    if (output == NULL)
        return;
    resp_output_clear(output);
    free_spare(output);
    zmalloc_free(output);
}

void resp_output_set_protocol(resp_output *output, int version)
{
    output->protocol = version;
}

int resp_output_protocol(const resp_output *output)
{
    return output->protocol;
}

size_t resp_output_pending_bytes(const resp_output *output)
{
    return output->pending;
}

size_t resp_output_memory(const resp_output *output)
{
    return output->memory;
}

size_t resp_output_chunk_count(const resp_output *output)
{
    return output->chunk_count > 0 ? output->chunk_count - 1 : 0;
}

int resp_output_iovec(const resp_output *output, struct iovec *vectors, int max_vectors)
{
    int filled = 0;
    size_t skip = output->head_consumed;
    for (const resp_chunk *chunk = output->head; chunk != NULL && filled < max_vectors;
         chunk = chunk->next) {
        if (chunk->length > skip) {
            vectors[filled].iov_base = (void *)(chunk->bytes + skip);
            vectors[filled].iov_len = chunk->length - skip;
            filled++;
        }
        skip = 0;
    }
    return filled;
}

void resp_output_consume(resp_output *output, size_t count)
{
    output->pending -= count;
    while (output->head != NULL) {
        resp_chunk *head = output->head;
        size_t left = head->length - output->head_consumed;
        if (count < left || (count == left && left == 0 && head == output->tail)) {
            output->head_consumed += count;
            return;
        }
        count -= left;
        output->head = head->next;
        output->head_consumed = 0;
        output->chunk_count--;
        if (head == output->tail)
            output->tail = NULL;
        discard_chunk(output, head);
    }
}

void resp_output_shrink(resp_output *output)
{
    if (output->pending == 0)
        resp_output_clear(output);
    free_spare(output);
}

/* ---- Appending ---- */

static void link_chunk(resp_output *output, resp_chunk *chunk)
{
    if (output->tail != NULL)
        output->tail->next = chunk;
    else
        output->head = chunk;
    output->tail = chunk;
    output->chunk_count++;
}

/* A buffer chunk of at least `capacity` bytes, or NULL when the allocator
 * refuses it. */
static resp_chunk *new_buffer_chunk(resp_output *output, size_t capacity)
{
    resp_chunk *chunk;
    if (capacity <= RESP_OUTPUT_CHUNK_SIZE && output->spare != NULL) {
        chunk = output->spare;
        output->spare = NULL;
    } else {
        if (capacity < RESP_OUTPUT_CHUNK_SIZE)
            capacity = RESP_OUTPUT_CHUNK_SIZE;
        chunk = zmalloc_try_alloc(sizeof(*chunk) + capacity);
        if (chunk == NULL)
            return NULL;
        chunk->capacity = capacity;
        output->memory += capacity;
    }
    chunk->next = NULL;
    chunk->bytes = chunk->data;
    chunk->length = 0;
    chunk->release = NULL;
    chunk->context = NULL;
    return chunk;
}

resp_chunk *resp_output_tail_with_room(resp_output *output, size_t size)
{
    if (output->failed)
        return fail_output(output, size);
    resp_chunk *tail = output->tail;
    if (tail == NULL || tail->capacity - tail->length < size || tail->capacity == 0) {
        tail = new_buffer_chunk(output, size);
        if (tail == NULL)
            return fail_output(output, size);
        link_chunk(output, tail);
    }
    return tail;
}

void resp_write_raw(resp_output *output, const void *data, size_t length)
{
    const char *bytes = data;
    while (length > 0) {
        resp_chunk *tail = resp_output_tail_with_room(output, 1);
        size_t room = tail->capacity - tail->length;
        size_t count = length < room ? length : room;
        memcpy(tail->data + tail->length, bytes, count);
        resp_output_commit(output, count);
        bytes += count;
        length -= count;
    }
}

void resp_output_append_reference(resp_output *output, const void *data, size_t length,
                                  void (*release)(void *context), void *context)
{
    resp_chunk *chunk = output->failed ? NULL : zmalloc_try_alloc(sizeof(*chunk));
    if (chunk == NULL) {
        mark_failed(output);
        if (release != NULL)
            release(context); /* never referenced: the owner may drop it now */
        return;
    }
    chunk->next = NULL;
    chunk->bytes = data;
    chunk->length = length;
    chunk->capacity = 0;
    chunk->release = release;
    chunk->context = context;
    link_chunk(output, chunk);
    output->memory += length;
    output->pending += length;
}

/* ---- Deferred headers ---- */

resp_deferred resp_write_deferred_header(resp_output *output)
{
    resp_chunk *tail = resp_output_tail_with_room(output, 0);
    resp_deferred deferred = {tail, tail->length};
    return deferred;
}

void resp_output_insert(resp_output *output, resp_deferred deferred, const char *header,
                        size_t length)
{
    if (output->failed || deferred.chunk == resp_output_sink)
        return; /* nothing of this reply will be sent */
    resp_chunk *chunk = deferred.chunk;
    size_t rest = chunk->length - deferred.position;
    if (chunk->capacity - chunk->length >= length) {
        char *place = chunk->data + deferred.position;
        memmove(place + length, place, rest);
        memcpy(place, header, length);
        chunk->length += length;
    } else {
        resp_chunk *moved = new_buffer_chunk(output, length + rest);
        if (moved == NULL) {
            mark_failed(output);
            return;
        }
        memcpy(moved->data, header, length);
        memcpy(moved->data + length, chunk->data + deferred.position, rest);
        moved->length = length + rest;
        chunk->length = deferred.position;
        moved->next = chunk->next;
        chunk->next = moved;
        if (output->tail == chunk)
            output->tail = moved;
        output->chunk_count++;
    }
    output->pending += length;
}

