/* report_internal.h - what render.c and the format renderers share, for
 * them alone (no other folder, not the model): one entry point per
 * format, which render.c's table calls, and the native stack lines, the
 * trace's sites and the names of what grew that text and markdown
 * print.  report.h is the manual for everyone else; the
 * renderers that quote also include escape.h.
 *
 * Ownership: as in report.h.  g and the results are borrowed and only
 * read; every function appends to the caller's strbuf and cannot fail.
 */
#ifndef LMX_REPORT_INTERNAL_H
#define LMX_REPORT_INTERNAL_H

#include "report/report.h"

/* The format renderers, reached through report_render(): g rendered in
 * one format, appended to out.  text.c: text and markdown; html.c: html;
 * data.c: json, junit and csv. */
void report_render_text(const struct report_grid *g, struct strbuf *out);
void report_render_markdown(const struct report_grid *g, struct strbuf *out);
void report_render_html(const struct report_grid *g, struct strbuf *out);
void report_render_json(const struct report_grid *g, struct strbuf *out);
void report_render_junit(const struct report_grid *g, struct strbuf *out);
void report_render_csv(const struct report_grid *g, struct strbuf *out);

/* Native stacks (--valgrind, --lsan; stacks.c).  How many of a cell's
 * stacks the reports show, fastest growing first (the result file keeps
 * up to OUTCOME_MAX_STACKS); html.c renders its own from the same
 * fields. */
#define REPORT_STACKS_SHOWN 3
/* "+16 KiB/it (+1.0 blocks/it)": a stack's or a site's two rates. */
void report_rate_pair(double bytes_per_iteration,
                      double blocks_per_iteration, struct strbuf *out);
/* "+16 KiB/it (+1.0 blocks/it) definitely lost: f (x.c:1) < g (x.c:2)" */
void report_stack_line(const struct outcome_stack *st, struct strbuf *out);
/* Whether any result of the grid has stacks. */
int report_any_stacks(const struct report_grid *g);
/* For every cell with stacks, in grid order: cell_prefix, "ROW on COL:",
 * then a line_prefix and report_stack_line() per stack shown. */
void report_render_stacks(const struct report_grid *g,
                          const char *cell_prefix, const char *line_prefix,
                          struct strbuf *out);

/* Where it grows (--trace) and what grew by name (where.c).  How many of
 * a cell's sites the reports show, fastest growing first (the result
 * file keeps up to OUTCOME_MAX_SITES); html.c renders its own. */
#define REPORT_SITES_SHOWN 3
/* "+24 B/it (+1.0 blocks/it) at pyleak.py:11 in iterate", then with
 * --census "; types: KeptPerIteration 500 live" */
void report_site_line(const struct outcome_site *s, struct strbuf *out);
/* "pyleak.py:11 in iterate: state.append(object())" */
void report_frame_line(const struct outcome_frame *fr, struct strbuf *out);
/* Whether the reports show a name of what grew: it grew in every counted
 * round, or the cell has a finding. */
int report_named_shown(const struct result *r,
                       const struct outcome_named *n);
/* "fds +1.0/it every round: /tmp/x.log, opened at x.py:3 in f" */
void report_named_line(const struct outcome *o,
                       const struct outcome_named *n, struct strbuf *out);
/* One cell's part of report_render_where(): its sites shown, each with
 * its traceback, and its names shown. */
void report_cell_where(const struct result *r, const char *line_prefix,
                       struct strbuf *out);
/* Whether any result of the grid has sites or names shown. */
int report_any_where(const struct report_grid *g);
/* For every cell with either, in grid order: cell_prefix, "ROW on COL:",
 * then a line_prefix and report_site_line() per site shown with its
 * traceback under it (one frame a line, "> " at the site's frame), and
 * report_named_line() per name shown. */
void report_render_where(const struct report_grid *g,
                         const char *cell_prefix, const char *line_prefix,
                         struct strbuf *out);

#endif
