/* plan.h - what a run will measure: the cells of a command line, from its
 * scenarios, interpreter selections, --set values and --vary products, and
 * from its test targets (target.h): one cell per target and interpreter
 * until collection (collect.h) puts one cell per test in its place.
 *
 * A cell's key (result.h) is fixed here, so that results, resume and
 * compare agree on what "the same cell" is: scenario, its parameters,
 * interpreter, library set and mode.
 *
 * Ownership: a plan owns its cells and everything in them; the registry
 * the cells' interpreters point into must outlive it.
 */
#ifndef LMX_PLAN_H
#define LMX_PLAN_H

#include "matrix/cell.h"
#include "interp/registry.h"
#include "matrix/result.h"
#include "base/util.h"

/* One --vary NAME=V1,V2,...: a cell per value. */
struct plan_vary {
    char *name;
    struct strvec values;
};

/* Whether a cell runs, or what collection decided for it instead. */
enum plan_ready {
    PLAN_RUN = 0,
    PLAN_SKIP,               /* skipped: why */
    PLAN_ERROR,              /* an error: why, and the framework's report
                                in text (may be NULL) */
};

struct plan_cell {
    struct cell_spec spec;   /* spec.sets points into sets, spec.scenario
                                into run when there is one, and
                                spec.runner_args into runner_args */
    struct strvec sets;      /* the --set values, then this cell's --vary
                                values */
    struct result_key key;
    char *digest;            /* the scenario file's (digest_file_fingerprint) */
    char *label;             /* "threading_server [a=1] on 3.7.16" */
    long libset;             /* index into plan_expand_libsets()' names,
                                -1 when the cell has no library set */
    char *run;               /* a test's argument for the runner, or NULL
                                (spec.scenario is then the caller's) */
    struct strvec runner_args;   /* a test's runner options */
    int collect;             /* a test target's cell, not collected yet */
    enum plan_ready ready;
    char *why;
    char *text;
};

struct plan {
    struct plan_cell *v;
    size_t nr;
};
#define PLAN_INIT {NULL, 0}

/* Parses "NAME=V1,V2,..." into v.  0, or -1 with a reason in err. */
int plan_parse_vary(const char *arg, struct plan_vary *v, struct strbuf *err);
void plan_vary_release(struct plan_vary *v);

/* Selects interpreters: each sel is a tag ("3.11.2-debug"), a version
 * prefix ("3.11"), "all", or an inclusive range by version ("3.7..3.11",
 * "3.8..", "..3.10", where "3.11" as an upper end takes every 3.11.x).
 * With no selector, every embeddable one.  Appends to out (no duplicates,
 * in registry order), at most max.  0, or LMX_EXIT_USAGE (an unknown
 * selector, a range that matches nothing, an interpreter of a version
 * leakmatrix refuses) or LMX_EXIT_INFRA (none embeddable at all, or one
 * selected that lacks its headers or shared libpython: why_not names the
 * package to install), with the message in err. */
int plan_select_pythons(const struct registry *reg, const char *const *sels,
                        size_t nsels, struct python **out, size_t *nout,
                        size_t max, struct strbuf *err);

/* Compares two versions "3.11.7" component by component, looking at no
 * more components than `bound` has: 3.11.7 vs "3.11" is 0.  <0, 0, >0. */
int plan_version_cmp_prefix(const char *version, const char *bound);

/* Builds every cell: scenario x vary product x interpreter, in that
 * nesting (one scenario's cells are neighbours).  `base` gives every
 * spec's settings (its py, scenario and sets are replaced per cell).
 * 0, or -1 with a reason in err (a scenario that cannot be read; a name
 * in both --set and --vary). */
int plan_build(struct plan *p, const struct cell_spec *base,
               const char *const *scenarios, size_t nscenarios,
               struct python *const *pythons, size_t npythons,
               const char *const *sets, const struct plan_vary *varies,
               size_t nvaries, struct strbuf *err);
void plan_release(struct plan *p);

/* Adds a test target's cells, one per interpreter, before collection:
 * spec.scenario is arg (the runner's form, target.h), the key's scenario
 * is name, the digest is digest, collect is set; no --set or --vary
 * applies to a test.  Strings are copied. */
void plan_add_target(struct plan *p, const struct cell_spec *base,
                     const char *arg, const char *name, const char *digest,
                     struct python *const *pythons, size_t npythons);

/* One test a target's cell stands for, as collection found it.  ready
 * says whether it runs (runner_args, NULL-ended, may be NULL) or what
 * collection already knows of it (why, text). */
struct plan_test {
    const char *id;          /* the key's scenario: the test id */
    const char *run;         /* the runner's argument */
    const char *digest;
    const char *const *runner_args;
    enum plan_ready ready;
    const char *why;
    const char *text;
};

/* Puts n cells in the place of cell i, one per test, each a copy of it
 * (interpreter, library set, spec) with the test's name, argument,
 * digest and decision; n == 0 removes the cell.  Strings are copied. */
void plan_replace(struct plan *p, size_t i, const struct plan_test *tests,
                  size_t n);

/* Multiplies every cell by the library sets: n cells in its place, one
 * per name (a set's canonical name, libset.h), each with key.libset set,
 * the label "... on TAG with NAME" and libset its index; the cell's spec
 * gets its set's lib_path and libs later, from the caller.  n == 0 leaves
 * the plan as it is.  names must outlive nothing: they are copied. */
void plan_expand_libsets(struct plan *p, const char *const *names, size_t n);

/* The same for the cells of one scenario file only (spec.scenario equal
 * to `scenario`): each becomes n cells, the k-th with names[k] and libset
 * which[k]; the other cells stay as they are. */
void plan_expand_scenario_libsets(struct plan *p, const char *scenario,
                                  const char *const *names,
                                  const long *which, size_t n);

#endif
