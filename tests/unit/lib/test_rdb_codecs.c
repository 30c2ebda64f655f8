/* Unit tests for lib/rdb_*: Redis's serialization codecs.  Expected bytes
 * come from redis-server 7.0.15 (DUMP payloads and files taken on this
 * machine) or from the format's definition; every reader is fed truncated,
 * bit-flipped and hand-corrupted input and must fail cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lzf.h>

#include "rdb_crc64.h"
#include "rdb_intset.h"
#include "rdb_io.h"
#include "rdb_listpack.h"
#include "rdb_quicklist.h"
#include "rdb_ziplist.h"
#include "rdb_zipmap.h"
#include "zmalloc.h"

static void test_crc64_vector(void **state) {
    (void)state;
    assert_true(rdb_crc64(0, "123456789", 9) == UINT64_C(0xe9c6d914c4b8d9ca));
    uint64_t split = rdb_crc64(rdb_crc64(0, "1234", 4), "56789", 5);
    assert_true(split == UINT64_C(0xe9c6d914c4b8d9ca));
    /* Redis 7.0.15's DUMP of "hello": the footer is the CRC of the rest. */
    static const uint8_t dump[] = {0x00, 0x05, 'h', 'e', 'l', 'l', 'o', 0x0a, 0x00};
    static const uint8_t footer[] = {0x63, 0x72, 0xdf, 0x76, 0x65, 0x34, 0x20, 0x0a};
    uint64_t crc = rdb_crc64(0, dump, sizeof(dump)), expected = 0;
    for (int i = 7; i >= 0; i--) expected = (expected << 8) | footer[i];
    assert_true(crc == expected);
}

static void write_one(rdb_writer *w, const char *s) {
    assert_int_equal(rdb_write_string(w, s, strlen(s)), 0);
}

static void test_string_encodings(void **state) {
    (void)state;
    rdb_writer w;
    rdb_writer_init(&w, -1, true);
    write_one(&w, "12345");       /* int16 as Redis: C1 39 30 */
    write_one(&w, "-1");          /* int8 */
    write_one(&w, "2147483647");  /* int32 */
    write_one(&w, "2147483648");  /* too big for int32: text */
    write_one(&w, "007");         /* not canonical: text */
    char xs[101];
    memset(xs, 'x', 100);
    xs[100] = '\0';
    write_one(&w, xs);            /* LZF: C3 09 40 64 + 9 bytes (liblzf 3.6) */
    static const uint8_t expected[] = {
        0xC1, 0x39, 0x30, 0xC0, 0xFF, 0xC2, 0xFF, 0xFF, 0xFF, 0x7F, 0x0A, '2', '1', '4', '7', '4', '8', '3', '6',
        '4', '8', 0x03, '0', '0', '7', 0xC3, 0x09, 0x40, 0x64, 0x01, 0x78, 0x78, 0xe0, 0x57, 0x00, 0x01, 0x78, 0x78};
    assert_int_equal(w.buffer.length, sizeof(expected));
    assert_memory_equal(w.buffer.data, expected, sizeof(expected));

    rdb_reader r;
    rdb_reader_init(&r, w.buffer.data, w.buffer.length, 10);
    const char *want[] = {"12345", "-1", "2147483647", "2147483648", "007", xs};
    for (size_t i = 0; i < 6; i++) {
        rdb_string s;
        assert_int_equal(rdb_read_string(&r, &s), 0);
        assert_int_equal(s.length, strlen(want[i]));
        assert_memory_equal(s.data, want[i], s.length);
        rdb_string_release(&s);
    }
    assert_int_equal(rdb_reader_left(&r), 0);
    rdb_writer_free(&w);
}

