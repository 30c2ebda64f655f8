/* Unit tests for the blocking registry (command/blocking) on its own: a test
 * wait type stands in for the list and sorted-set ones, so what is checked
 * is the registry's contract — who is served, in which order, how often,
 * when timeouts fire, and that unblocking or freeing a blocked client leaves
 * nothing behind.  Each client talks over a socketpair, so replies travel
 * the real write path and are read from the other end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "blocking.h"
#include "client.h"
#include "config.h"
#include "module.h"
#include "networking.h"
#include "notify.h"
#include "reply.h"
#include "server.h"
#include "zmalloc.h"

extern const zkv_module core_module, keyspace_module, net_module, command_module;
static const zkv_module *const modules[] = {&core_module, &keyspace_module, &net_module, &command_module, NULL};

static int setup(void **state) {
    (void)state;
    module_register_all(modules);
    config_set_defaults();
    server_update_cached_time();
    server.base = event_base_new(); /* the timeout timer's; the loop never runs */
    const char *failed = NULL, *error = NULL;
    return module_init_all(&failed, &error);
}

/* ---------------------------------------------------------------- the test type */

/* Items available per key ("a".."z": one letter keys), what was served in
 * which order, and how many requests were released. */
static int available[26];
static char served_log[4096];
static int released_requests;

typedef struct test_request {
    int tag;   /* written to the log when served */
    bool skip; /* a waiter of another kind: lets the key pass */
} test_request;

static enum blocking_result test_serve(client *c, db *d, const resp_argument *key, void *request) {
    (void)d;
    test_request *r = request;
    if (r->skip) return BLOCKING_SKIP;
    int slot = key->data[0] - 'a';
    if (available[slot] == 0) return BLOCKING_EMPTY;
    available[slot]--;
    char entry[16];
    snprintf(entry, sizeof entry, "%d%c ", r->tag, key->data[0]);
    strcat(served_log, entry);
    reply_bulk(c, key->data, key->length);
    return BLOCKING_SERVED;
}

static void test_free_request(void *request) {
    released_requests++;
    zmalloc_free(request);
}

static const blocking_type test_type = {.serve = test_serve, .free_request = test_free_request};

/* ---------------------------------------------------------------- helpers */

typedef struct peer {
    client *c;
    int fd; /* the test's end of the socketpair */
} peer;

