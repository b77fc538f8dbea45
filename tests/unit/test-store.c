/* test-store.c - cached entries made whole or not at all (harness/store.c):
 * work directories and their locks, stale cleanup, the final rename, the
 * metadata file and the per-key lock, on a real scratch directory. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/spawn.h"
#include "base/store.h"
#include "base/util.h"

static char *
scratch(void)
{
    char *dir = xstrdup("/tmp/lmx-test-store.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

START_TEST(open_makes_tmp_and_logs)
{
    char *dir = scratch();
    char *root = path_join(dir, "a/b");
    struct store s = STORE_INIT;
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_eq(store_open(&s, "relative", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "not an absolute path"));
    ck_assert_ptr_null(s.root);
    ck_assert_int_eq(store_open(&s, root, &err), 0);
    ck_assert_int_eq(path_is_dir(s.tmp), 1);
    ck_assert_int_eq(path_is_dir(s.logs), 1);
    char *log = store_log_path(&s, ".x y/z", "20260101-000000");
    char *want = xasprintf("%s/_x_y_z-20260101-000000.log", s.logs);
    ck_assert_str_eq(log, want);
    free(want);
    free(log);
    store_release(&s);
    util_rm_rf(dir);
    free(root);
    free(dir);
    strbuf_release(&err);
}
END_TEST

START_TEST(stale_work_is_removed_live_work_kept)
{
    char *dir = scratch();
    struct store s = STORE_INIT;
    struct store_work live = STORE_WORK_INIT, next = STORE_WORK_INIT;
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_eq(store_open(&s, dir, &err), 0);
    /* A job killed before it released: a directory nobody locks. */
    char *stale = path_join(s.tmp, "build.dead00");
    ck_assert_int_eq(mkdir(stale, 0755), 0);
    ck_assert_int_eq(store_work_begin(&s, &live, &err), 0);
    ck_assert_int_eq(path_exists(stale), 0);
    ck_assert_int_eq(path_is_dir(live.dir), 1);
    /* A second job keeps the first one's directory: its lock is held. */
    ck_assert_int_eq(store_work_begin(&s, &next, &err), 0);
    ck_assert_int_eq(path_is_dir(live.dir), 1);
    ck_assert_str_ne(live.dir, next.dir);
    char *gone = xstrdup(live.dir);
    store_work_end(&live);
    ck_assert_int_eq(path_exists(gone), 0);
    ck_assert_ptr_null(live.dir);
    store_work_end(&next);
    free(gone);
    free(stale);
    store_release(&s);
    util_rm_rf(dir);
    free(dir);
    strbuf_release(&err);
}
END_TEST

START_TEST(commit_renames_and_replaces)
{
    char *dir = scratch();
    struct store s = STORE_INIT;
    struct store_work w = STORE_WORK_INIT;
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_eq(store_open(&s, dir, &err), 0);
    ck_assert_int_eq(store_work_begin(&s, &w, &err), 0);
    char *staged = path_join(w.dir, "stage");
    char *final = path_join(s.root, "entry");
    ck_assert_int_eq(mkdir(staged, 0755), 0);
    json_t *meta = json_pack("{s:s, s:i}", "name", "one", "n", 1);
    ck_assert_int_eq(store_meta_write(staged, "meta.json", meta), 0);
    json_decref(meta);
    ck_assert_int_eq(store_commit(&w, staged, final, 0, &err), 0);
    json_t *back = store_meta_read(final, "meta.json");
    ck_assert_ptr_nonnull(back);
    ck_assert_str_eq(json_string_value(json_object_get(back, "name")),
                     "one");
    json_decref(back);
    /* The name is taken: refused without replace, exchanged with it. */
    ck_assert_int_eq(mkdir(staged, 0755), 0);
    meta = json_pack("{s:s}", "name", "two");
    ck_assert_int_eq(store_meta_write(staged, "meta.json", meta), 0);
    json_decref(meta);
    ck_assert_int_eq(store_commit(&w, staged, final, 0, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "cannot move"));
    ck_assert_int_eq(store_commit(&w, staged, final, 1, &err), 0);
    back = store_meta_read(final, "meta.json");
    ck_assert_str_eq(json_string_value(json_object_get(back, "name")),
                     "two");
    json_decref(back);
    ck_assert_ptr_null(store_meta_read(final, "missing.json"));
    store_work_end(&w);
    free(staged);
    free(final);
    store_release(&s);
    util_rm_rf(dir);
    free(dir);
    strbuf_release(&err);
}
END_TEST

