/* test-verdict-sim.c - the verdict engine's error rates on the simulator's
 * families (tests/sim/sim.h), over a fixed set of seeds: under 1% false
 * leaks on clean noise, no leak at all on a series bounded within the
 * window, at least 95% leak-or-suspect on a leak growing three noise
 * amplitudes over --max-rounds, and never clean on a series still making
 * new highs at its end.  A change to the engine that breaks a target
 * fails here with the family and the figure.
 */
#include "sim.h"

#include <check.h>
#include <math.h>
#include <string.h>

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

Suite *
verdict_sim_suite(void)
{
    Suite *s = suite_create("verdict-sim");
    TCase *tc = tcase_create("verdict-sim: targets on synthetic series");

    tcase_add_test(tc, every_family_meets_its_target);
    tcase_add_test(tc, clean_verdicts_state_what_they_could_have_seen);
    tcase_add_test(tc, more_rounds_only_where_evidence_is_split);
    suite_add_tcase(s, tc);
    return s;
}
