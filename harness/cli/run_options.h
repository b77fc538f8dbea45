/* run_options.h - the options of `leakmatrix run`, read in one place into
 * a struct run_request (matrix/run.h) for every command that runs cells:
 * run, check and compare take all of them, bisect those of a cell's
 * measurement and of where packages come from.  Also their lines of
 * `run --help`, whose defaults come from where the defaults are decided
 * (base/proto.h, matrix/run.h).
 *
 * Ownership: the request copies what goes into its vectors and varies;
 * its other strings (--out, --libs-from, ...) point into argv, which must
 * outlive it.
 */
#ifndef LMX_RUN_OPTIONS_H
#define LMX_RUN_OPTIONS_H

#include "matrix/run.h"

/* Which options a command takes: any union of these. */
enum {
    /* How a cell measures: --set, --warmup, --rounds, --max-rounds,
     * --iterations, --timeout, --max-rss, --test-budget, --census,
     * --trace, --trace-frames, --keep-python-env. */
    RUN_OPTIONS_CELL = 1,
    /* Where packages come from: --find-links, --no-index. */
    RUN_OPTIONS_SOURCE = 2,
    /* The rest: --python, --vary, -j, --no-pin, --valgrind, --lsan,
     * --out, --rerun, -q, --lib, --libs-from, --libs-dir, --refresh-libs,
     * --no-scenario-libs. */
    RUN_OPTIONS_MATRIX = 4,
    /* Which tests a test target selects, how they run: -k, -m,
     * --runner-per-test. */
    RUN_OPTIONS_TESTS = 8,
    RUN_OPTIONS_ALL = 15,
};

/* The options' lines of `leakmatrix run --help`, "options:" first, in
 * parts to print one after the other (ISO C compilers need not take a
 * literal over 4095 characters); NULL after the last. */
extern const char *const run_options_usage[];
/* The lines of the test options (-k, -m, --test-budget), "tests:"
 * first. */
extern const char run_options_tests_usage[];

/* Reads argv[*i] as one of the options in `groups` into req; messages
 * begin with cmd ("run: --rounds needs a whole number >= 2, got '1'").
 * 1 when it was one (*i advanced past a separate value), 0 when it is not
 * one of them, -1 after printing what is wrong with it. */
int run_options_one(struct run_request *req, const char *cmd,
                    unsigned groups, int argc, char **argv, int *i);

/* Removes every argv[i] (i >= 1, up to *argc) equal to flag, moving the
 * rest down and lowering *argc: for the options a command reads for
 * itself before handing argv to run_options_parse() (run's and
 * compare's --all-rows).  Returns how many it removed. */
int run_options_take_flag(int *argc, char **argv, const char *flag);

/* The line of --help for --all-rows, which run and compare print. */
extern const char run_options_all_rows_usage[];

/* Reads a command line of `leakmatrix run`, argv[1..]: every run option,
 * anything else that does not start with '-' a scenario.  0; 1 at --help
 * or -h (nothing printed: the caller prints its usage); -1 after printing
 * why not ("run: unknown option '--x'; ...", a bad value, no scenario).
 * Scenario files and test targets alike go into req->scenarios. */
int run_options_parse(struct run_request *req, int argc, char **argv);

#endif
