/* cell.h - one cell: one scenario on one interpreter, in its own runner
 * process.  Starts the runner, reads its records (protocol in
 * harness/runner/runner_main.c), asks for more rounds while a metric is
 * inconclusive, contains crashes and hangs, and turns it all into one
 * result document (schema in results/README.md).
 *
 * A crashing, hanging or raising scenario is a result, not a failure of
 * cell_run(): only a runner that cannot be started at all (or an
 * interpreter that cannot initialise) is.
 *
 * Ownership: struct cell_result owns its JSON document (jansson reference)
 * and strings; cell_result_release() frees them.  The spec is borrowed.
 */
#ifndef LMX_CELL_H
#define LMX_CELL_H

#include <jansson.h>

#include "registry.h"
#include "util.h"
#include "verdict.h"

struct cell_spec {
    const struct python *py;
    const char *scenario;        /* absolute path of the scenario file */
    const char *const *sets;     /* "name=value" overrides, NULL-ended */
    unsigned long warmup;        /* 0: the scenario's WARMUP, else 3 */
    unsigned long rounds;        /* >= 2 */
    unsigned long max_rounds;    /* >= rounds */
    unsigned long iterations;    /* 0: the scenario's ITERATIONS */
    int census;
    double timeout_s;            /* whole cell, > 0 */
    int keep_python_env;         /* pass PYTHON* variables through */
};

enum cell_outcome {
    CELL_DONE,        /* a result (any status) */
    CELL_USAGE,       /* the scenario rejected --set: usage error */
    CELL_INFRA,       /* runner could not start / interpreter init failed */
};

struct cell_result {
    enum cell_outcome outcome;
    enum verdict_status status;
    json_t *doc;          /* the result document (CELL_DONE and CELL_USAGE) */
    char *summary;        /* one line: "leak: +1.0 refs/it, ..." */
    char *message;        /* CELL_USAGE / CELL_INFRA: what went wrong */
};

void cell_result_init(struct cell_result *res);
void cell_result_release(struct cell_result *res);

/* Runs the cell to completion (or timeout) and fills res.  Progress (the
 * rounds as they come) is written to `progress` when not NULL.
 * Returns 0; res->outcome says what kind of answer it is.  The caller
 * ignores SIGPIPE (main() does): the runner may die before reading an
 * answer written to it. */
int cell_run(const struct cell_spec *spec, struct cell_result *res,
             FILE *progress);

/* SIGINT, SIGTERM and SIGHUP kill the running runner's process group
 * before leakmatrix dies of them: runners live in their own groups, so
 * the terminal's signal would not reach them. */
void cell_install_signal_handlers(void);

/* The verdict class, unit and leading-metric rank of a probe name
 * ("rss_bytes" -> BYTES, "bytes", ...).  Gauges from inspect() are
 * counts with their own name as unit. */
enum verdict_class cell_metric_class(const char *name);
const char *cell_metric_unit(const char *name);
int cell_metric_rank(const char *name);

#endif
