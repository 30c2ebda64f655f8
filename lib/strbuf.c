/* strbuf: growable byte strings through zmalloc (see strbuf.h).
 *
 * Capacity doubles on growth and always leaves room for a terminating NUL, so
 * strbuf_cstring never allocates.  Formatting goes through vsnprintf into the
 * spare capacity first and grows only when the text did not fit, which makes
 * the common short append a single pass.
 */
#include "strbuf.h"

#include <stdio.h>
#include <string.h>

#include "resp_writer.h"
#include "zmalloc.h"

void strbuf_init(strbuf *buffer) {
    buffer->data = NULL;
    buffer->length = 0;
    buffer->capacity = 0;
}

void strbuf_free(strbuf *buffer) {
    zmalloc_free(buffer->data);
    strbuf_init(buffer);
}

void strbuf_clear(strbuf *buffer) {
    buffer->length = 0;
    if (buffer->data) buffer->data[0] = '\0';
}

/* Makes room for `extra` more bytes plus the NUL. */
void strbuf_reserve(strbuf *buffer, size_t extra) {
    size_t needed = buffer->length + extra + 1;
    if (needed <= buffer->capacity) return;
    size_t capacity = buffer->capacity ? buffer->capacity : 64;
    while (capacity < needed) capacity *= 2;
    buffer->data = zmalloc_realloc(buffer->data, capacity);
    buffer->capacity = capacity;
}

void strbuf_append(strbuf *buffer, const void *data, size_t length) {
    strbuf_reserve(buffer, length);
    if (length) memcpy(buffer->data + buffer->length, data, length);
    buffer->length += length;
    buffer->data[buffer->length] = '\0';
}

void strbuf_append_cstring(strbuf *buffer, const char *text) {
    strbuf_append(buffer, text, strlen(text));
}

void strbuf_append_char(strbuf *buffer, char character) {
    strbuf_append(buffer, &character, 1);
}

void strbuf_append_int(strbuf *buffer, long long value) {
    char digits[24];
    int length = resp_format_int64(digits, value);
    strbuf_append(buffer, digits, (size_t)length);
}

void strbuf_append_unsigned(strbuf *buffer, unsigned long long value) {
    char digits[24];
    int position = (int)sizeof(digits);
    do {
        digits[--position] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    strbuf_append(buffer, digits + position, sizeof(digits) - (size_t)position);
}

void strbuf_vprintf(strbuf *buffer, const char *format, va_list arguments) {
    va_list copy;
    strbuf_reserve(buffer, 64);
    va_copy(copy, arguments);
    size_t room = buffer->capacity - buffer->length;
    int written = vsnprintf(buffer->data + buffer->length, room, format, copy);
    va_end(copy);
    if (written < 0) {
        buffer->data[buffer->length] = '\0';
        return;
    }
    if ((size_t)written >= room) {
        strbuf_reserve(buffer, (size_t)written);
        vsnprintf(buffer->data + buffer->length, (size_t)written + 1, format, arguments);
    }
    buffer->length += (size_t)written;
}

void strbuf_printf(strbuf *buffer, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    strbuf_vprintf(buffer, format, arguments);
    va_end(arguments);
}

const char *strbuf_cstring(const strbuf *buffer) {
    return buffer->data ? buffer->data : "";
}

char *strbuf_detach(strbuf *buffer, size_t *length) {
    if (!buffer->data) {
        strbuf_reserve(buffer, 0);
        buffer->data[0] = '\0';
    }
    char *data = buffer->data;
    if (length) *length = buffer->length;
    strbuf_init(buffer);
    return data;
}

void strbuf_append_human_bytes(strbuf *buffer, unsigned long long bytes) {
    static const char units[] = "KMGTPE";
    if (bytes < 1024) {
        strbuf_printf(buffer, "%lluB", bytes);
        return;
    }
    double value = (double)bytes / 1024;
    int unit = 0;
    while (value >= 1024 && units[unit + 1]) {
        value /= 1024;
        unit++;
    }
    strbuf_printf(buffer, "%.2f%c", value, units[unit]);
}
