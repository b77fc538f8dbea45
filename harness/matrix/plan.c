/* plan.c - the cells of a command line. */
#include "matrix/plan.h"
#include "base/digest.h"

#include <stdlib.h>
#include <string.h>

int
plan_parse_vary(const char *arg, struct plan_vary *v, struct strbuf *err)
{
    const char *eq = strchr(arg, '=');

    memset(v, 0, sizeof(*v));
    if (eq == NULL || eq == arg || eq[1] == '\0') {
        strbuf_addf(err, "--vary needs NAME=V1,V2,..., got '%s'", arg);
        return -1;
    }
    v->name = xstrndup(arg, (size_t)(eq - arg));
    for (const char *p = eq + 1;;) {
        size_t n = strcspn(p, ",");
        if (n == 0) {
            strbuf_addf(err, "--vary %s has an empty value; give values "
                             "separated by single commas",
                        v->name);
            plan_vary_release(v);
            return -1;
        }
        char *value = xstrndup(p, n);
        for (size_t i = 0; i < v->values.nr; i++) {
            if (strcmp(v->values.v[i], value) == 0) {
                strbuf_addf(err, "--vary %s names the value '%s' twice",
                            v->name, value);
                free(value);
                plan_vary_release(v);
                return -1;
            }
        }
        strvec_push(&v->values, value);
        free(value);
        if (p[n] == '\0') {
            break;
        }
        p += n + 1;
    }
    return 0;
}

void
plan_vary_release(struct plan_vary *v)
{
    free(v->name);
    strvec_clear(&v->values);
    memset(v, 0, sizeof(*v));
}

/* The next numeric component of a version, advancing *p past it and its
 * dot; -1 at the end.  "14.0rc1" reads 14, then 0. */
static long
next_component(const char **p)
{
    const char *s = *p;
    if (*s == '\0' || *s < '0' || *s > '9') {
        return -1;
    }
    long v = strtol(s, (char **)&s, 10);
    while (*s && *s != '.') {
        s++;  /* "0rc1": the pre-release tail does not order here */
    }
    if (*s == '.') {
        s++;
    }
    *p = s;
    return v;
}

int
plan_version_cmp_prefix(const char *version, const char *bound)
{
    const char *a = version, *b = bound;
    for (;;) {
        long y = next_component(&b);
        if (y < 0) {
            return 0;
        }
        long x = next_component(&a);
        if (x != y) {
            return x < y ? -1 : 1;
        }
    }
}

static int
valid_bound(const char *s)
{
    const char *p = s;
    if (*s == '\0') {
        return 1;  /* an open end */
    }
    while (next_component(&p) >= 0) {
    }
    return *p == '\0' && p != s;
}

static void
push_unique(struct python **out, size_t *nout, size_t max, struct python *py)
{
    for (size_t j = 0; j < *nout; j++) {
        if (out[j] == py) {
            return;
        }
    }
    if (*nout < max) {
        out[(*nout)++] = py;
    }
}

/* "3.7..3.11": every interpreter whose version lies within, inclusive. */
static int
select_range(const struct registry *reg, const char *sel, struct python **out,
             size_t *nout, size_t max, struct strbuf *err)
{
    const char *dots = strstr(sel, "..");
    char *lo = xstrndup(sel, (size_t)(dots - sel));
    const char *hi = dots + 2;
    size_t found = 0;
    int rc = LMX_EXIT_USAGE;

    if (!valid_bound(lo) || !valid_bound(hi) || (!*lo && !*hi)) {
        strbuf_addf(err, "'%s' is not a version range; write e.g. "
                         "--python 3.7..3.11",
                    sel);
        goto out;
    }
    for (size_t i = 0; i < reg->nr; i++) {
        struct python *py = &reg->v[i];
        if ((*lo && plan_version_cmp_prefix(py->version, lo) < 0)
            || (*hi && plan_version_cmp_prefix(py->version, hi) > 0)
            || !py->embeddable) {
            continue;
        }
        found++;
        push_unique(out, nout, max, py);
    }
    if (found == 0) {
        strbuf_addf(err, "no embeddable interpreter in the range %s; "
                         "`leakmatrix pythons list` shows them",
                    sel);
        goto out;
    }
    rc = 0;
out:
    free(lo);
    return rc;
}

