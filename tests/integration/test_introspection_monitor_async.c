/* MONITOR through hiredis's asynchronous API on libevent, the way an
 * event-driven tool follows the command stream: one callback receives +OK
 * and then every line. */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>

#include "test_hiredis.h"
#include "test_server.h"

typedef struct monitor_state {
    struct event_base *base;
    int port;
    int ok_seen;
    int lines;
    int saw_echo, saw_ping;
    int malformed;
} monitor_state;

/* Runs traffic on a second, synchronous connection once MONITOR is on. */
static void send_traffic(int port) {
    redisContext *other = test_redis_connect(port);
    expect_bulk(redisCommand(other, "ECHO %s", "async-1"), "async-1");
    expect_status(redisCommand(other, "PING"), "PONG");
    redisFree(other);
}

static void on_monitor(redisAsyncContext *context, void *reply_pointer, void *private_data) {
    (void)private_data;
    monitor_state *state = context->data;
    redisReply *reply = reply_pointer;
    if (!reply) return;
    if (reply->type != REDIS_REPLY_STATUS) {
        state->malformed++;
    } else if (!state->ok_seen) {
        state->ok_seen = strcmp(reply->str, "OK") == 0;
        if (state->ok_seen) send_traffic(state->port);
    } else {
        state->lines++;
        state->saw_echo |= strstr(reply->str, "] \"ECHO\" \"async-1\"") != NULL;
        state->saw_ping |= strstr(reply->str, "] \"PING\"") != NULL;
    }
    if (state->saw_echo && state->saw_ping) redisAsyncDisconnect(context);
}

static void on_disconnect(const redisAsyncContext *context, int status) {
    (void)status;
    monitor_state *state = context->data;
    event_base_loopbreak(state->base);
}

static void on_timeout(evutil_socket_t fd, short events, void *argument) {
    (void)fd;
    (void)events;
    event_base_loopbreak(argument);
}

static void test_monitor_async(void **unused) {
    (void)unused;
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    monitor_state state = {.base = event_base_new(), .port = server.port};
    redisAsyncContext *context = redisAsyncConnect("127.0.0.1", server.port);
    assert_non_null(context);
    assert_int_equal(context->err, 0);
    context->data = &state;
    redisLibeventAttach(context, state.base);
    redisAsyncSetDisconnectCallback(context, on_disconnect);
    assert_int_equal(redisAsyncCommand(context, on_monitor, NULL, "MONITOR"), REDIS_OK);
    struct timeval limit = {TEST_IO_TIMEOUT_MS / 1000, 0};
    struct event *timer = evtimer_new(state.base, on_timeout, state.base);
    evtimer_add(timer, &limit);
    event_base_dispatch(state.base);
    event_free(timer);
    event_base_free(state.base);
    assert_true(state.ok_seen);
    assert_int_equal(state.malformed, 0);
    assert_true(state.saw_echo);
    assert_true(state.saw_ping);
    assert_int_equal(state.lines, 2);
    assert_int_equal(test_server_stop(&server), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_monitor_async)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
