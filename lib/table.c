/* table: cache-line buckets of tagged 8-byte slots, chained per bucket,
 * resized incrementally.  See table.h for the layout and its trade-offs. */
#include "table.h"

#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "hash.h"
#include "zkv_assert.h"
#include "zmalloc.h"

typedef struct table_bucket {
    uint64_t slots[TABLE_BUCKET_SLOTS];
} table_bucket;

struct table {
    const table_type *type;
    table_bucket *buckets[2];  /* [1] exists only while rehashing */
    int exponent[2];           /* log2 of the bucket count, -1 when absent */
    size_t used[2];            /* entries in each array */
    size_t children[2];        /* child buckets hanging off each array */
    size_t rehash_index;       /* next chain of [0] to move while rehashing */
    table_bucket *next_array;  /* a large array being zeroed before its resize starts */
    int next_exponent;         /* its log2 bucket count */
    size_t next_zeroed;        /* bytes of it zeroed so far */
    int pause_count;           /* iterators and scans in progress */
    uint64_t insert_mark;      /* 0 or TABLE_SLOT_MARK_BIT */
    uint64_t random_state;     /* for random_entry and sample */
};

/* A full bucket array of this exponent holds 8 << exponent entries. */
#define TABLE_SLOT_TAG_SHIFT 48
#define TABLE_EMPTY_VISITS_PER_STEP 10
#define TABLE_RANDOM_TRIES 64
#define TABLE_HUGE_PAGE ((size_t)2 << 20)
/* A new bucket array up to this size is calloc'd at once.  A larger one is
 * zeroed TABLE_ZERO_STEP bytes per insert, delete or rehash step before the
 * resize starts: calloc zeroes an array carved from freed (dirty) pages in
 * one go, ~0.1 ms per MB on the event loop (3 ms for the 32 MB array of 4M
 * keys), where fresh pages cost nothing until touched.  The table runs a
 * little past load 1 meanwhile (32 MB takes 1024 steps). */
#define TABLE_ZERO_AT_ONCE_MAX ((size_t)256 * 1024)
#define TABLE_ZERO_STEP ((size_t)32 * 1024)

/* ---------------------------------------------------------------- helpers */

static size_t table_bucket_count(const table *t, int which) {
    return t->exponent[which] < 0 ? 0 : (size_t)1 << t->exponent[which];
}

static size_t table_mask(const table *t, int which) {
    return table_bucket_count(t, which) - 1;
}

static table_bucket *table_slot_child(uint64_t word) {
    return (table_bucket *)(uintptr_t)(word & TABLE_SLOT_POINTER_MASK);
}

static uint64_t table_slot_make(void *entry, uint64_t hash, bool flag) {
    uint64_t pointer = (uint64_t)(uintptr_t)entry;
    zkv_assert((pointer & ~TABLE_SLOT_POINTER_MASK) == 0); /* a 48-bit user-space address */
    return pointer | (hash >> 56) << TABLE_SLOT_TAG_SHIFT | (flag ? TABLE_SLOT_FLAG_BIT : 0);
}

static uint64_t table_entry_hash(const table *t, const void *entry) {
    const char *key;
    size_t length;
    t->type->entry_key(entry, &key, &length);
    return hash_bytes(key, length);
}

/* xorshift64*: a cheap generator; sampling needs spread, not secrecy. */
static uint64_t table_random(table *t) {
    uint64_t x = t->random_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t->random_state = x;
    return x * UINT64_C(0x2545f4914f6cdd1d);
}

static bool table_is_paused(const table *t) {
    return t->pause_count > 0;
}

uint64_t table_hash_key(const char *key, size_t length) {
    return hash_bytes(key, length);
}

/* ---------------------------------------------------------------- create */

table *table_create(const table_type *type) {
    table *t = zmalloc_calloc(sizeof *t);
    t->type = type;
    t->exponent[0] = t->exponent[1] = t->next_exponent = -1;
    t->random_state = (uint64_t)(uintptr_t)t ^ UINT64_C(0x9e3779b97f4a7c15);
    return t;
}

