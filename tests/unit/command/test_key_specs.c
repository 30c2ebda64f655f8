/* Unit tests for command/key_specs: the keys a call names by explicit key
 * specs, with Redis 7.0's rules (command_info_differential compares the
 * same through COMMAND GETKEYS and ACL DRYRUN against redis-server). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "command.h"

typedef struct found {
    int positions[16];
    uint32_t flags[16];
    int count;
    int stop_after; /* 0: never stop */
} found;

static int collect(int position, uint32_t flags, void *context) {
    found *f = context;
    f->positions[f->count] = position;
    f->flags[f->count] = flags;
    f->count++;
    return f->stop_after && f->count >= f->stop_after;
}

/* Splits "a b c" into argv (argv[0] is the command name). */
static int split(char *line, resp_argument *argv) {
    int argc = 0;
    for (char *word = strtok(line, " "); word; word = strtok(NULL, " ")) {
        if (strcmp(word, "''") == 0) word[0] = '\0';
        argv[argc++] = (resp_argument){word, strlen(word)};
    }
    return argc;
}

static int keys_of(const key_spec *specs, const char *call, found *f) {
    static char line[256];
    resp_argument argv[32];
    snprintf(line, sizeof(line), "%s", call);
    int argc = split(line, argv);
    int stop = f->stop_after;
    memset(f, 0, sizeof(*f));
    f->stop_after = stop;
    return command_keys_by_specs(specs, argc, argv, collect, f);
}

static const key_spec georadius[] = {
    {.flags = KEY_RO | KEY_ACCESS, .search = KEY_SEARCH_INDEX, .position = 1, .find = KEY_FIND_RANGE, .key_step = 1},
    {.flags = KEY_OW | KEY_UPDATE, .search = KEY_SEARCH_KEYWORD, .position = 6, .keyword = "STORE",
     .find = KEY_FIND_RANGE, .key_step = 1},
    {.flags = KEY_OW | KEY_UPDATE, .search = KEY_SEARCH_KEYWORD, .position = 6, .keyword = "STOREDIST",
     .find = KEY_FIND_RANGE, .key_step = 1},
    {0}};

static void test_index_and_keywords(void **state) {
    (void)state;
    found f = {0};
    assert_int_equal(keys_of(georadius, "GEORADIUS src 0 0 1 km", &f), 1);
    assert_int_equal(f.positions[0], 1);
    assert_int_equal(f.flags[0], KEY_RO | KEY_ACCESS);
    /* the first STORE wins; STOREDIST adds its own key; case-insensitive */
    assert_int_equal(keys_of(georadius, "GEORADIUS src 0 0 1 km store a STOREDIST b STORE c", &f), 3);
    assert_int_equal(f.positions[1], 7);
    assert_int_equal(f.flags[1], KEY_OW | KEY_UPDATE);
    assert_int_equal(f.positions[2], 9);
    /* a keyword in the last position is never reached (Redis's loop) */
    assert_int_equal(keys_of(georadius, "GEORADIUS src 0 0 1 km STORE", &f), 1);
    /* nor one before the search's start */
    assert_int_equal(keys_of(georadius, "GEORADIUS src STORE 0 1 km", &f), 1);
}

static void test_range_with_limit(void **state) {
    (void)state;
    static const key_spec xread[] = {
        {.flags = KEY_RO | KEY_ACCESS, .search = KEY_SEARCH_KEYWORD, .position = 1, .keyword = "STREAMS",
         .find = KEY_FIND_RANGE, .last_key = -1, .key_step = 1, .limit = 2},
        {0}};
    found f = {0};
    assert_int_equal(keys_of(xread, "XREAD COUNT 1 STREAMS a b 0 0", &f), 2);
    assert_int_equal(f.positions[0], 4);
    assert_int_equal(f.positions[1], 5);
    /* an odd count: half rounded down */
    assert_int_equal(keys_of(xread, "XREAD STREAMS a b 0", &f), 1);
    /* no STREAMS: no key, not an error */
    assert_int_equal(keys_of(xread, "XREAD COUNT 1 x y", &f), 0);
}

