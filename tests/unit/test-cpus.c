/* test-cpus.c - CPUs claimed machine-wide: a claimed CPU is not handed out
 * again until it is released; a lock directory another user could write
 * is not used. */
#include <check.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "matrix/cpus.h"
#include "base/util.h"

static char *
scratch_runtime_dir(void)
{
    char tmpl[] = "/tmp/lmx-test-cpus-XXXXXX";
    char *dir = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(dir);
    ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", dir, 1), 0);
    return xstrdup(dir);
}

START_TEST(a_claimed_cpu_is_not_given_twice)
{
    char *dir = scratch_runtime_dir();
    cpu_set_t allowed, seen;
    struct cpu_claim claims[CPU_SETSIZE], extra = CPU_CLAIM_INIT;

    ck_assert_int_eq(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
    int n = CPU_COUNT(&allowed);
    CPU_ZERO(&seen);
    /* the same preference every time: each claim gets another usable CPU */
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(cpus_claim(0, &claims[i]), 0);
        ck_assert(CPU_ISSET(claims[i].cpu, &allowed));
        ck_assert(!CPU_ISSET(claims[i].cpu, &seen));
        CPU_SET(claims[i].cpu, &seen);
    }
    /* all taken: the cell runs unpinned */
    ck_assert_int_eq(cpus_claim(0, &extra), -1);
    ck_assert_int_eq(extra.cpu, -1);
    /* one given back is the one handed out next */
    int freed = claims[0].cpu;
    cpus_release(&claims[0]);
    cpus_release(&claims[0]);          /* idempotent */
    ck_assert_int_eq(claims[0].cpu, -1);
    ck_assert_int_eq(cpus_claim(0, &extra), 0);
    ck_assert_int_eq(extra.cpu, freed);
    cpus_release(&extra);
    for (int i = 1; i < n; i++) {
        cpus_release(&claims[i]);
    }
    unsetenv("XDG_RUNTIME_DIR");
    util_rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(a_writable_lock_dir_is_refused)
{
    char *dir = scratch_runtime_dir();
    char *locks = path_join(dir, "leakmatrix-cpus");
    struct cpu_claim a = CPU_CLAIM_INIT;

    ck_assert_int_eq(mkdir(locks, 0777), 0);
    ck_assert_int_eq(chmod(locks, 0777), 0);
    ck_assert_int_eq(cpus_claim(0, &a), -1);
    ck_assert_int_eq(a.cpu, -1);
    ck_assert_int_eq(chmod(locks, 0700), 0);
    ck_assert_int_eq(cpus_claim(0, &a), 0);
    cpus_release(&a);
    unsetenv("XDG_RUNTIME_DIR");
    util_rm_rf(dir);
    free(locks);
    free(dir);
}
END_TEST

Suite *
cpus_suite(void)
{
    Suite *s = suite_create("cpus");
    TCase *tc = tcase_create("cpus: claimed machine-wide");
    tcase_add_test(tc, a_claimed_cpu_is_not_given_twice);
    tcase_add_test(tc, a_writable_lock_dir_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