/* Frees the entries (if asked) and child buckets of one chain. */
static void table_release_chain(table *t, table_bucket *head) {
    table_bucket *bucket = head;
    while (bucket != NULL) {
        table_bucket *next = NULL;
        for (int i = 0; i < TABLE_BUCKET_SLOTS; i++) {
            uint64_t word = bucket->slots[i];
            if (word == 0) continue;
            if (word & TABLE_SLOT_CHILD_BIT)
                next = table_slot_child(word);
            else if (t->type->entry_free != NULL)
                t->type->entry_free((void *)(uintptr_t)(word & TABLE_SLOT_POINTER_MASK));
        }
        if (bucket != head) zmalloc_free(bucket);
        bucket = next;
    }
}

void table_release(table *t) {
    for (int which = 0; which < 2; which++) {
        size_t count = table_bucket_count(t, which);
        bool needs_walk = t->used[which] > 0 || t->children[which] > 0;
        for (size_t i = 0; needs_walk && i < count; i++)
            table_release_chain(t, &t->buckets[which][i]);
        zmalloc_free(t->buckets[which]);
    }
    zmalloc_free(t->next_array);
    zmalloc_free(t);
}

size_t table_size(const table *t) {
    return t->used[0] + t->used[1];
}

size_t table_memory(const table *t) {
    size_t bytes = zmalloc_good_size(sizeof *t);
    for (int which = 0; which < 2; which++) {
        if (t->buckets[which] != NULL) bytes += zmalloc_usable_size(t->buckets[which]);
        bytes += t->children[which] * zmalloc_good_size(sizeof(table_bucket));
    }
    if (t->next_array != NULL) bytes += zmalloc_usable_size(t->next_array);
    return bytes;
}

size_t table_slot_capacity(const table *t) {
    return (table_bucket_count(t, 0) + table_bucket_count(t, 1)) * TABLE_BUCKET_SLOTS;
}

/* Two arrays hold entries (rehashing proper, past the preparation). */
static bool table_has_two_arrays(const table *t) {
    return t->exponent[1] >= 0;
}

bool table_is_rehashing(const table *t) {
    return table_has_two_arrays(t) || t->next_array != NULL;
}

size_t table_child_buckets(const table *t) {
    return t->children[0] + t->children[1];
}

/* ---------------------------------------------------------------- lookup */

static table_slot *table_find_in(table *t, int which, const char *key, size_t length,
                                  uint64_t hash) {
    if (t->exponent[which] < 0) return NULL;
    table_bucket *bucket = &t->buckets[which][hash & table_mask(t, which)];
    uint64_t tag = hash >> 56;
    int i = 0;
    while (i < TABLE_BUCKET_SLOTS) {
        uint64_t word = bucket->slots[i];
        if (word & TABLE_SLOT_CHILD_BIT) {
            bucket = table_slot_child(word);
            i = 0;
            continue;
        }
        if (word != 0 && ((word >> TABLE_SLOT_TAG_SHIFT) & 0xff) == tag) {
            const char *entry_key;
            size_t entry_length;
            t->type->entry_key((void *)(uintptr_t)(word & TABLE_SLOT_POINTER_MASK), &entry_key,
                               &entry_length);
            if (entry_length == length && memcmp(entry_key, key, length) == 0)
                return &bucket->slots[i];
        }
        i++;
    }
    return NULL;
}

table_slot *table_find_slot(table *t, const char *key, size_t length, uint64_t hash) {
    table_slot *slot = table_find_in(t, 0, key, length, hash);
    if (slot == NULL && table_has_two_arrays(t)) slot = table_find_in(t, 1, key, length, hash);
    return slot;
}

void *table_find(table *t, const char *key, size_t length, uint64_t hash) {
    table_slot *slot = table_find_slot(t, key, length, hash);
    return slot == NULL ? NULL : table_slot_entry(slot);
}

