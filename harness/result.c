/* result.c - writing cell results and rendering the run's table. */
#include "result.h"

#include <stdlib.h>
#include <string.h>

const char *
result_scenario_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static char *
stem(const char *path)
{
    const char *base = result_scenario_name(path);
    size_t n = strlen(base);
    if (n > 3 && strcmp(base + n - 3, ".py") == 0) {
        n -= 3;
    }
    return xstrndup(base, n);
}

int
result_write(json_t *doc, const char *dir, const char *scenario,
             const char *tag, char **path_out)
{
    char *name = stem(scenario);
    char *path = xasprintf("%s/%s--%s.json", dir, name, tag);
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
    int rc = -1;

    if (text != NULL) {
        struct strbuf sb = STRBUF_INIT;
        strbuf_adds(&sb, text);
        strbuf_addch(&sb, '\n');
        rc = util_write_file_atomic(path, sb.buf, sb.len);
        strbuf_release(&sb);
        free(text);
    }
    if (rc == 0 && path_out) {
        *path_out = path;
        path = NULL;
    }
    free(path);
    free(name);
    return rc;
}

void
result_table_init(struct result_table *t)
{
    memset(t, 0, sizeof(*t));
}

void
result_table_release(struct result_table *t)
{
    for (size_t i = 0; i < t->nr; i++) {
        free(t->v[i].scenario);
        free(t->v[i].tag);
        free(t->v[i].status);
        free(t->v[i].summary);
    }
    free(t->v);
    result_table_init(t);
}

void
result_table_add(struct result_table *t, const char *scenario,
                 const char *tag, const char *status, const char *summary)
{
    if (t->nr == t->alloc) {
        t->alloc = t->alloc ? t->alloc * 2 : 16;
        t->v = xrealloc(t->v, t->alloc * sizeof(*t->v));
    }
    struct result_entry *e = &t->v[t->nr++];
    e->scenario = stem(scenario);
    e->tag = xstrdup(tag);
    e->status = xstrdup(status);
    e->summary = xstrdup(summary ? summary : "");
}

/* The cell text: for a finding, the summary's first clause ("leak: +1.0
 * refs/it"); otherwise the status alone, with a mark where None could not
 * be observed ("clean, None immortal"): the details are in the lines and
 * the result files. */
static char *
cell_text(const struct result_entry *e)
{
    if (strcmp(e->status, "leak") == 0 || strcmp(e->status, "over-release") == 0
        || strcmp(e->status, "suspect") == 0) {
        size_t n = strcspn(e->summary, ",;(");
        while (n > 0 && e->summary[n - 1] == ' ') {
            n--;
        }
        return xstrndup(e->summary, n > 40 ? 40 : n);
    }
    if (strcmp(e->status, "clean") == 0 && strstr(e->summary, "immortal")) {
        return xstrdup("clean, None immortal");
    }
    /* A crash or hang after a finding says both: "crash; over-release:
     * -1.0 refs/it". */
    const char *before = strstr(e->summary, "; before it: ");
    if (before) {
        before += strlen("; before it: ");
        size_t n = strcspn(before, ",;(");
        while (n > 0 && before[n - 1] == ' ') {
            n--;
        }
        return xasprintf("%s; %.*s", e->status, (int)(n > 40 ? 40 : n),
                         before);
    }
    return xstrdup(e->status);
}

static void
unique_push(struct strvec *sv, const char *s)
{
    for (size_t i = 0; i < sv->nr; i++) {
        if (strcmp(sv->v[i], s) == 0) {
            return;
        }
    }
    strvec_push(sv, s);
}

static const struct result_entry *
find_entry(const struct result_table *t, const char *scenario,
           const char *tag)
{
    for (size_t i = 0; i < t->nr; i++) {
        if (strcmp(t->v[i].scenario, scenario) == 0
            && strcmp(t->v[i].tag, tag) == 0) {
            return &t->v[i];
        }
    }
    return NULL;
}

void
result_table_render(const struct result_table *t, struct strbuf *out)
{
    struct strvec rows = STRVEC_INIT, cols = STRVEC_INIT;
    size_t roww = strlen("scenario");
    size_t *colw;

    for (size_t i = 0; i < t->nr; i++) {
        unique_push(&rows, t->v[i].scenario);
        unique_push(&cols, t->v[i].tag);
    }
    colw = xcalloc(cols.nr ? cols.nr : 1, sizeof(*colw));
    for (size_t r = 0; r < rows.nr; r++) {
        size_t n = strlen(rows.v[r]);
        roww = n > roww ? n : roww;
    }
    for (size_t c = 0; c < cols.nr; c++) {
        colw[c] = strlen(cols.v[c]);
        for (size_t r = 0; r < rows.nr; r++) {
            const struct result_entry *e = find_entry(t, rows.v[r],
                                                      cols.v[c]);
            if (e) {
                char *txt = cell_text(e);
                size_t n = strlen(txt);
                colw[c] = n > colw[c] ? n : colw[c];
                free(txt);
            }
        }
    }
    strbuf_addf(out, "%-*s", (int)roww, "scenario");
    for (size_t c = 0; c < cols.nr; c++) {
        strbuf_addf(out, " | %-*s", (int)colw[c], cols.v[c]);
    }
    strbuf_addch(out, '\n');
    for (size_t i = 0; i < roww; i++) {
        strbuf_addch(out, '-');
    }
    for (size_t c = 0; c < cols.nr; c++) {
        strbuf_adds(out, "-+-");
        for (size_t i = 0; i < colw[c]; i++) {
            strbuf_addch(out, '-');
        }
    }
    strbuf_addch(out, '\n');
    for (size_t r = 0; r < rows.nr; r++) {
        strbuf_addf(out, "%-*s", (int)roww, rows.v[r]);
        for (size_t c = 0; c < cols.nr; c++) {
            const struct result_entry *e = find_entry(t, rows.v[r],
                                                      cols.v[c]);
            char *txt = e ? cell_text(e) : xstrdup("-");
            strbuf_addf(out, " | %-*s", (int)colw[c], txt);
            free(txt);
        }
        strbuf_addch(out, '\n');
    }
    free(colw);
    strvec_clear(&rows);
    strvec_clear(&cols);
}
