/* test-report.c - the grid and its renderers, against golden files
 * rendered from checked-in results (tests/golden/results, from a real run
 * on the development machine, trimmed; see tests/golden/README.md).
 * Volatile fields are filtered before comparing: the results directory's
 * path.  LEAKMATRIX_UPDATE_GOLDEN=1 rewrites the golden files instead. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/escape.h"

#define GOLDEN_DIR LMX_SOURCE_ROOT "/tests/golden"
#define RESULTS_DIR GOLDEN_DIR "/results"

/* Replaces every occurrence of the results directory with RESULTS. */
static char *
filter(const char *text)
{
    struct strbuf sb = STRBUF_INIT;
    size_t n = strlen(RESULTS_DIR);
    for (const char *p = text; *p;) {
        if (strncmp(p, RESULTS_DIR, n) == 0) {
            strbuf_adds(&sb, "RESULTS");
            p += n;
        }
        else {
            strbuf_addch(&sb, *p++);
        }
    }
    return strbuf_detach(&sb, NULL);
}

static void
load(struct result_set *set, struct report_grid *g)
{
    result_set_init(set);
    ck_assert_int_eq(result_set_load_dir(set, RESULTS_DIR, stderr), 0);
    ck_assert_uint_gt(set->nr, 10);
    ck_assert_uint_eq(set->skipped, 0);
    report_grid_build(g, set);
}

static void
check_golden(enum report_format f, const char *file)
{
    struct result_set set;
    struct report_grid g;
    struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
    char *path = xasprintf("%s/%s", GOLDEN_DIR, file);

    load(&set, &g);
    report_render(&g, f, &out);
    char *got = filter(out.buf);
    if (getenv("LEAKMATRIX_UPDATE_GOLDEN")) {
        ck_assert_int_eq(util_write_file_atomic(path, got, strlen(got)), 0);
    }
    ck_assert_msg(util_read_file(path, &want) == 0, "no golden file %s",
                  path);
    ck_assert_str_eq(got, want.buf);
    free(got);
    free(path);
    strbuf_release(&out);
    strbuf_release(&want);
    report_grid_release(&g);
    result_set_release(&set);
}

START_TEST(text_matches_golden)
{
    check_golden(REPORT_TEXT, "report.txt");
}
END_TEST

START_TEST(markdown_matches_golden)
{
    check_golden(REPORT_MARKDOWN, "report.md");
}
END_TEST

START_TEST(csv_matches_golden)
{
    check_golden(REPORT_CSV, "report.csv");
}
END_TEST

START_TEST(junit_matches_golden)
{
    check_golden(REPORT_JUNIT, "report.junit.xml");
}
END_TEST

START_TEST(columns_follow_versions_not_discovery)
{
    struct result_set set;
    struct report_grid g;
    load(&set, &g);
    for (size_t c = 1; c < g.ncols; c++) {
        const struct report_col *a = &g.cols[c - 1], *b = &g.cols[c];
        ck_assert_msg(report_version_cmp(a->hexversion, a->debug, a->python,
                                         b->hexversion, b->debug, b->python)
                          < 0,
                      "%s before %s", a->python, b->python);
    }
    ck_assert_str_eq(g.cols[0].python, "3.6.15");
    /* A debug build right after its release. */
    int release = -1, debug = -1;
    for (size_t c = 0; c < g.ncols; c++) {
        if (strcmp(g.cols[c].python, "3.11.2") == 0) {
            release = (int)c;
        }
        if (strcmp(g.cols[c].python, "3.11.2-debug") == 0) {
            debug = (int)c;
        }
    }
    ck_assert_int_ge(release, 0);
    ck_assert_int_eq(debug, release + 1);
    report_grid_release(&g);
    result_set_release(&set);
}
END_TEST

START_TEST(changes_are_said_in_words)
{
    struct result_set set;
    struct report_grid g;
    load(&set, &g);
    int found = 0;
    for (size_t i = 0; i < g.lines.nr; i++) {
        found |= strcmp(g.lines.v[i], "threading_server: leaks from "
                                      "3.7.16, clean again from 3.8.18")
                 == 0;
    }
    ck_assert_msg(found, "no 'leaks from' line for threading_server");
    report_grid_release(&g);
    result_set_release(&set);
}
END_TEST