void table_prefetch(const table *t, const uint64_t *hashes, size_t count) {
    if (t->exponent[0] < 0) return;
    size_t mask = table_mask(t, 0);
    for (size_t i = 0; i < count; i++) __builtin_prefetch(&t->buckets[0][hashes[i] & mask]);
    /* By now the first buckets have arrived; chains and the new array of a
     * rehash are left to the lookup itself. */
    for (size_t i = 0; i < count; i++) {
        const table_bucket *bucket = &t->buckets[0][hashes[i] & mask];
        uint64_t tag = hashes[i] >> 56;
        for (int s = 0; s < TABLE_BUCKET_SLOTS; s++) {
            uint64_t word = bucket->slots[s];
            if (word != 0 && !(word & TABLE_SLOT_CHILD_BIT) &&
                ((word >> TABLE_SLOT_TAG_SHIFT) & 0xff) == tag)
                __builtin_prefetch((const void *)(uintptr_t)(word & TABLE_SLOT_POINTER_MASK));
        }
    }
}

void table_prefetch_buckets(const table *t, const uint64_t *hashes, size_t count) {
    if (t->exponent[0] < 0) return;
    size_t mask = table_mask(t, 0);
    for (size_t i = 0; i < count; i++) __builtin_prefetch(&t->buckets[0][hashes[i] & mask]);
}

/* ---------------------------------------------------------------- insert */

/* Puts a word in the first free slot of a chain, growing the chain by a
 * child bucket (which takes over the last slot's entry) when it is full. */
static void table_chain_insert(table *t, int which, table_bucket *bucket, uint64_t word) {
    for (;;) {
        int i;
        for (i = 0; i < TABLE_BUCKET_SLOTS; i++) {
            uint64_t current = bucket->slots[i];
            if (current == 0) {
                bucket->slots[i] = word;
                return;
            }
            if (current & TABLE_SLOT_CHILD_BIT) break;
        }
        if (i == TABLE_BUCKET_SLOTS) break;
        bucket = table_slot_child(bucket->slots[i]);
    }
    table_bucket *child = zmalloc_calloc(sizeof *child);
    child->slots[0] = bucket->slots[TABLE_BUCKET_SLOTS - 1];
    child->slots[1] = word;
    bucket->slots[TABLE_BUCKET_SLOTS - 1] = (uint64_t)(uintptr_t)child | TABLE_SLOT_CHILD_BIT;
    t->children[which]++;
}

static void table_install_array(table *t, table_bucket *array, int exponent) {
    t->buckets[1] = array;
    t->exponent[1] = exponent;
    t->rehash_index = 0;
}

/* Zeroes one more step of the array in preparation and installs it once it
 * is whole, unless the table is paused (iterators expect the arrays they
 * started with). */
static void table_prepare_step(table *t) {
    size_t bytes = sizeof(table_bucket) << t->next_exponent;
    if (t->next_zeroed < bytes) {
        size_t count = bytes - t->next_zeroed < TABLE_ZERO_STEP ? bytes - t->next_zeroed : TABLE_ZERO_STEP;
        memset((char *)t->next_array + t->next_zeroed, 0, count);
        t->next_zeroed += count;
    }
    if (t->next_zeroed < bytes || table_is_paused(t)) return;
    table_install_array(t, t->next_array, t->next_exponent);
    t->next_array = NULL;
    t->next_exponent = -1;
    t->next_zeroed = 0;
}

static void table_start_resize(table *t, int exponent) {
    size_t bytes = sizeof(table_bucket) << exponent;
    if (bytes <= TABLE_ZERO_AT_ONCE_MAX) {
        table_install_array(t, zmalloc_calloc(bytes), exponent);
        return;
    }
    t->next_array = zmalloc_alloc(bytes);
    t->next_exponent = exponent;
    t->next_zeroed = 0;
    table_prepare_step(t);
}

