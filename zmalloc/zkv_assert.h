/* zkv_assert: invariant checks that stay on in release builds.
 *
 * An invariant that does not hold means memory is already wrong; going on
 * would turn a clear report into silent corruption of users' data.  So
 * zkv_assert is never compiled out (unlike assert(), which NDEBUG removes):
 * a failed check logs the file, line and condition, then whatever the
 * server adds through the report hook (version, the client and command
 * being served, as Redis's bug report does), then aborts so that a core
 * dump or a debugger catches the state.
 *
 * Cost: one predictable branch; the failure path is out of line, so checks
 * are cheap enough for the table, object layout, parser and client state
 * machine.  Conditions must have no side effects.
 */
#ifndef ZKV_ASSERT_H
#define ZKV_ASSERT_H

#define zkv_assert(condition)                                                   \
    ((__builtin_expect(!!(condition), 1)) ? (void)0                             \
                                           : zkv_assert_failed(__FILE__, __LINE__, #condition))

/* Never returns: logs, runs the report hook once, aborts. */
__attribute__((noreturn, cold)) void zkv_assert_failed(const char *file, int line, const char *condition);

/* Writes what the server knows about the failure to stderr/the log (core
 * installs one that names the version, client and command).  It must not
 * allocate much or take locks: memory may be corrupt. */
typedef void zkv_assert_report(const char *file, int line, const char *condition);
void zkv_assert_set_report(zkv_assert_report *report);

#endif