static int
select_all(const struct registry *reg, struct python **out, size_t *nout,
           size_t max, struct strbuf *err)
{
    size_t before = *nout;
    for (size_t i = 0; i < reg->nr; i++) {
        if (reg->v[i].embeddable) {
            push_unique(out, nout, max, &reg->v[i]);
        }
    }
    if (*nout == before && before == 0) {
        strbuf_adds(err, "no embeddable interpreter found; see `leakmatrix "
                         "pythons list` and docs/interpreters.md");
        return LMX_EXIT_INFRA;
    }
    return 0;
}

/* A tag no interpreter answers to: leakmatrix's own build that cannot
 * run is this machine's trouble (exit 3), anything else a typo (2). */
static int
unknown_python(const struct registry *reg, const char *tag,
               struct strbuf *err)
{
    const char *why = registry_broken(reg, tag);

    if (why) {
        strbuf_addf(err, "%s is built in the cache but cannot run: %s; "
                         "build it again with `leakmatrix pythons build "
                         "--force` and what it was built from (`leakmatrix "
                         "pythons list` names it for the others)",
                    tag, why);
        return LMX_EXIT_INFRA;
    }
    strbuf_addf(err, "unknown interpreter '%s'; `leakmatrix pythons list` "
                     "shows the tags",
                tag);
    return LMX_EXIT_USAGE;
}

int
plan_select_pythons(const struct registry *reg, const char *const *sels,
                    size_t nsels, struct python **out, size_t *nout,
                    size_t max, struct strbuf *err)
{
    *nout = 0;
    if (nsels == 0) {
        return select_all(reg, out, nout, max, err);
    }
    for (size_t i = 0; i < nsels; i++) {
        const char *s = sels[i];
        int rc = 0;
        if (strcmp(s, "all") == 0) {
            rc = select_all(reg, out, nout, max, err);
        }
        else if (strstr(s, "..")) {
            rc = select_range(reg, s, out, nout, max, err);
        }
        else if (registry_select(reg, s, out, nout, max) == 0) {
            rc = unknown_python(reg, s, err);
        }
        if (rc) {
            return rc;
        }
    }
    for (size_t i = 0; i < *nout; i++) {
        if (!out[i]->embeddable) {
            /* A version leakmatrix refuses is the user's choice; no
             * headers (python3.X-dev) or no shared libpython is this
             * machine's, and why_not names what to install. */
            strbuf_addf(err, "%s cannot be embedded: %s", out[i]->tag,
                        out[i]->why_not);
            return registry_version_supported(out[i]->hexversion)
                       ? LMX_EXIT_INFRA
                       : LMX_EXIT_USAGE;
        }
    }
    return 0;
}

static int
same_name(const char *set, const char *name)
{
    size_t n = strlen(name);
    return strncmp(set, name, n) == 0 && set[n] == '=';
}

static void
add_cell(struct plan *p, const struct cell_spec *base, const char *scenario,
         const char *digest, struct python *py, const char *const *sets,
         const struct plan_vary *varies, size_t nvaries, const size_t *pick)
{
    p->v = xrealloc(p->v, (p->nr + 1) * sizeof(*p->v));
    struct plan_cell *pc = &p->v[p->nr++];
    struct strvec blank = STRVEC_INIT;

    memset(pc, 0, sizeof(*pc));
    pc->sets = blank;
    for (const char *const *s = sets; s && *s; s++) {
        strvec_push(&pc->sets, *s);
    }
    for (size_t i = 0; i < nvaries; i++) {
        strvec_pushf(&pc->sets, "%s=%s", varies[i].name,
                     varies[i].values.v[pick[i]]);
    }
    pc->spec = *base;
    pc->spec.py = py;
    pc->spec.scenario = scenario;
    pc->spec.sets = (const char *const *)strvec_array(&pc->sets);
    result_key_init(&pc->key);
    result_key_set(&pc->key, scenario, pc->spec.sets, py->tag, "",
                   leakcheck_key_mode(base->native, base->census,
                                      base->trace));
    pc->digest = xstrdup(digest);
    pc->libset = -1;
    char *row = result_key_row(&pc->key);
    pc->label = xasprintf("%s on %s", row, py->tag);
    free(row);
}

