/* zbtree: the counted B+tree of sorted-set entries (zbtree.h has the design). */
#include "zbtree.h"

#include "zkv_assert.h"
#include "zmalloc.h"

/* Both node kinds are 512 bytes, one jemalloc size class with no slack. */
typedef struct zleaf {
    uint16_t count;
    uint8_t is_leaf;
    uint8_t unused[5];
    zentry *entries[ZBTREE_LEAF_CAPACITY];
} zleaf;

typedef struct zinner {
    uint16_t count;
    uint8_t is_leaf;
    uint8_t unused[5];
    void *children[ZBTREE_INNER_CAPACITY];
    size_t sizes[ZBTREE_INNER_CAPACITY];   /* entries below each child */
    zentry *first[ZBTREE_INNER_CAPACITY];  /* each child's first entry */
} zinner;

struct zbtree {
    void *root;   /* NULL when empty */
    size_t size;
    size_t nodes;
    int height;   /* 0 empty, 1 a single leaf */
};

/* Leaves below a quarter full try to merge into a sibling when both fit in
 * 7/8 of a leaf; the slack keeps the merged leaf from splitting at once. */
#define LEAF_MERGE_BELOW (ZBTREE_LEAF_CAPACITY / 4)
#define LEAF_MERGE_FIT (ZBTREE_LEAF_CAPACITY * 7 / 8)
#define INNER_MERGE_BELOW (ZBTREE_INNER_CAPACITY / 4)
#define INNER_MERGE_FIT (ZBTREE_INNER_CAPACITY * 7 / 8)

/* ---- Entries ---- */

zentry *zentry_create(const char *member, size_t length, double score) {
    unsigned char header[sizeof(double) + 10];
    size_t used = sizeof(double);
    memcpy(header, &score, sizeof(double));
    size_t rest = length;
    do {
        header[used++] = (unsigned char)((rest & 0x7f) | (rest > 0x7f ? 0x80 : 0));
        rest >>= 7;
    } while (rest != 0);
    unsigned char *e = zmalloc_alloc(used + length);
    memcpy(e, header, used);
    if (length) memcpy(e + used, member, length);
    return (zentry *)e;
}

void zentry_free(zentry *e) { zmalloc_free(e); }

const char *zentry_member(const zentry *e, size_t *length) {
    const unsigned char *p = (const unsigned char *)e + sizeof(double);
    size_t value = 0;
    int shift = 0;
    for (;;) {
        unsigned char byte = *p++;
        value |= (size_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) break;
        shift += 7;
    }
    *length = value;
    return (const char *)p;
}

size_t zentry_size(const zentry *e) {
    size_t length;
    const char *member = zentry_member(e, &length);
    return (size_t)(member - (const char *)e) + length;
}

int zbtree_compare_members(const char *a, size_t a_length, const char *b, size_t b_length) {
    size_t common = a_length < b_length ? a_length : b_length;
    int c = common ? memcmp(a, b, common) : 0;
    if (c != 0) return c;
    return a_length < b_length ? -1 : (a_length > b_length ? 1 : 0);
}

static int compare_entries(const zentry *a, const zentry *b) {
    double sa = zentry_score(a), sb = zentry_score(b);
    if (sa < sb) return -1;
    if (sa > sb) return 1;
    size_t la, lb;
    const char *ma = zentry_member(a, &la);
    const char *mb = zentry_member(b, &lb);
    return zbtree_compare_members(ma, la, mb, lb);
}

/* ---- Nodes ---- */

static bool node_is_leaf(const void *node) { return ((const zleaf *)node)->is_leaf != 0; }
static unsigned node_count(const void *node) { return ((const zleaf *)node)->count; }

static zentry *node_first(const void *node) {
    return node_is_leaf(node) ? ((const zleaf *)node)->entries[0] : ((const zinner *)node)->first[0];
}

static size_t node_size(const void *node) {
    if (node_is_leaf(node)) return ((const zleaf *)node)->count;
    const zinner *n = node;
    size_t total = 0;
    for (unsigned i = 0; i < n->count; i++) total += n->sizes[i];
    return total;
}

static zleaf *leaf_new(zbtree *t) {
    zleaf *l = zmalloc_alloc(sizeof(*l));
    l->count = 0;
    l->is_leaf = 1;
    t->nodes++;
    return l;
}

static zinner *inner_new(zbtree *t) {
    zinner *n = zmalloc_alloc(sizeof(*n));
    n->count = 0;
    n->is_leaf = 0;
    t->nodes++;
    return n;
}

