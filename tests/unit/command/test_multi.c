/* Unit tests for WATCH and the keyspace hooks (multi_key_modified,
 * multi_database_flushed, multi_databases_swapped), driving the real
 * command handlers on socketless clients and reading the reply bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include <cmocka.h>

#include "client.h"
#include "command.h"
#include "config.h"
#include "db.h"
#include "keyspace.h"
#include "module.h"
#include "multi.h"
#include "object.h"

/* The layers MULTI needs, with the commands the tests send. */
extern const zkv_module core_module, keyspace_module, net_module, command_module, admin_module, generic_module;
static const zkv_module *const modules[] = {&core_module,  &keyspace_module, &net_module, &command_module,
                                            &admin_module, &generic_module,  NULL};

static int setup(void **state) {
    (void)state;
    module_register_all(modules);
    config_set_defaults();
    server_update_cached_time();
    const char *failed = NULL, *error = NULL;
    return module_init_all(&failed, &error);
}

/* Runs one command line (words separated by single spaces). */
static void run(client *c, const char *line) {
    resp_argument argv[8];
    char copy[256];
    strcpy(copy, line);
    int argc = 0;
    for (char *word = strtok(copy, " "); word && argc < 8; word = strtok(NULL, " "))
        argv[argc++] = (resp_argument){word, strlen(word)};
    c->argc = argc;
    c->argv = argv;
    dispatch_process_command(c);
    c->argc = 0;
    c->argv = NULL;
}

/* Takes every pending reply byte as a string. */
static const char *replies(client *c) {
    static char text[4096];
    struct iovec vectors[16];
    size_t length = 0;
    int count = resp_output_iovec(c->reply, vectors, 16);
    for (int i = 0; i < count; i++) {
        memcpy(text + length, vectors[i].iov_base, vectors[i].iov_len);
        length += vectors[i].iov_len;
    }
    resp_output_consume(c->reply, length);
    text[length] = '\0';
    return text;
}

static void test_watch_then_modify(void **state) {
    (void)state;
    client *c = client_create(-1, 0);
    assert_false(multi_watching_anything());
    run(c, "WATCH k1 k2");
    assert_true(multi_watching_anything());
    multi_key_modified(0, "other", 5);
    multi_key_modified(1, "k1", 2); /* another database */
    run(c, "MULTI");
    run(c, "PING");
    run(c, "EXEC");
    assert_string_equal(replies(c), "+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n");
    assert_false(multi_watching_anything()); /* EXEC unwatches */
    run(c, "WATCH k1");
    multi_key_modified(0, "k1", 2);
    run(c, "MULTI");
    run(c, "PING");
    run(c, "EXEC");
    assert_string_equal(replies(c), "+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n");
    /* UNWATCH forgets a touch too. */
    run(c, "WATCH k1");
    multi_key_modified(0, "k1", 2);
    run(c, "UNWATCH");
    run(c, "MULTI");
    run(c, "EXEC");
    assert_string_equal(replies(c), "+OK\r\n+OK\r\n+OK\r\n*0\r\n");
    client_free(c);
}

static void store(int db_index, const char *key) {
    db_add(keyspace_db(db_index), object_create_string(key, strlen(key), "v", 1, OBJECT_STRING_AUTO,
                                                       OBJECT_NO_EXPIRE));
}

static void test_flush_and_swap(void **state) {
    (void)state;
    client *first = client_create(-1, 0), *second = client_create(-1, 0);
    store(2, "k1");
    run(first, "SELECT 2");
    run(first, "WATCH k1");
    run(second, "SELECT 2");
    run(second, "WATCH missing");
    multi_database_flushed(3);
    assert_false(first->flags & CLIENT_DIRTY_CAS);
    multi_database_flushed(-1);
    assert_true(first->flags & CLIENT_DIRTY_CAS);
    assert_false(second->flags & CLIENT_DIRTY_CAS); /* its key did not exist */
    multi_databases_swapped(5, 6);
    assert_false(second->flags & CLIENT_DIRTY_CAS);
    store(6, "missing"); /* a key of another database: no watcher of db 2 hears it */
    assert_false(second->flags & CLIENT_DIRTY_CAS);
    multi_databases_swapped(2, 6);
    assert_true(second->flags & CLIENT_DIRTY_CAS);
    replies(first);
    replies(second);
    client_free(first);
    client_free(second);
    db_empty(keyspace_db(2));
    db_empty(keyspace_db(6));
    assert_false(multi_watching_anything()); /* freeing a client unwatches */
}

static void test_many_watchers(void **state) {
    (void)state;
    enum { CLIENTS = 50, KEYS = 200 };
    client *clients[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = client_create(-1, 0);
        for (int k = 0; k < KEYS; k++) {
            char line[32];
            snprintf(line, sizeof(line), "WATCH key:%d", (k * 7 + i) % KEYS);
            run(clients[i], line);
        }
    }
    multi_key_modified(0, "key:13", 6);
    for (int i = 0; i < CLIENTS; i++) assert_true(clients[i]->flags & CLIENT_DIRTY_CAS);
    for (int i = 0; i < CLIENTS; i++) {
        replies(clients[i]);
        client_free(clients[i]);
    }
    assert_false(multi_watching_anything());
}

/* The expiry rules need keys whose TTL has passed but that are still
 * stored (nothing looked them up since): database 0 with active expiry off
 * keeps them so.  "Stored" and "stale" below are set directly on it. */
static void set_x(int stored, int stale) {
    db *d = keyspace_db(0);
    object *old = db_take(d, "x", 1);
    if (old) object_free(old);
    if (!stored) return;
    long long expire = stale ? server_unix_time_ms() - 1000 : OBJECT_NO_EXPIRE;
    db_add(d, object_create_string("x", 1, "v", 1, OBJECT_STRING_AUTO, expire));
}

static void test_expiry_rules(void **state) {
    (void)state;
    client *c = client_create(-1, 0);
    server.config.active_expire_enabled = 0;
    /* Stale when watched, then lazily deleted: no logical change. */
    set_x(1, 1);
    run(c, "WATCH x");
    set_x(0, 0); /* the delete signals the change itself */
    run(c, "MULTI");
    run(c, "EXEC");
    assert_string_equal(replies(c), "+OK\r\n+OK\r\n*0\r\n");
    /* Alive when watched, expired since, never touched: EXEC fails. */
    set_x(1, 0);
    run(c, "WATCH x");
    set_x(1, 1);
    run(c, "MULTI");
    run(c, "EXEC");
    assert_string_equal(replies(c), "+OK\r\n+OK\r\n*-1\r\n");
    /* Stale when watched, then overwritten (still stored): EXEC fails. */
    set_x(1, 1);
    run(c, "WATCH x");
    set_x(1, 0);
    run(c, "MULTI");
    run(c, "EXEC");
    assert_string_equal(replies(c), "+OK\r\n+OK\r\n*-1\r\n");
    /* FLUSHDB over a stale watched key: no change. */
    set_x(1, 1);
    run(c, "WATCH x");
    multi_database_flushed(0);
    db_empty(keyspace_db(0));
    run(c, "MULTI");
    run(c, "EXEC");
    assert_string_equal(replies(c), "+OK\r\n+OK\r\n*0\r\n");
    set_x(0, 0);
    client_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watch_then_modify),
        cmocka_unit_test(test_flush_and_swap),
        cmocka_unit_test(test_many_watchers),
        cmocka_unit_test(test_expiry_rules),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
