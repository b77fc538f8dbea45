/* pool.c - the parallel cell loop.
 *
 * The only global state is what a signal handler needs: the flag it sets.
 * The loop sees it when poll() returns EINTR (handlers are installed
 * without SA_RESTART) or at the next tick.
 */
#include "matrix/pool.h"

#include "matrix/cpus.h"
#include "base/interrupt.h"

#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TICK_MS 100
#define STATUS_EVERY_S 0.5

int
pool_signal(void)
{
    return interrupt_pending();
}

unsigned
pool_cores(void)
{
    return (unsigned)util_cpu_count();
}

struct slot {
    struct cell *cell;
    size_t index;        /* into the plan */
    double started;
    struct cpu_claim cpu;  /* the CPU its cell runs on (cpus.h), if any */
};

/* Cells expected to take about as long: one scenario on one kind of build
 * (debug builds run slower). */
struct group {
    double ran_s;        /* wall time of its finished cells */
    unsigned finished;
};

struct loop {
    struct plan *plan;
    const struct pool_opts *opts;
    struct slot *slots;
    unsigned char *pending;  /* to run, not started yet */
    size_t *group_of;    /* plan index -> group */
    struct group *groups;
    size_t running;
    size_t done;         /* finished in this run */
    size_t total;        /* to run in this run */
    double started;
    double ran_s;        /* wall time of the cells finished, summed */
    double next_status;
    int status_shown;
};

static void
format_duration(double s, struct strbuf *sb)
{
    long t = (long)(s + 0.5);
    if (t >= 3600) {
        strbuf_addf(sb, "%ldh%02ldm", t / 3600, t / 60 % 60);
    }
    else if (t >= 60) {
        strbuf_addf(sb, "%ldm%02lds", t / 60, t % 60);
    }
    else {
        strbuf_addf(sb, "%lds", t);
    }
}

static void
clear_status(struct loop *l)
{
    if (l->status_shown) {
        fputs("\r\033[K", l->opts->progress);
        l->status_shown = 0;
    }
}

/* "[3/12] 2 running: a on 3.7.16 (counted r3), b on 3.8.18 (warmup r1);
 * 1m05s elapsed, ~2m30s left", cut to the terminal's usual width. */
static void
show_status(struct loop *l, double now)
{
    struct strbuf sb = STRBUF_INIT;
    size_t shown_total = l->total + l->opts->already_done;

    strbuf_addf(&sb, "[%zu/%zu] %zu running", l->done + l->opts->already_done,
                shown_total, l->running);
    const char *sep = ": ";
    for (unsigned i = 0; i < l->opts->jobs; i++) {
        if (l->slots[i].cell == NULL) {
            continue;
        }
        struct cell_where w;
        cell_where(l->slots[i].cell, &w);
        strbuf_addf(&sb, "%s%s (%s r%u)", sep,
                    l->plan->v[l->slots[i].index].label, w.phase, w.round);
        sep = ", ";
    }
    strbuf_adds(&sb, "; ");
    format_duration(now - l->started, &sb);
    strbuf_adds(&sb, " elapsed");
    if (l->done > 0) {
        /* Cells left times the mean cell, shared among the jobs. */
        double per = l->ran_s / (double)l->done;
        double left = per * (double)(l->total - l->done)
                      / (double)l->opts->jobs;
        strbuf_adds(&sb, ", ~");
        format_duration(left, &sb);
        strbuf_adds(&sb, " left");
    }
    if (sb.len > 150) {
        sb.len = 147;
        strbuf_adds(&sb, "...");
    }
    fprintf(l->opts->progress, "\r\033[K%s", sb.buf);
    fflush(l->opts->progress);
    l->status_shown = 1;
    strbuf_release(&sb);
}

/* Groups the plan's cells (group_of) by scenario and debug build. */
static void
make_groups(struct loop *l)
{
    size_t n = l->plan->nr, ngroups = 0;
    size_t *first = xcalloc(n ? n : 1, sizeof(*first));

    l->group_of = xcalloc(n ? n : 1, sizeof(*l->group_of));
    l->groups = xcalloc(n ? n : 1, sizeof(*l->groups));
    for (size_t i = 0; i < n; i++) {
        const struct cell_spec *a = &l->plan->v[i].spec;
        size_t g = 0;
        while (g < ngroups
               && (strcmp(l->plan->v[first[g]].spec.scenario, a->scenario)
                       != 0
                   || l->plan->v[first[g]].spec.py->debug != a->py->debug)) {
            g++;
        }
        if (g == ngroups) {
            first[ngroups++] = i;
        }
        l->group_of[i] = g;
    }
    free(first);
}

