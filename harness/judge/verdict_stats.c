/* verdict_stats.c - the measures every family of rules uses: a round's
 * delta and move, the drift floor per round, the robust slope
 * (Theil-Sen), the Mann-Kendall trend of readings and of deltas, the
 * noise and the swing of the deltas, growth slowing like a cache, new
 * highs late in a run and least-squares fits.  No rule decides here.
 */
#include "judge/verdict_private.h"

#include <math.h>
#include <stdint.h>

/* ---- a run's rounds and its drift floor -------------------------------- */

/* The class's drift floor per iteration. */
double
vj_drift_rate(const struct run *run)
{
    return run->r->drift > 0 ? run->r->drift : DRIFT_RATE;
}

/* The drift floor per round, at per_round iterations: at least a quarter
 * of a step a round, whatever the iterations, since an interpreter's own
 * warm-up also moves by the round (3.13.0 fills 8 KB of malloc'ed caches
 * over its first nine rounds at 10 iterations a round as at 100).  For
 * counts, whose step is 1, the per-iteration floor decides. */
double
vj_drift_per_round(const struct run *run, double per_round)
{
    return fmax(vj_drift_rate(run) * per_round, run->r->step / 4);
}

/* The counted round i's delta, x[i] - x[i - 1]. */
double
vj_delta(const struct run *run, size_t i)
{
    return run->x[i] - run->x[i - 1];
}

/* A counted round's move, +1, -1 or 0, in the direction `sign`. */
int
vj_move(const struct run *run, size_t i, double sign)
{
    double d = sign * vj_delta(run, i);

    if (d >= run->r->step) {
        return 1;
    }
    if (d <= -run->r->step) {
        return -1;
    }
    return 0;
}

/* ---- robust slope ------------------------------------------------------ */

/* The slopes between every pair of readings, per iteration, are visited
 * without being stored: for each i, the iterations between i and j are
 * summed as j advances.  Each walk recomputes them by the same expression,
 * so comparisons between walks are exact. */
enum walk_op { WALK_INSIDE, WALK_PICK, WALK_RANK };

struct walk {
    double lo, hi;        /* WALK_INSIDE, WALK_PICK: open interval */
    size_t pick;          /* WALK_PICK: which slope inside, from 0 */
    double pivot;         /* WALK_PICK result; WALK_RANK input */
    size_t inside;        /* WALK_INSIDE result */
    size_t below, upto;   /* WALK_RANK: slopes < pivot, <= pivot */
};

static void
walk_slopes(const struct verdict_series *s, enum walk_op op, struct walk *w)
{
    const double *x = s->value;
    const double *it = s->iterations;
    size_t seen = 0;

    w->inside = w->below = w->upto = 0;
    for (size_t i = 0; i + 1 < s->count; i++) {
        double span = 0;
        for (size_t j = i + 1; j < s->count; j++) {
            double v;

            span += it[j];
            v = (x[j] - x[i]) / span;
            if (op == WALK_RANK) {
                w->below += v < w->pivot;
                w->upto += v <= w->pivot;
            }
            else if (v > w->lo && v < w->hi) {
                if (op == WALK_PICK && seen == w->pick) {
                    w->pivot = v;
                    return;
                }
                seen++;
                w->inside++;
            }
        }
    }
}

/* The rank-th smallest pairwise slope (from 1), found by quickselect over
 * values instead of positions: pick a slope inside the interval still
 * holding the answer, count how many lie below it, keep the side holding
 * the answer.  Pivots come from a fixed LCG, so the result and the run
 * time are the same on every call; about log2(pairs) rounds of three
 * walks are expected. */
static double
nth_slope(const struct verdict_series *s, size_t rank)
{
    struct walk w = {.lo = -INFINITY, .hi = INFINITY};
    uint64_t seed = UINT64_C(0x9e3779b97f4a7c15);

    for (;;) {
        walk_slopes(s, WALK_INSIDE, &w);
        if (w.inside == 0) {
            /* Unreachable while the invariant count(<= lo) < rank <=
             * count(< hi) holds; stop rather than loop. */
            return NAN;
        }
        seed = seed * UINT64_C(6364136223846793005)
               + UINT64_C(1442695040888963407);
        w.pick = (size_t)((seed >> 11) % w.inside);
        walk_slopes(s, WALK_PICK, &w);
        walk_slopes(s, WALK_RANK, &w);
        if (rank <= w.below) {
            w.hi = w.pivot;
        }
        else if (rank <= w.upto) {
            return w.pivot;
        }
        else {
            w.lo = w.pivot;
        }
    }
}

/* Theil-Sen slope per iteration; needs count >= 2. */
double
vj_theil_sen(const struct verdict_series *s)
{
    size_t pairs = s->count * (s->count - 1) / 2;

    if (pairs % 2 == 1) {
        return nth_slope(s, pairs / 2 + 1);
    }
    return (nth_slope(s, pairs / 2) + nth_slope(s, pairs / 2 + 1)) / 2;
}

/* ---- trend, noise, deceleration ---------------------------------------- */

