/* lhash: linear hashing over packed, tagged pages.  See lhash.h. */
#include "lhash.h"

#include <string.h>

#include "zkv_assert.h"
#include "zmalloc.h"

#define LHASH_SEGMENT_BITS 9
#define LHASH_SEGMENT_PAGES ((size_t)1 << LHASH_SEGMENT_BITS)
#define LHASH_SEGMENT_MASK (LHASH_SEGMENT_PAGES - 1)
#define LHASH_EXTERNAL 0 /* lens byte of an out-of-page entry */
#define LHASH_POINTER_SIZE sizeof(void *)
#define LHASH_RANDOM_BOUND (3 * LHASH_LOAD)
#define LHASH_RANDOM_TRIES 64
#define LHASH_ARRAY_STEP 8
#define LHASH_SPLIT_STACK_WORDS 16 /* pages up to 1024 entries split without an allocation */

typedef struct lhash_page {
    uint32_t count;
    uint32_t data_bytes;
    unsigned char bytes[]; /* tags, lens (lhash_capacity(count) each), data */
} lhash_page;

struct lhash {
    lhash_hash_fn *hash;
    lhash_page ***segments;
    size_t segment_count;
    size_t segment_capacity;   /* slots in `segments` */
    size_t first_capacity;     /* pages segment 0 can hold (power of two) */
    size_t count;              /* elements */
    size_t split;              /* s: next page to split */
    unsigned level;            /* L: 2^L + s pages */
    bool with_values;
    uint64_t random_state;
};

/* ------------------------------------------------------------ page layout */

/* Room in the tag and len arrays: a multiple of LHASH_ARRAY_STEP, so that
 * only one append in LHASH_ARRAY_STEP moves the data area. */
static size_t lhash_capacity(size_t count) {
    return (count + LHASH_ARRAY_STEP - 1) & ~(size_t)(LHASH_ARRAY_STEP - 1);
}

static unsigned char *lhash_tags(lhash_page *page) {
    return page->bytes;
}
static unsigned char *lhash_lens(lhash_page *page) {
    return page->bytes + lhash_capacity(page->count);
}
static unsigned char *lhash_data(lhash_page *page) {
    return page->bytes + 2 * lhash_capacity(page->count);
}

static size_t lhash_page_size(size_t count, size_t data_bytes) {
    return sizeof(lhash_page) + 2 * lhash_capacity(count) + data_bytes;
}

/* Bytes an entry takes in the data area, from its lens byte. */
static size_t lhash_span(unsigned char len) {
    return len == LHASH_EXTERNAL ? LHASH_POINTER_SIZE : len;
}

static unsigned char *lhash_external_block(const unsigned char *data) {
    unsigned char *block;
    memcpy(&block, data, sizeof block);
    return block;
}

/* The entry's bytes (member or field elem, then value elem). */
static const unsigned char *lhash_entry_bytes(const unsigned char *data, unsigned char len) {
    return len == LHASH_EXTERNAL ? lhash_external_block(data) : data;
}

/* Offset in the data area of entry `index`. */
static size_t lhash_entry_offset(lhash_page *page, uint32_t index) {
    const unsigned char *lens = lhash_lens(page);
    size_t offset = 0;
    for (uint32_t i = 0; i < index; i++) offset += lhash_span(lens[i]);
    return offset;
}

static lhash_page *lhash_page_create(void) {
    lhash_page *page = zmalloc_alloc(sizeof *page);
    page->count = 0;
    page->data_bytes = 0;
    return page;
}

/* Frees a page and the blocks of its out-of-page entries. */
static void lhash_page_free(lhash_page *page) {
    const unsigned char *lens = lhash_lens(page);
    const unsigned char *data = lhash_data(page);
    size_t offset = 0;
    for (uint32_t i = 0; i < page->count; i++) {
        if (lens[i] == LHASH_EXTERNAL) zmalloc_free(lhash_external_block(data + offset));
        offset += lhash_span(lens[i]);
    }
    zmalloc_free(page);
}

/* ------------------------------------------------------------ directory */

static size_t lhash_pages(const lhash *h) {
    return ((size_t)1 << h->level) + h->split;
}

static lhash_page **lhash_slot(const lhash *h, size_t index) {
    return &h->segments[index >> LHASH_SEGMENT_BITS][index & LHASH_SEGMENT_MASK];
}

