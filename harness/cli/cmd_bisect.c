/* cmd_bisect.c - `leakmatrix bisect`: where a verdict changes, over a
 * library's released versions, over its git history, or over the
 * provisioned interpreters.
 *
 * What is bisected is a scenario file or one test (a test target of
 * `run` that selects a single test: pytest:PATH::ID, unittest:NAME,
 * call:MODULE:FUNC, with -k and -m): a test's probe collects it again on
 * each probe's library set, and its result is the one whose scenario
 * path is the target's or under it (matrix/target.h).
 *
 * Every probe is one cell of `leakmatrix run` (cmd_run_request(), with
 * the run options of run_options.c), run into one results directory (by
 * default in the cache, one per scenario, interpreter and library), so
 * probing a version again, or widening the range, reads the finished cell
 * back through the result reader instead of measuring it again.  The
 * search itself is git bisect's: the first version whose verdict is "bad"
 * (or, with --find fixed, "good"), with versions that cannot be tested
 * (they do not build or install, the scenario is skipped or raises)
 * skipped like `git bisect skip`.  It never invents a boundary: when the
 * oldest testable version is already bad it says so, on a last line
 * scripts can read:
 *
 *     first bad: 1.3.0          first fixed: 5          none: REASON
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cache.h"
#include "cli/cmd.h"
#include "cli/cmd_bisect_private.h"
#include "cli/run_options.h"
#include "libs/libset.h"
#include "base/opt.h"
#include "matrix/result.h"
#include "matrix/run.h"
#include "matrix/target.h"
#include "base/util.h"

static const char bisect_usage[] =
    "usage: leakmatrix bisect WHAT --python TAG --lib NAME [--lib SPEC]...\n"
    "                         --good V1 --bad V2 [--find bad|fixed]\n"
    "                         [--versions LIST] [--find-links DIR]\n"
    "                         [--no-index] [options]\n"
    "       leakmatrix bisect WHAT --python TAG --git PATH --good REV\n"
    "                         --bad REV [--lib SPEC]... [--find bad|fixed]\n"
    "                         [options]\n"
    "       leakmatrix bisect WHAT --python RANGE [--lib SPEC]...\n"
    "                         [--find bad|fixed] [options]\n"
    "\n"
    "WHAT is a scenario file, or a test target of `leakmatrix run` that\n"
    "selects one test (pytest:tests/test_x.py::test_y, unittest:NAME,\n"
    "call:MODULE:FUNC; -k and -m select as for run).\n"
    "\n"
    "Finds where its verdict changes.  Over versions: the released\n"
    "versions of NAME from --good to --bad (from --versions v1,v2,...,\n"
    "else the --find-links directory, else the package index), binary\n"
    "search, one cell per probe.  Over git: the commits of the\n"
    "first-parent history from --good to --bad, the library built from\n"
    "each probed commit.  Over interpreters (--python 3.6..3.13): every\n"
    "interpreter in the range, and every neighbouring pair whose verdict\n"
    "differs.\n"
    "\n"
    "A probe is bad when its cell leaks, over-releases, crashes or times\n"
    "out, good when clean, and skipped (like `git bisect skip`) when its\n"
    "library does not build or install or the scenario is skipped, raises\n"
    "or stays suspect.  --find fixed looks for the first good version\n"
    "instead: --bad names the older, leaky one, --good the newer.\n"
    "Over versions the first --lib names the library bisected; further\n"
    "--lib specs (pytest, for a pytest test) join every probe's set, as\n"
    "every --lib does over git.\n"
    "\n"
    "options:\n"
    "  --find bad|fixed  what to look for (default bad)\n"
    "  --out DIR         where probes' results go (default: the cache's\n"
    "                    bisect/ directory, one per scenario, interpreter\n"
    "                    and library, so probes are reused)\n"
    "  --set, --rounds, --warmup, --max-rounds, --max-rounds-noisy,\n"
    "  --iterations, --timeout, --max-rss, --test-budget, --census,\n"
    "  --trace, --trace-frames, --keep-python-env, -k, -m:\n"
    "                    as for `leakmatrix run`\n"
    "\n"
    "The last line reads `first bad: VERSION`, `first fixed: VERSION` or\n"
    "`none: REASON`.  exit codes: 0 a boundary was found; 1 none was; 2\n"
    "usage error; 3 a probe could not be run at all.\n";

static const char *const class_names[] = {"good", "bad", "skipped"};

static void
bisect_release(struct bisect *b)
{
    for (size_t i = 0; i < b->list.nr; i++) {
        free(b->summary ? b->summary[i] : NULL);
    }
    free(b->summary);
    free(b->cls);
    free(b->probed);
    strvec_clear(&b->list);
    run_request_release(&b->req);
    strvec_clear(&b->lib_specs);
    target_release(&b->target);
    free(b->stem);
    free(b->out_dir);
    free(b->git_real);
}

/* ---- options --------------------------------------------------------- */

