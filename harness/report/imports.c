/* imports.c - `leakmatrix report --imports`: per cell, what it really
 * imported from outside the standard library: the library set asked for,
 * the distributions installed, which candidate provided each capability
 * the scenario declares (PROVIDES), and every third-party module with its
 * distribution and version.  The answer to "which binding did it use?",
 * read from the results' structured fields, never from rendered text.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

static const char *
str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static void
render_set(json_t *libs, struct strbuf *out)
{
    size_t i;
    json_t *v;

    if (!json_is_object(libs)) {
        return;
    }
    strbuf_addf(out, "  library set: %s\n", str(libs, "set"));
    if (json_is_array(json_object_get(libs, "resolved"))) {
        /* A ranged set: what it resolved to, and when (libset.h). */
        strbuf_addf(out, "  resolved %s:", str(libs, "resolved_at"));
        json_array_foreach(json_object_get(libs, "resolved"), i, v) {
            strbuf_addf(out, "%s %s", i ? "," : "", json_string_value(v)
                                                       ? json_string_value(v)
                                                       : "?");
        }
        strbuf_adds(out, "\n");
    }
    if (json_object_get(libs, "error")) {
        strbuf_addf(out, "  not installed: %s\n", str(libs, "error"));
        return;
    }
    strbuf_adds(out, "  installed:");
    json_array_foreach(json_object_get(libs, "installed"), i, v) {
        strbuf_addf(out, "%s %s %s", i ? "," : "", str(v, "name"),
                    str(v, "version"));
    }
    strbuf_adds(out, "\n");
}

/* A distribution's modules: all of them when few, else its top-level
 * packages and how many modules in all ("kafka (181 modules)"). */
static void
render_dist_modules(json_t *imports, const char *dist, struct strbuf *out)
{
    size_t j, n = 0;
    json_t *w;
    struct strvec tops = STRVEC_INIT;

    json_array_foreach(imports, j, w) {
        const char *d = json_string_value(json_object_get(w, "dist"));
        if (d == NULL || strcmp(d, dist) != 0) {
            continue;
        }
        const char *name = str(w, "name");
        size_t len = strcspn(name, ".");
        int known = 0;
        for (size_t k = 0; k < tops.nr; k++) {
            known |= strlen(tops.v[k]) == len
                     && strncmp(tops.v[k], name, len) == 0;
        }
        if (!known) {
            char *top = xstrndup(name, len);
            strvec_push(&tops, top);
            free(top);
        }
        n++;
    }
    if (n <= 6) {
        size_t shown = 0;
        json_array_foreach(imports, j, w) {
            const char *d = json_string_value(json_object_get(w, "dist"));
            if (d && strcmp(d, dist) == 0) {
                strbuf_addf(out, "%s %s", shown++ ? "," : "",
                            str(w, "name"));
            }
        }
    }
    else {
        for (size_t k = 0; k < tops.nr; k++) {
            strbuf_addf(out, "%s %s", k ? "," : "", tops.v[k]);
        }
        strbuf_addf(out, " (%zu modules)", n);
    }
    strvec_clear(&tops);
}

/* Modules grouped by distribution, in the order first seen:
 * "lz4tools 1.3.1.2: lz4f (libset)". */
static void
render_modules(json_t *imports, struct strbuf *out)
{
    size_t i, j;
    json_t *v, *w;
    int any = 0;

    json_array_foreach(imports, i, v) {
        const char *dist = json_string_value(json_object_get(v, "dist"));
        int seen = 0;
        if (dist == NULL) {
            continue;
        }
        json_array_foreach(imports, j, w) {
            if (j >= i) {
                break;
            }
            const char *d = json_string_value(json_object_get(w, "dist"));
            if (d && strcmp(d, dist) == 0) {
                seen = 1;
            }
        }
        if (seen) {
            continue;
        }
        if (!any++) {
            strbuf_adds(out, "  imported from distributions:\n");
        }
        strbuf_addf(out, "    %s %s (%s):", dist, str(v, "version"),
                    str(v, "origin"));
        render_dist_modules(imports, dist, out);
        strbuf_adds(out, "\n");
    }
    if (!any) {
        strbuf_adds(out, "  imported from distributions: none\n");
    }
}

void
report_render_imports(const struct report_grid *g, struct strbuf *out)
{
    for (size_t r = 0; r < g->nrows; r++) {
        for (size_t c = 0; c < g->ncols; c++) {
            const struct result *res = report_grid_at(g, r, c);
            if (res == NULL) {
                continue;
            }
            strbuf_addf(out, "%s on %s: ", g->rows[r].label,
                        g->cols[c].label);
            outcome_cell_text(&res->outcome, out);
            strbuf_adds(out, "\n");
            for (size_t k = 0; k < res->outcome.nprovided; k++) {
                strbuf_adds(out, "  ");
                outcome_provided_text(&res->outcome.provided[k], out);
                strbuf_adds(out, "\n");
            }
            render_set(json_object_get(res->doc, "libs"), out);
            render_modules(json_object_get(res->doc, "imports"), out);
        }
    }
}
