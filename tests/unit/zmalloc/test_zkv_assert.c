/* Unit test for zkv_assert: a failed check runs the report hook once, names
 * the file, line and condition, and aborts; a passing check does nothing.
 * Failures happen in a forked child so the test process survives. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "zkv_assert.h"

static int report_calls;

static void report_to_stderr(const char *file, int line, const char *condition) {
    report_calls++;
    fprintf(stderr, "report %d: %s:%d %s\n", report_calls, file, line, condition);
}

/* Runs `body` in a child with stderr captured; returns the child's status
 * and what it printed. */
static int run_child(void (*body)(void), char *output, size_t capacity) {
    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(pipe_fds[1], STDERR_FILENO);
        close(pipe_fds[0]);
        body();
        _exit(0);
    }
    close(pipe_fds[1]);
    size_t length = 0;
    ssize_t count;
    while (length + 1 < capacity && (count = read(pipe_fds[0], output + length, capacity - 1 - length)) > 0)
        length += (size_t)count;
    output[length] = '\0';
    close(pipe_fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void failing_check(void) {
    int value = 3;
    zkv_assert(value == 4);
}

static void failing_check_with_report(void) {
    zkv_assert_set_report(report_to_stderr);
    failing_check();
}

static void passing_check(void) {
    int value = 3;
    zkv_assert(value == 3);
}

static void test_failure_aborts_with_location(void **state) {
    (void)state;
    char output[512];
    int status = run_child(failing_check, output, sizeof(output));
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(output, "test_zkv_assert.c"));
    assert_non_null(strstr(output, "'value == 4' is not true"));
}

static void test_report_hook_runs_once(void **state) {
    (void)state;
    char output[512];
    int status = run_child(failing_check_with_report, output, sizeof(output));
    assert_true(WIFSIGNALED(status));
    assert_non_null(strstr(output, "report 1: "));
    assert_non_null(strstr(output, "value == 4"));
    assert_null(strstr(output, "report 2"));
}

static void test_passing_check_is_silent(void **state) {
    (void)state;
    char output[64];
    int status = run_child(passing_check, output, sizeof(output));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_string_equal(output, "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failure_aborts_with_location),
        cmocka_unit_test(test_report_hook_runs_once),
        cmocka_unit_test(test_passing_check_is_silent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