static int
parse_args(struct bisect *b, int argc, char **argv)
{
    static const struct {
        const char *name;
        size_t offset;
    } values[] = {
        {"--python", offsetof(struct bisect, python)},
        {"--good", offsetof(struct bisect, good)},
        {"--bad", offsetof(struct bisect, bad)},
        {"--versions", offsetof(struct bisect, versions)},
        {"--git", offsetof(struct bisect, git)},
        {"--out", offsetof(struct bisect, out)},
    };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val;
        int m = 0, r;

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(bisect_usage, stdout);
            return 1;
        }
        if ((val = opt_value(argc, argv, &i, "--find", &m)), m) {
            if (val == NULL || (strcmp(val, "bad") && strcmp(val, "fixed"))) {
                lmx_error("bisect: --find is bad or fixed, not '%s'",
                          val ? val : "");
                return -1;
            }
            b->find_fixed = strcmp(val, "fixed") == 0;
            continue;
        }
        if ((val = opt_value(argc, argv, &i, "--lib", &m)), m) {
            if (val == NULL || *val == '\0') {
                lmx_error("bisect: --lib needs a value");
                return -1;
            }
            strvec_push(&b->lib_specs, val);
            b->lib = b->lib ? b->lib : val;
            continue;
        }
        for (size_t k = 0; !m && k < sizeof(values) / sizeof(values[0]);
             k++) {
            val = opt_value(argc, argv, &i, values[k].name, &m);
            if (m && (val == NULL || *val == '\0')) {
                lmx_error("bisect: %s needs a value", values[k].name);
                return -1;
            }
            if (m) {
                *(const char **)((char *)b + values[k].offset) = val;
            }
        }
        if (m) {
            continue;
        }
        /* Those of run's options a probe takes. */
        if ((r = run_options_one(&b->req, "bisect",
                                 RUN_OPTIONS_CELL | RUN_OPTIONS_SOURCE
                                     | RUN_OPTIONS_TESTS,
                                 argc, argv, &i)) != 0) {
            if (r < 0) {
                return -1;
            }
            continue;
        }
        if (arg[0] == '-' || b->scenario) {
            lmx_error("bisect: unexpected '%s'; see `leakmatrix bisect "
                      "--help`", arg);
            return -1;
        }
        b->scenario = arg;
    }
    if (b->scenario == NULL || b->python == NULL) {
        lmx_error("bisect: give a SCENARIO and --python; see `leakmatrix "
                  "bisect --help`");
        return -1;
    }
    return 0;
}

/* ---- probes ---------------------------------------------------------- */

static char *
probe_spec(const struct bisect *b, size_t i)
{
    if (b->git) {
        return xasprintf("git+%s@%s", b->git_real, b->list.v[i]);
    }
    return xasprintf("%s==%s", b->lib, b->list.v[i]);
}

static const char *
shown(const struct bisect *b, size_t i)
{
    /* Rotating, so that one message can show two commits. */
    static char shortened[4][13];
    static unsigned next;
    if (b->git) {
        char *buf = shortened[next++ % 4];
        snprintf(buf, sizeof(shortened[0]), "%.12s", b->list.v[i]);
        return buf;
    }
    return b->list.v[i];
}

