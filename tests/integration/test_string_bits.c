/* Integration tests of SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
 * BITFIELD_RO and LCS: every expected reply is the exact byte string
 * redis-server 7.0.15 sends for the same command sequence.
 *
 * The tests start one zkv-server for the whole group.  With
 * BITS_TEST_EXTERNAL_PORT set they talk to a server already listening on
 * that port instead: pointing them at a real redis-server is how the
 * expected bytes were checked, and how to re-check them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_server.h"

static test_server server_instance;
static int server_started;
static int connection = -1;

/* ---- Raw RESP round trips ---- */

/* Sends argv (NULL-terminated; lengths NULL means C strings) and checks
 * that the reply is exactly `expected`. */
static void expect_reply_on(int fd, const char *expected, size_t expected_length,
                            const char *const *argv, const size_t *lengths) {
    int argc = 0;
    size_t string_lengths[64] = {0};
    while (argv[argc]) {
        assert_true(argc < 64);
        string_lengths[argc] = lengths ? lengths[argc] : strlen(argv[argc]);
        argc++;
    }
    assert_int_equal(test_send_command(fd, argc, argv, string_lengths), 0);
    char *reply = malloc(expected_length + 1);
    size_t got = test_read_exact(fd, reply, expected_length, TEST_IO_TIMEOUT_MS);
    if (got != expected_length || memcmp(reply, expected, expected_length) != 0) {
        fprintf(stderr, "command:");
        for (int index = 0; index < argc; index++) fprintf(stderr, " %s", argv[index]);
        fprintf(stderr, "\nexpected: %.*s\ngot:      %.*s\n", (int)expected_length, expected, (int)got, reply);
    }
    assert_int_equal(got, expected_length);
    assert_memory_equal(reply, expected, expected_length);
    free(reply);
}

#define EXPECT(expected, ...) \
    expect_reply_on(connection, expected, sizeof(expected) - 1, (const char *[]){__VA_ARGS__, NULL}, NULL)
#define EXPECT_ON(fd, expected, ...) \
    expect_reply_on(fd, expected, sizeof(expected) - 1, (const char *[]){__VA_ARGS__, NULL}, NULL)

static const char *const not_integer = "-ERR value is not an integer or out of range\r\n";

#define EXPECT_NOT_INTEGER(...) \
    expect_reply_on(connection, not_integer, strlen(not_integer), (const char *[]){__VA_ARGS__, NULL}, NULL)
#define OFFSET_ERROR "-ERR bit offset is not an integer or out of range\r\n"
#define SYNTAX_ERROR "-ERR syntax error\r\n"
#define TYPE_ERROR \
    "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"

/* ---- Fixture ---- */

static int group_setup(void **state) {
    (void)state;
    const char *external = getenv("BITS_TEST_EXTERNAL_PORT");
    int port;
    if (external) {
        port = atoi(external);
    } else {
        if (test_server_start(&server_instance, NULL) != 0) return -1;
        server_started = 1;
        port = server_instance.port;
    }
    connection = test_connect(port);
    return connection < 0 ? -1 : 0;
}

/* Every test gets a new connection, so a failed one cannot leave unread
 * replies behind for the next. */
static int reconnect(void **state) {
    (void)state;
    const char *external = getenv("BITS_TEST_EXTERNAL_PORT");
    if (connection >= 0) close(connection);
    connection = test_connect(external ? atoi(external) : server_instance.port);
    return connection < 0 ? -1 : 0;
}

static int group_teardown(void **state) {
    (void)state;
    if (connection >= 0) close(connection);
    if (server_started) test_server_stop(&server_instance);
    return 0;
}

/* Each test uses its own keys, deleted first so reruns on an external
 * server start clean. */
static void delete_keys(const char *const *keys) {
    for (int index = 0; keys[index]; index++) {
        const char *argv[] = {"DEL", keys[index], NULL};
        size_t lengths[] = {3, strlen(keys[index])};
        assert_int_equal(test_send_command(connection, 2, argv, lengths), 0);
        char reply[8];
        size_t got = test_read_exact(connection, reply, 4, TEST_IO_TIMEOUT_MS);
        assert_int_equal(got, 4); /* ":0\r\n" or ":1\r\n" */
        assert_true(reply[0] == ':');
    }
}
#define FRESH(...) delete_keys((const char *[]){__VA_ARGS__, NULL})

