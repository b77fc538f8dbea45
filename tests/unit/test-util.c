/* test-util.c - strbuf, strvec, paths, files, number parsing, the CPU
 * count; and spawn, the process runner every other module stands on. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/spawn.h"
#include "base/util.h"

START_TEST(strbuf_grows_and_detaches)
{
    struct strbuf sb = STRBUF_INIT;
    ck_assert_str_eq(sb.buf, "");
    for (int i = 0; i < 1000; i++) {
        strbuf_addf(&sb, "%d,", i);
    }
    ck_assert_uint_gt(sb.len, 3000);
    ck_assert_int_eq(strncmp(sb.buf, "0,1,2,", 6), 0);
    strbuf_reset(&sb);
    strbuf_adds(&sb, "x \n\n");
    strbuf_rtrim(&sb);
    ck_assert_str_eq(sb.buf, "x");
    size_t len;
    char *p = strbuf_detach(&sb, &len);
    ck_assert_str_eq(p, "x");
    ck_assert_uint_eq(len, 1);
    ck_assert_str_eq(sb.buf, "");
    free(p);
}
END_TEST

START_TEST(strvec_is_null_terminated)
{
    struct strvec sv = STRVEC_INIT;
    ck_assert_ptr_null(strvec_array(&sv)[0]);
    strvec_push(&sv, "a");
    strvec_pushf(&sv, "b%d", 2);
    ck_assert_uint_eq(sv.nr, 2);
    ck_assert_str_eq(sv.v[1], "b2");
    ck_assert_ptr_null(sv.v[2]);
    strvec_clear(&sv);
    ck_assert_uint_eq(sv.nr, 0);
}
END_TEST

START_TEST(parse_uint_rejects_junk)
{
    unsigned long v = 7;
    ck_assert_int_eq(util_parse_uint("12", 100, &v), 0);
    ck_assert_uint_eq(v, 12);
    ck_assert_int_eq(util_parse_uint("0", 100, &v), 0);
    ck_assert_int_eq(util_parse_uint("", 100, &v), -1);
    ck_assert_int_eq(util_parse_uint("-1", 100, &v), -1);
    ck_assert_int_eq(util_parse_uint("12x", 100, &v), -1);
    ck_assert_int_eq(util_parse_uint("101", 100, &v), -1);
    ck_assert_int_eq(util_parse_uint("99999999999999999999999", ~0UL, &v),
                     -1);
    double d;
    ck_assert_int_eq(util_parse_double("2.5", &d), 0);
    ck_assert(d == 2.5);
    ck_assert_int_eq(util_parse_double("nan", &d), -1);
    ck_assert_int_eq(util_parse_double("-3", &d), -1);
    ck_assert_int_eq(util_parse_double("3s", &d), -1);
}
END_TEST

START_TEST(files_are_written_atomically)
{
    char dir[] = "/tmp/lmx-test-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *sub = xasprintf("%s/a/b/c", dir);
    ck_assert_int_eq(util_mkdir_p(sub, 0755), 0);
    ck_assert(path_is_dir(sub));
    char *file = path_join(sub, "f.json");
    ck_assert_int_eq(util_write_file_atomic(file, "old", 3), 0);
    ck_assert_int_eq(util_write_file_atomic(file, "new!", 4), 0);
    struct strbuf sb = STRBUF_INIT;
    ck_assert_int_eq(util_read_file(file, &sb), 0);
    ck_assert_str_eq(sb.buf, "new!");
    /* No temporary file is left beside it. */
    char *tmp = xasprintf("%s.tmp.%ld", file, (long)getpid());
    ck_assert(!path_exists(tmp));
    ck_assert_int_eq(util_write_file_atomic("/nonexistent/x", "a", 1), -1);
    ck_assert_int_eq(errno, ENOENT);
    /* The same without fsync: replaced whole, nothing left beside it. */
    ck_assert_int_eq(util_write_file_replace(file, "newer", 5), 0);
    strbuf_reset(&sb);
    ck_assert_int_eq(util_read_file(file, &sb), 0);
    ck_assert_str_eq(sb.buf, "newer");
    ck_assert(!path_exists(tmp));
    ck_assert_int_eq(util_write_file_replace("/nonexistent/x", "a", 1), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(util_rm_rf(dir), 0);
    ck_assert(!path_exists(dir));
    strbuf_release(&sb);
    free(tmp);
    free(file);
    free(sub);
}
END_TEST

