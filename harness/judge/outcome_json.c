/* outcome_json.c - a cell's outcome as JSON and read back (outcome.h,
 * results/README.md's "outcome"): every field written, and on reading
 * each checked, with what is missing from older results left at its
 * default.  The sites and names a trace found are outcome_where.c's.
 */
#include "judge/outcome_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const flag_names[] = {
    "immortal_singletons",
    "rss_limit",
    "leftovers_killed",
    "unreachable_only",
};
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

/* ---- JSON ------------------------------------------------------------ */

static json_t *
figure_to_json(const struct outcome_figure *f)
{
    return json_pack("{s:s, s:o, s:o, s:b, s:s, s:o, s:o, s:o}", "metric",
                     f->metric, "label", oc_string_or_null(f->label), "unit",
                     oc_string_or_null(f->unit), "gauge", f->gauge, "kind",
                     verdict_kind_name(f->kind), "per_iteration",
                     oc_number_or_null(f->per_iteration), "zero_at",
                     oc_number_or_null(f->zero_at), "why",
                     oc_string_or_null(f->why));
}

/* A crash's or timeout's end as JSON (new reference). */
static json_t *
end_to_json(const struct outcome_end *e)
{
    return json_pack("{s:o, s:i, s:i, s:o, s:I, s:I, s:I, s:o, s:f}",
                     "how", oc_string_or_null(e->how), "signal", e->signal,
                     "exit_code", e->exit_code,
                     "phase", oc_string_or_null(e->phase),
                     "round", (json_int_t)e->round,
                     "iteration_in_round", (json_int_t)e->iteration_in_round,
                     "iterations_total", (json_int_t)e->iterations_total,
                     "fatal_error", oc_string_or_null(e->fatal_error),
                     "timeout_s", e->timeout_s);
}

json_t *
outcome_to_json(const struct outcome *o)
{
    json_t *j = json_object();
    json_t *flags = json_array();
    json_t *also = json_array();

    for (size_t i = 0; i < NFLAGS; i++) {
        if (o->flags & (1u << i)) {
            json_array_append_new(flags, json_string(flag_names[i]));
        }
    }
    for (size_t i = 0; i < o->nalso; i++) {
        json_array_append_new(also, figure_to_json(&o->also[i]));
    }
    json_object_set_new(j, "status",
                        json_string(verdict_status_name(o->status)));
    json_object_set_new(j, "flags", flags);
    json_object_set_new(j, "lead", o->lead.metric ? figure_to_json(&o->lead)
                                                  : json_null());
    json_object_set_new(j, "also", also);
    if (o->status == VERDICT_STATUS_CRASH
        || o->status == VERDICT_STATUS_TIMEOUT) {
        json_object_set_new(j, "end", end_to_json(&o->end));
    }
    else {
        json_object_set_new(j, "end", json_null());
    }
    json_t *seen = json_array();
    for (size_t i = 0; i < 2; i++) {
        if (o->seen[i].metric) {
            json_array_append_new(seen, figure_to_json(&o->seen[i]));
        }
    }
    json_object_set_new(j, "would_have_seen", seen);
    json_object_set_new(j, "detail", oc_string_or_null(o->detail));
    json_t *provided = json_array();
    for (size_t i = 0; i < o->nprovided; i++) {
        const struct outcome_provided *p = &o->provided[i];
        json_array_append_new(
            provided, json_pack("{s:s, s:o, s:o, s:o, s:o}", "capability",
                                p->capability, "module",
                                oc_string_or_null(p->module), "dist",
                                oc_string_or_null(p->dist), "version",
                                oc_string_or_null(p->version), "used",
                                oc_string_or_null(p->used)));
    }
    json_object_set_new(j, "provided", provided);
    json_object_set_new(j, "rss_limit", o->flags & OUTCOME_RSS_LIMIT
                                            ? json_real(o->rss_limit)
                                            : json_null());
    json_object_set_new(j, "leftovers", json_integer((json_int_t)o->leftovers));
    json_object_set_new(j, "native", oc_string_or_null(o->native));
    json_t *stacks = json_array();
    for (size_t i = 0; i < o->nstacks; i++) {
        const struct outcome_stack *st = &o->stacks[i];
        json_t *frames = json_array();
        for (size_t k = 0; k < st->nframes; k++) {
            json_array_append_new(frames, json_string(st->frames[k]));
        }
        json_array_append_new(
            stacks, json_pack("{s:s, s:o, s:o, s:o}", "kind", st->kind,
                              "bytes_per_iteration",
                              oc_number_or_null(st->bytes_per_iteration),
                              "blocks_per_iteration",
                              oc_number_or_null(st->blocks_per_iteration),
                              "frames", frames));
    }
    json_object_set_new(j, "stacks", stacks);
    return outcome_where_to_json(o, j);
}

