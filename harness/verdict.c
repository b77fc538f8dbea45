/* verdict.c - the rules that turn a metric's readings into a verdict.
 *
 * Counts follow CPython's own refleak hunter (Lib/test/libregrtest/
 * refleak.py, bpo-30776): a leak only when EVERY counted round grows by at
 * least one.  Noise does that rarely and a real leak always does, so
 * [5,5,6] and [10,1,1] leak while [3,0,0], [0,1,0] and [8,-8,1] do not.
 * Two extensions keep that rule honest on long runs:
 *
 *   - a cache filling up also grows in every round, but ever more slowly:
 *     [40,20,10,5,2] is "decelerating", inconclusive until the next rounds
 *     show it flat.  What tells it from [10,1,1] (a leak after a warm-up
 *     round) is that its last delta is still a new low: the tail has not
 *     settled at a steady rate.
 *   - a leak of one object every third round, [0,0,1,0,0,1,...], never
 *     grows in every round.  With eight or more rounds, no round falling
 *     and new highs still being made in the second half it is a slow leak.
 *
 * Singleton refcounts use the same rules and their mirror image: falling
 * in every round is an over-release.  For an ordinary count a steady fall
 * is a cache being trimmed, not a bug.
 *
 * RSS moves in pages and arenas, so no single delta means anything; the
 * slope (Theil-Sen, the median of all pairwise slopes) must clear a floor
 * and the series must keep making new highs, which a sawtooth such as
 * +1 MiB, +1 MiB, -2 MiB does not.  Threads and fds leak when they keep
 * rising and never return to the baseline; a worker alive at one round's
 * end and gone at the next is not a leak.
 */
#include "verdict.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Every threshold, one row per class.  A field a class does not use is 0. */
struct rules {
    size_t min_rounds;    /* fewer counted rounds: inconclusive */
    double step;          /* smallest delta that counts as a move */
    double decel_mean;    /* decelerating: mean of the last half below
                             this share of the mean of the first half */
    double decel_last;    /* ... and the last delta below this share of
                             the first */
    size_t slow_rounds;   /* rounds needed to call a partial grower */
    size_t slow_highs;    /* new highs the second half must make */
    double dip_ratio;     /* "grows with dips": rises at least this many
                             times the falls */
    double rising_share;  /* share of rounds that must grow */
    double slope_floor;   /* bytes per round a slope must exceed */
    double growth_floor;  /* bytes the whole run must grow by ... */
    double growth_share;  /* ... or this share of the baseline if more */
    double trend_z;       /* Mann-Kendall z the upward trend must reach */
};

#define COUNT_RULES \
        /* Two deltas is the least that can show "every round"; refleak.py \
         * counts three. */ \
        .min_rounds = 2, \
        /* A cache filling at half the rate each round has a last-half \
         * mean a quarter of its first half's by the fourth round; a leak \
         * with noise stays near 1.  The last delta must also be under a \
         * quarter of the first, so one large first round alone does not \
         * count. */ \
        .decel_mean = 1.0 / 3, \
        .decel_last = 0.25, \
        /* Below eight rounds a leak of one per three rounds has made two \
         * or fewer steps, which noise makes too. */ \
        .slow_rounds = 8, \
        /* One new high in the second half is a cache topping up; two mean \
         * the growth had not stopped. */ \
        .slow_highs = 2, \
        /* Noise rises about as much as it falls; a leak trimmed now and \
         * then by a cache rises far more. */ \
        .dip_ratio = 4,

