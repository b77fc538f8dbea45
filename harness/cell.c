/* cell.c - runs one cell in a runner process and judges it.
 *
 * The runner gets three private descriptors: 3 carries its records to us
 * (JSON lines), 4 carries our answer after each counted round past the
 * planned ones ("more" while some metric is inconclusive, else "stop"),
 * and 5 is a memfd page where it stores how far it got, so that when it
 * dies of a signal we still know the round and iteration.  Its stdout and
 * stderr are the scenario's; we keep their tails for the result.
 *
 * On timeout we first send SIGUSR1 (the runner registers faulthandler on
 * it, so stderr gets every thread's Python stack: where it hung), then
 * SIGKILL the process group.
 */
#include "cell.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"

#define RECORDS_FD 3
#define CONTROL_FD 4
#define PROGRESS_FD 5
#define PROTO_VERSION 1
#define TAIL_KEEP (16 * 1024)
#define CENSUS_REPORT_MAX 20

/* The progress page the runner writes (see runner_main.c). */
#define PROGRESS_MAGIC 0x4c4d5850524f4752ULL
struct progress_page {
    uint64_t magic;
    uint32_t phase;
    uint32_t round;
    uint64_t iteration_in_round;
    uint64_t iterations_total;
};
static const char *const phase_names[] = {"load", "setup", "warmup",
                                          "counted", "teardown", "done"};

/* One metric's readings: value[0] is the baseline (the last warm-up round),
 * then one per counted round. */
struct track {
    char *name;
    int gauge;
    int census;
    double *value;
    double *iters;
    size_t n;
    size_t alloc;
};

struct tracks {
    struct track *v;
    size_t nr;
    size_t alloc;
};

struct run_state {
    const struct cell_spec *spec;
    json_t *hello;
    json_t *probes;
    json_t *scenario;
    json_t *skip;
    json_t *error;
    json_t *imports;
    json_t *rounds;          /* round records, as received (census removed) */
    int done;
    int bad_records;
    unsigned long counted;   /* counted rounds received */
    struct tracks metrics;   /* the probes, by name */
    struct tracks gauges;    /* inspect()'s gauges: a namespace of their own */
    struct tracks census;
    struct strbuf line;      /* partial record line */
    struct strbuf out_tail;
    struct strbuf err_tail;
    int control_fd;
    int asked_stop;
    FILE *progress;
};

enum verdict_class
cell_metric_class(const char *name)
{
    if (strcmp(name, "rss_bytes") == 0) {
        return VERDICT_CLASS_BYTES;
    }
    if (strncmp(name, "threads_", 8) == 0 || strcmp(name, "fds") == 0) {
        return VERDICT_CLASS_RESOURCE;
    }
    if (strncmp(name, "refs_", 5) == 0 && strcmp(name, "refs_total") != 0) {
        return VERDICT_CLASS_SINGLETON;
    }
    return VERDICT_CLASS_COUNT;
}

const char *
cell_metric_unit(const char *name)
{
    if (strcmp(name, "rss_bytes") == 0) {
        return "bytes";
    }
    if (strncmp(name, "refs_", 5) == 0) {
        return "refs";
    }
    if (strcmp(name, "blocks") == 0) {
        return "blocks";
    }
    if (strcmp(name, "gc_objects") == 0) {
        return "objects";
    }
    if (strncmp(name, "threads_", 8) == 0) {
        return "threads";
    }
    if (strcmp(name, "fds") == 0) {
        return "fds";
    }
    return name;
}

int
cell_metric_rank(const char *name)
{
    /* Which metric explains a leak best: the most specific first. */
    static const char *const order[] = {
        "refs_total", "blocks", "refs_none", "refs_true", "refs_false",
        "refs_ellipsis", "refs_notimplemented", "refs_empty_tuple",
        "gc_objects", "threads_py", "threads_os", "fds",
    };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (strcmp(order[i], name) == 0) {
            return (int)i;
        }
    }
    /* RSS is the least specific: every other leak shows in it too. */
    if (strcmp(name, "rss_bytes") == 0) {
        return 200;
    }
    return 100;  /* gauges: after the probes */
}

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

static int
judge_track(const struct track *tr, int final, struct verdict *v)
{
    struct verdict_series s = {tr->value, tr->iters, tr->n};
    enum verdict_class cls = tr->gauge || tr->census
                                 ? VERDICT_CLASS_COUNT
                                 : cell_metric_class(tr->name);
    return verdict_judge(cls, &s, final, v);
}

