/* runner_tests.h - the runner's side of tests as scenarios: testing.py
 * (pytest:PATH[::ID], unittest:NAME, call:MODULE:FUNCTION) started and
 * configured, --collect's records, and the leftovers record of what a
 * test left running.  The rounds of a test are those of any scenario.
 */
#ifndef LMX_RUNNER_TESTS_H
#define LMX_RUNNER_TESTS_H

#include "runner.h"

/* Loads testing.py into r->testing (a new reference, released with the
 * runner) and calls its configure() with --rootdir, --test-budget,
 * --keyword and --markexpr.  0, or -1 with the Python error printed. */
int runner_start_testing(struct runner *r);

/* --collect: a record per test the target opts->scenario selects, then
 * done.  The exit status: 0, or RUNNER_EXIT_SCENARIO after an error
 * record (where "load": pytest's or unittest's own words). */
int runner_collect(struct runner *r);

/* testing.ended_cleanly(): whether the test that last skipped or failed
 * before its rounds was torn down without an error and left no thread or
 * process running (a runner that serves may then serve on).  1 or 0; 0
 * when it cannot be asked (the error printed). */
int runner_ended_cleanly(struct runner *r);

/* The leftovers record of what a test left running (threads, child
 * processes; nothing for a scenario file), written when there is any;
 * sets r->left_behind when it is written, and r->abandon when a thread
 * that is not a daemon is among it.  A
 * failure is printed and writes nothing. */
void runner_leftovers(struct runner *r);

/* Flushes and _exit(rc)s without finalizing the interpreter, which would
 * wait for r->abandon's threads forever; does not return. */
void runner_abandon(struct runner *r, int rc);

#endif
