/* Unit tests for the pub/sub registry (server/pubsub/pubsub.c) and the
 * commands on top of it, driven on socketless clients whose reply bytes are
 * read back: subscription counting, pattern matching, delivery in both
 * protocols, the RESP2 subscribed-mode refusal, teardown, and used_memory
 * returning to its baseline. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include <cmocka.h>

#include "client.h"
#include "command.h"
#include "config.h"
#include "module.h"
#include "notify.h"
#include "pubsub.h"
#include "zmalloc.h"

extern const zkv_module core_module, keyspace_module, net_module, command_module, admin_module, string_module,
    generic_module, pubsub_module;
static const zkv_module *const modules[] = {&core_module,  &keyspace_module, &net_module,
                                            &command_module, &admin_module, &string_module,
                                            &generic_module, &pubsub_module, NULL};

static int setup(void **state) {
    (void)state;
    module_register_all(modules);
    config_set_defaults();
    server_update_cached_time();
    const char *failed = NULL, *error = NULL;
    return module_init_all(&failed, &error);
}

/* A socketless client outside the client list (CLIENT_FAKE), as scripts use. */
static client *fake_client(void) {
    return client_create_fake();
}

/* Runs one command line (words separated by single spaces). */
static void run(client *c, const char *line) {
    resp_argument argv[16];
    char copy[512];
    strcpy(copy, line);
    int argc = 0;
    for (char *word = strtok(copy, " "); word && argc < 16; word = strtok(NULL, " "))
        argv[argc++] = (resp_argument){word, strlen(word)};
    c->argc = argc;
    c->argv = argv;
    dispatch_process_command(c);
    c->argc = 0;
    c->argv = NULL;
}

/* Takes every pending reply byte as a string. */
static const char *replies(client *c) {
    static char text[8192];
    struct iovec vectors[16];
    size_t length = 0;
    int count = resp_output_iovec(c->reply, vectors, 16);
    for (int i = 0; i < count; i++) {
        memcpy(text + length, vectors[i].iov_base, vectors[i].iov_len);
        length += vectors[i].iov_len;
    }
    resp_output_consume(c->reply, length);
    text[length] = '\0';
    return text;
}

static void test_subscribe_publish_unsubscribe(void **state) {
    (void)state;
    client *subscriber = fake_client(), *publisher = fake_client();
    run(subscriber, "SUBSCRIBE a b a");
    assert_string_equal(replies(subscriber), "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
                                             "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
                                             "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n");
    assert_int_equal(subscriber->pubsub_channels, 2);
    assert_true(subscriber->flags & CLIENT_PUBSUB);
    assert_int_equal(pubsub_count(PUBSUB_CHANNELS), 2);
    run(publisher, "PUBLISH a hello");
    assert_string_equal(replies(publisher), ":1\r\n");
    assert_string_equal(replies(subscriber), "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n");
    run(publisher, "PUBLISH nobody hello");
    assert_string_equal(replies(publisher), ":0\r\n");
    run(subscriber, "UNSUBSCRIBE a");
    assert_string_equal(replies(subscriber), "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n");
    run(subscriber, "UNSUBSCRIBE");
    assert_string_equal(replies(subscriber), "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n");
    assert_false(subscriber->flags & CLIENT_PUBSUB);
    assert_int_equal(pubsub_count(PUBSUB_CHANNELS), 0);
    run(subscriber, "UNSUBSCRIBE");
    assert_string_equal(replies(subscriber), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
    client_free(subscriber);
    client_free(publisher);
}

static void test_patterns_and_resp3(void **state) {
    (void)state;
    client *subscriber = fake_client(), *publisher = fake_client();
    client_set_protocol(subscriber, 3);
    run(subscriber, "PSUBSCRIBE news.* [ab]x");
    assert_string_equal(replies(subscriber), ">3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:1\r\n"
                                             ">3\r\n$10\r\npsubscribe\r\n$5\r\n[ab]x\r\n:2\r\n");
    run(publisher, "PUBLISH news.it x");
    assert_string_equal(replies(publisher), ":1\r\n");
    assert_string_equal(replies(subscriber), ">4\r\n$8\r\npmessage\r\n$6\r\nnews.*\r\n$7\r\nnews.it\r\n$1\r\nx\r\n");
    run(publisher, "PUBLISH cx y");
    assert_string_equal(replies(publisher), ":0\r\n");
    run(publisher, "PUBSUB NUMPAT");
    assert_string_equal(replies(publisher), ":2\r\n");
    /* RESP3 subscribers keep every command. */
    run(subscriber, "ECHO still");
    assert_string_equal(replies(subscriber), "$5\r\nstill\r\n");
    client_free(subscriber); /* teardown removes the patterns */
    run(publisher, "PUBSUB NUMPAT");
    assert_string_equal(replies(publisher), ":0\r\n");
    client_free(publisher);
}

/* One frame per message for both protocols: small ones on the stack, large
 * ones (past the 512-byte inline frame) on the heap, the RESP3 copy made
 * for the RESP3 receiver only; lengths of 0, 1 and 2+ digits. */
static void test_frame_sizes_both_protocols(void **state) {
    (void)state;
    client *resp2 = fake_client(), *resp3 = fake_client();
    client_set_protocol(resp3, 3);
    run(resp2, "SUBSCRIBE ch");
    run(resp3, "PSUBSCRIBE c*");
    replies(resp2);
    replies(resp3);
    static char message[2000], expected[2100];
    memset(message, 'm', sizeof(message));
    const size_t lengths[] = {0, 9, 10, 480, 2000};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        size_t n = lengths[i];
        assert_int_equal(pubsub_publish(PUBSUB_CHANNELS, "ch", 2, message, n), 2);
        snprintf(expected, sizeof(expected), "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$%zu\r\n%.*s\r\n", n, (int)n,
                 message);
        assert_string_equal(replies(resp2), expected);
        snprintf(expected, sizeof(expected), ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$%zu\r\n%.*s\r\n", n,
                 (int)n, message);
        assert_string_equal(replies(resp3), expected);
    }
    client_free(resp2);
    client_free(resp3);
}

