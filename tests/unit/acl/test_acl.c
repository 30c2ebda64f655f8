/* Unit tests of server/acl: rules (all-or-nothing, Redis's descriptions),
 * the per-command check (commands, subcommands, first args, %R/%W keys,
 * selectors), channels, MULTI/EXEC re-checks and memory returning to its
 * baseline.  Commands go through the real dispatch on socketless clients. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include <cmocka.h>

#include "acl.h"
#include "client.h"
#include "command.h"
#include "config.h"
#include "module.h"
#include "strbuf.h"
#include "zmalloc.h"

extern const zkv_module core_module, keyspace_module, net_module, command_module, string_module, generic_module,
    admin_module, acl_module;
static const zkv_module *const modules[] = {&core_module,   &keyspace_module, &net_module,   &command_module,
                                            &string_module, &generic_module,  &admin_module, &acl_module, NULL};

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
    resp_argument argv[16];
    char copy[512];
    strcpy(copy, line);
    int argc = 0;
    for (char *word = strtok(copy, " "); word && argc < 16; word = strtok(NULL, " "))
        argv[argc++] = (resp_argument){word, strlen(word)};
    c->argc = argc;
    c->argv = argv;
    dispatch_process_command(c);
    c->argc = 0;
    c->argv = NULL;
}

static const char *replies(client *c) {
    static char text[8192];
    struct iovec vectors[16];
    size_t length = 0, taken = 0;
    int count = resp_output_iovec(c->reply, vectors, 16);
    for (int i = 0; i < count; i++) {
        size_t part = vectors[i].iov_len < sizeof(text) - 1 - length ? vectors[i].iov_len : sizeof(text) - 1 - length;
        memcpy(text + length, vectors[i].iov_base, part);
        length += part;
        taken += vectors[i].iov_len;
    }
    resp_output_consume(c->reply, taken);
    text[length] = '\0';
    return text;
}

static const char *describe(const char *name) {
    static char text[1024];
    strbuf out = STRBUF_INIT;
    acl_user_describe(acl_find_user(name, strlen(name)), &out);
    snprintf(text, sizeof(text), "%s", strbuf_cstring(&out));
    strbuf_free(&out);
    return text;
}

static void test_rules_and_descriptions(void **state) {
    (void)state;
    client *c = client_create(-1, 0);
    run(c, "ACL SETUSER u1 on >p1 ~foo* %R~bar* %W~bar* %R~baz &ch* +@string -set");
    assert_string_equal(replies(c), "+OK\r\n");
    assert_string_equal(describe("u1"),
                        "user u1 on #f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a ~foo* ~bar* "
                        "%R~baz resetchannels &ch* -@all +@string -set");
    /* A bad rule anywhere changes nothing. */
    run(c, "ACL SETUSER u1 off ~new +get bogus");
    assert_string_equal(replies(c), "-ERR Error in ACL SETUSER modifier 'bogus': Syntax error\r\n");
    assert_string_equal(describe("u1"),
                        "user u1 on #f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a ~foo* ~bar* "
                        "%R~baz resetchannels &ch* -@all +@string -set");
    run(c, "ACL SETUSER u2 +@all -@string -config|set +debug|object");
    assert_string_equal(replies(c), "+OK\r\n");
    assert_string_equal(describe("u2"), "user u2 off resetchannels +@all -@string -config|set");
    run(c, "ACL SETUSER u3 -@all +select|0 +select|1 (~k* +get) (%W~w* +set)");
    assert_string_equal(replies(c), "+OK\r\n");
    assert_string_equal(describe("u3"), "user u3 off resetchannels -@all +select|0 +select|1 "
                                        "(~k* resetchannels -@all +get) (%W~w* resetchannels -@all +set)");
    run(c, "ACL SETUSER u3 clearselectors -@all");
    assert_string_equal(replies(c), "+OK\r\n");
    assert_string_equal(describe("u3"), "user u3 off resetchannels -@all");
    static const char *const errors[][2] = {
        {"+nosuch", "Unknown command or category name in ACL"},
        {"+@nosuch", "Unknown command or category name in ACL"},
        {"+config|get|x", "Allowing first-arg of a subcommand is not supported"},
        {"+select|", "Syntax error"},
        {"-select|0", "Unknown command or category name in ACL"},
        {"%X~k", "Syntax error"},
        {"%~k", "Syntax error"},
        {"#abc", "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
                 "characters"},
        {"<nopassword", "The password you are trying to remove from the user does not exist"},
    };
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        char line[256], expected[512];
        snprintf(line, sizeof(line), "ACL SETUSER u3 %s", errors[i][0]);
        snprintf(expected, sizeof(expected), "-ERR Error in ACL SETUSER modifier '%s': %s\r\n", errors[i][0],
                 errors[i][1]);
        run(c, line);
        assert_string_equal(replies(c), expected);
    }
    run(c, "ACL SETUSER u3 allkeys ~x");
    assert_non_null(strstr(replies(c), "Adding a pattern after the * pattern (or the 'allkeys' flag)"));
    run(c, "ACL SETUSER u3 (~x +get");
    assert_string_equal(replies(c), "-ERR Unmatched parenthesis in acl selector starting at '(~x'.\r\n");
    run(c, "ACL DELUSER u1 u2 u3 nosuch");
    assert_string_equal(replies(c), ":3\r\n");
    client_free(c);
}

