/* outcome.c - a cell's structured outcome and its renderings: making and
 * releasing it, the summary line and the grid's cell text.
 *
 * The two texts differ in purpose: the summary is for the person reading
 * `run`'s output (every figure, the projection, the other metrics that
 * agree), the cell text for a grid column that has to stay narrow (status
 * and the leading figure).  Both start from the same fields.  The
 * outcome's JSON is outcome_json.c's.
 */
#include "judge/outcome_private.h"

#include "judge/metric.h"
#include "base/metrics.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

void
outcome_init(struct outcome *o)
{
    struct outcome init = OUTCOME_INIT;
    *o = init;
    o->lead.zero_at = NAN;
    o->seen[0].zero_at = o->seen[1].zero_at = NAN;
}

void
outcome_figure_release(struct outcome_figure *f)
{
    free(f->metric);
    free(f->label);
    free(f->unit);
    free(f->why);
    memset(f, 0, sizeof(*f));
    f->zero_at = NAN;
}

void
outcome_release(struct outcome *o)
{
    outcome_figure_release(&o->lead);
    outcome_figure_release(&o->seen[0]);
    outcome_figure_release(&o->seen[1]);
    for (size_t i = 0; i < o->nalso; i++) {
        outcome_figure_release(&o->also[i]);
    }
    free(o->also);
    free(o->end.how);
    free(o->end.phase);
    free(o->end.fatal_error);
    free(o->detail);
    free(o->native);
    for (size_t i = 0; i < o->nstacks; i++) {
        struct outcome_stack *st = &o->stacks[i];
        for (size_t k = 0; k < st->nframes; k++) {
            free(st->frames[k]);
        }
        free(st->frames);
        free(st->kind);
    }
    free(o->stacks);
    for (size_t i = 0; i < o->nprovided; i++) {
        free(o->provided[i].capability);
        free(o->provided[i].module);
        free(o->provided[i].dist);
        free(o->provided[i].version);
        free(o->provided[i].used);
    }
    free(o->provided);
    outcome_where_release(o);
    outcome_init(o);
}

void
outcome_figure_set(struct outcome_figure *f, const char *metric,
                   const char *label, const char *unit, int gauge,
                   enum verdict_kind kind, double per_iteration,
                   double zero_at, const char *why)
{
    outcome_figure_release(f);
    f->metric = oc_dup_or_null(metric);
    f->label = oc_dup_or_null(label ? label : metric);
    f->unit = oc_dup_or_null(unit);
    f->gauge = gauge;
    f->kind = kind;
    f->per_iteration = per_iteration;
    f->zero_at = zero_at;
    f->why = oc_dup_or_null(why);
}

void
outcome_add_also(struct outcome *o, const struct outcome_figure *f)
{
    o->also = xrealloc(o->also, (o->nalso + 1) * sizeof(*o->also));
    struct outcome_figure *n = &o->also[o->nalso++];
    memset(n, 0, sizeof(*n));
    outcome_figure_set(n, f->metric, f->label, f->unit, f->gauge, f->kind,
                       f->per_iteration, f->zero_at, f->why);
}

void
outcome_add_stack(struct outcome *o, const char *kind,
                  double bytes_per_iteration, double blocks_per_iteration,
                  const char *const *frames, size_t nframes)
{
    if (o->nstacks >= OUTCOME_MAX_STACKS) {
        return;
    }
    o->stacks = xrealloc(o->stacks, (o->nstacks + 1) * sizeof(*o->stacks));
    struct outcome_stack *st = &o->stacks[o->nstacks++];
    st->kind = xstrdup(kind ? kind : "?");
    st->bytes_per_iteration = bytes_per_iteration;
    st->blocks_per_iteration = blocks_per_iteration;
    st->nframes = nframes;
    st->frames = xcalloc(nframes ? nframes : 1, sizeof(*st->frames));
    for (size_t i = 0; i < nframes; i++) {
        st->frames[i] = xstrdup(frames[i]);
    }
}

void
outcome_stack_text(const struct outcome_stack *st, size_t max_frames,
                   struct strbuf *sb)
{
    size_t n = st->nframes < max_frames ? st->nframes : max_frames;
    for (size_t i = 0; i < n; i++) {
        strbuf_addf(sb, "%s%s", i ? " < " : "", st->frames[i]);
    }
    if (n < st->nframes) {
        strbuf_adds(sb, " < ...");
    }
    if (st->nframes == 0) {
        strbuf_adds(sb, "(no frames left after filtering)");
    }
}

void
outcome_set_detail(struct outcome *o, const char *text)
{
    free(o->detail);
    o->detail = oc_dup_or_null(text);
}

