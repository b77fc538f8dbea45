/* verdict_floor.c - counts and singletons under noise at the drift floor
 * (DRIFT_RATE: what an interpreter's own warm-up moves a count by).
 * Twelve rounds cannot tell a leak right at the floor from drift just
 * under it, so where the evidence sits in that band the rounds past
 * --max-rounds settle it (out->noisy, verdict_wants_round()), and past
 * HORIZON rounds the floor allows for its slope's standard error.
 */
#include "judge/verdict_private.h"

#include <math.h>

/* The band about the drift floor that buys rounds: 0.1% one-sided. */
#define Z_BAND 3.09

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

/* Whether `rule` reads warm-up left in the rounds: a cache filling. */
static int
decelerating(enum verdict_rule rule)
{
    return rule == VERDICT_RULE_DECELERATING
           || rule == VERDICT_RULE_DECELERATING_FALL;
}

/* Before the last round, whether an inconclusive count is one that rounds
 * past --max-rounds may settle: warm-up still decelerating that would not
 * be clean now (settle() judges its tail at the end), a slope within
 * band_round() of the drift floor, or a slope under floor - band with
 * evidence that would make it suspect now (a late rise, new highs, dips:
 * they rest on the floor too).  A slope beyond floor + band is clear and
 * buys nothing.  A singleton is judged both ways, a count rising. */
static int
split_at_floor(const struct run *run, enum verdict_class cls,
               const struct verdict_series *s, double iterations,
               const struct verdict *out)
{
    double per_round = iterations / (double)run->k;
    double slope = out->slope * per_round;
    double floor = vj_drift_per_round(run, per_round);
    double band = band_round(run);
    struct verdict end;

    if (out->rule == VERDICT_RULE_TOO_FEW_ROUNDS) {
        return 0;
    }
    if (decelerating(out->rule)) {
        return !(verdict_judge(cls, s, 1, &end) == 0
                 && end.kind == VERDICT_CLEAN);
    }
    if (cls == VERDICT_CLASS_SINGLETON) {
        slope = fabs(slope);
    }
    if (!(out->noise > 0 && slope <= floor + band)) {
        return 0;
    }
    if (slope >= floor - band) {
        return 1;
    }
    return verdict_judge(cls, s, 1, &end) == 0
           && end.kind == VERDICT_SUSPECT;
}

/* Before the last round an inconclusive count is marked noisy where
 * rounds past --max-rounds may settle it (split_at_floor()). */
void
vj_floor_verdict(const struct run *run, enum verdict_class cls,
                 const struct verdict_series *s, double iterations,
                 int final, struct verdict *out)
{
    if (run->r->band && !final && out->kind == VERDICT_INCONCLUSIVE) {
        out->noisy = split_at_floor(run, cls, s, iterations, out);
    }
}
