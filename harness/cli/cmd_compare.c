/* cmd_compare.c - `leakmatrix compare BASE CANDIDATE`: the pre-upgrade
 * gate.  For every cell present on both sides (matched on everything but
 * the interpreter) it says whether the candidate introduced, kept or fixed
 * a finding, with both figures, and exits 1 when the candidate introduces
 * a leak, over-release, crash or timeout.
 *
 * BASE and CANDIDATE are result directories, or interpreter selections
 * (one interpreter each) followed by scenarios, which are then run on the
 * spot as `run` runs them (run_options.c, cmd_run_request()) into one
 * output directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/proto.h"
#include "cli/cmd.h"
#include "cli/run_options.h"
#include "matrix/plan.h"
#include "report/report.h"
#include "matrix/result.h"
#include "matrix/run.h"
#include "base/util.h"

static const char compare_usage[] =
    "usage: leakmatrix compare BASE_DIR CANDIDATE_DIR\n"
    "       leakmatrix compare BASE CANDIDATE SCENARIO... [run options]\n"
    "\n"
    "The pre-upgrade gate.  With two result directories (each from `run\n"
    "--out`, e.g. one per interpreter from a CI matrix), or two\n"
    "interpreters (a tag or version prefix that selects one each, e.g.\n"
    "3.6.15 3.7.16) and the scenarios to run on both, matches every cell\n"
    "on everything but the interpreter and says what the candidate did:\n"
    "  introduced  a finding the base does not have\n"
    "  fixed       a finding of the base it does not have\n"
    "  kept        a finding both have (both figures shown)\n"
    "  clean       neither has one\n"
    "  skipped     skipped on either side\n"
    "A cell on one side only is reported as missing.  Run options (--set,\n"
    "--vary, -j, --out, ...) are those of `leakmatrix run`.  More than\n"
    LMX_STR(REPORT_ROWS_ALWAYS_SHOWN) " cells: the clean and skipped ones are counted, not listed\n"
    "(--all-rows lists them, and shows every row of the grid of a run).\n"
    "\n"
    "exit codes: 0 the candidate introduces no leak, over-release, crash\n"
    "or timeout; 1 it does; 2 usage error (also: a side that holds one\n"
    "cell on several interpreters); 3 infrastructure failure.\n";

enum change { CH_CLEAN, CH_INTRODUCED, CH_FIXED, CH_KEPT, CH_SKIPPED };

static const char *const change_names[] = {"clean", "introduced", "fixed",
                                           "kept", "skipped"};

static enum change
classify(const struct result *base, const struct result *cand)
{
    enum verdict_status b = base->outcome.status, c = cand->outcome.status;
    if (b == VERDICT_STATUS_SKIPPED || c == VERDICT_STATUS_SKIPPED) {
        return CH_SKIPPED;
    }
    int bf = outcome_is_finding(b), cf = outcome_is_finding(c);
    return bf && cf ? CH_KEPT : bf ? CH_FIXED : cf ? CH_INTRODUCED : CH_CLEAN;
}

/* The one result of set with this key but for the interpreter; NULL when
 * none.  -1 in *ambiguous when there are several. */
static const struct result *
find_side(const struct result_set *set, const struct result_key *key,
          int *ambiguous)
{
    const struct result *found = NULL;
    for (size_t i = 0; i < set->nr; i++) {
        if (result_key_equal(&set->v[i].key, key, 1)) {
            if (found) {
                *ambiguous = 1;
            }
            found = &set->v[i];
        }
    }
    return found;
}

static int
check_one_python(const struct result_set *set, const char *side)
{
    for (size_t i = 0; i < set->nr; i++) {
        int ambiguous = 0;
        find_side(set, &set->v[i].key, &ambiguous);
        if (ambiguous) {
            char *row = result_key_row(&set->v[i].key);
            lmx_error("compare: the %s side holds %s on more than one "
                      "interpreter; compare one interpreter per side (one "
                      "results directory each, or two tags)",
                      side, row);
            free(row);
            return -1;
        }
    }
    return 0;
}

