/* runner_main: leakmatrix-run-TAG, which embeds one CPython and runs one
 * scenario in rounds, streaming a JSON record per event to the front end.
 *
 *   leakmatrix-run-TAG [--records-fd N] [--control-fd N] [--progress-fd N]
 *                      [--warmup N] [--rounds N] [--max-rounds N]
 *                      [--iterations N] [--census] [--trace]
 *                      [--trace-frames N] [--set NAME=VALUE]...
 *                      [--native-fd N] [--rootdir DIR] [--test-budget S]
 *                      SCENARIO
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
 */
#include "embed.h"
#include "emit.h"
#include "native.h"
#include "base/opt.h"
#include "probe.h"
#include "where.h"
#include LMX_SUPPORT_H   /* support-TAG.h, from gen_support.py */
#include LMX_TESTING_H   /* testing-TAG.h, the same for testing.py */
#include "base/metrics.h"
#include "base/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef LMX_TAG
#error "LMX_TAG must be defined (the interpreter's tag, e.g. \"3.11.7\")"
#endif
#ifndef LMX_PYTHON_EXE
#error "LMX_PYTHON_EXE must be defined (the interpreter's executable)"
#endif

#define RUNNER_NAME "leakmatrix-run-" LMX_TAG

/* Under --trace malloc's heap moves with Python's: a clean loop's read
 * 50 KB higher after 12 rounds on 3.13.0 (warmup_cache.py), enough for a
 * trend. */
#define RUNNER_TRACE_HEAP_NA                                                \
    "n/a under --trace: tracemalloc keeps a malloc'ed entry for every "    \
    "block it traces and its snapshots pass through malloc, so malloc's "  \
    "heap moves with Python's; the default mode reads it"
#define RUNNER_SUPPORT_MODULE "_leakmatrix_support"
#define RUNNER_TESTING_MODULE "_leakmatrix_testing"

static const struct embed_module_code runner_support_code = {
    SUPPORT_PY_FILENAME, (const char *)support_py_source,
    support_py_code, SUPPORT_PY_CODE_SIZE, SUPPORT_PY_MAGIC,
};

static const struct embed_module_code runner_testing_code = {
    TESTING_PY_FILENAME, (const char *)testing_py_source,
    testing_py_code, TESTING_PY_CODE_SIZE, TESTING_PY_MAGIC,
};

enum runner_exit {
    RUNNER_EXIT_OK = 0,
    RUNNER_EXIT_SCENARIO = 1,
    RUNNER_EXIT_USAGE = 2,
    RUNNER_EXIT_START = 3,
};

/* support.load() statuses, as in support.py */
enum runner_load {
    RUNNER_LOAD_OK = 0,
    RUNNER_LOAD_ERROR = 1,
    RUNNER_LOAD_USAGE = 2,
    RUNNER_LOAD_SKIP = 3,
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
};

#define RUNNER_OPTS_INIT                                                  \
    { 1, -1, -1, LMX_NOT_GIVEN, LMX_DEFAULT_ROUNDS, LMX_NOT_GIVEN,       \
      LMX_NOT_GIVEN, 0, 0, LMX_DEFAULT_TRACE_FRAMES, 0, -1, NULL, 0, NULL,  \
      0, NULL, NULL, NULL, LMX_DEFAULT_TEST_BUDGET_S }

#define RUNNER_MAX_GAUGES 256

struct runner_gauge {
    const char *name;          /* UTF-8 of a key of the inspect() dict */
    Py_ssize_t name_len;
    int is_int;
    long long i;
    double d;
};

/* What one run needs; the Python references are new unless noted. */
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
    size_t ngauges;
    struct runner_gauge gauges[RUNNER_MAX_GAUGES];
};

static struct emit runner_emit;
static struct runner runner_run_state;
static struct lmx_progress runner_progress_unmapped;
static volatile struct lmx_progress *runner_progress =
    &runner_progress_unmapped;

/* --- command line ------------------------------------------------------ */

