/* verdict.h - decide, from one metric's readings over the counted rounds of
 * a cell, whether it leaks, over-releases, is clean or needs more rounds;
 * combine a cell's metrics into one status; format rates for the tables.
 *
 * Pure computation: no I/O, no allocation, no global state.  Measuring, the
 * number of rounds and crash/timeout detection are the runner's business.
 *
 * This header is the manual.  The engine is split by behaviour around
 * verdict_private.h, which only they include: verdict.c (the order of
 * the rules, each class's thresholds, rule ids, verdict_combine()),
 * verdict_stats.c, verdict_counts.c, verdict_rss.c, verdict_resource.c,
 * verdict_evidence.c and verdict_figures.c.
 *
 * Ownership: callers own every array and buffer they pass in; nothing is
 * kept after a call returns.  Every `why` string and every name is static;
 * verdict_explain() writes the figures behind a why into the caller's
 * buffer.
 */
#ifndef LMX_VERDICT_H
#define LMX_VERDICT_H

#include <stddef.h>

/* How a metric behaves, which decides the rules it is judged by. */
enum verdict_class {
    VERDICT_CLASS_COUNT,      /* refs_total, blocks, gc_objects, census:
                                 integers with small real noise */
    VERDICT_CLASS_SINGLETON,  /* refcount of None, True, ...: a steady
                                 fall is an over-release */
    VERDICT_CLASS_BYTES,      /* RSS: moves in pages and arenas */
    VERDICT_CLASS_RESOURCE,   /* OS threads, Python threads, open fds */
    VERDICT_CLASS_HEAP_BYTES, /* bytes of heap blocks a native engine
                                 counts (valgrind, LSan): exact, with the
                                 interpreter's own wobble */
    VERDICT_CLASS_HEAP_BLOCKS,/* the same, in blocks */
};

/* The outcome for one metric.  VERDICT_NA is 0, so a zeroed struct verdict
 * reads "n/a" rather than "clean". */
enum verdict_kind {
    VERDICT_NA,            /* a reading was n/a (NaN): nothing to judge */
    VERDICT_CLEAN,
    VERDICT_LEAK,
    VERDICT_OVER_RELEASE,
    VERDICT_INCONCLUSIVE,  /* more rounds could decide */
    VERDICT_SUSPECT,       /* still inconclusive when no more will come */
};

/* Which rule decided a verdict.  Each has a stable name
 * (verdict_rule_name()) and a why, the short text struct verdict carries
 * for people; code that must know which rule decided compares the rule,
 * never the why, which may be reworded.  Rules that read a series both
 * ways come in pairs, rise then fall.  VERDICT_RULE_INVALID is 0, so a
 * zeroed struct verdict names no rule. */
