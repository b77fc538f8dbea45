/* verdict_evidence.c - the evidence over a clean verdict for counts,
 * singletons and RSS: the noise, the trend and a late rise (a hinge fit)
 * against what the rounds could have seen (vj_weigh()), and at the last
 * round a spike at the last reading (vj_end_spike(): verdict.c judges
 * the readings before it) and moves under the drift floor
 * (vj_final_evidence()).  The class's own rules have decided before.
 */
#include "judge/verdict_private.h"

#include <math.h>

/* ---- evidence over every rule ------------------------------------------ */

/* Whether the series is still making new highs (sign > 0) at its end: its
 * last reading beats every earlier one by `margin`, and so do at least
 * half the readings of its second half. */
int
vj_making_highs(const struct run *run, double sign, double margin)
{
    double best = sign * run->x[0];
    size_t records = 0;
    int last = 0;

    for (size_t i = 1; i <= run->k; i++) {
        double v = sign * run->x[i];

        last = v >= best + margin;
        if (last && i > run->k / 2) {
            records++;
        }
        best = fmax(best, v);
    }
    return last && 2 * records >= run->k - run->k / 2;
}

/* The trend z of the second half of the readings, in direction sign:
 * about 0 once a cache has filled, positive while a leak goes on. */
static double
half_z(const struct run *run, double sign)
{
    size_t from = run->k / 2;
    struct run half = {run->x + from, run->k - from, run->r};

    return half.k < 2 ? 0 : sign * vj_trend_z(&half);
}

/* Whether the last reading beats every earlier one by `margin`: a leak
 * may have just begun. */
static int
rising_lately(const struct run *run, double sign, double margin)
{
    double best = -INFINITY;

    for (size_t i = 0; i < run->k; i++) {
        best = fmax(best, sign * run->x[i]);
    }
    return sign * run->x[run->k] >= best + margin;
}

/* What a trend must clear besides its z: its robust slope per round (in
 * direction sign) must reach `floor` (the drift floor), and its total
 * over the rounds it spans must exceed `swing`, the spread of the deltas
 * with the spikes left in.  A container resizing back and forth (+36,
 * -36 a few times, one +35 at the end) is bounded noise as large as the
 * spikes: a trend smaller than that is not evidence, however steady the
 * rounds between the spikes, and a slope rather than the last reading
 * measures it, so one spike at the end adds nothing. */
static int
trend_clears(double slope, size_t rounds, double floor, double swing)
{
    return slope >= floor && slope * (double)rounds > swing;
}

/* A count's rise (sign > 0) as a trend under noise: over every reading
 * at Z_SUSPECT, with a slope (`slope`, Theil-Sen per round) that clears
 * the drift floor and the swing, not stopped (new highs in the last
 * third, or a rising second half) and its deltas not clearly shrinking (a
 * cache); or, from eight rounds on, over the second half alone
 * (`half_slope`), making new highs: a leak that began late. */
static int
count_trend(const struct run *run, double sign, double z, double slope,
            double half_slope, double floor, double swing)
{
    double margin = run->r->step;

    /* A cache's early growth is warm-up, not evidence: when the deltas
     * shrink that clearly, only the second half may show a trend. */
    if (vj_deltas_z(run, 1, sign) > -Z_SUSPECT && z >= Z_SUSPECT
        && trend_clears(sign * slope, run->k, floor, swing)
        && (vj_late_high(run, sign, margin) || half_z(run, sign) > 0)) {
        return 1;
    }
    return run->k >= 8 && half_z(run, sign) >= Z_SUSPECT
           && trend_clears(sign * half_slope, run->k - run->k / 2, floor,
                           swing)
           && vj_late_high(run, sign, margin);
}

/* A rise that began late, as a change-point test: for every onset tau
 * from round 1 to k - 2, the least-squares fit of a hinge (flat up to
 * reading tau, then a straight line) and its slope's z against the
 * noise (sigma = noise / 2).  A whole-series fit dilutes a leak that began
 * after six flat rounds, and a second half misses it when it began after
 * eight; the hinge puts the line where the rise is.  The largest z wins,
 * in direction sign; its onset and slope per round come back too.  Its z
 * is 0 without noise or with fewer than four rounds (the rules of every
 * round decide). */
