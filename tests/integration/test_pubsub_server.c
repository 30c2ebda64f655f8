/* Integration tests of pub/sub, tracking and CLIENT PAUSE against a running
 * zkv-server: a hiredis asynchronous subscriber on libevent (the classic
 * application shape), RESP3 push frames checked byte for byte, a slow
 * subscriber dropped by the pubsub output limit while the publisher goes
 * on, tracking invalidations to a RESP2 redirect subscriber, and a paused
 * write resumed by CLIENT UNPAUSE.  Expected bytes are Redis 7.0.15's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>

#include "test_hiredis.h"
#include "test_server.h"

enum { MESSAGES = 200 };

typedef struct subscriber_state {
    struct event_base *base;
    redisAsyncContext *publisher;
    int confirmed;
    int received;
    int in_order;
} subscriber_state;

static void on_publish(redisAsyncContext *context, void *reply, void *data) {
    (void)context;
    (void)reply;
    (void)data;
}

/* Subscription confirmations, then messages "0".."MESSAGES-1" in order. */
static void on_message(redisAsyncContext *context, void *reply_pointer, void *data) {
    (void)data;
    subscriber_state *state = context->data;
    redisReply *reply = reply_pointer;
    if (!reply) return; /* hiredis calls back with NULL as it disconnects */
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
        state->in_order = 0;
        return;
    }
    if (!strcmp(reply->element[0]->str, "subscribe")) {
        state->confirmed = 1;
        for (int i = 0; i < MESSAGES; i++)
            redisAsyncCommand(state->publisher, on_publish, NULL, "PUBLISH news %d", i);
        return;
    }
    if (strcmp(reply->element[0]->str, "message") || strcmp(reply->element[1]->str, "news") ||
        atoi(reply->element[2]->str) != state->received)
        state->in_order = 0;
    if (++state->received == MESSAGES) {
        redisAsyncDisconnect(context);
        redisAsyncDisconnect(state->publisher);
    }
}

static void on_timeout(evutil_socket_t fd, short events, void *argument) {
    (void)fd;
    (void)events;
    event_base_loopbreak(argument);
}

static void test_async_subscriber(void **unused) {
    (void)unused;
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    subscriber_state state = {.base = event_base_new(), .in_order = 1};
    redisAsyncContext *subscriber = redisAsyncConnect("127.0.0.1", server.port);
    state.publisher = redisAsyncConnect("127.0.0.1", server.port);
    assert_int_equal(subscriber->err, 0);
    assert_int_equal(state.publisher->err, 0);
    subscriber->data = state.publisher->data = &state;
    redisLibeventAttach(subscriber, state.base);
    redisLibeventAttach(state.publisher, state.base);
    redisAsyncCommand(subscriber, on_message, NULL, "SUBSCRIBE news");
    struct event *timer = evtimer_new(state.base, on_timeout, state.base);
    struct timeval limit = {10, 0};
    evtimer_add(timer, &limit);
    event_base_dispatch(state.base);
    event_free(timer);
    event_base_free(state.base);
    assert_true(state.confirmed);
    assert_int_equal(state.received, MESSAGES);
    assert_true(state.in_order);
    assert_int_equal(test_server_stop(&server), 0);
}

/* ---- raw-socket tests share one server ---- */

static test_server shared;

static int start_shared(void **unused) {
    (void)unused;
    return test_server_start(&shared, NULL);
}

static int stop_shared(void **unused) {
    (void)unused;
    return test_server_stop(&shared) == 0 ? 0 : -1;
}

static int raw(void) {
    int fd = test_connect(shared.port);
    assert_true(fd >= 0);
    return fd;
}

