/* runnerkit.h - an installed leakmatrix's runners, built on demand.  The
 * kit is what `meson install` put in <libexecdir>/leakmatrix: the
 * runner's sources, support.py with gen_support.py, and runner.build,
 * the build description meson wrote (its format is at its top).  From it,
 * the runner of an interpreter is built the first time a run needs it (or
 * at `pythons sync`), on this machine, into the user's cache.  A build
 * tree never comes here: meson builds its runners (harness/runner/).
 *
 * Where a runner is: <cache>/runners/<tag>-<version>-<hash>/leakmatrix-run
 * (a store, base/store.h), where version is leakmatrix's and hash (16 hex
 * digits) covers all the runner is made of: the interpreter's executable
 * and embed flags (the registry's cflags and libs, a private root's loader
 * flags among them), the compiler, runner.build and every file of the kit,
 * and which of runner.build's `when` files exist (Valgrind's headers).
 * So a new leakmatrix, an interpreter whose flags changed or another
 * compiler gets a runner of its own; none is ever rebuilt in place.
 *
 * How: the interpreter itself writes the headers runner.build generates
 * (gen_support.py: support.py's code object in its own bytecode), then one
 * compiler run ($CC, else cc, split at blanks; argv only, no shell)
 * compiles and links the sources
 * with runner.build's flags, the interpreter's cflags, -DLMX_TAG,
 * -DLMX_PYTHON_EXE and its libs, pinned to its libpython (DT_RPATH) as
 * meson pins the build tree's.  Steps run in a work directory of the
 * store, logged to <cache>/runners/logs/, and the result is renamed into
 * place whole, under the entry's lock: two processes that need the same
 * runner at once build it once (the second waits, then takes it).
 *
 * Ownership: a struct runnerkit owns its strings (runnerkit_release()).
 * Errors are one lowercase line appended to a struct strbuf, without the
 * "leakmatrix: " prefix, naming what to install when something is
 * missing.
 */
#ifndef LMX_RUNNERKIT_H
#define LMX_RUNNERKIT_H

#include <stdint.h>

#include "base/util.h"
#include "interp/registry.h"

#define RUNNERKIT_DESCRIPTION "runner.build"
#define RUNNERKIT_RUNNER "leakmatrix-run"

struct runnerkit {
    char *dir;              /* the kit: runner.build and the sources */
    char *store;            /* where runners go: <cache>/runners */
    struct strvec cc;       /* the compiler's argv: $CC, else "cc" */
    struct strvec sources;  /* runner.build's, relative to dir */
    struct strvec cflags;
    struct strvec ldflags;
    struct strvec whens;    /* "FILE\tFLAG..." */
    struct strvec gens;     /* "SCRIPT\tINPUT\tOUTPUT\tMACRO[\tARG...]" */
    uint64_t digest;        /* of runner.build, every file and cc */
};
#define RUNNERKIT_INIT {NULL, NULL, STRVEC_INIT, STRVEC_INIT, STRVEC_INIT, \
                        STRVEC_INIT, STRVEC_INIT, STRVEC_INIT, 0}

/* Reads the kit in dir, whose runners go to the store at store (not
 * created here), and the compiler from cc_env (the value of CC; NULL or
 * blank: "cc").  Returns 0, or -1 with a reason in err (kit released)
 * when runner.build is missing or malformed, belongs to another
 * leakmatrix version than this one (LMX_VERSION), or names a file the
 * kit lacks. */
int runnerkit_load(struct runnerkit *kit, const char *dir, const char *store,
                   const char *cc_env, struct strbuf *err);
void runnerkit_release(struct runnerkit *kit);

/* The store entry of py's runner, "<tag>-<version>-<hash>" (fresh), built
 * or not. */
char *runnerkit_entry(const struct runnerkit *kit, const struct python *py);

/* Sets python.runner for every embeddable interpreter of reg that has no
 * runner yet and whose runner is built in the store. */
void runnerkit_attach(const struct runnerkit *kit, struct registry *reg);

/* Makes sure py (embeddable) has its runner: taken from the store when
 * built, else built now, saying "leakmatrix: building the runner for TAG
 * ..." and then how long it took on stderr unless quiet (and waiting for
 * another process building it, if one is).  Sets py->runner.  Returns 0,
 * or -1 with one line in err: no compiler ("install gcc"), no Python.h
 * ("install python3.X-dev"), no libpython, a step that failed (with the
 * compiler's first error and the log's path), or the store unusable. */
int runnerkit_build(const struct runnerkit *kit, struct python *py,
                    int quiet, struct strbuf *err);

#endif
