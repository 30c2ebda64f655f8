/* resp_inline: splits an inline request line into words, the way Redis 7.0
 * does it (its sdssplitargs, as redis-cli also understands it).
 *
 * Rules, verified against redis-server 7.0.15:
 *   - Words are separated by spaces, tabs, CR and LF; \v and \f are skipped
 *     before a word but belong to a word they appear in ("a\vb" is one).
 *   - Double quotes know \n \r \t \b \a, \xHH (two hex digits, else the
 *     backslash is dropped: "\x4g" is "x4g") and \<any> for <any>.
 *   - Single quotes know only \' ; any other backslash is kept.
 *   - A quote may open inside a word (a"b c" is the word "ab c"), but a
 *     closing quote must be followed by whitespace or the end of the line
 *     ("a"b is unbalanced), and an unclosed quote is unbalanced.
 *
 * Words are decoded in place: an escape's output is never longer than its
 * input, so the write cursor never passes the read cursor and no copy or
 * allocation is needed.  The caller guarantees the line holds no NUL byte
 * (the parser refuses those), so the end of a word is only the line's end.
 */
#include "resp_inline.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static char unescape(char c)
{
    switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
    }
}

/* Decodes one double-quoted word body starting after the quote, writing at
 * *output.  Returns the cursor after the closing quote, or NULL. */
static char *decode_double_quoted(char *cursor, char *limit, char **output)
{
    char *out = *output;
    for (;;) {
        if (cursor == limit)
            return NULL;
        if (cursor[0] == '\\' && limit - cursor >= 4 && cursor[1] == 'x' &&
            hex_value(cursor[2]) >= 0 && hex_value(cursor[3]) >= 0) {
            *out++ = (char)(hex_value(cursor[2]) * 16 + hex_value(cursor[3]));
            cursor += 4;
        } else if (cursor[0] == '\\' && limit - cursor >= 2) {
            *out++ = unescape(cursor[1]);
            cursor += 2;
        } else if (cursor[0] == '"') {
            *output = out;
            return cursor + 1;
        } else {
            *out++ = *cursor++;
        }
    }
}

/* Single quotes only know the escape \'. */
static char *decode_single_quoted(char *cursor, char *limit, char **output)
{
    char *out = *output;
    for (;;) {
        if (cursor == limit)
            return NULL;
        if (cursor[0] == '\\' && limit - cursor >= 2 && cursor[1] == '\'') {
            *out++ = '\'';
            cursor += 2;
        } else if (cursor[0] == '\'') {
            *output = out;
            return cursor + 1;
        } else {
            *out++ = *cursor++;
        }
    }
}

/* Splits one word starting at `cursor` in place.  Returns the cursor after
 * it, or NULL for unbalanced quotes; the word is [word, *word_end). */
static char *split_word(char *cursor, char *limit, char **word_end)
{
    char *out = cursor;
    while (cursor < limit) {
        char c = *cursor;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            return *word_end = out, cursor + 1;
        if (c != '"' && c != '\'') {
            *out++ = *cursor++;
            continue;
        }
        cursor = c == '"' ? decode_double_quoted(cursor + 1, limit, &out)
                          : decode_single_quoted(cursor + 1, limit, &out);
        /* A closing quote must end the word. */
        if (cursor == NULL || (cursor < limit && !is_space(*cursor)))
            return NULL;
        break;
    }
    *word_end = out;
    return cursor;
}

resp_inline_result resp_inline_next_word(char **cursor, char *limit, char **word, size_t *length)
{
    char *at = *cursor;
    while (at < limit && is_space(*at))
        at++;
    if (at == limit) {
        *cursor = at;
        return RESP_INLINE_END;
    }
    char *word_end;
    char *next = split_word(at, limit, &word_end);
    if (next == NULL)
        return RESP_INLINE_UNBALANCED;
    *word = at;
    *length = (size_t)(word_end - at);
    *cursor = next;
    return RESP_INLINE_WORD;
}
