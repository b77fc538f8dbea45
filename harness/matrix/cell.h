/* cell.h - one cell: one scenario on one interpreter, in its own runner
 * process.  Starts the runner, feeds what its pipes say to the cell's
 * evidence (evidence.h), answers its "more rounds?" while a metric is
 * inconclusive, contains crashes, hangs and runaway memory, and at the
 * end has the evidence concluded (conclude.h) into a structured outcome
 * and one result document (schema in results/README.md).  The spec is
 * cellspec.h's; struct cell_result is conclude.h's.
 *
 * A cell is a state machine with no global state, so that a scheduler can
 * drive many at once from one poll() loop:
 *
 *     struct cell *c = cell_start(&spec, &res);       NULL: res says why
 *     while (!ended) {
 *         n = cell_poll_fds(c, pfd, CELL_MAX_FDS);    add to the poll set
 *         poll(...);
 *         ended = cell_step(c, pfd, n, util_now_monotonic());
 *     }
 *     cell_finish(c, &res);                           frees c
 *
 * The caller ignores SIGPIPE (main() does): cell_step() answers the
 * runner, which may die before it reads the answer.
 *
 * Tests may share a runner (spec->serve, the runner's --serve): a cell
 * then ends at the test's done record (or its served record, after a
 * skip or an error the runner went on from), and cell_hand_over()
 * concludes it and gives its runner to the next test's cell:
 *
 *     spec.serve = cell_can_serve(&spec);
 *     ... cell_step() returned 1 ...
 *     c = cell_hand_over(c, &next_spec, &res);  NULL: c finished as by
 *                                                cell_finish()
 *
 * A crashing, hanging or raising scenario is a result, not a failure:
 * only a runner that cannot be started at all (or an interpreter that
 * cannot initialise) is.
 *
 * Ownership: the cell owns its runner, its descriptors and its evidence
 * until cell_finish() frees them.  The spec, and everything it points to,
 * is borrowed and must outlive the cell.
 */
#ifndef LMX_CELL_H
#define LMX_CELL_H

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/spawn.h"
#include "matrix/cellspec.h"
#include "matrix/conclude.h"

struct cell;

/* The most descriptors cell_poll_fds() asks for. */
#define CELL_MAX_FDS 4

/* The environment of a runner for spec, into sp: PYTHON* variables
 * removed (unless spec->keep_python_env), LEAKMATRIX_TAG, and
 * LEAKMATRIX_LIBPATH when the cell has a library set.  collect.c starts
 * its runners with it too. */
void cell_runner_env(const struct cell_spec *spec, struct spawn *sp);

/* Starts the runner.  Returns the running cell, or NULL when it could not
 * be started (res is then filled in: kind CELL_INFRA and a message). */
struct cell *cell_start(const struct cell_spec *spec,
                        struct cell_result *res);

/* Fills pfd[0..] with the descriptors to wait on (POLLIN), at most max;
 * returns how many.  Zero means none is left open: call cell_step() after
 * a short wait anyway (the runner may still be exiting). */
size_t cell_poll_fds(const struct cell *c, struct pollfd *pfd, size_t max);

/* Reads what pfd (as filled by cell_poll_fds() and returned by poll())
 * says is readable, takes the records and answers the runner, then checks
 * the deadlines against now (the caller's util_now_monotonic(), the only
 * clock a step reads) and the memory bound.  Never blocks: a round that
 * waits for the native engine's report (evidence.h) waits across steps,
 * up to 10 s of now, and the caller polls on.  Returns 1 once the cell
 * has ended (call cell_finish()), else 0. */
int cell_step(struct cell *c, const struct pollfd *pfd, size_t n,
              double now);

/* Where the runner is: the phase name, the round, and iterations run. */
struct cell_where {
    const char *phase;
    unsigned round;
    unsigned long long iterations_total;
};
void cell_where(const struct cell *c, struct cell_where *w);

/* The runner's pid (the leader of its process group): a front end that is
 * interrupted kills -pid. */
pid_t cell_pid(const struct cell *c);

/* Waits for the runner (and ends what it left behind), has its evidence
 * concluded (conclude_cell()) into res (released first).  Frees c.  A
 * runner that serves tests is told there are no more (EOF on its control
 * pipe) and waited for. */
void cell_finish(struct cell *c, struct cell_result *res);

/* Whether spec's runner may serve many tests in turn: a test target
 * (target.h) with no native engine and no --trace. */
int cell_can_serve(const struct cell_spec *spec);

/* Whether the runner of a and that of b can be the same process: both
 * can serve, on the same interpreter and library set, with the same
 * runner arguments but the test. */
int cell_can_share(const struct cell_spec *a, const struct cell_spec *b);

/* After cell_step() returned 1: when c's test ended with done (or served)
 * in a runner that serves and next can share it (cell_can_share()),
 * concludes c into res (released first; exit status 0, or the served
 * record's status; the runner's pid) and returns a
 * cell of next on the same runner, which is told next's test; else
 * cell_finish(c, res) and NULL.  Frees c either way; next->serve must be
 * set, and next, borrowed, must outlive the new cell. */
struct cell *cell_hand_over(struct cell *c, const struct cell_spec *next,
                            struct cell_result *res);

/* After cell_step() returned 1: whether c's runner, handed over, ended
 * before it wrote c a record (it ended after its last test: it left
 * something behind).  The cell did not run: finish it, drop its result
 * and run its test again in a fresh runner. */
int cell_unstarted(const struct cell *c);

#endif
