/* data.c - the reports for machines: json (the outcomes), junit (one
 * testcase per cell, for CI test-report views) and csv (one row per cell
 * and metric, and per site and name that grew, for spreadsheets and
 * scripts).  Each walks the grid so that its order is the grid's: rows,
 * then version-ordered columns. */
#include "report/report_internal.h"
#include "report/escape.h"

#include <math.h>
#include <string.h>

void
report_render_json(const struct report_grid *g, struct strbuf *out)
{
    json_t *cells = json_array();
    json_t *lines = json_array();

    for (size_t r = 0; r < g->nrows; r++) {
        for (size_t c = 0; c < g->ncols; c++) {
            const struct result *res = report_grid_at(g, r, c);
            if (res == NULL) {
                continue;
            }
            struct strbuf text = STRBUF_INIT;
            report_cell_text(res, &text);
            json_array_append_new(
                cells,
                json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:s, "
                          "s:o, s:b, s:s}",
                          "key", "scenario", res->key.scenario, "params",
                          res->key.params, "python", res->key.python,
                          "libset", res->key.libset, "mode", res->key.mode,
                          "version", res->python_version, "summary",
                          res->summary, "cell", text.buf, "outcome",
                          outcome_to_json(&res->outcome), "changed",
                          g->changed[r * g->ncols + c], "file", res->path));
            strbuf_release(&text);
        }
    }
    for (size_t i = 0; i < g->lines.nr; i++) {
        json_array_append_new(lines, json_string(g->lines.v[i]));
    }
    json_t *doc = json_pack("{s:i, s:o, s:o}", "schema", RESULT_SCHEMA,
                            "cells", cells, "changes", lines);
    char *text = json_dumps(doc, JSON_INDENT(1));
    strbuf_adds(out, text ? text : "{}");
    strbuf_addch(out, '\n');
    free(text);
    json_decref(doc);
}

static int
junit_fails(enum verdict_status s)
{
    return s != VERDICT_STATUS_CLEAN && s != VERDICT_STATUS_SKIPPED;
}

/* A failure's sites and names (where.c), one a line after the summary. */
static void
junit_where(const struct result *res, struct strbuf *out)
{
    struct strbuf lines = STRBUF_INIT;

    report_cell_where(res, "", &lines);
    if (lines.len) {
        strbuf_addch(out, '\n');
        strbuf_rtrim(&lines);
        report_escape_xml(lines.buf, out);
    }
    strbuf_release(&lines);
}

void
report_render_junit(const struct report_grid *g, struct strbuf *out)
{
    size_t tests = 0, failures = 0, skipped = 0;
    double time = 0;

    for (size_t i = 0; i < g->set->nr; i++) {
        const struct result *r = &g->set->v[i];
        tests++;
        failures += junit_fails(r->outcome.status);
        skipped += r->outcome.status == VERDICT_STATUS_SKIPPED;
        time += isfinite(r->wall_s) ? r->wall_s : 0;
    }
    strbuf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    strbuf_addf(out, "<testsuites name=\"leakmatrix\" tests=\"%zu\" "
                     "failures=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
                tests, failures, skipped, time);
    strbuf_addf(out, "  <testsuite name=\"leakmatrix\" tests=\"%zu\" "
                     "failures=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
                tests, failures, skipped, time);
    for (size_t r = 0; r < g->nrows; r++) {
        for (size_t c = 0; c < g->ncols; c++) {
            const struct result *res = report_grid_at(g, r, c);
            if (res == NULL) {
                continue;
            }
            enum verdict_status st = res->outcome.status;
            strbuf_adds(out, "    <testcase classname=\"");
            report_escape_xml(g->rows[r].label, out);
            strbuf_adds(out, "\" name=\"");
            report_escape_xml(g->cols[c].label, out);
            strbuf_addf(out, "\" time=\"%.3f\"",
                        isfinite(res->wall_s) ? res->wall_s : 0);
            if (!junit_fails(st) && st != VERDICT_STATUS_SKIPPED) {
                strbuf_adds(out, "/>\n");
                continue;
            }
            strbuf_adds(out, ">\n      <");
            strbuf_adds(out, st == VERDICT_STATUS_SKIPPED ? "skipped"
                                                          : "failure");
            strbuf_adds(out, " message=\"");
            report_escape_xml(res->summary, out);
            if (st == VERDICT_STATUS_SKIPPED) {
                strbuf_adds(out, "\"/>\n");
            }
            else {
                strbuf_addf(out, "\" type=\"%s\">", verdict_status_name(st));
                report_escape_xml(res->summary, out);
                junit_where(res, out);
                strbuf_adds(out, "\nresult: ");
                report_escape_xml(res->path, out);
                strbuf_adds(out, "</failure>\n");
            }
            strbuf_adds(out, "    </testcase>\n");
        }
    }
    strbuf_adds(out, "  </testsuite>\n</testsuites>\n");
}

