/* conclude_metrics.c - every metric's series of a cell judged
 * (conclude_private.h): the document's "metrics" and "gauges", the
 * status with the lead figure and the metrics that agree with it, what
 * a clean cell could have seen, a debug interpreter's reference total
 * left unjudged beside an extension built without Py_REF_DEBUG, and the
 * census's types that grew.  How the runner ended is conclude.c's.
 */
#include "matrix/conclude_private.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "native/elfsym.h"

#define CENSUS_REPORT_MAX 20

/* Total iterations since the scenario started, warm-up included, at which
 * an over-released count reaches zero: the predicted crash. */
static double
zero_at_total(const struct facts *f, const struct verdict *v)
{
    if (v->kind != VERDICT_OVER_RELEASE || !isfinite(v->zero_at)) {
        return NAN;
    }
    return f->ev->warm_iterations + v->zero_at;
}

/* The metric's part of the document.  not_judged, when not NULL, is why
 * a series that was measured is not judged (v is then n/a). */
static json_t *
metric_doc(const struct facts *f, const struct evidence_track *tr,
           const struct verdict *v, const char *not_judged)
{
    struct metric scratch;
    const struct metric *m = evidence_track_metric(tr, &scratch);
    json_t *na = json_object_get(f->ev->probes, "na");
    const char *na_why = not_judged ? not_judged
                         : tr->gauge ? NULL
                                     : json_string_value(json_object_get(
                                           na, tr->name));
    json_t *j = json_object();
    double zero = zero_at_total(f, v);

    char why[VERDICT_EXPLAIN_SIZE];

    verdict_explain(why, sizeof(why), v, m->unit);
    json_object_set_new(j, "unit", json_string(m->unit));
    json_object_set_new(j, "verdict", json_string(verdict_kind_name(v->kind)));
    json_object_set_new(j, "why", json_string(na_why && v->kind == VERDICT_NA
                                                  ? na_why
                                                  : why));
    json_object_set_new(j, "detectable", isfinite(v->detectable)
                                             ? json_real(v->detectable)
                                             : json_null());
    json_object_set_new(j, "per_iteration", isfinite(v->per_iteration)
                                                ? json_real(v->per_iteration)
                                                : json_null());
    json_object_set_new(j, "growth", isfinite(v->growth)
                                         ? json_real(v->growth)
                                         : json_null());
    json_object_set_new(j, "rounds_growing",
                        json_integer((json_int_t)v->rounds_growing));
    if (isfinite(zero)) {
        json_object_set_new(j, "zero_at_iteration", json_real(zero));
    }
    return j;
}

static void
figure_of(const struct facts *f, const struct evidence_track *tr,
          const struct verdict *v, struct outcome_figure *fig)
{
    struct metric scratch;
    const struct metric *m = evidence_track_metric(tr, &scratch);
    outcome_figure_set(fig, tr->name, m->label, m->unit, tr->gauge, v->kind,
                       v->per_iteration, zero_at_total(f, v),
                       v->kind == VERDICT_SUSPECT ? v->why : NULL);
}

/* What a clean cell could have seen: the smallest leak per iteration of
 * its most specific probe (lowest rank) and of RSS. */
static void
set_seen(const struct evidence_track **all,
         const struct verdict *v, const int *rank, size_t nr,
         struct outcome *o)
{
    size_t best = SIZE_MAX, rss = SIZE_MAX;

    for (size_t i = 0; i < nr; i++) {
        if (all[i]->gauge || !isfinite(v[i].detectable)) {
            continue;
        }
        if (strcmp(all[i]->name, "rss_bytes") == 0) {
            rss = i;
        }
        else if (best == SIZE_MAX || rank[i] < rank[best]) {
            best = i;
        }
    }
    size_t show[2] = {best, rss};
    for (size_t k = 0; k < 2; k++) {
        struct metric scratch;
        const struct metric *m;
        if (show[k] == SIZE_MAX) {
            continue;
        }
        m = evidence_track_metric(all[show[k]], &scratch);
        outcome_figure_set(&o->seen[k], m->name, m->label, m->unit, 0,
                           VERDICT_CLEAN, v[show[k]].detectable, NAN, NULL);
    }
}

/* Whether an extension module's file name carries the debug ABI flag
 * (".cpython-311d-x86_64-linux-gnu.so"): then it was built for a debug
 * interpreter, Py_REF_DEBUG and all. */
static int
debug_abi_name(const char *file)
{
    const char *p = strstr(file, ".cpython-");

    if (p == NULL) {
        return 0;
    }
    p += strlen(".cpython-");
    p += strspn(p, "0123456789");
    /* abiflags of 3.7 and before could be "dm"; "t" is free-threading */
    return strncmp(p, "d-", 2) == 0 || strncmp(p, "dm-", 3) == 0
           || strncmp(p, "td-", 3) == 0;
}

/* A debug interpreter's reference total sees only what code built with
 * Py_REF_DEBUG does (elfsym.h).  When the cell imported an extension
 * module built without it, why its refs_total is not judged (a fresh
 * string naming the module and file); else NULL.  The interpreter's own
 * modules are built with it; a file that cannot be read leaves the total
 * judged, as before. */
