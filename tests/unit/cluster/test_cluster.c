/* Unit tests of the cluster module's pure parts: CRC16, hash slots with hash
 * tags, and the static topology file (parsing, errors, ids, which node is
 * this one).  Expected slots were read from redis-server 7.0.15's CLUSTER
 * KEYSLOT for the same keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cluster.h"
#include "zmalloc.h"

static int slot_of(const char *key) { return cluster_key_slot(key, strlen(key)); }

static void test_crc16_check_value(void **state) {
    (void)state;
    assert_int_equal(cluster_crc16("123456789", 9), 0x31c3); /* the XMODEM check value */
    assert_int_equal(cluster_crc16("", 0), 0);
}

static void test_key_slot_matches_redis(void **state) {
    (void)state;
    assert_int_equal(slot_of("foo"), 12182);
    assert_int_equal(slot_of("123456789"), 12739);
    assert_int_equal(slot_of("{user1}.a"), 8106);
    assert_int_equal(slot_of("{}a"), 10875);      /* empty tag: the whole key */
    assert_int_equal(slot_of("a{b}{c}"), 3300);   /* first tag only */
    assert_int_equal(slot_of("x{a}y"), slot_of("a"));
    assert_int_equal(slot_of("{a"), cluster_crc16("{a", 2) & 16383); /* unclosed: whole key */
    assert_int_equal(slot_of("}{a}"), slot_of("a"));
    assert_int_equal(slot_of("{{a}}"), slot_of("{a"));
    assert_int_equal(cluster_key_slot("a\0{b}", 5), slot_of("b")); /* binary keys */
}

static void test_parse_three_nodes(void **state) {
    (void)state;
    cluster_topology t;
    char *error = NULL;
    const char *text = "# three nodes\n\n127.0.0.1:7001 0-5460\n127.0.0.1:7002 5461-10921 10922\n"
                       "  127.0.0.1:7003   10923-16383  \n";
    assert_int_equal(cluster_topology_parse(&t, text, &error), 0);
    assert_int_equal(t.node_count, 3);
    assert_int_equal(t.slots_assigned, 16384);
    assert_int_equal(t.owner[0], 0);
    assert_int_equal(t.owner[5460], 0);
    assert_int_equal(t.owner[5461], 1);
    assert_int_equal(t.owner[10922], 1);
    assert_int_equal(t.owner[16383], 2);
    assert_string_equal(t.nodes[2].ip, "127.0.0.1");
    assert_int_equal(t.nodes[2].port, 7003);
    assert_int_equal(t.myself, -1);
    assert_int_equal(cluster_topology_find_myself(&t, NULL, 7002, &error), 0);
    assert_int_equal(t.myself, 1);
    assert_int_equal(cluster_topology_find_myself(&t, "127.0.0.1:7003", 7002, &error), 0);
    assert_int_equal(t.myself, 2);
    cluster_topology_free(&t);
}

static void test_partial_coverage(void **state) {
    (void)state;
    cluster_topology t;
    char *error = NULL;
    assert_int_equal(cluster_topology_parse(&t, "10.0.0.1:6379 0-99\n10.0.0.2:6379\n", &error), 0);
    assert_int_equal(t.slots_assigned, 100);
    assert_int_equal(t.owner[100], -1);
    assert_int_equal(t.node_count, 2);
    cluster_topology_free(&t);
}

/* Parses `text`, expecting failure with exactly `message`. */
static void expect_parse_error(const char *text, const char *message) {
    cluster_topology t;
    char *error = NULL;
    assert_int_equal(cluster_topology_parse(&t, text, &error), -1);
    assert_non_null(error);
    assert_string_equal(error, message);
    zmalloc_free(error);
}

static void test_parse_errors(void **state) {
    (void)state;
    expect_parse_error("127.0.0.1:7001 0-16384\n", "cluster topology, line 1: invalid slot or slot range (slots are 0-16383)");
    expect_parse_error("127.0.0.1:7001 10-5\n", "cluster topology, line 1: invalid slot or slot range (slots are 0-16383)");
    expect_parse_error("127.0.0.1:7001 x\n", "cluster topology, line 1: invalid slot or slot range (slots are 0-16383)");
    expect_parse_error("127.0.0.1:7001 0-10\n127.0.0.1:7002 10\n", "cluster topology, line 2: slot assigned twice");
    expect_parse_error("#\n127.0.0.1 0\n", "cluster topology, line 2: expected <ip>:<port>");
    expect_parse_error("127.0.0.1:0 0\n", "cluster topology, line 1: invalid port");
    expect_parse_error("127.0.0.1:65536 0\n", "cluster topology, line 1: invalid port");
    expect_parse_error("127.0.0.1:7001 0\n127.0.0.1:7001 1\n", "cluster topology, line 2: node listed twice");
    expect_parse_error("127.0.0.1:7001 \"0\n", "cluster topology, line 1: unbalanced quotes");
    expect_parse_error("# nothing\n\n", "cluster topology: no node listed");
}

static void expect_myself_error(const char *text, const char *address, int port, const char *message) {
    cluster_topology t;
    char *error = NULL;
    assert_int_equal(cluster_topology_parse(&t, text, &error), 0);
    assert_int_equal(cluster_topology_find_myself(&t, address, port, &error), -1);
    assert_string_equal(error, message);
    zmalloc_free(error);
    cluster_topology_free(&t);
}

static void test_myself_errors(void **state) {
    (void)state;
    const char *text = "10.0.0.1:6379 0-8000\n10.0.0.2:6379 8001-16383\n";
    expect_myself_error(text, NULL, 6379, "port 6379: several nodes of the cluster topology use this port: set cluster-myself");
    expect_myself_error(text, NULL, 6380, "port 6380: no node of the cluster topology uses this port: set cluster-myself");
    expect_myself_error(text, "10.0.0.3:6379", 6379, "cluster-myself 10.0.0.3:6379: not a node of the cluster topology");
    expect_myself_error(text, "junk", 6379, "cluster-myself junk: not a node of the cluster topology");
}

static void test_single_node(void **state) {
    (void)state;
    cluster_topology t;
    cluster_topology_single(&t, "127.0.0.1", 7777);
    assert_int_equal(t.node_count, 1);
    assert_int_equal(t.myself, 0);
    assert_int_equal(t.slots_assigned, 16384);
    assert_int_equal(t.owner[0], 0);
    assert_int_equal(t.owner[16383], 0);
    cluster_topology_free(&t);
}

static void test_node_ids(void **state) {
    (void)state;
    char first[CLUSTER_ID_LENGTH + 1], again[CLUSTER_ID_LENGTH + 1], other[CLUSTER_ID_LENGTH + 1];
    cluster_node_id("127.0.0.1", 7001, first);
    cluster_node_id("127.0.0.1", 7001, again);
    cluster_node_id("127.0.0.1", 7002, other);
    assert_int_equal(strlen(first), CLUSTER_ID_LENGTH);
    assert_int_equal(strspn(first, "0123456789abcdef"), CLUSTER_ID_LENGTH);
    assert_string_equal(first, again);
    assert_string_not_equal(first, other);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc16_check_value), cmocka_unit_test(test_key_slot_matches_redis),
        cmocka_unit_test(test_parse_three_nodes),  cmocka_unit_test(test_partial_coverage),
        cmocka_unit_test(test_parse_errors),       cmocka_unit_test(test_myself_errors),
        cmocka_unit_test(test_single_node),        cmocka_unit_test(test_node_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
