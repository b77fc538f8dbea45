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
 *     grows in every round.  With eight or more rounds, no round falling,
 *     new highs still being made in the second half and its moves as
 *     regular as code's (equal sizes, even gaps) it is a slow leak.  Heap
 *     totals in bytes leak in allocations instead: a buffer kept on one
 *     input in 200 moves them by whole buffers at whatever gaps the input
 *     comes, so there the moves must be whole multiples of the smallest,
 *     and irregular() counts buffers, not bytes.  A heap total that never
 *     moved by a step and trends under half the drift floor buys no more
 *     rounds: no number of them would make it a leak.
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
 *
 * Over those rules, weigh() asks what the rounds could have seen: it
 * estimates the noise from the deltas and the Mann-Kendall trend, keeps a
 * clean verdict only when the rounds would have shown a leak growing
 * three noise amplitudes over 12 rounds, calls a trend under noise
 * suspect, and so a rise that began late (a hinge fit at every onset: a
 * change-point test), and says the smallest leak it would have flagged.
 * A trend is
 * evidence only when its robust slope reaches the drift floor (what an
 * interpreter's own warm-up moves a count by) and its total beats the
 * swing, spikes included; at the last round a spike at the last reading
 * is not yet a new high, and counts moving slower than the drift floor
 * are clean.  The error rates these rules give are measured by tests/sim
 * (README, "How sure a verdict is"), real threading server cells
 * included.
 */
#include "judge/verdict.h"

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
    [VERDICT_CLASS_HEAP_BYTES] = {COUNT_RULES .step = 10.0 * 1024,
        /* In bytes: an empty loop on 3.12.1 fills 8 KB of malloc'ed
         * caches over its first 1,000 iterations (8 B/it) and the
         * threading server on 3.13.0 6 KiB over 1,600 requests, which a
         * count's floor (0.05/it) would call a trend. */
        .drift = 32,
        /* A native leak arrives in allocations: a 64 KiB buffer kept on
         * one corrupt frame in 200 moves the heap by 0 or 65,552 bytes a
         * round of 100, two in some rounds, and a few bytes more while
         * the interpreter's caches warm up (65,552, 66,320, 67,424). */
        .lumps = 1},
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

/* A count that was flat and then grew in every one of this many rounds at
 * the end is a leak that began late (late_onset_count()): five rounds
 * rising in a row is one chance in 720 for noise, and the rules of the
 * climb make it far rarer; RSS asks for four (late_onset()), with its
 * growth floors. */
#define LATE_COUNT_ROUNDS 5

/* The readings being judged, and what every rule needs about them. */
struct run {
    const double *x;
    size_t k;                  /* counted rounds; x[0..k] */
    const struct rules *r;
};

/* The class's drift floor per iteration. */
static double
drift_rate(const struct run *run)
{
    return run->r->drift > 0 ? run->r->drift : DRIFT_RATE;
}

/* The drift floor per round, at per_round iterations: at least a quarter
 * of a step a round, whatever the iterations, since an interpreter's own
 * warm-up also moves by the round (3.13.0 fills 8 KB of malloc'ed caches
 * over its first nine rounds at 10 iterations a round as at 100).  For
 * counts, whose step is 1, the per-iteration floor decides. */
static double
drift_per_round(const struct run *run, double per_round)
{
    return fmax(drift_rate(run) * per_round, run->r->step / 4);
}

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

/* ---- rules and their reasons ------------------------------------------ */

/* Each rule's stable name and its why, the one copy of each. */
static const struct {
    const char *name;
    const char *why;
} rule_text[] = {
    [VERDICT_RULE_INVALID] = {"invalid", "invalid input"},
    [VERDICT_RULE_NA] = {"n/a", "n/a"},
    [VERDICT_RULE_TOO_FEW_ROUNDS] = {"too-few-rounds", "too few rounds"},
    [VERDICT_RULE_EVERY_ROUND] = {"every-round",
        "grew in every counted round"},
    [VERDICT_RULE_FELL_EVERY_ROUND] = {"fell-every-round",
        "fell in every counted round"},
    [VERDICT_RULE_TRIMMED] = {"trimmed",
        "fell in every counted round: a cache being trimmed"},
    [VERDICT_RULE_DECELERATING] = {"decelerating",
        "decelerating: looks like a cache warming up"},
    [VERDICT_RULE_DECELERATING_FALL] = {"decelerating-fall",
        "decelerating fall: looks like a cache emptying"},
    [VERDICT_RULE_NO_STEP] = {"no-step", "no round moved by a step"},
    [VERDICT_RULE_NO_CHANGE] = {"no-change", "no change"},
    [VERDICT_RULE_FELL_SOME_ROUNDS] = {"fell-some-rounds",
        "fell in some rounds: not a leak"},
    [VERDICT_RULE_NO_TREND] = {"no-trend",
        "rises and falls without a trend"},
    [VERDICT_RULE_SINGLE_STEP] = {"single-step", "a single step: noise"},
    [VERDICT_RULE_EARLY_RISE] = {"early-rise",
        "grew early, then flat: a cache warming up"},
    [VERDICT_RULE_EARLY_FALL] = {"early-fall", "fell early, then flat"},
    [VERDICT_RULE_SLOW_LEAK] = {"slow-leak",
        "slow leak: new highs through the second half"},
    [VERDICT_RULE_SLOW_OVER_RELEASE] = {"slow-over-release",
        "slow over-release: new lows in the second half"},
    [VERDICT_RULE_SOME_ROUNDS_RISE] = {"some-rounds-rise",
        "grew in some rounds only"},
    [VERDICT_RULE_SOME_ROUNDS_FALL] = {"some-rounds-fall",
        "fell in some rounds only"},
    [VERDICT_RULE_DIPS] = {"dips", "grows with occasional dips"},
    [VERDICT_RULE_BUMPS] = {"bumps", "falls with occasional bumps"},
    [VERDICT_RULE_UNEVEN] = {"uneven", "moved every round, but unevenly"},
    [VERDICT_RULE_SLOW_CONFIRM] = {"slow-confirm",
        "slow: needs more rounds to confirm"},
    [VERDICT_RULE_SETTLED] = {"settled", "settled after warm-up"},
    [VERDICT_RULE_STEADY_RISE] = {"steady-rise",
        "steady growth after warm-up"},
    [VERDICT_RULE_STEADY_FALL] = {"steady-fall", "steady fall after warm-up"},
    [VERDICT_RULE_LATE_ONSET] = {"late-onset",
        "late onset: grew in every round since it began"},
    [VERDICT_RULE_DID_NOT_GROW] = {"did-not-grow", "did not grow"},
    [VERDICT_RULE_UNDER_SLOPE_FLOOR] = {"under-slope-floor",
        "slope below the RSS floor (64 KiB a round)"},
    [VERDICT_RULE_RISING_TO_FLOOR] = {"rising-to-floor",
        "growing, not yet above the RSS floor (256 KiB or 1%)"},
    [VERDICT_RULE_UNDER_GROWTH_FLOOR] = {"under-growth-floor",
        "growth below the RSS floor (256 KiB or 1%)"},
    [VERDICT_RULE_SINGLE_JUMP] = {"single-jump",
        "a single jump: an arena, not a trend"},
    [VERDICT_RULE_UNDER_3X_FLOOR] = {"under-3x-floor",
        "growing steadily, under 3x the floor: confirming"},
    [VERDICT_RULE_WITHIN_NOISE] = {"within-noise",
        "growing, within three noise amplitudes: confirming"},
    [VERDICT_RULE_GREW_STEADILY] = {"grew-steadily",
        "grew steadily, making new highs"},
    [VERDICT_RULE_SAWTOOTH] = {"sawtooth", "sawtooth without trend"},
    [VERDICT_RULE_UNSTEADY] = {"unsteady", "grows, but unsteadily"},
    [VERDICT_RULE_LATE_CLIMB] = {"late-climb",
        "late onset: climbed in every one of the last rounds"},
    [VERDICT_RULE_NEW_HIGHS] = {"new-highs",
        "still making new highs at the end"},
    [VERDICT_RULE_NEW_LOWS] = {"new-lows", "still making new lows at the end"},
    [VERDICT_RULE_HIGHS_UNDER_DRIFT] = {"highs-under-drift",
        "new highs, slower than the drift floor"},
    [VERDICT_RULE_LOWS_UNDER_DRIFT] = {"lows-under-drift",
        "new lows, slower than the drift floor"},
    [VERDICT_RULE_LAST_HIGH] = {"last-high",
        "rose to a new high in the last round"},
    [VERDICT_RULE_LAST_LOW] = {"last-low",
        "fell to a new low in the last round"},
    [VERDICT_RULE_RISING_TREND] = {"rising-trend",
        "a rising trend under noise"},
    [VERDICT_RULE_FALLING_TREND] = {"falling-trend",
        "a falling trend under noise"},
    [VERDICT_RULE_LATE_RISE] = {"late-rise", "a late rise under noise"},
    [VERDICT_RULE_LATE_FALL] = {"late-fall", "a late fall under noise"},
    [VERDICT_RULE_SPLIT] = {"split",
        "evidence split: more rounds to rule out a leak"},
    [VERDICT_RULE_END_SPIKE] = {"end-spike",
        "a spike at the last reading: not a new high until it persists"},
    [VERDICT_RULE_UNDER_DRIFT] = {"under-drift",
        "moved in some rounds, less than the drift floor"},
    [VERDICT_RULE_AT_BASELINE] = {"at-baseline", "not above the baseline"},
    [VERDICT_RULE_KEPT_GROWING] = {"kept-growing",
        "kept growing, never back to the baseline"},
    [VERDICT_RULE_RETURNED] = {"returned",
        "returned to the baseline: a transient worker"},
    [VERDICT_RULE_ONE_STEP_UP] = {"one-step-up",
        "one step up, then steady: maybe a lazy helper"},
    [VERDICT_RULE_ABOVE_BASELINE] = {"above-baseline",
        "stays above the baseline, no steady growth"},
};

_Static_assert(sizeof(rule_text) / sizeof(rule_text[0]) == VERDICT_RULE_COUNT,
               "a rule without its name and why");

/* The verdict is `kind`, decided by `rule`, whose why it takes. */
static void
decide(struct verdict *out, enum verdict_kind kind, enum verdict_rule rule)
{
    out->kind = kind;
    out->rule = rule;
    out->why = rule_text[rule].why;
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

/* ---- evidence: trend, noise, deceleration --------------------------- */

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
 * see a leak growing three noise amplitudes over this many rounds. */
#define HORIZON 12

static double trend_z(const struct run *run);
static double noise_amplitude(const struct run *run);

/* Mann-Kendall z of the deltas from round `from` on, in direction sign:
 * negative when they shrink.  Two deltas give just the sign of their
 * change. */
static double
deltas_z(const struct run *run, size_t from, double sign)
{
    double n = (double)(run->k - from + 1);
    double s = 0;

    if (n < 2) {
        return 0;
    }
    if (n < 3) {
        double a = sign * delta(run, from);
        double b = sign * delta(run, from + 1);
        return (b > a) - (b < a);
    }
    for (size_t i = from; i < run->k; i++) {
        for (size_t j = i + 1; j <= run->k; j++) {
            double a = sign * delta(run, i);
            double b = sign * delta(run, j);

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
static int
cache_like(const struct run *run, double sign)
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
    double dz = deltas_z(run, 1, sign);
    double noise = noise_amplitude(run);

    /* fabs(last): a second half climbing back past the first half's
     * fall is no cache slowing down, but a leak starting. */
    return first > 0 && fabs(last) < 0.9 * first && first - last > noise
           && (dz <= -Z_DECEL
               || (last < 0.8 * first && dz < 0 && first - last > 2 * noise))
           && (h < 3 || deltas_z(run, k - h + 1, sign) <= 0);
}

/* The median delta of the counted rounds, by ranks: no storage. */
static double
median_delta(const struct run *run)
{
    size_t n = run->k;
    double lo = NAN, hi = NAN;

    for (size_t i = 1; i <= n; i++) {
        double v = delta(run, i);
        size_t below = 0, upto = 0;

        for (size_t j = 1; j <= n; j++) {
            below += delta(run, j) < v;
            upto += delta(run, j) <= v;
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
static double
noise_amplitude(const struct run *run)
{
    double med;
    double sum = 0;
    size_t top = 0, next = 0;   /* the two largest deviations */

    if (run->k < 2) {
        return 0;
    }
    med = median_delta(run);
    for (size_t i = 1; i <= run->k; i++) {
        double d = fabs(delta(run, i) - med);

        sum += d * d;
        if (top == 0 || d > fabs(delta(run, top) - med)) {
            next = top;
            top = i;
        }
        else if (next == 0 || d > fabs(delta(run, next) - med)) {
            next = i;
        }
    }
    if (run->r->slope_floor > 0) {
        /* RSS: arenas coming and going are its noise; none is left out. */
        return 2 * sqrt(sum / (double)run->k / 2);
    }
    double d1 = delta(run, top) - med;
    sum -= d1 * d1;
    if (run->k >= 4 && next != 0 && (top == next + 1 || next == top + 1)) {
        /* One odd reading, up and back ([+38, -38, 0, 0, 0]), makes two
         * deltas: both go when the second is opposite to the first and
         * far beyond what is left. */
        double d2 = delta(run, next) - med;
        double rest = sum - d2 * d2;

        if (d1 * d2 < 0
            && d2 * d2 > 9 * fmax(rest, 0) / (double)(run->k - 2)) {
            return 2 * sqrt(fmax(rest, 0) / (double)(run->k - 2) / 2);
        }
    }
    return 2 * sqrt(fmax(sum, 0) / (double)(run->k - 1) / 2);
}

/* The swing: noise_amplitude() with nothing left out, so that spikes up
 * and back count as what they are, bounded noise.  It is the yardstick a
 * trend's total must beat (trend_clears()); the noise amplitude, which
 * leaves one spike out, stays the yardstick of what the rounds could have
 * seen. */
static double
swing_amplitude(const struct run *run)
{
    double med;
    double sum = 0;

    if (run->k < 2) {
        return 0;
    }
    med = median_delta(run);
    for (size_t i = 1; i <= run->k; i++) {
        double d = delta(run, i) - med;

        sum += d * d;
    }
    return 2 * sqrt(sum / (double)(run->k - 1) / 2);
}

/* The standard error of a trend per round fitted to k + 1 equally spaced
 * readings under Gaussian noise of amplitude `noise` (sigma = noise / 2):
 * sigma * sqrt(12 / (n (n^2 - 1))) for least squares; Mann-Kendall and
 * Theil-Sen do about as well on Gaussian noise. */
static double
trend_error(size_t k, double noise)
{
    double n = (double)k + 1;

    return (noise / 2) * sqrt(12 / (n * (n * n - 1)));
}

/* Whether the series is still making new highs (sign > 0) at its end: its
 * last reading beats every earlier one by `margin`, and so do at least
 * half the readings of its second half. */
static int
making_highs(const struct run *run, double sign, double margin)
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

/* Whether the last third of the readings (three at least) holds a new
 * high by `margin`: growth that has not stopped, unlike a cache that
 * filled early and stayed. */
static int
late_high(const struct run *run, double sign, double margin)
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

/* The trend z of the second half of the readings, in direction sign:
 * about 0 once a cache has filled, positive while a leak goes on. */
static double
half_z(const struct run *run, double sign)
{
    size_t from = run->k / 2;
    struct run half = {run->x + from, run->k - from, run->r};

    return half.k < 2 ? 0 : sign * trend_z(&half);
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
    if (cache_like(run, sign)) {
        return 1;
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

/* Whether `rule` is a shape of a count that moved in some rounds only:
 * judge_partial()'s and dominated()'s.  At the end they are weighed
 * against the drift floor (final_evidence()). */
static int
some_rounds(enum verdict_rule rule)
{
    return rule == VERDICT_RULE_SOME_ROUNDS_RISE
           || rule == VERDICT_RULE_SOME_ROUNDS_FALL
           || rule == VERDICT_RULE_DIPS || rule == VERDICT_RULE_BUMPS;
}

/* The smallest move (a delta of at least a step), or a step if none: for
 * a metric that moves in lumps, the size of one. */
static double
smallest_move(const struct run *run)
{
    double least = 0;

    for (size_t i = 1; i <= run->k; i++) {
        double d = fabs(delta(run, i));
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
        if (move(run, i, 1) == 0) {
            continue;
        }
        double q = fabs(delta(run, i)) / unit;
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
        if (move(run, i, 1) == 0) {
            continue;
        }
        if (size == 0) {
            size = fabs(delta(run, i));
        }
        else if (fabs(delta(run, i)) != size) {
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
        decide(out, VERDICT_CLEAN, VERDICT_RULE_SINGLE_STEP);
    }
    else if (second_half_flat(run)) {
        decide(out, VERDICT_CLEAN,
               up ? VERDICT_RULE_EARLY_RISE : VERDICT_RULE_EARLY_FALL);
    }
    else if (run->k >= run->r->slow_rounds
             && new_extremes(run, second_half(run), sign)
                >= run->r->slow_highs
             && regular_moves(run)) {
        decide(out, up ? VERDICT_LEAK : VERDICT_OVER_RELEASE,
               up ? VERDICT_RULE_SLOW_LEAK : VERDICT_RULE_SLOW_OVER_RELEASE);
    }
    else {
        decide(out, VERDICT_INCONCLUSIVE,
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
            decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_DECELERATING);
        }
        else {
            decide(out, VERDICT_LEAK, VERDICT_RULE_EVERY_ROUND);
        }
    }
    else if (down == run->k) {
        if (!singleton) {
            decide(out, VERDICT_CLEAN, VERDICT_RULE_TRIMMED);
        }
        else if (decelerating(run, -1)) {
            decide(out, VERDICT_INCONCLUSIVE,
                   VERDICT_RULE_DECELERATING_FALL);
        }
        else {
            decide(out, VERDICT_OVER_RELEASE,
                   VERDICT_RULE_FELL_EVERY_ROUND);
        }
    }
    else if (up == 0 && down == 0) {
        /* A heap total moves a little every round; "no change" would
         * read as a flat line next to a total that grew 5 KB. */
        decide(out, VERDICT_CLEAN, run->r->step > 1 ? VERDICT_RULE_NO_STEP
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
            decide(out, VERDICT_CLEAN, VERDICT_RULE_FELL_SOME_ROUNDS);
        }
    }
    else if (dominated(run, 1, rise, fall)) {
        decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_DIPS);
    }
    else if (singleton && dominated(run, -1, fall, rise)) {
        decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_BUMPS);
    }
    else {
        decide(out, VERDICT_CLEAN, VERDICT_RULE_NO_TREND);
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
           || cache_like(run, sign);
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
        int m = move(run, i, 1);
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
        decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_DECELERATING);
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
        decide(out, VERDICT_CLEAN, VERDICT_RULE_SETTLED);
    }
    else if ((tv.kind == VERDICT_LEAK || tv.kind == VERDICT_OVER_RELEASE)
             && !slowing(&tail)
             && deltas_z(&tail, 1, tv.kind == VERDICT_LEAK ? 1 : -1)
                > -Z_SPLIT) {
        decide(out, tv.kind, tv.kind == VERDICT_LEAK
                             ? VERDICT_RULE_STEADY_RISE
                             : VERDICT_RULE_STEADY_FALL);
        out->per_iteration = (tail.x[t] - tail.x[0]) / n;
    }
    else {
        decide(out, VERDICT_SUSPECT, VERDICT_RULE_DECELERATING);
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

    while (n < k && move(run, k - n, 1) > 0) {
        sum += delta(run, k - n);
        n++;
    }
    while (n > 0 && delta(run, k - n + 1) < 0.5 * sum / (double)n) {
        sum -= delta(run, k - n + 1);
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

    if (!(rate >= drift_rate(run) && rate >= 3 * fabs(pre_rate)
          && run->x[k] - hi >= 2 * fmax(hi - lo, run->r->step))) {
        return 0;
    }
    if (slowing(&tail) || deltas_z(&tail, 1, 1) <= -Z_SPLIT
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
static void
late_onset_verdict(const struct run *run, const double *iters,
                   struct verdict *out)
{
    double rate;

    if (late_onset_count(run, iters, &rate) == 0) {
        return;
    }
    decide(out, VERDICT_LEAK, VERDICT_RULE_LATE_ONSET);
    out->per_iteration = rate;
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

/* The growth an RSS series must beat to be more than allocator slack. */
static double
bytes_min_growth(const struct run *run)
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
    size_t h = second_half(run);
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
            up += delta(run, i) > 0;
            sh->jumps += delta(run, i) > r->slope_floor / 2;
            sh->falls += delta(run, i) < -r->slope_floor / 2;
        }
    }
    sh->new_highs = late >= early + r->slope_floor / 2;
    sh->consistent = (double)up >= r->rising_share * (double)k
                     && sh->new_highs && trend_z(run) >= r->trend_z
                     && late_low >= early_low + r->slope_floor / 2
                     && (k < 6 || late_high(run, 1, r->slope_floor / 2));
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
    double min_growth = bytes_min_growth(run);
    struct bytes_shape sh;

    bytes_shape(run, &sh);
    if (!(growth > 0)) {
        decide(out, VERDICT_CLEAN, VERDICT_RULE_DID_NOT_GROW);
    }
    else if (!(per_round > r->slope_floor)) {
        decide(out, VERDICT_CLEAN, VERDICT_RULE_UNDER_SLOPE_FLOOR);
    }
    else if (!(growth > min_growth)) {
        if (sh.consistent) {
            decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_RISING_TO_FLOOR);
        }
        else {
            decide(out, VERDICT_CLEAN, VERDICT_RULE_UNDER_GROWTH_FLOOR);
        }
    }
    else if (sh.jumps <= 1) {
        /* A step in mid-run gives half the pairwise slopes, enough to
         * move the median: Theil-Sen only shrugs off up to 29%. */
        decide(out, VERDICT_CLEAN, VERDICT_RULE_SINGLE_JUMP);
    }
    else if (sh.consistent && sh.falls == 0 && cache_like(run, 1)) {
        decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_DECELERATING);
    }
    else if (sh.consistent && !final && sh.jumps < k
             && !(growth >= 3 * min_growth)) {
        decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_UNDER_3X_FLOOR);
    }
    else if (sh.consistent && !final
             && robust_growth(run) < 3 * noise_amplitude(run)) {
        /* Steady in shape, but no larger than the readings' own spread: a
         * buffer of random size held one at a time moves RSS by MiBs and
         * makes new highs for five rounds, bounded all the same.  Before
         * the last round: three noise amplitudes, from a robust start
         * (the run may begin in a trough: 12 MiB in readings of 12-20
         * MiB).  It costs rounds only; at the last round the shape tests
         * decide, as they do for a growing sawtooth whose teeth are
         * larger than its growth. */
        decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_WITHIN_NOISE);
    }
    else if (sh.consistent) {
        decide(out, VERDICT_LEAK, VERDICT_RULE_GREW_STEADILY);
    }
    else if (!sh.new_highs) {
        decide(out, VERDICT_CLEAN, VERDICT_RULE_SAWTOOTH);
    }
    else {
        decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_UNSTEADY);
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

    while (n < run->k && delta(run, run->k - n) > run->r->slope_floor / 2) {
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
    if (!(run->x[run->k] - run->x[run->k - n] >= 2 * bytes_min_growth(run)
          && run->x[run->k] - before >= 2 * bytes_min_growth(run))) {
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
        tv.slope = theil_sen(&ts);
        judge_bytes(&tail, iters, tv.slope, 1, &tv);
        if (tv.kind == VERDICT_CLEAN) {
            decide(out, VERDICT_CLEAN, VERDICT_RULE_SETTLED);
        }
        else if (tv.kind == VERDICT_LEAK && !cache_like(&tail, 1)) {
            decide(out, VERDICT_LEAK, VERDICT_RULE_STEADY_RISE);
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
            decide(out, VERDICT_LEAK, VERDICT_RULE_LATE_CLIMB);
            out->per_iteration = rate;
        }
    }
}

/* ---- evidence over every rule ---------------------------------------- */

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
    if (deltas_z(run, 1, sign) > -Z_SUSPECT && z >= Z_SUSPECT
        && trend_clears(sign * slope, run->k, floor, swing)
        && (late_high(run, sign, margin) || half_z(run, sign) > 0)) {
        return 1;
    }
    return run->k >= 8 && half_z(run, sign) >= Z_SUSPECT
           && trend_clears(sign * half_slope, run->k - run->k / 2, floor,
                           swing)
           && late_high(run, sign, margin);
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

/* The residual sum of squares of the best single step: one level up to
 * some reading, another after it.  A container resizing once, or a cache
 * filled at one go, fits it better than any hinge. */
static double
step_rss(const struct run *run)
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

/* The least-squares slope per round of x[from..k] in direction sign. */
static double
segment_slope(const struct run *run, size_t from, double sign)
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
              > swing_amplitude(run)
           && segment_slope(run, late->from + 1, sign) >= late->slope / 2
           && late->rss < 2 * step_rss(run)
           && late_high(run, sign, fmax(margin, noise / 2));
}

/* RSS rising as a trend at Z_SUSPECT by more than its growth floor, at
 * half the slope floor or more, not stopped and not a cache: a leak
 * whose slope the arenas that left pulled under the floor. */
static int
bytes_trend(const struct run *run, double z, double per_round)
{
    const struct rules *r = run->r;

    return z >= Z_SUSPECT && run->x[run->k] - run->x[0] > bytes_min_growth(run)
           && per_round > r->slope_floor / 2 && !cache_like(run, 1)
           && (late_high(run, 1, r->slope_floor / 2) || half_z(run, 1) > 0);
}

/* What weigh() judges a clean by: the direction, the trend and the noise,
 * the floors a trend must clear, what the rounds could have seen, whether
 * they could not yet rule a leak out, and the late rise. */
struct weight {
    int bytes;            /* RSS: its own floors, no hinge fit */
    double sign;          /* -1: a singleton's fall is judged */
    double z;             /* the trend's z, in direction sign */
    double noise;         /* noise_amplitude() */
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
                          bytes_min_growth(run) / (double)run->k);
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
    double z = trend_z(run);
    double se;

    w->bytes = cls == VERDICT_CLASS_BYTES;
    w->sign = cls == VERDICT_CLASS_SINGLETON && z < 0 ? -1 : 1;
    w->z = w->sign * z;
    w->noise = noise_amplitude(run);
    w->per_round = iterations / (double)run->k;
    w->slope_round = out->slope * w->per_round;
    w->floor_round = r->step;
    w->margin = r->step;
    w->half_slope = 0;
    w->late = (struct late_fit){0, 0, 0, INFINITY};
    out->z = z;
    out->noise = w->noise;
    se = trend_error(run->k, w->noise);
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
    w->floor_round = drift_per_round(run, w->per_round);
    if (w->noise > 0) {
        /* A leak right at the floor clears it half the time; one 1.645
         * standard errors of the slope above it, 95% of the time. */
        w->detectable = fmax(w->detectable, w->floor_round + Z_POWER * se);
    }
    if (run->k >= 8) {
        size_t from = run->k / 2;
        struct verdict_series hs = {s->value + from, s->iterations + from,
                                    run->k - from + 1};

        w->half_slope = theil_sen(&hs) * w->per_round;
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
        if (fabs(delta(run, i)) >= run->r->step) {
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
        decide(out, VERDICT_INCONCLUSIVE,
               up ? VERDICT_RULE_LATE_RISE : VERDICT_RULE_LATE_FALL);
    }
    else if (!w->bytes && final
             && w->sign * (run->x[run->k] - run->x[0])
                < drift_per_round(run, w->per_round) * (double)run->k) {
        decide(out, VERDICT_CLEAN, up ? VERDICT_RULE_HIGHS_UNDER_DRIFT
                                      : VERDICT_RULE_LOWS_UNDER_DRIFT);
    }
    else {
        decide(out, VERDICT_INCONCLUSIVE,
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
                       w->floor_round, swing_amplitude(run));
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
static void
weigh(const struct run *run, const struct verdict_series *s,
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
    if (making_highs(run, w.sign, w.margin)) {
        weigh_highs(run, &w, late_ev, final, out);
    }
    else if (!final
             && rising_lately(run, w.sign,
                              w.bytes ? run->r->slope_floor
                                      : fmax(w.margin, w.noise))) {
        decide(out, VERDICT_INCONCLUSIVE, w.sign > 0 ? VERDICT_RULE_LAST_HIGH
                                                     : VERDICT_RULE_LAST_LOW);
    }
    else if (weigh_trend(run, &w, out)) {
        decide(out, VERDICT_INCONCLUSIVE, w.sign > 0
                                          ? VERDICT_RULE_RISING_TREND
                                          : VERDICT_RULE_FALLING_TREND);
    }
    else if (late_ev) {
        decide(out, VERDICT_INCONCLUSIVE, w.sign > 0
                                          ? VERDICT_RULE_LATE_RISE
                                          : VERDICT_RULE_LATE_FALL);
    }
    else if (!final && (w.split || (!w.bytes && count_split(run, &w)))) {
        decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_SPLIT);
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
        decide(out, VERDICT_CLEAN, VERDICT_RULE_AT_BASELINE);
    }
    else if (persistent(run, last_home)) {
        decide(out, VERDICT_LEAK, VERDICT_RULE_KEPT_GROWING);
    }
    else if (last_home > 0) {
        /* It went back to the baseline once: whatever was above it was
         * transient, and what followed is too short to be a leak. */
        decide(out, VERDICT_CLEAN, VERDICT_RULE_RETURNED);
    }
    else if (steps_up == 1 && steps_down == 0) {
        decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_ONE_STEP_UP);
    }
    else {
        decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_ABOVE_BASELINE);
    }
}

/* ---- the last round's evidence ----------------------------------------- */

/* Whether the last delta is a spike no later reading has confirmed: over
 * three times every earlier move and the step.  Noise that moved by at
 * most m in every earlier round does not jump 3m at once, and a leak's
 * deltas under noise vary far less than that; a container resizing once
 * does (+36 after moves of 0 or 1). */
static int
end_spike(const struct run *run)
{
    double last = fabs(delta(run, run->k));
    double most = run->r->step;

    for (size_t i = 1; i < run->k; i++) {
        most = fmax(most, fabs(delta(run, i)));
    }
    return last > 3 * most;
}

/* For counts and singletons with no more rounds to come, what would be
 * suspect is weighed once more.  A spike at the last reading is not yet
 * a new high: when the readings before it are clean, so is the series
 * (with more rounds to come, rising_lately() asks for the next one).  A
 * count that moved in some rounds only, by less than DRIFT_RATE over
 * the counted iterations, moved by less than the trend rule could see:
 * a leak that slow is below the size the cell states it would have
 * seen, and an interpreter's own drift moves that much, new highs or
 * not. */
static void
final_evidence(const struct run *run, const struct verdict_series *s,
               enum verdict_class cls, double iterations,
               struct verdict *out)
{
    if (out->kind != VERDICT_INCONCLUSIVE) {
        return;
    }
    if (run->k > run->r->min_rounds && end_spike(run)) {
        struct verdict_series before = {s->value, s->iterations,
                                        s->count - 1};
        struct verdict bv;

        if (verdict_judge(cls, &before, 1, &bv) == 0
            && bv.kind == VERDICT_CLEAN) {
            decide(out, VERDICT_CLEAN, VERDICT_RULE_END_SPIKE);
            out->detectable = fmax(out->detectable, bv.detectable);
            return;
        }
    }
    if (some_rounds(out->rule)
        && fabs(run->x[run->k] - run->x[0])
           < drift_per_round(run, iterations / (double)run->k)
             * (double)run->k) {
        decide(out, VERDICT_CLEAN, VERDICT_RULE_UNDER_DRIFT);
    }
}

/* ---- public ---------------------------------------------------------- */

static void
verdict_reset(struct verdict *out)
{
    out->per_iteration = NAN;
    out->slope = NAN;
    out->growth = NAN;
    out->rounds = 0;
    out->rounds_growing = 0;
    out->zero_at = NAN;
    out->detectable = NAN;
    out->noise = NAN;
    out->z = NAN;
    out->late_z = NAN;
    out->late_from = 0;
    decide(out, VERDICT_NA, VERDICT_RULE_INVALID);
}

/* The total of the counted rounds' iterations, or -1 when the series
 * cannot be judged at all (no readings, an iteration count that is not a
 * positive number). */
static double
counted_iterations(const struct verdict_series *s)
{
    double iterations = 0;

    if (s == NULL || s->value == NULL || s->iterations == NULL
        || s->count == 0) {
        return -1;
    }
    for (size_t i = 1; i < s->count; i++) {
        if (!(isfinite(s->iterations[i]) && s->iterations[i] > 0)) {
            return -1;
        }
        iterations += s->iterations[i];
    }
    return isfinite(iterations) ? iterations : -1;
}

/* The class's own rules, on a run with enough rounds. */
static void
judge_by_class(const struct run *run, enum verdict_class cls,
               const struct verdict_series *s, double iterations, int final,
               struct verdict *out)
{
    switch (cls) {
    case VERDICT_CLASS_COUNT:
    case VERDICT_CLASS_SINGLETON:
    case VERDICT_CLASS_HEAP_BYTES:
    case VERDICT_CLASS_HEAP_BLOCKS:
        judge_count_class(run, cls, out);
        if ((out->kind == VERDICT_LEAK || out->kind == VERDICT_OVER_RELEASE)
            && irregular(run, s->iterations)) {
            decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_UNEVEN);
        }
        settle(run, cls, s->iterations, final, out);
        /* Less than one unit per twenty iterations is within what an
         * interpreter's own slow drift does under threads (a few
         * references to None per thousand requests, settling over
         * thousands more): such a claim gets every round allowed
         * before it is made. */
        if (!final && fabs(out->per_iteration) < drift_rate(run)
            && (out->kind == VERDICT_LEAK
                || out->kind == VERDICT_OVER_RELEASE)) {
            decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_SLOW_CONFIRM);
        }
        break;
    case VERDICT_CLASS_BYTES:
        judge_bytes(run, iterations, out->slope, final, out);
        settle_bytes(run, s, final, out);
        break;
    case VERDICT_CLASS_RESOURCE:
        judge_resource(run, out);
        return;
    }
    weigh(run, s, cls, iterations, final, out);
    if (!final || cls == VERDICT_CLASS_BYTES) {
        return;
    }
    if ((out->kind == VERDICT_INCONCLUSIVE
         || (out->kind == VERDICT_LEAK
             && out->rule == VERDICT_RULE_EVERY_ROUND))
        && cls != VERDICT_CLASS_SINGLETON) {
        late_onset_verdict(run, s->iterations, out);
    }
    final_evidence(run, s, cls, iterations, out);
}

int
verdict_judge(enum verdict_class cls, const struct verdict_series *s,
              int final, struct verdict *out)
{
    struct run run;
    double iterations;

    if (out == NULL) {
        return -1;
    }
    verdict_reset(out);
    iterations = counted_iterations(s);
    if (iterations < 0 || (size_t)cls >= N_CLASSES) {
        return -1;
    }

    run.x = s->value;
    run.k = s->count - 1;
    run.r = &rules_of[cls];
    out->rounds = run.k;
    for (size_t i = 0; i <= run.k; i++) {
        if (!isfinite(run.x[i])) {
            decide(out, VERDICT_NA, VERDICT_RULE_NA);
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
        decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_TOO_FEW_ROUNDS);
    }
    else {
        judge_by_class(&run, cls, s, iterations, final, out);
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
verdict_rule_name(enum verdict_rule rule)
{
    return (size_t)rule < VERDICT_RULE_COUNT ? rule_text[rule].name : "?";
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

/* A size without its sign, then `tail`: "12 blocks", "0.021 blocks/it". */
static int
format_amount(char *buf, size_t size, double v, const char *unit,
              const char *tail)
{
    int rc = format_figure(buf, size, fabs(v), unit, 0, tail);

    if (buf[0] == '+') {
        memmove(buf, buf + 1, strlen(buf));
    }
    return rc;
}

int
verdict_explain(char *buf, size_t size, const struct verdict *v,
                const char *unit)
{
    char fig[VERDICT_FIGURE_SIZE];
    size_t n;
    int rc = 0;

    if (buf == NULL || size == 0) {
        return -1;
    }
    buf[0] = '\0';
    if (v == NULL) {
        return -1;
    }
#define EMIT(...) \
    do { \
        n = strlen(buf); \
        int w_ = snprintf(buf + n, size - n, __VA_ARGS__); \
        if (w_ < 0 || (size_t)w_ >= size - n) { \
            rc = -1; \
        } \
    } while (0)
    EMIT("%s", v->why ? v->why : "?");
    if (v->kind == VERDICT_NA || v->rounds == 0) {
        return rc;
    }
    EMIT(" (%zu of %zu rounds grew", v->rounds_growing, v->rounds);
    if (isfinite(v->z)) {
        EMIT(", trend z %.1f", v->z);
    }
    if ((v->rule == VERDICT_RULE_LATE_RISE
         || v->rule == VERDICT_RULE_LATE_FALL)
        && isfinite(v->late_z)) {
        EMIT(", since round %zu: hinge z %.1f", v->late_from, v->late_z);
    }
    if (isfinite(v->noise)) {
        rc |= format_amount(fig, sizeof(fig), v->noise, unit, "");
        EMIT(", noise %s", fig);
    }
    EMIT(")");
    if (v->kind == VERDICT_CLEAN && isfinite(v->detectable)) {
        rc |= format_amount(fig, sizeof(fig), v->detectable, unit, "/it");
        EMIT("; would have seen >= %s", fig);
    }
#undef EMIT
    return rc;
}
