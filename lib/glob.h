/* glob: Redis-style glob matching (KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE).
 *
 * Supports '*', '?', '[abc]', '[^abc]', '[a-z]' and '\' escapes, over byte
 * strings that need not be NUL-terminated.
 */
#ifndef ZKV_GLOB_H
#define ZKV_GLOB_H

#include <stddef.h>

/* 1 if `string` matches `pattern`; `nocase` folds ASCII case. */
int glob_match(const char *pattern, size_t pattern_length, const char *string, size_t string_length,
               int nocase);

#endif
