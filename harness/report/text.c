/* text.c - the grid as aligned text (what `run` prints at the end) and as
 * a markdown table (CI job summaries, pull-request comments). */
#include "report/report_internal.h"

#include <string.h>

/* Display width of UTF-8 text: one column per character. */
static size_t
text_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        n += ((unsigned char)*s & 0xc0) != 0x80;
    }
    return n;
}

static void
add_padded(struct strbuf *out, const char *s, size_t width)
{
    size_t w = text_width(s);
    strbuf_adds(out, s);
    for (; w < width; w++) {
        strbuf_addch(out, ' ');
    }
}

/* The text of every cell, marks included, row by row. */
static char **
cell_texts(const struct report_grid *g, const char *mark_before,
           const char *mark_after)
{
    size_t n = g->nrows * g->ncols;
    char **t = xcalloc(n ? n : 1, sizeof(*t));
    for (size_t i = 0; i < n; i++) {
        struct strbuf sb = STRBUF_INIT;
        if (g->changed[i]) {
            strbuf_adds(&sb, mark_before);
        }
        report_grid_cell_text(g, i, &sb);
        if (g->changed[i]) {
            strbuf_adds(&sb, mark_after);
        }
        t[i] = strbuf_detach(&sb, NULL);
    }
    return t;
}

static void
free_texts(char **t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i]);
    }
    free(t);
}

static int
any_changed(const struct report_grid *g)
{
    for (size_t i = 0; i < g->nrows * g->ncols; i++) {
        if (g->changed[i]) {
            return 1;
        }
    }
    return 0;
}

void
report_render_text(const struct report_grid *g, struct strbuf *out)
{
    char **t = cell_texts(g, "", " *");
    size_t *w = xcalloc(g->ncols + 1, sizeof(*w));

    w[0] = strlen("scenario");
    for (size_t r = 0; r < g->nrows; r++) {
        size_t n = text_width(g->rows[r].label);
        w[0] = n > w[0] ? n : w[0];
    }
    for (size_t c = 0; c < g->ncols; c++) {
        w[c + 1] = text_width(g->cols[c].label);
        for (size_t r = 0; r < g->nrows; r++) {
            size_t n = text_width(t[r * g->ncols + c]);
            w[c + 1] = n > w[c + 1] ? n : w[c + 1];
        }
    }
    add_padded(out, "scenario", w[0]);
    for (size_t c = 0; c < g->ncols; c++) {
        strbuf_adds(out, " | ");
        add_padded(out, g->cols[c].label, w[c + 1]);
    }
    strbuf_rtrim(out);
    strbuf_addch(out, '\n');
    for (size_t c = 0; c <= g->ncols; c++) {
        if (c) {
            strbuf_adds(out, "-+-");
        }
        for (size_t i = 0; i < w[c]; i++) {
            strbuf_addch(out, '-');
        }
    }
    strbuf_addch(out, '\n');
    for (size_t r = 0; r < g->nrows; r++) {
        add_padded(out, g->rows[r].label, w[0]);
        for (size_t c = 0; c < g->ncols; c++) {
            strbuf_adds(out, " | ");
            add_padded(out, t[r * g->ncols + c], w[c + 1]);
        }
        strbuf_rtrim(out);
        strbuf_addch(out, '\n');
    }
    if (any_changed(g)) {
        strbuf_adds(out, "\n* the verdict differs from the version before "
                         "it\n");
    }
    if (g->lines.nr) {
        strbuf_addch(out, '\n');
    }
    for (size_t i = 0; i < g->lines.nr; i++) {
        strbuf_addf(out, "%s\n", g->lines.v[i]);
    }
    if (g->provenance.nr) {
        strbuf_addch(out, '\n');
    }
    for (size_t i = 0; i < g->provenance.nr; i++) {
        strbuf_addf(out, "%s\n", g->provenance.v[i]);
    }
    if (report_any_stacks(g)) {
        strbuf_adds(out, "\nNative stacks that grew in every counted "
                         "round:\n");
        report_render_stacks(g, "", "  ", out);
    }
    if (report_any_where(g)) {
        strbuf_adds(out, "\nWhere it grows (--trace: the sites that grew in "
                         "every counted round) and what grew by name:\n");
        report_render_where(g, "", "  ", out);
    }
    free(w);
    free_texts(t, g->nrows * g->ncols);
}

