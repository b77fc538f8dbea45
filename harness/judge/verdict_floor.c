/* verdict_floor.c - counts and singletons under noise at the drift floor
 * (DRIFT_RATE: what an interpreter's own warm-up moves a count by).
 * Twelve rounds cannot tell a leak right at the floor from drift just
 * under it, so where the evidence sits in that band the rounds past
 * --max-rounds settle it (out->noisy, verdict_wants_round()), and past
 * HORIZON rounds the floor allows for its slope's standard error.  A
 * count that grew once by a step far beyond its noise and then no more
 * (a container resized for good) is judged with the step left out.
 * Nothing here judges a series again: where a rule needs another
 * verdict (the series without its step, or as if no more rounds came),
 * it says so and verdict.c judges it (vj_step_left_out(),
 * enum vj_split).
 */
#include "judge/verdict_private.h"

#include <math.h>

/* A lone step: the one delta further than this many standard deviations
 * of a delta from the median delta.  Twelve Gaussian deltas hold one that
 * far 0.6% of the time, and a leak keeps its trend without it; the
 * ThreadingMixIn echo servers of issue 18 (3.8.18-3.10.13) grew once by
 * 51-80 blocks among deltas of sigma 6-14. */
#define STEP_SIGMAS 3.5

/* The band about the drift floor that buys rounds: 0.1% one-sided. */
#define Z_BAND 3.09

/* ... and two levels must fit the readings this many times better than
 * a line: 3.4-11 times on those servers, 0.5-1.1 on the simulator's
 * leaks whose noise threw one delta that far. */
#define STEP_FIT 2

/* Past HORIZON rounds the floor is lowered by Z_SUSPECT standard errors
 * of the slope, so that a leak right at the floor clears it 99% of the
 * time: 12 rounds of 100 iterations under noise 20 give the slope an
 * error of 0.0074 per iteration, and drift at 0.045 clears a floor of
 * 0.05 less that (issue-9b-a); 36 rounds give 0.0015, and it would have
 * to go on at 0.047 for 3,600 iterations.  Never under half the floor. */
double
vj_floor_round(const struct run *run, double per_round, double noise)
{
    double floor = vj_drift_per_round(run, per_round);

    if (!run->r->band || run->k <= HORIZON || !(noise > 0)) {
        return floor;
    }
    return fmax(floor - Z_SUSPECT * vj_trend_error(run->k, noise),
                floor / 2);
}

/* How far from the drift floor a slope may lie that the rounds so far
 * cannot tell from it: Z_BAND standard errors, the noise taken with its
 * spikes (the swing). */
static double
band_round(const struct run *run)
{
    return Z_BAND * vj_trend_error(run->k, vj_swing_amplitude(run));
}

/* The counted round whose delta is a lone step: the only one further
 * from the median delta than STEP_SIGMAS standard deviations of a delta
 * (the noise amplitude, which leaves the largest delta out, over
 * sqrt(2)) and than a step, in a series that two levels fit better than
 * a line by STEP_FIT; 0 when there is none.  A reading up and back makes
 * two such deltas: a spike, not a step; a leak whose noise threw one
 * large delta still fits a line. */
static size_t
lone_step(const struct run *run, double noise)
{
    double med = vj_median_delta(run);
    double limit = fmax(STEP_SIGMAS * noise / sqrt(2), run->r->step);
    size_t at = 0;

    if (run->k < 5 || !(noise >= 0)) {
        return 0;
    }
    for (size_t i = 1; i <= run->k; i++) {
        if (fabs(vj_delta(run, i) - med) > limit) {
            if (at != 0) {
                return 0;
            }
            at = i;
        }
    }
    if (at != 0 && !(vj_step_rss(run) * STEP_FIT < vj_line_rss(run))) {
        return 0;
    }
    return at;
}

/* The readings with round `at`'s delta replaced by the median delta,
 * into x: those from `at` on move by its excess.  Returns 0, or -1 when
 * the series has more than VJ_STEP_MAX_READINGS readings. */
