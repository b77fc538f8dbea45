/* test-metric.c - the metric names (base/metrics.h), which the runner
 * writes, against the metric table (judge/metric.c), which judges them:
 * every name has exactly one row and every row a name, so a metric added
 * on one side only fails here instead of being judged as a gauge. */
#include <check.h>
#include <string.h>

#include "base/metrics.h"
#include "judge/metric.h"

START_TEST(every_shared_name_has_a_row)
{
    for (int i = 0; i < LMX_METRIC_COUNT; i++) {
        const char *name = lmx_metric_name((enum lmx_metric)i);
        const struct metric *m = metric_find(name);

        ck_assert_msg(m != NULL, "%s: no row in the metric table", name);
        ck_assert_str_eq(m->name, name);
    }
}
END_TEST

START_TEST(every_row_has_a_shared_name)
{
    unsigned n;
    const struct metric *rows = metric_table(&n);

    ck_assert_uint_eq(n, LMX_METRIC_COUNT);
    for (unsigned r = 0; r < n; r++) {
        int found = 0;

        for (int i = 0; i < LMX_METRIC_COUNT; i++) {
            found += strcmp(rows[r].name,
                            lmx_metric_name((enum lmx_metric)i)) == 0;
        }
        ck_assert_msg(found == 1, "%s: %d names in base/metrics.h",
                      rows[r].name, found);
    }
}
END_TEST

START_TEST(names_are_distinct_and_constants_agree)
{
    for (int i = 0; i < LMX_METRIC_COUNT; i++) {
        for (int j = i + 1; j < LMX_METRIC_COUNT; j++) {
            ck_assert_str_ne(lmx_metric_name((enum lmx_metric)i),
                             lmx_metric_name((enum lmx_metric)j));
        }
    }
    ck_assert_str_eq(lmx_metric_name(LMX_METRIC_RSS_BYTES), "rss_bytes");
    ck_assert_str_eq(LMX_METRIC_NAME_REFS_NONE, "refs_none");
    ck_assert_str_eq(lmx_metric_name(LMX_METRIC_LSAN_INDIRECT_OBJECTS),
                     LMX_METRIC_NAME_LSAN_INDIRECT_OBJECTS);
    ck_assert_str_eq(lmx_metric_name(LMX_METRIC_COUNT), "?");
    ck_assert_str_eq(lmx_metric_name((enum lmx_metric)-1), "?");
}
END_TEST

START_TEST(unknown_names_find_no_row)
{
    struct metric scratch;
    const struct metric *m;

    ck_assert_ptr_null(metric_find(NULL));
    ck_assert_ptr_null(metric_find(""));
    ck_assert_ptr_null(metric_find("rss_bytes "));
    m = metric_get("my_gauge", 1, &scratch);
    ck_assert_ptr_eq(m, &scratch);
    ck_assert_int_eq(m->rank, METRIC_RANK_GAUGE);
    m = metric_get(LMX_METRIC_NAME_BLOCKS, 1, &scratch);
    ck_assert_ptr_eq(m, &scratch);
}
END_TEST

Suite *
metric_suite(void)
{
    Suite *s = suite_create("metric");
    TCase *tc = tcase_create("metric");
    tcase_add_test(tc, every_shared_name_has_a_row);
    tcase_add_test(tc, every_row_has_a_shared_name);
    tcase_add_test(tc, names_are_distinct_and_constants_agree);
    tcase_add_test(tc, unknown_names_find_no_row);
    suite_add_tcase(s, tc);
    return s;
}
