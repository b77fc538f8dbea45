/* cellspec.h - what one cell is asked to do: one scenario (or test) on one
 * interpreter, with its rounds, bounds and mode.  plan.c fills it, cell.c
 * runs it, conclude.c writes it into the result.  Types only.
 *
 * Ownership: everything a spec points to is borrowed and must outlive
 * the cell.
 */
#ifndef LMX_CELLSPEC_H
#define LMX_CELLSPEC_H

#include <jansson.h>

#include "interp/registry.h"
#include "native/leakcheck.h"

struct cell_spec {
    const struct python *py;
    const char *scenario;        /* absolute path of the scenario file */
    const char *const *sets;     /* "name=value" overrides, NULL-ended */
    const char *const *runner_args;  /* a test's runner options
                                        (--rootdir=DIR), NULL-ended, or
                                        NULL */
    long warmup;                 /* LMX_NOT_GIVEN (base/proto.h): the
                                    runner's default */
    unsigned long rounds;        /* >= 2 */
    unsigned long max_rounds;    /* >= rounds */
    unsigned long max_rounds_noisy; /* rounds allowed past max_rounds
                                    while a metric is noisy
                                    (verdict_wants_round()); at most
                                    max_rounds: none */
    long iterations;             /* LMX_NOT_GIVEN: the runner's default */
    int census;
    int trace;                   /* --trace: tracemalloc in the runner */
    long trace_frames;           /* its frames per traceback */
    double timeout_s;            /* whole cell, > 0 */
    double max_rss;              /* bytes; the runner is ended above it;
                                    0: no bound */
    int keep_python_env;         /* pass PYTHON* variables through */
    enum leakcheck_mode native;  /* --valgrind, --lsan: the runner runs
                                    under that engine (leakcheck.h);
                                    timeout_s and max_rss are the
                                    caller's, already scaled */
    /* The library set (libset.h): lib_path goes first on the scenario's
     * sys.path (NULL: none); libs, borrowed, becomes the result's "libs"
     * (what was asked for and installed; NULL: none). */
    const char *lib_path;
    json_t *libs;
    /* pinned: the runner, and whatever the scenario starts, run on CPU
     * `cpu` alone (the pool gives each running cell a CPU of its own). */
    int pinned;
    int cpu;
    /* serve: a test run by a runner that serves many tests in turn
     * (--serve; cell.h's cell_can_serve() and cell_hand_over()). */
    int serve;
};

#endif
