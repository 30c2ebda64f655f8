/* resp_writer: reply encoder and output chunk list.
 *
 * Design.  Pending reply bytes are a singly linked list of chunks.  A buffer
 * chunk carries its bytes inline (16 KiB normally); a reference chunk points
 * at a caller's payload and calls the caller's release function when the
 * payload has been consumed or dropped.  Encoders append at the tail; the
 * socket layer consumes at the head.  One drained buffer chunk is kept as a
 * spare so a request/response client does not allocate per reply; shrink
 * frees it.
 *
 * Replies are formatted straight into the tail chunk when they fit in it;
 * otherwise a length header (at most 24 bytes) is written whole, starting a
 * new chunk if the tail has less room, which leaves at most 23 unused bytes
 * behind, and payloads are copied across chunks.
 *
 * Deferred headers remember (chunk, offset) and insert the header there when
 * its length is known: by sliding the rest of that chunk (at most one chunk,
 * never the whole reply) when it has room, otherwise by moving that rest into
 * a new chunk that starts with the header.  A deferred header must be set
 * before the output is consumed, which holds because a reply is complete
 * before the event loop writes it.
 *
 * Doubles follow Redis 7.0: "%.17g" ("1.1000000000000001", "3", "1e+300"),
 * infinities as "inf" and "-inf", in RESP3 after ',' and in RESP2 as a bulk
 * string.  Every NaN is written "nan" (glibc would print "-nan" for a NaN
 * with the sign bit set).
 */
#include "resp_writer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "zmalloc.h"

/* Room for a type byte, a 20-character integer and CRLF. */
#define HEADER_MAXIMUM 24
/* Referenced payloads shorter than this are cheaper to copy: no chunk is
 * allocated for them, and their release function runs at once. */
#define REFERENCE_MINIMUM 4096

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
};

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

