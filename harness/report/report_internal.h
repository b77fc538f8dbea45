/* report_internal.h - what render.c and the format renderers share, for
 * them alone (no other folder, not the model): one entry point per
 * format, which render.c's table calls, and the native stack lines text
 * and markdown print.  report.h is the manual for everyone else; the
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
/* "+16 KiB/it (+1.0 blocks/it) definitely lost: f (x.c:1) < g (x.c:2)" */
void report_stack_line(const struct outcome_stack *st, struct strbuf *out);
/* Whether any result of the grid has stacks. */
int report_any_stacks(const struct report_grid *g);
/* For every cell with stacks, in grid order: cell_prefix, "ROW on COL:",
 * then a line_prefix and report_stack_line() per stack shown. */
void report_render_stacks(const struct report_grid *g,
                          const char *cell_prefix, const char *line_prefix,
                          struct strbuf *out);

#endif
