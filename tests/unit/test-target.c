/* test-target.c - the arguments of `run`: scenario files and test targets
 * told apart by their syntax, paths made absolute, bad names refused. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "matrix/target.h"

/* "KIND|ARG|NAME|FILE" of a parsed argument, or "error: MESSAGE". */
static char *
parsed(const char *arg)
{
    struct target t = TARGET_INIT;
    struct strbuf err = STRBUF_INIT;
    char *out;

    if (target_parse(arg, &t, &err) < 0) {
        out = xasprintf("error: %s", err.buf);
    }
    else {
        out = xasprintf("%d|%s|%s|%s", (int)t.kind, t.arg, t.name,
                        t.file ? t.file : "-");
    }
    target_release(&t);
    strbuf_release(&err);
    return out;
}

#define CHECK_PARSED(arg, want)                                             \
    do {                                                                    \
        char *got_ = parsed(arg);                                           \
        ck_assert_str_eq(got_, want);                                       \
        free(got_);                                                         \
    } while (0)

START_TEST(targets_by_syntax)
{
    char dir[] = "/tmp/lmx-target-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *file = xasprintf("%s/test_x.py", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    char *cwd = getcwd(NULL, 0);
    ck_assert_int_eq(chdir(dir), 0);
    char *want;

    want = xasprintf("1|pytest:%s/test_x.py::TestC::test_m[a::b]|"
                     "test_x.py::TestC::test_m[a::b]|%s", dir, file);
    CHECK_PARSED("test_x.py::TestC::test_m[a::b]", want);
    free(want);
    want = xasprintf("1|pytest:%s/test_x.py|test_x.py|%s", dir, file);
    CHECK_PARSED("pytest:test_x.py", want);
    free(want);
    want = xasprintf("1|pytest:%s|.|-", dir);
    CHECK_PARSED("pytest:.", want);
    free(want);
    want = xasprintf("0|%s|test_x.py|%s", file, file);
    CHECK_PARSED("test_x.py", want);
    free(want);
    CHECK_PARSED("unittest:pkg.tests.test_x.TestC.test_m",
                 "2|unittest:pkg.tests.test_x.TestC.test_m|"
                 "pkg.tests.test_x.TestC.test_m|-");
    CHECK_PARSED("call:pkg.mod:Cls.method",
                 "3|call:pkg.mod:Cls.method|pkg.mod:Cls.method|-");
    CHECK_PARSED("nope.py::test_a",
                 "error: pytest target 'nope.py::test_a': no such file or "
                 "directory");
    CHECK_PARSED("pytest:", "error: pytest target '': give a path: "
                            "pytest:tests/test_x.py::test_y");
    CHECK_PARSED("unittest:pkg..x",
                 "error: unittest target 'pkg..x': give a dotted name as "
                 "`python -m unittest` takes it, e.g. "
                 "unittest:pkg.tests.test_x.TestC.test_m");
    CHECK_PARSED("unittest:1pkg", "error: unittest target '1pkg': give a "
                                  "dotted name as `python -m unittest` "
                                  "takes it, e.g. "
                                  "unittest:pkg.tests.test_x.TestC.test_m");
    CHECK_PARSED("call:pkg.mod", "error: call target 'pkg.mod': give "
                                 "MODULE:FUNCTION, e.g. call:pkg.mod:func");
    CHECK_PARSED("call:pkg.mod:f;rm", "error: call target 'pkg.mod:f;rm': "
                                      "give MODULE:FUNCTION, e.g. "
                                      "call:pkg.mod:func");
    char *msg = parsed(".");
    ck_assert_ptr_nonnull(strstr(msg, "is a directory"));
    ck_assert_ptr_nonnull(strstr(msg, "pytest:DIR"));
    free(msg);

    ck_assert_int_eq(chdir(cwd), 0);
    unlink(file);
    rmdir(dir);
    free(file);
    free(cwd);
}
END_TEST

/* A digest of the file when it is there, of the argument when not. */
START_TEST(digests_fall_back_to_the_argument)
{
    char *a = target_digest(NULL, "unittest:pkg.x");
    char *b = target_digest("/nonexistent/x.py", "unittest:pkg.x");
    char *c = target_digest(NULL, "unittest:pkg.y");
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    ck_assert_uint_eq(strlen(a), 16);
    free(a);
    free(b);
    free(c);
}
END_TEST

Suite *
target_suite(void)
{
    Suite *s = suite_create("target");
    TCase *tc = tcase_create("target: scenario files and test targets");
    tcase_add_test(tc, targets_by_syntax);
    tcase_add_test(tc, digests_fall_back_to_the_argument);
    suite_add_tcase(s, tc);
    return s;
}
