/* collect.c - test targets into their tests: each target's cell collected
 * by its runner's --collect and replaced by its tests (collect.h).
 */
#include "matrix/collect.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/proto.h"
#include "base/spawn.h"
#include "matrix/cell.h"
#include "matrix/target.h"

/* How much of a collection's stderr an error cell keeps. */
#define COLLECT_TAIL 4096

/* What one cell's collection said. */
struct collected {
    json_t *found;      /* its test, collect_error and collect_skip
                           records, in order */
    char *nothing;      /* the framework's words: nothing selected */
    char *usage;        /* the framework's words: a bad selection */
    char *skip;         /* why it could not collect at all */
    char *failed;       /* a collection that did not finish: how */
    char *failed_text;  /* ... with the traceback or stderr's tail */
    int hello;
    int done;
};

static void
collected_release(struct collected *c)
{
    json_decref(c->found);
    free(c->nothing);
    free(c->usage);
    free(c->skip);
    free(c->failed);
    free(c->failed_text);
    memset(c, 0, sizeof(*c));
}

static char *
field(json_t *rec, const char *key)
{
    const char *s = json_string_value(json_object_get(rec, key));
    return xstrdup(s ? s : "?");
}

/* One record of the runner's.  0, or -1 with err set (a runner of
 * another protocol). */
static int
take_record(json_t *rec, struct collected *c, struct strbuf *err)
{
    const char *t = json_string_value(json_object_get(rec, "t"));
    const char *kind = json_string_value(json_object_get(rec, "kind"));

    if (t == NULL) {
        return 0;
    }
    if (strcmp(t, LMX_REC_HELLO) == 0) {
        json_int_t proto = json_integer_value(json_object_get(rec, "proto"));
        if (proto != LMX_PROTO_VERSION) {
            strbuf_addf(err, "the runner speaks protocol %lld, this "
                             "leakmatrix %d; rebuild both with `ninja -C "
                             "build`",
                        (long long)proto, LMX_PROTO_VERSION);
            return -1;
        }
        c->hello = 1;
    }
    else if (strcmp(t, LMX_REC_TEST) == 0
             || strcmp(t, LMX_REC_COLLECT_ERROR) == 0
             || strcmp(t, LMX_REC_COLLECT_SKIP) == 0) {
        json_array_append(c->found, rec);
    }
    else if (strcmp(t, LMX_REC_NOTHING) == 0 && c->nothing == NULL) {
        c->nothing = field(rec, "message");
    }
    else if (strcmp(t, LMX_REC_SKIP) == 0 && c->skip == NULL) {
        c->skip = field(rec, "reason");
    }
    else if (strcmp(t, LMX_REC_ERROR) == 0 && kind
             && strcmp(kind, "usage") == 0) {
        c->usage = field(rec, "message");
    }
    else if (strcmp(t, LMX_REC_ERROR) == 0 && c->failed == NULL) {
        c->failed = field(rec, "message");
        c->failed_text = field(rec, "traceback");
    }
    else if (strcmp(t, LMX_REC_DONE) == 0) {
        c->done = 1;
    }
    return 0;
}

/* The runner's records, a JSON object a line; lines that are not are
 * passed over (its stdout is set aside for records, so there should be
 * none).  0, or -1 with err set. */
static int
take_records(const char *out, struct collected *c, struct strbuf *err)
{
    for (const char *p = out; *p;) {
        size_t n = strcspn(p, "\n");
        json_t *rec = json_loadb(p, n, 0, NULL);
        int rc = rec ? take_record(rec, c, err) : 0;
        json_decref(rec);
        if (rc < 0) {
            return -1;
        }
        p += n + (p[n] == '\n');
    }
    return 0;
}

/* A collection that ended without its done record: how it ended, and
 * the tail of what it printed. */
static void
note_unfinished(const struct spawn_exit *ex, double took, double timeout,
                const struct strbuf *errout, struct collected *c)
{
    struct strbuf how = STRBUF_INIT;
    size_t from = errout->len > COLLECT_TAIL ? errout->len - COLLECT_TAIL
                                             : 0;

    if (took >= timeout) {
        strbuf_addf(&how, "collection timed out after %g s", timeout);
    }
    else {
        strbuf_adds(&how, "collection ended: ");
        spawn_exit_describe(ex, &how);
    }
    free(c->failed);
    free(c->failed_text);
    c->failed = strbuf_detach(&how, NULL);
    c->failed_text = xstrdup(errout->buf + from);
}

