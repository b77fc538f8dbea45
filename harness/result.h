/* result.h - cell result files and the end-of-run table.
 *
 * A result is one JSON document per cell (schema: results/README.md),
 * written atomically as <DIR>/<scenario>--<tag>.json.  The table is a grid
 * of scenarios (rows) by interpreters (columns) with each cell's status and
 * leading figure: the first of the diff tables the report module will
 * grow.
 *
 * Ownership: the table copies every string it is given.
 */
#ifndef LMX_RESULT_H
#define LMX_RESULT_H

#include <jansson.h>

#include "util.h"

/* "threading_server" for ".../threading_server.py". Points into path. */
const char *result_scenario_name(const char *path);

/* Writes doc to <dir>/<scenario name>--<tag>.json atomically.  0 with
 * *path_out (fresh, may be NULL) set, or -1 with errno. */
int result_write(json_t *doc, const char *dir, const char *scenario,
                 const char *tag, char **path_out);

struct result_entry {
    char *scenario;
    char *tag;
    char *status;
    char *summary;
};

struct result_table {
    struct result_entry *v;
    size_t nr;
    size_t alloc;
};

void result_table_init(struct result_table *t);
void result_table_release(struct result_table *t);
void result_table_add(struct result_table *t, const char *scenario,
                      const char *tag, const char *status,
                      const char *summary);
/* Renders the grid as aligned text: one row per scenario, one column per
 * tag (in order of first appearance), each cell "status figure". */
void result_table_render(const struct result_table *t, struct strbuf *out);

#endif