/* Whether any metric still wants more rounds. */
static int
needs_more_rounds(const struct run_state *st)
{
    const struct tracks *sets[] = {&st->metrics, &st->gauges};
    for (size_t t = 0; t < 2; t++) {
        for (size_t i = 0; i < sets[t]->nr; i++) {
            struct verdict v;
            if (judge_track(&sets[t]->v[i], 0, &v) == 0
                && v.kind == VERDICT_INCONCLUSIVE) {
                return 1;
            }
        }
    }
    return 0;
}

static void
answer_control(struct run_state *st)
{
    if (st->control_fd < 0) {
        return;
    }
    const char *msg = "stop\n";
    if (st->counted < st->spec->max_rounds && needs_more_rounds(st)) {
        msg = "more\n";
    }
    ssize_t n;
    do {
        n = write(st->control_fd, msg, strlen(msg));
    } while (n < 0 && errno == EINTR);
    if (n < 0 || msg[0] == 's') {
        /* Runner gone, or finished with it: EOF means stop too. */
        close(st->control_fd);
        st->control_fd = -1;
    }
}

static void
handle_round(struct run_state *st, json_t *rec)
{
    const char *phase = json_string_value(json_object_get(rec, "phase"));
    int counted = phase && strcmp(phase, "counted") == 0;
    double iters = json_number_or_nan(json_object_get(rec, "iterations"));
    json_t *census = json_object_get(rec, "census");

    size_t before = st->counted + 1;

    feed_readings(&st->metrics, json_object_get(rec, "m"), counted, before,
                  iters, 0, 0);
    feed_readings(&st->gauges, json_object_get(rec, "g"), counted, before,
                  iters, 1, 0);
    if (census) {
        feed_readings(&st->census, census, counted, before, iters, 0, 1);
        json_object_del(rec, "census");
    }
    json_array_append(st->rounds, rec);
    if (st->progress) {
        json_t *rss = json_object_get(json_object_get(rec, "m"), "rss_bytes");
        fprintf(st->progress, "  %s round %lld: %.0f it, rss %.1f MiB\n",
                phase ? phase : "?",
                (long long)json_integer_value(json_object_get(rec, "round")),
                iters, json_number_or_nan(rss) / (1024.0 * 1024.0));
        fflush(st->progress);
    }
    if (counted) {
        json_int_t round = json_integer_value(json_object_get(rec, "round"));
        st->counted++;
        /* The runner asks after each counted round from --rounds on. */
        if (round >= (json_int_t)st->spec->rounds) {
            answer_control(st);
        }
    }
}

static void
handle_record(struct run_state *st, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *rec = json_loadb(text, len, 0, &jerr);
    const char *type = json_string_value(json_object_get(rec, "t"));

    if (rec == NULL || type == NULL) {
        /* Something wrote junk on the records fd.  The runner may be
         * waiting for an answer to a round we could not read: EOF on the
         * control pipe means "stop" to it. */
        st->bad_records++;
        if (st->control_fd >= 0) {
            close(st->control_fd);
            st->control_fd = -1;
        }
        json_decref(rec);
        return;
    }
    json_t **slot = NULL;
    if (strcmp(type, "round") == 0) {
        handle_round(st, rec);
    }
    else if (strcmp(type, "hello") == 0) {
        slot = &st->hello;
    }
    else if (strcmp(type, "probes") == 0) {
        slot = &st->probes;
    }
    else if (strcmp(type, "scenario") == 0) {
        slot = &st->scenario;
    }
    else if (strcmp(type, "skip") == 0) {
        slot = &st->skip;
    }
    else if (strcmp(type, "error") == 0) {
        slot = &st->error;
    }
    else if (strcmp(type, "imports") == 0) {
        slot = &st->imports;
    }
    else if (strcmp(type, "done") == 0) {
        st->done = 1;
    }
    if (slot) {
        json_decref(*slot);
        *slot = json_incref(rec);
    }
    json_decref(rec);
}