/* ---- SETBIT / GETBIT ---- */

static void test_setbit_getbit(void **state) {
    (void)state;
    FRESH("sb", "sb_empty", "sb_int");
    EXPECT(":0\r\n", "SETBIT", "sb", "7", "1");
    EXPECT(":1\r\n", "SETBIT", "sb", "7", "1");
    EXPECT("$1\r\n\x01\r\n", "GET", "sb");
    EXPECT(":0\r\n", "SETBIT", "sb", "17", "1");
    EXPECT("$3\r\n\x01\x00\x40\r\n", "GET", "sb");
    EXPECT(":1\r\n", "GETBIT", "sb", "17");
    EXPECT(":0\r\n", "GETBIT", "sb", "16");
    EXPECT(":0\r\n", "GETBIT", "sb", "100000");
    EXPECT(":0\r\n", "GETBIT", "nokey_sb", "5");
    EXPECT(":1\r\n", "SETBIT", "sb", "7", "0");
    EXPECT("$3\r\n\x00\x00\x40\r\n", "GET", "sb");
    /* Setting a bit of an integer-looking value edits its text. */
    EXPECT("+OK\r\n", "SET", "sb_int", "12");
    EXPECT(":0\r\n", "SETBIT", "sb_int", "0", "0");
    EXPECT("$2\r\n12\r\n", "GET", "sb_int");
    EXPECT(":1\r\n", "SETBIT", "sb_int", "14", "0");
    EXPECT("$2\r\n10\r\n", "GET", "sb_int");
    /* A write to an empty string pads it. */
    EXPECT("+OK\r\n", "SET", "sb_empty", "");
    EXPECT(":0\r\n", "GETBIT", "sb_empty", "0");
    EXPECT(":0\r\n", "SETBIT", "sb_empty", "0", "0");
    EXPECT("$1\r\n\x00\r\n", "GET", "sb_empty");
}

static void test_setbit_getbit_errors(void **state) {
    (void)state;
    FRESH("sbe");
    EXPECT("-ERR bit is not an integer or out of range\r\n", "SETBIT", "sbe", "7", "2");
    EXPECT("-ERR bit is not an integer or out of range\r\n", "SETBIT", "sbe", "7", "-1");
    EXPECT("-ERR bit is not an integer or out of range\r\n", "SETBIT", "sbe", "1", "01");
    EXPECT("-ERR bit is not an integer or out of range\r\n", "SETBIT", "sbe", "1", " 1");
    EXPECT("-ERR bit is not an integer or out of range\r\n", "SETBIT", "sbe", "1", "1.0");
    /* The offset is checked before the value. */
    EXPECT(OFFSET_ERROR, "SETBIT", "sbe", "x", "5");
    EXPECT(OFFSET_ERROR, "SETBIT", "sbe", "-1", "1");
    EXPECT(OFFSET_ERROR, "SETBIT", "sbe", "#1", "1");
    EXPECT(OFFSET_ERROR, "SETBIT", "sbe", "4294967296", "1");
    EXPECT(OFFSET_ERROR, "GETBIT", "sbe", "4294967296");
    EXPECT(OFFSET_ERROR, "GETBIT", "sbe", "-1");
    EXPECT(OFFSET_ERROR, "GETBIT", "sbe", "x");
    EXPECT(":0\r\n", "EXISTS", "sbe");
    EXPECT("-ERR wrong number of arguments for 'setbit' command\r\n", "SETBIT", "sbe", "1");
    EXPECT("-ERR wrong number of arguments for 'getbit' command\r\n", "GETBIT", "sbe");
}

/* ---- BITCOUNT ---- */