/* Advances the odometer over the --vary values; 0 when it wrapped. */
static int
next_pick(size_t *pick, const struct plan_vary *varies, size_t nvaries)
{
    for (size_t i = nvaries; i-- > 0;) {
        if (++pick[i] < varies[i].values.nr) {
            return 1;
        }
        pick[i] = 0;
    }
    return 0;
}

int
plan_build(struct plan *p, const struct cell_spec *base,
           const char *const *scenarios, size_t nscenarios,
           struct python *const *pythons, size_t npythons,
           const char *const *sets, const struct plan_vary *varies,
           size_t nvaries, struct strbuf *err)
{
    for (size_t i = 0; i < nvaries; i++) {
        for (const char *const *s = sets; s && *s; s++) {
            if (same_name(*s, varies[i].name)) {
                strbuf_addf(err, "%s is given both by --set and --vary; "
                                 "keep one",
                            varies[i].name);
                return -1;
            }
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(varies[i].name, varies[j].name) == 0) {
                strbuf_addf(err, "--vary %s is given twice; list every "
                                 "value in one --vary",
                            varies[i].name);
                return -1;
            }
        }
    }
    size_t *pick = xcalloc(nvaries ? nvaries : 1, sizeof(*pick));
    for (size_t s = 0; s < nscenarios; s++) {
        char *digest = digest_file_fingerprint(scenarios[s]);
        if (digest == NULL) {
            strbuf_addf(err, "cannot read %s", scenarios[s]);
            free(pick);
            return -1;
        }
        memset(pick, 0, (nvaries ? nvaries : 1) * sizeof(*pick));
        do {
            for (size_t i = 0; i < npythons; i++) {
                add_cell(p, base, scenarios[s], digest, pythons[i], sets,
                         varies, nvaries, pick);
            }
        } while (nvaries && next_pick(pick, varies, nvaries));
        free(digest);
    }
    free(pick);
    return 0;
}

static void
cell_release(struct plan_cell *pc)
{
    strvec_clear(&pc->sets);
    result_key_release(&pc->key);
    free(pc->digest);
    free(pc->label);
    free(pc->run);
    strvec_clear(&pc->runner_args);
    free(pc->why);
    free(pc->text);
}

void
plan_release(struct plan *p)
{
    for (size_t i = 0; i < p->nr; i++) {
        cell_release(&p->v[i]);
    }
    free(p->v);
    p->v = NULL;
    p->nr = 0;
}

static char *
dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* The cell's argument for the runner, its own copy: spec.scenario. */
static void
set_run(struct plan_cell *pc, const char *run)
{
    free(pc->run);
    pc->run = xstrdup(run);
    pc->spec.scenario = pc->run;
}

/* A deep copy of from: to owns copies of everything from owns. */
static void
copy_cell(struct plan_cell *to, const struct plan_cell *from)
{
    struct strvec blank = STRVEC_INIT;

    *to = *from;
    to->sets = blank;
    strvec_pushv(&to->sets, (const char *const *)from->spec.sets);
    to->spec.sets = (const char *const *)strvec_array(&to->sets);
    to->runner_args = blank;
    strvec_pushv(&to->runner_args, from->spec.runner_args);
    to->spec.runner_args = from->spec.runner_args
                               ? (const char *const *)strvec_array(
                                     &to->runner_args)
                               : NULL;
    to->key.scenario = xstrdup(from->key.scenario);
    to->key.params = xstrdup(from->key.params);
    to->key.python = xstrdup(from->key.python);
    to->key.libset = xstrdup(from->key.libset);
    to->key.mode = xstrdup(from->key.mode);
    to->digest = xstrdup(from->digest);
    to->label = xstrdup(from->label);
    to->run = NULL;
    if (from->run) {
        set_run(to, from->run);
    }
    to->why = dup_or_null(from->why);
    to->text = dup_or_null(from->text);
}