START_TEST(key_lock_excludes_a_second_holder)
{
    char *dir = scratch();
    struct store s = STORE_INIT;
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_eq(store_open(&s, dir, &err), 0);
    int fd = store_lock_key(&s, "set-a", NULL, NULL);
    ck_assert_int_ge(fd, 0);
    char *path = xasprintf("%s/set-a.lock", s.tmp);
    /* flock() locks belong to the open file: a second open conflicts
     * even in this process. */
    ck_assert_int_eq(store_lock_file(path, 0, 0, NULL), -1);
    ck_assert_int_eq(errno, EWOULDBLOCK);
    close(fd);
    fd = store_lock_file(path, 0, 0, NULL);
    ck_assert_int_ge(fd, 0);
    close(fd);
    free(path);
    store_release(&s);
    util_rm_rf(dir);
    free(dir);
    strbuf_release(&err);
}
END_TEST

START_TEST(step_logs_command_output_and_end)
{
    char *dir = scratch();
    char *log = path_join(dir, "log");
    struct strbuf text = STRBUF_INIT;
    struct spawn_exit ex;
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const char *ok[] = {"sh", "-c", "echo out; echo err >&2", NULL};
    const char *bad[] = {"sh", "-c", "exit 3", NULL};
    const char *none[] = {"/nonexistent/prog", NULL};
    const char *slow[] = {"sleep", "5", NULL};

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(spawn_step(fd, "greet", ok, NULL, NULL, NULL, 0, &ex),
                     0);
    ck_assert_int_eq(spawn_step(fd, "fail", bad, NULL, NULL, NULL, 0, &ex),
                     1);
    ck_assert_int_eq(ex.code, 3);
    ck_assert_int_eq(spawn_step(fd, "none", none, NULL, NULL, NULL, 0, &ex),
                     -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(spawn_step(fd, "slow", slow, NULL, NULL, NULL, 0.3,
                                &ex), 1);
    ck_assert_int_eq(ex.exited, 0);
    volatile sig_atomic_t stop = 1;
    ck_assert_int_eq(spawn_step(fd, "stop", ok, NULL, NULL, &stop, 0, &ex),
                     -2);
    close(fd);
    ck_assert_int_eq(util_read_file(log, &text), 0);
    ck_assert_ptr_nonnull(strstr(text.buf, "] greet: sh -c echo out"));
    ck_assert_ptr_nonnull(strstr(text.buf, "\nout\n"));
    ck_assert_ptr_nonnull(strstr(text.buf, "\nerr\n"));
    ck_assert_ptr_nonnull(strstr(text.buf, "] greet: ok, 0 s"));
    ck_assert_ptr_null(strstr(text.buf, "fail: ok"));
    strbuf_release(&text);
    util_rm_rf(dir);
    free(log);
    free(dir);
}
END_TEST

Suite *
store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");

    tcase_add_test(tc, open_makes_tmp_and_logs);
    tcase_add_test(tc, stale_work_is_removed_live_work_kept);
    tcase_add_test(tc, commit_renames_and_replaces);
    tcase_add_test(tc, key_lock_excludes_a_second_holder);
    tcase_add_test(tc, step_logs_command_output_and_end);
    suite_add_tcase(s, tc);
    return s;
}