static void test_incompressible_and_lengths(void **state) {
    (void)state;
    rdb_writer w;
    rdb_writer_init(&w, -1, true);
    char random_bytes[200];
    srand(7);
    for (size_t i = 0; i < sizeof(random_bytes); i++) random_bytes[i] = (char)rand();
    assert_int_equal(rdb_write_string(&w, random_bytes, sizeof(random_bytes)), 0);
    /* Not compressible: plain length (14-bit form) and the bytes. */
    assert_int_equal(w.buffer.length, 2 + sizeof(random_bytes));
    assert_int_equal((uint8_t)w.buffer.data[0], 0x40);
    uint64_t lengths[] = {0, 63, 64, 16383, 16384, UINT32_MAX, (uint64_t)UINT32_MAX + 1};
    for (size_t i = 0; i < 7; i++) assert_int_equal(rdb_write_length(&w, lengths[i]), 0);
    rdb_reader r;
    rdb_reader_init(&r, w.buffer.data, w.buffer.length, 10);
    rdb_string s;
    assert_int_equal(rdb_read_string(&r, &s), 0);
    assert_memory_equal(s.data, random_bytes, sizeof(random_bytes));
    for (size_t i = 0; i < 7; i++) {
        uint64_t length;
        assert_int_equal(rdb_read_length(&r, &length), 0);
        assert_true(length == lengths[i]);
    }
    rdb_writer_free(&w);
}

static void test_corrupt_strings(void **state) {
    (void)state;
    /* Truncated at every byte: each prefix either fails or reads nothing. */
    rdb_writer w;
    rdb_writer_init(&w, -1, true);
    char xs[300];
    memset(xs, 'y', sizeof(xs));
    assert_int_equal(rdb_write_string(&w, xs, sizeof(xs)), 0);
    for (size_t cut = 0; cut < w.buffer.length; cut++) {
        rdb_reader r;
        rdb_string s;
        rdb_reader_init(&r, w.buffer.data, cut, 10);
        assert_int_equal(rdb_read_string(&r, &s), -1);
        assert_non_null(r.error);
        rdb_string_release(&s);
    }
    /* An LZF header claiming a huge original length. */
    static const uint8_t huge[] = {0xC3, 0x02, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0x01, 0x78};
    rdb_reader r;
    rdb_string s;
    rdb_reader_init(&r, huge, sizeof(huge), 10);
    assert_int_equal(rdb_read_string(&r, &s), -1);
    rdb_string_release(&s);
    /* Special encoding 4..63 is unknown. */
    static const uint8_t unknown[] = {0xC5, 0x00};
    rdb_reader_init(&r, unknown, sizeof(unknown), 10);
    assert_int_equal(rdb_read_string(&r, &s), -1);
    assert_string_equal(r.error, "Unknown RDB string encoding type");
    /* A length that runs past the input. */
    static const uint8_t past[] = {0x80, 0xFF, 0xFF, 0xFF, 0xFF, 'a'};
    rdb_reader_init(&r, past, sizeof(past), 10);
    assert_int_equal(rdb_read_string(&r, &s), -1);
    rdb_writer_free(&w);
}

/* A listpack as Redis 7.0.15 writes it for HSET h a 1 (DUMP h: type 16). */
static const uint8_t redis_listpack[] = {0x0c, 0, 0, 0, 0x02, 0, 0x81, 'a', 0x02, 0x01, 0x01, 0xff};

static void test_listpack_redis_bytes(void **state) {
    (void)state;
    strbuf out = STRBUF_INIT;
    rdb_listpack_builder b;
    rdb_listpack_begin(&b, &out);
    rdb_listpack_append_string(&b, "a", 1);
    rdb_listpack_append_string(&b, "1", 1);
    rdb_listpack_finish(&b);
    assert_int_equal(out.length, sizeof(redis_listpack));
    assert_memory_equal(out.data, redis_listpack, sizeof(redis_listpack));
    strbuf_free(&out);
}