static void
add_cell(const struct result *r, struct strbuf *sb)
{
    strbuf_addf(sb, "%s: ", r->key.python);
    report_cell_text(r, sb);
}

/* Prints one line per cell (but for clean and skipped ones when there are
 * more than REPORT_ROWS_ALWAYS_SHOWN cells, unless all_rows) and returns
 * how many regressions the candidate introduced. */
static size_t
compare_sets(const struct result_set *base, const struct result_set *cand,
             int all_rows)
{
    size_t count[5] = {0}, regressions = 0, missing = 0, unlisted = 0;
    int quiet = !all_rows && base->nr > REPORT_ROWS_ALWAYS_SHOWN;

    for (size_t i = 0; i < base->nr; i++) {
        const struct result *b = &base->v[i];
        int amb = 0;
        const struct result *c = find_side(cand, &b->key, &amb);
        char *row = result_key_row(&b->key);
        struct strbuf line = STRBUF_INIT;
        if (c == NULL) {
            strbuf_addf(&line, "%-12s %s: only in the base (", "missing",
                        row);
            add_cell(b, &line);
            strbuf_adds(&line, ")");
            missing++;
        }
        else {
            enum change ch = classify(b, c);
            count[ch]++;
            if (ch == CH_INTRODUCED && outcome_is_regression(
                                           c->outcome.status)) {
                regressions++;
            }
            strbuf_addf(&line, "%-12s %s: ", change_names[ch], row);
            add_cell(b, &line);
            strbuf_adds(&line, " -> ");
            add_cell(c, &line);
            if (quiet && (ch == CH_CLEAN || ch == CH_SKIPPED)) {
                strbuf_reset(&line);
                unlisted++;
            }
        }
        if (line.len) {
            printf("%s\n", line.buf);
        }
        strbuf_release(&line);
        free(row);
    }
    for (size_t i = 0; i < cand->nr; i++) {
        int amb = 0;
        if (find_side(base, &cand->v[i].key, &amb) == NULL) {
            char *row = result_key_row(&cand->v[i].key);
            struct strbuf line = STRBUF_INIT;
            add_cell(&cand->v[i], &line);
            printf("%-12s %s: only in the candidate (%s)\n", "missing", row,
                   line.buf);
            strbuf_release(&line);
            free(row);
            missing++;
        }
    }
    printf("\ncompare: %zu introduced (%zu of them leak, over-release, "
           "crash or timeout), %zu fixed, %zu kept, %zu clean, %zu skipped, "
           "%zu missing on one side\n",
           count[CH_INTRODUCED], regressions, count[CH_FIXED],
           count[CH_KEPT], count[CH_CLEAN], count[CH_SKIPPED], missing);
    if (unlisted) {
        printf("compare: %zu clean or skipped not listed; --all-rows to "
               "list them\n", unlisted);
    }
    return regressions;
}

/* The results of one side of the run directory: those on tag. */
static void
side_of(const struct result_set *all, const char *tag, struct result_set *out)
{
    for (size_t i = 0; i < all->nr; i++) {
        if (strcmp(all->v[i].key.python, tag) == 0) {
            struct result r;
            struct strbuf err = STRBUF_INIT;
            result_init(&r);
            if (result_from_doc(all->v[i].doc, all->v[i].path, &r, &err)
                == 0) {
                result_set_add(out, &r, NULL);
            }
            result_release(&r);
            strbuf_release(&err);
        }
    }
}

/* One interpreter for a selector, or NULL with the message printed. */
static const struct python *
one_python(const struct registry *reg, const char *sel)
{
    struct python *out[64];
    size_t n = 0;
    struct strbuf err = STRBUF_INIT;
    const char *const sels[] = {sel};

    if (plan_select_pythons(reg, sels, 1, out, &n, 64, &err) != 0) {
        lmx_error("compare: %s", err.buf);
        strbuf_release(&err);
        return NULL;
    }
    strbuf_release(&err);
    if (n != 1) {
        lmx_error("compare: '%s' selects %zu interpreters; give the tag of "
                  "one (`leakmatrix pythons list` shows them)",
                  sel, n);
        return NULL;
    }
    return out[0];
}