/* Smallest exponent whose array holds `entries` at load one half. */
static int table_exponent_for(size_t entries) {
    int exponent = 0;
    while (((size_t)TABLE_BUCKET_SLOTS << exponent) < entries * 2) exponent++;
    return exponent;
}

static void table_grow_if_needed(table *t) {
    if (t->exponent[0] < 0) {
        t->buckets[0] = zmalloc_calloc(sizeof(table_bucket));
        t->exponent[0] = 0;
        return;
    }
    if (table_is_rehashing(t) || table_is_paused(t)) return;
    size_t capacity = (size_t)TABLE_BUCKET_SLOTS << t->exponent[0];
    if (t->used[0] < capacity) return;
    double load = (double)t->used[0] / (double)capacity;
    size_t more_bytes = sizeof(table_bucket) << (t->exponent[0] + 1);
    if (t->type->grow_allowed && load < TABLE_FORCE_GROW_LOAD && !t->type->grow_allowed(more_bytes, load)) return;
    table_start_resize(t, t->exponent[0] + 1);
}

/* Chains moved per insert while rehashing: one, or more when the new array
 * is already twice full (inserts racing a shrink), so chains stay short. */
#define TABLE_CATCH_UP_CHAINS 64

void table_insert(table *t, void *entry, uint64_t hash, bool flag) {
    zkv_assert(entry != NULL);
    if (t->next_array != NULL) {
        table_prepare_step(t);
    } else if (table_has_two_arrays(t)) {
        bool overloaded = t->used[1] >= (size_t)2 * TABLE_BUCKET_SLOTS << t->exponent[1];
        table_rehash_steps(t, overloaded ? TABLE_CATCH_UP_CHAINS : 1);
    }
    table_grow_if_needed(t);
    int which = table_has_two_arrays(t) ? 1 : 0;
    table_bucket *head = &t->buckets[which][hash & table_mask(t, which)];
    table_chain_insert(t, which, head, table_slot_make(entry, hash, flag) | t->insert_mark);
    t->used[which]++;
}

/* ---------------------------------------------------------------- delete */

/* Keeps a chain dense after a slot was cleared: the last entry of the tail
 * bucket fills the hole, and a tail left with one entry or none is folded
 * back into its parent.  Only runs when the table is not paused. */
static void table_chain_compact(table *t, int which, table_bucket *head, uint64_t *hole) {
    table_bucket *parent = NULL, *tail = head;
    while (tail->slots[TABLE_BUCKET_SLOTS - 1] & TABLE_SLOT_CHILD_BIT) {
        parent = tail;
        tail = table_slot_child(tail->slots[TABLE_BUCKET_SLOTS - 1]);
    }
    if (parent == NULL) return;
    int last = TABLE_BUCKET_SLOTS - 1, remaining = 0;
    while (last >= 0 && tail->slots[last] == 0) last--;
    if (last >= 0 && (hole < tail->slots || hole >= tail->slots + TABLE_BUCKET_SLOTS)) {
        *hole = tail->slots[last];
        tail->slots[last] = 0;
    }
    uint64_t survivor = 0;
    for (int i = 0; i < TABLE_BUCKET_SLOTS; i++) {
        if (tail->slots[i] == 0) continue;
        remaining++;
        survivor = tail->slots[i];
    }
    if (remaining > 1) return;
    parent->slots[TABLE_BUCKET_SLOTS - 1] = survivor;
    zmalloc_free(tail);
    t->children[which]--;
}

static void *table_delete_in(table *t, int which, const char *key, size_t length, uint64_t hash) {
    table_slot *slot = table_find_in(t, which, key, length, hash);
    if (slot == NULL) return NULL;
    void *entry = table_slot_entry(slot);
    *slot = 0;
    zkv_assert(t->used[which] > 0);
    t->used[which]--;
    if (!table_is_paused(t))
        table_chain_compact(t, which, &t->buckets[which][hash & table_mask(t, which)], slot);
    return entry;
}