static void test_listpack_round_trip(void **state) {
    (void)state;
    long long integers[] = {0, 127, 128, -1, 4095, -4096, 4096, 32767, -32768, 32768, 8388607, -8388608,
                            8388608, INT32_MAX, INT32_MIN, (long long)INT32_MAX + 1, INT64_MAX, INT64_MIN};
    size_t string_sizes[] = {0, 1, 63, 64, 4095, 4096, 70000};
    strbuf out = STRBUF_INIT;
    rdb_listpack_builder b;
    rdb_listpack_begin(&b, &out);
    for (size_t i = 0; i < 18; i++) rdb_listpack_append_integer(&b, integers[i]);
    char *big = malloc(70000);
    memset(big, 'q', 70000);
    for (size_t i = 0; i < 7; i++) rdb_listpack_append_string(&b, big, string_sizes[i]);
    rdb_listpack_append_string(&b, "-0", 2); /* not canonical: stays a string */
    rdb_listpack_finish(&b);
    size_t count;
    const char *error = NULL;
    assert_int_equal(rdb_listpack_validate((uint8_t *)out.data, out.length, &count, &error), 0);
    assert_int_equal(count, 26);
    rdb_listpack_iterator it;
    rdb_element e;
    rdb_listpack_iterator_init(&it, (uint8_t *)out.data);
    for (size_t i = 0; i < 18; i++) {
        assert_true(rdb_listpack_next(&it, &e));
        assert_true(e.is_integer);
        assert_true(e.integer == integers[i]);
    }
    for (size_t i = 0; i < 7; i++) {
        assert_true(rdb_listpack_next(&it, &e));
        assert_false(e.is_integer);
        assert_int_equal(e.length, string_sizes[i]);
        assert_memory_equal(e.string, big, e.length);
    }
    assert_true(rdb_listpack_next(&it, &e));
    assert_false(e.is_integer);
    assert_memory_equal(e.string, "-0", 2);
    assert_false(rdb_listpack_next(&it, &e));
    /* Every truncation and every single-byte corruption of the small part
     * must fail validation or validate to something iterable. */
    for (size_t cut = 0; cut < out.length; cut++)
        assert_int_equal(rdb_listpack_validate((uint8_t *)out.data, cut, &count, &error), -1);
    uint8_t *copy = malloc(out.length);
    for (size_t pos = 0; pos < 200; pos++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, out.data, out.length);
            copy[pos] ^= (uint8_t)(1u << bit);
            if (rdb_listpack_validate(copy, out.length, &count, &error) == 0) {
                rdb_listpack_iterator_init(&it, copy);
                size_t walked = 0;
                while (rdb_listpack_next(&it, &e)) walked++;
                assert_int_equal(walked, count);
            }
        }
    }
    free(copy);
    free(big);
    strbuf_free(&out);
}

static void test_listpack_corrupt(void **state) {
    (void)state;
    size_t count;
    const char *error;
    uint8_t lp[sizeof(redis_listpack)];
    memcpy(lp, redis_listpack, sizeof(lp));
    lp[4] = 3; /* count says 3, there are 2 */
    assert_int_equal(rdb_listpack_validate(lp, sizeof(lp), &count, &error), -1);
    assert_string_equal(error, "listpack element count invalid");
    memcpy(lp, redis_listpack, sizeof(lp));
    lp[8] = 3; /* back length of "a" wrong */
    assert_int_equal(rdb_listpack_validate(lp, sizeof(lp), &count, &error), -1);
    memcpy(lp, redis_listpack, sizeof(lp));
    lp[6] = 0x85; /* string of 5 runs past the end */
    assert_int_equal(rdb_listpack_validate(lp, sizeof(lp), &count, &error), -1);
    memcpy(lp, redis_listpack, sizeof(lp));
    lp[9] = 0xF7; /* unknown encoding */
    assert_int_equal(rdb_listpack_validate(lp, sizeof(lp), &count, &error), -1);
    memcpy(lp, redis_listpack, sizeof(lp));
    lp[0] = 0x0d; /* total bytes wrong */
    assert_int_equal(rdb_listpack_validate(lp, sizeof(lp), &count, &error), -1);
}

