/* runlibs.c - library sets of a command line, installed for the cells
 * that still have to run (runlibs.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matrix/runlibs.h"

int
run_libs_build(struct run_libs *rl, const char *cmd)
{
    struct strbuf err = STRBUF_INIT;

    if (rl->src.no_index && rl->src.find_links == NULL) {
        lmx_error("%s: --no-index needs --find-links DIR, where the "
                  "packages are", cmd);
        return -1;
    }
    if (rl->lib_args.nr) {
        rl->sets = xrealloc(rl->sets, (rl->nsets + 1) * sizeof(*rl->sets));
        libset_init(&rl->sets[rl->nsets]);
        if (libset_from_specs(&rl->sets[rl->nsets],
                              (const char *const *)rl->lib_args.v,
                              rl->lib_args.nr, &err) < 0) {
            lmx_error("%s: %s", cmd, err.buf);
            strbuf_release(&err);
            return -1;
        }
        rl->nsets++;
    }
    if (rl->libs_from
        && libset_read_file(rl->libs_from, &rl->sets, &rl->nsets, &err)
               < 0) {
        lmx_error("%s: %s", cmd, err.buf);
        strbuf_release(&err);
        return -1;
    }
    for (size_t i = 0; i < rl->nsets; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(rl->sets[i].name, rl->sets[j].name) == 0) {
                lmx_error("%s: the library set '%s' is given twice", cmd,
                          rl->sets[i].name);
                return -1;
            }
        }
    }
    return 0;
}

char *
run_libs_scenario_file(const char *scenario)
{
    size_t n = strlen(scenario);

    if (n > 3 && strcmp(scenario + n - 3, ".py") == 0) {
        return xasprintf("%.*s.libs", (int)(n - 3), scenario);
    }
    return xasprintf("%s.libs", scenario);
}

/* The index of a set named like `set` in rl->sets, appending (moving)
 * set there when there is none. */
static long
set_index(struct run_libs *rl, struct libset *set)
{
    for (size_t i = 0; i < rl->nsets; i++) {
        if (strcmp(rl->sets[i].name, set->name) == 0) {
            libset_release(set);
            return (long)i;
        }
    }
    rl->sets = xrealloc(rl->sets, (rl->nsets + 1) * sizeof(*rl->sets));
    rl->sets[rl->nsets] = *set;
    libset_init(set);
    return (long)rl->nsets++;
}

/* One scenario's own sets, when it has a SCENARIO.libs. */
static int
expand_scenario(struct run_libs *rl, struct plan *p, const char *scenario,
                const char *cmd)
{
    char *file = run_libs_scenario_file(scenario);
    struct strbuf err = STRBUF_INIT;
    struct libset *sets = NULL;
    size_t n = 0;
    int rc = 0;

    if (!path_exists(file)) {
        goto out;
    }
    if (libset_read_file(file, &sets, &n, &err) < 0) {
        lmx_error("%s: %s (the scenario's own library sets; "
                  "--no-scenario-libs ignores them)", cmd, err.buf);
        for (size_t k = 0; k < n; k++) {
            libset_release(&sets[k]);
        }
        rc = -1;
        goto out;
    }
    const char **names = xcalloc(n, sizeof(*names));
    long *which = xcalloc(n, sizeof(*which));
    for (size_t k = 0; k < n; k++) {
        which[k] = set_index(rl, &sets[k]);
    }
    for (size_t k = 0; k < n; k++) {
        names[k] = rl->sets[which[k]].name;
    }
    plan_expand_scenario_libsets(p, scenario, names, which, n);
    free(names);
    free(which);
out:
    free(sets);
    strbuf_release(&err);
    free(file);
    return rc;
}

