/* proto.h - the protocol between the front end and a runner, one
 * definition for both sides (harness/cell.c and harness/runner/).
 *
 * A runner is started with three private descriptors:
 *   LMX_PROTO_RECORDS_FD   runner -> front end: one JSON object per line,
 *                          "t" (the record type) first;
 *   LMX_PROTO_CONTROL_FD   front end -> runner: after each counted round
 *                          from --rounds on, one line, LMX_PROTO_MORE or
 *                          LMX_PROTO_STOP (EOF means stop too);
 *   LMX_PROTO_PROGRESS_FD  a memfd page (struct lmx_progress) the runner
 *                          keeps current with plain stores, so that the
 *                          front end still knows the round and iteration
 *                          of a runner that died of a signal.
 *
 * Records, in order: hello (carries "proto": LMX_PROTO_VERSION, which the
 * front end checks before anything else), probes, then scenario | skip |
 * error, a round per warm-up and counted round, trace (with --trace),
 * imports, done.  An exception in the scenario writes error, then
 * imports, and exits 1 without done.  Bump LMX_PROTO_VERSION whenever a record changes shape:
 * a runner left over from an older build is then refused with a message
 * instead of being misread.
 *
 * Version 2: a round record may carry "native", the totals of a valgrind
 * leak check (harness/runner/native.h), and the runner may be given
 * LMX_PROTO_NATIVE_FD for the native engine's report.
 *
 * Version 3: under a native engine a round record carries
 * "native_checked": whether the engine's leak check ran at its end.  Only
 * the last warm-up round's check counts (it is the baseline; each warm-up
 * round restarts it), so the warm-up rounds before it skip theirs: a check
 * scans the whole heap, about 0.1 s under memcheck, and a scenario may warm
 * up for 30 rounds.
 *
 * Version 4: the probes record carries "immortal", the probes that are
 * n/a because their object is immortal (PEP 683).  The front end reads
 * that, never the reason's words, for the immortal-singletons note and
 * "clean (None immortal)"; a version-3 runner, without it, would read as
 * if None could still leak.
 *
 * The probes record: "names", every probe a round record's "m" carries
 * (named by base/metrics.h); "na", {name: why} for each one this build
 * cannot provide, the why in words for people; "immortal", [name, ...],
 * those of "na" whose object is immortal.
 *
 * Version 5: test targets (runner/testing.py).  The runner's --collect
 * writes, after hello and probes, one record per test it selected
 * ("test": id, run (the runner's argument for that one test), file,
 * rootdir), per file that did not collect ("collect_error": id, file,
 * message, traceback), per file that skipped itself ("collect_skip": id,
 * file, reason), or one "nothing" (message: the framework's own words)
 * when nothing was selected; then done.  A test's scenario record carries
 * "test" (framework, id, seconds_per_run, budget_s); an error record's
 * "kind" may be "test" (a test that failed: "traceback" is the
 * framework's report); and before done a "leftovers" record names the
 * threads and child processes a test left running.
 *
 * Version 6: a counted round record may carry "grew", what grew beyond
 * memory by name, as differences from the baseline (the last warm-up
 * round), each kind at most 16 names and left out when none moved:
 *   {"fds": {"/tmp/x.log": 3, "socket:[...]": 1},     /proc/self/fd
 *    "threads": {"'worker-N' running serve (srv.py:12)": 3},
 *    "garbage": {"pkg.Node": 2}}                       gc.garbage by type
 * (harness/runner/where.py).  With --trace the runner sends a trace
 * record after the counted rounds: "tracer" ("tracemalloc"), "frames"
 * (--trace-frames), "rounds" and "iterations" traced, "memory"
 * (tracemalloc's own bytes), "sites" (the allocation sites whose size and
 * count grew in every counted round, fastest first, at most 8; when none
 * did, those that grew since the baseline in at least half the rounds:
 * "bytes", "blocks" (growth since the baseline), "bytes_per_iteration",
 * "blocks_per_iteration", "rounds_growing", "frames" (innermost first:
 * "file" as an import names it, "path", "line", "function", "source",
 * "origin"), "at" (the index of the frame in the scenario's, a test's or
 * a library's code), with --census "types" ([{"type", "live"}]: the live
 * gc objects allocated there)), "opened" (fds opened since the baseline
 * that a file or socket object holds: "name", "count", "frames", "at"),
 * "opened_bare" (those no object holds: os.open, C code).  Nothing in
 * either decides a verdict: they name what the probes found.
 *
 * Version 7: a runner that serves many tests (--serve) serves on after
 * a test that skipped or failed before its rounds, when the test's
 * teardown ran without an error and it left no thread or process
 * running: after that test's skip or error record it writes "served"
 * ("status": the exit status a runner of that one test would have ended
 * with, 0 after a skip, 1 after an error), then reads its next test as
 * after done.  The front end ends the test there as it would at the
 * runner's exit with that status.  A crash, a hang, leftovers or a
 * teardown that raised still end the runner, as in version 6.  Each test
 * a runner serves has its own imports record: the modules new since its
 * load (support.imports_record() says what that leaves out).
 *
 * The done record: "gil", whether the GIL was on when the scenario ended
 * (true on every build with one; on a free-threaded build false, unless
 * an extension that declares no Py_mod_gil turned it back on at import;
 * null when it could not be asked).
 *
 * Nothing here allocates or needs anything but <stdint.h>: the runner
 * includes it next to Python.h.
 */
