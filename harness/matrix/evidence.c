/* evidence.c - a runner's records taken apart into tracks, kept records,
 * tails and the native log (evidence.h).  It never reads a descriptor or
 * the clock: cell.c feeds it what the pipes gave and decides what to do
 * about what it says; conclude.c judges what it holds.
 */
#include "matrix/evidence.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/metrics.h"
#include "base/proto.h"

void
evidence_init(struct evidence *ev, enum leakcheck_mode native,
              unsigned long ask_from, unsigned long max_rounds)
{
    memset(ev, 0, sizeof(*ev));
    ev->native = native;
    ev->ask_from = ask_from;
    ev->max_rounds = max_rounds;
    ev->max_noisy = max_rounds;
    strbuf_init(&ev->out_tail);
    strbuf_init(&ev->err_tail);
    strbuf_init(&ev->line);
    leakcheck_log_init(&ev->nlog, native);
}

static void
tracks_release(struct evidence_tracks *t)
{
    for (size_t i = 0; i < t->nr; i++) {
        free(t->v[i].name);
        free(t->v[i].value);
        free(t->v[i].iters);
    }
    free(t->v);
    memset(t, 0, sizeof(*t));
}

void
evidence_release(struct evidence *ev)
{
    json_decref(ev->hello);
    json_decref(ev->probes);
    json_decref(ev->scenario);
    json_decref(ev->skip);
    json_decref(ev->error);
    json_decref(ev->imports);
    json_decref(ev->trace);
    json_decref(ev->rounds);
    json_decref(ev->held);
    json_decref(ev->done_rec);
    json_decref(ev->leftovers);
    json_decref(ev->served);
    tracks_release(&ev->metrics);
    tracks_release(&ev->gauges);
    tracks_release(&ev->census);
    for (int k = 0; k < EVIDENCE_GREW_KINDS; k++) {
        tracks_release(&ev->grew[k]);
    }
    strbuf_release(&ev->out_tail);
    strbuf_release(&ev->err_tail);
    strbuf_release(&ev->line);
    leakcheck_log_release(&ev->nlog);
    memset(ev, 0, sizeof(*ev));
    strbuf_init(&ev->out_tail);
    strbuf_init(&ev->err_tail);
    strbuf_init(&ev->line);
}

/* ---- tracks ------------------------------------------------------------ */

static struct evidence_track *
track_get(struct evidence_tracks *t, const char *name)
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
    struct evidence_track *tr = &t->v[t->nr++];
    memset(tr, 0, sizeof(*tr));
    tr->name = xstrdup(name);
    return tr;
}

static void
track_push(struct evidence_track *tr, double value, double iters)
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
feed_readings(struct evidence_tracks *t, json_t *obj, int counted,
              size_t before, double iters, int gauge, int census)
{
    const char *key;
    json_t *val;

    if (!json_is_object(obj)) {
        return;
    }
    json_object_foreach(obj, key, val) {
        struct evidence_track *tr = track_get(t, key);
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
        struct evidence_track *tr = &t->v[i];
        if (tr->n == before && json_object_get(obj, tr->name) == NULL) {
            track_push(tr, 0, iters);
        }
    }
}

const char *
evidence_grew_kind(enum evidence_grew kind)
{
    static const char *const kinds[EVIDENCE_GREW_KINDS] = {
        "fds", "threads", "garbage",
    };
    return kind < EVIDENCE_GREW_KINDS ? kinds[kind] : "?";
}

/* A counted round's "grew" into the tracks of each kind; a kind or a name
 * the round does not carry did not move from the baseline: 0. */
static void
feed_grew(struct evidence *ev, json_t *grew, size_t before, double iters)
{
    json_t *none = json_object();

    for (int k = 0; k < EVIDENCE_GREW_KINDS; k++) {
        json_t *names = json_object_get(grew, evidence_grew_kind(k));
        feed_readings(&ev->grew[k], names ? names : none, 1, before, iters,
                      0, 1);
    }
    json_decref(none);
}

