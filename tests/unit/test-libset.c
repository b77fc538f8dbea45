/* test-libset.c - library set specs, names and --libs-from files
 * (harness/libset.c), the plan's expansion by sets (plan.c) and the
 * outcome's provided capabilities (outcome.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libs/libset.h"
#include "base/opt.h"
#include "judge/outcome.h"
#include "matrix/plan.h"
#include "base/util.h"

static int
spec_ok(const char *spec)
{
    struct strbuf err = STRBUF_INIT;
    int rc = libset_spec_check(spec, &err);
    ck_assert(rc == 0 ? err.len == 0 : err.len > 0);
    ck_assert_ptr_null(strchr(err.buf, '\n'));
    strbuf_release(&err);
    return rc == 0;
}

START_TEST(requirements_accepted)
{
    static const char *const ok[] = {
        "lz4", "lz4tools==1.3.1.2", "lz4>=4", "kafka-python",
        "a.b_c-d>=1.0,<2", "x[socks,zstd]~=2.1", "y!=1.*", "z===1.0+local",
        "git+https://github.com/x/y.git@v1.0", "git+/tmp@main", "/tmp",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ck_assert_msg(spec_ok(ok[i]), "%s refused", ok[i]);
    }
}
END_TEST

START_TEST(shell_and_malformed_refused)
{
    static const char *const bad[] = {
        "", "x; rm -rf ~", "x&&y", "a|b", "$(id)", "`id`", "a'b", "a\"b",
        "lz4 tools", "a\tb", "a\nb", "-e", "--index-url=x", "lz4=>4",
        "lz4==", "[x]", "x[", "x[a", "git+@v1", "git+/tmp", "git+/tmp@",
        "/nonexistent/x.whl", "./missing.tar.gz", "x#egg=y", "a\\b",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(!spec_ok(bad[i]), "'%s' accepted", bad[i]);
    }
    struct strbuf err = STRBUF_INIT;
    libset_spec_check("x; rm -rf ~", &err);
    ck_assert_str_eq(strstr(err.buf, "invalid requirement 'x; rm -rf ~': "
                                     "';' cannot appear") ? "y" : err.buf,
                     "y");
    strbuf_release(&err);
}
END_TEST

START_TEST(set_name_is_canonical)
{
    struct libset a = LIBSET_INIT, b = LIBSET_INIT;
    struct strbuf err = STRBUF_INIT;
    const char *one[] = {"lz4tools==1.3.1.2", "kafka-python",
                         "kafka-python"};
    const char *two[] = {"kafka-python", "lz4tools==1.3.1.2"};
    const char *none[] = {NULL};
    const char *badv[] = {"ok", "x;y"};

    ck_assert_int_eq(libset_from_specs(&a, one, 3, &err), 0);
    ck_assert_int_eq(libset_from_specs(&b, two, 2, &err), 0);
    ck_assert_str_eq(a.name, "kafka-python lz4tools==1.3.1.2");
    ck_assert_str_eq(a.name, b.name);
    ck_assert_str_eq(a.keyed, b.keyed);
    ck_assert_uint_eq(a.specs.nr, 2);
    ck_assert_int_eq(libset_from_specs(&a, none, 0, &err), -1);
    ck_assert_ptr_null(a.name);
    strbuf_reset(&err);
    ck_assert_int_eq(libset_from_specs(&a, badv, 2, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "'x;y'"));
    /* A local file: absolute in the name, its digest in the key. */
    char dir[] = "/tmp/lmx-test-libset.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *whl = path_join(dir, "p-1-py3-none-any.whl");
    ck_assert_int_eq(util_write_file_atomic(whl, "one", 3), 0);
    ck_assert_int_eq(chdir(dir), 0);
    const char *rel[] = {"./p-1-py3-none-any.whl"};
    ck_assert_int_eq(libset_from_specs(&a, rel, 1, &err), 0);
    char *real = path_real(whl);
    ck_assert_str_eq(a.name, real);
    char *keyed = xstrdup(a.keyed);
    ck_assert_int_eq(util_write_file_atomic(whl, "two", 3), 0);
    ck_assert_int_eq(libset_from_specs(&a, rel, 1, &err), 0);
    ck_assert_str_ne(a.keyed, keyed);
    ck_assert_int_eq(chdir("/"), 0);
    util_rm_rf(dir);
    free(keyed);
    free(real);
    free(whl);
    libset_release(&a);
    libset_release(&b);
    strbuf_release(&err);
}
END_TEST

