/* test_hiredis: cmocka assertions over hiredis replies, shared by the
 * integration tests (header-only: static inline helpers).
 *
 * Each helper consumes (frees) the reply it checks, so a test reads as a
 * list of `command -> expected reply` lines.
 */
#ifndef ZKV_TEST_HIREDIS_H
#define ZKV_TEST_HIREDIS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "test_server.h"

static inline redisContext *test_redis_connect(int port) {
    struct timeval timeout = {5, 0};
    redisContext *context = redisConnectWithTimeout("127.0.0.1", port, timeout);
    assert_non_null(context);
    assert_int_equal(context->err, 0);
    redisSetTimeout(context, timeout);
    return context;
}

/* The group fixture most integration test files share: one server for the
 * whole group (with optional extra arguments) and one connection to it.
 * Returns 0, or -1 (cmocka's group-setup failure) if the server did not start. */
static inline int test_group_start(test_server *server, redisContext **redis, const char *const *arguments) {
    if (test_server_start(server, arguments) != 0) return -1;
    *redis = test_redis_connect(server->port);
    return 0;
}

/* Fails (-1) unless the server exits cleanly: in ASan builds that also
 * means no sanitizer report. */
static inline int test_group_stop(test_server *server, redisContext *redis) {
    redisFree(redis);
    return test_server_stop(server) == 0 ? 0 : -1;
}

static inline void expect_reply_type(redisReply *reply, int type) {
    assert_non_null(reply);
    if (reply->type != type && reply->type == REDIS_REPLY_ERROR) print_error("unexpected error: %s\n", reply->str);
    assert_int_equal(reply->type, type);
}

static inline void expect_status(redisReply *reply, const char *text) {
    expect_reply_type(reply, REDIS_REPLY_STATUS);
    assert_string_equal(reply->str, text);
    freeReplyObject(reply);
}

static inline void expect_error(redisReply *reply, const char *text) {
    expect_reply_type(reply, REDIS_REPLY_ERROR);
    assert_string_equal(reply->str, text);
    freeReplyObject(reply);
}

static inline void expect_bulk(redisReply *reply, const char *text) {
    expect_reply_type(reply, REDIS_REPLY_STRING);
    assert_int_equal(reply->len, strlen(text));
    assert_memory_equal(reply->str, text, reply->len);
    freeReplyObject(reply);
}

static inline void expect_integer(redisReply *reply, long long value) {
    expect_reply_type(reply, REDIS_REPLY_INTEGER);
    assert_int_equal(reply->integer, value);
    freeReplyObject(reply);
}

static inline void expect_nil(redisReply *reply) {
    expect_reply_type(reply, REDIS_REPLY_NIL);
    freeReplyObject(reply);
}

/* CONFIG GET of one parameter answers exactly [name, value]. */
static inline void expect_config(redisContext *context, const char *name, const char *value) {
    redisReply *reply = redisCommand(context, "CONFIG GET %s", name);
    expect_reply_type(reply, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 2);
    assert_string_equal(reply->element[0]->str, name);
    assert_string_equal(reply->element[1]->str, value);
    freeReplyObject(reply);
}

/* Reads the next pipelined reply. */
static inline redisReply *next_reply(redisContext *context) {
    void *reply = NULL;
    assert_int_equal(redisGetReply(context, &reply), REDIS_OK);
    return reply;
}

#endif