static void
runner_usage(FILE *out)
{
    fprintf(out,
            "usage: %s [--records-fd N] [--control-fd N] [--progress-fd N]\n"
            "           [--warmup N] [--rounds N] [--max-rounds N]\n"
            "           [--iterations N] [--census] [--trace]\n"
            "           [--trace-frames N] [--set NAME=VALUE]...\n"
            "           [--rootdir DIR] [--test-budget S] SCENARIO\n"
            "       %s --collect [--keyword EXPR] [--markexpr EXPR] "
            "TARGET\n"
            "       %s --info\n"
            "\n"
            "The leakmatrix runner: embeds CPython %s, started as\n"
            "  %s\n"
            "Runs SCENARIO in warm-up and counted rounds and writes one "
            "JSON record a line.\n"
            "SCENARIO is a scenario file or one test: pytest:PATH::ID, "
            "unittest:NAME,\n"
            "call:MODULE:FUNCTION.\n"
            "\n"
            "  --records-fd N   write records to fd N (default 1)\n"
            "  --control-fd N   after round --rounds, read \"more\" or "
            "\"stop\" lines\n"
            "  --progress-fd N  mmap fd N (4096 bytes) as the progress page\n"
            "  --warmup N       warm-up rounds (default: WARMUP, else "
            LMX_STR(LMX_DEFAULT_WARMUP) ")\n"
            "  --rounds N       counted rounds (default "
            LMX_STR(LMX_DEFAULT_ROUNDS) ")\n"
            "  --max-rounds N   most counted rounds with --control-fd "
            "(default " LMX_STR(LMX_DEFAULT_MAX_ROUNDS) ")\n"
            "  --iterations N   iterations per round (default: ITERATIONS "
            "or " LMX_STR(LMX_DEFAULT_ITERATIONS) ")\n"
            "  --census         count live objects per type each round\n"
            "  --trace          trace allocations (tracemalloc) and report the "
            "sites that grew\n"
            "  --trace-frames N frames per traceback (default "
            LMX_STR(LMX_DEFAULT_TRACE_FRAMES) ")\n"
            "  --set NAME=VALUE override a scenario parameter\n"
            "  --native-fd N    LeakSanitizer reports go to fd N\n"
            "  --rootdir DIR    a pytest test's rootdir\n"
            "  --test-budget S  seconds a test's rounds take (default "
            LMX_STR(LMX_DEFAULT_TEST_BUDGET_S) ")\n"
            "  --collect        list the tests TARGET selects, a record "
            "each\n"
            "  --keyword EXPR   with --collect: pytest's -k\n"
            "  --markexpr EXPR  with --collect: pytest's -m\n"
            "  --info           print the hello and probes records and exit\n"
            "\n"
            "Exit status: 0 done or skipped, 1 scenario error, "
            "2 usage error,\n"
            "3 python failed to start.\n",
            RUNNER_NAME, RUNNER_NAME, RUNNER_NAME, LMX_TAG,
            LMX_PYTHON_EXE);
}

