/* verdict_private.h - what the files of the verdict engine share, for
 * them alone: verdict.h is the manual for everyone else, verdict.c opens
 * with how the rules fit together.  Each file holds one family of rules.
 * The files of judge/ in layers, top first: a file calls only files in
 * layers below its own, and only verdict.c judges a series again (a
 * rule that needs a second verdict asks verdict.c for it):
 *
 *   6  outcome_json.c      a cell's outcome as JSON and read back
 *   5  outcome.c           a cell's outcome and its texts
 *   4  verdict.c           verdict_judge() and its order of rules,
 *                          the second judgements rules ask for,
 *                          each class's thresholds, verdict_combine()
 *   3  verdict_evidence.c  what the rounds could have seen (vj_weigh())
 *                          and the last round's evidence
 *   2  verdict_rss.c       RSS: floors, shape, warm-up, late onset
 *   1  verdict_counts.c    counts, singletons, heap totals: every round,
 *                          some rounds, warm-up, late onset
 *      verdict_floor.c     counts at the drift floor: the floor past the
 *                          horizon, the band that buys rounds past
 *                          --max-rounds (verdict_wants_round()), one step
 *                          left out of the evidence
 *      verdict_resource.c  threads and fds
 *      outcome_where.c     the outcome's sites and names
 *   0  verdict_stats.c     deltas, the drift floor per round, Theil-Sen,
 *                          Mann-Kendall, noise, swing, caches, fits
 *      verdict_rules.c     rule ids, names and whys, vj_decide()
 *      verdict_figures.c   rates, projections, verdict_explain()
 *      outcome_field.c     the outcome's field and JSON helpers
 *      metric.c            the metric table
 *
 * Functions shared between them are prefixed vj_; all else is static.
 * Ownership as in verdict.h: a struct run borrows the caller's readings
 * for one call, and nothing here allocates or keeps a pointer.
 */
#ifndef LMX_VERDICT_PRIVATE_H
#define LMX_VERDICT_PRIVATE_H

#include "judge/verdict.h"

#include <math.h>
#include <stddef.h>

/* Every threshold, one row per class.  A field a class does not use is 0. */
struct rules {
    size_t min_rounds;    /* fewer counted rounds: inconclusive */
    double step;          /* smallest delta that counts as a move */
    double decel_mean;    /* decelerating: mean of the last half below
                             this share of the mean of the first half */
    double decel_last;    /* ... and the last delta below this share of
                             the first */
    double drift;         /* the drift floor per iteration, for counts;
                             0: DRIFT_RATE (see there) */
    size_t slow_rounds;   /* rounds needed to call a partial grower */
    size_t slow_highs;    /* new highs the second half must make */
    double dip_ratio;     /* "grows with dips": rises at least this many
                             times the falls */
    double rising_share;  /* share of rounds that must grow */
    double slope_floor;   /* bytes per round a slope must exceed */
    double growth_floor;  /* bytes the whole run must grow by ... */
    double growth_share;  /* ... or this share of the baseline if more */
    double trend_z;       /* Mann-Kendall z the upward trend must reach */
    int lumps;            /* moves are whole allocations of a size not
                             known in advance: see irregular() and
                             regular_moves() */
    int band;             /* counts under noise at the drift floor buy
                             rounds past --max-rounds, and there the
                             floor allows for the slope's error; a lone
                             step is left out of the evidence
                             (verdict_floor.c) */
};

/* Counts moving slower than this per iteration are judged on every round
 * the caller allows (see vj_judge_counts()). */
#define SLOW_RATE 0.05

/* The drift floor: a count moving slower than this per iteration, by a
 * trend under noise or by new highs that are not every round's, is not
 * evidence of a leak; it is what an interpreter's own warm-up drifts by,
 * the same figure as SLOW_RATE.  Under the threading server (200 requests
 * a round, after 1,600 of warm-up) clean interpreters drifted by up to
 * +0.045 blocks a request (3.11.7, Theil-Sen over 12 rounds), +0.015
 * making new highs to the end (3.11.2-debug) and -0.008 refs of None, and
 * settled over the next thousands.  Clean verdicts on noisy counts state
 * it as the least they would have seen; the simulator's count leaks move
 * at least twice as fast at 3 noise amplitudes. */
#define DRIFT_RATE SLOW_RATE

