/* zset: the sorted-set type API over its two encodings (zset.h). */
#include "zset.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collection_defrag.h"
#include "table.h"
#include "zkv_assert.h"
#include "zmalloc.h"

zset_limits zset_config = {128, 64};

/* The big encoding: one entry per member, indexed twice. */
typedef struct zset_big {
    zbtree *tree;
    table *index;
    size_t entry_bytes; /* allocator bytes of the entries (MEMORY USAGE) */
} zset_big;

static void index_entry_key(const void *entry, const char **key, size_t *length) {
    *key = zentry_member(entry, length);
}

/* The index grows only past 1.5 members per slot: a member costs ~6 bytes
 * of index instead of ~12 right after a doubling, for slightly longer
 * chains (one 64-byte bucket holds 8 tags, so lookups still touch one or
 * two cache lines). */
static bool index_grow_allowed(size_t more_bytes, double load) {
    (void)more_bytes;
    return load >= 1.5;
}

static const table_type index_type = {index_entry_key, NULL, NULL, index_grow_allowed};

/* Small indexes finish a resize at once instead of keeping both bucket
 * arrays until later writes move them: bounded work (a few thousand
 * chains), and no set is left holding two arrays. */
#define INDEX_FINISH_RESIZE_BELOW 8192

static void index_settle(table *index) {
    if (table_is_rehashing(index) && table_size(index) < INDEX_FINISH_RESIZE_BELOW)
        while (table_rehash_steps(index, 64)) {
        }
}

static zset_big *big_create(void) {
    zset_big *b = zmalloc_alloc(sizeof(*b));
    b->tree = zbtree_create();
    b->index = table_create(&index_type);
    b->entry_bytes = 0;
    return b;
}

static void big_free_entry(zentry *e) { zentry_free(e); }

static void big_release(zset_big *b) {
    table_release(b->index);
    zbtree_release(b->tree, big_free_entry);
    zmalloc_free(b);
}

static zentry *big_find(const zset_big *b, const char *member, size_t length) {
    return table_find(b->index, member, length, table_hash_key(member, length));
}

static void big_insert(zset_big *b, const char *member, size_t length, double score, bool append) {
    zentry *e = zentry_create(member, length, score);
    b->entry_bytes += zmalloc_good_size(zentry_size(e));
    table_insert(b->index, e, table_hash_key(member, length), false);
    index_settle(b->index);
    if (append) zbtree_append(b->tree, e);
    else zbtree_insert(b->tree, e);
}

static void big_delete(zset_big *b, zentry *e) {
    size_t length;
    const char *member = zentry_member(e, &length);
    zbtree_delete(b->tree, e);
    table_delete(b->index, member, length, table_hash_key(member, length));
    index_settle(b->index);
    b->entry_bytes -= zmalloc_good_size(zentry_size(e));
    zentry_free(e);
}

/* ---- Handles ---- */

zset zset_create(size_t size_hint, size_t longest_member) {
    zset z = {.view = false};
    if (zset_config.max_entries == 0 || size_hint > (size_t)zset_config.max_entries ||
        longest_member > (size_t)zset_config.max_value) {
        z.encoding = OBJECT_ENCODING_SKIPLIST;
        z.value = big_create();
    } else {
        z.encoding = OBJECT_ENCODING_LISTPACK;
        z.value = zpack_create();
    }
    return z;
}

void zset_release(zset *z) {
    if (z->view) return;
    if (z->encoding == OBJECT_ENCODING_LISTPACK) zpack_free(z->value);
    else big_release(z->value);
    z->value = NULL;
}

zset zset_duplicate(const zset *z) {
    zset copy = {z->encoding, NULL, false};
    if (z->encoding == OBJECT_ENCODING_LISTPACK) {
        copy.value = zpack_duplicate(z->value);
        return copy;
    }
    const zset_big *b = z->value;
    zset_big *c = big_create();
    zbtree_cursor cursor;
    for (bool more = zbtree_seek(&cursor, b->tree, 0); more; more = zbtree_next(&cursor)) {
        const zentry *e = zbtree_cursor_entry(&cursor);
        size_t length;
        const char *member = zentry_member(e, &length);
        big_insert(c, member, length, zentry_score(e), true);
    }
    copy.value = c;
    return copy;
}