/* Runs pc's runner with --collect into c.  0, or -1 with err set (an
 * infrastructure failure: the runner did not start, or not as one). */
static int
collect_one(const struct plan_cell *pc, const struct collect_opts *o,
            struct collected *c, struct strbuf *err)
{
    struct spawn sp = SPAWN_INIT;
    struct strbuf out = STRBUF_INIT, errout = STRBUF_INIT;
    struct spawn_exit ex;
    double t0 = util_now_monotonic();
    int rc = -1;

    strvec_push(&sp.args, pc->spec.py->runner);
    strvec_push(&sp.args, "--collect");
    if (o->keyword) {
        strvec_pushf(&sp.args, "--keyword=%s", o->keyword);
    }
    if (o->marks) {
        strvec_pushf(&sp.args, "--markexpr=%s", o->marks);
    }
    strvec_push(&sp.args, "--");
    strvec_push(&sp.args, pc->spec.scenario);
    cell_runner_env(&pc->spec, &sp);
    c->found = json_array();
    if (spawn_capture_prepared(&sp, &out, &errout, pc->spec.timeout_s, &ex)
        < 0) {
        strbuf_addf(err, "cannot start runner %s: %s", pc->spec.py->runner,
                    strerror(errno));
    }
    else if (take_records(out.buf, c, err) == 0 && !c->hello) {
        strbuf_addf(err, "the %s interpreter failed to start in its "
                         "runner: %s",
                    pc->spec.py->tag, errout.len ? errout.buf
                                                 : "(no output)");
    }
    else if (c->hello) {
        if (!c->done && !c->usage && !c->failed) {
            note_unfinished(&ex, util_now_monotonic() - t0,
                            pc->spec.timeout_s, &errout, c);
        }
        rc = 0;
    }
    spawn_release(&sp);
    strbuf_release(&out);
    strbuf_release(&errout);
    return rc;
}

/* Whether every collected cell of target `run` selected nothing. */
static int
selects_nothing(const struct plan *p, const struct collected *c,
                const char *run)
{
    for (size_t i = 0; i < p->nr; i++) {
        if (p->v[i].collect && strcmp(p->v[i].run, run) == 0
            && c[i].nothing == NULL) {
            return 0;
        }
    }
    return 1;
}

/* A usage error in the framework's words, when a target has one. */
static int
check_selection(const struct plan *p, const struct collected *c)
{
    for (size_t i = 0; i < p->nr; i++) {
        const struct plan_cell *pc = &p->v[i];
        if (!pc->collect) {
            continue;
        }
        if (c[i].usage) {
            lmx_error("run: %s on %s: %s", pc->key.scenario, pc->key.python,
                      c[i].usage);
            return LMX_EXIT_USAGE;
        }
        if (c[i].nothing && selects_nothing(p, c, pc->run)) {
            lmx_error("run: %s selects no test: %s", pc->key.scenario,
                      c[i].nothing);
            return LMX_EXIT_USAGE;
        }
    }
    return 0;
}

/* A test of a collection record: a test to run, or a file that did not
 * collect or skipped itself (whose argument stays the target's, target).
 * args receives the runner's options. */
static void
record_test(json_t *rec, const char *target, const struct collect_opts *o,
            struct plan_test *t, struct strvec *args)
{
    const char *type = json_string_value(json_object_get(rec, "t"));
    const char *rootdir = json_string_value(json_object_get(rec, "rootdir"));
    const char *file = json_string_value(json_object_get(rec, "file"));