/* One-sided normal quantiles the statistical rules use. */
#define Z_SPLIT 1.28    /* 10%: a trend this strong buys more rounds */
#define Z_SUSPECT 2.33  /* 1%: a trend this strong is never called clean */
#define Z_POWER 1.645   /* "would have seen": with 95% power */
#define Z_DECEL 1.28    /* 10%: deltas shrinking, a cache filling */
#define Z_LATE_SPLIT 0.84 /* 20%: a late rise this strong buys rounds: a
                             leak that began a few rounds before has not
                             grown past the noise yet */
#define Z_LATE 4.0      /* a late rise's hinge z: the largest of k - 2
                           correlated fits, on a noise estimated from a
                           dozen deltas, so far beyond 1% */

/* The rounds a caller is expected to allow (leakmatrix's --max-rounds
 * default): a clean verdict before the last round must have been able to
 * see a leak growing three noise amplitudes over this many rounds, and
 * the drift floor is a point up to this many (vj_floor_round()). */
#define HORIZON 12

/* The readings being judged, and what every rule needs about them. */
struct run {
    const double *x;
    size_t k;                  /* counted rounds; x[0..k] */
    const struct rules *r;
};

/* ---- verdict_rules.c --------------------------------------------------- */

/* Sets the verdict: `kind`, decided by `rule`, with the rule's why. */
void vj_decide(struct verdict *out, enum verdict_kind kind,
               enum verdict_rule rule);

/* ---- verdict_stats.c: measures every family uses ----------------------- */

/* The class's drift floor per iteration. */
double vj_drift_rate(const struct run *run);

/* The drift floor per round, at per_round iterations: at least a quarter
 * of a step a round, whatever the iterations, since an interpreter's own
 * warm-up also moves by the round (3.13.0 fills 8 KB of malloc'ed caches
 * over its first nine rounds at 10 iterations a round as at 100).  For
 * counts, whose step is 1, the per-iteration floor decides. */
double vj_drift_per_round(const struct run *run, double per_round);

/* The counted round i's delta, x[i] - x[i - 1]. */
double vj_delta(const struct run *run, size_t i);

/* A counted round's move, +1, -1 or 0, in the direction `sign`. */
int vj_move(const struct run *run, size_t i, double sign);

/* Theil-Sen slope per iteration: the median of the pairwise slopes.
 * Needs s->count >= 2. */
double vj_theil_sen(const struct verdict_series *s);

/* The standard error of a trend per round over k rounds under noise of
 * amplitude `noise` (least squares; Theil-Sen does about as well). */
double vj_trend_error(size_t k, double noise);

/* The median delta of the counted rounds. */
double vj_median_delta(const struct run *run);

/* Mann-Kendall z of the readings: about N(0,1) without a trend. */
double vj_trend_z(const struct run *run);

/* Mann-Kendall z of the deltas from round `from` on, in direction sign:
 * negative when they shrink. */
double vj_deltas_z(const struct run *run, size_t from, double sign);

/* Whether growth in direction sign slows like a cache filling. */
int vj_cache_like(const struct run *run, double sign);

/* Noise amplitude, twice sigma, from the spread of the deltas with one
 * spike left out (RSS: none); 0 under two rounds. */
double vj_noise_amplitude(const struct run *run);

/* The swing: the noise amplitude with nothing left out. */
double vj_swing_amplitude(const struct run *run);

/* Whether the last third of the readings (three at least) holds a new
 * high (sign > 0) by `margin`. */
int vj_late_high(const struct run *run, double sign, double margin);

/* The residual sums of squares of the best single step (two levels) and
 * of the least-squares line through the readings. */
double vj_step_rss(const struct run *run);
double vj_line_rss(const struct run *run);

/* The least-squares slope per round of x[from..k] in direction sign. */
double vj_segment_slope(const struct run *run, size_t from, double sign);

/* ---- verdict_counts.c: counts, singletons, heap totals ----------------- */

/* Judges a count-like class by its rules of every round, moves too uneven
 * for code, warm-up left in the rounds and rates under the drift floor;
 * iters are the series' iterations. */
void vj_judge_counts(const struct run *run, enum verdict_class cls,
                     const double *iters, int final, struct verdict *out);

/* At the end: a leak when the count began late and grew steadily since;
 * leaves *out alone otherwise. */
void vj_late_onset_verdict(const struct run *run, const double *iters,
                           struct verdict *out);

/* The first reading of the second half of the counted rounds. */
size_t vj_second_half(const struct run *run);