/* The standard error of a trend per round fitted to k + 1 equally spaced
 * readings under Gaussian noise of amplitude `noise` (sigma = noise / 2):
 * sigma * sqrt(12 / (n (n^2 - 1))) for least squares; Mann-Kendall and
 * Theil-Sen do about as well on Gaussian noise. */
double
vj_trend_error(size_t k, double noise)
{
    double n = (double)k + 1;

    return (noise / 2) * sqrt(12 / (n * (n * n - 1)));
}

/* Mann-Kendall trend statistic as a z score: S counts the pairs of
 * readings that rise minus those that fall; without a trend S is about
 * normal with variance n(n-1)(2n+5)/18.  Ties are not corrected for, which
 * only makes the test stricter.  Four readings that rise throughout give
 * z = 1.70, the most four readings can. */
double
vj_trend_z(const struct run *run)
{
    double n = (double)run->k + 1;
    double s = 0;

    for (size_t i = 0; i < run->k; i++) {
        for (size_t j = i + 1; j <= run->k; j++) {
            s += (run->x[j] > run->x[i]) - (run->x[j] < run->x[i]);
        }
    }
    /* continuity correction: S moves in steps of 2 */
    s -= (s > 0) - (s < 0);
    return s / sqrt(n * (n - 1) * (2 * n + 5) / 18);
}

/* Mann-Kendall z of the deltas from round `from` on, in direction sign:
 * negative when they shrink.  Two deltas give just the sign of their
 * change. */
double
vj_deltas_z(const struct run *run, size_t from, double sign)
{
    double n = (double)(run->k - from + 1);
    double s = 0;

    if (n < 2) {
        return 0;
    }
    if (n < 3) {
        double a = sign * vj_delta(run, from);
        double b = sign * vj_delta(run, from + 1);
        return (b > a) - (b < a);
    }
    for (size_t i = from; i < run->k; i++) {
        for (size_t j = i + 1; j <= run->k; j++) {
            double a = sign * vj_delta(run, i);
            double b = sign * vj_delta(run, j);

            s += (b > a) - (b < a);
        }
    }
    s -= (s > 0) - (s < 0);
    return s / sqrt(n * (n - 1) * (2 * n + 5) / 18);
}

/* Growth in direction sign that slows like a cache filling: the deltas
 * shrink as a trend (Mann-Kendall on the deltas; any shrinking will do
 * when the second half grew less than 0.8 of the first by two noise
 * amplitudes), the second half grew less than nine tenths of the first by
 * more than the noise (the difference of the halves has a standard
 * deviation of about one noise amplitude), and the second half's own
 * deltas are not rising (with three or more to tell), so growth that
 * settled at a steady rate after a warm-up ([400, 200, 50, 50, 50, 50]) is
 * not mistaken for one.  The issue's
 * cache, +327 +234 +174 +141 +138 +96 (each about 0.8 of the one before),
 * gives z = -2.6. */
int
vj_cache_like(const struct run *run, double sign)
{
    size_t k = run->k;
    size_t h = k / 2;
    double first;
    double last;

    if (k < 4) {
        return 0;
    }
    first = sign * (run->x[h] - run->x[0]);
    last = sign * (run->x[k] - run->x[k - h]);
    double dz = vj_deltas_z(run, 1, sign);
    double noise = vj_noise_amplitude(run);

    /* fabs(last): a second half climbing back past the first half's
     * fall is no cache slowing down, but a leak starting. */
    return first > 0 && fabs(last) < 0.9 * first && first - last > noise
           && (dz <= -Z_DECEL
               || (last < 0.8 * first && dz < 0 && first - last > 2 * noise))
           && (h < 3 || vj_deltas_z(run, k - h + 1, sign) <= 0);
}

/* The median delta of the counted rounds, by ranks: no storage. */
double
vj_median_delta(const struct run *run)
{
    size_t n = run->k;
    double lo = NAN, hi = NAN;

    for (size_t i = 1; i <= n; i++) {
        double v = vj_delta(run, i);
        size_t below = 0, upto = 0;

        for (size_t j = 1; j <= n; j++) {
            below += vj_delta(run, j) < v;
            upto += vj_delta(run, j) <= v;
        }
        /* 0-based ranks (n-1)/2 and n/2: the same one when n is odd. */
        if (below <= (n - 1) / 2 && (n - 1) / 2 < upto) {
            lo = v;
        }
        if (below <= n / 2 && n / 2 < upto) {
            hi = v;
        }
    }
    return (lo + hi) / 2;
}

/* Noise amplitude, twice sigma, so that about 95% of Gaussian noise lies
 * within it.  Sigma comes from the deltas: their spread about the median
 * delta, the largest left out, over sqrt(2) since a delta is the
 * difference of two readings.  The median delta takes out a steady trend,
 * and leaving out the largest takes out a single step: [3, 0, 0] has no
 * noise, and a single odd reading takes out its two deltas.  RSS keeps
 * the largest: an arena's arrival is what its noise is made of.  A
 * median absolute deviation would ignore more, but it reads 0 whenever
 * half of a few deltas tie. */