static int
copy_without(const struct run *run, const struct verdict_series *s,
             size_t at, double *x)
{
    double excess = vj_delta(run, at) - vj_median_delta(run);

    if (s->count > VJ_STEP_MAX_READINGS) {
        return -1;
    }
    for (size_t i = 0; i < s->count; i++) {
        x[i] = s->value[i] - (i >= at ? excess : 0);
    }
    return 0;
}

/* The Theil-Sen slope per iteration with the largest move in direction
 * sign left out: a step tilts a slope over a dozen rounds as much as a
 * leak does, a leak's slope hardly moves without one of its rounds.  NaN
 * when the series is too long to copy. */
static double
lean_slope(const struct run *run, const struct verdict_series *s,
           double sign)
{
    double x[VJ_STEP_MAX_READINGS];
    struct verdict_series rest = {x, s->iterations, s->count};
    size_t at = 1;

    for (size_t i = 2; i <= run->k; i++) {
        if (sign * vj_delta(run, i) > sign * vj_delta(run, at)) {
            at = i;
        }
    }
    if (copy_without(run, s, at, x) < 0) {
        return NAN;
    }
    return vj_theil_sen(&rest);
}

/* Whether `rule` reads warm-up left in the rounds: a cache filling. */
static int
decelerating(enum verdict_rule rule)
{
    return rule == VERDICT_RULE_DECELERATING
           || rule == VERDICT_RULE_DECELERATING_FALL;
}


/* A count or singleton whose claim (a leak, an over-release) is held back
 * as SLOW_CONFIRM because it moves slower than the drift floor
 * (vj_judge_counts()): an interpreter's own drift of None can fall a
 * reference a round for two dozen rounds and stop (3.11.7:
 * TextIOWrapper.reconfigure() 200 times a round fell in every round to
 * the 12th in 1 run of 4, by 20 in all, and was flat from the 26th in
 * all), and a cache fill a block every 40 runs for 10,000 (multidict's
 * items view repr under pytest, 3.12.1: every one of 12 rounds of 574
 * grew), so the claim waits for the rounds past --max-rounds, and is
 * made if it moves in every one of them too. */
static int
slow_claim(const struct run *run, enum verdict_class cls,
           const struct verdict *out)
{
    return (cls == VERDICT_CLASS_COUNT || cls == VERDICT_CLASS_SINGLETON)
           && out->rule == VERDICT_RULE_SLOW_CONFIRM
           && fabs(out->per_iteration) < vj_drift_rate(run);
}

/* Before the last round, whether an inconclusive count is one that rounds
 * past --max-rounds may settle: warm-up still decelerating that would not
 * be clean now (settle() judges its tail at the end), a slope within
 * band_round() of the drift floor, or a slope under floor - band with
 * evidence that would make it suspect now (a late rise, new highs, dips:
 * they rest on the floor too).  A rise beyond floor + band is clear and
 * buys nothing only when it is one by every measure: the robust slope,
 * the slope with its largest move left out (lean_slope()) and the median
 * delta.  A few steps then flat, a container grown twice in 13 rounds
 * under flips of 42 (the echo server on 3.10.13: +36, +42 among -42,
 * +42), tilt the slope to twice the floor while the median delta stays
 * under it.  A singleton is judged both ways, a count rising. */