static void test_keynum(void **state) {
    (void)state;
    static const key_spec eval[] = {
        {.flags = KEY_RW | KEY_ACCESS | KEY_UPDATE, .search = KEY_SEARCH_INDEX, .position = 2,
         .find = KEY_FIND_KEYNUM, .keynum_first = 1, .keynum_step = 1},
        {0}};
    found f = {0};
    assert_int_equal(keys_of(eval, "EVAL s 2 a b c", &f), 2);
    assert_int_equal(f.positions[0], 3);
    assert_int_equal(f.positions[1], 4);
    /* zero, negative, malformed or too many keys: the specs cannot say */
    assert_int_equal(keys_of(eval, "EVAL s 0", &f), -1);
    assert_int_equal(keys_of(eval, "EVAL s -1 a", &f), -1);
    assert_int_equal(keys_of(eval, "EVAL s x a", &f), -1);
    assert_int_equal(keys_of(eval, "EVAL s 3 a b", &f), -1);
    assert_int_equal(f.count, 0);
}

static void test_unknown_incomplete_and_out_of_range(void **state) {
    (void)state;
    static const key_spec sort[] = {
        {.flags = KEY_RO | KEY_ACCESS, .search = KEY_SEARCH_INDEX, .position = 1, .find = KEY_FIND_RANGE,
         .key_step = 1},
        {.flags = KEY_OW | KEY_UPDATE, .search = KEY_SEARCH_UNKNOWN, .find = KEY_FIND_UNKNOWN},
        {0}};
    static const key_spec migrate[] = {
        {.flags = KEY_RW | KEY_ACCESS | KEY_DELETE, .search = KEY_SEARCH_INDEX, .position = 3,
         .find = KEY_FIND_RANGE, .key_step = 1},
        {.flags = KEY_RW | KEY_ACCESS | KEY_DELETE | KEY_INCOMPLETE, .search = KEY_SEARCH_KEYWORD, .position = -2,
         .keyword = "KEYS", .find = KEY_FIND_RANGE, .last_key = -1, .key_step = 1},
        {0}};
    static const key_spec pfmerge[] = {
        {.flags = KEY_RW | KEY_ACCESS | KEY_INSERT, .search = KEY_SEARCH_INDEX, .position = 1,
         .find = KEY_FIND_RANGE, .key_step = 1},
        {.flags = KEY_RO | KEY_ACCESS, .search = KEY_SEARCH_INDEX, .position = 2, .find = KEY_FIND_RANGE,
         .last_key = -1, .key_step = 1},
        {0}};
    found f = {0};
    /* nothing is visited when any spec fails, even after valid ones */
    assert_int_equal(keys_of(sort, "SORT k", &f), -1);
    assert_int_equal(f.count, 0);
    /* an incomplete spec fails once its keyword is found (searched backwards
     * from the second-to-last argument, argv[1] excluded) */
    assert_int_equal(keys_of(migrate, "MIGRATE h p k 0 5", &f), 1);
    assert_int_equal(f.positions[0], 3);
    assert_int_equal(keys_of(migrate, "MIGRATE h p '' 0 5 KEYS a", &f), -1);
    /* a destination alone: the sources' range starts past the end */
    assert_int_equal(keys_of(pfmerge, "PFMERGE d", &f), -1);
    assert_int_equal(keys_of(pfmerge, "PFMERGE d a b", &f), 3);
    assert_int_equal(f.flags[0], KEY_RW | KEY_ACCESS | KEY_INSERT);
    assert_int_equal(f.flags[2], KEY_RO | KEY_ACCESS);
}

static void test_not_key_and_stopping(void **state) {
    (void)state;
    static const key_spec spublish[] = {
        {.flags = KEY_NOT_KEY, .search = KEY_SEARCH_INDEX, .position = 1, .find = KEY_FIND_RANGE, .key_step = 1},
        {0}};
    static const key_spec mset[] = {
        {.flags = KEY_OW | KEY_UPDATE, .search = KEY_SEARCH_INDEX, .position = 1, .find = KEY_FIND_RANGE,
         .last_key = -1, .key_step = 2},
        {0}};
    found f = {0};
    assert_int_equal(keys_of(spublish, "SPUBLISH channel message", &f), 0);
    assert_int_equal(keys_of(mset, "MSET a 1 b 2 c 3", &f), 3);
    assert_int_equal(f.positions[2], 5);
    f.stop_after = 2;
    assert_int_equal(keys_of(mset, "MSET a 1 b 2 c 3", &f), 2);
    assert_int_equal(command_key_spec_count(mset), 1);
    assert_int_equal(command_key_spec_count(NULL), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_and_keywords),
        cmocka_unit_test(test_range_with_limit),
        cmocka_unit_test(test_keynum),
        cmocka_unit_test(test_unknown_incomplete_and_out_of_range),
        cmocka_unit_test(test_not_key_and_stopping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