/* ---- reading back ---------------------------------------------------- */

static int
kind_from_name(const char *name)
{
    for (int k = VERDICT_NA; name && k <= VERDICT_SUSPECT; k++) {
        if (strcmp(verdict_kind_name((enum verdict_kind)k), name) == 0) {
            return k;
        }
    }
    return -1;
}

static int
figure_from_json(json_t *j, struct outcome_figure *f, struct strbuf *err)
{
    json_t *kind = json_object_get(j, "kind");
    int k = kind_from_name(json_string_value(kind));

    memset(f, 0, sizeof(*f));
    f->zero_at = NAN;
    if (!json_is_object(j) || k < 0
        || !json_is_string(json_object_get(j, "metric"))) {
        strbuf_adds(err, "an outcome figure lacks its metric or kind");
        return -1;
    }
    if (oc_get_string(j, "metric", &f->metric, err) < 0
        || oc_get_string(j, "label", &f->label, err) < 0
        || oc_get_string(j, "unit", &f->unit, err) < 0
        || oc_get_string(j, "why", &f->why, err) < 0) {
        outcome_figure_release(f);
        return -1;
    }
    f->gauge = json_is_true(json_object_get(j, "gauge"));
    f->kind = (enum verdict_kind)k;
    f->per_iteration = oc_get_number(j, "per_iteration");
    f->zero_at = oc_get_number(j, "zero_at");
    return 0;
}

static int
end_from_json(json_t *j, struct outcome_end *e, struct strbuf *err)
{
    if (!json_is_object(j)) {
        strbuf_adds(err, "a crash or timeout outcome has no 'end'");
        return -1;
    }
    if (oc_get_string(j, "how", &e->how, err) < 0
        || oc_get_string(j, "phase", &e->phase, err) < 0
        || oc_get_string(j, "fatal_error", &e->fatal_error, err) < 0) {
        return -1;
    }
    e->signal = (int)json_integer_value(json_object_get(j, "signal"));
    e->exit_code = (int)json_integer_value(json_object_get(j, "exit_code"));
    e->round = (unsigned long)json_integer_value(json_object_get(j, "round"));
    e->iteration_in_round = (unsigned long long)json_integer_value(
        json_object_get(j, "iteration_in_round"));
    e->iterations_total = (unsigned long long)json_integer_value(
        json_object_get(j, "iterations_total"));
    e->timeout_s = oc_get_number(j, "timeout_s");
    if (!isfinite(e->timeout_s)) {
        e->timeout_s = 0;
    }
    return 0;
}

static int
flags_from_json(json_t *j, unsigned *flags, struct strbuf *err)
{
    size_t i;
    json_t *v;

    *flags = 0;
    if (!json_is_array(j)) {
        strbuf_adds(err, "outcome.flags is not an array");
        return -1;
    }
    json_array_foreach(j, i, v) {
        for (size_t f = 0; f < NFLAGS; f++) {
            if (json_is_string(v)
                && strcmp(json_string_value(v), flag_names[f]) == 0) {
                *flags |= 1u << f;
            }
        }
        /* A flag this version does not know is a caveat it cannot show,
         * not a reason to distrust the rest. */
    }
    return 0;
}