void *table_delete(table *t, const char *key, size_t length, uint64_t hash) {
    if (table_is_rehashing(t)) table_rehash_steps(t, 1);
    void *entry = table_delete_in(t, 0, key, length, hash);
    if (entry == NULL && table_has_two_arrays(t)) entry = table_delete_in(t, 1, key, length, hash);
    if (entry != NULL) table_shrink_if_needed(t);
    return entry;
}

void table_set_insert_mark(table *t, bool mark) {
    t->insert_mark = mark ? TABLE_SLOT_MARK_BIT : 0;
}

bool table_expand(table *t, size_t count) {
    if (table_size(t) > 0 || table_is_rehashing(t) || count == 0) return false;
    int exponent = 0;
    while (((size_t)TABLE_BUCKET_SLOTS << exponent) < count) exponent++;
    if (exponent <= t->exponent[0]) return false;
    zmalloc_free(t->buckets[0]);
    size_t bytes = sizeof(table_bucket) << exponent;
    t->buckets[0] = zmalloc_calloc(bytes);
    t->exponent[0] = exponent;
    /* The inserts that follow land on random buckets: with 2 MB pages a
     * million-key array needs 8 TLB entries instead of 4096.  Only a hint
     * (transparent huge pages may be off); the 2 MB-aligned middle of the
     * array is what the kernel can back that way. */
    uintptr_t start = ((uintptr_t)t->buckets[0] + TABLE_HUGE_PAGE - 1) & ~(uintptr_t)(TABLE_HUGE_PAGE - 1);
    uintptr_t end = ((uintptr_t)t->buckets[0] + bytes) & ~(uintptr_t)(TABLE_HUGE_PAGE - 1);
    if (end > start) madvise((void *)start, end - start, MADV_HUGEPAGE);
    return true;
}

void table_shrink_if_needed(table *t) {
    if (t->exponent[0] <= 0 || table_is_rehashing(t) || table_is_paused(t)) return;
    if (t->used[0] >= table_bucket_count(t, 0)) return; /* load >= 1/8 */
    int exponent = table_exponent_for(t->used[0]);
    if (exponent < t->exponent[0]) table_start_resize(t, exponent);
}

/* ---------------------------------------------------------------- rehash */

/* Moves every entry of one chain of the old array into the new one. */
static void table_rehash_chain(table *t, table_bucket *head) {
    table_bucket *bucket = head;
    size_t new_mask = table_mask(t, 1);
    while (bucket != NULL) {
        table_bucket *next = NULL;
        for (int i = 0; i < TABLE_BUCKET_SLOTS; i++) {
            uint64_t word = bucket->slots[i];
            if (word == 0) continue;
            if (word & TABLE_SLOT_CHILD_BIT) {
                next = table_slot_child(word);
                continue;
            }
            uint64_t hash = table_entry_hash(t, (void *)(uintptr_t)(word & TABLE_SLOT_POINTER_MASK));
            table_chain_insert(t, 1, &t->buckets[1][hash & new_mask], word);
            zkv_assert(t->used[0] > 0);
            t->used[0]--;
            t->used[1]++;
        }
        if (bucket == head) {
            memset(bucket, 0, sizeof *bucket);
        } else {
            zmalloc_free(bucket);
            t->children[0]--;
        }
        bucket = next;
    }
}

static bool table_bucket_is_empty(const table_bucket *bucket) {
    for (int i = 0; i < TABLE_BUCKET_SLOTS; i++)
        if (bucket->slots[i] != 0) return false;
    return true;
}

static void table_free_array(table *t, table_bucket *array, int exponent) {
    bool large = exponent >= 0 && (sizeof(table_bucket) << exponent) >= TABLE_ARRAY_FREE_THRESHOLD;
    if (large && t->type->array_free != NULL)
        t->type->array_free(array);
    else
        zmalloc_free(array);
}