static const struct rules rules_of[] = {
    /* Counts and singleton refcounts weigh the same evidence; singletons
     * read it both ways (a fall is an over-release). */
    /* Counts are integers: a move is one object or reference. */
    [VERDICT_CLASS_COUNT] = {COUNT_RULES .step = 1},
    [VERDICT_CLASS_SINGLETON] = {COUNT_RULES .step = 1},
    [VERDICT_CLASS_BYTES] = {
        /* As for counts; the trend test below keeps two rounds from ever
         * being a leak, while falling RSS is clean at once. */
        .min_rounds = 2,
        /* Any byte counts as growth; RSS moves in pages anyway. */
        .step = 1,
        /* Most rounds of a leak grow; a sawtooth of two rises and one
         * fall still passes 60%, which is why new highs are required too. */
        .rising_share = 0.6,
        /* Half of glibc's 128 KiB top pad and a sixteenth of a 1 MiB
         * pymalloc arena: steadier growth than that is not page noise. */
        .slope_floor = 64.0 * 1024,
        /* One 256 KiB pymalloc arena (Python < 3.10) can appear for good
         * without a leak; on a large process 1% of RSS is allocator
         * slack. */
        .growth_floor = 256.0 * 1024,
        .growth_share = 0.01,
        /* Mann-Kendall at one-sided 10%: weak on purpose, since the other
         * tests do most of the work.  It sends short runs of noise that
         * happen to rise back for more rounds (half to three quarters of
         * the false leaks in 3-5 rounds of +-512 KiB noise) and needs at
         * least three rounds, all rising (z = 1.70); a sawtooth rising
         * 1 MiB every three rounds passes it from the eighth round in any
         * phase. */
        .trend_z = 1.28,
    },
    /* Heap totals from valgrind and LSan are exact, but the interpreter
     * itself moves them: on 3.11.7 memcheck's reachable and possibly lost
     * wobble by about +-5 KB a round of a clean loop.  A round counts as
     * growing only past twice that (bytes), or 16 blocks; otherwise the
     * rules of counts (every counted round grows = leak). */
    [VERDICT_CLASS_HEAP_BYTES] = {COUNT_RULES .step = 10.0 * 1024},
    [VERDICT_CLASS_HEAP_BLOCKS] = {COUNT_RULES .step = 16},
    [VERDICT_CLASS_RESOURCE] = {
        /* One step up is what a lazily started helper thread does. */
        .min_rounds = 2,
        .step = 1,
        /* A thread or fd leak grows in at least every other round once
         * it starts; a pool filling up does not. */
        .rising_share = 0.5,
    },
};

#define N_CLASSES (sizeof(rules_of) / sizeof(rules_of[0]))

/* Counts moving slower than this per iteration are judged on every round
 * the caller allows (see verdict_judge()). */
#define SLOW_RATE 0.05

/* The readings being judged, and what every rule needs about them. */
struct run {
    const double *x;
    size_t k;                  /* counted rounds; x[0..k] */
    const struct rules *r;
};

static double
delta(const struct run *run, size_t i)
{
    return run->x[i] - run->x[i - 1];
}

/* A counted round's move, +1, -1 or 0, in the direction `sign`. */
static int
move(const struct run *run, size_t i, double sign)
{
    double d = sign * delta(run, i);

    if (d >= run->r->step) {
        return 1;
    }
    if (d <= -run->r->step) {
        return -1;
    }
    return 0;
}

/* ---- robust slope ---------------------------------------------------- */

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
static double
theil_sen(const struct verdict_series *s)
{
    size_t pairs = s->count * (s->count - 1) / 2;

    if (pairs % 2 == 1) {
        return nth_slope(s, pairs / 2 + 1);
    }
    return (nth_slope(s, pairs / 2) + nth_slope(s, pairs / 2 + 1)) / 2;
}

/* ---- counts and singletons ------------------------------------------- */

/* Decelerating growth in direction `sign`, like [40,20,10,5,2]: the last
 * half's mean is a small share of the first half's, the last delta a small
 * share of the first, and the last delta is still a new low of the last
 * half (or below its predecessor when the half is one round).  [10,1,1]
 * fails the last test: its tail has settled at one per round, a leak. */
