/* test-verdict.c - the verdict engine against the shapes real runs make:
 * CPython's bpo-30776 cases, caches warming up, slow leaks, RSS noise and
 * sawtooths, transient workers, n/a probes, bad input and the figures the
 * tables print.
 *
 * Series are written as a baseline plus deltas, the way refleak.py prints
 * them; noise comes from a fixed LCG so every failure reproduces.
 */
#include "judge/verdict.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

Suite *verdict_suite(void);

#define MAX_READINGS 128
#define KiB 1024.0
#define MiB (1024.0 * 1024.0)

/* A series and its storage, on the caller's stack. */
struct readings {
    double value[MAX_READINGS];
    double iterations[MAX_READINGS];
    struct verdict_series series;
};

static void
readings_init(struct readings *r, double base, const double *delta,
              size_t k, double iterations)
{
    ck_assert_uint_lt(k, MAX_READINGS);
    r->value[0] = base;
    r->iterations[0] = 0;
    for (size_t i = 1; i <= k; i++) {
        r->value[i] = r->value[i - 1] + delta[i - 1];
        r->iterations[i] = iterations;
    }
    r->series.value = r->value;
    r->series.iterations = r->iterations;
    r->series.count = k + 1;
}

static struct verdict
judge(enum verdict_class cls, double base, const double *delta, size_t k,
      double iterations, int final)
{
    struct readings r;
    struct verdict v;

    readings_init(&r, base, delta, k, iterations);
    ck_assert_int_eq(verdict_judge(cls, &r.series, final, &v), 0);
    return v;
}

/* The same deltas with `scale` iterations per round, each delta scaled:
 * what the same behaviour per iteration looks like with longer rounds. */
static struct verdict
judge_scaled(enum verdict_class cls, double base, const double *delta,
             size_t k, double scale, int final)
{
    double scaled[MAX_READINGS];

    ck_assert_uint_lt(k, MAX_READINGS);
    for (size_t i = 0; i < k; i++) {
        scaled[i] = delta[i] * scale;
    }
    return judge(cls, base, scaled, k, scale, final);
}

/* D(1, 2, 3) expands to an array and its length. */
#define D(...) \
    (const double[]){__VA_ARGS__}, \
    sizeof((const double[]){__VA_ARGS__}) / sizeof(double)

#define assert_kind(v, want) \
    ck_assert_msg((v).kind == (want), "got %s (%s), want %s", \
                  verdict_kind_name((v).kind), (v).why, \
                  verdict_kind_name(want))

static const double scales[] = {1, 1000};
#define N_SCALES (sizeof(scales) / sizeof(scales[0]))

/* Deterministic noise: 64-bit LCG (Knuth's MMIX constants). */
static uint32_t
lcg_next(uint64_t *state)
{
    *state = *state * UINT64_C(6364136223846793005)
             + UINT64_C(1442695040888963407);
    return (uint32_t)(*state >> 33);
}

/* An integer in [-span, span]. */
static double
lcg_span(uint64_t *state, int span)
{
    return (double)((int)(lcg_next(state) % (uint32_t)(2 * span + 1))
                    - span);
}

/* ---- counts: CPython's rule ------------------------------------------ */

START_TEST(bpo30776_noise_is_clean)
{
    for (size_t i = 0; i < N_SCALES; i++) {
        struct verdict v;

        v = judge_scaled(VERDICT_CLASS_COUNT, 5000, D(3, 0, 0), scales[i], 0);
        assert_kind(v, VERDICT_CLEAN);
        v = judge_scaled(VERDICT_CLASS_COUNT, 5000, D(0, 1, 0), scales[i], 0);
        assert_kind(v, VERDICT_CLEAN);
        /* Noise of +-8 in three rounds could hide a leak the size of
         * the noise: more rounds, if they may come; clean if not. */
        v = judge_scaled(VERDICT_CLASS_COUNT, 5000, D(8, -8, 1), scales[i],
                         0);
        assert_kind(v, VERDICT_INCONCLUSIVE);
        v = judge_scaled(VERDICT_CLASS_COUNT, 5000, D(8, -8, 1), scales[i],
                         1);
        assert_kind(v, VERDICT_CLEAN);
        ck_assert_uint_eq(v.rounds, 3);
        ck_assert_uint_eq(v.rounds_growing, 2);
        ck_assert_double_eq_tol(v.growth, 1 * scales[i], 1e-9);
        ck_assert(isnan(v.zero_at));
    }
}
END_TEST

START_TEST(bpo30776_leaks_are_leaks)
{
    for (size_t i = 0; i < N_SCALES; i++) {
        struct verdict v;

        v = judge_scaled(VERDICT_CLASS_COUNT, 5000, D(5, 5, 6), scales[i], 1);
        assert_kind(v, VERDICT_LEAK);
        ck_assert_str_eq(v.why, "grew in every counted round");
        ck_assert_int_eq(v.rule, VERDICT_RULE_EVERY_ROUND);
        ck_assert_double_eq_tol(v.per_iteration, 16.0 / 3, 1e-12);
        ck_assert_double_eq_tol(v.growth, 16 * scales[i], 1e-9);
        ck_assert_uint_eq(v.rounds_growing, 3);

        /* A big first round then a steady one per round: not a cache.
         * The rate reported is the steady one, after the warm-up. */
        v = judge_scaled(VERDICT_CLASS_COUNT, 5000, D(10, 1, 1), scales[i],
                         1);
        assert_kind(v, VERDICT_LEAK);
        ck_assert_double_eq_tol(v.per_iteration, 1, 1e-12);
    }
}
END_TEST

START_TEST(singleton_follows_bpo30776_both_ways)
{
    for (size_t i = 0; i < N_SCALES; i++) {
        double s = scales[i];
        struct verdict v;

        v = judge_scaled(VERDICT_CLASS_SINGLETON, 4000, D(5, 5, 6), s, 0);
        assert_kind(v, VERDICT_LEAK);
        /* The slowdown asks for more rounds first; if none come, the
         * steady tail decides. */
        v = judge_scaled(VERDICT_CLASS_SINGLETON, 4000, D(10, 1, 1), s, 0);
        assert_kind(v, VERDICT_INCONCLUSIVE);
        v = judge_scaled(VERDICT_CLASS_SINGLETON, 4000, D(10, 1, 1), s, 1);
        assert_kind(v, VERDICT_LEAK);
        v = judge_scaled(VERDICT_CLASS_SINGLETON, 1e6, D(-5, -5, -6), s, 0);
        assert_kind(v, VERDICT_OVER_RELEASE);
        ck_assert_str_eq(v.why, "fell in every counted round");
        v = judge_scaled(VERDICT_CLASS_SINGLETON, 1e6, D(-10, -1, -1), s, 1);
        assert_kind(v, VERDICT_OVER_RELEASE);
        v = judge_scaled(VERDICT_CLASS_SINGLETON, 4000, D(3, 0, 0), s, 0);
        assert_kind(v, VERDICT_CLEAN);
        v = judge_scaled(VERDICT_CLASS_SINGLETON, 4000, D(-3, 0, 0), s, 0);
        assert_kind(v, VERDICT_CLEAN);
        v = judge_scaled(VERDICT_CLASS_SINGLETON, 4000, D(0, -1, 0), s, 0);
        assert_kind(v, VERDICT_CLEAN);
        v = judge_scaled(VERDICT_CLASS_SINGLETON, 4000, D(-8, 8, -1), s, 1);
        assert_kind(v, VERDICT_CLEAN);
    }
}
END_TEST

START_TEST(count_falling_every_round_is_clean)
{
    struct verdict v;

    v = judge(VERDICT_CLASS_COUNT, 5000, D(-5, -5, -6), 1, 1);
    assert_kind(v, VERDICT_CLEAN);
    ck_assert_ptr_nonnull(strstr(v.why, "trimmed"));
    ck_assert(isnan(v.zero_at));
    v = judge(VERDICT_CLASS_COUNT, 5000, D(0, -3, 0, -1, 0, -2, 0, -1), 1, 1);
    assert_kind(v, VERDICT_CLEAN);
}
END_TEST

START_TEST(over_release_predicts_zero)
{
    /* 1000 -> 700 in 150 iterations: -2 per iteration; 700 / 2 = 350
     * more iterations reach zero, 500 after the baseline. */
    static const double value[] = {1000, 900, 800, 700};
    static const double even[] = {0, 50, 50, 50};
    /* 100 -> 60 over 10 + 20 + 10 iterations: -1 per iteration. */
    static const double value2[] = {100, 90, 70, 60};
    static const double uneven[] = {0, 10, 20, 10};
    struct verdict_series s = {value, even, 4};
    struct verdict v;

    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_SINGLETON, &s, 0, &v), 0);
    assert_kind(v, VERDICT_OVER_RELEASE);
    ck_assert_double_eq_tol(v.per_iteration, -2, 1e-12);
    ck_assert_double_eq_tol(v.zero_at, 500, 1e-9);

    s.value = value2;
    s.iterations = uneven;
    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_SINGLETON, &s, 1, &v), 0);
    assert_kind(v, VERDICT_OVER_RELEASE);
    ck_assert_double_eq_tol(v.per_iteration, -1, 1e-12);
    ck_assert_double_eq_tol(v.slope, -1, 1e-12);
    ck_assert_double_eq_tol(v.zero_at, 100, 1e-9);

    /* lz4tools: None's refcount 3500 after warm-up, one reference stolen
     * per call, 1000 calls a round; after 3 rounds 500 are left, gone
     * 500 calls later. */
    v = judge(VERDICT_CLASS_SINGLETON, 3500, D(-1000, -1000, -1000), 1000,
              1);
    assert_kind(v, VERDICT_OVER_RELEASE);
    ck_assert_double_eq_tol(v.zero_at, 3500, 1e-9);
}
END_TEST