START_TEST(spawn_reports_a_missing_program)
{
    const char *argv[] = {"/nonexistent/program", NULL};
    struct spawn_exit ex;
    errno = 0;
    ck_assert_int_eq(spawn_capture(argv, NULL, NULL, 5, &ex), -1);
    ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(spawn_captures_output_and_status)
{
    const char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3",
                          NULL};
    struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
    struct spawn_exit ex;
    ck_assert_int_eq(spawn_capture(argv, &out, &err, 5, &ex), 1);
    ck_assert_str_eq(out.buf, "out\n");
    ck_assert_str_eq(err.buf, "err\n");
    ck_assert(ex.exited);
    ck_assert_int_eq(ex.code, 3);
    strbuf_release(&out);
    strbuf_release(&err);
}
END_TEST

START_TEST(spawn_describes_death_by_signal)
{
    const char *argv[] = {"/bin/sh", "-c", "kill -SEGV $$", NULL};
    struct spawn_exit ex;
    struct strbuf how = STRBUF_INIT;
    ck_assert_int_eq(spawn_capture(argv, NULL, NULL, 5, &ex), 1);
    ck_assert(!ex.exited);
    ck_assert_int_eq(ex.signal, SIGSEGV);
    spawn_exit_describe(&ex, &how);
    ck_assert_ptr_nonnull(strstr(how.buf, "signal 11"));
    strbuf_release(&how);
}
END_TEST

START_TEST(spawn_kills_a_hung_process_group)
{
    /* The grandchild (sleep) holds stdout open: a timeout must kill the
     * whole group or the read would never see EOF. */
    const char *argv[] = {"/bin/sh", "-c", "sleep 30 & sleep 30", NULL};
    struct strbuf out = STRBUF_INIT;
    struct spawn_exit ex;
    double t0 = util_now_monotonic();
    ck_assert_int_eq(spawn_capture(argv, &out, NULL, 0.5, &ex), 1);
    ck_assert(util_now_monotonic() - t0 < 10);
    ck_assert(!ex.exited);
    ck_assert_int_eq(ex.signal, SIGKILL);
    strbuf_release(&out);
}
END_TEST

START_TEST(spawn_passes_fds_and_environment)
{
    struct spawn sp = SPAWN_INIT;
    int p[2];
    char buf[64] = {0};
    struct spawn_exit ex;

    ck_assert_int_eq(pipe(p), 0);
    strvec_push(&sp.args, "/bin/sh");
    strvec_push(&sp.args, "-c");
    strvec_push(&sp.args, "printf '%s:%s' \"$LMX_A\" \"${PYTHONPATH-unset}\" >&7");
    strvec_push(&sp.env_set, "LMX_A=yes");
    strvec_push(&sp.env_unset, "PYTHON*");
    setenv("PYTHONPATH", "/bad", 1);
    spawn_pass_fd(&sp, 7, p[1]);
    ck_assert_int_eq(spawn_start(&sp), 0);
    close(p[1]);
    ck_assert_int_eq(spawn_wait(&sp, &ex), 0);
    ck_assert(read(p[0], buf, sizeof(buf) - 1) > 0);
    ck_assert_str_eq(buf, "yes:unset");
    close(p[0]);
    unsetenv("PYTHONPATH");
    spawn_release(&sp);
}
END_TEST