/* How long a cell of group g is expected to take: the mean of its
 * finished cells, else the longest a running one has run so far (it will
 * take at least that), else -1: unknown. */
static double
expected_s(const struct loop *l, size_t g, double now)
{
    double running = -1;

    if (l->groups[g].finished) {
        return l->groups[g].ran_s / l->groups[g].finished;
    }
    for (unsigned i = 0; i < l->opts->jobs; i++) {
        const struct slot *s = &l->slots[i];
        if (s->cell && l->group_of[s->index] == g
            && now - s->started > running) {
            running = now - s->started;
        }
    }
    return running;
}

/*
 * The next cell to start, or SIZE_MAX when none is left.  First one cell
 * of each group nothing is known of, in plan order, so that every group's
 * length is learnt early; then the cell expected to take longest (longest
 * processing time first), so that the short cells fill the end of the run
 * instead of one long cell running alone on an idle machine.
 */
static size_t
pick_next(const struct loop *l)
{
    double now = util_now_monotonic(), best_s = -2;
    size_t best = SIZE_MAX;

    for (size_t i = 0; i < l->plan->nr; i++) {
        if (!l->pending[i]) {
            continue;
        }
        double e = expected_s(l, l->group_of[i], now);
        if (e < 0) {
            return i;
        }
        if (e > best_s) {
            best_s = e;
            best = i;
        }
    }
    return best;
}

static int
start_next(struct loop *l, pool_done_fn done, void *ctx)
{
    size_t index = pick_next(l);

    if (index == SIZE_MAX) {
        return 0;
    }
    l->pending[index] = 0;
    struct plan_cell *pc = &l->plan->v[index];
    struct cell_result res;
    struct slot *s = NULL;
    for (unsigned i = 0; s == NULL && i < l->opts->jobs; i++) {
        if (l->slots[i].cell == NULL) {
            s = &l->slots[i];
        }
    }
    if (l->opts->pin) {
        (void)cpus_claim((unsigned)(s - l->slots), &s->cpu);
    }
    pc->spec.pinned = s->cpu.cpu >= 0;
    pc->spec.cpu = s->cpu.cpu;
    pc->spec.serve = l->opts->share && cell_can_serve(&pc->spec);
    struct cell *c = cell_start(&pc->spec, &res);
    if (c == NULL) {
        cpus_release(&s->cpu);
        /* Could not start: that is the cell's answer. */
        l->done++;
        clear_status(l);
        int stop = done(pc, &res, ctx);
        cell_result_release(&res);
        return stop ? -1 : 1;
    }
    s->cell = c;
    s->index = index;
    s->started = util_now_monotonic();
    l->running++;
    return 1;
}

/* A pending cell whose test the runner of slot s can serve next
 * (cell_can_share()), in plan order, or SIZE_MAX. */
