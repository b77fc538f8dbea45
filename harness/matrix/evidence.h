/* evidence.h - what one cell's runner said: its records (base/proto.h),
 * every metric's readings round by round, the tails of the scenario's
 * stdout and stderr, and the native engine's reports.  Pure:
 * bytes in, facts out; no process, no descriptor, no clock.  cell.c reads
 * the runner's pipes into it and does what it asks (answer, stop, kill);
 * conclude.c judges what it holds.
 *
 *     struct evidence ev;
 *     evidence_init(&ev, LEAKCHECK_OFF, 5, 12);
 *     evidence_add_records(&ev, buf, n);             bytes, any split
 *     while ((e = evidence_next(&ev)) != EVIDENCE_NONE
 *            && e != EVIDENCE_WAITING) {
 *         ...act on e...
 *     }
 *     evidence_end(&ev);                             the runner is gone
 *     ...read ev.metrics, ev.rounds, ...
 *     evidence_release(&ev);
 *
 * Under a native engine the runner writes a round's report to the engine's
 * channel before the round record: a round record whose report has not
 * all been read yet waits, held, and the records after it with it
 * (EVIDENCE_WAITING), until evidence_add_native() brings its end marker,
 * the channel closes (evidence_native_closed()) or its reader gives up on
 * it (evidence_native_lost()).  Waiting is a state, not a loop: the
 * caller goes on polling, this cell and every other.
 *
 * Ownership: struct evidence owns every field (JSON by reference, tracks,
 * buffers); readers borrow them and must not change them.  Bytes passed in
 * are copied.
 */
#ifndef LMX_EVIDENCE_H
#define LMX_EVIDENCE_H

#include <jansson.h>
#include <stddef.h>

#include "base/util.h"
#include "judge/metric.h"
#include "judge/verdict.h"
#include "native/leakcheck.h"

/* How much of the scenario's stdout and stderr a result keeps. */
#define EVIDENCE_TAIL_KEEP (16 * 1024)

/* One metric's readings: value[0] is the baseline (the last warm-up
 * round), then one per counted round; iters[i] the iterations of that
 * round.  NaN: n/a that round. */
struct evidence_track {
    char *name;
    int gauge;      /* one of inspect()'s gauges */
    int census;     /* a census type's live objects */
    double *value;
    double *iters;
    size_t n;
    size_t alloc;
};

/* Tracks by name.  The probes (and native readings), the gauges and the
 * census are three namespaces: a gauge named "rss_bytes" is not the
 * probe. */
struct evidence_tracks {
    struct evidence_track *v;
    size_t nr;
    size_t alloc;
};

/* What grew beyond memory, by name (a counted round's "grew",
 * base/proto.h): one set of tracks a kind, each a name's difference from
 * the baseline (0 there, and in a round that did not name it); judged as
 * counts, like census types. */
enum evidence_grew {
    EVIDENCE_GREW_FDS,
    EVIDENCE_GREW_THREADS,
    EVIDENCE_GREW_GARBAGE,
    EVIDENCE_GREW_KINDS,
};

/* "fds", "threads", "garbage": the kind's key in "grew". */
const char *evidence_grew_kind(enum evidence_grew kind);

struct evidence {
    /* The plan, from evidence_init(). */
    enum leakcheck_mode native;
    unsigned long ask_from;  /* the runner asks from this counted round */
    unsigned long max_rounds;
    unsigned long max_noisy; /* past max_rounds, while a metric is noisy
                                (verdict_wants_round()); evidence_init()
                                sets max_rounds, the caller may raise it */

    /* The last record of each kind (NULL: none came). */
    json_t *hello;
    json_t *probes;          /* its "na" may gain rss_bytes (valgrind) */
    json_t *scenario;
    json_t *skip;
    json_t *error;
    json_t *imports;
    json_t *trace;           /* the trace record (--trace) */
    json_t *rounds;          /* round records as received, census and
                                grew removed; NULL until the first */
    int done;
    json_t *done_rec;        /* the done record (its "gil"), or NULL */
    json_t *leftovers;       /* what a test left running, or NULL */
    json_t *served;          /* a runner that serves went on after this
                                test's skip or error (its "status"), or
                                NULL */
    int bad_records;         /* lines that were not records */
    int proto_mismatch;      /* the protocol a hello spoke when not ours,
                                -1 when it named none; 0 */
    unsigned long counted;   /* counted rounds taken */
    double warm_iterations;  /* iterations up to the baseline */
    double all_iterations;   /* iterations in every round taken */
    struct evidence_tracks metrics;
    struct evidence_tracks gauges;
    struct evidence_tracks census;
    struct evidence_tracks grew[EVIDENCE_GREW_KINDS];
    struct strbuf out_tail;  /* stdout's last bytes: evidence_tail_text() */
    struct strbuf err_tail;
    struct leakcheck_log nlog;  /* the native engine's reports */
    int native_lost;         /* a round's report never came */
    int native_closed;       /* the engine's channel is at EOF */

