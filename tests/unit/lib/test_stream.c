/* Unit tests of lib/stream.c and lib/stream_group.c against a reference
 * model: a plain array of (ID, value) entries.  Random appends (IDs with
 * gaps and shared milliseconds, one or two fields, same-as-master or not),
 * deletions, exact and approximate trims by MAXLEN and MINID are applied
 * to both, and after every step the whole content is compared forwards and
 * backwards, on random ranges too.  Approximate trims may keep more than
 * asked, never less, and only whole nodes go.  Consumer groups are checked
 * for PEL order, shared nacks, reassignment and deletion.  ID parsing
 * follows Redis's string2ull.  Memory must return to its starting point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stream.h"
#include "stream_group.h"
#include "zmalloc.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

typedef struct model_entry {
    stream_id id;
    char value[24];
    int pairs;
} model_entry;

static model_entry model[20000];
static size_t model_length;

static void check_against_model(const stream *s) {
    assert_int_equal(s->length, model_length);
    stream_id lo = {0, 0}, hi = STREAM_ID_MAX;
    for (int reverse = 0; reverse < 2; reverse++) {
        stream_iterator it;
        stream_entry e;
        stream_iterator_init(&it, s, &lo, &hi, reverse);
        size_t i = 0;
        while (stream_iterator_next(&it, &e)) {
            const model_entry *m = &model[reverse ? model_length - 1 - i : i];
            assert_int_equal(stream_id_compare(&e.id, &m->id), 0);
            assert_int_equal(e.field_count, (size_t)m->pairs);
            const char *f, *v;
            size_t fl, vl;
            stream_entry_next(&e, &f, &fl, &v, &vl);
            assert_int_equal(vl, strlen(m->value));
            assert_memory_equal(v, m->value, vl);
            i++;
        }
        stream_iterator_finish(&it);
        assert_int_equal(i, model_length);
    }
    stream_id first, last;
    if (model_length) {
        assert_true(stream_first_id(s, &first));
        assert_true(stream_last_id(s, &last));
        assert_int_equal(stream_id_compare(&first, &model[0].id), 0);
        assert_int_equal(stream_id_compare(&last, &model[model_length - 1].id), 0);
    } else {
        assert_false(stream_first_id(s, &first));
    }
}

static void check_range(const stream *s) {
    if (!model_length) return;
    stream_id a = model[rng() % model_length].id, b = model[rng() % model_length].id;
    if (stream_id_compare(&a, &b) > 0) {
        stream_id t = a;
        a = b;
        b = t;
    }
    size_t expected = 0;
    for (size_t i = 0; i < model_length; i++)
        expected += stream_id_compare(&model[i].id, &a) >= 0 && stream_id_compare(&model[i].id, &b) <= 0;
    for (int reverse = 0; reverse < 2; reverse++) {
        stream_iterator it;
        stream_entry e;
        size_t n = 0;
        stream_iterator_init(&it, s, &a, &b, reverse);
        while (stream_iterator_next(&it, &e)) n++;
        stream_iterator_finish(&it);
        assert_int_equal(n, expected);
    }
}

static void append(stream *s, const stream_limits *limits) {
    stream_id id = s->last_id;
    if (rng() % 3 == 0) id.seq += 1 + rng() % 3;
    else id = (stream_id){id.ms + 1 + rng() % 1000, rng() % 2};
    model_entry *m = &model[model_length++];
    m->id = id;
    snprintf(m->value, sizeof m->value, "%llu", (unsigned long long)(rng() % 100000));
    m->pairs = 1 + (int)(rng() % 2);
    stream_bytes fv[4] = {{"field", 5}, {m->value, strlen(m->value)}, {rng() % 4 ? "x" : "y", 1}, {"v", 1}};
    if (rng() % 5 == 0) fv[0] = (stream_bytes){"other", 5};
    stream_append(s, &id, fv, (size_t)m->pairs, limits);
}

static void delete_random(stream *s) {
    if (!model_length) return;
    size_t i = rng() % model_length;
    stream_id id = model[i].id;
    assert_true(stream_delete(s, &id));
    assert_false(stream_delete(s, &id));
    memmove(&model[i], &model[i + 1], (model_length - i - 1) * sizeof *model);
    model_length--;
}

static void trim_random(stream *s) {
    stream_trim_args a = {.strategy = rng() % 2 ? STREAM_TRIM_MAXLEN : STREAM_TRIM_MINID, .approx = rng() % 2};
    size_t keep;
    if (a.strategy == STREAM_TRIM_MAXLEN) {
        a.maxlen = (long long)(model_length * 3 / 4 + rng() % (model_length / 4 + 10));
        keep = (size_t)a.maxlen < model_length ? (size_t)a.maxlen : model_length;
    } else {
        size_t at = model_length ? rng() % (model_length / 4 + 1) : 0;
        a.minid = model_length ? model[at].id : (stream_id){0, 0};
        keep = model_length - at;
    }
    size_t before = model_length;
    long long removed = stream_trim(s, &a);
    assert_true(removed >= 0 && (size_t)removed <= before - (before < keep ? before : keep));
    if (!a.approx) assert_int_equal((size_t)removed, before - keep);
    memmove(model, model + removed, (model_length - (size_t)removed) * sizeof *model);
    model_length -= (size_t)removed;
}

static void test_random_against_model(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    for (int round = 0; round < 4; round++) {
        stream_limits limits = {.node_max_bytes = round == 1 ? 64 : 4096, .node_max_entries = round == 2 ? 0 : 5 + round * 30};
        stream *s = stream_create();
        model_length = 0;
        for (int step = 0; step < 6000; step++) {
            uint64_t r = rng() % 1000;
            if (r < 800 || model_length < 5) {
                if (model_length < sizeof model / sizeof *model) append(s, &limits);
            } else if (r < 990) {
                delete_random(s);
            } else {
                trim_random(s);
            }
            if (step % 97 == 0) check_against_model(s);
            check_range(s);
        }
        check_against_model(s);
        assert_true(model_length > 200); /* the shapes above grew big streams */
        stream *copy = stream_duplicate(s);
        stream_free(s);
        check_against_model(copy);
        stream_free(copy);
    }
    assert_int_equal(zmalloc_used_memory(), baseline);
}