static void table_finish_rehash(table *t) {
    table_free_array(t, t->buckets[0], t->exponent[0]);
    t->buckets[0] = t->buckets[1];
    t->exponent[0] = t->exponent[1];
    t->used[0] = t->used[1];
    t->children[0] = t->children[1];
    t->buckets[1] = NULL;
    t->exponent[1] = -1;
    t->used[1] = 0;
    t->children[1] = 0;
    t->rehash_index = 0;
}

bool table_rehash_steps(table *t, int chains) {
    if (t->next_array != NULL) {
        table_prepare_step(t);
        return true; /* installed or not, entries remain to move */
    }
    if (!table_has_two_arrays(t)) return false;
    if (table_is_paused(t)) return true;
    size_t empty_visits = (size_t)chains * TABLE_EMPTY_VISITS_PER_STEP;
    size_t old_count = table_bucket_count(t, 0);
    while (chains-- > 0 && (t->used[0] > 0 || t->children[0] > 0)) {
        while (t->rehash_index < old_count && table_bucket_is_empty(&t->buckets[0][t->rehash_index])) {
            t->rehash_index++;
            if (--empty_visits == 0) return true;
        }
        if (t->rehash_index >= old_count) break;
        table_rehash_chain(t, &t->buckets[0][t->rehash_index]);
        t->rehash_index++;
    }
    if (t->used[0] == 0 && t->children[0] == 0) {
        table_finish_rehash(t);
        return false;
    }
    return true;
}

static long long table_now_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

long table_rehash_for(table *t, long long microseconds) {
    long long deadline = table_now_us() + microseconds;
    long moved = 0;
    while (table_rehash_steps(t, 100)) {
        moved += 100;
        if (table_now_us() >= deadline) break;
    }
    return moved;
}

/* ---------------------------------------------------------------- scan */

static void table_scan_chain(table_bucket *bucket, table_scan_fn *fn, void *privdata) {
    while (bucket != NULL) {
        table_bucket *next = NULL;
        for (int i = 0; i < TABLE_BUCKET_SLOTS; i++) {
            uint64_t word = bucket->slots[i];
            if (word == 0) continue;
            if (word & TABLE_SLOT_CHILD_BIT)
                next = table_slot_child(word);
            else
                fn(privdata, (void *)(uintptr_t)(word & TABLE_SLOT_POINTER_MASK),
                   (word & TABLE_SLOT_FLAG_BIT) != 0);
        }
        bucket = next;
    }
}

/* Reverses the bits of a word with the usual swap ladder (no loop). */
static unsigned long table_reverse_bits(unsigned long value) {
    uint64_t v = value;
    v = (v >> 1 & UINT64_C(0x5555555555555555)) | (v & UINT64_C(0x5555555555555555)) << 1;
    v = (v >> 2 & UINT64_C(0x3333333333333333)) | (v & UINT64_C(0x3333333333333333)) << 2;
    v = (v >> 4 & UINT64_C(0x0f0f0f0f0f0f0f0f)) | (v & UINT64_C(0x0f0f0f0f0f0f0f0f)) << 4;
    return (unsigned long)__builtin_bswap64(v);
}

/* Increments the high bits above `mask` first: the cursor walks bucket
 * indexes in reverse-binary order, so indexes already visited in a smaller
 * or larger array map to indexes visited again or already covered. */
static unsigned long table_next_cursor(unsigned long cursor, size_t mask) {
    cursor |= ~(unsigned long)mask;
    cursor = table_reverse_bits(cursor);
    cursor++;
    return table_reverse_bits(cursor);
}

