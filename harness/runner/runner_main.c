/* runner_main: leakmatrix-run-TAG, which embeds one CPython and runs one
 * scenario in rounds, streaming a JSON record per event to the front end.
 *
 *   leakmatrix-run-TAG [--records-fd N] [--control-fd N] [--progress-fd N]
 *                      [--warmup N] [--rounds N] [--max-rounds N]
 *                      [--iterations N] [--census] [--trace]
 *                      [--trace-frames N] [--set NAME=VALUE]...
 *                      [--native-fd N] [--rootdir DIR] [--test-budget S]
 *                      SCENARIO
 *   leakmatrix-run-TAG --serve --control-fd N [the options above]
 *   leakmatrix-run-TAG --collect [--keyword EXPR] [--markexpr EXPR] TARGET
 *   leakmatrix-run-TAG --info
 *
 * SCENARIO is a scenario file, or a test target (runner/testing.py):
 * pytest:PATH[::ID], unittest:NAME or call:MODULE:FUNCTION, run as one
 * test; --collect lists the tests a target selects instead.
 *
 * Options (also as --opt=value):
 *   --records-fd N   where records go (default 1, stdout).
 *   --control-fd N   after counted round R and each later one, while the
 *                    round number is below --max-rounds, read one line:
 *                    "more" runs another counted round, "stop" or EOF ends.
 *   --progress-fd N  a file of at least 4096 bytes (a memfd) mapped
 *                    MAP_SHARED and kept current (struct runner_progress
 *                    below), so a parent still knows where a runner that
 *                    died by a signal was.  The fd is closed once mapped.
 *   --warmup N       warm-up rounds, default the scenario's WARMUP, else
 *                    LMX_DEFAULT_WARMUP; the last is the baseline.
 *   --rounds N       counted rounds, default LMX_DEFAULT_ROUNDS.
 *   --max-rounds N   most counted rounds with --control-fd, default
 *                    LMX_DEFAULT_MAX_ROUNDS (or --rounds when more).
 *   --iterations N   iterate() calls per round (default: the scenario's
 *                    ITERATIONS, else LMX_DEFAULT_ITERATIONS).
 *   --census         per-type live-object counts in every round record.
 *   --trace          tracemalloc from the last warm-up round on, and a
 *                    trace record of the sites that grew (where.py).
 *   --trace-frames N tracemalloc's frames per traceback, default
 *                    LMX_DEFAULT_TRACE_FRAMES.
 *   --set NAME=VALUE override PARAMS[NAME], typed by its default.
 *   --native-fd N    where LeakSanitizer's reports go when liblsan is
 *                    preloaded (native.h); under valgrind its --log-fd.
 *   --rootdir DIR    a pytest test's rootdir, as its collection found it.
 *   --test-budget S  a test's rounds take about S seconds when
 *                    --iterations is not given (LMX_DEFAULT_TEST_BUDGET_S).
 *   --serve          run many tests in turn, collecting once: read a line
 *                    "test TARGET" (LMX_PROTO_TEST) on --control-fd and
 *                    run that test as SCENARIO would be run, its records
 *                    from hello to done; then gc.collect() and the next
 *                    line.  EOF ends with the last test's status.  A
 *                    test that skipped or failed before its rounds and
 *                    was torn down cleanly is followed by a served
 *                    record, and the next line is read; one that ends
 *                    otherwise without done (an error in its rounds or
 *                    teardown) or leaves threads or processes behind
 *                    ends the runner with its status.
 *   --collect        write a record per test TARGET selects, then done;
 *                    the collection's own output goes to stderr.
 *   --keyword EXPR   with --collect: pytest's -k (unittest: a pattern).
 *   --markexpr EXPR  with --collect: pytest's -m.
 *   --info           write the hello and probes records to stdout, exit.
 *
 * Records (harness/proto.h), one JSON object per line, "t" first:
 *   hello, probes, then scenario | skip | error (where "load"/"params"),
 *   round per warm-up and counted round, trace (with --trace), imports,
 *   done.  An exception in
 *   setup/iterate/teardown/inspect writes an error record, then the imports
 *   record (provenance helps explain the error), and exits 1 without done.
 *
 * Exit status: 0 finished or skipped; 1 scenario error (an error record was
 * written) or the records fd failed; 2 usage error (ours, or a bad --set, or
 * an unreadable SCENARIO); 3 the interpreter (or the runner's support code
 * in it) failed to start.  Killed by a signal: see the progress page and
 * the scenario's stderr (faulthandler is enabled).
 *
 * Built once per interpreter with LMX_TAG ("3.11.7") and LMX_PYTHON_EXE
 * (that interpreter's python executable) defined by meson.
 *
 * This file starts the interpreter and runs the phases in order (load,
 * setup, rounds, teardown, the end records); the rest is in modules of
 * their own around runner.h: runner_opts (the command line),
 * runner_records (the progress page and the records), runner_round (the
 * rounds) and runner_tests (tests as scenarios, --collect, leftovers).
 */