static lhash_page *lhash_page_at(const lhash *h, size_t index) {
    return *lhash_slot(h, index);
}

/* The page holding elements of this hash. */
static size_t lhash_address(const lhash *h, uint64_t hash) {
    size_t low = (size_t)1 << h->level;
    size_t index = hash & (low - 1);
    if (index < h->split) index = hash & (2 * low - 1);
    return index;
}

/* Makes room in the directory for page number `index` (the next one). */
static void lhash_directory_grow(lhash *h, size_t index) {
    size_t segment = index >> LHASH_SEGMENT_BITS;
    if (segment == 0) {
        if (index < h->first_capacity) return;
        h->first_capacity *= 2;
        h->segments[0] = zmalloc_realloc(h->segments[0], h->first_capacity * sizeof(lhash_page *));
        return;
    }
    if (segment < h->segment_count) return;
    zkv_assert(segment == h->segment_count && h->first_capacity == LHASH_SEGMENT_PAGES);
    if (h->segment_count == h->segment_capacity) {
        h->segment_capacity *= 2;
        h->segments = zmalloc_realloc(h->segments, h->segment_capacity * sizeof(lhash_page **));
    }
    h->segments[h->segment_count++] = zmalloc_alloc(LHASH_SEGMENT_PAGES * sizeof(lhash_page *));
}

/* Releases directory space past page number `index`, just removed. */
static void lhash_directory_shrink(lhash *h, size_t index) {
    size_t segment = index >> LHASH_SEGMENT_BITS;
    if (segment > 0) {
        if ((index & LHASH_SEGMENT_MASK) != 0) return;
        zmalloc_free(h->segments[--h->segment_count]);
        if (h->segment_count == 1) {
            h->segment_capacity = 1;
            h->segments = zmalloc_realloc(h->segments, sizeof(lhash_page **));
        }
        return;
    }
    /* A quarter, not half, so alternating split and merge cannot thrash. */
    if (h->first_capacity > 1 && index <= h->first_capacity / 4) {
        h->first_capacity /= 2;
        h->segments[0] = zmalloc_realloc(h->segments[0], h->first_capacity * sizeof(lhash_page *));
    }
}

/* ------------------------------------------------------------ create/free */

lhash *lhash_create(lhash_hash_fn *hash, bool with_values) {
    lhash *h = zmalloc_calloc(sizeof *h);
    h->hash = hash;
    h->with_values = with_values;
    h->segments = zmalloc_alloc(sizeof(lhash_page **));
    h->segments[0] = zmalloc_alloc(sizeof(lhash_page *));
    h->segments[0][0] = lhash_page_create();
    h->segment_count = h->segment_capacity = h->first_capacity = 1;
    h->random_state = (uint64_t)(uintptr_t)h ^ UINT64_C(0x9e3779b97f4a7c15);
    return h;
}

void lhash_free(lhash *h) {
    size_t pages = lhash_pages(h);
    for (size_t i = 0; i < pages; i++) lhash_page_free(lhash_page_at(h, i));
    for (size_t s = 0; s < h->segment_count; s++) zmalloc_free(h->segments[s]);
    zmalloc_free(h->segments);
    zmalloc_free(h);
}

size_t lhash_count(const lhash *h) {
    return h->count;
}

bool lhash_with_values(const lhash *h) {
    return h->with_values;
}

size_t lhash_page_count(const lhash *h) {
    return lhash_pages(h);
}

/* Bytes of one page and the out-of-page entries it points to. */
static size_t lhash_page_memory(lhash_page *page) {
    size_t bytes = zmalloc_usable_size(page);
    const unsigned char *lens = lhash_lens(page), *data = lhash_data(page);
    size_t offset = 0;
    for (uint32_t e = 0; e < page->count; e++) {
        if (lens[e] == LHASH_EXTERNAL) bytes += zmalloc_usable_size(lhash_external_block(data + offset));
        offset += lhash_span(lens[e]);
    }
    return bytes;
}

size_t lhash_memory(const lhash *h) {
    return lhash_memory_sampled(h, 0);
}

