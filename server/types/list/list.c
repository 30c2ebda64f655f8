/* list: the type functions, the element moves shared by the commands and
 * by blocked clients, and the blocking wait kind of the list commands.
 *
 * A served waiter does exactly what its command would have done had the
 * data been there (Redis 7.0): BLPOP/BRPOP reply [key, element], BLMPOP
 * [key, [elements]], BLMOVE the element after pushing it to its target,
 * whose push marks that key ready in turn (chains).  A BLMOVE whose target
 * is no longer a list is answered WRONGTYPE and unblocked, the source left
 * alone.
 */
#include "list.h"

#include <string.h>

#include "blocking.h"
#include "command.h"
#include "keyspace.h"
#include "notify.h"
#include "propagate.h"
#include "reply.h"
#include "zkv_assert.h"
#include "zmalloc.h"

plist_limits list_limits = {.fill = -2, .compress_depth = 0};

#define LIST_STACK_COPY 128

object *list_add_key(db *d, const char *key, size_t length) {
    object *o = object_create_pointer(key, length, OBJECT_LIST, OBJECT_ENCODING_QUICKLIST, plist_create(),
                                      OBJECT_NO_EXPIRE);
    db_add(d, o);
    return o;
}

bool list_delete_if_empty(db *d, object *o) {
    if (plist_length(list_value(o)) != 0) return false;
    size_t length;
    const char *key = object_key(o, &length);
    /* Published first: `key` lives in the object db_delete frees. */
    notify_keyspace_event(NOTIFY_GENERIC, "del", d->index, key, length);
    db_delete(d, key, length, false);
    return true;
}

void list_reply_value(client *c, const plist_value *v) {
    if (v->data) reply_bulk(c, v->data, v->length);
    else reply_bulk_integer(c, v->integer);
}

void list_peek(const plist *l, bool head, plist_value *v) {
    plist_iterator it;
    plist_iterator_init(&it, l, head ? 0 : plist_length(l) - 1, head);
    bool found = plist_iterator_next(&it, v);
    /* The ends of a list are never compressed, so the value points into
     * the list itself, not into the iterator's scratch buffer. */
    zkv_assert(found && it.scratch == NULL);
    plist_iterator_finish(&it);
}

const char *list_copy_value(const plist_value *v, char *stack, size_t capacity, size_t *length, char **heap) {
    char digits[NUMBER_INTEGER_BUFFER];
    const char *bytes = plist_value_bytes(v, length, digits);
    *heap = NULL;
    char *copy = stack;
    if (*length > capacity) copy = *heap = zmalloc_alloc(*length);
    if (*length) memcpy(copy, bytes, *length);
    return copy;
}

void list_move_element(client *c, db *d, object *source, const resp_argument *source_key,
                       object *target, const resp_argument *target_key, bool from_head, bool to_head) {
    plist_value v;
    list_peek(list_value(source), from_head, &v);
    char stack[LIST_STACK_COPY], *heap;
    size_t length;
    const char *bytes = list_copy_value(&v, stack, sizeof stack, &length, &heap);
    list_store(source, plist_pop(list_value(source), from_head, &list_limits));
    if (!target) target = list_add_key(d, target_key->data, target_key->length);
    list_store(target, plist_push(list_value(target), bytes, length, to_head, &list_limits));
    db_signal_modified(d, source_key->data, source_key->length);
    db_signal_modified(d, target_key->data, target_key->length);
    /* Redis's order: the push on the target, then the pop on the source. */
    notify_keyspace_event(NOTIFY_LIST, to_head ? "lpush" : "rpush", d->index, target_key->data, target_key->length);
    notify_keyspace_event(NOTIFY_LIST, from_head ? "lpop" : "rpop", d->index, source_key->data, source_key->length);
    reply_bulk(c, bytes, length);
    zmalloc_free(heap);
    list_delete_if_empty(d, source);
    server.stats.dirty += 2;
}