/* A big set's pointer is stored with its low bit set.  The type table's
 * functions receive that, or (object_value) the key's block itself for a
 * packed set: blocks are aligned, so the bit tells the two apart. */
#define BIG_TAG ((uintptr_t)1)

zset zset_of(const object *o) {
    if (!object_is_packed(o)) return zset_from_pointer(object_pointer(o));
    size_t length;
    zset z = {OBJECT_ENCODING_LISTPACK, object_packed_bytes(o, &length), true};
    return z;
}

zset zset_from_pointer(void *pointer) {
    if (!((uintptr_t)pointer & BIG_TAG)) {
        zkv_assert(object_is_packed(pointer));
        return zset_of(pointer);
    }
    zset z = {OBJECT_ENCODING_SKIPLIST, (void *)((uintptr_t)pointer & ~BIG_TAG), false};
    return z;
}

void *zset_to_pointer(const zset *z) {
    zkv_assert(z->encoding == OBJECT_ENCODING_SKIPLIST);
    return (void *)((uintptr_t)z->value | BIG_TAG);
}

zset zset_open(const object *o) { return zset_of(o); }

/* Before a packed set changes: a view is copied out of the key's block. */
static void own(zset *z) {
    if (!z->view) return;
    z->value = zpack_duplicate(z->value);
    z->view = false;
}

object *zset_create_object(const char *key, size_t key_length, zset *z, long long expire_ms) {
    object *o;
    zkv_assert(!z->view);
    if (z->encoding == OBJECT_ENCODING_LISTPACK) {
        o = object_create_packed(key, key_length, OBJECT_ZSET, z->encoding, z->value, zpack_bytes(z->value),
                                 expire_ms);
        zpack_free(z->value);
        z->value = NULL;
    } else {
        o = object_create_pointer(key, key_length, OBJECT_ZSET, z->encoding, zset_to_pointer(z), expire_ms);
    }
    return o;
}

void zset_store(db *d, object **o, zset *z) {
    object *fresh = *o;
    bool rebuilt = false; /* a new block: the old one is freed here */
    if (z->view) return;  /* unchanged */
    if (z->encoding == OBJECT_ENCODING_LISTPACK) {
        /* a write never turns a big set packed: only new keys start so */
        zkv_assert(object_is_packed(*o));
        size_t length = zpack_bytes(z->value);
        unsigned char *bytes;
        fresh = object_packed_resize(*o, length, &bytes);
        memcpy(bytes, z->value, length);
        zpack_free(z->value);
        z->value = bytes;
        z->view = true;
    } else if (object_is_packed(*o)) {
        size_t key_length;
        const char *key = object_key(*o, &key_length);
        fresh = zset_create_object(key, key_length, z, object_expire(*o));
        object_set_lru(fresh, object_lru(*o));
        rebuilt = true;
    } else {
        object_set_pointer(fresh, zset_to_pointer(z));
    }
    object_set_encoding(fresh, z->encoding);
    if (fresh == *o) return;
    db_update_quiet(d, *o, fresh);
    if (rebuilt) object_free(*o);
    *o = fresh;
}

/* Where the last visit of a big set stopped: the set (its header after the
 * move) and the next rank.  One record: the defragmenter walks keys one at
 * a time, and another set restarts at rank 0. */
static struct {
    const zset_big *set;
    size_t rank;
} defrag_progress;

