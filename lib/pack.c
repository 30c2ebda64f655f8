/* pack: a contiguous block of elems.  See pack.h for the layout. */
#include "pack.h"

#include <string.h>

#include "zkv_assert.h"
#include "zmalloc.h"

/* Keys up to this encoded size are compared as encoded bytes. */
#define PACK_PROBE_MAX 128

struct pack {
    unsigned char bytes[1]; /* header then entries; see pack.h */
};

/* The header: two LEB128 varints (7 bits a byte, low first). */
typedef struct pack_header {
    size_t entry_bytes; /* bytes of the entries */
    size_t count;       /* entries */
    size_t size;        /* bytes of the header itself */
} pack_header;

static size_t pack_varint_size(size_t value) {
    size_t size = 1;
    while (value >= 0x80) {
        value >>= 7;
        size++;
    }
    return size;
}

static size_t pack_varint_read(const unsigned char *in, size_t *value) {
    size_t v = 0, i = 0;
    do v |= (size_t)(in[i] & 0x7f) << (7 * i);
    while (in[i++] & 0x80);
    *value = v;
    return i;
}

static size_t pack_varint_write(unsigned char *out, size_t value) {
    size_t i = 0;
    while (value >= 0x80) {
        out[i++] = (unsigned char)(value | 0x80);
        value >>= 7;
    }
    out[i++] = (unsigned char)value;
    return i;
}

static void pack_read_header(const pack *p, pack_header *header) {
    header->size = pack_varint_read(p->bytes, &header->entry_bytes);
    header->size += pack_varint_read(p->bytes + header->size, &header->count);
}

static size_t pack_header_size(size_t entry_bytes, size_t count) {
    return pack_varint_size(entry_bytes) + pack_varint_size(count);
}

static void pack_write_header(pack *p, size_t entry_bytes, size_t count) {
    zkv_assert(entry_bytes <= UINT32_MAX);
    size_t size = pack_varint_write(p->bytes, entry_bytes);
    pack_varint_write(p->bytes + size, count);
}

static size_t pack_entries_start(const pack *p) {
    pack_header header;
    pack_read_header(p, &header);
    return header.size;
}

size_t pack_count(const pack *p) {
    pack_header header;
    pack_read_header(p, &header);
    return header.count;
}

size_t pack_bytes(const pack *p) {
    pack_header header;
    pack_read_header(p, &header);
    return header.size + header.entry_bytes;
}

size_t pack_memory(const pack *p) {
    return zmalloc_usable_size(p);
}

pack *pack_create(void) {
    pack *p = zmalloc_alloc(PACK_EMPTY_SIZE);
    pack_write_header(p, 0, 0);
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
    pack_header header;
    pack_read_header(p, &header);
    return header.count == 0 ? 0 : header.size;
}

size_t pack_next(const pack *p, size_t offset) {
    zkv_assert(offset >= pack_entries_start(p) && offset < pack_bytes(p));
    size_t next = offset + elem_size(p->bytes + offset);
    return next == pack_bytes(p) ? 0 : next;
}

size_t pack_index(const pack *p, size_t index) {
    zkv_assert(index < pack_count(p));
    size_t offset = pack_entries_start(p);
    while (index-- > 0) offset += elem_size(p->bytes + offset);
    return offset;
}

void pack_offsets(const pack *p, uint32_t *offsets) {
    pack_header header;
    pack_read_header(p, &header);
    size_t offset = header.size;
    for (size_t i = 0; i < header.count; i++) {
        offsets[i] = (uint32_t)offset;
        offset += elem_size(p->bytes + offset);
    }
}

void pack_get(const pack *p, size_t offset, elem_view *view) {
    zkv_assert(offset >= pack_entries_start(p) && offset < pack_bytes(p));
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
    zkv_assert(stride >= 1);
    unsigned char probe[PACK_PROBE_MAX];
    bool encoded = key->encoded_size <= sizeof probe;
    if (encoded) elem_encode(probe, key);
    pack_header header;
    pack_read_header(p, &header);
    size_t offset = header.size;
    for (size_t i = 0; i < header.count; i++) {
        const unsigned char *entry = p->bytes + offset;
        if (i % stride == 0 && (encoded ? pack_entry_is(entry, probe, key->encoded_size)
                                        : elem_equals(entry, key)))
            return offset;
        offset += elem_size(entry);
    }
    return 0;
}

/* Moves the bytes from `offset` to the end by `delta`, changes the count by
 * `count_delta`, and rewrites the header, whose size may change (its
 * varints cross 128, 16384...): then every entry moves by *shift bytes,
 * which the caller adds to the positions it writes next.  Returns the
 * block, possibly moved. */
static pack *pack_splice(pack *p, size_t offset, long delta, long count_delta, long *shift) {
    pack_header old;
    pack_read_header(p, &old);
    size_t bytes = old.size + old.entry_bytes, allocated = bytes;
    size_t entry_bytes = (size_t)((long)old.entry_bytes + delta);
    size_t count = (size_t)((long)old.count + count_delta);
    size_t header = pack_header_size(entry_bytes, count);
    if (delta > 0) p = zmalloc_realloc(p, allocated = bytes + (size_t)delta);
    memmove(p->bytes + offset + delta, p->bytes + offset, bytes - offset);
    if (header > old.size) p = zmalloc_realloc(p, allocated = header + entry_bytes);
    if (header != old.size) memmove(p->bytes + header, p->bytes + old.size, entry_bytes);
    pack_write_header(p, entry_bytes, count);
    if (header + entry_bytes < allocated) p = zmalloc_realloc(p, header + entry_bytes);
    *shift = (long)header - (long)old.size;
    return p;
}

pack *pack_append(pack *p, const elem_key *key) {
    size_t end = pack_bytes(p);
    long shift;
    p = pack_splice(p, end, (long)key->encoded_size, 1, &shift);
    elem_encode(p->bytes + end + shift, key);
    return p;
}

pack *pack_replace(pack *p, size_t offset, const elem_key *key) {
    size_t old_size = elem_size(p->bytes + offset);
    long delta = (long)key->encoded_size - (long)old_size, shift = 0;
    if (delta != 0) p = pack_splice(p, offset + old_size, delta, 0, &shift);
    elem_encode(p->bytes + offset + shift, key);
    return p;
}

pack *pack_delete(pack *p, size_t offset, size_t entries) {
    zkv_assert(entries <= pack_count(p));
    size_t end = offset;
    for (size_t i = 0; i < entries; i++) end += elem_size(p->bytes + end);
    zkv_assert(end <= pack_bytes(p));
    long shift;
    return pack_splice(p, end, -(long)(end - offset), -(long)entries, &shift);
}
