/* intset: sorted fixed-width integers.  See intset.h for the layout. */
#include "intset.h"

#include <string.h>

#include "zkv_assert.h"
#include "zmalloc.h"

#define INTSET_HEADER 5 /* 4-byte count, 1-byte width */

struct intset {
    unsigned char bytes[1]; /* header then members */
};

size_t intset_count(const intset *s) {
    const unsigned char *b = s->bytes;
    return (size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16 | (size_t)b[3] << 24;
}

unsigned intset_width(const intset *s) {
    return s->bytes[4];
}

static void intset_set_header(intset *s, size_t count, unsigned width) {
    zkv_assert(count <= UINT32_MAX && (width == 2 || width == 4 || width == 8));
    for (int i = 0; i < 4; i++) s->bytes[i] = (unsigned char)(count >> (8 * i));
    s->bytes[4] = (unsigned char)width;
}

static size_t intset_size(size_t count, unsigned width) {
    return INTSET_HEADER + count * width;
}

size_t intset_memory(const intset *s) {
    return zmalloc_usable_size(s);
}

/* Width needed to hold `value`. */
static unsigned intset_value_width(int64_t value) {
    if (value >= INT16_MIN && value <= INT16_MAX) return 2;
    if (value >= INT32_MIN && value <= INT32_MAX) return 4;
    return 8;
}

static int64_t intset_read(const unsigned char *members, unsigned width, size_t index) {
    const unsigned char *p = members + index * width;
    if (width == 2) {
        int16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    if (width == 4) {
        int32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void intset_write(unsigned char *members, unsigned width, size_t index, int64_t value) {
    unsigned char *p = members + index * width;
    if (width == 2) {
        int16_t v = (int16_t)value;
        memcpy(p, &v, 2);
    } else if (width == 4) {
        int32_t v = (int32_t)value;
        memcpy(p, &v, 4);
    } else {
        memcpy(p, &value, 8);
    }
}

intset *intset_create(void) {
    intset *s = zmalloc_alloc(INTSET_HEADER);
    intset_set_header(s, 0, 2);
    return s;
}

void intset_free(intset *s) {
    zmalloc_free(s);
}

intset *intset_duplicate(const intset *s) {
    size_t size = intset_size(intset_count(s), intset_width(s));
    intset *copy = zmalloc_alloc(size);
    memcpy(copy, s, size);
    return copy;
}

int64_t intset_get(const intset *s, size_t index) {
    zkv_assert(index < intset_count(s));
    return intset_read(s->bytes + INTSET_HEADER, intset_width(s), index);
}

/* Position of `value`, or where it would go; *found tells which. */
static size_t intset_search(const intset *s, int64_t value, bool *found) {
    const unsigned char *members = s->bytes + INTSET_HEADER;
    unsigned width = intset_width(s);
    size_t low = 0, high = intset_count(s);
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int64_t m = intset_read(members, width, middle);
        if (m == value) {
            *found = true;
            return middle;
        }
        if (m < value)
            low = middle + 1;
        else
            high = middle;
    }
    *found = false;
    return low;
}

bool intset_contains(const intset *s, int64_t value) {
    if (intset_value_width(value) > intset_width(s)) return false;
    bool found;
    intset_search(s, value, &found);
    return found;
}

/* Rewrites every member in `width` and inserts `value`, which does not fit
 * the old width, so it is either below or above every member. */
static intset *intset_upgrade_add(intset *s, int64_t value, unsigned width) {
    size_t count = intset_count(s);
    unsigned old_width = intset_width(s);
    s = zmalloc_realloc(s, intset_size(count + 1, width));
    unsigned char *members = s->bytes + INTSET_HEADER;
    size_t shift = value < 0 ? 1 : 0;
    /* Back to front: the wider copy of member i never overwrites a member
     * not yet read (i * width + shift >= i * old_width). */
    for (size_t i = count; i-- > 0;)
        intset_write(members, width, i + shift, intset_read(members, old_width, i));
    intset_write(members, width, value < 0 ? 0 : count, value);
    intset_set_header(s, count + 1, width);
    return s;
}

intset *intset_add(intset *s, int64_t value, bool *added) {
    unsigned width = intset_value_width(value);
    if (width > intset_width(s)) {
        *added = true;
        return intset_upgrade_add(s, value, width);
    }
    bool found;
    size_t position = intset_search(s, value, &found);
    *added = !found;
    if (found) return s;
    size_t count = intset_count(s);
    width = intset_width(s);
    s = zmalloc_realloc(s, intset_size(count + 1, width));
    unsigned char *members = s->bytes + INTSET_HEADER;
    memmove(members + (position + 1) * width, members + position * width,
            (count - position) * width);
    intset_write(members, width, position, value);
    intset_set_header(s, count + 1, width);
    return s;
}

intset *intset_remove(intset *s, int64_t value, bool *removed) {
    *removed = false;
    if (intset_value_width(value) > intset_width(s)) return s;
    bool found;
    size_t position = intset_search(s, value, &found);
    if (!found) return s;
    *removed = true;
    size_t count = intset_count(s);
    unsigned width = intset_width(s);
    unsigned char *members = s->bytes + INTSET_HEADER;
    memmove(members + position * width, members + (position + 1) * width,
            (count - position - 1) * width);
    intset_set_header(s, count - 1, width);
    return zmalloc_realloc(s, intset_size(count - 1, width));
}