/* The cell's row is name: its key's scenario, and the label with it. */
static void
set_name(struct plan_cell *pc, const char *name)
{
    free(pc->key.scenario);
    pc->key.scenario = xstrdup(name);
    free(pc->label);
    char *row = result_key_row(&pc->key);
    pc->label = pc->key.libset[0]
                    ? xasprintf("%s on %s with %s", row, pc->key.python,
                                pc->key.libset)
                    : xasprintf("%s on %s", row, pc->key.python);
    free(row);
}

/* A copy of from for library set `which` named `name`. */
static void
copy_with_libset(struct plan_cell *to, const struct plan_cell *from,
                 const char *name, long which)
{
    copy_cell(to, from);
    free(to->key.libset);
    to->key.libset = xstrdup(name);
    free(to->label);
    to->label = xasprintf("%s with %s", from->label, name);
    to->libset = which;
}

void
plan_add_target(struct plan *p, const struct cell_spec *base,
                const char *arg, const char *name, const char *digest,
                struct python *const *pythons, size_t npythons)
{
    size_t pick = 0;

    for (size_t i = 0; i < npythons; i++) {
        add_cell(p, base, arg, digest, pythons[i], NULL, NULL, 0, &pick);
        struct plan_cell *pc = &p->v[p->nr - 1];
        set_run(pc, arg);
        set_name(pc, name);
        pc->collect = 1;
    }
}

/* Cell `from`, made into the test t (at `to`). */
static void
copy_as_test(struct plan_cell *to, const struct plan_cell *from,
             const struct plan_test *t)
{
    copy_cell(to, from);
    to->collect = 0;
    set_run(to, t->run);
    set_name(to, t->id);
    free(to->digest);
    to->digest = xstrdup(t->digest);
    strvec_clear(&to->runner_args);
    strvec_pushv(&to->runner_args, t->runner_args);
    to->spec.runner_args = (const char *const *)strvec_array(
        &to->runner_args);
    to->ready = t->ready;
    free(to->why);
    free(to->text);
    to->why = dup_or_null(t->why);
    to->text = dup_or_null(t->text);
}

void
plan_replace(struct plan *p, size_t i, const struct plan_test *tests,
             size_t n)
{
    struct plan_cell *v = xcalloc(p->nr - 1 + n ? p->nr - 1 + n : 1,
                                  sizeof(*v));

    memcpy(v, p->v, i * sizeof(*v));
    for (size_t k = 0; k < n; k++) {
        copy_as_test(&v[i + k], &p->v[i], &tests[k]);
    }
    memcpy(v + i + n, p->v + i + 1, (p->nr - i - 1) * sizeof(*v));
    cell_release(&p->v[i]);
    free(p->v);
    p->v = v;
    p->nr = p->nr - 1 + n;
}

void
plan_expand_libsets(struct plan *p, const char *const *names, size_t n)
{
    struct plan q = PLAN_INIT;

    if (n == 0 || p->nr == 0) {
        return;
    }
    q.v = xcalloc(p->nr * n, sizeof(*q.v));
    for (size_t i = 0; i < p->nr; i++) {
        for (size_t k = 0; k < n; k++) {
            copy_with_libset(&q.v[q.nr++], &p->v[i], names[k], (long)k);
        }
    }
    plan_release(p);
    *p = q;
}

void
plan_expand_scenario_libsets(struct plan *p, const char *scenario,
                             const char *const *names, const long *which,
                             size_t n)
{
    struct plan q = PLAN_INIT;

    if (n == 0 || p->nr == 0) {
        return;
    }
    q.v = xcalloc(p->nr * n, sizeof(*q.v));
    for (size_t i = 0; i < p->nr; i++) {
        if (strcmp(p->v[i].spec.scenario, scenario) != 0) {
            /* Moved whole: p's copy is forgotten below, not released. */
            q.v[q.nr] = p->v[i];
            q.v[q.nr].spec.sets = (const char *const *)strvec_array(
                &q.v[q.nr].sets);
            q.nr++;
            memset(&p->v[i], 0, sizeof(p->v[i]));
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            copy_with_libset(&q.v[q.nr++], &p->v[i], names[k], which[k]);
        }
    }
    plan_release(p);
    *p = q;
}