static void test_intset(void **state) {
    (void)state;
    int64_t small[] = {3, -2, 1};
    strbuf out = STRBUF_INIT;
    rdb_intset_build(&out, small, 3);
    /* Redis 7.0.15: SADD s 1 -2 3 dumps this intset (type 11). */
    static const uint8_t expected[] = {2, 0, 0, 0, 3, 0, 0, 0, 0xfe, 0xff, 1, 0, 3, 0};
    assert_int_equal(out.length, sizeof(expected));
    assert_memory_equal(out.data, expected, sizeof(expected));
    size_t count;
    const char *error;
    assert_int_equal(rdb_intset_validate((uint8_t *)out.data, out.length, &count, &error), 0);
    assert_int_equal(count, 3);
    assert_true(rdb_intset_get((uint8_t *)out.data, 0) == -2);
    assert_true(rdb_intset_get((uint8_t *)out.data, 2) == 3);
    strbuf_clear(&out);
    int64_t wide[] = {INT64_MIN, 0, 70000, INT64_MAX};
    rdb_intset_build(&out, wide, 4);
    assert_int_equal(out.length, 8 + 4 * 8);
    assert_int_equal(rdb_intset_validate((uint8_t *)out.data, out.length, &count, &error), 0);
    assert_true(rdb_intset_get((uint8_t *)out.data, 0) == INT64_MIN);
    assert_true(rdb_intset_get((uint8_t *)out.data, 3) == INT64_MAX);
    uint8_t bad[sizeof(expected)];
    memcpy(bad, expected, sizeof(bad));
    bad[10] = 0xfe, bad[11] = 0xff; /* duplicate member */
    assert_int_equal(rdb_intset_validate(bad, sizeof(bad), &count, &error), -1);
    assert_string_equal(error, "intset members not in ascending order");
    memcpy(bad, expected, sizeof(bad));
    bad[0] = 3;
    assert_int_equal(rdb_intset_validate(bad, sizeof(bad), &count, &error), -1);
    assert_int_equal(rdb_intset_validate(expected, sizeof(expected) - 1, &count, &error), -1);
    static const uint8_t empty[] = {2, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(rdb_intset_validate(empty, sizeof(empty), &count, &error), -1);
    strbuf_free(&out);
}

/* Built by hand from the ziplist format: "ab", 7 (imm), 300 (int16),
 * -100000 (int32), a 70-byte string (14-bit length). */
static size_t make_ziplist(uint8_t *zl) {
    size_t n = 10, previous = 0, start;
    start = n;
    zl[n++] = (uint8_t)previous, zl[n++] = 0x02, zl[n++] = 'a', zl[n++] = 'b';
    previous = n - start, start = n;
    zl[n++] = (uint8_t)previous, zl[n++] = 0xF8;
    previous = n - start, start = n;
    zl[n++] = (uint8_t)previous, zl[n++] = 0xC0, zl[n++] = 0x2c, zl[n++] = 0x01;
    previous = n - start, start = n;
    int32_t v = -100000;
    zl[n++] = (uint8_t)previous, zl[n++] = 0xD0;
    memcpy(zl + n, &v, 4);
    n += 4;
    previous = n - start, start = n;
    zl[n++] = (uint8_t)previous, zl[n++] = 0x40, zl[n++] = 70;
    memset(zl + n, 'z', 70);
    n += 70;
    size_t tail = start;
    zl[n++] = 0xFF;
    for (int i = 0; i < 4; i++) zl[i] = (uint8_t)(n >> (8 * i)), zl[4 + i] = (uint8_t)(tail >> (8 * i));
    zl[8] = 5, zl[9] = 0;
    return n;
}

static void test_ziplist(void **state) {
    (void)state;
    uint8_t zl[200];
    size_t size = make_ziplist(zl), count;
    const char *error = NULL;
    assert_int_equal(rdb_ziplist_validate(zl, size, &count, &error), 0);
    assert_int_equal(count, 5);
    rdb_ziplist_iterator it;
    rdb_element e;
    rdb_ziplist_iterator_init(&it, zl, size);
    assert_true(rdb_ziplist_next(&it, &e));
    assert_false(e.is_integer);
    assert_memory_equal(e.string, "ab", 2);
    long long ints[] = {7, 300, -100000};
    for (int i = 0; i < 3; i++) {
        assert_true(rdb_ziplist_next(&it, &e));
        assert_true(e.is_integer);
        assert_true(e.integer == ints[i]);
    }
    assert_true(rdb_ziplist_next(&it, &e));
    assert_int_equal(e.length, 70);
    assert_false(rdb_ziplist_next(&it, &e));
    for (size_t cut = 0; cut < size; cut++) assert_int_equal(rdb_ziplist_validate(zl, cut, &count, &error), -1);
    uint8_t copy[200];
    for (size_t pos = 0; pos < size; pos++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, zl, size);
            copy[pos] ^= (uint8_t)(1u << bit);
            if (rdb_ziplist_validate(copy, size, &count, &error) == 0) {
                size_t walked = 0;
                rdb_ziplist_iterator_init(&it, copy, size);
                while (rdb_ziplist_next(&it, &e)) walked++;
                assert_int_equal(walked, count);
            }
        }
    }
    memcpy(copy, zl, size);
    copy[14] = 9; /* previous-size of the second entry wrong */
    assert_int_equal(rdb_ziplist_validate(copy, size, &count, &error), -1);
    memcpy(copy, zl, size);
    copy[4] = 11; /* tail offset wrong */
    assert_int_equal(rdb_ziplist_validate(copy, size, &count, &error), -1);
    assert_string_equal(error, "ziplist tail offset invalid");
}

