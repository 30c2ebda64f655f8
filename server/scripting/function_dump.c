/* function_dump: FUNCTION DUMP/RESTORE payloads (see function_dump.h), on
 * the shared RDB codec (lib/rdb_io: lengths, strings with Redis's LZF rule,
 * validated reads; lib/rdb_crc64), the same one RDB files use. */
#include "function_dump.h"

#include <string.h>

#include "rdb_crc64.h"
#include "rdb_io.h"
#include "zmalloc.h"

uint64_t function_dump_crc64(uint64_t crc, const void *data, size_t length) {
    return rdb_crc64(crc, data, length);
}

void function_dump_append_library(strbuf *out, const char *code, size_t length) {
    rdb_writer w;
    rdb_writer_init(&w, -1, true); /* Redis compresses long code in DUMP */
    rdb_write_byte(&w, FUNCTION_DUMP_OPCODE_FUNCTION2);
    rdb_write_string(&w, code, length);
    strbuf_append(out, w.buffer.data, w.buffer.length);
    rdb_writer_free(&w);
}

void function_dump_finish(strbuf *out) {
    unsigned char footer[8];
    footer[0] = FUNCTION_DUMP_RDB_VERSION & 0xff;
    footer[1] = (FUNCTION_DUMP_RDB_VERSION >> 8) & 0xff;
    strbuf_append(out, footer, 2);
    uint64_t crc = rdb_crc64(0, out->data, out->length);
    for (int i = 0; i < 8; i++) footer[i] = (unsigned char)(crc >> (8 * i));
    strbuf_append(out, footer, 8);
}

int function_dump_verify(const char *payload, size_t length) {
    if (length < 10) return -1;
    const unsigned char *footer = (const unsigned char *)payload + length - 10;
    unsigned version = (unsigned)footer[0] | ((unsigned)footer[1] << 8);
    if (version > FUNCTION_DUMP_RDB_VERSION) return -1;
    uint64_t crc = rdb_crc64(0, payload, length - 8);
    for (int i = 0; i < 8; i++)
        if (footer[2 + i] != (unsigned char)(crc >> (8 * i))) return -1;
    return 0;
}

void function_dump_reader_init(function_dump_reader *reader, const char *payload, size_t length) {
    reader->at = (const unsigned char *)payload;
    reader->end = reader->at + length - 10;
}

int function_dump_next(function_dump_reader *reader, char **code, size_t *length, const char **error) {
    if (reader->at >= reader->end) return 0;
    unsigned char type = *reader->at++;
    if (type == FUNCTION_DUMP_OPCODE_FUNCTION_PRE_GA) {
        *error = "Pre-GA function format not supported";
        return -1;
    }
    if (type != FUNCTION_DUMP_OPCODE_FUNCTION2) {
        *error = "given type is not a function";
        return -1;
    }
    rdb_reader r;
    rdb_reader_init(&r, reader->at, (size_t)(reader->end - reader->at), FUNCTION_DUMP_RDB_VERSION);
    rdb_string s;
    /* Library code starts with "#!": an integer encoding cannot hold one. */
    if (rdb_read_string(&r, &s) != 0) {
        *error = "Failed loading library payload";
        return -1;
    }
    if (s.is_integer) {
        rdb_string_release(&s);
        *error = "Failed loading library payload";
        return -1;
    }
    char *copy = zmalloc_alloc(s.length + 1);
    memcpy(copy, s.data, s.length);
    copy[s.length] = '\0';
    *length = s.length;
    rdb_string_release(&s);
    reader->at = r.cursor;
    *code = copy;
    return 1;
}
