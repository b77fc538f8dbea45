/* run_options.c - the options of `leakmatrix run` into a run request
 * (run_options.h): one table, read with the shared option parser
 * (base/opt.h), and the lines of --help beside it.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/opt.h"
#include "base/proto.h"
#include "base/util.h"
#include "cli/run_options.h"
#include "report/report.h"

/* In parts: ISO C compilers need not take a literal over 4095
 * characters. */
const char *const run_options_usage[] = {
    "options:\n"
    "  --python SEL      a tag (3.11.2-debug), a version prefix (3.11 =\n"
    "                    every 3.11.x), a range by version (3.7..3.11,\n"
    "                    3.8.., ..3.10) or all; repeatable; default: every\n"
    "                    embeddable one\n"
    "  --set NAME=VALUE  override a scenario PARAMS entry (typed by its\n"
    "                    default); repeatable\n"
    "  --vary NAME=V1,V2 one cell per value; several --vary make their\n"
    "                    product (--vary block_on_close=true,false)\n"
    "  -j, --jobs N      cells at once (default: the number of cores);\n"
    "                    each running cell gets a CPU of its own (its\n"
    "                    threads and child processes stay on it)\n"
    "  --no-pin          let cells run on any CPU (for scenarios that\n"
    "                    need several cores at once)\n"
    "  --warmup N        warm-up rounds, discarded (default: the scenario's\n"
    "                    WARMUP, else " LMX_STR(LMX_DEFAULT_WARMUP) "; >= 1)\n"
    "  --rounds N        counted rounds (default "
    LMX_STR(LMX_DEFAULT_ROUNDS) ", >= 2)\n"
    "  --max-rounds N    rounds allowed while a metric is inconclusive\n"
    "                    (default " LMX_STR(LMX_DEFAULT_MAX_ROUNDS) ")\n"
    "  --max-rounds-noisy N  rounds allowed while a count's evidence is\n"
    "                    split at the drift floor (default "
    LMX_STR(RUN_NOISY_FACTOR) "x\n"
    "                    --max-rounds)\n"
    "  --iterations N    iterations per round (default: the scenario's\n"
    "                    ITERATIONS, else " LMX_STR(LMX_DEFAULT_ITERATIONS)
    ")\n"
    "  --census          count live objects per type each round and report\n"
    "                    the types that grow (slower)\n",
    "  --trace           trace allocations with tracemalloc from the last\n"
    "                    warm-up round on and name the lines whose memory\n"
    "                    grew in every counted round (several times\n"
    "                    slower; verdicts still come from the probes)\n"
    "  --trace-frames N  frames per traceback with --trace (default "
    LMX_STR(LMX_DEFAULT_TRACE_FRAMES) ",\n"
    "                    at most " LMX_STR(LMX_MAX_TRACE_FRAMES)
    "); implies --trace\n"
    "  --valgrind        run each runner under Valgrind memcheck with\n"
    "                    PYTHONMALLOC=malloc: per-round definitely/\n"
    "                    indirectly/possibly lost and still reachable heap,\n"
    "                    with the allocation stacks that grew (20-70x\n"
    "                    slower: --timeout and --max-rss are scaled by 50\n"
    "                    and 3)\n"
    "  --lsan            run each runner with LeakSanitizer preloaded:\n"
    "                    per-round unreachable (leaked) heap and its stacks,\n"
    "                    near native speed (--timeout scaled by 3,\n"
    "                    --max-rss by 1.5); it cannot see reachable growth\n"
    "  --timeout S       seconds per cell before it is killed as hung\n"
    "                    (default " LMX_STR(RUN_DEFAULT_TIMEOUT_S) ")\n"
    "  --max-rss SIZE    end a cell whose runner grows past SIZE (400M, 2G)\n"
    "                    and report the growth so far as a leak (default:\n"
    "                    half the machine's memory shared by the -j cells)\n"
    "  --out DIR         where results and reports go (default\n"
    "                    results/<UTC date-time>/ in the source tree, or\n"
    "                    in the current directory when installed); an\n"
    "                    existing DIR is resumed: cells already finished\n"
    "                    there with the same scenario file are not rerun\n"
    "  --rerun           with an existing --out, run every cell again\n"
    "  --keep-python-env pass PYTHON* environment variables to runners\n"
    "                    (stripped by default)\n"
    "  -q, --quiet       no progress on stderr\n"
    "  --lib SPEC        run with a library set: a requirement\n"
    "                    (lz4tools==1.3.1.2), a wheel, sdist or project\n"
    "                    directory, or git+PATH_OR_URL@REV; repeatable, all\n"
    "                    --lib together form one set; installed once per\n"
    "                    interpreter into the cache, first on sys.path\n"
    "  --libs-from FILE  one library set per line (specs separated by\n"
    "                    spaces); each set is a column group\n"
    "  --find-links DIR  also look for packages in DIR (a wheelhouse)\n"
    "  --no-index        do not use the package index (with --find-links);\n"
    "                    pip itself then comes from DIR or the\n"
    "                    interpreter's bundled ensurepip wheel\n"
    "  --refresh-libs    resolve sets with a range (lz4>=4, kafka-python)\n"
    "                    again now, and build again a set whose build\n"
    "                    failed; otherwise both are kept a day\n"
    "  --libs-dir DIR    the library store (default: the cache's libs/)\n"
    "  --no-scenario-libs  ignore a scenario's own sets (SCENARIO.libs,\n"
    "                    used when no --lib or --libs-from is given)\n",
    NULL,
};