static void node_free(zbtree *t, void *node) {
    zmalloc_free(node);
    t->nodes--;
}

zbtree *zbtree_create(void) {
    zbtree *t = zmalloc_alloc(sizeof(*t));
    t->root = NULL;
    t->size = 0;
    t->nodes = 0;
    t->height = 0;
    return t;
}

static void release_node(void *node, void (*free_entry)(zentry *)) {
    if (node_is_leaf(node)) {
        zleaf *l = node;
        if (free_entry)
            for (unsigned i = 0; i < l->count; i++) free_entry(l->entries[i]);
    } else {
        zinner *n = node;
        for (unsigned i = 0; i < n->count; i++) release_node(n->children[i], free_entry);
    }
    zmalloc_free(node);
}

void zbtree_release(zbtree *t, void (*free_entry)(zentry *)) {
    if (t->root) release_node(t->root, free_entry);
    zmalloc_free(t);
}

size_t zbtree_size(const zbtree *t) { return t->size; }
size_t zbtree_memory(const zbtree *t) { return t->nodes * sizeof(zleaf) + sizeof(*t); }
size_t zbtree_node_count(const zbtree *t) { return t->nodes; }

/* The child of an inner node whose range holds `e`: the last child whose
 * first entry is <= e (the first child when none is). */
static unsigned inner_child_for(const zinner *n, const zentry *e) {
    unsigned low = 1, high = n->count; /* answer in [low-1, high-1] */
    while (low < high) {
        unsigned mid = (low + high) / 2;
        if (compare_entries(n->first[mid], e) <= 0) low = mid + 1;
        else high = mid;
    }
    return low - 1;
}

/* First position of a leaf whose entry is > e. */
static unsigned leaf_upper_bound(const zleaf *l, const zentry *e) {
    unsigned low = 0, high = l->count;
    while (low < high) {
        unsigned mid = (low + high) / 2;
        if (compare_entries(l->entries[mid], e) <= 0) low = mid + 1;
        else high = mid;
    }
    return low;
}

static unsigned leaf_position_of(const zleaf *l, const zentry *e) {
    unsigned low = 0, high = l->count;
    while (low < high) {
        unsigned mid = (low + high) / 2;
        if (compare_entries(l->entries[mid], e) < 0) low = mid + 1;
        else high = mid;
    }
    zkv_assert(low < l->count && l->entries[low] == e);
    return low;
}

/* ---- Insertion ---- */

static void inner_put(zinner *n, unsigned at, void *child) {
    memmove(&n->children[at + 1], &n->children[at], (n->count - at) * sizeof(void *));
    memmove(&n->sizes[at + 1], &n->sizes[at], (n->count - at) * sizeof(size_t));
    memmove(&n->first[at + 1], &n->first[at], (n->count - at) * sizeof(zentry *));
    n->children[at] = child;
    n->sizes[at] = node_size(child);
    n->first[at] = node_first(child);
    n->count++;
}

static void inner_remove(zinner *n, unsigned at) {
    n->count--;
    memmove(&n->children[at], &n->children[at + 1], (n->count - at) * sizeof(void *));
    memmove(&n->sizes[at], &n->sizes[at + 1], (n->count - at) * sizeof(size_t));
    memmove(&n->first[at], &n->first[at + 1], (n->count - at) * sizeof(zentry *));
}

/* A full leaf child gives one entry to a sibling with room, so that leaves
 * split only when neighbours are full too.  Returns the child `e` now goes
 * to.  Moving the first entry left keeps e (>= it) in child i; moving the
 * last entry right sends e right when it is greater. */
static unsigned leaf_make_room(zinner *n, unsigned i, const zentry *e) {
    zleaf *child = n->children[i];
    if (i > 0) {
        zleaf *left = n->children[i - 1];
        if (left->count < ZBTREE_LEAF_CAPACITY) {
            left->entries[left->count++] = child->entries[0];
            child->count--;
            memmove(&child->entries[0], &child->entries[1], child->count * sizeof(zentry *));
            n->sizes[i - 1]++;
            n->sizes[i]--;
            n->first[i] = child->entries[0];
            return i;
        }
    }
    if (i + 1 < n->count) {
        zleaf *right = n->children[i + 1];
        if (right->count < ZBTREE_LEAF_CAPACITY) {
            zentry *moved = child->entries[--child->count];
            memmove(&right->entries[1], &right->entries[0], right->count * sizeof(zentry *));
            right->entries[0] = moved;
            right->count++;
            n->sizes[i]--;
            n->sizes[i + 1]++;
            n->first[i + 1] = moved;
            return compare_entries(e, moved) > 0 ? i + 1 : i;
        }
    }
    return i;
}