static void test_resp2_context_and_ping(void **state) {
    (void)state;
    client *c = fake_client();
    run(c, "SSUBSCRIBE s1");
    assert_string_equal(replies(c), "*3\r\n$10\r\nssubscribe\r\n$2\r\ns1\r\n:1\r\n");
    run(c, "GET k");
    assert_string_equal(replies(c), "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
                                    "QUIT / RESET are allowed in this context\r\n");
    run(c, "PING");
    assert_string_equal(replies(c), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    run(c, "UNSUBSCRIBE");
    assert_string_equal(replies(c), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"); /* shard channels not counted */
    run(c, "RESET");
    assert_string_equal(replies(c), "+RESET\r\n");
    assert_int_equal(c->pubsub_shard_channels, 0);
    assert_int_equal(pubsub_count(PUBSUB_SHARD_CHANNELS), 0);
    run(c, "PING");
    assert_string_equal(replies(c), "+PONG\r\n");
    client_free(c);
}

static void test_keyspace_events(void **state) {
    (void)state;
    client *listener = fake_client(), *writer = fake_client();
    run(writer, "CONFIG SET notify-keyspace-events KEA");
    assert_string_equal(replies(writer), "+OK\r\n");
    run(listener, "PSUBSCRIBE __key*@0__:*");
    replies(listener);
    run(writer, "SET k v");
    replies(writer);
    assert_string_equal(replies(listener),
                        "*4\r\n$8\r\npmessage\r\n$12\r\n__key*@0__:*\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n"
                        "*4\r\n$8\r\npmessage\r\n$12\r\n__key*@0__:*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n");
    run(writer, "CONFIG SET notify-keyspace-events K"); /* no class: nothing is published */
    replies(writer);
    assert_int_equal(notify_event_mask, NOTIFY_KEYSPACE);
    run(writer, "DEL k");
    replies(writer);
    assert_string_equal(replies(listener), "");
    client_free(listener);
    client_free(writer);
}

/* Subscriptions come and go without leaving memory behind. */
static void test_memory_returns_to_baseline(void **state) {
    (void)state;
    size_t before = zmalloc_used_memory();
    client *clients[20];
    char line[64];
    for (int i = 0; i < 20; i++) {
        clients[i] = fake_client();
        for (int j = 0; j < 50; j++) {
            snprintf(line, sizeof(line), "SUBSCRIBE channel:%d PSUBSCRIBE p:%d:*", j, j);
            run(clients[i], line);
        }
        replies(clients[i]);
    }
    /* SUBSCRIBE takes every word as a channel: channel:j, "PSUBSCRIBE", p:j:* */
    assert_int_equal(pubsub_count(PUBSUB_CHANNELS), 101);
    assert_int_equal(pubsub_count(PUBSUB_PATTERNS), 0);
    for (int i = 0; i < 20; i++) run(clients[i], "PSUBSCRIBE a* b*");
    assert_int_equal(pubsub_count(PUBSUB_PATTERNS), 2);
    for (int i = 0; i < 20; i++) client_free(clients[i]);
    assert_int_equal(pubsub_count(PUBSUB_CHANNELS), 0);
    assert_int_equal(pubsub_count(PUBSUB_PATTERNS), 0);
    assert_int_equal(zmalloc_used_memory(), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subscribe_publish_unsubscribe),
        cmocka_unit_test(test_frame_sizes_both_protocols),
        cmocka_unit_test(test_patterns_and_resp3),
        cmocka_unit_test(test_resp2_context_and_ping),
        cmocka_unit_test(test_keyspace_events),
        cmocka_unit_test(test_memory_returns_to_baseline),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