void *zset_defrag_pointer(void *pointer) {
    zset z = zset_from_pointer(pointer);
    zkv_assert(z.encoding == OBJECT_ENCODING_SKIPLIST); /* packed sets move with their key */
    zset_big *b = collection_defrag_block(z.value);
    size_t rank = defrag_progress.set == z.value ? defrag_progress.rank : 0;
    zbtree_cursor cursor;
    size_t visited = 0;
    if (zbtree_seek(&cursor, b->tree, rank)) {
        do {
            zentry *e = zbtree_cursor_entry(&cursor);
            if (!zmalloc_defrag_should_move(e)) continue;
            size_t length;
            const char *member = zentry_member(e, &length);
            table_slot *slot = table_find_slot(b->index, member, length, table_hash_key(member, length));
            zkv_assert(slot != NULL && table_slot_entry(slot) == e);
            zentry *copy = zmalloc_defrag_move(e);
            if (!copy) continue;
            table_slot_set(slot, copy, table_slot_flag(slot));
            zbtree_cursor_replace(&cursor, copy);
        } while (++visited < ZSET_DEFRAG_ENTRIES && zbtree_next(&cursor));
    }
    rank += visited;
    defrag_progress.set = rank < zbtree_size(b->tree) ? b : NULL;
    defrag_progress.rank = rank;
    z.value = b;
    return zset_to_pointer(&z);
}

size_t zset_free_effort(const zset *z) {
    if (z->encoding == OBJECT_ENCODING_LISTPACK) return 1;
    const zset_big *b = z->value;
    return zbtree_size(b->tree) + zbtree_node_count(b->tree) + 2;
}

size_t zset_length(const zset *z) {
    if (z->encoding == OBJECT_ENCODING_LISTPACK) return zpack_count(z->value);
    return zbtree_size(((const zset_big *)z->value)->tree);
}

bool zset_score(const zset *z, const char *member, size_t length, double *score) {
    if (z->encoding == OBJECT_ENCODING_LISTPACK)
        return zpack_find(z->value, member, length, score, NULL) != ZPACK_NONE;
    const zentry *e = big_find(z->value, member, length);
    if (!e) return false;
    *score = zentry_score(e);
    return true;
}

long long zset_rank(const zset *z, const char *member, size_t length, bool reverse, double *score) {
    size_t rank;
    if (z->encoding == OBJECT_ENCODING_LISTPACK) {
        if (zpack_find(z->value, member, length, score, &rank) == ZPACK_NONE) return -1;
    } else {
        const zset_big *b = z->value;
        const zentry *e = big_find(b, member, length);
        if (!e) return -1;
        *score = zentry_score(e);
        rank = zbtree_rank(b->tree, e);
    }
    return (long long)(reverse ? zset_length(z) - 1 - rank : rank);
}

/* ---- Conversion ---- */

static void convert_to_big(zset *z) {
    own(z);
    zpack *p = z->value;
    zset_big *b = big_create();
    size_t offset = zpack_first(p);
    while (offset != zpack_end(p)) {
        zpack_entry e;
        offset = zpack_read(p, offset, &e);
        big_insert(b, e.member, e.length, e.score, true);
    }
    zpack_free(p);
    z->value = b;
    z->encoding = OBJECT_ENCODING_SKIPLIST;
}

void zset_shrink_if_fits(zset *z) {
    if (z->encoding == OBJECT_ENCODING_LISTPACK) return;
    zset_big *b = z->value;
    if (zbtree_size(b->tree) > (size_t)zset_config.max_entries) return;
    zbtree_cursor cursor;
    for (bool more = zbtree_seek(&cursor, b->tree, 0); more; more = zbtree_next(&cursor)) {
        size_t length;
        zentry_member(zbtree_cursor_entry(&cursor), &length);
        if (length > (size_t)zset_config.max_value) return;
    }
    zpack *p = zpack_create();
    for (bool more = zbtree_seek(&cursor, b->tree, 0); more; more = zbtree_next(&cursor)) {
        const zentry *e = zbtree_cursor_entry(&cursor);
        size_t length;
        const char *member = zentry_member(e, &length);
        p = zpack_append(p, member, length, zentry_score(e));
    }
    big_release(b);
    z->value = p;
    z->encoding = OBJECT_ENCODING_LISTPACK;
}

/* ---- Changes ---- */