static void
feed_records(struct run_state *st, const char *buf, size_t n)
{
    strbuf_add(&st->line, buf, n);
    char *start = st->line.buf;
    char *nl;
    while ((nl = memchr(start, '\n', st->line.len - (size_t)(start
                                                   - st->line.buf)))) {
        handle_record(st, start, (size_t)(nl - start));
        start = nl + 1;
    }
    size_t rest = st->line.len - (size_t)(start - st->line.buf);
    memmove(st->line.buf, start, rest);
    st->line.len = rest;
    st->line.buf[rest] = '\0';
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

static const char *
tail_text(const struct strbuf *tail)
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
static json_t *
json_text(const char *text)
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

struct pipes {
    int records[2];
    int control[2];
    int progress;
};

static int
open_pipes(struct pipes *p)
{
    p->records[0] = p->records[1] = -1;
    p->control[0] = p->control[1] = -1;
    p->progress = -1;
    if (pipe2(p->records, O_CLOEXEC) < 0 || pipe2(p->control, O_CLOEXEC) < 0) {
        return -1;
    }
    p->progress = memfd_create("leakmatrix-progress", MFD_CLOEXEC);
    if (p->progress < 0 || ftruncate(p->progress, 4096) < 0) {
        return -1;
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
read_progress(int fd, struct progress_page *page)
{
    memset(page, 0, sizeof(*page));
    if (pread(fd, page, sizeof(*page), 0) != (ssize_t)sizeof(*page)
        || page->magic != PROGRESS_MAGIC) {
        memset(page, 0, sizeof(*page));
    }
}

static void
build_argv(const struct cell_spec *spec, struct strvec *args)
{
    strvec_push(args, spec->py->runner);
    strvec_pushf(args, "--records-fd=%d", RECORDS_FD);
    strvec_pushf(args, "--control-fd=%d", CONTROL_FD);
    strvec_pushf(args, "--progress-fd=%d", PROGRESS_FD);
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

/* Reads records and output until the runner has ended and its pipes are
 * drained, or the deadline passes.  A process the scenario started may
 * hold stdout open after the runner exited: once the runner is gone its
 * pipes get DRAIN_S more, then the caller kills the rest of the group.
 * Returns 1 when it timed out. */
#define TICK_S 0.1
#define DRAIN_S 0.2
static int
pump(struct run_state *st, struct spawn *sp, int records_fd, double deadline)
{
    int fds[3] = {records_fd, sp->out_fd, sp->err_fd};
    char buf[65536];
    int warned = 0;
    double drain_until = 0;

    for (;;) {
        struct pollfd pfd[3];
        int map[3];
        nfds_t nfds = 0;
        for (int i = 0; i < 3; i++) {
            if (fds[i] >= 0) {
                pfd[nfds].fd = fds[i];
                pfd[nfds].events = POLLIN;
                map[nfds++] = i;
            }
        }
        double now = util_now_monotonic();
        if (nfds == 0 || (drain_until > 0 && now >= drain_until)) {
            return warned;
        }
        double left = deadline - now;
        if (left <= 0) {
            if (warned) {
                return 1;
            }
            /* Ask for stacks, then give it half a second to print them. */
            spawn_kill(sp, SIGUSR1);
            deadline = now + 0.5;
            warned = 1;
            continue;
        }
        double wait = left < TICK_S ? left : TICK_S;
        int r = poll(pfd, nfds, (int)(wait * 1000) + 1);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            spawn_kill(sp, SIGKILL);
            return 0;
        }
        for (nfds_t i = 0; i < nfds; i++) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            int which = map[i];
            ssize_t n = read(fds[which], buf, sizeof(buf));
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
                continue;
            }
            if (n <= 0) {
                fds[which] = -1;
                continue;
            }
            if (which == 0) {
                feed_records(st, buf, (size_t)n);
            }
            else {
                tail_add(which == 1 ? &st->out_tail : &st->err_tail, buf,
                         (size_t)n);
            }
        }
        if (drain_until == 0 && spawn_has_ended(sp) == 1) {
            drain_until = util_now_monotonic() + DRAIN_S;
        }
    }
}

/* "Fatal Python error: deallocating None" from stderr, if there. */
static char *
fatal_error_line(const char *err)
{
    const char *p = strstr(err, "Fatal Python error:");
    if (p == NULL) {
        return NULL;
    }
    size_t n = strcspn(p, "\n");
    return xstrndup(p, n);
}

static json_t *
python_doc(const struct python *py)
{
    struct strbuf fl = STRBUF_INIT;
    registry_flavour(py, &fl);
    json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:s, s:s?, s:s?, "
                          "s:s?}",
                          "tag", py->tag, "version", py->version, "flavour",
                          fl.buf, "debug", py->debug, "pymalloc", py->pymalloc,
                          "with_valgrind", py->with_valgrind, "origin",
                          registry_origin_name(py->origin), "configure_args",
                          py->config_args, "executable", py->executable,
                          "prefix", py->prefix);
    strbuf_release(&fl);
    return o;
}

/* What a clean cell could have seen: the smallest leak per iteration of
 * its most specific count (lowest rank) and of RSS, "; would have seen >=
 * 0.01 refs/it (refs_total), 1.3 KiB/it (rss_bytes)". */
