/* html.c - one self-contained HTML file: the grid, and per cell a detail
 * view with its readings as small inline SVG plots, each metric's verdict
 * and reason, the census growth, the stderr tail and the third-party
 * modules it imported.  No script, no network, no external style: the
 * file is the whole report, to attach to a CI run or mail around. */
#include "report/report_internal.h"
#include "report/escape.h"

#include <math.h>
#include <string.h>

#define PLOT_W 260
#define PLOT_H 64

/* Numbers are most of an html report (a plot's points, the readings per
 * round of 1,000 cells); printf-ing each was half its rendering time.
 * These two write the common cases by hand and leave the rest to
 * printf. */

/* v with one decimal (a plot coordinate, 0 <= v < 1e9). */
static void
add_tenths(struct strbuf *out, double v)
{
    char buf[24];
    char *p = buf + sizeof(buf);
    long long t;

    if (!(v >= 0 && v < 1e9)) {
        strbuf_addf(out, "%.1f", v);
        return;
    }
    t = llround(v * 10);
    *--p = (char)('0' + t % 10);
    *--p = '.';
    t /= 10;
    do {
        *--p = (char)('0' + t % 10);
        t /= 10;
    } while (t > 0);
    strbuf_add(out, p, (size_t)(buf + sizeof(buf) - p));
}

/* A reading as %.15g would print it: whole numbers by hand. */
static void
add_reading(struct strbuf *out, double v)
{
    char buf[24];
    char *p = buf + sizeof(buf);
    long long t;

    if (!(fabs(v) < 1e15) || v != floor(v)) {
        strbuf_addf(out, "%.15g", v);
        return;
    }
    t = (long long)fabs(v);
    do {
        *--p = (char)('0' + t % 10);
        t /= 10;
    } while (t > 0);
    if (v < 0) {
        *--p = '-';
    }
    strbuf_add(out, p, (size_t)(buf + sizeof(buf) - p));
}

static const char html_style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse}"
    "th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;"
    "vertical-align:top}"
    "th{background:#f3f3f3}"
    "tr.group th{background:#e4e4e4}th.test{padding-left:1.5em;"
    "font-weight:normal}p.hidden{color:#555}"
    "td.clean{background:#e9f7ec}td.leak,td.over-release{background:#fde2e1}"
    "td.crash,td.timeout{background:#f9d0f3}td.suspect{background:#fff4cc}"
    "td.error{background:#eee}td.skipped{color:#777}"
    "td.changed{outline:3px solid #d33;outline-offset:-3px}"
    "a{color:inherit}"
    "section{border-top:1px solid #ccc;margin-top:1.5em}"
    "pre{background:#f7f7f7;padding:.5em;overflow:auto;max-height:20em}"
    "svg{background:#fafafa;border:1px solid #ddd}"
    "table.readings td{text-align:right;font-variant-numeric:tabular-nums}"
    "svg polyline{fill:none;stroke:#1f6fb2;stroke-width:1.5}"
    "svg line.base{stroke:#999;stroke-dasharray:3 3}"
    ".plots{display:flex;flex-wrap:wrap;gap:8px}"
    ".plot{font-size:12px}";

static void
esc(struct strbuf *out, const char *s)
{
    report_escape_xml(s ? s : "", out);
}

static void
cell_id(struct strbuf *out, size_t row, size_t col)
{
    strbuf_addf(out, "cell-%zu-%zu", row, col);
}