static void test_bitcount(void **state) {
    (void)state;
    FRESH("bc", "bc_empty");
    EXPECT("+OK\r\n", "SET", "bc", "foobar");
    EXPECT(":26\r\n", "BITCOUNT", "bc");
    EXPECT(":4\r\n", "BITCOUNT", "bc", "0", "0");
    EXPECT(":6\r\n", "BITCOUNT", "bc", "1", "1");
    EXPECT(":6\r\n", "BITCOUNT", "bc", "1", "1", "byte");
    EXPECT(":17\r\n", "BITCOUNT", "bc", "5", "30", "bit");
    EXPECT(":1\r\n", "BITCOUNT", "bc", "-3", "-1", "BIT");
    EXPECT(":1\r\n", "BITCOUNT", "bc", "0", "1", "BIT");
    EXPECT(":4\r\n", "BITCOUNT", "bc", "0", "-100");
    EXPECT(":4\r\n", "BITCOUNT", "bc", "-100", "-100");
    EXPECT(":0\r\n", "BITCOUNT", "bc", "3", "2");
    EXPECT(":0\r\n", "BITCOUNT", "bc", "-8", "-13");
    EXPECT(":0\r\n", "BITCOUNT", "bc", "-1", "-9223372036854775808", "BIT");
    EXPECT(":0\r\n", "BITCOUNT", "bc", "-13", "-30", "not-a-unit");
    EXPECT(":4\r\n", "BITCOUNT", "bc", "-13", "-6");
    EXPECT(":26\r\n", "BITCOUNT", "bc", "0", "100000000000");
    EXPECT(":26\r\n", "BITCOUNT", "bc", "-9223372036854775808", "9223372036854775807", "bit");
    EXPECT(SYNTAX_ERROR, "BITCOUNT", "bc", "0");
    EXPECT(SYNTAX_ERROR, "BITCOUNT", "bc", "0", "1", "2");
    EXPECT(SYNTAX_ERROR, "BITCOUNT", "bc", "0", "1", "bits");
    EXPECT(SYNTAX_ERROR, "BITCOUNT", "bc", "0", "1", "bit", "x");
    EXPECT_NOT_INTEGER("BITCOUNT", "bc", "a", "1");
    EXPECT_NOT_INTEGER("BITCOUNT", "bc", "0", "x", "foo");
    EXPECT_NOT_INTEGER("BITCOUNT", "bc", "0", "9223372036854775808");
    /* A missing key answers 0 before its arguments are looked at. */
    EXPECT(":0\r\n", "BITCOUNT", "nokey_bc", "0", "1", "foo");
    EXPECT(":0\r\n", "BITCOUNT", "nokey_bc", "a", "b");
    EXPECT("+OK\r\n", "SET", "bc_empty", "");
    EXPECT(":0\r\n", "BITCOUNT", "bc_empty");
    EXPECT(":0\r\n", "BITCOUNT", "bc_empty", "0", "0");
    EXPECT("-ERR wrong number of arguments for 'bitcount' command\r\n", "BITCOUNT");
}

/* ---- BITPOS ---- */

static void test_bitpos_ones(void **state) {
    (void)state;
    FRESH("bp1");
    EXPECT("+OK\r\n", "SET", "bp1", "\xff\xff\xff");
    /* No explicit end: the string is followed by zero bits. */
    EXPECT(":24\r\n", "BITPOS", "bp1", "0");
    EXPECT(":24\r\n", "BITPOS", "bp1", "0", "0");
    EXPECT(":24\r\n", "BITPOS", "bp1", "0", "2");
    /* An explicit end confines the search. */
    EXPECT(":-1\r\n", "BITPOS", "bp1", "0", "0", "-1");
    EXPECT(":-1\r\n", "BITPOS", "bp1", "0", "2", "2");
    EXPECT(":-1\r\n", "BITPOS", "bp1", "0", "1", "100", "bit");
    EXPECT(":-1\r\n", "BITPOS", "bp1", "0", "3");
    EXPECT(":-1\r\n", "BITPOS", "bp1", "1", "3");
    EXPECT(":0\r\n", "BITPOS", "bp1", "1");
    EXPECT(":16\r\n", "BITPOS", "bp1", "1", "-1");
    EXPECT(":5\r\n", "BITPOS", "bp1", "1", "5", "7", "bit");
}

