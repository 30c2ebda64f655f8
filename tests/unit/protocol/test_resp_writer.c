/* Tests for protocol/resp_writer: every reply type byte for byte in RESP2
 * and RESP3, chunk boundaries, references, deferred headers, draining, and
 * the RESP2 output decoded independently by hiredis' redisReader. */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "resp_writer.h"
#include "zmalloc.h"

/* Drains everything pending through iovec/consume, a few bytes at a time
 * when `step` is small, and returns it (malloc'd, length in *length). */
static char *drain_output(resp_output *output, size_t step, size_t *length)
{
    size_t total = resp_output_pending_bytes(output);
    char *bytes = malloc(total + 1);
    size_t done = 0;
    while (resp_output_pending_bytes(output) > 0) {
        struct iovec vectors[4];
        int count = resp_output_iovec(output, vectors, 4);
        assert_true(count > 0);
        size_t taken = 0;
        for (int i = 0; i < count && taken < step; i++) {
            size_t piece = vectors[i].iov_len;
            if (piece > step - taken)
                piece = step - taken;
            memcpy(bytes + done + taken, vectors[i].iov_base, piece);
            taken += piece;
        }
        resp_output_consume(output, taken);
        done += taken;
    }
    assert_int_equal(done, total);
    assert_int_equal(resp_output_iovec(output, NULL, 0), 0);
    bytes[done] = '\0';
    *length = done;
    return bytes;
}

static void assert_drained(resp_output *output, const char *expected, size_t expected_length)
{
    size_t length;
    char *bytes = drain_output(output, SIZE_MAX, &length);
    if (length != expected_length || memcmp(bytes, expected, length) != 0)
        fail_msg("got \"%s\", expected \"%s\"", bytes, expected);
    free(bytes);
}

#define ASSERT_OUTPUT(output, literal) assert_drained(output, literal, sizeof(literal) - 1)

/* Writes one of every reply type. */
static void write_every_type(resp_output *output)
{
    resp_write_simple(output, "OK", 2);
    resp_write_error(output, "ERR bad", 7);
    resp_write_integer(output, -42);
    resp_write_bulk(output, "a\r\nb", 4);
    resp_write_bulk_cstring(output, "");
    resp_write_bulk(output, NULL, 0);
    resp_write_simple(output, NULL, 0);
    resp_write_null(output);
    resp_write_null_array(output);
    resp_write_array_header(output, 2);
    resp_write_map_header(output, 2);
    resp_write_set_header(output, 3);
    resp_write_push_header(output, 1);
    resp_write_double(output, 1.1);
    resp_write_double(output, 3.0);
    resp_write_double(output, 1e300);
    resp_write_double(output, INFINITY);
    resp_write_double(output, -INFINITY);
    resp_write_double(output, -NAN);
    resp_write_double(output, -0.0);
    resp_write_boolean(output, 1);
    resp_write_boolean(output, 0);
    resp_write_verbatim(output, "txt", "hi", 2);
    resp_write_big_number(output, "-123456789012345678901234567890", 31);
    resp_write_raw(output, "+RAW\r\n", 6);
}

static void test_every_type_resp2(void **state)
{
    (void)state;
    resp_output *output = resp_output_create();
    assert_int_equal(resp_output_protocol(output), 2);
    write_every_type(output);
    ASSERT_OUTPUT(output, "+OK\r\n-ERR bad\r\n:-42\r\n$4\r\na\r\nb\r\n$0\r\n\r\n$0\r\n\r\n+\r\n$-1\r\n*-1\r\n"
                          "*2\r\n*4\r\n*3\r\n*1\r\n"
                          "$18\r\n1.1000000000000001\r\n$1\r\n3\r\n$23\r\n1.0000000000000001e+300\r\n"
                          "$3\r\ninf\r\n$4\r\n-inf\r\n$3\r\nnan\r\n$2\r\n-0\r\n"
                          ":1\r\n:0\r\n$2\r\nhi\r\n$31\r\n-123456789012345678901234567890\r\n"
                          "+RAW\r\n");
    resp_output_destroy(output);
}

