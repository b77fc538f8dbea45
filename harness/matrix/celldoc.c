/* celldoc.c - a finished cell's result: every metric's series judged,
 * the structured outcome (lead figure, flags, crash or timeout facts,
 * native stacks, provenance) and the result document that result.c
 * writes and reads back.  Nothing here runs a process: cell.c collected
 * the records into struct cell (cell_internal.h).
 */
#include "matrix/cell_internal.h"

#include "native/elfsym.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CENSUS_REPORT_MAX 20

/* "Fatal Python error: deallocating None" from stderr, if there. */
static char *
fatal_error_line(const char *err)
{
    const char *p = strstr(err, "Fatal Python error:");
    if (p == NULL) {
        return NULL;
    }
    size_t n = strcspn(p, "\n");
    return xstrndup(p, n);
}

static json_t *
python_doc(const struct python *py)
{
    struct strbuf fl = STRBUF_INIT;
    registry_flavour(py, &fl);
    json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:b, s:b, s:b, s:s, s:s?, "
                          "s:s?, s:s?}",
                          "tag", py->tag, "version", py->version,
                          "hexversion", (json_int_t)py->hexversion,
                          "flavour", fl.buf, "debug", py->debug, "pymalloc",
                          py->pymalloc, "with_valgrind", py->with_valgrind,
                          "origin", registry_origin_name(py->origin),
                          "configure_args", py->config_args, "executable",
                          py->executable, "prefix", py->prefix);
    strbuf_release(&fl);
    return o;
}

/* Total iterations since the scenario started, warm-up included, at which
 * an over-released count reaches zero: the predicted crash. */
static double
zero_at_total(const struct cell *c, const struct verdict *v)
{
    if (v->kind != VERDICT_OVER_RELEASE || !isfinite(v->zero_at)) {
        return NAN;
    }
    return c->warm_iterations + v->zero_at;
}

/* The metric's part of the document.  not_judged, when not NULL, is why
 * a series that was measured is not judged (v is then n/a). */
