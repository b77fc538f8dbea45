/* conclude_doc.c - the result document's parts that are not verdicts
 * (conclude_private.h): what ran, on which interpreter, with which plan,
 * rounds, imports, output tails and libraries (and which module provided
 * each capability), for a cell that ran and for one that did not; and
 * the scenario's text made valid UTF-8 for JSON.  The verdicts and how
 * the runner ended are added by conclude.c.
 */
#include "matrix/conclude_private.h"
#include "matrix/target.h"

#include <string.h>

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
 * UTF-8 becomes U+FFFD instead of making jansson drop the whole value.
 * New reference. */
json_t *
conclude_text(const char *text)
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

static json_t *
python_doc(const struct python *py)
{
    struct strbuf fl = STRBUF_INIT;
    registry_flavour(py, &fl);
    json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:b, s:b, s:b, s:s, s:s?, "
                          "s:s?, s:s?}",
                          "tag", py->tag, "version", py->version,
                          "hexversion", (json_int_t)py->hexversion,
                          "flavour", fl.buf, "debug", py->debug, "pymalloc",
                          py->pymalloc, "with_valgrind", py->with_valgrind,
                          "origin", registry_origin_name(py->origin),
                          "configure_args", py->config_args, "executable",
                          py->executable, "prefix", py->prefix);
    strbuf_release(&fl);
    return o;
}

/* The interpreter's GIL as the runner found it at the end ("gil": true,
 * false, or null when the cell never got there), and whether the build
 * is free-threaded. */
static void
gil_doc(const struct facts *f, json_t *py)
{
    json_t *gil = f->ev->done_rec ? json_object_get(f->ev->done_rec, "gil")
                                  : NULL;

    json_object_set_new(py, "free_threaded",
                        json_boolean(f->spec->py->free_threaded));
    json_object_set(py, "gil", json_is_boolean(gil) ? gil : json_null());
}

/* A test the runner never described (it crashed, failed or was skipped
 * before its first timed run): its framework and id from the target,
 * so that reports still group it with its file or class. */
static void
add_target_test(json_t *scen, const char *arg)
{
    const char *id = NULL;
    const char *fw = target_framework(arg, &id);

    if (fw) {
        json_object_set_new(scen, "test", json_pack("{s:s, s:s}",
                                                    "framework", fw,
                                                    "id", id));
    }
}

static json_t *
scenario_doc(const struct facts *f)
{
    json_t *scen = json_object();
    json_t *title = json_object_get(f->ev->scenario, "title");
    json_t *test = json_object_get(f->ev->scenario, "test");
    json_object_set_new(scen, "path", conclude_text(f->spec->scenario));
    json_object_set(scen, "title", title ? title : json_null());
    if (test) {
        json_object_set(scen, "test", test);
    }
    else {
        add_target_test(scen, f->spec->scenario);
    }
    return scen;
}

static json_t *
setting(const struct facts *f, const char *key)
{
    json_t *v = f->ev->scenario ? json_object_get(f->ev->scenario, key) : NULL;
    return v ? json_incref(v) : json_null();
}

/* The library set's facts ("libs") and, from the imports record, which
 * module provided each capability the scenario declares ("provides"). */
static void
add_libs(const struct cell_spec *spec, json_t *doc, json_t *imports,
         json_t *scenario)
{
    /* The imports record comes at the end; a runner that crashed sent
     * only what was imported when the scenario loaded. */
    json_t *provides = imports ? json_object_get(imports, "provides") : NULL;

    if (!json_is_array(provides) && scenario) {
        provides = json_object_get(scenario, "provides");
    }

    json_object_set_new(doc, "libs", spec->libs ? json_deep_copy(spec->libs)
                                                : json_null());
    json_object_set(doc, "provides", provides ? provides : json_null());
}

/* The document's "provides" (add_libs()) into the outcome, where the
 * summary and the grid render it. */