static int
decelerating(const struct run *run, double sign)
{
    size_t k = run->k;
    size_t h = k / 2;
    double first = 0;
    double last = 0;
    double end = sign * delta(run, k);

    if (h == 0) {
        return 0;
    }
    for (size_t i = 1; i <= h; i++) {
        first += sign * delta(run, i);
        last += sign * delta(run, k - h + i);
    }
    if (!(last < run->r->decel_mean * first)) {
        return 0;
    }
    if (!(end < run->r->decel_last * sign * delta(run, 1))) {
        return 0;
    }
    if (h == 1) {
        return end < sign * delta(run, k - 1);
    }
    for (size_t i = k - h + 1; i < k; i++) {
        if (sign * delta(run, i) <= end) {
            return 0;
        }
    }
    return 1;
}

/* Readings from x[from] on that exceed (sign > 0) or undercut every
 * earlier reading by at least one step. */
static size_t
new_extremes(const struct run *run, size_t from, double sign)
{
    double best = -INFINITY;
    size_t n = 0;

    for (size_t i = 0; i <= run->k; i++) {
        double v = sign * run->x[i];

        if (i >= from && v >= best + run->r->step) {
            n++;
        }
        if (v > best) {
            best = v;
        }
    }
    return n;
}

/* The second half of the counted rounds: x[k/2 + 1 .. k].  With an odd
 * count it takes the middle round, the more recent evidence. */
static size_t
second_half(const struct run *run)
{
    return run->k / 2 + 1;
}

static int
second_half_flat(const struct run *run)
{
    for (size_t i = second_half(run); i <= run->k; i++) {
        if (move(run, i, 1) != 0) {
            return 0;
        }
    }
    return 1;
}

/* Growth in direction `sign` in some rounds and none against it. */
static void
judge_partial(const struct run *run, double sign, size_t moves,
              struct verdict *out)
{
    int up = sign > 0;

    if (moves == 1) {
        out->kind = VERDICT_CLEAN;
        out->why = "a single step: noise";
    }
    else if (second_half_flat(run)) {
        out->kind = VERDICT_CLEAN;
        out->why = up ? "grew early, then flat: a cache warming up"
                      : "fell early, then flat";
    }
    else if (run->k >= run->r->slow_rounds
             && new_extremes(run, second_half(run), sign)
                >= run->r->slow_highs) {
        out->kind = up ? VERDICT_LEAK : VERDICT_OVER_RELEASE;
        out->why = up ? "slow leak: new highs through the second half"
                      : "slow over-release: new lows in the second half";
    }
    else {
        out->kind = VERDICT_INCONCLUSIVE;
        out->why = up ? "grew in some rounds only"
                      : "fell in some rounds only";
    }
}

/* Moves in both directions: noise, unless one direction dominates and
 * keeps making new extremes late in the run.  Never a firm verdict, since
 * refleak.py would not call it a leak either. */
static int
dominated(const struct run *run, double sign, double with, double against)
{
    return run->k >= run->r->slow_rounds
           && sign * (run->x[run->k] - run->x[0]) >= run->r->step
           && with >= run->r->dip_ratio * against
           && new_extremes(run, second_half(run), sign)
              >= run->r->slow_highs;
}

static void
judge_count(const struct run *run, int singleton, struct verdict *out)
{
    size_t up = 0;
    size_t down = 0;
    double rise = 0;
    double fall = 0;

    for (size_t i = 1; i <= run->k; i++) {
        int m = move(run, i, 1);

        if (m > 0) {
            up++;
            rise += delta(run, i);
        }
        else if (m < 0) {
            down++;
            fall -= delta(run, i);
        }
    }

    if (up == run->k) {
        if (decelerating(run, 1)) {
            out->kind = VERDICT_INCONCLUSIVE;
            out->why = "decelerating: looks like a cache warming up";
        }
        else {
            out->kind = VERDICT_LEAK;
            out->why = "grew in every counted round";
        }
    }
    else if (down == run->k) {
        if (!singleton) {
            out->kind = VERDICT_CLEAN;
            out->why = "fell in every counted round: a cache being trimmed";
        }
        else if (decelerating(run, -1)) {
            out->kind = VERDICT_INCONCLUSIVE;
            out->why = "decelerating fall: looks like a cache emptying";
        }
        else {
            out->kind = VERDICT_OVER_RELEASE;
            out->why = "fell in every counted round";
        }
    }
    else if (up == 0 && down == 0) {
        out->kind = VERDICT_CLEAN;
        out->why = "no change";
    }
    else if (down == 0) {
        judge_partial(run, 1, up, out);
    }
    else if (up == 0) {
        if (singleton) {
            judge_partial(run, -1, down, out);
        }
        else {
            out->kind = VERDICT_CLEAN;
            out->why = "fell in some rounds: not a leak";
        }
    }
    else if (dominated(run, 1, rise, fall)) {
        out->kind = VERDICT_INCONCLUSIVE;
        out->why = "grows with occasional dips";
    }
    else if (singleton && dominated(run, -1, fall, rise)) {
        out->kind = VERDICT_INCONCLUSIVE;
        out->why = "falls with occasional bumps";
    }
    else {
        out->kind = VERDICT_CLEAN;
        out->why = "rises and falls without a trend";
    }
}

