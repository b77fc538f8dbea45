/* test-verdict-sim.c - the verdict engine's error rates on the simulator's
 * families (tests/sim/sim.h), over a fixed set of seeds: under 1% false
 * alarms (leak or suspect) on flat noise, bounded or not, and under 1%
 * false leaks on caches, no leak at all on a series bounded within the
 * window, at least 95% leak-or-suspect on a leak growing three noise
 * amplitudes over --max-rounds, and never clean on a series still making
 * new highs at its end.  A change to the engine that breaks a target
 * fails here with the family and the figure.  Real cells of the
 * threading server and of a threaded echo server (verdict-real-series.h)
 * are replayed the same way: the two leaking interpreters leak, the
 * others stay clean.
 */
#include "sim.h"

#include <check.h>
#include <math.h>
#include <string.h>

#include "verdict-real-series.h"

Suite *verdict_sim_suite(void);

/* Enough for 1% to mean something, few enough to stay well under a
 * second. */
#define SEEDS 600

START_TEST(every_family_meets_its_target)
{
    for (const struct sim_family *f = sim_families; f->name; f++) {
        struct sim_result r;
        char why[128];

        sim_run(f, 1, SEEDS, &r);
        ck_assert_msg(sim_meets_target(f, &r, why, sizeof(why)),
                      "%s (growth/a %g): %s", f->name, f->ratio, why);
    }
}
END_TEST

START_TEST(clean_verdicts_state_what_they_could_have_seen)
{
    for (const struct sim_family *f = sim_families; f->name; f++) {
        struct sim_result r;

        sim_run(f, 1, 50, &r);
        if (r.clean) {
            ck_assert_msg(isfinite(r.detectable) && r.detectable > 0,
                          "%s: clean without a detectable rate", f->name);
        }
    }
}
END_TEST

START_TEST(more_rounds_only_where_evidence_is_split)
{
    static const char *const settled[] = {"count flat", "rss pages"};

    for (const struct sim_family *f = sim_families; f->name; f++) {
        for (size_t i = 0; i < sizeof(settled) / sizeof(*settled); i++) {
            struct sim_result r;

            if (strcmp(f->name, settled[i]) != 0) {
                continue;
            }
            sim_run(f, 1, 200, &r);
            ck_assert_msg(r.rounds == 200 * SIM_PLANNED,
                          "%s: %.2f rounds on average, want %d", f->name,
                          (double)r.rounds / 200.0, SIM_PLANNED);
        }
    }
}
END_TEST

/* Replays one recorded cell through sim_drive_cell() as cell.c would have
 * judged it, up to its --max-rounds (and three times as many while a
 * metric is noisy, --max-rounds-noisy's default) or the rounds recorded,
 * whichever comes first. */
static size_t
replay(const struct real_cell *rc, struct verdict *v, size_t *n)
{
    enum verdict_class cls[REAL_MAX_METRICS];
    const double *x[REAL_MAX_METRICS];
    size_t max = rc->max_rounds < rc->readings - 1 ? rc->max_rounds
                                                   : rc->readings - 1;
    size_t noisy = 3 * rc->max_rounds < rc->readings - 1
                       ? 3 * rc->max_rounds : rc->readings - 1;

    *n = 0;
    while (*n < REAL_MAX_METRICS && rc->m[*n].name != NULL) {
        cls[*n] = rc->m[*n].cls;
        x[*n] = rc->m[*n].x;
        (*n)++;
    }
    return sim_drive_cell(*n, cls, x, rc->iterations, rc->rounds, max,
                          noisy, v);
}

/* Whether metric m of a recorded cell, not clean after k rounds, would
 * have bought another: its recording ended before --max-rounds-noisy
 * (three times --max-rounds) and judged before the last round it wants
 * one (verdict_wants_round()).  A step then flat must read clean or buy
 * rounds until it does; a recording cut at 12 rounds cannot show which. */
static int
would_buy_rounds(const struct real_cell *rc, size_t m, size_t k)
{
    double iters[REAL_MAX_READINGS];
    struct verdict_series s = {rc->m[m].x, iters, k + 1};
    struct verdict v;

    for (size_t i = 0; i <= k; i++) {
        iters[i] = rc->iterations;
    }
    return k == rc->readings - 1 && k < 3 * rc->max_rounds
           && verdict_judge(rc->m[m].cls, &s, 0, &v) == 0
           && verdict_wants_round(&v, rc->max_rounds, 3 * rc->max_rounds);
}

