/* Integration tests of cluster mode: three zkv nodes share one topology file
 * (slots 0-5460, 5461-10922, 10923-16383) and every reply is compared byte
 * for byte with what redis-server 7.0.15 sends in a three-master cluster
 * (ids, ports and ping times aside, which depend on the run).  Also: a
 * one-node cluster without a topology file, standalone mode refusing
 * CLUSTER, and start-up errors of a bad topology. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_info.h"
#include "test_server.h"

#define NODES 3

static test_server nodes[NODES];
static int fds[NODES];
static char ids[NODES][41];
static char topology_path[64];
static const int firsts[NODES] = {0, 5461, 10923};
static const int lasts[NODES] = {5460, 10922, 16383};

/* ---- RESP helpers ---- */

/* The RESP encoding of the NULL-terminated words (static buffer). */
static const char *resp(const char *first, ...) {
    static char out[4096];
    const char *words[32];
    int count = 0;
    va_list arguments;
    va_start(arguments, first);
    for (const char *word = first; word && count < 32; word = va_arg(arguments, const char *)) words[count++] = word;
    va_end(arguments);
    int length = snprintf(out, sizeof(out), "*%d\r\n", count);
    for (int i = 0; i < count; i++)
        length += snprintf(out + length, sizeof(out) - (size_t)length, "$%zu\r\n%s\r\n", strlen(words[i]), words[i]);
    return out;
}

#define EXPECT(fd, expected, ...) assert_int_equal(test_roundtrip(fd, resp(__VA_ARGS__, NULL), expected), 0)

/* Sends `request` followed by PING and reads up to the "+PONG\r\n" that
 * ends the reply, byte by byte with a bounded wait: a reply of unknown
 * length is then read whole however slowly it arrives.  Returns the reply
 * without the PONG, NUL-terminated, in `out`. */
static const char *reply_of(int fd, const char *request, char *out, size_t size) {
    static const char pong[] = "+PONG\r\n";
    assert_int_equal(test_send_string(fd, request), 0);
    assert_int_equal(test_send_string(fd, resp("PING", NULL)), 0);
    size_t length = 0;
    while (length < strlen(pong) || memcmp(out + length - strlen(pong), pong, strlen(pong)) != 0) {
        assert_true(length < size - 1);
        assert_int_equal(test_read_exact(fd, out + length, 1, TEST_IO_TIMEOUT_MS), 1);
        length++;
    }
    out[length - strlen(pong)] = '\0';
    return out;
}

/* Sends a command and returns the payload of its bulk or verbatim string
 * reply (static buffer). */
static const char *bulk_reply(int fd, const char *request) {
    static char reply[8192];
    reply_of(fd, request, reply, sizeof(reply));
    char *payload = strstr(reply, "\r\n");
    assert_non_null(payload);
    assert_true(reply[0] == '$' || reply[0] == '=');
    payload += 2;
    if (reply[0] == '=') payload += 4; /* "txt:" */
    payload[strlen(payload) - 2] = '\0';
    return payload;
}

/* ---- Set-up: three nodes on distinct free ports ---- */

static int distinct_free_port(int count) {
    for (;;) {
        int port = test_free_port();
        int clash = port <= 0;
        for (int i = 0; i < count; i++) clash |= nodes[i].port == port;
        if (!clash) return port;
    }
}

static int start_nodes(void **state) {
    (void)state;
    for (int i = 0; i < NODES; i++) nodes[i].port = distinct_free_port(i);
    snprintf(topology_path, sizeof(topology_path), "/tmp/zkv-cluster-test-%d.topology", (int)getpid());
    FILE *file = fopen(topology_path, "w");
    if (!file) return -1;
    fprintf(file, "# test topology\n");
    for (int i = 0; i < NODES; i++) fprintf(file, "127.0.0.1:%d %d-%d\n", nodes[i].port, firsts[i], lasts[i]);
    fclose(file);
    for (int i = 0; i < NODES; i++) {
        const char *arguments[] = {"--cluster-enabled", "yes", "--cluster-topology-file", topology_path, NULL};
        if (test_server_start_full(&nodes[i], NULL, nodes[i].port, arguments) != 0) return -1;
        fds[i] = test_connect(nodes[i].port);
        if (fds[i] < 0) return -1;
    }
    for (int i = 0; i < NODES; i++) snprintf(ids[i], sizeof(ids[i]), "%s", bulk_reply(fds[i], resp("CLUSTER", "MYID", NULL)));
    return 0;
}

