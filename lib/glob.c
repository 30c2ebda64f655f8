/* glob: pattern matching (see glob.h).
 *
 * A backtracking matcher that remembers only the most recent '*': on a
 * mismatch it retries one byte further from that star.  This keeps the cost
 * at O(pattern * string) in the worst case instead of the exponential blowup
 * of naive recursion on patterns like "*a*a*a*b".
 */
#include "glob.h"

#include <ctype.h>

static int fold(int character, int nocase) {
    return nocase ? tolower(character) : character;
}

/* Matches one character class starting after '['; *consumed receives the
 * class length including the closing ']'. */
static int match_class(const char *pattern, size_t length, unsigned char character, int nocase,
                       size_t *consumed) {
    size_t i = 0;
    int negate = i < length && pattern[i] == '^';
    if (negate) i++;
    int matched = 0;
    while (i < length && pattern[i] != ']') {
        if (pattern[i] == '\\' && i + 1 < length) {
            i++;
            if (fold(character, nocase) == fold((unsigned char)pattern[i], nocase)) matched = 1;
            i++;
        } else if (i + 2 < length && pattern[i + 1] == '-') {
            /* As in Redis, "x-]" is a range up to ']', not 'x', '-' and the end. */
            int low = fold((unsigned char)pattern[i], nocase), high = fold((unsigned char)pattern[i + 2], nocase);
            if (low > high) {
                int swap = low;
                low = high;
                high = swap;
            }
            int folded = fold(character, nocase);
            if (folded >= low && folded <= high) matched = 1;
            i += 3;
        } else {
            if (fold(character, nocase) == fold((unsigned char)pattern[i], nocase)) matched = 1;
            i++;
        }
    }
    *consumed = i < length ? i + 1 : i; /* an unterminated class runs to the end */
    return negate ? !matched : matched;
}

/* Matches one non-star pattern element at pattern[*p] against character c. */
static int match_one(const char *pattern, size_t length, size_t *p, unsigned char c, int nocase) {
    char element = pattern[*p];
    if (element == '?') {
        (*p)++;
        return 1;
    }
    if (element == '[') {
        size_t consumed;
        int matched = match_class(pattern + *p + 1, length - *p - 1, c, nocase, &consumed);
        *p += 1 + consumed;
        return matched;
    }
    if (element == '\\' && *p + 1 < length) (*p)++;
    int matched = fold((unsigned char)pattern[*p], nocase) == fold(c, nocase);
    (*p)++;
    return matched;
}

/* Redis gives up on patterns that would nest its recursive matcher more than
 * this deep: each run of stars followed by more pattern is one level, and a
 * match must go through all of them.  Such patterns match nothing there, so
 * they match nothing here either. */
#define GLOB_MAX_STAR_NESTING 1000

/* Runs of '*' that are followed by more pattern ('\' escapes and [classes]
 * are not stars). */
static size_t count_nesting_stars(const char *pattern, size_t length) {
    size_t runs = 0, i = 0;
    while (i < length) {
        if (pattern[i] == '*') {
            while (i < length && pattern[i] == '*') i++;
            if (i < length) runs++;
        } else if (pattern[i] == '\\' && i + 1 < length) {
            i += 2;
        } else if (pattern[i] == '[') {
            i++;
            while (i < length && pattern[i] != ']') i += pattern[i] == '\\' && i + 1 < length ? 2 : 1;
            if (i < length) i++;
        } else {
            i++;
        }
    }
    return runs;
}

int glob_match(const char *pattern, size_t pattern_length, const char *string, size_t string_length,
               int nocase) {
    if (count_nesting_stars(pattern, pattern_length) > GLOB_MAX_STAR_NESTING) return 0;
    /* Redis's matcher never enters its loop for an empty string: only the
     * empty pattern matches it (KEYS and SCAN treat a lone "*" apart). */
    if (string_length == 0) return pattern_length == 0;
    size_t p = 0, s = 0;
    size_t star = (size_t)-1, star_string = 0;
    while (s < string_length) {
        if (p < pattern_length && pattern[p] == '*') {
            star = ++p;
            star_string = s;
            continue;
        }
        if (p < pattern_length && match_one(pattern, pattern_length, &p, (unsigned char)string[s], nocase)) {
            s++;
            continue;
        }
        if (star == (size_t)-1) return 0;
        p = star;
        s = ++star_string;
    }
    while (p < pattern_length && pattern[p] == '*') p++;
    return p == pattern_length;
}