/* Inserts into the subtree; returns a new right sibling when the node split
 * (its caller links it), else NULL.  `append`: e is greater than everything,
 * so a split leaves the old node full and starts an empty one. */
static void *insert_node(zbtree *t, void *node, zentry *e, bool append) {
    if (node_is_leaf(node)) {
        zleaf *l = node;
        unsigned at = append ? l->count : leaf_upper_bound(l, e);
        if (l->count < ZBTREE_LEAF_CAPACITY) {
            memmove(&l->entries[at + 1], &l->entries[at], (l->count - at) * sizeof(zentry *));
            l->entries[at] = e;
            l->count++;
            return NULL;
        }
        zleaf *right = leaf_new(t);
        unsigned keep = append ? ZBTREE_LEAF_CAPACITY : (ZBTREE_LEAF_CAPACITY + 1) / 2;
        right->count = (uint16_t)(l->count - keep);
        memcpy(right->entries, &l->entries[keep], right->count * sizeof(zentry *));
        l->count = (uint16_t)keep;
        zleaf *target = at <= keep && !append ? l : right;
        if (target == right) at -= keep;
        memmove(&target->entries[at + 1], &target->entries[at], (target->count - at) * sizeof(zentry *));
        target->entries[at] = e;
        target->count++;
        return right;
    }
    zinner *n = node;
    unsigned i = append ? n->count - 1u : inner_child_for(n, e);
    if (!append && node_is_leaf(n->children[i]) && node_count(n->children[i]) == ZBTREE_LEAF_CAPACITY)
        i = leaf_make_room(n, i, e);
    void *split = insert_node(t, n->children[i], e, append);
    n->sizes[i]++;
    n->first[i] = node_first(n->children[i]);
    if (!split) return NULL;
    n->sizes[i] = node_size(n->children[i]);
    if (n->count < ZBTREE_INNER_CAPACITY) {
        inner_put(n, i + 1, split);
        return NULL;
    }
    zinner *right = inner_new(t);
    unsigned keep = append ? ZBTREE_INNER_CAPACITY : (ZBTREE_INNER_CAPACITY + 1) / 2;
    for (unsigned k = keep; k < n->count; k++) {
        right->children[k - keep] = n->children[k];
        right->sizes[k - keep] = n->sizes[k];
        right->first[k - keep] = n->first[k];
    }
    right->count = (uint16_t)(n->count - keep);
    n->count = (uint16_t)keep;
    if (i + 1 <= keep && !append) inner_put(n, i + 1, split);
    else inner_put(right, i + 1 - keep, split);
    return right;
}

static void insert_root(zbtree *t, zentry *e, bool append) {
    if (!t->root) {
        zleaf *l = leaf_new(t);
        l->entries[0] = e;
        l->count = 1;
        t->root = l;
        t->height = 1;
        t->size = 1;
        return;
    }
    void *split = insert_node(t, t->root, e, append);
    t->size++;
    if (!split) return;
    zkv_assert(t->height < ZBTREE_MAX_DEPTH);
    zinner *root = inner_new(t);
    inner_put(root, 0, t->root);
    inner_put(root, 1, split);
    t->root = root;
    t->height++;
}

void zbtree_insert(zbtree *t, zentry *e) { insert_root(t, e, false); }

void zbtree_append(zbtree *t, zentry *e) {
    zkv_assert(t->size == 0 || compare_entries(zbtree_at(t, t->size - 1), e) < 0);
    insert_root(t, e, true);
}

/* ---- Deletion ---- */

/* Moves every entry or child of `from` to the end of `to` (same kind). */
static void node_absorb(void *to, void *from) {
    if (node_is_leaf(to)) {
        zleaf *a = to, *b = from;
        memcpy(&a->entries[a->count], b->entries, b->count * sizeof(zentry *));
        a->count = (uint16_t)(a->count + b->count);
        return;
    }
    zinner *a = to, *b = from;
    memcpy(&a->children[a->count], b->children, b->count * sizeof(void *));
    memcpy(&a->sizes[a->count], b->sizes, b->count * sizeof(size_t));
    memcpy(&a->first[a->count], b->first, b->count * sizeof(zentry *));
    a->count = (uint16_t)(a->count + b->count);
}

/* After a deletion below child i: drops it when empty, merges it with a
 * sibling when it is small and they fit. */
