/* grid.c - the grid model every report renders: rows, version-ordered
 * columns, cells, and the verdict changes between neighbouring versions.
 *
 * A "series" is the columns of one library set and mode, in version
 * order: a change is only a change between neighbours of one series (the
 * same interpreter with another library is another question).  A skipped
 * cell or one that was not run does not break a series; it is stepped
 * over, so "clean, skipped, leak" reads "leaks from" the third.
 *
 * A test's row has a group, its file or class, told from its id by the
 * framework's own syntax: pytest's "tests/test_x.py::TestC::test_m[a::b]"
 * is test_m[a::b] of tests/test_x.py::TestC (a "::" inside the brackets
 * of a parameter id does not count), unittest's "pkg.test_x.TestC.test_m"
 * is test_m of pkg.test_x.TestC, and "pkg.mod:func" is func of pkg.mod.
 * Rows sort by group first, so that a group's rows are neighbours.
 *
 * The model calls no renderer and escapes nothing: the renderers read it,
 * and render.c, above them, picks one (report.h: which file is which).
 */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

int
report_version_cmp(unsigned long hex_a, int debug_a, const char *tag_a,
                   unsigned long hex_b, int debug_b, const char *tag_b)
{
    if (hex_a != hex_b) {
        return hex_a < hex_b ? -1 : 1;
    }
    if (debug_a != debug_b) {
        return debug_a ? 1 : -1;
    }
    return strcmp(tag_a, tag_b);
}

static int
col_cmp(const struct report_col *a, const struct report_col *b)
{
    int c = strcmp(a->libset, b->libset);
    if (c == 0) {
        c = strcmp(a->mode, b->mode);
    }
    if (c == 0) {
        c = report_version_cmp(a->hexversion, a->debug, a->python,
                               b->hexversion, b->debug, b->python);
    }
    return c;
}

static int
col_qsort(const void *a, const void *b)
{
    return col_cmp(a, b);
}

static int
row_qsort(const void *a, const void *b)
{
    const struct report_row *x = a, *y = b;
    int c = strcmp(x->group ? x->group : "", y->group ? y->group : "");
    c = c ? c : strcmp(x->scenario, y->scenario);
    c = c ? c : strcmp(x->params, y->params);
    return c ? c : strcmp(x->libset, y->libset);
}

static size_t
find_row(const struct report_grid *g, const struct result_key *k)
{
    for (size_t i = 0; i < g->nrows; i++) {
        if (strcmp(g->rows[i].scenario, k->scenario) == 0
            && strcmp(g->rows[i].params, k->params) == 0
            && (!g->libset_rows
                || strcmp(g->rows[i].libset, k->libset) == 0)) {
            return i;
        }
    }
    return (size_t)-1;
}

static size_t
find_col(const struct report_grid *g, const struct result_key *k)
{
    for (size_t i = 0; i < g->ncols; i++) {
        if (strcmp(g->cols[i].python, k->python) == 0
            && (g->libset_rows || strcmp(g->cols[i].libset, k->libset) == 0)
            && strcmp(g->cols[i].mode, k->mode) == 0) {
            return i;
        }
    }
    return (size_t)-1;
}

/* The length of the group of test id `id` in `framework`'s syntax, 0
 * when it has none (a scenario, a pytest file that did not collect). */
static size_t
test_group_len(const char *framework, const char *id)
{
    const char *end = id + strcspn(id, "[");
    const char *cut = NULL;

    if (strcmp(framework, "pytest") == 0) {
        for (const char *p = id; p + 1 < end; p++) {
            cut = p[0] == ':' && p[1] == ':' ? p : cut;
        }
    }
    else if (strcmp(framework, "unittest") == 0) {
        cut = strrchr(id, '.');
    }
    else if (strcmp(framework, "call") == 0) {
        cut = strrchr(id, ':');
    }
    return cut && cut > id ? (size_t)(cut - id) : 0;
}

/* Fills row's group and name from r, whose row it is. */
static void
set_group(struct report_row *row, const struct result *r)
{
    json_t *test = json_object_get(json_object_get(r->doc, "scenario"),
                                   "test");
    const char *fw = json_string_value(json_object_get(test, "framework"));
    size_t n = fw ? test_group_len(fw, row->scenario) : 0;

    row->group = NULL;
    row->name = row->label;
    if (n) {
        row->group = xstrndup(row->scenario, n);
        row->name = row->label + n + (row->scenario[n] == ':'
                                      && row->scenario[n + 1] == ':'
                                      ? 2 : 1);
    }
}

