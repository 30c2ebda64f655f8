/* Unit tests for command/propagate: what the consumer receives for the
 * commands run on a socketless client (the forms Redis 7.0 logs; the
 * integration test aof_differential compares whole files with Redis). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client.h"
#include "command.h"
#include "config.h"
#include "keyspace.h"
#include "module.h"
#include "propagate.h"
#include "server.h"
#include "strbuf.h"

extern const zkv_module core_module, keyspace_module, net_module, command_module, admin_module, generic_module,
    string_module;
static const zkv_module *const modules[] = {&core_module,    &keyspace_module, &net_module,    &command_module,
                                            &admin_module,   &generic_module,  &string_module, NULL};

static strbuf logged;

/* Records "db:<n> " and the RESP with \r\n shown as spaces. */
static void record(int db_index, const char *resp, size_t length) {
    strbuf_printf(&logged, "db%d:", db_index);
    for (size_t i = 0; i < length; i++)
        if (resp[i] != '\r') strbuf_append_char(&logged, resp[i] == '\n' ? ' ' : resp[i]);
    strbuf_append_char(&logged, '|');
}

static const char *take(void) {
    static char text[4096];
    snprintf(text, sizeof(text), "%s", strbuf_cstring(&logged));
    strbuf_clear(&logged);
    return text;
}

static int setup(void **state) {
    (void)state;
    module_register_all(modules);
    config_set_defaults();
    server_update_cached_time();
    const char *failed = NULL, *error = NULL;
    if (module_init_all(&failed, &error) != 0) return -1;
    propagate_set_consumer(record);
    return 0;
}

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
    resp_output_clear(c->reply);
}

static void test_plain_and_no_op(void **state) {
    (void)state;
    client *c = client_create(-1, 0);
    run(c, "SET k v");
    assert_string_equal(take(), "db0:*3 $3 SET $1 k $1 v |");
    run(c, "GET k");
    run(c, "DEL missing");
    assert_string_equal(take(), ""); /* reads and writes that changed nothing */
    run(c, "FLUSHDB");
    run(c, "FLUSHDB");
    assert_string_equal(take(), "db0:*1 $7 FLUSHDB |db0:*1 $7 FLUSHDB |"); /* forced, as Redis */
    client_free(c);
}

static void test_rewritten_forms(void **state) {
    (void)state;
    client *c = client_create(-1, 0);
    run(c, "SET k v");
    take();
    run(c, "EXPIREAT k 99999999999 NX");
    assert_string_equal(take(), "db0:*4 $9 PEXPIREAT $1 k $14 99999999999000 $2 NX |");
    run(c, "PEXPIREAT k 99999999999999");
    assert_string_equal(take(), "db0:*3 $9 PEXPIREAT $1 k $14 99999999999999 |"); /* as sent */
    run(c, "EXPIRE k -1");
    assert_string_equal(take(), "db0:*2 $3 DEL $1 k |");
    run(c, "SET k v EXAT 99999999999");
    assert_string_equal(take(), "db0:*5 $3 SET $1 k $1 v $4 PXAT $14 99999999999000 |");
    run(c, "SET k w GET");
    assert_string_equal(take(), "db0:*3 $3 SET $1 k $1 w |");
    run(c, "GETSET k x");
    assert_string_equal(take(), "db0:*3 $3 SET $1 k $1 x |");
    run(c, "SET n 1.5");
    take();
    run(c, "INCRBYFLOAT n 1");
    assert_string_equal(take(), "db0:*4 $3 SET $1 n $3 2.5 $7 KEEPTTL |");
    run(c, "GETDEL n");
    assert_string_equal(take(), "db0:*2 $3 DEL $1 n |");
    client_free(c);
}

static void test_transactions_and_databases(void **state) {
    (void)state;
    client *c = client_create(-1, 0);
    run(c, "MULTI");
    run(c, "SET a 1");
    run(c, "GET a");
    run(c, "EXEC");
    assert_string_equal(take(), "db0:*3 $3 SET $1 a $1 1 |"); /* one write: no wrapper */
    run(c, "MULTI");
    run(c, "INCR a");
    run(c, "SELECT 1");
    run(c, "INCR b");
    run(c, "EXEC");
    assert_string_equal(take(), "db0:*1 $5 MULTI |db0:*2 $4 INCR $1 a |db1:*2 $4 INCR $1 b |db1:*1 $4 EXEC |");
    run(c, "SELECT 0");
    client_free(c);
}

static void test_expired_keys(void **state) {
    (void)state;
    client *c = client_create(-1, 0);
    run(c, "SET e 1 PXAT 1000");
    take();
    run(c, "SET e 1");
    take();
    run(c, "SET e 2 PXAT 1000");
    strbuf_clear(&logged);
    run(c, "INCR e"); /* the lazily expired key's DEL, then the INCR, as one unit */
    assert_string_equal(take(), "db0:*1 $5 MULTI |db0:*2 $3 DEL $1 e |db0:*2 $4 INCR $1 e |db0:*1 $4 EXEC |");
    run(c, "SET f 1 PXAT 1000");
    take();
    run(c, "GET f");
    assert_string_equal(take(), "db0:*2 $3 DEL $1 f |");
    run(c, "DEL k a e"); /* nothing left behind for the leak check */
    run(c, "SELECT 1");
    run(c, "DEL b");
    client_free(c);
    strbuf_free(&logged);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_no_op),
        cmocka_unit_test(test_rewritten_forms),
        cmocka_unit_test(test_transactions_and_databases),
        cmocka_unit_test(test_expired_keys),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
