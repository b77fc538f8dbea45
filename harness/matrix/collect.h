/* collect.h - a run's test targets (target.h) made into their tests.
 * Each target has one cell per interpreter and library set
 * (plan_add_target()); for each, the set is installed and the cell's
 * runner, started with --collect on that interpreter with that set, from
 * the directory the tests will run in, says which tests the target
 * selects (base/proto.h, version 5: pytest's own collection with -k and
 * -m, unittest's loader, an import for a callable).  The cell is then
 * replaced by one cell per test (plan_replace()), so that rows may differ
 * between interpreters as the tests they collect do.
 *
 * What collection finds beside tests becomes cells that do not run
 * (plan_cell.ready): a file that does not import is an `error` cell named
 * for the file, with the traceback, and the other files go on; a file
 * that skips itself (pytest.importorskip), a pytest that does not import,
 * a set that does not install: `skipped`, with the reason; a runner that
 * crashes or hangs while collecting: an `error` for the target there.  A
 * target that selects nothing on every interpreter, or a selection the
 * framework rejects (-k 'a and'), is a usage error in the framework's own
 * words; one that selects nothing on some interpreters only is skipped
 * there.
 *
 * Ownership: the plan and the library sets are the caller's; what
 * collection puts in the plan, the plan owns.
 */
#ifndef LMX_COLLECT_H
#define LMX_COLLECT_H

#include "matrix/plan.h"
#include "matrix/runlibs.h"

struct collect_opts {
    const char *keyword;      /* -k EXPR, or NULL */
    const char *marks;        /* -m MARKEXPR, or NULL */
    double test_budget;       /* --test-budget seconds, or LMX_NOT_GIVEN */
    const char *libs_root;    /* the library store (runlibs.h) */
    int quiet;                /* no progress on stderr */
};

/* Collects every cell of p with `collect` set, in place.  0;
 * LMX_EXIT_USAGE after printing the framework's words (nothing selected
 * by a target, a selection it rejects); LMX_EXIT_INFRA after printing
 * why (a runner that cannot start, speaks another protocol or whose
 * interpreter does not start; an unusable library store). */
int collect_plan(struct plan *p, struct run_libs *libs,
                 const struct collect_opts *o);

#endif
