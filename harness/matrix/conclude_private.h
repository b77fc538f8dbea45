/* conclude_private.h - what conclude.c and conclude_where.c share, for
 * them alone: conclude.c judges a cell's evidence into its outcome and
 * result document; conclude_where.c adds what names the growth (the
 * trace's sites with --trace, the fds, threads and garbage that grew),
 * which never changes a status.
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

/* The document's "trace" (the trace record, null without --trace) and
 * "grew" (what grew by name), their notes (doc's "notes" must exist),
 * and the outcome's tracer, sites and names. */
void conclude_where(const struct facts *f, json_t *doc, struct outcome *o);

#endif