static void
render_grid(const struct report_grid *g, struct strbuf *out)
{
    const char *group = NULL;
    struct strbuf hidden = STRBUF_INIT;

    strbuf_adds(out, "<table class=\"grid\">\n<tr><th>scenario</th>");
    for (size_t c = 0; c < g->ncols; c++) {
        strbuf_adds(out, "<th>");
        esc(out, g->cols[c].label);
        strbuf_adds(out, "</th>");
    }
    strbuf_adds(out, "</tr>\n");
    for (size_t r = 0; r < g->nrows; r++) {
        if (!g->rows[r].shown) {
            continue;
        }
        if (g->rows[r].group && (group == NULL
                                 || strcmp(group, g->rows[r].group) != 0)) {
            strbuf_addf(out, "<tr class=\"group\"><th colspan=\"%zu\">",
                        g->ncols + 1);
            esc(out, g->rows[r].group);
            strbuf_adds(out, "</th></tr>\n");
        }
        group = g->rows[r].group;
        strbuf_adds(out, g->rows[r].group ? "<tr><th class=\"test\">"
                                          : "<tr><th>");
        esc(out, g->rows[r].name);
        strbuf_adds(out, "</th>");
        for (size_t c = 0; c < g->ncols; c++) {
            const struct result *res = report_grid_at(g, r, c);
            struct strbuf text = STRBUF_INIT;
            report_cell_text(res, &text);
            if (res == NULL) {
                strbuf_adds(out, "<td>-</td>");
                strbuf_release(&text);
                continue;
            }
            strbuf_addf(out, "<td class=\"%s%s\"><a href=\"#",
                        verdict_status_name(res->outcome.status),
                        g->changed[r * g->ncols + c] ? " changed" : "");
            cell_id(out, r, c);
            strbuf_adds(out, "\">");
            esc(out, text.buf);
            strbuf_adds(out, "</a></td>");
            strbuf_release(&text);
        }
        strbuf_adds(out, "</tr>\n");
    }
    strbuf_adds(out, "</table>\n");
    if (report_grid_hidden_text(g, &hidden)) {
        strbuf_adds(out, "<p class=\"hidden\">");
        esc(out, hidden.buf);
        strbuf_adds(out, "</p>\n");
    }
    strbuf_release(&hidden);
    if (g->lines.nr) {
        strbuf_adds(out, "<ul class=\"changes\">\n");
        for (size_t i = 0; i < g->lines.nr; i++) {
            strbuf_adds(out, "<li>");
            esc(out, g->lines.v[i]);
            strbuf_adds(out, "</li>\n");
        }
        strbuf_adds(out, "</ul>\n");
    }
}

/* One metric's readings over every round as a polyline; the baseline
 * (the last warm-up round) as a dashed line. */
static void
render_plot(json_t *rounds, const char *group, const char *name,
            struct strbuf *out)
{
    size_t n = json_array_size(rounds), k = 0, base = 0;
    double *v = xcalloc(n ? n : 1, sizeof(*v));
    double lo = INFINITY, hi = -INFINITY;

    for (size_t i = 0; i < n; i++) {
        json_t *rd = json_array_get(rounds, i);
        json_t *x = json_object_get(json_object_get(rd, group), name);
        if (!json_is_number(x)) {
            continue;
        }
        const char *phase = json_string_value(json_object_get(rd, "phase"));
        if (phase && strcmp(phase, "warmup") == 0) {
            base = k;
        }
        v[k] = json_number_value(x);
        lo = v[k] < lo ? v[k] : lo;
        hi = v[k] > hi ? v[k] : hi;
        k++;
    }
    if (k >= 2) {
        double span = hi > lo ? hi - lo : 1;
        strbuf_addf(out, "<div class=\"plot\"><svg width=\"%d\" "
                         "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
                         "<title>",
                    PLOT_W, PLOT_H, PLOT_W, PLOT_H);
        esc(out, name);
        strbuf_adds(out, "</title>");
        double by = PLOT_H - 4 - (v[base] - lo) / span * (PLOT_H - 8);
        strbuf_addf(out, "<line class=\"base\" x1=\"0\" y1=\"%.1f\" "
                         "x2=\"%d\" y2=\"%.1f\"/>",
                    by, PLOT_W, by);
        strbuf_adds(out, "<polyline points=\"");
        for (size_t i = 0; i < k; i++) {
            double x = 4 + (double)i / (double)(k - 1) * (PLOT_W - 8);
            double y = PLOT_H - 4 - (v[i] - lo) / span * (PLOT_H - 8);
            strbuf_adds(out, i ? " " : "");
            add_tenths(out, x);
            strbuf_addch(out, ',');
            add_tenths(out, y);
        }
        strbuf_addf(out, "\"/></svg><br>");
        esc(out, name);
        strbuf_addf(out, " %.6g .. %.6g</div>\n", lo, hi);
    }
    free(v);
}