static void test_every_type_resp3(void **state)
{
    (void)state;
    resp_output *output = resp_output_create();
    resp_output_set_protocol(output, 3);
    assert_int_equal(resp_output_protocol(output), 3);
    write_every_type(output);
    ASSERT_OUTPUT(output, "+OK\r\n-ERR bad\r\n:-42\r\n$4\r\na\r\nb\r\n$0\r\n\r\n$0\r\n\r\n+\r\n_\r\n_\r\n"
                          "*2\r\n%2\r\n~3\r\n>1\r\n"
                          ",1.1000000000000001\r\n,3\r\n,1.0000000000000001e+300\r\n"
                          ",inf\r\n,-inf\r\n,nan\r\n,-0\r\n"
                          "#t\r\n#f\r\n=6\r\ntxt:hi\r\n(-123456789012345678901234567890\r\n"
                          "+RAW\r\n");
    resp_output_destroy(output);
}

static void test_format_int64(void **state)
{
    (void)state;
    static const long long fixed[] = {0, 1, -1, 9, 10, 11, 99, 100, 101, 999, 1000, 9999, 10000,
                                      -10, -99, -100, 123456789, 1000000000000LL, LLONG_MAX,
                                      LLONG_MIN, LLONG_MIN + 1, LLONG_MAX - 1};
    char ours[32];
    char reference[32];
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        int length = resp_format_int64(ours, fixed[i]);
        int expected = snprintf(reference, sizeof(reference), "%lld", fixed[i]);
        assert_int_equal(length, expected);
        assert_memory_equal(ours, reference, (size_t)length);
    }
    unsigned long long seed = 88172645463325252ULL;
    for (int i = 0; i < 200000; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        long long value = (long long)(seed >> (seed % 64));
        if (i & 1)
            value = -value;
        int length = resp_format_int64(ours, value);
        int expected = snprintf(reference, sizeof(reference), "%lld", value);
        assert_int_equal(length, expected);
        assert_memory_equal(ours, reference, (size_t)length);
    }
}

typedef struct release_log {
    int calls;
} release_log;

static void count_release(void *context)
{
    ((release_log *)context)->calls++;
}

/* A large referenced bulk is not copied: an iovec points at the caller's
 * bytes, and release runs once, after the payload is consumed. */
static void test_bulk_reference(void **state)
{
    (void)state;
    const size_t length = 100000;
    char *payload = malloc(length);
    memset(payload, 'v', length);
    release_log log = {0};
    resp_output *output = resp_output_create();
    resp_write_bulk_reference(output, payload, length, count_release, &log);
    resp_write_integer(output, 7);
    assert_int_equal(resp_output_pending_bytes(output), 9 + length + 2 + 4);
    struct iovec vectors[8];
    int count = resp_output_iovec(output, vectors, 8);
    assert_int_equal(count, 3);
    assert_int_equal(vectors[0].iov_len, 9);
    assert_memory_equal(vectors[0].iov_base, "$100000\r\n", 9);
    assert_ptr_equal(vectors[1].iov_base, payload);
    assert_int_equal(vectors[1].iov_len, length);
    assert_memory_equal(vectors[2].iov_base, "\r\n:7\r\n", 6);
    assert_int_equal(resp_output_chunk_count(output), 2);
    assert_true(resp_output_memory(output) >= length);
    resp_output_consume(output, 9 + length - 1);
    assert_int_equal(log.calls, 0);
    resp_output_consume(output, 1);
    assert_int_equal(log.calls, 1);
    size_t rest;
    char *bytes = drain_output(output, SIZE_MAX, &rest);
    assert_int_equal(rest, 6);
    free(bytes);
    assert_int_equal(log.calls, 1);
    resp_output_destroy(output);
    assert_int_equal(log.calls, 1);
    free(payload);
}

/* References dropped by clear or destroy are released exactly once; a
 * short payload is copied and released at once. */
static void test_reference_release_paths(void **state)
{
    (void)state;
    static char payload[8192];
    release_log cleared = {0};
    release_log destroyed = {0};
    release_log small = {0};
    resp_output *output = resp_output_create();
    resp_write_bulk_reference(output, payload, sizeof(payload), count_release, &cleared);
    resp_output_clear(output);
    assert_int_equal(cleared.calls, 1);
    assert_int_equal(resp_output_pending_bytes(output), 0);
    resp_write_bulk_reference(output, "tiny", 4, count_release, &small);
    assert_int_equal(small.calls, 1);
    resp_write_bulk_reference(output, payload, sizeof(payload), count_release, &destroyed);
    resp_output_destroy(output);
    assert_int_equal(destroyed.calls, 1);
    assert_int_equal(cleared.calls, 1);
}