size_t lhash_memory_sampled(const lhash *h, size_t samples) {
    size_t bytes = zmalloc_usable_size((void *)h) + zmalloc_usable_size(h->segments);
    for (size_t s = 0; s < h->segment_count; s++) bytes += zmalloc_usable_size(h->segments[s]);
    size_t pages = lhash_pages(h);
    if (samples == 0 || samples >= pages) {
        for (size_t i = 0; i < pages; i++) bytes += lhash_page_memory(lhash_page_at(h, i));
        return bytes;
    }
    /* Pages spread evenly over the table, extrapolated by their entries:
     * a page's bytes follow its entry count (its size class grows with
     * it), so bytes per entry varies far less between pages than bytes per
     * page does, and five pages give a close estimate. */
    size_t sampled = 0, entries = 0;
    for (size_t i = 0; i < samples; i++) {
        lhash_page *page = lhash_page_at(h, i * pages / samples);
        sampled += lhash_page_memory(page);
        entries += page->count;
    }
    if (entries == 0) return bytes + (size_t)((double)sampled / (double)samples * (double)pages);
    return bytes + (size_t)((double)sampled / (double)entries * (double)h->count);
}

/* ------------------------------------------------------------ entries */

/* A member, or a field and its value, ready to be written. */
typedef struct lhash_entry {
    elem_key key;
    elem_key value;
    bool with_value;
    size_t size;
} lhash_entry;

static void lhash_entry_init(lhash_entry *e, const lhash *h, const char *key, size_t key_length,
                             const char *value, size_t value_length) {
    elem_key_init(&e->key, key, key_length);
    e->with_value = h->with_values;
    e->size = e->key.encoded_size;
    if (e->with_value) {
        elem_key_init(&e->value, value == NULL ? "" : value, value_length);
        e->size += e->value.encoded_size;
    }
}

static void lhash_entry_encode(unsigned char *out, const lhash_entry *e) {
    elem_encode(out, &e->key);
    if (e->with_value) elem_encode(out + e->key.encoded_size, &e->value);
}

static unsigned char lhash_entry_len(const lhash_entry *e) {
    return e->size <= LHASH_INLINE_MAX ? (unsigned char)e->size : LHASH_EXTERNAL;
}

/* Writes the entry's span (inline bytes, or the pointer to a new block
 * holding them) into `out`, which has room for lhash_span of its len. */
static void lhash_entry_store(unsigned char *out, const lhash_entry *e) {
    if (e->size <= LHASH_INLINE_MAX) {
        lhash_entry_encode(out, e);
        return;
    }
    unsigned char *block = zmalloc_alloc(e->size);
    lhash_entry_encode(block, e);
    memcpy(out, &block, sizeof block);
}

/* The hash of a stored entry's key: integers are hashed as their text. */
static uint64_t lhash_entry_hash(const lhash *h, const unsigned char *bytes) {
    elem_view view;
    char buffer[ELEM_INTEGER_BUFFER];
    size_t length;
    elem_decode(bytes, &view);
    const char *text = elem_view_string(&view, buffer, &length);
    return h->hash(text, length);
}

static void lhash_entry_decode(const lhash *h, const unsigned char *bytes, elem_view *key,
                               elem_view *value) {
    size_t key_size = elem_decode(bytes, key);
    if (value != NULL && h->with_values) elem_decode(bytes + key_size, value);
}

static unsigned char lhash_tag(uint64_t hash) {
    return (unsigned char)(hash >> 56);
}

/* ------------------------------------------------------------ page edits */

/* Appends an entry whose span (`len` says how long) is at `span_bytes`.
 * Returns the page, possibly moved. */
static lhash_page *lhash_page_append(lhash_page *page, unsigned char tag, unsigned char len,
                                     const unsigned char *span_bytes) {
    size_t count = page->count, data = page->data_bytes, span = lhash_span(len);
    zkv_assert(count < UINT32_MAX && data + span <= UINT32_MAX);
    size_t old_capacity = lhash_capacity(count), capacity = lhash_capacity(count + 1);
    page = zmalloc_realloc(page, lhash_page_size(count + 1, data + span));
    unsigned char *b = page->bytes;
    if (capacity != old_capacity) {
        memmove(b + 2 * capacity, b + 2 * old_capacity, data);
        memmove(b + capacity, b + old_capacity, count);
    }
    b[count] = tag;
    b[capacity + count] = len;
    memcpy(b + 2 * capacity + data, span_bytes, span);
    page->count = (uint32_t)(count + 1);
    page->data_bytes = (uint32_t)(data + span);
    return page;
}

