/* conclude_where.c - what names a cell's growth (conclude_private.h): the
 * sites of its trace (--trace, tracemalloc) and the fds, threads and
 * garbage that grew since the baseline, into the result document and the
 * outcome, with the notes that say what a trace can and cannot see.  The
 * status was decided before, from the probes: nothing here changes it.
 */
#include "matrix/conclude_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Most names of one kind the document keeps (the runner sends at most as
 * many a round, harness/runner/where.py). */
#define GREW_DOC_MAX 16

/* A frame object of the trace record as an outcome frame whose strings
 * are borrowed from j (outcome_add_site() and outcome_add_named() copy
 * them; nobody frees these). */
static struct outcome_frame
frame_of(json_t *j)
{
    struct outcome_frame fr = {
        (char *)json_string_value(json_object_get(j, "file")),
        (char *)json_string_value(json_object_get(j, "path")),
        (long)json_integer_value(json_object_get(j, "line")),
        (char *)json_string_value(json_object_get(j, "function")),
        (char *)json_string_value(json_object_get(j, "source")),
    };
    return fr;
}

/* A site of the trace record into the outcome, with its types and the
 * rounds it grew in of the rounds traced. */
static void
add_site(json_t *site, json_int_t rounds, struct outcome *o)
{
    json_t *frames = json_object_get(site, "frames");
    size_t n = json_array_size(frames), i;
    struct outcome_frame *fv = xcalloc(n ? n : 1, sizeof(*fv));
    json_t *v;

    for (i = 0; i < n; i++) {
        fv[i] = frame_of(json_array_get(frames, i));
    }
    outcome_add_site(
        o, json_number_value(json_object_get(site, "bytes_per_iteration")),
        json_number_value(json_object_get(site, "blocks_per_iteration")),
        fv, n, (size_t)json_integer_value(json_object_get(site, "at")));
    outcome_site_set_rounds(o,
                            (unsigned long)json_integer_value(
                                json_object_get(site, "rounds_growing")),
                            (unsigned long)rounds);
    json_array_foreach(json_object_get(site, "types"), i, v) {
        outcome_site_add_type(o,
                              json_string_value(json_object_get(v, "type")),
                              json_number_value(json_object_get(v, "live")));
    }
    free(fv);
}

/* The trace record into the document ("trace", without its "t") and the
 * outcome; the notes of a traced cell. */
static void
conclude_trace(const struct facts *f, json_t *doc, struct outcome *o)
{
    json_t *rec = f->ev->trace;
    json_t *notes = json_object_get(doc, "notes");
    size_t i;
    json_t *v;

    if (!f->spec->trace || rec == NULL) {
        json_object_set_new(doc, "trace", json_null());
        if (f->spec->trace && f->ev->counted >= 2) {
            json_array_append_new(
                notes, json_string("--trace: the runner sent no trace "
                                   "record (see its stderr)"));
        }
        return;
    }
    json_t *t = json_deep_copy(rec);
    json_object_del(t, "t");
    json_object_set_new(doc, "trace", t);
    const char *tracer = json_string_value(json_object_get(rec, "tracer"));
    o->tracer = xstrdup(tracer ? tracer : "tracemalloc");
    /* A site that grew in most rounds but not all is a slow leak's in a
     * cell with a finding, and noise in any other. */
    json_int_t rounds = json_integer_value(json_object_get(rec, "rounds"));
    int finding = o->status == VERDICT_STATUS_LEAK
                  || o->status == VERDICT_STATUS_SUSPECT;
    json_array_foreach(json_object_get(rec, "sites"), i, v) {
        if (finding || json_integer_value(json_object_get(
                           v, "rounds_growing")) >= rounds) {
            add_site(v, rounds, o);
        }
    }
    json_array_append_new(
        notes, json_string("--trace: the sites say where tracemalloc saw "
                           "the growth allocated; the verdicts come from "
                           "the probes, as without --trace (tracemalloc's "
                           "own tables grow with every block it traces, "
                           "so where Python objects are kept heap_bytes "
                           "and RSS grow with them)"));
    json_array_append_new(
        notes, json_string("--trace: tracemalloc sees what Python's "
                           "allocators hand out, not memory C code takes "
                           "from malloc directly: --valgrind or --lsan "
                           "name the stacks of that"));
}

