/* test-plan.c - the cells of a command line: interpreter selection by tag,
 * prefix, range and "all", --vary values and their product. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "matrix/plan.h"

static void
fake(struct registry *reg, const char *tag, const char *version,
     int embeddable)
{
    reg->v = realloc(reg->v, (reg->nr + 1) * sizeof(*reg->v));
    struct python *py = &reg->v[reg->nr++];
    memset(py, 0, sizeof(*py));
    py->tag = strdup(tag);
    py->version = strdup(version);
    py->embeddable = embeddable;
    py->why_not = embeddable ? NULL : strdup("free-threaded build");
}

static void
registry_of_six(struct registry *reg)
{
    fake(reg, "3.9.2", "3.9.2", 1);
    fake(reg, "3.6.15", "3.6.15", 1);
    fake(reg, "3.7.16", "3.7.16", 1);
    fake(reg, "3.11.7", "3.11.7", 1);
    fake(reg, "3.11.2-debug", "3.11.2", 1);
    fake(reg, "3.13.5t", "3.13.5", 0);
}

/* The selected tags, space-separated, or "error <rc>: <message>". */
static char *
select_tags(const struct registry *reg, const char *const *sels, size_t n)
{
    struct python *out[16];
    size_t nout = 0;
    struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
    int rc = plan_select_pythons(reg, sels, n, out, &nout, 16, &err);
    if (rc) {
        strbuf_addf(&sb, "error %d: %s", rc, err.buf);
    }
    for (size_t i = 0; !rc && i < nout; i++) {
        strbuf_addf(&sb, "%s%s", i ? " " : "", out[i]->tag);
    }
    strbuf_release(&err);
    return strbuf_detach(&sb, NULL);
}

#define CHECK_SELECT(want, ...)                                             \
    do {                                                                    \
        const char *s_[] = {__VA_ARGS__};                                   \
        char *got_ = select_tags(&reg, s_, sizeof(s_) / sizeof(s_[0]));     \
        ck_assert_str_eq(got_, want);                                       \
        free(got_);                                                         \
    } while (0)

START_TEST(pythons_by_tag_prefix_range_and_all)
{
    struct registry reg = REGISTRY_INIT;
    registry_of_six(&reg);
    CHECK_SELECT("3.11.7 3.11.2-debug", "3.11");
    CHECK_SELECT("3.11.7", "3.11.7");
    CHECK_SELECT("3.9.2 3.7.16 3.11.7 3.11.2-debug", "3.7..3.11");
    CHECK_SELECT("3.9.2 3.6.15 3.7.16", "..3.10");
    CHECK_SELECT("3.11.7 3.11.2-debug", "3.10..");
    CHECK_SELECT("3.9.2 3.6.15 3.7.16 3.11.7 3.11.2-debug", "all");
    CHECK_SELECT("3.7.16 3.6.15", "3.7", "3.6", "3.7.16");
    CHECK_SELECT("error 2: unknown interpreter '3.5'; `leakmatrix pythons "
                 "list` shows the tags",
                 "3.5");
    CHECK_SELECT("error 2: no embeddable interpreter in the range 3.14..; "
                 "`leakmatrix pythons list` shows them",
                 "3.14..");
    CHECK_SELECT("error 2: '3.x..4' is not a version range; write e.g. "
                 "--python 3.7..3.11",
                 "3.x..4");
    CHECK_SELECT("error 2: 3.13.5t cannot be embedded: free-threaded build",
                 "3.13.5t");
    registry_release(&reg);
}
END_TEST

/* Issue 23: a supported version without python3.X-dev is this machine's
 * to fix, exit 3 with the package named; a version leakmatrix refuses is
 * the command line's, exit 2. */
