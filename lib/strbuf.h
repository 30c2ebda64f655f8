/* strbuf: a growable byte string allocated through zmalloc.
 *
 * Used to build replies made of text (INFO, CLIENT LIST, CONFIG REWRITE) and
 * log lines.  The buffer is always NUL-terminated once anything was appended,
 * so data can be passed to C string functions; length excludes the NUL.
 * Growth doubles the capacity, so appending N bytes costs amortised O(N).
 * A zero-initialised strbuf (STRBUF_INIT) is valid and empty.
 */
#ifndef ZKV_STRBUF_H
#define ZKV_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
    char *data; /* NULL until the first append */
    size_t length;
    size_t capacity;
} strbuf;

#define STRBUF_INIT {NULL, 0, 0}

void strbuf_init(strbuf *buffer);
void strbuf_free(strbuf *buffer); /* back to the empty state */
void strbuf_clear(strbuf *buffer); /* length 0, capacity kept */
void strbuf_reserve(strbuf *buffer, size_t extra);
void strbuf_append(strbuf *buffer, const void *data, size_t length);
void strbuf_append_cstring(strbuf *buffer, const char *text);
void strbuf_append_char(strbuf *buffer, char character);
void strbuf_append_int(strbuf *buffer, long long value);
void strbuf_append_unsigned(strbuf *buffer, unsigned long long value);
void strbuf_printf(strbuf *buffer, const char *format, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(strbuf *buffer, const char *format, va_list arguments);
/* A C string never NULL ("" when empty), valid until the next change. */
const char *strbuf_cstring(const strbuf *buffer);
/* Hands the zmalloc'd, NUL-terminated block to the caller; the buffer becomes
 * empty.  Never NULL. */
/* Byte counts as Redis prints them in INFO and MEMORY: "1023B", "1.50K",
 * "2.00M", ... */
void strbuf_append_human_bytes(strbuf *buffer, unsigned long long bytes);
char *strbuf_detach(strbuf *buffer, size_t *length);

#endif