/* Replies crossing chunk boundaries come out intact, drained in odd steps. */
static void test_chunk_boundaries(void **state)
{
    (void)state;
    resp_output *output = resp_output_create();
    char *expected = malloc(4 * RESP_OUTPUT_CHUNK_SIZE);
    size_t expected_length = 0;
    char value[100];
    for (int i = 0; i < 1000; i++) {
        size_t length = (size_t)(i % 97);
        memset(value, 'a' + i % 26, length);
        resp_write_bulk(output, value, length);
        expected_length += (size_t)sprintf(expected + expected_length, "$%zu\r\n", length);
        memcpy(expected + expected_length, value, length);
        expected_length += length;
        memcpy(expected + expected_length, "\r\n", 2);
        expected_length += 2;
    }
    char *large = malloc(3 * RESP_OUTPUT_CHUNK_SIZE);
    memset(large, 'L', 3 * RESP_OUTPUT_CHUNK_SIZE);
    resp_write_bulk(output, large, 3 * RESP_OUTPUT_CHUNK_SIZE);
    assert_true(resp_output_chunk_count(output) >= 4);
    size_t length;
    char *bytes = drain_output(output, 777, &length);
    size_t large_header = (size_t)sprintf(value, "$%zu\r\n", (size_t)(3 * RESP_OUTPUT_CHUNK_SIZE));
    assert_int_equal(length, expected_length + large_header + 3 * RESP_OUTPUT_CHUNK_SIZE + 2);
    assert_memory_equal(bytes, expected, expected_length);
    assert_memory_equal(bytes + expected_length, value, large_header);
    assert_memory_equal(bytes + expected_length + large_header, large, 3 * RESP_OUTPUT_CHUNK_SIZE);
    assert_int_equal(resp_output_chunk_count(output), 0);
    resp_output_shrink(output);
    assert_int_equal(resp_output_memory(output), 0);
    free(bytes);
    free(large);
    free(expected);
    resp_output_destroy(output);
}

/* Deferred headers in RESP2 and RESP3, nested, and at a full chunk's end. */
static void test_deferred_headers(void **state)
{
    (void)state;
    resp_output *output = resp_output_create();
    resp_write_simple(output, "A", 1);
    resp_deferred outer = resp_write_deferred_header(output);
    resp_write_integer(output, 1);
    resp_deferred inner = resp_write_deferred_header(output);
    resp_write_bulk(output, "k", 1);
    resp_write_bulk(output, "v", 1);
    resp_set_deferred_map_length(output, inner, 1);
    resp_deferred empty = resp_write_deferred_header(output);
    resp_set_deferred_set_length(output, empty, 0);
    resp_set_deferred_array_length(output, outer, 3);
    ASSERT_OUTPUT(output, "+A\r\n*3\r\n:1\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n*0\r\n");

    resp_output_set_protocol(output, 3);
    inner = resp_write_deferred_header(output);
    resp_write_bulk(output, "k", 1);
    resp_write_null(output);
    resp_set_deferred_map_length(output, inner, 1);
    empty = resp_write_deferred_header(output);
    resp_set_deferred_set_length(output, empty, 12345);
    ASSERT_OUTPUT(output, "%1\r\n$1\r\nk\r\n_\r\n~12345\r\n");

    /* Fill the first chunk exactly, defer at its end, then spill over. */
    resp_output_set_protocol(output, 2);
    size_t filler = RESP_OUTPUT_CHUNK_SIZE - 5; /* "+<filler>\r\n" and ".." fill a chunk */
    char *text = malloc(filler);
    memset(text, 'x', filler);
    resp_write_simple(output, text, filler);
    resp_write_raw(output, "..", 2);
    assert_int_equal(resp_output_chunk_count(output), 0);
    resp_deferred late = resp_write_deferred_header(output);
    resp_write_integer(output, 5);
    resp_set_deferred_array_length(output, late, 1);
    size_t length;
    char *bytes = drain_output(output, SIZE_MAX, &length);
    assert_int_equal(length, RESP_OUTPUT_CHUNK_SIZE + 8);
    assert_memory_equal(bytes + 1 + filler, "\r\n..", 4);
    assert_memory_equal(bytes + RESP_OUTPUT_CHUNK_SIZE, "*1\r\n:5\r\n", 8);
    free(bytes);

    /* Deferred at the end of a full chunk and set at once: the header goes
     * into a new chunk that becomes the tail, and writing continues there. */
    resp_write_simple(output, text, filler);
    resp_write_raw(output, "..", 2);
    late = resp_write_deferred_header(output);
    resp_set_deferred_array_length(output, late, 1);
    resp_write_integer(output, 6);
    assert_int_equal(resp_output_chunk_count(output), 1);
    bytes = drain_output(output, 100, &length);
    assert_int_equal(length, RESP_OUTPUT_CHUNK_SIZE + 8);
    assert_memory_equal(bytes + RESP_OUTPUT_CHUNK_SIZE, "*1\r\n:6\r\n", 8);
    free(bytes);

    /* A deferred header set after more chunks were filled. */
    resp_deferred early = resp_write_deferred_header(output);
    for (int i = 0; i < 3000; i++)
        resp_write_bulk(output, "0123456789", 10);
    resp_set_deferred_array_length(output, early, 3000);
    bytes = drain_output(output, 4096, &length);
    assert_int_equal(length, 7 + 3000 * 17);
    assert_memory_equal(bytes, "*3000\r\n$10\r\n0123456789\r\n", 24);
    assert_memory_equal(bytes + length - 17, "$10\r\n0123456789\r\n", 17);
    free(bytes);
    free(text);
    resp_output_destroy(output);
}