START_TEST(pythons_without_headers_are_the_environments)
{
    struct registry reg = REGISTRY_INIT;
    fake(&reg, "3.11.2", "3.11.2", 0);
    free(reg.v[0].why_not);
    reg.v[0].hexversion = 0x030b02f0;
    reg.v[0].why_not = strdup("no C headers (/usr/include/python3.11/"
                              "Python.h missing); on Debian install "
                              "python3.11-dev");
    fake(&reg, "3.3.7", "3.3.7", 0);
    free(reg.v[1].why_not);
    reg.v[1].hexversion = 0x030307f0;
    reg.v[1].why_not = strdup("Python 3.3.7 is older than 3.4");
    CHECK_SELECT("error 3: 3.11.2 cannot be embedded: no C headers "
                 "(/usr/include/python3.11/Python.h missing); on Debian "
                 "install python3.11-dev",
                 "3.11");
    CHECK_SELECT("error 2: 3.3.7 cannot be embedded: Python 3.3.7 is older "
                 "than 3.4",
                 "3.3.7");
    ck_assert(registry_version_supported(0x030b02f0));
    ck_assert(registry_version_supported(0x030f0000));
    ck_assert(!registry_version_supported(0x030307f0));
    ck_assert(!registry_version_supported(0x03100000));
    registry_release(&reg);
}
END_TEST

START_TEST(version_prefixes_compare_by_component)
{
    ck_assert_int_eq(plan_version_cmp_prefix("3.11.7", "3.11"), 0);
    ck_assert_int_gt(plan_version_cmp_prefix("3.11.7", "3.9"), 0);
    ck_assert_int_lt(plan_version_cmp_prefix("3.9.18", "3.10"), 0);
    ck_assert_int_eq(plan_version_cmp_prefix("3.14.0rc1", "3.14.0"), 0);
    ck_assert_int_gt(plan_version_cmp_prefix("3.13.0", "3.12.99"), 0);
}
END_TEST

START_TEST(vary_values_are_checked)
{
    struct plan_vary v;
    struct strbuf err = STRBUF_INIT;
    ck_assert_int_eq(plan_parse_vary("block_on_close=true,false", &v, &err),
                     0);
    ck_assert_str_eq(v.name, "block_on_close");
    ck_assert_uint_eq(v.values.nr, 2);
    ck_assert_str_eq(v.values.v[1], "false");
    plan_vary_release(&v);
    const char *bad[] = {"x", "=1,2", "x=", "x=1,,2", "x=1,", "x=1,1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        strbuf_reset(&err);
        ck_assert_msg(plan_parse_vary(bad[i], &v, &err) == -1, "accepted %s",
                      bad[i]);
        ck_assert(err.len > 0);
    }
    strbuf_release(&err);
}
END_TEST

START_TEST(cells_are_the_product)
{
    char path[] = "/tmp/lmx-plan-XXXXXX.py";
    int fd = mkstemps(path, 3);
    ck_assert_int_ge(fd, 0);
    close(fd);
    struct registry reg = REGISTRY_INIT;
    registry_of_six(&reg);
    struct python *py[] = {&reg.v[1], &reg.v[2]};
    struct plan_vary v[2];
    struct strbuf err = STRBUF_INIT;
    ck_assert_int_eq(plan_parse_vary("a=1,2,3", &v[0], &err), 0);
    ck_assert_int_eq(plan_parse_vary("b=x,y", &v[1], &err), 0);
    const char *sets[] = {"c=9", NULL};
    const char *scen[] = {path};
    struct cell_spec base = {0};
    base.rounds = 5;
    struct plan p = PLAN_INIT;
    ck_assert_int_eq(plan_build(&p, &base, scen, 1, py, 2, sets, v, 2, &err),
                     0);
    ck_assert_uint_eq(p.nr, 12);
    ck_assert_str_eq(p.v[0].key.params, "a=1,b=x,c=9");
    ck_assert_str_eq(p.v[0].key.python, "3.6.15");
    ck_assert_str_eq(p.v[1].key.python, "3.7.16");
    ck_assert_str_eq(p.v[2].key.params, "a=1,b=y,c=9");
    ck_assert_str_eq(p.v[11].key.params, "a=3,b=y,c=9");
    ck_assert_str_eq(p.v[11].spec.sets[0], "c=9");
    ck_assert_str_eq(p.v[11].spec.sets[2], "b=y");
    ck_assert_ptr_null(p.v[11].spec.sets[3]);
    ck_assert_uint_eq(p.v[5].spec.rounds, 5);
    plan_release(&p);

    /* A name both set and varied is refused. */
    const char *clash[] = {"a=4", NULL};
    ck_assert_int_eq(plan_build(&p, &base, scen, 1, py, 2, clash, v, 2, &err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "both by --set and --vary"));
    plan_release(&p);
    plan_vary_release(&v[0]);
    plan_vary_release(&v[1]);
    registry_release(&reg);
    strbuf_release(&err);
    unlink(path);
}
END_TEST

