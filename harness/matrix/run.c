/* run.c - matrix_run(): the request becomes a plan, what the output
 * directory holds already is read back, library sets are installed, the
 * rest runs in the pool, and every finished cell's result is written at
 * once, its line beside it (run.h).  The reports and the grid are the
 * caller's, drawn from the outcome.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "base/proto.h"
#include "base/util.h"
#include "matrix/cell.h"
#include "matrix/collect.h"
#include "matrix/plan.h"
#include "matrix/pool.h"
#include "matrix/result.h"
#include "matrix/run.h"
#include "matrix/runlibs.h"
#include "matrix/target.h"

#define MAX_PYTHONS 256

void
run_request_init(struct run_request *req)
{
    static const struct libset_source no_source = LIBSET_SOURCE_INIT;

    memset(req, 0, sizeof(*req));
    req->lib_source = no_source;
    req->warmup = LMX_NOT_GIVEN;
    req->rounds = LMX_NOT_GIVEN;
    req->max_rounds = LMX_NOT_GIVEN;
    req->max_rounds_noisy = LMX_NOT_GIVEN;
    req->iterations = LMX_NOT_GIVEN;
    req->trace_frames = LMX_NOT_GIVEN;
    req->timeout_s = LMX_NOT_GIVEN;
    req->test_budget = LMX_NOT_GIVEN;
    req->max_rss = LMX_NOT_GIVEN;
    req->native = LEAKCHECK_OFF;
    req->jobs = LMX_NOT_GIVEN;
}

void
run_request_release(struct run_request *req)
{
    strvec_clear(&req->scenarios);
    strvec_clear(&req->pythons);
    strvec_clear(&req->sets);
    strvec_clear(&req->libs);
    for (size_t i = 0; i < req->nvaries; i++) {
        plan_vary_release(&req->varies[i]);
    }
    free(req->varies);
    run_request_init(req);
}

static void
run_outcome_init(struct run_outcome *out)
{
    memset(out, 0, sizeof(*out));
    result_set_init(&out->set);
    out->lock_fd = -1;
}

void
run_outcome_release(struct run_outcome *out)
{
    if (out->lock_fd >= 0 && out->made_out_dir && out->written == 0) {
        /* Ours, and nothing of value went in (a usage error, say). */
        util_rm_rf(out->out_dir);
    }
    if (out->lock_fd >= 0) {
        close(out->lock_fd);
    }
    result_set_release(&out->set);
    free(out->out_dir);
    run_outcome_init(out);
}

/* ---- the request, checked -------------------------------------------- */

/* The request's library options as sets (runlibs.h). */
static int
build_libs(const struct run_request *req, struct run_libs *rl)
{
    for (size_t i = 0; i < req->libs.nr; i++) {
        strvec_push(&rl->lib_args, req->libs.v[i]);
    }
    rl->libs_from = req->libs_from;
    rl->libs_dir = req->libs_dir;
    rl->no_scenario_libs = req->no_scenario_libs;
    rl->src = req->lib_source;
    return run_libs_build(rl, "run");
}

/* Whether path's file name is a scenario's of scen already (their
 * results would collide): -1 after saying so, else 0. */
static int
same_stem(const struct strvec *scen, const char *path)
{
    char *stem = result_scenario_stem(path);
    int rc = 0;

    for (size_t j = 0; j < scen->nr && rc == 0; j++) {
        char *other = result_scenario_stem(scen->v[j]);
        if (strcmp(stem, other) == 0) {
            lmx_error("run: %s and %s have the same file name, so their "
                      "results would collide; rename one",
                      scen->v[j], path);
            rc = -1;
        }
        free(other);
    }
    free(stem);
    return rc;
}

/* The request's targets: scenario files (absolute paths, into scen; no
 * two may share a file name, or their results would collide) and test
 * targets (into tests, n of them). */
static int
resolve_targets(const struct run_request *req, struct strvec *scen,
                struct target **tests, size_t *n)
{
    struct strbuf err = STRBUF_INIT;
    int rc = 0;