START_TEST(versions_order)
{
    ck_assert_int_lt(report_version_cmp(0x030610f0, 0, "3.6.15", 0x030710f0,
                                        0, "3.7.16"),
                     0);
    ck_assert_int_lt(report_version_cmp(0x030b02f0, 0, "3.11.2", 0x030b02f0,
                                        1, "3.11.2-debug"),
                     0);
    ck_assert_int_gt(report_version_cmp(0x030d00f0, 0, "3.13.0", 0x030900f0,
                                        0, "3.9.2"),
                     0);
    ck_assert_int_eq(report_format_from_name("junit"), REPORT_JUNIT);
    ck_assert_int_eq(report_format_from_name("md"), REPORT_MARKDOWN);
    ck_assert_int_eq(report_format_from_name("pdf"), -1);
}
END_TEST

START_TEST(escaping)
{
    struct strbuf sb = STRBUF_INIT;
    report_escape_xml("a<b>&\"c'\x01", &sb);
    ck_assert_str_eq(sb.buf, "a&lt;b&gt;&amp;&quot;c&#39;?");
    strbuf_reset(&sb);
    /* tabs and newlines stay, other controls do not; runs in between */
    report_escape_xml("x\ty\n\x1fz<<", &sb);
    ck_assert_str_eq(sb.buf, "x\ty\n?z&lt;&lt;");
    strbuf_reset(&sb);
    report_escape_csv("plain", &sb);
    strbuf_addch(&sb, '|');
    report_escape_csv("a,\"b\"", &sb);
    ck_assert_str_eq(sb.buf, "plain|\"a,\"\"b\"\"\"");
    strbuf_release(&sb);
}
END_TEST

/* A hand-made result: scenario stem, interpreter, libset, status. */
static void
add_cell(struct result_set *set, const char *scen, const char *py,
         unsigned long hex, const char *libset, enum verdict_status status,
         const char *dist, const char *used)
{
    set->v = realloc(set->v, (set->nr + 1) * sizeof(*set->v));
    struct result *r = &set->v[set->nr++];
    result_init(r);
    result_key_set(&r->key, scen, NULL, py, libset, "default");
    r->python_version = strdup(py);
    r->hexversion = hex;
    r->outcome.status = status;
    if (dist) {
        outcome_add_provided(&r->outcome, "decoder", "m", dist, "1");
        outcome_provided_set_used(&r->outcome, used);
    }
}

START_TEST(libsets_differing_by_row_go_into_rows)
{
    struct result_set set;
    struct report_grid g;
    struct strbuf out = STRBUF_INIT;

    /* Like the main job: one scenario with two sets, one with none. */
    result_set_init(&set);
    add_cell(&set, "/s/server.py", "3.6.15", 0x030600f0, "",
             VERDICT_STATUS_CLEAN, NULL, NULL);
    add_cell(&set, "/s/server.py", "3.12.1", 0x030c01f0, "",
             VERDICT_STATUS_LEAK, NULL, NULL);
    add_cell(&set, "/s/lz4.py", "3.6.15", 0x030600f0, "bad",
             VERDICT_STATUS_OVER_RELEASE, "badlib", "decode");
    add_cell(&set, "/s/lz4.py", "3.12.1", 0x030c01f0, "bad",
             VERDICT_STATUS_CLEAN, "badlib", "context");
    add_cell(&set, "/s/lz4.py", "3.6.15", 0x030600f0, "good",
             VERDICT_STATUS_CLEAN, "goodlib", "decode");
    add_cell(&set, "/s/lz4.py", "3.12.1", 0x030c01f0, "good",
             VERDICT_STATUS_CLEAN, "goodlib", "decode");
    report_grid_build(&g, &set);
    ck_assert_int_eq(g.libset_rows, 1);
    ck_assert_uint_eq(g.ncols, 2);
    ck_assert_uint_eq(g.nrows, 3);
    ck_assert_str_eq(g.rows[0].label, "lz4 (bad)");
    ck_assert_str_eq(g.rows[1].label, "lz4 (good)");
    ck_assert_str_eq(g.rows[2].label, "server");
    ck_assert_str_eq(g.cols[0].label, "3.6.15");
    ck_assert_uint_eq(g.provenance.nr, 2);
    ck_assert_str_eq(g.provenance.v[0],
                     "lz4 (bad): decoder from badlib 1 (m) on 3.6.15 to "
                     "3.12.1; used: decode on 3.6.15, context on 3.12.1");
    ck_assert_str_eq(g.provenance.v[1],
                     "lz4 (good): decoder from goodlib 1 (m) on 3.6.15 to "
                     "3.12.1; used: decode on 3.6.15 to 3.12.1");
    report_render(&g, REPORT_TEXT, &out);
    /* The cells leave the provenance to its line. */
    ck_assert_ptr_null(strstr(out.buf, " via "));
    ck_assert_ptr_nonnull(strstr(out.buf, "lz4 (bad)  | over-release"));
    report_grid_release(&g);
    /* Every row with the same sets: sets stay column groups. */
    for (size_t i = 0; i < 2; i++) {
        result_release(&set.v[i]);
    }
    memmove(set.v, set.v + 2, 4 * sizeof(*set.v));
    set.nr = 4;
    report_grid_build(&g, &set);
    ck_assert_int_eq(g.libset_rows, 0);
    ck_assert_uint_eq(g.ncols, 4);
    ck_assert_uint_eq(g.provenance.nr, 0);
    ck_assert_str_eq(g.cols[0].label, "3.6.15 bad");
    report_grid_release(&g);
    result_set_release(&set);
    strbuf_release(&out);
}
END_TEST

