/* conclude.c - a finished cell's answer (conclude.h): every metric's
 * series judged, the structured outcome (lead figure, flags, crash or
 * timeout facts, native stacks, provenance) and the result document that
 * result.c writes and reads back.  Nothing here runs a process: it reads
 * the evidence evidence.c gathered and how cell.c saw the runner end.
 */
#include "matrix/conclude_private.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native/elfsym.h"

#define CENSUS_REPORT_MAX 20

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
    size_t len;
    unsigned int min;
    unsigned int c = p[0];

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, min = 0x80, c &= 0x1f;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3, min = 0x800, c &= 0x0f;
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, min = 0x10000, c &= 0x07;
    }
    else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (p[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }
    return len;
}

/* A JSON string of a scenario's output, which may be any bytes: invalid
 * UTF-8 becomes U+FFFD instead of making jansson drop the whole value.
 * New reference. */
static json_t *
json_text(const char *text)
{
    struct strbuf sb = STRBUF_INIT;
    const unsigned char *p = (const unsigned char *)text;
    size_t n = strlen(text);

    while (n > 0) {
        size_t len = utf8_seq(p, n);
        if (len == 0) {
            strbuf_adds(&sb, "\xef\xbf\xbd");
            len = 1;
        }
        else {
            strbuf_add(&sb, p, len);
        }
        p += len;
        n -= len;
    }
    json_t *j = json_stringn(sb.buf, sb.len);
    strbuf_release(&sb);
    return j;
}

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

/* The interpreter's GIL as the runner found it at the end ("gil": true,
 * false, or null when the cell never got there), and whether the build
 * is free-threaded. */
static void
gil_doc(const struct facts *f, json_t *py)
{
    json_t *gil = f->ev->done_rec ? json_object_get(f->ev->done_rec, "gil")
                                  : NULL;

    json_object_set_new(py, "free_threaded",
                        json_boolean(f->spec->py->free_threaded));
    json_object_set(py, "gil", json_is_boolean(gil) ? gil : json_null());
}

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
static void
judge_metrics(const struct facts *f, json_t *doc, struct outcome *o)
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
static void
census_report(const struct facts *f, json_t *doc)
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

/* What a test left running when it was done (the leftovers record): its
 * threads, which the runner did not wait for, and its child processes,
 * ended with the runner. */
static void
leftovers_notes(const struct facts *f, json_t *notes)
{
    const char *what[] = {"threads", "processes"};

    for (size_t k = 0; f->ev->leftovers && k < 2; k++) {
        json_t *names = json_object_get(f->ev->leftovers, what[k]);
        struct strbuf sb = STRBUF_INIT;
        size_t i;
        json_t *v;

        json_array_foreach(names, i, v) {
            strbuf_addf(&sb, "%s%s", i ? ", " : "", json_string_value(v));
        }
        if (sb.len) {
            json_array_append_new(
                notes, json_sprintf("the test left %s running, ended with "
                                    "its runner: %s",
                                    what[k], sb.buf));
        }
        strbuf_release(&sb);
    }
}