static int
runner_parse_num(const char *opt, const char *s, long long min,
                 long long max, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
        fprintf(stderr, "%s: --%s: expected an integer from %lld to %lld, "
                "not '%s'\n", RUNNER_NAME, opt, min, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* An fd given to us must be open; it is made close-on-exec unless it is
 * one of the standard three, so scenarios' children do not inherit it. */
static int
runner_check_fd(const char *opt, int fd)
{
    int flags = fcntl(fd, F_GETFD);

    if (flags < 0) {
        fprintf(stderr, "%s: %s %d: %s\n", RUNNER_NAME, opt, fd,
                strerror(errno));
        return -1;
    }
    if (fd > 2 && !(flags & FD_CLOEXEC)) {
        (void)fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
    return 0;
}

enum runner_opt {
    RUNNER_OPT_HELP, RUNNER_OPT_CENSUS, RUNNER_OPT_INFO, RUNNER_OPT_SET,
    RUNNER_OPT_RECORDS_FD, RUNNER_OPT_CONTROL_FD, RUNNER_OPT_PROGRESS_FD,
    RUNNER_OPT_NATIVE_FD, RUNNER_OPT_WARMUP, RUNNER_OPT_ROUNDS,
    RUNNER_OPT_MAX_ROUNDS, RUNNER_OPT_ITERATIONS, RUNNER_OPT_TRACE,
    RUNNER_OPT_TRACE_FRAMES, RUNNER_OPT_COLLECT, RUNNER_OPT_ROOTDIR,
    RUNNER_OPT_KEYWORD, RUNNER_OPT_MARKEXPR, RUNNER_OPT_TEST_BUDGET,
};

/* The front end's option parser (harness/opt.h) reads the table. */
static const struct opt_spec runner_options[] = {
    {"help", RUNNER_OPT_HELP, 0},
    {"census", RUNNER_OPT_CENSUS, 0},
    {"trace", RUNNER_OPT_TRACE, 0},
    {"trace-frames", RUNNER_OPT_TRACE_FRAMES, 1},
    {"info", RUNNER_OPT_INFO, 0},
    {"set", RUNNER_OPT_SET, 1},
    {"records-fd", RUNNER_OPT_RECORDS_FD, 1},
    {"control-fd", RUNNER_OPT_CONTROL_FD, 1},
    {"progress-fd", RUNNER_OPT_PROGRESS_FD, 1},
    {"native-fd", RUNNER_OPT_NATIVE_FD, 1},
    {"warmup", RUNNER_OPT_WARMUP, 1},
    {"rounds", RUNNER_OPT_ROUNDS, 1},
    {"max-rounds", RUNNER_OPT_MAX_ROUNDS, 1},
    {"iterations", RUNNER_OPT_ITERATIONS, 1},
    {"collect", RUNNER_OPT_COLLECT, 0},
    {"rootdir", RUNNER_OPT_ROOTDIR, 1},
    {"keyword", RUNNER_OPT_KEYWORD, 1},
    {"markexpr", RUNNER_OPT_MARKEXPR, 1},
    {"test-budget", RUNNER_OPT_TEST_BUDGET, 1},
};

/* A text option's value into its field of o.  1 when id is one of them
 * (0 when it is not), -1 after a message. */
static int
runner_set_text(struct runner_opts *o, int id, const char *val)
{
    char *end;

    switch (id) {
    case RUNNER_OPT_ROOTDIR:
        o->rootdir = val;
        return 1;
    case RUNNER_OPT_KEYWORD:
        o->keyword = val;
        return 1;
    case RUNNER_OPT_MARKEXPR:
        o->markexpr = val;
        return 1;
    case RUNNER_OPT_TEST_BUDGET:
        errno = 0;
        o->test_budget = strtod(val, &end);
        if (*val == '\0' || *end != '\0' || errno != 0
            || !(o->test_budget > 0 && o->test_budget <= 86400)) {
            fprintf(stderr, "%s: --test-budget: expected seconds above 0 "
                    "and at most 86400, not '%s'\n", RUNNER_NAME, val);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

/* A numeric option's value into its field of o.  0, or -1 after a
 * message. */
static int
runner_set_number(struct runner_opts *o, int id, const char *val)
{
    long long v;
    int fd_opt = id == RUNNER_OPT_RECORDS_FD || id == RUNNER_OPT_CONTROL_FD
                 || id == RUNNER_OPT_PROGRESS_FD
                 || id == RUNNER_OPT_NATIVE_FD;
    long long min = fd_opt || id == RUNNER_OPT_ITERATIONS ? 0 : 1;
    long long max = fd_opt                         ? INT_MAX
                    : id == RUNNER_OPT_ITERATIONS   ? LLONG_MAX
                    : id == RUNNER_OPT_TRACE_FRAMES ? LMX_MAX_TRACE_FRAMES
                                                    : 1000000;
    const char *name = "";

    for (size_t k = 0; k < sizeof(runner_options) / sizeof(*runner_options);
         k++) {
        if (runner_options[k].id == id) {
            name = runner_options[k].name;
        }
    }
    if (runner_parse_num(name, val, min, max, &v) < 0) {
        return -1;
    }
    switch (id) {
    case RUNNER_OPT_RECORDS_FD:
        o->records_fd = (int)v;
        break;
    case RUNNER_OPT_CONTROL_FD:
        o->control_fd = (int)v;
        break;
    case RUNNER_OPT_PROGRESS_FD:
        o->progress_fd = (int)v;
        break;
    case RUNNER_OPT_NATIVE_FD:
        o->native_fd = (int)v;
        break;
    case RUNNER_OPT_WARMUP:
        o->warmup = (long)v;
        break;
    case RUNNER_OPT_ROUNDS:
        o->rounds = (long)v;
        break;
    case RUNNER_OPT_MAX_ROUNDS:
        o->max_rounds = (long)v;
        break;
    case RUNNER_OPT_TRACE_FRAMES:
        o->trace_frames = (long)v;
        break;
    default:
        o->iterations = v;
        break;
    }
    return 0;
}

/* --collect: the collection's own output (a test module that prints when
 * imported, pytest's messages) must not mix with the records, so stdout
 * becomes stderr and the records keep the real stdout on a descriptor of
 * their own.  0, or -1 after a message. */
static int
runner_collect_fds(struct runner_opts *o)
{
    int fd;

    if (!o->collect || o->records_fd != 1) {
        return 0;
    }
    fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (fd < 0 || dup2(2, 1) < 0) {
        fprintf(stderr, "%s: cannot set stdout aside for records: %s\n",
                RUNNER_NAME, strerror(errno));
        return -1;
    }
    o->records_fd = fd;
    return 0;
}

/* What the options say together: --max-rounds defaults to
 * LMX_DEFAULT_MAX_ROUNDS (or --rounds), and every fd given must be open.
 * -1 to go on, or RUNNER_EXIT_USAGE after a message. */
static int
runner_check_opts(struct runner_opts *o)
{
    if (o->info) {
        o->records_fd = 1;
        return -1;
    }
    if (o->scenario == NULL) {
        fprintf(stderr, "%s: no scenario given (try --help)\n", RUNNER_NAME);
        return RUNNER_EXIT_USAGE;
    }
    if (o->max_rounds == LMX_NOT_GIVEN) {
        o->max_rounds = o->rounds > LMX_DEFAULT_MAX_ROUNDS
                            ? o->rounds
                            : LMX_DEFAULT_MAX_ROUNDS;
    }
    else if (o->max_rounds < o->rounds) {
        fprintf(stderr, "%s: --max-rounds %ld is less than --rounds %ld\n",
                RUNNER_NAME, o->max_rounds, o->rounds);
        return RUNNER_EXIT_USAGE;
    }
    if (runner_check_fd("--records-fd", o->records_fd) < 0
        || (o->control_fd >= 0
            && runner_check_fd("--control-fd", o->control_fd) < 0)
        || (o->progress_fd >= 0
            && runner_check_fd("--progress-fd", o->progress_fd) < 0)
        || (o->native_fd >= 0
            && runner_check_fd("--native-fd", o->native_fd) < 0)
        || runner_collect_fds(o) < 0) {
        return RUNNER_EXIT_USAGE;
    }
    return -1;
}

/*
 * Fill o from argv.  Returns -1 to go on, or an exit status: 0 after
 * --help, RUNNER_EXIT_USAGE after a message on stderr.  o->sets points
 * into a malloc'ed array the caller frees.
 */
static int
runner_parse_args(int argc, char **argv, struct runner_opts *o)
{
    struct strbuf err = STRBUF_INIT;
    int rc;

    o->sets = calloc((size_t)argc, sizeof(*o->sets));
    if (o->sets == NULL) {
        fprintf(stderr, "%s: out of memory\n", RUNNER_NAME);
        return RUNNER_EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = NULL;
        int id;

        if (strcmp(arg, "--") == 0 || arg[0] != '-') {
            i += strcmp(arg, "--") == 0;
            if (i < argc && o->scenario == NULL) {
                o->scenario = argv[i];
                continue;
            }
            if (i < argc) {
                fprintf(stderr, "%s: more than one scenario given: %s\n",
                        RUNNER_NAME, argv[i]);
                return RUNNER_EXIT_USAGE;
            }
            break;
        }
        id = opt_next(argc, argv, &i, runner_options,
                      sizeof(runner_options) / sizeof(*runner_options), &val,
                      &err);
        if (id < 0) {
            fprintf(stderr, "%s: %s (try --help)\n", RUNNER_NAME, err.buf);
            strbuf_release(&err);
            return RUNNER_EXIT_USAGE;
        }
        switch (id) {
        case RUNNER_OPT_HELP:
            runner_usage(stdout);
            return RUNNER_EXIT_OK;
        case RUNNER_OPT_CENSUS:
            o->census = 1;
            break;
        case RUNNER_OPT_TRACE:
            o->trace = 1;
            break;
        case RUNNER_OPT_INFO:
            o->info = 1;
            break;
        case RUNNER_OPT_SET:
            o->sets[o->nsets++] = val;   /* checked by support.load() */
            break;
        case RUNNER_OPT_COLLECT:
            o->collect = 1;
            break;
        default:
            rc = runner_set_text(o, id, val);
            if (rc < 0 || (rc == 0 && runner_set_number(o, id, val) < 0)) {
                return RUNNER_EXIT_USAGE;
            }
            break;
        }
    }
    return runner_check_opts(o);
}

/* --- progress page ----------------------------------------------------- */

static int
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

static void
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
static void
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

static void
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
static int
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
static int
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

static int
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

static void
runner_note_modules(struct runner *r)
{
    PyObject *res = PyObject_CallMethod(r->support, "note_modules", NULL);

    Py_XDECREF(res);                             /* new reference */
    PyErr_Clear();
}

static int
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

/* --- a round ----------------------------------------------------------- */

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

/*
 * Read one control line.  Returns 1 for "more", 0 for "stop" or EOF (or
 * anything else, with a warning), -1 when a signal handler raised (the
 * exception is left set for the caller to report).
 */
static int
runner_read_control(int fd)
{
    char line[64];
    size_t n = 0;

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
            return 0;
        }
        if (got == 0 || c == '\n') {
            break;
        }
        if (n < sizeof(line) - 1) {
            line[n++] = c;
        }
    }
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ')) {
        n--;
    }
    line[n] = '\0';
    if (strcmp(line, "more") == 0) {
        return 1;
    }
    if (n > 0 && strcmp(line, "stop") != 0) {
        fprintf(stderr, "%s: unknown control line '%s', stopping\n",
                RUNNER_NAME, line);
    }
    return 0;
}

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

static void
runner_release(struct runner *r)
{
    Py_CLEAR(r->state);
    Py_CLEAR(r->setup);
    Py_CLEAR(r->iterate);
    Py_CLEAR(r->teardown);
    Py_CLEAR(r->inspect);
    Py_CLEAR(r->params);
    Py_CLEAR(r->flush_std);
    Py_CLEAR(r->testing);
}

/* What a test left running, as the leftovers record (testing.py; never
 * for a scenario file); sets r->abandon when a thread that is not a
 * daemon is among it, which the interpreter would wait for at exit. */
static void
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
        Py_INCREF(PyTuple_GET_ITEM(res, 0));
        (void)runner_write_str(r, PyTuple_GET_ITEM(res, 0));
    }
    Py_DECREF(res);
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

/* The done record (whether the GIL was on), after the rest went well. */
static int
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

/*
 * The warm-up and counted rounds, then the trace record (--trace).
 * Returns 0, or the exit status after an error (the cell is finished:
 * runner_finish() was called).
 */
static int
runner_rounds(struct runner *r)
{
    const struct runner_opts *o = r->opts;
    unsigned round;
    int rc;

    for (round = 1; round <= (unsigned)r->warmup; round++) {
        rc = runner_round(r, LMX_PHASE_WARMUP, round);
        if (rc != 0 || r->records_failed) {
            return runner_finish(r, rc);
        }
    }
    for (round = 1;; round++) {
        rc = runner_round(r, LMX_PHASE_COUNTED, round);
        if (rc != 0 || r->records_failed) {
            return runner_finish(r, rc);
        }
        if (round < (unsigned)o->rounds) {
            continue;
        }
        if (o->control_fd < 0 || round >= (unsigned)o->max_rounds) {
            break;
        }
        rc = runner_read_control(o->control_fd);
        if (rc < 0) {
            return runner_finish(r, runner_error(r, "iterate"));
        }
        if (rc == 0) {
            break;
        }
    }
    /* The trace record is the harness's: a failure to write it is one of
     * the records fd, which runner_finish() reports. */
    PyObject *trace = where_trace_record(r->iterations * (long long)round,
                                         o->census);        /* new */
    if (trace != NULL) {
        (void)runner_write_str(r, trace);
    }
    return r->records_failed ? runner_finish(r, 0) : 0;
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
        return rc ? rc : RUNNER_EXIT_SCENARIO;
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

/* --collect: the records of the tests the target selects, then done. */
static int
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

/* The modules the runner embeds, started: support (and its faulthandler),
 * then testing, given the test options.  0, or -1 after printing why. */
static int
runner_start_support(struct runner *r, PyObject **support)
{
    const struct runner_opts *o = r->opts;
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
    Py_XDECREF(res);
    r->testing = res ? embed_exec_module(RUNNER_TESTING_MODULE,
                                         &runner_testing_code)
                     : NULL;                                /* new */
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

/* A test left a thread that is not a daemon running: Python would wait
 * for it at exit, forever if it never ends.  The leftovers record named
 * it; the runner flushes and exits without finalizing the interpreter. */
static void
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
    if (runner_hello(r) < 0) {
        rc = r->records_failed ? RUNNER_EXIT_SCENARIO : RUNNER_EXIT_START;
        goto out;
    }
    rc = opts.info      ? RUNNER_EXIT_OK
         : opts.collect ? runner_collect(r)
                        : runner_run(r);
    if (r->abandon) {
        runner_abandon(r, rc);
    }

out:
    runner_release(r);
    where_release();
    probe_release();
    Py_XDECREF(support);
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
