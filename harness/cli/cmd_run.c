/* cmd_run.c - `leakmatrix run`: the matrix of scenarios x parameter sets x
 * interpreters, up to -j cells at once, a line per cell as it finishes,
 * one JSON result per cell in the output directory, every report format
 * beside them, and the grid at the end.  Running again over the same
 * --out resumes: finished cells are not run again.
 *
 * The command line becomes a plan (plan.c), the plan runs in the
 * pool of running cells (pool.c); this file decides what is already done, writes
 * what finishes, and renders the reports.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "matrix/cell.h"
#include "cli/cmd.h"
#include "base/opt.h"
#include "matrix/plan.h"
#include "report/report.h"
#include "matrix/result.h"
#include "matrix/pool.h"
#include "matrix/runlibs.h"
#include "base/util.h"

#define MAX_PYTHONS 256

static const char run_usage[] =
    "usage: leakmatrix run SCENARIO... [options]\n"
    "\n"
    "Runs each scenario on each selected interpreter (and each --vary\n"
    "value), each cell in its own runner process: warm-up rounds\n"
    "(discarded), then counted rounds of N iterations; after each round\n"
    "gc.collect() and readings of RSS, threads, fds, total refs (debug\n"
    "builds), singleton refcounts, blocks, gc objects and the scenario's\n"
    "inspect() gauges.  Each metric gets a verdict (leak, over-release,\n"
    "clean, suspect); a crash, hang or exception is the cell's result.\n"
    "Results go to one JSON file per cell; the reports in every format to\n"
    "DIR/report/; the grid is printed at the end.\n"
    "\n"
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
    "                    WARMUP, else 3; >= 1)\n"
    "  --rounds N        counted rounds (default 5, >= 2)\n"
    "  --max-rounds N    rounds allowed while a metric is inconclusive\n"
    "                    (default 12)\n"
    "  --iterations N    iterations per round (default: the scenario's\n"
    "                    ITERATIONS, else 100)\n"
    "  --census          count live objects per type each round and report\n"
    "                    the types that grow (slower)\n"
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
    "                    (default 300)\n"
    "  --max-rss SIZE    end a cell whose runner grows past SIZE (400M, 2G)\n"
    "                    and report the growth so far as a leak (default:\n"
    "                    half the machine's memory shared by the -j cells)\n"
    "  --out DIR         where results and reports go (default\n"
    "                    results/<UTC date-time>/ in the source tree); an\n"
    "                    existing DIR is resumed: cells already finished\n"
    "                    there with the same scenario file are not rerun\n"
    "  --rerun           with an existing --out, run every cell again\n"
    "  --keep-python-env pass PYTHON* environment variables to runners\n"
    "                    (stripped by default)\n"
    "  -q, --quiet       no progress on stderr\n";

static const char run_usage_end[] =
    "\n"
    "exit codes: 0 every cell clean or skipped; 1 any leak, over-release,\n"
    "suspect, crash, timeout or error; 2 usage error (also: --out in use\n"
    "by another run); 3 infrastructure failure (no runner for a selected\n"
    "interpreter, a runner that does not start, results that cannot be\n"
    "written); 130 interrupted (run again to resume).\n";

struct run_opts {
    struct strvec scenarios;
    struct strvec pythons;
    struct strvec sets;
    struct plan_vary *varies;
    size_t nvaries;
    struct cell_spec base;
    unsigned long jobs;
    const char *out;
    int rerun;
    int quiet;
    int no_pin;
    struct run_libs libs;
};

/* The options that take a whole number. */
static int
parse_counts(int argc, char **argv, int *i, struct run_opts *o, int *matched)
{
    static const struct {
        const char *name;
        unsigned long min;
        size_t offset;
        int in_base;
    } counts[] = {
        {"--warmup", 1, offsetof(struct cell_spec, warmup), 1},
        {"--rounds", 2, offsetof(struct cell_spec, rounds), 1},
        {"--max-rounds", 2, offsetof(struct cell_spec, max_rounds), 1},
        {"--iterations", 1, offsetof(struct cell_spec, iterations), 1},
        {"--jobs", 1, offsetof(struct run_opts, jobs), 0},
        {"-j", 1, offsetof(struct run_opts, jobs), 0},
    };
    for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
        const char *val = opt_value(argc, argv, i, counts[k].name,
                                       matched);
        if (*matched) {
            char *base = counts[k].in_base ? (char *)&o->base : (char *)o;
            return opt_count("run", counts[k].name, val, counts[k].min,
                             (unsigned long *)(base + counts[k].offset));
        }
    }
    /* "-j2" */
    if (strncmp(argv[*i], "-j", 2) == 0 && argv[*i][2] != '\0') {
        *matched = 1;
        return opt_count("run", "-j", argv[*i] + 2, 1, &o->jobs);
    }
    return 0;
}

