/* propagate: collecting a call's effects and handing them to the consumer
 * (propagate.h has the rules).
 *
 * The pending commands of the running top-level call are RESP bytes in one
 * buffer with a small array of (database, end) marks, so collecting costs
 * an append and emitting one consumer call per command; both buffers keep
 * their capacity between calls, so a steady write load allocates nothing
 * here.  A rewritten form is kept in its call's frame (on dispatch_call's
 * stack) until the call ends, because it must come after whatever the call
 * caused first (a lazily expired key's DEL).
 */
#include "propagate.h"

#include <stdio.h>
#include <string.h>

#include "server.h"
#include "zkv_assert.h"
#include "zmalloc.h"

typedef struct pending_op {
    int db_index;
    size_t end; /* offset in `pending` just past this command */
} pending_op;

bool propagate_on;
static propagate_consumer *consumer;
static propagate_frame *current;
static strbuf pending;
static pending_op *ops;
static int op_count, op_capacity;

static const char multi_resp[] = "*1\r\n$5\r\nMULTI\r\n";
static const char exec_resp[] = "*1\r\n$4\r\nEXEC\r\n";

void propagate_set_consumer(propagate_consumer *fn) {
    consumer = fn;
    propagate_on = fn != NULL;
    strbuf_clear(&pending);
    op_count = 0;
}

void propagate_encode(strbuf *out, int argc, const resp_argument *argv) {
    char header[32];
    int length = snprintf(header, sizeof(header), "*%d\r\n", argc);
    strbuf_append(out, header, (size_t)length);
    for (int i = 0; i < argc; i++) {
        length = snprintf(header, sizeof(header), "$%zu\r\n", argv[i].length);
        strbuf_reserve(out, (size_t)length + argv[i].length + 2);
        strbuf_append(out, header, (size_t)length);
        strbuf_append(out, argv[i].data, argv[i].length);
        strbuf_append(out, "\r\n", 2);
    }
}

static void push_op(int db_index) {
    if (op_count == op_capacity) {
        op_capacity = op_capacity ? op_capacity * 2 : 16;
        ops = zmalloc_realloc(ops, sizeof(*ops) * (size_t)op_capacity);
    }
    ops[op_count++] = (pending_op){db_index, pending.length};
}

/* Emits the collected commands, in a MULTI/EXEC when more than one. */
static void emit_pending(bool wrap) {
    if (op_count == 0) return;
    bool transaction = wrap && op_count > 1;
    if (transaction) consumer(ops[0].db_index, multi_resp, sizeof(multi_resp) - 1);
    size_t start = 0;
    for (int i = 0; i < op_count; i++) {
        consumer(ops[i].db_index, pending.data + start, ops[i].end - start);
        start = ops[i].end;
    }
    if (transaction) consumer(ops[op_count - 1].db_index, exec_resp, sizeof(exec_resp) - 1);
    strbuf_clear(&pending);
    op_count = 0;
}

resp_argument propagate_number(char *buffer, long long value) {
    int length = snprintf(buffer, 24, "%lld", value);
    return (resp_argument){buffer, (size_t)length};
}

void propagate_rewrite(client *c, int argc, const resp_argument *argv) {
    (void)c;
    if (!propagate_on || current == NULL) return;
    strbuf_clear(&current->rewrite);
    propagate_encode(&current->rewrite, argc, argv);
    current->rewritten = true;
}

void propagate_prevent(client *c) {
    (void)c;
    if (current) current->prevented = true;
}

void propagate_force(client *c) {
    (void)c;
    if (current) current->forced = true;
}

void propagate_also(int db_index, int argc, const resp_argument *argv) {
    if (!propagate_on) return;
    propagate_encode(&pending, argc, argv);
    push_op(db_index);
    if (current == NULL) emit_pending(false);
}

void propagate_deletion(int db_index, const char *key, size_t length) {
    if (!propagate_on) return;
    resp_argument argv[2] = {PROPAGATE_ARG("DEL"), {key, length}};
    propagate_also(db_index, 2, argv);
}

void propagate_call_begin(propagate_frame *frame) {
    frame->dirty_before = server.stats.dirty;
    frame->prevented = false;
    frame->forced = false;
    frame->rewritten = false;
    strbuf_init(&frame->rewrite);
    frame->outer = current;
    current = frame;
}

void propagate_call_end(propagate_frame *frame, client *c, bool never_itself, const char *name) {
    zkv_assert(current == frame);
    current = frame->outer;
    if (!propagate_on) {
        strbuf_free(&frame->rewrite);
        return;
    }
    bool changed = server.stats.dirty != frame->dirty_before || frame->forced;
    if (changed && !frame->prevented && !never_itself) {
        if (frame->rewritten) strbuf_append(&pending, frame->rewrite.data, frame->rewrite.length);
        else propagate_encode(&pending, c->argc, c->argv);
        push_op(c->db_index);
    }
    strbuf_free(&frame->rewrite);
    if (current != NULL || op_count == 0) return;
    bool arbitrary_keys = op_count > 1 && (strcmp(name, "scan") == 0 || strcmp(name, "randomkey") == 0);
    emit_pending(!arbitrary_keys);
}
