/* cell.h - one cell: one scenario on one interpreter, in its own runner
 * process.  Starts the runner, reads its records (harness/proto.h), asks
 * for more rounds while a metric is inconclusive, contains crashes, hangs
 * and runaway memory, and turns it all into a structured outcome
 * (outcome.h) and one result document (schema in results/README.md).
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
 * A crashing, hanging or raising scenario is a result, not a failure:
 * only a runner that cannot be started at all (or an interpreter that
 * cannot initialise) is.
 *
 * Ownership: struct cell_result owns its outcome, its JSON document
 * (jansson reference) and its strings; cell_result_release() frees them.
 * The spec, and everything it points to, is borrowed and must outlive the
 * cell.
 */
#ifndef LMX_CELL_H
#define LMX_CELL_H

#include <jansson.h>
#include <poll.h>
#include <sys/types.h>

#include "native/leakcheck.h"
#include "judge/outcome.h"
#include "interp/registry.h"
#include "base/util.h"
#include "judge/verdict.h"

struct cell_spec {
    const struct python *py;
    const char *scenario;        /* absolute path of the scenario file */
    const char *const *sets;     /* "name=value" overrides, NULL-ended */
    unsigned long warmup;        /* 0: the scenario's WARMUP, else 3 */
    unsigned long rounds;        /* >= 2 */
    unsigned long max_rounds;    /* >= rounds */
    unsigned long iterations;    /* 0: the scenario's ITERATIONS */
    int census;
    double timeout_s;            /* whole cell, > 0 */
    double max_rss;              /* bytes; the runner is ended above it;
                                    0: no bound */
    int keep_python_env;         /* pass PYTHON* variables through */
    enum leakcheck_mode native;  /* --valgrind, --lsan: the runner runs
                                    under that engine (leakcheck.h);
                                    timeout_s and max_rss are the
                                    caller's, already scaled */
    /* The library set (libset.h): lib_path goes first on the scenario's
     * sys.path (NULL: none); libs, borrowed, becomes the result's "libs"
     * (what was asked for and installed; NULL: none). */
    const char *lib_path;
    json_t *libs;
    /* pinned: the runner, and whatever the scenario starts, run on CPU
     * `cpu` alone (the pool gives each running cell a CPU of its own). */
    int pinned;
    int cpu;
};

enum cell_kind {
    CELL_DONE,        /* a result (any status) */
    CELL_USAGE,       /* the scenario rejected --set: usage error */
    CELL_INFRA,       /* runner could not start / interpreter init failed */
};

struct cell_result {
    enum cell_kind kind;
    struct outcome outcome;   /* CELL_DONE */
    json_t *doc;          /* the result document (CELL_DONE and CELL_USAGE) */
    char *summary;        /* outcome_summary() of outcome */
    char *message;        /* CELL_USAGE / CELL_INFRA: what went wrong */
};

void cell_result_init(struct cell_result *res);
void cell_result_release(struct cell_result *res);

struct cell;

/* The most descriptors cell_poll_fds() asks for. */
#define CELL_MAX_FDS 4

/* Starts the runner.  Returns the running cell, or NULL when it could not
 * be started (res is then filled in: kind CELL_INFRA and a message). */
struct cell *cell_start(const struct cell_spec *spec,
                        struct cell_result *res);

/* Fills pfd[0..] with the descriptors to wait on (POLLIN), at most max;
 * returns how many.  Zero means none is left open: call cell_step() after
 * a short wait anyway (the runner may still be exiting). */
size_t cell_poll_fds(const struct cell *c, struct pollfd *pfd, size_t max);

/* Reads what pfd (as filled by cell_poll_fds() and returned by poll())
 * says is readable, then checks the deadlines against now (the caller's
 * util_now_monotonic(), the only clock a step reads) and the memory
 * bound.  Returns 1 once the cell has ended (call cell_finish()), else
 * 0. */
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

/* Waits for the runner (and ends what it left behind), judges the series
 * and fills res (released first).  Frees c. */
void cell_finish(struct cell *c, struct cell_result *res);

/* The result of a cell that could not run because what it needs could not
 * be made (its library set did not install): status skipped, `reason` as
 * the outcome's detail, spec->libs as "libs".  Fills res (kind CELL_DONE,
 * released first). */
void cell_skip_unrunnable(const struct cell_spec *spec, const char *reason,
                          struct cell_result *res);

#endif