static size_t
next_served(const struct loop *l, const struct slot *s)
{
    const struct cell_spec *cur = &l->plan->v[s->index].spec;

    if (!cur->serve || interrupt_pending()) {
        return SIZE_MAX;
    }
    for (size_t i = 0; i < l->plan->nr; i++) {
        if (l->pending[i] && cell_can_share(cur, &l->plan->v[i].spec)) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* Ends slot s's cell into res: its runner goes on with the next test it
 * can serve (the slot's cell then), else the slot is freed. */
static void
end_cell(struct loop *l, struct slot *s, struct cell_result *res)
{
    size_t next = next_served(l, s);
    struct cell *n = NULL;

    if (next != SIZE_MAX) {
        struct cell_spec *spec = &l->plan->v[next].spec;

        spec->pinned = s->cpu.cpu >= 0;
        spec->cpu = s->cpu.cpu;
        spec->serve = 1;
        n = cell_hand_over(s->cell, spec, res);
    }
    else {
        cell_finish(s->cell, res);
    }
    if (n != NULL) {
        l->pending[next] = 0;
        s->cell = n;
        s->index = next;
        s->started = util_now_monotonic();
        return;
    }
    cpus_release(&s->cpu);
    s->cell = NULL;
    l->running--;
}

static int
finish_slot(struct loop *l, struct slot *s, pool_done_fn done, void *ctx)
{
    size_t index = s->index;
    struct plan_cell *pc = &l->plan->v[index];
    struct cell_result res;
    double now = util_now_monotonic(), started = s->started;

    cell_result_init(&res);
    if (cell_unstarted(s->cell)) {
        /* Its runner ended after the test before: run it afresh. */
        cell_finish(s->cell, &res);
        cell_result_release(&res);
        cpus_release(&s->cpu);
        s->cell = NULL;
        l->running--;
        l->pending[index] = 1;
        return 0;
    }
    end_cell(l, s, &res);
    l->done++;
    l->ran_s += now - started;
    l->groups[l->group_of[index]].ran_s += now - started;
    l->groups[l->group_of[index]].finished++;
    clear_status(l);
    if (!l->opts->quiet && !l->opts->tty) {
        fprintf(l->opts->progress, "[%zu/%zu] %s: %s (%.1f s)\n",
                l->done + l->opts->already_done,
                l->total + l->opts->already_done, pc->label,
                res.kind == CELL_DONE ? verdict_status_name(res.outcome.status)
                                      : "not run",
                now - started);
    }
    int stop = done(pc, &res, ctx);
    cell_result_release(&res);
    return stop;
}

/* One poll over every running cell, then a step for each. */
static int
poll_once(struct loop *l, pool_done_fn done, void *ctx)
{
    unsigned jobs = l->opts->jobs;
    struct pollfd *pfd = xcalloc((size_t)jobs * CELL_MAX_FDS, sizeof(*pfd));
    size_t *count = xcalloc(jobs, sizeof(*count));
    size_t n = 0;
    int stop = 0;

    for (unsigned i = 0; i < jobs; i++) {
        if (l->slots[i].cell) {
            count[i] = cell_poll_fds(l->slots[i].cell, pfd + n,
                                     CELL_MAX_FDS);
            n += count[i];
        }
    }
    if (poll(pfd, n, TICK_MS) < 0 && errno != EINTR) {
        lmx_warn("poll failed: %s", strerror(errno));
    }
    n = 0;
    for (unsigned i = 0; i < jobs && !interrupt_pending(); i++) {
        struct slot *s = &l->slots[i];
        if (s->cell
            && cell_step(s->cell, pfd + n, count[i], util_now_monotonic())) {
            stop |= finish_slot(l, s, done, ctx);
        }
        n += count[i];
    }
    free(pfd);
    free(count);
    return stop;
}

static void
kill_running(struct loop *l)
{
    for (unsigned i = 0; i < l->opts->jobs; i++) {
        struct slot *s = &l->slots[i];
        if (s->cell) {
            struct cell_result res;
            pid_t pid = cell_pid(s->cell);
            if (pid > 0) {
                kill(-pid, SIGKILL);
            }
            cell_result_init(&res);
            cell_finish(s->cell, &res);  /* reaps; the result is dropped */
            cell_result_release(&res);
            cpus_release(&s->cpu);
            s->cell = NULL;
        }
    }
    l->running = 0;
}

int
pool_run(struct plan *p, const unsigned char *to_run,
          const struct pool_opts *opts, pool_done_fn done, void *ctx)
{
    struct loop l;
    int stopped = 0;

    memset(&l, 0, sizeof(l));
    l.plan = p;
    l.opts = opts;
    l.slots = xcalloc(opts->jobs, sizeof(*l.slots));
    for (unsigned i = 0; i < opts->jobs; i++) {
        struct cpu_claim none = CPU_CLAIM_INIT;
        l.slots[i].cpu = none;
    }
    l.started = util_now_monotonic();
    l.pending = xcalloc(p->nr ? p->nr : 1, 1);
    for (size_t i = 0; i < p->nr; i++) {
        l.total += to_run[i] != 0;
        l.pending[i] = to_run[i] != 0;
    }
    make_groups(&l);
    interrupt_catch();
    for (;;) {
        while (!stopped && !interrupt_pending() && l.running < opts->jobs) {
            int r = start_next(&l, done, ctx);
            if (r == 0) {
                break;
            }
            stopped |= r < 0;
        }
        if (l.running == 0 || interrupt_pending()) {
            break;
        }
        stopped |= poll_once(&l, done, ctx);
        double now = util_now_monotonic();
        if (!opts->quiet && opts->tty && now >= l.next_status
            && !interrupt_pending()) {
            show_status(&l, now);
            l.next_status = now + STATUS_EVERY_S;
        }
    }
    clear_status(&l);
    int rc = interrupt_pending() ? POOL_INTERRUPTED
             : stopped    ? POOL_STOPPED
                          : POOL_OK;
    if (interrupt_pending()) {
        kill_running(&l);
    }
    interrupt_release();
    free(l.slots);
    free(l.pending);
    free(l.group_of);
    free(l.groups);
    return rc;
}