const char run_options_tests_usage[] =
    "tests:\n"
    "  -k EXPR           only the tests of pytest targets that pytest's -k\n"
    "                    selects (unittest targets: a pattern, as\n"
    "                    `python -m unittest -k`)\n"
    "  -m MARKEXPR       only the tests of pytest targets that pytest's -m\n"
    "                    selects\n"
    "  --test-budget S   seconds a test's warm-up and counted rounds take:\n"
    "                    its time per run chooses its iterations (default\n"
    "                    " LMX_STR(LMX_DEFAULT_TEST_BUDGET_S) ", from 1 to "
    LMX_STR(LMX_TEST_MAX_ITERATIONS) " a round; --iterations overrides)\n"
    "  --runner-per-test a runner process for each test; by default one\n"
    "                    runner serves the tests of an interpreter and\n"
    "                    library set in turn, and a fresh one goes on\n"
    "                    after a test that crashed, hung, failed or was\n"
    "                    skipped\n";

const char run_options_all_rows_usage[] =
    "  --all-rows        show every row of the grid; by default a grid of\n"
    "                    more than " LMX_STR(REPORT_ROWS_ALWAYS_SHOWN)
    " rows shows only those with a finding or\n"
    "                    a verdict that differs across columns, and counts\n"
    "                    the rest\n";

int
run_options_take_flag(int *argc, char **argv, const char *flag)
{
    int out = 1, taken = 0;

    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], flag) == 0) {
            taken++;
        }
        else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    return taken;
}

/* ---- options with a value of their own kind -------------------------- */

static int
set_python(struct run_request *req, const char *cmd, const char *val)
{
    if (val == NULL || *val == '\0') {
        lmx_error("%s: --python needs a tag, version, range or all, e.g. "
                  "--python 3.11", cmd);
        return -1;
    }
    strvec_push(&req->pythons, val);
    return 0;
}

static int
set_set(struct run_request *req, const char *cmd, const char *val)
{
    if (val == NULL || strchr(val, '=') == NULL || *val == '=') {
        lmx_error("%s: --set needs NAME=VALUE, got '%s'", cmd,
                  val ? val : "");
        return -1;
    }
    strvec_push(&req->sets, val);
    return 0;
}