/* ---- counts: caches and slow leaks ----------------------------------- */

START_TEST(decelerating_cache_is_inconclusive_then_clean)
{
    for (size_t i = 0; i < N_SCALES; i++) {
        double s = scales[i];
        struct verdict v;

        v = judge_scaled(VERDICT_CLASS_COUNT, 5000, D(40, 20, 10, 5, 2), s,
                         0);
        assert_kind(v, VERDICT_INCONCLUSIVE);
        ck_assert_str_eq(v.why, "decelerating: looks like a cache warming up");
        v = judge_scaled(VERDICT_CLASS_COUNT, 5000, D(40, 20, 10, 5, 2), s,
                         1);
        assert_kind(v, VERDICT_SUSPECT);
        /* Flat for fewer rounds than it grew: not yet proven. */
        v = judge_scaled(VERDICT_CLASS_COUNT, 5000,
                         D(40, 20, 10, 5, 2, 0, 0, 0), s, 0);
        assert_kind(v, VERDICT_INCONCLUSIVE);
        /* Flat for as long as it grew: it was a cache. */
        v = judge_scaled(VERDICT_CLASS_COUNT, 5000,
                         D(40, 20, 10, 5, 2, 0, 0, 0, 0, 0), s, 1);
        assert_kind(v, VERDICT_CLEAN);
    }
}
END_TEST

