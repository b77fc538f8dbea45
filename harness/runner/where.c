/* where.c - the runner's calls into where.py (where.h): loaded once, its
 * functions fetched once (a method call by name makes a new name string
 * per call, which the type attribute cache then keeps: see
 * runner_flush_std()), every call after the readings or before the
 * iterations, a failure printed and cleared.
 */
#include "where.h"

#include LMX_WHERE_H   /* where-TAG.h, from gen_support.py */

#include <stdio.h>

#define WHERE_MODULE "_leakmatrix_where"

static const struct embed_module_code where_code = {
    WHERE_PY_FILENAME, (const char *)where_py_source, where_py_code,
    WHERE_PY_CODE_SIZE, WHERE_PY_MAGIC,
};

static PyObject *where_module;
static PyObject *where_round_begin_fn;
static PyObject *where_round_end_fn;

/* A failure in where.py: its traceback on stderr, and on we go. */
static void
where_failed(const char *what)
{
    if (PyErr_Occurred()) {
        PyErr_Print();
    }
    fprintf(stderr, "leakmatrix-run: where.%s() failed (a harness bug): "
            "what grew goes unnamed\n", what);
}

int
where_init(PyObject *support, int trace, long frames)
{
    PyObject *res;

    where_module = embed_exec_module(WHERE_MODULE, &where_code);  /* new */
    if (where_module == NULL) {
        goto fail;
    }
    where_round_begin_fn = PyObject_GetAttrString(where_module,
                                                  "round_begin");  /* new */
    where_round_end_fn = PyObject_GetAttrString(where_module,
                                                "round_end");      /* new */
    if (where_round_begin_fn == NULL || where_round_end_fn == NULL) {
        goto fail;
    }
    res = PyObject_CallMethod(where_module, "init", "Oil", support, trace,
                              frames);                              /* new */
    if (res == NULL) {
        goto fail;
    }
    Py_DECREF(res);
    return 0;
fail:
    where_failed("init");
    where_release();
    return -1;
}

/* A call's result: NULL after reporting a failure, NULL for None
 * (dropped), else res (the new reference, passed on). */
static PyObject *
where_result(PyObject *res, const char *what)
{
    if (res == NULL) {
        where_failed(what);
        return NULL;
    }
    if (res == Py_None) {
        Py_DECREF(res);
        return NULL;
    }
    return res;
}

/* where.NAME() when the module is loaded, its result dropped. */
static void
where_method(const char *name)
{
    if (where_module != NULL) {
        Py_XDECREF(where_result(PyObject_CallMethod(where_module, name,
                                                    NULL),     /* new */
                                name));
    }
}

/* fn(arg), fetched once at init; NULL when it was not. */
static PyObject *
where_call(PyObject *fn, PyObject *arg, const char *what)
{
    if (fn == NULL) {
        return NULL;
    }
    return where_result(PyObject_CallFunctionObjArgs(fn, arg, NULL),
                        what);                                  /* new */
}

void
where_prepare(void)
{
    where_method("prepare");
}

void
where_round_begin(int last_warmup)
{
    Py_XDECREF(where_call(where_round_begin_fn,
                          last_warmup ? Py_True : Py_False, "round_begin"));
}

PyObject *
where_round_end(int counted)
{
    return where_call(where_round_end_fn, counted ? Py_True : Py_False,
                      "round_end");
}

PyObject *
where_trace_record(long long iterations, int census)
{
    if (where_module == NULL) {
        return NULL;
    }
    return where_result(PyObject_CallMethod(where_module, "trace_record",
                                            "Li", iterations,
                                            census),            /* new */
                        "trace_record");
}

void
where_trace_stop(void)
{
    where_method("trace_stop");
}

void
where_release(void)
{
    Py_CLEAR(where_round_begin_fn);
    Py_CLEAR(where_round_end_fn);
    Py_CLEAR(where_module);
}