static void
render_metrics(json_t *doc, struct strbuf *out)
{
    const char *groups[] = {"metrics", "gauges"};
    json_t *rounds = json_object_get(doc, "rounds");

    if (json_object_size(json_object_get(doc, "metrics")) == 0
        && json_object_size(json_object_get(doc, "gauges")) == 0) {
        strbuf_adds(out, "<p>No metric was judged: fewer than two counted "
                         "rounds.</p>\n");
        return;
    }
    strbuf_adds(out, "<table class=\"metrics\"><tr><th>metric</th>"
                     "<th>verdict</th><th>per iteration</th><th>growth</th>"
                     "<th>why</th></tr>\n");
    for (size_t gi = 0; gi < 2; gi++) {
        const char *name;
        json_t *m;
        json_object_foreach(json_object_get(doc, groups[gi]), name, m) {
            json_t *rate = json_object_get(m, "per_iteration");
            json_t *growth = json_object_get(m, "growth");
            strbuf_adds(out, "<tr><td>");
            esc(out, name);
            strbuf_adds(out, gi ? " (gauge)" : "");
            strbuf_adds(out, "</td><td>");
            esc(out, json_string_value(json_object_get(m, "verdict")));
            strbuf_adds(out, "</td><td>");
            if (json_is_number(rate)) {
                strbuf_addf(out, "%+.4g", json_number_value(rate));
            }
            strbuf_adds(out, "</td><td>");
            if (json_is_number(growth)) {
                strbuf_addf(out, "%+.6g", json_number_value(growth));
            }
            strbuf_adds(out, "</td><td>");
            esc(out, json_string_value(json_object_get(m, "why")));
            strbuf_adds(out, "</td></tr>\n");
        }
    }
    strbuf_adds(out, "</table>\n<div class=\"plots\">\n");
    for (size_t gi = 0; gi < 2; gi++) {
        const char *name;
        json_t *m;
        json_object_foreach(json_object_get(doc, groups[gi]), name, m) {
            render_plot(rounds, gi ? "g" : "m", name, out);
        }
    }
    strbuf_adds(out, "</div>\n");
}

/* Every round's readings, in a table folded away by default. */
static void
render_readings(json_t *doc, struct strbuf *out)
{
    json_t *rounds = json_object_get(doc, "rounds");
    json_t *names = json_object();
    size_t i;
    json_t *rd;

    if (json_array_size(rounds) == 0) {
        json_decref(names);
        return;
    }
    /* The columns: every probe and gauge any round has. */
    json_array_foreach(rounds, i, rd) {
        const char *groups[] = {"m", "g"};
        for (size_t gi = 0; gi < 2; gi++) {
            const char *name;
            json_t *v;
            json_object_foreach(json_object_get(rd, groups[gi]), name, v) {
                char *col = xasprintf("%s%s", gi ? "g:" : "m:", name);
                json_object_set_new(names, col, json_true());
                free(col);
            }
        }
    }
    strbuf_adds(out, "<details><summary>Readings per round</summary>"
                     "<table class=\"readings\"><tr><th>phase</th>"
                     "<th>round</th><th>iterations</th>");
    const char *col;
    json_t *unused;
    json_object_foreach(names, col, unused) {
        strbuf_adds(out, "<th>");
        esc(out, col + 2);
        strbuf_adds(out, col[0] == 'g' ? " (gauge)</th>" : "</th>");
    }
    strbuf_adds(out, "</tr>\n");
    json_array_foreach(rounds, i, rd) {
        strbuf_adds(out, "<tr><td>");
        esc(out, json_string_value(json_object_get(rd, "phase")));
        strbuf_addf(out, "</td><td>%lld</td><td>%.0f</td>",
                    (long long)json_integer_value(json_object_get(rd,
                                                                  "round")),
                    json_number_value(json_object_get(rd, "iterations")));
        json_object_foreach(names, col, unused) {
            json_t *v = json_object_get(json_object_get(rd, col[0] == 'g'
                                                                ? "g"
                                                                : "m"),
                                        col + 2);
            if (json_is_number(v)) {
                strbuf_adds(out, "<td>");
                add_reading(out, json_number_value(v));
                strbuf_adds(out, "</td>");
            }
            else {
                strbuf_adds(out, "<td>n/a</td>");
            }
        }
        strbuf_adds(out, "</tr>\n");
    }
    strbuf_adds(out, "</table></details>\n");
    json_decref(names);
}

