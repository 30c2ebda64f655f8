/* sort_pattern: see sort_pattern.h for the pattern language. */
#include "sort_pattern.h"

#include <string.h>

#include "zmalloc.h"

#define SORT_PATTERN_STACK_KEY 256

bool sort_pattern_has_star(const char *pattern, size_t pattern_length) {
    return memchr(pattern, '*', pattern_length) != NULL;
}

/* The first "->" after `from` followed by at least one byte, or NULL. */
static const char *field_arrow(const char *from, const char *end) {
    for (const char *p = from; p + 2 < end; p++)
        if (p[0] == '-' && p[1] == '>') return p;
    return NULL;
}

bool sort_pattern_lookup(db *d, const char *pattern, size_t pattern_length, const char *element,
                         size_t element_length, const char **bytes, size_t *length,
                         char buffer[OBJECT_INTEGER_BUFFER]) {
    if (pattern_length == 1 && pattern[0] == '#') {
        *bytes = element;
        *length = element_length;
        return true;
    }
    const char *end = pattern + pattern_length;
    const char *star = memchr(pattern, '*', pattern_length);
    if (!star) return false;
    const char *arrow = field_arrow(star + 1, end);
    const char *suffix_end = arrow ? arrow : end;
    size_t prefix = (size_t)(star - pattern), suffix = (size_t)(suffix_end - (star + 1));
    size_t key_length = prefix + element_length + suffix;
    char stack[SORT_PATTERN_STACK_KEY];
    char *key = key_length <= sizeof stack ? stack : zmalloc_alloc(key_length);
    memcpy(key, pattern, prefix);
    if (element_length) memcpy(key + prefix, element, element_length);
    memcpy(key + prefix + element_length, star + 1, suffix);
    object *o = db_lookup_read(d, key, key_length);
    if (key != stack) zmalloc_free(key);
    if (!o) return false;
    if (arrow) {
        const object_type_functions *type = object_type_table(object_type(o));
        if (!type->field_value) return false;
        return type->field_value(o, arrow + 2, (size_t)(end - (arrow + 2)), bytes, length, buffer);
    }
    if (object_type(o) != OBJECT_STRING) return false;
    *bytes = object_string_bytes(o, length, buffer);
    return true;
}
