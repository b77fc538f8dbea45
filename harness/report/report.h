/* report.h - the diff tables: a grid model built from result files, and
 * one renderer per format on top of it.
 *
 * The grid has one row per scenario and parameter set, one column per
 * interpreter (and library set and mode), columns ordered by version
 * (3.6.15 < 3.7.16 < ... < 3.13.0, a debug build right after its
 * release), never by the order results were found.  Where the verdict of
 * a row changes between neighbouring versions of the same library set and
 * mode the cell is marked, and the change is said in words under the
 * grid: "threading_server: leaks from 3.7.16, clean again from 3.8.18".
 * That line answers "is it safe to bump?".
 *
 * Library sets are column groups when every row ran with the same sets
 * (`run --libs-from` comparing sets on the same scenarios) and the groups
 * make at most 12 columns.  When they differ by row (the main job:
 * lz4_frame with its two sets beside threading_server with none), or
 * would make more columns (two sets on eleven interpreters), a set joins
 * its row instead ("lz4_frame (lz4tools==1.3.1.2)") and the columns stay
 * one per interpreter and mode: eleven interpreters times three groups
 * would not fit a screen, and most of those cells would be empty.
 *
 * A test's rows (run pytest:..., unittest:..., call:...) are grouped by
 * file and class: "tests/test_x.py::TestC" heads the rows of its tests,
 * each named by what follows ("test_m[big]").  A suite has hundreds of
 * tests: a grid of more than REPORT_ROWS_ALWAYS_SHOWN rows shows in text,
 * markdown and html only the rows with a finding or whose verdict differs
 * across columns, and counts the rest ("212 more rows clean in every
 * column; --all-rows to show them"), unless asked for all rows
 * (report_grid_show_all()).  json, junit and csv keep every row: they
 * are read by programs.
 *
 * Formats: text (the grid `run` prints), markdown (CI job summaries, pull
 * request comments), html (one self-contained file: grid, a plot per cell
 * and metric, a detail view per cell), json (the outcomes), junit (one
 * testcase per cell) and csv (one row per cell and metric).
 *
 * Files, top to bottom; each calls only files below it:
 *   report.h           this manual, for cli/, the tests and the fuzz
 *                      target: the grid model, the formats, the dispatch
 *   render.c           the format table and report_render()
 *   report_internal.h  what render.c and the renderers share, for them
 *                      alone: each format's renderer, the native stacks
 *   text.c             text and markdown
 *   data.c             json, junit and csv
 *   html.c             html
 *   imports.c          `report --imports` (called by cli/, not a format)
 *   where.c            the trace's sites and the names of what grew, for
 *                      text, markdown and junit
 *   stacks.c           native stack lines, for text and markdown, and
 *                      the rates a stack and a site share
 *   grid.c             the model: builds the grid, calls no renderer
 *   escape.h, escape.c XML and CSV escaping, for the renderers alone
 *
 * Ownership: the grid borrows the result set, which must outlive it; it
 * owns its rows, columns and lines.  Renderers append to a strbuf.
 */
#ifndef LMX_REPORT_H
#define LMX_REPORT_H

#include "matrix/result.h"
#include "base/util.h"

/* The grid model (grid.c). */

struct report_row {
    char *scenario;
    char *params;
    char *libset;     /* "" unless the grid has sets in its rows */
    char *label;      /* "threading_server [block_on_close=false]" */
    char *group;      /* a test's file or class, NULL for a scenario:
                         "tests/test_x.py::TestC" (pytest),
                         "pkg.test_x.TestC" (unittest), "pkg.mod"
                         (call) */
    const char *name; /* the label without its group and separator
                         ("test_m[big]"), or the label (points into it) */
    int quiet;        /* no finding, and the same verdict (clean, or
                         skipped) in every column it ran in */
    int shown;        /* text, markdown and html show the row */
};

struct report_col {
    char *python;     /* tag */
    char *version;
    unsigned long hexversion;
    int debug;
    char *libset;
    char *mode;
    char *label;      /* "3.11.7", "3.11.7 lz4", "3.11.7 census" */
};

