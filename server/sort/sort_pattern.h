/* sort_pattern: SORT's BY and GET patterns, resolved for one element.
 *
 * A pattern names other keys by replacing its first '*' with the element
 * ("weight_*"); an "->field" after that '*' reads one field of a hash
 * ("obj_*->price"), and "#" alone is the element itself.  A pattern without
 * '*' names no key at all (Redis: GET of a fixed key makes no sense).  The
 * hash is read through the type table's field_value slot, so this file
 * knows no type but strings.
 *
 * Trade-off: the substituted key name is built on the stack when short and
 * in a zmalloc block otherwise; one lookup per element and pattern, as Redis
 * does, with no caching of repeated names.
 */
#ifndef ZKV_SORT_PATTERN_H
#define ZKV_SORT_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "object.h"

/* The value a pattern gives for `element`: true with its bytes in
 * *bytes and *length (pointing into the element, the looked-up value or
 * `buffer`, valid until the next keyspace write or call), false when the
 * key or field is missing or of the wrong type. */
bool sort_pattern_lookup(db *d, const char *pattern, size_t pattern_length, const char *element,
                         size_t element_length, const char **bytes, size_t *length,
                         char buffer[OBJECT_INTEGER_BUFFER]);

/* True when the pattern contains a '*' (BY without one means "don't sort"). */
bool sort_pattern_has_star(const char *pattern, size_t pattern_length);

#endif