static int
parse_value_option(int argc, char **argv, int *i, struct run_opts *o,
                   int *m)
{
    const char *val;
    struct strbuf err = STRBUF_INIT;

    if ((val = opt_value(argc, argv, i, "--python", m)), *m) {
        if (val == NULL || *val == '\0') {
            lmx_error("run: --python needs a tag, version, range or all, "
                      "e.g. --python 3.11");
            return -1;
        }
        strvec_push(&o->pythons, val);
    }
    else if ((val = opt_value(argc, argv, i, "--set", m)), *m) {
        if (val == NULL || strchr(val, '=') == NULL || *val == '=') {
            lmx_error("run: --set needs NAME=VALUE, got '%s'",
                      val ? val : "");
            return -1;
        }
        strvec_push(&o->sets, val);
    }
    else if ((val = opt_value(argc, argv, i, "--vary", m)), *m) {
        o->varies = xrealloc(o->varies,
                             (o->nvaries + 1) * sizeof(*o->varies));
        if (plan_parse_vary(val ? val : "", &o->varies[o->nvaries], &err)
            < 0) {
            lmx_error("run: %s", err.buf);
            strbuf_release(&err);
            return -1;
        }
        o->nvaries++;
    }
    else if ((val = opt_value(argc, argv, i, "--timeout", m)), *m) {
        if (val == NULL || util_parse_double(val, &o->base.timeout_s) < 0
            || o->base.timeout_s <= 0 || o->base.timeout_s > 604800) {
            lmx_error("run: --timeout needs seconds between 0 and 604800 (a "
                      "week), got '%s'",
                      val ? val : "");
            return -1;
        }
    }
    else if ((val = opt_value(argc, argv, i, "--max-rss", m)), *m) {
        if (val == NULL || util_parse_size(val, &o->base.max_rss) < 0
            || o->base.max_rss < 16 * 1024 * 1024) {
            lmx_error("run: --max-rss needs a size of at least 16M, e.g. "
                      "400M or 2G, got '%s'",
                      val ? val : "");
            return -1;
        }
    }
    else if ((val = opt_value(argc, argv, i, "--out", m)), *m) {
        if (val == NULL || *val == '\0') {
            lmx_error("run: --out needs a directory");
            return -1;
        }
        o->out = val;
    }
    return 0;
}

/* --valgrind or --lsan: one engine a run. */
static int
parse_native(const char *arg, struct cell_spec *base)
{
    enum leakcheck_mode m = strcmp(arg, "--valgrind") == 0
                                ? LEAKCHECK_VALGRIND
                                : LEAKCHECK_LSAN;
    if (base->native != LEAKCHECK_OFF && base->native != m) {
        lmx_error("run: --valgrind and --lsan cannot be combined; run "
                  "twice, with another --out");
        return -1;
    }
    base->native = m;
    return 0;
}

/* A native engine that is not installed: one line, and the run fails as
 * infrastructure (exit 3) before anything runs. */
static int
check_engine(const struct cell_spec *base)
{
    struct strbuf why = STRBUF_INIT;
    int rc = leakcheck_engine_check(base->native, &why);

    if (rc < 0) {
        lmx_error("run: %s", why.buf);
    }
    strbuf_release(&why);
    return rc;
}

/* Under an engine a cell runs slower and larger: its bounds grow with it
 * (leakcheck_timeout_factor(), leakcheck_rss_factor()). */
static void
scale_for_native(struct cell_spec *base)
{
    base->timeout_s *= leakcheck_timeout_factor(base->native);
    base->max_rss *= leakcheck_rss_factor(base->native);
}

