/* verdict_rss.c - RSS, which moves in pages and arenas: a slope and a
 * growth over the allocator's floors, a shape that keeps making new
 * highs, a cache's warm-up judged on its tail and a climb that began
 * late.
 */
#include "judge/verdict_private.h"

#include <math.h>

/* The growth an RSS series must beat to be more than allocator slack. */
double
vj_bytes_min_growth(const struct run *run)
{
    return fmax(run->r->growth_floor, run->r->growth_share * fabs(run->x[0]));
}

/* What judge_bytes() weighs about the shape of an RSS series. */
struct bytes_shape {
    size_t jumps;     /* rounds rising by over half the slope floor */
    size_t falls;     /* ... falling by as much: a cache fills without */
    int new_highs;    /* the second half peaks above the first */
    int consistent;   /* rises like a leak: see bytes_shape() */
};

/* Most rounds rise, the second half peaks higher than the first (a
 * sawtooth returns to the same peaks; the highest late reading is
 * compared, not the last, so a growing sawtooth ending on a trough still
 * counts), the rise is a trend, the troughs rise too (a sawtooth's do
 * not), and from six rounds on the last third still makes a new high
 * (arenas that arrived and stayed do not). */
static void
bytes_shape(const struct run *run, struct bytes_shape *sh)
{
    const struct rules *r = run->r;
    size_t k = run->k;
    size_t h = vj_second_half(run);
    double early = -INFINITY, late = -INFINITY;
    double early_low = INFINITY, late_low = INFINITY;
    size_t up = 0;

    sh->jumps = sh->falls = 0;
    for (size_t i = 0; i <= k; i++) {
        if (i < h) {
            early = fmax(early, run->x[i]);
            early_low = fmin(early_low, run->x[i]);
        }
        else {
            late = fmax(late, run->x[i]);
            late_low = fmin(late_low, run->x[i]);
        }
        if (i > 0) {
            up += vj_delta(run, i) > 0;
            sh->jumps += vj_delta(run, i) > r->slope_floor / 2;
            sh->falls += vj_delta(run, i) < -r->slope_floor / 2;
        }
    }
    sh->new_highs = late >= early + r->slope_floor / 2;
    sh->consistent = (double)up >= r->rising_share * (double)k
                     && sh->new_highs && vj_trend_z(run) >= r->trend_z
                     && late_low >= early_low + r->slope_floor / 2
                     && (k < 6 || vj_late_high(run, 1, r->slope_floor / 2));
}

static double
median3(double a, double b, double c)
{
    return fmax(fmin(a, b), fmin(fmax(a, b), c));
}

/* Growth from the median of the first three readings to the median of the
 * last three: a run that began in a trough of its noise (the warm-up's
 * last reading low, 12 MiB in readings of 12-20 MiB) does not count the
 * climb out of it.  The plain growth below four rounds. */
static double
robust_growth(const struct run *run)
{
    const double *x = run->x;
    size_t k = run->k;

    if (k < 4) {
        return x[k] - x[0];
    }
    return median3(x[k - 2], x[k - 1], x[k]) - median3(x[0], x[1], x[2]);
}

/* RSS: a slope over the floor is not enough, since one arena arriving
 * makes one; the growth must also be steady (most rounds rise, the late
 * readings beat the early peak, the rise is a trend) and large, and not a
 * single jump.  Before the last round, growth under three times the floor
 * is confirmed over more rounds unless every round rose by half the slope
 * floor: three 256 KiB arenas arriving one after another look like a leak
 * for three rounds, but not for five. */
static void
judge_bytes(const struct run *run, double iterations, double slope,
            int final, struct verdict *out)
{
    const struct rules *r = run->r;
    size_t k = run->k;
    double growth = run->x[k] - run->x[0];
    double per_round = slope * iterations / (double)k;
    double min_growth = vj_bytes_min_growth(run);
    struct bytes_shape sh;

    bytes_shape(run, &sh);
    if (!(growth > 0)) {
        vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_DID_NOT_GROW);
    }
    else if (!(per_round > r->slope_floor)) {
        vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_UNDER_SLOPE_FLOOR);
    }
    else if (!(growth > min_growth)) {
        if (sh.consistent) {
            vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_RISING_TO_FLOOR);
        }
        else {
            vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_UNDER_GROWTH_FLOOR);
        }
    }
    else if (sh.jumps <= 1) {
        /* A step in mid-run gives half the pairwise slopes, enough to
         * move the median: Theil-Sen only shrugs off up to 29%. */
        vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_SINGLE_JUMP);
    }
    else if (sh.consistent && sh.falls == 0 && vj_cache_like(run, 1)) {
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_DECELERATING);
    }
    else if (sh.consistent && !final && sh.jumps < k
             && !(growth >= 3 * min_growth)) {
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_UNDER_3X_FLOOR);
    }
    else if (sh.consistent && !final
             && robust_growth(run) < 3 * vj_noise_amplitude(run)) {
        /* Steady in shape, but no larger than the readings' own spread: a
         * buffer of random size held one at a time moves RSS by MiBs and
         * makes new highs for five rounds, bounded all the same.  Before
         * the last round: three noise amplitudes, from a robust start
         * (the run may begin in a trough: 12 MiB in readings of 12-20
         * MiB).  It costs rounds only; at the last round the shape tests
         * decide, as they do for a growing sawtooth whose teeth are
         * larger than its growth. */
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_WITHIN_NOISE);
    }
    else if (sh.consistent) {
        vj_decide(out, VERDICT_LEAK, VERDICT_RULE_GREW_STEADILY);
    }
    else if (!sh.new_highs) {
        vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_SAWTOOTH);
    }
    else {
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_UNSTEADY);
    }
}