/* Warm-up left over in the counted rounds: growth (or fall) whose second
 * half is less than half its first half.  A leak keeps its pace: a leak of
 * one list per iteration adds the same hundred blocks every round of a
 * hundred iterations.  A cache or an interpreter's own lazily built state
 * (method caches, specialised bytecode, thread-local pools) slows down and
 * stops: CPython 3.11 serving HTTP requests drops None's refcount by 14,
 * 11, 10, 3, 3 in its first counted rounds and by 0 or 1 later. */
static int
slowing(const struct run *run)
{
    size_t k = run->k;
    size_t h = k / 2;

    if (h == 0) {
        return 0;
    }
    double first = run->x[h] - run->x[0];
    double last = run->x[k] - run->x[k - h];
    double sign = first >= 0 ? 1 : -1;
    return sign * first >= run->r->step && sign * last < 0.5 * sign * first;
}

static void
judge_count_class(const struct run *run, enum verdict_class cls,
                  struct verdict *out)
{
    judge_count(run, cls == VERDICT_CLASS_SINGLETON, out);
}

/* A leak made by code that runs per iteration moves a count by about the
 * same amount per iteration every round: exactly, on a fixed path, or
 * with the spread of a Poisson count (variance about the mean) on an
 * uncommon one.  Interpreter noise under threads is burstier: CPython 3.10
 * serving requests moved None's refcount by -2, -1, -17, -12, -3 and then
 * settled.  Irregular means both: the per-iteration rates of the rounds
 * vary by more than half their mean, and the counts vary by more than five
 * times a Poisson count would. */
static int
irregular(const struct run *run, const double *iters)
{
    size_t k = run->k;
    double mean = 0, var = 0, rmean = 0, rvar = 0;

    if (k < 3) {
        return 0;
    }
    for (size_t i = 1; i <= k; i++) {
        mean += delta(run, i);
        rmean += delta(run, i) / iters[i];
    }
    mean /= (double)k;
    rmean /= (double)k;
    for (size_t i = 1; i <= k; i++) {
        double d = delta(run, i) - mean;
        double r = delta(run, i) / iters[i] - rmean;
        var += d * d;
        rvar += r * r;
    }
    var /= (double)(k - 1);
    rvar /= (double)(k - 1);
    return sqrt(rvar) > 0.5 * fabs(rmean)
           && var > 5 * fabs(mean) + run->r->step;
}

/* Whether every delta is at least one step the same way. */
static int
moved_every_round(const struct run *run)
{
    size_t up = 0, down = 0;
    for (size_t i = 1; i <= run->k; i++) {
        int m = move(run, i, 1);
        up += m > 0;
        down += m < 0;
    }
    return up == run->k || down == run->k;
}

/* For counts with warm-up left in them: more rounds while they may come;
 * at the end, the verdict of the trailing half, which must itself be
 * steady to be called a leak.  out->per_iteration becomes the trailing
 * rate: the warm-up would overstate it. */
