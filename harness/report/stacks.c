/* stacks.c - the native stacks of a cell (--valgrind, --lsan) as lines
 * for the text and markdown reports; html.c renders its own from the same
 * fields (outcome.h: struct outcome_stack). */
#include "report/report_internal.h"

#include <math.h>

void
report_rate_pair(double bytes_per_iteration, double blocks_per_iteration,
                 struct strbuf *out)
{
    char rate[VERDICT_FIGURE_SIZE], blocks[VERDICT_FIGURE_SIZE];

    verdict_format_rate(rate, sizeof(rate), bytes_per_iteration, "bytes");
    verdict_format_rate(blocks, sizeof(blocks), blocks_per_iteration,
                        "blocks");
    strbuf_addf(out, "%s (%s)", rate, blocks);
}

void
report_stack_line(const struct outcome_stack *st, struct strbuf *out)
{
    report_rate_pair(st->bytes_per_iteration, st->blocks_per_iteration,
                     out);
    strbuf_addf(out, " %s: ", st->kind);
    outcome_stack_text(st, st->nframes, out);
}

int
report_any_stacks(const struct report_grid *g)
{
    for (size_t i = 0; i < g->set->nr; i++) {
        if (g->set->v[i].outcome.nstacks) {
            return 1;
        }
    }
    return 0;
}

void
report_render_stacks(const struct report_grid *g, const char *cell_prefix,
                     const char *line_prefix, struct strbuf *out)
{
    for (size_t r = 0; r < g->nrows; r++) {
        for (size_t c = 0; c < g->ncols; c++) {
            const struct result *res = report_grid_at(g, r, c);
            if (res == NULL || res->outcome.nstacks == 0) {
                continue;
            }
            strbuf_addf(out, "%s%s on %s:\n", cell_prefix, g->rows[r].label,
                        g->cols[c].label);
            for (size_t i = 0; i < res->outcome.nstacks
                               && i < REPORT_STACKS_SHOWN;
                 i++) {
                strbuf_adds(out, line_prefix);
                report_stack_line(&res->outcome.stacks[i], out);
                strbuf_addch(out, '\n');
            }
        }
    }
}
