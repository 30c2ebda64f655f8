/* test_info: INFO fields for the integration tests, parsed in one place.
 *
 * INFO text is "# Section" headers and "field:value" lines, each ending in
 * CRLF.  A field is found only at the start of a line and up to its ':', so
 * "used_memory" never matches "used_memory_rss".  Lookups return -1 (numbers)
 * or NULL (text) when the field is absent; the *_require variants fail the
 * test instead, for fields that must be there.
 */
#ifndef ZKV_TEST_INFO_H
#define ZKV_TEST_INFO_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

/* INFO with `sections` (space-separated names, or NULL for the default
 * set), as a malloc'd string (caller frees).  Fails the test unless the
 * reply is a bulk string. */
char *test_info_fetch(redisContext *redis, const char *sections);

/* Lookups in INFO text (any source: hiredis, a raw socket's bulk reply). */
/* The value of `field`, copied into value (truncated to size - 1), or NULL. */
const char *test_info_value(const char *info, const char *field, char *value, size_t size);
long long test_info_integer(const char *info, const char *field);
double test_info_double(const char *info, const char *field);
long long test_info_require_integer(const char *info, const char *field);
double test_info_require_double(const char *info, const char *field);
/* For fields whose value is "key=value,key=value" (cmdstat_*, errorstat_*,
 * db<n>): the integer after `key=`, or -1 when the field or key is absent. */
long long test_info_entry(const char *info, const char *field, const char *key);

/* One field of a fresh INFO <sections>. */
long long test_info_field(redisContext *redis, const char *sections, const char *field);
double test_info_field_double(redisContext *redis, const char *sections, const char *field);
/* malloc'd (caller frees), or NULL when absent. */
char *test_info_field_string(redisContext *redis, const char *sections, const char *field);
long long test_info_require_field(redisContext *redis, const char *sections, const char *field);

/* Whether mem_allocator names jemalloc: only that backend defragments and
 * answers MALLCTL and allocator statistics (ASan builds run on libc). */
bool test_info_jemalloc(redisContext *redis);

#endif