static peer connect_peer(void) {
    int fds[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    peer p = {.c = client_create(fds[0], 1), .fd = fds[1]};
    assert_non_null(p.c);
    return p;
}

static void close_peer(peer *p) {
    if (p->c) client_free(p->c);
    if (p->fd >= 0) close(p->fd);
    p->c = NULL;
    p->fd = -1;
}

/* Blocks the peer on the space-separated one-letter keys. */
static void block_on(peer *p, const char *keys, long long timeout_ms, int tag, bool skip) {
    resp_argument argv[8];
    int count = 0;
    for (const char *k = keys; *k; k++)
        if (*k != ' ') argv[count++] = (resp_argument){k, 1};
    test_request *r = zmalloc_alloc(sizeof *r);
    *r = (test_request){.tag = tag, .skip = skip};
    blocking_block(p->c, &test_type, argv, count, timeout_ms, r);
}

/* Flushes pending replies (as before-sleep does) and returns what the peer
 * received so far, "" when nothing. */
static const char *received(peer *p) {
    static char text[4096];
    networking_flush_pending();
    ssize_t length = recv(p->fd, text, sizeof text - 1, MSG_DONTWAIT);
    text[length > 0 ? length : 0] = '\0';
    return text;
}

static void make_ready(const char *key) {
    notify_key_modified(0, key, strlen(key));
}

static void reset_log(void) {
    served_log[0] = '\0';
}

/* ---------------------------------------------------------------- tests */

/* Waiters on one key are served first come, first served; one item serves
 * one waiter; a key with nothing left stops the round. */
static void test_fifo_per_key(void **state) {
    (void)state;
    peer p[4];
    for (int i = 0; i < 4; i++) p[i] = connect_peer();
    for (int i = 0; i < 4; i++) block_on(&p[i], "q", 0, i, false);
    assert_int_equal(blocking_client_count(), 4);
    assert_int_equal(blocking_timeout_count(), 0);
    assert_true(blocking_is_blocked(p[0].c) && (p[0].c->flags & CLIENT_BLOCKED));
    reset_log();
    available['q' - 'a'] = 2;
    make_ready("q");
    assert_true(blocking_keys_ready());
    blocking_serve_ready_keys();
    assert_false(blocking_keys_ready());
    assert_string_equal(served_log, "0q 1q ");
    assert_string_equal(received(&p[0]), "$1\r\nq\r\n");
    assert_string_equal(received(&p[2]), "");
    assert_false(blocking_is_blocked(p[0].c));
    assert_true(blocking_is_blocked(p[2].c));
    /* A change that adds nothing serves nobody and keeps the order. */
    make_ready("q");
    blocking_serve_ready_keys();
    assert_string_equal(served_log, "0q 1q ");
    available['q' - 'a'] = 5;
    make_ready("q");
    blocking_serve_ready_keys();
    assert_string_equal(served_log, "0q 1q 2q 3q ");
    assert_int_equal(available['q' - 'a'], 3);
    assert_int_equal(blocking_client_count(), 0);
    available['q' - 'a'] = 0;
    for (int i = 0; i < 4; i++) close_peer(&p[i]);
}

/* A client blocked on several keys is served once, by the first of its keys
 * to be served; the keys it gave twice count once; a waiter that skips a
 * key (another kind of wait) lets it go to the next one. */
static void test_several_keys_and_skip(void **state) {
    (void)state;
    peer p[4];
    for (int i = 0; i < 4; i++) p[i] = connect_peer();
    block_on(&p[0], "a b a", 0, 0, false);
    block_on(&p[1], "b", 0, 1, false);
    block_on(&p[2], "b", 0, 2, true);
    block_on(&p[3], "b", 0, 3, false);
    reset_log();
    available['a' - 'a'] = 1;
    available['b' - 'a'] = 3;
    make_ready("b");
    make_ready("a");
    blocking_serve_ready_keys();
    /* b is offered first: client 0 takes one, then 1; 2 skips; 3 takes the
     * last.  a is offered next: its only waiter is gone. */
    assert_string_equal(served_log, "0b 1b 3b ");
    assert_int_equal(available['a' - 'a'], 1);
    assert_true(blocking_is_blocked(p[2].c));
    assert_false(blocking_is_blocked(p[0].c));
    assert_string_equal(received(&p[0]), "$1\r\nb\r\n");
    assert_int_equal(blocking_client_count(), 1);
    available['a' - 'a'] = 0;
    for (int i = 0; i < 4; i++) close_peer(&p[i]);
    assert_int_equal(blocking_client_count(), 0);
}

/* CLIENT UNBLOCK's two answers; an unblocked client is no longer offered
 * keys and its request is released once. */
static void test_unblock(void **state) {
    (void)state;
    peer p[2] = {connect_peer(), connect_peer()};
    int released = released_requests;
    block_on(&p[0], "u", 1000000, 0, false);
    block_on(&p[1], "u v", 0, 1, false);
    assert_int_equal(blocking_timeout_count(), 1);
    assert_true(blocking_unblock(p[0].c, BLOCKING_UNBLOCK_TIMEOUT));
    assert_true(blocking_unblock(p[1].c, BLOCKING_UNBLOCK_ERROR));
    assert_false(blocking_unblock(p[1].c, BLOCKING_UNBLOCK_ERROR));
    assert_int_equal(released_requests, released + 2);
    assert_int_equal(blocking_timeout_count(), 0);
    assert_string_equal(received(&p[0]), "*-1\r\n");
    assert_string_equal(received(&p[1]), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    reset_log();
    available['u' - 'a'] = 1;
    make_ready("u");
    blocking_serve_ready_keys();
    assert_string_equal(served_log, "");
    available['u' - 'a'] = 0;
    close_peer(&p[0]);
    close_peer(&p[1]);
}

/* Freeing blocked clients (a disconnect) in any order releases their
 * waiters, heap entries and requests: memory returns to the baseline and
 * the others are still served in order. */
static void test_free_while_blocked(void **state) {
    (void)state;
    enum { PEERS = 40 };
    peer p[PEERS];
    /* A first round sizes the registry's arrays; the baseline follows. */
    for (int round = 0; round < 2; round++) {
        size_t baseline = zmalloc_used_memory();
        int released = released_requests;
        for (int i = 0; i < PEERS; i++) p[i] = connect_peer();
        for (int i = 0; i < PEERS; i++) block_on(&p[i], i % 2 ? "f g" : "g h f", i % 3 ? 100000 : 0, i, false);
        assert_int_equal(blocking_client_count(), PEERS);
        /* Every third client, from the middle outwards, disconnects. */
        for (int i = PEERS / 2; i < PEERS; i += 3) close_peer(&p[i]);
        for (int i = PEERS / 2 - 3; i >= 0; i -= 3) close_peer(&p[i]);
        int left = 0;
        for (int i = 0; i < PEERS; i++) left += p[i].c != NULL;
        assert_int_equal(blocking_client_count(), left);
        reset_log();
        available['g' - 'a'] = 2;
        make_ready("g");
        blocking_serve_ready_keys();
        char expected[64] = "";
        int served = 0;
        for (int i = 0; i < PEERS && served < 2; i++) {
            if (!p[i].c) continue;
            char entry[16];
            snprintf(entry, sizeof entry, "%dg ", i);
            strcat(expected, entry);
            served++;
        }
        assert_string_equal(served_log, expected);
        for (int i = 0; i < PEERS; i++)
            if (p[i].c && blocking_is_blocked(p[i].c)) {
                client_free(p[i].c);
                p[i].c = NULL;
            }
        assert_int_equal(blocking_client_count(), 0);
        assert_int_equal(blocking_timeout_count(), 0);
        assert_int_equal(released_requests, released + PEERS);
        for (int i = 0; i < PEERS; i++) close_peer(&p[i]);
        blocking_before_sleep(); /* drops the served clients' resume entries */
        if (round == 1) assert_int_equal(zmalloc_used_memory(), baseline);
    }
}

static long long now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Many clients with shuffled timeouts, some unblocked early: each before-
 * sleep answers exactly the clients whose deadline has passed (the heap
 * keeps its order through removals), each with one null array. */
static void test_timeouts_in_deadline_order(void **state) {
    (void)state;
    enum { PEERS = 400 };
    static peer p[PEERS];
    /* The registry reads its clock inside blocking_block: its deadline lies
     * between the two taken around the call (a preempted test thread may
     * leave milliseconds between them). */
    static long long deadline[PEERS], deadline_late[PEERS];
    static bool done[PEERS];
    srand(11);
    for (int i = 0; i < PEERS; i++) p[i] = connect_peer();
    for (int i = 0; i < PEERS; i++) {
        long long timeout_ms = 1 + rand() % 300;
        char keys[4] = {(char)('a' + i % 26), ' ', (char)('a' + (i * 7) % 26), '\0'};
        deadline[i] = now_us() + timeout_ms * 1000;
        block_on(&p[i], keys, timeout_ms, i, false);
        deadline_late[i] = now_us() + timeout_ms * 1000;
        done[i] = false;
    }
    assert_int_equal(blocking_timeout_count(), PEERS);
    /* Every fifth leaves early through CLIENT UNBLOCK. */
    for (int i = 0; i < PEERS; i += 5) {
        assert_true(blocking_unblock(p[i].c, BLOCKING_UNBLOCK_ERROR));
        assert_string_equal(received(&p[i]), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
        done[i] = true;
    }
    int remaining = PEERS - PEERS / 5;
    assert_int_equal(blocking_timeout_count(), remaining);
    long long give_up = now_us() + 30 * 1000000LL;
    while (remaining > 0) {
        assert_true(now_us() < give_up);
        usleep(2000);
        long long before = now_us();
        blocking_before_sleep();
        long long after = now_us();
        for (int i = 0; i < PEERS; i++) {
            if (done[i]) continue;
            if (!blocking_is_blocked(p[i].c)) {
                /* The registry rounds deadlines to its clock: a client
                 * answered must be due by the end of the call. */
                assert_true(deadline[i] <= after + 1000);
                assert_string_equal(received(&p[i]), "*-1\r\n");
                done[i] = true;
                remaining--;
            } else {
                assert_true(deadline_late[i] > before - 1000);
            }
        }
        assert_int_equal(blocking_timeout_count(), remaining);
    }
    assert_int_equal(blocking_client_count(), 0);
    for (int i = 0; i < PEERS; i++) close_peer(&p[i]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_per_key),
        cmocka_unit_test(test_several_keys_and_skip),
        cmocka_unit_test(test_unblock),
        cmocka_unit_test(test_free_while_blocked),
        cmocka_unit_test(test_timeouts_in_deadline_order),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
