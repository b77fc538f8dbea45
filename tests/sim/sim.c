/* sim.c - synthetic series for the verdict engine, and the engine driven
 * over them the way harness/cell.c drives it (see sim.h).
 *
 * Noise comes from splitmix64, so a seed is a series: any failure the
 * unit suite reports reproduces with `verdict-sim --family NAME --seed N`.
 */
#include "sim.h"

#include <math.h>
#include <string.h>

#define KiB 1024.0
#define MiB (1024.0 * 1024.0)
#define PAGE 4096.0
#define COUNT_BASE 50000.0
#define BYTES_BASE (30 * MiB)
#define SIM_DRIFT_RATE 0.05

/* Leaks, with the growth over --max-rounds as a multiple of the noise
 * amplitude: rate = ratio * a / (max-rounds - onset). */
#define LEAK(nm, cls_, noise_, a, onset_, ratio_, floor_) \
    LEAK_EXEMPT(nm, cls_, noise_, a, onset_, ratio_, floor_, NULL)
#define LEAK_EXEMPT(nm, cls_, noise_, a, onset_, ratio_, floor_, why_) \
    {nm, cls_, SIM_LEAKING, SIM_LINEAR, noise_, a, \
     (double)(ratio_) * (a) / (SIM_MAX_ROUNDS - (onset_)), onset_, 0, 0, 0, \
     0, ratio_, floor_, 0, why_}