int
outcome_is_regression(enum verdict_status status)
{
    return status == VERDICT_STATUS_LEAK
           || status == VERDICT_STATUS_OVER_RELEASE
           || status == VERDICT_STATUS_CRASH
           || status == VERDICT_STATUS_TIMEOUT;
}

int
outcome_is_finding(enum verdict_status status)
{
    return status != VERDICT_STATUS_CLEAN
           && status != VERDICT_STATUS_SKIPPED;
}

int
outcome_status_from_name(const char *name)
{
    for (int s = VERDICT_STATUS_CLEAN; name && s <= VERDICT_STATUS_SKIPPED;
         s++) {
        if (strcmp(verdict_status_name((enum verdict_status)s), name) == 0) {
            return s;
        }
    }
    return -1;
}

/* The status word a finding of this kind stands for. */
static const char *
kind_word(enum verdict_kind kind)
{
    switch (kind) {
    case VERDICT_LEAK:
        return "leak";
    case VERDICT_OVER_RELEASE:
        return "over-release";
    case VERDICT_INCONCLUSIVE:
    case VERDICT_SUSPECT:
        return "suspect";
    default:
        return verdict_kind_name(kind);
    }
}

static const char *
signal_abbrev(int sig, char *buf, size_t size)
{
    static const struct {
        int sig;
        const char *name;
    } names[] = {
        {SIGABRT, "SIGABRT"}, {SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},
        {SIGFPE, "SIGFPE"},   {SIGILL, "SIGILL"},   {SIGKILL, "SIGKILL"},
        {SIGTERM, "SIGTERM"}, {SIGINT, "SIGINT"},   {SIGTRAP, "SIGTRAP"},
        {SIGPIPE, "SIGPIPE"}, {SIGHUP, "SIGHUP"},   {SIGQUIT, "SIGQUIT"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].sig == sig) {
            return names[i].name;
        }
    }
    snprintf(buf, size, "signal %d", sig);
    return buf;
}

/* "leak: +26 blocks/it (+26.0M blocks per 1M it); also ..." */
/* Whose references a refcount figure counts (its label: "None",
 * "extension types"), or NULL for the total and every other metric:
 * "+1.0 refs/it" alone does not say whose. */
static const char *
singleton_of(const struct outcome_figure *f)
{
    const struct metric *m = f->gauge ? NULL : metric_find(f->metric);

    return m && strcmp(m->unit, "refs") == 0
                   && strcmp(m->name, LMX_METRIC_NAME_REFS_TOTAL) != 0
                   && f->label
               ? f->label
               : NULL;
}

static void
add_finding(const struct outcome *o, struct strbuf *sb)
{
    const struct outcome_figure *f = &o->lead;
    char fig[VERDICT_FIGURE_SIZE];

    verdict_format_rate(fig, sizeof(fig), f->per_iteration, f->unit);
    strbuf_addf(sb, "%s: %s", kind_word(f->kind), fig);
    if (f->kind == VERDICT_LEAK && singleton_of(f)) {
        strbuf_addf(sb, " to %s", singleton_of(f));
    }
    if (f->gauge) {
        strbuf_addf(sb, " (%s)", f->metric);
    }
    if (f->kind == VERDICT_OVER_RELEASE) {
        if (isfinite(f->zero_at)) {
            strbuf_addf(sb, "; %s reaches 0 (crash) at iteration ~%.0f",
                        f->metric, f->zero_at);
        }
    }
    else if (f->kind == VERDICT_LEAK) {
        verdict_format_projection(fig, sizeof(fig), f->per_iteration,
                                  f->unit);
        strbuf_addf(sb, " (%s)", fig);
    }
    else if (f->why) {
        strbuf_addf(sb, " (%s: %s)", f->metric, f->why);
    }
    for (size_t i = 0; i < o->nalso; i++) {
        verdict_format_rate(fig, sizeof(fig), o->also[i].per_iteration,
                            o->also[i].unit);
        strbuf_addf(sb, "%s%s %s", i == 0 ? "; also " : ", ",
                    o->also[i].metric, fig);
    }
}