/* A traced leak and an fd leak: every format says where it grows and
 * what grew by name. */
START_TEST(sites_and_names_in_every_format)
{
    struct result_set set;
    struct report_grid g;
    struct outcome_frame fr = {"pyleak.py", "/s/pyleak.py", 11, "iterate",
                               "state.append(object())"};
    static const struct {
        enum report_format f;
        const char *want[3];
    } formats[] = {
        {REPORT_TEXT, {"Where it grows", "  +24 B/it (+1.0 blocks/it) at "
                       "pyleak.py:11 in iterate\n", "      > pyleak.py:11 "
                       "in iterate: state.append(object())\n"}},
        {REPORT_MARKDOWN, {"### Where it grows", "pyleak.py:11 in iterate",
                           "fds +1.0/it every round: /dev/null"}},
        {REPORT_JUNIT, {"&gt; pyleak.py:11 in iterate", "fds +1.0/it",
                        NULL}},
        {REPORT_CSV, {",pyleak.py:11 in iterate,site,grew,24,,bytes,"
                      "state.append(object())\n",
                      ",/dev/null,fds,grew,1,,fds,\n", NULL}},
    };

    result_set_init(&set);
    add_cell(&set, "/s/pyleak.py", "3.12.1", 0x030c01f0, "",
             VERDICT_STATUS_LEAK, NULL, NULL);
    add_cell(&set, "/s/fd.py", "3.12.1", 0x030c01f0, "",
             VERDICT_STATUS_LEAK, NULL, NULL);
    for (size_t i = 0; i < 2; i++) {
        set.v[i].summary = strdup("leak");
        set.v[i].path = strdup("/r/x.json");
        set.v[i].outcome.tracer = strdup("tracemalloc");
    }
    outcome_add_site(&set.v[0].outcome, 24, 1, &fr, 1, 0);
    outcome_add_named(&set.v[1].outcome, "fds", "/dev/null", 1.0, 1, NULL);
    report_grid_build(&g, &set);
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        struct strbuf out = STRBUF_INIT;
        report_render(&g, formats[i].f, &out);
        for (size_t k = 0; k < 3 && formats[i].want[k]; k++) {
            ck_assert_msg(strstr(out.buf, formats[i].want[k]) != NULL,
                          "%s lacks '%s':\n%s",
                          report_format_name(formats[i].f),
                          formats[i].want[k], out.buf);
        }
        strbuf_release(&out);
    }
    report_grid_release(&g);
    result_set_release(&set);
}
END_TEST

/* One scenario, two sets, seven interpreters: 14 set columns would not
 * fit, so the sets go into the rows; on six (12 columns) they stay. */
/* A test's cell: add_cell() with the framework in its document, as a
 * run of a test target writes it. */
static void
add_test_cell(struct result_set *set, const char *id, const char *fw,
              const char *py, unsigned long hex, enum verdict_status status)
{
    add_cell(set, id, py, hex, "", status, NULL, NULL);
    /* A test's key has its id for the scenario, not a file's stem. */
    free(set->v[set->nr - 1].key.scenario);
    set->v[set->nr - 1].key.scenario = xstrdup(id);
    set->v[set->nr - 1].summary = xstrdup(verdict_status_name(status));
    set->v[set->nr - 1].doc = json_pack("{s:{s:{s:s}}}", "scenario", "test",
                                        "framework", fw);
}

