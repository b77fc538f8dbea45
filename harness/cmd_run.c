/* cmd_run.c - `leakmatrix run`: every scenario on every selected
 * interpreter, one cell (one runner process) at a time, a line per cell as
 * it finishes, one JSON result per cell under --out, and a table at the
 * end.  The parallel matrix and richer reports come later; they will take
 * cells from here unchanged.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cell.h"
#include "cmd.h"
#include "result.h"
#include "util.h"

#define MAX_PYTHONS 256

static const char run_usage[] =
    "usage: leakmatrix run SCENARIO... [options]\n"
    "\n"
    "Runs each scenario on each selected interpreter, each cell in its own\n"
    "runner process: warm-up rounds (discarded), then counted rounds of N\n"
    "iterations; after each round gc.collect() and readings of RSS,\n"
    "threads, fds, total refs (debug builds), singleton refcounts, blocks,\n"
    "gc objects and the scenario's inspect() gauges.  Each metric gets a\n"
    "verdict (leak, over-release, clean, suspect); a crash, hang or\n"
    "exception is the cell's result.\n"
    "\n"
    "options:\n"
    "  --python SEL      a tag (3.11.2-debug) or version prefix (3.11 = every\n"
    "                    3.11.x); repeatable; default: every embeddable one\n"
    "  --set NAME=VALUE  override a scenario PARAMS entry (typed by its\n"
    "                    default); repeatable\n"
    "  --warmup N        warm-up rounds, discarded (default: the scenario's\n"
    "                    WARMUP, else 3; >= 1)\n"
    "  --rounds N        counted rounds (default 5, >= 2)\n"
    "  --max-rounds N    rounds allowed while a metric is inconclusive\n"
    "                    (default 12)\n"
    "  --iterations N    iterations per round (default: the scenario's\n"
    "                    ITERATIONS, else 100)\n"
    "  --census          count live objects per type each round and report\n"
    "                    the types that grow (slower)\n"
    "  --timeout S       seconds per cell before it is killed as hung\n"
    "                    (default 300)\n"
    "  --out DIR         where result JSON goes (default\n"
    "                    results/<UTC date-time>/ in the source tree)\n"
    "  --keep-python-env pass PYTHON* environment variables to runners\n"
    "                    (stripped by default)\n"
    "  -q, --quiet       no per-round progress\n"
    "\n"
    "exit codes: 0 every cell clean or skipped; 1 any leak, over-release,\n"
    "suspect, crash, timeout or error; 2 usage error; 3 infrastructure\n"
    "failure (no runner for a selected interpreter, a runner that does\n"
    "not start).\n";

struct run_opts {
    struct strvec scenarios;
    struct strvec pythons;
    struct strvec sets;
    unsigned long warmup;
    unsigned long rounds;
    unsigned long max_rounds;
    unsigned long iterations;
    int census;
    double timeout_s;
    const char *out;
    int keep_python_env;
    int quiet;
};

/* "--name value" or "--name=value"; advances *i past what it used. */
static const char *
option_value(int argc, char **argv, int *i, const char *name, int *matched)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];

    *matched = 0;
    if (strncmp(arg, name, n) != 0) {
        return NULL;
    }
    if (arg[n] == '=') {
        *matched = 1;
        return arg + n + 1;
    }
    if (arg[n] != '\0') {
        return NULL;
    }
    *matched = 1;
    if (*i + 1 >= argc) {
        return NULL;
    }
    return argv[++*i];
}

static int
parse_count(const char *name, const char *value, unsigned long min,
            unsigned long *out)
{
    if (value == NULL || util_parse_uint(value, 100000000UL, out) < 0
        || *out < min) {
        lmx_error("run: %s needs a whole number >= %lu, got '%s'", name, min,
                  value ? value : "");
        return -1;
    }
    return 0;
}