#include "runner.h"
#include "runner_records.h"
#include "runner_round.h"
#include "runner_tests.h"
#include "where.h"
#include LMX_SUPPORT_H   /* support-TAG.h, from gen_support.py */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Under --trace malloc's heap moves with Python's: a clean loop's read
 * 50 KB higher after 12 rounds on 3.13.0 (warmup_cache.py), enough for a
 * trend. */
#define RUNNER_TRACE_HEAP_NA                                                \
    "n/a under --trace: tracemalloc keeps a malloc'ed entry for every "    \
    "block it traces and its snapshots pass through malloc, so malloc's "  \
    "heap moves with Python's; the default mode reads it"
/* Under LSan every malloc is LSan's allocator's (PYTHONMALLOC=malloc),
 * which keeps state of its own per thread made: the threading server,
 * clean in the default mode, read rss_bytes +4 KiB a request under --lsan
 * on 3.11.7 and 3.12.1 with every other probe clean. */
#define RUNNER_LSAN_RSS_NA                                                  \
    "n/a under --lsan: LSan's allocator serves every malloc and keeps "    \
    "state of its own for each thread made, so RSS grows with threads "    \
    "that are gone; lsan_* judge native memory, and --valgrind or the "    \
    "default mode read RSS"
#define RUNNER_SUPPORT_MODULE "_leakmatrix_support"

static const struct embed_module_code runner_support_code = {
    SUPPORT_PY_FILENAME, (const char *)support_py_source,
    support_py_code, SUPPORT_PY_CODE_SIZE, SUPPORT_PY_MAGIC,
};

/* support.load() statuses, as in support.py */
enum runner_load {
    RUNNER_LOAD_OK = 0,
    RUNNER_LOAD_ERROR = 1,
    RUNNER_LOAD_USAGE = 2,
    RUNNER_LOAD_SKIP = 3,
};

static struct runner runner_run_state;

/* --- the run ----------------------------------------------------------- */

/* support.load(): 0 when the scenario is ready, else the exit status. */
static int
runner_load(struct runner *r)
{
    const struct runner_opts *o = r->opts;
    PyObject *sets = NULL, *path = NULL, *res = NULL, *payload;
    long status;
    size_t i;
    int rc = RUNNER_EXIT_START;

    sets = PyList_New(0);                                   /* new */
    path = PyUnicode_DecodeFSDefault(o->scenario);          /* new */
    if (sets == NULL || path == NULL) {
        goto fail;
    }
    for (i = 0; i < o->nsets; i++) {
        PyObject *s = PyUnicode_DecodeFSDefault(o->sets[i]);    /* new */

        if (s == NULL || PyList_Append(sets, s) < 0) {
            Py_XDECREF(s);
            goto fail;
        }
        Py_DECREF(s);
    }
    res = PyObject_CallMethod(r->support, "load", "OOLlllLl", path, sets,
                              o->iterations, o->warmup, o->rounds,
                              o->max_rounds,
                              (long long)LMX_DEFAULT_ITERATIONS,
                              (long)LMX_DEFAULT_WARMUP);    /* new */
    if (res == NULL || !PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 3) {
        goto fail;
    }
    status = PyLong_AsLong(PyTuple_GET_ITEM(res, 0));       /* borrowed */
    Py_INCREF(PyTuple_GET_ITEM(res, 1));
    if (runner_write_str(r, PyTuple_GET_ITEM(res, 1)) < 0) {
        goto fail;
    }
    switch (status) {
    case RUNNER_LOAD_OK:
        break;
    case RUNNER_LOAD_SKIP:
        rc = RUNNER_EXIT_OK;
        goto done;
    case RUNNER_LOAD_USAGE:
        rc = RUNNER_EXIT_USAGE;
        goto done;
    default:
        rc = RUNNER_EXIT_SCENARIO;
        goto done;
    }
    payload = PyTuple_GET_ITEM(res, 2);                     /* borrowed */
    if (!PyArg_ParseTuple(payload, "OOOOOLl", &r->setup, &r->iterate,
                          &r->teardown, &r->inspect, &r->params,
                          &r->iterations, &r->warmup)) {    /* borrowed */
        goto fail;
    }
    Py_INCREF(r->setup);
    Py_INCREF(r->iterate);
    Py_INCREF(r->params);
    r->teardown = r->teardown == Py_None ? NULL : r->teardown;
    r->inspect = r->inspect == Py_None ? NULL : r->inspect;
    Py_XINCREF(r->teardown);
    Py_XINCREF(r->inspect);
    rc = 0;
    goto done;
fail:
    if (PyErr_Occurred()) {
        PyErr_Print();
    }
    fprintf(stderr, "%s: the runner's support code failed\n", RUNNER_NAME);
done:
    Py_XDECREF(sets);
    Py_XDECREF(path);
    Py_XDECREF(res);
    return rc;
}