struct late_fit {
    double z;
    double slope;   /* per round, in direction sign */
    size_t from;    /* the last flat reading */
    double rss;     /* the fit's residual sum of squares */
};

static void
late_rise(const struct run *run, double sign, double noise,
          struct late_fit *best)
{
    double n = (double)run->k + 1;

    best->z = 0;
    best->slope = 0;
    best->from = 0;
    best->rss = INFINITY;
    if (!(noise > 0) || run->k < 4) {
        return;
    }
    for (size_t tau = 1; tau + 2 <= run->k; tau++) {
        double hs = 0, hh = 0, xs = 0, xx = 0, hx = 0;

        for (size_t i = tau + 1; i <= run->k; i++) {
            double h = (double)(i - tau);

            hs += h;
            hh += h * h;
        }
        for (size_t i = 0; i <= run->k; i++) {
            double h = i > tau ? (double)(i - tau) : 0;
            double v = sign * (run->x[i] - run->x[0]);

            xs += v;
            xx += v * v;
            hx += h * v;
        }
        double sxx = hh - hs * hs / n;
        double b = (hx - hs * xs / n) / sxx;
        /* The residuals of the fit, too: a step or a spike fits a hinge
         * badly, and the noise (which leaves the largest delta out) does
         * not see that. */
        double rss = fmax(xx - xs * xs / n - b * b * sxx, 0);
        double sigma = fmax(noise / 2, sqrt(rss / (n - 2)));
        double z = b * sqrt(sxx) / sigma;

        if (z > best->z) {
            best->z = z;
            best->slope = b;
            best->from = tau;
            best->rss = rss;
        }
    }
}

/* Whether late_rise()'s fit is evidence of a leak that began late: its z
 * at Z_LATE, its slope at the drift floor and its rise beyond the swing,
 * three readings at least after the first one that rose, and those still
 * rising at half the fitted slope (a step and then flat fits a hinge
 * too, and so does a cache's early climb, but what follows them is flat),
 * with a new high in the last third. */
static int
late_evidence(const struct run *run, double sign,
              const struct late_fit *late, double floor, double margin,
              double noise)
{
    return late->z >= Z_LATE && late->slope >= floor
           && late->from + 4 <= run->k
           && late->slope * (double)(run->k - late->from)
              > vj_swing_amplitude(run)
           && vj_segment_slope(run, late->from + 1, sign) >= late->slope / 2
           && late->rss < 2 * vj_step_rss(run)
           && vj_late_high(run, sign, fmax(margin, noise / 2));
}

/* RSS rising as a trend at Z_SUSPECT by more than its growth floor, at
 * half the slope floor or more, not stopped and not a cache: a leak
 * whose slope the arenas that left pulled under the floor. */
static int
bytes_trend(const struct run *run, double z, double per_round)
{
    const struct rules *r = run->r;

    return z >= Z_SUSPECT
           && run->x[run->k] - run->x[0] > vj_bytes_min_growth(run)
           && per_round > r->slope_floor / 2 && !vj_cache_like(run, 1)
           && (vj_late_high(run, 1, r->slope_floor / 2) || half_z(run, 1) > 0);
}

/* What vj_weigh() judges a clean by: the direction, the trend and the noise,
 * the floors a trend must clear, what the rounds could have seen, whether
 * they could not yet rule a leak out, and the late rise. */
struct weight {
    int bytes;            /* RSS: its own floors, no hinge fit */
    double sign;          /* -1: a singleton's fall is judged */
    double z;             /* the trend's z, in direction sign */
    double noise;         /* vj_noise_amplitude() */
    double per_round;     /* iterations a round */
    double slope_round;   /* the Theil-Sen slope per round */
    double floor_round;   /* per round: RSS's slope floor, counts' drift */
    double margin;        /* a new high's least step */
    double half_slope;    /* counts from 8 rounds: the second half's */
    double detectable;    /* per round, with 95% power */
    int split;            /* these rounds cannot rule a leak out yet */
    struct late_fit late; /* counts: the steepest hinge fit */
};

