/* verdict_counts.c - counts, singleton refcounts and heap totals: the
 * rules of every round (CPython's refleak.py), of moves in some rounds
 * only, of warm-up left in the counted rounds and of a leak that began
 * late.  What the rounds could have seen is verdict_evidence.c's.
 */
#include "judge/verdict_private.h"

#include <math.h>
#include <stdint.h>

/* A count that was flat and then grew in every one of this many rounds at
 * the end is a leak that began late (late_onset_count()): five rounds
 * rising in a row is one chance in 720 for noise, and the rules of the
 * climb make it far rarer; RSS asks for four (verdict_rss.c's
 * late_onset()), with its growth floors. */
#define LATE_COUNT_ROUNDS 5

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
    double end = sign * vj_delta(run, k);

    if (h == 0) {
        return 0;
    }
    if (vj_cache_like(run, sign)) {
        return 1;
    }
    for (size_t i = 1; i <= h; i++) {
        first += sign * vj_delta(run, i);
        last += sign * vj_delta(run, k - h + i);
    }
    if (!(last < run->r->decel_mean * first)) {
        return 0;
    }
    if (!(end < run->r->decel_last * sign * vj_delta(run, 1))) {
        return 0;
    }
    if (h == 1) {
        return end < sign * vj_delta(run, k - 1);
    }
    for (size_t i = k - h + 1; i < k; i++) {
        if (sign * vj_delta(run, i) <= end) {
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
size_t
vj_second_half(const struct run *run)
{
    return run->k / 2 + 1;
}

static int
second_half_flat(const struct run *run)
{
    for (size_t i = vj_second_half(run); i <= run->k; i++) {
        if (vj_move(run, i, 1) != 0) {
            return 0;
        }
    }
    return 1;
}

/* The smallest move (a delta of at least a step), or a step if none: for
 * a metric that moves in lumps, the size of one. */
static double
smallest_move(const struct run *run)
{
    double least = 0;

    for (size_t i = 1; i <= run->k; i++) {
        double d = fabs(vj_delta(run, i));
        if (d >= run->r->step && (least == 0 || d < least)) {
            least = d;
        }
    }
    return least > 0 ? least : run->r->step;
}

/* For a metric that moves in lumps (rules.lumps): whether every move is
 * a whole number of the smallest one, within an eighth (the allocator
 * rounds, and caches warm up beside the leak).  Their gaps say nothing:
 * a leak on one input in a hundred arrives when that input does. */
static int
whole_lumps(const struct run *run)
{
    double unit = smallest_move(run);

    for (size_t i = 1; i <= run->k; i++) {
        if (vj_move(run, i, 1) == 0) {
            continue;
        }
        double q = fabs(vj_delta(run, i)) / unit;
        double n = floor(q + 0.5);
        if (n < 1 || fabs(q - n) > n / 8) {
            return 0;
        }
    }
    return 1;
}

/* Whether the rounds that moved did so like code leaking a fixed amount
 * per iteration, slower than a step a round: every move the same size,
 * and the gaps between moves within one round of each other (one object
 * every third round moves at rounds 3, 6, 9; one every 2.5 rounds at 2,
 * 5, 7, 10).  An interpreter's warm-up drift moves in bursts: None's
 * refcount on 3.11.7 under threads fell 1, then 2, 2, 2, 1 in a row. */
static int
regular_moves(const struct run *run)
{
    double size = 0;
    size_t prev = 0;
    size_t gap_lo = SIZE_MAX, gap_hi = 0;

    if (run->r->lumps) {
        return whole_lumps(run);
    }

    for (size_t i = 1; i <= run->k; i++) {
        if (vj_move(run, i, 1) == 0) {
            continue;
        }
        if (size == 0) {
            size = fabs(vj_delta(run, i));
        }
        else if (fabs(vj_delta(run, i)) != size) {
            return 0;
        }
        if (prev > 0) {
            gap_lo = i - prev < gap_lo ? i - prev : gap_lo;
            gap_hi = i - prev > gap_hi ? i - prev : gap_hi;
        }
        prev = i;
    }
    return gap_hi <= gap_lo + 1;
}

/* Growth in direction `sign` in some rounds and none against it. */
static void
judge_partial(const struct run *run, double sign, size_t moves,
              struct verdict *out)
{
    int up = sign > 0;

    if (moves == 1) {
        vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_SINGLE_STEP);
    }
    else if (second_half_flat(run)) {
        vj_decide(out, VERDICT_CLEAN,
                  up ? VERDICT_RULE_EARLY_RISE : VERDICT_RULE_EARLY_FALL);
    }
    else if (run->k >= run->r->slow_rounds
             && new_extremes(run, vj_second_half(run), sign)
                >= run->r->slow_highs
             && regular_moves(run)) {
        vj_decide(out, up ? VERDICT_LEAK : VERDICT_OVER_RELEASE,
                  up ? VERDICT_RULE_SLOW_LEAK
                     : VERDICT_RULE_SLOW_OVER_RELEASE);
    }
    else {
        vj_decide(out, VERDICT_INCONCLUSIVE,
                  up ? VERDICT_RULE_SOME_ROUNDS_RISE
                     : VERDICT_RULE_SOME_ROUNDS_FALL);
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
           && new_extremes(run, vj_second_half(run), sign)
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
        int m = vj_move(run, i, 1);

        if (m > 0) {
            up++;
            rise += vj_delta(run, i);
        }
        else if (m < 0) {
            down++;
            fall -= vj_delta(run, i);
        }
    }

    if (up == run->k) {
        if (decelerating(run, 1)) {
            vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_DECELERATING);
        }
        else {
            vj_decide(out, VERDICT_LEAK, VERDICT_RULE_EVERY_ROUND);
        }
    }
    else if (down == run->k) {
        if (!singleton) {
            vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_TRIMMED);
        }
        else if (decelerating(run, -1)) {
            vj_decide(out, VERDICT_INCONCLUSIVE,
                      VERDICT_RULE_DECELERATING_FALL);
        }
        else {
            vj_decide(out, VERDICT_OVER_RELEASE,
                      VERDICT_RULE_FELL_EVERY_ROUND);
        }
    }
    else if (up == 0 && down == 0) {
        /* A heap total moves a little every round; "no change" would
         * read as a flat line next to a total that grew 5 KB. */
        vj_decide(out, VERDICT_CLEAN,
                  run->r->step > 1 ? VERDICT_RULE_NO_STEP
                                   : VERDICT_RULE_NO_CHANGE);
    }
    else if (down == 0) {
        judge_partial(run, 1, up, out);
    }
    else if (up == 0) {
        if (singleton) {
            judge_partial(run, -1, down, out);
        }
        else {
            vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_FELL_SOME_ROUNDS);
        }
    }
    else if (dominated(run, 1, rise, fall)) {
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_DIPS);
    }
    else if (singleton && dominated(run, -1, fall, rise)) {
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_BUMPS);
    }
    else {
        vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_NO_TREND);
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
    /* In size, not in the first half's direction: a dip of 2 and then a
     * climb of 600 is no warm-up slowing down, but a leak starting. */
    return (fabs(first) >= run->r->step && fabs(last) < 0.5 * fabs(first))
           || vj_cache_like(run, sign);
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
        mean += vj_delta(run, i);
        rmean += vj_delta(run, i) / iters[i];
    }
    mean /= (double)k;
    rmean /= (double)k;
    for (size_t i = 1; i <= k; i++) {
        double d = vj_delta(run, i) - mean;
        double r = vj_delta(run, i) / iters[i] - rmean;
        var += d * d;
        rvar += r * r;
    }
    var /= (double)(k - 1);
    rvar /= (double)(k - 1);
    /* A Poisson count of lumps of size u has variance u times its mean
     * (in the metric's units), so the test counts lumps, not bytes. */
    double unit = run->r->lumps ? smallest_move(run) : 1;
    return sqrt(rvar) > 0.5 * fabs(rmean)
           && var > 5 * fabs(mean) * unit + run->r->step;
}