/* Removes entry `index`, whose data starts at `offset`, without freeing its
 * out-of-page block.  Returns the page, possibly moved. */
static lhash_page *lhash_page_remove(lhash_page *page, uint32_t index, size_t offset) {
    size_t count = page->count, data = page->data_bytes;
    zkv_assert(index < count);
    size_t old_capacity = lhash_capacity(count), capacity = lhash_capacity(count - 1);
    unsigned char *b = page->bytes;
    size_t span = lhash_span(b[old_capacity + index]);
    /* Everything moves down (or stays), front to back, so no source is
     * overwritten before it is read. */
    memmove(b + index, b + index + 1, count - 1 - index);
    if (capacity != old_capacity) memmove(b + capacity, b + old_capacity, index);
    memmove(b + capacity + index, b + old_capacity + index + 1, count - 1 - index);
    if (capacity != old_capacity) memmove(b + 2 * capacity, b + 2 * old_capacity, offset);
    memmove(b + 2 * capacity + offset, b + 2 * old_capacity + offset + span, data - offset - span);
    page->count = (uint32_t)(count - 1);
    page->data_bytes = (uint32_t)(data - span);
    return zmalloc_realloc(page, lhash_page_size(count - 1, data - span));
}

/* Finds the entry equal to `key` whose tag is `tag`: its index and data
 * offset.  memchr finds the candidates (most lookups of absent keys find
 * none); offsets are summed from the lens only up to each candidate. */
static bool lhash_page_find(lhash_page *page, unsigned char tag, const elem_key *key,
                            uint32_t *index, size_t *offset) {
    const unsigned char *tags = lhash_tags(page), *lens = lhash_lens(page);
    const unsigned char *data = lhash_data(page);
    const unsigned char *end = tags + page->count, *from = tags;
    uint32_t summed = 0;
    size_t at = 0;
    const unsigned char *candidate;
    while ((candidate = memchr(from, tag, (size_t)(end - from))) != NULL) {
        uint32_t i = (uint32_t)(candidate - tags);
        for (; summed < i; summed++) at += lhash_span(lens[summed]);
        if (elem_equals(lhash_entry_bytes(data + at, lens[i]), key)) {
            *index = i;
            *offset = at;
            return true;
        }
        from = candidate + 1;
    }
    return false;
}

/* ------------------------------------------------------------ split/merge */

/* A page of `count` entries and `data_bytes` of data, to be filled. */
static lhash_page *lhash_page_sized(size_t count, size_t data_bytes) {
    lhash_page *page = zmalloc_alloc(lhash_page_size(count, data_bytes));
    page->count = (uint32_t)count;
    page->data_bytes = (uint32_t)data_bytes;
    return page;
}

/* Where the next entry of a page being filled goes. */
typedef struct lhash_fill {
    lhash_page *page;
    uint32_t index;
    size_t offset;
} lhash_fill;

static void lhash_fill_entry(lhash_fill *fill, unsigned char tag, unsigned char len,
                             const unsigned char *span_bytes) {
    lhash_page *page = fill->page;
    lhash_tags(page)[fill->index] = tag;
    lhash_lens(page)[fill->index] = len;
    memcpy(lhash_data(page) + fill->offset, span_bytes, lhash_span(len));
    fill->index++;
    fill->offset += lhash_span(len);
}

/* Marks in `sides` the entries of `page` whose hash has bit `bit` set (they
 * move to the new page); returns how many, and their bytes in *moved_bytes. */
static size_t lhash_mark_moving(const lhash *h, lhash_page *page, unsigned bit, uint64_t *sides,
                                size_t *moved_bytes) {
    const unsigned char *lens = lhash_lens(page), *data = lhash_data(page);
    size_t moved = 0, offset = 0;
    *moved_bytes = 0;
    memset(sides, 0, (page->count + 63) / 64 * sizeof *sides);
    for (uint32_t i = 0; i < page->count; i++) {
        if (lhash_entry_hash(h, lhash_entry_bytes(data + offset, lens[i])) >> bit & 1) {
            sides[i / 64] |= UINT64_C(1) << (i % 64);
            moved++;
            *moved_bytes += lhash_span(lens[i]);
        }
        offset += lhash_span(lens[i]);
    }
    return moved;
}