bool zset_add(zset *z, const char *member, size_t length, double score, int *flags, double *new_score) {
    int in = *flags;
    *flags = 0;
    if (isnan(score)) {
        *flags = ZSET_ADD_OUT_NAN;
        return false;
    }
    double current;
    size_t offset = ZPACK_NONE;
    zentry *e = NULL;
    bool exists;
    if (z->encoding == OBJECT_ENCODING_LISTPACK) {
        offset = zpack_find(z->value, member, length, &current, NULL);
        exists = offset != ZPACK_NONE;
    } else {
        e = big_find(z->value, member, length);
        exists = e != NULL;
        if (exists) current = zentry_score(e);
    }
    if (exists) {
        if (in & ZSET_ADD_NX) {
            *flags = ZSET_ADD_OUT_NOP;
            return true;
        }
        if (in & ZSET_ADD_INCR) {
            score += current;
            if (isnan(score)) {
                *flags = ZSET_ADD_OUT_NAN;
                return false;
            }
        }
        if (((in & ZSET_ADD_LT) && score >= current) || ((in & ZSET_ADD_GT) && score <= current)) {
            *flags = ZSET_ADD_OUT_NOP;
            return true;
        }
        if (new_score) *new_score = score;
        if (score != current) {
            if (z->encoding == OBJECT_ENCODING_LISTPACK) {
                own(z);
                z->value = zpack_delete(z->value, offset);
                z->value = zpack_insert(z->value, member, length, score);
            } else {
                zset_big *b = z->value;
                zbtree_delete(b->tree, e);
                zentry_set_score(e, score);
                zbtree_insert(b->tree, e);
            }
            *flags = ZSET_ADD_OUT_UPDATED;
        }
        return true;
    }
    if (in & ZSET_ADD_XX) {
        *flags = ZSET_ADD_OUT_NOP;
        return true;
    }
    if (z->encoding == OBJECT_ENCODING_LISTPACK &&
        (zpack_count(z->value) + 1 > (size_t)zset_config.max_entries || length > (size_t)zset_config.max_value))
        convert_to_big(z);
    if (z->encoding == OBJECT_ENCODING_LISTPACK) {
        own(z);
        z->value = zpack_insert(z->value, member, length, score);
    } else {
        big_insert(z->value, member, length, score, false);
    }
    if (new_score) *new_score = score;
    *flags = ZSET_ADD_OUT_ADDED;
    return true;
}

bool zset_remove(zset *z, const char *member, size_t length) {
    if (z->encoding == OBJECT_ENCODING_LISTPACK) {
        size_t offset = zpack_find(z->value, member, length, NULL, NULL);
        if (offset == ZPACK_NONE) return false;
        own(z);
        z->value = zpack_delete(z->value, offset);
        return true;
    }
    zentry *e = big_find(z->value, member, length);
    if (!e) return false;
    big_delete(z->value, e);
    return true;
}

void zset_delete_ranks(zset *z, size_t start, size_t count) {
    if (z->encoding == OBJECT_ENCODING_LISTPACK) {
        if (count == 0) return;
        own(z);
        z->value = zpack_delete_ranks(z->value, start, count);
        return;
    }
    zset_big *b = z->value;
    for (size_t i = 0; i < count; i++) big_delete(b, zbtree_at(b->tree, start));
}

/* ---- Bounds ---- */

size_t zset_count_score_below(const zset *z, double score, bool or_equal) {
    if (z->encoding != OBJECT_ENCODING_LISTPACK)
        return zbtree_count_score_below(((const zset_big *)z->value)->tree, score, or_equal);
    const zpack *p = z->value;
    size_t count = 0, offset = zpack_first(p);
    while (offset != zpack_end(p)) {
        double s;
        offset = zpack_read_score(p, offset, &s);
        if (or_equal ? s > score : s >= score) break;
        count++;
    }
    return count;
}

size_t zset_count_member_below(const zset *z, const char *member, size_t length, bool or_equal) {
    if (z->encoding != OBJECT_ENCODING_LISTPACK)
        return zbtree_count_member_below(((const zset_big *)z->value)->tree, member, length, or_equal);
    const zpack *p = z->value;
    size_t count = 0, offset = zpack_first(p);
    while (offset != zpack_end(p)) {
        zpack_entry e;
        offset = zpack_read(p, offset, &e);
        int c = zbtree_compare_members(e.member, e.length, member, length);
        if (or_equal ? c > 0 : c >= 0) break;
        count++;
    }
    return count;
}

