/* Integration tests for ACL users over real connections: AUTH and HELLO 3
 * AUTH with a user, NOPERM texts, CLIENT LIST user= and CLIENT KILL USER,
 * deleting a connected user, `user` directives, aclfile with ACL SAVE/LOAD
 * (a bad file keeps the users in force), the exclusive-setup refusal, channel
 * rules (at the top level, queued in MULTI, in scripts, DRYRUN, ACL LOG,
 * subscribers closed when their grant goes), SORT BY/GET refused without
 * read access to every key, and "not allowed inside a transaction" before
 * the ACL check, the access each key needs (sources, destinations, keys
 * after a key count), redis.acl_check_cmd, CONFIG REWRITE of users.  Expected replies are redis-server 7.0.15's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_hiredis.h"
#include "test_server.h"

static void test_users_over_connections(void **state) {
    (void)state;
    test_server server;
    redisContext *admin = NULL;
    assert_int_equal(test_group_start(&server, &admin, NULL), 0);
    expect_status(redisCommand(admin, "ACL SETUSER app on >pw ~app:* +@read +@write +client|list +client|setname"),
                  "OK");
    redisContext *app = test_redis_connect(server.port);
    redisReply *hello = redisCommand(app, "HELLO 2 AUTH app pw");
    expect_reply_type(hello, REDIS_REPLY_ARRAY);
    freeReplyObject(hello);
    expect_status(redisCommand(app, "SET app:1 v"), "OK");
    expect_error(redisCommand(app, "SET other v"),
                 "NOPERM this user has no permissions to access one of the keys used as arguments");
    expect_error(redisCommand(app, "CONFIG GET port"),
                 "NOPERM this user has no permissions to run the 'config|get' command");
    expect_error(redisCommand(app, "CLIENT KILL USER app"),
                 "NOPERM this user has no permissions to run the 'client|kill' command");
    redisReply *list = redisCommand(app, "CLIENT LIST");
    expect_reply_type(list, REDIS_REPLY_STRING);
    assert_non_null(strstr(list->str, " user=app "));
    freeReplyObject(list);
    expect_error(redisCommand(admin, "CLIENT KILL USER nobody"), "ERR No such user 'nobody'");
    expect_integer(redisCommand(admin, "CLIENT KILL USER app"), 1);
    assert_null(redisCommand(app, "PING")); /* closed */
    redisFree(app);
    /* Deleting the user of a connection closes it after the reply. */
    expect_status(redisCommand(admin, "ACL SETUSER app +acl"), "OK");
    app = test_redis_connect(server.port);
    expect_status(redisCommand(app, "AUTH app pw"), "OK");
    expect_integer(redisCommand(app, "ACL DELUSER app"), 1);
    assert_null(redisCommand(app, "PING"));
    redisFree(app);
    redisReply *log = redisCommand(admin, "ACL LOG");
    expect_reply_type(log, REDIS_REPLY_ARRAY);
    assert_int_equal(log->elements, 3);
    freeReplyObject(log);
    assert_int_equal(test_group_stop(&server, admin), 0);
}

static char *write_file(const char *name, const char *text) {
    static char path[256];
    snprintf(path, sizeof(path), "/tmp/zkv-acl-test-%d-%s", (int)getpid(), name);
    FILE *file = fopen(path, "w");
    fputs(text, file);
    fclose(file);
    return path;
}

static void test_config_user_lines(void **state) {
    (void)state;
    test_server server;
    redisContext *redis = NULL;
    const char *arguments[] = {"--user", "default on nopass ~* &* +@all -flushdb", "--user", "bob on >b ~b* +get",
                               NULL};
    assert_int_equal(test_group_start(&server, &redis, arguments), 0);
    expect_error(redisCommand(redis, "FLUSHDB"), "NOPERM this user has no permissions to run the 'flushdb' command");
    redisReply *users = redisCommand(redis, "ACL LIST");
    assert_int_equal(users->elements, 2);
    assert_string_equal(users->element[0]->str, "user bob on #3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d ~b* resetchannels -@all +get");
    freeReplyObject(users);
    expect_error(redisCommand(redis, "ACL SAVE"),
                 "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via "
                 "the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration "
                 "file set) in order to store users in the Redis configuration.");
    assert_int_equal(test_group_stop(&server, redis), 0);
    const char *duplicate[] = {"--user", "foo", "--user", "foo", NULL};
    char *output = NULL;
    assert_int_not_equal(test_server_run_to_exit(duplicate, 5000, &output), 0);
    assert_non_null(strstr(output, "Duplicate user found"));
    free(output);
}