/* A suite's grid: hundreds of rows, most clean in every column. */
static void
suite_cells(struct result_set *set)
{
    static const char *const py[] = {"3.6.15", "3.12.1"};
    static const unsigned long hex[] = {0x030600f0, 0x030c01f0};

    result_set_init(set);
    for (int c = 0; c < 2; c++) {
        for (int i = 0; i < 25; i++) {
            char *id = xasprintf("tests/test_a.py::TestC::test_%02d", i);
            add_test_cell(set, id, "pytest", py[c], hex[c],
                          VERDICT_STATUS_CLEAN);
            free(id);
        }
        add_test_cell(set, "tests/test_a.py::test_free[a::b]", "pytest",
                      py[c], hex[c],
                      c ? VERDICT_STATUS_LEAK : VERDICT_STATUS_CLEAN);
        add_test_cell(set, "tests/test_b.py::test_skip", "pytest", py[c],
                      hex[c], VERDICT_STATUS_SKIPPED);
        add_test_cell(set, "pkg.test_u.TestU.test_m", "unittest", py[c],
                      hex[c],
                      c ? VERDICT_STATUS_CLEAN : VERDICT_STATUS_SUSPECT);
        add_test_cell(set, "pkg.mod:func", "call", py[c], hex[c],
                      VERDICT_STATUS_CLEAN);
    }
}

START_TEST(tests_grouped_and_quiet_rows_counted)
{
    struct result_set set;
    struct report_grid g;
    struct strbuf out = STRBUF_INIT;

    /* Grouped by file and class; a "::" in a parameter id is no class. */
    static const struct {
        const char *group, *name;
    } want[] = {
        {"pkg.mod", "func"},
        {"pkg.test_u.TestU", "test_m"},
        {"tests/test_a.py", "test_free[a::b]"},
        {"tests/test_a.py::TestC", "test_00"},
    };

    suite_cells(&set);
    report_grid_build(&g, &set);
    ck_assert_uint_eq(g.nrows, 29);
    ck_assert_uint_eq(g.hidden_clean, 26);
    ck_assert_uint_eq(g.hidden_skipped, 1);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        ck_assert_str_eq(g.rows[i].group, want[i].group);
        ck_assert_str_eq(g.rows[i].name, want[i].name);
    }
    report_render(&g, REPORT_TEXT, &out);
    ck_assert_ptr_nonnull(strstr(out.buf, "\npkg.test_u.TestU\n  test_m "));
    ck_assert_ptr_nonnull(strstr(out.buf,
                                 "\ntests/test_a.py\n  test_free[a::b] "));
    ck_assert_ptr_null(strstr(out.buf, "test_00"));
    ck_assert_ptr_null(strstr(out.buf, "test_skip"));
    ck_assert_ptr_nonnull(strstr(out.buf,
                                 "\n26 more rows clean in every column, 1 "
                                 "skipped in every column; --all-rows to "
                                 "show them\n"));
    strbuf_reset(&out);
    report_render(&g, REPORT_MARKDOWN, &out);
    ck_assert_ptr_nonnull(strstr(out.buf, "| **tests/test_a.py** |"));
    ck_assert_ptr_nonnull(strstr(out.buf, "--all-rows to show them."));
    ck_assert_ptr_null(strstr(out.buf, "test_00"));
    strbuf_reset(&out);
    report_render(&g, REPORT_HTML, &out);
    ck_assert_ptr_nonnull(strstr(out.buf, "<tr class=\"group\"><th "
                                          "colspan=\"3\">tests/test_a.py"));
    ck_assert_ptr_nonnull(strstr(out.buf, "<p class=\"hidden\">26 more"));
    ck_assert_ptr_null(strstr(out.buf, "test_00"));
    /* json, junit and csv keep every row. */
    strbuf_reset(&out);
    report_render(&g, REPORT_CSV, &out);
    ck_assert_ptr_nonnull(strstr(out.buf, "test_00"));
    /* --all-rows */
    report_grid_show_all(&g);
    strbuf_reset(&out);
    report_render(&g, REPORT_TEXT, &out);
    ck_assert_ptr_nonnull(strstr(out.buf,
                                 "\ntests/test_a.py::TestC\n  test_00 "));
    ck_assert_ptr_nonnull(strstr(out.buf, "\n  test_skip "));
    ck_assert_ptr_null(strstr(out.buf, "--all-rows"));
    report_grid_release(&g);
    result_set_release(&set);
    strbuf_release(&out);
}
END_TEST