void
conclude_note_provided(json_t *doc, struct outcome *o)
{
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(doc, "provides"), i, v) {
        const char *cap = json_string_value(json_object_get(v, "capability"));
        if (cap) {
            outcome_add_provided(
                o, cap, json_string_value(json_object_get(v, "module")),
                json_string_value(json_object_get(v, "dist")),
                json_string_value(json_object_get(v, "version")));
            outcome_provided_set_used(
                o, json_string_value(json_object_get(v, "used")));
        }
    }
}

/* Everything but the verdicts: what ran, on what, and what it printed. */
json_t *
conclude_base_doc(const struct facts *f)
{
    const struct cell_spec *spec = f->spec;
    json_t *doc = json_object();
    json_t *py = python_doc(spec->py);

    json_object_set_new(doc, "leakmatrix", json_string(LMX_VERSION));
    json_object_set_new(doc, "scenario", scenario_doc(f));
    json_object_set_new(doc, "params", setting(f, "params"));
    json_object_set(py, "embedded", f->ev->hello ? f->ev->hello : json_null());
    gil_doc(f, py);
    json_object_set_new(doc, "python", py);
    json_object_set_new(doc, "mode", json_string(leakcheck_key_mode(
                                         spec->native, spec->census,
                                         spec->trace)));
    json_object_set_new(doc, "plan",
                        json_pack("{s:o, s:I, s:I, s:I, s:o}", "warmup",
                                  setting(f, "warmup"), "rounds",
                                  (json_int_t)spec->rounds, "max_rounds",
                                  (json_int_t)spec->max_rounds,
                                  "max_rounds_noisy",
                                  (json_int_t)spec->max_rounds_noisy,
                                  "iterations", setting(f, "iterations")));
    json_object_set_new(doc, "counted_rounds",
                        json_integer((json_int_t)f->ev->counted));
    json_object_set_new(doc, "rounds", f->ev->rounds
                                           ? json_incref(f->ev->rounds)
                                           : json_array());
    json_object_set(doc, "imports",
                    f->ev->imports ? json_object_get(f->ev->imports, "modules")
                                   : json_null());
    json_object_set_new(doc, "stdout_tail",
                        conclude_text(evidence_tail_text(&f->ev->out_tail)));
    json_object_set_new(doc, "stderr_tail",
                        conclude_text(evidence_tail_text(&f->ev->err_tail)));
    if (f->ev->bad_records) {
        json_object_set_new(doc, "bad_records",
                            json_integer(f->ev->bad_records));
    }
    add_libs(spec, doc, f->ev->imports, f->ev->scenario);
    return doc;
}

/* The document of a cell that did not run, but for its status. */
json_t *
conclude_unrun_doc(const struct cell_spec *spec)
{
    json_t *doc = json_object();
    json_t *scen = json_object();

    json_object_set_new(scen, "path", conclude_text(spec->scenario));
    json_object_set_new(scen, "title", json_null());
    json_object_set_new(doc, "leakmatrix", json_string(LMX_VERSION));
    json_object_set_new(doc, "scenario", scen);
    json_object_set_new(doc, "params", json_null());
    json_object_set_new(doc, "python", python_doc(spec->py));
    json_object_set_new(doc, "mode", json_string(leakcheck_key_mode(
                                         spec->native, spec->census,
                                         spec->trace)));
    json_object_set_new(doc, "plan",
                        json_pack("{s:n, s:I, s:I, s:I, s:n}", "warmup",
                                  "rounds", (json_int_t)spec->rounds,
                                  "max_rounds", (json_int_t)spec->max_rounds,
                                  "max_rounds_noisy",
                                  (json_int_t)spec->max_rounds_noisy,
                                  "iterations"));
    json_object_set_new(doc, "counted_rounds", json_integer(0));
    json_object_set_new(doc, "rounds", json_array());
    json_object_set_new(doc, "imports", json_null());
    json_object_set_new(doc, "trace", json_null());
    json_object_set_new(doc, "grew", json_array());
    add_libs(spec, doc, NULL, NULL);
    return doc;
}