/* compare TAG TAG SCENARIO... [run options]: runs both, then compares. */
static int
compare_run(int argc, char **argv, struct result_set *base,
            struct result_set *cand, int all_rows)
{
    struct registry reg = REGISTRY_INIT;
    struct run_request req;
    struct result_set all;
    char *out = NULL;
    int rc = cmd_load_registry(&reg, CMD_REGISTRY_CACHED);

    result_set_init(&all);
    run_request_init(&req);
    if (rc != 0) {
        goto done;
    }
    const struct python *b = one_python(&reg, argv[1]);
    const struct python *c = b ? one_python(&reg, argv[2]) : NULL;
    if (c == NULL) {
        rc = LMX_EXIT_USAGE;
        goto done;
    }
    strvec_push(&req.pythons, b->tag);
    strvec_push(&req.pythons, c->tag);
    req.lines = stdout;
    req.reg = &reg;
    /* argv[3..]: scenarios and run options, as `run` reads them. */
    if (run_options_parse(&req, argc - 2, argv + 2) != 0) {
        rc = LMX_EXIT_USAGE;
        goto done;
    }
    out = req.out ? xstrdup(req.out) : run_default_out_dir("-compare");
    req.out = out;
    rc = cmd_run_request(&req, all_rows);
    if (rc != LMX_EXIT_OK && rc != LMX_EXIT_FINDINGS) {
        goto done;
    }
    rc = 0;
    printf("\n");
    if (result_set_load_dir(&all, out, stderr) < 0) {
        lmx_error("compare: cannot read %s: %s", out, strerror(errno));
        rc = LMX_EXIT_INFRA;
        goto done;
    }
    side_of(&all, b->tag, base);
    side_of(&all, c->tag, cand);
done:
    result_set_release(&all);
    run_request_release(&req);
    registry_release(&reg);
    free(out);
    return rc;
}

int
cmd_compare(int argc, char **argv)
{
    struct result_set base, cand;
    int all_rows = run_options_take_flag(&argc, argv, "--all-rows") > 0;
    int rc = LMX_EXIT_USAGE;

    result_set_init(&base);
    result_set_init(&cand);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(compare_usage, stdout);
            return LMX_EXIT_OK;
        }
    }
    if (argc < 3) {
        lmx_error("compare: needs BASE and CANDIDATE: two results "
                  "directories, or two interpreters and scenarios (see "
                  "`leakmatrix compare --help`)");
        return LMX_EXIT_USAGE;
    }
    if (path_is_dir(argv[1]) && path_is_dir(argv[2])) {
        if (argc > 3) {
            lmx_error("compare: two results directories take nothing "
                      "more; to run scenarios, give two interpreters");
            goto out;
        }
        rc = cmd_report_load("compare", &argv[1], 1, &base);
        if (rc == 0) {
            rc = cmd_report_load("compare", &argv[2], 1, &cand);
        }
    }
    else if (argc < 4) {
        lmx_error("compare: '%s' and '%s' are not both results directories; "
                  "to run scenarios on two interpreters give them too, e.g. "
                  "`leakmatrix compare 3.6.15 3.7.16 "
                  "scenarios/threading_server.py`",
                  argv[1], argv[2]);
        goto out;
    }
    else {
        rc = compare_run(argc, argv, &base, &cand, all_rows);
    }
    if (rc != 0) {
        goto out;
    }
    if (check_one_python(&base, "base") < 0
        || check_one_python(&cand, "candidate") < 0) {
        rc = LMX_EXIT_USAGE;
        goto out;
    }
    rc = compare_sets(&base, &cand, all_rows) ? LMX_EXIT_FINDINGS
                                              : LMX_EXIT_OK;
out:
    result_set_release(&base);
    result_set_release(&cand);
    return rc;
}