static void test_zipmap(void **state) {
    (void)state;
    /* {"foo": "bar", "k": "value"} with 2 free bytes after "bar". */
    static const uint8_t zm[] = {2, 3, 'f', 'o', 'o', 3, 2, 'b', 'a', 'r', 0, 0,
                                 1, 'k', 5, 0, 'v', 'a', 'l', 'u', 'e', 0xFF};
    size_t pairs;
    const char *error;
    assert_int_equal(rdb_zipmap_validate(zm, sizeof(zm), &pairs, &error), 0);
    assert_int_equal(pairs, 2);
    rdb_zipmap_iterator it;
    rdb_element f, v;
    rdb_zipmap_iterator_init(&it, zm, sizeof(zm));
    assert_true(rdb_zipmap_next(&it, &f, &v));
    assert_memory_equal(f.string, "foo", 3);
    assert_memory_equal(v.string, "bar", 3);
    assert_true(rdb_zipmap_next(&it, &f, &v));
    assert_memory_equal(f.string, "k", 1);
    assert_int_equal(v.length, 5);
    assert_false(rdb_zipmap_next(&it, &f, &v));
    for (size_t cut = 0; cut < sizeof(zm); cut++)
        assert_int_equal(rdb_zipmap_validate(zm, cut, &pairs, &error), -1);
    uint8_t bad[sizeof(zm)];
    memcpy(bad, zm, sizeof(bad));
    bad[0] = 3;
    assert_int_equal(rdb_zipmap_validate(bad, sizeof(bad), &pairs, &error), -1);
    memcpy(bad, zm, sizeof(bad));
    bad[6] = 200; /* free bytes past the end */
    assert_int_equal(rdb_zipmap_validate(bad, sizeof(bad), &pairs, &error), -1);
    /* Redis 7.0.15 (Debian) refuses a short length in the 5-byte form and
     * an empty zipmap; a long one in the 5-byte form is fine. */
    static const uint8_t five[] = {1, 0xFE, 4, 0, 0, 0, 'k', 'e', 'y', '1', 1, 0, 'v', 0xFF};
    assert_int_equal(rdb_zipmap_validate(five, sizeof(five), &pairs, &error), -1);
    static const uint8_t empty[] = {0, 0xFF};
    assert_int_equal(rdb_zipmap_validate(empty, sizeof(empty), &pairs, &error), -1);
    static uint8_t big[300];
    big[0] = 1, big[1] = 0xFE, big[2] = 0, big[3] = 1, big[4] = 0, big[5] = 0; /* 256 */
    memset(big + 6, 'f', 256);
    big[262] = 1, big[263] = 0, big[264] = 'v', big[265] = 0xFF;
    assert_int_equal(rdb_zipmap_validate(big, 266, &pairs, &error), 0);
    assert_int_equal(pairs, 1);
}