    t->id = json_string_value(json_object_get(rec, "id"));
    t->id = t->id ? t->id : "?";
    t->run = json_string_value(json_object_get(rec, "run"));
    if (strcmp(type, LMX_REC_TEST) == 0 && t->run) {
        if (rootdir) {
            strvec_pushf(args, "--rootdir=%s", rootdir);
        }
        if (o->test_budget != LMX_NOT_GIVEN) {
            strvec_pushf(args, "--test-budget=%g", o->test_budget);
        }
        t->runner_args = (const char *const *)strvec_array(args);
        t->ready = PLAN_RUN;
    }
    else if (strcmp(type, LMX_REC_COLLECT_SKIP) == 0) {
        t->ready = PLAN_SKIP;
        t->why = json_string_value(json_object_get(rec, "reason"));
    }
    else {
        t->ready = PLAN_ERROR;
        t->why = json_string_value(json_object_get(rec, "message"));
        t->text = json_string_value(json_object_get(rec, "traceback"));
    }
    t->digest = target_digest(file, t->run ? t->run : t->id);
    t->run = t->run ? t->run : target;
}

/* Cell i as collection left it: its tests, and itself when collection
 * decided it (skipped: no pytest, no set, nothing selected here; an
 * error: a collection that crashed or hung). */
static void
expand(struct plan *p, size_t i, const struct collected *c,
       const struct collect_opts *o)
{
    const struct plan_cell *pc = &p->v[i];
    size_t n = json_array_size(c->found), m = n;
    struct plan_test *tests = xcalloc(n + 1, sizeof(*tests));
    struct strvec *args = xcalloc(n + 1, sizeof(*args));
    char *why = NULL;

    for (size_t k = 0; k < n; k++) {
        record_test(json_array_get(c->found, k), pc->run, o, &tests[k],
                    &args[k]);
    }
    if (c->failed || n == 0) {
        why = c->failed ? xstrdup(c->failed)
              : c->skip ? xstrdup(c->skip)
                        : xasprintf("selects no test on this interpreter: "
                                    "%s",
                                    c->nothing ? c->nothing : "?");
        tests[m++] = (struct plan_test){
            pc->key.scenario, pc->run, xstrdup(pc->digest), NULL,
            c->failed ? PLAN_ERROR : PLAN_SKIP, why, c->failed_text};
    }
    plan_replace(p, i, tests, m);
    for (size_t k = 0; k < m; k++) {
        free((char *)tests[k].digest);
        strvec_clear(&args[k]);
    }
    free(tests);
    free(args);
    free(why);
}

/* Installs cell i's set and collects it into c.  0, or LMX_EXIT_INFRA
 * after printing why. */
static int
collect_cell(struct plan_cell *pc, struct run_libs *libs,
             const struct collect_opts *o, struct collected *c)
{
    struct strbuf err = STRBUF_INIT;

    if (pc->libset >= 0) {
        const struct libset_install *inst = run_libs_install_cell(
            libs, o->libs_root, pc, o->quiet);
        if (inst == NULL) {
            return LMX_EXIT_INFRA;
        }
        if (!inst->ok) {
            c->found = json_array();
            c->skip = xstrdup(inst->error);
            return 0;
        }
    }
    if (!o->quiet) {
        fprintf(stderr, "leakmatrix: collecting %s on %s%s%s\n",
                pc->key.scenario, pc->key.python,
                pc->key.libset[0] ? " with " : "", pc->key.libset);
    }
    if (collect_one(pc, o, c, &err) < 0) {
        lmx_error("run: collecting %s: %s", pc->label, err.buf);
        strbuf_release(&err);
        return LMX_EXIT_INFRA;
    }
    strbuf_release(&err);
    return 0;
}

int
collect_plan(struct plan *p, struct run_libs *libs,
             const struct collect_opts *o)
{
    struct collected *c = xcalloc(p->nr ? p->nr : 1, sizeof(*c));
    size_t nr = p->nr;
    int rc = 0;

    for (size_t i = 0; i < nr && rc == 0; i++) {
        if (p->v[i].collect) {
            rc = collect_cell(&p->v[i], libs, o, &c[i]);
        }
    }
    if (rc == 0) {
        rc = check_selection(p, c);
    }
    for (size_t i = nr; rc == 0 && i-- > 0;) {
        if (p->v[i].collect) {
            expand(p, i, &c[i], o);
        }
    }
    for (size_t i = 0; i < nr; i++) {
        collected_release(&c[i]);
    }
    free(c);
    return rc;
}