static void
settle(const struct run *run, enum verdict_class cls, const double *iters,
       int final, struct verdict *out)
{
    if (out->kind == VERDICT_CLEAN || !slowing(run)) {
        return;
    }
    if (!final) {
        out->kind = VERDICT_INCONCLUSIVE;
        out->why = "decelerating: looks like a cache warming up";
        return;
    }
    size_t t = run->k / 2 < 2 ? 2 : run->k / 2;
    struct run tail = {run->x + (run->k - t), t, run->r};
    struct verdict tv = *out;
    double n = 0;

    for (size_t i = run->k - t + 1; i <= run->k; i++) {
        n += iters[i];
    }
    judge_count_class(&tail, cls, &tv);
    /* After a warm-up, a tail that does not move every round is the
     * warm-up's residue (refleak.py would call it clean too): CPython 3.10
     * under HTTP load ends -1, -1, 0, -1, -1, 0 after falling by dozens. */
    if (tv.kind == VERDICT_CLEAN
        || (tv.kind == VERDICT_INCONCLUSIVE && !moved_every_round(&tail))) {
        out->kind = VERDICT_CLEAN;
        out->why = "settled after warm-up";
    }
    else if ((tv.kind == VERDICT_LEAK || tv.kind == VERDICT_OVER_RELEASE)
             && !slowing(&tail)) {
        out->kind = tv.kind;
        out->why = tv.kind == VERDICT_LEAK ? "steady growth after warm-up"
                                           : "steady fall after warm-up";
        out->per_iteration = (tail.x[t] - tail.x[0]) / n;
    }
    else {
        out->kind = VERDICT_SUSPECT;
        out->why = "decelerating: looks like a cache warming up";
    }
}

/* ---- RSS ------------------------------------------------------------- */

/* Mann-Kendall trend statistic as a z score: S counts the pairs of
 * readings that rise minus those that fall; without a trend S is about
 * normal with variance n(n-1)(2n+5)/18.  Ties are not corrected for, which
 * only makes the test stricter.  Four readings that rise throughout give
 * z = 1.70, the most four readings can. */
static double
trend_z(const struct run *run)
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

/* RSS: a slope over the floor is not enough, since one arena arriving
 * makes one; the growth must also be steady (most rounds rise, the late
 * readings beat the early peak, the rise is a trend) and large. */
static void
judge_bytes(const struct run *run, double iterations, double slope,
            struct verdict *out)
{
    const struct rules *r = run->r;
    size_t k = run->k;
    size_t h = second_half(run);
    double growth = run->x[k] - run->x[0];
    double per_round = slope * iterations / (double)k;
    double min_growth = fmax(r->growth_floor,
                             r->growth_share * fabs(run->x[0]));
    double early = -INFINITY;
    double late = -INFINITY;
    size_t up = 0;
    size_t jumps = 0;
    int new_highs;
    int consistent;

    for (size_t i = 0; i <= k; i++) {
        if (i < h) {
            early = fmax(early, run->x[i]);
        }
        else {
            late = fmax(late, run->x[i]);
        }
        if (i > 0 && delta(run, i) > 0) {
            up++;
        }
        if (i > 0 && delta(run, i) > r->slope_floor / 2) {
            jumps++;
        }
    }
    /* A leak keeps making new highs; a sawtooth returns to the same peaks.
     * The highest late reading is compared, not the last one, so a
     * growing sawtooth that ends on a trough still counts. */
    new_highs = late >= early + r->slope_floor / 2;
    consistent = (double)up >= r->rising_share * (double)k && new_highs
                 && trend_z(run) >= r->trend_z;

    if (!(growth > 0)) {
        out->kind = VERDICT_CLEAN;
        out->why = "did not grow";
    }
    else if (!(per_round > r->slope_floor)) {
        out->kind = VERDICT_CLEAN;
        out->why = "slope below the noise floor";
    }
    else if (!(growth > min_growth)) {
        out->kind = consistent ? VERDICT_INCONCLUSIVE : VERDICT_CLEAN;
        out->why = consistent ? "growing, not yet above the noise floor"
                              : "growth below the noise floor";
    }
    else if (consistent) {
        out->kind = VERDICT_LEAK;
        out->why = "grew steadily, making new highs";
    }
    else if (jumps <= 1) {
        /* A step in mid-run gives half the pairwise slopes, enough to
         * move the median: Theil-Sen only shrugs off up to 29%. */
        out->kind = VERDICT_CLEAN;
        out->why = "a single jump: an arena, not a trend";
    }
    else if (!new_highs) {
        out->kind = VERDICT_CLEAN;
        out->why = "sawtooth without trend";
    }
    else {
        out->kind = VERDICT_INCONCLUSIVE;
        out->why = "grows, but unsteadily";
    }
}