#ifndef LMX_PROTO_H
#define LMX_PROTO_H

#include <stdint.h>

#define LMX_PROTO_VERSION 7

#define LMX_PROTO_RECORDS_FD 3
#define LMX_PROTO_CONTROL_FD 4
#define LMX_PROTO_PROGRESS_FD 5
/* The native engine's own channel (valgrind --log-fd, LSan's report fd):
 * its leak reports never mix with the scenario's stderr. */
#define LMX_PROTO_NATIVE_FD 6

#define LMX_PROTO_MORE "more\n"
#define LMX_PROTO_STOP "stop\n"
/* A runner started with --serve reads the tests it runs on the control
 * fd, one line each: LMX_PROTO_TEST, then the target ("test pytest:..."). */
#define LMX_PROTO_TEST "test "

/* The defaults of a run's rounds, for both processes: the front end's
 * options, its help and its plan (cli/run_options.c, matrix/run.c), and
 * the runner's options and help, which hands LMX_DEFAULT_WARMUP and
 * LMX_DEFAULT_ITERATIONS to support.load() for a scenario that sets no
 * WARMUP or ITERATIONS of its own (support.py keeps no numbers).
 *
 * A count nobody gave is LMX_NOT_GIVEN the whole way: in the front end's
 * request, in a cell's spec (the runner then gets no option), in the
 * runner's options and in support.load()'s arguments. */
#define LMX_NOT_GIVEN (-1)
#define LMX_DEFAULT_WARMUP 3
#define LMX_DEFAULT_ROUNDS 5
#define LMX_DEFAULT_MAX_ROUNDS 12
#define LMX_DEFAULT_ITERATIONS 100

/* A test target's iterations per round, when not given: the test's time
 * per run chooses them so that its warm-up and counted rounds take about
 * LMX_DEFAULT_TEST_BUDGET_S seconds (--test-budget), at least 1 and at
 * most LMX_TEST_MAX_ITERATIONS. */
#define LMX_DEFAULT_TEST_BUDGET_S 10
#define LMX_TEST_MAX_ITERATIONS 1000

/* --trace: tracemalloc's frames per traceback, by default and at most
 * (the front end's option and the runner's). */
#define LMX_DEFAULT_TRACE_FRAMES 16
#define LMX_MAX_TRACE_FRAMES 1000

/* A default in a help text: "(default " LMX_STR(LMX_DEFAULT_ROUNDS) ")"
 * is "(default 5)". */
#define LMX_STR(x) LMX_STR_(x)
#define LMX_STR_(x) #x

/* Record types ("t"). */
#define LMX_REC_HELLO "hello"
#define LMX_REC_PROBES "probes"
#define LMX_REC_SCENARIO "scenario"
#define LMX_REC_SKIP "skip"
#define LMX_REC_ERROR "error"
#define LMX_REC_ROUND "round"
#define LMX_REC_TRACE "trace"
#define LMX_REC_IMPORTS "imports"
#define LMX_REC_DONE "done"
#define LMX_REC_TEST "test"
#define LMX_REC_COLLECT_ERROR "collect_error"
#define LMX_REC_COLLECT_SKIP "collect_skip"
#define LMX_REC_NOTHING "nothing"
#define LMX_REC_LEFTOVERS "leftovers"
#define LMX_REC_SERVED "served"

/* The progress page.  A reader that finds the magic set can trust the rest
 * to be at most one store behind.  iteration_in_round and
 * iterations_total count iterate() calls started, so after a crash they
 * name the iteration that crashed. */
#define LMX_PROGRESS_MAGIC UINT64_C(0x4c4d5850524f4752)   /* LMXPROGR */
#define LMX_PROGRESS_SIZE 4096

enum lmx_phase {
    LMX_PHASE_LOAD = 0,
    LMX_PHASE_SETUP = 1,
    LMX_PHASE_WARMUP = 2,
    LMX_PHASE_COUNTED = 3,
    LMX_PHASE_TEARDOWN = 4,
    LMX_PHASE_DONE = 5,
    LMX_PHASE_COUNT = 6,
};

struct lmx_progress {
    uint64_t magic;
    uint32_t phase;              /* enum lmx_phase */
    uint32_t round;
    uint64_t iteration_in_round;
    uint64_t iterations_total;
};

_Static_assert(sizeof(struct lmx_progress) == 32,
               "the progress page layout is part of the protocol");

/* "load", "setup", "warmup", "counted", "teardown", "done"; "?" else. */
static inline const char *
lmx_phase_name(uint32_t phase)
{
    static const char *const names[LMX_PHASE_COUNT] = {
        "load", "setup", "warmup", "counted", "teardown", "done",
    };
    return phase < LMX_PHASE_COUNT ? names[phase] : "?";
}

#endif
