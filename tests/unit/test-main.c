/* test-main.c - runs every unit suite (one per module, each exported by
 * tests/unit/test-<module>.c).  CK_FORK follows the environment, so
 * `CK_FORK=no valgrind ...` works. */
#include <check.h>
#include <stdlib.h>

Suite *verdict_suite(void);
Suite *provision_suite(void);
Suite *util_suite(void);
Suite *registry_suite(void);
Suite *result_suite(void);
Suite *outcome_suite(void);
Suite *plan_suite(void);
Suite *report_suite(void);
Suite *cache_suite(void);
Suite *leakcheck_suite(void);
Suite *verdict_sim_suite(void);
Suite *store_suite(void);
Suite *libset_suite(void);
Suite *cpus_suite(void);
Suite *elfsym_suite(void);
Suite *digest_suite(void);
Suite *layers_suite(void);
Suite *metric_suite(void);
Suite *cell_suite(void);
Suite *evidence_suite(void);
Suite *runnerkit_suite(void);
Suite *target_suite(void);

int
main(void)
{
    SRunner *sr = srunner_create(verdict_suite());
    srunner_add_suite(sr, provision_suite());
    srunner_add_suite(sr, util_suite());
    srunner_add_suite(sr, registry_suite());
    srunner_add_suite(sr, result_suite());
    srunner_add_suite(sr, outcome_suite());
    srunner_add_suite(sr, plan_suite());
    srunner_add_suite(sr, report_suite());
    srunner_add_suite(sr, cache_suite());
    srunner_add_suite(sr, leakcheck_suite());
    srunner_add_suite(sr, verdict_sim_suite());
    srunner_add_suite(sr, store_suite());
    srunner_add_suite(sr, libset_suite());
    srunner_add_suite(sr, cpus_suite());
    srunner_add_suite(sr, elfsym_suite());
    srunner_add_suite(sr, digest_suite());
    srunner_add_suite(sr, layers_suite());
    srunner_add_suite(sr, metric_suite());
    srunner_add_suite(sr, cell_suite());
    srunner_add_suite(sr, evidence_suite());
    srunner_add_suite(sr, runnerkit_suite());
    srunner_add_suite(sr, target_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