unsigned long table_scan(table *t, unsigned long cursor, table_scan_fn *fn, void *privdata) {
    if (table_size(t) == 0 || t->exponent[0] < 0) return 0;
    t->pause_count++;
    if (!table_has_two_arrays(t)) {
        size_t mask = table_mask(t, 0);
        table_scan_chain(&t->buckets[0][cursor & mask], fn, privdata);
        cursor = table_next_cursor(cursor, mask);
    } else {
        int small = t->exponent[0] <= t->exponent[1] ? 0 : 1, large = 1 - small;
        size_t small_mask = table_mask(t, small), large_mask = table_mask(t, large);
        table_scan_chain(&t->buckets[small][cursor & small_mask], fn, privdata);
        /* Then every index of the larger array that expands this one. */
        do {
            table_scan_chain(&t->buckets[large][cursor & large_mask], fn, privdata);
            cursor = table_next_cursor(cursor, large_mask);
        } while (cursor & (small_mask ^ large_mask));
    }
    t->pause_count--;
    return cursor;
}

/* ------------------------------------------- defrag (for server/defrag.c) */

/* Offers every entry and child bucket of one chain to fn and stores what it
 * returns, keeping the word's tag and bits.  A moved child is walked at its
 * new address. */
static void table_defrag_chain(table_bucket *bucket, bool paused, table_defrag_fn *fn, void *privdata) {
    while (bucket != NULL) {
        table_bucket *next = NULL;
        for (int i = 0; i < TABLE_BUCKET_SLOTS; i++) {
            uint64_t word = bucket->slots[i];
            if (word == 0) continue;
            bool child = (word & TABLE_SLOT_CHILD_BIT) != 0;
            if (child && paused) {
                next = table_slot_child(word);
                continue;
            }
            void *moved = fn(privdata, (void *)(uintptr_t)(word & TABLE_SLOT_POINTER_MASK), child);
            word = (word & ~TABLE_SLOT_POINTER_MASK) | ((uint64_t)(uintptr_t)moved & TABLE_SLOT_POINTER_MASK);
            bucket->slots[i] = word;
            if (child) next = moved;
        }
        bucket = next;
    }
}

/* table_scan's walk, with table_defrag_chain in place of the reporting. */
unsigned long table_defrag_scan(table *t, unsigned long cursor, table_defrag_fn *fn, void *privdata) {
    if (table_size(t) == 0 || t->exponent[0] < 0) return 0;
    if (!table_has_two_arrays(t)) {
        size_t mask = table_mask(t, 0);
        table_defrag_chain(&t->buckets[0][cursor & mask], table_is_paused(t), fn, privdata);
        return table_next_cursor(cursor, mask);
    }
    int small = t->exponent[0] <= t->exponent[1] ? 0 : 1, large = 1 - small;
    size_t small_mask = table_mask(t, small), large_mask = table_mask(t, large);
    table_defrag_chain(&t->buckets[small][cursor & small_mask], table_is_paused(t), fn, privdata);
    do {
        table_defrag_chain(&t->buckets[large][cursor & large_mask], table_is_paused(t), fn, privdata);
        cursor = table_next_cursor(cursor, large_mask);
    } while (cursor & (small_mask ^ large_mask));
    return cursor;
}

/* ---------------------------------------------------------------- random */

/* The chain at a global position: positions [0, count0) are the old array
 * (those below rehash_index are empty), the rest the new one. */
static table_bucket *table_chain_at(table *t, size_t position) {
    size_t count0 = table_bucket_count(t, 0);
    if (position < count0) return &t->buckets[0][position];
    return &t->buckets[1][position - count0];
}

static size_t table_chain_positions(const table *t) {
    return table_bucket_count(t, 0) + table_bucket_count(t, 1);
}

static size_t table_chain_length(table_bucket *bucket) {
    size_t count = 0;
    while (bucket != NULL) {
        table_bucket *next = NULL;
        for (int i = 0; i < TABLE_BUCKET_SLOTS; i++) {
            uint64_t word = bucket->slots[i];
            if (word & TABLE_SLOT_CHILD_BIT)
                next = table_slot_child(word);
            else if (word != 0)
                count++;
        }
        bucket = next;
    }
    return count;
}

