/* runner_round: a scenario's rounds.  Each round calls iterate(state) a
 * number of times, collects garbage, takes the readings (probe.h, the
 * native engine, inspect(), where.py's names) and writes the round
 * record; after the counted rounds --control-fd says whether more follow.
 * Loading the scenario and ending the run are runner_main.c's.
 */
#include "runner_round.h"
#include "runner_records.h"
#include "where.h"
#include "base/metrics.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Check and convert inspect()'s result (a dict of numbers, or None) into
 * r->gauges; the names stay valid while result lives.  0, or -1 with an
 * exception set. */
static int
runner_gauges(struct runner *r, PyObject *result)
{
    PyObject *key, *value;             /* borrowed */
    Py_ssize_t pos = 0;

    r->ngauges = 0;
    if (result == Py_None) {
        return 0;
    }
    if (!PyDict_Check(result)) {
        PyErr_Format(PyExc_TypeError,
                     "inspect() must return a dict of numbers, not %.100s",
                     Py_TYPE(result)->tp_name);
        return -1;
    }
    while (PyDict_Next(result, &pos, &key, &value)) {
        struct runner_gauge *g = &r->gauges[r->ngauges];

        if (r->ngauges == RUNNER_MAX_GAUGES) {
            PyErr_Format(PyExc_ValueError,
                         "inspect() returned more than %d gauges",
                         RUNNER_MAX_GAUGES);
            return -1;
        }
        if (!PyUnicode_Check(key)) {
            PyErr_Format(PyExc_TypeError,
                         "inspect(): gauge names must be str, not %.100s",
                         Py_TYPE(key)->tp_name);
            return -1;
        }
        g->name = PyUnicode_AsUTF8AndSize(key, &g->name_len);
        if (g->name == NULL) {
            return -1;
        }
        g->is_int = 0;
        if (PyLong_Check(value)) {     /* bool included: 0 or 1 */
            int overflow = 0;

            g->i = PyLong_AsLongLongAndOverflow(value, &overflow);
            if (g->i == -1 && PyErr_Occurred()) {
                return -1;
            }
            g->is_int = !overflow;
            if (overflow) {
                g->d = PyLong_AsDouble(value);
                if (g->d == -1.0 && PyErr_Occurred()) {
                    return -1;
                }
            }
        }
        else if (PyFloat_Check(value)) {
            g->d = PyFloat_AS_DOUBLE(value);
        }
        else if (PyNumber_Check(value)) {
            PyObject *f = PyNumber_Float(value);   /* new reference */

            if (f == NULL) {
                return -1;
            }
            g->d = PyFloat_AS_DOUBLE(f);
            Py_DECREF(f);
        }
        else {
            PyErr_Format(PyExc_TypeError,
                         "inspect(): gauge %R is a %.100s, not a number",
                         key, Py_TYPE(value)->tp_name);
            return -1;
        }
        r->ngauges++;
    }
    return 0;
}

/* where.py's "grew", a JSON object rendered by Python, as it is. */
static void
runner_emit_grew(struct emit *e, PyObject *grew)
{
    Py_ssize_t n;
    const char *s = grew && PyUnicode_Check(grew)
                        ? PyUnicode_AsUTF8AndSize(grew, &n)
                        : NULL;

    if (s != NULL) {
        emit_json(e, "grew", s, (size_t)n);
    }
    PyErr_Clear();
}

