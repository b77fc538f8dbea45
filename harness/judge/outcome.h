/* outcome.h - the structured result of one cell: its status, the metric
 * that explains it and that metric's rate, flags such as "singletons are
 * immortal here", and, for a runner that did not finish, how it ended.
 *
 * Every rendering of a cell comes from here: the one-line summary that
 * `run` prints, the short text of a grid cell, and the "outcome" object of
 * the result file, which outcome_from_json() reads back.  Nothing parses
 * rendered text: a reader that wants a fact reads the field.
 *
 * Ownership: struct outcome owns every string and array in it;
 * outcome_release() frees them and leaves it as OUTCOME_INIT.  Functions
 * that take a const char * copy it.
 */
#ifndef LMX_OUTCOME_H
#define LMX_OUTCOME_H

#include <jansson.h>
#include <stddef.h>

#include "base/util.h"
#include "judge/verdict.h"

/* What a cell's status does not say by itself. */
enum outcome_flag {
    /* None, True, ... are immortal (PEP 683): an over-release of them can
     * be neither seen nor crash the interpreter, so "clean" does not
     * clear that class of bug. */
    OUTCOME_IMMORTAL_SINGLETONS = 1u << 0,
    /* The runner was ended at the cell's memory bound (--max-rss). */
    OUTCOME_RSS_LIMIT = 1u << 1,
    /* Processes the scenario started outside the runner's process group
     * (setsid) were still alive at the end, and were killed. */
    OUTCOME_LEFTOVERS_KILLED = 1u << 2,
    /* Measured under LeakSanitizer, which sees unreachable memory only:
     * memory kept reachable (a list that only grows) shows under
     * --valgrind. */
    OUTCOME_UNREACHABLE_ONLY = 1u << 3,
};

/* An allocation stack whose loss record grew in every counted round under
 * a native engine (--valgrind, --lsan), with its growth per iteration.
 * The frames are filtered (no allocator, engine, libffi or eval loop
 * frames), innermost first: "touched_malloc (lmfixture.c:84)". */
struct outcome_stack {
    char *kind;              /* valgrind: "definitely lost", "indirectly
                                lost", "possibly lost", "still reachable";
                                lsan: "direct", "indirect" */
    double bytes_per_iteration;
    double blocks_per_iteration;
    char **frames;
    size_t nframes;
};

/* Most stacks an outcome keeps (the fastest growing). */
#define OUTCOME_MAX_STACKS 8

/* A frame of a traced allocation (--trace).  file is the path as an
 * import names it ("kafka/codec.py", "pyleak.py"); path the file's own. */
struct outcome_frame {
    char *file;
    char *path;
    long line;
    char *function;          /* "lz4f_decode", "<module>"; NULL: unknown */
    char *source;            /* the line's text, stripped; NULL: unread */
};

/* A type of the live gc objects allocated at a site (--census with
 * --trace): the census and the trace side by side. */
struct outcome_type {
    char *type;              /* "kafka.record.Record" */
    double live;             /* objects of it allocated there, alive */
};

/* An allocation site whose traced memory grew in size and count in every
 * counted round (--trace: tracemalloc, which sees what Python's
 * allocators hand out, not C's malloc), or, in a cell with a finding
 * where none did, in most rounds (a slow leak's).  It names where the
 * growth was allocated; the verdict came from the probes. */
struct outcome_site {
    double bytes_per_iteration;
    double blocks_per_iteration;
    unsigned long rounds_growing;   /* counted rounds it grew in ... */
    unsigned long rounds;           /* ... of these */
    struct outcome_frame *frames;   /* innermost first */
    size_t nframes;
    size_t at;               /* frames[at]: the innermost frame in the
                                scenario's, a test's or a library's code
                                (not the standard library's), else 0 */
    struct outcome_type *types;
    size_t ntypes;
};

/* Most sites an outcome keeps (the fastest growing). */
#define OUTCOME_MAX_SITES 8

/* Something beyond memory that grew since the baseline, by name (every
 * mode; harness/runner/where.py). */
struct outcome_named {
    char *kind;              /* "fds", "threads" or "garbage" */
    char *name;              /* fds: the target ("/tmp/x.log", a kind of
                                socket or pipe: "socket:[...]"); threads:
                                "'worker-N' running serve (srv.py:12)" or
                                "'comm' (not started by Python)";
                                garbage: the type */
    double per_iteration;    /* its growth over the counted iterations */
    int every_round;         /* it grew in every counted round */
    struct outcome_frame opened;  /* fds, --trace: where a file or socket
                                     object holding one was made (the
                                     site's frame); file NULL: unknown */
};

/* Most names an outcome keeps of each kind (the fastest growing). */
#define OUTCOME_MAX_NAMED 3

