/* resp_inline: the word splitter of inline requests (see resp_inline.c).
 * Internal to protocol/. */
#ifndef ZKV_RESP_INLINE_H
#define ZKV_RESP_INLINE_H

#include <stddef.h>

typedef enum resp_inline_result {
    RESP_INLINE_WORD,      /* *word and *length describe the next word */
    RESP_INLINE_END,       /* no word left on the line */
    RESP_INLINE_UNBALANCED /* "unbalanced quotes in request" */
} resp_inline_result;

/* Finds the word at or after *cursor (before `limit`), decodes its quotes and
 * escapes in place, and moves *cursor past it. */
resp_inline_result resp_inline_next_word(char **cursor, char *limit, char **word, size_t *length);

#endif