static void
add_axes(struct report_grid *g, const struct result *r)
{
    const struct result_key *k = &r->key;
    if (find_row(g, k) == (size_t)-1) {
        g->rows = xrealloc(g->rows, (g->nrows + 1) * sizeof(*g->rows));
        struct report_row *row = &g->rows[g->nrows++];
        row->scenario = xstrdup(k->scenario);
        row->params = xstrdup(k->params);
        row->libset = xstrdup(g->libset_rows ? k->libset : "");
        row->label = result_key_row(k);
        if (row->libset[0]) {
            char *label = xasprintf("%s (%s)", row->label, row->libset);
            free(row->label);
            row->label = label;
        }
        set_group(row, r);
    }
    if (find_col(g, k) == (size_t)-1) {
        g->cols = xrealloc(g->cols, (g->ncols + 1) * sizeof(*g->cols));
        struct report_col *col = &g->cols[g->ncols++];
        struct strbuf label = STRBUF_INIT;
        col->python = xstrdup(k->python);
        col->version = xstrdup(r->python_version);
        col->hexversion = r->hexversion;
        col->debug = r->debug;
        col->libset = xstrdup(g->libset_rows ? "" : k->libset);
        col->mode = xstrdup(k->mode);
        strbuf_adds(&label, k->python);
        if (col->libset[0]) {
            strbuf_addf(&label, " %s", k->libset);
        }
        if (strcmp(k->mode, "default") != 0) {
            strbuf_addf(&label, " %s", k->mode);
        }
        col->label = strbuf_detach(&label, NULL);
    }
}

/* What a change is about.  "clean" and "clean, None immortal" are one
 * class (a row clean on 3.11 is not different on 3.12), but the words say
 * which; a skipped cell says nothing about the verdict (NULL). */
static const char *
verdict_class(const struct result *r)
{
    switch (r->outcome.status) {
    case VERDICT_STATUS_CLEAN:
        return "clean";
    case VERDICT_STATUS_LEAK:
        return "leaks";
    case VERDICT_STATUS_OVER_RELEASE:
        return "over-releases";
    case VERDICT_STATUS_SUSPECT:
        return "suspect";
    case VERDICT_STATUS_CRASH:
        return "crashes";
    case VERDICT_STATUS_TIMEOUT:
        return "hangs";
    case VERDICT_STATUS_ERROR:
        return "fails to run";
    default:
        return NULL;
    }
}

static int
same_series(const struct report_col *a, const struct report_col *b)
{
    return strcmp(a->libset, b->libset) == 0 && strcmp(a->mode, b->mode) == 0;
}

/* The row's name in a change line, with the series when it is not the
 * default one. */
static void
add_series_name(const struct report_grid *g, size_t row, size_t first,
                struct strbuf *line)
{
    const struct report_col *col = &g->cols[first];
    int named_mode = strcmp(col->mode, "default") != 0;

    strbuf_adds(line, g->rows[row].label);
    if (col->libset[0] || named_mode) {
        strbuf_addf(line, " (%s%s%s)", col->libset,
                    col->libset[0] && named_mode ? ", " : "",
                    named_mode ? col->mode : "");
    }
    strbuf_addch(line, ':');
}

/* One row's changes along one series (columns first..end-1): marks the
 * cells that changed and adds a line when there is anything to say:
 *   "threading_server: leaks from 3.7.16, clean again from 3.8.18"
 *   "lz4_frame: over-releases from 3.6.15, clean from 3.12.1 (None
 *    immortal)"
 *   "pyleak: leaks on every interpreter measured (3.6.15 to 3.13.0)" */