/* ---- threads and fds ------------------------------------------------- */

/* Whether x[from..k] grows persistently above the baseline x[0]: at least
 * half its rounds rise and its second half goes higher than its first. */
static int
persistent(const struct run *run, size_t from)
{
    size_t n = run->k - from;
    size_t mid = from + n / 2;
    size_t up = 0;
    double early = -INFINITY;
    double late = -INFINITY;

    if (n < run->r->min_rounds) {
        return 0;
    }
    for (size_t i = from; i <= run->k; i++) {
        if (i > from && move(run, i, 1) > 0) {
            up++;
        }
        if (i <= mid) {
            early = fmax(early, run->x[i]);
        }
        else {
            late = fmax(late, run->x[i]);
        }
    }
    return (double)up >= run->r->rising_share * (double)n
           && late >= early + run->r->step;
}

static void
judge_resource(const struct run *run, struct verdict *out)
{
    const double base = run->x[0];
    size_t last_home = 0;   /* last reading at or below the baseline */
    size_t steps_up = 0;
    size_t steps_down = 0;

    for (size_t i = 1; i <= run->k; i++) {
        int m = move(run, i, 1);

        steps_up += m > 0;
        steps_down += m < 0;
        if (run->x[i] <= base) {
            last_home = i;
        }
    }

    if (last_home == run->k) {
        out->kind = VERDICT_CLEAN;
        out->why = "not above the baseline";
    }
    else if (persistent(run, last_home)) {
        out->kind = VERDICT_LEAK;
        out->why = "kept growing, never back to the baseline";
    }
    else if (last_home > 0) {
        /* It went back to the baseline once: whatever was above it was
         * transient, and what followed is too short to be a leak. */
        out->kind = VERDICT_CLEAN;
        out->why = "returned to the baseline: a transient worker";
    }
    else if (steps_up == 1 && steps_down == 0) {
        out->kind = VERDICT_INCONCLUSIVE;
        out->why = "one step up, then steady: maybe a lazy helper";
    }
    else {
        out->kind = VERDICT_INCONCLUSIVE;
        out->why = "stays above the baseline, no steady growth";
    }
}

/* ---- public ---------------------------------------------------------- */

static void
verdict_reset(struct verdict *out)
{
    out->kind = VERDICT_NA;
    out->per_iteration = NAN;
    out->slope = NAN;
    out->growth = NAN;
    out->rounds = 0;
    out->rounds_growing = 0;
    out->zero_at = NAN;
    out->why = "invalid input";
}

