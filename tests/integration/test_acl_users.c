/* Integration tests for ACL users over real connections: AUTH and HELLO 3
 * AUTH with a user, NOPERM texts, CLIENT LIST user= and CLIENT KILL USER,
 * deleting a connected user, `user` directives, aclfile with ACL SAVE/LOAD
 * (a bad file keeps the users in force), and the exclusive-setup refusal. */
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_users_over_connections),
        cmocka_unit_test(test_config_user_lines),
        cmocka_unit_test(test_acl_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