static void
series_changes(struct report_grid *g, size_t row, size_t first, size_t end)
{
    struct strbuf line = STRBUF_INIT;
    const char *prev = NULL;
    const char *first_tag = NULL, *last_tag = NULL;
    int seen_clean = 0, changes = 0, measured = 0;

    add_series_name(g, row, first, &line);
    for (size_t c = first; c < end; c++) {
        const struct result *r = g->cells[row * g->ncols + c];
        const char *cls = r ? verdict_class(r) : NULL;
        if (cls == NULL) {
            continue;
        }
        int clean = strcmp(cls, "clean") == 0;
        measured++;
        first_tag = first_tag ? first_tag : g->cols[c].python;
        last_tag = g->cols[c].python;
        if (prev && strcmp(prev, cls) != 0) {
            g->changed[row * g->ncols + c] = 1;
        }
        if ((prev == NULL && !clean) || (prev && strcmp(prev, cls) != 0)) {
            strbuf_addf(&line, "%s %s%s from %s", changes++ ? "," : "", cls,
                        clean && seen_clean ? " again" : "",
                        g->cols[c].python);
            if (clean && (r->outcome.flags & OUTCOME_IMMORTAL_SINGLETONS)) {
                strbuf_adds(&line, " (None immortal)");
            }
        }
        seen_clean |= clean;
        prev = cls;
    }
    if (changes == 1 && !seen_clean && measured > 1) {
        /* The same finding everywhere: say so instead of "from". */
        strbuf_reset(&line);
        add_series_name(g, row, first, &line);
        strbuf_addf(&line, " %s on every interpreter measured (%s to %s)",
                    prev, first_tag, last_tag);
    }
    if (changes) {
        strvec_push(&g->lines, line.buf);
    }
    strbuf_release(&line);
}

/* Set columns are at most this many: one scenario with two sets on every
 * interpreter here would be 22 columns, 530 characters of text grid. */
#define GRID_MAX_SET_COLUMNS 12

/* Whether library sets go into the rows: when some set ran for one row
 * (scenario and params) but not for another (a set of columns would be
 * empty for some rows), or when set columns would be too many to read. */
static int
libsets_in_rows(const struct result_set *set)
{
    struct report_grid g;
    int differ = 0;

    memset(&g, 0, sizeof(g));
    for (size_t i = 0; i < set->nr; i++) {
        add_axes(&g, &set->v[i]);
    }
    /* has[row * ncols + col]: the row ran with the column's set (any
     * interpreter and mode). */
    unsigned char *has = xcalloc(g.nrows * g.ncols + 1, 1);
    for (size_t i = 0; i < set->nr; i++) {
        size_t r = find_row(&g, &set->v[i].key);
        for (size_t c = 0; c < g.ncols; c++) {
            if (strcmp(g.cols[c].libset, set->v[i].key.libset) == 0) {
                has[r * g.ncols + c] = 1;
            }
        }
    }
    for (size_t c = 0; c < g.ncols && !differ; c++) {
        for (size_t r = 1; r < g.nrows; r++) {
            if (has[r * g.ncols + c] != has[c]) {
                differ = 1;
                break;
            }
        }
    }
    free(has);
    size_t sets = 0;
    for (size_t c = 0; c < g.ncols; c++) {
        size_t d = 0;
        while (d < c && strcmp(g.cols[d].libset, g.cols[c].libset) != 0) {
            d++;
        }
        sets += d == c;
    }
    if (sets > 1 && g.ncols > GRID_MAX_SET_COLUMNS) {
        differ = 1;
    }
    report_grid_release(&g);
    return differ;
}

/* One fact of capability k in a cell, short: what provided it
 * ("lz4tools 1.3.1.2 (lz4f)", "none imported") or, with used, how the
 * scenario used it ("" when it did not say). */
static void
provided_fact(const struct result *r, size_t k, int used, struct strbuf *sb)
{
    const struct outcome_provided *p = &r->outcome.provided[k];

    if (used) {
        strbuf_adds(sb, p->used ? p->used : "");
    }
    else if (p->module == NULL) {
        strbuf_adds(sb, "none imported");
    }
    else if (p->dist) {
        strbuf_addf(sb, "%s%s%s (%s)", p->dist, p->version ? " " : "",
                    p->version ? p->version : "", p->module);
    }
    else {
        strbuf_addf(sb, "module %s", p->module);
    }
}

/* Appends to line one fact of capability k along the row, each run of
 * neighbouring interpreters that agree told once: "A on 3.6.15 to
 * 3.9.18, B on 3.10.13".  Cells not run, or without the capability, are
 * stepped over.  Returns how many runs it told. */