static void test_acl_file(void **state) {
    (void)state;
    char *path = write_file("users.acl", "user alice on >alice ~* &* +@all\nuser default on nopass ~* &* +@all\n");
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", path);
    test_server server;
    redisContext *redis = NULL;
    const char *arguments[] = {"--aclfile", copy, NULL};
    assert_int_equal(test_group_start(&server, &redis, arguments), 0);
    expect_status(redisCommand(redis, "ACL SETUSER eve on >eve +get ~*"), "OK");
    expect_status(redisCommand(redis, "ACL SAVE"), "OK");
    /* Corrupt the file: LOAD refuses it whole and keeps everyone. */
    FILE *file = fopen(copy, "a");
    fputs("user alice on nopass\nuser broken +nosuch\nnot a user line\n", file);
    fclose(file);
    redisReply *refused = redisCommand(redis, "ACL LOAD");
    expect_reply_type(refused, REDIS_REPLY_ERROR);
    assert_non_null(strstr(refused->str, "WARNING: Duplicate user 'alice' found on line 4. "));
    assert_non_null(strstr(refused->str, ":5: Error in applying operation '+nosuch': Unknown command or category "
                                         "name in ACL. "));
    assert_non_null(strstr(refused->str, ":6 should start with user keyword followed by the username. "));
    freeReplyObject(refused);
    redisReply *users = redisCommand(redis, "ACL USERS");
    assert_int_equal(users->elements, 3);
    freeReplyObject(users);
    /* A good file replaces the users and closes their connections. */
    write_file("users.acl", "user default on nopass ~* &* +@all\nuser zed on nopass +ping\n");
    redisContext *eve = test_redis_connect(server.port);
    expect_status(redisCommand(eve, "AUTH eve eve"), "OK");
    expect_status(redisCommand(redis, "ACL LOAD"), "OK");
    assert_null(redisCommand(eve, "PING"));
    redisFree(eve);
    users = redisCommand(redis, "ACL USERS");
    assert_int_equal(users->elements, 2);
    assert_string_equal(users->element[1]->str, "zed");
    freeReplyObject(users);
    assert_int_equal(test_group_stop(&server, redis), 0);
    /* user lines and an aclfile together are refused at start-up. */
    const char *both[] = {"--aclfile", copy, "--user", "x", NULL};
    char *output = NULL;
    assert_int_not_equal(test_server_run_to_exit(both, 5000, &output), 0);
    assert_non_null(strstr(output, "please define either an ACL file or declare users directly"));
    free(output);
    unlink(copy);
}

static const char channel_refusal[] =
    "NOPERM this user has no permissions to access one of the channels used as arguments";

static void expect_log_entry(redisReply *entry, const char *context, const char *object) {
    expect_reply_type(entry, REDIS_REPLY_ARRAY);
    for (size_t i = 0; i + 1 < entry->elements; i += 2) {
        const char *field = entry->element[i]->str;
        if (!strcmp(field, "reason")) assert_string_equal(entry->element[i + 1]->str, "channel");
        if (!strcmp(field, "context")) assert_string_equal(entry->element[i + 1]->str, context);
        if (!strcmp(field, "object")) assert_string_equal(entry->element[i + 1]->str, object);
    }
}

