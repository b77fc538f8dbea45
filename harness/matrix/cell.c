/* cell.c - runs one cell in a runner process: the process part of a cell
 * (evidence.c takes apart what the runner says, conclude.c judges it).
 *
 * The runner gets the three private descriptors of base/proto.h: the
 * records pipe, the control pipe for our "more"/"stop" answers, and the
 * progress page that tells us the round and iteration of a runner that
 * died of a signal.  Its stdout and stderr are the scenario's; their
 * tails go into the evidence.
 *
 * On timeout we first send SIGUSR1 (the runner registers faulthandler on
 * it, so stderr gets every thread's Python stack: where it hung), then
 * SIGKILL the process group.  Above the memory bound we SIGKILL at once:
 * a runaway leak must not take the machine down while it prints.
 *
 * A test cell may share its runner (spec->serve, runner --serve): the
 * runner is told each test on the control pipe, a done record (or a
 * served one, after a skip or an error) ends the cell while the runner
 * lives on, and cell_hand_over() gives the runner, its descriptors and
 * its progress page to the next cell.
 */
#include "matrix/cell.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/proto.h"
#include "base/spawn.h"
#include "matrix/evidence.h"
#include "matrix/target.h"

/* How long pipes get to drain once the runner is gone: a process the
 * scenario started may hold stdout open after the runner exited. */
#define DRAIN_S 0.2
/* How long a hung runner gets to print its stacks after SIGUSR1. */
#define STACKS_S 0.5
/* How often the memory bound is checked. */
#define RSS_CHECK_S 0.25
/* How long a round's native report may take to arrive after its round
 * record (the runner writes it first, so this waits only for the bytes
 * in flight; an engine whose report never comes costs its cell this). */
#define NATIVE_SYNC_S 10.0

enum cell_fd { FD_RECORDS, FD_OUT, FD_ERR, FD_NATIVE, FD_COUNT };

struct cell {
    const struct cell_spec *spec;
    struct spawn sp;
    int fds[FD_COUNT];       /* what we read, ours to close; -1 once at
                                EOF */
    int control_fd;          /* our answers; -1 once closed */
    int progress_fd;         /* the memfd page */
    char marker[64];         /* LEAKMATRIX_CELL=...: finds leftovers */
    double started;
    char *started_iso;
    double deadline;
    double drain_until;      /* 0 while the runner runs */
    double native_until;     /* a round waits for its native report until
                                then; 0: none waits */
    double next_rss_check;
    int warned;              /* SIGUSR1 sent: stacks asked for */
    int timed_out;
    int rss_limited;
    double rss_at_limit;
    int served;              /* serving: done came, the runner lives on */
    int handed;              /* the runner came from cell_hand_over() */
    int got_records;         /* the runner wrote this cell a record */
    struct evidence ev;      /* what the runner said */
};

static void
close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* ---- the runner's life ----------------------------------------------- */

static void
read_progress(int fd, struct lmx_progress *page)
{
    memset(page, 0, sizeof(*page));
    if (fd < 0 || pread(fd, page, sizeof(*page), 0) != (ssize_t)sizeof(*page)
        || page->magic != LMX_PROGRESS_MAGIC) {
        memset(page, 0, sizeof(*page));
    }
}

static void
build_argv(const struct cell_spec *spec, struct strvec *args)
{
    strvec_push(args, spec->py->runner);
    strvec_pushf(args, "--records-fd=%d", LMX_PROTO_RECORDS_FD);
    strvec_pushf(args, "--control-fd=%d", LMX_PROTO_CONTROL_FD);
    strvec_pushf(args, "--progress-fd=%d", LMX_PROTO_PROGRESS_FD);
    if (spec->warmup != LMX_NOT_GIVEN) {
        strvec_pushf(args, "--warmup=%ld", spec->warmup);
    }
    strvec_pushf(args, "--rounds=%lu", spec->rounds);
    strvec_pushf(args, "--max-rounds=%lu",
                 spec->max_rounds_noisy > spec->max_rounds
                     ? spec->max_rounds_noisy : spec->max_rounds);
    if (spec->iterations != LMX_NOT_GIVEN) {
        strvec_pushf(args, "--iterations=%ld", spec->iterations);
    }
    if (spec->census) {
        strvec_push(args, "--census");
    }
    if (spec->trace) {
        strvec_push(args, "--trace");
        strvec_pushf(args, "--trace-frames=%ld", spec->trace_frames);
    }
    for (const char *const *s = spec->sets; s && *s; s++) {
        strvec_push(args, "--set");
        strvec_push(args, *s);
    }
    strvec_pushv(args, spec->runner_args);
    if (spec->serve) {
        strvec_push(args, "--serve");
        return;
    }
    strvec_push(args, "--");
    strvec_push(args, spec->scenario);
}