/* How many module names a distribution's row lists before "...". */
#define IMPORTS_NAMED 6

/* The third-party modules imported, one row per distribution (and
 * version): how many modules, the first few names, where the first one
 * lives.  A library such as kafka-python brings 150 modules; a row each
 * made the detail view unreadable and the file large. */
static void
render_imports(json_t *imports, struct strbuf *out)
{
    size_t n = json_array_size(imports), rows = 0;
    unsigned char *done = xcalloc(n ? n : 1, 1);

    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(imports, i);
        const char *dist = json_string_value(json_object_get(v, "dist"));
        const char *ver = json_string_value(json_object_get(v, "version"));
        size_t count = 0;

        if (dist == NULL || done[i]) {
            continue;
        }
        struct strbuf names = STRBUF_INIT;
        for (size_t k = i; k < n; k++) {
            json_t *w = json_array_get(imports, k);
            const char *d = json_string_value(json_object_get(w, "dist"));
            const char *wv = json_string_value(json_object_get(w,
                                                               "version"));
            if (done[k] || d == NULL || strcmp(d, dist) != 0
                || (ver == NULL) != (wv == NULL)
                || (ver && strcmp(ver, wv) != 0)) {
                continue;
            }
            done[k] = 1;
            if (count++ < IMPORTS_NAMED) {
                const char *name = json_string_value(json_object_get(w,
                                                                     "name"));
                strbuf_adds(&names, count > 1 ? ", " : "");
                strbuf_adds(&names, name ? name : "?");
            }
        }
        if (count > IMPORTS_NAMED) {
            strbuf_adds(&names, ", ...");
        }
        if (rows++ == 0) {
            strbuf_adds(out, "<h4>Imported from distributions</h4><table>"
                             "<tr><th>distribution</th><th>version</th>"
                             "<th>modules</th><th>first module's file</th>"
                             "</tr>\n");
        }
        strbuf_adds(out, "<tr><td>");
        esc(out, dist);
        strbuf_adds(out, "</td><td>");
        esc(out, ver);
        strbuf_addf(out, "</td><td>%zu: ", count);
        esc(out, names.buf);
        strbuf_adds(out, "</td><td>");
        esc(out, json_string_value(json_object_get(v, "file")));
        strbuf_adds(out, "</td></tr>\n");
        strbuf_release(&names);
    }
    if (rows) {
        strbuf_adds(out, "</table>\n");
    }
    free(done);
}

