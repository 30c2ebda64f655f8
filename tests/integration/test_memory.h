/* Helpers shared by the memory tests: pipelined loads and waits (INFO
 * fields come from test_info.h). */
#ifndef ZKV_TEST_MEMORY_H
#define ZKV_TEST_MEMORY_H

#include "test_hiredis.h"
#include "test_info.h"

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
