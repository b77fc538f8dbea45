/* test-cell.c - the cell's process part, with a shell script in place of
 * a runner: cell_step() keeps the time its caller gives it (deadlines,
 * the stacks grace), so a scheduler's clock is the only one; and it never
 * blocks, not even while a round waits for a native report that does not
 * come. */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/proto.h"
#include "matrix/cell.h"

/* A fake runner: a shell script of body, in a fresh directory (path is
 * filled in; the caller removes both). */
static void
fake_runner(char *dir, char *path, size_t size, const char *body)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, size, "%s/runner", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, 0755), 0);
}

static void
fake_python(struct python *py, char *runner)
{
    memset(py, 0, sizeof(*py));
    py->tag = "0.0.0";
    py->version = "0.0.0";
    py->pymalloc = 1;
    py->runner = runner;
}

static void
fake_spec(struct cell_spec *spec, const struct python *py)
{
    memset(spec, 0, sizeof(*spec));
    spec->py = py;
    spec->scenario = "/nonexistent/fake.py";
    spec->rounds = 2;
    spec->max_rounds = 2;
    spec->timeout_s = 60;
    spec->cpu = -1;
}

START_TEST(cell_step_keeps_the_callers_clock)
{
    char dir[] = "/tmp/lmx-test-cell-XXXXXX";
    char runner[256];
    struct python py;
    struct cell_spec spec;
    struct cell_result res;

    fake_runner(dir, runner, sizeof(runner), "exec sleep 30");
    fake_python(&py, runner);
    fake_spec(&spec, &py);
    struct cell *c = cell_start(&spec, &res);
    ck_assert_ptr_nonnull(c);
    /* On the caller's clock the 60 s are over: stacks are asked for, and
     * the half second they get is over on the next step. */
    double now = util_now_monotonic() + 1000;
    ck_assert_int_eq(cell_step(c, NULL, 0, now), 0);
    ck_assert_int_eq(cell_step(c, NULL, 0, now + 1), 1);
    cell_finish(c, &res);
    ck_assert_int_eq(res.kind, CELL_DONE);
    ck_assert_int_eq(res.outcome.status, VERDICT_STATUS_TIMEOUT);
    cell_result_release(&res);
    unlink(runner);
    rmdir(dir);
}
END_TEST

START_TEST(cell_step_does_not_wait_for_a_native_report)
{
    char dir[] = "/tmp/lmx-test-cell-XXXXXX";
    char runner[256], body[512];
    struct python py;
    struct cell_spec spec;
    struct cell_result res;
    struct pollfd pfd[CELL_MAX_FDS];

    /* A round that comes with a native report, which never does: the
     * engine's channel stays open, silent. */
    snprintf(body, sizeof(body),
             "printf '%%s\\n%%s\\n' '{\"t\": \"hello\", \"proto\": %d}' "
             "'{\"t\": \"round\", \"phase\": \"warmup\", \"round\": 1, "
             "\"iterations\": 1, \"native_checked\": true}' >&%d\n"
             "exec sleep 30",
             LMX_PROTO_VERSION, LMX_PROTO_RECORDS_FD);
    fake_runner(dir, runner, sizeof(runner), body);
    fake_python(&py, runner);
    fake_spec(&spec, &py);
    spec.native = LEAKCHECK_LSAN;
    struct cell *c = cell_start(&spec, &res);
    ck_assert_ptr_nonnull(c);
    /* A second of steps, each quick: the records are read, the round
     * waits as a state. */
    double until = util_now_monotonic() + 1;
    while (util_now_monotonic() < until) {
        size_t n = cell_poll_fds(c, pfd, CELL_MAX_FDS);
        ck_assert_int_ge(poll(pfd, n, 100), 0);
        double t0 = util_now_monotonic();
        ck_assert_int_eq(cell_step(c, pfd, n, t0), 0);
        ck_assert_msg(util_now_monotonic() - t0 < 0.5,
                      "cell_step() blocked for %.1f s",
                      util_now_monotonic() - t0);
    }
    /* Ten seconds on, on the caller's clock, the report is given up. */
    ck_assert_int_eq(cell_step(c, NULL, 0, util_now_monotonic() + 11), 0);
    kill(-cell_pid(c), SIGKILL);
    cell_finish(c, &res);
    ck_assert_int_eq(res.kind, CELL_DONE);
    json_t *rounds = json_object_get(res.doc, "rounds");
    ck_assert_uint_eq(json_array_size(rounds), 1);
    json_t *notes = json_object_get(res.doc, "notes");
    size_t i;
    json_t *note;
    int lost = 0;
    json_array_foreach(notes, i, note) {
        lost |= strstr(json_string_value(note), "never came") != NULL;
    }
    ck_assert(lost);
    cell_result_release(&res);
    unlink(runner);
    rmdir(dir);
}
END_TEST

Suite *
cell_suite(void)
{
    Suite *s = suite_create("cell");
    TCase *tc = tcase_create("cell: the runner's process");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, cell_step_keeps_the_callers_clock);
    tcase_add_test(tc, cell_step_does_not_wait_for_a_native_report);
    suite_add_tcase(s, tc);
    return s;
}