/* Whether every delta is at least one step the same way. */
static int
moved_every_round(const struct run *run)
{
    size_t up = 0, down = 0;
    for (size_t i = 1; i <= run->k; i++) {
        int m = vj_move(run, i, 1);
        up += m > 0;
        down += m < 0;
    }
    return up == run->k || down == run->k;
}

/* For counts with warm-up left in them: more rounds while they may come;
 * at the end, the verdict of the trailing half, which must itself be
 * steady to be called a leak: not slowing, and its deltas not still
 * shrinking as a trend (a cache filling at 0.9 a round ends +52 +48 +42
 * +44 +32 +31, under the halving test but still shrinking).
 * out->per_iteration becomes the trailing rate: the warm-up would
 * overstate it. */
static void
settle(const struct run *run, enum verdict_class cls, const double *iters,
       int final, struct verdict *out)
{
    if (out->kind == VERDICT_CLEAN || !slowing(run)) {
        return;
    }
    if (!final) {
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_DECELERATING);
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
        vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_SETTLED);
    }
    else if ((tv.kind == VERDICT_LEAK || tv.kind == VERDICT_OVER_RELEASE)
             && !slowing(&tail)
             && vj_deltas_z(&tail, 1, tv.kind == VERDICT_LEAK ? 1 : -1)
                > -Z_SPLIT) {
        vj_decide(out, tv.kind, tv.kind == VERDICT_LEAK
                                ? VERDICT_RULE_STEADY_RISE
                                : VERDICT_RULE_STEADY_FALL);
        out->per_iteration = (tail.x[t] - tail.x[0]) / n;
    }
    else {
        vj_decide(out, VERDICT_SUSPECT, VERDICT_RULE_DECELERATING);
    }
}