static void
render_census_and_imports(json_t *doc, struct strbuf *out)
{
    size_t i;
    json_t *v;
    json_t *census = json_object_get(doc, "census");

    if (json_array_size(census)) {
        strbuf_adds(out, "<h4>Types that grew (census)</h4><ul>\n");
        json_array_foreach(census, i, v) {
            strbuf_adds(out, "<li>");
            esc(out, json_string_value(json_object_get(v, "type")));
            strbuf_addf(out, " %+.3g/it (%.0f live)</li>\n",
                        json_number_value(json_object_get(v,
                                                          "per_iteration")),
                        json_number_value(json_object_get(v, "live")));
        }
        strbuf_adds(out, "</ul>\n");
    }
    render_imports(json_object_get(doc, "imports"), out);
}

/* The native stacks that grew, one frame a line. */
static void
render_stacks(const struct outcome *o, struct strbuf *out)
{
    char rate[VERDICT_FIGURE_SIZE], blocks[VERDICT_FIGURE_SIZE];

    if (o->nstacks == 0) {
        return;
    }
    strbuf_adds(out, "<h4>Native stacks that grew in every counted round (");
    esc(out, o->native ? o->native : "?");
    strbuf_adds(out, ")</h4><ol class=\"stacks\">\n");
    for (size_t i = 0; i < o->nstacks && i < REPORT_STACKS_SHOWN; i++) {
        const struct outcome_stack *st = &o->stacks[i];
        verdict_format_rate(rate, sizeof(rate), st->bytes_per_iteration,
                            "bytes");
        verdict_format_rate(blocks, sizeof(blocks),
                            st->blocks_per_iteration, "blocks");
        strbuf_adds(out, "<li>");
        esc(out, rate);
        strbuf_adds(out, " (");
        esc(out, blocks);
        strbuf_adds(out, ") ");
        esc(out, st->kind);
        strbuf_adds(out, "<pre>");
        for (size_t k = 0; k < st->nframes; k++) {
            esc(out, st->frames[k]);
            strbuf_addch(out, '\n');
        }
        strbuf_adds(out, "</pre></li>\n");
    }
    strbuf_adds(out, "</ol>\n");
}

/* One frame of a traced site: "file:line in function", its source line,
 * the site's own frame in bold. */
static void
render_frame(const struct outcome_frame *fr, int site, struct strbuf *out)
{
    struct strbuf at = STRBUF_INIT;

    outcome_frame_text(fr, &at);
    strbuf_adds(out, site ? "<li><b><code>" : "<li><code>");
    esc(out, at.buf);
    strbuf_adds(out, site ? "</code></b>" : "</code>");
    if (fr->source) {
        strbuf_adds(out, "<pre>");
        esc(out, fr->source);
        strbuf_adds(out, "</pre>");
    }
    strbuf_adds(out, "</li>\n");
    strbuf_release(&at);
}

/* The trace's sites, each with its source line and traceback, and the
 * names of what grew. */
static void
render_where(const struct result *res, struct strbuf *out)
{
    const struct outcome *o = &res->outcome;
    struct strbuf line = STRBUF_INIT;

    if (o->nsites) {
        strbuf_adds(out, "<h4>Where it grows (");
        esc(out, o->tracer ? o->tracer : "?");
        strbuf_adds(out, ": sites that grew in every counted round)</h4>"
                         "<ol class=\"stacks\">\n");
    }
    for (size_t i = 0; i < o->nsites && i < REPORT_SITES_SHOWN; i++) {
        const struct outcome_site *s = &o->sites[i];
        strbuf_reset(&line);
        report_site_line(s, &line);
        strbuf_adds(out, "<li>");
        esc(out, line.buf);
        strbuf_adds(out, "<ul>\n");
        for (size_t k = 0; k < s->nframes; k++) {
            render_frame(&s->frames[k], k == s->at, out);
        }
        strbuf_adds(out, "</ul></li>\n");
    }
    strbuf_adds(out, o->nsites ? "</ol>\n" : "");
    size_t shown = 0;
    for (size_t i = 0; i < o->nnamed; i++) {
        if (!report_named_shown(res, &o->named[i])) {
            continue;
        }
        strbuf_adds(out, shown++ ? "" : "<h4>What grew by name</h4><ul>");
        strbuf_reset(&line);
        report_named_line(o, &o->named[i], &line);
        strbuf_adds(out, "<li>");
        esc(out, line.buf);
        strbuf_adds(out, "</li>\n");
    }
    strbuf_adds(out, shown ? "</ul>\n" : "");
    strbuf_release(&line);
}