START_TEST(interpreter_warm_up_is_not_an_over_release)
{
    struct verdict v;

    /* CPython 3.11 serving one HTTP request per iteration, 50 per round:
     * None's refcount drifts down while the interpreter warms up. */
    v = judge(VERDICT_CLASS_SINGLETON, 7409, D(-14, -11, -10, -3, -3), 50,
              0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    v = judge(VERDICT_CLASS_SINGLETON, 7409,
              D(-14, -11, -10, -3, -3, -2, -1, 0, -1, 0, 0, 0), 50, 1);
    assert_kind(v, VERDICT_CLEAN);
    ck_assert_str_eq(v.why, "settled after warm-up");
    /* lz4tools' bug at the same pace never slows down. */
    v = judge(VERDICT_CLASS_SINGLETON, 7409, D(-50, -50, -50, -50, -50), 50,
              0);
    assert_kind(v, VERDICT_OVER_RELEASE);
    /* Nor does it hide behind a warm-up; the rate is the steady one of
     * the tail, -50 a round of 50. */
    v = judge(VERDICT_CLASS_SINGLETON, 7409,
              D(-90, -70, -50, -50, -50, -50, -50, -50), 50, 1);
    assert_kind(v, VERDICT_OVER_RELEASE);
    ck_assert_double_eq_tol(v.per_iteration, -1, 1e-12);
    /* When the warm-up dominates the first half, the steady rate of the
     * second half is the one reported. */
    v = judge(VERDICT_CLASS_SINGLETON, 7409,
              D(-400, -200, -50, -50, -50, -50), 50, 1);
    assert_kind(v, VERDICT_OVER_RELEASE);
    ck_assert_double_eq_tol(v.per_iteration, -1, 1e-12);
    /* And again, with a residue that moves only in some rounds. */
    v = judge(VERDICT_CLASS_SINGLETON, 4879,
              D(-6, -9, -1, -4, -1, -1, -1, -1, 0, -1, -1, 0), 200, 1);
    assert_kind(v, VERDICT_CLEAN);
    /* CPython 3.10 under the same load: every round fell, but by wildly
     * different amounts; more rounds, and no verdict of a bug at the end
     * of five. */
    v = judge(VERDICT_CLASS_SINGLETON, 4879, D(-2, -1, -17, -12, -3), 200,
              0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    ck_assert_str_eq(v.why, "moved every round, but unevenly");
    v = judge(VERDICT_CLASS_SINGLETON, 4879, D(-2, -1, -17, -12, -3), 200,
              1);
    assert_kind(v, VERDICT_SUSPECT);
    /* A leak through an uncommon path spreads like a Poisson count and
     * is still a leak; so is a steady leak after a warm-up round. */
    v = judge(VERDICT_CLASS_COUNT, 5000, D(7, 10, 4, 9, 6), 200, 1);
    assert_kind(v, VERDICT_LEAK);
    /* Under one per twenty iterations, every allowed round is used
     * before a leak is called. */
    v = judge(VERDICT_CLASS_COUNT, 5000, D(7, 10, 4, 9, 6), 200, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    ck_assert_str_eq(v.why, "slow: needs more rounds to confirm");
    v = judge(VERDICT_CLASS_COUNT, 5000, D(100, 100, 100, 100, 100), 100, 0);
    assert_kind(v, VERDICT_LEAK);
    /* Slowing down at first: a warm-up, given rounds to settle, then the
     * steady tail decides. */
    v = judge(VERDICT_CLASS_COUNT, 5000, D(150, 120, 100, 100, 100), 100, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    v = judge(VERDICT_CLASS_COUNT, 5000, D(150, 120, 100, 100, 100), 100, 1);
    assert_kind(v, VERDICT_LEAK);
    /* Blocks of CPython 3.12 under the same load: a cache still filling
     * when the rounds run out is not a leak. */
    v = judge(VERDICT_CLASS_COUNT, 62004,
              D(129, 100, 87, 92, 78, 76, 52, 25, 14, 12, -3, 19), 50, 1);
    ck_assert_msg(v.kind != VERDICT_LEAK, "got leak (%s)", v.why);
}
END_TEST

START_TEST(warm_up_then_steady_growth_is_a_leak)
{
    struct verdict v;

    v = judge(VERDICT_CLASS_COUNT, 5000, D(100, 5, 5, 5), 1, 1);
    assert_kind(v, VERDICT_LEAK);
    /* The tail alternates 1, 2: steady, though the first half's mean is
     * hundreds of times the last half's. */
    v = judge(VERDICT_CLASS_COUNT, 5000, D(1000, 1, 2, 1, 2, 1), 1, 1);
    assert_kind(v, VERDICT_LEAK);
    v = judge(VERDICT_CLASS_COUNT, 5000, D(1000, 1, 2, 1, 2, 1, 1), 1, 1);
    assert_kind(v, VERDICT_LEAK);
}
END_TEST

START_TEST(slow_leak_over_12_rounds_is_a_leak)
{
    static const double every_third[] = {0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1};
    static const double every_third_down[] = {0,  0, -1, 0, 0, -1,
                                              0,  0, -1, 0, 0, -1};
    struct verdict v;

    v = judge(VERDICT_CLASS_COUNT, 5000, every_third, 12, 1, 1);
    assert_kind(v, VERDICT_LEAK);
    ck_assert_ptr_nonnull(strstr(v.why, "slow"));
    ck_assert_double_eq_tol(v.per_iteration, 4.0 / 12, 1e-12);
    /* The first six rounds alone cannot tell. */
    v = judge(VERDICT_CLASS_COUNT, 5000, every_third, 6, 1, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    v = judge(VERDICT_CLASS_COUNT, 5000, every_third, 6, 1, 1);
    assert_kind(v, VERDICT_SUSPECT);
    /* None losing one reference every third round will still crash. */
    v = judge(VERDICT_CLASS_SINGLETON, 5000, every_third_down, 12, 1, 1);
    assert_kind(v, VERDICT_OVER_RELEASE);
    ck_assert_double_eq_tol(v.zero_at, 12 + 4996 * 3, 1e-6);
    /* A plain count falling like that is a cache giving memory back. */
    v = judge(VERDICT_CLASS_COUNT, 5000, every_third_down, 12, 1, 1);
    assert_kind(v, VERDICT_CLEAN);
}
END_TEST

/* A native leak on one input in 200 (lz4 4.0.1 keeping a 64 KiB buffer
 * on each corrupt frame, 100 iterations a round; 3.8.18 and 3.13.0 as
 * recorded): heap_bytes moves by whole buffers, a little more while the
 * interpreter warms up.  Its twin moves by lumps of unrelated sizes. */
START_TEST(heap_leak_in_lumps_is_a_leak)
{
    static const double lumps_3818[] = {66128, 976, 66320, 608, 67424, 0,
                                        65552, 0, 65552, 0, 65552, 0};
    static const double lumps_3130[] = {68352, 3776, 68720, 2560, 67504, 0,
                                        65552, 0, 65552, 0, 65552, 0};
    static const double two_sizes[] = {65552, 0, 65552, 131104, 0, 0,
                                       65552, 0, 262208, 0, 65552, 0};
    static const double unrelated[] = {65552, 0, 24576, 0, 40960, 0,
                                       90112, 0, 20480, 0, 50000, 0};
    struct verdict v;

    v = judge(VERDICT_CLASS_HEAP_BYTES, 1529152, lumps_3818, 12, 100, 1);
    assert_kind(v, VERDICT_LEAK);
    ck_assert_ptr_nonnull(strstr(v.why, "slow leak"));
    v = judge(VERDICT_CLASS_HEAP_BYTES, 2261984, lumps_3130, 12, 100, 1);
    assert_kind(v, VERDICT_LEAK);
    /* one buffer or two or four at a time: still whole buffers */
    v = judge(VERDICT_CLASS_HEAP_BYTES, 2000000, two_sizes, 12, 100, 1);
    assert_kind(v, VERDICT_LEAK);
    /* moves of unrelated sizes are not code leaking one thing */
    v = judge(VERDICT_CLASS_HEAP_BYTES, 2000000, unrelated, 12, 100, 1);
    ck_assert_int_ne(v.kind, VERDICT_LEAK);
    /* counts keep their rule: moves of one size at even gaps */
    static const double count_lumps[] = {1, 0, 1, 2, 0, 0, 1, 0, 4, 0, 1, 0};
    v = judge(VERDICT_CLASS_COUNT, 5000, count_lumps, 12, 1, 1);
    ck_assert_int_ne(v.kind, VERDICT_LEAK);
}
END_TEST

/* heap_bytes of clean cells while the interpreter's caches fill (1.5 KiB
 * a round and less, 100 iterations a round, as recorded on 3.13.0): no
 * rounds bought, since no number of them makes that a leak.  A total
 * rising 3 KiB a round, under a step but over half the drift floor, still
 * asks for more. */
START_TEST(heap_warming_below_a_step_buys_no_rounds)
{
    static const double warming[] = {1568, 1056, 576, 960, 736};
    static const double slow[] = {3000, 3100, 2900, 3050, 3000};
    struct verdict v;

    v = judge(VERDICT_CLASS_HEAP_BYTES, 2000000, warming, 5, 100, 0);
    assert_kind(v, VERDICT_CLEAN);
    ck_assert_str_eq(v.why, "no round moved by a step");
    v = judge(VERDICT_CLASS_HEAP_BYTES, 2000000, slow, 5, 100, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
}
END_TEST

START_TEST(noise_without_trend_stays_clean)
{
    static const enum verdict_class cls[] = {VERDICT_CLASS_COUNT,
                                             VERDICT_CLASS_SINGLETON};

    for (size_t c = 0; c < 2; c++) {
        struct verdict v;

        v = judge(cls[c], 5000, D(0, 1, -1, 0, 1, -1, 0, 1, -1, 0, 1, -1), 1,
                  1);
        assert_kind(v, VERDICT_CLEAN);
        v = judge(cls[c], 5000, D(2, -2, 1, -1, 2, -2, 1, -1, 2, -2, 1, -1),
                  1, 1);
        assert_kind(v, VERDICT_CLEAN);
        v = judge(cls[c], 5000, D(0, 0, 0, 0), 1, 1);
        assert_kind(v, VERDICT_CLEAN);
        ck_assert_str_eq(v.why, "no change");
        /* A random walk that happens to end on new highs: it fell almost
         * as much as it rose, so it is no leak; but it rose three times
         * its noise with a trend (Mann-Kendall z 3.2) and made new highs
         * to the end, so it is not clean either. */
        v = judge(cls[c], 5000, D(-1, 1, -1, 1, 0, 1, -1, 1, 1, -1, 1, 1),
                  1, 1);
        assert_kind(v, VERDICT_SUSPECT);
    }
}
END_TEST

START_TEST(leak_with_occasional_dips_is_suspect)
{
    struct verdict v;

    v = judge(VERDICT_CLASS_COUNT, 5000, D(5, 5, -1, 5, 5, 5, 5, -2, 5, 5),
              1, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    v = judge(VERDICT_CLASS_COUNT, 5000, D(5, 5, -1, 5, 5, 5, 5, -2, 5, 5),
              1, 1);
    assert_kind(v, VERDICT_SUSPECT);
    v = judge(VERDICT_CLASS_SINGLETON, 5000,
              D(-5, -5, 1, -5, -5, -5, -5, 2, -5, -5), 1, 1);
    assert_kind(v, VERDICT_SUSPECT);
}
END_TEST

/* ---- RSS ------------------------------------------------------------- */

START_TEST(rss_growing_a_mib_a_round_leaks)
{
    struct verdict v;

    v = judge(VERDICT_CLASS_BYTES, 30 * MiB,
              D(MiB, MiB, MiB, MiB, MiB, MiB, MiB, MiB), 1000, 1);
    assert_kind(v, VERDICT_LEAK);
    ck_assert_double_eq_tol(v.per_iteration, MiB / 1000, 1e-9);
    ck_assert_double_eq_tol(v.slope, MiB / 1000, 1e-9);
    /* Roughly, with page-sized jitter. */
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB,
              D(MiB + 4096, MiB - 8192, MiB, MiB + 12288, MiB - 4096), 1000,
              1);
    assert_kind(v, VERDICT_LEAK);
}
END_TEST

START_TEST(rss_growing_a_page_a_round_is_noise)
{
    double delta[100];
    struct verdict v;

    for (size_t i = 0; i < 100; i++) {
        delta[i] = 4096;
    }
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB, delta, 12, 1000, 1);
    assert_kind(v, VERDICT_CLEAN);
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB, delta, 100, 1000, 1);
    assert_kind(v, VERDICT_CLEAN);
    ck_assert_str_eq(v.why, "slope below the RSS floor (64 KiB a round)");
}
END_TEST

START_TEST(noisy_rss_never_leaks)
{
    for (uint64_t seed = 0; seed < 1000; seed++) {
        uint64_t state = seed;
        double delta[12];
        double level = 30 * MiB;
        double prev = level;
        struct verdict v;

        /* A few pages either side of a constant. */
        for (size_t i = 0; i < 12; i++) {
            double now = level + 4096 * lcg_span(&state, 4);

            delta[i] = now - prev;
            prev = now;
        }
        v = judge(VERDICT_CLASS_BYTES, level, delta, 12, 1000, 1);
        ck_assert_msg(v.kind == VERDICT_CLEAN, "seed %u: %s (%s)",
                      (unsigned)seed, verdict_kind_name(v.kind), v.why);
    }
}
END_TEST

START_TEST(rss_arena_noise_never_leaks_over_20_rounds)
{
    for (uint64_t seed = 0; seed < 1000; seed++) {
        uint64_t state = seed * 7919 + 1;
        double delta[20];
        double level = 30 * MiB;
        double prev = level;
        struct verdict v;

        /* Half a 1 MiB arena either side, in pages. */
        for (size_t i = 0; i < 20; i++) {
            double now = level + 4096 * lcg_span(&state, 128);

            delta[i] = now - prev;
            prev = now;
        }
        v = judge(VERDICT_CLASS_BYTES, level, delta, 20, 1000, 1);
        ck_assert_msg(v.kind != VERDICT_LEAK, "seed %u: %s (%s)",
                      (unsigned)seed, verdict_kind_name(v.kind), v.why);
    }
}
END_TEST

/* +a, +a, -b repeating, starting at `phase`, for k rounds. */
static struct verdict
judge_sawtooth(double a, double b, size_t phase, size_t k)
{
    double teeth[3] = {a, a, -b};
    double delta[MAX_READINGS];

    for (size_t i = 0; i < k; i++) {
        delta[i] = teeth[(i + phase) % 3];
    }
    return judge(VERDICT_CLASS_BYTES, 30 * MiB, delta, k, 1000, 1);
}

START_TEST(rss_sawtooth_without_trend_is_clean)
{
    for (size_t phase = 0; phase < 3; phase++) {
        for (size_t k = 8; k <= 24; k++) {
            struct verdict v = judge_sawtooth(MiB, 2 * MiB, phase, k);

            ck_assert_msg(v.kind == VERDICT_CLEAN, "phase %zu, %zu rounds: "
                          "%s (%s)", phase, k, verdict_kind_name(v.kind),
                          v.why);
        }
    }
}
END_TEST

START_TEST(rss_sawtooth_with_trend_leaks)
{
    for (size_t phase = 0; phase < 3; phase++) {
        for (size_t k = 8; k <= 24; k++) {
            struct verdict v = judge_sawtooth(1.5 * MiB, 2 * MiB, phase, k);

            ck_assert_msg(v.kind == VERDICT_LEAK, "phase %zu, %zu rounds: "
                          "%s (%s)", phase, k, verdict_kind_name(v.kind),
                          v.why);
        }
    }
}
END_TEST

START_TEST(rss_falling_or_jumping_once_is_clean)
{
    struct verdict v;

    /* malloc_trim or an arena given back. */
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB,
              D(-MiB, -4096, 0, -MiB, 0, 4096, -8192, 0), 1000, 1);
    assert_kind(v, VERDICT_CLEAN);
    /* One arena arriving for good, early or late, with page jitter. */
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB,
              D(0, 0, 0, MiB, 0, 0, 0, 0, 0, 0), 1000, 1);
    assert_kind(v, VERDICT_CLEAN);
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB,
              D(4096, 0, -4096, 0, 8192, 0, MiB, 4096, 0, -4096), 1000, 1);
    assert_kind(v, VERDICT_CLEAN);
    ck_assert_str_eq(v.why, "a single jump: an arena, not a trend");
}
END_TEST

START_TEST(rss_short_runs_need_a_trend)
{
    struct verdict v;

    /* Two readings rising are no trend yet; three are. */
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB, D(MiB, MiB), 1000, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB, D(MiB, MiB), 1000, 1);
    assert_kind(v, VERDICT_SUSPECT);
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB, D(MiB, MiB, MiB), 1000, 1);
    assert_kind(v, VERDICT_LEAK);
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB, D(-MiB, 4096), 1000, 1);
    assert_kind(v, VERDICT_CLEAN);
    /* Up, down, up: passes every other test, but three noisy readings are
     * not a trend until more rounds agree. */
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB,
              D(600 * KiB, -200 * KiB, 600 * KiB), 1000, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    /* Five such rounds grew under three noise amplitudes: confirmed over
     * more rounds, and a leak when they agree. */
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB,
              D(600 * KiB, -200 * KiB, 600 * KiB, 500 * KiB, 400 * KiB),
              1000, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB,
              D(600 * KiB, -200 * KiB, 600 * KiB, 500 * KiB, 400 * KiB,
                500 * KiB, 450 * KiB),
              1000, 0);
    assert_kind(v, VERDICT_LEAK);
}
END_TEST

/* A native buffer of random size up to 4 MiB, one held at a time
 * (campaign, 3.11.7 seed 4 and 3.6.15, 1000 iterations a round): RSS moves
 * by MiBs and rose for the five planned rounds from a trough at the end
 * of the warm-up.  Bounded: more rounds, never a leak at round five. */
