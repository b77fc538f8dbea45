/* test-result.c - result files and the end-of-run table (golden text). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "result.h"

START_TEST(table_renders_a_grid)
{
    struct result_table t;
    struct strbuf out = STRBUF_INIT;

    result_table_init(&t);
    result_table_add(&t, "/s/threading_server.py", "3.6.15", "clean",
                     "clean");
    result_table_add(&t, "/s/threading_server.py", "3.9.2", "leak",
                     "leak: +26 blocks/it, +2.7 KiB/it (+26.0M blocks per "
                     "1M it)");
    result_table_add(&t, "/s/lz4.py", "3.9.2", "crash",
                     "crash: Fatal Python error: deallocating None in "
                     "counted round 2");
    result_table_add(&t, "/s/lz4.py", "3.12.1", "clean",
                     "clean (None immortal: an over-release would not "
                     "show)");
    result_table_add(&t, "/s/lz4.py", "3.6.15", "skipped",
                     "skipped: missing module lz4 (REQUIRES)");
    result_table_add(&t, "/s/lz4t.py", "3.6.15", "crash",
                     "crash: Fatal Python error: deallocating None while "
                     "the interpreter shut down (after 800 iterations); "
                     "before it: over-release: -1.0 refs/it; refs_none "
                     "reaches 0 (crash) at iteration ~2913");
    result_table_render(&t, &out);
    ck_assert_str_eq(out.buf,
        "scenario         | 3.6.15                            | 3.9.2               | 3.12.1              \n"
        "-----------------+-----------------------------------+---------------------+---------------------\n"
        "threading_server | clean                             | leak: +26 blocks/it | -                   \n"
        "lz4              | skipped                           | crash               | clean, None immortal\n"
        "lz4t             | crash; over-release: -1.0 refs/it | -                   | -                   \n");
    strbuf_release(&out);
    result_table_release(&t);
}
END_TEST

START_TEST(results_are_named_by_scenario_and_tag)
{
    char dir[] = "/tmp/lmx-result-XXXXXX";
    char *path = NULL;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    json_t *doc = json_pack("{s:i}", "schema", 1);
    ck_assert_int_eq(result_write(doc, dir, "/a/b/leaky.py", "3.11.2-debug",
                                  &path), 0);
    ck_assert_ptr_nonnull(strstr(path, "/leaky--3.11.2-debug.json"));
    json_t *back = json_load_file(path, 0, NULL);
    ck_assert_int_eq(json_integer_value(json_object_get(back, "schema")), 1);
    ck_assert_str_eq(result_scenario_name("/a/b/leaky.py"), "leaky.py");
    unlink(path);
    rmdir(dir);
    json_decref(back);
    json_decref(doc);
    free(path);
}
END_TEST

Suite *
result_suite(void)
{
    Suite *s = suite_create("result");
    TCase *tc = tcase_create("result: files and table");
    tcase_add_test(tc, table_renders_a_grid);
    tcase_add_test(tc, results_are_named_by_scenario_and_tag);
    suite_add_tcase(s, tc);
    return s;
}
