/* persist_digest: DEBUG DIGEST, a fingerprint of the whole dataset that the
 * persistence tests compare before and after a reload (Redis's own tests do,
 * e.g. around DEBUG LOADAOF).
 *
 * Equal data gives an equal digest whatever the order it is stored in:
 * keys are combined with XOR, and so are the members of a set; lists and
 * sorted sets are mixed in order (a sorted set's order is its scores');
 * a hash is fingerprinted through its DUMP payload, whose field order is
 * the hash's own (stable across a reload, which rebuilds it in that
 * order).  The TTL is part of a key's fingerprint.  The value is zkv's own
 * (Redis's digest uses SHA-1 over its own encoding): 40 hex digits, all
 * zeros for an empty dataset, as Redis prints.  The walk is O(dataset) on
 * the loop: a test aid, like Redis's.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "debug_extension.h"
#include "keyspace.h"
#include "persist.h"
#include "rdb_format.h"
#include "reply.h"
#include "strbuf.h"
#include "zmalloc.h"

#define DIGEST_WORDS 3

typedef struct digest {
    uint64_t word[DIGEST_WORDS];
} digest;

static const uint64_t seeds[DIGEST_WORDS] = {0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull};

/* 64-bit FNV-1a with a seed, finished with a multiply-xorshift mix. */
static uint64_t hash_bytes(uint64_t seed, const void *data, size_t length) {
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull ^ seed;
    for (size_t i = 0; i < length; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* Ordered: the running digest is folded into the next bytes. */
static void mix(digest *d, const void *data, size_t length) {
    for (int i = 0; i < DIGEST_WORDS; i++) d->word[i] = hash_bytes(d->word[i] ^ seeds[i], data, length);
}

static void fold(digest *into, const digest *part) {
    for (int i = 0; i < DIGEST_WORDS; i++) into->word[i] ^= part->word[i];
}

typedef struct element_walk {
    digest ordered;   /* lists, sorted sets */
    digest unordered; /* sets */
    bool sorted_set;
} element_walk;

static void visit_element(void *context, const char *bytes, size_t length, double score) {
    element_walk *walk = context;
    digest one = {{0}};
    mix(&one, bytes, length);
    if (walk->sorted_set) {
        char text[32];
        int n = snprintf(text, sizeof(text), "%.17g", score);
        mix(&one, text, (size_t)n);
    }
    mix(&walk->ordered, &one, sizeof(one));
    fold(&walk->unordered, &one);
}

static void value_digest(const object *o, digest *d) {
    enum object_type type = object_type(o);
    mix(d, &type, sizeof(type));
    if (type == OBJECT_STRING) {
        char buffer[OBJECT_INTEGER_BUFFER];
        size_t length;
        const char *bytes = object_string_bytes(o, &length, buffer);
        mix(d, bytes, length);
        return;
    }
    const object_type_functions *functions = object_type_table(type);
    if (type != OBJECT_HASH && functions->for_each_element) {
        element_walk walk = {.sorted_set = type == OBJECT_ZSET};
        functions->for_each_element(object_value(o), visit_element, &walk);
        const digest *part = type == OBJECT_SET ? &walk.unordered : &walk.ordered;
        mix(d, part, sizeof(*part));
        return;
    }
    strbuf payload = STRBUF_INIT;
    const char *error = NULL;
    if (rdb_format_dump(o, false, &payload, &error) == 0) mix(d, payload.data, payload.length);
    strbuf_free(&payload);
}

static void debug_digest(client *c) {
    digest total = {{0}};
    bool empty = true;
    for (int i = 0; i < keyspace_database_count(); i++) {
        db *d = keyspace_db(i);
        if (db_size(d) == 0) continue;
        table_iterator it;
        void *entry;
        bool flag;
        table_iterator_init(&it, d->keys);
        while (table_iterator_next(&it, &entry, &flag)) {
            const object *o = entry;
            digest key = {{0}};
            mix(&key, &i, sizeof(i));
            size_t length;
            const char *name = object_key(o, &length);
            mix(&key, name, length);
            value_digest(o, &key);
            long long expire = object_has_expire(o) ? object_expire(o) : -1;
            mix(&key, &expire, sizeof(expire));
            fold(&total, &key);
            empty = false;
        }
        table_iterator_finish(&it);
    }
    char text[DIGEST_WORDS * 16 + 1];
    if (empty) memset(text, '0', 40);
    else snprintf(text, sizeof(text), "%016llx%016llx%016llx", (unsigned long long)total.word[0],
                  (unsigned long long)total.word[1], (unsigned long long)total.word[2]);
    reply_bulk(c, text, 40);
}

static const char *const digest_help[] = {"DIGEST", "    Output a hex signature representing the current DB content.",
                                          NULL};
static const debug_extension digest_extension = {"digest", 2, 2, debug_digest, digest_help};

void persist_digest_init(void) {
    debug_register_extension(&digest_extension);
}