static int
parse_args(int argc, char **argv, struct run_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val;
        int m;

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(run_usage, stdout);
            return 1;
        }
        if (strcmp(arg, "--census") == 0) {
            o->census = 1;
            continue;
        }
        if (strcmp(arg, "--keep-python-env") == 0) {
            o->keep_python_env = 1;
            continue;
        }
        if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
            o->quiet = 1;
            continue;
        }
        val = option_value(argc, argv, &i, "--python", &m);
        if (m) {
            if (val == NULL || *val == '\0') {
                lmx_error("run: --python needs a tag or version, e.g. "
                          "--python 3.11");
                return -1;
            }
            strvec_push(&o->pythons, val);
            continue;
        }
        val = option_value(argc, argv, &i, "--set", &m);
        if (m) {
            if (val == NULL || strchr(val, '=') == NULL || *val == '=') {
                lmx_error("run: --set needs NAME=VALUE, got '%s'",
                          val ? val : "");
                return -1;
            }
            strvec_push(&o->sets, val);
            continue;
        }
        val = option_value(argc, argv, &i, "--warmup", &m);
        if (m) {
            if (parse_count("--warmup", val, 1, &o->warmup) < 0) {
                return -1;
            }
            continue;
        }
        val = option_value(argc, argv, &i, "--rounds", &m);
        if (m) {
            if (parse_count("--rounds", val, 2, &o->rounds) < 0) {
                return -1;
            }
            continue;
        }
        val = option_value(argc, argv, &i, "--max-rounds", &m);
        if (m) {
            if (parse_count("--max-rounds", val, 2, &o->max_rounds) < 0) {
                return -1;
            }
            continue;
        }
        val = option_value(argc, argv, &i, "--iterations", &m);
        if (m) {
            if (parse_count("--iterations", val, 1, &o->iterations) < 0) {
                return -1;
            }
            continue;
        }
        val = option_value(argc, argv, &i, "--timeout", &m);
        if (m) {
            if (val == NULL || util_parse_double(val, &o->timeout_s) < 0
                || o->timeout_s <= 0 || o->timeout_s > 604800) {
                lmx_error("run: --timeout needs seconds between 0 and "
                          "604800 (a week), got '%s'",
                          val ? val : "");
                return -1;
            }
            continue;
        }
        val = option_value(argc, argv, &i, "--out", &m);
        if (m) {
            if (val == NULL || *val == '\0') {
                lmx_error("run: --out needs a directory");
                return -1;
            }
            o->out = val;
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
    if (o->max_rounds < o->rounds) {
        o->max_rounds = o->rounds;
    }
    return 0;
}

/* Resolves scenario paths: each must be a readable regular file. */
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
        /* Results are named after the file: two x.py would overwrite
         * each other's. */
        for (size_t j = 0; j < abs->nr; j++) {
            if (strcmp(result_scenario_name(abs->v[j]),
                       result_scenario_name(real)) == 0) {
                lmx_error("run: %s and %s have the same file name, so their "
                          "results would collide; rename one",
                          abs->v[j], real);
                free(real);
                return -1;
            }
        }
        strvec_push(abs, real);
        free(real);
    }
    return 0;
}

static int
select_pythons(const struct run_opts *o, const struct registry *reg,
               struct python **sel, size_t *nsel)
{
    *nsel = 0;
    if (o->pythons.nr == 0) {
        for (size_t i = 0; i < reg->nr && *nsel < MAX_PYTHONS; i++) {
            if (reg->v[i].embeddable) {
                sel[(*nsel)++] = &reg->v[i];
            }
        }
        if (*nsel == 0) {
            lmx_error("run: no embeddable interpreter found; see "
                      "`leakmatrix pythons list` and README.md");
            return LMX_EXIT_INFRA;
        }
        return 0;
    }
    for (size_t i = 0; i < o->pythons.nr; i++) {
        const char *s = o->pythons.v[i];
        if (registry_select(reg, s, sel, nsel, MAX_PYTHONS) == 0) {
            lmx_error("run: unknown interpreter '%s'; `leakmatrix pythons "
                      "list` shows the tags",
                      s);
            return LMX_EXIT_USAGE;
        }
    }
    for (size_t i = 0; i < *nsel; i++) {
        if (!sel[i]->embeddable) {
            lmx_error("run: %s cannot be embedded: %s", sel[i]->tag,
                      sel[i]->why_not);
            return LMX_EXIT_USAGE;
        }
    }
    return 0;
}

static char *
default_out_dir(void)
{
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    return xasprintf("%s/results/%s", LMX_SOURCE_ROOT, stamp);
}