static void test_bitpos_zeros_and_edges(void **state) {
    (void)state;
    FRESH("bp0", "bp_empty");
    EXPECT(":0\r\n", "SETBIT", "bp0", "23", "0"); /* three zero bytes */
    EXPECT(":-1\r\n", "BITPOS", "bp0", "1");
    EXPECT(":0\r\n", "BITPOS", "bp0", "0");
    EXPECT(":5\r\n", "BITPOS", "bp0", "0", "5", "17", "bit");
    EXPECT(":-1\r\n", "BITPOS", "bp0", "1", "5", "17", "bit");
    EXPECT(":0\r\n", "SETBIT", "bp0", "9", "1");
    EXPECT(":9\r\n", "BITPOS", "bp0", "1", "5", "17", "bit");
    EXPECT(":9\r\n", "BITPOS", "bp0", "1", "9", "9", "BIT");
    EXPECT(":-1\r\n", "BITPOS", "bp0", "0", "9", "9", "bit");
    EXPECT(":-1\r\n", "BITPOS", "bp0", "1", "10", "17", "bit");
    EXPECT(":-1\r\n", "BITPOS", "bp0", "1", "0", "8", "bit");
    EXPECT(":-1\r\n", "BITPOS", "bp0", "1", "7", "3", "bit");
    EXPECT(":-1\r\n", "BITPOS", "bp0", "1", "2", "2");
    EXPECT(":0\r\n", "BITPOS", "bp0", "0", "-100", "-90");
    /* Empty strings hold neither bit; missing keys are all zeros. */
    EXPECT("+OK\r\n", "SET", "bp_empty", "");
    EXPECT(":-1\r\n", "BITPOS", "bp_empty", "0");
    EXPECT(":-1\r\n", "BITPOS", "bp_empty", "1");
    EXPECT(":-1\r\n", "BITPOS", "bp_empty", "0", "0", "0");
    EXPECT(":0\r\n", "BITPOS", "nokey_bp", "0");
    EXPECT(":-1\r\n", "BITPOS", "nokey_bp", "1", "0", "1", "foo");
    EXPECT(":0\r\n", "BITPOS", "nokey_bp", "0", "x");
}

static void test_bitpos_errors(void **state) {
    (void)state;
    FRESH("bpe");
    EXPECT("+OK\r\n", "SET", "bpe", "foobar");
    EXPECT("-ERR The bit argument must be 1 or 0.\r\n", "BITPOS", "bpe", "2");
    EXPECT("-ERR The bit argument must be 1 or 0.\r\n", "BITPOS", "bpe", "-1");
    EXPECT("-ERR The bit argument must be 1 or 0.\r\n", "BITPOS", "nokey_bpe", "2");
    EXPECT_NOT_INTEGER("BITPOS", "bpe", "x");
    EXPECT_NOT_INTEGER("BITPOS", "bpe", "1", "x");
    EXPECT_NOT_INTEGER("BITPOS", "bpe", "1", "0", "x");
    EXPECT_NOT_INTEGER("BITPOS", "bpe", "0", "1", "bit");
    EXPECT_NOT_INTEGER("BITPOS", "bpe", "1", "x", "1", "foo");
    /* The unit is parsed before the end. */
    EXPECT(SYNTAX_ERROR, "BITPOS", "bpe", "1", "0", "x", "foo");
    EXPECT(SYNTAX_ERROR, "BITPOS", "bpe", "1", "0", "1", "bit", "x");
}

/* ---- BITOP ---- */

static void test_bitop(void **state) {
    (void)state;
    FRESH("bo_a", "bo_b", "bo_d", "bo_ttl");
    EXPECT("+OK\r\n", "SET", "bo_a", "\xf0\x0f\xaa");
    EXPECT("+OK\r\n", "SET", "bo_b", "\x3c");
    EXPECT(":3\r\n", "BITOP", "AND", "bo_d", "bo_a", "bo_b");
    EXPECT("$3\r\n\x30\x00\x00\r\n", "GET", "bo_d");
    EXPECT(":3\r\n", "BITOP", "or", "bo_d", "bo_b", "bo_a");
    EXPECT("$3\r\n\xfc\x0f\xaa\r\n", "GET", "bo_d");
    EXPECT(":3\r\n", "BITOP", "Xor", "bo_d", "bo_a", "bo_b", "nokey_bo");
    EXPECT("$3\r\n\xcc\x0f\xaa\r\n", "GET", "bo_d");
    EXPECT(":3\r\n", "BITOP", "NOT", "bo_d", "bo_a");
    EXPECT("$3\r\n\x0f\xf0\x55\r\n", "GET", "bo_d");
    /* The destination may be a source. */
    EXPECT(":3\r\n", "BITOP", "not", "bo_d", "bo_d");
    EXPECT("$3\r\n\xf0\x0f\xaa\r\n", "GET", "bo_d");
    /* The result replaces the key, and its TTL. */
    EXPECT("+OK\r\n", "SET", "bo_ttl", "5", "EX", "100");
    EXPECT(":1\r\n", "BITOP", "or", "bo_ttl", "bo_b");
    EXPECT(":-1\r\n", "TTL", "bo_ttl");
    EXPECT("$1\r\n\x3c\r\n", "GET", "bo_ttl");
    /* Nothing but missing sources: the destination is deleted. */
    EXPECT(":0\r\n", "BITOP", "or", "bo_d", "nokey_bo", "nokey_bo2");
    EXPECT(":0\r\n", "EXISTS", "bo_d");
    EXPECT(":0\r\n", "BITOP", "NOT", "bo_d", "nokey_bo");
    EXPECT(":0\r\n", "EXISTS", "bo_d");
}