/* Copies the entries of `page` into *stay or *move (exactly sized) as
 * `sides` says. */
static void lhash_partition(lhash_page *page, const uint64_t *sides, size_t moved,
                            size_t moved_bytes, lhash_page **stay, lhash_page **move) {
    lhash_fill kept = {lhash_page_sized(page->count - moved, page->data_bytes - moved_bytes), 0, 0};
    lhash_fill gone = {lhash_page_sized(moved, moved_bytes), 0, 0};
    const unsigned char *tags = lhash_tags(page), *lens = lhash_lens(page);
    const unsigned char *data = lhash_data(page);
    size_t offset = 0;
    for (uint32_t i = 0; i < page->count; i++) {
        bool moves = sides[i / 64] >> (i % 64) & 1;
        lhash_fill_entry(moves ? &gone : &kept, tags[i], lens[i], data + offset);
        offset += lhash_span(lens[i]);
    }
    zkv_assert(kept.index == kept.page->count && kept.offset == kept.page->data_bytes);
    zkv_assert(gone.index == gone.page->count && gone.offset == gone.page->data_bytes);
    *stay = kept.page;
    *move = gone.page;
}

/* Splits page s into pages s and s + 2^L by bit L of each entry's hash:
 * one pass hashes the entries and sizes both halves, a second copies them
 * (the hash is computed once per entry). */
static void lhash_split(lhash *h) {
    size_t source = h->split, target = source + ((size_t)1 << h->level);
    lhash_directory_grow(h, target);
    lhash_page *page = lhash_page_at(h, source);
    uint64_t stack_sides[LHASH_SPLIT_STACK_WORDS];
    size_t words = (page->count + 63) / 64;
    uint64_t *sides = words <= LHASH_SPLIT_STACK_WORDS ? stack_sides : zmalloc_alloc(words * sizeof *sides);
    size_t moved_bytes;
    size_t moved = lhash_mark_moving(h, page, h->level, sides, &moved_bytes);
    lhash_partition(page, sides, moved, moved_bytes, lhash_slot(h, source), lhash_slot(h, target));
    if (sides != stack_sides) zmalloc_free(sides);
    zmalloc_free(page);
    if (++h->split == (size_t)1 << h->level) {
        h->level++;
        h->split = 0;
    }
}

/* Merges the last page into its buddy: the inverse of lhash_split. */
static void lhash_merge(lhash *h) {
    zkv_assert(lhash_pages(h) > 1);
    if (h->split == 0) {
        h->level--;
        h->split = (size_t)1 << h->level;
    }
    h->split--;
    size_t target = h->split, source = target + ((size_t)1 << h->level);
    lhash_page *into = lhash_page_at(h, target), *from = lhash_page_at(h, source);
    size_t c1 = into->count, d1 = into->data_bytes, c2 = from->count, d2 = from->data_bytes;
    size_t cap1 = lhash_capacity(c1), cap2 = lhash_capacity(c2), cap = lhash_capacity(c1 + c2);
    into = zmalloc_realloc(into, lhash_page_size(c1 + c2, d1 + d2));
    unsigned char *b = into->bytes;
    /* tags1 lens1 data1 becomes tags1 tags2 lens1 lens2 data1 data2: move
     * the upper parts up first. */
    memmove(b + 2 * cap, b + 2 * cap1, d1);
    memmove(b + cap, b + cap1, c1);
    memcpy(b + c1, from->bytes, c2);
    memcpy(b + cap + c1, from->bytes + cap2, c2);
    memcpy(b + 2 * cap + d1, from->bytes + 2 * cap2, d2);
    into->count = (uint32_t)(c1 + c2);
    into->data_bytes = (uint32_t)(d1 + d2);
    zmalloc_free(from);
    *lhash_slot(h, target) = into;
    lhash_directory_shrink(h, source);
}

static void lhash_after_insert(lhash *h) {
    if (h->count > lhash_pages(h) * LHASH_LOAD) lhash_split(h);
}

static void lhash_after_delete(lhash *h) {
    size_t pages = lhash_pages(h);
    if (pages > 1 && h->count < pages * (LHASH_LOAD / 2)) lhash_merge(h);
}

/* ------------------------------------------------------------ operations */

