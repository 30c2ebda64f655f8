/* set_type: a key's set value, intset or lhash (set_type.h). */
#include <stdint.h>
#include <stdlib.h>

#include "collection_defrag.h"
#include "convert.h"
#include "hash.h"
#include "number.h"
#include "set_type.h"
#include "zkv_assert.h"

long long set_type_max_intset_entries = 512;

#define SET_TYPE_INTSET_TAG ((uintptr_t)1)
/* Pages of a big set one defrag visit moves; later visits go on. */
#define SET_TYPE_DEFRAG_PAGES 64

static bool set_type_tagged_intset(const void *value) {
    return ((uintptr_t)value & SET_TYPE_INTSET_TAG) != 0;
}

static intset *set_type_intset(const void *value) {
    return (intset *)((uintptr_t)value & ~SET_TYPE_INTSET_TAG);
}

static void *set_type_tag_intset(intset *s) {
    return (void *)((uintptr_t)s | SET_TYPE_INTSET_TAG);
}

object *set_type_create(const char *key, size_t key_length, const char *first, size_t first_length) {
    long long ignored;
    if (first == NULL || number_parse_integer(first, first_length, &ignored))
        return object_create_pointer(key, key_length, OBJECT_SET, OBJECT_ENCODING_INTSET,
                                     set_type_tag_intset(intset_create()), OBJECT_NO_EXPIRE);
    return object_create_pointer(key, key_length, OBJECT_SET, OBJECT_ENCODING_HASHTABLE,
                                 lhash_create(hash_bytes, false), OBJECT_NO_EXPIRE);
}

bool set_type_is_intset(const object *o) {
    return set_type_tagged_intset(object_pointer(o));
}

size_t set_type_size(const object *o) {
    const void *value = object_pointer(o);
    return set_type_tagged_intset(value) ? intset_count(set_type_intset(value)) : lhash_count(value);
}

bool set_type_contains(const object *o, const char *member, size_t length) {
    const void *value = object_pointer(o);
    if (!set_type_tagged_intset(value)) return lhash_find(value, member, length, NULL);
    long long integer;
    return number_parse_integer(member, length, &integer) && intset_contains(set_type_intset(value), integer);
}

static void set_type_to_lhash(object *o) {
    intset *s = set_type_intset(object_pointer(o));
    object_set_pointer(o, convert_intset_to_lhash(s, hash_bytes));
    object_set_encoding(o, OBJECT_ENCODING_HASHTABLE);
    intset_free(s);
}

bool set_type_add(object *o, const char *member, size_t length) {
    void *value = object_pointer(o);
    if (set_type_tagged_intset(value)) {
        long long integer;
        if (number_parse_integer(member, length, &integer)) {
            bool added;
            intset *s = intset_add(set_type_intset(value), integer, &added);
            object_set_pointer(o, set_type_tag_intset(s));
            if ((long long)intset_count(s) > set_type_max_intset_entries) set_type_to_lhash(o);
            return added;
        }
        set_type_to_lhash(o);
        value = object_pointer(o);
    }
    return lhash_set(value, member, length, NULL, 0);
}

bool set_type_remove(object *o, const char *member, size_t length) {
    void *value = object_pointer(o);
    if (!set_type_tagged_intset(value)) return lhash_delete(value, member, length);
    long long integer;
    if (!number_parse_integer(member, length, &integer)) return false;
    bool removed;
    object_set_pointer(o, set_type_tag_intset(intset_remove(set_type_intset(value), integer, &removed)));
    return removed;
}

static size_t set_type_random_index(size_t size) {
    return (size_t)(((unsigned long long)random() << 31 | (unsigned long long)random()) % size);
}

void set_type_random(const object *o, elem_view *member, set_type_position *position) {
    void *value = object_pointer(o);
    if (set_type_tagged_intset(value)) {
        const intset *s = set_type_intset(value);
        position->index = set_type_random_index(intset_count(s));
        *member = (elem_view){.integer = intset_get(s, position->index)};
        return;
    }
    bool found = lhash_random(value, &position->table);
    zkv_assert(found);
    lhash_get(value, &position->table, member, NULL);
}

void set_type_remove_at(object *o, const set_type_position *position) {
    void *value = object_pointer(o);
    if (!set_type_tagged_intset(value)) {
        lhash_delete_at(value, &position->table);
        return;
    }
    intset *s = set_type_intset(value);
    bool removed;
    s = intset_remove(s, intset_get(s, position->index), &removed);
    zkv_assert(removed);
    object_set_pointer(o, set_type_tag_intset(s));
}

void set_type_iterator_init(set_type_iterator *it, const object *o) {
    const void *value = object_pointer(o);
    *it = (set_type_iterator){0};
    if (set_type_tagged_intset(value))
        it->integers = set_type_intset(value);
    else
        lhash_iterator_init(&it->table, value);
}

bool set_type_iterator_next(set_type_iterator *it, elem_view *member) {
    if (it->integers == NULL) return lhash_iterator_next(&it->table, member, NULL);
    if (it->index >= intset_count(it->integers)) return false;
    *member = (elem_view){.integer = intset_get(it->integers, it->index++)};
    return true;
}

/* ---------------------------------------------------------------- type table */

void set_type_free_value(void *value) {
    if (set_type_tagged_intset(value))
        intset_free(set_type_intset(value));
    else
        lhash_free(value);
}

void *set_type_duplicate_value(const void *value) {
    if (set_type_tagged_intset(value)) return set_type_tag_intset(intset_duplicate(set_type_intset(value)));
    return lhash_duplicate(value);
}

size_t set_type_free_effort(const void *value) {
    return set_type_tagged_intset(value) ? 1 : 1 + lhash_page_count(value);
}

size_t set_type_memory_usage(const void *value, size_t samples) {
    return set_type_tagged_intset(value) ? intset_memory(set_type_intset(value)) : lhash_memory_sampled(value, samples);
}

/* Where the last big set's defragmentation stopped. */
static collection_defrag_progress set_type_defrag_progress;

void *set_type_defrag_value(void *value) {
    if (set_type_tagged_intset(value)) return set_type_tag_intset(collection_defrag_block(set_type_intset(value)));
    return collection_defrag_lhash(value, &set_type_defrag_progress, SET_TYPE_DEFRAG_PAGES);
}

void set_type_for_each_element(const void *value,
                               void (*visit)(void *context, const char *bytes, size_t length, double score),
                               void *context) {
    if (set_type_tagged_intset(value)) {
        const intset *integers = set_type_intset(value);
        char buffer[NUMBER_INTEGER_BUFFER];
        for (size_t i = 0; i < intset_count(integers); i++) {
            size_t length = number_format_integer(intset_get(integers, i), buffer);
            visit(context, buffer, length, 1.0);
        }
        return;
    }
    lhash_iterator it;
    lhash_iterator_init(&it, value);
    elem_view member;
    char buffer[NUMBER_INTEGER_BUFFER];
    while (lhash_iterator_next(&it, &member, NULL)) {
        if (member.bytes) visit(context, member.bytes, member.length, 1.0);
        else visit(context, buffer, number_format_integer(member.integer, buffer), 1.0);
    }
}