    for (size_t i = 0; i < req->scenarios.nr && rc == 0; i++) {
        struct target t = TARGET_INIT;
        if (target_parse(req->scenarios.v[i], &t, &err) < 0) {
            lmx_error("run: %s", err.buf);
            rc = -1;
        }
        else if (t.kind != TARGET_SCENARIO) {
            *tests = xrealloc(*tests, (*n + 1) * sizeof(**tests));
            (*tests)[(*n)++] = t;
            continue;
        }
        else if ((rc = same_stem(scen, t.arg)) == 0) {
            strvec_push(scen, t.arg);
        }
        target_release(&t);
    }
    if (rc == 0 && *n == 0 && (req->keyword || req->marks)) {
        lmx_error("run: -k and -m select tests of pytest targets; no test "
                  "target given (pytest:PATH, unittest:NAME)");
        rc = -1;
    }
    strbuf_release(&err);
    return rc;
}

static int
select_and_check(const struct run_request *req, struct python **sel,
                 size_t *nsel)
{
    struct strbuf err = STRBUF_INIT;
    int rc = plan_select_pythons(req->reg,
                                 (const char *const *)req->pythons.v,
                                 req->pythons.nr, sel, nsel, MAX_PYTHONS,
                                 &err);
    if (rc) {
        lmx_error("run: %s", err.buf);
    }
    for (size_t i = 0; rc == 0 && i < *nsel; i++) {
        if (sel[i]->runner == NULL && req->kit) {
            /* Built now, once, before any cell (runnerkit.h). */
            strbuf_reset(&err);
            if (runnerkit_build(req->kit, sel[i], req->quiet, &err) < 0) {
                lmx_error("run: %s", err.buf);
                rc = LMX_EXIT_INFRA;
            }
        }
        else if (sel[i]->runner == NULL) {
            lmx_error("run: no runner built for %s; run `leakmatrix "
                      "pythons sync` to build it",
                      sel[i]->tag);
            rc = LMX_EXIT_INFRA;
        }
    }
    strbuf_release(&err);
    return rc;
}

/* A native engine that is not installed: one line, and the run fails as
 * infrastructure (exit 3) before anything runs. */
static int
check_engine(enum leakcheck_mode native)
{
    struct strbuf why = STRBUF_INIT;
    int rc = leakcheck_engine_check(native, &why);

    if (rc < 0) {
        lmx_error("run: %s", why.buf);
    }
    strbuf_release(&why);
    return rc;
}

/* What every cell shares, with the defaults decided; warm-up and
 * iterations stay LMX_NOT_GIVEN, for the runner to decide by the
 * scenario.  Under a native engine a cell runs slower and larger: its
 * bounds grow with it (leakcheck_timeout_factor(), leakcheck_rss_factor()). */
static void
base_spec(const struct run_request *req, unsigned jobs,
          struct cell_spec *base)
{
    memset(base, 0, sizeof(*base));
    base->warmup = req->warmup;
    base->iterations = req->iterations;
    base->rounds = req->rounds == LMX_NOT_GIVEN ? LMX_DEFAULT_ROUNDS
                                                : (unsigned long)req->rounds;
    base->max_rounds = req->max_rounds == LMX_NOT_GIVEN
                           ? LMX_DEFAULT_MAX_ROUNDS
                           : (unsigned long)req->max_rounds;
    if (base->max_rounds < base->rounds) {
        base->max_rounds = base->rounds;
    }
    base->max_rounds_noisy = req->max_rounds_noisy == LMX_NOT_GIVEN
                                 ? RUN_NOISY_FACTOR * base->max_rounds
                                 : (unsigned long)req->max_rounds_noisy;
    base->census = req->census;
    base->trace = req->trace;
    base->trace_frames = req->trace_frames == LMX_NOT_GIVEN
                             ? LMX_DEFAULT_TRACE_FRAMES
                             : req->trace_frames;
    base->keep_python_env = req->keep_python_env;
    base->native = req->native;
    base->timeout_s = req->timeout_s == LMX_NOT_GIVEN ? RUN_DEFAULT_TIMEOUT_S
                                                      : req->timeout_s;
    base->max_rss = req->max_rss == LMX_NOT_GIVEN
                        ? util_mem_total() / 2 / jobs
                        : req->max_rss;
    base->timeout_s *= leakcheck_timeout_factor(base->native);
    base->max_rss *= leakcheck_rss_factor(base->native);
}

