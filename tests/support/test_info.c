/* test_info: INFO fields for the integration tests (see test_info.h). */
#include "test_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_hiredis.h"

#define TEST_INFO_MAX_SECTIONS 16

char *test_info_fetch(redisContext *redis, const char *sections) {
    /* Each section is its own argument, as redis-cli would send them. */
    char copy[256];
    const char *argv[TEST_INFO_MAX_SECTIONS + 1] = {"INFO"};
    int argc = 1;
    snprintf(copy, sizeof(copy), "%s", sections ? sections : "");
    for (char *word = strtok(copy, " "); word && argc <= TEST_INFO_MAX_SECTIONS; word = strtok(NULL, " "))
        argv[argc++] = word;
    redisReply *reply = redisCommandArgv(redis, argc, argv, NULL);
    expect_reply_type(reply, REDIS_REPLY_STRING);
    char *text = strdup(reply->str);
    freeReplyObject(reply);
    return text;
}

/* The start of `field`'s value in info and its length, or NULL. */
static const char *find_value(const char *info, const char *field, size_t *length) {
    size_t field_length = strlen(field);
    for (const char *line = info; line && *line;) {
        const char *end = strstr(line, "\r\n");
        if (!end) end = line + strlen(line);
        if ((size_t)(end - line) > field_length && strncmp(line, field, field_length) == 0 &&
            line[field_length] == ':') {
            *length = (size_t)(end - line) - field_length - 1;
            return line + field_length + 1;
        }
        line = *end ? end + 2 : end;
    }
    return NULL;
}

const char *test_info_value(const char *info, const char *field, char *value, size_t size) {
    size_t length;
    const char *found = find_value(info, field, &length);
    if (!found) return NULL;
    if (length >= size) length = size - 1;
    memcpy(value, found, length);
    value[length] = '\0';
    return value;
}

long long test_info_integer(const char *info, const char *field) {
    char value[128];
    return test_info_value(info, field, value, sizeof(value)) ? atoll(value) : -1;
}

double test_info_double(const char *info, const char *field) {
    char value[128];
    return test_info_value(info, field, value, sizeof(value)) ? strtod(value, NULL) : -1;
}

long long test_info_entry(const char *info, const char *field, const char *key) {
    char value[1024];
    if (!test_info_value(info, field, value, sizeof(value))) return -1;
    size_t key_length = strlen(key);
    for (const char *entry = value; entry; entry = strchr(entry, ',') ? strchr(entry, ',') + 1 : NULL)
        if (strncmp(entry, key, key_length) == 0 && entry[key_length] == '=') return atoll(entry + key_length + 1);
    return -1;
}

/* Fails the test, naming the field, unless info has it. */
static void require(const char *info, const char *field) {
    size_t length;
    if (find_value(info, field, &length)) return;
    fail_msg("INFO field %s missing", field);
}

long long test_info_require_integer(const char *info, const char *field) {
    require(info, field);
    return test_info_integer(info, field);
}

double test_info_require_double(const char *info, const char *field) {
    require(info, field);
    return test_info_double(info, field);
}

long long test_info_field(redisContext *redis, const char *sections, const char *field) {
    char *info = test_info_fetch(redis, sections);
    long long value = test_info_integer(info, field);
    free(info);
    return value;
}

double test_info_field_double(redisContext *redis, const char *sections, const char *field) {
    char *info = test_info_fetch(redis, sections);
    double value = test_info_double(info, field);
    free(info);
    return value;
}

char *test_info_field_string(redisContext *redis, const char *sections, const char *field) {
    char *info = test_info_fetch(redis, sections);
    size_t length;
    const char *found = find_value(info, field, &length);
    char *value = found ? strndup(found, length) : NULL;
    free(info);
    return value;
}

long long test_info_require_field(redisContext *redis, const char *sections, const char *field) {
    char *info = test_info_fetch(redis, sections);
    require(info, field);
    long long value = test_info_integer(info, field);
    free(info);
    return value;
}

bool test_info_jemalloc(redisContext *redis) {
    char *allocator = test_info_field_string(redis, "memory", "mem_allocator");
    bool jemalloc = allocator && strncmp(allocator, "jemalloc", strlen("jemalloc")) == 0;
    free(allocator);
    return jemalloc;
}