static void test_command_and_key_checks(void **state) {
    (void)state;
    client *admin = client_create(-1, 0), *c = client_create(-1, 0);
    run(admin, "ACL SETUSER app on >secret ~k* %R~r* %W~w* +get +set +mget +select|1 +multi +exec +acl|whoami");
    run(c, "AUTH app wrong");
    run(c, "AUTH app secret");
    run(c, "ACL WHOAMI");
    assert_string_equal(replies(c),
                        "-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n$3\r\napp\r\n");
    run(c, "GET k1");
    run(c, "GET x");
    run(c, "INCR k1");
    run(c, "GET r1");
    run(c, "SET r1 v");
    run(c, "SET w1 v");
    run(c, "SET w1 v GET"); /* GET makes SET read the key too */
    run(c, "MGET k1 k2 x");
    run(c, "SELECT 1");
    run(c, "SELECT 2");
    run(c, "ACL LIST");
    assert_string_equal(replies(c),
                        "$-1\r\n"
                        "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"
                        "-NOPERM this user has no permissions to run the 'incr' command\r\n"
                        "$-1\r\n"
                        "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"
                        "+OK\r\n"
                        "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"
                        "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"
                        "+OK\r\n"
                        "-NOPERM this user has no permissions to run the 'select' command\r\n"
                        "-NOPERM this user has no permissions to run the 'acl|list' command\r\n");
    /* Denied inside MULTI: the queue is poisoned; changed rules are caught at EXEC. */
    run(c, "MULTI");
    run(c, "GET k1");
    run(admin, "ACL SETUSER app -get");
    run(c, "EXEC");
    assert_string_equal(replies(c), "+OK\r\n+QUEUED\r\n*1\r\n-NOPERM ACLs rules changed between the moment the "
                                    "transaction was accumulated and the EXEC call. This command is no longer "
                                    "allowed for the following reason: no permission to execute the command or "
                                    "subcommand\r\n");
    /* The log: newest first, repeats folded. */
    run(admin, "ACL LOG RESET");
    run(c, "GET x");
    run(c, "SET x 1");
    run(c, "SET x 1");
    replies(c);
    replies(admin);
    run(admin, "ACL LOG 1");
    const char *log = replies(admin);
    assert_non_null(strstr(log, "$5\r\ncount\r\n:2\r\n$6\r\nreason\r\n$3\r\nkey\r\n$7\r\ncontext\r\n$8\r\ntoplevel\r\n"
                                "$6\r\nobject\r\n$1\r\nx\r\n$8\r\nusername\r\n$3\r\napp\r\n"));
    /* DRYRUN answers without logging. */
    run(admin, "ACL DRYRUN app set x 1");
    run(admin, "ACL DRYRUN app incr k");
    run(admin, "ACL DRYRUN app set k 1");
    assert_string_equal(replies(admin), "$50\r\nThis user has no permissions to access the 'x' key\r\n"
                                        "$54\r\nThis user has no permissions to run the 'incr' command\r\n+OK\r\n");
    /* Deleting the user sends its client back to default, unauthenticated, and closes it. */
    run(admin, "ACL DELUSER app");
    run(admin, "DEL w1");
    assert_string_equal(replies(admin), ":1\r\n:1\r\n");
    assert_null(c->user);
    assert_true(c->flags & CLIENT_CLOSE_ASAP);
    client_free_closed();
    client_free(admin);
}

