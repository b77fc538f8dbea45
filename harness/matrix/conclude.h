/* conclude.h - a finished cell's answer: its evidence (evidence.h) judged,
 * metric by metric and as a whole, into a structured outcome
 * (judge/outcome.h), its summary line and the result document that
 * result.c writes and reads back (schema in results/README.md).  Nothing
 * here runs or waits for a process: cell.c says how the runner ended
 * (struct conclude_end).  Also the answer of a cell that could not run.
 *
 * struct cell_result and its functions keep the cell_ prefix every user
 * knows them by; they are made here.
 *
 * Ownership: struct cell_result owns its outcome, its JSON document
 * (jansson reference) and its strings; cell_result_release() frees them.
 * Everything passed in is borrowed.
 */
#ifndef LMX_CONCLUDE_H
#define LMX_CONCLUDE_H

#include <jansson.h>
#include <stddef.h>

#include "base/proto.h"
#include "base/spawn.h"
#include "judge/outcome.h"
#include "matrix/cellspec.h"
#include "matrix/evidence.h"

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
/* Releases res, then makes it CELL_INFRA with message (a fresh string,
 * taken over). */
void cell_result_infra(struct cell_result *res, char *message);

/* How the runner's process ended, as cell.c saw it. */
struct conclude_end {
    struct spawn_exit ex;        /* its exit status (a runner that
                                    serves many tests: a clean exit
                                    after its done record, the status
                                    its served record gives after a
                                    skip or an error) */
    pid_t runner_pid;            /* the runner's pid, or 0 */
    struct lmx_progress page;    /* the progress page at the end (zeroed
                                    when the runner never wrote one) */
    size_t leftovers;            /* processes it left, killed */
    int timed_out;               /* ended at the deadline (or hung when
                                    stacks were asked for) */
    int rss_limited;             /* ended at the memory bound ... */
    double rss_at_limit;         /* ... with this RSS, in bytes */
    const char *started;         /* when the cell started, UTC ISO 8601 */
    double wall_s;               /* how long it ran */
};

/* Judges the evidence of a cell run for spec, whose runner ended as `end`
 * says (ev is at its end: evidence_end()), and fills res (released
 * first): CELL_INFRA when the runner could not speak for itself (another
 * protocol; an interpreter that did not start), CELL_USAGE when the
 * scenario rejected a --set (the document made all the same), else
 * CELL_DONE with the outcome, summary and document. */
void conclude_cell(const struct cell_spec *spec, const struct evidence *ev,
                   const struct conclude_end *end, struct cell_result *res);

/* The result of a cell that could not run because what it needs could not
 * be made (its library set did not install): status skipped, `reason` as
 * the outcome's detail, spec->libs as "libs".  Fills res (kind CELL_DONE,
 * released first). */
void cell_skip_unrunnable(const struct cell_spec *spec, const char *reason,
                          struct cell_result *res);

/* The result of a test that collection found broken (a file that does
 * not import, a collection that crashed or hung: collect.h): status
 * error, "collection failed: WHY" as the outcome's detail, and an "error"
 * (where "collect", kind "test") with text, the framework's traceback or
 * the collection's stderr (may be NULL).  Fills res (kind CELL_DONE,
 * released first). */
void cell_error_uncollected(const struct cell_spec *spec, const char *why,
                            const char *text, struct cell_result *res);

#endif