/* The round record; grew: where.py's "grew" (a str) or NULL. */
static void
runner_emit_round(struct runner *r, enum lmx_phase phase, unsigned round,
                  long long elapsed_ns, PyObject *grew)
{
    struct emit *e = &runner_emit;
    size_t i;

    runner_flush_std(r);
    emit_begin(e, "round");
    emit_str(e, "phase", phase == LMX_PHASE_WARMUP ? "warmup" : "counted");
    emit_int(e, "round", round);
    emit_int(e, "iterations", r->iterations);
    emit_int(e, "elapsed_ns", elapsed_ns);
    emit_open_object(e, "m");
    for (i = 0; i < PROBE_COUNT; i++) {
        const char *name = probe_name((enum probe_id)i);

        if (r->reading.have[i]) {
            emit_int(e, name, r->reading.value[i]);
        }
        else {
            emit_null(e, name);
        }
    }
    emit_close_object(e);
    if (r->inspect != NULL) {
        emit_open_object(e, "g");
        for (i = 0; i < r->ngauges; i++) {
            struct runner_gauge *g = &r->gauges[i];
            char key[256];

            /* emit takes NUL-terminated keys; longer names are cut */
            snprintf(key, sizeof(key), "%.*s", (int)g->name_len, g->name);
            if (g->is_int) {
                emit_int(e, key, g->i);
            }
            else {
                emit_double(e, key, g->d);
            }
        }
        emit_close_object(e);
    }
    if (native_active() != NATIVE_NONE) {
        emit_bool(e, "native_checked", r->native_checked);
    }
    if (r->have_native) {
        const struct native_reading *n = &r->native;
        const struct {
            const char *name;
            unsigned long value;
        } vg[] = {
            {LMX_METRIC_NAME_VG_LOST_BYTES, n->lost_bytes},
            {LMX_METRIC_NAME_VG_LOST_BLOCKS, n->lost_blocks},
            {LMX_METRIC_NAME_VG_POSSIBLY_BYTES, n->possibly_bytes},
            {LMX_METRIC_NAME_VG_POSSIBLY_BLOCKS, n->possibly_blocks},
            {LMX_METRIC_NAME_VG_REACHABLE_BYTES, n->reachable_bytes},
            {LMX_METRIC_NAME_VG_REACHABLE_BLOCKS, n->reachable_blocks},
        };

        emit_open_object(e, "native");
        for (i = 0; i < sizeof(vg) / sizeof(vg[0]); i++) {
            emit_int(e, vg[i].name, (long long)vg[i].value);
        }
        emit_close_object(e);
    }
    if (r->opts->census) {
        emit_open_object(e, "census");
        for (i = 0; i < probe_census_size(); i++) {
            const char *name;
            long long count;

            if (probe_census_get(i, &name, &count) == 0) {
                emit_int(e, name, count);
            }
        }
        emit_close_object(e);
    }
    runner_emit_grew(e, grew);
    runner_check_emit(r, emit_end(e));
}

static long long
runner_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * One round: r->iterations calls of iterate(state), then a full collection,
 * the pure-C readings, the allocating ones, inspect(), what grew by name
 * (where.py, after every reading), and the record.  Returns 0, or
 * RUNNER_EXIT_SCENARIO after writing an error record.
 */
static int
runner_round(struct runner *r, enum lmx_phase phase, unsigned round)
{
    volatile struct lmx_progress *progress = runner_progress;
    PyObject *iterate = r->iterate, *state = r->state;
    uint64_t total = r->iterations_total;
    long long i, n = r->iterations, t0, elapsed;
    PyObject *gauges = NULL, *grew;

    runner_set_phase(phase, round);
    where_round_begin(phase == LMX_PHASE_WARMUP
                      && round == (unsigned)r->warmup);
    t0 = runner_now_ns();
    for (i = 0; i < n; i++) {
        PyObject *res;

        progress->iteration_in_round = (uint64_t)i + 1;
        progress->iterations_total = ++total;
        res = PyObject_CallFunctionObjArgs(iterate, state, NULL);   /* new */
        if (res == NULL) {
            r->iterations_total = total;
            return runner_error(r, "iterate");
        }
        Py_DECREF(res);
    }
    elapsed = runner_now_ns() - t0;
    r->iterations_total = total;

    probe_collect();
    /* The leak check before the readings: what it allocates for itself
     * (LSan's symbolizer, 34 MiB of RSS on 3.11.7 when its first report
     * has a stack) is in this round's RSS, so in the baseline when the
     * leak was there from the start, not in the first counted round's
     * growth.  What the readings allocate the next round's check sees,
     * the same every round.  Of the warm-up rounds only the last one's
     * check counts (the baseline): the others skip theirs (proto.h,
     * version 3). */
    r->have_native = 0;
    r->native_checked = native_active() != NATIVE_NONE
                        && (phase == LMX_PHASE_COUNTED
                            || round == (unsigned)r->warmup);
    if (r->native_checked) {
        r->have_native = native_round_end(
            phase == LMX_PHASE_WARMUP ? "warmup" : "counted", round,
            &r->native);
    }
    probe_read_c(&r->reading);      /* nothing allocated before this... */
    if (probe_read_py(&r->reading) < 0) {   /* ...and from here on, free */
        return runner_error(r, "inspect");
    }
    r->ngauges = 0;
    if (r->inspect != NULL) {
        gauges = PyObject_CallFunctionObjArgs(r->inspect, state, NULL);
        if (gauges == NULL || runner_gauges(r, gauges) < 0) {   /* new */
            Py_XDECREF(gauges);
            return runner_error(r, "inspect");
        }
    }
    grew = where_round_end(phase == LMX_PHASE_COUNTED);
    runner_emit_round(r, phase, round, elapsed, grew);
    Py_XDECREF(grew);
    Py_XDECREF(gauges);
    return 0;
}