/* The fields of one test, released and zeroed (the next test's start). */
static void
runner_reset(struct runner *r)
{
    Py_CLEAR(r->state);
    Py_CLEAR(r->setup);
    Py_CLEAR(r->iterate);
    Py_CLEAR(r->teardown);
    Py_CLEAR(r->inspect);
    Py_CLEAR(r->params);
    r->iterations = 0;
    r->warmup = 0;
    r->iterations_total = 0;
    memset(&r->reading, 0, sizeof(r->reading));
    memset(&r->native, 0, sizeof(r->native));
    r->have_native = 0;
    r->native_checked = 0;
    r->left_behind = 0;
    r->ngauges = 0;
}

static void
runner_release(struct runner *r)
{
    runner_reset(r);
    Py_CLEAR(r->flush_std);
    Py_CLEAR(r->testing);
}

/* Tracing off, leftovers and provenance, also after an error; then the
 * exit status rc. */
static int
runner_finish(struct runner *r, int rc)
{
    where_trace_stop();
    runner_leftovers(r);
    runner_note_modules(r);
    if (runner_call_record(r, "imports_record") < 0 && rc == 0) {
        rc = RUNNER_EXIT_SCENARIO;
    }
    return r->records_failed ? RUNNER_EXIT_SCENARIO : rc;
}

static int
runner_run(struct runner *r)
{
    int rc;

    runner_set_phase(LMX_PHASE_LOAD, 0);
    rc = runner_load(r);
    if (rc != 0 || r->setup == NULL) {
        return r->records_failed ? RUNNER_EXIT_SCENARIO : rc;
    }

    runner_set_phase(LMX_PHASE_SETUP, 0);
    r->state = PyObject_CallFunctionObjArgs(r->setup, r->params, NULL);
    if (r->state == NULL) {                                 /* new */
        return runner_finish(r, runner_error(r, "setup"));
    }
    runner_note_modules(r);
    where_prepare();
    rc = runner_rounds(r);
    if (rc != 0 || r->records_failed) {
        return runner_finish(r, rc);
    }

    runner_set_phase(LMX_PHASE_TEARDOWN, 0);
    if (r->teardown != NULL) {
        PyObject *res = PyObject_CallFunctionObjArgs(r->teardown, r->state,
                                                     NULL);  /* new */
        if (res == NULL) {
            return runner_finish(r, runner_error(r, "teardown"));
        }
        Py_DECREF(res);
    }
    Py_CLEAR(r->state);
    rc = runner_finish(r, 0);
    return rc != 0 ? rc : runner_done(r);
}

/* --serve, after a test ended with rc: whether the runner serves the next
 * one.  It does after done, and after a test that skipped or failed
 * before its rounds and was torn down cleanly (testing.py), which the
 * served record says; not when a test left anything running. */
static int
runner_serves_on(struct runner *r, int rc)
{
    if (r->records_failed || r->left_behind || r->abandon) {
        return 0;
    }
    if (r->setup != NULL) {
        return rc == RUNNER_EXIT_OK;
    }
    if ((rc != RUNNER_EXIT_OK && rc != RUNNER_EXIT_SCENARIO)
        || !runner_ended_cleanly(r)) {
        return 0;
    }
    return runner_served(r, rc) == 0;
}

/* --serve: the tests named on the control fd, in turn, each with its own
 * records from hello to done (or served); the exit status of the last. */