static void
add_end(const struct outcome *o, struct strbuf *sb)
{
    const struct outcome_end *e = &o->end;
    const char *what = e->fatal_error ? e->fatal_error
                       : e->how       ? e->how
                                      : "ended";
    const char *phase = e->phase ? e->phase : "?";

    if (o->status == VERDICT_STATUS_TIMEOUT) {
        strbuf_addf(sb, "timeout: no end after %.0f s, in %s round %lu at "
                        "iteration %llu",
                    e->timeout_s, phase, e->round, e->iteration_in_round);
    }
    else if (strcmp(phase, "finalize") == 0) {
        strbuf_addf(sb, "crash: %s while the interpreter shut down (after "
                        "%llu iterations)",
                    what, e->iterations_total);
    }
    else {
        strbuf_addf(sb, "crash: %s in %s round %lu at iteration %llu (%llu "
                        "in all)",
                    what, phase, e->round, e->iteration_in_round,
                    e->iterations_total);
    }
    if (o->lead.metric) {
        strbuf_adds(sb, "; before it: ");
        add_finding(o, sb);
    }
}

/* "; top stack: +3.9 KiB/it definitely lost at f (x.c:1) < g (x.c:2)" */
static void
add_top_stack(const struct outcome *o, struct strbuf *sb)
{
    char rate[VERDICT_FIGURE_SIZE];

    if (o->nstacks == 0) {
        return;
    }
    verdict_format_rate(rate, sizeof(rate), o->stacks[0].bytes_per_iteration,
                        "bytes");
    strbuf_addf(sb, "; top stack: %s %s at ", rate, o->stacks[0].kind);
    outcome_stack_text(&o->stacks[0], 3, sb);
}

static void
add_extras(const struct outcome *o, struct strbuf *sb)
{
    add_top_stack(o, sb);
    outcome_where_summary(o, sb);
    if (o->flags & OUTCOME_UNREACHABLE_ONLY) {
        strbuf_adds(sb, " (lsan sees unreachable memory only; --valgrind "
                        "also sees reachable growth)");
    }
    if (o->flags & OUTCOME_RSS_LIMIT) {
        strbuf_addf(sb, "; stopped at the memory bound (--max-rss %.0f MiB)",
                    o->rss_limit / (1024.0 * 1024.0));
    }
    if (o->flags & OUTCOME_LEFTOVERS_KILLED) {
        strbuf_addf(sb, "; killed %zu leftover process%s outside the "
                        "runner's process group",
                    o->leftovers, o->leftovers == 1 ? "" : "es");
    }
}

/* "; would have seen >= 0.01 blocks/it (blocks), 1.3 KiB/it (rss_bytes)" */
static void
add_seen(const struct outcome *o, struct strbuf *sb)
{
    const char *sep = "; would have seen >= ";
    for (size_t i = 0; i < 2; i++) {
        const struct outcome_figure *f = &o->seen[i];
        char fig[VERDICT_FIGURE_SIZE];
        if (f->metric == NULL) {
            continue;
        }
        verdict_format_rate(fig, sizeof(fig), f->per_iteration, f->unit);
        strbuf_addf(sb, "%s%s (%s)", sep, fig + (fig[0] == '+'), f->metric);
        sep = ", ";
    }
}

void
outcome_add_provided(struct outcome *o, const char *capability,
                     const char *module, const char *dist,
                     const char *version)
{
    o->provided = xrealloc(o->provided,
                           (o->nprovided + 1) * sizeof(*o->provided));
    struct outcome_provided *p = &o->provided[o->nprovided++];
    p->capability = xstrdup(capability ? capability : "?");
    p->module = oc_dup_or_null(module);
    p->dist = oc_dup_or_null(dist);
    p->version = oc_dup_or_null(version);
    p->used = NULL;
}

void
outcome_provided_set_used(struct outcome *o, const char *used)
{
    if (o->nprovided == 0) {
        return;
    }
    free(o->provided[o->nprovided - 1].used);
    o->provided[o->nprovided - 1].used = oc_dup_or_null(used);
}

void
outcome_provided_text(const struct outcome_provided *p, struct strbuf *sb)
{
    if (p->module == NULL) {
        strbuf_addf(sb, "no candidate for %s was imported", p->capability);
    }
    else if (p->dist) {
        strbuf_addf(sb, "%s came from %s%s%s (module %s)", p->capability,
                    p->dist, p->version ? " " : "",
                    p->version ? p->version : "", p->module);
    }
    else {
        strbuf_addf(sb, "%s came from module %s", p->capability, p->module);
    }
    if (p->used) {
        strbuf_addf(sb, "; used: %s", p->used);
    }
}

static void
add_provided(const struct outcome *o, struct strbuf *sb, int short_form)
{
    for (size_t i = 0; i < o->nprovided; i++) {
        const struct outcome_provided *p = &o->provided[i];
        if (!short_form) {
            strbuf_adds(sb, "; ");
            outcome_provided_text(p, sb);
        }
        else if (p->module && p->dist) {
            strbuf_addf(sb, " via %s%s%s (%s)", p->dist,
                        p->version ? " " : "", p->version ? p->version : "",
                        p->module);
        }
        else if (p->module) {
            strbuf_addf(sb, " via %s", p->module);
        }
    }
}