static void test_channel_rules(void **state) {
    (void)state;
    test_server server;
    redisContext *admin = NULL;
    assert_int_equal(test_group_start(&server, &admin, NULL), 0);
    expect_status(redisCommand(admin, "ACL SETUSER ps on >p +@all ~* resetchannels &news:* &lit"), "OK");
    redisContext *ps = test_redis_connect(server.port);
    expect_status(redisCommand(ps, "AUTH ps p"), "OK");
    expect_error(redisCommand(ps, "PUBLISH other x"), channel_refusal);
    expect_integer(redisCommand(ps, "PUBLISH news:1 x"), 0);
    expect_error(redisCommand(ps, "SPUBLISH other x"), channel_refusal); /* a channel, not a key */
    expect_integer(redisCommand(ps, "SPUBLISH lit x"), 0);
    redisReply *script = redisCommand(ps, "EVAL %s 0", "return redis.call('publish','other','x')");
    expect_reply_type(script, REDIS_REPLY_ERROR);
    assert_non_null(strstr(script->str, "ERR The user executing the script can't publish to the channel mentioned "
                                        "in the command script: "));
    freeReplyObject(script);
    /* Refused when queued, so EXEC aborts. */
    expect_status(redisCommand(ps, "MULTI"), "OK");
    expect_error(redisCommand(ps, "PUBLISH other x"), channel_refusal);
    expect_status(redisCommand(ps, "PUBLISH news:2 x"), "QUEUED");
    expect_error(redisCommand(ps, "EXEC"), "EXECABORT Transaction discarded because of previous errors.");
    expect_bulk(redisCommand(admin, "ACL DRYRUN ps PUBLISH other x"),
                  "This user has no permissions to access the 'other' channel");
    /* A pattern must be granted literally; the last refused channel is named. */
    expect_bulk(redisCommand(admin, "ACL DRYRUN ps PSUBSCRIBE news:1*"),
                  "This user has no permissions to access the 'news:1*' channel");
    expect_status(redisCommand(admin, "ACL DRYRUN ps PSUBSCRIBE news:*"), "OK");
    expect_bulk(redisCommand(admin, "ACL DRYRUN ps SUBSCRIBE lit nope"),
                  "This user has no permissions to access the 'nope' channel");
    expect_error(redisCommand(ps, "SUBSCRIBE lit x1"), channel_refusal);
    redisReply *log = redisCommand(admin, "ACL LOG");
    expect_reply_type(log, REDIS_REPLY_ARRAY);
    assert_int_equal(log->elements, 4);
    expect_log_entry(log->element[0], "toplevel", "x1");
    expect_log_entry(log->element[1], "multi", "other");
    expect_log_entry(log->element[2], "lua", "other");
    expect_log_entry(log->element[3], "toplevel", "other");
    freeReplyObject(log);
    redisFree(ps);

    /* A subscriber stays while every subscription is still granted, and is
     * closed as soon as one is not. */
    expect_status(redisCommand(admin, "ACL SETUSER sub on nopass +@all ~* resetchannels &news:* &orders"), "OK");
    redisContext *sub = test_redis_connect(server.port);
    expect_status(redisCommand(sub, "AUTH sub x"), "OK");
    freeReplyObject(redisCommand(sub, "SUBSCRIBE news:1"));
    freeReplyObject(redisCommand(sub, "PSUBSCRIBE news:*"));
    expect_status(redisCommand(admin, "ACL SETUSER sub resetchannels &news:* &more"), "OK");
    expect_integer(redisCommand(admin, "PUBLISH news:1 still"), 2);
    expect_status(redisCommand(admin, "ACL SETUSER sub resetchannels &news:1 &news:2"), "OK");
    expect_integer(redisCommand(admin, "PUBLISH news:1 gone"), 0);
    redisFree(sub);
    assert_int_equal(test_group_stop(&server, admin), 0);
}

static void test_sort_patterns_and_check_order(void **state) {
    (void)state;
    test_server server;
    redisContext *admin = NULL;
    assert_int_equal(test_group_start(&server, &admin, NULL), 0);
    freeReplyObject(redisCommand(admin, "RPUSH l 2 1"));
    freeReplyObject(redisCommand(admin, "MSET w_1 5 w_2 0"));
    expect_status(redisCommand(admin, "ACL SETUSER s on nopass +@all -shutdown ~l*"), "OK");
    redisContext *s = test_redis_connect(server.port);
    expect_status(redisCommand(s, "AUTH s x"), "OK");
    expect_error(redisCommand(s, "SORT l BY w_*"), "ERR BY option of SORT denied due to insufficient ACL permissions.");
    expect_error(redisCommand(s, "SORT l GET #"), "ERR GET option of SORT denied due to insufficient ACL permissions.");
    expect_error(redisCommand(s, "SORT_RO l GET w_*"),
                 "ERR GET option of SORT denied due to insufficient ACL permissions.");
    redisReply *plain = redisCommand(s, "SORT l BY nosort"); /* no '*': no key is read */
    expect_reply_type(plain, REDIS_REPLY_ARRAY);
    assert_int_equal(plain->elements, 2);
    freeReplyObject(plain);
    /* Read access to every key in a selector that allows SORT is enough. */
    expect_status(redisCommand(admin, "ACL SETUSER s (%%R~* +sort)"), "OK");
    redisReply *sorted = redisCommand(s, "SORT l BY w_* GET w_*");
    expect_reply_type(sorted, REDIS_REPLY_ARRAY);
    assert_int_equal(sorted->elements, 2);
    assert_string_equal(sorted->element[0]->str, "0");
    assert_string_equal(sorted->element[1]->str, "5");
    freeReplyObject(sorted);
    /* Inside MULTI a no-multi command is refused as such before the ACL
     * check, as Redis 7.0 orders them. */
    expect_status(redisCommand(s, "MULTI"), "OK");
    expect_error(redisCommand(s, "SHUTDOWN"), "ERR Command not allowed inside a transaction");
    expect_status(redisCommand(s, "DISCARD"), "OK");
    expect_error(redisCommand(s, "SHUTDOWN"), "NOPERM this user has no permissions to run the 'shutdown' command");
    redisFree(s);
    assert_int_equal(test_group_stop(&server, admin), 0);
}

