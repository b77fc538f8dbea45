/* verdict.c - the rules that turn a metric's readings into a verdict:
 * verdict_judge() and the order in which it asks the families of rules
 * (files by behaviour: verdict_private.h has the map), each class's
 * thresholds, the rule ids, and verdict_combine().
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
 * Over those rules, vj_weigh() asks what the rounds could have seen: it
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
 * (docs/verdicts.md, "How sure a verdict is"), real threading server cells
 * included.
 *
 * Last, the floor rules (verdict_floor.c) weigh counts at the drift
 * floor: which inconclusive ones rounds past --max-rounds may settle
 * (out->noisy: a slope in the band about the floor, warm-up still
 * decelerating), and a lone step, left out of the evidence: a container
 * grown once is no rate.  Past 12 rounds the floor allows for the slope's
 * standard error (vj_floor_round()).
 *
 * Some rules need the series judged again: without its last reading (a
 * spike at the end), without a lone step, or as if no more rounds came.
 * They say what they need and judge_series() here does the judging, so
 * the recursion stays in this file and every other file of the judge calls
 * only files below it (verdict_private.h has the order).
 */
#include "judge/verdict_private.h"

#include <math.h>

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
    [VERDICT_CLASS_COUNT] = {COUNT_RULES .step = 1, .band = 1},
    [VERDICT_CLASS_SINGLETON] = {COUNT_RULES .step = 1, .band = 1},
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

/* ---- public ------------------------------------------------------------ */

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
    out->noisy = 0;
    vj_decide(out, VERDICT_NA, VERDICT_RULE_INVALID);
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

static int judge_series(enum verdict_class cls,
                        const struct verdict_series *s, int final, int whole,
                        struct verdict *out);

/* Whether rounds past --max-rounds may settle a verdict, as a floor rule
 * answered: at once, or by the verdict the series would have at the end
 * (`whole`: with no lone step left out). */
static int
settle_split(enum verdict_class cls, const struct verdict_series *s,
             enum vj_split split, int whole)
{
    struct verdict end;

    switch (split) {
    case VJ_SPLIT_NO:
        return 0;
    case VJ_SPLIT_YES:
        return 1;
    case VJ_SPLIT_UNLESS_CLEAN:
        return !(judge_series(cls, s, 1, whole, &end) == 0
                 && end.kind == VERDICT_CLEAN);
    case VJ_SPLIT_IF_SUSPECT:
        return judge_series(cls, s, 1, whole, &end) == 0
               && end.kind == VERDICT_SUSPECT;
    }
    return 0;
}

/* At the end, for counts and singletons: what would be suspect weighed
 * once more (verdict_evidence.c), the readings before a spike at the last
 * one judged on their own. */
static void
final_evidence(const struct run *run, enum verdict_class cls,
               const struct verdict_series *s, double iterations,
               struct verdict *out)
{
    struct verdict_series before = {s->value, s->iterations, s->count - 1};
    struct verdict bv;

    if (vj_end_spike(run, out)
        && judge_series(cls, &before, 1, 0, &bv) == 0
        && vj_end_spike_verdict(&bv, out)) {
        return;
    }
    vj_final_evidence(run, iterations, out);
}

/* Counts and singletons at the drift floor (verdict_floor.c): a lone step
 * left out, the series judged whole without it (the one-step rule), and
 * before the last round whether more rounds may settle the verdict;
 * `whole`: no step left out. */
static void
floor_verdict(const struct run *run, enum verdict_class cls,
              const struct verdict_series *s, double iterations, int final,
              int whole, struct verdict *out)
{
    double x[VJ_STEP_MAX_READINGS];
    struct verdict_series rest = {x, s->iterations, s->count};
    struct verdict rv;
    size_t at = whole ? 0 : vj_step_left_out(run, s, out, x);

    if (at != 0 && judge_series(cls, &rest, final, 1, &rv) == 0
        && vj_one_step(run, at, &rv, iterations, final, out)) {
        return;
    }
    if (!final && out->kind == VERDICT_INCONCLUSIVE) {
        out->noisy = settle_split(
            cls, s, vj_split_at_floor(run, cls, s, iterations, final, out),
            0);
    }
}

/* The class's own rules, on a run with enough rounds; `whole`: no lone
 * step left out (judge_series()).  The rules that need the series judged
 * again (a spike at the end, a lone step, a split at a floor) are asked
 * here, and judge_series() judges it: no family calls back up. */
static void
judge_by_class(const struct run *run, enum verdict_class cls,
               const struct verdict_series *s, double iterations, int final,
               int whole, struct verdict *out)
{
    switch (cls) {
    case VERDICT_CLASS_COUNT:
    case VERDICT_CLASS_SINGLETON:
    case VERDICT_CLASS_HEAP_BYTES:
    case VERDICT_CLASS_HEAP_BLOCKS:
        vj_judge_counts(run, cls, s->iterations, final, out);
        break;
    case VERDICT_CLASS_BYTES:
        vj_judge_bytes(run, s, iterations, final, out);
        break;
    case VERDICT_CLASS_RESOURCE:
        vj_judge_resource(run, out);
        return;
    }
    vj_weigh(run, s, cls, iterations, final, out);
    if (cls == VERDICT_CLASS_BYTES) {
        out->noisy = settle_split(
            cls, s, vj_bytes_split(run, iterations, final, out), 1);
        return;
    }
    if (final) {
        if ((out->kind == VERDICT_INCONCLUSIVE
             || (out->kind == VERDICT_LEAK
                 && out->rule == VERDICT_RULE_EVERY_ROUND))
            && cls != VERDICT_CLASS_SINGLETON) {
            vj_late_onset_verdict(run, s->iterations, out);
        }
        final_evidence(run, cls, s, iterations, out);
    }
    floor_verdict(run, cls, s, iterations, final, whole, out);
}

int
verdict_judge(enum verdict_class cls, const struct verdict_series *s,
              int final, struct verdict *out)
{
    return judge_series(cls, s, final, 0, out);
}

/* verdict_judge(), with no lone step left out (the one-step rule) when
 * `whole` is set: what a series judged without its step uses. */
static int
judge_series(enum verdict_class cls, const struct verdict_series *s,
             int final, int whole, struct verdict *out)
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
            vj_decide(out, VERDICT_NA, VERDICT_RULE_NA);
            return 0;
        }
    }

    out->growth = run.x[run.k] - run.x[0];
    for (size_t i = 1; i <= run.k; i++) {
        out->rounds_growing += vj_delta(&run, i) > 0;
    }
    if (run.k > 0) {
        out->per_iteration = out->growth / iterations;
        out->slope = vj_theil_sen(s);
    }

    if (run.k < run.r->min_rounds) {
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_TOO_FEW_ROUNDS);
    }
    else {
        judge_by_class(&run, cls, s, iterations, final, whole, out);
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

int
verdict_wants_round(const struct verdict *v, size_t max_rounds,
                    size_t max_noisy)
{
    if (v == NULL || v->kind != VERDICT_INCONCLUSIVE) {
        return 0;
    }
    return v->rounds < max_rounds || (v->noisy && v->rounds < max_noisy);
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