/* One metric's finding, as the summary and the grid show it. */
struct outcome_figure {
    char *metric;            /* "blocks", or a gauge's name; NULL = none */
    char *label;             /* "blocks", "None", "RSS" */
    char *unit;              /* for verdict_format_rate(): "blocks" */
    int gauge;               /* metric names one of inspect()'s gauges */
    enum verdict_kind kind;
    double per_iteration;
    double zero_at;          /* over-release: total iterations at which the
                                count reaches 0 (the crash), else NaN */
    char *why;               /* suspect: what made it so, else NULL */
};

/* How a runner that did not end normally ended (status crash or
 * timeout). */
struct outcome_end {
    char *how;               /* "killed by signal 6 (Aborted)" */
    int signal;              /* 0 when it exited */
    int exit_code;           /* -1 when a signal killed it */
    char *phase;             /* "counted", ..., "finalize" (at shutdown) */
    unsigned long round;
    unsigned long long iteration_in_round;
    unsigned long long iterations_total;
    char *fatal_error;       /* "Fatal Python error: ..." or NULL */
    double timeout_s;        /* status timeout: the limit that was hit */
};

/* A capability the scenario declares (PROVIDES) and what provided it in
 * this cell: the question the Kafka team could not answer ("which LZ4
 * binding did the consumer really use?"). */
struct outcome_provided {
    char *capability;        /* "lz4 frame decoder" */
    char *module;            /* the first candidate imported, "lz4f";
                                NULL when none was */
    char *dist;              /* its distribution, "lz4tools"; NULL when
                                unknown (stdlib, a scenario module) */
    char *version;           /* "1.3.1.2" or NULL */
    char *used;              /* how the scenario used it in this cell,
                                when it says (PROVIDES_USED): "context
                                calls only: ...", else NULL */
};

struct outcome {
    enum verdict_status status;
    unsigned flags;          /* enum outcome_flag */
    struct outcome_figure lead;
    struct outcome_figure *also;  /* other metrics with the lead's finding */
    size_t nalso;
    struct outcome_end end;
    /* clean: the smallest leak these rounds would have seen, per
     * iteration: of the most specific count and of RSS (per_iteration is
     * that rate; metric NULL when there is none).  A clean without them
     * is not comparable across cells. */
    struct outcome_figure seen[2];
    char *detail;            /* skipped: the reason; error: the message */
    double rss_limit;        /* OUTCOME_RSS_LIMIT: the bound, in bytes */
    size_t leftovers;        /* OUTCOME_LEFTOVERS_KILLED: how many */
    char *native;            /* "valgrind", "lsan", or NULL: no engine */
    struct outcome_stack *stacks;  /* fastest growing first */
    size_t nstacks;
    struct outcome_provided *provided;
    size_t nprovided;
    char *tracer;            /* "tracemalloc" with --trace, else NULL */
    struct outcome_site *sites;    /* fastest growing first */
    size_t nsites;
    struct outcome_named *named;   /* by kind, fastest growing first */
    size_t nnamed;
};

#define OUTCOME_FIGURE_INIT {NULL, NULL, NULL, 0, VERDICT_NA, 0, 0, NULL}
#define OUTCOME_INIT                                                        \
    {VERDICT_STATUS_ERROR, 0, OUTCOME_FIGURE_INIT, NULL, 0,                \
     {NULL, 0, -1, NULL, 0, 0, 0, NULL, 0},                                 \
     {OUTCOME_FIGURE_INIT, OUTCOME_FIGURE_INIT}, NULL, 0, 0, NULL, NULL, 0, \
     NULL, 0, NULL, NULL, 0, NULL, 0}

void outcome_init(struct outcome *o);
void outcome_release(struct outcome *o);

/* Fills a figure (strings copied); zero_at and why may be NaN / NULL. */
void outcome_figure_set(struct outcome_figure *f, const char *metric,
                        const char *label, const char *unit, int gauge,
                        enum verdict_kind kind, double per_iteration,
                        double zero_at, const char *why);
/* Frees a figure's strings and leaves it empty (metric NULL). */
void outcome_figure_release(struct outcome_figure *f);
/* Appends a copy of f to o->also. */
void outcome_add_also(struct outcome *o, const struct outcome_figure *f);
/* Appends a stack (strings copied) to o->stacks, unless it holds
 * OUTCOME_MAX_STACKS already. */
void outcome_add_stack(struct outcome *o, const char *kind,
                       double bytes_per_iteration,
                       double blocks_per_iteration,
                       const char *const *frames, size_t nframes);
/* The stack as one line, at most max_frames frames: "touched_malloc
 * (lmfixture.c:84) < leak_malloc (lmfixture.c:100)".  Appended to sb. */
void outcome_stack_text(const struct outcome_stack *st, size_t max_frames,
                        struct strbuf *sb);
/* Appends a site (frames copied) to o->sites, unless it holds
 * OUTCOME_MAX_SITES already; at >= nframes is taken as 0. */