static int
runner_serve(struct runner *r, struct runner_opts *o)
{
    static char line[8192];
    const size_t skip = sizeof(LMX_PROTO_TEST) - 1;
    int rc = RUNNER_EXIT_OK;

    for (;;) {
        int got = runner_read_line(o->control_fd, line, sizeof(line));

        if (got <= 0) {
            PyErr_Clear();
            return rc;
        }
        if (strncmp(line, LMX_PROTO_TEST, skip) != 0) {
            fprintf(stderr, "%s: unknown control line '%s'\n", RUNNER_NAME,
                    line);
            return RUNNER_EXIT_USAGE;
        }
        o->scenario = line + skip;
        if (runner_hello(r) < 0) {
            return RUNNER_EXIT_SCENARIO;
        }
        rc = runner_run(r);
        if (!runner_serves_on(r, rc)) {
            return rc;
        }
        runner_reset(r);
        PyGC_Collect();
    }
}

/* The modules the runner embeds, started: support (and its faulthandler),
 * then testing, given the test options.  0, or -1 after printing why. */
static int
runner_start_support(struct runner *r, PyObject **support)
{
    PyObject *res;

    *support = embed_exec_module(RUNNER_SUPPORT_MODULE,
                                 &runner_support_code);     /* new */
    if (*support == NULL) {
        PyErr_Print();
        fprintf(stderr, "%s: cannot load the support module\n", RUNNER_NAME);
        return -1;
    }
    r->support = *support;
    r->flush_std = PyObject_GetAttrString(*support, "flush_std");  /* new */
    res = r->flush_std ? PyObject_CallMethod(*support, "init", NULL)
                       : NULL;                              /* new */
    if (res == NULL) {
        PyErr_Print();
        return -1;
    }
    Py_DECREF(res);
    return runner_start_testing(r);
}

int
main(int argc, char **argv)
{
    struct runner_opts opts = RUNNER_OPTS_INIT;
    struct runner *r = &runner_run_state;
    PyObject *support = NULL;
    char err[512];
    int rc;

    rc = runner_parse_args(argc, argv, &opts);
    if (rc >= 0) {
        free(opts.sets);
        return rc;
    }
    if (opts.progress_fd >= 0 && runner_map_progress(opts.progress_fd) < 0) {
        free(opts.sets);
        return RUNNER_EXIT_USAGE;
    }
    emit_init(&runner_emit, opts.records_fd);
    r->opts = &opts;
    (void)native_init(opts.native_fd);

    if (embed_check_version(err, sizeof(err)) < 0
        || embed_start(LMX_PYTHON_EXE, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", RUNNER_NAME, err);
        free(opts.sets);
        return RUNNER_EXIT_START;
    }
    rc = RUNNER_EXIT_START;
    if (runner_start_support(r, &support) < 0) {
        goto out;
    }
    if (probe_init(opts.census, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", RUNNER_NAME, err);
        goto out;
    }
    /* Without where.py a cell still measures: it names nothing. */
    (void)where_init(support, opts.trace, opts.trace_frames);
    if (opts.trace) {
        probe_set_na(PROBE_HEAP_BYTES, RUNNER_TRACE_HEAP_NA);
    }
    if (native_active() == NATIVE_LSAN) {
        probe_set_na(PROBE_RSS_BYTES, RUNNER_LSAN_RSS_NA);
    }
    /* The harness's objects out of every round's collection: the rounds
     * cost what the scenario's own objects cost (scripts/bench). */
    (void)embed_gc_freeze();
    if (!opts.serve && runner_hello(r) < 0) {
        rc = r->records_failed ? RUNNER_EXIT_SCENARIO : RUNNER_EXIT_START;
        goto out;
    }
    rc = opts.info      ? RUNNER_EXIT_OK
         : opts.collect ? runner_collect(r)
         : opts.serve   ? runner_serve(r, &opts)
                        : runner_run(r);
    if (r->abandon) {
        runner_abandon(r, rc);
    }

out:
    runner_release(r);
    where_release();
    probe_release();
    Py_XDECREF(support);
    embed_gc_unfreeze();
    if (embed_finish() < 0) {
        fprintf(stderr, "%s: python reported an error while finalizing\n",
                RUNNER_NAME);
        /* "done" was sent, but the run did not end well: say so. */
        if (rc == RUNNER_EXIT_OK) {
            rc = RUNNER_EXIT_SCENARIO;
        }
    }
    free(opts.sets);
    return rc;
}
