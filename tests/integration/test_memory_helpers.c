/* Pipelined loads and waits shared by the memory tests (see test_memory.h). */
#include "test_memory.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEMORY_BATCH 1000

static void memory_drain(redisContext *redis, long count) {
    for (long i = 0; i < count; i++) {
        redisReply *reply = next_reply(redis);
        expect_reply_type(reply, REDIS_REPLY_STATUS);
        freeReplyObject(reply);
    }
}

void memory_load(redisContext *redis, const char *prefix, long first, long count, size_t value_length,
                 long ttl_seconds) {
    char *value = malloc(value_length + 1);
    memset(value, 'v', value_length);
    long pending = 0;
    for (long i = first; i < first + count; i++) {
        char key[128];
        int key_length = snprintf(key, sizeof key, "%s%ld", prefix, i);
        if (ttl_seconds > 0)
            redisAppendCommand(redis, "SET %b %b EX %ld", key, (size_t)key_length, value, value_length, ttl_seconds);
        else
            redisAppendCommand(redis, "SET %b %b", key, (size_t)key_length, value, value_length);
        if (++pending == MEMORY_BATCH) {
            memory_drain(redis, pending);
            pending = 0;
        }
    }
    memory_drain(redis, pending);
    free(value);
}

long memory_count_existing(redisContext *redis, const char *prefix, long first, long count) {
    for (long i = first; i < first + count; i++) redisAppendCommand(redis, "EXISTS %s%ld", prefix, i);
    long existing = 0;
    for (long i = 0; i < count; i++) {
        redisReply *reply = next_reply(redis);
        expect_reply_type(reply, REDIS_REPLY_INTEGER);
        existing += reply->integer;
        freeReplyObject(reply);
    }
    return existing;
}

void memory_sleep_ms(long milliseconds) {
    struct timespec pause = {milliseconds / 1000, (milliseconds % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

void memory_wait_lazyfree(redisContext *redis) {
    for (int waited = 0; waited < 1000; waited++) {
        if (test_info_require_field(redis, "memory", "lazyfree_pending_objects") == 0) return;
        memory_sleep_ms(10);
    }
    fail_msg("the lazy-free thread is still busy after 10 s");
}
