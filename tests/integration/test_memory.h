/* Helpers shared by the memory tests: INFO fields and pipelined loads. */
#ifndef ZKV_TEST_MEMORY_H
#define ZKV_TEST_MEMORY_H

#include "test_hiredis.h"

/* The text after "name:" in one INFO reply, or NULL (points into `info`). */
const char *memory_info_text(const char *info, const char *name);
/* Integer / floating value of a field of one INFO reply (asserts presence). */
long long memory_info_integer(const char *info, const char *name);
double memory_info_double(const char *info, const char *name);
/* INFO <section> as a malloc'd string (caller frees). */
char *memory_info(redisContext *redis, const char *section);
/* One integer field of a fresh INFO <section>. */
long long memory_field(redisContext *redis, const char *section, const char *name);
/* SETs `prefix<first..first+count-1>` to `value_length` bytes of 'v',
 * pipelined in batches; with ttl_seconds > 0 each key gets EX. */
void memory_load(redisContext *redis, const char *prefix, long first, long count, size_t value_length,
                 long ttl_seconds);
/* Counts existing keys among prefix<first..first+count-1>. */
long memory_count_existing(redisContext *redis, const char *prefix, long first, long count);
void memory_sleep_ms(long milliseconds);
/* Waits (at most 10 s, then fails) until the lazy-free thread is idle. */
void memory_wait_lazyfree(redisContext *redis);

#endif