static void
add_csv_number(struct strbuf *out, json_t *v)
{
    if (json_is_number(v)) {
        strbuf_addf(out, "%.6g", json_number_value(v));
    }
}

static void
add_cell_fields(const struct result *res, struct strbuf *out)
{
    const char *fields[] = {res->key.scenario, res->key.params,
                            res->key.python, res->python_version,
                            res->key.libset, res->key.mode,
                            verdict_status_name(res->outcome.status)};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        report_escape_csv(fields[i], out);
        strbuf_addch(out, ',');
    }
}

static void
add_metric_fields(const char *name, int gauge, json_t *m, struct strbuf *out)
{
    report_escape_csv(name, out);
    strbuf_addf(out, ",%s,", gauge ? "gauge" : "probe");
    report_escape_csv(json_string_value(json_object_get(m, "verdict")), out);
    strbuf_addch(out, ',');
    add_csv_number(out, json_object_get(m, "per_iteration"));
    strbuf_addch(out, ',');
    add_csv_number(out, json_object_get(m, "growth"));
    strbuf_addch(out, ',');
    report_escape_csv(json_string_value(json_object_get(m, "unit")), out);
    strbuf_addch(out, ',');
    report_escape_csv(json_string_value(json_object_get(m, "why")), out);
    strbuf_addch(out, '\n');
}

/* A row of a site or a name that grew: kind "site" (its frame, bytes and
 * blocks per iteration, one row each, its source line as why) or the
 * name's kind ("fds", "threads", "garbage"; where an fd was opened as
 * why); verdict "grew" when it grew in every counted round. */
static void
add_where_row(const struct result *res, const char *metric,
              const char *kind, int every_round, double per_iteration,
              const char *unit, const char *why, struct strbuf *out)
{
    add_cell_fields(res, out);
    report_escape_csv(metric, out);
    strbuf_addf(out, ",%s,%s,", kind, every_round ? "grew" : "");
    if (isfinite(per_iteration)) {
        strbuf_addf(out, "%.6g", per_iteration);
    }
    strbuf_adds(out, ",,");
    report_escape_csv(unit, out);
    strbuf_addch(out, ',');
    report_escape_csv(why ? why : "", out);
    strbuf_addch(out, '\n');
}

static void
csv_where(const struct result *res, struct strbuf *out)
{
    const struct outcome *o = &res->outcome;
    struct strbuf at = STRBUF_INIT;

    for (size_t i = 0; i < o->nsites; i++) {
        const struct outcome_site *s = &o->sites[i];
        const struct outcome_frame *fr = &s->frames[s->at];
        strbuf_reset(&at);
        outcome_frame_text(fr, &at);
        add_where_row(res, at.buf, "site", 1, s->bytes_per_iteration,
                      "bytes", fr->source, out);
        add_where_row(res, at.buf, "site", 1, s->blocks_per_iteration,
                      "blocks", fr->source, out);
    }
    for (size_t i = 0; i < o->nnamed; i++) {
        const struct outcome_named *n = &o->named[i];
        strbuf_reset(&at);
        if (n->opened.file) {
            strbuf_adds(&at, "opened at ");
            outcome_frame_text(&n->opened, &at);
        }
        add_where_row(res, n->name, n->kind, n->every_round,
                      n->per_iteration, n->kind, at.buf, out);
    }
    strbuf_release(&at);
}

/* One line per metric of one cell (a cell without metrics gets one line
 * with the metric fields empty, so that every cell is there), then one
 * per site and name that grew (add_where_row()). */
static void
csv_cell(const struct result *res, struct strbuf *out)
{
    const char *groups[] = {"metrics", "gauges"};
    int any = 0;

    for (size_t gi = 0; gi < 2; gi++) {
        const char *name;
        json_t *m;
        json_object_foreach(json_object_get(res->doc, groups[gi]), name, m) {
            add_cell_fields(res, out);
            add_metric_fields(name, (int)gi, m, out);
            any = 1;
        }
    }
    if (!any) {
        add_cell_fields(res, out);
        strbuf_adds(out, ",,,,,,\n");
    }
    csv_where(res, out);
}

void
report_render_csv(const struct report_grid *g, struct strbuf *out)
{
    strbuf_adds(out, "scenario,params,python,version,libset,mode,status,"
                     "metric,kind,verdict,per_iteration,growth,unit,why\n");
    for (size_t r = 0; r < g->nrows; r++) {
        for (size_t c = 0; c < g->ncols; c++) {
            const struct result *res = report_grid_at(g, r, c);
            if (res) {
                csv_cell(res, out);
            }
        }
    }
}