bool lhash_find(const lhash *h, const char *key, size_t key_length, elem_view *value) {
    elem_key k;
    elem_key_init(&k, key, key_length);
    uint64_t hash = h->hash(key, key_length);
    lhash_page *page = lhash_page_at(h, lhash_address(h, hash));
    uint32_t index;
    size_t offset;
    if (!lhash_page_find(page, lhash_tag(hash), &k, &index, &offset)) return false;
    if (value != NULL && h->with_values) {
        elem_view ignored;
        const unsigned char *bytes = lhash_entry_bytes(lhash_data(page) + offset, lhash_lens(page)[index]);
        lhash_entry_decode(h, bytes, &ignored, value);
    }
    return true;
}

/* Appends a new entry to page `slot` points to. */
static void lhash_page_add(lhash_page **slot, unsigned char tag, const lhash_entry *e) {
    unsigned char span[LHASH_INLINE_MAX];
    lhash_entry_store(span, e);
    *slot = lhash_page_append(*slot, tag, lhash_entry_len(e), span);
}

/* Replaces entry `index` (at `offset`) of the page at `slot` by `e`, which
 * has the same key. */
static void lhash_replace(lhash_page **slot, uint32_t index, size_t offset, const lhash_entry *e) {
    lhash_page *page = *slot;
    unsigned char len = lhash_lens(page)[index];
    unsigned char *at = lhash_data(page) + offset;
    if (len != LHASH_EXTERNAL && len == e->size) {
        lhash_entry_encode(at, e);
        return;
    }
    unsigned char tag = lhash_tags(page)[index];
    if (len == LHASH_EXTERNAL) zmalloc_free(lhash_external_block(at));
    if (len == LHASH_EXTERNAL && lhash_entry_len(e) == LHASH_EXTERNAL) {
        lhash_entry_store(at, e);
        return;
    }
    *slot = lhash_page_remove(page, index, offset);
    lhash_page_add(slot, tag, e);
}

bool lhash_set(lhash *h, const char *key, size_t key_length, const char *value,
               size_t value_length) {
    zkv_assert((h->with_values || value_length == 0) && (value != NULL || value_length == 0));
    lhash_entry e;
    lhash_entry_init(&e, h, key, key_length, value, value_length);
    uint64_t hash = h->hash(key, key_length);
    lhash_page **slot = lhash_slot(h, lhash_address(h, hash));
    uint32_t index;
    size_t offset;
    if (lhash_page_find(*slot, lhash_tag(hash), &e.key, &index, &offset)) {
        if (h->with_values) lhash_replace(slot, index, offset, &e);
        return false;
    }
    lhash_page_add(slot, lhash_tag(hash), &e);
    h->count++;
    lhash_after_insert(h);
    return true;
}

/* Removes entry `index` at `offset` from the page at `slot`, with its
 * out-of-page block, and shrinks the table if it became sparse. */
static void lhash_remove_entry(lhash *h, lhash_page **slot, uint32_t index, size_t offset) {
    lhash_page *page = *slot;
    if (lhash_lens(page)[index] == LHASH_EXTERNAL)
        zmalloc_free(lhash_external_block(lhash_data(page) + offset));
    *slot = lhash_page_remove(page, index, offset);
    zkv_assert(h->count > 0);
    h->count--;
    lhash_after_delete(h);
}

bool lhash_delete(lhash *h, const char *key, size_t key_length) {
    elem_key k;
    elem_key_init(&k, key, key_length);
    uint64_t hash = h->hash(key, key_length);
    lhash_page **slot = lhash_slot(h, lhash_address(h, hash));
    uint32_t index;
    size_t offset;
    if (!lhash_page_find(*slot, lhash_tag(hash), &k, &index, &offset)) return false;
    lhash_remove_entry(h, slot, index, offset);
    return true;
}

/* ------------------------------------------------------------ random */

/* xorshift64*: sampling needs spread, not secrecy. */
static uint64_t lhash_next_random(lhash *h) {
    uint64_t x = h->random_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    h->random_state = x;
    return x * UINT64_C(0x2545f4914f6cdd1d);
}

/* A page drawn with probability proportional to its entry count (capped at
 * LHASH_RANDOM_BOUND): rejection sampling, then a walk as a last resort. */
