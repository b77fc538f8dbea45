/* where.h - the runner's side of naming what grew and where: calls into
 * where.py (embedded as _leakmatrix_where), which reads the fds, threads
 * and uncollectable garbage at each round end and, with --trace, runs
 * tracemalloc.  Nothing here reads a probe: every call comes after the
 * round's readings, or before its iterations, so what it allocates is
 * never between two readings (base/proto.h has the records it feeds).
 *
 * A failure inside where.py is the harness's bug, not the scenario's: its
 * traceback goes to stderr (the cell's stderr tail) and the round goes on
 * without the names; it never ends a cell.
 *
 * Ownership: the module and its functions are held here from where_init()
 * to where_release(); strings returned are new references for the caller.
 */
#ifndef LMX_RUNNER_WHERE_H
#define LMX_RUNNER_WHERE_H

#include "embed.h"

/* Loads where.py and calls its init(support, trace, frames), support
 * being the runner's support module (borrowed).  Before the scenario
 * loads: with trace, tracemalloc is imported now.  0, or -1 with the
 * Python error printed; every other function is then a no-op. */
int where_init(PyObject *support, int trace, long frames);

/* After setup(): the first reading of the names (where.prepare()). */
void where_prepare(void);

/* Before a round's iterations; last_warmup: the baseline round, where
 * tracing starts. */
void where_round_begin(int last_warmup);

/* After a round's readings: the round record's "grew" as a JSON str (new
 * reference), or NULL when nothing moved (or on a failure, reported). */
PyObject *where_round_end(int counted);

/* After the counted rounds: the trace record as a JSON str (new
 * reference), which stops tracing; NULL without --trace (or on a
 * failure, reported).  iterations: those of the counted rounds. */
PyObject *where_trace_record(long long iterations, int census);

/* Stops tracing, if it runs (an error ended the rounds). */
void where_trace_stop(void);

/* Drops the module and its functions. */
void where_release(void);

#endif