enum verdict_rule {
    VERDICT_RULE_INVALID,         /* invalid input: nothing judged */
    VERDICT_RULE_NA,              /* a reading was n/a */
    VERDICT_RULE_TOO_FEW_ROUNDS,
    /* counts and singletons: the rules of every round */
    VERDICT_RULE_EVERY_ROUND,     /* refleak.py's leak */
    VERDICT_RULE_FELL_EVERY_ROUND,/* a singleton's over-release */
    VERDICT_RULE_TRIMMED,         /* a count falling in every round */
    VERDICT_RULE_DECELERATING,    /* counts and RSS: a cache filling */
    VERDICT_RULE_DECELERATING_FALL,
    VERDICT_RULE_NO_STEP,         /* heap totals: no round moved a step */
    VERDICT_RULE_NO_CHANGE,
    VERDICT_RULE_FELL_SOME_ROUNDS,/* a count: not a leak */
    VERDICT_RULE_NO_TREND,        /* rises and falls */
    /* counts and singletons that moved in some rounds only */
    VERDICT_RULE_SINGLE_STEP,
    VERDICT_RULE_EARLY_RISE,      /* grew early, then flat */
    VERDICT_RULE_EARLY_FALL,
    VERDICT_RULE_SLOW_LEAK,       /* new highs at regular moves */
    VERDICT_RULE_SLOW_OVER_RELEASE,
    VERDICT_RULE_SOME_ROUNDS_RISE,
    VERDICT_RULE_SOME_ROUNDS_FALL,
    VERDICT_RULE_DIPS,            /* grows with occasional dips */
    VERDICT_RULE_BUMPS,           /* falls with occasional bumps */
    /* counts: after the rules of every round */
    VERDICT_RULE_UNEVEN,          /* moved every round, unevenly */
    VERDICT_RULE_SLOW_CONFIRM,    /* under the drift floor: more rounds */
    VERDICT_RULE_SETTLED,         /* counts and RSS: warm-up, then clean */
    VERDICT_RULE_STEADY_RISE,     /* counts and RSS: after warm-up */
    VERDICT_RULE_STEADY_FALL,
    VERDICT_RULE_LATE_ONSET,      /* a count: flat, then every round */
    /* RSS */
    VERDICT_RULE_DID_NOT_GROW,
    VERDICT_RULE_UNDER_SLOPE_FLOOR,
    VERDICT_RULE_RISING_TO_FLOOR, /* steady, not yet above the floor */
    VERDICT_RULE_UNDER_GROWTH_FLOOR,
    VERDICT_RULE_SINGLE_JUMP,     /* an arena */
    VERDICT_RULE_UNDER_3X_FLOOR,  /* steady: confirming */
    VERDICT_RULE_WITHIN_NOISE,    /* steady: confirming */
    VERDICT_RULE_GREW_STEADILY,
    VERDICT_RULE_SAWTOOTH,
    VERDICT_RULE_UNSTEADY,
    VERDICT_RULE_LATE_CLIMB,      /* flat, then a climb every round */
    /* the evidence over a clean verdict: counts, singletons, RSS */
    VERDICT_RULE_NEW_HIGHS,       /* still making new highs at the end */
    VERDICT_RULE_NEW_LOWS,
    VERDICT_RULE_HIGHS_UNDER_DRIFT,
    VERDICT_RULE_LOWS_UNDER_DRIFT,
    VERDICT_RULE_LAST_HIGH,       /* a new high in the last round */
    VERDICT_RULE_LAST_LOW,
    VERDICT_RULE_RISING_TREND,    /* a trend under noise */
    VERDICT_RULE_FALLING_TREND,
    VERDICT_RULE_LATE_RISE,       /* a hinge fit: see verdict_explain() */
    VERDICT_RULE_LATE_FALL,
    VERDICT_RULE_SPLIT,           /* more rounds to rule out a leak */
    VERDICT_RULE_ONE_STEP,        /* counts: the evidence was one step */
    /* the last round's evidence: counts and singletons */
    VERDICT_RULE_END_SPIKE,
    VERDICT_RULE_UNDER_DRIFT,     /* moved in some rounds, slowly */
    /* threads and fds */
    VERDICT_RULE_AT_BASELINE,
    VERDICT_RULE_KEPT_GROWING,
    VERDICT_RULE_RETURNED,        /* a transient worker */
    VERDICT_RULE_ONE_STEP_UP,     /* maybe a lazy helper */
    VERDICT_RULE_ABOVE_BASELINE,  /* without steady growth */
    VERDICT_RULE_COUNT            /* the number of rules, not a rule */
};

/* The status of a whole cell.  The engine produces the first four; the
 * runner sets the others when the cell did not run to the end. */
enum verdict_status {
    VERDICT_STATUS_CLEAN,
    VERDICT_STATUS_LEAK,
    VERDICT_STATUS_OVER_RELEASE,
    VERDICT_STATUS_SUSPECT,
    VERDICT_STATUS_CRASH,
    VERDICT_STATUS_TIMEOUT,
    VERDICT_STATUS_ERROR,
    VERDICT_STATUS_SKIPPED,
};

/* One metric of one cell.  value[0] is the reading at the end of the last
 * warm-up round (the baseline), value[1..count-1] the readings at the end
 * of the counted rounds, each taken after gc.collect().  iterations[i] is
 * the number of scenario iterations run in round i; iterations[0] is never
 * read.  A NaN value means the probe could not be read.  Counts are exact
 * as long as they stay below 2^53. */
struct verdict_series {
    const double *value;
    const double *iterations;
    size_t count;               /* readings, baseline included */
};

/* What verdict_judge() found.  Rates are per scenario iteration. */
struct verdict {
    enum verdict_kind kind;
    double per_iteration;   /* (value[last] - value[0]) / counted iterations;
                               NaN when there are no counted rounds */
    double slope;           /* Theil-Sen slope (median of pairwise slopes)
                               per iteration: robust to one odd reading */
    double growth;          /* value[last] - value[0] */
    size_t rounds;          /* counted rounds: count - 1 */
    size_t rounds_growing;  /* counted rounds whose delta is > 0 */
    double zero_at;         /* VERDICT_OVER_RELEASE only, else NaN: counted
                               iterations after the baseline at which the
                               value reaches 0 at the measured rate */
    double detectable;      /* smallest rate per iteration these rounds
                               would have flagged (leak or suspect) with
                               95% power, given the noise seen; NaN for
                               threads and fds and when not judged */
    double noise;           /* noise amplitude: twice the standard
                               deviation of the readings, estimated from
                               the spread of the deltas; NaN as for
                               detectable */
    double z;               /* Mann-Kendall trend z over the readings:
                               about N(0,1) without a trend; NaN as for
                               detectable */
    double late_z;          /* counts and singletons under noise: the
                               z of the steepest hinge fit (flat, then a
                               line from reading late_from on) in the
                               trend's direction; 0 without noise, NaN
                               as for detectable */
    size_t late_from;       /* its last flat reading; 0 with no fit */
    int noisy;              /* before the last round, counts and
                               singletons: inconclusive where the usual
                               rounds cannot settle it (a slope at the
                               drift floor, a step in the last two
                               rounds, warm-up still decelerating), so
                               that rounds past --max-rounds may; see
                               verdict_wants_round() */
    enum verdict_rule rule; /* which rule decided */
    const char *why;        /* the rule's short static reason, "grew in
                               every counted round", "sawtooth without
                               trend", "n/a" */
};

