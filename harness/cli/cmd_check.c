/* cmd_check.c - `leakmatrix check`: one run reduced to the exit code `git
 * bisect run` understands, so any repository (a C extension's, CPython's)
 * can be bisected with stock git:
 *
 *     git bisect start BAD GOOD
 *     git bisect run leakmatrix check scenarios/lz4_frame.py \
 *         --python 3.9.2 --lib "$PWD"
 *
 * The run itself is `leakmatrix run`'s (the same options, read by
 * run_options.c, run by cmd_run_request()), into a temporary results
 * directory unless --out is given; this file only reads its results back
 * and decides.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli/cmd.h"
#include "cli/run_options.h"
#include "matrix/result.h"
#include "matrix/run.h"

/* git bisect run: 125 = cannot test this revision, >= 128 = stop. */
#define CHECK_SKIP 125
#define CHECK_ABORT 128

static const char check_usage[] =
    "usage: leakmatrix check SCENARIO... [run options]\n"
    "\n"
    "Runs the scenarios like `leakmatrix run` (every run option works, e.g.\n"
    "--python, --lib, --set; results go to a temporary directory removed\n"
    "afterwards unless --out DIR is given) and answers with an exit code\n"
    "made for `git bisect run`:\n"
    "\n"
    "  0    every cell clean\n"
    "  1    a leak, over-release, crash or timeout in any cell\n"
    "  125  no regression, but a cell could not be tested: its library set\n"
    "       did not build or install, the scenario was skipped, raised an\n"
    "       error or stayed suspect (git bisect skips the revision)\n"
    "  128  usage or infrastructure error, or interrupted (git bisect run\n"
    "       stops)\n"
    "\n"
    "The last line says which, e.g. `check: bad: lz4_frame on 3.9.2 with\n"
    "/src/lz4tools: over-release None -1.0/it`.\n"
    "\n"
    "  git bisect run leakmatrix check scenarios/lz4_frame.py --python "
    "3.9.2 --lib \"$PWD\"\n";

/* The verdict over the results: 0, 1 or CHECK_SKIP, with the cell that
 * decided it in `why`. */
static int
decide(const struct result_set *set, struct strbuf *why)
{
    const struct result *skip = NULL;

    for (size_t i = 0; i < set->nr; i++) {
        const struct result *r = &set->v[i];
        if (outcome_is_regression(r->outcome.status)) {
            char *row = result_key_row(&r->key);
            strbuf_addf(why, "bad: %s on %s%s%s: %s", row, r->key.python,
                        r->key.libset[0] ? " with " : "", r->key.libset,
                        r->summary);
            free(row);
            return LMX_EXIT_FINDINGS;
        }
        if (r->outcome.status != VERDICT_STATUS_CLEAN && skip == NULL) {
            skip = r;
        }
    }
    if (skip) {
        char *row = result_key_row(&skip->key);
        strbuf_addf(why, "skip: %s on %s%s%s cannot be tested: %s", row,
                    skip->key.python, skip->key.libset[0] ? " with " : "",
                    skip->key.libset, skip->summary);
        free(row);
        return CHECK_SKIP;
    }
    strbuf_addf(why, "good: %zu cell%s clean", set->nr,
                set->nr == 1 ? "" : "s");
    return 0;
}

/* The run, into out, and its results read back into set.  0, or the
 * exit code of check after saying why. */
static int
check_run(const struct run_request *req, const char *out,
          struct result_set *set, int all_rows)
{
    int rc = cmd_run_request(req, all_rows);

    if (rc != LMX_EXIT_OK && rc != LMX_EXIT_FINDINGS) {
        if (rc != LMX_EXIT_USAGE) {
            /* A usage error has said what it is already. */
            lmx_error("check: the run failed (exit %d); stopping", rc);
        }
        return CHECK_ABORT;
    }
    if (result_set_load_dir(set, out, stderr) < 0 || set->nr == 0) {
        lmx_error("check: no result to judge in %s", out);
        return CHECK_ABORT;
    }
    return 0;
}

int
cmd_check(int argc, char **argv)
{
    struct run_request req;
    struct result_set set;
    struct strbuf why = STRBUF_INIT;
    char *tmp = NULL;
    int all_rows = run_options_take_flag(&argc, argv, "--all-rows") > 0;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(check_usage, stdout);
            return LMX_EXIT_OK;
        }
    }
    result_set_init(&set);
    run_request_init(&req);
    req.lines = stdout;
    if (run_options_parse(&req, argc, argv) != 0) {
        rc = CHECK_ABORT;
        goto out;
    }
    if (req.out == NULL) {
        tmp = xstrdup("/tmp/leakmatrix-check.XXXXXX");
        if (mkdtemp(tmp) == NULL) {
            lmx_error("check: cannot create a directory in /tmp: %s",
                      strerror(errno));
            rc = CHECK_ABORT;
            goto out;
        }
        req.out = tmp;
    }
    if ((rc = check_run(&req, req.out, &set, all_rows)) == 0) {
        rc = decide(&set, &why);
        printf("check: %s\n", why.buf);
        fflush(stdout);
    }
out:
    if (tmp) {
        util_rm_rf(tmp);
        free(tmp);
    }
    run_request_release(&req);
    strbuf_release(&why);
    result_set_release(&set);
    return rc;
}