const struct metric *
evidence_track_metric(const struct evidence_track *tr,
                      struct metric *scratch)
{
    return metric_get(tr->name, tr->gauge || tr->census, scratch);
}

int
evidence_judge_track(const struct evidence_track *tr, int final,
                     struct verdict *v)
{
    struct verdict_series s = {tr->value, tr->iters, tr->n};
    struct metric scratch;
    return verdict_judge(evidence_track_metric(tr, &scratch)->cls, &s, final,
                         v);
}

int
evidence_wants_more(const struct evidence *ev)
{
    const struct evidence_tracks *sets[] = {&ev->metrics, &ev->gauges};

    if (ev->counted >= ev->max_rounds && ev->counted >= ev->max_noisy) {
        return 0;
    }
    for (size_t t = 0; t < 2; t++) {
        for (size_t i = 0; i < sets[t]->nr; i++) {
            struct verdict v;
            if (evidence_judge_track(&sets[t]->v[i], 0, &v) == 0
                && verdict_wants_round(&v, ev->max_rounds, ev->max_noisy)) {
                return 1;
            }
        }
    }
    return 0;
}

/* ---- rounds ------------------------------------------------------------ */

/* Whether a round record comes with a native report: under an engine,
 * unless it is a warm-up round before the last, which skips the engine's
 * check (proto.h, version 3). */
static int
native_wanted(const struct evidence *ev, json_t *rec)
{
    return ev->native != LEAKCHECK_OFF
           && !json_is_false(json_object_get(rec, "native_checked"));
}

static int
is_counted(json_t *rec)
{
    const char *phase = json_string_value(json_object_get(rec, "phase"));
    return phase && strcmp(phase, "counted") == 0;
}

static unsigned
round_of(json_t *rec)
{
    return (unsigned)json_integer_value(json_object_get(rec, "round"));
}

/* Whether a round record can be taken: its native report, if it has one,
 * is all in, or will never be. */
static int
native_ready(const struct evidence *ev, json_t *rec)
{
    return !native_wanted(ev, rec) || ev->native_lost || ev->native_closed
           || leakcheck_log_round_ended(&ev->nlog, is_counted(rec),
                                        round_of(rec));
}

/* The round's native readings, with the runner's memcheck totals
 * ("native"), as metrics of the round. */
static void
native_readings(struct evidence *ev, json_t *rec, int counted,
                size_t before, double iters)
{
    json_t *m = ev->native_lost
                    ? NULL
                    : leakcheck_log_readings(&ev->nlog, counted,
                                             round_of(rec));
    json_t *vg = json_object_get(rec, "native");

    if (m && json_is_object(vg)) {
        json_object_update(m, vg);
    }
    feed_readings(&ev->metrics, m, counted, before, iters, 0, 0);
    json_decref(m);
}

/* Under valgrind the process's RSS is mostly memcheck's: shadow memory
 * and the queue of freed blocks it holds back (--freelist-vol, 20 MB),
 * which fills for a while in every loop that allocates and frees.  Its
 * heap metrics say what RSS would, so RSS is n/a there. */
#define NATIVE_RSS_NA "n/a under valgrind: the process's RSS is mostly " \
                      "memcheck's own (shadow memory, freed-block queue)"
static void
native_mask(struct evidence *ev, json_t *rec)
{
    json_t *m = json_object_get(rec, "m");

    if (ev->native != LEAKCHECK_VALGRIND || !json_is_object(m)) {
        return;
    }
    json_object_set_new(m, LMX_METRIC_NAME_RSS_BYTES, json_null());
    if (ev->probes && !json_object_get(json_object_get(ev->probes, "na"),
                                       LMX_METRIC_NAME_RSS_BYTES)) {
        json_t *na = json_object_get(ev->probes, "na");
        if (!json_is_object(na)) {
            na = json_object();
            json_object_set_new(ev->probes, "na", na);
        }
        json_object_set_new(na, LMX_METRIC_NAME_RSS_BYTES,
                            json_string(NATIVE_RSS_NA));
    }
}