static int
parse_args(int argc, char **argv, struct run_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int m = 0;

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(run_usage, stdout);
            fputs(run_libs_usage, stdout);
            fputs(run_usage_end, stdout);
            return 1;
        }
        if (strcmp(arg, "--census") == 0) {
            o->base.census = 1;
            continue;
        }
        if (strcmp(arg, "--valgrind") == 0 || strcmp(arg, "--lsan") == 0) {
            if (parse_native(arg, &o->base) < 0) {
                return -1;
            }
            continue;
        }
        if (strcmp(arg, "--keep-python-env") == 0) {
            o->base.keep_python_env = 1;
            continue;
        }
        if (strcmp(arg, "--rerun") == 0) {
            o->rerun = 1;
            continue;
        }
        if (strcmp(arg, "--no-pin") == 0) {
            o->no_pin = 1;
            continue;
        }
        if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
            o->quiet = 1;
            continue;
        }
        if ((m = run_libs_option(&o->libs, "run", argc, argv, &i)) != 0) {
            if (m < 0) {
                return -1;
            }
            continue;
        }
        if (parse_counts(argc, argv, &i, o, &m) < 0
            || (!m && parse_value_option(argc, argv, &i, o, &m) < 0)) {
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
        strvec_push(&o->scenarios, arg);
    }
    if (o->scenarios.nr == 0) {
        lmx_error("run: no scenario given; e.g. `leakmatrix run "
                  "scenarios/threading_server.py` (see `leakmatrix run "
                  "--help`)");
        return -1;
    }
    if (o->base.max_rounds < o->base.rounds) {
        o->base.max_rounds = o->base.rounds;
    }
    return run_libs_build(&o->libs, "run");
}

/* Resolves scenario paths: each must be a readable regular file, and no
 * two may share a file name (their results would collide). */
static int
resolve_scenarios(struct run_opts *o, struct strvec *abs)
{
    for (size_t i = 0; i < o->scenarios.nr; i++) {
        const char *s = o->scenarios.v[i];
        char *real = path_real(s);
        if (real == NULL || path_is_dir(real) || access(real, R_OK) < 0) {
            lmx_error("run: scenario '%s' %s; give the path of a .py "
                      "scenario file (see scenarios/README.md)",
                      s, real == NULL ? "does not exist"
                         : path_is_dir(real) ? "is a directory"
                                             : "cannot be read");
            free(real);
            return -1;
        }
        char *stem = result_scenario_stem(real);
        for (size_t j = 0; j < abs->nr; j++) {
            char *other = result_scenario_stem(abs->v[j]);
            int same = strcmp(stem, other) == 0;
            free(other);
            if (same) {
                lmx_error("run: %s and %s have the same file name, so their "
                          "results would collide; rename one",
                          abs->v[j], real);
                free(stem);
                free(real);
                return -1;
            }
        }
        free(stem);
        strvec_push(abs, real);
        free(real);
    }
    return 0;
}

static char *
default_out_dir(void)
{
    char *stamp = util_utc_now("%Y%m%d-%H%M%S");
    char *dir = xasprintf("%s/results/%s", LMX_SOURCE_ROOT, stamp);
    free(stamp);
    return dir;
}

/* What a run accumulates while cells finish. */
struct run_state {
    const char *out_dir;
    struct result_set set;
    int findings;
    int infra;
    int usage;
    size_t written;
};

static void
print_line(const char *tag, const char *scenario, const char *text)
{
    printf("%-14s %-28s %s\n", tag, scenario, text);
    fflush(stdout);
}

/* A cell's name on its line: the grid's row label, with the library set
 * when it has one ("lz4_frame (kafka-python lz4)"), so that two sets of
 * one interpreter are told apart.  Fresh string. */
static char *
line_name(const struct result_key *k)
{
    char *row = result_key_row(k);

    if (k->libset[0] == '\0') {
        return row;
    }
    char *name = xasprintf("%s (%s)", row, k->libset);
    free(row);
    return name;
}

static int
on_done(struct plan_cell *pc, struct cell_result *res, void *ctx)
{
    struct run_state *st = ctx;
    const char *tag = pc->spec.py->tag;
    char *name = line_name(&pc->key);

    if (res->kind == CELL_USAGE) {
        /* The scenario rejected --set: a usage error, not a result;
         * nothing is written. */
        lmx_error("run: %s: %s", pc->key.scenario, res->message);
        st->usage = 1;
        free(name);
        return 1;
    }
    if (res->kind == CELL_INFRA) {
        lmx_error("%s: %s", pc->label, res->message);
        st->infra = 1;
        free(name);
        return 0;
    }
    char *path = NULL;
    struct strbuf err = STRBUF_INIT;
    struct result r;
    result_init(&r);
    if (result_write(res->doc, &pc->key, pc->digest, st->out_dir, &path)
        < 0) {
        lmx_error("cannot write the result of %s to %s: %s", pc->label,
                  st->out_dir, strerror(errno));
        st->infra = 1;
    }
    else if (result_from_doc(res->doc, path, &r, &err) < 0) {
        lmx_error("the result of %s does not read back (%s): a leakmatrix "
                  "bug",
                  pc->label, err.buf);
        st->infra = 1;
    }
    else {
        st->written++;
        result_set_add(&st->set, &r, stderr);
    }
    print_line(tag, name, res->summary);
    st->findings |= outcome_is_finding(res->outcome.status);
    result_release(&r);
    strbuf_release(&err);
    free(path);
    free(name);
    return 0;
}

