/* outcome_where.c - where a cell's growth was allocated and what grew by
 * name: the sites of a trace (--trace, tracemalloc) and the fds, threads
 * and garbage named at round ends (every mode), their part of the summary
 * line and of the outcome's JSON (outcome_private.h).  They explain a
 * finding of the probes; nothing here changes a status.
 */
#include "judge/outcome_private.h"

#include "base/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Kinds of names, each with the probes whose finding it explains. */
static const struct {
    const char *kind;
    const char *probes[2];
} named_kinds[] = {
    {"fds", {LMX_METRIC_NAME_FDS, NULL}},
    {"threads", {LMX_METRIC_NAME_THREADS_OS, LMX_METRIC_NAME_THREADS_PY}},
    {"garbage", {NULL, NULL}},
};
#define NKINDS (sizeof(named_kinds) / sizeof(named_kinds[0]))

/* Names of one kind the summary says at most. */
#define SUMMARY_NAMED 2

/* ---- building ---------------------------------------------------------- */

void
outcome_frame_release(struct outcome_frame *fr)
{
    free(fr->file);
    free(fr->path);
    free(fr->function);
    free(fr->source);
    memset(fr, 0, sizeof(*fr));
}

static void
frame_copy(struct outcome_frame *to, const struct outcome_frame *from)
{
    to->file = oc_dup_or_null(from->file);
    to->path = oc_dup_or_null(from->path);
    to->line = from->line;
    to->function = oc_dup_or_null(from->function);
    to->source = oc_dup_or_null(from->source);
}

void
outcome_add_site(struct outcome *o, double bytes_per_iteration,
                 double blocks_per_iteration,
                 const struct outcome_frame *frames, size_t nframes,
                 size_t at)
{
    if (o->nsites >= OUTCOME_MAX_SITES) {
        return;
    }
    o->sites = xrealloc(o->sites, (o->nsites + 1) * sizeof(*o->sites));
    struct outcome_site *s = &o->sites[o->nsites++];
    memset(s, 0, sizeof(*s));
    s->bytes_per_iteration = bytes_per_iteration;
    s->blocks_per_iteration = blocks_per_iteration;
    s->frames = xcalloc(nframes ? nframes : 1, sizeof(*s->frames));
    s->nframes = nframes;
    for (size_t i = 0; i < nframes; i++) {
        frame_copy(&s->frames[i], &frames[i]);
    }
    s->at = at < nframes ? at : 0;
}

void
outcome_site_set_rounds(struct outcome *o, unsigned long growing,
                        unsigned long rounds)
{
    if (o->nsites > 0) {
        o->sites[o->nsites - 1].rounds_growing = growing;
        o->sites[o->nsites - 1].rounds = rounds;
    }
}

void
outcome_site_add_type(struct outcome *o, const char *type, double live)
{
    if (o->nsites == 0) {
        return;
    }
    struct outcome_site *s = &o->sites[o->nsites - 1];
    s->types = xrealloc(s->types, (s->ntypes + 1) * sizeof(*s->types));
    s->types[s->ntypes].type = xstrdup(type ? type : "?");
    s->types[s->ntypes].live = live;
    s->ntypes++;
}

void
outcome_add_named(struct outcome *o, const char *kind, const char *name,
                  double per_iteration, int every_round,
                  const struct outcome_frame *opened)
{
    o->named = xrealloc(o->named, (o->nnamed + 1) * sizeof(*o->named));
    struct outcome_named *n = &o->named[o->nnamed++];
    memset(n, 0, sizeof(*n));
    n->kind = xstrdup(kind ? kind : "?");
    n->name = xstrdup(name ? name : "?");
    n->per_iteration = per_iteration;
    n->every_round = every_round;
    if (opened && opened->file) {
        frame_copy(&n->opened, opened);
    }
}

void
outcome_where_release(struct outcome *o)
{
    for (size_t i = 0; i < o->nsites; i++) {
        struct outcome_site *s = &o->sites[i];
        for (size_t k = 0; k < s->nframes; k++) {
            outcome_frame_release(&s->frames[k]);
        }
        for (size_t k = 0; k < s->ntypes; k++) {
            free(s->types[k].type);
        }
        free(s->frames);
        free(s->types);
    }
    free(o->sites);
    for (size_t i = 0; i < o->nnamed; i++) {
        free(o->named[i].kind);
        free(o->named[i].name);
        outcome_frame_release(&o->named[i].opened);
    }
    free(o->named);
    free(o->tracer);
}

/* ---- the summary ------------------------------------------------------- */

void
outcome_frame_text(const struct outcome_frame *fr, struct strbuf *sb)
{
    strbuf_addf(sb, "%s:%ld", fr->file ? fr->file : "?", fr->line);
    if (fr->function) {
        strbuf_addf(sb, " in %s", fr->function);
    }
}