static void test_resp3_push_frames(void **unused) {
    (void)unused;
    int subscriber = raw(), publisher = raw();
    char hello[1024];
    assert_int_equal(test_send_string(subscriber, "HELLO 3\r\n"), 0);
    test_read_available(subscriber, hello, sizeof(hello), 200);
    assert_int_equal(test_roundtrip(subscriber, "SUBSCRIBE ch\r\n", ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"), 0);
    assert_int_equal(test_roundtrip(publisher, "PUBLISH ch hi\r\n", ":1\r\n"), 0);
    char frame[128];
    const char *expected = ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n";
    size_t length = test_read_exact(subscriber, frame, strlen(expected), TEST_IO_TIMEOUT_MS);
    frame[length] = '\0';
    assert_string_equal(frame, expected);
    /* RESP3 subscribers may run anything; PING answers normally. */
    assert_int_equal(test_roundtrip(subscriber, "PING\r\n", "+PONG\r\n"), 0);
    assert_int_equal(test_roundtrip(subscriber, "UNSUBSCRIBE\r\n", ">3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n"),
                     0);
    assert_int_equal(test_roundtrip(subscriber, "UNSUBSCRIBE\r\n", ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"), 0);
    close(subscriber);
    close(publisher);
}

/* A subscriber that never reads is closed by the pubsub output limit; the
 * publisher keeps getting answers and a reading subscriber keeps up. */
static void test_slow_subscriber_is_dropped(void **unused) {
    (void)unused;
    int control = raw(), slow = raw();
    assert_int_equal(test_roundtrip(control, "CONFIG SET client-output-buffer-limit \"pubsub 1mb 0 0\"\r\n", "+OK\r\n"),
                     0);
    assert_int_equal(test_roundtrip(slow, "SUBSCRIBE flood\r\n", "*3\r\n$9\r\nsubscribe\r\n$5\r\nflood\r\n:1\r\n"), 0);
    char *payload = malloc(64 * 1024 + 2);
    memset(payload, 'x', 64 * 1024);
    memcpy(payload + 64 * 1024, "\r\n", 2);
    char command[128];
    snprintf(command, sizeof(command), "*3\r\n$7\r\nPUBLISH\r\n$5\r\nflood\r\n$%d\r\n", 64 * 1024);
    int dropped = 0;
    for (int i = 0; i < 200 && !dropped; i++) {
        assert_int_equal(test_send_string(control, command), 0);
        assert_int_equal(test_send(control, payload, 64 * 1024 + 2), 0);
        char reply[8];
        size_t got = test_read_exact(control, reply, 4, TEST_IO_TIMEOUT_MS);
        assert_int_equal(got, 4);
        if (!memcmp(reply, ":0\r\n", 4)) dropped = 1;
    }
    free(payload);
    assert_true(dropped);
    assert_true(test_wait_closed(slow, 2000));
    assert_int_equal(test_roundtrip(control, "CONFIG SET client-output-buffer-limit \"pubsub 32mb 8mb 60\"\r\n",
                                    "+OK\r\n"),
                     0);
    close(slow);
    close(control);
}

/* Output counts as interaction, as in Redis: a subscriber that only
 * receives shows idle=0 in CLIENT LIST (Redis 7.0.15 too), and the cron
 * therefore keeps the output buffer its next message needs instead of
 * freeing it every tick. */
static void test_receiving_subscriber_is_not_idle(void **unused) {
    (void)unused;
    int subscriber = raw(), publisher = raw();
    assert_int_equal(test_roundtrip(subscriber, "CLIENT SETNAME receiver\r\n", "+OK\r\n"), 0);
    assert_int_equal(test_roundtrip(subscriber, "SUBSCRIBE tick\r\n", "*3\r\n$9\r\nsubscribe\r\n$4\r\ntick\r\n:1\r\n"),
                     0);
    const char *message = "*3\r\n$7\r\nmessage\r\n$4\r\ntick\r\n$1\r\nx\r\n";
    for (int i = 0; i < 30; i++) { /* 3 s: past the 2 s after which an idle client's buffers go */
        assert_int_equal(test_roundtrip(publisher, "PUBLISH tick x\r\n", ":1\r\n"), 0);
        char frame[64];
        size_t length = test_read_exact(subscriber, frame, strlen(message), TEST_IO_TIMEOUT_MS);
        assert_int_equal(length, strlen(message));
        usleep(100 * 1000);
    }
    assert_int_equal(test_send_string(publisher, "CLIENT LIST\r\n"), 0);
    char list[4096];
    size_t length = test_read_available(publisher, list, sizeof(list) - 1, 200);
    list[length] = '\0';
    char *line = strstr(list, "name=receiver ");
    assert_non_null(line);
    char *end = strchr(line, '\n');
    if (end) *end = '\0';
    assert_non_null(strstr(line, " idle=0 "));
    close(subscriber);
    close(publisher);
}

static void test_tracking_redirect_resp2(void **unused) {
    (void)unused;
    redisContext *listener = test_redis_connect(shared.port), *reader = test_redis_connect(shared.port);
    redisContext *writer = test_redis_connect(shared.port);
    redisReply *id = redisCommand(listener, "CLIENT ID");
    long long listener_id = id->integer;
    freeReplyObject(id);
    freeReplyObject(redisCommand(listener, "SUBSCRIBE __redis__:invalidate"));
    redisReply *reply = redisCommand(reader, "CLIENT TRACKING on REDIRECT %lld", listener_id);
    expect_status(reply, "OK");
    reply = redisCommand(reader, "CLIENT GETREDIR");
    expect_integer(reply, listener_id);
    freeReplyObject(redisCommand(writer, "SET tk 1"));
    freeReplyObject(redisCommand(reader, "GET tk"));
    reply = redisCommand(writer, "INFO stats");
    assert_non_null(strstr(reply->str, "tracking_total_keys:1\r\n"));
    freeReplyObject(reply);
    freeReplyObject(redisCommand(writer, "INCR tk"));
    reply = next_reply(listener);
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 3);
    assert_string_equal(reply->element[0]->str, "message");
    assert_string_equal(reply->element[1]->str, "__redis__:invalidate");
    assert_int_equal(reply->element[2]->type, REDIS_REPLY_ARRAY);
    assert_string_equal(reply->element[2]->element[0]->str, "tk");
    freeReplyObject(reply);
    redisFree(listener);
    redisFree(reader);
    redisFree(writer);
}

static void test_pause_holds_writes(void **unused) {
    (void)unused;
    int control = raw(), writer = raw();
    assert_int_equal(test_roundtrip(control, "CLIENT PAUSE 5000 WRITE\r\n", "+OK\r\n"), 0);
    assert_int_equal(test_roundtrip(writer, "GET paused\r\n", "$-1\r\n"), 0); /* reads go on */
    assert_int_equal(test_send_string(writer, "SET paused 1\r\n"), 0);
    char reply[64];
    assert_int_equal(test_read_available(writer, reply, sizeof(reply), 300), 0); /* held */
    char info[4096];
    assert_int_equal(test_send_string(control, "INFO clients\r\n"), 0);
    size_t length = test_read_available(control, info, sizeof(info) - 1, 200);
    info[length] = '\0';
    assert_non_null(strstr(info, "blocked_clients:1\r\n"));
    assert_int_equal(test_roundtrip(control, "CLIENT UNPAUSE\r\n", "+OK\r\n"), 0);
    length = test_read_exact(writer, reply, 5, TEST_IO_TIMEOUT_MS);
    assert_int_equal(length, 5);
    assert_memory_equal(reply, "+OK\r\n", 5);
    close(control);
    close(writer);
}

/* A script that declares no-writes (EVAL with a shebang, a no-writes
 * function, one queued in MULTI) passes CLIENT PAUSE WRITE as in Redis 7.0;
 * a script without flags may write and is held. */
static void test_pause_judges_scripts_by_flags(void **unused) {
    (void)unused;
    int control = raw(), client = raw();
    const char *ro_eval = "*3\r\n$4\r\nEVAL\r\n$33\r\n#!lua flags=no-writes\nreturn 'ro'\r\n$1\r\n0\r\n";
    assert_int_equal(test_roundtrip(control,
                                    "FUNCTION LOAD \"#!lua name=pauselib\\nredis.register_function{function_name='pf', "
                                    "callback=function() return 7 end, flags={'no-writes'}}\"\r\n",
                                    "$8\r\npauselib\r\n"),
                     0);
    assert_int_equal(test_roundtrip(control, "CLIENT PAUSE 5000 WRITE\r\n", "+OK\r\n"), 0);
    assert_int_equal(test_roundtrip(client, ro_eval, "$2\r\nro\r\n"), 0);
    assert_int_equal(test_roundtrip(client, "FCALL pf 0\r\n", ":7\r\n"), 0);
    assert_int_equal(test_roundtrip(client, "MULTI\r\n", "+OK\r\n"), 0);
    assert_int_equal(test_roundtrip(client, ro_eval, "+QUEUED\r\n"), 0);
    assert_int_equal(test_roundtrip(client, "EXEC\r\n", "*1\r\n$2\r\nro\r\n"), 0);
    assert_int_equal(test_send_string(client, "EVAL \"return 1\" 0\r\n"), 0);
    char reply[64];
    assert_int_equal(test_read_available(client, reply, sizeof(reply), 300), 0); /* held: may write */
    assert_int_equal(test_roundtrip(control, "CLIENT UNPAUSE\r\n", "+OK\r\n"), 0);
    assert_int_equal(test_read_exact(client, reply, 4, TEST_IO_TIMEOUT_MS), 4);
    assert_memory_equal(reply, ":1\r\n", 4);
    assert_int_equal(test_roundtrip(control, "FUNCTION DELETE pauselib\r\n", "+OK\r\n"), 0);
    close(control);
    close(client);
}

int main(void) {
    const struct CMUnitTest alone[] = {cmocka_unit_test(test_async_subscriber)};
    const struct CMUnitTest together[] = {
        cmocka_unit_test(test_resp3_push_frames),
        cmocka_unit_test(test_slow_subscriber_is_dropped),
        cmocka_unit_test(test_receiving_subscriber_is_not_idle),
        cmocka_unit_test(test_tracking_redirect_resp2),
        cmocka_unit_test(test_pause_holds_writes),
        cmocka_unit_test(test_pause_judges_scripts_by_flags),
    };
    int failures = cmocka_run_group_tests(alone, NULL, NULL);
    return failures + cmocka_run_group_tests(together, start_shared, stop_shared);
}