/* Marks what is already done in the output directory; returns how many
 * cells need no run. */
static size_t
mark_done(struct plan *p, struct run_state *st, unsigned char *to_run,
          int rerun, int quiet)
{
    size_t done = 0;
    for (size_t i = 0; i < p->nr; i++) {
        struct plan_cell *pc = &p->v[i];
        char *name = result_key_file_name(&pc->key);
        char *path = path_join(st->out_dir, name);
        struct strbuf err = STRBUF_INIT;
        struct result r;

        to_run[i] = 1;
        result_init(&r);
        if (!rerun && path_exists(path)) {
            if (result_read(path, &r, &err) < 0) {
                lmx_warn("%s: %s; running the cell again", path, err.buf);
            }
            else if (!result_key_equal(&r.key, &pc->key, 0)) {
                lmx_warn("%s holds another cell; running this one again",
                         path);
            }
            else if (r.digest == NULL || strcmp(r.digest, pc->digest) != 0) {
                if (!quiet) {
                    fprintf(stderr, "leakmatrix: %s: the scenario changed "
                                    "since its result; running it again\n",
                            pc->label);
                }
            }
            else {
                char *row = line_name(&pc->key);
                char *line = xasprintf("%s (done before)", r.summary);
                print_line(pc->spec.py->tag, row, line);
                st->findings |= outcome_is_finding(r.outcome.status);
                result_set_add(&st->set, &r, stderr);
                to_run[i] = 0;
                done++;
                free(line);
                free(row);
            }
        }
        result_release(&r);
        strbuf_release(&err);
        free(path);
        free(name);
    }
    return done;
}

/* Every report format into DIR/report/, the grid on stdout. */
static int
write_reports(struct run_state *st, int print_grid)
{
    struct report_grid g;
    char *dir = path_join(st->out_dir, "report");
    int rc = 0;

    report_grid_build(&g, &st->set);
    if (util_mkdir_p(dir, 0755) < 0) {
        lmx_error("cannot create %s: %s", dir, strerror(errno));
        rc = -1;
    }
    for (int f = 0; rc == 0 && f < REPORT_FORMATS; f++) {
        struct strbuf sb = STRBUF_INIT;
        char *path = path_join(dir, report_format_file(f));
        report_render(&g, f, &sb);
        if (util_write_file_atomic(path, sb.buf, sb.len) < 0) {
            lmx_error("cannot write %s: %s", path, strerror(errno));
            rc = -1;
        }
        free(path);
        strbuf_release(&sb);
    }
    if (print_grid) {
        struct strbuf sb = STRBUF_INIT;
        report_render(&g, REPORT_TEXT, &sb);
        printf("\n%s", sb.buf);
        strbuf_release(&sb);
    }
    report_grid_release(&g);
    free(dir);
    return rc;
}

/* Leftovers of an interrupted writer: temporary files nobody will rename
 * (we hold the directory's lock, so nobody is writing). */
static void
remove_stale_temps(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (strstr(de->d_name, ".json.tmp.")) {
            char *path = path_join(dir, de->d_name);
            unlink(path);
            free(path);
        }
    }
    if (d) {
        closedir(d);
    }
}

static int
open_out_dir(const char *dir, int *lock_fd)
{
    if (util_mkdir_p(dir, 0755) < 0) {
        lmx_error("run: cannot create %s: %s", dir, strerror(errno));
        return LMX_EXIT_USAGE;
    }
    *lock_fd = util_lock_dir(dir);
    if (*lock_fd < 0) {
        if (errno == EWOULDBLOCK) {
            lmx_error("run: another leakmatrix run is using %s; wait for it "
                      "to finish or choose another --out",
                      dir);
            return LMX_EXIT_USAGE;
        }
        lmx_error("run: cannot lock %s: %s", dir, strerror(errno));
        return LMX_EXIT_INFRA;
    }
    remove_stale_temps(dir);
    return 0;
}