START_TEST(real_threading_server_cells)
{
    size_t leaking = 0;

    for (size_t c = 0; c < sizeof(real_cells) / sizeof(*real_cells); c++) {
        const struct real_cell *rc = &real_cells[c];
        struct verdict v[REAL_MAX_METRICS];
        size_t n;
        size_t k = replay(rc, v, &n);
        int blocks = 0;

        for (size_t m = 0; m < n; m++) {
            const char *name = rc->m[m].name;
            char why[VERDICT_EXPLAIN_SIZE];

            verdict_explain(why, sizeof(why), &v[m], NULL);
            if (strcmp(name, "blocks") == 0) {
                blocks = 1;
                ck_assert_msg(v[m].kind == (rc->leaks ? VERDICT_LEAK
                                                      : VERDICT_CLEAN)
                              || (!rc->leaks && would_buy_rounds(rc, m, k)),
                              "%s, %zu rounds: blocks %s (%s)", rc->file, k,
                              verdict_kind_name(v[m].kind), why);
            }
            else if (rc->leaks) {
                /* A drift beside a leak must not read as an over-release:
                 * it would beat the leak (verdict_combine()). */
                ck_assert_msg(v[m].kind != VERDICT_OVER_RELEASE,
                              "%s, %zu rounds: %s over-release (%s)",
                              rc->file, k, name, why);
            }
            else {
                /* Nothing leaks here: no metric may raise an alarm. */
                ck_assert_msg(v[m].kind == VERDICT_CLEAN
                              || would_buy_rounds(rc, m, k),
                              "%s, %zu rounds: %s %s (%s)", rc->file, k,
                              name, verdict_kind_name(v[m].kind), why);
            }
        }
        ck_assert_msg(blocks, "%s: no blocks", rc->file);
        leaking += rc->leaks;
    }
    ck_assert_uint_eq(leaking, 4);
}
END_TEST

/* The same cells judged once, final, on every round they recorded: what
 * a run with --rounds equal to that would conclude.  The clean ones stay
 * clean on blocks and None however long they ran, or buy rounds where
 * their recording is shorter than the noisy rounds allowed. */
START_TEST(real_series_clean_at_their_full_length)
{
    for (size_t c = 0; c < sizeof(real_cells) / sizeof(*real_cells); c++) {
        const struct real_cell *rc = &real_cells[c];

        for (size_t m = 0; m < REAL_MAX_METRICS && rc->m[m].name; m++) {
            const char *name = rc->m[m].name;
            const double *x = rc->m[m].x;
            size_t k = rc->readings - 1;
            struct verdict v;

            if (rc->leaks || (strcmp(name, "blocks") != 0
                              && strcmp(name, "refs_none") != 0)) {
                continue;
            }
            sim_drive_cell(1, &rc->m[m].cls, &x, rc->iterations, k, k, k,
                           &v);
            ck_assert_msg(v.kind == VERDICT_CLEAN
                          || would_buy_rounds(rc, m, k),
                          "%s, %zu rounds: %s %s", rc->file, k, name,
                          verdict_kind_name(v.kind));
        }
    }
}
END_TEST

Suite *
verdict_sim_suite(void)
{
    Suite *s = suite_create("verdict-sim");
    TCase *tc = tcase_create("verdict-sim: targets on synthetic series");

    /* Leaks at the drift floor and caches still filling run 36 rounds
     * (--max-rounds-noisy), each judged after every round: seconds. */
    tcase_set_timeout(tc, 60);

    tcase_add_test(tc, every_family_meets_its_target);
    tcase_add_test(tc, clean_verdicts_state_what_they_could_have_seen);
    tcase_add_test(tc, more_rounds_only_where_evidence_is_split);
    suite_add_tcase(s, tc);
    tc = tcase_create("verdict-sim: real threading server cells");
    tcase_add_test(tc, real_threading_server_cells);
    tcase_add_test(tc, real_series_clean_at_their_full_length);
    suite_add_tcase(s, tc);
    return s;
}