static int
set_vary(struct run_request *req, const char *cmd, const char *val)
{
    struct strbuf err = STRBUF_INIT;

    req->varies = xrealloc(req->varies,
                           (req->nvaries + 1) * sizeof(*req->varies));
    if (plan_parse_vary(val ? val : "", &req->varies[req->nvaries], &err)
        < 0) {
        lmx_error("%s: %s", cmd, err.buf);
        strbuf_release(&err);
        return -1;
    }
    req->nvaries++;
    return 0;
}

static int
set_timeout(struct run_request *req, const char *cmd, const char *val)
{
    if (val == NULL || util_parse_double(val, &req->timeout_s) < 0
        || req->timeout_s <= 0 || req->timeout_s > 604800) {
        lmx_error("%s: --timeout needs seconds between 0 and 604800 (a "
                  "week), got '%s'",
                  cmd, val ? val : "");
        return -1;
    }
    return 0;
}

static int
set_trace_frames(struct run_request *req, const char *cmd, const char *val)
{
    unsigned long n;

    if (opt_count(cmd, "--trace-frames", val, 1, &n) < 0) {
        return -1;
    }
    if (n > LMX_MAX_TRACE_FRAMES) {
        lmx_error("%s: --trace-frames needs at most %d frames, got '%s'",
                  cmd, LMX_MAX_TRACE_FRAMES, val);
        return -1;
    }
    req->trace = 1;
    req->trace_frames = (long)n;
    return 0;
}

static int
set_test_budget(struct run_request *req, const char *cmd, const char *val)
{
    if (val == NULL || util_parse_double(val, &req->test_budget) < 0
        || !(req->test_budget > 0) || req->test_budget > 86400) {
        lmx_error("%s: --test-budget needs seconds above 0 and at most "
                  "86400 (a day), got '%s'",
                  cmd, val ? val : "");
        return -1;
    }
    return 0;
}

static int
set_max_rss(struct run_request *req, const char *cmd, const char *val)
{
    if (val == NULL || util_parse_size(val, &req->max_rss) < 0
        || req->max_rss < 16 * 1024 * 1024) {
        lmx_error("%s: --max-rss needs a size of at least 16M, e.g. 400M "
                  "or 2G, got '%s'",
                  cmd, val ? val : "");
        return -1;
    }
    return 0;
}

/* --out, --libs-from, --libs-dir, -k, -m: a value that may not be
 * empty. */
static int
set_path(const char **field, const char *cmd, const char *name,
         const char *what, const char *val)
{
    if (val == NULL || *val == '\0') {
        lmx_error("%s: %s needs a %s", cmd, name, what);
        return -1;
    }
    *field = val;
    return 0;
}

static int
set_out(struct run_request *req, const char *cmd, const char *val)
{
    return set_path(&req->out, cmd, "--out", "directory", val);
}

static int
set_libs_from(struct run_request *req, const char *cmd, const char *val)
{
    return set_path(&req->libs_from, cmd, "--libs-from", "file", val);
}

static int
set_keyword(struct run_request *req, const char *cmd, const char *val)
{
    return set_path(&req->keyword, cmd, "-k", "pytest -k expression", val);
}

static int
set_marks(struct run_request *req, const char *cmd, const char *val)
{
    return set_path(&req->marks, cmd, "-m", "pytest -m expression", val);
}

static int
set_libs_dir(struct run_request *req, const char *cmd, const char *val)
{
    return set_path(&req->libs_dir, cmd, "--libs-dir", "directory", val);
}

static int
set_lib(struct run_request *req, const char *cmd, const char *val)
{
    if (val == NULL) {
        lmx_error("%s: --lib needs a spec, e.g. --lib lz4tools==1.3.1.2",
                  cmd);
        return -1;
    }
    strvec_push(&req->libs, val);
    return 0;
}

static int
set_find_links(struct run_request *req, const char *cmd, const char *val)
{
    if (val == NULL || !path_is_dir(val)) {
        lmx_error("%s: --find-links needs a directory, got '%s'", cmd,
                  val ? val : "");
        return -1;
    }
    req->lib_source.find_links = val;
    return 0;
}