static int
select_and_check(const struct run_opts *o, const struct registry *reg,
                 struct python **sel, size_t *nsel)
{
    struct strbuf err = STRBUF_INIT;
    int rc = plan_select_pythons(reg, (const char *const *)o->pythons.v,
                                 o->pythons.nr, sel, nsel, MAX_PYTHONS, &err);
    if (rc) {
        lmx_error("run: %s", err.buf);
    }
    for (size_t i = 0; rc == 0 && i < *nsel; i++) {
        if (sel[i]->runner == NULL) {
            lmx_error("run: no runner built for %s; run `leakmatrix "
                      "pythons sync` to build it",
                      sel[i]->tag);
            rc = LMX_EXIT_INFRA;
        }
    }
    strbuf_release(&err);
    return rc;
}

static void
announce(const struct plan *p, size_t done, size_t nscen, size_t npy,
         const char *out_dir, unsigned jobs)
{
    fprintf(stderr, "leakmatrix: %zu cell%s (%zu scenario%s x %zu "
                    "interpreter%s%s), %u at once, results in %s\n",
            p->nr, p->nr == 1 ? "" : "s", nscen, nscen == 1 ? "" : "s", npy,
            npy == 1 ? "" : "s",
            p->nr > nscen * npy ? " x variants" : "", jobs, out_dir);
    if (done) {
        fprintf(stderr, "leakmatrix: %zu already done in %s (same cell, "
                        "same scenario file): not run again; --rerun runs "
                        "them\n",
                done, out_dir);
    }
}

/* An interpreter the engine cannot measure: its cells are results,
 * skipped with the reason (the grid and every report say it), one line on
 * stderr each.  A run with other cells ends as they say (a free-threaded
 * build in a --valgrind matrix is no failure of the matrix); one where no
 * cell could be measured ends as infrastructure (exit 3).  Returns how
 * many cells were skipped so. */
static size_t
skip_unmeasurable(const struct cell_spec *base, struct plan *plan,
                  unsigned char *to_run, struct run_state *st)
{
    size_t skipped = 0;
    const struct python *said = NULL;

    for (size_t i = 0; i < plan->nr; i++) {
        struct plan_cell *pc = &plan->v[i];
        struct strbuf why = STRBUF_INIT;
        if (to_run[i] && leakcheck_python_check(base->native, pc->spec.py,
                                                &why) < 0) {
            if (said != pc->spec.py) {
                lmx_error("run: %s; its cells are skipped", why.buf);
                said = pc->spec.py;
            }
            struct cell_result res;
            cell_result_init(&res);
            cell_skip_unrunnable(&pc->spec, why.buf, &res);
            (void)on_done(pc, &res, st);
            cell_result_release(&res);
            to_run[i] = 0;
            skipped++;
        }
        strbuf_release(&why);
    }
    return skipped;
}

/* The library sets the cells still to run need (runlibs.h); a cell whose
 * set does not install is written as skipped, like any finished cell. */
static int
install_libs(struct run_opts *o, struct plan *plan, unsigned char *to_run,
             struct run_state *st, size_t *done)
{
    struct cache cache = CACHE_INIT;
    int rc;

    if (o->libs.nsets == 0) {
        return 0;
    }
    rc = cmd_cache(&cache);
    if (rc == 0) {
        long skipped = run_libs_prepare(&o->libs, cache.libs, plan, to_run,
                                        o->quiet, on_done, st);
        if (skipped < 0) {
            rc = LMX_EXIT_INFRA;
        }
        else {
            *done += (size_t)skipped;
        }
    }
    cache_release(&cache);
    return rc;
}

static void
release_opts(struct run_opts *o)
{
    strvec_clear(&o->scenarios);
    strvec_clear(&o->pythons);
    strvec_clear(&o->sets);
    for (size_t i = 0; i < o->nvaries; i++) {
        plan_vary_release(&o->varies[i]);
    }
    free(o->varies);
    run_libs_release(&o->libs);
}

/* The cells of the command line, with the per-cell limits that depend
 * on how many run at once.  Returns 0, or -1 after saying why. */
static int
build_plan(struct run_opts *o, const struct strvec *scen,
           struct python **sel, size_t nsel, unsigned jobs,
           struct plan *plan)
{
    struct strbuf err = STRBUF_INIT;
    int rc;

    if (o->base.max_rss == 0) {
        o->base.max_rss = util_mem_total() / 2 / jobs;
    }
    scale_for_native(&o->base);
    rc = plan_build(plan, &o->base, (const char *const *)scen->v, scen->nr,
                    sel, nsel, (const char *const *)o->sets.v, o->varies,
                    o->nvaries, &err);
    if (rc < 0) {
        lmx_error("run: %s", err.buf);
    }
    strbuf_release(&err);
    if (rc == 0 && run_libs_expand(&o->libs, plan, "run") < 0) {
        rc = -1;
    }
    return rc;
}

