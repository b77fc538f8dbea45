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

/* A fake runner (a shell script of a body) in a fresh directory, and the
 * interpreter and spec that run it. */
struct fake {
    char dir[32];
    char runner[256];
    struct python py;
    struct cell_spec spec;
};

/* Starts a cell on a fake runner of body, under native. */
static struct cell *
fake_start(struct fake *f, const char *body, enum leakcheck_mode native,
           struct cell_result *res)
{
    snprintf(f->dir, sizeof(f->dir), "/tmp/lmx-test-cell-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(f->dir));
    snprintf(f->runner, sizeof(f->runner), "%s/runner", f->dir);
    FILE *fp = fopen(f->runner, "w");
    ck_assert_ptr_nonnull(fp);
    fprintf(fp, "#!/bin/sh\n%s\n", body);
    ck_assert_int_eq(fclose(fp), 0);
    ck_assert_int_eq(chmod(f->runner, 0755), 0);

    memset(&f->py, 0, sizeof(f->py));
    f->py.tag = "0.0.0";
    f->py.version = "0.0.0";
    f->py.pymalloc = 1;
    f->py.runner = f->runner;
    memset(&f->spec, 0, sizeof(f->spec));
    f->spec.py = &f->py;
    f->spec.scenario = "/nonexistent/fake.py";
    f->spec.rounds = 2;
    f->spec.max_rounds = 2;
    f->spec.timeout_s = 60;
    f->spec.cpu = -1;
    f->spec.native = native;
    struct cell *c = cell_start(&f->spec, res);
    ck_assert_ptr_nonnull(c);
    return c;
}

/* Finishes c into res (kind CELL_DONE) and removes the fake runner. */
static void
fake_finish(struct fake *f, struct cell *c, struct cell_result *res)
{
    cell_finish(c, res);
    ck_assert_int_eq(res->kind, CELL_DONE);
    unlink(f->runner);
    rmdir(f->dir);
}

START_TEST(cell_step_keeps_the_callers_clock)
{
    struct fake f;
    struct cell_result res;
    struct cell *c = fake_start(&f, "exec sleep 30", LEAKCHECK_OFF, &res);

    /* On the caller's clock the 60 s are over: stacks are asked for, and
     * the half second they get is over on the next step. */
    double now = util_now_monotonic() + 1000;
    ck_assert_int_eq(cell_step(c, NULL, 0, now), 0);
    ck_assert_int_eq(cell_step(c, NULL, 0, now + 1), 1);
    fake_finish(&f, c, &res);
    ck_assert_int_eq(res.outcome.status, VERDICT_STATUS_TIMEOUT);
    cell_result_release(&res);
}
END_TEST

START_TEST(cell_step_does_not_wait_for_a_native_report)
{
    char body[512];
    struct fake f;
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
    struct cell *c = fake_start(&f, body, LEAKCHECK_LSAN, &res);
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
    fake_finish(&f, c, &res);
    ck_assert_uint_eq(json_array_size(json_object_get(res.doc, "rounds")),
                      1);
    size_t i;
    json_t *note;
    int lost = 0;
    json_array_foreach(json_object_get(res.doc, "notes"), i, note) {
        lost |= strstr(json_string_value(note), "never came") != NULL;
    }
    ck_assert(lost);
    cell_result_release(&res);
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