static int stop_nodes(void **state) {
    (void)state;
    for (int i = 0; i < NODES; i++) {
        if (fds[i] > 0) close(fds[i]);
        if (nodes[i].pid > 0) test_server_stop(&nodes[i]);
    }
    unlink(topology_path);
    return 0;
}

/* ---- Topology replies ---- */

static void test_myid_is_40_hex_and_distinct(void **state) {
    (void)state;
    for (int i = 0; i < NODES; i++) {
        assert_int_equal(strlen(ids[i]), 40);
        assert_int_equal(strspn(ids[i], "0123456789abcdef"), 40);
    }
    assert_string_not_equal(ids[0], ids[1]);
    assert_string_not_equal(ids[1], ids[2]);
}

/* CLUSTER SLOTS as redis-server sends it; `metadata` is the empty map of
 * each node: "*0" in RESP2, "%0" in RESP3. */
static void expected_slots(char *expected, size_t size, const char *metadata) {
    int length = snprintf(expected, size, "*3\r\n");
    for (int i = 0; i < NODES; i++)
        length += snprintf(expected + length, size - (size_t)length,
                           "*3\r\n:%d\r\n:%d\r\n*4\r\n$9\r\n127.0.0.1\r\n:%d\r\n$40\r\n%s\r\n%s\r\n", firsts[i],
                           lasts[i], nodes[i].port, ids[i], metadata);
}

static void test_slots_same_on_every_node(void **state) {
    (void)state;
    char expected[2048];
    expected_slots(expected, sizeof(expected), "*0");
    for (int i = 0; i < NODES; i++) EXPECT(fds[i], expected, "CLUSTER", "SLOTS");
}

static void test_shards(void **state) {
    (void)state;
    char expected[4096];
    int length = snprintf(expected, sizeof(expected), "*3\r\n");
    for (int i = 0; i < NODES; i++)
        length += snprintf(expected + length, sizeof(expected) - (size_t)length,
                           "*4\r\n$5\r\nslots\r\n*2\r\n:%d\r\n:%d\r\n$5\r\nnodes\r\n*1\r\n*14\r\n"
                           "$2\r\nid\r\n$40\r\n%s\r\n$4\r\nport\r\n:%d\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"
                           "$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
                           "$18\r\nreplication-offset\r\n:0\r\n$6\r\nhealth\r\n$6\r\nonline\r\n",
                           firsts[i], lasts[i], ids[i], nodes[i].port);
    EXPECT(fds[1], expected, "CLUSTER", "SHARDS");
}

static int bus(int port) { return port + 10000 <= 65535 ? port + 10000 : 0; }

static void test_nodes_marks_myself(void **state) {
    (void)state;
    for (int self = 0; self < NODES; self++) {
        char expected[2048];
        int length = 0;
        for (int i = 0; i < NODES; i++)
            length += snprintf(expected + length, sizeof(expected) - (size_t)length,
                               "%s 127.0.0.1:%d@%d %s - 0 0 %d connected %d-%d\n", ids[i], nodes[i].port,
                               bus(nodes[i].port), i == self ? "myself,master" : "master", i + 1, firsts[i],
                               lasts[i]);
        assert_string_equal(bulk_reply(fds[self], resp("CLUSTER", "NODES", NULL)), expected);
    }
}

static void test_info(void **state) {
    (void)state;
    const char *info = "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n"
                       "cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:3\r\n"
                       "cluster_size:3\r\ncluster_current_epoch:3\r\ncluster_my_epoch:2\r\n"
                       "cluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\n"
                       "total_cluster_links_buffer_limit_exceeded:0\r\n";
    assert_string_equal(bulk_reply(fds[1], resp("CLUSTER", "INFO", NULL)), info);
    EXPECT(fds[0], "$30\r\n# Cluster\r\ncluster_enabled:1\r\n\r\n", "INFO", "cluster");
    char mode[32];
    const char *server_section = bulk_reply(fds[0], resp("INFO", "server", NULL));
    assert_non_null(test_info_value(server_section, "redis_mode", mode, sizeof(mode)));
    assert_string_equal(mode, "cluster");
}