void list_pop_range_with_key(client *c, db *d, object *o, const resp_argument *key, bool head, long long count) {
    plist *l = list_value(o);
    size_t available = plist_length(l);
    size_t take = (unsigned long long)count < available ? (size_t)count : available;
    reply_array_header(c, 2);
    reply_bulk(c, key->data, key->length);
    reply_array_header(c, (long long)take);
    plist_iterator it;
    plist_value v;
    plist_iterator_init(&it, l, head ? 0 : available - 1, head);
    for (size_t i = 0; i < take && plist_iterator_next(&it, &v); i++) list_reply_value(c, &v);
    plist_iterator_finish(&it);
    l = head ? plist_delete_range(l, 0, take, &list_limits)
             : plist_delete_range(l, available - take, take, &list_limits);
    list_store(o, l);
    db_signal_modified(d, key->data, key->length);
    notify_keyspace_event(NOTIFY_LIST, head ? "lpop" : "rpop", d->index, key->data, key->length);
    server.stats.dirty += (long long)take;
    list_delete_if_empty(d, o);
}

resp_argument list_end_word(bool head) {
    return head ? PROPAGATE_ARG("left") : PROPAGATE_ARG("right");
}

void list_propagate_pop(int db_index, const resp_argument *key, bool head, long long count, size_t length) {
    if (!propagate_on) return;
    char number[24];
    long long taken = (unsigned long long)count < length ? count : (long long)length;
    propagate_also(db_index, 3, (resp_argument[]){head ? PROPAGATE_ARG("LPOP") : PROPAGATE_ARG("RPOP"), *key,
                                                  propagate_number(number, taken)});
}

/* ---------------------------------------------------------------- type functions */

static void list_free_value(void *value) {
    plist_free(value);
}

static void *list_duplicate_value(const void *value) {
    return plist_duplicate(value);
}

static size_t list_free_effort(const void *value) {
    return plist_chunk_count(value);
}

/* Exact: a list's chunks are few (8 KiB each), so walking them is cheap. */
static size_t list_memory_usage(const void *value, size_t samples) {
    (void)samples;
    return plist_memory(value);
}

static void *list_defrag_value(void *value) {
    return plist_defrag(value);
}

/* Head to tail; integer entries are formatted on the stack, so `bytes`
 * lives only during the visit. */
static void list_for_each_element(const void *value,
                                  void (*visit)(void *context, const char *bytes, size_t length, double score),
                                  void *context) {
    plist_iterator it;
    plist_iterator_init(&it, value, 0, true);
    plist_value v;
    char buffer[NUMBER_INTEGER_BUFFER];
    while (plist_iterator_next(&it, &v)) {
        size_t length;
        const char *bytes = plist_value_bytes(&v, &length, buffer);
        visit(context, bytes, length, 1.0);
    }
    plist_iterator_finish(&it);
}

/* The window of for_each_element: the iterator starts at the chunk that
 * holds `start`. */
static size_t list_for_each_element_window(const void *value, size_t start, size_t count,
                                           void (*visit)(void *context, const char *bytes, size_t length,
                                                         double score),
                                           void *context) {
    size_t length = plist_length(value);
    if (start >= length || count == 0) return length;
    plist_iterator it;
    plist_iterator_init(&it, value, start, true);
    plist_value v;
    char buffer[NUMBER_INTEGER_BUFFER];
    for (size_t i = 0; i < count && plist_iterator_next(&it, &v); i++) {
        size_t bytes_length;
        const char *bytes = plist_value_bytes(&v, &bytes_length, buffer);
        visit(context, bytes, bytes_length, 1.0);
    }
    plist_iterator_finish(&it);
    return length;
}

/* SORT ... STORE's list, in the order given, under the current
 * list-max-listpack-size and list-compress-depth. */
static void *list_create_from_elements(const char *const *elements, const size_t *lengths, size_t count,
                                       enum object_encoding *encoding) {
    plist *l = plist_create();
    for (size_t i = 0; i < count; i++) l = plist_push(l, elements[i], lengths[i], false, &list_limits);
    *encoding = OBJECT_ENCODING_QUICKLIST;
    return l;
}

