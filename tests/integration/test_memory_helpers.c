/* Helpers shared by the memory tests (see test_memory.h). */
#include "test_memory.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEMORY_BATCH 1000

const char *memory_info_text(const char *info, const char *name) {
    size_t length = strlen(name);
    for (const char *line = info; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, name, length) == 0 && line[length] == ':') return line + length + 1;
    return NULL;
}

long long memory_info_integer(const char *info, const char *name) {
    const char *text = memory_info_text(info, name);
    if (!text) print_error("INFO field %s missing\n", name);
    assert_non_null(text);
    return atoll(text);
}

double memory_info_double(const char *info, const char *name) {
    const char *text = memory_info_text(info, name);
    if (!text) print_error("INFO field %s missing\n", name);
    assert_non_null(text);
    return atof(text);
}

char *memory_info(redisContext *redis, const char *section) {
    redisReply *reply = redisCommand(redis, "INFO %s", section);
    expect_reply_type(reply, REDIS_REPLY_STRING);
    char *copy = strdup(reply->str);
    freeReplyObject(reply);
    return copy;
}

long long memory_field(redisContext *redis, const char *section, const char *name) {
    char *info = memory_info(redis, section);
    long long value = memory_info_integer(info, name);
    free(info);
    return value;
}

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
        if (memory_field(redis, "memory", "lazyfree_pending_objects") == 0) return;
        memory_sleep_ms(10);
    }
    fail_msg("the lazy-free thread is still busy after 10 s");
}