int
cell_can_serve(const struct cell_spec *spec)
{
    return target_framework(spec->scenario, NULL) != NULL
           && spec->native == LEAKCHECK_OFF && !spec->trace;
}

static int
same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
cell_can_share(const struct cell_spec *a, const struct cell_spec *b)
{
    struct strvec va = STRVEC_INIT, vb = STRVEC_INIT;
    int same;

    if (!cell_can_serve(a) || !cell_can_serve(b)
        || strcmp(a->py->tag, b->py->tag) != 0
        || !same_str(a->lib_path, b->lib_path)
        || a->keep_python_env != b->keep_python_env) {
        return 0;
    }
    struct cell_spec sa = *a, sb = *b;   /* their argv as they serve */
    sa.serve = sb.serve = 1;
    build_argv(&sa, &va);
    build_argv(&sb, &vb);
    same = va.nr == vb.nr;
    for (size_t i = 0; same && i < va.nr; i++) {
        same = strcmp(va.v[i], vb.v[i]) == 0;
    }
    strvec_clear(&va);
    strvec_clear(&vb);
    return same;
}

/* Serving: names the cell's test to the runner.  0, or -1 (the runner is
 * gone or the pipe closed). */
static int
send_test(struct cell *c)
{
    char *line = xasprintf("%s%s\n", LMX_PROTO_TEST, c->spec->scenario);
    size_t len = strlen(line), off = 0;

    while (c->control_fd >= 0 && off < len) {
        ssize_t n = write(c->control_fd, line + off, len - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        off += (size_t)n;
    }
    free(line);
    return off == len ? 0 : -1;
}

static struct cell *
cell_new(const struct cell_spec *spec)
{
    struct cell *c = xcalloc(1, sizeof(*c));
    struct spawn blank = SPAWN_INIT;

    c->spec = spec;
    c->sp = blank;
    for (int i = 0; i < FD_COUNT; i++) {
        c->fds[i] = -1;
    }
    c->control_fd = -1;
    c->progress_fd = -1;
    evidence_init(&c->ev, spec->native, spec->rounds, spec->max_rounds);
    c->ev.max_noisy = spec->max_rounds_noisy;
    c->started = util_now_monotonic();
    c->started_iso = util_utc_now("%Y-%m-%dT%H:%M:%SZ");
    c->deadline = c->started + spec->timeout_s;
    snprintf(c->marker, sizeof(c->marker), "LEAKMATRIX_CELL=%ld-%p",
             (long)getpid(), (void *)c);
    return c;
}

static void
cell_free(struct cell *c)
{
    evidence_release(&c->ev);
    for (int i = 0; i < FD_COUNT; i++) {
        close_fd(&c->fds[i]);
    }
    close_fd(&c->control_fd);
    close_fd(&c->progress_fd);
    spawn_release(&c->sp);
    free(c->started_iso);
    free(c);
}

void
cell_runner_env(const struct cell_spec *spec, struct spawn *sp)
{
    if (!spec->keep_python_env) {
        for (const char *const *e = spawn_python_env; *e; e++) {
            strvec_push(&sp->env_unset, *e);
        }
    }
    strvec_pushf(&sp->env_set, "LEAKMATRIX_TAG=%s", spec->py->tag);
    if (spec->lib_path) {
        /* support.py puts it first on sys.path. */
        strvec_pushf(&sp->env_set, "LEAKMATRIX_LIBPATH=%s", spec->lib_path);
    }
}

/* Pipes and the page, the environment, then the runner itself. */
static int
launch(struct cell *c, struct cell_result *res)
{
    const struct cell_spec *spec = c->spec;
    struct spawn *sp = &c->sp;
    int records[2] = {-1, -1}, control[2] = {-1, -1}, native[2] = {-1, -1};
    int rc = -1;

    if (pipe2(records, O_CLOEXEC) < 0 || pipe2(control, O_CLOEXEC) < 0
        || (c->progress_fd = memfd_create("leakmatrix-progress",
                                          MFD_CLOEXEC)) < 0
        || ftruncate(c->progress_fd, LMX_PROGRESS_SIZE) < 0
        || (spec->native != LEAKCHECK_OFF && pipe2(native, O_CLOEXEC) < 0)) {
        cell_result_infra(res, xasprintf("cannot make pipes: %s",
                                         strerror(errno)));
        goto out;
    }
    build_argv(spec, &sp->args);
    leakcheck_wrap(spec->native, spec->py, sp);
    cell_runner_env(spec, sp);
    strvec_push(&sp->env_set, c->marker);
    /* RSS readings must not depend on meson's MALLOC_PERTURB_. */
    strvec_push(&sp->env_unset, "MALLOC_PERTURB_");
    sp->no_stdin = 1;
    sp->die_with_parent = 1;
    sp->cpu = c->spec->pinned ? c->spec->cpu : -1;
    sp->stdout_to = SPAWN_PIPE;
    sp->stderr_to = SPAWN_PIPE;
    spawn_pass_fd(sp, LMX_PROTO_RECORDS_FD, records[1]);
    spawn_pass_fd(sp, LMX_PROTO_CONTROL_FD, control[0]);
    spawn_pass_fd(sp, LMX_PROTO_PROGRESS_FD, c->progress_fd);
    if (native[1] >= 0) {
        spawn_pass_fd(sp, LMX_PROTO_NATIVE_FD, native[1]);
    }
    if (spawn_start(sp) < 0) {
        cell_result_infra(res, xasprintf("cannot start runner %s: %s",
                                         spec->py->runner,
                                         strerror(errno)));
        goto out;
    }
    c->fds[FD_RECORDS] = records[0];
    records[0] = -1;
    /* The read ends of stdout and stderr are ours to close (spawn.h). */
    c->fds[FD_OUT] = sp->out_fd;
    c->fds[FD_ERR] = sp->err_fd;
    c->control_fd = control[1];
    control[1] = -1;
    c->fds[FD_NATIVE] = native[0];
    native[0] = -1;
    rc = 0;
out:
    close_fd(&records[0]);
    close_fd(&records[1]);
    close_fd(&control[0]);
    close_fd(&control[1]);
    close_fd(&native[0]);
    close_fd(&native[1]);
    return rc;
}

struct cell *
cell_start(const struct cell_spec *spec, struct cell_result *res)
{
    struct cell *c = cell_new(spec);

    cell_result_init(res);
    if (launch(c, res) < 0) {
        cell_free(c);
        return NULL;
    }
    if (spec->serve) {
        /* A runner that cannot read it ends, and the cell says how. */
        (void)send_test(c);
    }
    return c;
}

size_t
cell_poll_fds(const struct cell *c, struct pollfd *pfd, size_t max)
{
    size_t n = 0;
    for (int i = 0; i < FD_COUNT && n < max; i++) {
        if (c->fds[i] >= 0) {
            pfd[n].fd = c->fds[i];
            pfd[n].events = POLLIN;
            pfd[n].revents = 0;
            n++;
        }
    }
    return n;
}

static void
read_fd(struct cell *c, int which)
{
    char buf[65536];
    ssize_t n = read(c->fds[which], buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return;
    }
    if (n <= 0) {
        close_fd(&c->fds[which]);
        if (which == FD_NATIVE) {
            evidence_native_closed(&c->ev);
        }
        return;
    }
    if (which == FD_RECORDS) {
        c->got_records = 1;
        evidence_add_records(&c->ev, buf, (size_t)n);
    }
    else if (which == FD_NATIVE) {
        evidence_add_native(&c->ev, buf, (size_t)n);
    }
    else if (which == FD_OUT) {
        evidence_add_stdout(&c->ev, buf, (size_t)n);
    }
    else {
        evidence_add_stderr(&c->ev, buf, (size_t)n);
    }
}

/* The runner asks after a counted round: "more" while a metric is
 * inconclusive and rounds are left, else "stop". */
static void
answer_control(struct cell *c)
{
    if (c->control_fd < 0) {
        return;
    }
    int more = evidence_wants_more(&c->ev);
    const char *msg = more ? LMX_PROTO_MORE : LMX_PROTO_STOP;
    ssize_t n;
    do {
        n = write(c->control_fd, msg, strlen(msg));
    } while (n < 0 && errno == EINTR);
    if (n < 0 || (!more && !c->spec->serve)) {
        /* Runner gone, or finished with it: EOF means stop too (a
         * runner that serves reads its next test there). */
        close_fd(&c->control_fd);
    }
}

/* Takes the records read so far and does what they ask.  A round whose
 * native report is not all read yet waits, as a state of the cell, not a
 * loop: the caller polls on (this cell's native channel among the rest)
 * until the report's bytes come or NATIVE_SYNC_S have passed. */
static void
take_records(struct cell *c, double now)
{
    for (;;) {
        enum evidence_event e = evidence_next(&c->ev);
        if (e == EVIDENCE_WAITING) {
            if (c->native_until == 0) {
                c->native_until = now + NATIVE_SYNC_S;
            }
            if (now < c->native_until) {
                return;
            }
            evidence_native_lost(&c->ev);
            continue;
        }
        c->native_until = 0;
        switch (e) {
        case EVIDENCE_NONE:
        case EVIDENCE_WAITING:
            return;
        case EVIDENCE_ASKED:
            answer_control(c);
            break;
        case EVIDENCE_BAD:
            /* The runner may be waiting for an answer to a round we
             * could not read: EOF on the control pipe means "stop". */
            close_fd(&c->control_fd);
            break;
        case EVIDENCE_MISMATCH:
            /* cell_finish() reports it. */
            spawn_kill(&c->sp, SIGKILL);
            break;
        }
    }
}

/* The runner's resident set, in bytes, or -1. */
static double
runner_rss(pid_t pid)
{
    char path[64];
    struct strbuf sb = STRBUF_INIT;
    unsigned long size, resident;
    double rss = -1;

    snprintf(path, sizeof(path), "/proc/%ld/statm", (long)pid);
    if (util_read_file(path, &sb) == 0
        && sscanf(sb.buf, "%lu %lu", &size, &resident) == 2) {
        rss = (double)resident * (double)sysconf(_SC_PAGESIZE);
    }
    strbuf_release(&sb);
    return rss;
}

static void
check_rss(struct cell *c, double now)
{
    if (c->spec->max_rss <= 0 || now < c->next_rss_check || c->rss_limited
        || c->drain_until > 0) {
        return;
    }
    c->next_rss_check = now + RSS_CHECK_S;
    double rss = runner_rss(c->sp.pid);
    if (rss > c->spec->max_rss) {
        c->rss_limited = 1;
        c->rss_at_limit = rss;
        spawn_kill(&c->sp, SIGKILL);
    }
}

int
cell_step(struct cell *c, const struct pollfd *pfd, size_t n, double now)
{
    int open = 0;

    for (size_t i = 0; i < n; i++) {
        if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) {
            continue;
        }
        for (int w = 0; w < FD_COUNT; w++) {
            if (c->fds[w] >= 0 && c->fds[w] == pfd[i].fd) {
                read_fd(c, w);
            }
        }
    }
    take_records(c, now);
    /* Serving, done (or served, after a skip or an error) ends the test;
     * but a runner whose test left threads or processes (the leftovers
     * record) ends after it, as it would alone, and is waited for. */
    if (c->spec->serve && (c->ev.done || c->ev.served != NULL)
        && c->ev.leftovers == NULL
        && c->control_fd >= 0 && c->drain_until == 0) {
        c->served = 1;
        return 1;
    }
    for (int w = 0; w < FD_COUNT; w++) {
        open += c->fds[w] >= 0;
    }
    if (c->drain_until == 0 && spawn_has_ended(&c->sp) == 1) {
        c->drain_until = now + DRAIN_S;
    }
    if (open == 0 || (c->drain_until > 0 && now >= c->drain_until)) {
        /* Stacks were asked for: it was hung, whatever it did then. */
        c->timed_out = c->warned;
        return 1;
    }
    check_rss(c, now);
    if (now >= c->deadline) {
        if (c->warned) {
            c->timed_out = 1;
            spawn_kill(&c->sp, SIGKILL);
            return 1;
        }
        /* Ask for stacks, then give it a moment to print them. */
        spawn_kill(&c->sp, SIGUSR1);
        c->deadline = now + STACKS_S;
        c->warned = 1;
    }
    return 0;
}