/* A leak that began late: the longest run of rounds at the end, four or
 * more, in each of which RSS rose by more than half the slope floor, and
 * which grew by at least twice the growth floor.  The allocator's free
 * heap absorbs the first few hundred KiB of a native leak of 1 KiB per
 * iteration, so its RSS is flat for rounds and then climbs every round.
 * Arenas coming and going do not climb four rounds running, nor end that
 * far above every earlier reading.  Returns the
 * rounds in that run, 0 when there is none. */
static size_t
late_onset(const struct run *run)
{
    size_t n = 0;

    while (n < run->k && vj_delta(run, run->k - n) > run->r->slope_floor / 2) {
        n++;
    }
    if (n < 4) {
        return 0;
    }
    /* It must also end above everything before it by as much: noise that
     * happens to climb four rounds from a trough does not. */
    double before = -INFINITY;
    for (size_t i = 0; i <= run->k - n; i++) {
        before = fmax(before, run->x[i]);
    }
    if (!(run->x[run->k] - run->x[run->k - n] >= 2 * vj_bytes_min_growth(run)
          && run->x[run->k] - before >= 2 * vj_bytes_min_growth(run))) {
        return 0;
    }
    return n;
}

/* RSS after judge_bytes(): at the end, a cache that decelerated is judged
 * on its trailing half, and a climb that began late on its own. */
static void
settle_bytes(const struct run *run, const struct verdict_series *s,
             int final, struct verdict *out)
{
    size_t n;

    if (!final) {
        return;
    }
    if (out->kind == VERDICT_INCONCLUSIVE
        && out->rule == VERDICT_RULE_DECELERATING) {
        size_t t = run->k / 2 < 2 ? 2 : run->k / 2;
        struct run tail = {run->x + (run->k - t), t, run->r};
        struct verdict_series ts = {s->value + (run->k - t),
                                    s->iterations + (run->k - t), t + 1};
        double iters = 0;
        struct verdict tv = *out;

        for (size_t i = 1; i <= t; i++) {
            iters += ts.iterations[i];
        }
        tv.slope = vj_theil_sen(&ts);
        judge_bytes(&tail, iters, tv.slope, 1, &tv);
        if (tv.kind == VERDICT_CLEAN) {
            vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_SETTLED);
        }
        else if (tv.kind == VERDICT_LEAK && !vj_cache_like(&tail, 1)) {
            vj_decide(out, VERDICT_LEAK, VERDICT_RULE_STEADY_RISE);
            out->per_iteration = (tail.x[t] - tail.x[0]) / iters;
        }
        return;
    }
    if ((n = late_onset(run)) > 0) {
        size_t o = run->k - n;
        double iters = 0, pre_iters = 0;

        for (size_t i = 1; i <= run->k; i++) {
            *(i <= o ? &pre_iters : &iters) += s->iterations[i];
        }
        double rate = (run->x[run->k] - run->x[o]) / iters;
        /* A leak already, it is a late onset all the same when the rounds
         * before the climb were flat (the free heap absorbing it), and
         * its rate is the climb's: they would dilute it. */
        if (out->kind != VERDICT_LEAK
            || (o > 0 && 3 * fabs(run->x[o] - run->x[0]) / pre_iters
                         <= rate)) {
            vj_decide(out, VERDICT_LEAK, VERDICT_RULE_LATE_CLIMB);
            out->per_iteration = rate;
        }
    }
}

/* RSS by its floors and shape, then at the end its warm-up and a late
 * climb. */
void
vj_judge_bytes(const struct run *run, const struct verdict_series *s,
               double iterations, int final, struct verdict *out)
{
    judge_bytes(run, iterations, out->slope, final, out);
    settle_bytes(run, s, final, out);
}