const struct sim_family sim_families[] = {
    /* ---- counts: clean and bounded ---- */
    {"count flat", VERDICT_CLASS_COUNT, SIM_CLEAN, SIM_FLAT, SIM_NOISE_NONE,
     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
    {"count gauss a=2", VERDICT_CLASS_COUNT, SIM_CLEAN, SIM_FLAT,
     SIM_NOISE_GAUSS, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
    {"count gauss a=20", VERDICT_CLASS_COUNT, SIM_CLEAN, SIM_FLAT,
     SIM_NOISE_GAUSS, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
    {"count gauss a=200", VERDICT_CLASS_COUNT, SIM_CLEAN, SIM_FLAT,
     SIM_NOISE_GAUSS, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
    {"count ring a=20", VERDICT_CLASS_COUNT, SIM_CLEAN, SIM_FLAT,
     SIM_NOISE_RING, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
    /* The threading server's shapes: a container resizing back and forth
     * (+36 and back) over a count that jitters by one; a spike at the
     * last planned round, and at the last reading (--rounds and
     * --max-rounds both 12, so that it stays the last); None's refcount
     * wandering a few references either way. */
    {"count flip-flop", VERDICT_CLASS_COUNT, SIM_CLEAN, SIM_FLAT,
     SIM_NOISE_FLIP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
    {"count spike at round 5", VERDICT_CLASS_COUNT, SIM_CLEAN,
     SIM_END_SPIKE, SIM_NOISE_JITTER, 0, 0, SIM_PLANNED, 0, 0, 0, 0, 0, 0, 0,
     NULL},
    {"count end spike, 12 rounds", VERDICT_CLASS_COUNT, SIM_CLEAN,
     SIM_END_SPIKE, SIM_NOISE_JITTER, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     SIM_MAX_ROUNDS, NULL},
    {"count flip-flop, end spike", VERDICT_CLASS_COUNT, SIM_CLEAN,
     SIM_END_SPIKE, SIM_NOISE_FLIP, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     SIM_MAX_ROUNDS, NULL},
    {"singleton walk a=2", VERDICT_CLASS_SINGLETON, SIM_CLEAN, SIM_FLAT,
     SIM_NOISE_WALK, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
    {"singleton walk a=5", VERDICT_CLASS_SINGLETON, SIM_CLEAN, SIM_FLAT,
     SIM_NOISE_WALK, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
    {"count cache q=0.5", VERDICT_CLASS_COUNT, SIM_DECEL, SIM_GEOMETRIC,
     SIM_NOISE_GAUSS, 4, 0, 0, 200, 0.5, 0, 0, 0, 0, 0, NULL},
    {"count cache q=0.8", VERDICT_CLASS_COUNT, SIM_DECEL, SIM_GEOMETRIC,
     SIM_NOISE_GAUSS, 4, 0, 0, 327, 0.8, 0, 0, 0, 0, 0, NULL},
    {"count cache q=0.9", VERDICT_CLASS_COUNT, SIM_DECEL, SIM_GEOMETRIC,
     SIM_NOISE_GAUSS, 4, 0, 0, 100, 0.9, 0, 0, 0, 0, 0, NULL},
    {"count drift T=20 a=25", VERDICT_CLASS_COUNT, SIM_DECEL, SIM_GEOMETRIC,
     SIM_NOISE_GAUSS, 25, 0, 0, 5.84, 0.951, 0, 0, 0, 0, 0, NULL},
    {"count cache q=0.8 exact", VERDICT_CLASS_COUNT, SIM_BOUNDED,
     SIM_GEOMETRIC, SIM_NOISE_NONE, 0, 0, 0, 327, 0.8, 0, 0, 0, 0, 0, NULL},
    {"count sawtooth", VERDICT_CLASS_COUNT, SIM_BOUNDED, SIM_SAWTOOTH,
     SIM_NOISE_GAUSS, 4, 10, 0, 0, 0, 0, 4, 0, 0, 0, NULL},
    {"count step 50", VERDICT_CLASS_COUNT, SIM_BOUNDED, SIM_STEP,
     SIM_NOISE_GAUSS, 4, 0, 0, 0, 0, 50, 0, 0, 0, 0, NULL},
    {"count step 80 a=20", VERDICT_CLASS_COUNT, SIM_CLEAN, SIM_STEP,
     SIM_NOISE_GAUSS, 20, 0, 0, 0, 0, 80, 0, 0, 0, 0, NULL},
    {"count step 80 flip-flop", VERDICT_CLASS_COUNT, SIM_CLEAN, SIM_STEP,
     SIM_NOISE_FLIP, 0, 0, 0, 0, 0, 80, 0, 0, 0, 0, NULL},
    /* ---- counts: leaks ---- */
    LEAK("count leak gauss", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 40, 0, 1,
         0),
    LEAK("count leak gauss", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 40, 0, 2,
         0),
    LEAK("count leak gauss", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 40, 0, 3,
         0),
    LEAK("count leak gauss", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 40, 0, 5,
         0),
    LEAK("count leak gauss", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 40, 0,
         10, 0),
    LEAK("count leak gauss a=200", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 200,
         0, 3, 0),
    LEAK("count leak gauss a=20", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 20,
         0, 3, 0),
    LEAK("count leak gauss a=20", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 20,
         0, 4, 0),
    LEAK("count leak gauss a=20", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 20,
         0, 5, 0),
    LEAK("count leak ring a=20", VERDICT_CLASS_COUNT, SIM_NOISE_RING, 20, 0,
         3, 0),
    LEAK("count leak ring a=20", VERDICT_CLASS_COUNT, SIM_NOISE_RING, 20, 0,
         4, 0),
    LEAK("count leak ring a=20", VERDICT_CLASS_COUNT, SIM_NOISE_RING, 20, 0,
         5, 0),
    LEAK("count onset 6 a=20", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 20, 6,
         3, 0),
    LEAK("count onset 6 a=20", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 20, 6,
         4, 0),
    LEAK("count leak ring", VERDICT_CLASS_COUNT, SIM_NOISE_RING, 40, 0, 1, 0),
    LEAK("count leak ring", VERDICT_CLASS_COUNT, SIM_NOISE_RING, 40, 0, 2, 0),
    LEAK("count leak ring", VERDICT_CLASS_COUNT, SIM_NOISE_RING, 40, 0, 3, 0),
    LEAK("count leak ring", VERDICT_CLASS_COUNT, SIM_NOISE_RING, 40, 0, 5, 0),
    LEAK("count leak ring", VERDICT_CLASS_COUNT, SIM_NOISE_RING, 40, 0, 10, 0),
    LEAK("count onset 3", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 40, 3, 3, 0),
    LEAK("count onset 3", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 40, 3, 5, 0),
    LEAK("count onset 6", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 40, 6, 3, 0),
    LEAK("count onset 6", VERDICT_CLASS_COUNT, SIM_NOISE_GAUSS, 40, 6, 5, 0),
    /* One per round exactly, and one per three rounds: refleak's cases. */
    {"count leak 1/round", VERDICT_CLASS_COUNT, SIM_LEAKING, SIM_LINEAR,
     SIM_NOISE_NONE, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
    {"count leak 1/3 rounds", VERDICT_CLASS_COUNT, SIM_LEAKING, SIM_LINEAR,
     SIM_NOISE_NONE, 0, 1.0 / 3, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
    /* ---- RSS: clean and bounded ---- */
    {"rss pages", VERDICT_CLASS_BYTES, SIM_CLEAN, SIM_FLAT, SIM_NOISE_PAGES,
     16 * KiB, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
    {"rss arenas", VERDICT_CLASS_BYTES, SIM_BOUNDED, SIM_FLAT,
     SIM_NOISE_ARENAS, 384 * KiB, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
    {"rss sawtooth 1 MiB", VERDICT_CLASS_BYTES, SIM_BOUNDED, SIM_SAWTOOTH,
     SIM_NOISE_PAGES, 16 * KiB, MiB, 0, 0, 0, 0, 3, 0, 0, 0, NULL},
    {"rss step 1 MiB", VERDICT_CLASS_BYTES, SIM_BOUNDED, SIM_STEP,
     SIM_NOISE_PAGES, 16 * KiB, 0, 0, 0, 0, MiB, 0, 0, 0, 0, NULL},
    {"rss cache q=0.7", VERDICT_CLASS_BYTES, SIM_DECEL, SIM_GEOMETRIC,
     SIM_NOISE_PAGES, 16 * KiB, 0, 0, 512 * KiB, 0.7, 0, 0, 0, 0, 0, NULL},
    /* ---- RSS: leaks.  Below 64 KiB a round RSS is never a leak (a page
     * a round is glibc's top pad), so amplitudes are at least the 256 KiB
     * growth floor. ---- */
    LEAK("rss leak pages", VERDICT_CLASS_BYTES, SIM_NOISE_PAGES, 256 * KiB,
         0, 3, 0),
    LEAK("rss leak pages", VERDICT_CLASS_BYTES, SIM_NOISE_PAGES, 256 * KiB,
         0, 5, 0),
    LEAK("rss onset 4 pages", VERDICT_CLASS_BYTES, SIM_NOISE_PAGES,
         256 * KiB, 4, 3, 0),
    LEAK_EXEMPT("rss onset 6 pages", VERDICT_CLASS_BYTES, SIM_NOISE_PAGES,
                256 * KiB, 6, 3, 0, "starts after the planned rounds"),
    LEAK("rss leak arenas", VERDICT_CLASS_BYTES, SIM_NOISE_ARENAS, 384 * KiB,
         0, 3, 0),
    LEAK("rss leak arenas", VERDICT_CLASS_BYTES, SIM_NOISE_ARENAS, 384 * KiB,
         0, 5, 0),
    LEAK("rss onset 4 arenas", VERDICT_CLASS_BYTES, SIM_NOISE_ARENAS,
         384 * KiB, 4, 3, 0),
    {NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
};

/* ---- randomness ------------------------------------------------------ */

static uint64_t
splitmix(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
uniform(uint64_t *state)
{
    return (double)(splitmix(state) >> 11) / 9007199254740992.0;
}

static double
gauss(uint64_t *state)
{
    double u = uniform(state);
    double v = uniform(state);

    return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

/* 0 half the time, else -1 or +1. */
static double
jitter(uint64_t *state)
{
    double u = uniform(state);

    return u < 0.5 ? 0 : u < 0.75 ? -1 : 1;
}

/* ---- series ---------------------------------------------------------- */

static double
signal_at(const struct sim_family *f, size_t i, size_t at)
{
    switch (f->shape) {
    case SIM_FLAT:
        return 0;
    case SIM_LINEAR:
        return i > f->onset ? f->rate * (double)(i - f->onset) : 0;
    case SIM_GEOMETRIC:
        return f->first * (1 - pow(f->q, (double)i)) / (1 - f->q);
    case SIM_SAWTOOTH:
        /* `at` is the phase: which tooth position round 0 is at. */
        return f->rate * (double)((i + at) % f->period);
    case SIM_STEP:
        return i >= at ? f->size : 0;
    case SIM_END_SPIKE:
        /* sim_generate() adds it: its size is seeded. */
        return 0;
    }
    return 0;
}

void
sim_generate(const struct sim_family *f, uint64_t seed, double *x)
{
    uint64_t st = seed * UINT64_C(0x2545f4914f6cdd1d) + 1;
    double a = f->amplitude;
    double ring = uniform(&st) * 2 * a;
    double arena = PAGE * floor((64 + uniform(&st) * 192) * KiB / PAGE);
    int arenas = (int)(uniform(&st) * 4);
    size_t at = f->shape == SIM_STEP
                    ? 1 + (size_t)(uniform(&st) * SIM_MAX_ROUNDS)
                    : (size_t)(uniform(&st) * (f->period ? f->period : 1));
    /* FLIP, END_SPIKE and WALK draw from a stream of their own, which
     * leaves the other families' series as they were.  A jump of 10-60,
     * like the threading server's +36; a flip-flop starts up at its
     * stationary share, 0.2 / 0.9. */
    uint64_t st2 = seed * UINT64_C(0x9e3779b97f4a7c15) + 7;
    double jump = round(10 + uniform(&st2) * 50);
    int up = uniform(&st2) < 0.2 / 0.9;
    double walk = round((uniform(&st2) * 2 - 1) * a);

    for (size_t i = 0; i <= SIM_MAX_NOISY; i++) {
        double n = 0;
        double u;

        switch (f->noise) {
        case SIM_NOISE_NONE:
            break;
        case SIM_NOISE_GAUSS:
            n = gauss(&st) * a / 2;
            break;
        case SIM_NOISE_RING:
            ring += uniform(&st) * 2 * a;
            n = fmod(ring, 2 * a) - a;
            break;
        case SIM_NOISE_ARENAS:
            u = uniform(&st);
            arenas += u < 1.0 / 3 ? 1 : u < 2.0 / 3 ? -1 : 0;
            arenas = arenas < 0 ? 0 : arenas > 3 ? 3 : arenas;
            n = arenas * arena + PAGE * floor(uniform(&st) * 9 - 4);
            break;
        case SIM_NOISE_PAGES:
            n = PAGE * floor(uniform(&st) * 9 - 4);
            break;
        case SIM_NOISE_JITTER:
            n = jitter(&st);
            break;
        case SIM_NOISE_FLIP:
            u = uniform(&st);
            up = up ? u >= 0.7 : u < 0.2;
            n = jitter(&st) + (up ? jump : 0);
            break;
        case SIM_NOISE_WALK:
            /* A step out of bounds bounces back: a pool that holds
             * between 0 and 2a references. */
            u = jitter(&st);
            walk += fabs(walk + u) > a ? -u : u;
            n = walk;
            break;
        }
        if (f->shape == SIM_END_SPIKE
            && i == (f->onset   ? f->onset
                     : f->fixed ? f->fixed
                                : SIM_MAX_ROUNDS)) {
            /* Over a flip-flop the spike is the same container resizing
             * (3.13.0 ends +35 after flips of 36-39): up at the end. */
            n += f->noise == SIM_NOISE_FLIP ? (up ? 0 : jump)
                 : f->size                  ? f->size
                                            : jump;
        }
        if (f->cls == VERDICT_CLASS_BYTES) {
            x[i] = PAGE * floor((BYTES_BASE + signal_at(f, i, at) + n)
                                / PAGE);
        }
        else {
            x[i] = round(COUNT_BASE + signal_at(f, i, at) + n);
        }
    }
}

/* ---- driving the engine ---------------------------------------------- */

static void
judge_first(enum verdict_class cls, const double *x, size_t k,
            double iterations, int final, struct verdict *out)
{
    double iters[SIM_MAX_READINGS];
    struct verdict_series s = {x, iters, k + 1};

    for (size_t i = 0; i <= k; i++) {
        iters[i] = iterations;
    }
    if (verdict_judge(cls, &s, final, out) < 0) {
        out->kind = VERDICT_NA;
    }
}

size_t
sim_drive_cell(size_t n, const enum verdict_class *cls,
               const double *const *x, double iterations, size_t planned,
               size_t max, size_t max_noisy, struct verdict *out)
{
    size_t k = planned;

    /* cell.c asks after each counted round from --rounds on whether any
     * metric wants another. */
    for (;;) {
        int more = 0;

        for (size_t m = 0; m < n; m++) {
            judge_first(cls[m], x[m], k, iterations, 0, &out[m]);
            more |= verdict_wants_round(&out[m], max, max_noisy);
        }
        if (!more) {
            break;
        }
        k++;
    }
    for (size_t m = 0; m < n; m++) {
        judge_first(cls[m], x[m], k, iterations, 1, &out[m]);
    }
    return k;
}

size_t
sim_drive(enum verdict_class cls, const double *x, struct verdict *out)
{
    return sim_drive_cell(1, &cls, &x, SIM_ITERATIONS, SIM_PLANNED,
                          SIM_MAX_ROUNDS, SIM_MAX_NOISY, out);
}

size_t
sim_drive_family(const struct sim_family *f, const double *x,
                 struct verdict *out)
{
    if (f->fixed) {
        return sim_drive_cell(1, &f->cls, &x, SIM_ITERATIONS, f->fixed,
                              f->fixed, f->fixed, out);
    }
    return sim_drive(f->cls, x, out);
}

/* refleak.py's rule (Lib/test/libregrtest/refleak.py, check_rc_deltas)
 * with its default -R 3:3: a leak when each of the 3 counted deltas is at
 * least 1. */
static int
anchor_leaks(const double *x)
{
    for (size_t i = 1; i <= 3; i++) {
        if (!(x[i] - x[i - 1] >= 1)) {
            return 0;
        }
    }
    return 1;
}

/* A lone step up's excess over the median delta: the one delta further
 * from the median than 3.5 root-mean-square deviations of the others (the
 * engine's one-step rule, harness/judge/verdict_floor.c); 0 when none.
 * The level it adds once is no rate. */
static double
lone_step_excess(const double *x, size_t k)
{
    double d[SIM_MAX_READINGS], sorted[SIM_MAX_READINGS];
    double med, sum = 0, top = 0;
    size_t at = 0, beyond = 0;

    for (size_t i = 1; i <= k; i++) {
        d[i] = sorted[i - 1] = x[i] - x[i - 1];
    }
    for (size_t i = 1; i < k; i++) {
        for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            double t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    }
    med = (sorted[(k - 1) / 2] + sorted[k / 2]) / 2;
    for (size_t i = 1; i <= k; i++) {
        if (fabs(d[i] - med) > top) {
            top = fabs(d[i] - med);
            at = i;
        }
    }
    for (size_t i = 1; i <= k; i++) {
        sum += i == at ? 0 : (d[i] - med) * (d[i] - med);
    }
    for (size_t i = 1; i <= k; i++) {
        beyond += fabs(d[i] - med) > 3.5 * sqrt(sum / (double)(k - 1));
    }
    return k >= 5 && beyond == 1 && d[at] > med ? d[at] - med : 0;
}

/* Still making new highs at the end: the last reading is a record, and so
 * are at least half the readings of the second half.  RSS records count
 * from 32 KiB up, half the engine's slope floor.  A last reading that
 * jumped up over three times every earlier move is a spike, not a high,
 * until a later reading confirms it: the highs are those before it. */
static int
keeps_making_highs(enum verdict_class cls, const double *x, size_t k)
{
    /* Counts rising slower than the engine's drift floor (DRIFT_RATE in
     * harness/judge/verdict_private.h) drift like an interpreter warming
     * up: below the size a clean verdict states it would have seen; a
     * lone step is left out of the growth. */
    if (cls != VERDICT_CLASS_BYTES
        && x[k] - x[0] - lone_step_excess(x, k)
           < SIM_DRIFT_RATE * SIM_ITERATIONS * (double)k) {
        return 0;
    }
    double step = cls == VERDICT_CLASS_BYTES ? 32 * KiB : 1;
    double best = x[0];
    double most = step;
    size_t records = 0;
    int last = 0;

    for (size_t i = 1; i < k; i++) {
        most = fmax(most, fabs(x[i] - x[i - 1]));
    }
    if (k > 2 && x[k] - x[k - 1] > 3 * most) {
        k--;
    }
    for (size_t i = 1; i <= k; i++) {
        last = x[i] >= best + step;
        if (last && i > k / 2) {
            records++;
        }
        best = x[i] > best ? x[i] : best;
    }
    return last && 2 * records >= k - k / 2;
}

void
sim_run(const struct sim_family *f, uint64_t first_seed, size_t seeds,
        struct sim_result *res)
{
    double det = 0;

    memset(res, 0, sizeof(*res));
    for (uint64_t seed = first_seed; seed < first_seed + seeds; seed++) {
        double x[SIM_MAX_READINGS];
        struct verdict v;
        size_t k;

        sim_generate(f, seed, x);
        k = sim_drive_family(f, x, &v);
        res->runs++;
        res->rounds += k;
        res->anchor_leak += anchor_leaks(x);
        switch (v.kind) {
        case VERDICT_LEAK:
        case VERDICT_OVER_RELEASE:
            res->leak++;
            break;
        case VERDICT_SUSPECT:
            res->suspect++;
            break;
        case VERDICT_CLEAN:
            res->clean++;
            det += isfinite(v.detectable) ? v.detectable : 0;
            res->highs_clean += keeps_making_highs(f->cls, x, k);
            break;
        default:
            res->other++;
            break;
        }
    }
    res->detectable = res->clean ? det / (double)res->clean : NAN;
}

int
sim_meets_target(const struct sim_family *f, const struct sim_result *r,
                 char *why, size_t size)
{
    double leak = (double)r->leak / (double)r->runs;
    double found = (double)(r->leak + r->suspect) / (double)r->runs;

    why[0] = '\0';
    if (r->other) {
        snprintf(why, size, "%zu runs ended neither leak, suspect nor "
                 "clean", r->other);
        return 0;
    }
    if (r->highs_clean) {
        snprintf(why, size, "%zu clean runs still making new highs",
                 r->highs_clean);
        return 0;
    }
    switch (f->truth) {
    case SIM_CLEAN:
        /* On a flat series a suspect is an alarm too: `run` exits 1. */
        if (!(found < 0.01)) {
            snprintf(why, size, "false alarms %.1f%% >= 1%%", 100 * found);
            return 0;
        }
        break;
    case SIM_DECEL:
        if (!(leak < 0.01)) {
            snprintf(why, size, "false leaks %.1f%% >= 1%%", 100 * leak);
            return 0;
        }
        break;
    case SIM_BOUNDED:
        if (r->leak) {
            snprintf(why, size, "%zu leaks on a bounded series", r->leak);
            return 0;
        }
        break;
    case SIM_LEAKING:
        /* The 95%; where it does not apply (docs/verdicts.md), the
         * family's own floor, so that it cannot fall further. */
        if ((f->ratio == 0 || f->ratio >= 3)
            && !(found >= (f->exempt ? f->power : 0.95))) {
            snprintf(why, size, "found %.1f%% < %.0f%%", 100 * found,
                     100 * (f->exempt ? f->power : 0.95));
            return 0;
        }
        break;
    }
    return 1;
}

static const char *
truth_name(enum sim_truth t)
{
    return t == SIM_CLEAN     ? "clean"
           : t == SIM_BOUNDED ? "bounded"
           : t == SIM_DECEL   ? "cache"
                              : "leak";
}

static double
pct(size_t n, size_t of)
{
    return of ? 100.0 * (double)n / (double)of : 0;
}

void
sim_print_table(FILE *fp, uint64_t first_seed, size_t seeds)
{
    fprintf(fp, "| family | truth | growth/a | leak | suspect | clean | "
                "rounds | -R 3:3 leak | target |\n");
    fprintf(fp, "|---|---|---|---|---|---|---|---|---|\n");
    for (const struct sim_family *f = sim_families; f->name; f++) {
        struct sim_result r;
        char why[128];
        char ratio[16] = "";

        sim_run(f, first_seed, seeds, &r);
        if (f->truth == SIM_LEAKING && f->ratio > 0) {
            snprintf(ratio, sizeof(ratio), "%g", f->ratio);
        }
        int ok = sim_meets_target(f, &r, why, sizeof(why));
        char na[128];

        snprintf(na, sizeof(na), "n/a: %s", f->exempt ? f->exempt : "");
        fprintf(fp, "| %s | %s | %s | %.1f%% | %.1f%% | %.1f%% | %.1f | "
                    "%.1f%% | %s |\n",
                f->name, truth_name(f->truth), ratio, pct(r.leak, r.runs),
                pct(r.suspect, r.runs), pct(r.clean, r.runs),
                (double)r.rounds / (double)r.runs,
                pct(r.anchor_leak, r.runs),
                !ok ? why : f->exempt ? na : "met");
    }
}