/* The library set (asked for, installed, or why it did not install) and
 * which module provided each capability the scenario declares. */
static void
render_libs(const struct result *res, struct strbuf *out)
{
    json_t *libs = json_object_get(res->doc, "libs");
    size_t i;
    json_t *v;

    for (i = 0; i < res->outcome.nprovided; i++) {
        struct strbuf line = STRBUF_INIT;
        outcome_provided_text(&res->outcome.provided[i], &line);
        strbuf_adds(out, "<p class=\"provided\">");
        esc(out, line.buf);
        strbuf_adds(out, "</p>\n");
        strbuf_release(&line);
    }
    if (!json_is_object(libs)) {
        return;
    }
    strbuf_adds(out, "<h4>Library set</h4><p>asked for <code>");
    esc(out, json_string_value(json_object_get(libs, "set")));
    strbuf_adds(out, "</code>");
    json_t *inst = json_object_get(libs, "installed");
    if (json_array_size(inst)) {
        strbuf_adds(out, "; installed ");
        json_array_foreach(inst, i, v) {
            strbuf_adds(out, i ? ", " : "");
            esc(out, json_string_value(json_object_get(v, "name")));
            strbuf_adds(out, " ");
            esc(out, json_string_value(json_object_get(v, "version")));
        }
    }
    strbuf_adds(out, "</p>\n");
    const char *tail = json_string_value(json_object_get(libs, "log_tail"));
    if (tail && *tail) {
        strbuf_adds(out, "<h4>install log (tail)</h4><pre>");
        esc(out, tail);
        strbuf_adds(out, "</pre>\n");
    }
}

static void
render_detail(const struct report_grid *g, size_t r, size_t c,
              struct strbuf *out)
{
    const struct result *res = report_grid_at(g, r, c);
    json_t *doc = res->doc;
    const char *tail = json_string_value(json_object_get(doc, "stderr_tail"));

    strbuf_adds(out, "<section id=\"");
    cell_id(out, r, c);
    strbuf_adds(out, "\"><h3>");
    esc(out, g->rows[r].label);
    strbuf_adds(out, " on ");
    esc(out, g->cols[c].label);
    strbuf_adds(out, "</h3>\n<p class=\"summary\">");
    esc(out, res->summary);
    strbuf_addf(out, "</p>\n<p>%lld counted rounds; result file <code>",
                (long long)json_integer_value(json_object_get(
                    doc, "counted_rounds")));
    esc(out, res->path);
    strbuf_adds(out, "</code></p>\n");
    render_metrics(doc, out);
    render_stacks(&res->outcome, out);
    render_where(res, out);
    render_readings(doc, out);
    render_libs(res, out);
    render_census_and_imports(doc, out);
    if (tail && *tail) {
        strbuf_adds(out, "<h4>stderr (tail)</h4><pre>");
        esc(out, tail);
        strbuf_adds(out, "</pre>\n");
    }
    strbuf_adds(out, "</section>\n");
}

void
report_render_html(const struct report_grid *g, struct strbuf *out)
{
    strbuf_addf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                     "<meta charset=\"utf-8\"><title>leakmatrix report"
                     "</title><style>%s</style></head><body>\n"
                     "<h1>leakmatrix</h1>\n",
                html_style);
    render_grid(g, out);
    for (size_t r = 0; r < g->nrows; r++) {
        for (size_t c = 0; g->rows[r].shown && c < g->ncols; c++) {
            if (report_grid_at(g, r, c)) {
                render_detail(g, r, c, out);
            }
        }
    }
    strbuf_adds(out, "</body></html>\n");
}