static void test_bitop_errors(void **state) {
    (void)state;
    EXPECT(SYNTAX_ERROR, "BITOP", "nand", "bo_e", "bo_a");
    EXPECT("-ERR BITOP NOT must be called with a single source key.\r\n", "BITOP", "not", "bo_e", "a", "b");
    EXPECT("-ERR wrong number of arguments for 'bitop' command\r\n", "BITOP", "not", "bo_e");
    EXPECT("-ERR wrong number of arguments for 'bitop' command\r\n", "BITOP", "and", "bo_e");
}

/* ---- BITFIELD ---- */

static void test_bitfield_basics(void **state) {
    (void)state;
    FRESH("bf");
    EXPECT("*0\r\n", "BITFIELD", "bf");
    EXPECT("*1\r\n:0\r\n", "BITFIELD", "bf", "GET", "i8", "0");
    EXPECT(":0\r\n", "EXISTS", "bf"); /* GET alone creates nothing */
    EXPECT("*0\r\n", "BITFIELD", "bf", "OVERFLOW", "SAT");
    EXPECT(":0\r\n", "EXISTS", "bf");
    EXPECT("*2\r\n:0\r\n:-1\r\n", "BITFIELD", "bf", "SET", "i8", "#1", "-1", "GET", "i4", "8");
    EXPECT("$2\r\n\x00\xff\r\n", "GET", "bf");
    EXPECT("*3\r\n:255\r\n:-1\r\n:15\r\n", "BITFIELD", "bf", "get", "u8", "8", "get", "i1", "8", "get", "u4", "12");
    /* INCRBY answers the new value, SET the old one. */
    EXPECT("*2\r\n:1\r\n:1\r\n", "BITFIELD", "bf", "incrby", "u2", "0", "1", "set", "u2", "0", "3");
    EXPECT("*1\r\n:-1\r\n", "BITFIELD", "bf", "get", "i2", "0");
    /* Fields cross byte boundaries; bits past the end read as zero. */
    EXPECT("*1\r\n:255\r\n", "BITFIELD", "bf", "get", "u11", "5");
    EXPECT("*1\r\n:522240\r\n", "BITFIELD", "bf", "get", "u23", "4");
    EXPECT("*1\r\n:0\r\n", "BITFIELD_RO", "bf", "get", "i64", "16");
    EXPECT("*2\r\n:-4539909899366170624\r\n:-1\r\n", "BITFIELD_RO", "bf", "get", "i64", "0", "get", "i8", "8");
}

static void test_bitfield_overflow(void **state) {
    (void)state;
    FRESH("bfo");
    EXPECT("*2\r\n:0\r\n:127\r\n", "BITFIELD", "bfo", "SET", "i8", "0", "127", "GET", "i8", "0");
    EXPECT("*1\r\n:-128\r\n", "BITFIELD", "bfo", "INCRBY", "i8", "0", "1");
    EXPECT("*1\r\n:127\r\n", "BITFIELD", "bfo", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "500");
    EXPECT("*1\r\n$-1\r\n", "BITFIELD", "bfo", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "1");
    EXPECT("*2\r\n:126\r\n$-1\r\n", "BITFIELD", "bfo", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-1", "incrby", "i8",
           "0", "-300");
    /* OVERFLOW applies to the operations after it. */
    EXPECT("*2\r\n:-128\r\n:-128\r\n", "BITFIELD", "bfo", "INCRBY", "i8", "0", "2", "OVERFLOW", "SAT", "INCRBY", "i8",
           "0", "-1000");
    /* Unsigned: wrap, saturate at both ends, and SET of a negative value. */
    EXPECT("*2\r\n:0\r\n:4\r\n", "BITFIELD", "bfo", "SET", "u8", "8", "250", "INCRBY", "u8", "8", "10");
    EXPECT("*1\r\n:255\r\n", "BITFIELD", "bfo", "OVERFLOW", "SAT", "INCRBY", "u8", "8", "1000");
    EXPECT("*1\r\n:0\r\n", "BITFIELD", "bfo", "OVERFLOW", "SAT", "INCRBY", "u8", "8", "-1000");
    EXPECT("*1\r\n:0\r\n", "BITFIELD", "bfo", "OVERFLOW", "SAT", "SET", "u8", "8", "-1");
    EXPECT("*1\r\n:255\r\n", "BITFIELD", "bfo", "GET", "u8", "8");
    EXPECT("*1\r\n$-1\r\n", "BITFIELD", "bfo", "OVERFLOW", "FAIL", "SET", "u8", "8", "256");
    EXPECT("*1\r\n:255\r\n", "BITFIELD", "bfo", "OVERFLOW", "WRAP", "SET", "u8", "8", "-1");
    /* i64 and u63 limits. */
    EXPECT("*2\r\n:-9151595917793558528\r\n:-9223372036854775808\r\n", "BITFIELD", "bfo", "SET", "i64", "0",
           "-9223372036854775808", "GET", "i64", "0");
}