static enum probe_class
classify(enum verdict_status status)
{
    if (outcome_is_regression(status)) {
        return PROBE_BAD;
    }
    return status == VERDICT_STATUS_CLEAN ? PROBE_GOOD : PROBE_SKIP;
}

/* Runs a probe as `leakmatrix run` would, with the library specs given
 * (one set; none: no set) and jobs cells at once: no line on stdout (the
 * verdicts are read back from the results), messages on stderr.  0, or
 * -1 after saying why (an interrupted run has said it). */
static int
run_probe(struct bisect *b, const char *const *specs, size_t nspecs,
          long jobs)
{
    int rc;

    strvec_clear(&b->req.libs);
    for (size_t i = 0; i < nspecs; i++) {
        strvec_push(&b->req.libs, specs[i]);
    }
    b->req.jobs = jobs;
    rc = cmd_run_request(&b->req, 0);
    if (rc == LMX_EXIT_OK || rc == LMX_EXIT_FINDINGS) {
        return 0;
    }
    if (rc > 128) {
        b->interrupted = rc;
    }
    else {
        lmx_error("bisect: a probe's run failed (exit status %d); see the "
                  "messages above", rc);
    }
    return -1;
}

/* Whether r is a cell of what is bisected: the scenario's, or a test's
 * whose scenario path is the test target's or under it
 * ("pytest:/src/tests/test_x.py::test_y[big]" under
 * "pytest:/src/tests/test_x.py::test_y", "unittest:pkg.t.T.test_m" under
 * "unittest:pkg.t"). */
static int
is_probed(const struct bisect *b, const struct result *r)
{
    const char *path = r->scenario_path ? r->scenario_path : "";
    size_t n = strlen(b->target.arg);

    if (b->target.kind == TARGET_SCENARIO) {
        return strcmp(r->key.scenario, b->stem) == 0;
    }
    return strncmp(path, b->target.arg, n) == 0
           && (path[n] == '\0' || strchr(":.[/", path[n]) != NULL);
}

/* The result in the probe directory for (python tag or any, libset), or
 * NULL.  A test target that selected several tests is a usage error, said
 * here (b->usage set). */
static const struct result *
find_result(struct bisect *b, const struct result_set *set,
            const char *libset, const char *python)
{
    const struct result *best = NULL;
    struct strvec tests = STRVEC_INIT;

    for (size_t i = 0; i < set->nr; i++) {
        const struct result *r = &set->v[i];
        if (is_probed(b, r) && strcmp(r->key.libset, libset) == 0
            && (python == NULL || strcmp(r->key.python, python) == 0)) {
            size_t k = 0;
            while (k < tests.nr && strcmp(tests.v[k], r->key.scenario)) {
                k++;
            }
            if (k == tests.nr) {
                strvec_push(&tests, r->key.scenario);
            }
            best = r;
        }
    }
    if (tests.nr > 1) {
        lmx_error("bisect: %s selects %zu tests (%s, %s%s); bisect one: "
                  "give its id, or narrow the selection with -k",
                  b->scenario, tests.nr, tests.v[0], tests.v[1],
                  tests.nr > 2 ? ", ..." : "");
        b->usage = 1;
        best = NULL;
    }
    strvec_clear(&tests);
    return best;
}

/* The specs of probe i's set: the version or commit probed, then the
 * --lib specs that join every probe (all but the bisected one's). */
static void
probe_specs(const struct bisect *b, size_t i, struct strvec *specs)
{
    char *spec = probe_spec(b, i);

    strvec_push(specs, spec);
    free(spec);
    for (size_t k = b->git ? 0 : 1; k < b->lib_specs.nr; k++) {
        strvec_push(specs, b->lib_specs.v[k]);
    }
}