static void rebalance_child(zbtree *t, zinner *n, unsigned i) {
    void *child = n->children[i];
    unsigned count = node_count(child);
    if (count == 0) {
        node_free(t, child);
        inner_remove(n, i);
        return;
    }
    bool leaf = node_is_leaf(child);
    unsigned below = leaf ? LEAF_MERGE_BELOW : INNER_MERGE_BELOW;
    unsigned fit = leaf ? LEAF_MERGE_FIT : INNER_MERGE_FIT;
    if (count > below) return;
    if (i > 0 && node_count(n->children[i - 1]) + count <= fit) {
        node_absorb(n->children[i - 1], child);
        n->sizes[i - 1] += n->sizes[i];
        node_free(t, child);
        inner_remove(n, i);
    } else if (i + 1 < n->count && node_count(n->children[i + 1]) + count <= fit) {
        node_absorb(child, n->children[i + 1]);
        n->sizes[i] += n->sizes[i + 1];
        node_free(t, n->children[i + 1]);
        inner_remove(n, i + 1);
    }
}

static void delete_node(zbtree *t, void *node, const zentry *e) {
    if (node_is_leaf(node)) {
        zleaf *l = node;
        unsigned at = leaf_position_of(l, e);
        l->count--;
        memmove(&l->entries[at], &l->entries[at + 1], (l->count - at) * sizeof(zentry *));
        return;
    }
    zinner *n = node;
    unsigned i = inner_child_for(n, e);
    delete_node(t, n->children[i], e);
    n->sizes[i]--;
    if (node_count(n->children[i]) > 0) n->first[i] = node_first(n->children[i]);
    rebalance_child(t, n, i);
}

void zbtree_delete(zbtree *t, const zentry *e) {
    zkv_assert(t->root != NULL);
    delete_node(t, t->root, e);
    t->size--;
    while (t->root) {
        if (node_is_leaf(t->root)) {
            if (node_count(t->root) == 0) {
                node_free(t, t->root);
                t->root = NULL;
                t->height = 0;
            }
            break;
        }
        zinner *root = t->root;
        if (root->count > 1) break;
        t->root = root->count ? root->children[0] : NULL;
        node_free(t, root);
        t->height = t->root ? t->height - 1 : 0;
    }
}

/* ---- Rank and bounds ---- */

size_t zbtree_rank(const zbtree *t, const zentry *e) {
    zkv_assert(t->root != NULL);
    size_t rank = 0;
    const void *node = t->root;
    while (!node_is_leaf(node)) {
        const zinner *n = node;
        unsigned i = inner_child_for(n, e);
        for (unsigned k = 0; k < i; k++) rank += n->sizes[k];
        node = n->children[i];
    }
    return rank + leaf_position_of(node, e);
}

zentry *zbtree_at(const zbtree *t, size_t rank) {
    zkv_assert(rank < t->size);
    const void *node = t->root;
    while (!node_is_leaf(node)) {
        const zinner *n = node;
        unsigned i = 0;
        while (rank >= n->sizes[i]) rank -= n->sizes[i++];
        node = n->children[i];
    }
    return ((const zleaf *)node)->entries[rank];
}

/* A predicate true on a prefix of the order ("entry is below the bound"). */
typedef bool below_fn(const zentry *e, const void *bound);

static size_t count_below(const zbtree *t, below_fn *below, const void *bound) {
    if (!t->root) return 0;
    size_t count = 0;
    const void *node = t->root;
    while (!node_is_leaf(node)) {
        const zinner *n = node;
        unsigned low = 1, high = n->count;
        while (low < high) {
            unsigned mid = (low + high) / 2;
            if (below(n->first[mid], bound)) low = mid + 1;
            else high = mid;
        }
        for (unsigned k = 0; k + 1 < low; k++) count += n->sizes[k];
        node = n->children[low - 1];
    }
    const zleaf *l = node;
    unsigned low = 0, high = l->count;
    while (low < high) {
        unsigned mid = (low + high) / 2;
        if (below(l->entries[mid], bound)) low = mid + 1;
        else high = mid;
    }
    return count + low;
}

typedef struct score_bound {
    double score;
    bool or_equal;
} score_bound;

static bool score_below(const zentry *e, const void *bound) {
    const score_bound *b = bound;
    double s = zentry_score(e);
    return b->or_equal ? s <= b->score : s < b->score;
}

size_t zbtree_count_score_below(const zbtree *t, double score, bool or_equal) {
    score_bound b = {score, or_equal};
    return count_below(t, score_below, &b);
}