/* RSS is judged against its floors: what it would have seen is a slope
 * that clears them with 95% power. */
static void
weigh_bytes(const struct run *run, double se, struct weight *w)
{
    const struct rules *r = run->r;

    w->floor_round = fmax(r->slope_floor,
                          vj_bytes_min_growth(run) / (double)run->k);
    w->margin = r->slope_floor / 2;
    w->detectable = w->floor_round + Z_POWER * se;
    /* Noise beyond the slope floor is arenas coming and going: one
     * leaving hides a round of a leak at the floor, so a leak that began
     * in the last planned round would not show yet (RSS under page noise
     * alone stops at once). */
    w->split = Z_POWER * se > w->floor_round / 4
               || w->slope_round > w->floor_round / 2
               || w->noise > r->slope_floor;
}

/* Fills in the verdict's figures (trend z, noise, what the rounds could
 * have seen, the hinge fit) and *w from them. */
static void
weigh_figures(const struct run *run, const struct verdict_series *s,
              enum verdict_class cls, double iterations,
              struct verdict *out, struct weight *w)
{
    const struct rules *r = run->r;
    double z = vj_trend_z(run);
    double se;

    w->bytes = cls == VERDICT_CLASS_BYTES;
    w->sign = cls == VERDICT_CLASS_SINGLETON && z < 0 ? -1 : 1;
    w->z = w->sign * z;
    w->noise = vj_noise_amplitude(run);
    w->per_round = iterations / (double)run->k;
    w->slope_round = out->slope * w->per_round;
    w->floor_round = r->step;
    w->margin = r->step;
    w->half_slope = 0;
    w->late = (struct late_fit){0, 0, 0, INFINITY};
    out->z = z;
    out->noise = w->noise;
    se = vj_trend_error(run->k, w->noise);
    if (w->bytes) {
        weigh_bytes(run, se, w);
        out->detectable = w->detectable / w->per_round;
        return;
    }
    /* Without noise the every-round rule sees one step a round; with it,
     * the trend test sees what clears Z_SUSPECT with 95% power. */
    w->detectable = w->noise > 0
                    ? fmax(r->step, (Z_SUSPECT + Z_POWER) * se) : r->step;
    w->split = w->detectable > fmax(r->step, 3 * w->noise / HORIZON);
    /* Under noise only the trend test sees a leak that the rules of every
     * round miss, and it ignores drift under the floor. */
    w->floor_round = vj_floor_round(run, w->per_round, w->noise);
    if (w->noise > 0) {
        /* A leak right at the floor clears it half the time; one 1.645
         * standard errors of the slope above it, 95% of the time. */
        w->detectable = fmax(w->detectable, w->floor_round + Z_POWER * se);
    }
    if (run->k >= 8) {
        size_t from = run->k / 2;
        struct verdict_series hs = {s->value + from, s->iterations + from,
                                    run->k - from + 1};

        w->half_slope = vj_theil_sen(&hs) * w->per_round;
    }
    late_rise(run, w->sign, w->noise, &w->late);
    out->late_z = w->late.z;
    out->late_from = w->late.from;
    out->detectable = w->detectable / w->per_round;
}

/* For a metric whose move is more than one unit (heap totals): whether
 * no round moved by a step and the trend is under half the drift floor.
 * Its caches filling look so (rapidjson 1.24 on 3.13.0: heap_bytes 1568,
 * 1056, 576, 960, 736, 864 bytes a round of 100): at that pace no number
 * of rounds makes it a leak (the final judgement calls new highs slower
 * than the floor clean), so it buys none. */
