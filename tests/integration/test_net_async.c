/* Integration test with hiredis's asynchronous API on libevent, the way
 * event-driven applications talk to zkv: replies arrive in order through
 * callbacks, and a pipelined burst is answered completely. */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>

#include "test_hiredis.h"
#include "test_server.h"

enum { BURST = 500 };

typedef struct async_state {
    struct event_base *base;
    int replies;
    int in_order;
    int connected;
} async_state;

static void on_echo(redisAsyncContext *context, void *reply_pointer, void *private_data) {
    (void)context;
    async_state *state = context->data;
    redisReply *reply = reply_pointer;
    long expected = (long)(intptr_t)private_data;
    if (!reply || reply->type != REDIS_REPLY_STRING || atol(reply->str) != expected) state->in_order = 0;
    state->replies++;
}

static void on_last(redisAsyncContext *context, void *reply_pointer, void *private_data) {
    (void)private_data;
    async_state *state = context->data;
    redisReply *reply = reply_pointer;
    if (!reply || reply->type != REDIS_REPLY_STATUS || strcmp(reply->str, "PONG") != 0) state->in_order = 0;
    state->replies++;
    redisAsyncDisconnect(context);
}

static void on_connect(const redisAsyncContext *context, int status) {
    async_state *state = context->data;
    state->connected = status == REDIS_OK;
}

static void on_disconnect(const redisAsyncContext *context, int status) {
    (void)status;
    async_state *state = context->data;
    event_base_loopbreak(state->base);
}

static void on_timeout(evutil_socket_t fd, short events, void *argument) {
    (void)fd;
    (void)events;
    event_base_loopbreak(argument);
}

static void test_async_libevent(void **unused) {
    (void)unused;
    test_server server;
    assert_int_equal(test_server_start(&server, NULL), 0);
    async_state state = {.base = event_base_new(), .in_order = 1};
    redisAsyncContext *context = redisAsyncConnect("127.0.0.1", server.port);
    assert_non_null(context);
    assert_int_equal(context->err, 0);
    context->data = &state;
    redisLibeventAttach(context, state.base);
    redisAsyncSetConnectCallback(context, on_connect);
    redisAsyncSetDisconnectCallback(context, on_disconnect);
    for (long i = 0; i < BURST; i++) redisAsyncCommand(context, on_echo, (void *)(intptr_t)i, "ECHO %ld", i);
    redisAsyncCommand(context, on_last, NULL, "PING");
    struct event *timer = evtimer_new(state.base, on_timeout, state.base);
    struct timeval limit = {10, 0};
    evtimer_add(timer, &limit);
    event_base_dispatch(state.base);
    event_free(timer);
    event_base_free(state.base);
    assert_true(state.connected);
    assert_int_equal(state.replies, BURST + 1);
    assert_true(state.in_order);
    assert_int_equal(test_server_stop(&server), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_async_libevent)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