/* The cells of the request: its scenarios' and its test targets', the
 * latter collected into their tests (collect.h).  Returns 0, or the exit
 * code after saying why (usage: a bad --vary, nothing selected; infra:
 * a runner or library store that fails collection). */
static int
build_plan(const struct run_request *req, struct run_libs *libs,
           const struct cell_spec *base, const struct strvec *scen,
           const struct target *tests, size_t ntests,
           struct python **sel, size_t nsel, struct plan *plan)
{
    struct strbuf err = STRBUF_INIT;
    struct collect_opts co = {req->keyword, req->marks, req->test_budget,
                              req->libs_root, req->quiet};
    int rc;

    rc = plan_build(plan, base, (const char *const *)scen->v, scen->nr, sel,
                    nsel, (const char *const *)req->sets.v, req->varies,
                    req->nvaries, &err);
    if (rc < 0) {
        lmx_error("run: %s", err.buf);
    }
    strbuf_release(&err);
    for (size_t i = 0; rc == 0 && i < ntests; i++) {
        char *digest = target_digest(tests[i].file, tests[i].arg);
        plan_add_target(plan, base, tests[i].arg, tests[i].name, digest,
                        sel, nsel);
        free(digest);
    }
    if (rc == 0 && run_libs_expand(libs, plan, "run") < 0) {
        rc = -1;
    }
    if (rc < 0) {
        return LMX_EXIT_USAGE;
    }
    return ntests ? collect_plan(plan, libs, &co) : 0;
}

/* ---- the output directory -------------------------------------------- */