static void
add_md_cell(struct strbuf *out, const char *s)
{
    strbuf_adds(out, " ");
    for (; *s; s++) {
        if (*s == '|') {
            strbuf_adds(out, "\\|");
        }
        else if (*s == '\n') {
            strbuf_addch(out, ' ');
        }
        else {
            strbuf_addch(out, *s);
        }
    }
    strbuf_adds(out, " |");
}

/* "12 cells: 3 leak, 1 crash, 8 clean" */
static void
add_counts(const struct report_grid *g, struct strbuf *out)
{
    size_t count[VERDICT_STATUS_SKIPPED + 1] = {0};
    const struct result_set *set = g->set;
    const char *sep = ": ";

    for (size_t i = 0; i < set->nr; i++) {
        if ((unsigned)set->v[i].outcome.status <= VERDICT_STATUS_SKIPPED) {
            count[set->v[i].outcome.status]++;
        }
    }
    strbuf_addf(out, "%zu cell%s", set->nr, set->nr == 1 ? "" : "s");
    for (int s = 0; s <= VERDICT_STATUS_SKIPPED; s++) {
        if (count[s]) {
            strbuf_addf(out, "%s%zu %s", sep, count[s],
                        verdict_status_name((enum verdict_status)s));
            sep = ", ";
        }
    }
}

void
report_render_markdown(const struct report_grid *g, struct strbuf *out)
{
    char **t = cell_texts(g, "**", "**");

    strbuf_adds(out, "## leakmatrix\n\n");
    add_counts(g, out);
    strbuf_adds(out, ".\n\n|");
    add_md_cell(out, "scenario");
    for (size_t c = 0; c < g->ncols; c++) {
        add_md_cell(out, g->cols[c].label);
    }
    strbuf_adds(out, "\n|");
    for (size_t c = 0; c <= g->ncols; c++) {
        strbuf_adds(out, "---|");
    }
    strbuf_addch(out, '\n');
    for (size_t r = 0; r < g->nrows; r++) {
        strbuf_addch(out, '|');
        add_md_cell(out, g->rows[r].label);
        for (size_t c = 0; c < g->ncols; c++) {
            add_md_cell(out, t[r * g->ncols + c]);
        }
        strbuf_addch(out, '\n');
    }
    if (any_changed(g)) {
        strbuf_adds(out, "\nBold: the verdict differs from the version "
                         "before it.\n");
    }
    if (g->lines.nr) {
        strbuf_addch(out, '\n');
    }
    for (size_t i = 0; i < g->lines.nr; i++) {
        strbuf_addf(out, "- %s\n", g->lines.v[i]);
    }
    if (g->provenance.nr) {
        strbuf_addch(out, '\n');
    }
    for (size_t i = 0; i < g->provenance.nr; i++) {
        strbuf_addf(out, "- %s\n", g->provenance.v[i]);
    }
    int details = 0;
    for (size_t i = 0; i < g->set->nr; i++) {
        const struct result *r = &g->set->v[i];
        if (!outcome_is_finding(r->outcome.status)) {
            continue;
        }
        if (!details++) {
            strbuf_adds(out, "\n<details><summary>Findings</summary>\n\n");
        }
        char *row = result_key_row(&r->key);
        strbuf_addf(out, "- `%s` on `%s`: ", row, r->key.python);
        for (const char *s = r->summary; *s; s++) {
            strbuf_addch(out, *s == '\n' ? ' ' : *s);
        }
        strbuf_addch(out, '\n');
        free(row);
    }
    if (details) {
        strbuf_adds(out, "\n</details>\n");
    }
    if (report_any_stacks(g)) {
        strbuf_adds(out, "\n### Native stacks that grew in every counted "
                         "round\n\n");
        report_render_stacks(g, "- ", "  - ", out);
    }
    if (report_any_where(g)) {
        strbuf_adds(out, "\n### Where it grows and what grew by name\n\n"
                         "```\n");
        report_render_where(g, "", "  ", out);
        strbuf_adds(out, "```\n");
    }
    free_texts(t, g->nrows * g->ncols);
}