/* Runs the cells still to run, writes the reports, and returns the
 * command's exit code. */
static int
run_cells(const struct run_opts *o, struct plan *plan,
          unsigned char *to_run, struct run_state *st, unsigned jobs,
          size_t done, size_t unmeasurable)
{
    struct pool_opts so = {jobs, o->quiet, stderr, isatty(2), done,
                           !o->no_pin};
    int how = pool_run(plan, to_run, &so, on_done, st);

    if (how == POOL_INTERRUPTED) {
        lmx_error("interrupted by signal %d (%s): %zu of %zu cells done, "
                  "results in %s; "
                  "run the same command with --out %s to resume",
                  pool_signal(), strsignal(pool_signal()), st->set.nr,
                  plan->nr, st->out_dir, st->out_dir);
        write_reports(st, 0);
        return 128 + pool_signal();
    }
    if (!st->usage && st->set.nr > 0
        && write_reports(st, plan->nr > 1) < 0) {
        st->infra = 1;
    }
    return st->usage                    ? LMX_EXIT_USAGE
           : st->infra || (unmeasurable > 0 && unmeasurable == plan->nr)
               ? LMX_EXIT_INFRA
           : st->findings              ? LMX_EXIT_FINDINGS
                                       : LMX_EXIT_OK;
}

int
cmd_run(int argc, char **argv)
{
    struct run_opts o;
    struct strvec scen = STRVEC_INIT;
    struct registry reg = REGISTRY_INIT;
    struct python *sel[MAX_PYTHONS];
    size_t nsel = 0;
    struct plan plan = PLAN_INIT;
    struct run_state st;
    char *out_dir = NULL;
    unsigned char *to_run = NULL;
    int lock_fd = -1;
    int made_out_dir = 0;
    int rc;

    memset(&o, 0, sizeof(o));
    memset(&st, 0, sizeof(st));
    result_set_init(&st.set);
    o.base.rounds = 5;
    o.base.max_rounds = 12;
    o.base.timeout_s = 300.0;
    rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        rc = rc > 0 ? LMX_EXIT_OK : LMX_EXIT_USAGE;
        goto out;
    }
    if (resolve_scenarios(&o, &scen) < 0) {
        rc = LMX_EXIT_USAGE;
        goto out;
    }
    rc = cmd_load_registry(&reg, CMD_REGISTRY_CACHED);
    if (rc == LMX_EXIT_OK) {
        rc = select_and_check(&o, &reg, sel, &nsel);
    }
    if (rc != LMX_EXIT_OK) {
        goto out;
    }
    if (check_engine(&o.base) < 0) {
        rc = LMX_EXIT_INFRA;
        goto out;
    }
    unsigned jobs = o.jobs ? (unsigned)o.jobs : pool_cores();
    if (build_plan(&o, &scen, sel, nsel, jobs, &plan) < 0) {
        rc = LMX_EXIT_USAGE;
        goto out;
    }
    out_dir = o.out ? xstrdup(o.out) : default_out_dir();
    st.out_dir = out_dir;
    made_out_dir = !path_exists(out_dir);
    rc = open_out_dir(out_dir, &lock_fd);
    if (rc != 0) {
        goto out;
    }
    to_run = xcalloc(plan.nr ? plan.nr : 1, 1);
    size_t done = mark_done(&plan, &st, to_run, o.rerun, o.quiet);
    announce(&plan, done, scen.nr, nsel, out_dir, jobs);
    size_t unmeasurable = skip_unmeasurable(&o.base, &plan, to_run, &st);
    done += unmeasurable;
    if ((rc = install_libs(&o, &plan, to_run, &st, &done)) == 0) {
        rc = run_cells(&o, &plan, to_run, &st, jobs, done, unmeasurable);
    }

out:
    if (lock_fd >= 0 && made_out_dir && st.written == 0) {
        /* Ours, and nothing of value went in (a usage error, say). */
        util_rm_rf(out_dir);
    }
    if (lock_fd >= 0) {
        close(lock_fd);
    }
    free(to_run);
    plan_release(&plan);
    result_set_release(&st.set);
    registry_release(&reg);
    strvec_clear(&scen);
    release_opts(&o);
    free(out_dir);
    return rc;
}