void
outcome_summary(const struct outcome *o, struct strbuf *sb)
{
    switch (o->status) {
    case VERDICT_STATUS_CRASH:
    case VERDICT_STATUS_TIMEOUT:
        add_end(o, sb);
        break;
    case VERDICT_STATUS_SKIPPED:
        strbuf_addf(sb, "skipped: %s", o->detail ? o->detail : "?");
        break;
    case VERDICT_STATUS_ERROR:
        strbuf_addf(sb, "error: %s", o->detail ? o->detail : "?");
        break;
    case VERDICT_STATUS_CLEAN:
        strbuf_adds(sb, "clean");
        if (o->flags & OUTCOME_IMMORTAL_SINGLETONS) {
            strbuf_adds(sb, " (None immortal: a leak or over-release of "
                            "None would not show)");
        }
        add_seen(o, sb);
        break;
    default:
        if (o->lead.metric) {
            add_finding(o, sb);
        }
        else {
            strbuf_adds(sb, verdict_status_name(o->status));
        }
        break;
    }
    add_extras(o, sb);
    add_provided(o, sb, 0);
}

/* "1234" -> "1.2k": the zero point in a narrow column. */
static void
add_count_short(struct strbuf *sb, double v)
{
    static const char *const suffix[] = {"", "k", "M", "G", "T"};
    size_t i = 0;
    while (fabs(v) >= 1000 && i + 1 < sizeof(suffix) / sizeof(suffix[0])) {
        v /= 1000;
        i++;
    }
    strbuf_addf(sb, i == 0 ? "%.0f%s" : "%.1f%s", v, suffix[i]);
}

static void
add_figure_short(const struct outcome_figure *f, struct strbuf *sb)
{
    char fig[VERDICT_FIGURE_SIZE];

    if (f->kind == VERDICT_OVER_RELEASE) {
        verdict_format_rate(fig, sizeof(fig), f->per_iteration, NULL);
        strbuf_addf(sb, "over-release %s %s", f->label ? f->label : "?",
                    fig);
        if (isfinite(f->zero_at)) {
            strbuf_adds(sb, ", 0 at ~it ");
            add_count_short(sb, f->zero_at);
        }
        return;
    }
    if (f->kind == VERDICT_LEAK && singleton_of(f)) {
        verdict_format_rate(fig, sizeof(fig), f->per_iteration, NULL);
        strbuf_addf(sb, "leak %s %s", singleton_of(f), fig);
        return;
    }
    verdict_format_rate(fig, sizeof(fig), f->per_iteration, f->unit);
    strbuf_addf(sb, "%s %s", kind_word(f->kind), fig);
}

static void
cell_status_text(const struct outcome *o, struct strbuf *sb)
{
    char buf[32];

    switch (o->status) {
    case VERDICT_STATUS_CRASH:
        strbuf_adds(sb, "crash ");
        if (o->end.signal) {
            strbuf_adds(sb, signal_abbrev(o->end.signal, buf, sizeof(buf)));
        }
        else {
            strbuf_addf(sb, "exit %d", o->end.exit_code);
        }
        if (o->end.phase && strcmp(o->end.phase, "finalize") == 0) {
            strbuf_adds(sb, " at exit");
        }
        break;
    case VERDICT_STATUS_TIMEOUT:
        strbuf_addf(sb, "timeout %.0f s", o->end.timeout_s);
        break;
    case VERDICT_STATUS_CLEAN:
        strbuf_adds(sb, o->flags & OUTCOME_IMMORTAL_SINGLETONS
                            ? "clean (None immortal)"
                            : "clean");
        return;
    case VERDICT_STATUS_LEAK:
    case VERDICT_STATUS_OVER_RELEASE:
    case VERDICT_STATUS_SUSPECT:
        if (o->lead.metric) {
            add_figure_short(&o->lead, sb);
            if (o->flags & OUTCOME_RSS_LIMIT) {
                strbuf_adds(sb, " (max-rss)");
            }
            return;
        }
        /* fallthrough */
    default:
        strbuf_adds(sb, verdict_status_name(o->status));
        return;
    }
    if (o->lead.metric) {
        strbuf_adds(sb, "; ");
        add_figure_short(&o->lead, sb);
    }
}

void
outcome_cell_text(const struct outcome *o, struct strbuf *sb)
{
    cell_status_text(o, sb);
    add_provided(o, sb, 1);
}

void
outcome_cell_verdict_text(const struct outcome *o, struct strbuf *sb)
{
    cell_status_text(o, sb);
}