START_TEST(rss_bounded_buffer_noise_is_not_a_leak_at_five_rounds)
{
    static const double seed4[] = {18411520, 17096704, 20234240, 23605248,
                                   23687168, 23101440};
    static const double py36[] = {12.0, 15.0, 18.2, 18.3, 17.7, 17.2, 18.9,
                                  19.2, 20.6};
    struct readings r;
    struct verdict v;

    readings_init(&r, seed4[0], (const double[]){0}, 0, 1000);
    for (size_t i = 0; i < 6; i++) {
        r.value[i] = seed4[i];
        r.iterations[i] = i ? 1000 : 0;
    }
    r.series.count = 6;
    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_BYTES, &r.series, 0, &v), 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    for (size_t i = 0; i < 9; i++) {
        r.value[i] = py36[i] * MiB;
        r.iterations[i] = i ? 1000 : 0;
    }
    r.series.count = 9;
    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_BYTES, &r.series, 0, &v), 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
}
END_TEST

START_TEST(rss_growth_below_one_percent_of_a_big_process_is_not_a_leak)
{
    struct verdict v;

    /* 100 KiB a round on 1 GiB: 1.2 MiB in 12 rounds is under 1%. */
    v = judge(VERDICT_CLASS_BYTES, 1024 * MiB,
              D(100 * KiB, 100 * KiB, 100 * KiB, 100 * KiB, 100 * KiB,
                100 * KiB, 100 * KiB, 100 * KiB, 100 * KiB, 100 * KiB,
                100 * KiB, 100 * KiB), 1000, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    /* The same on 30 MiB is a leak. */
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB,
              D(100 * KiB, 100 * KiB, 100 * KiB, 100 * KiB, 100 * KiB,
                100 * KiB, 100 * KiB, 100 * KiB, 100 * KiB, 100 * KiB,
                100 * KiB, 100 * KiB), 1000, 0);
    assert_kind(v, VERDICT_LEAK);
}
END_TEST

/* ---- threads and fds ------------------------------------------------- */

START_TEST(resource_persistent_growth_leaks)
{
    struct verdict v;

    v = judge(VERDICT_CLASS_RESOURCE, 3, D(1, 1, 1, 1), 1, 1);
    assert_kind(v, VERDICT_LEAK);
    /* A leaking thread per round plus a transient worker on top. */
    v = judge(VERDICT_CLASS_RESOURCE, 3, D(1, 1, -1, 1, 1, -1, 1, 1), 1, 1);
    assert_kind(v, VERDICT_LEAK);
    /* A transient early on does not hide a leak that starts later. */
    v = judge(VERDICT_CLASS_RESOURCE, 3, D(1, -1, 1, 1, 1, 1), 1, 1);
    assert_kind(v, VERDICT_LEAK);
}
END_TEST

START_TEST(resource_transient_worker_is_clean)
{
    struct verdict v;

    v = judge(VERDICT_CLASS_RESOURCE, 3, D(1, -1, 1, -1, 1), 1, 1);
    assert_kind(v, VERDICT_CLEAN);
    v = judge(VERDICT_CLASS_RESOURCE, 3, D(1, -1, 0, 0), 1, 1);
    assert_kind(v, VERDICT_CLEAN);
    v = judge(VERDICT_CLASS_RESOURCE, 3, D(2, -1, 1, -2, 1), 1, 1);
    assert_kind(v, VERDICT_CLEAN);
    v = judge(VERDICT_CLASS_RESOURCE, 3, D(-1, 0, 0), 1, 1);
    assert_kind(v, VERDICT_CLEAN);
}
END_TEST

START_TEST(resource_single_step_is_suspect)
{
    struct verdict v;

    v = judge(VERDICT_CLASS_RESOURCE, 3, D(1, 0, 0, 0, 0), 1, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    v = judge(VERDICT_CLASS_RESOURCE, 3, D(1, 0, 0, 0, 0), 1, 1);
    assert_kind(v, VERDICT_SUSPECT);
    /* Up and down, but never back to the baseline nor higher. */
    v = judge(VERDICT_CLASS_RESOURCE, 3, D(2, -1, 1, -1, 1, -1), 1, 1);
    assert_kind(v, VERDICT_SUSPECT);
    /* Two steps in six rounds: less than every other round. */
    v = judge(VERDICT_CLASS_RESOURCE, 3, D(1, 0, 0, 1, 0, 0), 1, 1);
    assert_kind(v, VERDICT_SUSPECT);
}
END_TEST

/* ---- edges ----------------------------------------------------------- */

START_TEST(nan_reading_is_na)
{
    for (size_t at = 0; at < 5; at++) {
        double value[] = {10, 11, 12, 13, 14};
        double iterations[] = {0, 1, 1, 1, 1};
        struct verdict_series s = {value, iterations, 5};
        struct verdict v;

        value[at] = at == 2 ? INFINITY : NAN;
        for (int cls = VERDICT_CLASS_COUNT; cls <= VERDICT_CLASS_RESOURCE;
             cls++) {
            ck_assert_int_eq(verdict_judge(cls, &s, 1, &v), 0);
            assert_kind(v, VERDICT_NA);
            ck_assert_str_eq(v.why, "n/a");
            ck_assert_int_eq(v.rule, VERDICT_RULE_NA);
        }
    }
}
END_TEST

START_TEST(count_zero_one_two)
{
    static const double value[] = {10, 11, 12};
    static const double iterations[] = {0, 1, 1};
    struct verdict_series s = {value, iterations, 0};
    struct verdict v;

    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, &s, 1, &v), -1);
    assert_kind(v, VERDICT_NA);

    s.count = 1;
    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, &s, 0, &v), 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    ck_assert(isnan(v.per_iteration));
    ck_assert_uint_eq(v.rounds, 0);
    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, &s, 1, &v), 0);
    assert_kind(v, VERDICT_SUSPECT);

    s.count = 2;
    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, &s, 0, &v), 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    ck_assert_str_eq(v.why, "too few rounds");
    ck_assert_double_eq_tol(v.per_iteration, 1, 1e-12);

    s.count = 3;
    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, &s, 1, &v), 0);
    assert_kind(v, VERDICT_LEAK);
}
END_TEST

START_TEST(invalid_input_is_rejected)
{
    double value[] = {10, 11, 12, 13};
    double iterations[] = {NAN, 1, 1, 1};   /* iterations[0] is not read */
    struct verdict_series s = {value, iterations, 4};
    struct verdict v;

    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, &s, 1, &v), 0);
    assert_kind(v, VERDICT_LEAK);

    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, NULL, 1, &v), -1);
    assert_kind(v, VERDICT_NA);
    ck_assert_int_eq(v.rule, VERDICT_RULE_INVALID);
    ck_assert_str_eq(v.why, "invalid input");
    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, &s, 1, NULL), -1);
    ck_assert_int_eq(verdict_judge((enum verdict_class)42, &s, 1, &v), -1);
    assert_kind(v, VERDICT_NA);

    s.value = NULL;
    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, &s, 1, &v), -1);
    s.value = value;
    s.iterations = NULL;
    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, &s, 1, &v), -1);
    s.iterations = iterations;

    static const double bad[] = {0, -1, NAN, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        iterations[2] = bad[i];
        v.kind = VERDICT_LEAK;
        ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, &s, 1, &v), -1);
        assert_kind(v, VERDICT_NA);
    }
}
END_TEST

START_TEST(huge_values)
{
    struct verdict v;

    /* Counts stay exact up to 2^53: one a round at 1e15 is still seen. */
    v = judge(VERDICT_CLASS_COUNT, 1e15, D(1, 1, 1), 1, 1);
    assert_kind(v, VERDICT_LEAK);
    ck_assert_double_eq(v.per_iteration, 1);
    v = judge(VERDICT_CLASS_COUNT, 1e15, D(0, 1, 0), 1, 1);
    assert_kind(v, VERDICT_CLEAN);
    v = judge(VERDICT_CLASS_SINGLETON, 1e15, D(-1, -1, -1), 1, 1);
    assert_kind(v, VERDICT_OVER_RELEASE);
    ck_assert_double_eq_tol(v.zero_at, 1e15, 1);
    /* RSS: 1 GiB a round is under 1% of 1e15 bytes; 1e14 is not. */
    v = judge(VERDICT_CLASS_BYTES, 1e15, D(1e9, 1e9, 1e9, 1e9, 1e9), 1e6, 1);
    assert_kind(v, VERDICT_SUSPECT);
    v = judge(VERDICT_CLASS_BYTES, 1e15, D(1e14, 1e14, 1e14, 1e14), 1e9, 1);
    assert_kind(v, VERDICT_LEAK);
    ck_assert_double_eq_tol(v.per_iteration, 1e5, 1e-6);
}
END_TEST

START_TEST(uneven_rounds_give_rates_per_iteration)
{
    /* One object per iteration, rounds of 1000, 2000 and 500. */
    static const double value[] = {100, 1100, 3100, 3600};
    static const double iterations[] = {0, 1000, 2000, 500};
    struct verdict_series s = {value, iterations, 4};
    struct verdict v;

    ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, &s, 1, &v), 0);
    assert_kind(v, VERDICT_LEAK);
    ck_assert_double_eq_tol(v.per_iteration, 1, 1e-12);
    ck_assert_double_eq_tol(v.slope, 1, 1e-12);
    ck_assert_double_eq_tol(v.growth, 3500, 1e-9);
}
END_TEST

static int
compare_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