/* Every row quiet: the counts alone, no empty table. */
START_TEST(every_row_quiet_is_one_line)
{
    struct result_set set;
    struct report_grid g;
    struct strbuf out = STRBUF_INIT;

    result_set_init(&set);
    for (int i = 0; i < 21; i++) {
        char *id = xasprintf("t.test_x.T.test_%02d", i);
        add_test_cell(&set, id, "unittest", "3.12.1", 0x030c01f0,
                      VERDICT_STATUS_CLEAN);
        free(id);
    }
    report_grid_build(&g, &set);
    report_render(&g, REPORT_TEXT, &out);
    ck_assert_str_eq(out.buf, "21 rows clean in every column; --all-rows to "
                              "show them\n");
    report_grid_release(&g);
    result_set_release(&set);
    strbuf_release(&out);
}
END_TEST

START_TEST(too_many_set_columns_go_into_rows)
{
    static const char *const tags[] = {"3.6.15", "3.7.16", "3.8.18",
                                       "3.9.18", "3.10.13", "3.11.7",
                                       "3.12.1"};
    static const unsigned long hex[] = {0x030600f0, 0x030700f0, 0x030800f0,
                                        0x030900f0, 0x030a00f0, 0x030b00f0,
                                        0x030c00f0};
    struct result_set set;
    struct report_grid g;

    for (size_t n = 6; n <= 7; n++) {
        result_set_init(&set);
        for (size_t i = 0; i < n; i++) {
            add_cell(&set, "/s/lz4.py", tags[i], hex[i], "bad",
                     VERDICT_STATUS_LEAK, NULL, NULL);
            add_cell(&set, "/s/lz4.py", tags[i], hex[i], "good",
                     VERDICT_STATUS_CLEAN, NULL, NULL);
        }
        report_grid_build(&g, &set);
        ck_assert_int_eq(g.libset_rows, n == 7);
        ck_assert_uint_eq(g.ncols, n == 7 ? n : 2 * n);
        ck_assert_uint_eq(g.nrows, n == 7 ? 2 : 1);
        report_grid_release(&g);
        result_set_release(&set);
    }
}
END_TEST

START_TEST(html_is_one_file_with_grid_and_plots)
{
    struct result_set set;
    struct report_grid g;
    struct strbuf out = STRBUF_INIT;
    load(&set, &g);
    report_render(&g, REPORT_HTML, &out);
    ck_assert_ptr_nonnull(strstr(out.buf, "<table class=\"grid\">"));
    ck_assert_ptr_nonnull(strstr(out.buf, "<polyline points=\""));
    ck_assert_ptr_nonnull(strstr(out.buf, "<section id=\"cell-"));
    /* Self-contained: nothing fetched from anywhere. */
    ck_assert_ptr_null(strstr(out.buf, "http://"));
    ck_assert_ptr_null(strstr(out.buf, "https://"));
    ck_assert_ptr_null(strstr(out.buf, "<script"));
    strbuf_release(&out);
    report_grid_release(&g);
    result_set_release(&set);
}
END_TEST

Suite *
report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("report: grid and golden renderings");
    tcase_add_test(tc, text_matches_golden);
    tcase_add_test(tc, markdown_matches_golden);
    tcase_add_test(tc, csv_matches_golden);
    tcase_add_test(tc, junit_matches_golden);
    tcase_add_test(tc, columns_follow_versions_not_discovery);
    tcase_add_test(tc, changes_are_said_in_words);
    tcase_add_test(tc, versions_order);
    tcase_add_test(tc, escaping);
    tcase_add_test(tc, html_is_one_file_with_grid_and_plots);
    tcase_add_test(tc, libsets_differing_by_row_go_into_rows);
    tcase_add_test(tc, too_many_set_columns_go_into_rows);
    tcase_add_test(tc, tests_grouped_and_quiet_rows_counted);
    tcase_add_test(tc, every_row_quiet_is_one_line);
    tcase_add_test(tc, sites_and_names_in_every_format);
    suite_add_tcase(s, tc);
    return s;
}
