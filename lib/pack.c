/* pack: a contiguous block of elems.  See pack.h for the layout. */
#include "pack.h"

#include <assert.h>
#include <string.h>

#include "zmalloc.h"

/* Keys up to this encoded size are compared as encoded bytes. */
#define PACK_PROBE_MAX 128

struct pack {
    unsigned char bytes[1]; /* header then entries; see pack.h */
};

static size_t pack_read_bytes(const pack *p) {
    const unsigned char *b = p->bytes;
    return (size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16 | (size_t)b[3] << 24;
}

static void pack_write_header(pack *p, size_t bytes, size_t count) {
    assert(bytes <= UINT32_MAX && count <= PACK_MAX_ENTRIES);
    unsigned char *b = p->bytes;
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(bytes >> (8 * i));
    b[4] = (unsigned char)count;
    b[5] = (unsigned char)(count >> 8);
}

size_t pack_count(const pack *p) {
    return (size_t)p->bytes[4] | (size_t)p->bytes[5] << 8;
}

size_t pack_bytes(const pack *p) {
    return pack_read_bytes(p);
}

size_t pack_memory(const pack *p) {
    return zmalloc_usable_size(p);
}

pack *pack_create(void) {
    pack *p = zmalloc_alloc(PACK_HEADER_SIZE);
    pack_write_header(p, PACK_HEADER_SIZE, 0);
    return p;
}

void pack_free(pack *p) {
    zmalloc_free(p);
}

pack *pack_duplicate(const pack *p) {
    size_t bytes = pack_bytes(p);
    pack *copy = zmalloc_alloc(bytes);
    memcpy(copy, p, bytes);
    return copy;
}

size_t pack_first(const pack *p) {
    return pack_count(p) == 0 ? 0 : PACK_HEADER_SIZE;
}

size_t pack_next(const pack *p, size_t offset) {
    assert(offset >= PACK_HEADER_SIZE && offset < pack_bytes(p));
    size_t next = offset + elem_size(p->bytes + offset);
    return next == pack_bytes(p) ? 0 : next;
}

size_t pack_index(const pack *p, size_t index) {
    assert(index < pack_count(p));
    size_t offset = PACK_HEADER_SIZE;
    while (index-- > 0) offset += elem_size(p->bytes + offset);
    return offset;
}

void pack_offsets(const pack *p, uint32_t *offsets) {
    size_t count = pack_count(p);
    size_t offset = PACK_HEADER_SIZE;
    for (size_t i = 0; i < count; i++) {
        offsets[i] = (uint32_t)offset;
        offset += elem_size(p->bytes + offset);
    }
}

void pack_get(const pack *p, size_t offset, elem_view *view) {
    assert(offset >= PACK_HEADER_SIZE && offset < pack_bytes(p));
    elem_decode(p->bytes + offset, view);
}

/* Whether the entry at `entry` is the encoded element `probe` of `size`
 * bytes.  Encodings are canonical, so equal bytes mean equal strings, and
 * equal first (header) bytes mean equal sizes unless the header is 2 or 5
 * bytes long: elem_size settles those before memcmp reads that far. */
static bool pack_entry_is(const unsigned char *entry, const unsigned char *probe, size_t size) {
    if (entry[0] != probe[0]) return false;
    if (size == 1) return true;
    return elem_size(entry) == size && entry[size - 1] == probe[size - 1] &&
           memcmp(entry + 1, probe + 1, size - 1) == 0;
}

size_t pack_find(const pack *p, const elem_key *key, unsigned stride) {
    assert(stride >= 1);
    unsigned char probe[PACK_PROBE_MAX];
    bool encoded = key->encoded_size <= sizeof probe;
    if (encoded) elem_encode(probe, key);
    size_t count = pack_count(p);
    size_t offset = PACK_HEADER_SIZE;
    for (size_t i = 0; i < count; i++) {
        const unsigned char *entry = p->bytes + offset;
        if (i % stride == 0 && (encoded ? pack_entry_is(entry, probe, key->encoded_size)
                                        : elem_equals(entry, key)))
            return offset;
        offset += elem_size(entry);
    }
    return 0;
}

/* Moves the tail starting at `offset` by `delta` bytes and resizes the
 * block; the count is updated by `count_delta`.  Returns the block. */
static pack *pack_splice(pack *p, size_t offset, long delta, long count_delta) {
    size_t bytes = pack_bytes(p);
    size_t count = pack_count(p);
    size_t new_bytes = (size_t)((long)bytes + delta);
    if (delta > 0) p = zmalloc_realloc(p, new_bytes);
    memmove(p->bytes + offset + delta, p->bytes + offset, bytes - offset);
    if (delta < 0) p = zmalloc_realloc(p, new_bytes);
    pack_write_header(p, new_bytes, (size_t)((long)count + count_delta));
    return p;
}

pack *pack_append(pack *p, const elem_key *key) {
    size_t end = pack_bytes(p);
    p = pack_splice(p, end, (long)key->encoded_size, 1);
    elem_encode(p->bytes + end, key);
    return p;
}

pack *pack_replace(pack *p, size_t offset, const elem_key *key) {
    size_t old_size = elem_size(p->bytes + offset);
    long delta = (long)key->encoded_size - (long)old_size;
    if (delta != 0) p = pack_splice(p, offset + old_size, delta, 0);
    elem_encode(p->bytes + offset, key);
    return p;
}

pack *pack_delete(pack *p, size_t offset, size_t entries) {
    assert(entries <= pack_count(p));
    size_t end = offset;
    for (size_t i = 0; i < entries; i++) end += elem_size(p->bytes + end);
    assert(end <= pack_bytes(p));
    return pack_splice(p, end, -(long)(end - offset), -(long)entries);
}