/* One line of fd into line (runner_round.h). */
int
runner_read_line(int fd, char *line, size_t size)
{
    size_t n = 0;
    int got_any = 0;

    for (;;) {
        char c;
        ssize_t got = read(fd, &c, 1);

        if (got < 0 && errno == EINTR) {
            if (PyErr_CheckSignals() < 0) {
                return -1;
            }
            continue;
        }
        if (got < 0) {
            fprintf(stderr, "%s: cannot read --control-fd %d: %s\n",
                    RUNNER_NAME, fd, strerror(errno));
            break;
        }
        if (got == 0 || c == '\n') {
            got_any |= got > 0;
            break;
        }
        got_any = 1;
        if (n < size - 1) {
            line[n++] = c;
        }
    }
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ')) {
        n--;
    }
    line[n] = '\0';
    return got_any;
}

/*
 * Read one control line.  Returns 1 for "more", 0 for "stop" or EOF (or
 * anything else, with a warning), -1 when a signal handler raised (the
 * exception is left set for the caller to report).
 */
static int
runner_read_control(int fd)
{
    char line[64];
    int rc = runner_read_line(fd, line, sizeof(line));

    if (rc < 0) {
        return -1;
    }
    if (strcmp(line, "more") == 0) {
        return 1;
    }
    if (line[0] != '\0' && strcmp(line, "stop") != 0) {
        fprintf(stderr, "%s: unknown control line '%s', stopping\n",
                RUNNER_NAME, line);
    }
    return 0;
}

/* The rounds and the trace record (runner_round.h). */
int
runner_rounds(struct runner *r)
{
    const struct runner_opts *o = r->opts;
    unsigned round;
    int rc;

    for (round = 1; round <= (unsigned)r->warmup; round++) {
        rc = runner_round(r, LMX_PHASE_WARMUP, round);
        if (rc != 0 || r->records_failed) {
            return rc;
        }
    }
    for (round = 1;; round++) {
        rc = runner_round(r, LMX_PHASE_COUNTED, round);
        if (rc != 0 || r->records_failed) {
            return rc;
        }
        if (round < (unsigned)o->rounds) {
            continue;
        }
        if (o->control_fd < 0 || round >= (unsigned)o->max_rounds) {
            break;
        }
        rc = runner_read_control(o->control_fd);
        if (rc < 0) {
            return runner_error(r, "iterate");
        }
        if (rc == 0) {
            break;
        }
    }
    /* The trace record is the harness's: a failure to write it is one of
     * the records fd, which the caller finds in r->records_failed. */
    PyObject *trace = where_trace_record(r->iterations * (long long)round,
                                         o->census);        /* new */
    if (trace != NULL) {
        (void)runner_write_str(r, trace);
    }
    return 0;
}