/* ---- Iteration ---- */

void zset_iterator_init(zset_iterator *it, const zset *z, size_t start, bool reverse) {
    it->z = z;
    it->reverse = reverse;
    it->started = false;
    it->offsets = NULL;
    it->position = start;
    if (z->encoding != OBJECT_ENCODING_LISTPACK) {
        zbtree_seek(&it->cursor, ((const zset_big *)z->value)->tree, start);
        return;
    }
    const zpack *p = z->value;
    size_t offset = zpack_first(p);
    if (reverse && start < zpack_count(p)) it->offsets = zmalloc_alloc((start + 1) * sizeof(size_t));
    for (size_t i = 0; i < start && offset != zpack_end(p); i++) {
        if (it->offsets) it->offsets[i] = offset;
        double s;
        offset = zpack_read_score(p, offset, &s);
    }
    if (it->offsets) it->offsets[start] = offset;
    it->offset = offset;
}

bool zset_iterator_next(zset_iterator *it, const char **member, size_t *length, double *score) {
    if (it->z->encoding != OBJECT_ENCODING_LISTPACK) {
        if (it->started && !(it->reverse ? zbtree_prev(&it->cursor) : zbtree_next(&it->cursor))) return false;
        it->started = true;
        const zentry *e = zbtree_cursor_entry(&it->cursor);
        if (!e) return false;
        *member = zentry_member(e, length);
        *score = zentry_score(e);
        return true;
    }
    const zpack *p = it->z->value;
    if (!it->reverse) {
        if (it->offset == zpack_end(p)) return false;
        it->offset = zpack_read(p, it->offset, &it->entry);
    } else {
        if (!it->offsets || it->position == (size_t)-1) return false;
        zpack_read(p, it->offsets[it->position], &it->entry);
        it->position--;
    }
    *member = it->entry.member;
    *length = it->entry.length;
    *score = it->entry.score;
    return true;
}

void zset_iterator_finish(zset_iterator *it) {
    zmalloc_free(it->offsets);
    it->offsets = NULL;
}

/* ---- Sampling and scanning ---- */

void zset_random_member(const zset *z, zpack_entry *out) {
    if (z->encoding != OBJECT_ENCODING_LISTPACK) {
        const zentry *e = table_random_entry(((const zset_big *)z->value)->index);
        zkv_assert(e != NULL);
        out->member = zentry_member(e, &out->length);
        out->score = zentry_score(e);
        return;
    }
    const zpack *p = z->value;
    zkv_assert(zpack_count(p) > 0);
    size_t pick = (size_t)random() % zpack_count(p), offset = zpack_first(p);
    for (size_t i = 0; i < pick; i++) {
        double s;
        offset = zpack_read_score(p, offset, &s);
    }
    zpack_read(p, offset, out);
}

typedef struct scan_adapter {
    zset_scan_fn *fn;
    void *context;
} scan_adapter;

static void scan_entry(void *privdata, void *entry, bool flag) {
    (void)flag;
    scan_adapter *a = privdata;
    size_t length;
    const char *member = zentry_member(entry, &length);
    a->fn(a->context, member, length, zentry_score(entry));
}

unsigned long zset_scan(const zset *z, unsigned long cursor, zset_scan_fn *fn, void *context) {
    if (z->encoding != OBJECT_ENCODING_LISTPACK) {
        scan_adapter a = {fn, context};
        return table_scan(((const zset_big *)z->value)->index, cursor, scan_entry, &a);
    }
    const zpack *p = z->value;
    size_t offset = zpack_first(p);
    while (offset != zpack_end(p)) {
        zpack_entry e;
        offset = zpack_read(p, offset, &e);
        fn(context, e.member, e.length, e.score);
    }
    return 0;
}

size_t zset_memory(const zset *z) {
    if (z->encoding == OBJECT_ENCODING_LISTPACK) return zmalloc_good_size(zpack_bytes(z->value));
    const zset_big *b = z->value;
    return sizeof(*b) + zbtree_memory(b->tree) + table_memory(b->index) + b->entry_bytes;
}