/* Large simple strings and errors (beyond one chunk) are written whole. */
static void test_long_lines(void **state)
{
    (void)state;
    size_t length = 2 * RESP_OUTPUT_CHUNK_SIZE + 5;
    char *text = malloc(length);
    memset(text, 'e', length);
    resp_output *output = resp_output_create();
    resp_write_error(output, text, length);
    size_t got;
    char *bytes = drain_output(output, 1000, &got);
    assert_int_equal(got, length + 3);
    assert_int_equal(bytes[0], '-');
    assert_memory_equal(bytes + 1, text, length);
    assert_memory_equal(bytes + 1 + length, "\r\n", 2);
    free(bytes);
    free(text);
    resp_output_destroy(output);
}

/* ---- Independent decoding with hiredis ---- */

static redisReply *read_one(redisReader *reader)
{
    void *reply = NULL;
    assert_int_equal(redisReaderGetReply(reader, &reply), REDIS_OK);
    assert_non_null(reply);
    return reply;
}

static void test_hiredis_decodes_resp2(void **state)
{
    (void)state;
    resp_output *output = resp_output_create();
    char *large = malloc(50000);
    memset(large, 'z', 50000);
    resp_write_simple(output, "OK", 2);
    resp_write_error(output, "WRONGTYPE no", 12);
    resp_write_integer(output, LLONG_MIN);
    resp_write_null(output);
    resp_write_null_array(output);
    resp_write_map_header(output, 2);
    resp_write_bulk_cstring(output, "k1");
    resp_write_double(output, 2.5);
    resp_write_bulk_cstring(output, "k2");
    resp_write_set_header(output, 2);
    resp_write_boolean(output, 1);
    resp_write_verbatim(output, "txt", "verbatim", 8);
    resp_deferred deferred = resp_write_deferred_header(output);
    resp_write_bulk_reference(output, large, 50000, NULL, NULL);
    resp_write_big_number(output, "12345678901234567890", 20);
    resp_write_push_header(output, 0);
    resp_set_deferred_array_length(output, deferred, 3);

    size_t length;
    char *bytes = drain_output(output, SIZE_MAX, &length);
    redisReader *reader = redisReaderCreate();
    for (size_t at = 0; at < length; at += 1000)
        assert_int_equal(redisReaderFeed(reader, bytes + at, length - at < 1000 ? length - at : 1000),
                         REDIS_OK);

    redisReply *reply = read_one(reader);
    assert_int_equal(reply->type, REDIS_REPLY_STATUS);
    assert_string_equal(reply->str, "OK");
    freeReplyObject(reply);
    reply = read_one(reader);
    assert_int_equal(reply->type, REDIS_REPLY_ERROR);
    assert_string_equal(reply->str, "WRONGTYPE no");
    freeReplyObject(reply);
    reply = read_one(reader);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    assert_true(reply->integer == LLONG_MIN);
    freeReplyObject(reply);
    reply = read_one(reader);
    assert_int_equal(reply->type, REDIS_REPLY_NIL);
    freeReplyObject(reply);
    reply = read_one(reader);
    assert_int_equal(reply->type, REDIS_REPLY_NIL);
    freeReplyObject(reply);

    reply = read_one(reader);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 4);
    assert_string_equal(reply->element[0]->str, "k1");
    assert_int_equal(reply->element[1]->type, REDIS_REPLY_STRING);
    assert_string_equal(reply->element[1]->str, "2.5");
    assert_string_equal(reply->element[2]->str, "k2");
    redisReply *set = reply->element[3];
    assert_int_equal(set->type, REDIS_REPLY_ARRAY);
    assert_int_equal(set->elements, 2);
    assert_int_equal(set->element[0]->type, REDIS_REPLY_INTEGER);
    assert_int_equal(set->element[0]->integer, 1);
    assert_string_equal(set->element[1]->str, "verbatim");
    freeReplyObject(reply);

    reply = read_one(reader);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 3);
    assert_int_equal(reply->element[0]->len, 50000);
    assert_memory_equal(reply->element[0]->str, large, 50000);
    assert_string_equal(reply->element[1]->str, "12345678901234567890");
    assert_int_equal(reply->element[2]->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->element[2]->elements, 0);
    freeReplyObject(reply);

    void *none = NULL;
    assert_int_equal(redisReaderGetReply(reader, &none), REDIS_OK);
    assert_null(none);
    redisReaderFree(reader);
    free(bytes);
    free(large);
    resp_output_destroy(output);
}

