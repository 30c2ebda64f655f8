/* fuzz_rdb_load: libFuzzer target for the RDB codecs of lib/rdb_* (what
 * loading a file or a RESTORE payload runs on untrusted bytes).
 *
 * Byte 0 picks the reader, the rest is its input:
 *   0  a stream of length/string/double reads until the first error
 *   1  listpack, 2 ziplist, 3 zipmap, 4 intset: validate, then iterate and
 *      check the walk yields exactly the validated count
 *   5  quicklist 2 framing, 6 quicklist 1 framing (nodes through the blob
 *      readers)
 * Every accepted input is also re-encoded where a writer exists (strings,
 * listpack) and read back: the round trip must give the same elements, or
 * the target aborts.  ASan and UBSan catch memory errors.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_intset.h"
#include "rdb_io.h"
#include "rdb_listpack.h"
#include "rdb_quicklist.h"
#include "rdb_ziplist.h"
#include "rdb_zipmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void strings(const uint8_t *data, size_t size) {
    rdb_reader r;
    rdb_reader_init(&r, data, size, 10);
    for (int i = 0; i < 64 && rdb_reader_left(&r) > 0; i++) {
        rdb_string s;
        double d;
        uint64_t length;
        int kind = i % 3, result;
        if (kind == 0) {
            result = rdb_read_string(&r, &s);
            if (result == 0) {
                rdb_writer w;
                rdb_writer_init(&w, -1, true);
                rdb_write_string(&w, s.data, s.length);
                rdb_reader back;
                rdb_string copy;
                rdb_reader_init(&back, w.buffer.data, w.buffer.length, 10);
                if (rdb_read_string(&back, &copy) != 0 || copy.length != s.length ||
                    memcmp(copy.data, s.data, s.length) != 0)
                    abort();
                rdb_string_release(&copy);
                rdb_writer_free(&w);
            }
            rdb_string_release(&s);
        } else if (kind == 1) {
            result = rdb_read_double_text(&r, &d);
        } else {
            result = rdb_read_length(&r, &length);
        }
        if (result != 0) break;
    }
}

static void listpack(const uint8_t *data, size_t size) {
    size_t count;
    const char *error;
    if (rdb_listpack_validate(data, size, &count, &error) != 0) return;
    strbuf out = STRBUF_INIT;
    rdb_listpack_builder b;
    rdb_listpack_begin(&b, &out);
    rdb_listpack_iterator it;
    rdb_element e;
    size_t walked = 0;
    rdb_listpack_iterator_init(&it, data);
    while (rdb_listpack_next(&it, &e)) {
        if (e.is_integer) rdb_listpack_append_integer(&b, e.integer);
        else rdb_listpack_append_string(&b, e.string, e.length);
        walked++;
    }
    rdb_listpack_finish(&b);
    size_t again;
    if (walked != count || rdb_listpack_validate((uint8_t *)out.data, out.length, &again, &error) != 0 ||
        again != count)
        abort();
    strbuf_free(&out);
}

static void ziplist(const uint8_t *data, size_t size) {
    size_t count, walked = 0;
    const char *error;
    if (rdb_ziplist_validate(data, size, &count, &error) != 0) return;
    rdb_ziplist_iterator it;
    rdb_element e;
    rdb_ziplist_iterator_init(&it, data, size);
    while (rdb_ziplist_next(&it, &e)) walked++;
    if (walked != count) abort();
}

static void zipmap(const uint8_t *data, size_t size) {
    size_t pairs, walked = 0;
    const char *error;
    if (rdb_zipmap_validate(data, size, &pairs, &error) != 0) return;
    rdb_zipmap_iterator it;
    rdb_element field, value;
    rdb_zipmap_iterator_init(&it, data, size);
    while (rdb_zipmap_next(&it, &field, &value)) walked++;
    if (walked != pairs) abort();
}

static void intset(const uint8_t *data, size_t size) {
    size_t count;
    const char *error;
    if (rdb_intset_validate(data, size, &count, &error) != 0) return;
    int64_t *members = malloc(count * sizeof(*members));
    for (size_t i = 0; i < count; i++) members[i] = rdb_intset_get(data, i);
    strbuf out = STRBUF_INIT;
    rdb_intset_build(&out, members, count);
    /* Redis never narrows an intset, so compare members, not bytes. */
    size_t again;
    if (rdb_intset_validate((uint8_t *)out.data, out.length, &again, &error) != 0 || again != count) abort();
    for (size_t i = 0; i < count; i++)
        if (rdb_intset_get((uint8_t *)out.data, i) != members[i]) abort();
    strbuf_free(&out);
    free(members);
}

static int count_element(void *context, const rdb_element *e) {
    (void)e;
    (*(size_t *)context)++;
    return 0;
}

static void quicklist(const uint8_t *data, size_t size, int type) {
    rdb_reader r;
    size_t elements = 0;
    rdb_reader_init(&r, data, size, 10);
    rdb_quicklist_read(&r, type, count_element, &elements, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const uint8_t *rest = data + 1;
    size_t left = size - 1;
    /* A copy of exactly `left` bytes, so reading one byte past is caught. */
    uint8_t *copy = malloc(left ? left : 1);
    memcpy(copy, rest, left);
    switch (data[0] % 7) {
    case 0: strings(copy, left); break;
    case 1: listpack(copy, left); break;
    case 2: ziplist(copy, left); break;
    case 3: zipmap(copy, left); break;
    case 4: intset(copy, left); break;
    case 5: quicklist(copy, left, RDB_TYPE_LIST_QUICKLIST_2); break;
    default: quicklist(copy, left, RDB_TYPE_LIST_QUICKLIST); break;
    }
    free(copy);
    return 0;
}
