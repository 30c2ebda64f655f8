/* convert: rebuilds a collection in another encoding.  See convert.h. */
#include "convert.h"

#include "zkv_assert.h"

lhash *convert_pack_to_lhash(const pack *p, bool with_values, lhash_hash_fn *hash) {
    zkv_assert(!with_values || pack_count(p) % 2 == 0);
    lhash *h = lhash_create(hash, with_values);
    /* A hash's loop body consumes the value entry too. */
    for (size_t offset = pack_first(p); offset != 0; offset = pack_next(p, offset)) {
        elem_view key, value;
        char key_digits[ELEM_INTEGER_BUFFER], value_digits[ELEM_INTEGER_BUFFER];
        size_t key_length, value_length = 0;
        pack_get(p, offset, &key);
        const char *key_text = elem_view_string(&key, key_digits, &key_length);
        const char *value_text = NULL;
        if (with_values) {
            offset = pack_next(p, offset);
            pack_get(p, offset, &value);
            value_text = elem_view_string(&value, value_digits, &value_length);
        }
        bool added = lhash_set(h, key_text, key_length, value_text, value_length);
        zkv_assert(added);
        (void)added;
    }
    return h;
}

lhash *convert_intset_to_lhash(const intset *s, lhash_hash_fn *hash) {
    lhash *h = lhash_create(hash, false);
    size_t count = intset_count(s);
    for (size_t i = 0; i < count; i++) {
        char digits[ELEM_INTEGER_BUFFER];
        size_t length = number_format_integer(intset_get(s, i), digits);
        lhash_set(h, digits, length, NULL, 0);
    }
    return h;
}

pack *convert_intset_to_pack(const intset *s) {
    pack *p = pack_create();
    size_t count = intset_count(s);
    for (size_t i = 0; i < count; i++) {
        char digits[ELEM_INTEGER_BUFFER];
        elem_key key;
        elem_key_init(&key, digits, number_format_integer(intset_get(s, i), digits));
        p = pack_append(p, &key);
    }
    return p;
}
