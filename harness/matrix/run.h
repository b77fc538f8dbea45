/* run.h - the one way to run a matrix: a request (every option of
 * `leakmatrix run`, typed) becomes a plan; what the output directory
 * already holds is read back (resume); library sets are installed; the
 * rest runs in the pool, each cell's result written as it finishes; and
 * the outcome (every result of the plan, what ended the run) goes back to
 * the caller.  run, check, compare and bisect (cli/) all come here.
 *
 * Rendering is the caller's: report/ sits above matrix/, so the reports
 * and the grid are drawn from the outcome by cli/, while the output
 * directory is still locked (run_outcome_release() unlocks it).
 *
 * Defaults are decided in one place each: the counts of rounds in
 * base/proto.h (LMX_DEFAULT_*, read by the runner too), the rest here
 * (RUN_DEFAULT_TIMEOUT_S, and matrix_run() for -j, --max-rss and --out).
 * A number nobody gave is LMX_NOT_GIVEN.
 *
 * Ownership: the request owns its string vectors and varies
 * (run_request_release()); its other strings and the registry are
 * borrowed and must outlive matrix_run().  The outcome owns everything in
 * it, the output directory's lock included.
 */
#ifndef LMX_RUN_H
#define LMX_RUN_H

#include <stdio.h>

#include "base/proto.h"
#include "interp/registry.h"
#include "interp/runnerkit.h"
#include "libs/libset.h"
#include "matrix/plan.h"
#include "matrix/result.h"
#include "native/leakcheck.h"

/* Seconds a cell may take before it is killed as hung. */
#define RUN_DEFAULT_TIMEOUT_S 300

/* --max-rounds-noisy's default, times --max-rounds: the rounds a count
 * whose evidence is split at the drift floor may buy (issue 18). */
#define RUN_NOISY_FACTOR 3

struct run_request {
    /* What runs: scenarios x --vary product x interpreters x sets, and
     * the tests of test targets x interpreters x sets. */
    struct strvec scenarios;        /* scenario paths and test targets
                                       (matrix/target.h), as given */
    struct strvec pythons;          /* selectors (plan_select_pythons());
                                       none: every embeddable one */
    struct strvec sets;             /* --set NAME=VALUE */
    struct plan_vary *varies;       /* --vary, nvaries of them */
    size_t nvaries;
    struct strvec libs;             /* --lib specs: one set together */
    const char *libs_from;          /* --libs-from FILE, or NULL */
    const char *libs_dir;           /* --libs-dir DIR; NULL: libs_root */
    int no_scenario_libs;           /* --no-scenario-libs */
    const char *keyword;            /* -k EXPR: pytest's selection, or
                                       NULL */
    const char *marks;              /* -m MARKEXPR: pytest's, or NULL */
    struct libset_source lib_source;  /* --find-links, --no-index,
                                         --refresh-libs */

    /* How each cell measures; LMX_NOT_GIVEN: the default. */
    long warmup;                    /* the scenario's WARMUP, else
                                       LMX_DEFAULT_WARMUP (the runner's) */
    long rounds;                    /* LMX_DEFAULT_ROUNDS; >= 2 */
    long max_rounds;                /* LMX_DEFAULT_MAX_ROUNDS, raised to
                                       rounds */
    long max_rounds_noisy;          /* RUN_NOISY_FACTOR x max_rounds */
    long iterations;                /* the scenario's ITERATIONS, else
                                       LMX_DEFAULT_ITERATIONS; a test's
                                       chosen by its time per run */
    double test_budget;             /* --test-budget: seconds a test's
                                       rounds take; LMX_NOT_GIVEN: the
                                       runner's default
                                       (LMX_DEFAULT_TEST_BUDGET_S) */
    double timeout_s;               /* RUN_DEFAULT_TIMEOUT_S; scaled for
                                       a native engine */
    double max_rss;                 /* bytes; half the machine's memory
                                       shared by the jobs; scaled too */
    int census;                     /* --census */
    int trace;                      /* --trace */
    long trace_frames;              /* --trace-frames; LMX_NOT_GIVEN:
                                       LMX_DEFAULT_TRACE_FRAMES */
    enum leakcheck_mode native;     /* --valgrind, --lsan */
    int keep_python_env;            /* --keep-python-env */

    /* How the run goes. */
    long jobs;                      /* cells at once; LMX_NOT_GIVEN: the
                                       cores (pool_cores()) */
    int no_pin;                     /* --no-pin */
    int runner_per_test;            /* --runner-per-test: no test shares
                                       its runner */
    const char *out;                /* --out; NULL:
                                       run_default_out_dir("") */
    int rerun;                      /* --rerun: finished cells too */
    int quiet;                      /* -q: no progress on stderr */
    FILE *lines;                    /* a line per cell as it finishes
                                       (stdout), or NULL: none */

    /* Where from: the caller's. */
    const struct registry *reg;     /* the interpreters */
    const char *libs_root;          /* the cache's library store */
    const struct runnerkit *kit;    /* builds a selected interpreter's
                                       missing runner (an installed
                                       leakmatrix), or NULL: a missing
                                       runner is an error (the build
                                       tree's are meson's) */
};

/* Empty vectors, every number LMX_NOT_GIVEN, flags and pointers zero.
 * Never allocates. */
void run_request_init(struct run_request *req);
/* Frees the vectors and varies, and initialises req again. */
void run_request_release(struct run_request *req);

struct run_outcome {
    char *out_dir;             /* where the results went, or NULL when the
                                  run stopped before choosing it */
    struct result_set set;     /* every result of the plan: found done
                                  there, or written now */
    size_t cells;              /* in the plan */
    int signal;                /* the signal that interrupted the cells,
                                  or 0 */
    int finished;              /* every cell ran (none was a usage
                                  error): set is the run's, to report */
    /* Private: the directory's lock, and whether to remove the directory
     * on release (made by this run, and nothing written into it). */
    int lock_fd;
    int made_out_dir;
    size_t written;
};

/* Runs req: the plan, resume, library sets, the pool.  Each finished
 * cell's result goes into the output directory at once, and its line to
 * req->lines; progress goes to stderr unless req->quiet.  Messages are
 * "run: ..." on stderr.  Fills out (whatever happens; release it with
 * run_outcome_release()) and returns the exit code of `leakmatrix run`
 * before its reports: LMX_EXIT_OK, LMX_EXIT_FINDINGS (a finding in any
 * cell), LMX_EXIT_USAGE (a bad request, a scenario that rejects --set,
 * an output directory in use), LMX_EXIT_INFRA (no runner, or one req->kit
 * could not build, a runner that does not start, a result that cannot be
 * written, an interpreter the native engine cannot measure), or 128 + the
 * signal that interrupted it
 * (out->signal; the cells that finished are written, and running the
 * same request again resumes). */
int matrix_run(const struct run_request *req, struct run_outcome *out);

/* The output directory of a request without one: results/<UTC
 * date-time><suffix> in the source tree, or in the current directory for
 * an installed leakmatrix (paths_results_root(), base/paths.h; suffix ""
 * for run, "-compare" for compare).  Fresh string. */
char *run_default_out_dir(const char *suffix);

/* Unlocks the output directory, removes it when this run made it and
 * wrote nothing into it, and frees what out holds. */
void run_outcome_release(struct run_outcome *out);

#endif
