/* target.h - what `leakmatrix run` is given to run: each argument is a
 * scenario file or a test target, told apart by its syntax alone, never
 * by guessing from a file's content:
 *
 *   PATH                    a scenario file (scenarios/README.md)
 *   pytest:PATH[::ID...]    pytest's tests: a file, a directory, or a node
 *                           id (tests/test_x.py::TestC::test_m[big])
 *   PATH::ID...             the same: a node id needs no prefix
 *   unittest:NAME           a unittest id, dotted as `python -m unittest`
 *                           takes it: a package, module, TestCase class or
 *                           test method (pkg.tests.test_x.TestC.test_m)
 *   call:MODULE:FUNCTION    a callable taking no arguments
 *                           (call:pkg.mod:func, call:pkg.mod:Cls.method)
 *
 * A test target becomes its tests when the runner collects it on each
 * interpreter (collect.h); until then its cells are named by `name`.
 *
 * Ownership: struct target owns its strings; target_release() frees them.
 */
#ifndef LMX_TARGET_H
#define LMX_TARGET_H

#include "base/util.h"

enum target_kind {
    TARGET_SCENARIO,
    TARGET_PYTEST,
    TARGET_UNITTEST,
    TARGET_CALL,
};

struct target {
    enum target_kind kind;
    char *arg;       /* a scenario's absolute path; a test target as the
                        runner takes it, paths absolute
                        ("pytest:/src/tests/test_x.py::test_y") */
    char *name;      /* a test target as given, without its prefix
                        ("tests/test_x.py::test_y"); a scenario's path as
                        given */
    char *file;      /* what a digest is taken of: the scenario file, a
                        pytest target's file; NULL for the rest */
};
#define TARGET_INIT {TARGET_SCENARIO, NULL, NULL, NULL}

/* Reads one argument of `run` into t (released first).  0, or -1 with
 * err saying what is wrong and what would be right (a path that does not
 * exist, a directory given as a scenario, a malformed unittest name). */
int target_parse(const char *arg, struct target *t, struct strbuf *err);
void target_release(struct target *t);

/* The framework of a test target as the runner takes it ("pytest",
 * "unittest", "call"), with *id (when id is not NULL) pointed at what
 * follows the prefix in arg; NULL for a scenario file.  Borrowed
 * strings: the name is static, *id points into arg. */
const char *target_framework(const char *arg, const char **id);

/* A fingerprint of what a cell runs, so that resume reruns a cell whose
 * code changed: of `file` when it can be read, else of `arg` itself
 * (a unittest or call target names a module the front end cannot find).
 * Fresh string. */
char *target_digest(const char *file, const char *arg);

#endif