START_TEST(libs_from_reads_sets_and_names_bad_lines)
{
    char path[] = "/tmp/lmx-test-libs-from.XXXXXX";
    int fd = mkstemp(path);
    static const char text[] = "# sets\n\nkafka-python lz4tools==1.3.1.2\n"
                               "  kafka-python\tlz4  \n";
    struct libset *sets = NULL;
    size_t n = 0;
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, sizeof(text) - 1),
                     (int)sizeof(text) - 1);
    close(fd);
    ck_assert_int_eq(libset_read_file(path, &sets, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(sets[0].name, "kafka-python lz4tools==1.3.1.2");
    ck_assert_str_eq(sets[1].name, "kafka-python lz4");
    for (size_t i = 0; i < n; i++) {
        libset_release(&sets[i]);
    }
    free(sets);
    sets = NULL;
    n = 0;
    ck_assert_int_eq(util_write_file_atomic(path, "lz4\n\nx|y\n", 9), 0);
    ck_assert_int_eq(libset_read_file(path, &sets, &n, &err), -1);
    char *want = xasprintf("%s:3: invalid requirement 'x|y'", path);
    ck_assert_ptr_nonnull(strstr(err.buf, want));
    free(want);
    for (size_t i = 0; i < n; i++) {
        libset_release(&sets[i]);
    }
    free(sets);
    sets = NULL;
    n = 0;
    strbuf_reset(&err);
    ck_assert_int_eq(util_write_file_atomic(path, "# only\n", 7), 0);
    ck_assert_int_eq(libset_read_file(path, &sets, &n, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "names no library set"));
    free(sets);
    unlink(path);
    strbuf_release(&err);
}
END_TEST

START_TEST(pinned_sets_need_no_resolution)
{
    static const struct {
        const char *spec;
        int pinned;
    } cases[] = {
        {"lz4tools==1.3.1.2", 1}, {"lz4[x]==4.0", 1}, {"lz4===4.0", 1},
        {"lz4", 0}, {"lz4>=4", 0}, {"lz4==4.*", 0}, {"lz4==4,!=4.1", 0},
        {"lz4~=4.0", 0}, {"git+https://x.org/r@v1.0", 0},
        {"git+https://x.org/r@0123456789abcdef0123456789abcdef01234567", 1},
    };
    struct libset set = LIBSET_INIT;
    struct strbuf err = STRBUF_INIT;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *one[] = {cases[i].spec};
        ck_assert_int_eq(libset_from_specs(&set, one, 1, &err), 0);
        ck_assert_msg(set.pinned == cases[i].pinned, "%s: pinned %d",
                      cases[i].spec, set.pinned);
    }
    /* One ranged spec makes the set ranged. */
    const char *two[] = {"lz4tools==1.3.1.2", "kafka-python"};
    ck_assert_int_eq(libset_from_specs(&set, two, 2, &err), 0);
    ck_assert_int_eq(set.pinned, 0);
    libset_release(&set);
    strbuf_release(&err);
}
END_TEST

START_TEST(pip_by_version)
{
    ck_assert_str_eq(libset_pip_version(0x030609f0), "21.3.1");
    ck_assert_str_eq(libset_pip_version(0x030710f0), "24.0");
    ck_assert_str_eq(libset_pip_version(0x030802f0), "24.3.1");
    ck_assert_str_eq(libset_pip_version(0x030900f0), "24.3.1");
    ck_assert_str_eq(libset_pip_version(0x030d00f0), "24.3.1");
}
END_TEST

START_TEST(plan_multiplies_cells_by_sets)
{
    struct python py;
    struct python *pys[] = {&py};
    struct plan p = PLAN_INIT;
    struct cell_spec base;
    struct strbuf err = STRBUF_INIT;
    const char *names[] = {"lz4", "kafka-python lz4tools==1.3.1.2"};
    char path[] = "/tmp/lmx-test-plan-scen.XXXXXX";
    int fd = mkstemp(path);
    const char *scen[] = {path};

    ck_assert_int_ge(fd, 0);
    close(fd);
    memset(&py, 0, sizeof(py));
    memset(&base, 0, sizeof(base));
    py.tag = "3.9.2";
    ck_assert_int_eq(plan_build(&p, &base, scen, 1, pys, 1, NULL, NULL, 0,
                                &err), 0);
    ck_assert_uint_eq(p.nr, 1);
    ck_assert_int_eq(p.v[0].libset, -1);
    plan_expand_libsets(&p, names, 0);
    ck_assert_uint_eq(p.nr, 1);
    plan_expand_libsets(&p, names, 2);
    ck_assert_uint_eq(p.nr, 2);
    ck_assert_str_eq(p.v[0].key.libset, "lz4");
    ck_assert_str_eq(p.v[1].key.libset, "kafka-python lz4tools==1.3.1.2");
    ck_assert_int_eq(p.v[1].libset, 1);
    ck_assert_ptr_nonnull(strstr(p.v[1].label, "with kafka-python"));
    char *file = result_key_file_name(&p.v[1].key);
    ck_assert_ptr_null(strchr(file, ' '));
    free(file);
    plan_release(&p);
    unlink(path);
    strbuf_release(&err);
}
END_TEST

