/* Unit tests of lib/strbuf.c: appending text and numbers, growth past the
 * initial allocation, and detaching the buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "strbuf.h"
#include "zmalloc.h"

static void test_strbuf(void **state) {
    (void)state;
    strbuf buffer = STRBUF_INIT;
    assert_string_equal(strbuf_cstring(&buffer), "");
    strbuf_append_cstring(&buffer, "id=");
    strbuf_append_int(&buffer, -42);
    strbuf_append_char(&buffer, ' ');
    strbuf_append_unsigned(&buffer, 18446744073709551615ULL);
    strbuf_printf(&buffer, " %s:%d", "x", 7);
    assert_string_equal(strbuf_cstring(&buffer), "id=-42 18446744073709551615 x:7");
    for (int i = 0; i < 1000; i++) strbuf_printf(&buffer, "%04d", i);
    assert_int_equal(buffer.length, strlen("id=-42 18446744073709551615 x:7") + 4000);
    size_t length;
    char *detached = strbuf_detach(&buffer, &length);
    assert_int_equal(strlen(detached), length);
    assert_null(buffer.data);
    zmalloc_free(detached);
    strbuf_free(&buffer);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