static int
fact_runs(const struct report_grid *g, size_t row, const char *cap,
          int used, struct strbuf *line)
{
    struct strbuf prev = STRBUF_INIT;
    struct strbuf cur = STRBUF_INIT;
    const char *first = NULL, *last = NULL;
    int runs = 0;

    for (size_t c = 0; c <= g->ncols; c++) {
        const struct result *r = c < g->ncols ? g->cells[row * g->ncols + c]
                                              : NULL;
        size_t k = 0;
        strbuf_reset(&cur);
        while (r && k < r->outcome.nprovided
               && strcmp(r->outcome.provided[k].capability, cap) != 0) {
            k++;
        }
        if (c < g->ncols && (r == NULL || k == r->outcome.nprovided)) {
            continue;
        }
        if (c < g->ncols) {
            provided_fact(r, k, used, &cur);
        }
        if (first && (c == g->ncols || strcmp(cur.buf, prev.buf) != 0)) {
            if (prev.len) {
                strbuf_addf(line, "%s%s on %s%s%s", runs++ ? ", " : "",
                            prev.buf, first, strcmp(first, last) ? " to " : "",
                            strcmp(first, last) ? last : "");
            }
            first = NULL;
        }
        if (c == g->ncols) {
            break;
        }
        if (first == NULL) {
            first = g->cols[c].python;
            strbuf_reset(&prev);
            strbuf_adds(&prev, cur.buf);
        }
        last = g->cols[c].python;
    }
    strbuf_release(&prev);
    strbuf_release(&cur);
    return runs;
}

/* One row's provenance line: for each capability its cells declare, what
 * provided it and, when the scenario says, how it was used:
 *   "lz4_frame (lz4tools==1.3.1.2): lz4 frame decoder from lz4tools
 *    1.3.1.2 (lz4f) on 3.6.15 to 3.13.0; used: frame decode on 3.6.15 to
 *    3.9.18, context calls only: ... on 3.10.13 to 3.13.0" */
static void
row_provenance(struct report_grid *g, size_t row)
{
    struct strvec caps = STRVEC_INIT;
    struct strbuf line = STRBUF_INIT;

    for (size_t c = 0; c < g->ncols; c++) {
        const struct result *r = g->cells[row * g->ncols + c];
        for (size_t k = 0; r && k < r->outcome.nprovided; k++) {
            const char *cap = r->outcome.provided[k].capability;
            size_t n = 0;
            while (n < caps.nr && strcmp(caps.v[n], cap) != 0) {
                n++;
            }
            if (n == caps.nr) {
                strvec_push(&caps, cap);
            }
        }
    }
    strbuf_addf(&line, "%s:", g->rows[row].label);
    for (size_t n = 0; n < caps.nr; n++) {
        strbuf_addf(&line, "%s %s from ", n ? ";" : "", caps.v[n]);
        fact_runs(g, row, caps.v[n], 0, &line);
        size_t mark = line.len;
        strbuf_adds(&line, "; used: ");
        if (fact_runs(g, row, caps.v[n], 1, &line) == 0) {
            line.len = mark;
            line.buf[mark] = '\0';
        }
    }
    if (caps.nr) {
        strvec_push(&g->provenance, line.buf);
    }
    strvec_clear(&caps);
    strbuf_release(&line);
}

/* Whether row has no finding and one verdict, clean or skipped, in every
 * column it ran in; *skipped says which. */
static int
row_quiet(const struct report_grid *g, size_t row, int *skipped)
{
    int seen_clean = 0, seen_skipped = 0;

    for (size_t c = 0; c < g->ncols; c++) {
        const struct result *r = g->cells[row * g->ncols + c];
        if (r == NULL) {
            continue;
        }
        if (r->outcome.status == VERDICT_STATUS_CLEAN) {
            seen_clean = 1;
        }
        else if (r->outcome.status == VERDICT_STATUS_SKIPPED) {
            seen_skipped = 1;
        }
        else {
            return 0;
        }
    }
    *skipped = seen_skipped;
    return seen_clean != seen_skipped;
}

/* Marks the quiet rows and shows the rows a grid shows by default. */
static void
select_rows(struct report_grid *g)
{
    int all = g->nrows <= REPORT_ROWS_ALWAYS_SHOWN;

    for (size_t r = 0; r < g->nrows; r++) {
        int skipped = 0;
        g->rows[r].quiet = row_quiet(g, r, &skipped);
        g->rows[r].shown = all || !g->rows[r].quiet;
        if (!g->rows[r].shown) {
            *(skipped ? &g->hidden_skipped : &g->hidden_clean) += 1;
        }
    }
}