/* ---- Random replies against a reference encoder ---- */

/* A growable byte string for the expected output. */
typedef struct text {
    char *bytes;
    size_t length;
    size_t capacity;
} text;

static void text_append(text *destination, const void *data, size_t length)
{
    if (length == 0)
        return;
    if (destination->length + length > destination->capacity) {
        destination->capacity = (destination->length + length) * 2 + 64;
        destination->bytes = realloc(destination->bytes, destination->capacity);
    }
    memcpy(destination->bytes + destination->length, data, length);
    destination->length += length;
}

static void text_printf(text *destination, const char *format, ...)
{
    char piece[128];
    va_list arguments;
    va_start(arguments, format);
    int length = vsnprintf(piece, sizeof(piece), format, arguments);
    va_end(arguments);
    text_append(destination, piece, (size_t)length);
}

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static int releases_pending;

static void free_payload(void *payload)
{
    free(payload);
    releases_pending--;
}

/* A random payload; sometimes larger than a chunk. */
static char *random_payload(uint64_t *state, size_t *length)
{
    uint64_t pick = next_random(state);
    *length = pick % 8 == 0 ? (size_t)(pick >> 8) % 40000 : (size_t)(pick >> 8) % 64;
    char *payload = malloc(*length + 1);
    for (size_t i = 0; i < *length; i++)
        payload[i] = (char)next_random(state);
    return payload;
}

/* Writes one random reply with the writer and its expected bytes with
 * printf into `expected`. */