static size_t lhash_random_page(lhash *h) {
    size_t pages = lhash_pages(h);
    for (int tries = 0; tries < LHASH_RANDOM_TRIES; tries++) {
        uint64_t r = lhash_next_random(h);
        size_t index = (size_t)(r % pages);
        uint32_t count = lhash_page_at(h, index)->count;
        if (count > 0 && (r >> 40) % LHASH_RANDOM_BOUND < count) return index;
    }
    size_t index = (size_t)(lhash_next_random(h) % pages);
    while (lhash_page_at(h, index)->count == 0) index = (index + 1) % pages;
    return index;
}

bool lhash_random(lhash *h, lhash_position *position) {
    if (h->count == 0) return false;
    position->page = lhash_random_page(h);
    uint32_t count = lhash_page_at(h, position->page)->count;
    position->index = (uint32_t)(lhash_next_random(h) % count);
    return true;
}

void lhash_get(const lhash *h, const lhash_position *position, elem_view *key, elem_view *value) {
    lhash_page *page = lhash_page_at(h, position->page);
    zkv_assert(position->index < page->count);
    size_t offset = lhash_entry_offset(page, position->index);
    const unsigned char *bytes =
        lhash_entry_bytes(lhash_data(page) + offset, lhash_lens(page)[position->index]);
    lhash_entry_decode(h, bytes, key, value);
}

void lhash_delete_at(lhash *h, const lhash_position *position) {
    lhash_page **slot = lhash_slot(h, position->page);
    zkv_assert(position->index < (*slot)->count);
    lhash_remove_entry(h, slot, position->index, lhash_entry_offset(*slot, position->index));
}

/* ------------------------------------------------------------ scan/iterate */

/* Reports every entry of a page. */
static void lhash_page_report(const lhash *h, lhash_page *page, lhash_scan_fn *fn, void *privdata) {
    const unsigned char *lens = lhash_lens(page), *data = lhash_data(page);
    size_t offset = 0;
    for (uint32_t i = 0; i < page->count; i++) {
        elem_view key, value;
        lhash_entry_decode(h, lhash_entry_bytes(data + offset, lens[i]), &key, &value);
        fn(privdata, &key, h->with_values ? &value : NULL);
        offset += lhash_span(lens[i]);
    }
}

static unsigned long lhash_reverse_bits(unsigned long v) {
    unsigned long r = 0;
    for (unsigned i = 0; i < sizeof v * 8; i++) {
        r = r << 1 | (v & 1);
        v >>= 1;
    }
    return r;
}

unsigned long lhash_scan(const lhash *h, unsigned long cursor, lhash_scan_fn *fn, void *privdata) {
    size_t low = (size_t)1 << h->level;
    size_t index = cursor & (low - 1);
    unsigned bits = h->level;
    if (index < h->split) {
        index = cursor & (2 * low - 1);
        bits++;
    }
    lhash_page_report(h, lhash_page_at(h, index), fn, privdata);
    /* Advance past every hash whose low `bits` bits are `index`: set the
     * bits above, then add one in reversed bit order. */
    unsigned long mask = bits == 0 ? 0 : ~0UL >> (sizeof mask * 8 - bits);
    cursor |= ~mask;
    return lhash_reverse_bits(lhash_reverse_bits(cursor) + 1);
}

void lhash_iterator_init(lhash_iterator *it, const lhash *h) {
    it->h = h;
    it->page = 0;
    it->index = 0;
    it->offset = 0;
}

bool lhash_iterator_next(lhash_iterator *it, elem_view *key, elem_view *value) {
    size_t pages = lhash_pages(it->h);
    while (it->page < pages) {
        lhash_page *page = lhash_page_at(it->h, it->page);
        if (it->index < page->count) {
            unsigned char len = lhash_lens(page)[it->index];
            lhash_entry_decode(it->h, lhash_entry_bytes(lhash_data(page) + it->offset, len), key, value);
            it->offset += lhash_span(len);
            it->index++;
            return true;
        }
        it->page++;
        it->index = 0;
        it->offset = 0;
    }
    return false;
}

/* ------------------------------------------------------------ duplicate */