enum vj_split
vj_split_at_floor(const struct run *run, enum verdict_class cls,
                  const struct verdict_series *s, double iterations,
                  int final, const struct verdict *out)
{
    double per_round = iterations / (double)run->k;
    double sign = cls == VERDICT_CLASS_SINGLETON && out->slope < 0 ? -1 : 1;
    double slope = sign * out->slope * per_round;
    double floor = vj_drift_per_round(run, per_round);
    double band;
    double least;

    if (!run->r->band || final || out->kind != VERDICT_INCONCLUSIVE
        || out->rule == VERDICT_RULE_TOO_FEW_ROUNDS) {
        return VJ_SPLIT_NO;
    }
    if (decelerating(out->rule)) {
        return VJ_SPLIT_UNLESS_CLEAN;
    }
    if (slow_claim(run, cls, out)) {
        return VJ_SPLIT_YES;
    }
    band = band_round(run);
    least = fmin(slope, fmin(sign * lean_slope(run, s, sign) * per_round,
                             sign * vj_median_delta(run)));
    if (!(out->noise > 0 && least <= floor + band)) {
        return VJ_SPLIT_NO;
    }
    if (slope >= floor - band) {
        return VJ_SPLIT_YES;
    }
    return VJ_SPLIT_IF_SUSPECT;
}

/* A count that would be inconclusive or suspect (not for too few rounds,
 * not decelerating: warm-up still decelerating is a cache's first
 * rounds, not a step) whose evidence may be one lone step: the round of
 * the step, with the readings without it in x (copy_without()); 0 when
 * there is none or the series is too long. */
size_t
vj_step_left_out(const struct run *run, const struct verdict_series *s,
                 const struct verdict *out, double *x)
{
    size_t at;

    if (!run->r->band
        || !(out->kind == VERDICT_INCONCLUSIVE
             || out->kind == VERDICT_SUSPECT)
        || out->rule == VERDICT_RULE_TOO_FEW_ROUNDS
        || decelerating(out->rule)) {
        return 0;
    }
    at = lone_step(run, out->noise);
    if (at == 0 || copy_without(run, s, at, x) < 0) {
        return 0;
    }
    return at;
}

/* A count whose evidence was one step ([3, 0, 12, 4, -4, 0, 8, 76, 0, 0,
 * 17, 0] on 3.10.13) is clean at the end when the rest is, judged without
 * it, and the rounds since the step are not rising at half the drift
 * floor (a leak that began with a jump goes on; a container grown once
 * stays).  Before the last round such a count buys the rounds any
 * inconclusive one does, and past --max-rounds only while the rounds
 * since the step rise or the step is in the last two rounds; any other
 * inconclusive count is marked noisy where rounds past --max-rounds may
 * settle it (vj_split_at_floor()). */
int
vj_one_step(const struct run *run, size_t at, const struct verdict *rest,
            double iterations, int final, struct verdict *out)
{
    double sign = vj_delta(run, at) > 0 ? 1 : -1;
    double floor = vj_floor_round(run, iterations / (double)run->k,
                                  out->noise);
    int rising = at + 2 > run->k
                 || vj_segment_slope(run, at, sign) >= floor / 2;

    if (final && rest->kind == VERDICT_CLEAN && !rising) {
        vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_ONE_STEP);
        out->detectable = rest->detectable;
        return 1;
    }
    if (!final) {
        out->noisy = rising || (rest->kind != VERDICT_CLEAN && rest->noisy);
        return 1;
    }
    return 0;
}

/* RSS before the last round: inconclusive with a slope not clearly above
 * its floor (64 KiB a round, under which RSS is never a leak: its trend
 * is evidence from half of it), and suspect if no more rounds came, is
 * split there as a count at its drift floor is.  Arenas coming and going
 * on the free-threaded 3.13.5t move an echo server's RSS by up to 350 KiB
 * a round: 12 rounds of it rose 476 KiB, a trend at 40 KiB a round, and
 * fell back over the next 28.  RSS that would be clean now stops where
 * it always did. */
enum vj_split
vj_bytes_split(const struct run *run, double iterations, int final,
               const struct verdict *out)
{
    double slope = out->slope * iterations / (double)run->k;
    double band = Z_BAND * vj_trend_error(run->k, out->noise);

    if (!final && out->kind == VERDICT_INCONCLUSIVE && out->noise > 0
        && slope <= run->r->slope_floor + band) {
        return VJ_SPLIT_IF_SUSPECT;
    }
    return VJ_SPLIT_NO;
}
