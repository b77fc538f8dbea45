/* cell.c - runs one cell in a runner process (celldoc.c judges it).
 *
 * The runner gets the three private descriptors of harness/proto.h: the
 * records pipe, the control pipe for our "more"/"stop" answers, and the
 * progress page that tells us the round and iteration of a runner that
 * died of a signal.  Its stdout and stderr are the scenario's; we keep
 * their tails for the result.
 *
 * On timeout we first send SIGUSR1 (the runner registers faulthandler on
 * it, so stderr gets every thread's Python stack: where it hung), then
 * SIGKILL the process group.  Above the memory bound we SIGKILL at once:
 * a runaway leak must not take the machine down while it prints.
 */
#include "matrix/cell.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "judge/metric.h"
#include "base/metrics.h"
#include "base/proto.h"
#include "base/spawn.h"

/* How long pipes get to drain once the runner is gone: a process the
 * scenario started may hold stdout open after the runner exited. */
#define DRAIN_S 0.2
/* How long a hung runner gets to print its stacks after SIGUSR1. */
#define STACKS_S 0.5
/* How often the memory bound is checked. */
#define RSS_CHECK_S 0.25
#include "matrix/cell_internal.h"

static struct track *
track_get(struct tracks *t, const char *name)
{
    for (size_t i = 0; i < t->nr; i++) {
        if (strcmp(t->v[i].name, name) == 0) {
            return &t->v[i];
        }
    }
    if (t->nr == t->alloc) {
        t->alloc = t->alloc ? t->alloc * 2 : 32;
        t->v = xrealloc(t->v, t->alloc * sizeof(*t->v));
    }
    struct track *tr = &t->v[t->nr++];
    memset(tr, 0, sizeof(*tr));
    tr->name = xstrdup(name);
    return tr;
}

static void
track_push(struct track *tr, double value, double iters)
{
    if (tr->n == tr->alloc) {
        tr->alloc = tr->alloc ? tr->alloc * 2 : 16;
        tr->value = xrealloc(tr->value, tr->alloc * sizeof(double));
        tr->iters = xrealloc(tr->iters, tr->alloc * sizeof(double));
    }
    tr->value[tr->n] = value;
    tr->iters[tr->n] = iters;
    tr->n++;
}

static void
tracks_release(struct tracks *t)
{
    for (size_t i = 0; i < t->nr; i++) {
        free(t->v[i].name);
        free(t->v[i].value);
        free(t->v[i].iters);
    }
    free(t->v);
    memset(t, 0, sizeof(*t));
}