/* Judges one metric of class `cls`.  Counts leak when every counted round
 * grows (CPython's refleak rule) unless the growth is slowing like a cache
 * filling, or when over 8+ rounds they never fall and keep making new
 * highs by equal moves at even gaps (as code leaking per iteration does;
 * bursts are an interpreter's drift); singletons falling that way
 * over-release.  RSS leaks when its
 * robust slope and total growth clear allocator noise and it keeps making
 * new highs, or when it climbed steadily over its last rounds after a flat
 * start (late onset).  Threads and fds leak when they keep rising and stay
 * above the baseline.  Fewer than two counted rounds is always
 * inconclusive.
 *
 * For counts, singletons and RSS a clean verdict must also survive the
 * evidence: a series still making new highs at its end, or (counts) a
 * Mann-Kendall trend at one-sided 1% that has not stopped, or (counts) a
 * late rise, a hinge fit (flat, then a line from some round on) at z 4
 * whose residuals are under twice a single step's, is suspect;
 * and before `final` a clean that these rounds could not back up (their
 * noise could hide a leak growing three noise amplitudes over 12 rounds,
 * the trend is at 10%, the last reading is a new high, RSS near its
 * floor or RSS noisier than it, a count's hinge z at 0.84) is
 * inconclusive.  For counts and singletons a trend is
 * evidence only at 0.05 per iteration or more (the drift floor: what an
 * interpreter's own warm-up moves a count by) and beyond the spread of
 * the deltas, spikes included; with `final` set a spike at the last
 * reading (over three times every earlier move) is judged on the
 * readings before it, and a count that moved in some rounds only, or
 * made new highs, by less than the drift floor is clean.  A clean under
 * noise states at least the drift floor (past 12 rounds the lowered one
 * below) plus 1.645 standard errors of its slope as `detectable`.
 * out->detectable, ->noise and ->z give the figures; verdict_explain()
 * prints them.
 *
 * Counts and singletons under noise whose slope sits within 3.09
 * standard errors of the drift floor (12 rounds cannot tell a leak at the
 * floor from an interpreter's drift just under it), or that would be
 * suspect at a slope under it, and warm-up still decelerating that would
 * not be clean yet, set out->noisy before `final`: rounds past
 * --max-rounds may settle them (verdict_wants_round()); so does a
 * count growing or a singleton falling in every round slower than the
 * drift floor, a leak or an over-release only if it moves in every one of
 * those rounds too (None drifts down a reference a round for dozens of
 * rounds on 3.11.7, then stops; a cache under a test fills a block every
 * 40 runs for 10,000).  A slope above
 * the floor by more counts as clear only when the slope without its
 * largest move and the median delta are too (a few steps tilt a slope).
 * RSS that would be suspect now, with a slope not above its floor by
 * 3.09 standard errors, sets it too.  Past 12 counted rounds the floor a
 * count's trend must reach is lowered by 2.33 standard errors of its
 * slope (never under half the floor), so that a leak right at the floor
 * is found 99% of the time there.  A count that would be inconclusive
 * or suspect, one of whose deltas is a lone step (3.5 standard deviations
 * from the others, two levels fitting the readings twice as well as a
 * line), is judged without it: clean with VERDICT_RULE_ONE_STEP when the
 * rest is and the rounds since the step do not rise at half the floor;
 * before `final` such a step buys rounds past --max-rounds only while
 * they do, or while it is in the last two rounds.
 *
 * With `final` set no more rounds will come, so what would be
 * VERDICT_INCONCLUSIVE becomes VERDICT_SUSPECT; otherwise the caller adds
 * rounds while the answer is inconclusive.
 *
 * Returns 0 with *out filled in, or -1 on invalid input (s, out or an
 * array NULL, count 0, an unknown class, a counted round whose iteration
 * count is not a finite number > 0); then out->kind is VERDICT_NA and
 * out->rule VERDICT_RULE_INVALID when out is not NULL.  A NaN or infinite
 * reading is not an error: it gives VERDICT_NA with VERDICT_RULE_NA (why
 * "n/a") and return value 0. */