static void test_resp3_types(void **state) {
    (void)state;
    int fd = test_connect(nodes[0].port);
    char buffer[1024];
    assert_non_null(strstr(reply_of(fd, resp("HELLO", "3", NULL), buffer, sizeof(buffer)),
                           "$4\r\nmode\r\n$7\r\ncluster\r\n"));
    assert_memory_equal(reply_of(fd, resp("CLUSTER", "INFO", NULL), buffer, sizeof(buffer)),
                        "=316\r\ntxt:cluster_state:ok\r\n", 27);
    char expected[2048];
    expected_slots(expected, sizeof(expected), "%0");
    EXPECT(fd, expected, "CLUSTER", "SLOTS");
    close(fd);
}

/* ---- KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT ---- */

static void test_keyslot(void **state) {
    (void)state;
    EXPECT(fds[0], ":12182\r\n", "CLUSTER", "KEYSLOT", "foo");
    EXPECT(fds[0], ":8106\r\n", "CLUSTER", "KEYSLOT", "{user1}.a");
    EXPECT(fds[0], ":10875\r\n", "CLUSTER", "KEYSLOT", "{}a");
    EXPECT(fds[0], "-ERR wrong number of arguments for 'cluster|keyslot' command\r\n", "CLUSTER", "KEYSLOT");
    EXPECT(fds[0], "-ERR wrong number of arguments for 'cluster|keyslot' command\r\n", "CLUSTER", "KEYSLOT", "a",
           "b");
}

static void test_slot_argument_errors(void **state) {
    (void)state;
    EXPECT(fds[0], "-ERR Invalid slot\r\n", "CLUSTER", "COUNTKEYSINSLOT", "16384");
    EXPECT(fds[0], "-ERR Invalid slot\r\n", "CLUSTER", "COUNTKEYSINSLOT", "-1");
    EXPECT(fds[0], "-ERR value is not an integer or out of range\r\n", "CLUSTER", "COUNTKEYSINSLOT", "abc");
    EXPECT(fds[0], "-ERR value is not an integer or out of range\r\n", "CLUSTER", "GETKEYSINSLOT", "1", "abc");
    EXPECT(fds[0], "-ERR value is not an integer or out of range\r\n", "CLUSTER", "GETKEYSINSLOT", "abc", "1");
    EXPECT(fds[0], "-ERR Invalid slot or number of keys\r\n", "CLUSTER", "GETKEYSINSLOT", "16384", "1");
    EXPECT(fds[0], "-ERR Invalid slot or number of keys\r\n", "CLUSTER", "GETKEYSINSLOT", "1", "-1");
    EXPECT(fds[0], "-ERR wrong number of arguments for 'cluster|getkeysinslot' command\r\n", "CLUSTER",
           "GETKEYSINSLOT", "1", "2", "3");
}

static void test_keys_in_slot(void **state) {
    (void)state;
    int fd = fds[2]; /* owns slot 12182, the slot of "foo" */
    EXPECT(fd, "+OK\r\n", "SET", "foo", "1");
    EXPECT(fd, "+OK\r\n", "SET", "{foo}x", "2");
    EXPECT(fd, ":2\r\n", "CLUSTER", "COUNTKEYSINSLOT", "12182");
    EXPECT(fd, ":0\r\n", "CLUSTER", "COUNTKEYSINSLOT", "12183");
    EXPECT(fd, "*0\r\n", "CLUSTER", "GETKEYSINSLOT", "12182", "0");
    char reply[256];
    reply_of(fd, resp("CLUSTER", "GETKEYSINSLOT", "12182", "10", NULL), reply, sizeof(reply));
    assert_int_equal(strlen(reply), strlen("*2\r\n$3\r\nfoo\r\n$6\r\n{foo}x\r\n"));
    assert_memory_equal(reply, "*2\r\n", 4);
    assert_non_null(strstr(reply, "$3\r\nfoo\r\n"));
    assert_non_null(strstr(reply, "$6\r\n{foo}x\r\n"));
    reply_of(fd, resp("CLUSTER", "GETKEYSINSLOT", "12182", "1", NULL), reply, sizeof(reply));
    assert_true(!strcmp(reply, "*1\r\n$3\r\nfoo\r\n") || !strcmp(reply, "*1\r\n$6\r\n{foo}x\r\n"));
}

