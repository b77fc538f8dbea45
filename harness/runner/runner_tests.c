/* runner_tests: what a runner does for tests as scenarios (testing.py,
 * embedded as _leakmatrix_testing): the module started, --collect, and
 * what a test left running at its end.  Running a test in rounds is the
 * same as running a scenario file: testing.py makes it one.
 */
#include "runner_tests.h"
#include "runner_records.h"
#include LMX_TESTING_H   /* testing-TAG.h, from gen_support.py */

#include <stdio.h>
#include <unistd.h>

#define RUNNER_TESTING_MODULE "_leakmatrix_testing"

static const struct embed_module_code runner_testing_code = {
    TESTING_PY_FILENAME, (const char *)testing_py_source,
    testing_py_code, TESTING_PY_CODE_SIZE, TESTING_PY_MAGIC,
};

/* The testing module (tests as scenarios), configured with the test
 * options (runner_tests.h). */
int
runner_start_testing(struct runner *r)
{
    const struct runner_opts *o = r->opts;
    PyObject *res;

    r->testing = embed_exec_module(RUNNER_TESTING_MODULE,
                                   &runner_testing_code);   /* new */
    res = r->testing ? PyObject_CallMethod(r->testing, "configure", "zdzzL",
                                           o->rootdir, o->test_budget,
                                           o->keyword, o->markexpr,
                                           (long long)LMX_TEST_MAX_ITERATIONS)
                     : NULL;                                /* new */
    if (res == NULL) {
        PyErr_Print();
        return -1;
    }
    Py_DECREF(res);
    return 0;
}

/* --collect: the records of the tests the target selects, then done. */
int
runner_collect(struct runner *r)
{
    PyObject *target, *lines = NULL;

    runner_set_phase(LMX_PHASE_LOAD, 0);
    target = PyUnicode_DecodeFSDefault(r->opts->scenario);  /* new */
    if (target != NULL) {
        lines = PyObject_CallMethod(r->testing, "collect", "O",
                                    target);                /* new */
        Py_DECREF(target);
    }
    if (lines != NULL && !PyList_Check(lines)) {
        PyErr_SetString(PyExc_TypeError, "collect() returned no list");
        Py_CLEAR(lines);
    }
    if (lines == NULL) {
        return runner_error(r, "load");
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lines); i++) {
        Py_INCREF(PyList_GET_ITEM(lines, i));               /* borrowed */
        (void)runner_write_str(r, PyList_GET_ITEM(lines, i));
    }
    Py_DECREF(lines);
    return runner_done(r);
}

int
runner_ended_cleanly(struct runner *r)
{
    PyObject *res = r->testing ? PyObject_CallMethod(r->testing,
                                                     "ended_cleanly", NULL)
                               : NULL;                      /* new */
    int clean = res != NULL && PyObject_IsTrue(res) == 1;

    if (PyErr_Occurred()) {
        PyErr_Print();
    }
    Py_XDECREF(res);
    return clean;
}

/* What a test left running, as the leftovers record (testing.py; never
 * for a scenario file); sets r->abandon when a thread that is not a
 * daemon is among it, which the interpreter would wait for at exit. */
void
runner_leftovers(struct runner *r)
{
    PyObject *res = r->testing ? PyObject_CallMethod(r->testing,
                                                     "leftovers_record", NULL)
                               : NULL;                      /* new */

    if (res == NULL || !PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 2) {
        if (PyErr_Occurred()) {
            PyErr_Print();
        }
        Py_XDECREF(res);
        return;
    }
    r->abandon = PyObject_IsTrue(PyTuple_GET_ITEM(res, 1)) == 1;
    if (PyTuple_GET_ITEM(res, 0) != Py_None) {
        r->left_behind = 1;
        Py_INCREF(PyTuple_GET_ITEM(res, 0));
        (void)runner_write_str(r, PyTuple_GET_ITEM(res, 0));
    }
    Py_DECREF(res);
}

/* A test left a thread that is not a daemon running: Python would wait
 * for it at exit, forever if it never ends.  The leftovers record named
 * it; the runner flushes and exits without finalizing the interpreter. */
void
runner_abandon(struct runner *r, int rc)
{
    PyObject *res = PyObject_CallObject(r->flush_std, NULL);   /* new */

    Py_XDECREF(res);
    PyErr_Clear();
    fprintf(stderr, "%s: the test left threads running; exiting without "
            "waiting for them\n", RUNNER_NAME);
    fflush(NULL);
    _exit(rc);
}