/* ---- the table ------------------------------------------------------- */

enum run_option_kind {
    RO_FLAG,     /* the int at offset becomes 1 */
    RO_COUNT,    /* a whole number >= min into the long at offset */
    RO_VALUE,    /* set() takes the value */
    RO_NATIVE,   /* the engine `min` (enum leakcheck_mode), one a run */
};

struct run_option {
    const char *name;
    unsigned group;
    enum run_option_kind kind;
    size_t offset;
    unsigned long min;
    int (*set)(struct run_request *req, const char *cmd, const char *val);
};

#define RO_AT(field) offsetof(struct run_request, field)

static const struct run_option run_options[] = {
    {"--census", RUN_OPTIONS_CELL, RO_FLAG, RO_AT(census), 0, NULL},
    {"--trace", RUN_OPTIONS_CELL, RO_FLAG, RO_AT(trace), 0, NULL},
    {"--keep-python-env", RUN_OPTIONS_CELL, RO_FLAG, RO_AT(keep_python_env),
     0, NULL},
    {"--rerun", RUN_OPTIONS_MATRIX, RO_FLAG, RO_AT(rerun), 0, NULL},
    {"--no-pin", RUN_OPTIONS_MATRIX, RO_FLAG, RO_AT(no_pin), 0, NULL},
    {"--runner-per-test", RUN_OPTIONS_TESTS, RO_FLAG, RO_AT(runner_per_test),
     0, NULL},
    {"--quiet", RUN_OPTIONS_MATRIX, RO_FLAG, RO_AT(quiet), 0, NULL},
    {"-q", RUN_OPTIONS_MATRIX, RO_FLAG, RO_AT(quiet), 0, NULL},
    {"--no-scenario-libs", RUN_OPTIONS_MATRIX, RO_FLAG,
     RO_AT(no_scenario_libs), 0, NULL},
    {"--refresh-libs", RUN_OPTIONS_MATRIX, RO_FLAG,
     RO_AT(lib_source.refresh), 0, NULL},
    {"--no-index", RUN_OPTIONS_SOURCE, RO_FLAG, RO_AT(lib_source.no_index),
     0, NULL},
    {"--valgrind", RUN_OPTIONS_MATRIX, RO_NATIVE, 0, LEAKCHECK_VALGRIND,
     NULL},
    {"--lsan", RUN_OPTIONS_MATRIX, RO_NATIVE, 0, LEAKCHECK_LSAN, NULL},
    {"--warmup", RUN_OPTIONS_CELL, RO_COUNT, RO_AT(warmup), 1, NULL},
    {"--rounds", RUN_OPTIONS_CELL, RO_COUNT, RO_AT(rounds), 2, NULL},
    {"--max-rounds", RUN_OPTIONS_CELL, RO_COUNT, RO_AT(max_rounds), 2,
     NULL},
    {"--max-rounds-noisy", RUN_OPTIONS_CELL, RO_COUNT,
     RO_AT(max_rounds_noisy), 2, NULL},
    {"--iterations", RUN_OPTIONS_CELL, RO_COUNT, RO_AT(iterations), 1,
     NULL},
    {"--jobs", RUN_OPTIONS_MATRIX, RO_COUNT, RO_AT(jobs), 1, NULL},
    {"-j", RUN_OPTIONS_MATRIX, RO_COUNT, RO_AT(jobs), 1, NULL},
    {"--python", RUN_OPTIONS_MATRIX, RO_VALUE, 0, 0, set_python},
    {"--set", RUN_OPTIONS_CELL, RO_VALUE, 0, 0, set_set},
    {"--vary", RUN_OPTIONS_MATRIX, RO_VALUE, 0, 0, set_vary},
    {"--timeout", RUN_OPTIONS_CELL, RO_VALUE, 0, 0, set_timeout},
    {"--max-rss", RUN_OPTIONS_CELL, RO_VALUE, 0, 0, set_max_rss},
    {"--trace-frames", RUN_OPTIONS_CELL, RO_VALUE, 0, 0, set_trace_frames},
    {"--test-budget", RUN_OPTIONS_CELL, RO_VALUE, 0, 0, set_test_budget},
    {"-k", RUN_OPTIONS_TESTS, RO_VALUE, 0, 0, set_keyword},
    {"-m", RUN_OPTIONS_TESTS, RO_VALUE, 0, 0, set_marks},
    {"--out", RUN_OPTIONS_MATRIX, RO_VALUE, 0, 0, set_out},
    {"--lib", RUN_OPTIONS_MATRIX, RO_VALUE, 0, 0, set_lib},
    {"--libs-from", RUN_OPTIONS_MATRIX, RO_VALUE, 0, 0, set_libs_from},
    {"--libs-dir", RUN_OPTIONS_MATRIX, RO_VALUE, 0, 0, set_libs_dir},
    {"--find-links", RUN_OPTIONS_SOURCE, RO_VALUE, 0, 0, set_find_links},
};