/* ---- verdict_rss.c ----------------------------------------------------- */

/* Judges RSS: its floors, its shape and, at the end, warm-up and a late
 * climb; iterations are the counted rounds' total. */
void vj_judge_bytes(const struct run *run, const struct verdict_series *s,
                    double iterations, int final, struct verdict *out);

/* The growth an RSS series must beat to be more than allocator slack. */
double vj_bytes_min_growth(const struct run *run);

/* ---- verdict_resource.c ------------------------------------------------ */

/* Judges threads and fds: leak when they keep rising above the baseline. */
void vj_judge_resource(const struct run *run, struct verdict *out);

/* ---- verdict_evidence.c ------------------------------------------------ */

/* After the class's rules (counts, singletons, RSS): fills in the noise,
 * trend z, hinge fit and what the rounds could have detected, and keeps
 * a clean only where the rounds would have shown a leak. */
void vj_weigh(const struct run *run, const struct verdict_series *s,
              enum verdict_class cls, double iterations, int final,
              struct verdict *out);

/* Whether the series is still making new highs (sign > 0) or lows at its
 * end: its last reading beats every earlier one by `margin`, and so do at
 * least half the readings of its second half. */
int vj_making_highs(const struct run *run, double sign, double margin);

/* At the end, for counts and singletons: whether an inconclusive verdict
 * ends in a spike at the last reading no later one confirmed, so that
 * the readings before it, judged at the end, decide
 * (vj_end_spike_verdict()). */
int vj_end_spike(const struct run *run, const struct verdict *out);

/* Given `before`, the readings up to the last one judged at the end:
 * clean (rule end-spike) when before is.  Returns 1 when it decided, 0
 * leaving *out alone. */
int vj_end_spike_verdict(const struct verdict *before, struct verdict *out);

/* At the end, for counts and singletons: what would be suspect is clean
 * when it moved in some rounds only, by less than the drift floor. */
void vj_final_evidence(const struct run *run, double iterations,
                       struct verdict *out);

/* ---- verdict_floor.c --------------------------------------------------- */

/* The drift floor per round a count's slope must reach after run->k
 * rounds of per_round iterations under `noise`: the floor itself up to
 * HORIZON rounds, then less Z_SUSPECT standard errors of the slope. */
double vj_floor_round(const struct run *run, double per_round,
                      double noise);

/* The most readings a series judged without its step may have: longer
 * ones are judged whole. */
#define VJ_STEP_MAX_READINGS 256

/* For counts and singletons that would be inconclusive or suspect: the
 * counted round whose delta is a lone step, with the readings without it
 * written to x (VJ_STEP_MAX_READINGS), for verdict.c to judge whole and
 * vj_one_step() to weigh; 0, x untouched or partly written, when there
 * is none.  s holds the readings run borrows. */
size_t vj_step_left_out(const struct run *run,
                        const struct verdict_series *s,
                        const struct verdict *out, double *x);

/* The one-step rule, given `rest`, the series judged without round at's
 * step: clean at the end when the rest is and the rounds since the step
 * do not rise; before the end, sets out->noisy.  Returns 1 when it
 * decided, 0 leaving *out to the other floor rules. */
int vj_one_step(const struct run *run, size_t at, const struct verdict *rest,
                double iterations, int final, struct verdict *out);

/* Whether rounds past --max-rounds may settle an inconclusive verdict
 * (out->noisy), as the floor rules answer: at once, or by the verdict
 * the series would have if no more rounds came, which the caller judges
 * (verdict.c judges it with final set). */
enum vj_split {
    VJ_SPLIT_NO,            /* not noisy */
    VJ_SPLIT_YES,           /* noisy */
    VJ_SPLIT_UNLESS_CLEAN,  /* noisy unless clean at the end */
    VJ_SPLIT_IF_SUSPECT,    /* noisy if suspect at the end */
};

/* For counts and singletons before the last round: whether an
 * inconclusive verdict is split at the drift floor.  s holds the
 * readings run borrows. */
enum vj_split vj_split_at_floor(const struct run *run,
                                enum verdict_class cls,
                                const struct verdict_series *s,
                                double iterations, int final,
                                const struct verdict *out);

/* For RSS before the last round: whether an inconclusive verdict with a
 * slope not clearly above the slope floor is split there (noisy if it
 * would be suspect now). */
enum vj_split vj_bytes_split(const struct run *run, double iterations,
                             int final, const struct verdict *out);

#endif