void
cell_where(const struct cell *c, struct cell_where *w)
{
    struct lmx_progress page;
    read_progress(c->progress_fd, &page);
    w->phase = page.magic ? lmx_phase_name(page.phase) : "start";
    w->round = page.round;
    w->iterations_total = page.iterations_total;
}

pid_t
cell_pid(const struct cell *c)
{
    return c->sp.pid;
}

/* The end's facts the cell knows, then the conclusion into res. */
static void
conclude_now(struct cell *c, struct conclude_end *end, pid_t pid,
             struct cell_result *res)
{
    read_progress(c->progress_fd, &end->page);
    end->runner_pid = pid;
    end->timed_out = c->timed_out;
    end->rss_limited = c->rss_limited;
    end->rss_at_limit = c->rss_at_limit;
    end->started = c->started_iso;
    end->wall_s = util_now_monotonic() - c->started;
    evidence_end(&c->ev);
    conclude_cell(c->spec, &c->ev, end, res);
}

void
cell_finish(struct cell *c, struct cell_result *res)
{
    struct conclude_end end;

    memset(&end, 0, sizeof(end));
    cell_result_release(res);
    pid_t group = c->sp.pid;
    /* A runner that serves tests ends at EOF on its control pipe. */
    close_fd(&c->control_fd);
    /* Leftovers of the scenario (servers it forked) go with it. */
    if (spawn_wait_group(&c->sp, &end.ex) < 0) {
        cell_result_infra(res, xasprintf("cannot wait for runner %s: %s",
                                         c->spec->py->runner,
                                         strerror(errno)));
        goto out;
    }
    end.leftovers = spawn_kill_marked(c->marker, group);
    conclude_now(c, &end, group, res);
out:
    cell_free(c);
}