/* A test target's cells become its tests, each a copy of its cell with
 * the test's name, argument, options and decision; library sets copy
 * them whole. */
START_TEST(targets_become_their_tests)
{
    struct registry reg = REGISTRY_INIT;
    registry_of_six(&reg);
    struct python *py[] = {&reg.v[1], &reg.v[3]};
    struct cell_spec base = {0};
    struct plan p = PLAN_INIT;
    const char *names[] = {"pytest"};
    const char *args[] = {"--rootdir=/src", NULL};

    base.rounds = 5;
    plan_add_target(&p, &base, "pytest:/src/tests", "tests", "d0", py, 2);
    ck_assert_uint_eq(p.nr, 2);
    ck_assert(p.v[0].collect);
    ck_assert_str_eq(p.v[0].key.scenario, "tests");
    ck_assert_str_eq(p.v[0].spec.scenario, "pytest:/src/tests");
    ck_assert_str_eq(p.v[1].label, "tests on 3.11.7");
    plan_expand_libsets(&p, names, 1);
    ck_assert_str_eq(p.v[1].label, "tests on 3.11.7 with pytest");
    ck_assert_str_eq(p.v[1].spec.scenario, "pytest:/src/tests");

    struct plan_test t[] = {
        {"tests/test_x.py::test_a", "pytest:/src/tests/test_x.py::test_a",
         "d1", args, PLAN_RUN, NULL, NULL},
        {"tests/test_y.py", "pytest:/src/tests", "d2", NULL, PLAN_ERROR,
         "ImportError: no", "Traceback"},
    };
    plan_replace(&p, 1, t, 2);
    ck_assert_uint_eq(p.nr, 3);
    ck_assert_str_eq(p.v[1].key.scenario, "tests/test_x.py::test_a");
    ck_assert_str_eq(p.v[1].key.python, "3.11.7");
    ck_assert_str_eq(p.v[1].key.libset, "pytest");
    ck_assert_str_eq(p.v[1].label,
                     "tests/test_x.py::test_a on 3.11.7 with pytest");
    ck_assert_str_eq(p.v[1].spec.scenario,
                     "pytest:/src/tests/test_x.py::test_a");
    ck_assert_str_eq(p.v[1].spec.runner_args[0], "--rootdir=/src");
    ck_assert_ptr_null(p.v[1].spec.runner_args[1]);
    ck_assert_str_eq(p.v[1].digest, "d1");
    ck_assert(!p.v[1].collect && p.v[1].ready == PLAN_RUN);
    ck_assert_int_eq(p.v[2].ready, PLAN_ERROR);
    ck_assert_str_eq(p.v[2].text, "Traceback");
    ck_assert_ptr_null(p.v[2].spec.runner_args[0]);
    ck_assert(p.v[0].collect);

    /* Nothing in its place: the cell is gone. */
    plan_replace(&p, 0, NULL, 0);
    ck_assert_uint_eq(p.nr, 2);
    ck_assert_str_eq(p.v[0].key.scenario, "tests/test_x.py::test_a");
    plan_release(&p);
    registry_release(&reg);
}
END_TEST

Suite *
plan_suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan: interpreters and variants");
    tcase_add_test(tc, pythons_by_tag_prefix_range_and_all);
    tcase_add_test(tc, pythons_without_headers_are_the_environments);
    tcase_add_test(tc, version_prefixes_compare_by_component);
    tcase_add_test(tc, vary_values_are_checked);
    tcase_add_test(tc, cells_are_the_product);
    tcase_add_test(tc, targets_become_their_tests);
    suite_add_tcase(s, tc);
    return s;
}
