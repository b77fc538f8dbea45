/* cell_internal.h - what cell.c and celldoc.c share, for them alone.
 *
 * cell.c runs the runner and collects what its records say into struct
 * cell; celldoc.c judges that and writes the result (cell.h is the
 * module's manual for everyone else).  Ownership: the cell owns every
 * field; the spec is borrowed.
 */
#ifndef LMX_CELL_INTERNAL_H
#define LMX_CELL_INTERNAL_H

#include "matrix/cell.h"
#include "judge/metric.h"
#include "base/proto.h"
#include "base/spawn.h"

/* How much of the scenario's stdout and stderr a result keeps. */
#define TAIL_KEEP (16 * 1024)

/* One metric's readings: value[0] is the baseline (the last warm-up round),
 * then one per counted round. */
struct track {
    char *name;
    int gauge;
    int census;
    double *value;
    double *iters;
    size_t n;
    size_t alloc;
};

struct tracks {
    struct track *v;
    size_t nr;
    size_t alloc;
};

enum cell_fd { FD_RECORDS, FD_OUT, FD_ERR, FD_NATIVE, FD_COUNT };

struct cell {
    const struct cell_spec *spec;
    struct spawn sp;
    int fds[FD_COUNT];       /* what we read; -1 once at EOF */
    int control_fd;          /* our answers; -1 once closed */
    int progress_fd;         /* the memfd page */
    char marker[64];         /* LEAKMATRIX_CELL=...: finds leftovers */
    double started;
    char *started_iso;
    double deadline;
    double drain_until;      /* 0 while the runner runs */
    double next_rss_check;
    int warned;              /* SIGUSR1 sent: stacks asked for */
    int timed_out;
    int rss_limited;
    double rss_at_limit;
    int proto_mismatch;

    /* What the records said. */
    json_t *hello;
    json_t *probes;
    json_t *scenario;
    json_t *skip;
    json_t *error;
    json_t *imports;
    json_t *rounds;          /* round records, as received (census removed) */
    int done;
    int bad_records;
    unsigned long counted;   /* counted rounds received */
    double warm_iterations;  /* iterations up to the baseline */
    double all_iterations;   /* iterations in every round received */
    struct tracks metrics;   /* the probes, by name */
    struct tracks gauges;    /* inspect()'s gauges: a namespace of their own */
    struct tracks census;
    struct strbuf line;      /* partial record line */
    struct strbuf out_tail;
    struct strbuf err_tail;
    struct leakcheck_log nlog;  /* the native engine's reports */
    int native_lost;            /* a round's report never came */
};

/* A tail buffer's text: its last TAIL_KEEP bytes, not starting inside a
 * UTF-8 character.  Borrowed from tail. */
const char *cell_tail_text(const struct strbuf *tail);

/* A JSON string of a scenario's output, which may be any bytes: invalid
 * UTF-8 becomes U+FFFD instead of making jansson drop the whole value.
 * New reference. */
json_t *cell_json_text(const char *text);

/* The metric-table row of a track (scratch holds a gauge's or a census
 * type's row).  Never NULL. */
const struct metric *cell_track_metric(const struct track *tr,
                                       struct metric *scratch);

/* Judges one track's readings (verdict_judge()); final: no more rounds
 * will come.  Returns verdict_judge()'s result. */
int cell_judge_track(const struct track *tr, int final, struct verdict *v);

/* celldoc.c: judges the finished cell c (its runner has exited: ex, the
 * progress page, leftovers killed) and fills res with the outcome, the
 * summary line and the result document; kind CELL_DONE.  res was released
 * by the caller. */
void celldoc_conclude(struct cell *c, const struct spawn_exit *ex,
                      const struct lmx_progress *page, size_t leftovers,
                      struct cell_result *res);

#endif
