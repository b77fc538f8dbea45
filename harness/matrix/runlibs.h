/* runlibs.h - the library sets of a run request (--lib, --libs-from,
 * --find-links, --no-index, --refresh-libs, --libs-dir: run.h) or of a
 * scenario (SCENARIO.libs, unless --no-scenario-libs), and getting them
 * installed for the cells of a plan that still have to run, before the
 * pool starts them.  matrix_run()'s (run.c); the options are read in
 * cli/run_options.c; what a set is and how it is installed is libset.h's.
 *
 * Installs happen one at a time, before any cell starts, so that a -j run
 * measures no pip running beside it; two leakmatrix processes wanting one
 * set take turns on its lock (libset_ensure()).  A set that does not
 * install makes its cells `skipped`, with pip's reason and the tail of the
 * log in the result, and every other cell carries on.
 *
 * Ownership: struct run_libs owns everything in it; run_libs_release()
 * frees it.  Option values are borrowed from the request.
 */
#ifndef LMX_RUNLIBS_H
#define LMX_RUNLIBS_H

#include "matrix/cell.h"
#include "libs/libset.h"
#include "matrix/plan.h"

struct run_libs_done {
    const struct python *py;
    size_t set;
    struct libset_install inst;
};

struct run_libs {
    struct strvec lib_args;        /* --lib values, in order */
    const char *libs_from;         /* --libs-from FILE */
    const char *libs_dir;          /* --libs-dir DIR, or NULL: the
                                      caller's store */
    int no_scenario_libs;          /* --no-scenario-libs */
    struct libset_source src;      /* --find-links, --no-index */
    struct libset *sets;           /* from the options */
    size_t nsets;
    struct run_libs_done *done;    /* installs made or found */
    size_t ndone;
    double install_seconds;        /* spent installing (not cached) */
};
#define RUN_LIBS_INIT                                                       \
    {STRVEC_INIT, NULL, NULL, 0, LIBSET_SOURCE_INIT, NULL, 0, NULL, 0, 0}

/* Turns the options into sets: every --lib together is one set, each
 * --libs-from line another.  0, or -1 after printing the one-line reason
 * (a usage error: a bad spec, an unreadable file, --no-index without
 * --find-links). */
int run_libs_build(struct run_libs *rl, const char *cmd);

/* Multiplies the plan's cells by the sets (plan_expand_libsets()).  When
 * the command line names none (no --lib, no --libs-from, no
 * --no-scenario-libs), a scenario's own sets apply to its cells alone:
 * the file SCENARIO.libs beside SCENARIO.py, in the --libs-from format
 * (scenarios/lz4_frame.libs: lz4tools==1.3.1.2 against lz4).  0, or -1
 * after printing what is wrong with such a file (a usage error). */
int run_libs_expand(struct run_libs *rl, struct plan *p, const char *cmd);

/* The scenario's own library set file: SCENARIO.libs for SCENARIO.py.
 * Fresh string (whether it exists or not). */
char *run_libs_scenario_file(const char *scenario);

/* A failed install's cell result, handed to the caller as if it had run. */
typedef int (*run_libs_skip_fn)(struct plan_cell *pc, struct cell_result *res,
                                void *ctx);

/* For every cell i with to_run[i] set and a library set: installs it into
 * the store at libs_root, or rl->libs_dir when given (or
 * finds it installed) and points the cell's spec at it.  When the install
 * fails, the cell gets a skipped result (cell_skip_unrunnable()) passed
 * to on_skip and to_run[i] is cleared.  Returns how many cells were skipped
 * so, or -1 after printing why the library store itself is unusable. */
long run_libs_prepare(struct run_libs *rl, const char *libs_root,
                      struct plan *p, unsigned char *to_run, int quiet,
                      run_libs_skip_fn on_skip, void *ctx);

/* The same for one cell with a library set (pc->libset >= 0): its set
 * installed, or found installed, for its interpreter, and its spec
 * pointed at it (libs; lib_path when it installed).  Returns the install
 * (borrowed from rl: ok or not, with pip's reason), or NULL after
 * printing why the library store itself is unusable. */
const struct libset_install *run_libs_install_cell(struct run_libs *rl,
                                                   const char *libs_root,
                                                   struct plan_cell *pc,
                                                   int quiet);

void run_libs_release(struct run_libs *rl);

#endif