int verdict_judge(enum verdict_class cls, const struct verdict_series *s,
                  int final, struct verdict *out);

/* Whether a cell whose metric was judged before its last round into *v
 * (v->rounds counted rounds, `final` unset) should run another round:
 * while v is inconclusive, up to max_rounds counted rounds (leakmatrix's
 * --max-rounds); past them, up to max_noisy (--max-rounds-noisy), only
 * while v->noisy, the evidence split where max_rounds cannot settle it.
 * A cell runs another round when any metric wants one.  max_noisy below
 * max_rounds counts as max_rounds.  Returns 1 or 0; 0 when v is NULL. */
int verdict_wants_round(const struct verdict *v, size_t max_rounds,
                        size_t max_noisy);

/* "n/a", "clean", "leak", "over-release", "inconclusive", "suspect";
 * "?" for a value outside the enum. */
const char *verdict_kind_name(enum verdict_kind kind);

/* A rule's stable name, lowercase words joined by '-': "every-round",
 * "late-rise", "invalid"; "?" for a value outside the enum. */
const char *verdict_rule_name(enum verdict_rule rule);

/* "clean", "leak", "over-release", "suspect", "crash", "timeout", "error",
 * "skipped"; "?" for a value outside the enum. */
const char *verdict_status_name(enum verdict_status status);

/* verdict_combine()'s result: the cell's status and the index (into the
 * arrays passed in) of the metric that explains it. */
struct verdict_cell {
    enum verdict_status status;
    size_t lead;                /* VERDICT_NO_LEAD when nothing leads */
};
#define VERDICT_NO_LEAD ((size_t)-1)

/* Combines the final verdicts of one cell's `count` metrics.  Over-release
 * beats leak beats suspect (inconclusive counts as suspect) beats clean;
 * n/a metrics are ignored.  Among metrics with the winning kind the lead is
 * the one with the lowest rank[i], then the lowest index, so the caller
 * decides that refs_total explains a leak better than rss.  rank may be
 * NULL: index order.  When every metric is n/a nothing was measured: the
 * status is VERDICT_STATUS_ERROR with no lead.
 *
 * Returns 0, or -1 when verdicts or out is NULL or count is 0 (then
 * out->status is VERDICT_STATUS_ERROR when out is not NULL). */
int verdict_combine(const struct verdict *verdicts, const int *rank,
                    size_t count, struct verdict_cell *out);

/* Enough for any figure of the two functions below plus a unit name of up
 * to 32 bytes. */
#define VERDICT_FIGURE_SIZE 64

/* Writes a per-iteration rate with its sign and about three significant
 * digits: "+26 blocks/it", "-1.0 refs/it", "+0.013 refs/it".  The unit
 * "bytes" is scaled in powers of 1024 ("+2.7 KiB/it"); other units take
 * k, M, G, T, P from 1000 up ("+1.2k blocks/it").  NULL or "" means no
 * unit ("+26/it").  Zero prints "0 refs/it", NaN "n/a".
 *
 * Returns 0, or -1 when buf is NULL, size is 0 or the text did not fit
 * (buf then holds as much of it as fits, NUL-terminated). */
int verdict_format_rate(char *buf, size_t size, double per_iteration,
                        const char *unit);

/* Writes what a rate amounts to over a million iterations, with one
 * decimal: "+26.0M blocks per 1M it", "+2.6 GiB per 1M it".  Scaling,
 * units and failure as for verdict_format_rate(). */
int verdict_format_projection(char *buf, size_t size, double per_iteration,
                              const char *unit);

/* Enough for any text verdict_explain() writes with a unit name of up to
 * 32 bytes. */
#define VERDICT_EXPLAIN_SIZE 256

/* Writes which rule decided and with what figures: the why, then the
 * rounds that grew, the trend z (for a late rise also "since round N:
 * hinge z Z") and the noise, and for a clean verdict
 * the smallest rate it would have seen:
 *   "rises and falls without a trend (6 of 12 rounds grew, trend z 0.4,
 *    noise 12 blocks); would have seen >= 0.021 blocks/it"
 * Figures that are NaN (threads, fds, n/a) are left out.  Units as for
 * verdict_format_rate().
 *
 * Returns 0, or -1 when v or buf is NULL, size is 0 or the text did not
 * fit (buf then holds as much as fits, NUL-terminated). */
int verdict_explain(char *buf, size_t size, const struct verdict *v,
                    const char *unit);

#endif
