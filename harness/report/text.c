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

/* The row's first column: a test's name under its group, indented, or
 * the label. */
static void
row_name(const struct report_row *row, struct strbuf *out)
{
    if (row->group) {
        strbuf_adds(out, "  ");
        strbuf_adds(out, row->name);
    }
    else {
        strbuf_adds(out, row->label);
    }
}

/* The group of shown row r when it begins one (the shown row before it
 * is of another group), else NULL. */
static const char *
group_begun(const struct report_grid *g, size_t r)
{
    const char *group = g->rows[r].group;
    size_t p = r;

    while (p > 0 && !g->rows[p - 1].shown) {
        p--;
    }
    if (group == NULL
        || (p > 0 && g->rows[p - 1].group
            && strcmp(g->rows[p - 1].group, group) == 0)) {
        return NULL;
    }
    return group;
}

/* The width of each column of the text grid, its shown rows' text t. */
static size_t *
text_widths(const struct report_grid *g, char **t)
{
    size_t *w = xcalloc(g->ncols + 1, sizeof(*w));

    w[0] = strlen("scenario");
    for (size_t r = 0; r < g->nrows; r++) {
        if (!g->rows[r].shown) {
            continue;
        }
        struct strbuf name = STRBUF_INIT;
        row_name(&g->rows[r], &name);
        w[0] = text_width(name.buf) > w[0] ? text_width(name.buf) : w[0];
        strbuf_release(&name);
        for (size_t c = 0; c < g->ncols; c++) {
            size_t n = text_width(t[r * g->ncols + c]);
            w[c + 1] = n > w[c + 1] ? n : w[c + 1];
        }
    }
    for (size_t c = 0; c < g->ncols; c++) {
        size_t n = text_width(g->cols[c].label);
        w[c + 1] = n > w[c + 1] ? n : w[c + 1];
    }
    return w;
}

/* The table: header, rule, and each shown row under its group's line. */
static void
text_table(const struct report_grid *g, char **t, struct strbuf *out)
{
    size_t *w = text_widths(g, t);

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
        struct strbuf name = STRBUF_INIT;
        const char *group = g->rows[r].shown ? group_begun(g, r) : NULL;
        if (!g->rows[r].shown) {
            continue;
        }
        if (group) {
            strbuf_addf(out, "%s\n", group);
        }
        row_name(&g->rows[r], &name);
        add_padded(out, name.buf, w[0]);
        strbuf_release(&name);
        for (size_t c = 0; c < g->ncols; c++) {
            strbuf_adds(out, " | ");
            add_padded(out, t[r * g->ncols + c], w[c + 1]);
        }
        strbuf_rtrim(out);
        strbuf_addch(out, '\n');
    }
    free(w);
}

void
report_render_text(const struct report_grid *g, struct strbuf *out)
{
    char **t = cell_texts(g, "", " *");
    struct strbuf hidden = STRBUF_INIT;

    if (report_grid_hidden_text(g, &hidden)) {
        strbuf_addch(&hidden, '\n');
    }
    if (g->hidden_clean + g->hidden_skipped < g->nrows || g->nrows == 0) {
        text_table(g, t, out);
        if (hidden.len) {
            strbuf_addch(out, '\n');
        }
    }
    strbuf_add(out, hidden.buf, hidden.len);
    strbuf_release(&hidden);
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

/* The markdown table: header, and each shown row under its group's
 * row. */
static void
md_table(const struct report_grid *g, char **t, struct strbuf *out)
{
    strbuf_addch(out, '|');
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
        const char *group = g->rows[r].shown ? group_begun(g, r) : NULL;
        if (!g->rows[r].shown) {
            continue;
        }
        if (group) {
            struct strbuf bold = STRBUF_INIT;
            strbuf_addf(&bold, "**%s**", group);
            strbuf_addch(out, '|');
            add_md_cell(out, bold.buf);
            for (size_t c = 0; c < g->ncols; c++) {
                add_md_cell(out, "");
            }
            strbuf_addch(out, '\n');
            strbuf_release(&bold);
        }
        strbuf_addch(out, '|');
        add_md_cell(out, g->rows[r].name);
        for (size_t c = 0; c < g->ncols; c++) {
            add_md_cell(out, t[r * g->ncols + c]);
        }
        strbuf_addch(out, '\n');
    }
}

void
report_render_markdown(const struct report_grid *g, struct strbuf *out)
{
    char **t = cell_texts(g, "**", "**");

    strbuf_adds(out, "## leakmatrix\n\n");
    add_counts(g, out);
    strbuf_adds(out, ".\n\n");
    md_table(g, t, out);
    struct strbuf hidden = STRBUF_INIT;
    if (report_grid_hidden_text(g, &hidden)) {
        strbuf_addf(out, "\n%s.\n", hidden.buf);
    }
    strbuf_release(&hidden);
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