/* Whether o leads with, or also has, a finding of one of probes. */
static int
probe_found(const struct outcome *o, const char *const probes[2])
{
    for (size_t p = 0; p < 2 && probes[p]; p++) {
        if (o->lead.metric && strcmp(o->lead.metric, probes[p]) == 0
            && !o->lead.gauge) {
            return 1;
        }
        for (size_t i = 0; i < o->nalso; i++) {
            if (o->also[i].metric && !o->also[i].gauge
                && strcmp(o->also[i].metric, probes[p]) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

/* "; fds +1.0/it (/dev/null), +0.5/it (socket:[...], opened at x.py:3
 * in f)" for the names of kind k worth saying. */
static void
add_named_kind(const struct outcome *o, size_t k, struct strbuf *sb)
{
    int found = probe_found(o, named_kinds[k].probes);
    size_t said = 0;
    char fig[VERDICT_FIGURE_SIZE];

    for (size_t i = 0; i < o->nnamed && said < SUMMARY_NAMED; i++) {
        const struct outcome_named *n = &o->named[i];
        if (strcmp(n->kind, named_kinds[k].kind) != 0
            || !(n->every_round || found)) {
            continue;
        }
        verdict_format_rate(fig, sizeof(fig), n->per_iteration, NULL);
        if (said++ == 0) {
            strbuf_addf(sb, "; %s ", n->kind);
        }
        else {
            strbuf_adds(sb, ", ");
        }
        strbuf_addf(sb, "%s (%s", fig, n->name);
        if (n->opened.file) {
            strbuf_adds(sb, ", opened at ");
            outcome_frame_text(&n->opened, sb);
        }
        else if (o->tracer && strcmp(n->kind, "fds") == 0) {
            /* os.open(), os.pipe(), C code: nothing tracemalloc saw */
            strbuf_adds(sb, ", held by no Python object");
        }
        strbuf_addch(sb, ')');
    }
}

/* Whether the lead is memory (bytes, blocks, objects), which a site
 * could explain: not fds, threads or references. */
static int
memory_lead(const struct outcome *o)
{
    static const char *const units[] = {"bytes", "blocks", "objects"};

    for (size_t i = 0; o->lead.unit && i < 3; i++) {
        if (strcmp(o->lead.unit, units[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

void
outcome_where_summary(const struct outcome *o, struct strbuf *sb)
{
    char rate[VERDICT_FIGURE_SIZE];

    if (o->nsites) {
        const struct outcome_site *s = &o->sites[0];
        verdict_format_rate(rate, sizeof(rate), s->bytes_per_iteration,
                            "bytes");
        strbuf_adds(sb, "; grows at ");
        outcome_frame_text(&s->frames[s->at], sb);
        strbuf_addf(sb, ", %s", rate);
        if (s->rounds_growing < s->rounds) {
            strbuf_addf(sb, " (in %lu of %lu rounds)", s->rounds_growing,
                        s->rounds);
        }
    }
    else if (o->tracer && o->status == VERDICT_STATUS_LEAK
             && memory_lead(o)) {
        strbuf_adds(sb, "; no allocation site tracemalloc saw grew (it "
                        "cannot see C's malloc: --valgrind or --lsan "
                        "can)");
    }
    for (size_t k = 0; k < NKINDS; k++) {
        add_named_kind(o, k, sb);
    }
}

/* ---- JSON -------------------------------------------------------------- */

static json_t *
frame_to_json(const struct outcome_frame *fr)
{
    return json_pack("{s:o, s:o, s:I, s:o, s:o}", "file",
                     oc_string_or_null(fr->file), "path",
                     oc_string_or_null(fr->path), "line",
                     (json_int_t)fr->line, "function",
                     oc_string_or_null(fr->function), "source",
                     oc_string_or_null(fr->source));
}

static json_t *
site_to_json(const struct outcome_site *s)
{
    json_t *frames = json_array();
    json_t *types = json_array();

    for (size_t k = 0; k < s->nframes; k++) {
        json_array_append_new(frames, frame_to_json(&s->frames[k]));
    }
    for (size_t k = 0; k < s->ntypes; k++) {
        json_array_append_new(types,
                              json_pack("{s:s, s:o}", "type",
                                        s->types[k].type, "live",
                                        oc_number_or_null(s->types[k].live)));
    }
    return json_pack("{s:o, s:o, s:I, s:I, s:I, s:o, s:o}",
                     "bytes_per_iteration",
                     oc_number_or_null(s->bytes_per_iteration),
                     "blocks_per_iteration",
                     oc_number_or_null(s->blocks_per_iteration),
                     "rounds_growing", (json_int_t)s->rounds_growing,
                     "rounds", (json_int_t)s->rounds, "at",
                     (json_int_t)s->at, "frames", frames, "types", types);
}

json_t *
outcome_where_to_json(const struct outcome *o, json_t *j)
{
    json_t *sites = json_array();
    json_t *grew = json_array();

    for (size_t i = 0; i < o->nsites; i++) {
        json_array_append_new(sites, site_to_json(&o->sites[i]));
    }
    for (size_t i = 0; i < o->nnamed; i++) {
        const struct outcome_named *n = &o->named[i];
        json_array_append_new(
            grew, json_pack("{s:s, s:s, s:o, s:b, s:o}", "kind", n->kind,
                            "name", n->name, "per_iteration",
                            oc_number_or_null(n->per_iteration),
                            "every_round", n->every_round, "opened",
                            n->opened.file ? frame_to_json(&n->opened)
                                           : json_null()));
    }
    json_object_set_new(j, "tracer", oc_string_or_null(o->tracer));
    json_object_set_new(j, "sites", sites);
    json_object_set_new(j, "grew", grew);
    return j;
}

/* ---- reading back ------------------------------------------------------ */

/* A frame object into fr (released first by the caller's init). */
static int
frame_from_json(json_t *j, struct outcome_frame *fr, struct strbuf *err)
{
    memset(fr, 0, sizeof(*fr));
    if (!json_is_object(j) || !json_is_string(json_object_get(j, "file"))) {
        strbuf_adds(err, "a traced frame has no file");
        return -1;
    }
    if (oc_get_string(j, "file", &fr->file, err) < 0
        || oc_get_string(j, "path", &fr->path, err) < 0
        || oc_get_string(j, "function", &fr->function, err) < 0
        || oc_get_string(j, "source", &fr->source, err) < 0) {
        outcome_frame_release(fr);
        return -1;
    }
    fr->line = (long)json_integer_value(json_object_get(j, "line"));
    return 0;
}

static int
site_from_json(json_t *j, struct outcome *o, struct strbuf *err)
{
    json_t *frames = json_object_get(j, "frames");
    size_t n = json_array_size(frames), i;
    struct outcome_frame *fv = xcalloc(n ? n : 1, sizeof(*fv));
    int rc = json_is_array(frames) ? 0 : -1;
    json_t *v;

    for (i = 0; rc == 0 && i < n; i++) {
        rc = frame_from_json(json_array_get(frames, i), &fv[i], err);
    }
    if (rc == 0) {
        outcome_add_site(o, oc_get_number(j, "bytes_per_iteration"),
                         oc_get_number(j, "blocks_per_iteration"), fv, n,
                         (size_t)json_integer_value(json_object_get(j,
                                                                    "at")));
        outcome_site_set_rounds(
            o,
            (unsigned long)json_integer_value(json_object_get(
                j, "rounds_growing")),
            (unsigned long)json_integer_value(json_object_get(j, "rounds")));
        json_array_foreach(json_object_get(j, "types"), i, v) {
            outcome_site_add_type(
                o, json_string_value(json_object_get(v, "type")),
                oc_get_number(v, "live"));
        }
    }
    else if (!json_is_array(frames)) {
        strbuf_adds(err, "outcome.sites[] needs frames");
    }
    for (i = 0; i < n; i++) {
        outcome_frame_release(&fv[i]);
    }
    free(fv);
    return rc;
}

static int
named_from_json(json_t *j, struct outcome *o, struct strbuf *err)
{
    const char *kind = json_string_value(json_object_get(j, "kind"));
    const char *name = json_string_value(json_object_get(j, "name"));
    json_t *opened = json_object_get(j, "opened");
    struct outcome_frame fr = {0};

    if (kind == NULL || name == NULL) {
        strbuf_adds(err, "outcome.grew[] needs a kind and a name");
        return -1;
    }
    if (json_is_object(opened) && frame_from_json(opened, &fr, err) < 0) {
        return -1;
    }
    outcome_add_named(o, kind, name, oc_get_number(j, "per_iteration"),
                      json_is_true(json_object_get(j, "every_round")), &fr);
    outcome_frame_release(&fr);
    return 0;
}

int
outcome_where_from_json(json_t *j, struct outcome *o, struct strbuf *err)
{
    size_t i;
    json_t *v;

    if (oc_get_string(j, "tracer", &o->tracer, err) < 0) {
        return -1;
    }
    json_array_foreach(json_object_get(j, "sites"), i, v) {
        if (site_from_json(v, o, err) < 0) {
            return -1;
        }
    }
    json_array_foreach(json_object_get(j, "grew"), i, v) {
        if (named_from_json(v, o, err) < 0) {
            return -1;
        }
    }
    return 0;
}
