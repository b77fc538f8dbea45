/* conclude_private.h - what the files of the conclusion share, for them
 * alone.  conclude.c concludes a cell's evidence into its outcome and
 * result document, and calls the others, which call none of its files:
 *
 *   conclude_metrics.c  every metric's verdict, the status and its lead,
 *                       what a clean cell could have seen, the census
 *   conclude_doc.c      the document's parts that are not verdicts
 *                       (what ran, on what, with which libraries), and
 *                       output text made valid for JSON
 *   conclude_where.c    what names the growth (the trace's sites with
 *                       --trace, the fds, threads and garbage that grew),
 *                       which never changes a status
 *
 * Ownership: as in conclude.h; everything in struct facts is borrowed.
 */
#ifndef LMX_CONCLUDE_PRIVATE_H
#define LMX_CONCLUDE_PRIVATE_H

#include "matrix/conclude.h"

/* One cell's facts, passed along together. */
struct facts {
    const struct cell_spec *spec;
    const struct evidence *ev;
    const struct conclude_end *end;
};

/* ---- conclude_metrics.c ------------------------------------------------ */

/* Judges every metric and gauge of the evidence (it has two counted
 * rounds at least): adds "metrics" and "gauges" to doc, and sets o's
 * status, its lead and the figures that agree with it, or for a clean
 * cell what it could have seen. */
void conclude_metrics(const struct facts *f, json_t *doc, struct outcome *o);

/* Adds "census" to doc: up to 20 types that leaked, fastest first. */
void conclude_census(const struct facts *f, json_t *doc);

/* ---- conclude_doc.c ---------------------------------------------------- */

/* A JSON string of a scenario's output, which may be any bytes: invalid
 * UTF-8 becomes U+FFFD instead of making jansson drop the whole value.
 * New reference. */
json_t *conclude_text(const char *text);

/* The document of a cell that ran, everything but the verdicts: what
 * ran, on what, and what it printed (new reference). */
json_t *conclude_base_doc(const struct facts *f);

/* The document of a cell that did not run, but for its status (new
 * reference). */
json_t *conclude_unrun_doc(const struct cell_spec *spec);

/* The document's "provides" into the outcome, where the summary and the
 * grid render it. */
void conclude_note_provided(json_t *doc, struct outcome *o);

/* ---- conclude_where.c -------------------------------------------------- */

/* The document's "trace" (the trace record, null without --trace) and
 * "grew" (what grew by name), their notes (doc's "notes" must exist),
 * and the outcome's tracer, sites and names. */
void conclude_where(const struct facts *f, json_t *doc, struct outcome *o);

#endif