void
report_grid_show_all(struct report_grid *g)
{
    for (size_t r = 0; r < g->nrows; r++) {
        g->rows[r].shown = 1;
    }
    g->hidden_clean = 0;
    g->hidden_skipped = 0;
}

int
report_grid_hidden_text(const struct report_grid *g, struct strbuf *out)
{
    size_t hidden = g->hidden_clean + g->hidden_skipped;
    const char *more = hidden < g->nrows ? " more" : "";

    if (hidden == 0) {
        return 0;
    }
    if (g->hidden_clean) {
        strbuf_addf(out, "%zu%s row%s clean in every column", g->hidden_clean,
                    more, g->hidden_clean == 1 ? "" : "s");
    }
    if (g->hidden_skipped && g->hidden_clean) {
        strbuf_addf(out, ", %zu skipped in every column", g->hidden_skipped);
    }
    else if (g->hidden_skipped) {
        strbuf_addf(out, "%zu%s row%s skipped in every column",
                    g->hidden_skipped, more,
                    g->hidden_skipped == 1 ? "" : "s");
    }
    strbuf_adds(out, "; --all-rows to show them");
    return 1;
}

void
report_grid_cell_text(const struct report_grid *g, size_t i,
                      struct strbuf *out)
{
    const struct result *r = g->cells[i];

    if (r && g->libset_rows) {
        outcome_cell_verdict_text(&r->outcome, out);
        return;
    }
    report_cell_text(r, out);
}

void
report_grid_build(struct report_grid *g, const struct result_set *set)
{
    memset(g, 0, sizeof(*g));
    g->set = set;
    g->libset_rows = libsets_in_rows(set);
    for (size_t i = 0; i < set->nr; i++) {
        add_axes(g, &set->v[i]);
    }
    if (g->nrows) {
        qsort(g->rows, g->nrows, sizeof(*g->rows), row_qsort);
    }
    if (g->ncols) {
        qsort(g->cols, g->ncols, sizeof(*g->cols), col_qsort);
    }
    size_t n = g->nrows * g->ncols;
    g->cells = xcalloc(n ? n : 1, sizeof(*g->cells));
    g->changed = xcalloc(n ? n : 1, 1);
    for (size_t i = 0; i < set->nr; i++) {
        size_t r = find_row(g, &set->v[i].key);
        size_t c = find_col(g, &set->v[i].key);
        g->cells[r * g->ncols + c] = &set->v[i];
    }
    for (size_t r = 0; r < g->nrows; r++) {
        for (size_t c = 0; c < g->ncols;) {
            size_t end = c + 1;
            while (end < g->ncols && same_series(&g->cols[c], &g->cols[end])) {
                end++;
            }
            series_changes(g, r, c, end);
            c = end;
        }
        if (g->libset_rows) {
            row_provenance(g, r);
        }
    }
    select_rows(g);
}

void
report_grid_release(struct report_grid *g)
{
    for (size_t i = 0; i < g->nrows; i++) {
        free(g->rows[i].scenario);
        free(g->rows[i].params);
        free(g->rows[i].libset);
        free(g->rows[i].label);
        free(g->rows[i].group);
    }
    for (size_t i = 0; i < g->ncols; i++) {
        free(g->cols[i].python);
        free(g->cols[i].version);
        free(g->cols[i].libset);
        free(g->cols[i].mode);
        free(g->cols[i].label);
    }
    free(g->rows);
    free(g->cols);
    free(g->cells);
    free(g->changed);
    strvec_clear(&g->lines);
    strvec_clear(&g->provenance);
    memset(g, 0, sizeof(*g));
}

const struct result *
report_grid_at(const struct report_grid *g, size_t row, size_t col)
{
    if (row >= g->nrows || col >= g->ncols) {
        return NULL;
    }
    return g->cells[row * g->ncols + col];
}

void
report_cell_text(const struct result *r, struct strbuf *out)
{
    if (r == NULL) {
        strbuf_adds(out, "-");
        return;
    }
    outcome_cell_text(&r->outcome, out);
}
