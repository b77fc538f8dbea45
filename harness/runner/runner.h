/* runner.h - what the modules of leakmatrix-run-TAG share: struct runner,
 * the state of the one run a runner process makes, and the two channels
 * every module writes (the records and the progress page).  Private to
 * runner/: runner_main.c owns the struct and the order of the phases;
 * runner_records, runner_round and runner_tests each do one part.
 *
 * Ownership: the Python references in struct runner are new (held by the
 * struct) unless noted, and released by runner_main.c's runner_release().
 */
#ifndef LMX_RUNNER_H
#define LMX_RUNNER_H

#include "embed.h"
#include "emit.h"
#include "native.h"
#include "probe.h"
#include "runner_opts.h"
#include "base/proto.h"

#include <stdint.h>

#define RUNNER_MAX_GAUGES 256

struct runner_gauge {
    const char *name;          /* UTF-8 of a key of the inspect() dict */
    Py_ssize_t name_len;
    int is_int;
    long long i;
    double d;
};

/* What one run needs; the Python references are new unless noted.
 * Under --serve the fields from setup on are one test's, reset between
 * tests (runner_main.c's runner_reset()). */
struct runner {
    const struct runner_opts *opts;
    PyObject *support;         /* borrowed from main() */
    PyObject *testing;         /* the testing module */
    PyObject *flush_std;       /* support.flush_std */
    PyObject *setup;
    PyObject *iterate;
    PyObject *teardown;        /* NULL when the scenario has none */
    PyObject *inspect;         /* NULL when the scenario has none */
    PyObject *params;
    PyObject *state;
    long long iterations;
    long warmup;               /* rounds, resolved by the support code */
    uint64_t iterations_total;
    int records_failed;
    struct probe_reading reading;
    struct native_reading native;
    int have_native;
    int native_checked;        /* the engine's check ran this round */
    int abandon;               /* a test left a thread that is no daemon
                                  running: exit without finalizing */
    int left_behind;           /* a test left threads or processes (the
                                  leftovers record was written) */
    size_t ngauges;
    struct runner_gauge gauges[RUNNER_MAX_GAUGES];
};

/* The records' writer, on --records-fd; main() initializes it. */
extern struct emit runner_emit;

/* The progress page (struct lmx_progress): a private one until
 * runner_map_progress() maps --progress-fd's. */
extern volatile struct lmx_progress *runner_progress;

#endif