static void random_reply(resp_output *output, text *expected, uint64_t *state, int depth)
{
    int resp3 = resp_output_protocol(output) == 3;
    int choice = (int)(next_random(state) % (depth > 3 ? 7 : 11));
    size_t length;
    char *payload;
    switch (choice) {
    case 0: {
        static const char *const words[] = {"OK", "QUEUED", "PONG", ""};
        const char *word = words[next_random(state) % 4];
        resp_write_simple(output, word, strlen(word));
        text_printf(expected, "+%s\r\n", word);
        break;
    }
    case 1: {
        long long value = (long long)next_random(state) >> (next_random(state) % 64);
        resp_write_integer(output, value);
        text_printf(expected, ":%lld\r\n", value);
        break;
    }
    case 2:
        payload = random_payload(state, &length);
        resp_write_bulk(output, payload, length);
        text_printf(expected, "$%zu\r\n", length);
        text_append(expected, payload, length);
        text_append(expected, "\r\n", 2);
        free(payload);
        break;
    case 3:
        payload = random_payload(state, &length);
        text_printf(expected, "$%zu\r\n", length);
        text_append(expected, payload, length);
        text_append(expected, "\r\n", 2);
        releases_pending++;
        resp_write_bulk_reference(output, payload, length, free_payload, payload);
        break;
    case 4:
        resp_write_null(output);
        text_printf(expected, resp3 ? "_\r\n" : "$-1\r\n");
        break;
    case 5: {
        static const double values[] = {0.5, -2.25, 1e-7, 123456789.125, 3.0};
        double value = values[next_random(state) % 5];
        char formatted[64];
        int digits = snprintf(formatted, sizeof(formatted), "%.17g", value);
        resp_write_double(output, value);
        if (resp3)
            text_printf(expected, ",%s\r\n", formatted);
        else
            text_printf(expected, "$%d\r\n%s\r\n", digits, formatted);
        break;
    }
    case 6: {
        int value = (int)(next_random(state) % 2);
        resp_write_boolean(output, value);
        text_printf(expected, resp3 ? "#%c\r\n" : ":%d\r\n", resp3 ? (value ? 't' : 'f') : value);
        break;
    }
    case 7:
    case 8: {
        long long count = (long long)(next_random(state) % 4);
        if (choice == 7) {
            resp_write_array_header(output, count);
            text_printf(expected, "*%lld\r\n", count);
        } else {
            resp_write_map_header(output, count);
            text_printf(expected, resp3 ? "%%%lld\r\n" : "*%lld\r\n", resp3 ? count : count * 2);
            count *= 2;
        }
        for (long long i = 0; i < count; i++)
            random_reply(output, expected, state, depth + 1);
        break;
    }
    default: {
        /* Deferred: the children are written first, the header later. */
        text children = {0};
        long long count = (long long)(next_random(state) % 5);
        resp_deferred deferred = resp_write_deferred_header(output);
        for (long long i = 0; i < count * (choice == 10 ? 2 : 1); i++)
            random_reply(output, &children, state, depth + 1);
        if (choice == 9) {
            resp_set_deferred_set_length(output, deferred, count);
            text_printf(expected, resp3 ? "~%lld\r\n" : "*%lld\r\n", count);
        } else {
            resp_set_deferred_map_length(output, deferred, count);
            text_printf(expected, resp3 ? "%%%lld\r\n" : "*%lld\r\n", resp3 ? count : count * 2);
        }
        text_append(expected, children.bytes, children.length);
        free(children.bytes);
        break;
    }
    }
}

static void test_random_replies(void **state)
{
    (void)state;
    uint64_t random_state = 0x9E3779B97F4A7C15ULL;
    for (int round = 0; round < 400; round++) {
        resp_output *output = resp_output_create();
        int protocol = 2 + round % 2;
        resp_output_set_protocol(output, protocol);
        text expected = {0};
        int replies = 1 + (int)(next_random(&random_state) % 40);
        for (int i = 0; i < replies; i++)
            random_reply(output, &expected, &random_state, 0);
        assert_int_equal(resp_output_pending_bytes(output), expected.length);
        size_t step = 1 + (size_t)(next_random(&random_state) % 20000);
        size_t length;
        char *bytes = drain_output(output, step, &length);
        assert_int_equal(length, expected.length);
        if (length > 0)
            assert_memory_equal(bytes, expected.bytes, length);
        assert_int_equal(releases_pending, 0);
        if (protocol == 2) { /* hiredis reads exactly `replies` replies */
            redisReader *reader = redisReaderCreate();
            assert_int_equal(redisReaderFeed(reader, bytes, length), REDIS_OK);
            for (int i = 0; i < replies; i++)
                freeReplyObject(read_one(reader));
            void *none = NULL;
            assert_int_equal(redisReaderGetReply(reader, &none), REDIS_OK);
            assert_null(none);
            redisReaderFree(reader);
        }
        free(bytes);
        free(expected.bytes);
        resp_output_destroy(output);
    }
}

/* Everything allocated through zmalloc is returned. */
static void test_memory_returned(void **state)
{
    (void)state;
    size_t before = zmalloc_used_memory();
    resp_output *output = resp_output_create();
    for (int i = 0; i < 10000; i++)
        resp_write_integer(output, i);
    resp_deferred deferred = resp_write_deferred_header(output);
    resp_set_deferred_array_length(output, deferred, 0);
    size_t length;
    free(drain_output(output, 5000, &length));
    resp_write_integer(output, 1);
    resp_output_destroy(output);
    resp_output_destroy(NULL);
    assert_int_equal(zmalloc_used_memory(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_resp2),
        cmocka_unit_test(test_every_type_resp3),
        cmocka_unit_test(test_format_int64),
        cmocka_unit_test(test_bulk_reference),
        cmocka_unit_test(test_reference_release_paths),
        cmocka_unit_test(test_chunk_boundaries),
        cmocka_unit_test(test_deferred_headers),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_hiredis_decodes_resp2),
        cmocka_unit_test(test_random_replies),
        cmocka_unit_test(test_memory_returned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