double
vj_noise_amplitude(const struct run *run)
{
    double med;
    double sum = 0;
    size_t top = 0, next = 0;   /* the two largest deviations */

    if (run->k < 2) {
        return 0;
    }
    med = vj_median_delta(run);
    for (size_t i = 1; i <= run->k; i++) {
        double d = fabs(vj_delta(run, i) - med);

        sum += d * d;
        if (top == 0 || d > fabs(vj_delta(run, top) - med)) {
            next = top;
            top = i;
        }
        else if (next == 0 || d > fabs(vj_delta(run, next) - med)) {
            next = i;
        }
    }
    if (run->r->slope_floor > 0) {
        /* RSS: arenas coming and going are its noise; none is left out. */
        return 2 * sqrt(sum / (double)run->k / 2);
    }
    double d1 = vj_delta(run, top) - med;
    sum -= d1 * d1;
    if (run->k >= 4 && next != 0 && (top == next + 1 || next == top + 1)) {
        /* One odd reading, up and back ([+38, -38, 0, 0, 0]), makes two
         * deltas: both go when the second is opposite to the first and
         * far beyond what is left. */
        double d2 = vj_delta(run, next) - med;
        double rest = sum - d2 * d2;

        if (d1 * d2 < 0
            && d2 * d2 > 9 * fmax(rest, 0) / (double)(run->k - 2)) {
            return 2 * sqrt(fmax(rest, 0) / (double)(run->k - 2) / 2);
        }
    }
    return 2 * sqrt(fmax(sum, 0) / (double)(run->k - 1) / 2);
}

/* The swing: vj_noise_amplitude() with nothing left out, so that spikes up
 * and back count as what they are, bounded noise.  It is the yardstick a
 * trend's total must beat (trend_clears()); the noise amplitude, which
 * leaves one spike out, stays the yardstick of what the rounds could have
 * seen. */
double
vj_swing_amplitude(const struct run *run)
{
    double med;
    double sum = 0;

    if (run->k < 2) {
        return 0;
    }
    med = vj_median_delta(run);
    for (size_t i = 1; i <= run->k; i++) {
        double d = vj_delta(run, i) - med;

        sum += d * d;
    }
    return 2 * sqrt(sum / (double)(run->k - 1) / 2);
}

/* Whether the last third of the readings (three at least) holds a new
 * high by `margin`: growth that has not stopped, unlike a cache that
 * filled early and stayed. */
int
vj_late_high(const struct run *run, double sign, double margin)
{
    size_t t = run->k / 3 < 3 ? 3 : run->k / 3;
    double before = -INFINITY;
    double last = -INFINITY;

    for (size_t i = 0; i <= run->k; i++) {
        if (i + t <= run->k) {
            before = fmax(before, sign * run->x[i]);
        }
        else {
            last = fmax(last, sign * run->x[i]);
        }
    }
    return last >= before + margin;
}

/* ---- fits -------------------------------------------------------------- */

/* The residual sum of squares of the best single step: one level up to
 * some reading, another after it.  A container resizing once, or a cache
 * filled at one go, fits it better than any hinge. */
double
vj_step_rss(const struct run *run)
{
    double best = INFINITY;

    for (size_t c = 1; c <= run->k; c++) {
        double m1 = 0, m2 = 0, rss = 0;

        for (size_t i = 0; i <= run->k; i++) {
            *(i < c ? &m1 : &m2) += run->x[i] - run->x[0];
        }
        m1 /= (double)c;
        m2 /= (double)(run->k + 1 - c);
        for (size_t i = 0; i <= run->k; i++) {
            double d = run->x[i] - run->x[0] - (i < c ? m1 : m2);

            rss += d * d;
        }
        best = fmin(best, rss);
    }
    return best;
}

/* The residual sum of squares of the least-squares line through the
 * readings: what a leak under noise fits. */
double
vj_line_rss(const struct run *run)
{
    double n = (double)run->k + 1;
    double mid = (double)run->k / 2;
    double mean = 0, sxy = 0, sxx = 0, rss = 0;

    for (size_t i = 0; i <= run->k; i++) {
        mean += (run->x[i] - run->x[0]) / n;
    }
    for (size_t i = 0; i <= run->k; i++) {
        double t = (double)i - mid;

        sxy += t * (run->x[i] - run->x[0] - mean);
        sxx += t * t;
    }
    for (size_t i = 0; i <= run->k; i++) {
        double d = run->x[i] - run->x[0] - mean
                   - sxy / sxx * ((double)i - mid);

        rss += d * d;
    }
    return rss;
}

/* The least-squares slope per round of x[from..k] in direction sign. */
double
vj_segment_slope(const struct run *run, size_t from, double sign)
{
    double n = (double)(run->k - from + 1);
    double mid = ((double)from + (double)run->k) / 2;
    double sxy = 0, sxx = 0;

    for (size_t i = from; i <= run->k; i++) {
        double t = (double)i - mid;

        sxy += t * sign * run->x[i];
        sxx += t * t;
    }
    return n < 2 ? 0 : sxy / sxx;
}
