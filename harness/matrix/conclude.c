/* conclude.c - a finished cell's answer (conclude.h): the order in which
 * its evidence is concluded and the status decided, how the runner ended
 * (crash or timeout facts, the memory bound, a skip, a scenario error,
 * too few rounds), the notes, the native engine's stacks, and the
 * results of cells that could not run.  Every metric's verdict is
 * conclude_metrics.c's, the document's other parts conclude_doc.c's,
 * what names the growth conclude_where.c's (conclude_private.h).
 * Nothing here runs a process: it reads the evidence evidence.c gathered
 * and how cell.c saw the runner end.
 */
#include "matrix/conclude_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
                                              ? conclude_text(e->fatal_error)
                                              : json_null());
    json_object_set_new(j, "stderr_tail",
                        conclude_text(evidence_tail_text(&f->ev->err_tail)));
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
    json_object_set_new(doc, "runner_pid",
                        f->end->runner_pid > 0
                            ? json_integer(f->end->runner_pid)
                            : json_null());
    strbuf_release(&how);
    if (f->ev->skip) {
        conclude_skipped(f, doc, o);
        return;
    }
    /* Whatever was measured before the end is worth judging. */
    o->status = VERDICT_STATUS_CLEAN;
    if (f->ev->counted >= 2) {
        conclude_metrics(f, doc, o);
    }
    if (f->ev->census.nr) {
        conclude_census(f, doc);
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

    json_t *doc = conclude_base_doc(f);
    conclude(f, doc, &res->outcome);
    native_conclude(f, doc, &res->outcome);
    conclude_where(f, doc, &res->outcome);
    conclude_note_provided(doc, &res->outcome);
    if (f->end->leftovers) {
        res->outcome.flags |= OUTCOME_LEFTOVERS_KILLED;
        res->outcome.leftovers = f->end->leftovers;
    }
    outcome_summary(&res->outcome, &line);
    json_object_set_new(doc, "status", json_string(verdict_status_name(
                                           res->outcome.status)));
    json_object_set_new(doc, "summary", conclude_text(line.buf));
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
    json_object_set_new(doc, "summary", conclude_text(line.buf));
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
    doc = conclude_unrun_doc(spec);
    json_object_set_new(doc, "skip_reason", conclude_text(reason));
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
    doc = conclude_unrun_doc(spec);
    json_object_set_new(doc, "error",
                        json_pack("{s:s, s:s, s:n, s:o, s:o}", "where",
                                  "collect", "kind", "test", "type",
                                  "message", conclude_text(why), "traceback",
                                  text ? conclude_text(text) : json_null()));
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