static void test_ids(void **state) {
    (void)state;
    stream_id id;
    bool star;
    assert_true(stream_id_parse("5", 1, 7, true, &id, NULL));
    assert_true(id.ms == 5 && id.seq == 7);
    assert_true(stream_id_parse("5-*", 3, 0, true, &id, &star) && star);
    assert_false(stream_id_parse("5-*", 3, 0, true, &id, NULL));
    assert_false(stream_id_parse("-", 1, 0, true, &id, NULL));
    assert_true(stream_id_parse("+", 1, 0, false, &id, NULL) && id.ms == UINT64_MAX);
    assert_true(stream_id_parse("01-02", 5, 0, true, &id, NULL) && id.ms == 1 && id.seq == 2); /* strtoull */
    assert_false(stream_id_parse("1--1", 4, 0, true, &id, NULL));
    assert_false(stream_id_parse("18446744073709551616", 20, 0, true, &id, NULL));
    assert_false(stream_id_parse("", 0, 0, true, &id, NULL));
    assert_false(stream_id_parse("1-", 2, 0, true, &id, NULL));
    id = STREAM_ID_MAX;
    assert_false(stream_id_increment(&id));
    id = (stream_id){0, 0};
    assert_false(stream_id_decrement(&id));
    id = (stream_id){3, UINT64_MAX};
    assert_true(stream_id_increment(&id) && id.ms == 4 && id.seq == 0);
    char buffer[STREAM_ID_BUFFER];
    assert_int_equal(stream_id_format(&(stream_id){12, 3}, buffer), 4);
    assert_string_equal(buffer, "12-3");
}

static void test_lp_sizes(void **state) {
    (void)state;
    /* Redis's listpack: small ints 1 byte + backlen, 13-bit 2+1, strings
     * up to 63 bytes 1 + length + backlen, canonical decimals as ints. */
    assert_int_equal(stream_lp_integer_size(0), 2);
    assert_int_equal(stream_lp_integer_size(127), 2);
    assert_int_equal(stream_lp_integer_size(128), 3);
    assert_int_equal(stream_lp_integer_size(-1), 3);
    assert_int_equal(stream_lp_string_size("abc", 3), 5);
    assert_int_equal(stream_lp_string_size("007", 3), 5);
    assert_int_equal(stream_lp_string_size("7", 1), 2);
}