/* Where the trace saw a file or socket object holding an fd named name
 * made: the record's "opened" entry (the most such fds first), or NULL. */
static json_t *
opened_of(const struct facts *f, const char *name)
{
    size_t i;
    json_t *v;

    if (f->ev->trace == NULL) {
        return NULL;
    }
    json_array_foreach(json_object_get(f->ev->trace, "opened"), i, v) {
        const char *n = json_string_value(json_object_get(v, "name"));
        if (n && strcmp(n, name) == 0) {
            return v;
        }
    }
    return NULL;
}

/* One name that grew: its entry in the document, and in the outcome when
 * among the first OUTCOME_MAX_NAMED of its kind. */
static void
add_named(const struct facts *f, enum evidence_grew k,
          const struct evidence_track *tr, int every_round, size_t rank,
          json_t *grew, struct outcome *o)
{
    double iters = f->ev->all_iterations - f->ev->warm_iterations;
    double growth = tr->value[tr->n - 1];
    double per_it = iters > 0 ? growth / iters : NAN;
    json_t *opened = k == EVIDENCE_GREW_FDS ? opened_of(f, tr->name) : NULL;
    json_t *frames = json_object_get(opened, "frames");
    json_t *site = json_array_get(frames, (size_t)json_integer_value(
                                              json_object_get(opened, "at")));
    struct outcome_frame fr = frame_of(site);

    json_array_append_new(
        grew, json_pack("{s:s, s:s, s:f, s:o, s:b, s:O?, s:O?}", "kind",
                        evidence_grew_kind(k), "name", tr->name, "growth",
                        growth,
                        "per_iteration", isfinite(per_it)
                                             ? json_real(per_it)
                                             : json_null(),
                        "every_round", every_round, "opened", site,
                        "opened_count",
                        json_object_get(opened, "count")));
    if (rank < OUTCOME_MAX_NAMED) {
        outcome_add_named(o, evidence_grew_kind(k), tr->name, per_it,
                          every_round, site ? &fr : NULL);
    }
}

/* The names of kind k that grew since the baseline, those that grew in
 * every counted round first, then by growth. */
static void
conclude_grew_kind(const struct facts *f, enum evidence_grew k,
                   json_t *grew, struct outcome *o)
{
    const struct evidence_tracks *t = &f->ev->grew[k];
    int *leak = xcalloc(t->nr ? t->nr : 1, sizeof(int));
    int *used = xcalloc(t->nr ? t->nr : 1, sizeof(int));

    for (size_t i = 0; i < t->nr; i++) {
        struct verdict v;
        leak[i] = evidence_judge_track(&t->v[i], 1, &v) == 0
                  && v.kind == VERDICT_LEAK;
    }
    for (size_t rank = 0; rank < GREW_DOC_MAX; rank++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < t->nr; i++) {
            const struct evidence_track *tr = &t->v[i];
            double last = tr->n ? tr->value[tr->n - 1] : NAN;
            if (used[i] || !(last > 0)) {
                continue;
            }
            const struct evidence_track *b = best == SIZE_MAX ? NULL
                                                              : &t->v[best];
            if (b == NULL || leak[i] > leak[best]
                || (leak[i] == leak[best] && last > b->value[b->n - 1])) {
                best = i;
            }
        }
        if (best == SIZE_MAX) {
            break;
        }
        used[best] = 1;
        add_named(f, k, &t->v[best], leak[best], rank, grew, o);
    }
    free(leak);
    free(used);
}

void
conclude_where(const struct facts *f, json_t *doc, struct outcome *o)
{
    json_t *grew = json_array();

    conclude_trace(f, doc, o);
    for (int k = 0; k < EVIDENCE_GREW_KINDS; k++) {
        conclude_grew_kind(f, (enum evidence_grew)k, grew, o);
    }
    json_object_set_new(doc, "grew", grew);
}