START_TEST(slope_is_the_median_of_pairwise_slopes)
{
    for (uint64_t seed = 0; seed < 200; seed++) {
        uint64_t state = seed;
        size_t n = 2 + seed % 19;
        double value[21];
        double iterations[21];
        double slopes[210];
        size_t m = 0;
        struct verdict_series s = {value, iterations, n};
        struct verdict v;
        double want;

        for (size_t i = 0; i < n; i++) {
            /* Few distinct values, so ties are common. */
            value[i] = lcg_span(&state, 3) + (seed % 3 == 0 ? (double)i : 0);
            iterations[i] = 1 + lcg_next(&state) % 3;
        }
        for (size_t i = 0; i < n; i++) {
            double span = 0;

            for (size_t j = i + 1; j < n; j++) {
                span += iterations[j];
                slopes[m++] = (value[j] - value[i]) / span;
            }
        }
        qsort(slopes, m, sizeof(slopes[0]), compare_double);
        want = m % 2 ? slopes[m / 2]
                     : (slopes[m / 2 - 1] + slopes[m / 2]) / 2;
        ck_assert_int_eq(verdict_judge(VERDICT_CLASS_COUNT, &s, 0, &v), 0);
        ck_assert_msg(v.slope == want, "seed %u: slope %g, want %g",
                      (unsigned)seed, v.slope, want);
    }
}
END_TEST

/* ---- the cell -------------------------------------------------------- */

/* The order the runner uses: refs_total, blocks, None, gc_objects, rss,
 * threads, fds, a scenario gauge. */
enum { REFS, BLOCKS, NONE, GC, RSS, THREADS, FDS, GAUGE, N_METRICS };
static const int rank_of[N_METRICS] = {0, 1, 2, 3, 4, 5, 6, 7};

static struct verdict_cell
combine(const enum verdict_kind *kind)
{
    struct verdict v[N_METRICS];
    struct verdict_cell cell;

    memset(v, 0, sizeof(v));
    for (size_t i = 0; i < N_METRICS; i++) {
        v[i].kind = kind[i];
    }
    ck_assert_int_eq(verdict_combine(v, rank_of, N_METRICS, &cell), 0);
    return cell;
}

#define C VERDICT_CLEAN
#define L VERDICT_LEAK
#define O VERDICT_OVER_RELEASE
#define S VERDICT_SUSPECT
#define I VERDICT_INCONCLUSIVE
#define N VERDICT_NA

START_TEST(cell_status_and_lead)
{
    struct verdict_cell cell;

    cell = combine((const enum verdict_kind[]){C, C, C, C, C, C, C, C});
    ck_assert_int_eq(cell.status, VERDICT_STATUS_CLEAN);
    ck_assert_uint_eq(cell.lead, REFS);
    /* Release build: no refs_total. */
    cell = combine((const enum verdict_kind[]){N, C, C, C, C, C, C, C});
    ck_assert_int_eq(cell.status, VERDICT_STATUS_CLEAN);
    ck_assert_uint_eq(cell.lead, BLOCKS);
    cell = combine((const enum verdict_kind[]){N, L, C, L, L, C, C, L});
    ck_assert_int_eq(cell.status, VERDICT_STATUS_LEAK);
    ck_assert_uint_eq(cell.lead, BLOCKS);
    cell = combine((const enum verdict_kind[]){C, C, C, C, L, L, C, L});
    ck_assert_int_eq(cell.status, VERDICT_STATUS_LEAK);
    ck_assert_uint_eq(cell.lead, RSS);
    cell = combine((const enum verdict_kind[]){C, C, C, C, C, C, L, L});
    ck_assert_uint_eq(cell.lead, FDS);
    /* Over-release beats a leak of higher rank. */
    cell = combine((const enum verdict_kind[]){L, L, O, C, L, C, C, C});
    ck_assert_int_eq(cell.status, VERDICT_STATUS_OVER_RELEASE);
    ck_assert_uint_eq(cell.lead, NONE);
    /* A leak beats a suspect; a suspect beats clean. */
    cell = combine((const enum verdict_kind[]){S, C, C, C, L, C, C, C});
    ck_assert_int_eq(cell.status, VERDICT_STATUS_LEAK);
    ck_assert_uint_eq(cell.lead, RSS);
    cell = combine((const enum verdict_kind[]){C, C, C, C, S, C, I, C});
    ck_assert_int_eq(cell.status, VERDICT_STATUS_SUSPECT);
    ck_assert_uint_eq(cell.lead, RSS);
    /* Nothing measured. */
    cell = combine((const enum verdict_kind[]){N, N, N, N, N, N, N, N});
    ck_assert_int_eq(cell.status, VERDICT_STATUS_ERROR);
    ck_assert_uint_eq(cell.lead, VERDICT_NO_LEAD);
}
END_TEST

#undef C
#undef L
#undef O
#undef S
#undef I
#undef N

START_TEST(cell_rank_is_the_callers)
{
    struct verdict v[3];
    struct verdict_cell cell;
    static const int reversed[] = {2, 1, 0};
    static const int tied[] = {5, 5, 5};

    memset(v, 0, sizeof(v));
    v[0].kind = v[1].kind = v[2].kind = VERDICT_LEAK;
    ck_assert_int_eq(verdict_combine(v, NULL, 3, &cell), 0);
    ck_assert_uint_eq(cell.lead, 0);
    ck_assert_int_eq(verdict_combine(v, reversed, 3, &cell), 0);
    ck_assert_uint_eq(cell.lead, 2);
    ck_assert_int_eq(verdict_combine(v, tied, 3, &cell), 0);
    ck_assert_uint_eq(cell.lead, 0);

    ck_assert_int_eq(verdict_combine(v, NULL, 0, &cell), -1);
    ck_assert_int_eq(cell.status, VERDICT_STATUS_ERROR);
    ck_assert_int_eq(verdict_combine(NULL, NULL, 3, &cell), -1);
    ck_assert_int_eq(verdict_combine(v, NULL, 3, NULL), -1);
}
END_TEST

START_TEST(names)
{
    ck_assert_str_eq(verdict_kind_name(VERDICT_NA), "n/a");
    ck_assert_str_eq(verdict_kind_name(VERDICT_CLEAN), "clean");
    ck_assert_str_eq(verdict_kind_name(VERDICT_LEAK), "leak");
    ck_assert_str_eq(verdict_kind_name(VERDICT_OVER_RELEASE),
                     "over-release");
    ck_assert_str_eq(verdict_kind_name(VERDICT_INCONCLUSIVE),
                     "inconclusive");
    ck_assert_str_eq(verdict_kind_name(VERDICT_SUSPECT), "suspect");
    ck_assert_str_eq(verdict_kind_name((enum verdict_kind)99), "?");

    ck_assert_str_eq(verdict_status_name(VERDICT_STATUS_CLEAN), "clean");
    ck_assert_str_eq(verdict_status_name(VERDICT_STATUS_LEAK), "leak");
    ck_assert_str_eq(verdict_status_name(VERDICT_STATUS_OVER_RELEASE),
                     "over-release");
    ck_assert_str_eq(verdict_status_name(VERDICT_STATUS_SUSPECT), "suspect");
    ck_assert_str_eq(verdict_status_name(VERDICT_STATUS_CRASH), "crash");
    ck_assert_str_eq(verdict_status_name(VERDICT_STATUS_TIMEOUT), "timeout");
    ck_assert_str_eq(verdict_status_name(VERDICT_STATUS_ERROR), "error");
    ck_assert_str_eq(verdict_status_name(VERDICT_STATUS_SKIPPED), "skipped");
    ck_assert_str_eq(verdict_status_name((enum verdict_status)99), "?");
}
END_TEST

/* Rule names are keys: each rule has its own, and they do not change. */
START_TEST(rule_names)
{
    for (int i = 0; i < VERDICT_RULE_COUNT; i++) {
        const char *name = verdict_rule_name((enum verdict_rule)i);

        ck_assert_str_ne(name, "?");
        for (int j = 0; j < i; j++) {
            ck_assert_str_ne(name, verdict_rule_name((enum verdict_rule)j));
        }
    }
    ck_assert_str_eq(verdict_rule_name(VERDICT_RULE_INVALID), "invalid");
    ck_assert_str_eq(verdict_rule_name(VERDICT_RULE_EVERY_ROUND),
                     "every-round");
    ck_assert_str_eq(verdict_rule_name(VERDICT_RULE_LATE_RISE), "late-rise");
    ck_assert_str_eq(verdict_rule_name(VERDICT_RULE_COUNT), "?");
    ck_assert_str_eq(verdict_rule_name((enum verdict_rule)-1), "?");
}
END_TEST

/* ---- figures --------------------------------------------------------- */

struct figure_case {
    double rate;
    const char *unit;
    const char *want;
};

static const struct figure_case rate_cases[] = {
    {26, "blocks", "+26 blocks/it"},
    {2764.8, "bytes", "+2.7 KiB/it"},
    {-1, "refs", "-1.0 refs/it"},
    {0.013, "refs", "+0.013 refs/it"},
    {1.0 / 75, "refs", "+0.0133 refs/it"},
    {0, "refs", "0 refs/it"},
    {NAN, "refs", "n/a"},
    {9.96, "refs", "+10 refs/it"},
    {999.4, "blocks", "+999 blocks/it"},
    {999.6, "blocks", "+1.0k blocks/it"},
    {1234, "blocks", "+1.2k blocks/it"},
    {-56789, "objects", "-57k objects/it"},
    {1e15, "refs", "+1.0P refs/it"},
    {INFINITY, "refs", "+inf refs/it"},
    {0.5, "bytes", "+0.5 B/it"},
    {512, "bytes", "+512 B/it"},
    {1000, "bytes", "+1000 B/it"},
    {1023.6, "bytes", "+1.0 KiB/it"},
    {-4096, "bytes", "-4.0 KiB/it"},
    {3 * MiB, "bytes", "+3.0 MiB/it"},
    {5.5 * 1024 * MiB, "bytes", "+5.5 GiB/it"},
    {26, NULL, "+26/it"},
    {26, "", "+26/it"},
};