static int
below_a_step(const struct run *run, double slope_round, double floor_round)
{
    if (run->r->step <= 1 || fabs(slope_round) >= floor_round / 2) {
        return 0;
    }
    for (size_t i = 1; i <= run->k; i++) {
        if (fabs(vj_delta(run, i)) >= run->r->step) {
            return 0;
        }
    }
    return 1;
}

/* A clean still making new highs at its end: a late rise (diluted over
 * the whole run, its own slope cleared the drift floor), or at the end
 * a count's highs slower than the drift floor, or else more rounds. */
static void
weigh_highs(const struct run *run, const struct weight *w, int late_ev,
            int final, struct verdict *out)
{
    int up = w->sign > 0;

    if (late_ev) {
        vj_decide(out, VERDICT_INCONCLUSIVE,
                  up ? VERDICT_RULE_LATE_RISE : VERDICT_RULE_LATE_FALL);
    }
    else if (!w->bytes && final
             && w->sign * (run->x[run->k] - run->x[0])
                < w->floor_round * (double)run->k) {
        vj_decide(out, VERDICT_CLEAN, up ? VERDICT_RULE_HIGHS_UNDER_DRIFT
                                         : VERDICT_RULE_LOWS_UNDER_DRIFT);
    }
    else {
        vj_decide(out, VERDICT_INCONCLUSIVE,
                  up ? VERDICT_RULE_NEW_HIGHS : VERDICT_RULE_NEW_LOWS);
    }
}

/* Whether the rise is a trend under noise: bytes_trend() for RSS,
 * count_trend() for counts.  settle() judged a settled clean on its tail
 * already, and a single jump is one arena: neither is weighed again. */
static int
weigh_trend(const struct run *run, const struct weight *w,
            const struct verdict *out)
{
    if (out->rule == VERDICT_RULE_SETTLED
        || out->rule == VERDICT_RULE_SINGLE_JUMP) {
        return 0;
    }
    if (w->bytes) {
        return bytes_trend(run, w->z, w->slope_round);
    }
    return count_trend(run, w->sign, w->z, w->slope_round, w->half_slope,
                       w->floor_round, vj_swing_amplitude(run));
}

/* Before the last round, whether a count's clean could not rule a leak
 * out: a trend, or a second half's from six rounds, at Z_SPLIT, or a late
 * rise at Z_LATE_SPLIT at half the drift floor. */
static int
count_split(const struct run *run, const struct weight *w)
{
    return w->z >= Z_SPLIT
           || (run->k >= 6 && half_z(run, w->sign) >= Z_SPLIT)
           || (w->late.z >= Z_LATE_SPLIT
               && w->late.slope >= w->floor_round / 2);
}

/* After the class's rules, for counts, singletons and RSS: fills in the
 * noise, the trend and what the rounds could have detected, and keeps a
 * clean verdict only where the rounds would have shown a leak: not while
 * the series is still making new highs, not (before the last round) when
 * it just rose to a new high or when the rounds so far could not have
 * seen a leak growing three noise amplitudes over HORIZON rounds, and for
 * counts not when the rise is a trend at Z_SUSPECT that has not stopped
 * (new highs in its last third, or a rising second half), nor when from
 * eight rounds on the second half alone rises so, making new highs: a
 * leak that began late, nor when a hinge fit finds a late rise
 * (late_evidence()).  For counts a trend's Theil-Sen slope must also
 * reach DRIFT_RATE and its total the swing (trend_clears()), and at the
 * last round new highs slower than DRIFT_RATE are drift, not evidence.
 * Before the last round a late rise at Z_LATE_SPLIT buys rounds: a
 * clean must have had the rounds to see a leak that began late.
 * refleak.py's rule misses a leak smaller than the noise: +61 +42 +56
 * -6 -37. */
void
vj_weigh(const struct run *run, const struct verdict_series *s,
         enum verdict_class cls, double iterations, int final,
         struct verdict *out)
{
    struct weight w;
    int late_ev;

