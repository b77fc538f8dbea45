/* pool.h - runs the cells of a plan, up to N at once, from one poll()
 * loop, with progress on stderr and a clean stop on Ctrl-C.
 *
 * Each finished cell goes to the caller's callback at once (which writes
 * its result), so an interrupted run loses only the cells that were still
 * running.  SIGINT, SIGTERM and SIGHUP end every running runner's process
 * group and make pool_run() return POOL_INTERRUPTED; runners live in
 * groups of their own, so the terminal's Ctrl-C would not reach them, and
 * they die with the front end if it is killed outright (PR_SET_PDEATHSIG).
 *
 * Order: one cell of each group (a scenario on release or debug builds)
 * first, to learn how long they take, then the longest expected first, so
 * that short cells fill the end of the run (cells still finish into the
 * callback as they end; the reports sort them).
 *
 * Tests share runners (opts->share): a test cell (cell_can_serve()) starts a runner
 * that serves many; when its test ends with done, the runner goes on
 * with the next pending cell it can serve (cell_can_share(): the same
 * interpreter, library set and runner arguments), in plan order, in the
 * same slot.  Each cell still finishes into the callback on its own.  A
 * runner that crashes or hangs ends its cell only; the rest start a
 * fresh one.  A cell whose handed-over runner ended before saying
 * anything of it runs again in a fresh runner.
 *
 * CPUs: with opts->pin each cell runs on a CPU of its own, claimed
 * machine-wide among leakmatrix processes for as long as it runs (cpus.h;
 * sched_setaffinity in the child, so the scenario's threads and processes
 * stay there); when none is free, anywhere.
 *
 * Progress: on a terminal one status line (cells done of total, the
 * running cells and where they are, elapsed, an estimate of the time
 * left), rewritten in place; otherwise one line per finished cell;
 * nothing when quiet.
 */
#ifndef LMX_POOL_H
#define LMX_POOL_H

#include <stdio.h>

#include "matrix/cell.h"
#include "matrix/plan.h"

/* Called for each finished cell, in the order they finish.  res is
 * released by the scheduler after the call.  A non-zero return stops the
 * run: no new cell starts, running ones finish. */
typedef int (*pool_done_fn)(struct plan_cell *pc, struct cell_result *res,
                             void *ctx);

struct pool_opts {
    unsigned jobs;        /* cells at once, >= 1 */
    int quiet;
    FILE *progress;       /* stderr */
    int tty;              /* progress is a terminal */
    size_t already_done;  /* cells finished before (resume), for counts */
    int pin;              /* each running cell on a CPU of its own while
                             one is free (cpus.h) */
    int share;            /* tests share runners (above) */
};

enum {
    POOL_OK = 0,
    POOL_STOPPED = 1,       /* the callback asked to stop */
    POOL_INTERRUPTED = 2,   /* a signal: running cells were killed */
};

/* Runs every cell i of p with to_run[i] set.  Returns POOL_*. */
int pool_run(struct plan *p, const unsigned char *to_run,
              const struct pool_opts *opts, pool_done_fn done, void *ctx);

/* The signal that interrupted the last pool_run(), or 0. */
int pool_signal(void);

/* The CPUs this process may run on (util_cpu_count(): the affinity
 * mask, so taskset and cgroups count), at least 1: the default for -j. */
unsigned pool_cores(void);

#endif
