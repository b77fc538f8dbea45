/* where.c - where a cell's growth was allocated (--trace: its sites) and
 * what grew by name (fds, threads, garbage), as lines for the text and
 * markdown reports and for the junit failure text; html.c renders its
 * own from the same fields, data.c's csv its rows (outcome.h: struct
 * outcome_site, struct outcome_named). */
#include "report/report_internal.h"

#include <string.h>

void
report_site_line(const struct outcome_site *s, struct strbuf *out)
{
    report_rate_pair(s->bytes_per_iteration, s->blocks_per_iteration, out);
    strbuf_adds(out, " at ");
    outcome_frame_text(&s->frames[s->at], out);
    for (size_t k = 0; k < s->ntypes; k++) {
        strbuf_addf(out, "%s%s %.0f live", k ? ", " : "; types: ",
                    s->types[k].type, s->types[k].live);
    }
}

void
report_frame_line(const struct outcome_frame *fr, struct strbuf *out)
{
    outcome_frame_text(fr, out);
    if (fr->source) {
        strbuf_addf(out, ": %s", fr->source);
    }
}

int
report_named_shown(const struct result *r, const struct outcome_named *n)
{
    return n->every_round || outcome_is_finding(r->outcome.status);
}

void
report_named_line(const struct outcome *o, const struct outcome_named *n,
                  struct strbuf *out)
{
    char rate[VERDICT_FIGURE_SIZE];

    verdict_format_rate(rate, sizeof(rate), n->per_iteration, NULL);
    strbuf_addf(out, "%s %s%s: %s", n->kind, rate,
                n->every_round ? " every round" : "", n->name);
    if (n->opened.file) {
        strbuf_adds(out, ", opened at ");
        outcome_frame_text(&n->opened, out);
    }
    else if (o->tracer && strcmp(n->kind, "fds") == 0) {
        strbuf_adds(out, ", held by no Python object");
    }
}

/* Whether r has anything for report_render_where() to say. */
static int
has_where(const struct result *r)
{
    for (size_t i = 0; i < r->outcome.nnamed; i++) {
        if (report_named_shown(r, &r->outcome.named[i])) {
            return 1;
        }
    }
    return r->outcome.nsites > 0;
}

int
report_any_where(const struct report_grid *g)
{
    for (size_t i = 0; i < g->set->nr; i++) {
        if (has_where(&g->set->v[i])) {
            return 1;
        }
    }
    return 0;
}

void
report_cell_where(const struct result *r, const char *line_prefix,
                  struct strbuf *out)
{
    const struct outcome *o = &r->outcome;

    for (size_t i = 0; i < o->nsites && i < REPORT_SITES_SHOWN; i++) {
        const struct outcome_site *s = &o->sites[i];
        strbuf_adds(out, line_prefix);
        report_site_line(s, out);
        strbuf_addch(out, '\n');
        for (size_t k = 0; k < s->nframes; k++) {
            strbuf_addf(out, "%s    %s", line_prefix, k == s->at ? "> "
                                                                 : "  ");
            report_frame_line(&s->frames[k], out);
            strbuf_addch(out, '\n');
        }
    }
    for (size_t i = 0; i < o->nnamed; i++) {
        if (report_named_shown(r, &o->named[i])) {
            strbuf_adds(out, line_prefix);
            report_named_line(o, &o->named[i], out);
            strbuf_addch(out, '\n');
        }
    }
}

void
report_render_where(const struct report_grid *g, const char *cell_prefix,
                    const char *line_prefix, struct strbuf *out)
{
    for (size_t r = 0; r < g->nrows; r++) {
        for (size_t c = 0; c < g->ncols; c++) {
            const struct result *res = report_grid_at(g, r, c);
            if (res == NULL || !has_where(res)) {
                continue;
            }
            strbuf_addf(out, "%s%s on %s:\n", cell_prefix, g->rows[r].label,
                        g->cols[c].label);
            report_cell_where(res, line_prefix, out);
        }
    }
}