    weigh_figures(run, s, cls, iterations, out, &w);
    if (out->kind != VERDICT_CLEAN
        || (!final && below_a_step(run, w.slope_round, w.floor_round))) {
        return;
    }
    late_ev = !w.bytes && late_evidence(run, w.sign, &w.late, w.floor_round,
                                        w.margin, w.noise);
    if (vj_making_highs(run, w.sign, w.margin)) {
        weigh_highs(run, &w, late_ev, final, out);
    }
    else if (!final
             && rising_lately(run, w.sign,
                              w.bytes ? run->r->slope_floor
                                      : fmax(w.margin, w.noise))) {
        vj_decide(out, VERDICT_INCONCLUSIVE, w.sign > 0
                                             ? VERDICT_RULE_LAST_HIGH
                                             : VERDICT_RULE_LAST_LOW);
    }
    else if (weigh_trend(run, &w, out)) {
        vj_decide(out, VERDICT_INCONCLUSIVE, w.sign > 0
                                             ? VERDICT_RULE_RISING_TREND
                                             : VERDICT_RULE_FALLING_TREND);
    }
    else if (late_ev) {
        vj_decide(out, VERDICT_INCONCLUSIVE, w.sign > 0
                                             ? VERDICT_RULE_LATE_RISE
                                             : VERDICT_RULE_LATE_FALL);
    }
    else if (!final && (w.split || (!w.bytes && count_split(run, &w)))) {
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_SPLIT);
    }
}

/* ---- the last round's evidence ----------------------------------------- */

/* Whether `rule` is a shape of a count that moved in some rounds only:
 * judge_partial()'s and dominated()'s.  At the end they are weighed
 * against the drift floor (vj_final_evidence()). */
static int
some_rounds(enum verdict_rule rule)
{
    return rule == VERDICT_RULE_SOME_ROUNDS_RISE
           || rule == VERDICT_RULE_SOME_ROUNDS_FALL
           || rule == VERDICT_RULE_DIPS || rule == VERDICT_RULE_BUMPS;
}

/* Whether the last delta is a spike no later reading has confirmed: over
 * three times every earlier move and the step.  Noise that moved by at
 * most m in every earlier round does not jump 3m at once, and a leak's
 * deltas under noise vary far less than that; a container resizing once
 * does (+36 after moves of 0 or 1). */
static int
end_spike(const struct run *run)
{
    double last = fabs(vj_delta(run, run->k));
    double most = run->r->step;

    for (size_t i = 1; i < run->k; i++) {
        most = fmax(most, fabs(vj_delta(run, i)));
    }
    return last > 3 * most;
}

/* At the end, for counts and singletons: whether what would be suspect
 * ends in a spike at the last reading, so that the readings before it
 * decide (vj_end_spike_verdict()). */
int
vj_end_spike(const struct run *run, const struct verdict *out)
{
    return out->kind == VERDICT_INCONCLUSIVE
           && run->k > run->r->min_rounds && end_spike(run);
}

/* A spike at the last reading is not yet a new high: when the readings
 * before it are clean, so is the series (with more rounds to come,
 * rising_lately() asks for the next one). */
int
vj_end_spike_verdict(const struct verdict *before, struct verdict *out)
{
    if (before->kind != VERDICT_CLEAN) {
        return 0;
    }
    vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_END_SPIKE);
    out->detectable = fmax(out->detectable, before->detectable);
    return 1;
}

/* For counts and singletons with no more rounds to come, what would be
 * suspect is weighed once more.  A count that moved in some rounds only,
 * by less than DRIFT_RATE over the counted iterations, moved by less than
 * the trend rule could see: a leak that slow is below the size the cell
 * states it would have seen, and an interpreter's own drift moves that
 * much, new highs or not. */
void
vj_final_evidence(const struct run *run, double iterations,
                  struct verdict *out)
{
    if (out->kind != VERDICT_INCONCLUSIVE) {
        return;
    }
    if (some_rounds(out->rule)
        && fabs(run->x[run->k] - run->x[0])
           < vj_floor_round(run, iterations / (double)run->k, out->noise)
             * (double)run->k) {
        vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_UNDER_DRIFT);
    }
}