/* "stacks" is absent in results written before native engines. */
static int
stacks_from_json(json_t *j, struct outcome *o, struct strbuf *err)
{
    size_t i;
    json_t *v;

    if (j == NULL || json_is_null(j)) {
        return 0;
    }
    if (!json_is_array(j)) {
        strbuf_adds(err, "outcome.stacks is not an array");
        return -1;
    }
    json_array_foreach(j, i, v) {
        json_t *frames = json_object_get(v, "frames");
        const char *kind = json_string_value(json_object_get(v, "kind"));
        size_t n = json_array_size(frames);
        const char **fv = xcalloc(n ? n : 1, sizeof(*fv));
        int ok = kind != NULL && json_is_array(frames);

        for (size_t k = 0; ok && k < n; k++) {
            fv[k] = json_string_value(json_array_get(frames, k));
            ok = fv[k] != NULL;
        }
        if (ok) {
            outcome_add_stack(o, kind, oc_get_number(v, "bytes_per_iteration"),
                              oc_get_number(v, "blocks_per_iteration"), fv, n);
        }
        free(fv);
        if (!ok) {
            strbuf_addf(err, "outcome.stacks[%zu] needs a kind and frames "
                             "of strings", i);
            return -1;
        }
    }
    return 0;
}

/* "provided" is optional (results written before it existed have none);
 * when present every entry needs a capability string. */
static int
provided_from_json(json_t *arr, struct outcome *o, struct strbuf *err)
{
    size_t i;
    json_t *v;

    if (arr == NULL || json_is_null(arr)) {
        return 0;
    }
    if (!json_is_array(arr)) {
        strbuf_adds(err, "outcome.provided is not a list");
        return -1;
    }
    json_array_foreach(arr, i, v) {
        const char *cap = json_string_value(json_object_get(v, "capability"));
        if (cap == NULL) {
            strbuf_adds(err, "outcome.provided has an entry without a "
                             "capability");
            return -1;
        }
        outcome_add_provided(
            o, cap, json_string_value(json_object_get(v, "module")),
            json_string_value(json_object_get(v, "dist")),
            json_string_value(json_object_get(v, "version")));
        /* "used" came later: absent or null is none. */
        outcome_provided_set_used(o, json_string_value(json_object_get(
                                         v, "used")));
    }
    return 0;
}

int
outcome_from_json(json_t *j, struct outcome *o, struct strbuf *err)
{
    int status;
    size_t i;
    json_t *v;

    outcome_release(o);
    if (!json_is_object(j)) {
        strbuf_adds(err, "the outcome is not an object");
        return -1;
    }
    status = outcome_status_from_name(
        json_string_value(json_object_get(j, "status")));
    if (status < 0) {
        strbuf_adds(err, "outcome.status is missing or unknown");
        return -1;
    }
    o->status = (enum verdict_status)status;
    if (flags_from_json(json_object_get(j, "flags"), &o->flags, err) < 0) {
        goto fail;
    }
    v = json_object_get(j, "lead");
    if (v && !json_is_null(v) && figure_from_json(v, &o->lead, err) < 0) {
        goto fail;
    }
    json_array_foreach(json_object_get(j, "also"), i, v) {
        struct outcome_figure f;
        if (figure_from_json(v, &f, err) < 0) {
            goto fail;
        }
        outcome_add_also(o, &f);
        outcome_figure_release(&f);
    }
    if ((o->status == VERDICT_STATUS_CRASH
         || o->status == VERDICT_STATUS_TIMEOUT)
        && end_from_json(json_object_get(j, "end"), &o->end, err) < 0) {
        goto fail;
    }
    json_array_foreach(json_object_get(j, "would_have_seen"), i, v) {
        if (i >= 2) {
            strbuf_adds(err, "outcome.would_have_seen has more than two "
                             "figures");
            goto fail;
        }
        if (figure_from_json(v, &o->seen[i], err) < 0) {
            goto fail;
        }
    }
    if (oc_get_string(j, "detail", &o->detail, err) < 0) {
        goto fail;
    }
    o->rss_limit = oc_get_number(j, "rss_limit");
    if (!isfinite(o->rss_limit)) {
        o->rss_limit = 0;
    }
    o->leftovers = (size_t)json_integer_value(json_object_get(j, "leftovers"));
    if (oc_get_string(j, "native", &o->native, err) < 0
        || stacks_from_json(json_object_get(j, "stacks"), o, err) < 0
        || provided_from_json(json_object_get(j, "provided"), o, err) < 0
        || outcome_where_from_json(j, o, err) < 0) {
        goto fail;
    }
    return 0;

fail:
    outcome_release(o);
    return -1;
}