typedef struct member_bound {
    const char *member;
    size_t length;
    bool or_equal;
} member_bound;

static bool member_below(const zentry *e, const void *bound) {
    const member_bound *b = bound;
    size_t length;
    const char *member = zentry_member(e, &length);
    int c = zbtree_compare_members(member, length, b->member, b->length);
    return b->or_equal ? c <= 0 : c < 0;
}

size_t zbtree_count_member_below(const zbtree *t, const char *member, size_t length, bool or_equal) {
    member_bound b = {member, length, or_equal};
    return count_below(t, member_below, &b);
}

/* ---- Cursors ---- */

bool zbtree_seek(zbtree_cursor *c, const zbtree *t, size_t rank) {
    c->t = t;
    c->depth = 0;
    if (rank >= t->size) return false;
    const void *node = t->root;
    for (;;) {
        c->node[c->depth] = (void *)node;
        if (node_is_leaf(node)) {
            c->index[c->depth++] = (unsigned)rank;
            return true;
        }
        const zinner *n = node;
        unsigned i = 0;
        while (rank >= n->sizes[i]) rank -= n->sizes[i++];
        c->index[c->depth++] = i;
        node = n->children[i];
    }
}

zentry *zbtree_cursor_entry(const zbtree_cursor *c) {
    if (c->depth == 0) return NULL;
    const zleaf *l = c->node[c->depth - 1];
    return l->entries[c->index[c->depth - 1]];
}

void zbtree_cursor_replace(zbtree_cursor *c, zentry *e) {
    zkv_assert(c->depth > 0);
    int level = c->depth - 1;
    zleaf *l = c->node[level];
    l->entries[c->index[level]] = e;
    /* The first entry of a node is its parent's `first` for it, and so on
     * up while it stays the first. */
    while (level > 0 && c->index[level] == 0) {
        zinner *parent = c->node[level - 1];
        parent->first[c->index[level - 1]] = e;
        level--;
    }
}

/* Descends from level `from` (whose index is set) to the leaf, taking the
 * first (forward) or last child at every level below. */
static void descend(zbtree_cursor *c, int from, bool forward) {
    for (int level = from; level + 1 < c->t->height; level++) {
        const zinner *n = c->node[level];
        void *child = n->children[c->index[level]];
        c->node[level + 1] = child;
        c->index[level + 1] = forward ? 0 : node_count(child) - 1;
    }
    c->depth = c->t->height;
}

bool zbtree_next(zbtree_cursor *c) {
    if (c->depth == 0) return false;
    for (int level = c->depth - 1; level >= 0; level--) {
        if (c->index[level] + 1 < node_count(c->node[level])) {
            c->index[level]++;
            descend(c, level, true);
            return true;
        }
    }
    c->depth = 0;
    return false;
}

bool zbtree_prev(zbtree_cursor *c) {
    if (c->depth == 0) return false;
    for (int level = c->depth - 1; level >= 0; level--) {
        if (c->index[level] > 0) {
            c->index[level]--;
            descend(c, level, false);
            return true;
        }
    }
    c->depth = 0;
    return false;
}

/* ---- Checking ---- */

static size_t check_node(const void *node, int level, int height, const zentry **previous, bool is_root) {
    if (node_is_leaf(node)) {
        const zleaf *l = node;
        zkv_assert(level == height - 1);
        zkv_assert(l->count > 0 && l->count <= ZBTREE_LEAF_CAPACITY);
        (void)is_root;
        for (unsigned i = 0; i < l->count; i++) {
            if (*previous) zkv_assert(compare_entries(*previous, l->entries[i]) < 0);
            *previous = l->entries[i];
        }
        return l->count;
    }
    const zinner *n = node;
    zkv_assert(n->count > 0 && n->count <= ZBTREE_INNER_CAPACITY);
    zkv_assert(!is_root || n->count >= 2);
    size_t total = 0;
    for (unsigned i = 0; i < n->count; i++) {
        zkv_assert(n->first[i] == node_first(n->children[i]));
        size_t size = check_node(n->children[i], level + 1, height, previous, false);
        zkv_assert(size == n->sizes[i]);
        total += size;
    }
    return total;
}

void zbtree_check(const zbtree *t) {
    if (!t->root) {
        zkv_assert(t->size == 0 && t->height == 0);
        return;
    }
    const zentry *previous = NULL;
    zkv_assert(check_node(t->root, 0, t->height, &previous, true) == t->size);
}
