/* runner_records: the progress page and the records a runner writes
 * (base/proto.h), from C or rendered by support.py.  Knows nothing of
 * rounds or tests: runner_round and runner_tests write through it.
 */
#include "runner_records.h"
#include "base/proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct emit runner_emit;
static struct lmx_progress runner_progress_unmapped;
volatile struct lmx_progress *runner_progress = &runner_progress_unmapped;

/* --- progress page ----------------------------------------------------- */

int
runner_map_progress(int fd)
{
    struct stat st;
    void *page;

    if (fstat(fd, &st) < 0) {
        goto fail;
    }
    if (st.st_size < LMX_PROGRESS_SIZE
        && ftruncate(fd, LMX_PROGRESS_SIZE) < 0) {
        goto fail;
    }
    page = mmap(NULL, LMX_PROGRESS_SIZE, PROT_READ | PROT_WRITE,
                MAP_SHARED, fd, 0);
    if (page == MAP_FAILED) {
        goto fail;
    }
    close(fd);
    runner_progress = page;
    runner_progress->phase = LMX_PHASE_LOAD;
    runner_progress->round = 0;
    runner_progress->iteration_in_round = 0;
    runner_progress->iterations_total = 0;
    runner_progress->magic = LMX_PROGRESS_MAGIC;
    return 0;
fail:
    fprintf(stderr, "%s: cannot map --progress-fd %d: %s\n", RUNNER_NAME,
            fd, strerror(errno));
    return -1;
}

void
runner_set_phase(enum lmx_phase phase, unsigned round)
{
    runner_progress->phase = (uint32_t)phase;
    runner_progress->round = round;
    runner_progress->iteration_in_round = 0;
}

/* --- records ----------------------------------------------------------- */

/*
 * Records on fd 1 or 2 share it with sys.stdout/sys.stderr: flush those
 * first so lines do not interleave.  Never called between readings.  The
 * function is fetched once: PyObject_CallMethod() would make a new "name"
 * string per call, and from 3.10 the type attribute cache, keyed by the
 * string's address, keeps dozens of them alive: +1 block a round for ~70.
 */
void
runner_flush_std(struct runner *r)
{
    PyObject *res;

    if (r->opts->records_fd > 2 || r->flush_std == NULL) {
        return;
    }
    res = PyObject_CallObject(r->flush_std, NULL);          /* new */
    Py_XDECREF(res);
    PyErr_Clear();
}

void
runner_check_emit(struct runner *r, int rc)
{
    if (rc < 0 && !r->records_failed) {
        fprintf(stderr, "%s: cannot write records to fd %d: %s\n",
                RUNNER_NAME, r->opts->records_fd, strerror(errno));
        r->records_failed = 1;
    }
}

/* Write str (a JSON line rendered by support.py) as a record.  Consumes
 * the reference; NULL (a failed support call) writes nothing, returns -1. */
int
runner_write_str(struct runner *r, PyObject *str)
{
    const char *s;
    Py_ssize_t n;

    if (str == NULL) {
        return -1;
    }
    s = PyUnicode_Check(str) ? PyUnicode_AsUTF8AndSize(str, &n) : NULL;
    if (s == NULL) {
        Py_DECREF(str);
        PyErr_Clear();
        return -1;
    }
    runner_flush_std(r);
    runner_check_emit(r, emit_line(&runner_emit, s, (size_t)n));
    Py_DECREF(str);
    return 0;
}

/*
 * Report the exception being raised, raised in phase where, as an error
 * record rendered by support.error_record(); if that fails too, a plainer
 * record from C.  Returns RUNNER_EXIT_SCENARIO.
 */
int
runner_error(struct runner *r, const char *where)
{
    PyObject *exc = embed_fetch_exception();    /* new reference or NULL */
    PyObject *line = NULL;

    if (exc != NULL) {
        line = PyObject_CallMethod(r->support, "error_record", "sO", where,
                                   exc);        /* new reference */
    }
    if (runner_write_str(r, line) < 0) {
        PyErr_Clear();
        runner_flush_std(r);
        emit_begin(&runner_emit, "error");
        emit_str(&runner_emit, "where", where);
        emit_str(&runner_emit, "kind", "exception");
        emit_str(&runner_emit, "type",
                 exc != NULL ? Py_TYPE(exc)->tp_name : NULL);
        emit_str(&runner_emit, "message", "(could not format the error)");
        emit_null(&runner_emit, "traceback");
        runner_check_emit(r, emit_end(&runner_emit));
    }
    Py_XDECREF(exc);
    return RUNNER_EXIT_SCENARIO;
}

int
runner_call_record(struct runner *r, const char *method)
{
    PyObject *line = PyObject_CallMethod(r->support, method, NULL);  /* new */

    if (line == NULL) {
        PyErr_Print();
        fprintf(stderr, "%s: support.%s() failed\n", RUNNER_NAME, method);
        return -1;
    }
    return runner_write_str(r, line);
}

void
runner_note_modules(struct runner *r)
{
    PyObject *res = PyObject_CallMethod(r->support, "note_modules", NULL);

    Py_XDECREF(res);                             /* new reference */
    PyErr_Clear();
}

int
runner_hello(struct runner *r)
{
    PyObject *line;
    int i;

    line = PyObject_CallMethod(r->support, "hello_record", "isii",   /* new */
                               LMX_PROTO_VERSION, LMX_TAG, probe_pymalloc(),
                               embed_has_ref_total());
    if (line == NULL) {
        PyErr_Print();
    }
    if (runner_write_str(r, line) < 0) {
        fprintf(stderr, "%s: cannot render the hello record\n", RUNNER_NAME);
        return -1;
    }
    emit_begin(&runner_emit, "probes");
    emit_open_array(&runner_emit, "names");
    for (i = 0; i < PROBE_COUNT; i++) {
        emit_str(&runner_emit, NULL, probe_name((enum probe_id)i));
    }
    emit_close_array(&runner_emit);
    emit_open_object(&runner_emit, "na");
    for (i = 0; i < PROBE_COUNT; i++) {
        const char *why = probe_na_reason((enum probe_id)i);

        if (why != NULL) {
            emit_str(&runner_emit, probe_name((enum probe_id)i), why);
        }
    }
    emit_close_object(&runner_emit);
    emit_open_array(&runner_emit, "immortal");
    for (i = 0; i < PROBE_COUNT; i++) {
        if (probe_na_immortal((enum probe_id)i)) {
            emit_str(&runner_emit, NULL, probe_name((enum probe_id)i));
        }
    }
    emit_close_array(&runner_emit);
    runner_flush_std(r);
    runner_check_emit(r, emit_end(&runner_emit));
    return r->records_failed ? -1 : 0;
}

/* The done record (whether the GIL was on), after the rest went well. */
int
runner_done(struct runner *r)
{
    runner_set_phase(LMX_PHASE_DONE, 0);
    runner_flush_std(r);
    emit_begin(&runner_emit, "done");
    int gil = embed_gil_enabled();
    if (gil < 0) {
        emit_null(&runner_emit, "gil");
    }
    else {
        emit_bool(&runner_emit, "gil", gil);
    }
    runner_check_emit(r, emit_end(&runner_emit));
    return r->records_failed ? RUNNER_EXIT_SCENARIO : 0;
}

int
runner_served(struct runner *r, int status)
{
    runner_flush_std(r);
    emit_begin(&runner_emit, "served");
    emit_int(&runner_emit, "status", status);
    runner_check_emit(r, emit_end(&runner_emit));
    return r->records_failed ? -1 : 0;
}