static void *table_chain_nth(table_bucket *bucket, size_t n) {
    while (bucket != NULL) {
        table_bucket *next = NULL;
        for (int i = 0; i < TABLE_BUCKET_SLOTS; i++) {
            uint64_t word = bucket->slots[i];
            if (word & TABLE_SLOT_CHILD_BIT) {
                next = table_slot_child(word);
            } else if (word != 0) {
                if (n == 0) return (void *)(uintptr_t)(word & TABLE_SLOT_POINTER_MASK);
                n--;
            }
        }
        bucket = next;
    }
    return NULL;
}

void *table_random_entry(table *t) {
    if (table_size(t) == 0) return NULL;
    size_t positions = table_chain_positions(t);
    size_t position = table_random(t) % positions;
    for (int attempt = 0; attempt < TABLE_RANDOM_TRIES; attempt++) {
        table_bucket *chain = table_chain_at(t, position);
        size_t length = table_chain_length(chain);
        if (length > 0) return table_chain_nth(chain, table_random(t) % length);
        position = table_random(t) % positions;
    }
    /* A very sparse table: walk on from the last random position; some chain
     * is non-empty, so this ends within one lap. */
    for (;;) {
        table_bucket *chain = table_chain_at(t, position);
        size_t length = table_chain_length(chain);
        if (length > 0) return table_chain_nth(chain, table_random(t) % length);
        position = (position + 1) % positions;
    }
}

size_t table_sample(table *t, void **entries, size_t count) {
    if (table_size(t) == 0 || count == 0) return 0;
    size_t positions = table_chain_positions(t);
    size_t position = table_random(t) % positions;
    size_t stored = 0, visits = count * TABLE_EMPTY_VISITS_PER_STEP;
    for (size_t visited = 0; visited < visits && visited < positions && stored < count; visited++) {
        table_bucket *bucket = table_chain_at(t, position);
        while (bucket != NULL && stored < count) {
            table_bucket *next = NULL;
            for (int i = 0; i < TABLE_BUCKET_SLOTS && stored < count; i++) {
                uint64_t word = bucket->slots[i];
                if (word & TABLE_SLOT_CHILD_BIT)
                    next = table_slot_child(word);
                else if (word != 0)
                    entries[stored++] = (void *)(uintptr_t)(word & TABLE_SLOT_POINTER_MASK);
            }
            bucket = next;
        }
        position = (position + 1) % positions;
    }
    return stored;
}

/* ---------------------------------------------------------------- iterate */

void table_iterator_init(table_iterator *it, table *t) {
    it->t = t;
    it->which = 0;
    it->index = 0;
    it->bucket = NULL;
    it->slot = 0;
    t->pause_count++;
}

/* Moves to the next chain head; false when both arrays are done. */
static bool table_iterator_next_chain(table_iterator *it) {
    while (it->which < 2) {
        if (it->index < table_bucket_count(it->t, it->which)) {
            it->bucket = &it->t->buckets[it->which][it->index++];
            it->slot = 0;
            return true;
        }
        it->which++;
        it->index = 0;
    }
    return false;
}

table_slot *table_iterator_next_slot(table_iterator *it) {
    for (;;) {
        if (it->bucket == NULL && !table_iterator_next_chain(it)) return NULL;
        table_bucket *bucket = it->bucket;
        while (it->slot < TABLE_BUCKET_SLOTS) {
            uint64_t *word = &bucket->slots[it->slot++];
            if (*word == 0) continue;
            if (*word & TABLE_SLOT_CHILD_BIT) {
                bucket = it->bucket = table_slot_child(*word);
                it->slot = 0;
                continue;
            }
            return word;
        }
        it->bucket = NULL;
    }
}

bool table_iterator_next(table_iterator *it, void **entry, bool *flag) {
    table_slot *slot = table_iterator_next_slot(it);
    if (slot == NULL) return false;
    *entry = table_slot_entry(slot);
    if (flag != NULL) *flag = table_slot_flag(slot);
    return true;
}

void table_iterator_finish(table_iterator *it) {
    it->t->pause_count--;
}