typedef struct collected {
    int count;
    char last[64];
} collected;

static int collect(void *context, const rdb_element *e) {
    collected *c = context;
    char digits[24];
    size_t length;
    const char *bytes = rdb_element_bytes(e, digits, &length);
    if (length >= sizeof(c->last)) length = sizeof(c->last) - 1;
    memcpy(c->last, bytes, length);
    c->last[length] = '\0';
    c->count++;
    return 0;
}

static void test_quicklist(void **state) {
    (void)state;
    rdb_quicklist_builder b;
    rdb_quicklist_builder_init(&b, -2, 0);
    char element[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(element, sizeof(element), "element-%d", i);
        rdb_quicklist_add(&b, element, (size_t)n);
    }
    rdb_writer w;
    rdb_writer_init(&w, -1, false);
    assert_int_equal(rdb_quicklist_write(&b, &w), 0);
    rdb_reader r;
    rdb_reader_init(&r, w.buffer.data, w.buffer.length, 10);
    uint64_t nodes;
    assert_int_equal(rdb_read_length(&r, &nodes), 0);
    assert_true(nodes > 1); /* cut into 8 KB nodes */
    rdb_reader_init(&r, w.buffer.data, w.buffer.length, 10);
    collected c = {0};
    assert_int_equal(rdb_quicklist_read(&r, RDB_TYPE_LIST_QUICKLIST_2, collect, &c, NULL), 0);
    assert_int_equal(c.count, 5000);
    assert_string_equal(c.last, "element-4999");
    assert_int_equal(rdb_reader_left(&r), 0);
    for (size_t cut = 0; cut < w.buffer.length; cut += 97) {
        rdb_reader_init(&r, w.buffer.data, cut, 10);
        c.count = 0;
        assert_int_equal(rdb_quicklist_read(&r, RDB_TYPE_LIST_QUICKLIST_2, collect, &c, NULL), -1);
    }
    /* A bad container kind. */
    static const uint8_t bad[] = {1, 3, 1, 'x'};
    rdb_reader_init(&r, bad, sizeof(bad), 10);
    assert_int_equal(rdb_quicklist_read(&r, RDB_TYPE_LIST_QUICKLIST_2, collect, &c, NULL), -1);
    assert_string_equal(r.error, "quicklist node container invalid");
    /* A plain node holds one element. */
    static const uint8_t plain[] = {1, 1, 2, 'h', 'i'};
    rdb_reader_init(&r, plain, sizeof(plain), 10);
    c.count = 0;
    assert_int_equal(rdb_quicklist_read(&r, RDB_TYPE_LIST_QUICKLIST_2, collect, &c, NULL), 0);
    assert_int_equal(c.count, 1);
    assert_string_equal(c.last, "hi");
    /* Version 1 quicklists hold ziplists. */
    uint8_t zl[200];
    size_t size = make_ziplist(zl);
    rdb_writer_free(&w);
    rdb_writer_init(&w, -1, false);
    rdb_write_length(&w, 1);
    rdb_write_string(&w, zl, size);
    rdb_reader_init(&r, w.buffer.data, w.buffer.length, 9);
    c.count = 0;
    assert_int_equal(rdb_quicklist_read(&r, RDB_TYPE_LIST_QUICKLIST, collect, &c, NULL), 0);
    assert_int_equal(c.count, 5);
    rdb_writer_free(&w);
}