static void test_bitfield_signed_set_quirk(void **state) {
    (void)state;
    FRESH("bfq");
    /* Redis saturates SET i8 of values below -9223372036854775680 to +127. */
    EXPECT("*1\r\n:0\r\n", "BITFIELD", "bfq", "OVERFLOW", "SAT", "SET", "i8", "0", "-9223372036854775681");
    EXPECT("*1\r\n:127\r\n", "BITFIELD", "bfq", "GET", "i8", "0");
    EXPECT("*1\r\n:127\r\n", "BITFIELD", "bfq", "OVERFLOW", "SAT", "SET", "i8", "0", "-9223372036854775680");
    EXPECT("*1\r\n:-128\r\n", "BITFIELD", "bfq", "GET", "i8", "0");
    EXPECT("*1\r\n:-128\r\n", "BITFIELD", "bfq", "OVERFLOW", "SAT", "SET", "i8", "0", "-200");
    EXPECT("*2\r\n:-9223372036854775808\r\n:9223372036854775807\r\n", "BITFIELD", "bfq", "SET", "i64", "0", "-9223372036854775808",
           "INCRBY", "i64", "0", "-1");
    EXPECT("*1\r\n:4611686018427387903\r\n", "BITFIELD", "bfq", "GET", "u63", "0");
}

static void test_bitfield_errors(void **state) {
    (void)state;
    FRESH("bfe");
    EXPECT(TYPE_ERROR, "BITFIELD", "bfe", "SET", "u64", "0", "1");
    EXPECT(TYPE_ERROR, "BITFIELD", "bfe", "SET", "i65", "0", "1");
    EXPECT(TYPE_ERROR, "BITFIELD", "bfe", "SET", "u0", "0", "1");
    EXPECT(TYPE_ERROR, "BITFIELD", "bfe", "GET", "x8", "0");
    EXPECT(TYPE_ERROR, "BITFIELD", "bfe", "GET", "i", "0");
    EXPECT(TYPE_ERROR, "BITFIELD", "bfe", "GET", "I8", "0");
    EXPECT(OFFSET_ERROR, "BITFIELD", "bfe", "SET", "i8", "-1", "1");
    EXPECT(OFFSET_ERROR, "BITFIELD", "bfe", "SET", "i8", "#-1", "1");
    EXPECT(OFFSET_ERROR, "BITFIELD", "bfe", "SET", "i8", "4294967296", "1");
    EXPECT(OFFSET_ERROR, "BITFIELD", "bfe", "GET", "i8", "##1");
    EXPECT(SYNTAX_ERROR, "BITFIELD", "bfe", "GET", "i8");
    EXPECT(SYNTAX_ERROR, "BITFIELD", "bfe", "foo");
    EXPECT(SYNTAX_ERROR, "BITFIELD", "bfe", "GET", "i8", "0", "x");
    EXPECT(SYNTAX_ERROR, "BITFIELD", "bfe", "OVERFLOW");
    EXPECT("-ERR Invalid OVERFLOW type specified\r\n", "BITFIELD", "bfe", "OVERFLOW", "foo");
    EXPECT_NOT_INTEGER("BITFIELD", "bfe", "SET", "i8", "0", "a");
    EXPECT_NOT_INTEGER("BITFIELD", "bfe", "INCRBY", "i8", "0", "9223372036854775808");
    EXPECT("-ERR BITFIELD_RO only supports the GET subcommand\r\n", "BITFIELD_RO", "bfe", "GET", "i8", "0", "SET",
           "i8", "0", "1");
    /* A parse error anywhere means nothing ran. */
    EXPECT(SYNTAX_ERROR, "BITFIELD", "bfe", "SET", "i8", "0", "1", "bogus");
    EXPECT(":0\r\n", "EXISTS", "bfe");
    EXPECT("-ERR wrong number of arguments for 'bitfield' command\r\n", "BITFIELD");
}