/* Takes a round record whose native report is in (native_ready()).
 * EVIDENCE_ASKED when the runner waits for an answer after it. */
static enum evidence_event
take_round(struct evidence *ev, json_t *rec)
{
    int counted = is_counted(rec);
    double iters = json_number_or_nan(json_object_get(rec, "iterations"));
    json_t *census = json_object_get(rec, "census");
    size_t before = ev->counted + 1;

    native_mask(ev, rec);
    feed_readings(&ev->metrics, json_object_get(rec, "m"), counted, before,
                  iters, 0, 0);
    feed_readings(&ev->gauges, json_object_get(rec, "g"), counted, before,
                  iters, 1, 0);
    if (native_wanted(ev, rec)) {
        native_readings(ev, rec, counted, before, iters);
    }
    if (census) {
        feed_readings(&ev->census, census, counted, before, iters, 0, 1);
        json_object_del(rec, "census");
    }
    if (counted) {
        feed_grew(ev, json_object_get(rec, "grew"), before, iters);
    }
    json_object_del(rec, "grew");
    if (ev->rounds == NULL) {
        ev->rounds = json_array();
    }
    json_array_append(ev->rounds, rec);
    if (isfinite(iters)) {
        ev->all_iterations += iters;
        if (!counted) {
            ev->warm_iterations = ev->all_iterations;
        }
    }
    if (!counted) {
        return EVIDENCE_NONE;
    }
    ev->counted++;
    /* The runner asks after each counted round from --rounds on. */
    return round_of(rec) >= ev->ask_from ? EVIDENCE_ASKED : EVIDENCE_NONE;
}

/* ---- records ----------------------------------------------------------- */

void
evidence_add_records(struct evidence *ev, const char *buf, size_t n)
{
    strbuf_add(&ev->line, buf, n);
}

/* A hello of another protocol: the number it spoke, -1 for none. */
static enum evidence_event
take_hello(struct evidence *ev, json_t *rec)
{
    json_t *proto = json_object_get(rec, "proto");

    if (json_is_integer(proto)
        && json_integer_value(proto) == LMX_PROTO_VERSION) {
        return EVIDENCE_NONE;
    }
    ev->proto_mismatch = (int)json_integer_value(proto);
    if (ev->proto_mismatch == 0) {
        ev->proto_mismatch = -1;
    }
    return EVIDENCE_MISMATCH;
}

/* Where a record of this type is kept, or NULL. */
static json_t **
slot_of(struct evidence *ev, const char *type)
{
    const struct {
        const char *type;
        json_t **slot;
    } kept[] = {
        {LMX_REC_HELLO, &ev->hello},       {LMX_REC_PROBES, &ev->probes},
        {LMX_REC_SCENARIO, &ev->scenario}, {LMX_REC_SKIP, &ev->skip},
        {LMX_REC_ERROR, &ev->error},       {LMX_REC_IMPORTS, &ev->imports},
        {LMX_REC_TRACE, &ev->trace},
        {LMX_REC_LEFTOVERS, &ev->leftovers},
        {LMX_REC_SERVED, &ev->served},
    };

    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        if (strcmp(type, kept[i].type) == 0) {
            return kept[i].slot;
        }
    }
    return NULL;
}

/* Takes one line.  A round record is held until it can be taken. */
static enum evidence_event
take_line(struct evidence *ev, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *rec = json_loadb(text, len, 0, &jerr);
    const char *type = json_string_value(json_object_get(rec, "t"));
    enum evidence_event e = EVIDENCE_NONE;

    if (rec == NULL || type == NULL) {
        ev->bad_records++;
        json_decref(rec);
        return EVIDENCE_BAD;
    }
    json_t **slot = slot_of(ev, type);
    if (strcmp(type, LMX_REC_ROUND) == 0) {
        ev->held = json_incref(rec);
    }
    else if (strcmp(type, LMX_REC_DONE) == 0) {
        ev->done = 1;
        json_decref(ev->done_rec);
        ev->done_rec = json_incref(rec);
    }
    else if (slot) {
        json_decref(*slot);
        *slot = json_incref(rec);
        if (slot == &ev->hello) {
            e = take_hello(ev, rec);
        }
    }
    json_decref(rec);
    return e;
}

