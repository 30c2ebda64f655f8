/* resp_writer: the reply encoders, RESP3 types with their RESP2 fallbacks.
 *
 * Each encoder formats its reply straight into the output's tail chunk when
 * it fits (resp_output.c keeps the chunks); otherwise a length header (at
 * most 24 bytes) is written whole, which leaves at most 23 unused bytes
 * behind in the previous chunk, and payloads are copied across chunks.
 * Integers and lengths are formatted with a two-digits-at-a-time table, not
 * printf.
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

#include "resp_output_internal.h"

/* Room for a type byte, a 20-character integer and CRLF. */
#define HEADER_MAXIMUM 24
/* Referenced payloads shorter than this are cheaper to copy: no chunk is
 * allocated for them, and their release function runs at once. */
#define REFERENCE_MINIMUM 4096

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
    char *cursor = resp_output_reserve(output, HEADER_MAXIMUM);
    cursor[0] = type;
    int length = 1 + resp_format_int64(cursor + 1, value);
    cursor[length] = '\r';
    cursor[length + 1] = '\n';
    resp_output_commit(output, (size_t)length + 2);
}

/* ---- Encoders ---- */

/* Whether `size` bytes can be written in one piece exactly where the
 * piecewise path would put them: in the tail's room, or, when the tail has
 * none (always so after a flush, i.e. for every reply without pipelining),
 * at the start of the fresh chunk the piecewise path would open as well. */
static inline int fits_in_one_piece(const resp_output *output, size_t size)
{
    size_t room = resp_output_tail_room(output);
    return size <= room || (room == 0 && size <= RESP_OUTPUT_CHUNK_SIZE);
}

/* "<type><text>\r\n": in one piece when it fits, else copied across chunks
 * so no tail space is left unused. */
static void write_text_line(resp_output *output, char type, const char *text, size_t length)
{
    if (fits_in_one_piece(output, length + 3)) {
        char *cursor = resp_output_reserve(output, length + 3);
        cursor[0] = type;
        if (length > 0) /* text may be NULL when empty */
            memcpy(cursor + 1, text, length);
        cursor[length + 1] = '\r';
        cursor[length + 2] = '\n';
        resp_output_commit(output, length + 3);
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
    if (fits_in_one_piece(output, length + HEADER_MAXIMUM + 2)) {
        char *cursor = resp_output_reserve(output, length + HEADER_MAXIMUM + 2);
        cursor[0] = '$';
        size_t used = 1 + (size_t)resp_format_int64(cursor + 1, (long long)length);
        cursor[used] = '\r';
        cursor[used + 1] = '\n';
        if (length > 0) /* data may be NULL when empty */
            memcpy(cursor + used + 2, data, length);
        cursor[used + 2 + length] = '\r';
        cursor[used + 3 + length] = '\n';
        resp_output_commit(output, used + 4 + length);
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
    resp_output_append_reference(output, data, length, release, context);
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

static void set_deferred(resp_output *output, resp_deferred deferred, char type, long long count)
{
    char header[HEADER_MAXIMUM];
    header[0] = type;
    int length = 1 + resp_format_int64(header + 1, count);
    header[length] = '\r';
    header[length + 1] = '\n';
    resp_output_insert(output, deferred, header, (size_t)length + 2);
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