void list_register_type(void) {
    static const object_type_functions functions = {
        .free_value = list_free_value,
        .duplicate_value = list_duplicate_value,
        .free_effort = list_free_effort,
        .memory_usage = list_memory_usage,
        .defrag_value = list_defrag_value,
        .rdb_type = list_rdb_type,
        .rdb_save = list_rdb_save,
        .rdb_load = list_rdb_load,
        .for_each_element = list_for_each_element,
        .for_each_element_window = list_for_each_element_window,
        .create_from_elements = list_create_from_elements,
    };
    object_register_type(OBJECT_LIST, &functions);
}

/* ---------------------------------------------------------------- blocking */

typedef struct list_wait {
    bool from_head, to_head;
    long long count; /* BLMPOP's COUNT; 0: one element as [key, element] */
    size_t target_length;
    char *target;    /* BLMOVE's destination, NULL otherwise */
} list_wait;

void *list_wait_create(bool from_head, bool to_head, long long count, const resp_argument *target) {
    list_wait *w = zmalloc_alloc(sizeof *w);
    *w = (list_wait){.from_head = from_head, .to_head = to_head, .count = count};
    if (target) {
        w->target_length = target->length;
        w->target = zmalloc_alloc(target->length ? target->length : 1);
        memcpy(w->target, target->data, target->length);
    }
    return w;
}

static void list_wait_free(void *request) {
    list_wait *w = request;
    zmalloc_free(w->target);
    zmalloc_free(w);
}

static enum blocking_result list_serve(client *c, db *d, const resp_argument *key, void *request) {
    list_wait *w = request;
    object *o = db_lookup(d, key->data, key->length, DB_LOOKUP_NOSTATS);
    if (!o) return BLOCKING_EMPTY;
    if (object_type(o) != OBJECT_LIST) return BLOCKING_SKIP;
    if (w->target) {
        resp_argument target_key = {.data = w->target, .length = w->target_length};
        object *target = db_lookup_write(d, w->target, w->target_length);
        if (target && object_type(target) != OBJECT_LIST) {
            reply_wrong_type(c);
            return BLOCKING_SERVED;
        }
        /* The lookup may have expired the target; the source is still there
         * (a lookup deletes only the key it is asked about). */
        list_move_element(c, d, o, key, target, &target_key, w->from_head, w->to_head);
        if (c->last_command && strcmp(c->last_command->spec->name, "brpoplpush") == 0)
            propagate_also(d->index, 3, (resp_argument[]){PROPAGATE_ARG("RPOPLPUSH"), *key, target_key});
        else
            propagate_also(d->index, 5, (resp_argument[]){PROPAGATE_ARG("LMOVE"), *key, target_key,
                                                          list_end_word(w->from_head), list_end_word(w->to_head)});
        return BLOCKING_SERVED;
    }
    if (w->count > 0) {
        list_propagate_pop(d->index, key, w->from_head, w->count, plist_length(list_value(o)));
        list_pop_range_with_key(c, d, o, key, w->from_head, w->count);
        return BLOCKING_SERVED;
    }
    propagate_also(d->index, 2, (resp_argument[]){w->from_head ? PROPAGATE_ARG("LPOP") : PROPAGATE_ARG("RPOP"), *key});
    plist_value v;
    list_peek(list_value(o), w->from_head, &v);
    reply_array_header(c, 2);
    reply_bulk(c, key->data, key->length);
    list_reply_value(c, &v);
    list_store(o, plist_pop(list_value(o), w->from_head, &list_limits));
    db_signal_modified(d, key->data, key->length);
    notify_keyspace_event(NOTIFY_LIST, w->from_head ? "lpop" : "rpop", d->index, key->data, key->length);
    server.stats.dirty++;
    list_delete_if_empty(d, o);
    return BLOCKING_SERVED;
}

const blocking_type list_blocking_type = {.serve = list_serve, .free_request = list_wait_free};