static resp_chunk *new_buffer_chunk(resp_output *output, size_t capacity)
{
    resp_chunk *chunk;
    if (capacity <= RESP_OUTPUT_CHUNK_SIZE && output->spare != NULL) {
        chunk = output->spare;
        output->spare = NULL;
    } else {
        if (capacity < RESP_OUTPUT_CHUNK_SIZE)
            capacity = RESP_OUTPUT_CHUNK_SIZE;
        chunk = zmalloc_alloc(sizeof(*chunk) + capacity);
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

/* The tail buffer chunk with at least `size` free bytes (size <= chunk size). */
static resp_chunk *tail_with_room(resp_output *output, size_t size)
{
    resp_chunk *tail = output->tail;
    if (tail == NULL || tail->capacity - tail->length < size || tail->capacity == 0) {
        tail = new_buffer_chunk(output, size);
        link_chunk(output, tail);
    }
    return tail;
}

/* Returns where `size` contiguous bytes may be written; commit with
 * finish_write. */
static inline char *reserve(resp_output *output, size_t size)
{
    resp_chunk *tail = tail_with_room(output, size);
    return tail->data + tail->length;
}

static inline void finish_write(resp_output *output, size_t size)
{
    output->tail->length += size;
    output->pending += size;
}

void resp_write_raw(resp_output *output, const void *data, size_t length)
{
    const char *bytes = data;
    while (length > 0) {
        resp_chunk *tail = tail_with_room(output, 1);
        size_t room = tail->capacity - tail->length;
        size_t count = length < room ? length : room;
        memcpy(tail->data + tail->length, bytes, count);
        finish_write(output, count);
        bytes += count;
        length -= count;
    }
}

/* ---- Numbers ---- */

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

static int count_digits(unsigned long long value)
{
    int digits = 1;
    for (;;) {
        if (value < 10)
            return digits;
        if (value < 100)
            return digits + 1;
        if (value < 1000)
            return digits + 2;
        if (value < 10000)
            return digits + 3;
        value /= 10000;
        digits += 4;
    }
}

/* Writes the digits back to front, two at a time. */
static int format_unsigned(char *destination, unsigned long long value)
{
    int digits = count_digits(value);
    char *cursor = destination + digits;
    while (value >= 100) {
        unsigned pair = (unsigned)(value % 100) * 2;
        value /= 100;
        *--cursor = digit_pairs[pair + 1];
        *--cursor = digit_pairs[pair];
    }
    if (value >= 10) {
        *--cursor = digit_pairs[value * 2 + 1];
        *--cursor = digit_pairs[value * 2];
    } else {
        *--cursor = (char)('0' + value);
    }
    return digits;
}

int resp_format_int64(char *destination, long long value)
{
    if (value >= 0)
        return format_unsigned(destination, (unsigned long long)value);
    destination[0] = '-';
    return 1 + format_unsigned(destination + 1, 0 - (unsigned long long)value);
}

/* "<type><value>\r\n" */
static void write_number_line(resp_output *output, char type, long long value)
{
    char *cursor = reserve(output, HEADER_MAXIMUM);
    cursor[0] = type;
    int length = 1 + resp_format_int64(cursor + 1, value);
    cursor[length] = '\r';
    cursor[length + 1] = '\n';
    finish_write(output, (size_t)length + 2);
}

/* ---- Encoders ---- */

/* Free bytes in the tail buffer chunk (0 when the tail is a reference). */
static size_t tail_room(const resp_output *output)
{
    const resp_chunk *tail = output->tail;
    return tail != NULL ? tail->capacity - tail->length : 0;
}

/* "<type><text>\r\n": in one piece when it fits the tail, else copied
 * across chunks so no tail space is left unused. */
static void write_text_line(resp_output *output, char type, const char *text, size_t length)
{
    if (length + 3 <= tail_room(output)) {
        char *cursor = reserve(output, length + 3);
        cursor[0] = type;
        if (length > 0) /* text may be NULL when empty */
            memcpy(cursor + 1, text, length);
        cursor[length + 1] = '\r';
        cursor[length + 2] = '\n';
        finish_write(output, length + 3);
        return;
    }
    resp_write_raw(output, &type, 1);
    resp_write_raw(output, text, length);
    resp_write_raw(output, "\r\n", 2);
}

void resp_write_simple(resp_output *output, const char *text, size_t length)
{
    write_text_line(output, '+', text, length);
}

void resp_write_error(resp_output *output, const char *text, size_t length)
{
    write_text_line(output, '-', text, length);
}

void resp_write_integer(resp_output *output, long long value)
{
    write_number_line(output, ':', value);
}

void resp_write_bulk(resp_output *output, const void *data, size_t length)
{
    if (length + HEADER_MAXIMUM + 2 <= tail_room(output)) {
        char *cursor = reserve(output, length + HEADER_MAXIMUM + 2);
        cursor[0] = '$';
        size_t used = 1 + (size_t)resp_format_int64(cursor + 1, (long long)length);
        cursor[used] = '\r';
        cursor[used + 1] = '\n';
        if (length > 0) /* data may be NULL when empty */
            memcpy(cursor + used + 2, data, length);
        cursor[used + 2 + length] = '\r';
        cursor[used + 3 + length] = '\n';
        finish_write(output, used + 4 + length);
        return;
    }
    write_number_line(output, '$', (long long)length);
    resp_write_raw(output, data, length);
    resp_write_raw(output, "\r\n", 2);
}

void resp_write_bulk_cstring(resp_output *output, const char *text)
{
    resp_write_bulk(output, text, strlen(text));
}

void resp_write_bulk_reference(resp_output *output, const void *data, size_t length,
                               void (*release)(void *context), void *context)
{
    if (length < REFERENCE_MINIMUM) {
        resp_write_bulk(output, data, length);
        if (release != NULL)
            release(context);
        return;
    }
    write_number_line(output, '$', (long long)length);
    resp_chunk *chunk = zmalloc_alloc(sizeof(*chunk));
    chunk->next = NULL;
    chunk->bytes = data;
    chunk->length = length;
    chunk->capacity = 0;
    chunk->release = release;
    chunk->context = context;
    link_chunk(output, chunk);
    output->memory += length;
    output->pending += length;
    resp_write_raw(output, "\r\n", 2);
}

void resp_write_null(resp_output *output)
{
    if (output->protocol >= 3)
        resp_write_raw(output, "_\r\n", 3);
    else
        resp_write_raw(output, "$-1\r\n", 5);
}

void resp_write_null_array(resp_output *output)
{
    if (output->protocol >= 3)
        resp_write_raw(output, "_\r\n", 3);
    else
        resp_write_raw(output, "*-1\r\n", 5);
}

void resp_write_array_header(resp_output *output, long long count)
{
    write_number_line(output, '*', count);
}

void resp_write_map_header(resp_output *output, long long pairs)
{
    if (output->protocol >= 3)
        write_number_line(output, '%', pairs);
    else
        write_number_line(output, '*', pairs * 2);
}

void resp_write_set_header(resp_output *output, long long count)
{
    write_number_line(output, output->protocol >= 3 ? '~' : '*', count);
}

void resp_write_push_header(resp_output *output, long long count)
{
    write_number_line(output, output->protocol >= 3 ? '>' : '*', count);
}

/* Redis 7.0's text for a double; returns its length. */
static int format_double(char *destination, size_t size, double value)
{
    if (isnan(value))
        return snprintf(destination, size, "nan");
    if (isinf(value))
        return snprintf(destination, size, value > 0 ? "inf" : "-inf");
    return snprintf(destination, size, "%.17g", value);
}

void resp_write_double(resp_output *output, double value)
{
    char text[64];
    int length = format_double(text, sizeof(text), value);
    if (output->protocol >= 3)
        write_text_line(output, ',', text, (size_t)length);
    else
        resp_write_bulk(output, text, (size_t)length);
}

void resp_write_boolean(resp_output *output, int value)
{
    if (output->protocol >= 3)
        resp_write_raw(output, value ? "#t\r\n" : "#f\r\n", 4);
    else
        resp_write_raw(output, value ? ":1\r\n" : ":0\r\n", 4);
}

void resp_write_verbatim(resp_output *output, const char *format, const char *data, size_t length)
{
    if (output->protocol < 3) {
        resp_write_bulk(output, data, length);
        return;
    }
    write_number_line(output, '=', (long long)length + 4);
    resp_write_raw(output, format, 3);
    resp_write_raw(output, ":", 1);
    resp_write_raw(output, data, length);
    resp_write_raw(output, "\r\n", 2);
}

void resp_write_big_number(resp_output *output, const char *digits, size_t length)
{
    if (output->protocol >= 3)
        write_text_line(output, '(', digits, length);
    else
        resp_write_bulk(output, digits, length);
}

/* ---- Deferred headers ---- */

resp_deferred resp_write_deferred_header(resp_output *output)
{
    resp_chunk *tail = tail_with_room(output, 0);
    resp_deferred deferred = {tail, tail->length};
    return deferred;
}

/* Inserts `header` at the deferred place (see the design note above). */
static void insert_at(resp_output *output, resp_deferred deferred, const char *header,
                      size_t length)
{
    resp_chunk *chunk = deferred.chunk;
    size_t rest = chunk->length - deferred.position;
    if (chunk->capacity - chunk->length >= length) {
        char *place = chunk->data + deferred.position;
        memmove(place + length, place, rest);
        memcpy(place, header, length);
        chunk->length += length;
    } else {
        resp_chunk *moved = new_buffer_chunk(output, length + rest);
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

static void set_deferred(resp_output *output, resp_deferred deferred, char type, long long count)
{
    char header[HEADER_MAXIMUM];
    header[0] = type;
    int length = 1 + resp_format_int64(header + 1, count);
    header[length] = '\r';
    header[length + 1] = '\n';
    insert_at(output, deferred, header, (size_t)length + 2);
}

void resp_set_deferred_array_length(resp_output *output, resp_deferred deferred, long long count)
{
    set_deferred(output, deferred, '*', count);
}

void resp_set_deferred_map_length(resp_output *output, resp_deferred deferred, long long pairs)
{
    if (output->protocol >= 3)
        set_deferred(output, deferred, '%', pairs);
    else
        set_deferred(output, deferred, '*', pairs * 2);
}

void resp_set_deferred_set_length(resp_output *output, resp_deferred deferred, long long count)
{
    set_deferred(output, deferred, output->protocol >= 3 ? '~' : '*', count);
}