struct cell *
cell_hand_over(struct cell *c, const struct cell_spec *next,
               struct cell_result *res)
{
    struct spawn blank = SPAWN_INIT;
    struct conclude_end end;
    struct cell *n;

    if (!c->served || !cell_can_share(c->spec, next)) {
        cell_finish(c, res);
        return NULL;
    }
    memset(&end, 0, sizeof(end));
    cell_result_release(res);
    /* It said done and lives on: exit status 0; or served, with the
     * status a runner of that one test would have exited with. */
    end.ex.exited = 1;
    end.ex.code = c->ev.done ? 0
                             : (int)json_integer_value(json_object_get(
                                   c->ev.served, "status"));
    conclude_now(c, &end, c->sp.pid, res);
    n = cell_new(next);
    n->sp = c->sp;
    c->sp = blank;
    memcpy(n->fds, c->fds, sizeof(n->fds));
    for (int i = 0; i < FD_COUNT; i++) {
        c->fds[i] = -1;
    }
    n->control_fd = c->control_fd;
    n->progress_fd = c->progress_fd;
    c->control_fd = -1;
    c->progress_fd = -1;
    memcpy(n->marker, c->marker, sizeof(n->marker));
    n->handed = 1;
    cell_free(c);
    /* A runner that is gone is found by cell_step(): cell_unstarted(). */
    (void)send_test(n);
    return n;
}

int
cell_unstarted(const struct cell *c)
{
    return c->handed && !c->got_records;
}