/* --valgrind or --lsan: one engine a run. */
static int
set_native(struct run_request *req, const char *cmd, enum leakcheck_mode m)
{
    if (req->native != LEAKCHECK_OFF && req->native != m) {
        lmx_error("%s: --valgrind and --lsan cannot be combined; run "
                  "twice, with another --out", cmd);
        return -1;
    }
    req->native = m;
    return 0;
}

/* Applies option o, whose value (if it takes one) is val. */
static int
apply(struct run_request *req, const char *cmd, const struct run_option *o,
      const char *val)
{
    char *field = (char *)req + o->offset;
    unsigned long n;

    switch (o->kind) {
    case RO_FLAG:
        *(int *)field = 1;
        return 0;
    case RO_NATIVE:
        return set_native(req, cmd, (enum leakcheck_mode)o->min);
    case RO_COUNT:
        if (opt_count(cmd, o->name, val, o->min, &n) < 0) {
            return -1;
        }
        *(long *)field = (long)n;
        return 0;
    default:
        return o->set(req, cmd, val);
    }
}

int
run_options_one(struct run_request *req, const char *cmd, unsigned groups,
                int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    unsigned long n;

    for (size_t k = 0; k < sizeof(run_options) / sizeof(*run_options);
         k++) {
        const struct run_option *o = &run_options[k];
        const char *val = NULL;
        int m;

        if (!(o->group & groups)) {
            continue;
        }
        if (o->kind == RO_FLAG || o->kind == RO_NATIVE) {
            m = strcmp(arg, o->name) == 0;
        }
        else {
            val = opt_value(argc, argv, i, o->name, &m);
        }
        if (m) {
            return apply(req, cmd, o, val) < 0 ? -1 : 1;
        }
    }
    /* "-j2" */
    if ((groups & RUN_OPTIONS_MATRIX) && strncmp(arg, "-j", 2) == 0
        && arg[2] != '\0') {
        if (opt_count(cmd, "-j", arg + 2, 1, &n) < 0) {
            return -1;
        }
        req->jobs = (long)n;
        return 1;
    }
    return 0;
}

int
run_options_parse(struct run_request *req, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int m;

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            return 1;
        }
        m = run_options_one(req, "run", RUN_OPTIONS_ALL, argc, argv, &i);
        if (m < 0) {
            return -1;
        }
        if (m) {
            continue;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            lmx_error("run: unknown option '%s'; see `leakmatrix run --help`",
                      arg);
            return -1;
        }
        strvec_push(&req->scenarios, arg);
    }
    if (req->scenarios.nr == 0) {
        lmx_error("run: no scenario or test given; e.g. `leakmatrix run "
                  "scenarios/threading_server.py` or `leakmatrix run "
                  "tests/test_x.py::test_y` (see `leakmatrix run "
                  "--help`)");
        return -1;
    }
    return 0;
}