struct report_grid {
    const struct result_set *set;
    struct report_row *rows;
    size_t nrows;
    struct report_col *cols;
    size_t ncols;
    const struct result **cells;  /* [row * ncols + col]; NULL: not run */
    unsigned char *changed;       /* [row * ncols + col]: the verdict
                                     differs from the previous version's */
    struct strvec lines;          /* the changes in words, one per row and
                                     series that has any */
    int libset_rows;              /* library sets are in the rows */
    struct strvec provenance;     /* libset_rows: per row with declared
                                     capabilities, what provided them,
                                     once for each run of interpreters
                                     that agree ("lz4_frame (lz4): lz4
                                     frame decoder: lz4 4.3.2 (lz4.frame)
                                     on 3.7.16; lz4 4.4.5 (lz4.frame) on
                                     3.8.18 to 3.13.0"); the text and
                                     markdown cells then leave it out */
    size_t hidden_clean;          /* rows not shown: clean in every
                                     column, and skipped in every one */
    size_t hidden_skipped;
};

/* A grid of at most this many rows shows every row: it fits a screen. */
#define REPORT_ROWS_ALWAYS_SHOWN 20

/* Builds the grid over every result in set, with the rows shown by
 * default (report.h's top: all of them up to REPORT_ROWS_ALWAYS_SHOWN,
 * else those that are not quiet).  Never fails. */
void report_grid_build(struct report_grid *g, const struct result_set *set);
/* Shows every row of g (`--all-rows`). */
void report_grid_show_all(struct report_grid *g);
/* Whether g hides any row, and if so appends "212 more rows clean in
 * every column, 3 skipped in every column; --all-rows to show them"
 * (without "more" when no row is shown) to out. */
int report_grid_hidden_text(const struct report_grid *g, struct strbuf *out);
void report_grid_release(struct report_grid *g);
/* The cell at (row, col), or NULL. */
const struct result *report_grid_at(const struct report_grid *g, size_t row,
                                    size_t col);

/* Orders two interpreters as the grid does: by version (hexversion), a
 * release before its debug build, then by tag.  <0, 0, >0. */
int report_version_cmp(unsigned long hex_a, int debug_a, const char *tag_a,
                       unsigned long hex_b, int debug_b, const char *tag_b);

/* The short cell text (outcome_cell_text(), or "-" for a cell that was
 * not run): what the renderers and `compare` show for a cell. */
void report_cell_text(const struct result *r, struct strbuf *out);
/* The text of cell i (row * ncols + col) of g as text and markdown show
 * it: report_cell_text() without the provenance when g->provenance says
 * it per row. */
void report_grid_cell_text(const struct report_grid *g, size_t i,
                           struct strbuf *out);

/* The formats and the dispatch (render.c). */

enum report_format {
    REPORT_TEXT,
    REPORT_MARKDOWN,
    REPORT_HTML,
    REPORT_JSON,
    REPORT_JUNIT,
    REPORT_CSV,
    REPORT_FORMATS,
};

/* "text", "markdown", ...; and back (-1 for an unknown name; "md" is
 * markdown). */
const char *report_format_name(enum report_format f);
int report_format_from_name(const char *name);
/* The file name `run` writes a format to: "report.txt", "report.md",
 * "report.html", "report.json", "report.junit.xml", "report.csv". */
const char *report_format_file(enum report_format f);

/* Renders g in format f, appended to out (render.c: the one way in to
 * the format renderers).  An unknown f appends nothing. */
void report_render(const struct report_grid *g, enum report_format f,
                   struct strbuf *out);

/* `report --imports` (imports.c): per cell (in grid order), its cell
 * text, which candidate provided each declared capability, the library
 * set and the third-party distributions it imported with their modules.
 * Not a format: cli/ calls it instead of report_render(). */
void report_render_imports(const struct report_grid *g, struct strbuf *out);

#endif
