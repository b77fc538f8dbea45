/* render.c - the top of report/: the format table (each format's name,
 * the file `run` writes it to, its renderer) and report_render(), which
 * hands a grid to the renderer of a format.  It calls down into the
 * renderers (report_internal.h), they into the grid model (grid.c) and
 * the escaping (escape.c); nothing below calls back up into this file. */
#include "report/report_internal.h"

#include <string.h>

static const struct format {
    const char *name;
    const char *file;
    void (*render)(const struct report_grid *g, struct strbuf *out);
} formats[REPORT_FORMATS] = {
    [REPORT_TEXT] = {"text", "report.txt", report_render_text},
    [REPORT_MARKDOWN] = {"markdown", "report.md", report_render_markdown},
    [REPORT_HTML] = {"html", "report.html", report_render_html},
    [REPORT_JSON] = {"json", "report.json", report_render_json},
    [REPORT_JUNIT] = {"junit", "report.junit.xml", report_render_junit},
    [REPORT_CSV] = {"csv", "report.csv", report_render_csv},
};

const char *
report_format_name(enum report_format f)
{
    return (unsigned)f < REPORT_FORMATS ? formats[f].name : "?";
}

int
report_format_from_name(const char *name)
{
    for (int f = 0; name && f < REPORT_FORMATS; f++) {
        if (strcmp(formats[f].name, name) == 0) {
            return f;
        }
    }
    if (name && strcmp(name, "md") == 0) {
        return REPORT_MARKDOWN;
    }
    return -1;
}

const char *
report_format_file(enum report_format f)
{
    return (unsigned)f < REPORT_FORMATS ? formats[f].file : "report";
}

void
report_render(const struct report_grid *g, enum report_format f,
              struct strbuf *out)
{
    if ((unsigned)f < REPORT_FORMATS) {
        formats[f].render(g, out);
    }
}