static const struct figure_case projection_cases[] = {
    {26, "blocks", "+26.0M blocks per 1M it"},
    {2764.8, "bytes", "+2.6 GiB per 1M it"},
    {-1, "refs", "-1.0M refs per 1M it"},
    {0.013, "refs", "+13.0k refs per 1M it"},
    {1e-8, "refs", "+0.01 refs per 1M it"},
    {0, "refs", "0 refs per 1M it"},
    {NAN, "refs", "n/a"},
    {4096, "bytes", "+3.8 GiB per 1M it"},
    {1e-6, "bytes", "+1.0 B per 1M it"},
    {0.99996e-3, "blocks", "+1.0k blocks per 1M it"},
    {2 * MiB, "bytes", "+1.9 TiB per 1M it"},
    {26, NULL, "+26.0M per 1M it"},
};

START_TEST(rate_figures)
{
    for (size_t i = 0; i < sizeof(rate_cases) / sizeof(rate_cases[0]); i++) {
        const struct figure_case *c = &rate_cases[i];
        char buf[VERDICT_FIGURE_SIZE];

        ck_assert_int_eq(verdict_format_rate(buf, sizeof(buf), c->rate,
                                             c->unit), 0);
        ck_assert_str_eq(buf, c->want);
    }
}
END_TEST

START_TEST(projection_figures)
{
    for (size_t i = 0;
         i < sizeof(projection_cases) / sizeof(projection_cases[0]); i++) {
        const struct figure_case *c = &projection_cases[i];
        char buf[VERDICT_FIGURE_SIZE];

        ck_assert_int_eq(verdict_format_projection(buf, sizeof(buf), c->rate,
                                                   c->unit), 0);
        ck_assert_str_eq(buf, c->want);
    }
}
END_TEST

START_TEST(figures_fail_cleanly_on_small_buffers)
{
    char buf[VERDICT_FIGURE_SIZE];

    ck_assert_int_eq(verdict_format_rate(buf, 5, 26, "blocks"), -1);
    ck_assert_str_eq(buf, "+26 ");
    ck_assert_int_eq(verdict_format_rate(buf, 14, 26, "blocks"), 0);
    ck_assert_str_eq(buf, "+26 blocks/it");
    ck_assert_int_eq(verdict_format_rate(buf, 13, 26, "blocks"), -1);
    ck_assert_int_eq(verdict_format_projection(buf, 3, 1, "refs"), -1);
    ck_assert_str_eq(buf, "+1");
    ck_assert_int_eq(verdict_format_rate(NULL, 10, 26, "blocks"), -1);
    buf[0] = 'x';
    ck_assert_int_eq(verdict_format_rate(buf, 0, 26, "blocks"), -1);
    ck_assert_int_eq(buf[0], 'x');
    /* The longest figure with a 32-byte unit fits the advertised size. */
    ck_assert_int_eq(verdict_format_projection(
                         buf, sizeof(buf), -1e300,
                         "abcdefghijklmnopqrstuvwxyz012345"), 0);
    ck_assert_int_eq(verdict_format_rate(
                         buf, sizeof(buf), -INFINITY,
                         "abcdefghijklmnopqrstuvwxyz012345"), 0);
}
END_TEST

/* ---- issue 9: the judgements made with too little evidence ---------- */