static void
add_detectable(struct strbuf *summary, const struct track **all,
               const struct verdict *v, const int *rank, size_t nr)
{
    size_t best = SIZE_MAX, rss = SIZE_MAX;
    char fig[VERDICT_FIGURE_SIZE];

    for (size_t i = 0; i < nr; i++) {
        if (all[i]->gauge || !isfinite(v[i].detectable)) {
            continue;
        }
        if (strcmp(all[i]->name, "rss_bytes") == 0) {
            rss = i;
        }
        else if (best == SIZE_MAX || rank[i] < rank[best]) {
            best = i;
        }
    }
    const char *sep = "; would have seen >= ";
    size_t show[] = {best, rss};
    for (size_t j = 0; j < 2; j++) {
        size_t i = show[j];
        if (i == SIZE_MAX) {
            continue;
        }
        verdict_format_rate(fig, sizeof(fig), v[i].detectable,
                            cell_metric_unit(all[i]->name));
        strbuf_addf(summary, "%s%s (%s)", sep, fig + (fig[0] == '+'),
                    all[i]->name);
        sep = ", ";
    }
}

/* The metrics object, census report and combined status of a run. */
static void
judge_all(struct run_state *st, json_t *doc, struct verdict_cell *cell,
          struct strbuf *summary)
{
    /* Probes first, then gauges: one list for the combiner. */
    size_t nr = st->metrics.nr + st->gauges.nr;
    const struct track **all = xcalloc(nr ? nr : 1, sizeof(*all));
    struct verdict *v = xcalloc(nr ? nr : 1, sizeof(*v));
    int *rank = xcalloc(nr ? nr : 1, sizeof(*rank));
    json_t *metrics = json_object();
    json_t *gauges = json_object();
    json_t *na = json_object_get(st->probes, "na");

    for (size_t i = 0; i < st->metrics.nr; i++) {
        all[i] = &st->metrics.v[i];
    }
    for (size_t i = 0; i < st->gauges.nr; i++) {
        all[st->metrics.nr + i] = &st->gauges.v[i];
    }
    for (size_t i = 0; i < nr; i++) {
        const struct track *tr = all[i];
        const char *unit = tr->gauge ? tr->name : cell_metric_unit(tr->name);
        const char *na_why = tr->gauge ? NULL
                             : json_string_value(json_object_get(na,
                                                                 tr->name));
        judge_track(tr, 1, &v[i]);
        rank[i] = tr->gauge ? 100 : cell_metric_rank(tr->name);
        json_t *m = json_object();
        json_object_set_new(m, "unit", json_string(unit));
        json_object_set_new(m, "verdict",
                            json_string(verdict_kind_name(v[i].kind)));
        char why[VERDICT_EXPLAIN_SIZE];
        verdict_explain(why, sizeof(why), &v[i], unit);
        json_object_set_new(m, "why", json_string(na_why && v[i].kind
                                                  == VERDICT_NA
                                                      ? na_why
                                                      : why));
        json_object_set_new(m, "detectable",
                            isfinite(v[i].detectable)
                                ? json_real(v[i].detectable)
                                : json_null());
        json_object_set_new(m, "per_iteration",
                            isfinite(v[i].per_iteration)
                                ? json_real(v[i].per_iteration)
                                : json_null());
        json_object_set_new(m, "growth", isfinite(v[i].growth)
                                             ? json_real(v[i].growth)
                                             : json_null());
        json_object_set_new(m, "rounds_growing",
                            json_integer((json_int_t)v[i].rounds_growing));
        if (v[i].kind == VERDICT_OVER_RELEASE && isfinite(v[i].zero_at)) {
            /* Total iterations since the scenario started, warm-up
             * included, when the count reaches zero: the crash. */
            double warmup = json_number_or_nan(
                json_object_get(st->scenario, "warmup"));
            double warm = (isfinite(warmup) ? warmup : 0)
                          * (tr->n > 1 ? tr->iters[1] : 0);
            json_object_set_new(m, "zero_at_iteration",
                                json_real(warm + v[i].zero_at));
        }
        json_object_set_new(tr->gauge ? gauges : metrics, tr->name, m);
    }
    json_object_set_new(doc, "metrics", metrics);
    json_object_set_new(doc, "gauges", gauges);
    if (verdict_combine(v, rank, nr, cell) < 0) {
        cell->status = VERDICT_STATUS_ERROR;
        cell->lead = VERDICT_NO_LEAD;
    }