/* Redis 7.0.15: RPUSH l a b 1; DUMP l is 0x12 then these bytes. */
static void test_quicklist_redis_bytes(void **state) {
    (void)state;
    static const uint8_t expected[] = {0x01, 0x02, 0x0f, 0x0f, 0, 0, 0, 0x03, 0, 0x81, 'a', 0x02,
                                       0x81, 'b', 0x02, 0x01, 0x01, 0xff};
    rdb_quicklist_builder b;
    rdb_quicklist_builder_init(&b, -2, 0);
    rdb_quicklist_add(&b, "a", 1);
    rdb_quicklist_add(&b, "b", 1);
    rdb_quicklist_add(&b, "1", 1);
    rdb_writer w;
    rdb_writer_init(&w, -1, true);
    assert_int_equal(rdb_quicklist_write(&b, &w), 0);
    assert_int_equal(w.buffer.length, sizeof(expected));
    assert_memory_equal(w.buffer.data, expected, sizeof(expected));
    rdb_writer_free(&w);
}

/* The writer skips LZF on data it proves incompressible: whether a string
 * comes out LZF must still be exactly what trying (Redis's rule: a buffer
 * of length - 4) decides, over random, low-entropy and repetitive data; and
 * a quicklist node (a buffer of its size, saving more than 8) likewise. */
static void test_lzf_decision(void **state) {
    (void)state;
    unsigned seed = 11;
    static unsigned char data[5000], out[5000];
    int compressed = 0, raw = 0;
    for (int round = 0; round < 6000; round++) {
        size_t length = 21 + (size_t)rand_r(&seed) % (round % 10 == 0 ? 4900 : 300);
        int alphabet = (int[]){2, 4, 16, 64, 256, 256}[round % 6];
        for (size_t i = 0; i < length; i++) data[i] = (unsigned char)('0' + rand_r(&seed) % alphabet);
        if (round % 7 == 0) memcpy(data + length / 2, data, length / 8); /* one repeat */
        unsigned tried = lzf_compress(data, (unsigned)length, out, (unsigned)length - 4);
        rdb_writer w;
        rdb_writer_init(&w, -1, true);
        assert_int_equal(rdb_write_string(&w, data, length), 0);
        bool lzf = (unsigned char)w.buffer.data[0] == 0xC3;
        assert_int_equal(lzf, tried != 0);
        if (lzf) assert_memory_equal(w.buffer.data + w.buffer.length - tried, out, tried);
        compressed += lzf, raw += !lzf;
        rdb_writer_free(&w);
        unsigned node = length >= 48 ? lzf_compress(data, (unsigned)length, out, (unsigned)length) : 0;
        bool node_lzf = node != 0 && node + 8 < length;
        rdb_writer_init(&w, -1, false);
        assert_int_equal(rdb_write_compressed_node(&w, data, length), 0);
        assert_int_equal((unsigned char)w.buffer.data[0] == 0xC3, node_lzf);
        rdb_writer_free(&w);
    }
    assert_true(compressed > 500 && raw > 500);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc64_vector),      cmocka_unit_test(test_string_encodings),
        cmocka_unit_test(test_incompressible_and_lengths), cmocka_unit_test(test_corrupt_strings),
        cmocka_unit_test(test_listpack_redis_bytes), cmocka_unit_test(test_listpack_round_trip),
        cmocka_unit_test(test_listpack_corrupt),  cmocka_unit_test(test_intset),
        cmocka_unit_test(test_ziplist),           cmocka_unit_test(test_zipmap),
        cmocka_unit_test(test_quicklist),         cmocka_unit_test(test_quicklist_redis_bytes),
        cmocka_unit_test(test_lzf_decision),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed || zmalloc_used_memory() != 0;
}