/* Each key is checked for the access it needs (Redis 7.0's key specs): a
 * source needs read, a destination write, a key only looked at (HLEN)
 * either, and the keys after a key count (ZUNIONSTORE, ZUNION, SINTERCARD,
 * LMPOP, EVAL) are checked like the others. */
static void test_key_flags(void **state) {
    (void)state;
    static const char key_refusal[] = "NOPERM this user has no permissions to access one of the keys used as arguments";
    test_server server;
    redisContext *admin = NULL;
    assert_int_equal(test_group_start(&server, &admin, NULL), 0);
    expect_status(redisCommand(admin, "SET src1 v"), "OK");
    expect_integer(redisCommand(admin, "ZADD src2 1 m"), 1);
    expect_integer(redisCommand(admin, "ZADD other 1 m"), 1);
    expect_status(redisCommand(admin, "ACL SETUSER rw on nopass +@all %%R~src* %%W~dst*"), "OK");
    redisContext *u = test_redis_connect(server.port);
    expect_status(redisCommand(u, "AUTH rw x"), "OK");
    expect_integer(redisCommand(u, "COPY src1 dst1"), 1);
    expect_error(redisCommand(u, "COPY dst1 src1"), key_refusal);
    expect_error(redisCommand(u, "ZUNIONSTORE dst2 2 src2 other"), key_refusal);
    expect_integer(redisCommand(u, "ZUNIONSTORE dst2 1 src2"), 1);
    expect_error(redisCommand(u, "ZUNION 1 other"), key_refusal);
    expect_error(redisCommand(u, "SINTERCARD 1 other"), key_refusal);
    expect_error(redisCommand(u, "EVAL %s 1 src1", "return 1"), key_refusal); /* EVAL may read and write */
    expect_integer(redisCommand(u, "EVAL_RO %s 1 src1", "return 1"), 1);
    expect_integer(redisCommand(u, "STRLEN dst1"), 1);
    expect_error(redisCommand(u, "LPOP dst3"), key_refusal);
    expect_integer(redisCommand(u, "LPUSH dst3 x"), 1);
    expect_error(redisCommand(u, "LMPOP 1 dst3 LEFT"), key_refusal);
    expect_error(redisCommand(u, "BITOP AND dst5 other"), key_refusal);
    expect_error(redisCommand(u, "SORT src9 STORE src8"), key_refusal);
    expect_status(redisCommand(admin, "ACL DRYRUN rw SET dst1 v"), "OK");
    expect_bulk(redisCommand(admin, "ACL DRYRUN rw SET dst1 v GET"),
                "This user has no permissions to access the 'dst1' key");
    expect_status(redisCommand(admin, "ACL DRYRUN rw BITFIELD src1 GET u8 0"), "OK");
    expect_bulk(redisCommand(admin, "ACL DRYRUN rw BITFIELD src1 SET u8 0 1"),
                "This user has no permissions to access the 'src1' key");
    /* COMMAND GETKEYSANDFLAGS shows the same flags. */
    redisReply *keys = redisCommand(admin, "COMMAND GETKEYSANDFLAGS ZUNIONSTORE d 2 a b");
    expect_reply_type(keys, REDIS_REPLY_ARRAY);
    assert_int_equal(keys->elements, 3);
    assert_string_equal(keys->element[0]->element[0]->str, "d");
    assert_string_equal(keys->element[0]->element[1]->element[0]->str, "OW");
    assert_string_equal(keys->element[2]->element[0]->str, "b");
    assert_string_equal(keys->element[2]->element[1]->element[0]->str, "RO");
    freeReplyObject(keys);
    expect_error(redisCommand(admin, "COMMAND GETKEYS ZUNION 3 a"), "ERR Invalid arguments specified for command");
    expect_error(redisCommand(admin, "COMMAND GETKEYS SPUBLISH ch m"), "ERR The command has no key arguments");
    redisFree(u);
    assert_int_equal(test_group_stop(&server, admin), 0);
}