    /* Private: the records not taken yet. */
    struct strbuf line;      /* bytes from `used` on not taken yet */
    size_t used;
    json_t *held;            /* a round waiting for its native report */
};

/* Sets ev up for a cell under native (LEAKCHECK_OFF: none) whose runner
 * asks "more or stop?" after each counted round from ask_from (--rounds)
 * on, at most max_rounds of them.  Allocates nothing. */
void evidence_init(struct evidence *ev, enum leakcheck_mode native,
                   unsigned long ask_from, unsigned long max_rounds);
/* Frees everything ev holds. */
void evidence_release(struct evidence *ev);

/* Bytes from the records pipe, as read: lines may be cut anywhere.
 * Nothing is taken until evidence_next(). */
void evidence_add_records(struct evidence *ev, const char *buf, size_t n);

/* What evidence_next() found, for the caller to act on. */
enum evidence_event {
    EVIDENCE_NONE,      /* no whole record left: read more */
    EVIDENCE_WAITING,   /* a round waits for its native report: read the
                           engine's channel (or give up on it) */
    EVIDENCE_ASKED,     /* a counted round the runner asks about: answer
                           evidence_wants_more() ? "more" : "stop" */
    EVIDENCE_BAD,       /* a line that is no record: the runner may wait
                           for an answer to a round we could not read */
    EVIDENCE_MISMATCH,  /* a hello of another protocol: its records may
                           not mean what we think; end the runner */
};

/* Takes the records buffered, up to the first that asks something of the
 * caller, and returns that; EVIDENCE_NONE when every whole line is taken,
 * EVIDENCE_WAITING while a round waits for its native report (no record
 * is taken then).  A line that is not a JSON object with "t" counts in
 * bad_records; a record of an unknown type is passed over. */
enum evidence_event evidence_next(struct evidence *ev);

/* After EVIDENCE_ASKED: whether another round is wanted: some probe or
 * gauge wants one (verdict_wants_round(): inconclusive with fewer than
 * max_rounds counted, or noisy with fewer than max_noisy). */
int evidence_wants_more(const struct evidence *ev);

/* Bytes from the native engine's channel, as read. */
void evidence_add_native(struct evidence *ev, const char *buf, size_t n);
/* The engine's channel is at EOF: a held round takes what its report
 * gave (its native readings n/a when its end never came). */
void evidence_native_closed(struct evidence *ev);
/* A round's report did not come in the time given: native readings are
 * n/a from this round on, and native_lost says so. */
void evidence_native_lost(struct evidence *ev);

/* Bytes of the scenario's stdout / stderr: the tails keep the last
 * EVIDENCE_TAIL_KEEP bytes (up to twice that is held). */
void evidence_add_stdout(struct evidence *ev, const char *buf, size_t n);
void evidence_add_stderr(struct evidence *ev, const char *buf, size_t n);

/* A tail's text: its last EVIDENCE_TAIL_KEEP bytes, not starting inside
 * a UTF-8 character.  Borrowed from tail. */
const char *evidence_tail_text(const struct strbuf *tail);

/* The runner is gone: a round still held takes what its report gave (and
 * is lost when the channel was still open), then every whole record left
 * is taken, their questions unanswered.  A partial last line is dropped. */
void evidence_end(struct evidence *ev);

/* The metric-table row of a track (scratch holds a gauge's or a census
 * type's row, pointing at tr->name).  Never NULL. */
const struct metric *evidence_track_metric(const struct evidence_track *tr,
                                           struct metric *scratch);

/* Judges one track's readings (verdict_judge()); final: no more rounds
 * will come.  Returns verdict_judge()'s result. */
int evidence_judge_track(const struct evidence_track *tr, int final,
                         struct verdict *v);

#endif