static void test_selectors_and_channels(void **state) {
    (void)state;
    client *admin = client_create(-1, 0), *c = client_create(-1, 0);
    run(admin, "ACL SETUSER sel on nopass +get ~a* (+set ~b*) resetchannels &news.* &exact");
    run(c, "AUTH sel anything");
    run(c, "GET a1");
    run(c, "SET b1 v");
    run(c, "GET b1");
    run(c, "SET a1 v");
    assert_string_equal(replies(c), "+OK\r\n$-1\r\n+OK\r\n"
                                    "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"
                                    "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n");
    const acl_selector *root = &acl_find_user("sel", 3)->selectors[0];
    assert_true(acl_selector_channel_listed(root, "news.sport", 10, 0));
    assert_true(acl_selector_channel_listed(root, "exact", 5, 0));
    assert_false(acl_selector_channel_listed(root, "other", 5, 0));
    assert_true(acl_selector_channel_listed(root, "news.*", 6, 1)); /* a pattern must be granted literally */
    assert_false(acl_selector_channel_listed(root, "news.s*", 7, 1));
    assert_false(root->flags & ACL_SELECTOR_ALL_CHANNELS);
    run(admin, "ACL SETUSER sel allchannels");
    root = &acl_find_user("sel", 3)->selectors[0]; /* SETUSER swapped in new selectors */
    assert_true(root->flags & ACL_SELECTOR_ALL_CHANNELS);
    run(admin, "ACL DELUSER sel");
    run(admin, "DEL b1");
    replies(admin);
    client_free(c);
    client_free(admin);
}

static void test_default_user_and_requirepass(void **state) {
    (void)state;
    client *c = client_create(-1, 0);
    const config_parameter *requirepass = config_find("requirepass");
    const char *error = NULL;
    assert_int_equal(config_parameter_set(requirepass, "sesame", &error), 0);
    assert_int_equal(requirepass->apply(&error), 0);
    client *fresh = client_create(-1, 0);
    run(fresh, "GET k");
    run(fresh, "AUTH wrong");
    run(fresh, "AUTH sesame");
    run(fresh, "ACL WHOAMI");
    assert_string_equal(replies(fresh), "-NOAUTH Authentication required.\r\n"
                                        "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
                                        "+OK\r\n$7\r\ndefault\r\n");
    assert_int_equal(config_parameter_set(requirepass, "", &error), 0);
    assert_int_equal(requirepass->apply(&error), 0);
    run(c, "ACL SETUSER default off");
    client *refused = client_create(-1, 0);
    run(refused, "PING");
    assert_string_equal(replies(refused), "-NOAUTH Authentication required.\r\n");
    run(c, "ACL SETUSER default on");
    run(c, "ACL DELUSER default");
    assert_string_equal(replies(c), "+OK\r\n+OK\r\n-ERR The 'default' user cannot be removed\r\n");
    client_free(refused);
    client_free(fresh);
    client_free(c);
}

/* 2000 users set up and deleted on client `c`. */
static void users_come_and_go(client *c) {
    char line[256];
    for (int i = 0; i < 2000; i++) {
        snprintf(line, sizeof(line), "ACL SETUSER user%d on >pw%d ~k%d:* %%R~r* &c%d +@read -get (+set ~s*)", i, i, i, i);
        run(c, line);
        assert_string_equal(replies(c), "+OK\r\n");
    }
    for (int i = 0; i < 2000; i++) {
        snprintf(line, sizeof(line), "ACL DELUSER user%d", i);
        run(c, line);
        assert_string_equal(replies(c), ":1\r\n");
    }
    replies(c);
}

/* Thousands of users come and go without leaving memory behind.  The
 * baseline is taken after a first round: the user array's shrunk size may
 * fall in another allocator size class than its first allocation. */
static void test_memory_returns_to_baseline(void **state) {
    (void)state;
    client *c = client_create(-1, 0);
    users_come_and_go(c);
    size_t baseline = zmalloc_used_memory();
    users_come_and_go(c);
    assert_int_equal(zmalloc_used_memory(), baseline);
    client_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_and_descriptions),
        cmocka_unit_test(test_command_and_key_checks),
        cmocka_unit_test(test_selectors_and_channels),
        cmocka_unit_test(test_default_user_and_requirepass),
        cmocka_unit_test(test_memory_returns_to_baseline),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