START_TEST(issue9_late_rss_onset_is_a_leak)
{
    /* 3.11.7, 1 KiB malloc'ed per iteration, 100 a round: the free heap
     * absorbs the first rounds (KiB, as leakmatrix read them). */
    static const double kib[] = {15404, 15404, 15404, 15404, 15404, 15492,
                                 15588, 15696, 15792, 15892, 15996, 16100,
                                 16200};
    double delta[12];
    struct verdict v;

    for (size_t i = 0; i < 12; i++) {
        delta[i] = (kib[i + 1] - kib[i]) * KiB;
    }
    /* After the planned five rounds it has just begun: more rounds. */
    v = judge(VERDICT_CLASS_BYTES, kib[0] * KiB, delta, 5, 100, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    for (size_t k = 6; k < 12; k++) {
        v = judge(VERDICT_CLASS_BYTES, kib[0] * KiB, delta, k, 100, 0);
        ck_assert_msg(v.kind != VERDICT_CLEAN, "%zu rounds: clean (%s)", k,
                      v.why);
    }
    v = judge(VERDICT_CLASS_BYTES, kib[0] * KiB, delta, 12, 100, 1);
    assert_kind(v, VERDICT_LEAK);
    /* At the climb's rate, ~1 KiB/it, not diluted by the flat rounds. */
    ck_assert_msg(fabs(v.per_iteration - (16200 - 15404) * KiB / 800) < 1,
                  "%g B/it", v.per_iteration);
}
END_TEST

START_TEST(issue9_slow_leak_under_noise_gets_more_rounds)
{
    struct verdict v;

    /* A fit of +0.05/it, truly +0.1/it: not clean after five rounds. */
    v = judge(VERDICT_CLASS_COUNT, 50000, D(61, 42, 56, -6, -37), 1000, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    /* And at +0.1/it with the same noise over 12 rounds: not clean. */
    v = judge(VERDICT_CLASS_COUNT, 50000,
              D(61, 42, 56, -6, -37, 160, 90, 150, 20, 180, 60, 130), 1000,
              1);
    ck_assert_msg(v.kind == VERDICT_SUSPECT || v.kind == VERDICT_LEAK,
                  "got %s (%s)", verdict_kind_name(v.kind), v.why);
}
END_TEST

START_TEST(issue9_bounded_cache_is_not_a_leak)
{
    struct verdict v;

    /* Each delta about 0.8 of the one before: a cache filling. */
    v = judge(VERDICT_CLASS_COUNT, 50000, D(327, 234, 174, 141, 138, 96),
              1000, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    ck_assert_str_eq(v.why, "decelerating: looks like a cache warming up");
    v = judge(VERDICT_CLASS_COUNT, 50000,
              D(327, 234, 174, 141, 138, 96, 80, 62, 50, 41, 31, 26), 1000,
              1);
    ck_assert_msg(v.kind != VERDICT_LEAK, "got leak (%s)", v.why);
}
END_TEST

/* Leaks that begin late on a quiet count (a campaign's scenarios on
 * 3.13.0 and 3.11.7, blocks and gc objects, 100 iterations a round): flat
 * with a wobble of 1 or 2, then the same climb every round.  The wobble
 * decided between leak and suspect before; a dip of 2 in the first half
 * sent the series down the warm-up path ("slowing": a fall of 2, then a
 * climb of 600).  Now each is a leak, at the climb's rate. */
START_TEST(late_onset_on_a_quiet_count_is_a_leak)
{
    static const struct {
        const double delta[12];
        double rate;
    } cases[] = {
        {{0, 1, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300}, 3.0},
        {{2, 1, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300}, 3.0},
        {{-2, 0, 0, 100, 100, 100, 100, 100, 100, 100, 100, 100}, 1.0},
        {{-2, 0, 0, 0, 0, 0, 100, 100, 100, 100, 100, 100}, 1.0},
        {{0, 0, 0, 0, 0, 0, 0, 7, 6, 7, 7, 6}, 0.066},
    };
    struct verdict v;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        v = judge(VERDICT_CLASS_COUNT, 34170, cases[i].delta, 12, 100, 1);
        ck_assert_msg(v.kind == VERDICT_LEAK, "case %zu: %s (%s)", i,
                      verdict_kind_name(v.kind), v.why);
        ck_assert_msg(fabs(v.per_iteration - cases[i].rate)
                      < 0.01 * cases[i].rate + 0.001,
                      "case %zu: %g/it, not the climb's %g", i,
                      v.per_iteration, cases[i].rate);
    }
}
END_TEST

/* What the late-onset rule must leave alone: a climb slower than the drift
 * floor (the threading server's warm-up rises for rounds on end at
 * +0.045 a request), one that slows like a cache, one no faster than the
 * rounds before it, and a singleton's run of moves one way (a walk). */
START_TEST(late_onset_rule_leaves_drift_caches_and_walks)
{
    struct verdict v;

    v = judge(VERDICT_CLASS_COUNT, 70000,
              D(3, -2, 1, 0, -1, 2, 0, 4, 5, 4, 4, 5), 100, 1);
    ck_assert_msg(v.kind != VERDICT_LEAK, "drift: leak (%s)", v.why);
    v = judge(VERDICT_CLASS_COUNT, 70000,
              D(0, 0, 0, 0, 0, 0, 400, 200, 100, 50, 25, 12), 100, 1);
    ck_assert_msg(v.kind != VERDICT_LEAK, "cache: leak (%s)", v.why);
    v = judge(VERDICT_CLASS_COUNT, 70000,
              D(60, -55, 70, -40, 50, -45, 20, 22, 18, 21, 19, 20), 100, 1);
    ck_assert_msg(v.kind != VERDICT_LEAK, "noisy first half: leak (%s)",
                  v.why);
    v = judge(VERDICT_CLASS_SINGLETON, 5000,
              D(1, -1, 0, -1, 1, 0, 0, 1, 1, 1, 1, 1), 100, 1);
    ck_assert_msg(v.kind != VERDICT_LEAK, "walk: leak (%s)", v.why);
}
END_TEST

/* A count leak that began after six flat rounds under noise of about 40
 * (the simulator's `count onset 6`, seed 3): the whole-series trend is
 * diluted, a hinge fit from round 6 on is not.  Its twin has the same
 * first six rounds and then more noise, no leak. */
START_TEST(late_rise_under_noise)
{
    char buf[VERDICT_EXPLAIN_SIZE];
    struct verdict v;

    v = judge(VERDICT_CLASS_COUNT, 50000,
              D(1, -42, 54, -37, 9, 20, 15, 4, 17, 37, 35, 33), 100, 1);
    assert_kind(v, VERDICT_SUSPECT);
    ck_assert_str_eq(v.why, "a late rise under noise");
    ck_assert_int_eq(v.rule, VERDICT_RULE_LATE_RISE);
    ck_assert_uint_eq(v.late_from, 6);
    ck_assert(v.late_z >= 4);
    ck_assert_int_eq(verdict_explain(buf, sizeof(buf), &v, "blocks"), 0);
    ck_assert_msg(strstr(buf, "since round 6: hinge z 10.8") != NULL, "%s",
                  buf);
    /* Before the last round its first rise already buys rounds. */
    v = judge(VERDICT_CLASS_COUNT, 50000,
              D(1, -42, 54, -37, 9, 20, 15, 4), 100, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    v = judge(VERDICT_CLASS_COUNT, 50000,
              D(1, -42, 54, -37, 9, 20, -15, 14, -13, 17, -5, 3), 100, 1);
    assert_kind(v, VERDICT_CLEAN);
}
END_TEST

START_TEST(clean_states_what_it_would_have_seen)
{
    char buf[VERDICT_EXPLAIN_SIZE];
    struct verdict v;

    /* No noise: one block a round of 100 iterations. */
    v = judge(VERDICT_CLASS_COUNT, 5000, D(0, 0, 0, 0, 0), 100, 1);
    assert_kind(v, VERDICT_CLEAN);
    ck_assert_double_eq_tol(v.detectable, 0.01, 1e-12);
    ck_assert_int_eq(verdict_explain(buf, sizeof(buf), &v, "blocks"), 0);
    ck_assert_str_eq(buf, "no change (0 of 5 rounds grew, trend z 0.0, "
                          "noise 0 blocks); would have seen >= 0.01 "
                          "blocks/it");
    /* Under noise the trend rule is what sees a leak, and it ignores
     * drift under 0.05 per iteration: the least it states is a slope
     * 1.645 standard errors above that floor (95% power), here +0.0046
     * for a noise of 12.4 over 12 rounds. */
    struct verdict noisy = judge(VERDICT_CLASS_COUNT, 5000,
                                 D(9, -7, 3, -8, 6, -4, 2, -5, 8, -6, 1, 0),
                                 100, 1);
    assert_kind(noisy, VERDICT_CLEAN);
    ck_assert_double_eq_tol(noisy.detectable,
                            0.05 + 1.645 * (noisy.noise / 2)
                                       * sqrt(12.0 / (13 * 168)) / 100,
                            1e-12);
    /* More noise raises it past that floor; more rounds lower it. */
    noisy = judge(VERDICT_CLASS_COUNT, 5000,
                  D(54, -42, 18, -48, 36, -24, 12, -30, 48, -36, 6, 0), 100,
                  1);
    assert_kind(noisy, VERDICT_CLEAN);
    ck_assert(noisy.detectable > 0.05);
    struct verdict fewer = judge(VERDICT_CLASS_COUNT, 5000,
                                 D(54, -42, 18, -48, 36, -24, 12, -30), 100,
                                 1);
    assert_kind(fewer, VERDICT_CLEAN);
    ck_assert(fewer.detectable > noisy.detectable);
    /* RSS: the floor, 64 KiB a round, over 1000 iterations. */
    v = judge(VERDICT_CLASS_BYTES, 30 * MiB, D(0, 0, 0, 0, 0), 1000, 1);
    assert_kind(v, VERDICT_CLEAN);
    ck_assert_double_eq_tol(v.detectable, 64 * KiB / 1000, 1e-9);
    /* A leak's why carries its figures too; threads have no noise. */
    v = judge(VERDICT_CLASS_COUNT, 5000, D(5, 5, 6), 1, 1);
    ck_assert_int_eq(verdict_explain(buf, sizeof(buf), &v, "refs"), 0);
    ck_assert_str_eq(buf, "grew in every counted round (3 of 3 rounds "
                          "grew, trend z 1.7, noise 0 refs)");
    v = judge(VERDICT_CLASS_RESOURCE, 3, D(1, 1, 1, 1), 1, 1);
    ck_assert_int_eq(verdict_explain(buf, sizeof(buf), &v, "threads"), 0);
    ck_assert_str_eq(buf, "kept growing, never back to the baseline (4 of "
                          "4 rounds grew)");
    ck_assert_int_eq(verdict_explain(buf, 8, &v, "threads"), -1);
    ck_assert_uint_eq(strlen(buf), 7);
    ck_assert_int_eq(verdict_explain(NULL, 8, &v, "threads"), -1);
}
END_TEST

/* ---- issue 18: noisy cells buy rounds ------------------------------- */

/* Drives one count as cell.c does at the default settings: judged after
 * each counted round from the planned 5 on while verdict_wants_round()
 * says so (--max-rounds 12, --max-rounds-noisy 36) or until the n deltas
 * run out, then once more as final.  *rounds: the counted rounds. */
static struct verdict
drive(enum verdict_class cls, const double *delta, size_t n,
      double iterations, size_t *rounds)
{
    size_t k = 5;
    struct verdict v;

    for (;;) {
        v = judge(cls, 50000, delta, k, iterations, 0);
        if (k >= n || !verdict_wants_round(&v, 12, 36)) {
            break;
        }
        k++;
    }
    *rounds = k;
    return judge(cls, 50000, delta, k, iterations, 1);
}

/* The rounds decision: any inconclusive metric up to --max-rounds, a
 * noisy one up to --max-rounds-noisy, nothing else. */
START_TEST(more_rounds_past_the_maximum_only_while_noisy)
{
    struct verdict v = {0};

    v.kind = VERDICT_INCONCLUSIVE;
    v.rounds = 11;
    ck_assert_int_eq(verdict_wants_round(&v, 12, 36), 1);
    v.rounds = 12;
    ck_assert_int_eq(verdict_wants_round(&v, 12, 36), 0);
    v.noisy = 1;
    ck_assert_int_eq(verdict_wants_round(&v, 12, 36), 1);
    ck_assert_int_eq(verdict_wants_round(&v, 12, 12), 0);
    ck_assert_int_eq(verdict_wants_round(&v, 12, 5), 0);
    v.rounds = 36;
    ck_assert_int_eq(verdict_wants_round(&v, 12, 36), 0);
    v.rounds = 5;
    v.kind = VERDICT_CLEAN;
    ck_assert_int_eq(verdict_wants_round(&v, 12, 36), 0);
    v.kind = VERDICT_SUSPECT;
    ck_assert_int_eq(verdict_wants_round(&v, 12, 36), 0);
    ck_assert_int_eq(verdict_wants_round(NULL, 12, 36), 0);
    /* Noise without a trend stops where it always did. */
    v = judge(VERDICT_CLASS_COUNT, 5000,
              D(9, -7, 3, -8, 6, -4, 2, -5, 8, -6, 1, 0), 100, 0);
    ck_assert_int_eq(verdict_wants_round(&v, 12, 36), 0);
}
END_TEST

/* A ThreadingMixIn TCP echo server on 3.10.13, 3.9.18 and 3.8.18 (issue
 * 18's blocks, 100 connections a round): one step of 51-80 blocks at
 * about the thousandth connection, then flat.  Clean at the last round,
 * or more rounds until it is (the first has a +17 after its step); and
 * clean with flat rounds after it either way. */
START_TEST(step_then_flat_is_clean)
{
    static const double cases[3][12] = {
        {3, 0, 12, 4, -4, 0, 8, 76, 0, 0, 17, 0},
        {-17, 0, 4, 17, -17, 17, 0, 51, -4, 0, 17, -17},
        {-10, 4, 14, -16, 0, 1, 4, 80, 9, -25, 16, 0},
    };
    static const double flat[] = {0, 1, -1, 0, 0, 1, -1, 0};
    struct verdict v;

    for (size_t c = 0; c < 3; c++) {
        double delta[36];
        size_t k;

        v = judge(VERDICT_CLASS_COUNT, 60000, cases[c], 12, 100, 1);
        if (v.kind != VERDICT_CLEAN) {
            v = judge(VERDICT_CLASS_COUNT, 60000, cases[c], 12, 100, 0);
            ck_assert_msg(verdict_wants_round(&v, 12, 36),
                          "case %zu: %s at 12 rounds and no more (%s)", c,
                          verdict_kind_name(v.kind), v.why);
        }
        else {
            ck_assert_int_eq(v.rule, VERDICT_RULE_ONE_STEP);
        }
        for (size_t i = 0; i < 36; i++) {
            delta[i] = i < 12 ? cases[c][i] : flat[i % 8];
        }
        v = drive(VERDICT_CLASS_COUNT, delta, 36, 100, &k);
        ck_assert_msg(v.kind == VERDICT_CLEAN, "case %zu, %zu rounds: %s (%s)",
                      c, k, verdict_kind_name(v.kind), v.why);
    }
}
END_TEST

/* What the step rule must leave alone: a leak that began with a jump and
 * went on, and one step with a leak beside it. */
START_TEST(leak_after_a_step_is_not_clean)
{
    double delta[36];
    struct verdict v;
    size_t k;

    for (size_t i = 0; i < 36; i++) {
        delta[i] = i < 7 ? (double[]){3, 0, 12, 4, -4, 0, 8}[i]
                   : i == 7 ? 76 : 20 + (i % 3 ? 4 : -8);
    }
    v = drive(VERDICT_CLASS_COUNT, delta, 36, 100, &k);
    ck_assert_msg(v.kind == VERDICT_LEAK || v.kind == VERDICT_SUSPECT,
                  "%zu rounds: %s (%s)", k, verdict_kind_name(v.kind),
                  v.why);
    for (size_t i = 0; i < 36; i++) {
        delta[i] = (i == 5 ? 90 : 10) + (i % 2 ? 9 : -9);
    }
    v = drive(VERDICT_CLASS_COUNT, delta, 36, 100, &k);
    ck_assert_msg(v.kind == VERDICT_LEAK || v.kind == VERDICT_SUSPECT,
                  "%zu rounds: %s (%s)", k, verdict_kind_name(v.kind),
                  v.why);
}
END_TEST

/* A leak right at the drift floor (0.05/it) under noise of about 20:
 * twelve rounds cannot tell it from drift, so it buys rounds past them
 * and ends suspect; drift that settles (warm-up at 0.045/it falling by a
 * tenth a round) buys rounds too and ends clean. */
START_TEST(at_the_drift_floor_more_rounds_decide)
{
    double leak[36], drift[36];
    uint64_t st = 18;
    double before = lcg_span(&st, 20);
    struct verdict v;
    size_t k;

    /* Level noise, uniform in +-20, on 100 iterations a round. */
    for (size_t i = 0; i < 36; i++) {
        double noise = lcg_span(&st, 20);

        leak[i] = 5 + noise - before;
        drift[i] = round(8.5 * pow(0.9, (double)i)) + noise - before;
        before = noise;
    }
    v = drive(VERDICT_CLASS_COUNT, leak, 36, 100, &k);
    ck_assert_msg(v.kind == VERDICT_SUSPECT || v.kind == VERDICT_LEAK,
                  "leak, %zu rounds: %s (%s)", k, verdict_kind_name(v.kind),
                  v.why);
    ck_assert_uint_gt(k, 12);
    v = drive(VERDICT_CLASS_COUNT, drift, 36, 100, &k);
    ck_assert_msg(v.kind == VERDICT_CLEAN, "drift, %zu rounds: %s (%s)", k,
                  verdict_kind_name(v.kind), v.why);
}
END_TEST

/* Warm-up still decelerating at the last planned round earns rounds: a
 * cache filling at 0.8 of the round before is suspect after 12 rounds,
 * and settled after those it buys. */
START_TEST(warm_up_still_decelerating_earns_rounds)
{
    double delta[36];
    struct verdict v;
    size_t k;

    for (size_t i = 0; i < 36; i++) {
        delta[i] = round(60 * pow(0.8, (double)i)) + (i % 3 == 1 ? 1 : 0);
    }
    v = judge(VERDICT_CLASS_COUNT, 50000, delta, 12, 100, 0);
    assert_kind(v, VERDICT_INCONCLUSIVE);
    ck_assert_int_eq(v.rule, VERDICT_RULE_DECELERATING);
    ck_assert_int_eq(verdict_wants_round(&v, 12, 36), 1);
    v = drive(VERDICT_CLASS_COUNT, delta, 36, 100, &k);
    ck_assert_msg(v.kind == VERDICT_CLEAN, "%zu rounds: %s (%s)", k,
                  verdict_kind_name(v.kind), v.why);
    ck_assert_uint_gt(k, 12);
}
END_TEST

/* RSS at its floor buys rounds too: the echo server on the free-threaded
 * 3.13.5t, arenas coming and going by up to 350 KiB a round (KiB, 100
 * iterations a round).  Its first 12 rounds rise 476 KiB, a trend at 40
 * KiB a round, under the 64 KiB floor; the next 28 fall back. */
START_TEST(rss_at_its_floor_buys_rounds)
{
    static const double kib[40] = {
        0, 0, 116, 0, 316, 40, -216, 120, 16, 0, 32, 52, -76, 88, 16, -16,
        8, 0, -24, -160, -220, 0, 188, 0, -8, 48, 12, -260, 344, 0, 0,
        -352, 92, 0, 0, 20, 0, 0, 104, 0};
    double delta[40];
    struct verdict v;
    size_t k;

    for (size_t i = 0; i < 40; i++) {
        delta[i] = kib[i] * KiB;
    }
    v = judge(VERDICT_CLASS_BYTES, 17313792, delta, 12, 100, 1);
    assert_kind(v, VERDICT_SUSPECT);
    v = judge(VERDICT_CLASS_BYTES, 17313792, delta, 12, 100, 0);
    ck_assert_int_eq(verdict_wants_round(&v, 12, 36), 1);
    v = drive(VERDICT_CLASS_BYTES, delta, 40, 100, &k);
    ck_assert_msg(v.kind == VERDICT_CLEAN, "%zu rounds: %s (%s)", k,
                  verdict_kind_name(v.kind), v.why);
}
END_TEST

static void
add(Suite *s, const char *name, const TTest *test)
{
    TCase *tc = tcase_create(name);

    tcase_add_test(tc, test);
    suite_add_tcase(s, tc);
}

Suite *
verdict_suite(void)
{
    Suite *s = suite_create("verdict");

    add(s, "verdict: [3,0,0], [0,1,0], [8,-8,1] are noise",
        bpo30776_noise_is_clean);
    add(s, "verdict: [5,5,6] and [10,1,1] leak", bpo30776_leaks_are_leaks);
    add(s, "verdict: RSS flat for rounds, then climbing, leaks",
        issue9_late_rss_onset_is_a_leak);
    add(s, "verdict: +61 +42 +56 -6 -37 gets more rounds",
        issue9_slow_leak_under_noise_gets_more_rounds);
    add(s, "verdict: +327 +234 +174 +141 +138 +96 is a cache",
        issue9_bounded_cache_is_not_a_leak);
    add(s, "verdict: a count rising late under noise is suspect",
        late_rise_under_noise);
    add(s, "verdict: bounded MiB-sized RSS noise gets more rounds",
        rss_bounded_buffer_noise_is_not_a_leak_at_five_rounds);
    add(s, "verdict: a quiet count that starts climbing late leaks",
        late_onset_on_a_quiet_count_is_a_leak);
    add(s, "verdict: late onset is not drift, a cache or a walk",
        late_onset_rule_leaves_drift_caches_and_walks);
    add(s, "verdict: clean says what it would have seen",
        clean_states_what_it_would_have_seen);
    add(s, "verdict: past --max-rounds only while noisy",
        more_rounds_past_the_maximum_only_while_noisy);
    add(s, "verdict: a step then flat is clean (issue 18)",
        step_then_flat_is_clean);
    add(s, "verdict: a leak after a step is not clean",
        leak_after_a_step_is_not_clean);
    add(s, "verdict: at the drift floor, more rounds decide",
        at_the_drift_floor_more_rounds_decide);
    add(s, "verdict: warm-up still decelerating earns rounds",
        warm_up_still_decelerating_earns_rounds);
    add(s, "verdict: RSS at its floor buys rounds",
        rss_at_its_floor_buys_rounds);
    add(s, "verdict: singleton refcounts leak and over-release",
        singleton_follows_bpo30776_both_ways);
    add(s, "verdict: a count falling every round is a cache trimmed",
        count_falling_every_round_is_clean);
    add(s, "verdict: over-release predicts when it reaches zero",
        over_release_predicts_zero);
    add(s, "verdict: [40,20,10,5,2] is a cache until flat",
        decelerating_cache_is_inconclusive_then_clean);
    add(s, "verdict: interpreter warm-up is not an over-release",
        interpreter_warm_up_is_not_an_over_release);
    add(s, "verdict: a warm-up round does not hide a steady leak",
        warm_up_then_steady_growth_is_a_leak);
    add(s, "verdict: one object every third round is a slow leak",
        slow_leak_over_12_rounds_is_a_leak);
    add(s, "verdict: a native leak in whole buffers is a leak",
        heap_leak_in_lumps_is_a_leak);
    add(s, "verdict: heap caches filling below a step buy no rounds",
        heap_warming_below_a_step_buys_no_rounds);
    add(s, "verdict: noise without trend stays clean",
        noise_without_trend_stays_clean);
    add(s, "verdict: a leak with dips is suspect",
        leak_with_occasional_dips_is_suspect);
    add(s, "verdict: RSS growing 1 MiB a round leaks",
        rss_growing_a_mib_a_round_leaks);
    add(s, "verdict: RSS growing a page a round is noise",
        rss_growing_a_page_a_round_is_noise);
    add(s, "verdict: RSS jitter of a few pages never leaks (1000 seeds)",
        noisy_rss_never_leaks);
    add(s, "verdict: RSS jitter of half an arena never leaks in 20 rounds",
        rss_arena_noise_never_leaks_over_20_rounds);
    add(s, "verdict: RSS sawtooth without trend is clean",
        rss_sawtooth_without_trend_is_clean);
    add(s, "verdict: RSS sawtooth with trend leaks",
        rss_sawtooth_with_trend_leaks);
    add(s, "verdict: RSS falling or jumping once is clean",
        rss_falling_or_jumping_once_is_clean);
    add(s, "verdict: RSS over few rounds needs a trend",
        rss_short_runs_need_a_trend);
    add(s, "verdict: RSS growth must clear 1% of the process",
        rss_growth_below_one_percent_of_a_big_process_is_not_a_leak);
    add(s, "verdict: threads growing for good leak",
        resource_persistent_growth_leaks);
    add(s, "verdict: a transient worker is clean",
        resource_transient_worker_is_clean);
    add(s, "verdict: one thread more and steady is suspect",
        resource_single_step_is_suspect);
    add(s, "verdict: a NaN or infinite reading is n/a", nan_reading_is_na);
    add(s, "verdict: 0, 1 and 2 readings", count_zero_one_two);
    add(s, "verdict: rejects NULL and bad iteration counts",
        invalid_input_is_rejected);
    add(s, "verdict: values around 1e15", huge_values);
    add(s, "verdict: uneven rounds give rates per iteration",
        uneven_rounds_give_rates_per_iteration);
    add(s, "verdict: slope is the median of pairwise slopes",
        slope_is_the_median_of_pairwise_slopes);
    add(s, "verdict: over-release > leak > suspect > clean, by rank",
        cell_status_and_lead);
    add(s, "verdict: the caller's rank picks the lead",
        cell_rank_is_the_callers);
    add(s, "verdict: kind and status names", names);
    add(s, "verdict: rule names", rule_names);
    add(s, "verdict: rate figures", rate_figures);
    add(s, "verdict: projection figures", projection_figures);
    add(s, "verdict: figures fail cleanly on small buffers",
        figures_fail_cleanly_on_small_buffers);
    return s;
}