int
cmd_run(int argc, char **argv)
{
    struct run_opts o = {
        STRVEC_INIT, STRVEC_INIT, STRVEC_INIT, 0, 5, 12, 0, 0, 300.0, NULL,
        0, 0,
    };
    struct strvec scen = STRVEC_INIT;
    struct registry reg = REGISTRY_INIT;
    struct python *sel[MAX_PYTHONS];
    size_t nsel = 0;
    char *out_dir = NULL;
    struct result_table table;
    int rc;

    result_table_init(&table);
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
    if (rc != LMX_EXIT_OK) {
        goto out;
    }
    rc = select_pythons(&o, &reg, sel, &nsel);
    if (rc != 0) {
        goto out;
    }
    for (size_t i = 0; i < nsel; i++) {
        if (sel[i]->runner == NULL) {
            lmx_error("run: no runner built for %s; run `leakmatrix "
                      "pythons sync` to build it",
                      sel[i]->tag);
            rc = LMX_EXIT_INFRA;
            goto out;
        }
    }
    out_dir = o.out ? xstrdup(o.out) : default_out_dir();
    int made_out_dir = !path_exists(out_dir);
    if (util_mkdir_p(out_dir, 0755) < 0) {
        lmx_error("run: cannot create %s: %s", out_dir, strerror(errno));
        rc = LMX_EXIT_USAGE;
        goto out;
    }

    size_t total = scen.nr * nsel, done = 0;
    int findings = 0, infra = 0, usage = 0;
    size_t written = 0;
    fprintf(stderr, "leakmatrix: %zu cell%s (%zu scenario%s x %zu "
                    "interpreter%s), results in %s\n",
            total, total == 1 ? "" : "s", scen.nr, scen.nr == 1 ? "" : "s",
            nsel, nsel == 1 ? "" : "s", out_dir);
    for (size_t s = 0; s < scen.nr && !usage; s++) {
        for (size_t p = 0; p < nsel && !usage; p++) {
            struct cell_spec spec = {
                sel[p], scen.v[s], (const char *const *)o.sets.v, o.warmup,
                o.rounds, o.max_rounds, o.iterations, o.census, o.timeout_s,
                0, o.keep_python_env,
            };
            struct cell_result res;
            int tty = isatty(2);
            done++;
            if (!o.quiet && tty) {
                fprintf(stderr, "[%zu/%zu] %s on %s ...\n", done, total,
                        scen.v[s], sel[p]->tag);
            }
            cell_run(&spec, &res);
            if (res.kind == CELL_USAGE) {
                /* The scenario rejected --set: a usage error, not a
                 * result; nothing is written. */
                lmx_error("run: %s: %s", result_scenario_name(scen.v[s]),
                          res.message);
                usage = 1;
            }
            else if (res.kind == CELL_INFRA) {
                lmx_error("%s on %s: %s", scen.v[s], sel[p]->tag,
                          res.message);
                infra = 1;
                result_table_add(&table, scen.v[s], sel[p]->tag, "error",
                                 res.message);
            }
            else {
                char *path = NULL;
                if (result_write(res.doc, out_dir, scen.v[s], sel[p]->tag,
                                 &path) < 0) {
                    lmx_error("cannot write the result of %s on %s to %s: "
                              "%s",
                              scen.v[s], sel[p]->tag, out_dir,
                              strerror(errno));
                    infra = 1;
                }
                else {
                    written++;
                }
                printf("%-14s %-28s %s\n", sel[p]->tag,
                       result_scenario_name(scen.v[s]), res.summary);
                fflush(stdout);
                result_table_add(&table, scen.v[s], sel[p]->tag,
                                 verdict_status_name(res.outcome.status),
                                 res.summary);
                if (outcome_is_finding(res.outcome.status)) {
                    findings = 1;
                }
                free(path);
            }
            cell_result_release(&res);
        }
    }
    if (total > 1 && !usage) {
        struct strbuf tb = STRBUF_INIT;
        result_table_render(&table, &tb);
        printf("\n%s", tb.buf);
        strbuf_release(&tb);
    }
    if (written == 0 && made_out_dir) {
        rmdir(out_dir);  /* ours, and nothing went in */
    }
    rc = usage ? LMX_EXIT_USAGE
         : infra ? LMX_EXIT_INFRA
         : findings ? LMX_EXIT_FINDINGS
                    : LMX_EXIT_OK;

out:
    result_table_release(&table);
    registry_release(&reg);
    strvec_clear(&scen);
    strvec_clear(&o.scenarios);
    strvec_clear(&o.pythons);
    strvec_clear(&o.sets);
    free(out_dir);
    return rc;
}
