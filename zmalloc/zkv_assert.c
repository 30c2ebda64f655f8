/* zkv_assert: the failure path (see zkv_assert.h). */
#include "zkv_assert.h"

#include <stdio.h>
#include <stdlib.h>

static zkv_assert_report *report_hook;
static int reporting;

void zkv_assert_set_report(zkv_assert_report *report) { report_hook = report; }

void zkv_assert_failed(const char *file, int line, const char *condition) {
    if (report_hook && !reporting) {
        reporting = 1; /* an assertion inside the report must not recurse */
        report_hook(file, line, condition);
    } else {
        fprintf(stderr, "=== ASSERTION FAILED ===\n==> %s:%d '%s' is not true\n", file, line, condition);
    }
    fflush(stderr);
    abort();
}