    /* Summary: the status, the lead's rate, and the other leaking metrics'
     * rates, and a projection of the lead. */
    strbuf_adds(summary, verdict_status_name(cell->status));
    if (cell->status == VERDICT_STATUS_CLEAN) {
        /* Nothing leads a clean cell; the lead is only an explanation. */
        cell->lead = VERDICT_NO_LEAD;
        add_detectable(summary, all, v, rank, nr);
    }
    if (cell->lead != VERDICT_NO_LEAD) {
        char fig[VERDICT_FIGURE_SIZE];
        const struct track *lead = all[cell->lead];
        const char *lead_unit = lead->gauge ? lead->name
                                            : cell_metric_unit(lead->name);
        verdict_format_rate(fig, sizeof(fig), v[cell->lead].per_iteration,
                            lead_unit);
        strbuf_addf(summary, ": %s", fig);
        if (lead->gauge) {
            strbuf_addf(summary, " (%s)", lead->name);
        }
        if (v[cell->lead].kind == VERDICT_OVER_RELEASE) {
            json_t *m = json_object_get(lead->gauge ? gauges : metrics,
                                        lead->name);
            double z = json_number_or_nan(json_object_get(m,
                                          "zero_at_iteration"));
            if (isfinite(z)) {
                strbuf_addf(summary, "; %s reaches 0 (crash) at iteration "
                                     "~%.0f",
                            lead->name, z);
            }
        }
        else if (v[cell->lead].kind == VERDICT_LEAK) {
            verdict_format_projection(fig, sizeof(fig),
                                      v[cell->lead].per_iteration,
                                      lead_unit);
            strbuf_addf(summary, " (%s)", fig);
        }
        else {
            strbuf_addf(summary, " (%s: %s)", lead->name, v[cell->lead].why);
        }
        /* The other metrics with the same finding, by name. */
        const char *sep = "; also ";
        for (size_t i = 0; i < nr; i++) {
            if (i != cell->lead && v[i].kind == v[cell->lead].kind
                && (v[i].kind == VERDICT_LEAK
                    || v[i].kind == VERDICT_OVER_RELEASE)) {
                verdict_format_rate(fig, sizeof(fig), v[i].per_iteration,
                                    all[i]->gauge
                                        ? all[i]->name
                                        : cell_metric_unit(all[i]->name));
                strbuf_addf(summary, "%s%s %s", sep, all[i]->name, fig);
                sep = ", ";
            }
        }
        json_object_set_new(doc, "lead", json_string(lead->name));
        json_object_set_new(doc, "lead_is_gauge", json_boolean(lead->gauge));
    }
    else {
        json_object_set_new(doc, "lead", json_null());
    }

    /* Census: the types that grew, fastest first. */
    if (st->census.nr) {
        json_t *grow = json_array();
        size_t shown = 0;
        int *used = xcalloc(st->census.nr, sizeof(int));
        for (;;) {
            size_t best = SIZE_MAX;
            struct verdict bv = {0};
            for (size_t i = 0; i < st->census.nr; i++) {
                struct verdict cv;
                if (used[i] || judge_track(&st->census.v[i], 1, &cv) < 0
                    || cv.kind != VERDICT_LEAK) {
                    continue;
                }
                if (best == SIZE_MAX || cv.per_iteration > bv.per_iteration) {
                    best = i;
                    bv = cv;
                }
            }
            if (best == SIZE_MAX || shown == CENSUS_REPORT_MAX) {
                break;
            }
            used[best] = 1;
            shown++;
            const struct track *tr = &st->census.v[best];
            json_array_append_new(grow,
                                  json_pack("{s:s, s:f, s:f, s:f}", "type",
                                            tr->name, "per_iteration",
                                            bv.per_iteration, "growth",
                                            bv.growth, "live",
                                            tr->value[tr->n - 1]));
        }
        free(used);
        json_object_set_new(doc, "census", grow);
    }
    free(all);
    free(v);
    free(rank);
}

/* Notes for the reader: probes that could not be observed and why. */
static void
add_notes(struct run_state *st, json_t *doc)
{
    json_t *notes = json_array();
    json_t *na = json_object_get(st->probes, "na");
    const char *key;
    json_t *val;
    int immortal = 0;

    json_object_foreach(na, key, val) {
        const char *why = json_string_value(val);
        if (why && strstr(why, "immortal") && strncmp(key, "refs_", 5) == 0) {
            immortal = 1;
        }
    }
    if (immortal) {
        json_array_append_new(
            notes, json_string("singletons (None, True, False, ...) are "
                               "immortal on this interpreter (PEP 683): an "
                               "over-release of them cannot be observed and "
                               "cannot crash it, so 'clean' here does not "
                               "clear that class of bug on older versions"));
    }
    json_object_set_new(doc, "notes", notes);
}