/* ---- WATCH ---- */

static void test_watch_sees_only_real_changes(void **state) {
    (void)state;
    FRESH("bw");
    EXPECT(":0\r\n", "SETBIT", "bw", "3", "1");
    /* Rewriting a bit with its own value is not a change. */
    EXPECT("+OK\r\n", "WATCH", "bw");
    EXPECT(":1\r\n", "SETBIT", "bw", "3", "1");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "GETBIT", "bw", "3");
    EXPECT("*1\r\n:1\r\n", "EXEC");
    /* Flipping it is. */
    EXPECT("+OK\r\n", "WATCH", "bw");
    EXPECT("*1\r\n:0\r\n", "BITFIELD", "bw", "INCRBY", "u1", "3", "1");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "GETBIT", "bw", "3");
    EXPECT("*-1\r\n", "EXEC");
}

/* ---- LCS ---- */

static void test_lcs(void **state) {
    (void)state;
    FRESH("lcs1", "lcs2", "lcs_a", "lcs_b", "lcs_e");
    EXPECT("+OK\r\n", "MSET", "lcs1", "ohmytext", "lcs2", "mynewtext");
    EXPECT("$6\r\nmytext\r\n", "LCS", "lcs1", "lcs2");
    EXPECT(":6\r\n", "LCS", "lcs1", "lcs2", "LEN");
    EXPECT("*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n"
           "$3\r\nlen\r\n:6\r\n",
           "LCS", "lcs1", "lcs2", "IDX");
    EXPECT("*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n", "LCS",
           "lcs1", "lcs2", "idx", "minmatchlen", "4", "withmatchlen");
    EXPECT("*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n"
           "$3\r\nlen\r\n:6\r\n",
           "LCS", "lcs1", "lcs2", "MINMATCHLEN", "-5", "IDX");
    EXPECT("*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:6\r\n", "LCS", "lcs1", "lcs2", "idx", "minmatchlen", "1",
           "minmatchlen", "5");
    EXPECT("$6\r\nmytext\r\n", "LCS", "lcs1", "lcs2", "withmatchlen");
    EXPECT(":6\r\n", "LCS", "lcs1", "lcs2", "len", "minmatchlen", "3");
    /* Of the equally long answers, Redis's backtracking picks "BDAB". */
    EXPECT("+OK\r\n", "MSET", "lcs_a", "ABCBDAB", "lcs_b", "BDCABA");
    EXPECT("$4\r\nBDAB\r\n", "LCS", "lcs_a", "lcs_b");
    EXPECT("*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:5\r\n:6\r\n*2\r\n:3\r\n:4\r\n:2\r\n*3\r\n*2\r\n:3\r\n:4\r\n*2\r\n:0\r\n"
           ":1\r\n:2\r\n$3\r\nlen\r\n:4\r\n",
           "LCS", "lcs_a", "lcs_b", "IDX", "WITHMATCHLEN");
    /* Missing and empty strings. */
    EXPECT("$0\r\n\r\n", "LCS", "lcs1", "nokey_lcs");
    EXPECT(":0\r\n", "LCS", "nokey_lcs", "nokey_lcs2", "LEN");
    EXPECT("*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n", "LCS", "nokey_lcs", "nokey_lcs2", "IDX");
    EXPECT("+OK\r\n", "SET", "lcs_e", "");
    EXPECT("$0\r\n\r\n", "LCS", "lcs_e", "lcs_a");
}