/* A copy of a page whose out-of-page blocks are copied too. */
static lhash_page *lhash_page_duplicate(const lhash *h, lhash_page *page) {
    size_t size = lhash_page_size(page->count, page->data_bytes);
    lhash_page *copy = zmalloc_alloc(size);
    memcpy(copy, page, size);
    const unsigned char *lens = lhash_lens(copy);
    unsigned char *data = lhash_data(copy);
    size_t offset = 0;
    for (uint32_t i = 0; i < copy->count; i++) {
        if (lens[i] == LHASH_EXTERNAL) {
            const unsigned char *block = lhash_external_block(data + offset);
            size_t bytes = elem_size(block);
            if (h->with_values) bytes += elem_size(block + bytes);
            unsigned char *block_copy = zmalloc_alloc(bytes);
            memcpy(block_copy, block, bytes);
            memcpy(data + offset, &block_copy, sizeof block_copy);
        }
        offset += lhash_span(lens[i]);
    }
    return copy;
}

lhash *lhash_duplicate(const lhash *h) {
    lhash *copy = zmalloc_alloc(sizeof *copy);
    *copy = *h;
    copy->segments = zmalloc_alloc(h->segment_capacity * sizeof(lhash_page **));
    for (size_t s = 0; s < h->segment_count; s++) {
        size_t slots = s == 0 ? h->first_capacity : LHASH_SEGMENT_PAGES;
        copy->segments[s] = zmalloc_alloc(slots * sizeof(lhash_page *));
    }
    size_t pages = lhash_pages(h);
    for (size_t i = 0; i < pages; i++) *lhash_slot(copy, i) = lhash_page_duplicate(h, lhash_page_at(h, i));
    copy->random_state ^= (uint64_t)(uintptr_t)copy;
    return copy;
}

/* ------------------------------------------------------------ defrag */

static void lhash_defrag_directory(lhash *h, lhash_defrag_fn *fn, void *privdata) {
    h->segments = fn(privdata, h->segments);
    for (size_t s = 0; s < h->segment_count; s++) h->segments[s] = fn(privdata, h->segments[s]);
}

unsigned long lhash_defrag_step(lhash *h, unsigned long cursor, lhash_defrag_fn *fn, void *privdata) {
    if (cursor == 0) lhash_defrag_directory(h, fn, privdata);
    if (cursor >= lhash_pages(h)) return 0;
    lhash_page **slot = lhash_slot(h, cursor);
    *slot = fn(privdata, *slot);
    lhash_page *page = *slot;
    const unsigned char *lens = lhash_lens(page);
    unsigned char *data = lhash_data(page);
    size_t offset = 0;
    for (uint32_t i = 0; i < page->count; i++) {
        if (lens[i] == LHASH_EXTERNAL) {
            unsigned char *block = fn(privdata, lhash_external_block(data + offset));
            memcpy(data + offset, &block, sizeof block);
        }
        offset += lhash_span(lens[i]);
    }
    return cursor + 1 < lhash_pages(h) ? cursor + 1 : 0;
}

/* ------------------------------------------------------------ checks */

/* Asserts that each entry of page `index` belongs there; returns its count. */
static size_t lhash_check_page(const lhash *h, size_t index) {
    lhash_page *page = lhash_page_at(h, index);
    const unsigned char *tags = lhash_tags(page), *lens = lhash_lens(page);
    const unsigned char *data = lhash_data(page);
    size_t offset = 0;
    for (uint32_t i = 0; i < page->count; i++) {
        const unsigned char *bytes = lhash_entry_bytes(data + offset, lens[i]);
        uint64_t hash = lhash_entry_hash(h, bytes);
        zkv_assert(lhash_address(h, hash) == index && tags[i] == lhash_tag(hash));
        size_t size = elem_size(bytes);
        if (h->with_values) size += elem_size(bytes + size);
        zkv_assert(lens[i] == LHASH_EXTERNAL ? size > LHASH_INLINE_MAX : size == lens[i]);
        offset += lhash_span(lens[i]);
    }
    zkv_assert(offset == page->data_bytes);
    return page->count;
}

void lhash_check(const lhash *h) {
    size_t pages = lhash_pages(h), total = 0;
    zkv_assert(h->split < (size_t)1 << h->level);
    zkv_assert(pages <= (h->segment_count - 1) * LHASH_SEGMENT_PAGES + h->first_capacity);
    for (size_t i = 0; i < pages; i++) total += lhash_check_page(h, i);
    zkv_assert(total == h->count);
    zkv_assert(h->count <= pages * LHASH_LOAD);
    (void)total;
}
