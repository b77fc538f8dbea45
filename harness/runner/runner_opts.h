/* runner_opts.h - the runner's command line: the options of
 * leakmatrix-run-TAG (runner_main.c's opening comment lists them), read
 * into struct runner_opts and checked together.  What the options mean
 * for a run is the business of the modules that read the struct.
 *
 * Ownership: the strings in a runner_opts point into argv, except the
 * sets array itself, which runner_parse_args() allocates and the caller
 * frees (free(o->sets)), whatever the function returned.
 */
#ifndef LMX_RUNNER_OPTS_H
#define LMX_RUNNER_OPTS_H

#include "base/proto.h"

#include <stddef.h>

#ifndef LMX_TAG
#error "LMX_TAG must be defined (the interpreter's tag, e.g. \"3.11.7\")"
#endif
#ifndef LMX_PYTHON_EXE
#error "LMX_PYTHON_EXE must be defined (the interpreter's executable)"
#endif

/* The runner's name in every message it prints. */
#define RUNNER_NAME "leakmatrix-run-" LMX_TAG

/* The runner's exit statuses (runner_main.c says when each is used). */
enum runner_exit {
    RUNNER_EXIT_OK = 0,
    RUNNER_EXIT_SCENARIO = 1,
    RUNNER_EXIT_USAGE = 2,
    RUNNER_EXIT_START = 3,
};

struct runner_opts {
    int records_fd;
    int control_fd;
    int progress_fd;
    long warmup;               /* LMX_NOT_GIVEN: support.load() decides */
    long rounds;
    long max_rounds;           /* LMX_NOT_GIVEN until runner_check_opts() */
    long long iterations;      /* LMX_NOT_GIVEN: support.load() decides */
    int census;
    int trace;
    long trace_frames;
    int info;
    int native_fd;             /* -1: none */
    const char **sets;         /* argv strings, nsets of them */
    size_t nsets;
    const char *scenario;
    int collect;               /* --collect: list the tests of scenario */
    const char *rootdir;       /* --rootdir, or NULL */
    const char *keyword;       /* --keyword, or NULL */
    const char *markexpr;      /* --markexpr, or NULL */
    double test_budget;        /* --test-budget seconds */
    int serve;                 /* --serve: tests named on --control-fd;
                                  scenario points at the current one */
};

#define RUNNER_OPTS_INIT                                                  \
    { 1, -1, -1, LMX_NOT_GIVEN, LMX_DEFAULT_ROUNDS, LMX_NOT_GIVEN,       \
      LMX_NOT_GIVEN, 0, 0, LMX_DEFAULT_TRACE_FRAMES, 0, -1, NULL, 0, NULL,  \
      0, NULL, NULL, NULL, LMX_DEFAULT_TEST_BUDGET_S, 0 }

/*
 * Fill o (initialized with RUNNER_OPTS_INIT) from argv and check the
 * options together: --max-rounds defaults to LMX_DEFAULT_MAX_ROUNDS (or
 * --rounds), every fd given must be open and is made close-on-exec, and
 * with --collect the records keep stdout while stdout becomes stderr.
 * Returns -1 to go on, or an exit status: 0 after --help (usage printed
 * on stdout), RUNNER_EXIT_USAGE after a message on stderr.
 */
int runner_parse_args(int argc, char **argv, struct runner_opts *o);

#endif