static int
probe(struct bisect *b, size_t i)
{
    struct result_set set;
    struct strbuf err = STRBUF_INIT;
    struct libset ls = LIBSET_INIT;
    struct strvec specs = STRVEC_INIT;
    int rc = -1;

    if (b->probed[i]) {
        return 0;
    }
    probe_specs(b, i, &specs);
    result_set_init(&set);
    if (libset_from_specs(&ls, (const char *const *)specs.v, specs.nr,
                          &err) < 0) {
        lmx_error("bisect: %s", err.buf);
        goto out;
    }
    if (run_probe(b, (const char *const *)specs.v, specs.nr,
                  LMX_NOT_GIVEN) < 0) {
        goto out;
    }
    result_set_load_dir(&set, b->out_dir, stderr);
    const struct result *r = find_result(b, &set, ls.name, NULL);
    if (r == NULL) {
        if (!b->usage) {
            lmx_error("bisect: the probe of %s left no result in %s",
                      specs.v[0], b->out_dir);
        }
        goto out;
    }
    b->cls[i] = classify(r->outcome.status);
    b->summary[i] = xstrdup(r->summary);
    b->probed[i] = 1;
    printf("%-14s %-8s %s\n", shown(b, i), class_names[b->cls[i]],
           r->summary);
    fflush(stdout);
    rc = 0;
out:
    libset_release(&ls);
    result_set_release(&set);
    strbuf_release(&err);
    strvec_clear(&specs);
    return rc;
}

/* ---- the search ------------------------------------------------------ */

/* The verdict looked for: bad, or good with --find fixed. */
static int
is_target(const struct bisect *b, size_t i)
{
    return b->cls[i] == (b->find_fixed ? PROBE_GOOD : PROBE_BAD);
}

static int
answer(const struct bisect *b, size_t i)
{
    printf("%s: %s\n", b->find_fixed ? "first fixed" : "first bad",
           b->git ? b->list.v[i] : b->list.v[i]);
    return 0;
}