static char *
uncounted_extension(const struct facts *f)
{
    json_t *imports = f->ev->imports;
    json_t *modules = imports ? json_object_get(imports, "modules") : NULL;
    json_t *m;
    size_t i;

    if (f->spec->py == NULL || !f->spec->py->debug) {
        return NULL;
    }
    json_array_foreach(modules, i, m) {
        const char *name = json_string_value(json_object_get(m, "name"));
        const char *file = json_string_value(json_object_get(m, "file"));
        const char *origin = json_string_value(json_object_get(m, "origin"));
        struct strbuf err = STRBUF_INIT;
        size_t n = file ? strlen(file) : 0;

        if (name == NULL || n < 3 || strcmp(file + n - 3, ".so") != 0
            || (origin && strcmp(origin, "stdlib") == 0)
            || debug_abi_name(file)) {
            continue;
        }
        int counted = elfsym_names_any(file, elfsym_ref_debug_symbols, &err);
        strbuf_release(&err);
        if (counted == 0) {
            return xasprintf("not judged: the extension module %s was built "
                             "without Py_REF_DEBUG, so this debug "
                             "interpreter's total misses the references it "
                             "takes and drops (%s); blocks and gc objects "
                             "still count",
                             name, file);
        }
    }
    return NULL;
}

/* The metrics and gauges objects, and the status with its lead and the
 * metrics that agree with it. */
void
conclude_metrics(const struct facts *f, json_t *doc, struct outcome *o)
{
    size_t nr = f->ev->metrics.nr + f->ev->gauges.nr;
    const struct evidence_track **all = xcalloc(nr ? nr : 1, sizeof(*all));
    struct verdict *v = xcalloc(nr ? nr : 1, sizeof(*v));
    int *rank = xcalloc(nr ? nr : 1, sizeof(*rank));
    json_t *metrics = json_object();
    json_t *gauges = json_object();
    struct verdict_cell vc;

    /* Probes first, then gauges: one list for the combiner. */
    for (size_t i = 0; i < f->ev->metrics.nr; i++) {
        all[i] = &f->ev->metrics.v[i];
    }
    for (size_t i = 0; i < f->ev->gauges.nr; i++) {
        all[f->ev->metrics.nr + i] = &f->ev->gauges.v[i];
    }
    char *uncounted = uncounted_extension(f);
    for (size_t i = 0; i < nr; i++) {
        struct metric scratch;
        const char *not_judged = NULL;
        evidence_judge_track(all[i], 1, &v[i]);
        if (uncounted && !all[i]->gauge
            && strcmp(all[i]->name, "refs_total") == 0) {
            not_judged = uncounted;
            v[i].kind = VERDICT_NA;
            v[i].detectable = NAN;
        }
        rank[i] = evidence_track_metric(all[i], &scratch)->rank;
        json_object_set_new(all[i]->gauge ? gauges : metrics, all[i]->name,
                            metric_doc(f, all[i], &v[i], not_judged));
    }
    free(uncounted);
    json_object_set_new(doc, "metrics", metrics);
    json_object_set_new(doc, "gauges", gauges);
    if (verdict_combine(v, rank, nr, &vc) < 0) {
        vc.status = VERDICT_STATUS_ERROR;
        vc.lead = VERDICT_NO_LEAD;
    }
    o->status = vc.status;
    if (vc.status == VERDICT_STATUS_CLEAN) {
        set_seen(all, v, rank, nr, o);
    }
    /* Nothing leads a clean cell; the lead is only an explanation. */
    if (vc.status != VERDICT_STATUS_CLEAN && vc.lead != VERDICT_NO_LEAD) {
        figure_of(f, all[vc.lead], &v[vc.lead], &o->lead);
        for (size_t i = 0; i < nr; i++) {
            if (i != vc.lead && v[i].kind == v[vc.lead].kind
                && (v[i].kind == VERDICT_LEAK
                    || v[i].kind == VERDICT_OVER_RELEASE)) {
                struct outcome_figure fig = {0};
                figure_of(f, all[i], &v[i], &fig);
                outcome_add_also(o, &fig);
                outcome_figure_release(&fig);
            }
        }
    }
    free(all);
    free(v);
    free(rank);
}

/* Census: the types that grew, fastest first. */
void
conclude_census(const struct facts *f, json_t *doc)
{
    const struct evidence_tracks *census = &f->ev->census;
    json_t *grow = json_array();
    int *used = xcalloc(census->nr ? census->nr : 1, sizeof(int));

    for (size_t shown = 0; shown < CENSUS_REPORT_MAX; shown++) {
        size_t best = SIZE_MAX;
        struct verdict bv = {0};
        for (size_t i = 0; i < census->nr; i++) {
            struct verdict cv;
            if (used[i] || evidence_judge_track(&census->v[i], 1, &cv) < 0
                || cv.kind != VERDICT_LEAK) {
                continue;
            }
            if (best == SIZE_MAX || cv.per_iteration > bv.per_iteration) {
                best = i;
                bv = cv;
            }
        }
        if (best == SIZE_MAX) {
            break;
        }
        used[best] = 1;
        const struct evidence_track *tr = &census->v[best];
        json_array_append_new(grow,
                              json_pack("{s:s, s:f, s:f, s:f}", "type",
                                        tr->name, "per_iteration",
                                        bv.per_iteration, "growth", bv.growth,
                                        "live", tr->value[tr->n - 1]));
    }
    free(used);
    json_object_set_new(doc, "census", grow);
}