static void
set_status(struct cell_result *res, json_t *doc, enum verdict_status status,
           const char *summary)
{
    res->status = status;
    json_object_set_new(doc, "status",
                        json_string(verdict_status_name(status)));
    json_object_set_new(doc, "summary", json_text(summary));
    free(res->summary);
    res->summary = xstrdup(summary);
}

static char *
iso_now(void)
{
    char buf[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xstrdup(buf);
}

static void
run_state_release(struct run_state *st)
{
    json_decref(st->hello);
    json_decref(st->probes);
    json_decref(st->scenario);
    json_decref(st->skip);
    json_decref(st->error);
    json_decref(st->imports);
    json_decref(st->rounds);
    tracks_release(&st->metrics);
    tracks_release(&st->gauges);
    tracks_release(&st->census);
    strbuf_release(&st->line);
    strbuf_release(&st->out_tail);
    strbuf_release(&st->err_tail);
    if (st->control_fd >= 0) {
        close(st->control_fd);
    }
}

/* The runner running now, so that an interrupted leakmatrix takes it (and
 * its process group) along instead of leaving it behind. */
static volatile pid_t current_pid = -1;

static void
on_fatal_signal(int sig)
{
    pid_t pid = current_pid;
    if (pid > 0) {
        kill(-pid, SIGKILL);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void
cell_install_signal_handlers(void)
{
    signal(SIGINT, on_fatal_signal);
    signal(SIGTERM, on_fatal_signal);
    signal(SIGHUP, on_fatal_signal);
}

void
cell_result_init(struct cell_result *res)
{
    memset(res, 0, sizeof(*res));
}

void
cell_result_release(struct cell_result *res)
{
    json_decref(res->doc);
    free(res->summary);
    free(res->message);
    cell_result_init(res);
}

/* Decides the status after the runner ended, filling doc. */
static void
conclude(struct run_state *st, struct cell_result *res, json_t *doc,
         int timed_out, const struct spawn_exit *ex,
         const struct progress_page *page)
{
    struct strbuf summary = STRBUF_INIT;
    struct strbuf how = STRBUF_INIT;
    struct verdict_cell vc = {VERDICT_STATUS_CLEAN, VERDICT_NO_LEAD};

    spawn_exit_describe(ex, &how);
    json_object_set_new(doc, "exit", json_string(how.buf));
    add_notes(st, doc);

    if (st->skip) {
        json_object_set(doc, "skip_reason",
                        json_object_get(st->skip, "reason"));
        strbuf_addf(&summary, "skipped: %s",
                    json_string_value(json_object_get(st->skip, "reason")));
        set_status(res, doc, VERDICT_STATUS_SKIPPED, summary.buf);
        goto out;
    }
    /* Whatever was measured before the end is worth judging. */
    if (st->counted >= 2) {
        judge_all(st, doc, &vc, &summary);
    }
    /* Ended without "done": a crash, unless it reported a scenario error
     * and exited the way the runner does after one (1, or 2 for usage). */
    int reported_error = st->error && ex->exited && ex->code <= 2;
    /* After "done" the interpreter still has to shut down, and refcount
     * bugs often crash exactly there. */
    int died_finalizing = st->done && !(ex->exited && ex->code == 0);
    if (timed_out || (!st->done && !reported_error) || died_finalizing) {
        json_t *crash = json_object();
        char *fatal = fatal_error_line(st->err_tail.buf);
        const char *phase = st->done ? "finalize"
                            : page->phase < 6 ? phase_names[page->phase]
                                              : "?";
        json_object_set_new(crash, "how", json_string(how.buf));
        if (ex->exited) {
            json_object_set_new(crash, "exit_code", json_integer(ex->code));
        }
        else {
            json_object_set_new(crash, "signal", json_integer(ex->signal));
            json_object_set_new(crash, "signal_name",
                                json_string(strsignal(ex->signal)));
        }
        json_object_set_new(crash, "phase", json_string(phase));
        json_object_set_new(crash, "round", json_integer(page->round));
        json_object_set_new(crash, "iteration_in_round",
                            json_integer((json_int_t)page
                                             ->iteration_in_round));
        json_object_set_new(crash, "iterations_total",
                            json_integer((json_int_t)page->iterations_total));
        json_object_set_new(crash, "rounds_completed",
                            json_integer((json_int_t)json_array_size(
                                st->rounds)));
        json_object_set_new(crash, "fatal_error",
                            fatal ? json_text(fatal) : json_null());
        json_object_set_new(crash, "stderr_tail",
                            json_text(tail_text(&st->err_tail)));
        json_object_set_new(doc, timed_out ? "timeout" : "crash", crash);

        struct strbuf line = STRBUF_INIT;
        if (timed_out) {
            strbuf_addf(&line, "timeout: no end after %.0f s, in %s round "
                               "%u at iteration %llu",
                        st->spec->timeout_s, phase, page->round,
                        (unsigned long long)page->iteration_in_round);
        }
        else if (st->done) {
            strbuf_addf(&line, "crash: %s while the interpreter shut down "
                               "(after %llu iterations)",
                        fatal ? fatal : how.buf,
                        (unsigned long long)page->iterations_total);
        }
        else {
            strbuf_addf(&line, "crash: %s in %s round %u at iteration %llu "
                               "(%llu in all)",
                        fatal ? fatal : how.buf, phase, page->round,
                        (unsigned long long)page->iteration_in_round,
                        (unsigned long long)page->iterations_total);
        }
        if (vc.lead != VERDICT_NO_LEAD) {
            strbuf_addf(&line, "; before it: %s", summary.buf);
        }
        set_status(res, doc,
                   timed_out ? VERDICT_STATUS_TIMEOUT : VERDICT_STATUS_CRASH,
                   line.buf);
        strbuf_release(&line);
        free(fatal);
        goto out;
    }
    if (st->bad_records) {
        struct strbuf line = STRBUF_INIT;
        strbuf_addf(&line, "error: %d malformed record line%s from the "
                           "runner (did the scenario write to fd %d?)",
                    st->bad_records, st->bad_records == 1 ? "" : "s",
                    RECORDS_FD);
        set_status(res, doc, VERDICT_STATUS_ERROR, line.buf);
        strbuf_release(&line);
        goto out;
    }
    if (st->error) {
        const char *where = json_string_value(json_object_get(st->error,
                                                              "where"));
        const char *type = json_string_value(json_object_get(st->error,
                                                             "type"));
        const char *msg = json_string_value(json_object_get(st->error,
                                                            "message"));
        json_object_set(doc, "error", st->error);
        json_object_del(json_object_get(doc, "error"), "t");
        struct strbuf line = STRBUF_INIT;
        strbuf_addf(&line, "error in %s: %s%s%s", where ? where : "?",
                    type ? type : "", type && msg ? ": " : "",
                    msg ? msg : "");
        set_status(res, doc, VERDICT_STATUS_ERROR, line.buf);
        strbuf_release(&line);
        goto out;
    }
    if (st->counted < 2) {
        set_status(res, doc, VERDICT_STATUS_ERROR,
                   "error: fewer than two counted rounds were reported");
        goto out;
    }
    if (vc.status == VERDICT_STATUS_CLEAN
        && json_array_size(json_object_get(doc, "notes")) > 0) {
        strbuf_adds(&summary, " (None immortal: an over-release would "
                              "not show)");
    }
    set_status(res, doc, vc.status, summary.buf);

out:
    strbuf_release(&summary);
    strbuf_release(&how);
}

int
cell_run(const struct cell_spec *spec, struct cell_result *res,
         FILE *progress)
{
    struct run_state st;
    struct spawn sp = SPAWN_INIT;
    struct pipes p;
    struct spawn_exit ex;
    struct progress_page page;
    double started = util_now_monotonic();
    char *started_iso = iso_now();

    memset(&st, 0, sizeof(st));
    st.spec = spec;
    st.rounds = json_array();
    st.control_fd = -1;
    st.progress = progress;
    strbuf_init(&st.line);
    strbuf_init(&st.out_tail);
    strbuf_init(&st.err_tail);
    cell_result_init(res);

    if (open_pipes(&p) < 0) {
        res->outcome = CELL_INFRA;
        res->message = xasprintf("cannot make pipes: %s", strerror(errno));
        goto fail;
    }
    build_argv(spec, &sp.args);
    if (!spec->keep_python_env) {
        for (const char *const *e = spawn_python_env; *e; e++) {
            strvec_push(&sp.env_unset, *e);
        }
    }
    strvec_pushf(&sp.env_set, "LEAKMATRIX_TAG=%s", spec->py->tag);
    /* RSS readings must not depend on meson's MALLOC_PERTURB_. */
    strvec_push(&sp.env_unset, "MALLOC_PERTURB_");
    sp.no_stdin = 1;
    sp.stdout_to = SPAWN_PIPE;
    sp.stderr_to = SPAWN_PIPE;
    spawn_pass_fd(&sp, RECORDS_FD, p.records[1]);
    spawn_pass_fd(&sp, CONTROL_FD, p.control[0]);
    spawn_pass_fd(&sp, PROGRESS_FD, p.progress);
    if (spawn_start(&sp) < 0) {
        res->outcome = CELL_INFRA;
        res->message = xasprintf("cannot start runner %s: %s",
                                 spec->py->runner, strerror(errno));
        goto fail;
    }
    close_fd(&p.records[1]);
    close_fd(&p.control[0]);
    st.control_fd = p.control[1];
    p.control[1] = -1;

    current_pid = sp.pid;
    int timed_out = pump(&st, &sp, p.records[0],
                         started + spec->timeout_s);
    if (timed_out) {
        spawn_kill(&sp, SIGKILL);
    }
    /* Leftovers of the scenario (servers it forked) go with it. */
    if (spawn_wait_group(&sp, &ex) < 0) {
        current_pid = -1;
        res->outcome = CELL_INFRA;
        res->message = xasprintf("cannot wait for runner %s: %s",
                                 spec->py->runner, strerror(errno));
        goto fail;
    }
    current_pid = -1;
    read_progress(p.progress, &page);

    /* The runner exits 3 only when the interpreter could not start, which
     * is before it says hello; a scenario may exit 3 itself later. */
    if (ex.exited && ex.code == 3 && st.hello == NULL) {
        res->outcome = CELL_INFRA;
        res->message = xasprintf("the %s interpreter failed to start in "
                                 "its runner: %s",
                                 spec->py->tag,
                                 st.err_tail.len ? tail_text(&st.err_tail)
                                                 : "(no output)");
        goto fail;
    }

    json_t *doc = json_object();
    json_object_set_new(doc, "schema", json_integer(1));
    json_object_set_new(doc, "leakmatrix", json_string(LMX_VERSION));
    json_t *scen = json_object();
    json_object_set_new(scen, "path", json_text(spec->scenario));
    json_object_set(scen, "title",
                    json_object_get(st.scenario, "title")
                        ? json_object_get(st.scenario, "title")
                        : json_null());
    json_object_set_new(doc, "scenario", scen);
    json_object_set(doc, "params",
                    st.scenario ? json_object_get(st.scenario, "params")
                                : json_null());
    json_object_set_new(doc, "python", python_doc(spec->py));
    json_object_set(json_object_get(doc, "python"), "embedded",
                    st.hello ? st.hello : json_null());
    json_object_set_new(doc, "mode", json_string(spec->census ? "census"
                                                              : "default"));
    json_t *plan = json_pack("{s:o, s:I, s:I, s:o}", "warmup",
                             st.scenario ? json_incref(json_object_get(
                                 st.scenario, "warmup"))
                                         : json_null(),
                             "rounds",
                             (json_int_t)spec->rounds, "max_rounds",
                             (json_int_t)spec->max_rounds, "iterations",
                             st.scenario ? json_incref(json_object_get(
                                 st.scenario, "iterations"))
                                         : json_null());
    json_object_set_new(doc, "plan", plan);
    json_object_set_new(doc, "counted_rounds",
                        json_integer((json_int_t)st.counted));
    json_object_set(doc, "rounds", st.rounds);
    json_object_set(doc, "imports",
                    st.imports ? json_object_get(st.imports, "modules")
                               : json_null());
    json_object_set_new(doc, "stdout_tail",
                        json_text(tail_text(&st.out_tail)));
    json_object_set_new(doc, "stderr_tail",
                        json_text(tail_text(&st.err_tail)));
    if (st.bad_records) {
        json_object_set_new(doc, "bad_records",
                            json_integer(st.bad_records));
    }
    conclude(&st, res, doc, timed_out, &ex, &page);
    json_object_set_new(doc, "timing",
                        json_pack("{s:s, s:f}", "started", started_iso,
                                  "wall_s",
                                  util_now_monotonic() - started));
    res->doc = doc;
    res->outcome = CELL_DONE;
    if (st.error && ex.exited && ex.code == 2) {
        const char *kind = json_string_value(json_object_get(st.error,
                                                             "kind"));
        if (kind && strcmp(kind, "usage") == 0) {
            const char *msg = json_string_value(
                json_object_get(st.error, "message"));
            res->outcome = CELL_USAGE;
            res->message = xstrdup(msg ? msg : "bad scenario parameter");
        }
    }

fail:
    close_fd(&p.records[0]);
    close_fd(&p.records[1]);
    close_fd(&p.control[0]);
    close_fd(&p.control[1]);
    close_fd(&p.progress);
    spawn_release(&sp);
    run_state_release(&st);
    free(started_iso);
    return 0;
}
