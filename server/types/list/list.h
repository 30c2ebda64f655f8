/* list: the list type, Redis 7.0's lists on lib/plist.
 *
 * A list key is an object (keyspace/object.h) whose pointer is a plist: a
 * small list is one packed block beside the key's own block, a long one a
 * chain of packed chunks (see plist.h).  OBJECT ENCODING answers
 * "quicklist" for every list, as Redis 7.0 does.  An empty list is never
 * stored: the command that empties a list deletes its key.
 *
 * The plist pointer moves when the list grows or shrinks; every change
 * goes through list_store so the object always holds the current one.  The
 * object block itself never moves for a list change.
 *
 * list_limits is the configuration (list-max-listpack-size,
 * list-compress-depth) every change is made under.
 */
#ifndef ZKV_LIST_H
#define ZKV_LIST_H

#include <stdbool.h>

#include "client.h"
#include "db.h"
#include "plist.h"

extern plist_limits list_limits;

/* The plist of a list object. */
static inline plist *list_value(const object *o) {
    return object_pointer(o);
}
/* Stores the (possibly moved) plist back into its object. */
static inline void list_store(object *o, plist *l) {
    object_set_pointer(o, l);
}
/* A new, empty list key added to `d` (the caller fills it in before the
 * command ends: an empty list must not stay). */
object *list_add_key(db *d, const char *key, size_t length);
/* Deletes the key if its list is empty, publishing the "del" event; true if
 * it did. */
bool list_delete_if_empty(db *d, object *o);

/* Replies one element as a bulk string. */
void list_reply_value(client *c, const plist_value *v);
/* The first (head) or last element. */
void list_peek(const plist *l, bool head, plist_value *v);
/* Copy of an element's bytes that survives changes to the list: in
 * `stack` when it fits, else in *heap (zmalloc'd; the caller frees it). */
const char *list_copy_value(const plist_value *v, char *stack, size_t capacity, size_t *length, char **heap);

/* The element moves of LMOVE and a served BLMOVE: pops from `source` (a
 * non-empty list object) and pushes to `target` (a list object, or NULL to
 * create the key), replies the element, deletes the source if it emptied. */
void list_move_element(client *c, db *d, object *source, const resp_argument *source_key,
                       object *target, const resp_argument *target_key, bool from_head, bool to_head);
/* Pops up to `count` elements and replies [key, [elements]] (LMPOP,
 * BLMPOP); deletes the key if it emptied. */
void list_pop_range_with_key(client *c, db *d, object *o, const resp_argument *key, bool head, long long count);

/* Registers the type functions (free, duplicate, effort, memory, defrag,
 * RDB). */
void list_register_type(void);

/* RDB and DUMP (list_rdb.c; the contract is persist/rdb_format.h's). */
int list_rdb_type(const object *o);
int list_rdb_save(const object *o, struct rdb_writer *w);
object *list_rdb_load(struct rdb_reader *r, int rdb_type, const char *key, size_t key_length,
                      long long expire_ms, const char **error);

/* The blocking wait kind of BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP;
 * the request is built with list_wait_create. */
extern const struct blocking_type list_blocking_type;
void *list_wait_create(bool from_head, bool to_head, long long count, const resp_argument *target);

/* What a served or non-blocking pop is logged as (Redis 7.0's forms):
 * "left"/"right" for LMOVE's ends; [LR]POP key min(count, length). */
resp_argument list_end_word(bool head);
void list_propagate_pop(int db_index, const resp_argument *key, bool head, long long count, size_t length);

#endif
