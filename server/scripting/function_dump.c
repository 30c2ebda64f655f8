/* function_dump: FUNCTION DUMP/RESTORE payloads (see function_dump.h). */
#include "function_dump.h"

#include <lzf.h>
#include <string.h>

#include "zmalloc.h"

/* RDB length encodings (the two top bits of the first byte). */
#define LENGTH_6BIT 0
#define LENGTH_14BIT 1
#define LENGTH_32BIT 0x80
#define LENGTH_64BIT 0x81
#define LENGTH_ENCODED 3
#define ENCODED_LZF 3

static uint64_t crc_table[256];

static void crc_table_build(void) {
    for (uint64_t byte = 0; byte < 256; byte++) {
        uint64_t crc = byte;
        for (int bit = 0; bit < 8; bit++) crc = (crc & 1) ? (crc >> 1) ^ UINT64_C(0x95ac9329ac4bc9b5) : crc >> 1;
        crc_table[byte] = crc;
    }
}

uint64_t function_dump_crc64(uint64_t crc, const void *data, size_t length) {
    if (!crc_table[1]) crc_table_build();
    const unsigned char *bytes = data;
    for (size_t i = 0; i < length; i++) crc = crc_table[(crc ^ bytes[i]) & 0xff] ^ (crc >> 8);
    return crc;
}

static void append_length(strbuf *out, uint64_t length) {
    unsigned char bytes[9];
    size_t count;
    if (length < (1 << 6)) {
        bytes[0] = (unsigned char)length;
        count = 1;
    } else if (length < (1 << 14)) {
        bytes[0] = (unsigned char)((LENGTH_14BIT << 6) | (length >> 8));
        bytes[1] = (unsigned char)length;
        count = 2;
    } else if (length <= UINT32_MAX) {
        bytes[0] = LENGTH_32BIT;
        for (int i = 0; i < 4; i++) bytes[1 + i] = (unsigned char)(length >> (24 - 8 * i)); /* big endian */
        count = 5;
    } else {
        bytes[0] = LENGTH_64BIT;
        for (int i = 0; i < 8; i++) bytes[1 + i] = (unsigned char)(length >> (56 - 8 * i));
        count = 9;
    }
    strbuf_append(out, bytes, count);
}

/* Redis stores a string compressed when it is longer than 20 bytes and LZF
 * makes it at least 4 bytes shorter. */
static int append_compressed(strbuf *out, const char *data, size_t length) {
    if (length <= 4) return 0;
    size_t room = length - 4;
    unsigned char *compressed = zmalloc_alloc(room + 1);
    unsigned int written = lzf_compress(data, (unsigned int)length, compressed, (unsigned int)room);
    if (written == 0) {
        zmalloc_free(compressed);
        return 0;
    }
    strbuf_append_char(out, (char)((LENGTH_ENCODED << 6) | ENCODED_LZF));
    append_length(out, written);
    append_length(out, length);
    strbuf_append(out, compressed, written);
    zmalloc_free(compressed);
    return 1;
}

void function_dump_append_library(strbuf *out, const char *code, size_t length) {
    strbuf_append_char(out, (char)FUNCTION_DUMP_OPCODE_FUNCTION2);
    if (length > 20 && length <= UINT32_MAX && append_compressed(out, code, length)) return;
    append_length(out, length);
    strbuf_append(out, code, length);
}

void function_dump_finish(strbuf *out) {
    unsigned char footer[8];
    footer[0] = FUNCTION_DUMP_RDB_VERSION & 0xff;
    footer[1] = (FUNCTION_DUMP_RDB_VERSION >> 8) & 0xff;
    strbuf_append(out, footer, 2);
    uint64_t crc = function_dump_crc64(0, out->data, out->length);
    for (int i = 0; i < 8; i++) footer[i] = (unsigned char)(crc >> (8 * i));
    strbuf_append(out, footer, 8);
}

int function_dump_verify(const char *payload, size_t length) {
    if (length < 10) return -1;
    const unsigned char *footer = (const unsigned char *)payload + length - 10;
    unsigned version = (unsigned)footer[0] | ((unsigned)footer[1] << 8);
    if (version > FUNCTION_DUMP_RDB_VERSION) return -1;
    uint64_t crc = function_dump_crc64(0, payload, length - 8);
    for (int i = 0; i < 8; i++)
        if (footer[2 + i] != (unsigned char)(crc >> (8 * i))) return -1;
    return 0;
}

void function_dump_reader_init(function_dump_reader *reader, const char *payload, size_t length) {
    reader->at = (const unsigned char *)payload;
    reader->end = reader->at + length - 10;
}

/* Reads an RDB length; *encoded tells a special encoding (its kind in
 * *value).  0 or -1 when the bytes run out. */
static int read_length(function_dump_reader *reader, uint64_t *value, int *encoded) {
    *encoded = 0;
    if (reader->at >= reader->end) return -1;
    unsigned char first = *reader->at++;
    int kind = first >> 6;
    if (kind == LENGTH_6BIT) {
        *value = first & 0x3f;
        return 0;
    }
    if (kind == LENGTH_14BIT) {
        if (reader->at >= reader->end) return -1;
        *value = ((uint64_t)(first & 0x3f) << 8) | *reader->at++;
        return 0;
    }
    if (kind == LENGTH_ENCODED) {
        *encoded = 1;
        *value = first & 0x3f;
        return 0;
    }
    size_t bytes = first == LENGTH_32BIT ? 4 : first == LENGTH_64BIT ? 8 : 0;
    if (!bytes || (size_t)(reader->end - reader->at) < bytes) return -1;
    *value = 0;
    for (size_t i = 0; i < bytes; i++) *value = (*value << 8) | *reader->at++;
    return 0;
}

/* Reads a plain RDB length (no special encoding); -1 otherwise. */
static int read_plain_length(function_dump_reader *reader, uint64_t *value) {
    int encoded;
    return read_length(reader, value, &encoded) == 0 && !encoded ? 0 : -1;
}

static int read_string(function_dump_reader *reader, char **out, size_t *out_length) {
    uint64_t length;
    int encoded;
    if (read_length(reader, &length, &encoded) != 0) return -1;
    if (!encoded) {
        if (length > (uint64_t)(reader->end - reader->at)) return -1;
        *out = zmalloc_alloc(length + 1);
        memcpy(*out, reader->at, length);
        (*out)[length] = '\0';
        *out_length = length;
        reader->at += length;
        return 0;
    }
    /* Library code always starts with "#!", so integer encodings cannot
     * hold one; only LZF is accepted. */
    uint64_t compressed, plain;
    if (length != ENCODED_LZF || read_plain_length(reader, &compressed) != 0 ||
        read_plain_length(reader, &plain) != 0 || compressed > (uint64_t)(reader->end - reader->at) ||
        plain == 0 || plain > UINT32_MAX)
        return -1;
    char *buffer = zmalloc_try_alloc(plain + 1);
    if (!buffer) return -1;
    if (lzf_decompress(reader->at, (unsigned int)compressed, buffer, (unsigned int)plain) != plain) {
        zmalloc_free(buffer);
        return -1;
    }
    buffer[plain] = '\0';
    reader->at += compressed;
    *out = buffer;
    *out_length = plain;
    return 0;
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
    if (read_string(reader, code, length) != 0) {
        *error = "Failed loading library payload";
        return -1;
    }
    return 1;
}