static json_t *
metric_doc(const struct cell *c, const struct track *tr,
           const struct verdict *v, const char *not_judged)
{
    struct metric scratch;
    const struct metric *m = cell_track_metric(tr, &scratch);
    json_t *na = json_object_get(c->probes, "na");
    const char *na_why = not_judged ? not_judged
                         : tr->gauge ? NULL
                                     : json_string_value(json_object_get(
                                           na, tr->name));
    json_t *j = json_object();
    double zero = zero_at_total(c, v);

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
figure_of(const struct cell *c, const struct track *tr,
          const struct verdict *v, struct outcome_figure *f)
{
    struct metric scratch;
    const struct metric *m = cell_track_metric(tr, &scratch);
    outcome_figure_set(f, tr->name, m->label, m->unit, tr->gauge, v->kind,
                       v->per_iteration, zero_at_total(c, v),
                       v->kind == VERDICT_SUSPECT ? v->why : NULL);
}

/* What a clean cell could have seen: the smallest leak per iteration of
 * its most specific probe (lowest rank) and of RSS. */
static void
set_seen(const struct track **all,
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
        m = cell_track_metric(all[show[k]], &scratch);
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
uncounted_extension(const struct cell *c)
{
    json_t *modules = c->imports ? json_object_get(c->imports, "modules")
                                 : NULL;
    json_t *m;
    size_t i;

    if (c->spec->py == NULL || !c->spec->py->debug) {
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
static void
judge_metrics(struct cell *c, json_t *doc, struct outcome *o)
{
    size_t nr = c->metrics.nr + c->gauges.nr;
    const struct track **all = xcalloc(nr ? nr : 1, sizeof(*all));
    struct verdict *v = xcalloc(nr ? nr : 1, sizeof(*v));
    int *rank = xcalloc(nr ? nr : 1, sizeof(*rank));
    json_t *metrics = json_object();
    json_t *gauges = json_object();
    struct verdict_cell vc;

    /* Probes first, then gauges: one list for the combiner. */
    for (size_t i = 0; i < c->metrics.nr; i++) {
        all[i] = &c->metrics.v[i];
    }
    for (size_t i = 0; i < c->gauges.nr; i++) {
        all[c->metrics.nr + i] = &c->gauges.v[i];
    }
    char *uncounted = uncounted_extension(c);
    for (size_t i = 0; i < nr; i++) {
        struct metric scratch;
        const char *not_judged = NULL;
        cell_judge_track(all[i], 1, &v[i]);
        if (uncounted && !all[i]->gauge
            && strcmp(all[i]->name, "refs_total") == 0) {
            not_judged = uncounted;
            v[i].kind = VERDICT_NA;
            v[i].detectable = NAN;
        }
        rank[i] = cell_track_metric(all[i], &scratch)->rank;
        json_object_set_new(all[i]->gauge ? gauges : metrics, all[i]->name,
                            metric_doc(c, all[i], &v[i], not_judged));
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
        figure_of(c, all[vc.lead], &v[vc.lead], &o->lead);
        for (size_t i = 0; i < nr; i++) {
            if (i != vc.lead && v[i].kind == v[vc.lead].kind
                && (v[i].kind == VERDICT_LEAK
                    || v[i].kind == VERDICT_OVER_RELEASE)) {
                struct outcome_figure f = {0};
                figure_of(c, all[i], &v[i], &f);
                outcome_add_also(o, &f);
                outcome_figure_release(&f);
            }
        }
    }
    free(all);
    free(v);
    free(rank);
}

/* Census: the types that grew, fastest first. */
static void
census_report(const struct cell *c, json_t *doc)
{
    json_t *grow = json_array();
    int *used = xcalloc(c->census.nr ? c->census.nr : 1, sizeof(int));

    for (size_t shown = 0; shown < CENSUS_REPORT_MAX; shown++) {
        size_t best = SIZE_MAX;
        struct verdict bv = {0};
        for (size_t i = 0; i < c->census.nr; i++) {
            struct verdict cv;
            if (used[i] || cell_judge_track(&c->census.v[i], 1, &cv) < 0
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
        const struct track *tr = &c->census.v[best];
        json_array_append_new(grow,
                              json_pack("{s:s, s:f, s:f, s:f}", "type",
                                        tr->name, "per_iteration",
                                        bv.per_iteration, "growth", bv.growth,
                                        "live", tr->value[tr->n - 1]));
    }
    free(used);
    json_object_set_new(doc, "census", grow);
}

/* Notes for the reader: probes that could not be observed and why. */
static void
add_notes(const struct cell *c, json_t *doc, struct outcome *o)
{
    json_t *notes = json_array();
    json_t *na = json_object_get(c->probes, "na");
    const char *key;
    json_t *val;

    json_object_foreach(na, key, val) {
        const char *why = json_string_value(val);
        const struct metric *m = metric_find(key);
        if (why && strstr(why, "immortal") && m
            && m->cls == VERDICT_CLASS_SINGLETON) {
            o->flags |= OUTCOME_IMMORTAL_SINGLETONS;
        }
    }
    if (o->flags & OUTCOME_IMMORTAL_SINGLETONS) {
        json_array_append_new(
            notes, json_string("singletons (None, True, False, ...) are "
                               "immortal on this interpreter (PEP 683): "
                               "their refcounts do not move, so neither a "
                               "leak nor an over-release of them can be "
                               "observed (nor can the latter crash it), and "
                               "'clean' here does not clear that class of "
                               "bug on older versions"));
    }
    if (o->flags & OUTCOME_RSS_LIMIT) {
        json_array_append_new(
            notes, json_pack("s", "the runner was ended when its RSS passed "
                                  "the cell's memory bound (--max-rss)"));
    }
    json_object_set_new(doc, "notes", notes);
}

/* Under a native engine: which one, the stacks that grew in every counted
 * round, and what the engine cannot see. */
static void
native_conclude(const struct cell *c, json_t *doc, struct outcome *o)
{
    const char *engine = leakcheck_mode_name(c->spec->native);

    if (engine == NULL) {
        return;
    }
    o->native = xstrdup(engine);
    json_t *notes = json_object_get(doc, "notes");
    if (c->spec->native == LEAKCHECK_LSAN) {
        o->flags |= OUTCOME_UNREACHABLE_ONLY;
        json_array_append_new(
            notes, json_string("LeakSanitizer sees unreachable memory only: "
                               "memory kept reachable (a list or cache "
                               "that only grows) shows under --valgrind"));
    }
    if (c->native_lost) {
        json_array_append_new(
            notes, json_pack("s", "the native engine's report of a round "
                                  "never came: its readings are n/a"));
    }
    if (c->counted >= 2 && o->status != VERDICT_STATUS_SKIPPED) {
        leakcheck_log_stacks(&c->nlog,
                             c->all_iterations - c->warm_iterations, o);
    }
}

/* ---- the end --------------------------------------------------------- */

/* The crash or timeout facts, into the document (schema 1 fields) and the
 * outcome. */
static void
record_end(const struct cell *c, json_t *doc, const struct spawn_exit *ex,
           const struct lmx_progress *page, struct outcome *o)
{
    struct outcome_end *e = &o->end;
    struct strbuf how = STRBUF_INIT;
    json_t *j = json_object();

    spawn_exit_describe(ex, &how);
    e->how = strbuf_detach(&how, NULL);
    e->signal = ex->exited ? 0 : ex->signal;
    e->exit_code = ex->exited ? ex->code : -1;
    e->phase = xstrdup(c->done ? "finalize" : lmx_phase_name(page->phase));
    e->round = page->round;
    e->iteration_in_round = page->iteration_in_round;
    e->iterations_total = page->iterations_total;
    e->fatal_error = fatal_error_line(c->err_tail.buf);
    e->timeout_s = c->spec->timeout_s;

    json_object_set_new(j, "how", json_string(e->how));
    if (ex->exited) {
        json_object_set_new(j, "exit_code", json_integer(ex->code));
    }
    else {
        json_object_set_new(j, "signal", json_integer(ex->signal));
        json_object_set_new(j, "signal_name",
                            json_string(strsignal(ex->signal)));
    }
    json_object_set_new(j, "phase", json_string(e->phase));
    json_object_set_new(j, "round", json_integer(page->round));
    json_object_set_new(j, "iteration_in_round",
                        json_integer((json_int_t)page->iteration_in_round));
    json_object_set_new(j, "iterations_total",
                        json_integer((json_int_t)page->iterations_total));
    json_object_set_new(j, "rounds_completed",
                        json_integer((json_int_t)json_array_size(c->rounds)));
    json_object_set_new(j, "fatal_error", e->fatal_error
                                              ? cell_json_text(e->fatal_error)
                                              : json_null());
    json_object_set_new(j, "stderr_tail", cell_json_text(cell_tail_text(&c->err_tail)));
    json_object_set_new(doc, c->timed_out ? "timeout" : "crash", j);
}

/* A runner ended at the memory bound: a leak, even before two counted
 * rounds, led by the RSS growth measured up to the kill (what the bound
 * is about); a finding of the rounds before it stays as "also". */
static void
record_rss_limit(const struct cell *c, const struct lmx_progress *page,
                 struct outcome *o)
{
    double base = 0, base_iters = 0;

    o->flags |= OUTCOME_RSS_LIMIT;
    o->rss_limit = c->spec->max_rss;
    for (size_t i = 0; i < c->metrics.nr; i++) {
        const struct track *tr = &c->metrics.v[i];
        if (strcmp(tr->name, "rss_bytes") == 0 && tr->n > 0
            && isfinite(tr->value[0])) {
            base = tr->value[0];
            base_iters = c->warm_iterations;
        }
    }
    double iters = (double)page->iterations_total - base_iters;
    const struct metric *m = metric_find("rss_bytes");
    if (o->lead.metric && strcmp(o->lead.metric, m->name) != 0) {
        outcome_add_also(o, &o->lead);
    }
    outcome_figure_release(&o->lead);
    outcome_figure_set(&o->lead, m->name, m->label, m->unit, 0, VERDICT_LEAK,
                       (c->rss_at_limit - base) / (iters > 0 ? iters : 1),
                       NAN, NULL);
    o->status = VERDICT_STATUS_LEAK;
}

/* Decides the status after the runner ended, filling doc and o. */
static void
conclude(struct cell *c, json_t *doc, const struct spawn_exit *ex,
         const struct lmx_progress *page, struct outcome *o)
{
    struct strbuf how = STRBUF_INIT;

    spawn_exit_describe(ex, &how);
    json_object_set_new(doc, "exit", json_string(how.buf));
    strbuf_release(&how);
    if (c->skip) {
        const char *why = json_string_value(json_object_get(c->skip,
                                                            "reason"));
        json_object_set_new(doc, "skip_reason", json_string(why ? why : "?"));
        o->status = VERDICT_STATUS_SKIPPED;
        outcome_set_detail(o, why ? why : "?");
        add_notes(c, doc, o);
        return;
    }
    /* Whatever was measured before the end is worth judging. */
    o->status = VERDICT_STATUS_CLEAN;
    if (c->counted >= 2) {
        judge_metrics(c, doc, o);
    }
    if (c->census.nr) {
        census_report(c, doc);
    }
    if (c->rss_limited) {
        record_rss_limit(c, page, o);
        add_notes(c, doc, o);
        return;
    }
    add_notes(c, doc, o);
    /* Ended without "done": a crash, unless it reported a scenario error
     * and exited the way the runner does after one (1, or 2 for usage). */
    int reported_error = c->error && ex->exited && ex->code <= 2;
    /* After "done" the interpreter still has to shut down, and refcount
     * bugs often crash exactly there. */
    int died_finalizing = c->done && !(ex->exited && ex->code == 0);
    if (c->timed_out || (!c->done && !reported_error) || died_finalizing) {
        o->status = c->timed_out ? VERDICT_STATUS_TIMEOUT
                                 : VERDICT_STATUS_CRASH;
        record_end(c, doc, ex, page, o);
        return;
    }
    if (c->bad_records || c->error || c->counted < 2) {
        /* An error outcome has no lead: the figures are not the story. */
        outcome_figure_release(&o->lead);
        for (size_t i = 0; i < o->nalso; i++) {
            outcome_figure_release(&o->also[i]);
        }
        o->nalso = 0;
    }
    if (c->bad_records) {
        char *msg = xasprintf("%d malformed record line%s from the runner "
                              "(did the scenario write to fd %d?)",
                              c->bad_records, c->bad_records == 1 ? "" : "s",
                              LMX_PROTO_RECORDS_FD);
        o->status = VERDICT_STATUS_ERROR;
        outcome_set_detail(o, msg);
        free(msg);
        return;
    }
    if (c->error) {
        json_t *err = json_deep_copy(c->error);
        const char *where = json_string_value(json_object_get(err, "where"));
        const char *type = json_string_value(json_object_get(err, "type"));
        const char *msg = json_string_value(json_object_get(err, "message"));
        json_object_del(err, "t");
        char *text = xasprintf("%s raised %s%s%s", where ? where : "?",
                               type ? type : "", type && msg ? ": " : "",
                               msg ? msg : "");
        json_object_set_new(doc, "error", err);
        o->status = VERDICT_STATUS_ERROR;
        outcome_set_detail(o, text);
        free(text);
        return;
    }
    if (c->counted < 2) {
        o->status = VERDICT_STATUS_ERROR;
        outcome_set_detail(o, "fewer than two counted rounds were reported");
    }
}

static json_t *
scenario_doc(const struct cell *c)
{
    json_t *scen = json_object();
    json_t *title = json_object_get(c->scenario, "title");
    json_object_set_new(scen, "path", cell_json_text(c->spec->scenario));
    json_object_set(scen, "title", title ? title : json_null());
    return scen;
}

static json_t *
setting(const struct cell *c, const char *key)
{
    json_t *v = c->scenario ? json_object_get(c->scenario, key) : NULL;
    return v ? json_incref(v) : json_null();
}

/* The library set's facts ("libs") and, from the imports record, which
 * module provided each capability the scenario declares ("provides"). */
static void
add_libs(const struct cell_spec *spec, json_t *doc, json_t *imports,
         json_t *scenario)
{
    /* The imports record comes at the end; a runner that crashed sent
     * only what was imported when the scenario loaded. */
    json_t *provides = imports ? json_object_get(imports, "provides") : NULL;

    if (!json_is_array(provides) && scenario) {
        provides = json_object_get(scenario, "provides");
    }

    json_object_set_new(doc, "libs", spec->libs ? json_deep_copy(spec->libs)
                                                : json_null());
    json_object_set(doc, "provides", provides ? provides : json_null());
}

/* The document's "provides" (add_libs()) into the outcome, where the
 * summary and the grid render it. */
static void
note_provided(json_t *doc, struct outcome *o)
{
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(doc, "provides"), i, v) {
        const char *cap = json_string_value(json_object_get(v, "capability"));
        if (cap) {
            outcome_add_provided(
                o, cap, json_string_value(json_object_get(v, "module")),
                json_string_value(json_object_get(v, "dist")),
                json_string_value(json_object_get(v, "version")));
            outcome_provided_set_used(
                o, json_string_value(json_object_get(v, "used")));
        }
    }
}

/* Everything but the verdicts: what ran, on what, and what it printed. */
static json_t *
base_doc(const struct cell *c)
{
    const struct cell_spec *spec = c->spec;
    json_t *doc = json_object();
    json_t *py = python_doc(spec->py);

    json_object_set_new(doc, "leakmatrix", json_string(LMX_VERSION));
    json_object_set_new(doc, "scenario", scenario_doc(c));
    json_object_set_new(doc, "params", setting(c, "params"));
    json_object_set(py, "embedded", c->hello ? c->hello : json_null());
    json_object_set_new(doc, "python", py);
    json_object_set_new(doc, "mode", json_string(leakcheck_key_mode(
                                         spec->native, spec->census)));
    json_object_set_new(doc, "plan",
                        json_pack("{s:o, s:I, s:I, s:o}", "warmup",
                                  setting(c, "warmup"), "rounds",
                                  (json_int_t)spec->rounds, "max_rounds",
                                  (json_int_t)spec->max_rounds, "iterations",
                                  setting(c, "iterations")));
    json_object_set_new(doc, "counted_rounds",
                        json_integer((json_int_t)c->counted));
    json_object_set(doc, "rounds", c->rounds);
    json_object_set(doc, "imports",
                    c->imports ? json_object_get(c->imports, "modules")
                               : json_null());
    json_object_set_new(doc, "stdout_tail",
                        cell_json_text(cell_tail_text(&c->out_tail)));
    json_object_set_new(doc, "stderr_tail",
                        cell_json_text(cell_tail_text(&c->err_tail)));
    if (c->bad_records) {
        json_object_set_new(doc, "bad_records", json_integer(c->bad_records));
    }
    add_libs(spec, doc, c->imports, c->scenario);
    return doc;
}

void
celldoc_conclude(struct cell *c, const struct spawn_exit *ex,
                 const struct lmx_progress *page, size_t leftovers,
                 struct cell_result *res)
{
    struct strbuf line = STRBUF_INIT;

    json_t *doc = base_doc(c);
    conclude(c, doc, ex, page, &res->outcome);
    native_conclude(c, doc, &res->outcome);
    note_provided(doc, &res->outcome);
    if (leftovers) {
        res->outcome.flags |= OUTCOME_LEFTOVERS_KILLED;
        res->outcome.leftovers = leftovers;
    }
    outcome_summary(&res->outcome, &line);
    json_object_set_new(doc, "status", json_string(verdict_status_name(
                                           res->outcome.status)));
    json_object_set_new(doc, "summary", cell_json_text(line.buf));
    json_object_set_new(doc, "lead", res->outcome.lead.metric
                                         ? json_string(res->outcome.lead.metric)
                                         : json_null());
    json_object_set_new(doc, "lead_is_gauge",
                        json_boolean(res->outcome.lead.gauge));
    json_object_set_new(doc, "outcome", outcome_to_json(&res->outcome));
    json_object_set_new(doc, "timing",
                        json_pack("{s:s, s:f, s:o}", "started", c->started_iso,
                                  "wall_s", util_now_monotonic() - c->started,
                                  "cpu", c->spec->pinned
                                             ? json_integer(c->spec->cpu)
                                             : json_null()));
    res->doc = doc;
    res->summary = strbuf_detach(&line, NULL);
    res->kind = CELL_DONE;
    strbuf_release(&line);
}

void
cell_skip_unrunnable(const struct cell_spec *spec, const char *reason,
                     struct cell_result *res)
{
    json_t *doc = json_object();
    json_t *scen = json_object();
    struct strbuf line = STRBUF_INIT;
    char *now = util_utc_now("%Y-%m-%dT%H:%M:%SZ");

    cell_result_release(res);
    json_object_set_new(scen, "path", cell_json_text(spec->scenario));
    json_object_set_new(scen, "title", json_null());
    json_object_set_new(doc, "leakmatrix", json_string(LMX_VERSION));
    json_object_set_new(doc, "scenario", scen);
    json_object_set_new(doc, "params", json_null());
    json_object_set_new(doc, "python", python_doc(spec->py));
    json_object_set_new(doc, "mode", json_string(leakcheck_key_mode(
                                         spec->native, spec->census)));
    json_object_set_new(doc, "plan",
                        json_pack("{s:n, s:I, s:I, s:n}", "warmup", "rounds",
                                  (json_int_t)spec->rounds, "max_rounds",
                                  (json_int_t)spec->max_rounds,
                                  "iterations"));
    json_object_set_new(doc, "counted_rounds", json_integer(0));
    json_object_set_new(doc, "rounds", json_array());
    json_object_set_new(doc, "imports", json_null());
    add_libs(spec, doc, NULL, NULL);
    json_object_set_new(doc, "skip_reason", cell_json_text(reason));
    res->outcome.status = VERDICT_STATUS_SKIPPED;
    outcome_set_detail(&res->outcome, reason);
    outcome_summary(&res->outcome, &line);
    json_object_set_new(doc, "status", json_string(verdict_status_name(
                                           res->outcome.status)));
    json_object_set_new(doc, "summary", cell_json_text(line.buf));
    json_object_set_new(doc, "lead", json_null());
    json_object_set_new(doc, "lead_is_gauge", json_false());
    json_object_set_new(doc, "outcome", outcome_to_json(&res->outcome));
    json_object_set_new(doc, "timing", json_pack("{s:s, s:f}", "started",
                                                 now, "wall_s", 0.0));
    res->doc = doc;
    res->summary = strbuf_detach(&line, NULL);
    res->kind = CELL_DONE;
    free(now);
}
