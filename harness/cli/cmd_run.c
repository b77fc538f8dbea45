/* cmd_run.c - `leakmatrix run`: the matrix of scenarios x parameter sets x
 * interpreters, up to -j cells at once, a line per cell as it finishes,
 * one JSON result per cell in the output directory, every report format
 * beside them, and the grid at the end.  Running again over the same
 * --out resumes: finished cells are not run again.
 *
 * The command line becomes a run request (run_options.c), the request
 * runs in matrix_run() (matrix/run.h); this file renders the reports of
 * what ran.  check, compare and bisect run theirs through
 * cmd_run_request() too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cache.h"
#include "base/paths.h"
#include "base/util.h"
#include "cli/cmd.h"
#include "cli/run_options.h"
#include "matrix/run.h"
#include "report/report.h"

static const char run_usage[] =
    "usage: leakmatrix run (SCENARIO | TEST)... [options]\n"
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
    "A TEST is a test target; each test it selects is a row, one test run\n"
    "(its setup, call and teardown) an iteration:\n"
    "  pytest:PATH[::ID]  pytest's tests: a file, a directory or a node id\n"
    "                     (pytest:tests/test_x.py::TestC::test_m[big]); a\n"
    "                     node id needs no prefix (tests/test_x.py::test_y)\n"
    "  unittest:NAME      a package, module, TestCase class or test method\n"
    "                     as `python -m unittest` names it\n"
    "                     (unittest:pkg.tests.test_x.TestC.test_m)\n"
    "  call:MODULE:FUNC   a callable with no arguments (call:pkg.mod:func)\n"
    "Tests are collected and run from the current directory (it goes on\n"
    "sys.path), with the cell's library set first: pytest itself must be\n"
    "in it or on the interpreter (--lib pytest lets pip pick the release\n"
    "each interpreter supports; --lib . adds the project).  A failing test\n"
    "is an error, a skipped one skipped (xfail runs, as pytest runs it).\n"
    "\n";

static const char run_usage_end[] =
    "\n"
    "exit codes: 0 every cell clean or skipped; 1 any leak, over-release,\n"
    "suspect, crash, timeout or error; 2 usage error (also: --out in use\n"
    "by another run); 3 infrastructure failure (no runner for a selected\n"
    "interpreter, or an installed leakmatrix that cannot build it: no\n"
    "compiler or headers; a runner that does not start, results that\n"
    "cannot be written); 130 interrupted (run again to resume).\n";

/* Every report format into DIR/report/, and the grid on `grid` unless it
 * is NULL; every row of it with all_rows. */
static int
write_reports(const struct run_outcome *out, FILE *grid, int all_rows)
{
    struct report_grid g;
    char *dir = path_join(out->out_dir, "report");
    int rc = 0;

    report_grid_build(&g, &out->set);
    if (all_rows) {
        report_grid_show_all(&g);
    }
    if (util_mkdir_p(dir, 0755) < 0) {
        lmx_error("cannot create %s: %s", dir, strerror(errno));
        rc = -1;
    }
    for (int f = 0; rc == 0 && f < REPORT_FORMATS; f++) {
        struct strbuf sb = STRBUF_INIT;
        char *path = path_join(dir, report_format_file(f));
        report_render(&g, f, &sb);
        if (util_write_file_replace(path, sb.buf, sb.len) < 0) {
            lmx_error("cannot write %s: %s", path, strerror(errno));
            rc = -1;
        }
        free(path);
        strbuf_release(&sb);
    }
    if (grid) {
        struct strbuf sb = STRBUF_INIT;
        report_render(&g, REPORT_TEXT, &sb);
        fprintf(grid, "\n%s", sb.buf);
        strbuf_release(&sb);
    }
    report_grid_release(&g);
    free(dir);
    return rc;
}

/* The reports of what ran, as `leakmatrix run` writes them: after an
 * interrupt whatever finished, without the grid; after a run with no
 * usage error its results, with the grid on `lines` when there are
 * several cells.  Returns rc, or LMX_EXIT_INFRA when a report of a run
 * that ended cannot be written. */
static int
report_outcome(const struct run_outcome *out, FILE *lines, int rc,
               int all_rows)
{
    if (out->signal) {
        write_reports(out, NULL, all_rows);
        return rc;
    }
    if (out->finished && out->set.nr > 0
        && write_reports(out, out->cells > 1 ? lines : NULL, all_rows)
               < 0) {
        return LMX_EXIT_INFRA;
    }
    return rc;
}

int
cmd_run_request(const struct run_request *req, int all_rows)
{
    struct run_request r = *req;
    struct registry reg = REGISTRY_INIT;
    struct cache cache = CACHE_INIT;
    struct runnerkit kit = RUNNERKIT_INIT;
    struct run_outcome out;
    int rc = LMX_EXIT_OK;

    if (r.reg == NULL) {
        rc = cmd_load_registry(&reg, CMD_REGISTRY_CACHED);
        r.reg = &reg;
    }
    if (rc == LMX_EXIT_OK && (r.libs_root == NULL || paths_installed())) {
        rc = cmd_cache(&cache);
    }
    if (rc == LMX_EXIT_OK && r.libs_root == NULL) {
        r.libs_root = cache.libs;
    }
    /* An installed leakmatrix builds the runners it lacks (runnerkit.h). */
    if (rc == LMX_EXIT_OK && r.kit == NULL && paths_installed()
        && (rc = cmd_runner_kit(&kit, &cache)) == LMX_EXIT_OK) {
        r.kit = &kit;
    }
    if (rc == LMX_EXIT_OK) {
        rc = matrix_run(&r, &out);
        rc = report_outcome(&out, r.lines, rc, all_rows);
        run_outcome_release(&out);
    }
    runnerkit_release(&kit);
    cache_release(&cache);
    registry_release(&reg);
    return rc;
}

int
cmd_run(int argc, char **argv)
{
    struct run_request req;
    int all_rows = run_options_take_flag(&argc, argv, "--all-rows") > 0;
    int rc;

    run_request_init(&req);
    req.lines = stdout;
    rc = run_options_parse(&req, argc, argv);
    if (rc > 0) {
        fputs(run_usage, stdout);
        for (const char *const *part = run_options_usage; *part; part++) {
            fputs(*part, stdout);
        }
        fputs(run_options_all_rows_usage, stdout);
        fputs(run_options_tests_usage, stdout);
        fputs(run_usage_end, stdout);
        rc = LMX_EXIT_OK;
    }
    else {
        rc = rc < 0 ? LMX_EXIT_USAGE : cmd_run_request(&req, all_rows);
    }
    run_request_release(&req);
    return rc;
}