int
verdict_judge(enum verdict_class cls, const struct verdict_series *s,
              int final, struct verdict *out)
{
    struct run run;
    double iterations = 0;

    if (out == NULL) {
        return -1;
    }
    verdict_reset(out);
    if (s == NULL || s->value == NULL || s->iterations == NULL
        || s->count == 0 || (size_t)cls >= N_CLASSES) {
        return -1;
    }
    for (size_t i = 1; i < s->count; i++) {
        if (!(isfinite(s->iterations[i]) && s->iterations[i] > 0)) {
            return -1;
        }
        iterations += s->iterations[i];
    }
    if (!isfinite(iterations)) {
        return -1;
    }

    run.x = s->value;
    run.k = s->count - 1;
    run.r = &rules_of[cls];
    out->rounds = run.k;
    for (size_t i = 0; i <= run.k; i++) {
        if (!isfinite(run.x[i])) {
            out->why = "n/a";
            return 0;
        }
    }

    out->growth = run.x[run.k] - run.x[0];
    for (size_t i = 1; i <= run.k; i++) {
        out->rounds_growing += delta(&run, i) > 0;
    }
    if (run.k > 0) {
        out->per_iteration = out->growth / iterations;
        out->slope = theil_sen(s);
    }

    if (run.k < run.r->min_rounds) {
        out->kind = VERDICT_INCONCLUSIVE;
        out->why = "too few rounds";
    }
    else {
        switch (cls) {
        case VERDICT_CLASS_COUNT:
        case VERDICT_CLASS_SINGLETON:
        case VERDICT_CLASS_HEAP_BYTES:
        case VERDICT_CLASS_HEAP_BLOCKS:
            judge_count_class(&run, cls, out);
            if ((out->kind == VERDICT_LEAK
                 || out->kind == VERDICT_OVER_RELEASE)
                && irregular(&run, s->iterations)) {
                out->kind = VERDICT_INCONCLUSIVE;
                out->why = "moved every round, but unevenly";
            }
            settle(&run, cls, s->iterations, final, out);
            /* Less than one unit per twenty iterations is within what an
             * interpreter's own slow drift does under threads (a few
             * references to None per thousand requests, settling over
             * thousands more): such a claim gets every round allowed
             * before it is made. */
            if (!final && fabs(out->per_iteration) < SLOW_RATE
                && (out->kind == VERDICT_LEAK
                    || out->kind == VERDICT_OVER_RELEASE)) {
                out->kind = VERDICT_INCONCLUSIVE;
                out->why = "slow: needs more rounds to confirm";
            }
            break;
        case VERDICT_CLASS_BYTES:
            judge_bytes(&run, iterations, out->slope, out);
            break;
        case VERDICT_CLASS_RESOURCE:
            judge_resource(&run, out);
            break;
        }
    }

    if (out->kind == VERDICT_OVER_RELEASE) {
        /* Linear from the last reading: with x = 700 after 150 counted
         * iterations falling 2 per iteration, zero comes 350 later, 500. */
        out->zero_at = iterations
                       + fmax(run.x[run.k], 0) / -out->per_iteration;
    }
    if (final && out->kind == VERDICT_INCONCLUSIVE) {
        out->kind = VERDICT_SUSPECT;
    }
    return 0;
}

const char *
verdict_kind_name(enum verdict_kind kind)
{
    switch (kind) {
    case VERDICT_NA:
        return "n/a";
    case VERDICT_CLEAN:
        return "clean";
    case VERDICT_LEAK:
        return "leak";
    case VERDICT_OVER_RELEASE:
        return "over-release";
    case VERDICT_INCONCLUSIVE:
        return "inconclusive";
    case VERDICT_SUSPECT:
        return "suspect";
    }
    return "?";
}

const char *
verdict_status_name(enum verdict_status status)
{
    switch (status) {
    case VERDICT_STATUS_CLEAN:
        return "clean";
    case VERDICT_STATUS_LEAK:
        return "leak";
    case VERDICT_STATUS_OVER_RELEASE:
        return "over-release";
    case VERDICT_STATUS_SUSPECT:
        return "suspect";
    case VERDICT_STATUS_CRASH:
        return "crash";
    case VERDICT_STATUS_TIMEOUT:
        return "timeout";
    case VERDICT_STATUS_ERROR:
        return "error";
    case VERDICT_STATUS_SKIPPED:
        return "skipped";
    }
    return "?";
}

/* How strongly a metric's kind claims the cell; 0 takes no part. */
static int
severity(enum verdict_kind kind)
{
    switch (kind) {
    case VERDICT_OVER_RELEASE:
        return 4;
    case VERDICT_LEAK:
        return 3;
    case VERDICT_INCONCLUSIVE:
    case VERDICT_SUSPECT:
        return 2;
    case VERDICT_CLEAN:
        return 1;
    case VERDICT_NA:
        break;
    }
    return 0;
}