static int
none(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
none(const char *fmt, ...)
{
    va_list ap;
    struct strbuf sb = STRBUF_INIT;

    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    printf("none: %s\n", sb.buf);
    strbuf_release(&sb);
    return 1;
}

/* The testable end nearest `from`, walking by step (+1 or -1) up to
 * `limit` inclusive; sets *at.  0 found, 1 none testable, -1 failure. */
static int
testable_end(struct bisect *b, size_t from, size_t limit, int step,
             size_t *at)
{
    for (size_t i = from;; i += (size_t)step) {
        if (probe(b, i) < 0) {
            return -1;
        }
        if (b->cls[i] != PROBE_SKIP) {
            *at = i;
            return 0;
        }
        if (i == limit) {
            return 1;
        }
    }
}

/* The untested index in (lo, hi) nearest the middle, or 0 when every one
 * there was skipped. */
static size_t
pick_middle(const struct bisect *b, size_t lo, size_t hi)
{
    size_t mid = lo + (hi - lo) / 2;

    for (size_t d = 0; d < hi - lo; d++) {
        if (mid - d > lo && (!b->probed[mid - d]
                             || b->cls[mid - d] != PROBE_SKIP)) {
            return mid - d;
        }
        if (mid + d + 1 < hi && (!b->probed[mid + d + 1]
                                 || b->cls[mid + d + 1] != PROBE_SKIP)) {
            return mid + d + 1;
        }
    }
    return 0;
}

static int
search(struct bisect *b)
{
    const char *want = b->find_fixed ? "good" : "bad";
    const char *other = b->find_fixed ? "bad" : "good";
    size_t n = b->list.nr, lo, hi;
    int r;

    if ((r = testable_end(b, 0, n - 1, 1, &lo)) != 0) {
        return r < 0 ? LMX_EXIT_INFRA
                     : none("no version from %s to %s could be tested",
                            shown(b, 0), shown(b, n - 1));
    }
    if (is_target(b, lo)) {
        if (lo == 0) {
            return none("%s %s is already %s, not %s: no %s version in "
                        "the range", b->find_fixed ? "--bad" : "--good",
                        shown(b, 0), want, other, other);
        }
        if (lo == 1) {
            return none("no %s version: %s could not be tested, and %s, "
                        "the oldest that could, is already %s", other,
                        shown(b, 0), shown(b, lo), want);
        }
        return none("no %s version: %s to %s could not be tested, and %s, "
                    "the oldest that could, is already %s", other,
                    shown(b, 0), shown(b, lo - 1), shown(b, lo), want);
    }
    if ((r = testable_end(b, n - 1, lo, -1, &hi)) != 0 || hi == lo) {
        return r < 0 ? LMX_EXIT_INFRA
                     : none("nothing newer than %s could be tested",
                            shown(b, lo));
    }
    if (!is_target(b, hi)) {
        return none("the newest testable version, %s, is not %s either",
                    shown(b, hi), want);
    }
    while (hi - lo > 1) {
        size_t mid = pick_middle(b, lo, hi);
        if (mid == 0) {
            return none("the first %s is one of %s .. %s: those before %s "
                        "could not be tested", want, shown(b, lo + 1),
                        shown(b, hi), shown(b, hi));
        }
        if (probe(b, mid) < 0) {
            return LMX_EXIT_INFRA;
        }
        if (b->cls[mid] == PROBE_SKIP) {
            continue;
        }
        if (is_target(b, mid)) {
            hi = mid;
        }
        else {
            lo = mid;
        }
    }
    return answer(b, hi);
}

/* ---- over interpreters ----------------------------------------------- */

static int
cmp_results(const void *x, const void *y)
{
    const struct result *a = *(const struct result *const *)x;
    const struct result *b = *(const struct result *const *)y;
    if (a->hexversion != b->hexversion) {
        return a->hexversion < b->hexversion ? -1 : 1;
    }
    return a->debug - b->debug;
}

static int
over_pythons(struct bisect *b)
{
    struct result_set set;
    struct libset ls = LIBSET_INIT;
    struct strbuf err = STRBUF_INIT;
    const struct result **v = NULL;
    size_t n = 0, first = 0;
    int have_first = 0, rc = LMX_EXIT_INFRA;

    result_set_init(&set);
    if (b->lib_specs.nr
        && libset_from_specs(&ls, (const char *const *)b->lib_specs.v,
                             b->lib_specs.nr, &err) < 0) {
        lmx_error("bisect: %s", err.buf);
        rc = LMX_EXIT_USAGE;
        goto out;
    }
    if (run_probe(b, (const char *const *)b->lib_specs.v,
                  b->lib_specs.nr, 2) < 0) {
        goto out;
    }
    result_set_load_dir(&set, b->out_dir, stderr);
    if (find_result(b, &set, ls.name ? ls.name : "", NULL) == NULL
        && b->usage) {
        goto out;
    }
    v = xcalloc(set.nr + 1, sizeof(*v));
    for (size_t i = 0; i < set.nr; i++) {
        if (is_probed(b, &set.v[i])
            && strcmp(set.v[i].key.libset, ls.name ? ls.name : "") == 0) {
            v[n++] = &set.v[i];
        }
    }
    qsort(v, n, sizeof(*v), cmp_results);
    enum probe_class prev = PROBE_SKIP;
    size_t prev_i = 0;
    for (size_t i = 0; i < n; i++) {
        enum probe_class c = classify(v[i]->outcome.status);
        printf("%-14s %-8s %s\n", v[i]->key.python, class_names[c],
               v[i]->summary);
        if (c == PROBE_SKIP) {
            continue;
        }
        if (prev != PROBE_SKIP && c != prev) {
            printf("changed: %s (%s) -> %s (%s)\n", v[prev_i]->key.python,
                   class_names[prev], v[i]->key.python, class_names[c]);
            if (!have_first
                && c == (b->find_fixed ? PROBE_GOOD : PROBE_BAD)) {
                first = i;
                have_first = 1;
            }
        }
        prev = c;
        prev_i = i;
    }
    if (have_first) {
        printf("%s: %s\n", b->find_fixed ? "first fixed" : "first bad",
               v[first]->key.python);
        rc = 0;
    }
    else {
        rc = none("no interpreter in %s turns %s after a %s one", b->python,
                  b->find_fixed ? "good" : "bad",
                  b->find_fixed ? "bad" : "good");
    }
out:
    free(v);
    libset_release(&ls);
    strbuf_release(&err);
    result_set_release(&set);
    return rc;
}

/* ---- the command ----------------------------------------------------- */

static int
default_out(struct bisect *b)
{
    struct cache cache = CACHE_INIT;
    const char *what = b->git ? b->git_real : b->lib ? b->lib : "nolib";
    const char *base = strrchr(what, '/') ? strrchr(what, '/') + 1 : what;
    int rc = cmd_cache(&cache);

    if (rc == 0) {
        char *name = xasprintf("%s--%s--%s", b->stem, b->python, base);
        for (char *p = name; *p; p++) {
            if (!isalnum((unsigned char)*p) && !strchr("._-=+,", *p)) {
                *p = '_';
            }
        }
        b->out_dir = xasprintf("%s/bisect/%s", cache.root, name);
        free(name);
    }
    cache_release(&cache);
    return rc;
}

/* What every probe runs: the scenario on --python, into the probes'
 * directory, quietly.  One cell per probe: a scenario's own sets
 * (SCENARIO.libs) would make two; the library bisected, or none, is what
 * --lib says (run_probe()). */
static void
probe_request(struct bisect *b)
{
    strvec_push(&b->req.scenarios, b->scenario);
    strvec_push(&b->req.pythons, b->python);
    b->req.out = b->out_dir;
    b->req.quiet = 1;
    b->req.no_scenario_libs = 1;
}

int
cmd_bisect(int argc, char **argv)
{
    struct bisect b;
    int rc;

    memset(&b, 0, sizeof(b));
    run_request_init(&b.req);
    rc = parse_args(&b, argc, argv);
    if (rc != 0) {
        rc = rc > 0 ? LMX_EXIT_OK : LMX_EXIT_USAGE;
        goto out;
    }
    struct strbuf err = STRBUF_INIT;
    if (target_parse(b.scenario, &b.target, &err) < 0) {
        lmx_error("bisect: %s", err.buf);
        strbuf_release(&err);
        rc = LMX_EXIT_USAGE;
        goto out;
    }
    strbuf_release(&err);
    b.stem = b.target.kind == TARGET_SCENARIO
                 ? result_scenario_stem(b.scenario)
                 : xstrdup(b.target.name);
    int over_py = strstr(b.python, "..") != NULL;
    if (!over_py && (b.good == NULL || b.bad == NULL
                     || (b.git == NULL && b.lib == NULL))) {
        lmx_error("bisect: give --good and --bad, with --lib NAME or --git "
                  "PATH (or a --python range); see `leakmatrix bisect "
                  "--help`");
        rc = LMX_EXIT_USAGE;
        goto out;
    }
    if (b.git && (b.git_real = path_real(b.git)) == NULL) {
        lmx_error("bisect: --git %s: %s", b.git, strerror(errno));
        rc = LMX_EXIT_USAGE;
        goto out;
    }
    if (b.out) {
        b.out_dir = xstrdup(b.out);
    }
    else if ((rc = default_out(&b)) != 0) {
        goto out;
    }
    if (util_mkdir_p(b.out_dir, 0755) < 0) {
        lmx_error("bisect: cannot create %s: %s", b.out_dir,
                  strerror(errno));
        rc = LMX_EXIT_INFRA;
        goto out;
    }
    probe_request(&b);
    if (over_py) {
        rc = over_pythons(&b);
        goto out;
    }
    if ((b.git ? bisect_list_commits(&b) : bisect_list_versions(&b)) < 0) {
        rc = LMX_EXIT_USAGE;
        goto out;
    }
    b.cls = xcalloc(b.list.nr, sizeof(*b.cls));
    b.probed = xcalloc(b.list.nr, 1);
    b.summary = xcalloc(b.list.nr, sizeof(*b.summary));
    fprintf(stderr, "leakmatrix: bisecting %zu %s of %s on %s (results in "
            "%s)\n", b.list.nr, b.git ? "commits" : "versions",
            b.git ? b.git_real : b.lib, b.python, b.out_dir);
    rc = search(&b);
out:
    if (b.usage) {
        rc = LMX_EXIT_USAGE;
    }
    if (b.interrupted) {
        rc = b.interrupted;
    }
    fflush(stdout);
    bisect_release(&b);
    return rc;
}
