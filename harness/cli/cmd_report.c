/* cmd_report.c - `leakmatrix report`: reads result directories (several:
 * the slices of a CI matrix) and renders the grid in one format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/proto.h"
#include "cli/cmd.h"
#include "report/report.h"
#include "base/opt.h"
#include "matrix/result.h"
#include "base/util.h"

static const char report_usage[] =
    "usage: leakmatrix report DIR... [--format F | --imports] [--all-rows]\n"
    "                         [-o FILE]\n"
    "\n"
    "Reads the results in each DIR (written by `leakmatrix run`; several\n"
    "directories are merged, e.g. the slices of a CI matrix) and renders\n"
    "the grid: one row per scenario and parameter set, one column per\n"
    "interpreter in version order, the cells where the verdict changes\n"
    "marked and said in words below; a test's rows under its file or\n"
    "class.  The same cell in two directories: the newer result is\n"
    "kept, with a warning.  Files that are not results leakmatrix can\n"
    "trust are skipped with a warning.\n"
    "\n"
    "options:\n"
    "  --format F   text (default), markdown, html, json, junit or csv\n"
    "  --imports    instead of the grid, per cell: the library set, which\n"
    "               module provided each capability the scenario declares\n"
    "               (PROVIDES), and the third-party distributions imported\n"
    "  --all-rows   every row: by default text, markdown and html show,\n"
    "               of a grid of more than " LMX_STR(REPORT_ROWS_ALWAYS_SHOWN)
    " rows, only those with a\n"
    "               finding or a verdict that differs across columns, and\n"
    "               count the rest (json, junit and csv have every row)\n"
    "  -o FILE      write to FILE (atomically) instead of stdout\n"
    "\n"
    "exit codes: 0 rendered; 2 usage error (bad option, a DIR that does\n"
    "not exist or holds no result); 3 FILE cannot be written.\n";

int
cmd_report_load(const char *cmd, char **dirs, size_t ndirs,
                struct result_set *set)
{
    for (size_t i = 0; i < ndirs; i++) {
        size_t before = set->nr + set->replaced;
        if (!path_is_dir(dirs[i])) {
            lmx_error("%s: %s is not a results directory (%s); give the "
                      "--out DIR of a `leakmatrix run`",
                      cmd, dirs[i],
                      path_exists(dirs[i]) ? "not a directory"
                                           : "it does not exist");
            return LMX_EXIT_USAGE;
        }
        if (result_set_load_dir(set, dirs[i], stderr) < 0) {
            lmx_error("%s: cannot read %s: %s", cmd, dirs[i],
                      strerror(errno));
            return LMX_EXIT_USAGE;
        }
        if (set->nr + set->replaced == before) {
            lmx_error("%s: %s holds no leakmatrix result; run `leakmatrix "
                      "run ... --out %s` first",
                      cmd, dirs[i], dirs[i]);
            return LMX_EXIT_USAGE;
        }
    }
    return 0;
}

enum { REPORT_FLAG_IMPORTS = 1, REPORT_FLAG_ALL = 2 };

/* Reads report's arguments into dirs, *format, *out and *flags.
 * Returns 0, 1 for --help (printed), or -1 after a message. */
static int
parse_report_args(int argc, char **argv, struct strvec *dirs, int *format,
                  const char **out, int *flags)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val;
        int m;

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(report_usage, stdout);
            return 1;
        }
        if (strcmp(arg, "--imports") == 0) {
            *flags |= REPORT_FLAG_IMPORTS;
            continue;
        }
        if (strcmp(arg, "--all-rows") == 0) {
            *flags |= REPORT_FLAG_ALL;
            continue;
        }
        val = opt_value(argc, argv, &i, "-o", &m);
        if (!m) {
            val = opt_value(argc, argv, &i, "--format", &m);
        }
        if (m) {
            if (val == NULL) {
                lmx_error("report: %s needs a value", arg);
                return -1;
            }
            if (strcmp(arg, "-o") == 0) {
                *out = val;
            }
            else if ((*format = report_format_from_name(val)) < 0) {
                lmx_error("report: unknown format '%s'; use text, markdown, "
                          "html, json, junit or csv",
                          val);
                return -1;
            }
            continue;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            lmx_error("report: unknown option '%s'; see `leakmatrix report "
                      "--help`",
                      arg);
            return -1;
        }
        strvec_push(dirs, arg);
    }
    return 0;
}

int
cmd_report(int argc, char **argv)
{
    struct strvec dirs = STRVEC_INIT;
    int format = REPORT_TEXT;
    const char *out = NULL;
    int flags = 0;
    struct result_set set;
    int rc;

    result_set_init(&set);
    rc = parse_report_args(argc, argv, &dirs, &format, &out, &flags);
    if (rc != 0) {
        rc = rc > 0 ? LMX_EXIT_OK : LMX_EXIT_USAGE;
        goto out;
    }
    rc = LMX_EXIT_USAGE;
    if (dirs.nr == 0) {
        lmx_error("report: no results directory given; e.g. `leakmatrix "
                  "report results/20261201-120000`");
        goto out;
    }
    rc = cmd_report_load("report", dirs.v, dirs.nr, &set);
    if (rc != 0) {
        goto out;
    }
    struct report_grid g;
    struct strbuf sb = STRBUF_INIT;
    report_grid_build(&g, &set);
    if (flags & REPORT_FLAG_ALL) {
        report_grid_show_all(&g);
    }
    if (flags & REPORT_FLAG_IMPORTS) {
        report_render_imports(&g, &sb);
    }
    else {
        report_render(&g, (enum report_format)format, &sb);
    }
    report_grid_release(&g);
    rc = LMX_EXIT_OK;
    if (out) {
        if (util_write_file_atomic(out, sb.buf, sb.len) < 0) {
            lmx_error("report: cannot write %s: %s", out, strerror(errno));
            rc = LMX_EXIT_INFRA;
        }
    }
    else {
        fwrite(sb.buf, 1, sb.len, stdout);
    }
    strbuf_release(&sb);

out:
    result_set_release(&set);
    strvec_clear(&dirs);
    return rc;
}