int
verdict_combine(const struct verdict *verdicts, const int *rank,
                size_t count, struct verdict_cell *out)
{
    static const enum verdict_status status_of[] = {
        VERDICT_STATUS_ERROR,   /* nothing measured */
        VERDICT_STATUS_CLEAN,
        VERDICT_STATUS_SUSPECT,
        VERDICT_STATUS_LEAK,
        VERDICT_STATUS_OVER_RELEASE,
    };
    int best = 0;

    if (out == NULL) {
        return -1;
    }
    out->status = VERDICT_STATUS_ERROR;
    out->lead = VERDICT_NO_LEAD;
    if (verdicts == NULL || count == 0) {
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        int sev = severity(verdicts[i].kind);

        if (sev == 0) {
            continue;
        }
        /* Ties keep the earlier index: only a strictly lower rank wins. */
        if (sev > best
            || (sev == best && rank != NULL && rank[i] < rank[out->lead])) {
            best = sev;
            out->lead = i;
        }
    }
    out->status = status_of[best];
    return 0;
}

/* ---- figures --------------------------------------------------------- */

static const char *const byte_units[] = {
    "B", "KiB", "MiB", "GiB", "TiB", "PiB",
};
static const char *const si_prefixes[] = {
    "", "k", "M", "G", "T", "P",
};
#define N_SCALES (sizeof(si_prefixes) / sizeof(si_prefixes[0]))

/* Writes sign, figure, scale and unit, then `tail`.  `fixed` selects one
 * decimal (projections) over about three significant digits (rates).  The
 * scale goes up when the printed figure would reach the next one: 999.6
 * blocks print as "1.0k", 1023.6 bytes as "1.0 KiB", 1000 bytes as
 * "1000 B". */
static int
format_figure(char *buf, size_t size, double v, const char *unit,
              int fixed, const char *tail)
{
    int bytes = unit != NULL && strcmp(unit, "bytes") == 0;
    double base = bytes ? 1024 : 1000;
    double limit = (fixed ? 0.05 : 0.5) + (bytes ? 1023 : 999);
    const char *sign = v > 0 ? "+" : v < 0 ? "-" : "";
    double f = fabs(v);
    size_t scale = 0;
    char num[32];
    int n;

    if (buf == NULL || size == 0) {
        return -1;
    }
    if (isnan(v)) {
        n = snprintf(buf, size, "n/a");
        return n >= 0 && (size_t)n < size ? 0 : -1;
    }
    while (isfinite(f) && f >= limit && scale + 1 < N_SCALES) {
        f /= base;
        scale++;
    }
    if (f == 0) {
        snprintf(num, sizeof(num), "0");
    }
    else if (f >= 1e5) {
        /* Beyond the last scale (or infinite): keep it short. */
        snprintf(num, sizeof(num), "%.3g", f);
    }
    else if (fixed) {
        snprintf(num, sizeof(num), f >= 0.95 ? "%.1f" : "%.2g", f);
    }
    else if (f >= 9.95) {
        snprintf(num, sizeof(num), "%.0f", f);
    }
    else if (f >= 0.9995) {
        snprintf(num, sizeof(num), "%.1f", f);
    }
    else {
        snprintf(num, sizeof(num), "%.3g", f);
    }

    if (bytes) {
        n = snprintf(buf, size, "%s%s %s%s", sign, num, byte_units[scale],
                     tail);
    }
    else {
        int spaced = unit != NULL && unit[0] != '\0';

        n = snprintf(buf, size, "%s%s%s%s%s%s", sign, num,
                     si_prefixes[scale], spaced ? " " : "",
                     spaced ? unit : "", tail);
    }
    return n >= 0 && (size_t)n < size ? 0 : -1;
}

int
verdict_format_rate(char *buf, size_t size, double per_iteration,
                    const char *unit)
{
    return format_figure(buf, size, per_iteration, unit, 0, "/it");
}

int
verdict_format_projection(char *buf, size_t size, double per_iteration,
                          const char *unit)
{
    return format_figure(buf, size, per_iteration * 1e6, unit, 1,
                         " per 1M it");
}