/* Notes for the reader: probes that could not be observed and why. */
static void
add_notes(const struct facts *f, json_t *doc, struct outcome *o)
{
    json_t *notes = json_array();
    json_t *immortal = json_object_get(f->ev->probes, "immortal");
    size_t i;
    json_t *val;

    json_array_foreach(immortal, i, val) {
        const struct metric *m = metric_find(json_string_value(val));
        if (m && m->cls == VERDICT_CLASS_SINGLETON) {
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
    json_t *gil = f->ev->done_rec ? json_object_get(f->ev->done_rec, "gil")
                                  : NULL;
    if (f->spec->py->free_threaded && json_is_true(gil)) {
        json_array_append_new(
            notes, json_string("the GIL was on: this free-threaded build "
                               "turned it back on when the scenario "
                               "imported an extension that does not "
                               "declare Py_mod_gil, so the cell measured a "
                               "run with the GIL"));
    }
    if (o->flags & OUTCOME_RSS_LIMIT) {
        json_array_append_new(
            notes, json_pack("s", "the runner was ended when its RSS passed "
                                  "the cell's memory bound (--max-rss)"));
    }
    leftovers_notes(f, notes);
    json_object_set_new(doc, "notes", notes);
}

/* Under a native engine: which one, the stacks that grew in every counted
 * round, and what the engine cannot see. */
static void
native_conclude(const struct facts *f, json_t *doc, struct outcome *o)
{
    const char *engine = leakcheck_mode_name(f->spec->native);

    if (engine == NULL) {
        return;
    }
    o->native = xstrdup(engine);
    json_t *notes = json_object_get(doc, "notes");
    if (f->spec->native == LEAKCHECK_LSAN) {
        o->flags |= OUTCOME_UNREACHABLE_ONLY;
        json_array_append_new(
            notes, json_string("LeakSanitizer sees unreachable memory only: "
                               "memory kept reachable (a list or cache "
                               "that only grows) shows under --valgrind"));
    }
    if (f->ev->native_lost) {
        json_array_append_new(
            notes, json_pack("s", "the native engine's report of a round "
                                  "never came: its readings are n/a"));
    }
    const struct evidence *ev = f->ev;
    if (ev->counted >= 2 && o->status != VERDICT_STATUS_SKIPPED) {
        leakcheck_log_stacks(&ev->nlog,
                             ev->all_iterations - ev->warm_iterations, o);
    }
}

/* ---- the end --------------------------------------------------------- */

/* The crash or timeout facts, into the document (schema 1 fields) and the
 * outcome. */
static void
record_end(const struct facts *f, json_t *doc, struct outcome *o)
{
    const struct spawn_exit *ex = &f->end->ex;
    const struct lmx_progress *page = &f->end->page;
    struct outcome_end *e = &o->end;
    struct strbuf how = STRBUF_INIT;
    json_t *j = json_object();

    spawn_exit_describe(ex, &how);
    e->how = strbuf_detach(&how, NULL);
    e->signal = ex->exited ? 0 : ex->signal;
    e->exit_code = ex->exited ? ex->code : -1;
    e->phase = xstrdup(f->ev->done ? "finalize" : lmx_phase_name(page->phase));
    e->round = page->round;
    e->iteration_in_round = page->iteration_in_round;
    e->iterations_total = page->iterations_total;
    e->fatal_error = fatal_error_line(f->ev->err_tail.buf);
    e->timeout_s = f->spec->timeout_s;

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
                        json_integer((json_int_t)json_array_size(
                            f->ev->rounds)));
    json_object_set_new(j, "fatal_error", e->fatal_error
                                              ? json_text(e->fatal_error)
                                              : json_null());
    json_object_set_new(j, "stderr_tail",
                        json_text(evidence_tail_text(&f->ev->err_tail)));
    json_object_set_new(doc, f->end->timed_out ? "timeout" : "crash", j);
}

/* A runner ended at the memory bound: a leak, even before two counted
 * rounds, led by the RSS growth measured up to the kill (what the bound
 * is about); a finding of the rounds before it stays as "also". */
static void
record_rss_limit(const struct facts *f, struct outcome *o)
{
    const struct lmx_progress *page = &f->end->page;
    double base = 0, base_iters = 0;

    o->flags |= OUTCOME_RSS_LIMIT;
    o->rss_limit = f->spec->max_rss;
    for (size_t i = 0; i < f->ev->metrics.nr; i++) {
        const struct evidence_track *tr = &f->ev->metrics.v[i];
        if (strcmp(tr->name, "rss_bytes") == 0 && tr->n > 0
            && isfinite(tr->value[0])) {
            base = tr->value[0];
            base_iters = f->ev->warm_iterations;
        }
    }
    double iters = (double)page->iterations_total - base_iters;
    const struct metric *m = metric_find("rss_bytes");
    if (o->lead.metric && strcmp(o->lead.metric, m->name) != 0) {
        outcome_add_also(o, &o->lead);
    }
    outcome_figure_release(&o->lead);
    outcome_figure_set(&o->lead, m->name, m->label, m->unit, 0, VERDICT_LEAK,
                       (f->end->rss_at_limit - base) / (iters > 0 ? iters : 1),
                       NAN, NULL);
    o->status = VERDICT_STATUS_LEAK;
}

/* A scenario that skipped itself: its reason. */
static void
conclude_skipped(const struct facts *f, json_t *doc, struct outcome *o)
{
    const char *why = json_string_value(json_object_get(f->ev->skip,
                                                        "reason"));

    json_object_set_new(doc, "skip_reason", json_string(why ? why : "?"));
    o->status = VERDICT_STATUS_SKIPPED;
    outcome_set_detail(o, why ? why : "?");
    add_notes(f, doc, o);
}

/* Whether the runner ended as no finished scenario does: a crash or a
 * timeout. */
static int
ended_badly(const struct facts *f)
{
    const struct spawn_exit *ex = &f->end->ex;

    /* Ended without "done": a crash, unless it reported a scenario error
     * and exited the way the runner does after one (1, or 2 for usage). */
    int reported_error = f->ev->error && ex->exited && ex->code <= 2;
    /* After "done" the interpreter still has to shut down, and refcount
     * bugs often crash exactly there. */
    int died_finalizing = f->ev->done && !(ex->exited && ex->code == 0);
    return f->end->timed_out || (!f->ev->done && !reported_error)
           || died_finalizing;
}

/* The scenario's exception, into the document and the outcome. */
static void
record_error(const struct facts *f, json_t *doc, struct outcome *o)
{
    json_t *err = json_deep_copy(f->ev->error);
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
}

/* A runner that ended well may still have measured nothing worth a
 * verdict: malformed records, a scenario error, too few counted rounds. */
static void
conclude_errors(const struct facts *f, json_t *doc, struct outcome *o)
{
    if (f->ev->bad_records || f->ev->error || f->ev->counted < 2) {
        /* An error outcome has no lead: the figures are not the story. */
        outcome_figure_release(&o->lead);
        for (size_t i = 0; i < o->nalso; i++) {
            outcome_figure_release(&o->also[i]);
        }
        o->nalso = 0;
    }
    if (f->ev->bad_records) {
        int bad = f->ev->bad_records;
        char *msg = xasprintf("%d malformed record line%s from the runner "
                              "(did the scenario write to fd %d?)",
                              bad, bad == 1 ? "" : "s", LMX_PROTO_RECORDS_FD);
        o->status = VERDICT_STATUS_ERROR;
        outcome_set_detail(o, msg);
        free(msg);
    }
    else if (f->ev->error) {
        record_error(f, doc, o);
    }
    else if (f->ev->counted < 2) {
        o->status = VERDICT_STATUS_ERROR;
        outcome_set_detail(o, "fewer than two counted rounds were reported");
    }
}

/* Decides the status after the runner ended, filling doc and o. */
static void
conclude(const struct facts *f, json_t *doc, struct outcome *o)
{
    struct strbuf how = STRBUF_INIT;

    spawn_exit_describe(&f->end->ex, &how);
    json_object_set_new(doc, "exit", json_string(how.buf));
    strbuf_release(&how);
    if (f->ev->skip) {
        conclude_skipped(f, doc, o);
        return;
    }
    /* Whatever was measured before the end is worth judging. */
    o->status = VERDICT_STATUS_CLEAN;
    if (f->ev->counted >= 2) {
        judge_metrics(f, doc, o);
    }
    if (f->ev->census.nr) {
        census_report(f, doc);
    }
    if (f->end->rss_limited) {
        record_rss_limit(f, o);
        add_notes(f, doc, o);
        return;
    }
    add_notes(f, doc, o);
    if (ended_badly(f)) {
        o->status = f->end->timed_out ? VERDICT_STATUS_TIMEOUT
                                      : VERDICT_STATUS_CRASH;
        record_end(f, doc, o);
        return;
    }
    conclude_errors(f, doc, o);
}

static json_t *
scenario_doc(const struct facts *f)
{
    json_t *scen = json_object();
    json_t *title = json_object_get(f->ev->scenario, "title");
    json_t *test = json_object_get(f->ev->scenario, "test");
    json_object_set_new(scen, "path", json_text(f->spec->scenario));
    json_object_set(scen, "title", title ? title : json_null());
    if (test) {
        json_object_set(scen, "test", test);
    }
    return scen;
}

static json_t *
setting(const struct facts *f, const char *key)
{
    json_t *v = f->ev->scenario ? json_object_get(f->ev->scenario, key) : NULL;
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
base_doc(const struct facts *f)
{
    const struct cell_spec *spec = f->spec;
    json_t *doc = json_object();
    json_t *py = python_doc(spec->py);

    json_object_set_new(doc, "leakmatrix", json_string(LMX_VERSION));
    json_object_set_new(doc, "scenario", scenario_doc(f));
    json_object_set_new(doc, "params", setting(f, "params"));
    json_object_set(py, "embedded", f->ev->hello ? f->ev->hello : json_null());
    gil_doc(f, py);
    json_object_set_new(doc, "python", py);
    json_object_set_new(doc, "mode", json_string(leakcheck_key_mode(
                                         spec->native, spec->census,
                                         spec->trace)));
    json_object_set_new(doc, "plan",
                        json_pack("{s:o, s:I, s:I, s:I, s:o}", "warmup",
                                  setting(f, "warmup"), "rounds",
                                  (json_int_t)spec->rounds, "max_rounds",
                                  (json_int_t)spec->max_rounds,
                                  "max_rounds_noisy",
                                  (json_int_t)spec->max_rounds_noisy,
                                  "iterations", setting(f, "iterations")));
    json_object_set_new(doc, "counted_rounds",
                        json_integer((json_int_t)f->ev->counted));
    json_object_set_new(doc, "rounds", f->ev->rounds
                                           ? json_incref(f->ev->rounds)
                                           : json_array());
    json_object_set(doc, "imports",
                    f->ev->imports ? json_object_get(f->ev->imports, "modules")
                                   : json_null());
    json_object_set_new(doc, "stdout_tail",
                        json_text(evidence_tail_text(&f->ev->out_tail)));
    json_object_set_new(doc, "stderr_tail",
                        json_text(evidence_tail_text(&f->ev->err_tail)));
    if (f->ev->bad_records) {
        json_object_set_new(doc, "bad_records",
                            json_integer(f->ev->bad_records));
    }
    add_libs(spec, doc, f->ev->imports, f->ev->scenario);
    return doc;
}

/* A runner that cannot speak for itself: it speaks another protocol, or
 * its interpreter did not start.  -1 (res made CELL_INFRA), or 0 when the
 * cell has a result instead. */
static int
check_infra(const struct facts *f, struct cell_result *res)
{
    const char *tag = f->spec->py->tag;
    const struct spawn_exit *ex = &f->end->ex;

    if (f->ev->proto_mismatch) {
        cell_result_infra(res, xasprintf("the runner for %s speaks protocol "
                                         "%d, this leakmatrix %d; rebuild "
                                         "both with `ninja -C build`",
                                         tag, f->ev->proto_mismatch,
                                         LMX_PROTO_VERSION));
        return -1;
    }
    /* The runner exits 3 only when the interpreter could not start, which
     * is before it says hello; a scenario may exit 3 itself later. */
    if (ex->exited && ex->code == 3 && f->ev->hello == NULL) {
        const struct strbuf *err = &f->ev->err_tail;
        cell_result_infra(res, xasprintf("the %s interpreter failed to start "
                                         "in its runner: %s",
                                         tag, err->len
                                                  ? evidence_tail_text(err)
                                                  : "(no output)"));
        return -1;
    }
    return 0;
}

/* The scenario rejected --set: a usage error, not a result. */
static void
check_usage(const struct facts *f, struct cell_result *res)
{
    const struct spawn_exit *ex = &f->end->ex;
    json_t *error = f->ev->error;

    if (error && ex->exited && ex->code == 2) {
        const char *kind = json_string_value(json_object_get(error, "kind"));
        if (kind && strcmp(kind, "usage") == 0) {
            const char *msg = json_string_value(
                json_object_get(error, "message"));
            res->kind = CELL_USAGE;
            res->message = xstrdup(msg ? msg : "bad scenario parameter");
        }
    }
}

/* The cell's result: outcome, summary and document; kind CELL_DONE. */
static void
conclude_done(const struct facts *f, struct cell_result *res)
{
    struct strbuf line = STRBUF_INIT;

    json_t *doc = base_doc(f);
    conclude(f, doc, &res->outcome);
    native_conclude(f, doc, &res->outcome);
    conclude_where(f, doc, &res->outcome);
    note_provided(doc, &res->outcome);
    if (f->end->leftovers) {
        res->outcome.flags |= OUTCOME_LEFTOVERS_KILLED;
        res->outcome.leftovers = f->end->leftovers;
    }
    outcome_summary(&res->outcome, &line);
    json_object_set_new(doc, "status", json_string(verdict_status_name(
                                           res->outcome.status)));
    json_object_set_new(doc, "summary", json_text(line.buf));
    const char *lead = res->outcome.lead.metric;
    json_object_set_new(doc, "lead", lead ? json_string(lead) : json_null());
    json_object_set_new(doc, "lead_is_gauge",
                        json_boolean(res->outcome.lead.gauge));
    json_object_set_new(doc, "outcome", outcome_to_json(&res->outcome));
    json_object_set_new(doc, "timing",
                        json_pack("{s:s, s:f, s:o}", "started",
                                  f->end->started, "wall_s", f->end->wall_s,
                                  "cpu", f->spec->pinned
                                             ? json_integer(f->spec->cpu)
                                             : json_null()));
    res->doc = doc;
    res->summary = strbuf_detach(&line, NULL);
    res->kind = CELL_DONE;
    strbuf_release(&line);
}

void
conclude_cell(const struct cell_spec *spec, const struct evidence *ev,
              const struct conclude_end *end, struct cell_result *res)
{
    struct facts f = {spec, ev, end};

    cell_result_release(res);
    if (check_infra(&f, res) < 0) {
        return;
    }
    conclude_done(&f, res);
    check_usage(&f, res);
}

/* The document of a cell that did not run, but for its status. */
static json_t *
unrun_doc(const struct cell_spec *spec)
{
    json_t *doc = json_object();
    json_t *scen = json_object();

    json_object_set_new(scen, "path", json_text(spec->scenario));
    json_object_set_new(scen, "title", json_null());
    json_object_set_new(doc, "leakmatrix", json_string(LMX_VERSION));
    json_object_set_new(doc, "scenario", scen);
    json_object_set_new(doc, "params", json_null());
    json_object_set_new(doc, "python", python_doc(spec->py));
    json_object_set_new(doc, "mode", json_string(leakcheck_key_mode(
                                         spec->native, spec->census,
                                         spec->trace)));
    json_object_set_new(doc, "plan",
                        json_pack("{s:n, s:I, s:I, s:I, s:n}", "warmup",
                                  "rounds", (json_int_t)spec->rounds,
                                  "max_rounds", (json_int_t)spec->max_rounds,
                                  "max_rounds_noisy",
                                  (json_int_t)spec->max_rounds_noisy,
                                  "iterations"));
    json_object_set_new(doc, "counted_rounds", json_integer(0));
    json_object_set_new(doc, "rounds", json_array());
    json_object_set_new(doc, "imports", json_null());
    json_object_set_new(doc, "trace", json_null());
    json_object_set_new(doc, "grew", json_array());
    add_libs(spec, doc, NULL, NULL);
    return doc;
}

/* res made the result of a cell that did not run: doc (taken over) with
 * res->outcome's status, its summary and the timing of now. */
static void
unrun_result(json_t *doc, struct cell_result *res)
{
    struct strbuf line = STRBUF_INIT;
    char *now = util_utc_now("%Y-%m-%dT%H:%M:%SZ");

    outcome_summary(&res->outcome, &line);
    json_object_set_new(doc, "status", json_string(verdict_status_name(
                                           res->outcome.status)));
    json_object_set_new(doc, "summary", json_text(line.buf));
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

void
cell_skip_unrunnable(const struct cell_spec *spec, const char *reason,
                     struct cell_result *res)
{
    json_t *doc;

    cell_result_release(res);
    doc = unrun_doc(spec);
    json_object_set_new(doc, "skip_reason", json_text(reason));
    res->outcome.status = VERDICT_STATUS_SKIPPED;
    outcome_set_detail(&res->outcome, reason);
    unrun_result(doc, res);
}

void
cell_error_uncollected(const struct cell_spec *spec, const char *why,
                       const char *text, struct cell_result *res)
{
    json_t *doc;
    char *detail = xasprintf("collection failed: %s", why);

    cell_result_release(res);
    doc = unrun_doc(spec);
    json_object_set_new(doc, "error",
                        json_pack("{s:s, s:s, s:n, s:o, s:o}", "where",
                                  "collect", "kind", "test", "type",
                                  "message", json_text(why), "traceback",
                                  text ? json_text(text) : json_null()));
    res->outcome.status = VERDICT_STATUS_ERROR;
    outcome_set_detail(&res->outcome, detail);
    unrun_result(doc, res);
    free(detail);
}

void
cell_result_init(struct cell_result *res)
{
    memset(res, 0, sizeof(*res));
    outcome_init(&res->outcome);
}

void
cell_result_release(struct cell_result *res)
{
    json_decref(res->doc);
    free(res->summary);
    free(res->message);
    outcome_release(&res->outcome);
    cell_result_init(res);
}

void
cell_result_infra(struct cell_result *res, char *message)
{
    cell_result_release(res);
    res->kind = CELL_INFRA;
    res->message = message;
}