char *
run_default_out_dir(const char *suffix)
{
    char *stamp = util_utc_now("%Y%m%d-%H%M%S");
    char *root = paths_results_root();
    char *dir = xasprintf("%s/%s%s", root ? root : "results", stamp,
                          suffix);
    free(root);
    free(stamp);
    return dir;
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

/* Chooses, makes and locks the output directory, into out. */
static int
open_out_dir(const struct run_request *req, struct run_outcome *out)
{
    const char *dir;

    out->out_dir = req->out ? xstrdup(req->out) : run_default_out_dir("");
    out->made_out_dir = !path_exists(out->out_dir);
    dir = out->out_dir;
    if (util_mkdir_p(dir, 0755) < 0) {
        lmx_error("run: cannot create %s: %s", dir, strerror(errno));
        return LMX_EXIT_USAGE;
    }
    out->lock_fd = util_lock_dir(dir);
    if (out->lock_fd < 0) {
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

/* ---- cells as they finish -------------------------------------------- */

/* What a run accumulates while cells finish. */
struct run_state {
    struct run_outcome *out;
    FILE *lines;
    int findings;
    int infra;
    int usage;
};

static void
print_line(const struct run_state *st, const char *tag,
           const char *scenario, const char *text)
{
    if (st->lines) {
        fprintf(st->lines, "%-14s %-28s %s\n", tag, scenario, text);
        fflush(st->lines);
    }
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

/* Writes a finished cell's result and adds it to the outcome. */
static void
keep_result(struct plan_cell *pc, struct cell_result *res,
            struct run_state *st)
{
    char *path = NULL;
    struct strbuf err = STRBUF_INIT;
    struct result r;

    result_init(&r);
    if (result_write(res->doc, &pc->key, pc->digest, st->out->out_dir,
                     &path) < 0) {
        lmx_error("cannot write the result of %s to %s: %s", pc->label,
                  st->out->out_dir, strerror(errno));
        st->infra = 1;
    }
    else if (result_from_doc(res->doc, path, &r, &err) < 0) {
        lmx_error("the result of %s does not read back (%s): a leakmatrix "
                  "bug",
                  pc->label, err.buf);
        st->infra = 1;
    }
    else {
        st->out->written++;
        result_set_add(&st->out->set, &r, stderr);
    }
    result_release(&r);
    strbuf_release(&err);
    free(path);
}

static int
on_done(struct plan_cell *pc, struct cell_result *res, void *ctx)
{
    struct run_state *st = ctx;

    if (res->kind == CELL_USAGE) {
        /* The scenario rejected --set: a usage error, not a result;
         * nothing is written. */
        lmx_error("run: %s: %s", pc->key.scenario, res->message);
        st->usage = 1;
        return 1;
    }
    if (res->kind == CELL_INFRA) {
        lmx_error("%s: %s", pc->label, res->message);
        st->infra = 1;
        return 0;
    }
    char *name = line_name(&pc->key);
    keep_result(pc, res, st);
    print_line(st, pc->spec.py->tag, name, res->summary);
    st->findings |= outcome_is_finding(res->outcome.status);
    free(name);
    return 0;
}

/* The finished result of pc at path, when it is one to keep: 1 (in r),
 * else 0 with the reason said. */
static int
done_before(const struct plan_cell *pc, const char *path, int quiet,
            struct result *r)
{
    struct strbuf err = STRBUF_INIT;
    int ok = 0;

    if (result_read(path, r, &err) < 0) {
        lmx_warn("%s: %s; running the cell again", path, err.buf);
    }
    else if (!result_key_equal(&r->key, &pc->key, 0)) {
        lmx_warn("%s holds another cell; running this one again", path);
    }
    else if (r->digest == NULL || strcmp(r->digest, pc->digest) != 0) {
        if (!quiet) {
            fprintf(stderr, "leakmatrix: %s: the scenario changed since "
                            "its result; running it again\n",
                    pc->label);
        }
    }
    else {
        ok = 1;
    }
    strbuf_release(&err);
    return ok;
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
        char *path = path_join(st->out->out_dir, name);
        struct result r;

        to_run[i] = 1;
        result_init(&r);
        if (!rerun && path_exists(path)
            && done_before(pc, path, quiet, &r)) {
            char *row = line_name(&pc->key);
            char *line = xasprintf("%s (done before)", r.summary);
            print_line(st, pc->spec.py->tag, row, line);
            st->findings |= outcome_is_finding(r.outcome.status);
            result_set_add(&st->out->set, &r, stderr);
            to_run[i] = 0;
            done++;
            free(line);
            free(row);
        }
        result_release(&r);
        free(path);
        free(name);
    }
    return done;
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

/* The cells collection decided (collect.h: a file that did not import, a
 * test file that skipped itself, no pytest here) are results without a
 * run.  Returns how many. */
static size_t
conclude_collected(struct plan *plan, unsigned char *to_run,
                   struct run_state *st)
{
    size_t n = 0;

    for (size_t i = 0; i < plan->nr; i++) {
        struct plan_cell *pc = &plan->v[i];
        struct cell_result res;
        if (!to_run[i] || pc->ready == PLAN_RUN) {
            continue;
        }
        cell_result_init(&res);
        if (pc->ready == PLAN_SKIP) {
            cell_skip_unrunnable(&pc->spec, pc->why, &res);
        }
        else {
            cell_error_uncollected(&pc->spec, pc->why, pc->text, &res);
        }
        (void)on_done(pc, &res, st);
        cell_result_release(&res);
        to_run[i] = 0;
        n++;
    }
    return n;
}

/* How many rows the plan has: its cells' different names. */
static size_t
count_rows(const struct plan *plan)
{
    size_t rows = 0;

    for (size_t i = 0; i < plan->nr; i++) {
        size_t j = 0;
        while (j < i && strcmp(plan->v[j].key.scenario,
                               plan->v[i].key.scenario) != 0) {
            j++;
        }
        rows += j == i;
    }
    return rows;
}

/* The library sets the cells still to run need (runlibs.h); a cell whose
 * set does not install is written as skipped, like any finished cell. */
static int
install_libs(const struct run_request *req, struct run_libs *libs,
             struct plan *plan, unsigned char *to_run, struct run_state *st,
             size_t *done)
{
    if (libs->nsets == 0) {
        return 0;
    }
    long skipped = run_libs_prepare(libs, req->libs_root, plan, to_run,
                                    req->quiet, on_done, st);
    if (skipped < 0) {
        return LMX_EXIT_INFRA;
    }
    *done += (size_t)skipped;
    return 0;
}

/* Runs the cells still to run and returns the exit code. */
static int
run_cells(const struct run_request *req, struct plan *plan,
          unsigned char *to_run, struct run_state *st, unsigned jobs,
          size_t done, size_t unmeasurable)
{
    struct pool_opts so = {jobs, req->quiet, stderr, isatty(2), done,
                           !req->no_pin, !req->runner_per_test};
    int how = pool_run(plan, to_run, &so, on_done, st);

    if (how == POOL_INTERRUPTED) {
        lmx_error("interrupted by signal %d (%s): %zu of %zu cells done, "
                  "results in %s; "
                  "run the same command with --out %s to resume",
                  pool_signal(), strsignal(pool_signal()), st->out->set.nr,
                  plan->nr, st->out->out_dir, st->out->out_dir);
        st->out->signal = pool_signal();
        return 128 + pool_signal();
    }
    st->out->finished = !st->usage;
    return st->usage                    ? LMX_EXIT_USAGE
           : st->infra || (unmeasurable > 0 && unmeasurable == plan->nr)
               ? LMX_EXIT_INFRA
           : st->findings              ? LMX_EXIT_FINDINGS
                                       : LMX_EXIT_OK;
}

/* ---- the run --------------------------------------------------------- */

/* From an open output directory on: resume, unmeasurable cells, library
 * sets, the pool. */
static int
run_plan(const struct run_request *req, struct run_libs *libs,
         const struct cell_spec *base, struct plan *plan, size_t nsel,
         unsigned jobs, struct run_outcome *out)
{
    struct run_state st = {out, req->lines, 0, 0, 0};
    unsigned char *to_run = xcalloc(plan->nr ? plan->nr : 1, 1);
    size_t done = mark_done(plan, &st, to_run, req->rerun, req->quiet);
    int rc;

    out->cells = plan->nr;
    announce(plan, done, count_rows(plan), nsel, out->out_dir, jobs);
    size_t unmeasurable = skip_unmeasurable(base, plan, to_run, &st);
    done += unmeasurable + conclude_collected(plan, to_run, &st);
    if ((rc = install_libs(req, libs, plan, to_run, &st, &done)) == 0) {
        rc = run_cells(req, plan, to_run, &st, jobs, done, unmeasurable);
    }
    free(to_run);
    return rc;
}

int
matrix_run(const struct run_request *req, struct run_outcome *out)
{
    struct run_libs libs = RUN_LIBS_INIT;
    struct strvec scen = STRVEC_INIT;
    struct python *sel[MAX_PYTHONS];
    size_t nsel = 0;
    struct plan plan = PLAN_INIT;
    struct cell_spec base;
    unsigned jobs = req->jobs == LMX_NOT_GIVEN ? pool_cores()
                                               : (unsigned)req->jobs;
    struct target *tests = NULL;
    size_t ntests = 0;
    int rc;

    run_outcome_init(out);
    if (build_libs(req, &libs) < 0
        || resolve_targets(req, &scen, &tests, &ntests) < 0) {
        rc = LMX_EXIT_USAGE;
        goto out;
    }
    if ((rc = select_and_check(req, sel, &nsel)) != LMX_EXIT_OK) {
        goto out;
    }
    if (check_engine(req->native) < 0) {
        rc = LMX_EXIT_INFRA;
        goto out;
    }
    base_spec(req, jobs, &base);
    rc = build_plan(req, &libs, &base, &scen, tests, ntests, sel, nsel,
                    &plan);
    if (rc != 0) {
        goto out;
    }
    if ((rc = open_out_dir(req, out)) == 0) {
        rc = run_plan(req, &libs, &base, &plan, nsel, jobs, out);
    }
out:
    plan_release(&plan);
    strvec_clear(&scen);
    for (size_t i = 0; i < ntests; i++) {
        target_release(&tests[i]);
    }
    free(tests);
    run_libs_release(&libs);
    return rc;
}