int
run_libs_expand(struct run_libs *rl, struct plan *p, const char *cmd)
{
    if (rl->nsets) {
        const char **names = xcalloc(rl->nsets + 1, sizeof(*names));
        for (size_t i = 0; i < rl->nsets; i++) {
            names[i] = rl->sets[i].name;
        }
        plan_expand_libsets(p, names, rl->nsets);
        free(names);
        return 0;
    }
    if (rl->no_scenario_libs) {
        return 0;
    }
    struct strvec scenarios = STRVEC_INIT;
    for (size_t i = 0; i < p->nr; i++) {
        const char *s = p->v[i].spec.scenario;
        size_t k = 0;
        while (k < scenarios.nr && strcmp(scenarios.v[k], s) != 0) {
            k++;
        }
        if (k == scenarios.nr) {
            strvec_push(&scenarios, s);
        }
    }
    int rc = 0;
    for (size_t k = 0; k < scenarios.nr && rc == 0; k++) {
        rc = expand_scenario(rl, p, scenarios.v[k], cmd);
    }
    strvec_clear(&scenarios);
    return rc;
}

/* The install of (py, set), made now or earlier in this command. */
static struct libset_install *
install_for(struct run_libs *rl, const char *libs_root,
            const struct python *py, size_t set, int quiet)
{
    struct strbuf err = STRBUF_INIT;

    for (size_t i = 0; i < rl->ndone; i++) {
        if (rl->done[i].py == py && rl->done[i].set == set) {
            return &rl->done[i].inst;
        }
    }
    rl->done = xrealloc(rl->done, (rl->ndone + 1) * sizeof(*rl->done));
    struct run_libs_done *d = &rl->done[rl->ndone];
    d->py = py;
    d->set = set;
    libset_install_init(&d->inst);
    if (libset_ensure(libs_root, py, &rl->sets[set], &rl->src, quiet,
                      &d->inst, &err) < 0) {
        lmx_error("cannot use the library store %s: %s", libs_root,
                  err.buf);
        libset_install_release(&d->inst);
        strbuf_release(&err);
        return NULL;
    }
    rl->ndone++;
    if (d->inst.cached && d->inst.resolved) {
        rl->install_seconds += d->inst.seconds;
        if (!quiet) {
            fprintf(stderr, "leakmatrix: resolved '%s' for %s in %.1f s "
                    "(installed already)\n", rl->sets[set].name, py->tag,
                    d->inst.seconds);
        }
    }
    else if (!d->inst.cached) {
        rl->install_seconds += d->inst.seconds;
        if (!quiet && d->inst.ok) {
            fprintf(stderr, "leakmatrix: installed '%s' for %s in %.1f s\n",
                    rl->sets[set].name, py->tag, d->inst.seconds);
        }
    }
    if (!d->inst.ok) {
        lmx_warn("%s", d->inst.error);
    }
    return &d->inst;
}

const struct libset_install *
run_libs_install_cell(struct run_libs *rl, const char *libs_root,
                      struct plan_cell *pc, int quiet)
{
    struct libset_install *inst;

    inst = install_for(rl, rl->libs_dir ? rl->libs_dir : libs_root,
                       pc->spec.py, (size_t)pc->libset, quiet);
    if (inst != NULL) {
        pc->spec.libs = inst->meta;
        pc->spec.lib_path = inst->ok ? inst->site : NULL;
    }
    return inst;
}

long
run_libs_prepare(struct run_libs *rl, const char *libs_root, struct plan *p,
                 unsigned char *to_run, int quiet, run_libs_skip_fn on_skip,
                 void *ctx)
{
    long skipped = 0;

    for (size_t i = 0; i < p->nr; i++) {
        struct plan_cell *pc = &p->v[i];
        if (!to_run[i] || pc->libset < 0) {
            continue;
        }
        const struct libset_install *inst = run_libs_install_cell(
            rl, libs_root, pc, quiet);
        if (inst == NULL) {
            return -1;
        }
        if (inst->ok) {
            continue;
        }
        struct cell_result res;
        cell_result_init(&res);
        cell_skip_unrunnable(&pc->spec, inst->error, &res);
        to_run[i] = 0;
        skipped++;
        on_skip(pc, &res, ctx);
        cell_result_release(&res);
    }
    return skipped;
}

void
run_libs_release(struct run_libs *rl)
{
    strvec_clear(&rl->lib_args);
    for (size_t i = 0; i < rl->nsets; i++) {
        libset_release(&rl->sets[i]);
    }
    free(rl->sets);
    for (size_t i = 0; i < rl->ndone; i++) {
        libset_install_release(&rl->done[i].inst);
    }
    free(rl->done);
    memset(rl, 0, sizeof(*rl));
}