void outcome_add_site(struct outcome *o, double bytes_per_iteration,
                      double blocks_per_iteration,
                      const struct outcome_frame *frames, size_t nframes,
                      size_t at);
/* Sets the last site's rounds_growing of rounds; nothing without a
 * site. */
void outcome_site_set_rounds(struct outcome *o, unsigned long growing,
                             unsigned long rounds);
/* Appends a type (copied) to the last site's types; nothing without a
 * site. */
void outcome_site_add_type(struct outcome *o, const char *type, double live);
/* Appends a name of what grew (strings copied; opened may be NULL). */
void outcome_add_named(struct outcome *o, const char *kind, const char *name,
                       double per_iteration, int every_round,
                       const struct outcome_frame *opened);
/* "pyleak.py:11 in iterate" ("pyleak.py:11" without a function).
 * Appended to sb. */
void outcome_frame_text(const struct outcome_frame *fr, struct strbuf *sb);
/* Frees a frame's strings and leaves it empty (file NULL). */
void outcome_frame_release(struct outcome_frame *fr);

/* Sets o->detail to a copy of text (which may be NULL). */
void outcome_set_detail(struct outcome *o, const char *text);

/* Appends a provided capability (strings copied; module, dist and version
 * may be NULL). */
void outcome_add_provided(struct outcome *o, const char *capability,
                          const char *module, const char *dist,
                          const char *version);
/* Sets the last provided capability's `used` (a copy; NULL clears it). */
void outcome_provided_set_used(struct outcome *o, const char *used);
/* "lz4 frame decoder came from lz4tools 1.3.1.2 (module lz4f)", then
 * "; used: TEXT" when the scenario said how it used it, or
 * "... came from module lz4f" without a known distribution, or "no
 * candidate for lz4 frame decoder was imported".  Appended to sb. */
void outcome_provided_text(const struct outcome_provided *p,
                           struct strbuf *sb);

/* Whether the status is a finding a pre-upgrade gate stops on: leak,
 * over-release, crash or timeout. */
int outcome_is_regression(enum verdict_status status);
/* Whether the status makes `run` exit 1: anything but clean and skipped. */
int outcome_is_finding(enum verdict_status status);

/* The line `run` prints for a cell, e.g.
 *   leak: +26 blocks/it (+26.0M blocks per 1M it); also rss_bytes +2.7 KiB/it
 *   over-release: -1.0 refs/it; refs_none reaches 0 (crash) at iteration ~4200
 *   crash: Fatal Python error: deallocating None in counted round 2 at
 *       iteration 17 (417 in all); before it: over-release: -1.0 refs/it
 *   clean (None immortal: a leak or over-release of None would not show)
 *   clean; would have seen >= 0.01 blocks/it (blocks), 1.3 KiB/it
 *       (rss_bytes)
 *   leak: +3.9 KiB/it vg_lost_bytes ...; top stack: +3.9 KiB/it
 *       definitely lost at touched_malloc (lmfixture.c:84) < ...
 *   leak: +1.0 blocks/it ...; grows at pyleak.py:11 in iterate, +24 B/it
 *   leak: +1.0 fds/it ...; fds +1.0/it (/tmp/x.log)
 * followed by "; " and outcome_provided_text() for each capability the
 * scenario declares.  The top site is said with --trace, and for a
 * leak with no site that tracemalloc could see, that it sees no C
 * memory; a name of what grew when its probe is a finding (or garbage
 * grew in every round).  Appended to sb. */
void outcome_summary(const struct outcome *o, struct strbuf *sb);

/* The short text of a grid cell, e.g. "leak +26 blocks/it",
 * "over-release None -1.0/it, 0 at ~it 4.2k", "crash SIGABRT",
 * "crash SIGABRT; over-release None -1.0/it", "timeout 300 s", "clean",
 * "clean (None immortal)", "skipped"; then " via DIST VERSION (MODULE)"
 * for each provided capability ("clean via lz4 4.4.5 (lz4.frame)").
 * Appended to sb. */
void outcome_cell_text(const struct outcome *o, struct strbuf *sb);
/* The same without the " via ..." provenance (a grid that says it once
 * per row instead). */
void outcome_cell_verdict_text(const struct outcome *o, struct strbuf *sb);

/* The "outcome" object of a result file (schema in results/README.md).
 * Returns a new reference. */
json_t *outcome_to_json(const struct outcome *o);

/* Reads what outcome_to_json() wrote into o (released first).  0, or -1
 * with a reason in err when a field is missing or of the wrong type (o is
 * then released). */
int outcome_from_json(json_t *j, struct outcome *o, struct strbuf *err);

/* The status for a name of verdict_status_name(); -1 when unknown. */
int outcome_status_from_name(const char *name);

#endif