/* ---- Routing ---- */

static void expect_moved(int fd, int slot, int owner, const char *command, const char *key) {
    char expected[128];
    snprintf(expected, sizeof(expected), "-MOVED %d 127.0.0.1:%d\r\n", slot, nodes[owner].port);
    EXPECT(fd, expected, command, key);
}

static void test_moved_and_crossslot(void **state) {
    (void)state;
    expect_moved(fds[0], 12182, 2, "GET", "foo");
    expect_moved(fds[1], 12182, 2, "GET", "foo");
    expect_moved(fds[2], 3300, 0, "GET", "{b}1");
    char expected[128];
    snprintf(expected, sizeof(expected), "-MOVED 15495 127.0.0.1:%d\r\n", nodes[2].port);
    EXPECT(fds[0], expected, "MGET", "x{a}", "y{a}");
    /* CROSSSLOT comes first, even when no key is this node's. */
    EXPECT(fds[0], "-CROSSSLOT Keys in request don't hash to the same slot\r\n", "MGET", "a", "b");
    EXPECT(fds[0], "-CROSSSLOT Keys in request don't hash to the same slot\r\n", "MSET", "{b}1", "1", "{bar}1", "2");
    EXPECT(fds[0], "+OK\r\n", "MSET", "{b}1", "1", "{b}2", "2");
    EXPECT(fds[0], "*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "MGET", "{b}1", "{b}2");
    EXPECT(fds[0], "+PONG\r\n", "PING"); /* no key: runs anywhere */
    EXPECT(fds[0], "-ERR unknown subcommand 'foo'. Try CLUSTER HELP.\r\n", "CLUSTER", "foo");
}

static void test_transactions(void **state) {
    (void)state;
    int fd = fds[0]; /* {b} (3300) and {bar} (5061) are both node 0's */
    EXPECT(fd, "+OK\r\n", "MULTI");
    EXPECT(fd, "+QUEUED\r\n", "SET", "{b}1", "v");
    EXPECT(fd, "+QUEUED\r\n", "SET", "{bar}1", "w");
    EXPECT(fd, "-CROSSSLOT Keys in request don't hash to the same slot\r\n", "EXEC");
    EXPECT(fd, "-ERR EXEC without MULTI\r\n", "EXEC"); /* the transaction was discarded */
    EXPECT(fd, "+OK\r\n", "MULTI");
    char moved[128];
    snprintf(moved, sizeof(moved), "-MOVED 12182 127.0.0.1:%d\r\n", nodes[2].port);
    EXPECT(fd, moved, "GET", "foo");
    EXPECT(fd, "-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC");
    EXPECT(fd, "+OK\r\n", "MULTI");
    EXPECT(fd, "+QUEUED\r\n", "SET", "{b}1", "v");
    EXPECT(fd, "+QUEUED\r\n", "GET", "{b}1");
    EXPECT(fd, "*2\r\n+OK\r\n$1\r\nv\r\n", "EXEC");
}

static void test_connection_commands(void **state) {
    (void)state;
    EXPECT(fds[0], "-ERR SELECT is not allowed in cluster mode\r\n", "SELECT", "1");
    EXPECT(fds[0], "-ERR value is not an integer or out of range\r\n", "SELECT", "abc");
    EXPECT(fds[0], "+OK\r\n", "SELECT", "0");
    EXPECT(fds[0], "+OK\r\n", "READONLY");
    EXPECT(fds[0], "+OK\r\n", "READWRITE");
    EXPECT(fds[0], "+OK\r\n", "ASKING");
    EXPECT(fds[0], "*2\r\n$15\r\ncluster-enabled\r\n$3\r\nyes\r\n", "CONFIG", "GET", "cluster-enabled");
    EXPECT(fds[0],
           "-ERR CONFIG SET failed (possibly related to argument 'cluster-enabled') - can't set immutable config\r\n",
           "CONFIG", "SET", "cluster-enabled", "no");
    char expected[256];
    snprintf(expected, sizeof(expected), "*4\r\n$21\r\ncluster-topology-file\r\n$%zu\r\n%s\r\n$14\r\ncluster-myself\r\n$0\r\n\r\n",
             strlen(topology_path), topology_path);
    /* Hidden from patterns (see config_parameters.c): asked by name. */
    EXPECT(fds[0], expected, "CONFIG", "GET", "cluster-topology-file", "cluster-myself");
    EXPECT(fds[0], "*0\r\n", "CONFIG", "GET", "cluster-[tm]*");
}

/* Expected bytes recorded from a redis-server 7.0.15 cluster node. */
static void test_other_databases_refused(void **state) {
    (void)state;
    int fd = fds[0]; /* {b} is node 0's */
    EXPECT(fd, "-ERR MOVE is not allowed in cluster mode\r\n", "MOVE", "{b}1", "1");
    EXPECT(fd, "-ERR SWAPDB is not allowed in cluster mode\r\n", "SWAPDB", "0", "1");
    EXPECT(fd, "-ERR Copying to another database is not allowed in cluster mode\r\n", "COPY", "{b}1", "{b}2",
           "DB", "1");
    EXPECT(fd, "-ERR DB index is out of range\r\n", "COPY", "{b}1", "{b}2", "DB", "99");
    EXPECT(fd, "-ERR value is not an integer or out of range\r\n", "COPY", "{b}1", "{b}2", "DB", "x");
    EXPECT(fd, "-CROSSSLOT Keys in request don't hash to the same slot\r\n", "COPY", "{b}1", "foo", "DB", "1");
    EXPECT(fd, "+OK\r\n", "SET", "{b}1", "v");
    EXPECT(fd, ":1\r\n", "COPY", "{b}1", "{b}2", "REPLACE", "DB", "0");
    char moved[128];
    snprintf(moved, sizeof(moved), "-MOVED 3300 127.0.0.1:%d\r\n", nodes[0].port);
    EXPECT(fds[1], moved, "MOVE", "{b}1", "1"); /* routing first, as Redis */
}

static void test_help(void **state) {
    (void)state;
    char reply[4096];
    size_t length = strlen(reply_of(fds[0], resp("CLUSTER", "HELP", NULL), reply, sizeof(reply)));
    const char *head = "*20\r\n+CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
                       "+COUNTKEYSINSLOT <slot>\r\n";
    assert_memory_equal(reply, head, strlen(head));
    const char *tail = "+HELP\r\n+    Prints this help.\r\n";
    assert_string_equal(reply + length - strlen(tail), tail);
}

/* ---- Other set-ups: one node, standalone, bad topologies ---- */

static void test_single_node_cluster(void **state) {
    (void)state;
    test_server single;
    const char *arguments[] = {"--cluster-enabled", "yes", NULL};
    assert_int_equal(test_server_start(&single, arguments), 0);
    int fd = test_connect(single.port);
    char id[41];
    snprintf(id, sizeof(id), "%s", bulk_reply(fd, resp("CLUSTER", "MYID", NULL)));
    char expected[256];
    snprintf(expected, sizeof(expected), "*1\r\n*3\r\n:0\r\n:16383\r\n*4\r\n$9\r\n127.0.0.1\r\n:%d\r\n$40\r\n%s\r\n*0\r\n",
             single.port, id);
    EXPECT(fd, expected, "CLUSTER", "SLOTS");
    EXPECT(fd, "+OK\r\n", "SET", "foo", "bar");
    EXPECT(fd, "$3\r\nbar\r\n", "GET", "foo");
    EXPECT(fd, "-CROSSSLOT Keys in request don't hash to the same slot\r\n", "MGET", "a", "b");
    close(fd);
    assert_int_equal(test_server_stop(&single), 0);
}

static void test_standalone_refuses_cluster(void **state) {
    (void)state;
    test_server standalone;
    assert_int_equal(test_server_start(&standalone, NULL), 0);
    int fd = test_connect(standalone.port);
    const char *disabled = "-ERR This instance has cluster support disabled\r\n";
    EXPECT(fd, disabled, "CLUSTER", "INFO");
    EXPECT(fd, disabled, "CLUSTER", "KEYSLOT", "a");
    EXPECT(fd, disabled, "CLUSTER", "HELP");
    EXPECT(fd, disabled, "READONLY");
    EXPECT(fd, disabled, "ASKING");
    EXPECT(fd, "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n", "INFO", "cluster");
    EXPECT(fd, "+OK\r\n", "SELECT", "1");
    EXPECT(fd, "+OK\r\n", "MSET", "a", "1", "b", "2");
    close(fd);
    assert_int_equal(test_server_stop(&standalone), 0);
}

/* Starting with `topology` (NULL: a missing file) must fail with `message`. */
static void expect_start_failure(const char *topology, const char *myself, const char *message) {
    char path[64];
    snprintf(path, sizeof(path), "/tmp/zkv-cluster-bad-%d.topology", (int)getpid());
    unlink(path);
    if (topology) {
        FILE *file = fopen(path, "w");
        assert_non_null(file);
        fputs(topology, file);
        fclose(file);
    }
    const char *arguments[] = {"--port", "7", "--cluster-enabled", "yes", "--cluster-topology-file", path,
                               myself ? "--cluster-myself" : NULL, myself, NULL};
    char *output = NULL;
    assert_int_equal(test_server_run_to_exit(arguments, 5000, &output), 1);
    if (!strstr(output, message)) fprintf(stderr, "output: %s\n", output);
    assert_non_null(strstr(output, message));
    free(output);
    unlink(path);
}

static void test_bad_topologies(void **state) {
    (void)state;
    expect_start_failure(NULL, NULL, "can't open the cluster topology file /tmp/zkv-cluster-bad-");
    expect_start_failure("127.0.0.1:7 0-100\n127.0.0.1:8 100\n", NULL, "cluster topology, line 2: slot assigned twice");
    expect_start_failure("127.0.0.1:8 0-16383\n", NULL,
                         "port 7: no node of the cluster topology uses this port: set cluster-myself");
    expect_start_failure("127.0.0.1:8 0-16383\n", "127.0.0.1:9",
                         "cluster-myself 127.0.0.1:9: not a node of the cluster topology");
}

/* A cluster with an unserved slot is down for commands with keys: a key in
 * the unserved slots gets Redis's "Hash slot not served", one in a served
 * slot "The cluster is down" (k126 is in slot 58, foo in 12182). */
static void test_partial_coverage_is_down(void **state) {
    (void)state;
    test_server node;
    node.port = test_free_port();
    char path[64];
    snprintf(path, sizeof(path), "/tmp/zkv-cluster-partial-%d.topology", (int)getpid());
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fprintf(file, "127.0.0.1:%d 0-100\n", node.port);
    fclose(file);
    const char *arguments[] = {"--cluster-enabled", "yes", "--cluster-topology-file", path, NULL};
    assert_int_equal(test_server_start_full(&node, NULL, node.port, arguments), 0);
    int fd = test_connect(node.port);
    EXPECT(fd, "-CLUSTERDOWN Hash slot not served\r\n", "GET", "foo");
    EXPECT(fd, "-CLUSTERDOWN The cluster is down\r\n", "GET", "k126");
    EXPECT(fd, "+PONG\r\n", "PING");
    assert_non_null(strstr(bulk_reply(fd, resp("CLUSTER", "INFO", NULL)),
                           "cluster_state:fail\r\ncluster_slots_assigned:101\r\n"));
    close(fd);
    assert_int_equal(test_server_stop(&node), 0);
    unlink(path);
}

int main(void) {
    const struct CMUnitTest three_nodes[] = {
        cmocka_unit_test(test_myid_is_40_hex_and_distinct),
        cmocka_unit_test(test_slots_same_on_every_node),
        cmocka_unit_test(test_shards),
        cmocka_unit_test(test_nodes_marks_myself),
        cmocka_unit_test(test_info),
        cmocka_unit_test(test_resp3_types),
        cmocka_unit_test(test_keyslot),
        cmocka_unit_test(test_slot_argument_errors),
        cmocka_unit_test(test_keys_in_slot),
        cmocka_unit_test(test_moved_and_crossslot),
        cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_connection_commands),
        cmocka_unit_test(test_other_databases_refused),
        cmocka_unit_test(test_help),
    };
    const struct CMUnitTest others[] = {
        cmocka_unit_test(test_single_node_cluster),
        cmocka_unit_test(test_standalone_refuses_cluster),
        cmocka_unit_test(test_bad_topologies),
        cmocka_unit_test(test_partial_coverage_is_down),
    };
    int failures = cmocka_run_group_tests_name("three nodes", three_nodes, start_nodes, stop_nodes);
    return failures + cmocka_run_group_tests_name("other set-ups", others, NULL, NULL);
}