static void test_groups(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    stream *s = stream_create();
    stream_id zero = {0, 0};
    stream_group *g = stream_group_create(s, "g", 1, &zero, STREAM_ENTRIES_READ_INVALID);
    assert_non_null(g);
    assert_null(stream_group_create(s, "g", 1, &zero, 0));
    assert_non_null(stream_group_create(s, "a", 1, &zero, 0));
    assert_int_equal(stream_group_count(s), 2);
    assert_memory_equal(stream_group_at(s, 0)->name, "a", 1); /* name order */
    stream_consumer *alice = stream_consumer_create(g, "alice", 5, 1);
    stream_consumer *bob = stream_consumer_create(g, "bob", 3, 1);
    assert_null(stream_consumer_create(g, "bob", 3, 1));
    for (uint64_t i = 10; i > 0; i--) stream_group_deliver(g, i % 2 ? alice : bob, &(stream_id){i, 0}, 5);
    assert_int_equal(g->pel.count, 10);
    for (size_t i = 1; i < g->pel.count; i++)
        assert_true(stream_id_compare(&stream_pel_at(&g->pel, i - 1)->id, &stream_pel_at(&g->pel, i)->id) < 0);
    assert_int_equal(alice->pel.count, 5);
    /* Redelivery moves the nack and resets its count. */
    stream_nack *n = stream_pel_find(&g->pel, &(stream_id){3, 0}, NULL);
    n->delivery_count = 7;
    stream_group_deliver(g, bob, &(stream_id){3, 0}, 6);
    assert_true(n->consumer == bob && n->delivery_count == 1 && alice->pel.count == 4 && bob->pel.count == 6);
    stream_group_ack(g, n);
    assert_int_equal(g->pel.count, 9);
    assert_null(stream_pel_find(&bob->pel, &(stream_id){3, 0}, NULL));
    stream *copy = stream_duplicate(s);
    stream_group *gc = stream_group_find(copy, "g", 1);
    assert_int_equal(gc->pel.count, 9);
    assert_int_equal(stream_consumer_find(gc, "bob", 3)->pel.count, 5);
    stream_free(copy);
    assert_int_equal(stream_consumer_delete(g, bob), 5);
    assert_int_equal(g->pel.count, 4);
    assert_true(stream_group_destroy(s, "a", 1));
    assert_false(stream_group_destroy(s, "a", 1));
    stream_free(s);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

/* Random deliveries, reassignments and acknowledgements against a model
 * (the owner of each of 600 IDs), in orders that hit both ends of the PEL
 * windows and their middles. */
static void test_pel_random(void **state) {
    (void)state;
    size_t baseline = zmalloc_used_memory();
    stream *s = stream_create();
    stream_group *g = stream_group_create(s, "g", 1, &(stream_id){0, 0}, 0);
    stream_consumer *consumers[3] = {stream_consumer_create(g, "a", 1, 0), stream_consumer_create(g, "b", 1, 0),
                                     stream_consumer_create(g, "c", 1, 0)};
    enum { IDS = 600 };
    int owner[IDS];
    for (int i = 0; i < IDS; i++) owner[i] = -1;
    int next = 0;
    for (int step = 0; step < 40000; step++) {
        uint64_t r = rng() % 10;
        int id;
        if (r < 4 && next < IDS) id = next++; /* new IDs in order */
        else id = (int)(rng() % (uint64_t)(next ? next : 1));
        if (r < 6) {
            int c = (int)(rng() % 3);
            stream_group_deliver(g, consumers[c], &(stream_id){(uint64_t)id, 0}, step);
            owner[id] = c;
        } else if (owner[id] >= 0) {
            stream_nack *nack = stream_pel_find(&g->pel, &(stream_id){(uint64_t)id, 0}, NULL);
            assert_non_null(nack);
            if (r < 8) {
                int c = (int)(rng() % 3);
                stream_nack_assign(nack, consumers[c]);
                owner[id] = c;
            } else {
                stream_group_ack(g, nack);
                owner[id] = -1;
            }
        } else if (rng() % 50 == 0) {
            /* Ack the oldest half at once, as a worker draining its PEL. */
            for (int i = 0; i < next / 2; i++) {
                stream_nack *nack = stream_pel_find(&g->pel, &(stream_id){(uint64_t)i, 0}, NULL);
                if (nack) stream_group_ack(g, nack);
                owner[i] = -1;
            }
        }
        if (step % 101 == 0 || step == 39999) {
            size_t k = 0, per[3] = {0, 0, 0};
            for (int i = 0; i < IDS; i++) {
                if (owner[i] < 0) continue;
                const stream_nack *nack = stream_pel_at(&g->pel, k++);
                assert_int_equal(nack->id.ms, (uint64_t)i);
                assert_ptr_equal(nack->consumer, consumers[owner[i]]);
                const stream_pel *own = &consumers[owner[i]]->pel;
                assert_ptr_equal(stream_pel_at(own, per[owner[i]]++), nack);
            }
            assert_int_equal(k, g->pel.count);
            for (int c = 0; c < 3; c++) assert_int_equal(per[c], consumers[c]->pel.count);
        }
    }
    stream_free(s);
    assert_int_equal(zmalloc_used_memory(), baseline);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids), cmocka_unit_test(test_lp_sizes), cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_groups), cmocka_unit_test(test_pel_random)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
