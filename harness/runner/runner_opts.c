/* runner_opts: the runner's command line into struct runner_opts, with
 * the front end's option parser (base/opt.h) and the usage text.  Checks
 * what the options say together; what they mean for a run is left to the
 * modules that read them.
 */
#include "runner_opts.h"
#include "base/opt.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
runner_usage(FILE *out)
{
    fprintf(out,
            "usage: %s [--records-fd N] [--control-fd N] [--progress-fd N]\n"
            "           [--warmup N] [--rounds N] [--max-rounds N]\n"
            "           [--iterations N] [--census] [--trace]\n"
            "           [--trace-frames N] [--set NAME=VALUE]...\n"
            "           [--rootdir DIR] [--test-budget S] SCENARIO\n"
            "       %s --serve --control-fd N [OPTIONS]\n"
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
            "  --serve          run the tests named by \"test TARGET\" "
            "lines on --control-fd\n"
            "  --collect        list the tests TARGET selects, a record "
            "each\n"
            "  --keyword EXPR   with --collect: pytest's -k\n"
            "  --markexpr EXPR  with --collect: pytest's -m\n"
            "  --info           print the hello and probes records and exit\n"
            "\n"
            "Exit status: 0 done or skipped, 1 scenario error, "
            "2 usage error,\n"
            "3 python failed to start.\n",
            RUNNER_NAME, RUNNER_NAME, RUNNER_NAME, RUNNER_NAME, LMX_TAG,
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
    RUNNER_OPT_SERVE,
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
    {"serve", RUNNER_OPT_SERVE, 0},
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
    if (o->serve && (o->scenario != NULL || o->collect
                     || o->control_fd < 0)) {
        fprintf(stderr, "%s: --serve takes --control-fd and no scenario\n",
                RUNNER_NAME);
        return RUNNER_EXIT_USAGE;
    }
    if (o->scenario == NULL && !o->serve) {
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

/* Fill o from argv (runner_opts.h). */
int
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
        case RUNNER_OPT_SERVE:
            o->serve = 1;
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
