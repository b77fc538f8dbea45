/* metric.h - the one table of what leakmatrix measures: for each metric
 * its name, the verdict class that decides how it is judged, its unit and
 * its rank (which metric explains a finding best).  The names are
 * base/metrics.h's, which the runner writes: each has one row here, and a
 * new kind of metric joins by a name there and a row here; nothing else
 * guesses a class from a name.
 *
 * A scenario's own gauges (inspect()) and census types are not in the
 * table: they are counts, in their own name as unit, ranked after every
 * probe (metric_gauge()).
 *
 * Ownership: every pointer returned points into static storage.
 */
#ifndef LMX_METRIC_H
#define LMX_METRIC_H

#include "judge/verdict.h"

struct metric {
    const char *name;          /* as the runner names it: "rss_bytes" */
    enum verdict_class cls;
    const char *unit;          /* "bytes", "refs", ...: verdict_format_* */
    int rank;                  /* lower explains a finding better */
    const char *label;         /* short name in tables: "None", "RSS" */
    const char *what;          /* a few words for people and reports */
};

/* The rank of gauges and census types: after every probe but RSS, which
 * every other leak shows in too. */
#define METRIC_RANK_GAUGE 100

/* The row for a probe name, or NULL for a name the table does not know
 * (a probe from a newer runner: judged as a gauge by metric_get()). */
const struct metric *metric_find(const char *name);

/* The row for a probe, or for an unknown name (a gauge, a census type) a
 * row describing it as a count in its own name: written into *scratch,
 * whose name, unit and label then point at `name`, which must outlive it.
 * Never NULL. */
const struct metric *metric_get(const char *name, int is_gauge,
                                struct metric *scratch);

/* The table itself, for documentation and tests. */
const struct metric *metric_table(unsigned *count);

#endif