START_TEST(provided_round_trips_and_renders)
{
    struct outcome o, back;
    struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;

    outcome_init(&o);
    outcome_init(&back);
    o.status = VERDICT_STATUS_CLEAN;
    outcome_add_provided(&o, "lz4 frame decoder", "lz4f", "lz4tools",
                         "1.3.1.2");
    outcome_provided_set_used(&o, "context calls only");
    outcome_add_provided(&o, "none here", NULL, NULL, NULL);
    outcome_summary(&o, &sb);
    ck_assert_str_eq(sb.buf, "clean; lz4 frame decoder came from lz4tools "
                             "1.3.1.2 (module lz4f); used: context calls "
                             "only; no candidate for none here was "
                             "imported");
    strbuf_reset(&sb);
    outcome_cell_text(&o, &sb);
    ck_assert_str_eq(sb.buf, "clean via lz4tools 1.3.1.2 (lz4f)");
    json_t *j = outcome_to_json(&o);
    ck_assert_int_eq(outcome_from_json(j, &back, &err), 0);
    ck_assert_uint_eq(back.nprovided, 2);
    ck_assert_str_eq(back.provided[0].dist, "lz4tools");
    ck_assert_str_eq(back.provided[0].used, "context calls only");
    ck_assert_ptr_null(back.provided[1].module);
    ck_assert_ptr_null(back.provided[1].used);
    /* Older results have no "provided"; a broken one is refused. */
    json_object_del(j, "provided");
    ck_assert_int_eq(outcome_from_json(j, &back, &err), 0);
    ck_assert_uint_eq(back.nprovided, 0);
    json_object_set_new(j, "provided", json_string("x"));
    ck_assert_int_eq(outcome_from_json(j, &back, &err), -1);
    json_decref(j);
    outcome_release(&o);
    outcome_release(&back);
    strbuf_release(&sb);
    strbuf_release(&err);
}
END_TEST

START_TEST(options_by_value_and_by_table)
{
    char *argv[] = {"cmd", "--lib", "lz4", "--lib=x", "--libs", "--lib",
                    NULL};
    int i = 1, m = 0;
    ck_assert_str_eq(opt_value(6, argv, &i, "--lib", &m), "lz4");
    ck_assert_int_eq(m, 1);
    ck_assert_int_eq(i, 2);
    i = 3;
    ck_assert_str_eq(opt_value(6, argv, &i, "--lib", &m), "x");
    i = 4;
    ck_assert_ptr_null(opt_value(6, argv, &i, "--lib", &m));
    ck_assert_int_eq(m, 0);
    i = 5;
    ck_assert_ptr_null(opt_value(6, argv, &i, "--lib", &m));
    ck_assert_int_eq(m, 1);

    static const struct opt_spec table[] = {
        {"tag", 1, 1}, {"debug", 2, 0}, {"help", 3, 0},
    };
    char *args[] = {"b", "--tag", "t1", "--debug", "-h", "--tag=",
                    "--debug=1", "--nope", "plain", "--tag", NULL};
    const char *value;
    struct strbuf err = STRBUF_INIT;
    int ids[] = {1, 2, 3};
    i = 1;
    for (size_t k = 0; k < 3; k++, i++) {
        ck_assert_int_eq(opt_next(10, args, &i, table, 3, &value, &err),
                         ids[k]);
    }
    ck_assert_int_eq(i, 5);
    static const char *const errors[] = {
        "needs a non-empty value", "takes no value", "unknown option "
        "'--nope'", "unexpected argument 'plain'", "needs a value",
    };
    for (size_t k = 0; k < 5; k++, i++) {
        strbuf_reset(&err);
        ck_assert_int_eq(opt_next(10, args, &i, table, 3, &value, &err),
                         -1);
        ck_assert_msg(strstr(err.buf, errors[k]) != NULL, "%s: %s",
                      errors[k], err.buf);
    }
    strbuf_release(&err);
}
END_TEST

Suite *
libset_suite(void)
{
    Suite *s = suite_create("libset");
    TCase *tc = tcase_create("libset");

    tcase_add_test(tc, requirements_accepted);
    tcase_add_test(tc, shell_and_malformed_refused);
    tcase_add_test(tc, set_name_is_canonical);
    tcase_add_test(tc, libs_from_reads_sets_and_names_bad_lines);
    tcase_add_test(tc, pip_by_version);
    tcase_add_test(tc, pinned_sets_need_no_resolution);
    tcase_add_test(tc, plan_multiplies_cells_by_sets);
    tcase_add_test(tc, provided_round_trips_and_renders);
    tcase_add_test(tc, options_by_value_and_by_table);
    suite_add_tcase(s, tc);
    return s;
}