START_TEST(cpu_count_follows_the_affinity_mask)
{
    cpu_set_t all, one;
    int first = 0;

    ck_assert_int_eq(sched_getaffinity(0, sizeof(all), &all), 0);
    ck_assert_int_eq(util_cpu_count(), CPU_COUNT(&all));
    ck_assert_int_ge(util_cpu_count(), 1);
    /* Pinned to one CPU (taskset -c N), the process may run on one. */
    while (!CPU_ISSET(first, &all)) {
        first++;
    }
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
    int pinned = util_cpu_count();
    ck_assert_int_eq(sched_setaffinity(0, sizeof(all), &all), 0);
    ck_assert_int_eq(pinned, 1);
}
END_TEST

START_TEST(ends_with_compares_the_tail)
{
    ck_assert(util_ends_with("python3.14.tar.xz", ".xz"));
    ck_assert(util_ends_with("abc", ""));
    ck_assert(util_ends_with("", ""));
    ck_assert(!util_ends_with("xz", ".xz"));
    ck_assert(!util_ends_with("a.xzz", ".xz"));
}
END_TEST

/* How many descriptors this process has open. */
static int
open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while (readdir(d) != NULL) {
        n++;
    }
    closedir(d);
    return n;
}

START_TEST(spawn_pipes_are_the_callers)
{
    struct spawn sp = SPAWN_INIT;
    struct spawn_exit ex;
    char buf[16] = {0};
    int before = open_fds();

    strvec_push(&sp.args, "/bin/sh");
    strvec_push(&sp.args, "-c");
    strvec_push(&sp.args, "printf out; printf err >&2");
    sp.stdout_to = SPAWN_PIPE;
    sp.stderr_to = SPAWN_PIPE;
    ck_assert_int_eq(spawn_start(&sp), 0);
    ck_assert_int_ge(sp.out_fd, 0);
    ck_assert_int_ge(sp.err_fd, 0);
    ck_assert_int_eq(spawn_wait(&sp, &ex), 0);
    int out = sp.out_fd, err = sp.err_fd;
    spawn_release(&sp);
    /* Still open after spawn_release(): the caller reads and closes. */
    ck_assert_int_eq(read(out, buf, sizeof(buf) - 1), 3);
    ck_assert_str_eq(buf, "out");
    ck_assert_int_ne(fcntl(err, F_GETFD), -1);
    close(out);
    close(err);
    ck_assert_int_eq(open_fds(), before);

    /* A failed start leaves nothing open, and -1 in both. */
    struct spawn bad = SPAWN_INIT;
    strvec_push(&bad.args, "/nonexistent/lmx-no-such-program");
    bad.stdout_to = SPAWN_PIPE;
    bad.stderr_to = SPAWN_PIPE;
    ck_assert_int_eq(spawn_start(&bad), -1);
    ck_assert_int_eq(bad.out_fd, -1);
    ck_assert_int_eq(bad.err_fd, -1);
    spawn_release(&bad);
    ck_assert_int_eq(open_fds(), before);

    /* spawn_capture() closes the read ends it made. */
    const char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2", NULL};
    struct strbuf o = STRBUF_INIT, e = STRBUF_INIT;
    ck_assert_int_eq(spawn_capture(argv, &o, &e, 5, &ex), 0);
    ck_assert_int_eq(open_fds(), before);
    strbuf_release(&o);
    strbuf_release(&e);
}
END_TEST

Suite *
util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("util: strings, paths, files");
    tcase_add_test(tc, strbuf_grows_and_detaches);
    tcase_add_test(tc, strvec_is_null_terminated);
    tcase_add_test(tc, parse_uint_rejects_junk);
    tcase_add_test(tc, files_are_written_atomically);
    tcase_add_test(tc, cpu_count_follows_the_affinity_mask);
    suite_add_tcase(s, tc);
    tc = tcase_create("spawn: processes");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, spawn_reports_a_missing_program);
    tcase_add_test(tc, spawn_captures_output_and_status);
    tcase_add_test(tc, spawn_describes_death_by_signal);
    tcase_add_test(tc, spawn_kills_a_hung_process_group);
    tcase_add_test(tc, spawn_passes_fds_and_environment);
    tcase_add_test(tc, ends_with_compares_the_tail);
    tcase_add_test(tc, spawn_pipes_are_the_callers);
    suite_add_tcase(s, tc);
    return s;
}