/* redis.acl_check_cmd answers for the caller's user without logging. */
static void test_script_acl_check(void **state) {
    (void)state;
    test_server server;
    redisContext *admin = NULL;
    assert_int_equal(test_group_start(&server, &admin, NULL), 0);
    expect_status(redisCommand(admin, "ACL SETUSER bob on >123 +@scripting +set ~x* +config|get"), "OK");
    redisContext *bob = test_redis_connect(server.port);
    expect_status(redisCommand(bob, "AUTH bob 123"), "OK");
    expect_integer(redisCommand(bob, "EVAL %s 1 xx", "return redis.acl_check_cmd('set','xx',1)"), 1);
    expect_nil(redisCommand(bob, "EVAL %s 1 xx", "return redis.acl_check_cmd('hset','xx','f',1)"));
    expect_nil(redisCommand(bob, "EVAL %s 0", "return redis.acl_check_cmd('set','yy',1)"));
    expect_integer(redisCommand(bob, "EVAL %s 0", "return redis.acl_check_cmd('config','get','x')"), 1);
    redisReply *invalid = redisCommand(bob, "EVAL %s 0", "return redis.acl_check_cmd('config','bogus')");
    expect_reply_type(invalid, REDIS_REPLY_ERROR);
    assert_non_null(strstr(invalid->str, "ERR Invalid command passed to redis.acl_check_cmd() script: "));
    freeReplyObject(invalid);
    redisReply *log = redisCommand(admin, "ACL LOG");
    expect_reply_type(log, REDIS_REPLY_ARRAY);
    assert_int_equal(log->elements, 0);
    freeReplyObject(log);
    redisFree(bob);
    assert_int_equal(test_group_stop(&server, admin), 0);
}

/* CONFIG REWRITE writes every user as a `user` line when there is no
 * aclfile, also into a file that had none (as Redis 7.0), and the file
 * starts a server with the same users. */
static void test_rewrite_user_lines(void **state) {
    (void)state;
    char *path = write_file("rewrite.conf", "save \"\"\n");
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", path);
    test_server server;
    assert_int_equal(test_server_start_full(&server, copy, 0, NULL), 0);
    redisContext *redis = test_redis_connect(server.port);
    expect_status(redisCommand(redis, "ACL SETUSER bob on >pw ~k* +get"), "OK");
    expect_status(redisCommand(redis, "CONFIG REWRITE"), "OK");
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
    FILE *file = fopen(copy, "r");
    char text[1024];
    size_t length = fread(text, 1, sizeof(text) - 1, file);
    fclose(file);
    text[length] = '\0';
    assert_non_null(strstr(text, "\nuser bob on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 "
                                 "~k* resetchannels -@all +get\nuser default on nopass ~* &* +@all\n"));
    assert_int_equal(test_server_start_full(&server, copy, 0, NULL), 0);
    redis = test_redis_connect(server.port);
    expect_status(redisCommand(redis, "AUTH bob pw"), "OK");
    expect_nil(redisCommand(redis, "GET k1"));
    redisFree(redis);
    assert_int_equal(test_server_stop(&server), 0);
    unlink(copy);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_users_over_connections),
        cmocka_unit_test(test_config_user_lines),
        cmocka_unit_test(test_acl_file),
        cmocka_unit_test(test_channel_rules),
        cmocka_unit_test(test_sort_patterns_and_check_order),
        cmocka_unit_test(test_key_flags),
        cmocka_unit_test(test_script_acl_check),
        cmocka_unit_test(test_rewrite_user_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