static double
json_number_or_nan(json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Feeds one round's readings of `obj` (name -> number|null) to tracks.
 * A warm-up round restarts every track at this reading (the baseline);
 * `before` is how many readings each track holds before a counted round
 * (the baseline plus the counted rounds so far). */
static void
feed_readings(struct tracks *t, json_t *obj, int counted, size_t before,
              double iters, int gauge, int census)
{
    const char *key;
    json_t *val;

    if (!json_is_object(obj)) {
        return;
    }
    json_object_foreach(obj, key, val) {
        struct track *tr = track_get(t, key);
        tr->gauge = gauge;
        tr->census = census;
        if (!counted) {
            tr->n = 0;
        }
        /* A census type first seen now had no live objects before; a
         * probe or gauge that appears late has no history: n/a. */
        while (counted && tr->n < before) {
            track_push(tr, census ? 0 : NAN, iters);
        }
        track_push(tr, json_number_or_nan(val), iters);
    }
    /* Census types that vanished this round count as 0. */
    for (size_t i = 0; census && counted && i < t->nr; i++) {
        struct track *tr = &t->v[i];
        if (tr->n == before && json_object_get(obj, tr->name) == NULL) {
            track_push(tr, 0, iters);
        }
    }
}

const struct metric *
cell_track_metric(const struct track *tr, struct metric *scratch)
{
    return metric_get(tr->name, tr->gauge || tr->census, scratch);
}

int
cell_judge_track(const struct track *tr, int final, struct verdict *v)
{
    struct verdict_series s = {tr->value, tr->iters, tr->n};
    struct metric scratch;
    return verdict_judge(cell_track_metric(tr, &scratch)->cls, &s, final, v);
}

/* Whether any metric still wants more rounds. */
static int
needs_more_rounds(const struct cell *c)
{
    const struct tracks *sets[] = {&c->metrics, &c->gauges};
    for (size_t t = 0; t < 2; t++) {
        for (size_t i = 0; i < sets[t]->nr; i++) {
            struct verdict v;
            if (cell_judge_track(&sets[t]->v[i], 0, &v) == 0
                && v.kind == VERDICT_INCONCLUSIVE) {
                return 1;
            }
        }
    }
    return 0;
}

static void
close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static void
answer_control(struct cell *c)
{
    if (c->control_fd < 0) {
        return;
    }
    int more = c->counted < c->spec->max_rounds && needs_more_rounds(c);
    const char *msg = more ? LMX_PROTO_MORE : LMX_PROTO_STOP;
    ssize_t n;
    do {
        n = write(c->control_fd, msg, strlen(msg));
    } while (n < 0 && errno == EINTR);
    if (n < 0 || !more) {
        /* Runner gone, or finished with it: EOF means stop too. */
        close_fd(&c->control_fd);
    }
}

static void read_fd(struct cell *c, int which);

/* Under a native engine, the round's report was written to its channel
 * before the round record was: read it to its end marker (it is in the
 * pipe already, so this waits only for the bytes), then take its readings
 * with the runner's memcheck totals ("native") as metrics of the round. */
#define NATIVE_SYNC_S 10.0
static void
native_round(struct cell *c, json_t *rec, int counted, unsigned round,
             size_t before, double iters)
{
    double until = util_now_monotonic() + NATIVE_SYNC_S;

    while (!c->native_lost && c->fds[FD_NATIVE] >= 0
           && !leakcheck_log_round_ended(&c->nlog, counted, round)) {
        struct pollfd p = {c->fds[FD_NATIVE], POLLIN, 0};
        double left = until - util_now_monotonic();
        if (left <= 0) {
            c->native_lost = 1;
            break;
        }
        if (poll(&p, 1, (int)(left * 1000) + 1) > 0) {
            read_fd(c, FD_NATIVE);
        }
    }
    json_t *m = c->native_lost ? NULL
                               : leakcheck_log_readings(&c->nlog, counted,
                                                        round);
    json_t *vg = json_object_get(rec, "native");
    if (m && json_is_object(vg)) {
        json_object_update(m, vg);
    }
    feed_readings(&c->metrics, m, counted, before, iters, 0, 0);
    json_decref(m);
}

/* Under valgrind the process's RSS is mostly memcheck's: shadow memory
 * and the queue of freed blocks it holds back (--freelist-vol, 20 MB),
 * which fills for a while in every loop that allocates and frees.  Its
 * heap metrics say what RSS would, so RSS is n/a there. */
#define NATIVE_RSS_NA "n/a under valgrind: the process's RSS is mostly " \
                      "memcheck's own (shadow memory, freed-block queue)"
static void
native_mask(struct cell *c, json_t *rec)
{
    json_t *m = json_object_get(rec, "m");

    if (c->spec->native != LEAKCHECK_VALGRIND || !json_is_object(m)) {
        return;
    }
    json_object_set_new(m, LMX_METRIC_NAME_RSS_BYTES, json_null());
    if (c->probes && !json_object_get(json_object_get(c->probes, "na"),
                                      LMX_METRIC_NAME_RSS_BYTES)) {
        json_t *na = json_object_get(c->probes, "na");
        if (!json_is_object(na)) {
            na = json_object();
            json_object_set_new(c->probes, "na", na);
        }
        json_object_set_new(na, LMX_METRIC_NAME_RSS_BYTES,
                            json_string(NATIVE_RSS_NA));
    }
}

static void
handle_round(struct cell *c, json_t *rec)
{
    const char *phase = json_string_value(json_object_get(rec, "phase"));
    int counted = phase && strcmp(phase, "counted") == 0;
    double iters = json_number_or_nan(json_object_get(rec, "iterations"));
    json_t *census = json_object_get(rec, "census");
    size_t before = c->counted + 1;

    native_mask(c, rec);
    feed_readings(&c->metrics, json_object_get(rec, "m"), counted, before,
                  iters, 0, 0);
    feed_readings(&c->gauges, json_object_get(rec, "g"), counted, before,
                  iters, 1, 0);
    /* A warm-up round before the last one skips the engine's check
     * (proto.h, version 3): nothing to wait for, no native readings. */
    if (c->spec->native != LEAKCHECK_OFF
        && !json_is_false(json_object_get(rec, "native_checked"))) {
        json_int_t round = json_integer_value(json_object_get(rec, "round"));
        native_round(c, rec, counted, (unsigned)round, before, iters);
    }
    if (census) {
        feed_readings(&c->census, census, counted, before, iters, 0, 1);
        json_object_del(rec, "census");
    }
    json_array_append(c->rounds, rec);
    if (isfinite(iters)) {
        c->all_iterations += iters;
        if (!counted) {
            c->warm_iterations = c->all_iterations;
        }
    }
    if (counted) {
        json_int_t round = json_integer_value(json_object_get(rec, "round"));
        c->counted++;
        /* The runner asks after each counted round from --rounds on. */
        if (round >= (json_int_t)c->spec->rounds) {
            answer_control(c);
        }
    }
}

static void
handle_hello(struct cell *c, json_t *rec)
{
    json_t *proto = json_object_get(rec, "proto");
    if (!json_is_integer(proto)
        || json_integer_value(proto) != LMX_PROTO_VERSION) {
        /* A runner from another build: its records may not mean what we
         * think.  End it; cell_finish() reports it. */
        c->proto_mismatch = (int)json_integer_value(proto);
        if (c->proto_mismatch == 0) {
            c->proto_mismatch = -1;
        }
        spawn_kill(&c->sp, SIGKILL);
    }
}

static void
handle_record(struct cell *c, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *rec = json_loadb(text, len, 0, &jerr);
    const char *type = json_string_value(json_object_get(rec, "t"));
    json_t **slot = NULL;

    if (rec == NULL || type == NULL) {
        /* Something wrote junk on the records fd.  The runner may be
         * waiting for an answer to a round we could not read: EOF on the
         * control pipe means "stop" to it. */
        c->bad_records++;
        close_fd(&c->control_fd);
        json_decref(rec);
        return;
    }
    if (strcmp(type, LMX_REC_ROUND) == 0) {
        handle_round(c, rec);
    }
    else if (strcmp(type, LMX_REC_HELLO) == 0) {
        slot = &c->hello;
        handle_hello(c, rec);
    }
    else if (strcmp(type, LMX_REC_PROBES) == 0) {
        slot = &c->probes;
    }
    else if (strcmp(type, LMX_REC_SCENARIO) == 0) {
        slot = &c->scenario;
    }
    else if (strcmp(type, LMX_REC_SKIP) == 0) {
        slot = &c->skip;
    }
    else if (strcmp(type, LMX_REC_ERROR) == 0) {
        slot = &c->error;
    }
    else if (strcmp(type, LMX_REC_IMPORTS) == 0) {
        slot = &c->imports;
    }
    else if (strcmp(type, LMX_REC_DONE) == 0) {
        c->done = 1;
    }
    if (slot) {
        json_decref(*slot);
        *slot = json_incref(rec);
    }
    json_decref(rec);
}

static void
feed_records(struct cell *c, const char *buf, size_t n)
{
    strbuf_add(&c->line, buf, n);
    char *start = c->line.buf;
    char *nl;
    while ((nl = memchr(start, '\n',
                        c->line.len - (size_t)(start - c->line.buf)))) {
        handle_record(c, start, (size_t)(nl - start));
        start = nl + 1;
    }
    size_t rest = c->line.len - (size_t)(start - c->line.buf);
    memmove(c->line.buf, start, rest);
    c->line.len = rest;
    c->line.buf[rest] = '\0';
}

/* Appends to a tail buffer, keeping only the last TAIL_KEEP bytes. */
static void
tail_add(struct strbuf *tail, const char *buf, size_t n)
{
    strbuf_add(tail, buf, n);
    if (tail->len > 2 * TAIL_KEEP) {
        size_t drop = tail->len - TAIL_KEEP;
        memmove(tail->buf, tail->buf + drop, TAIL_KEEP);
        tail->len = TAIL_KEEP;
        tail->buf[tail->len] = '\0';
    }
}

const char *
cell_tail_text(const struct strbuf *tail)
{
    if (tail->len <= TAIL_KEEP) {
        return tail->buf;
    }
    const char *p = tail->buf + (tail->len - TAIL_KEEP);
    /* Do not start in the middle of a UTF-8 character. */
    for (int i = 0; i < 3 && ((unsigned char)*p & 0xc0) == 0x80; i++) {
        p++;
    }
    return p;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
    size_t len;
    unsigned int min;
    unsigned int c = p[0];

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, min = 0x80, c &= 0x1f;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3, min = 0x800, c &= 0x0f;
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, min = 0x10000, c &= 0x07;
    }
    else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (p[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }
    return len;
}

/* A JSON string of a scenario's output, which may be any bytes: invalid
 * UTF-8 becomes U+FFFD instead of making jansson drop the whole value. */
json_t *
cell_json_text(const char *text)
{
    struct strbuf sb = STRBUF_INIT;
    const unsigned char *p = (const unsigned char *)text;
    size_t n = strlen(text);

    while (n > 0) {
        size_t len = utf8_seq(p, n);
        if (len == 0) {
            strbuf_adds(&sb, "\xef\xbf\xbd");
            len = 1;
        }
        else {
            strbuf_add(&sb, p, len);
        }
        p += len;
        n -= len;
    }
    json_t *j = json_stringn(sb.buf, sb.len);
    strbuf_release(&sb);
    return j;
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
    if (spec->warmup) {
        strvec_pushf(args, "--warmup=%lu", spec->warmup);
    }
    strvec_pushf(args, "--rounds=%lu", spec->rounds);
    strvec_pushf(args, "--max-rounds=%lu", spec->max_rounds);
    if (spec->iterations) {
        strvec_pushf(args, "--iterations=%lu", spec->iterations);
    }
    if (spec->census) {
        strvec_push(args, "--census");
    }
    for (const char *const *s = spec->sets; s && *s; s++) {
        strvec_push(args, "--set");
        strvec_push(args, *s);
    }
    strvec_push(args, "--");
    strvec_push(args, spec->scenario);
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
    c->rounds = json_array();
    strbuf_init(&c->line);
    strbuf_init(&c->out_tail);
    strbuf_init(&c->err_tail);
    leakcheck_log_init(&c->nlog, spec->native);
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
    json_decref(c->hello);
    json_decref(c->probes);
    json_decref(c->scenario);
    json_decref(c->skip);
    json_decref(c->error);
    json_decref(c->imports);
    json_decref(c->rounds);
    tracks_release(&c->metrics);
    tracks_release(&c->gauges);
    tracks_release(&c->census);
    strbuf_release(&c->line);
    strbuf_release(&c->out_tail);
    strbuf_release(&c->err_tail);
    leakcheck_log_release(&c->nlog);
    for (int i = 0; i < FD_COUNT; i++) {
        close_fd(&c->fds[i]);
    }
    close_fd(&c->control_fd);
    close_fd(&c->progress_fd);
    spawn_release(&c->sp);
    free(c->started_iso);
    free(c);
}

static void
infra(struct cell_result *res, char *message)
{
    cell_result_release(res);
    res->kind = CELL_INFRA;
    res->message = message;
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
        infra(res, xasprintf("cannot make pipes: %s", strerror(errno)));
        goto out;
    }
    build_argv(spec, &sp->args);
    leakcheck_wrap(spec->native, spec->py, sp);
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
        infra(res, xasprintf("cannot start runner %s: %s", spec->py->runner,
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
    /* Non-blocking: native_round() drains it from inside a cell_step()
     * whose poll results may still say it is readable. */
    if (native[0] >= 0) {
        (void)fcntl(native[0], F_SETFL,
                    fcntl(native[0], F_GETFL) | O_NONBLOCK);
    }
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
        return;
    }
    if (which == FD_RECORDS) {
        feed_records(c, buf, (size_t)n);
    }
    else if (which == FD_NATIVE) {
        leakcheck_log_feed(&c->nlog, buf, (size_t)n);
    }
    else {
        tail_add(which == FD_OUT ? &c->out_tail : &c->err_tail, buf,
                 (size_t)n);
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

/* A runner that cannot speak for itself: it did not start, or speaks
 * another protocol.  0 when the cell has a result instead. */
static int
check_infra(const struct cell *c, const struct spawn_exit *ex,
            struct cell_result *res)
{
    const char *tag = c->spec->py->tag;

    if (c->proto_mismatch) {
        infra(res, xasprintf("the runner for %s speaks protocol %d, this "
                             "leakmatrix %d; rebuild both with `ninja -C "
                             "build`",
                             tag, c->proto_mismatch, LMX_PROTO_VERSION));
        return -1;
    }
    /* The runner exits 3 only when the interpreter could not start, which
     * is before it says hello; a scenario may exit 3 itself later. */
    if (ex->exited && ex->code == 3 && c->hello == NULL) {
        infra(res, xasprintf("the %s interpreter failed to start in its "
                             "runner: %s",
                             tag, c->err_tail.len ? cell_tail_text(&c->err_tail)
                                                  : "(no output)"));
        return -1;
    }
    return 0;
}

/* The scenario rejected --set: a usage error, not a result. */
static void
check_usage(const struct cell *c, const struct spawn_exit *ex,
            struct cell_result *res)
{
    if (c->error && ex->exited && ex->code == 2) {
        const char *kind = json_string_value(json_object_get(c->error,
                                                             "kind"));
        if (kind && strcmp(kind, "usage") == 0) {
            const char *msg = json_string_value(
                json_object_get(c->error, "message"));
            res->kind = CELL_USAGE;
            res->message = xstrdup(msg ? msg : "bad scenario parameter");
        }
    }
}

void
cell_finish(struct cell *c, struct cell_result *res)
{
    struct spawn_exit ex;
    struct lmx_progress page;

    cell_result_release(res);
    pid_t group = c->sp.pid;
    /* Leftovers of the scenario (servers it forked) go with it. */
    if (spawn_wait_group(&c->sp, &ex) < 0) {
        infra(res, xasprintf("cannot wait for runner %s: %s",
                             c->spec->py->runner, strerror(errno)));
        goto out;
    }
    size_t leftovers = spawn_kill_marked(c->marker, group);
    read_progress(c->progress_fd, &page);
    if (check_infra(c, &ex, res) < 0) {
        goto out;
    }
    celldoc_conclude(c, &ex, &page, leftovers, res);
    check_usage(c, &ex, res);
out:
    cell_free(c);
}

void
cell_result_init(struct cell_result *res)
{
    memset(res, 0, sizeof(*res));
    outcome_init(&res->outcome);
}

void
cell_result_release(struct cell_result *res)
{
    json_decref(res->doc);
    free(res->summary);
    free(res->message);
    outcome_release(&res->outcome);
    cell_result_init(res);
}