/* The rules of every round, then moves too uneven for code, warm-up left
 * in the rounds and, before the last round, rates under the drift floor. */
void
vj_judge_counts(const struct run *run, enum verdict_class cls,
                const double *iters, int final, struct verdict *out)
{
    judge_count_class(run, cls, out);
    if ((out->kind == VERDICT_LEAK || out->kind == VERDICT_OVER_RELEASE)
        && irregular(run, iters)) {
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_UNEVEN);
    }
    settle(run, cls, iters, final, out);
    /* Less than one unit per twenty iterations is within what an
     * interpreter's own slow drift does under threads (a few references
     * to None per thousand requests, settling over thousands more), as
     * is a cache that fills a block every 40 calls for 10,000: such a
     * claim gets every round allowed before it is made, and the noisy
     * rounds past them (vj_split_at_floor()). */
    if (!final && fabs(out->per_iteration) < vj_drift_rate(run)
        && (out->kind == VERDICT_LEAK
            || out->kind == VERDICT_OVER_RELEASE)) {
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_SLOW_CONFIRM);
    }
}

/* The rounds at the end over which a count leak that began late grew: a
 * code path first taken after some hundreds of iterations, a pool that
 * leaks once it is full.  flat for rounds, then the same climb every
 * round.  The longest run of rounds at the end that each grew by a step
 * and by at least half the run's mean (a +1 before the climb is the flat
 * part's), LATE_COUNT_ROUNDS or more (noise rises five rounds running one
 * time in 720, before the tests that follow); steady as settle() asks of
 * a tail; at the drift floor or faster (an interpreter's own drift rises
 * for rounds on end, slower), and three times as fast as the rounds
 * before it; and ending above every reading before it by twice their
 * swing.  Returns the rounds in that run, 0 when there is none, and the
 * climb's rate per iteration in *rate_out. */
static size_t
late_onset_count(const struct run *run, const double *iters,
                 double *rate_out)
{
    size_t k = run->k, n = 0;
    double sum = 0;

    while (n < k && vj_move(run, k - n, 1) > 0) {
        sum += vj_delta(run, k - n);
        n++;
    }
    while (n > 0 && vj_delta(run, k - n + 1) < 0.5 * sum / (double)n) {
        sum -= vj_delta(run, k - n + 1);
        n--;
    }
    if (n < LATE_COUNT_ROUNDS || n == k) {
        return 0;
    }

    size_t o = k - n;
    double hi = run->x[0], lo = run->x[0], pre_iters = 0, tail_iters = 0;
    for (size_t i = 1; i <= o; i++) {
        hi = fmax(hi, run->x[i]);
        lo = fmin(lo, run->x[i]);
        pre_iters += iters[i];
    }
    for (size_t i = o + 1; i <= k; i++) {
        tail_iters += iters[i];
    }
    double rate = (run->x[k] - run->x[o]) / tail_iters;
    double pre_rate = (run->x[o] - run->x[0]) / pre_iters;
    struct run tail = {run->x + o, n, run->r};

    if (!(rate >= vj_drift_rate(run) && rate >= 3 * fabs(pre_rate)
          && run->x[k] - hi >= 2 * fmax(hi - lo, run->r->step))) {
        return 0;
    }
    if (slowing(&tail) || vj_deltas_z(&tail, 1, 1) <= -Z_SPLIT
        || irregular(&tail, iters + o)) {
        return 0;
    }
    *rate_out = rate;
    return n;
}

/* A count with no more rounds to come, which would be suspect, is a leak
 * when it began late and has grown steadily since; its rate is the
 * climb's, not diluted by the flat rounds before it (also when the flat
 * rounds moved by one and made it a leak of every round). */
void
vj_late_onset_verdict(const struct run *run, const double *iters,
                      struct verdict *out)
{
    double rate;

    if (late_onset_count(run, iters, &rate) == 0) {
        return;
    }
    vj_decide(out, VERDICT_LEAK, VERDICT_RULE_LATE_ONSET);
    out->per_iteration = rate;
}