/* The next whole line not taken yet: 1 with text and len set, or 0 (the
 * partial rest moved to the front of the buffer). */
static int
next_line(struct evidence *ev, const char **text, size_t *len)
{
    char *start = ev->line.buf + ev->used;
    size_t left = ev->line.len - ev->used;
    char *nl = memchr(start, '\n', left);

    if (nl == NULL) {
        memmove(ev->line.buf, start, left);
        ev->line.len = left;
        ev->line.buf[left] = '\0';
        ev->used = 0;
        return 0;
    }
    *text = start;
    *len = (size_t)(nl - start);
    ev->used += *len + 1;
    return 1;
}

enum evidence_event
evidence_next(struct evidence *ev)
{
    const char *text;
    size_t len;
    enum evidence_event e;

    for (;;) {
        if (ev->held) {
            if (!native_ready(ev, ev->held)) {
                return EVIDENCE_WAITING;
            }
            json_t *rec = ev->held;
            ev->held = NULL;
            e = take_round(ev, rec);
            json_decref(rec);
        }
        else if (next_line(ev, &text, &len)) {
            e = take_line(ev, text, len);
        }
        else {
            return EVIDENCE_NONE;
        }
        if (e != EVIDENCE_NONE) {
            return e;
        }
    }
}

/* ---- the native channel ------------------------------------------------ */

void
evidence_add_native(struct evidence *ev, const char *buf, size_t n)
{
    leakcheck_log_feed(&ev->nlog, buf, n);
}

void
evidence_native_closed(struct evidence *ev)
{
    ev->native_closed = 1;
}

void
evidence_native_lost(struct evidence *ev)
{
    ev->native_lost = 1;
}

void
evidence_end(struct evidence *ev)
{
    enum evidence_event e;

    while ((e = evidence_next(ev)) != EVIDENCE_NONE) {
        /* Only while the channel is open: its report never came. */
        if (e == EVIDENCE_WAITING) {
            ev->native_lost = 1;
        }
    }
}

/* ---- tails ------------------------------------------------------------- */

/* Appends to a tail buffer, keeping only the last EVIDENCE_TAIL_KEEP
 * bytes (once it holds twice that). */
static void
tail_add(struct strbuf *tail, const char *buf, size_t n)
{
    strbuf_add(tail, buf, n);
    if (tail->len > 2 * EVIDENCE_TAIL_KEEP) {
        size_t drop = tail->len - EVIDENCE_TAIL_KEEP;
        memmove(tail->buf, tail->buf + drop, EVIDENCE_TAIL_KEEP);
        tail->len = EVIDENCE_TAIL_KEEP;
        tail->buf[tail->len] = '\0';
    }
}

void
evidence_add_stdout(struct evidence *ev, const char *buf, size_t n)
{
    tail_add(&ev->out_tail, buf, n);
}

void
evidence_add_stderr(struct evidence *ev, const char *buf, size_t n)
{
    tail_add(&ev->err_tail, buf, n);
}

const char *
evidence_tail_text(const struct strbuf *tail)
{
    if (tail->len <= EVIDENCE_TAIL_KEEP) {
        return tail->buf;
    }
    const char *p = tail->buf + (tail->len - EVIDENCE_TAIL_KEEP);
    /* Do not start in the middle of a UTF-8 character. */
    for (int i = 0; i < 3 && ((unsigned char)*p & 0xc0) == 0x80; i++) {
        p++;
    }
    return p;
}