static void test_lcs_errors(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "MSET", "lcs1", "ohmytext", "lcs2", "mynewtext");
    EXPECT("-ERR If you want both the length and indexes, please just use IDX.\r\n", "LCS", "lcs1", "lcs2", "LEN",
           "IDX");
    EXPECT("-ERR If you want both the length and indexes, please just use IDX.\r\n", "LCS", "lcs1", "lcs2", "IDX",
           "MINMATCHLEN", "2", "WITHMATCHLEN", "LEN");
    EXPECT(SYNTAX_ERROR, "LCS", "lcs1", "lcs2", "minmatchlen");
    EXPECT(SYNTAX_ERROR, "LCS", "lcs1", "lcs2", "foo");
    EXPECT_NOT_INTEGER("LCS", "lcs1", "lcs2", "minmatchlen", "x");
    EXPECT_NOT_INTEGER("LCS", "lcs1", "lcs2", "minmatchlen", "9223372036854775808");
    EXPECT("-ERR wrong number of arguments for 'lcs' command\r\n", "LCS", "lcs1");
}

/* The table for two 20,000-byte strings (1.6 GB) exceeds proto-max-bulk-len:
 * a clean error, and the server keeps serving. */
static void test_lcs_memory_limit(void **state) {
    (void)state;
    size_t length = 20000;
    char *a = malloc(length), *b = malloc(length);
    memset(a, 'a', length);
    memset(b, 'b', length);
    const char *set_a[] = {"SET", "lcs_big_a", a, NULL};
    const char *set_b[] = {"SET", "lcs_big_b", b, NULL};
    expect_reply_on(connection, "+OK\r\n", 5, set_a, (const size_t[]){3, 9, length});
    expect_reply_on(connection, "+OK\r\n", 5, set_b, (const size_t[]){3, 9, length});
    free(a);
    free(b);
    EXPECT("-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n", "LCS", "lcs_big_a",
           "lcs_big_b");
    EXPECT("-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n", "LCS", "lcs_big_a",
           "lcs_big_b", "LEN");
    EXPECT(":0\r\n", "LCS", "lcs_big_a", "nokey_lcs", "LEN");
    EXPECT(":2\r\n", "DEL", "lcs_big_a", "lcs_big_b");
}

/* RESP3 turns LCS IDX into a map; null BITFIELD results into "_". */
static void test_resp3_replies(void **state) {
    (void)state;
    const char *external = getenv("BITS_TEST_EXTERNAL_PORT");
    int fd = test_connect(external ? atoi(external) : server_instance.port);
    assert_true(fd >= 0);
    EXPECT_ON(fd, "+OK\r\n", "MSET", "lcs3a", "ohmytext", "lcs3b", "mynewtext");
    const char *hello[] = {"HELLO", "3", NULL};
    assert_int_equal(test_send_command(fd, 2, hello, (const size_t[]){5, 1}), 0);
    char discard[4096];
    assert_true(test_read_available(fd, discard, sizeof(discard), 200) > 0);
    EXPECT_ON(fd, "%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n", "LCS",
              "lcs3a", "lcs3b", "IDX", "MINMATCHLEN", "3");
    EXPECT_ON(fd, "*1\r\n_\r\n", "BITFIELD", "lcs3a", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "4");
    EXPECT_ON(fd, ":2\r\n", "DEL", "lcs3a", "lcs3b");
    close(fd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_setbit_getbit, reconnect),
        cmocka_unit_test_setup(test_setbit_getbit_errors, reconnect),
        cmocka_unit_test_setup(test_bitcount, reconnect),
        cmocka_unit_test_setup(test_bitpos_ones, reconnect),
        cmocka_unit_test_setup(test_bitpos_zeros_and_edges, reconnect),
        cmocka_unit_test_setup(test_bitpos_errors, reconnect),
        cmocka_unit_test_setup(test_bitop, reconnect),
        cmocka_unit_test_setup(test_bitop_errors, reconnect),
        cmocka_unit_test_setup(test_bitfield_basics, reconnect),
        cmocka_unit_test_setup(test_bitfield_overflow, reconnect),
        cmocka_unit_test_setup(test_bitfield_signed_set_quirk, reconnect),
        cmocka_unit_test_setup(test_bitfield_errors, reconnect),
        cmocka_unit_test_setup(test_watch_sees_only_real_changes, reconnect),
        cmocka_unit_test_setup(test_lcs, reconnect),
        cmocka_unit_test_setup(test_lcs_errors, reconnect),
        cmocka_unit_test_setup(test_lcs_memory_limit, reconnect),
        cmocka_unit_test_setup(test_resp3_replies, reconnect),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
